//! The plain HTML forms with JavaScript off, and the order form by keyboard alone: what a
//! resident on a basic phone or with a screen reader and no mouse goes through.

use fantoccini::key::Key;
use serde_json::json;

use crate::driver::Browser;
use crate::support::Server;
use crate::verify::type_code;

pub const PROGRAM: &str = "/programs/minju-chenjinggu/";
pub const ORDER: &str = "form[data-form=order]";

/// Fills the order form on the program page the way a resident does, then presses 点单.
async fn order(b: &Browser, township: &str, name: &str, phone: &str, note: &str) {
    b.goto(PROGRAM).await;
    b.choose(ORDER, "township", township).await;
    b.fill(ORDER, "name", name).await;
    b.fill(ORDER, "phone", phone).await;
    b.fill(ORDER, "note", note).await;
    b.submit(ORDER).await;
}

/// The first order from a phone: the form comes back asking for the code it sent; typed in,
/// the order goes through.
async fn order_with_code(b: &Browser, server: &Server, phone: &str, note: &str) {
    order(b, "nanyu", "林阿姨", phone, note).await;
    b.wait_text("the form asking for the code", |t| {
        t.contains("验证码已发送至")
    })
    .await;
    type_code(b, server, "main form", phone).await;
    b.submit("main form").await;
}

pub async fn order_repeat_and_wrong_phone(b: &Browser, server: &Server) {
    order_with_code(b, server, "138 0013 8000", "希望过年前来演").await;
    let receipt = b
        .wait_text("the order receipt", |t| t.contains("点单成功"))
        .await;
    assert!(
        b.path().await.starts_with("/api/orders/receipt"),
        "a plain form lands on the receipt page, not {}",
        b.path().await
    );
    assert!(
        receipt.contains("南屿镇已有 1 人点了“闽剧《陈靖姑》选段”"),
        "the receipt counts the order for 南屿镇:\n{receipt}"
    );

    // JavaScript really is off: the page's live count (filled in by site.js) stays hidden,
    // although there is now a count to show.
    b.goto(PROGRAM).await;
    let hidden = b
        .js(
            "return document.querySelector('[data-tally=program]').hidden",
            vec![],
        )
        .await;
    assert_eq!(hidden, json!(true), "site.js must not have run");

    order(b, "nanyu", "林阿姨", "13800138000", "").await;
    let again = b
        .wait_text("the repeat's receipt", |t| t.contains("不会重复计数"))
        .await;
    assert!(
        again.contains("南屿镇已有 1 人") && !again.contains("已经点过"),
        "a repeat gets the first order's words and counts nothing:\n{again}"
    );

    order(b, "nanyu", "陈伯", "138 0013", "想看闽剧").await;
    let page = b
        .wait_text("the form again with its mistake", |t| {
            t.contains("提交没有成功")
        })
        .await;
    assert!(
        page.contains("手机号码是 11 位数字，您填了 7 位，请核对。"),
        "the error names the field, in Chinese:\n{page}"
    );
    let summary = b.text("[role=alert]").await;
    assert!(
        summary.contains("手机号码"),
        "the error summary names the phone: {summary}"
    );
    let kept = b
        .js(
            "var f = document.forms[0];
             return [f.elements.name.value, f.elements.note.value, f.elements.township.value,
                     f.elements.program.value];",
            vec![],
        )
        .await;
    assert_eq!(
        kept,
        json!(["陈伯", "想看闽剧", "nanyu", "minju-chenjinggu"]),
        "everything typed is kept (except the phone number, which is never sent back)"
    );
}

/// The server-rendered form after a mistake (JavaScript off): the GOV.UK pattern.
pub async fn errors_are_announced(b: &Browser) {
    order(b, "", "", "12", "").await;
    b.wait_text("the form again", |t| t.contains("提交没有成功"))
        .await;
    let report = b
        .js(
            "var s = document.querySelector('.error-summary');
             var main = document.querySelector('main');
             var links = Array.from(s.querySelectorAll('a')).map(function (a) {
               var target = document.querySelector(a.getAttribute('href'));
               if (!target) return 'broken link ' + a.getAttribute('href');
               var described = (target.getAttribute('aria-describedby') || '').split(' ')
                 .map(function (id) { var el = document.getElementById(id); return el ? el.textContent : ''; })
                 .join(' ');
               return [target.name, target.getAttribute('aria-invalid'), described.indexOf(a.textContent) >= 0].join(':');
             });
             return { role: s.getAttribute('role'), first: main.querySelector('h1').nextElementSibling === s,
                      focused: document.activeElement === s,
                      focusable: s.getAttribute('tabindex'), links: links };",
            vec![],
        )
        .await;
    assert_eq!(report["role"], json!("alert"), "{report}");
    assert_eq!(
        report["first"],
        json!(true),
        "the summary comes first, under the heading: {report}"
    );
    assert_eq!(report["focusable"], json!("-1"), "{report}");
    assert_eq!(
        report["focused"],
        json!(true),
        "the summary has the focus, so a screen reader reads it first: {report}"
    );
    let links = report["links"].as_array().expect("links");
    for field in ["township", "name", "phone"] {
        assert!(
            links.contains(&json!(format!("{field}:true:true"))),
            "the summary links to `{field}`, which is marked invalid and described by its message: {report}"
        );
    }
}

