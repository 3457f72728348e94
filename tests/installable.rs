//! The site is installable and recognisable: `serve` answers `/favicon.ico` with a valid ICO
//! and `/manifest.webmanifest` with a manifest whose every icon exists at its declared size;
//! every page links them, with a theme colour and an Apple touch icon.

mod support;

use serde_json::Value;
use support::{china, client, repo_root, Server};

const SECRET: &str = "installable-test-secret-0123456789abcdef";

fn get(base: &str, path: &str) -> (u16, String, Vec<u8>) {
    let mut res = client()
        .get(&format!("{base}{path}"))
        .call()
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    let kind = (res.headers().get("content-type"))
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = res.body_mut().read_to_vec().unwrap_or_default();
    (res.status().as_u16(), kind, body)
}

/// Width and height from a PNG's IHDR chunk, or `None` if `bytes` is not a PNG.
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let signature = b"\x89PNG\r\n\x1a\n";
    if bytes.len() < 24 || &bytes[..8] != signature || &bytes[12..16] != b"IHDR" {
        return None;
    }
    let word =
        |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    Some((word(16), word(20)))
}

#[test]
fn the_favicon_and_the_manifest_are_served_and_valid() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let server = Server::start(
        &repo_root(),
        &dir.path().join("s.sqlite3"),
        SECRET,
        china("2026-12-15"),
    );
    let base = server.base.clone();

    let (status, kind, ico) = get(&base, "/favicon.ico");
    assert_eq!(status, 200, "/favicon.ico is served");
    assert_eq!(kind, "image/x-icon");
    let decoded = image::load_from_memory_with_format(&ico, image::ImageFormat::Ico)
        .expect("/favicon.ico is an ICO a real decoder reads");
    assert!(decoded.width() >= 32, "the icon's largest image is used");
    assert_eq!(png_size(&ico), None, "not a PNG renamed");

    let (status, kind, body) = get(&base, "/manifest.webmanifest");
    assert_eq!(status, 200);
    assert_eq!(kind, "application/manifest+json");
    let manifest: Value = serde_json::from_slice(&body).expect("the manifest is JSON");
    assert_eq!(manifest["name"], "闽侯县文化馆 · 点单点将");
    assert_eq!(manifest["short_name"], "点单点将");
    assert_eq!(manifest["display"], "standalone");
    assert_eq!(manifest["start_url"], "/");
    assert!(manifest["theme_color"]
        .as_str()
        .is_some_and(|c| c.starts_with('#')));
    let icons = manifest["icons"].as_array().expect("icons");
    let mut sizes = Vec::new();
    for icon in icons {
        let src = icon["src"].as_str().expect("src");
        let declared = icon["sizes"].as_str().expect("sizes");
        let (status, kind, png) = get(&base, src);
        assert_eq!((status, kind.as_str()), (200, "image/png"), "{src}");
        let (w, h) = png_size(&png).unwrap_or_else(|| panic!("{src} is a PNG"));
        assert_eq!(format!("{w}x{h}"), declared, "{src} has its declared size");
        sizes.push(w);
    }
    assert!(
        sizes.contains(&192) && sizes.contains(&512),
        "install sizes: {sizes:?}"
    );

    let (_, _, home) = get(&base, "/programs/minju-chenjinggu/");
    // Tera escapes `/` in attributes; the browser reads the same address.
    let home = String::from_utf8(home)
        .expect("UTF-8")
        .replace("&#x2F;", "/");
    for want in [
        "<link rel=\"manifest\" href=\"/manifest.webmanifest\">",
        "<meta name=\"theme-color\" content=\"",
        "<link rel=\"icon\" href=\"/favicon.ico\"",
        "<meta property=\"og:title\" content=\"闽剧《陈靖姑》选段\">",
        "<meta property=\"og:image\" content=\"https://diandan.mhwhg.cn/assets/icons/icon-512.png\">",
    ] {
        assert!(home.contains(want), "a program page has {want}");
    }
    let touch = home
        .split("<link rel=\"apple-touch-icon\" href=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("an apple-touch-icon link");
    let (status, _, png) = get(&base, touch);
    assert_eq!((status, png_size(&png)), (200, Some((180, 180))), "{touch}");
    server.stop();
}
