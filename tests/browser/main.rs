//! Tested as a resident would: the real `serve` app (site + API + SQLite) on a loopback port,
//! browsed by Debian's headless Chromium at a phone's size, with JavaScript off and on.
//!
//! Needs `chromium`, `chromium-driver` (apt) and `.ci/node_modules` (`npm ci --prefix .ci
//! --ignore-scripts`); `.ci/run` installs them. Set `DIANDAN_SCREENSHOTS=docs/screenshots` to
//! also save the README's screenshots while the accessibility test walks the pages.

#[path = "../support/mod.rs"]
mod support;

mod a11y;
mod driver;
mod forms_js;
mod forms_nojs;
mod print;
mod staff;
mod tools;
mod verify;
mod village;
mod weight;
mod wishes;

use driver::Browser;
use support::{china, repo_root, Server};

const SECRET: &str = "browser-test-secret-0123456789abcdef";

/// A fresh store and the sample site served as on 2026-12-15, when the winter courses are
/// open for registration and the December stages are partly past.
pub struct Site {
    pub server: Server,
    _dir: tempfile::TempDir,
}

pub fn site() -> Site {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let server = Server::start(
        &repo_root(),
        &dir.path().join("store.sqlite3"),
        SECRET,
        china("2026-12-15"),
    );
    Site { server, _dir: dir }
}

/// Runs one scenario, failing it (instead of hanging CI) if it takes over two minutes.
pub async fn within_time_limit(scenario: impl std::future::Future<Output = ()>) {
    if tokio::time::timeout(std::time::Duration::from_secs(120), scenario)
        .await
        .is_err()
    {
        panic!("the scenario did not finish within 120 s");
    }
}

/// Distinct mainland mobile numbers, one per `n`.
pub fn phone(n: u32) -> String {
    format!("139{:08}", 20_000_000 + n)
}

#[tokio::test]
async fn without_javascript_an_order_gets_a_receipt_a_repeat_is_counted_once_and_a_wrong_phone_is_named(
) {
    within_time_limit(async {
        let site = site();
        let browser = Browser::launch(&site.server.base, false).await;
        forms_nojs::order_repeat_and_wrong_phone(&browser, &site.server).await;
        browser.close().await;
    })
    .await;
}

#[tokio::test]
async fn the_order_form_can_be_completed_with_the_keyboard_alone() {
    within_time_limit(async {
        for javascript in [false, true] {
            // A site each: the first order's rebuild must not reload the second's page mid-Tab.
            let site = site();
            let browser = Browser::launch(&site.server.base, javascript).await;
            forms_nojs::keyboard_only_order(&browser, &site.server, javascript).await;
            browser.close().await;
        }
    })
    .await;
}

#[tokio::test]
async fn with_javascript_a_nomination_confirms_inline_and_the_live_count_goes_up() {
    within_time_limit(async {
        let site = site();
        let browser = Browser::launch(&site.server.base, true).await;
        forms_js::nominate(&browser, &site.server).await;
        browser.close().await;
    })
    .await;
}

#[tokio::test]
async fn with_javascript_a_full_course_offers_the_waitlist_and_a_cancel_frees_the_place() {
    within_time_limit(async {
        let site = site();
        let browser = Browser::launch(&site.server.base, true).await;
        forms_js::register_until_full_then_cancel(&browser, &site.server).await;
        browser.close().await;
    })
    .await;
}

#[tokio::test]
async fn form_errors_are_announced_with_and_without_javascript() {
    within_time_limit(async {
        let site = site();
        let browser = Browser::launch(&site.server.base, true).await;
        forms_js::errors_are_announced(&browser, &site.server).await;
        browser.close().await;
        let browser = Browser::launch(&site.server.base, false).await;
        forms_nojs::errors_are_announced(&browser).await;
        browser.close().await;
    })
    .await;
}

#[tokio::test]
async fn one_text_message_lets_a_browser_order_nominate_and_register_with_and_without_javascript() {
    within_time_limit(async {
        for javascript in [true, false] {
            let site = site();
            let browser = Browser::launch(&site.server.base, javascript).await;
            verify::one_text_for_three_forms(&browser, &site.server, javascript).await;
            browser.close().await;
        }
    })
    .await;
}

