//! The forms with JavaScript on: answers appear in place, live counts follow, and mistakes
//! are announced the same way the server-rendered form announces them.

use serde_json::json;

use crate::driver::Browser;
use crate::forms_nojs::{ORDER, PROGRAM};
use crate::phone;
use crate::support::Server;
use crate::verify::type_code;

const LECTURER: &str = "/lecturers/lin-xiuying/";
const NOMINATE: &str = "form[data-form=nomination]";
const COURSE: &str = "/courses/hanjia-shaoer-guzheng/";
const REGISTER: &str = "form[data-form=registration]";

pub async fn nominate(b: &Browser, server: &Server) {
    for n in 1..=3 {
        let body = json!({"lecturer": "lin-xiuying", "township": "shangjie", "name": "乡亲", "phone": phone(n)});
        assert_eq!(server.post_json("/api/nominations", body).0, 201);
    }
    b.goto(LECTURER).await;
    b.wait_text("the live count", |t| {
        t.contains("已有 3 人点将，还差 12 人")
    })
    .await;
    // A mark on this very page: it survives only if the page is not reloaded.
    b.js("window.__sameVisit = true; return true", vec![]).await;
    b.choose(NOMINATE, "township", "nanyu").await;
    b.fill(NOMINATE, "name", "郑老师").await;
    b.fill(NOMINATE, "phone", "13912345678").await;
    b.fill(NOMINATE, "topic", "剪纸入门").await;
    b.submit(NOMINATE).await;
    // No code yet: site.js asks for one, as the server does for a plain form.
    b.wait_text("the code sent", |t| {
        t.contains("验证码已发送至 139****5678")
    })
    .await;
    type_code(b, server, NOMINATE, "13912345678").await;
    b.submit(NOMINATE).await;
    let text = b
        .wait_text("the inline confirmation", |t| {
            t.contains("点将成功！已有 4 人点将")
        })
        .await;
    assert!(text.contains("满 15 人安排讲座"), "{text}");
    b.wait_text("the live count to go up", |t| {
        t.contains("已有 4 人点将，还差 11 人")
    })
    .await;
    assert_eq!(
        b.js("return window.__sameVisit === true", vec![]).await,
        json!(true),
        "the page was not reloaded"
    );
    assert_eq!(b.path().await, LECTURER);
    let status = b.text(&format!("{NOMINATE} .result")).await;
    assert!(
        status.contains("点将成功"),
        "the confirmation sits in the live region: {status}"
    );
}

