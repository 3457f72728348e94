//! The loop a wish goes round: a resident posts it, staff answer it through the admin API, the
//! site is rebuilt, and the open wish wall reloads by itself to show the answer — with the
//! resident's name masked and no phone number anywhere.

use serde_json::{json, Value};

use crate::driver::Browser;
use crate::support::{client, ADMIN_TOKEN};

const WISHES: &str = "/wishes/";
const FORM: &str = "form[data-form=wish]";
const TEXT: &str = "希望寒假在上街镇开一个少儿书法班，孩子们都想学写毛笔字。";
const REPLY: &str =
    "谢谢您的建议！寒假少儿书法班已经开放报名，1 月 18 日起每周六上午在上街镇综合文化站上课。";

fn admin(method: &str, base: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let url = format!("{base}{path}");
    let auth = format!("Bearer {ADMIN_TOKEN}");
    let sent = match body {
        Some(body) => client()
            .post(&url)
            .header("Authorization", &auth)
            .send_json(body),
        None if method == "GET" => client().get(&url).header("Authorization", &auth).call(),
        None => client()
            .post(&url)
            .header("Authorization", &auth)
            .send_empty(),
    };
    let mut res = sent.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    let status = res.status().as_u16();
    let text = res.body_mut().read_to_string().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Wishes other residents posted earlier, already answered: (township, wish, reply).
const EARLIER: &[(&str, &str, &str)] = &[
    (
        "nanyu",
        "村里老人多，希望多安排几场闽剧，最好是下午场。",
        "已记下！明年 1 月起南屿镇的周末农家戏台每月加一场下午场闽剧，欢迎大家来点单。",
    ),
    (
        "ganzhe",
        "文化站的图书室想要多一些儿童绘本。",
        "县图书馆已调配 200 册儿童绘本到甘蔗街道文化站，12 月底上架。",
    ),
];

/// Posts and answers the earlier wishes, then waits until the published wall shows them.
fn earlier_wishes(base: &str) {
    for (township, text, reply) in EARLIER {
        let wish = json!({"text": text, "township": township, "name": "陈阿姨"});
        let mut res = (client().post(&format!("{base}/api/wishes")))
            .send_json(wish)
            .expect("the server answers");
        let status = res.status().as_u16();
        let posted: Value = res.body_mut().read_json().unwrap_or_default();
        assert_eq!(status, 201, "{posted}");
        let id = posted["id"].as_u64().expect("the wish's id");
        let path = format!("/api/admin/wishes/{id}/reply");
        let (status, replied) = admin("POST", base, &path, Some(json!({ "reply": reply })));
        assert_eq!(status, 200, "{replied}");
    }
    let started = std::time::Instant::now();
    loop {
        let mut res = client()
            .get(&format!("{base}{WISHES}"))
            .call()
            .expect("the wall");
        let page = res.body_mut().read_to_string().unwrap_or_default();
        if EARLIER.iter().all(|(_, _, reply)| page.contains(reply)) {
            return;
        }
        assert!(
            started.elapsed().as_secs() < 20,
            "the earlier answers never appeared"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// Posts the wish, answers it as staff, and sees the answer on the wall; returns when the
/// wall shows it (the page is left scrolled to the wall, for a screenshot).
pub async fn posted_answered_and_shown(b: &Browser) {
    earlier_wishes(&b.base);
    b.goto(WISHES).await;
    let wall = b.text("#wall").await;
    assert!(!wall.contains(TEXT), "an unanswered wish is not published");
    // The earlier answers' last rebuild may still land and reload the page mid-form: then
    // the form is filled in again.
    for _ in 0..3 {
        b.fill(FORM, "text", TEXT).await;
        b.choose(FORM, "township", "shangjie").await;
        b.fill(FORM, "name", "王秀兰").await;
        b.fill(FORM, "phone", "13912340000").await;
        let kept = b
            .js(
                &format!("return document.querySelector('{FORM}').elements.text.value"),
                vec![],
            )
            .await;
        if kept == json!(TEXT) {
            break;
        }
    }
    b.submit(FORM).await;
    b.wait_text("the wish received", |t| t.contains("已收到您的诉求"))
        .await;
    b.js("window.__beforeReply = true; return true", vec![])
        .await;

    // Staff find it in the list of wishes waiting for a reply, and answer it.
    let (status, pending) = admin("GET", &b.base, "/api/admin/wishes", None);
    assert_eq!(status, 200, "{pending}");
    let id = (pending["wishes"]
        .as_array()
        .expect("a list of wishes")
        .iter())
    .find(|w| w["text"] == json!(TEXT))
    .and_then(|w| w["id"].as_u64())
    .unwrap_or_else(|| panic!("the wish waits for a reply: {pending}"));
    let (status, replied) = admin(
        "POST",
        &b.base,
        &format!("/api/admin/wishes/{id}/reply"),
        Some(json!({ "reply": REPLY })),
    );
    assert_eq!(status, 200, "{replied}");

    // The site is rebuilt, and the open page reloads itself with the answer on the wall.
    let page = b
        .wait_text("the answer on the wish wall", |t| t.contains(REPLY))
        .await;
    assert_eq!(
        b.js("return window.__beforeReply === undefined", vec![])
            .await,
        json!(true),
        "the page was reloaded after the rebuild"
    );
    let wall = b.text("#wall").await;
    assert!(
        wall.contains(TEXT) && wall.contains("上街镇"),
        "the wish and its township are on the wall:\n{wall}"
    );
    assert!(
        !page.contains("王秀兰") && !page.contains("13912340000"),
        "neither the full name nor the phone number is published:\n{page}"
    );
    b.js(
        "document.getElementById('wall').scrollIntoView(); return true",
        vec![],
    )
    .await;
}