#[tokio::test]
async fn axe_finds_no_wcag_21_aa_violation_on_any_page_type() {
    within_time_limit(async {
        let site = site();
        let browser = Browser::launch(&site.server.base, true).await;
        a11y::every_page_type(&browser, &site.server).await;
        browser.close().await;
    })
    .await;
}

#[tokio::test]
async fn a_program_page_weighs_under_30_kb_gzipped_and_loads_nothing_from_another_host() {
    within_time_limit(async {
        let site = site();
        weight::program_pages_fit_the_budget(&site.server.base);
        let browser = Browser::launch(&site.server.base, true).await;
        weight::only_one_host(&browser, &site.server).await;
        browser.close().await;
    })
    .await;
}

#[tokio::test]
async fn a_wish_answered_by_staff_appears_on_the_wish_wall_after_the_rebuild() {
    within_time_limit(async {
        let site = site();
        let browser = Browser::launch(&site.server.base, true).await;
        wishes::posted_answered_and_shown(&browser).await;
        let violations = a11y::check(&browser, &tools::axe_js(), "wish wall").await;
        assert!(violations.is_empty(), "{}", violations.join("\n"));
        browser
            .js(
                "document.getElementById('wall').scrollIntoView(); window.scrollBy(0, -16); return true",
                vec![],
            )
            .await;
        a11y::maybe_screenshot(&browser, "wish wall").await;
        browser.close().await;
    })
    .await;
}

#[tokio::test]
async fn an_admin_adds_a_helper_by_keyboard_and_the_helper_enters_an_order_on_a_phone() {
    within_time_limit(async {
        let site = site();
        let browser = Browser::launch(&site.server.base, true).await;
        staff::staff_and_helper_pages(&browser).await;
        browser.close().await;
    })
    .await;
}

#[tokio::test]
async fn the_monthly_report_prints_on_one_or_two_a4_pages_without_clipped_tables() {
    within_time_limit(async {
        let site = site();
        // JavaScript on: the measuring frame reports back from its load event.
        let browser = Browser::launch(&site.server.base, true).await;
        print::report_prints_on_a4(&browser).await;
        browser.close().await;
    })
    .await;
}

#[tokio::test]
async fn every_township_poster_carries_a_qr_code_of_the_township_page() {
    within_time_limit(async {
        let site = site();
        let browser = Browser::launch(&site.server.base, false).await;
        village::a_page_without_a_code_decodes_to_nothing(&browser).await;
        village::every_poster_decodes_to_its_township(&browser).await;
        browser.close().await;
    })
    .await;
}

#[tokio::test]
async fn search_finds_programs_by_chinese_full_pinyin_and_initials() {
    within_time_limit(async {
        let site = site();
        let browser = Browser::launch(&site.server.base, true).await;
        village::chinese_pinyin_and_initials_find_programs(&browser).await;
        browser.close().await;
        let browser = Browser::launch(&site.server.base, false).await;
        village::without_javascript_search_lists_categories_and_townships(&browser).await;
        browser.close().await;
    })
    .await;
}

#[tokio::test]
async fn inside_wechat_the_calendar_link_says_how_to_open_the_system_browser() {
    within_time_limit(async {
        let site = site();
        let wechat = Browser::launch_as(&site.server.base, true, Some(village::WECHAT_UA)).await;
        let hint = village::wechat_hint_beside_calendar(&wechat).await;
        wechat.close().await;
        assert!(
            hint.as_deref()
                .is_some_and(|h| h.contains("点右上角 ··· 在浏览器打开")),
            "the hint follows the calendar link: {hint:?}"
        );
        let plain = Browser::launch(&site.server.base, true).await;
        let hint = village::wechat_hint_beside_calendar(&plain).await;
        plain.close().await;
        assert_eq!(hint, None, "no hint outside WeChat");
    })
    .await;
}