/// Registers one child through the form; returns the new answer's text and its links.
async fn register(b: &Browser, server: &Server, n: u32, before: &str) -> (String, Vec<String>) {
    b.fill(REGISTER, "child_name", &format!("小朋友{n}")).await;
    b.fill(REGISTER, "child_age", "9").await;
    b.fill(REGISTER, "guardian_name", "林妈妈").await;
    b.fill(REGISTER, "phone", &phone(100 + n)).await;
    b.fill(REGISTER, "code", &server.code(&phone(100 + n)))
        .await;
    b.submit(REGISTER).await;
    let result = format!("{REGISTER} .result");
    let started = std::time::Instant::now();
    loop {
        let text = b.text(&result).await;
        if !text.is_empty() && text != before {
            let links = b
                .js(
                    "return Array.from(arguments[0].querySelectorAll('a')).map(function (a) { return a.getAttribute('href'); })",
                    vec![serde_json::to_value(b.find(&result).await).expect("an element")],
                )
                .await;
            let links = serde_json::from_value(links).expect("a list of links");
            return (text, links);
        }
        assert!(
            started.elapsed().as_secs() < 10,
            "no answer to registration {n}: {}",
            b.body_text().await
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

pub async fn register_until_full_then_cancel(b: &Browser, server: &Server) {
    // Ten children are registered already; the course takes twelve, then four on a waitlist.
    for n in 1..=10 {
        let body = json!({"course": "hanjia-shaoer-guzheng", "child_name": format!("孩子{n}"),
            "child_age": 8, "guardian_name": "家长", "phone": phone(n)});
        assert_eq!(server.post_json("/api/registrations", body).0, 201);
    }
    b.goto(COURSE).await;
    b.wait_text("the places left", |t| t.contains("还剩 2 个名额"))
        .await;
    let mut answers = Vec::new();
    let mut before = String::new();
    for n in 1..=5 {
        let (text, links) = register(b, server, n, &before).await;
        before = text.clone();
        let waitlisted = text.contains("名额已满，已为您排上候补");
        answers.push((text, links));
        if waitlisted {
            break;
        }
    }
    assert_eq!(
        answers.len(),
        3,
        "two places, then the waitlist: {answers:#?}"
    );
    assert!(
        answers[0].0.contains("报名成功！请记下报名码"),
        "{answers:#?}"
    );
    b.wait_text("the course shown full", |t| {
        t.contains("名额已满，现有 1 人候补")
    })
    .await;

    // The first child cannot come after all: the link from the confirmation cancels.
    let cancel = (answers[0].1.iter())
        .find(|l| l.contains("/cancel?token="))
        .expect("a cancel link")
        .clone();
    let waiting_status = (answers[2].1.iter())
        .find(|l| !l.contains("/cancel"))
        .expect("a link to the waitlisted registration's status")
        .clone();
    b.goto(&cancel).await;
    let ask = b.body_text().await;
    assert!(
        ask.contains("确定要取消") && ask.contains("报名码"),
        "a GET only asks:\n{ask}"
    );
    b.tap(b.find("main form button[type=submit]").await).await;
    b.wait_text("the cancellation", |t| t.contains("报名已取消"))
        .await;

    // The place went to the first child on the waitlist.
    b.goto(&waiting_status).await;
    let promoted = b.body_text().await;
    let code = waiting_status
        .trim_start_matches("/api/registrations/")
        .split('?')
        .next()
        .expect("the code in the status link");
    assert!(
        promoted.contains("报名已确认") && promoted.contains(code),
        "the waitlisted child ({code}) moved up into the freed place:\n{promoted}"
    );
    b.goto(COURSE).await;
    b.wait_text("the course count after the cancel", |t| {
        t.contains("名额已满，现有 0 人候补")
    })
    .await;
}

/// A wrong submission with JavaScript on: summary on top, focused, linking to marked fields.
pub async fn errors_are_announced(b: &Browser, server: &Server) {
    b.goto(PROGRAM).await;
    b.fill(ORDER, "name", "陈伯").await;
    b.fill(ORDER, "phone", "12").await;
    b.submit(ORDER).await;
    b.wait_js(
        "the error summary",
        &format!("return !document.querySelector('{ORDER} .summary').hidden"),
    )
    .await;
    let report = b
        .js(
            &format!(
                "var form = document.querySelector('{ORDER}'), s = form.querySelector('.summary');
                 var links = Array.from(s.querySelectorAll('a')).map(function (a) {{
                   var target = document.querySelector(a.getAttribute('href'));
                   var described = (target.getAttribute('aria-describedby') || '').split(' ')
                     .map(function (id) {{ var el = document.getElementById(id); return el && !el.hidden ? el.textContent : ''; }})
                     .join(' ');
                   return [target.name, target.getAttribute('aria-invalid'), described.indexOf(a.textContent) >= 0].join(':');
                 }});
                 return {{ role: s.getAttribute('role'), focused: document.activeElement === s,
                          first: form.firstElementChild === s, links: links, text: s.textContent }};"
            ),
            vec![],
        )
        .await;
    assert_eq!(report["role"], json!("alert"), "{report}");
    assert_eq!(
        report["focused"],
        json!(true),
        "the summary takes the focus: {report}"
    );
    assert_eq!(report["first"], json!(true), "{report}");
    let links = report["links"].as_array().expect("links");
    for field in ["township", "phone"] {
        assert!(
            links.contains(&json!(format!("{field}:true:true"))),
            "the summary links to `{field}`, marked invalid and described by its message: {report}"
        );
    }
    assert!(
        !links
            .iter()
            .any(|l| l.as_str().unwrap_or("").starts_with("name:")),
        "the name was fine: {report}"
    );
    // Put right and sent again: the marks go, the answer comes.
    b.choose(ORDER, "township", "ganzhe").await;
    b.fill(ORDER, "phone", "13900001111").await;
    b.submit(ORDER).await;
    b.wait_text("the code sent", |t| t.contains("验证码已发送至"))
        .await;
    type_code(b, server, ORDER, "13900001111").await;
    b.submit(ORDER).await;
    b.wait_text("the confirmation", |t| t.contains("点单成功"))
        .await;
    let left = b
        .js(
            &format!("return document.querySelectorAll('{ORDER} [aria-invalid]').length"),
            vec![],
        )
        .await;
    assert_eq!(left, json!(0), "no field stays marked wrong");
}