/// Tabs until the element with `id` has the focus, checking each stop shows where it is.
async fn tab_to(b: &Browser, id: &str) {
    for _ in 0..80 {
        b.press(Key::Tab).await;
        let now = b
            .js(
                "var el = document.activeElement, s = getComputedStyle(el);
                 return [el.id, el.tagName, s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2];",
                vec![],
            )
            .await;
        assert_eq!(
            now[2],
            json!(true),
            "the focused element must show a focus ring: {now}"
        );
        if now[0] == json!(id) {
            return;
        }
    }
    panic!("80 presses of Tab never reached #{id}");
}

async fn focused(b: &Browser) -> serde_json::Value {
    b.js(
        "var el = document.activeElement; return [el.tagName, el.id, el.value || ''];",
        vec![],
    )
    .await
}

/// Tab to each field, type, pick the township with the arrow keys, Enter on the button.
pub async fn keyboard_only_order(b: &Browser, server: &Server, javascript: bool) {
    b.goto(PROGRAM).await;
    tab_to(b, "township").await;
    b.press(Key::Down).await;
    let township = focused(b).await;
    assert_ne!(
        township[2],
        json!(""),
        "the arrow key picks a township: {township}"
    );
    b.press(Key::Tab).await;
    assert_eq!(focused(b).await[1], json!("name"));
    b.type_text("陈伯").await;
    b.press(Key::Tab).await;
    assert_eq!(focused(b).await[1], json!("phone"));
    let phone = if javascript {
        "13900139001"
    } else {
        "13900139000"
    };
    b.type_text(phone).await;
    b.press(Key::Tab).await;
    // 有安排时短信通知我: reached by Tab, ticked with the space bar.
    assert_eq!(focused(b).await[1], json!("notify"));
    b.press(Key::Space).await;
    b.press(Key::Tab).await;
    assert_eq!(focused(b).await[1], json!("code"));
    if javascript {
        // 获取验证码 is next; Enter on it sends the code and brings the focus back to the field.
        b.press(Key::Tab).await;
        assert_eq!(focused(b).await[0], json!("BUTTON"));
        b.press(Key::Enter).await;
        b.wait_text("the code sent", |t| t.contains("验证码已发送至"))
            .await;
        assert_eq!(focused(b).await[1], json!("code"));
        let code = server.inbox.code_for(phone).expect("the text arrived");
        b.type_text(&code).await;
        // The button counts down, disabled, so Tab passes it by.
        b.press(Key::Tab).await;
    } else {
        b.press(Key::Tab).await;
    }
    assert_eq!(focused(b).await[1], json!("note"));
    b.press(Key::Tab).await;
    let button = focused(b).await;
    assert_eq!(
        button[0],
        json!("BUTTON"),
        "the honeypot is skipped; next is the button: {button}"
    );
    b.press(Key::Enter).await;
    if javascript {
        let text = b
            .wait_text("the inline confirmation", |t| t.contains("点单成功"))
            .await;
        assert!(text.contains("人点了这个节目"), "{text}");
        assert_eq!(b.path().await, PROGRAM, "JavaScript answers in place");
    } else {
        // The form comes back asking for the code it sent; Tab to it, type, Enter.
        b.wait_text("the code sent", |t| t.contains("验证码已发送至"))
            .await;
        tab_to(b, "field-code").await;
        let code = server.inbox.code_for(phone).expect("the text arrived");
        b.type_text(&code).await;
        b.press(Key::Enter).await;
        b.wait_text("the receipt page", |t| t.contains("点单成功，谢谢您"))
            .await;
        assert!(b.path().await.starts_with("/api/orders/receipt"));
    }
}
