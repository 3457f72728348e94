//! Reaching the village: every township's A4 poster carries a QR code a real decoder reads
//! back as the township's full address; search finds Chinese, full pinyin and initials;
//! WeChat's in-app browser is told how to open calendar links in the phone's own browser.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::driver::Browser;
use crate::support::repo_root;

/// WeChat's in-app browser on an Android phone, as it announces itself.
pub const WECHAT_UA: &str = "Mozilla/5.0 (Linux; Android 13; V2148A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MMWEBID/2247 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64";

/// The sample site's address and its townships' ids, from the content itself.
fn sample() -> (String, Vec<String>) {
    let loaded = diandan::content::load(&repo_root());
    let base = loaded
        .content
        .site
        .base_url
        .trim_end_matches('/')
        .to_owned();
    let ids = loaded
        .content
        .townships
        .iter()
        .map(|t| t.meta.id.to_string())
        .collect();
    (base, ids)
}

/// Every QR code a real decoder finds in `png`.
pub fn decode_qr(png: &[u8]) -> Vec<String> {
    let img = image::load_from_memory_with_format(png, image::ImageFormat::Png)
        .expect("the screenshot is a PNG")
        .to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    prepared
        .detect_grids()
        .iter()
        .filter_map(|g| g.decode().ok().map(|(_, text)| text))
        .collect()
}

/// Opens each township's poster, shows its QR code whole and reads it from a screenshot.
pub async fn every_poster_decodes_to_its_township(b: &Browser) {
    let (base, ids) = sample();
    assert!(ids.len() >= 15, "the sample has its townships: {ids:?}");
    for id in &ids {
        b.goto(&format!("/townships/{id}/")).await;
        // The staff's link to the poster is on the township page.
        b.find(&format!("a[href='/townships/{id}/poster/']")).await;
        b.goto(&format!("/townships/{id}/poster/")).await;
        b.wait_js(
            "the poster",
            "return document.readyState === 'complete' && !!document.querySelector('svg.qr')",
        )
        .await;
        b.js(
            "document.querySelector('svg.qr').scrollIntoView({block: 'center'}); return true",
            vec![],
        )
        .await;
        let found = decode_qr(&b.screenshot().await);
        let expected = format!("{base}/townships/{id}/");
        assert_eq!(
            found,
            vec![expected],
            "the poster of {id} on {}",
            b.path().await
        );
    }
}

/// The decoder is real: a screenshot of a page without a QR code decodes to nothing.
pub async fn a_page_without_a_code_decodes_to_nothing(b: &Browser) {
    b.goto("/townships/").await;
    assert_eq!(decode_qr(&b.screenshot().await), Vec::<String>::new());
}

/// The results listed for `q`: (title, href) of each.
async fn results(b: &Browser, q: &str) -> Vec<(String, String)> {
    b.goto(&format!("/search/?q={}", encode(q))).await;
    b.wait_js(
        &format!("results for {q}"),
        "var s = document.getElementById('search-status');
         return !!s && s.textContent !== '' && s.textContent !== '正在搜索…';",
    )
    .await;
    let found: Value = b
        .js(
            "return Array.prototype.map.call(document.querySelectorAll('#search-results a'),
               function (a) { return [a.textContent, a.getAttribute('href')]; });",
            vec![],
        )
        .await;
    serde_json::from_value(found).expect("a list of results")
}

fn encode(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub async fn chinese_pinyin_and_initials_find_programs(b: &Browser) {
    for q in ["闽剧", "minju", "mj", "Mǐn Jù", "min2 ju4"] {
        let found = results(b, q).await;
        assert!(
            found
                .iter()
                .any(|(t, u)| t.contains("闽剧") && u.starts_with("/programs/")),
            "?q={q} lists a 闽剧 program: {found:?}"
        );
    }
    let loaded = diandan::content::load(&repo_root());
    let shifan: BTreeSet<String> = (loaded.content.programs.iter())
        .filter(|p| p.meta.title.contains("十番") || p.meta.category.contains("十番"))
        .map(|p| format!("/programs/{}/", p.id))
        .collect();
    assert!(shifan.len() >= 2, "the sample has 十番 programs");
    let found: BTreeSet<String> = results(b, "shifan")
        .await
        .into_iter()
        .map(|(_, u)| u)
        .collect();
    assert!(
        shifan.is_subset(&found),
        "?q=shifan lists every 十番 program {shifan:?}: {found:?}"
    );
    // The corrections table at work: 音乐 is yinyue, not yinle.
    let found = results(b, "yinyue").await;
    assert!(found.iter().any(|(t, _)| t.contains("音乐")), "{found:?}");
    let found = results(b, "zzzzqx").await;
    assert!(found.is_empty(), "nonsense finds nothing: {found:?}");
}

/// Without JavaScript the search page still helps: categories and townships to browse.
pub async fn without_javascript_search_lists_categories_and_townships(b: &Browser) {
    b.goto("/search/?q=%E9%97%BD%E5%89%A7").await;
    let text = b.body_text().await;
    for want in ["按类别找节目", "闽剧", "按乡镇找", "南屿镇"] {
        assert!(
            text.contains(want),
            "{want} on the search page without JavaScript:\n{text}"
        );
    }
    b.goto("/").await;
    b.fill("form.find", "q", "minju").await;
    b.submit("form.find").await;
    b.wait_js("the search page", "return location.pathname === '/search/'")
        .await;
    assert_eq!(b.path().await, "/search/?q=minju");
}

/// Whether the township page shows the WeChat hint right after its calendar link.
pub async fn wechat_hint_beside_calendar(b: &Browser) -> Option<String> {
    b.goto("/townships/nanyu/").await;
    b.wait_js("the page", "return document.readyState === 'complete'")
        .await;
    let hint = b
        .js(
            "var a = document.querySelector(\"a[href$='.ics']\");
             if (!a) return 'no calendar link';
             var next = a.nextElementSibling;
             return document.querySelectorAll('.wechat-hint').length === 0 ? null
               : (next && next.className === 'wechat-hint' ? next.textContent : 'elsewhere');",
            vec![],
        )
        .await;
    hint.as_str().map(str::to_owned)
}
