//! Verified voices in the browser: the sample site asks for a text-message code on orders,
//! nominations and registrations. A resident verifies once (with JavaScript: 获取验证码 and a
//! countdown; without: the form comes back asking for the code it sent) and then orders,
//! nominates and registers a child from the same browser without a second text.

use crate::driver::Browser;
use crate::forms_nojs::{ORDER, PROGRAM};
use crate::support::Server;

const LECTURER: &str = "/lecturers/lin-xiuying/";
const NOMINATE: &str = "form[data-form=nomination]";
const COURSE: &str = "/courses/hanjia-shaoer-guzheng/";
const REGISTER: &str = "form[data-form=registration]";
const PHONE: &str = "13955556666";

/// Types the code the server texted to `phone` into `form`, as the resident reads it off
/// their phone.
pub async fn type_code(b: &Browser, server: &Server, form: &str, phone: &str) {
    let code = server.inbox.code_for(phone).expect("the text arrived");
    b.fill(form, "code", &code).await;
}

/// With JavaScript: 获取验证码 sends the code and counts down before another may be asked for.
async fn order_with_the_code_button(b: &Browser, server: &Server) {
    b.fill(ORDER, "phone", PHONE).await;
    b.tap(b.find(&format!("{ORDER} [data-send-code]")).await)
        .await;
    let status = b
        .wait_text("the code sent", |t| {
            t.contains("验证码已发送至 139****6666")
        })
        .await;
    assert!(status.contains("10 分钟内有效"), "{status}");
    let button = b
        .js(
            &format!("var x = document.querySelector('{ORDER} [data-send-code]'); return [x.disabled, x.textContent];"),
            vec![],
        )
        .await;
    assert_eq!(button[0], serde_json::json!(true), "{button}");
    assert!(
        button[1].as_str().unwrap_or("").contains("秒"),
        "a countdown: {button}"
    );
    type_code(b, server, ORDER, PHONE).await;
    b.submit(ORDER).await;
    b.wait_text("the inline confirmation", |t| t.contains("点单成功"))
        .await;
}

/// Without JavaScript: the form comes back with the code sent and the number kept.
async fn order_without_javascript(b: &Browser, server: &Server) {
    b.fill(ORDER, "phone", PHONE).await;
    b.submit(ORDER).await;
    let page = b
        .wait_text("the form asking for the code", |t| {
            t.contains("验证码已发送至 139****6666")
        })
        .await;
    assert!(page.contains("短信验证码"), "{page}");
    let form = "main form";
    type_code(b, server, form, PHONE).await;
    b.submit(form).await;
    b.wait_text("the receipt page", |t| t.contains("点单成功，谢谢您"))
        .await;
}

pub async fn one_text_for_three_forms(b: &Browser, server: &Server, javascript: bool) {
    let before = server.inbox.count();
    b.goto(PROGRAM).await;
    b.choose(ORDER, "township", "nanyu").await;
    b.fill(ORDER, "name", "林阿姨").await;
    if javascript {
        order_with_the_code_button(b, server).await;
    } else {
        order_without_javascript(b, server).await;
    }
    b.goto(LECTURER).await;
    b.choose(NOMINATE, "township", "nanyu").await;
    b.fill(NOMINATE, "name", "林阿姨").await;
    b.fill(NOMINATE, "phone", PHONE).await;
    b.submit(NOMINATE).await;
    b.wait_text("the nomination counted", |t| t.contains("点将成功"))
        .await;
    b.goto(COURSE).await;
    b.fill(REGISTER, "child_name", "小林").await;
    b.fill(REGISTER, "child_age", "9").await;
    b.fill(REGISTER, "guardian_name", "林阿姨").await;
    b.fill(REGISTER, "phone", PHONE).await;
    b.submit(REGISTER).await;
    b.wait_text("the registration", |t| {
        t.contains("报名成功") || t.contains("报名已确认")
    })
    .await;
    assert_eq!(
        server.inbox.count(),
        before + 1,
        "one text message for the order, the nomination and the registration"
    );
}
