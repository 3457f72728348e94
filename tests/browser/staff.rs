//! The staff page and the helper page at a phone's size, in one browser: an admin logs in by
//! keyboard alone and adds a village helper, a staff account sees no account management, and
//! the helper enters a paper order for a resident and gets a receipt to read out or print;
//! axe checks both pages on the way.

use fantoccini::key::Key;
use serde_json::{json, Value};

use crate::driver::{Browser, WIDTH};
use crate::support::ADMIN_TOKEN;
use crate::{a11y, tools};

const PASSWORD: &str = "tea-garden-2026";

/// Adds an account through the admin API with the bearer token, as first set-up does.
fn add_account(base: &str, name: &str, role: &str) {
    let body = json!({ "account": name, "role": role, "password": PASSWORD });
    let res = crate::support::client()
        .post(&format!("{base}/api/admin/accounts"))
        .header("Authorization", &format!("Bearer {ADMIN_TOKEN}"))
        .send_json(&body)
        .expect("the server answers");
    assert_eq!(res.status().as_u16(), 201, "adding {name}");
}

/// Waits until the element `id` is no longer hidden.
async fn shown(b: &Browser, id: &str) {
    let script = format!("return !document.getElementById('{id}').hidden");
    b.wait_js(&format!("#{id} shown"), &script).await;
}

/// The focused element's id.
async fn focused(b: &Browser) -> Value {
    b.js(
        "return document.activeElement && document.activeElement.id",
        vec![],
    )
    .await
}

/// Logs in on the staff page with the keyboard alone: Tab to the account field, type, Tab,
/// type the password, Enter.
async fn keyboard_login(b: &Browser, name: &str) {
    b.goto("/assets/admin.html").await;
    shown(b, "login").await;
    for _ in 0..10 {
        if focused(b).await == json!("account") {
            break;
        }
        b.press(Key::Tab).await;
    }
    assert_eq!(
        focused(b).await,
        json!("account"),
        "Tab reaches the account"
    );
    b.type_text(name).await;
    b.press(Key::Tab).await;
    assert_eq!(focused(b).await, json!("password"));
    b.type_text(PASSWORD).await;
    b.press(Key::Enter).await;
    shown(b, "panel").await;
}

async fn log_out(b: &Browser) {
    let button = b.find("#logout").await;
    b.tap(button).await;
    shown(b, "login").await;
}

/// An admin adds the helper with the page's form; a staff account has no such form.
async fn admin_adds_a_helper_and_staff_cannot(b: &Browser, violations: &mut Vec<String>) {
    let axe_js = tools::axe_js();
    keyboard_login(b, "boss").await;
    b.wait_text("the accounts", |t| {
        t.contains("账号管理") && t.contains("chen")
    })
    .await;
    violations.extend(a11y::check(b, &axe_js, "staff page (admin)").await);
    let name = b.find("#new-account").await;
    name.send_keys("lin-xiaomei").await.expect("typed");
    let nanyu = b.find("#new-townships input[value=nanyu]").await;
    b.tap(nanyu).await;
    let password = b.find("#new-password").await;
    password.send_keys(PASSWORD).await.expect("typed");
    b.submit("#account-form").await;
    b.wait_text("the new account", |t| t.contains("已新增账号 lin-xiaomei"))
        .await;
    log_out(b).await;

    keyboard_login(b, "chen").await;
    b.wait_text("the helpers' list", |t| t.contains("lin-xiaomei（南屿镇）"))
        .await;
    let hidden = b
        .js(
            "return document.querySelector('[data-need=admin]').hidden",
            vec![],
        )
        .await;
    assert_eq!(hidden, json!(true), "staff do not manage accounts");
    log_out(b).await;
    violations.extend(a11y::check(b, &axe_js, "staff page (login)").await);
}

/// The helper logs in, is told what is missing, then enters a paper order.
async fn helper_enters_a_paper_order(b: &Browser, violations: &mut Vec<String>) {
    let axe_js = tools::axe_js();
    b.goto("/assets/helper.html").await;
    shown(b, "login").await;
    violations.extend(a11y::check(b, &axe_js, "helper page (login)").await);
    b.fill("#login-form", "account", "lin-xiaomei").await;
    b.fill("#login-form", "password", PASSWORD).await;
    b.submit("#login-form").await;
    shown(b, "app").await;
    let township = b
        .js("return document.getElementById('f-township').value", vec![])
        .await;
    assert_eq!(township, json!("nanyu"), "the helper's township is preset");
    let fits = b
        .js(
            "return document.documentElement.scrollWidth <= window.innerWidth",
            vec![],
        )
        .await;
    assert_eq!(fits, json!(true), "nothing wider than a {WIDTH}px phone");

    b.submit("#proxy").await;
    b.wait_js(
        "the mistakes, focused",
        "return document.activeElement.id === 'summary'",
    )
    .await;
    let summary = b.text("#summary").await;
    assert!(
        summary.contains("代办方式") || summary.contains("纸质"),
        "{summary}"
    );
    violations.extend(a11y::check(b, &axe_js, "helper page (mistakes)").await);

    let paper = b.find("#proxy input[name=channel][value=paper]").await;
    b.tap(paper).await;
    b.choose("#proxy", "program", "minju-chenjinggu").await;
    b.fill("#proxy", "name", "陈阿婆").await;
    b.fill("#proxy", "phone", "13900139555").await;
    b.submit("#proxy").await;
    let receipt = b
        .wait_text("the receipt", |t| t.contains("已代为点单"))
        .await;
    assert!(receipt.contains("代办人：lin-xiaomei"), "{receipt}");
    b.wait_text("the helper's own list", |t| t.contains("纸质登记 · nanyu"))
        .await;
    violations.extend(a11y::check(b, &axe_js, "helper page (receipt)").await);
}

pub async fn staff_and_helper_pages(b: &Browser) {
    add_account(&b.base, "boss", "admin");
    add_account(&b.base, "chen", "staff");
    let mut violations = Vec::new();
    admin_adds_a_helper_and_staff_cannot(b, &mut violations).await;
    helper_enters_a_paper_order(b, &mut violations).await;
    assert!(
        violations.is_empty(),
        "axe-core found WCAG 2.1 A/AA violations:\n{}",
        violations.join("\n")
    );
}
