//! A headless Chromium at a phone's size (390×844), driven over WebDriver by a chromedriver
//! this test starts on a free loopback port and stops again, with JavaScript on or off.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::actions::{
    InputSource, KeyAction, KeyActions, MouseActions, PointerAction, MOUSE_BUTTON_LEFT,
};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::wd::TimeoutConfiguration;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

use crate::tools;

/// The phone every test browses with: the viewport of a common mid-range phone.
pub const WIDTH: u32 = 390;
pub const HEIGHT: u32 = 844;

/// A running chromedriver; stopped (with its browser) when dropped.
struct Driver {
    child: Child,
    url: String,
    session: Option<String>,
    /// Chromium's process, ended by hand if the session could not be closed.
    browser_pid: Option<u64>,
    _dir: tempfile::TempDir,
}

impl Driver {
    fn start() -> Driver {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        let log = std::fs::File::create(dir.path().join("chromedriver.log")).expect("a log file");
        let child = Command::new(tools::chromedriver())
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("the log file"))
            .stderr(log)
            .spawn()
            .expect("chromedriver starts");
        let mut driver = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            session: None,
            browser_pid: None,
            _dir: dir,
        };
        driver.wait_ready();
        driver
    }

    fn wait_ready(&mut self) {
        let started = Instant::now();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(2)))
            .build()
            .into();
        loop {
            if let Ok(mut res) = agent.get(&format!("{}/status", self.url)).call() {
                let body: Value = res.body_mut().read_json().unwrap_or_default();
                if body["value"]["ready"] == json!(true) {
                    return;
                }
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("chromedriver exited at start: {status}");
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not answer on {} within 20 s",
                self.url
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Ends the session first, so chromedriver closes Chromium; then chromedriver itself.
        let mut closed = true;
        if let Some(id) = self.session.take() {
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .timeout_global(Some(Duration::from_secs(10)))
                .http_status_as_error(false)
                .build()
                .into();
            let url = format!("{}/session/{id}", self.url);
            closed = agent.delete(&url).call().is_ok_and(|r| r.status() == 200);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let (false, Some(pid)) = (closed, self.browser_pid) {
            let _ = Command::new("kill").arg(pid.to_string()).status();
        }
    }
}

/// One browser session against one site.
pub struct Browser {
    pub client: Client,
    /// The site's origin, e.g. `http://127.0.0.1:40123`.
    pub base: String,
    pub javascript: bool,
    driver: Driver,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// A fresh Chromium (new profile) with JavaScript on or off, browsing `base`.
    pub async fn launch(base: &str, javascript: bool) -> Browser {
        Browser::launch_as(base, javascript, None).await
    }

    /// As [`Browser::launch`], announcing itself with `user_agent` (another phone's browser).
    pub async fn launch_as(base: &str, javascript: bool, user_agent: Option<&str>) -> Browser {
        let mut driver = Driver::start();
        let profile = tempfile::tempdir().expect("a profile folder");
        let mut chrome = json!({
            "binary": tools::chromium(),
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--hide-scrollbars", "--lang=zh-CN",
                format!("--window-size={WIDTH},{HEIGHT}"),
                format!("--user-data-dir={}", profile.path().display()),
            ],
            "mobileEmulation": { "deviceMetrics": { "width": WIDTH, "height": HEIGHT, "pixelRatio": 2 } },
        });
        if let (Some(agent), Some(args)) = (user_agent, chrome["args"].as_array_mut()) {
            args.push(json!(format!("--user-agent={agent}")));
        }
        if !javascript {
            chrome["prefs"] = json!({ "profile.managed_default_content_settings.javascript": 2 });
        }
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert("goog:chromeOptions".into(), chrome);
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&driver.url)
            .await
            .unwrap_or_else(|e| panic!("Chromium starts under chromedriver: {e}"));
        driver.session = client.session_id().await.ok().flatten();
        driver.browser_pid = (client.capabilities())
            .and_then(|c| c.get("goog:processID"))
            .and_then(Value::as_u64);
        client
            .update_timeouts(TimeoutConfiguration::new(
                Some(Duration::from_secs(30)),
                Some(Duration::from_secs(30)),
                Some(Duration::ZERO),
            ))
            .await
            .expect("timeouts set");
        Browser {
            client,
            base: base.to_owned(),
            javascript,
            driver,
            _profile: profile,
        }
    }

    /// Ends the session cleanly (also done, less politely, on drop).
    pub async fn close(mut self) {
        let client = self.client.clone();
        if client.close().await.is_ok() {
            self.driver.session = None;
        }
    }

    pub async fn goto(&self, path: &str) {
        let url = format!("{}{path}", self.base);
        self.client
            .goto(&url)
            .await
            .unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    /// The path and query of the page now shown.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("the current URL");
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    pub async fn find(&self, css: &str) -> Element {
        match self.client.find(Locator::Css(css)).await {
            Ok(el) => el,
            Err(e) => panic!("no element `{css}` on {}: {e}", self.path().await),
        }
    }

    /// The visible text of the first element matching `css`.
    /// Asked again while a page is being replaced (a form answer arriving, say).
    pub async fn text(&self, css: &str) -> String {
        let mut last = None;
        for _ in 0..50 {
            match self.client.find(Locator::Css(css)).await {
                Ok(el) => match el.text().await {
                    Ok(text) => return text,
                    Err(e) => last = Some(e),
                },
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no text of `{css}` on {}: {last:?}", self.path().await);
    }

    /// The text of the whole page body, as a reader sees it.
    pub async fn body_text(&self) -> String {
        self.text("body").await
    }

    /// Runs `script` in the page (works with page JavaScript off too: it goes through DevTools).
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Types `value` into the field called `name` inside `form`, replacing what was there.
    /// A rebuild that lands mid-step reloads the page (live reload): then the field is found
    /// again and typed into afresh.
    pub async fn fill(&self, form: &str, name: &str, value: &str) {
        let mut last = None;
        for _ in 0..5 {
            let el = self.find(&format!("{form} [name='{name}']")).await;
            match async {
                el.clear().await?;
                el.send_keys(value).await
            }
            .await
            {
                Ok(()) => return,
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        }
        panic!("typing into {form} [name='{name}'] failed: {last:?}");
    }

    /// Picks the option with `value` in the select called `name` inside `form`.
    pub async fn choose(&self, form: &str, name: &str, value: &str) {
        let el = self.find(&format!("{form} [name='{name}']")).await;
        el.select_by_value(value).await.expect("the option exists");
    }

    /// Presses the submit button of `form`, as a thumb would.
    pub async fn submit(&self, form: &str) {
        let button = self.find(&format!("{form} button[type=submit]")).await;
        self.tap(button).await;
    }

    /// Presses `el`: a tap with JavaScript on; with it off, Enter on the focused element, since
    /// chromedriver waits for a page timer before any pointer input, and timers never fire then.
    pub async fn tap(&self, el: Element) {
        if !self.javascript {
            let enter: char = Key::Enter.into();
            el.send_keys(&enter.to_string())
                .await
                .expect("the element takes the Enter key");
            return;
        }
        let arg = serde_json::to_value(&el).expect("an element reference");
        self.js(
            "arguments[0].scrollIntoView({block: 'center'}); return true",
            vec![arg],
        )
        .await;
        let finger = MouseActions::new("finger".to_owned())
            .then(PointerAction::MoveToElement {
                element: el,
                duration: None,
                x: 0.0,
                y: 0.0,
            })
            .then(PointerAction::Down {
                button: MOUSE_BUTTON_LEFT,
            })
            .then(PointerAction::Up {
                button: MOUSE_BUTTON_LEFT,
            });
        self.client
            .perform_actions(finger)
            .await
            .expect("the element can be pressed");
    }

    /// Waits (up to 10 s) until `check(body text)` holds; returns that text.
    pub async fn wait_text(&self, what: &str, check: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let text = self.body_text().await;
            if check(&text) {
                return text;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "waited 10 s for {what} on {}; the page says:\n{text}",
                self.path().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits (up to 10 s) until `script` returns `true`.
    pub async fn wait_js(&self, what: &str, script: &str) {
        let started = Instant::now();
        while self.js(script, vec![]).await != json!(true) {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "waited 10 s for {what} on {}:\n{}",
                self.path().await,
                self.body_text().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Presses and releases each of `keys` in turn on whatever has the focus, as a keyboard
    /// does (no element is targeted, so nothing is focused or clicked on the test's behalf).
    pub async fn keys(&self, keys: &[char]) {
        let mut actions = KeyActions::new("keyboard".to_owned());
        for &value in keys {
            actions = actions
                .then(KeyAction::Down { value })
                .then(KeyAction::Up { value });
        }
        self.client
            .perform_actions(actions)
            .await
            .expect("the keys are pressed");
    }

    pub async fn press(&self, key: Key) {
        self.keys(&[key.into()]).await;
    }

    /// Types `text` on the keyboard into the focused field.
    pub async fn type_text(&self, text: &str) {
        self.keys(&text.chars().collect::<Vec<_>>()).await;
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&self) -> Vec<u8> {
        self.client.screenshot().await.expect("a screenshot")
    }
}
