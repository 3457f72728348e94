//! Editors' raw HTML in Markdown: shown as text, and script links neutralised, unless
//! `site.yaml` says `allow_raw_html: true` (fixtures `raw-html/off` and `raw-html/on`).

mod common;

use std::path::Path;

use common::*;

/// Builds the base site with the `case` overlay; every output file's path and text.
fn build_case(case: &str) -> Vec<(String, String)> {
    let site = site(&[&fixtures().join("raw-html").join(case)]);
    let out = site.path().join("public");
    let (root, out_s) = (site.path().to_str().unwrap(), out.to_str().unwrap());
    let args = [
        "build",
        "--root",
        root,
        "--out",
        out_s,
        "--today",
        "2026-12-15",
    ];
    let done = diandan(&args);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    files(&out)
}

fn files(out: &Path) -> Vec<(String, String)> {
    walkdir::WalkDir::new(out)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(out).unwrap().display().to_string();
            (
                rel,
                String::from_utf8_lossy(&std::fs::read(e.path()).unwrap()).into_owned(),
            )
        })
        .collect()
}

fn page<'a>(files: &'a [(String, String)], path: &str) -> &'a str {
    let found = files.iter().find(|(p, _)| p == path);
    &found.unwrap_or_else(|| panic!("{path} was not built")).1
}

/// What would run in a browser, however it got into the page.
const LIVE: [&str; 2] = ["<script>alert", "<img src=x onerror"];

/// Whether a `javascript:` address opens a URL attribute of a real tag (`href="javascript:`),
/// rather than sitting in text or inside another attribute's quoted value.
fn script_address_in_a_tag(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.match_indices("javascript:").any(|(at, _)| {
        let before = &lower[..at];
        let in_tag = before
            .rfind('<')
            .is_some_and(|o| !before[o..].contains('>'));
        let value_start = before.trim_end_matches(['"', '\'', ' ']);
        let attribute = value_start.strip_suffix('=').map(str::trim_end);
        let url_attribute = ["href", "src", "action", "formaction"];
        in_tag && attribute.is_some_and(|a| url_attribute.iter().any(|u| a.ends_with(u)))
    })
}

#[test]
fn raw_html_is_text_when_the_site_does_not_allow_it() {
    let files = build_case("off");
    for (path, text) in &files {
        for live in LIVE {
            assert!(!text.contains(live), "{path} holds {live}");
        }
        assert!(
            !script_address_in_a_tag(text),
            "{path} links to javascript:"
        );
    }
    let program = page(&files, "programs/script-in-body/index.html");
    assert!(
        program.contains("&lt;script&gt;alert(1)"),
        "shown as text: {program}"
    );
    assert!(
        program.contains("&lt;img src=x onerror=alert(2)&gt;"),
        "{program}"
    );
    assert!(
        program.contains(">点那里</a>"),
        "the link text stays: {program}"
    );
}

#[test]
fn raw_html_passes_when_the_site_allows_it() {
    let files = build_case("on");
    let program = page(&files, "programs/script-in-body/index.html");
    assert!(program.contains("<script>alert(1)</script>"), "{program}");
    assert!(
        program.contains("<img src=x onerror=alert(2)>"),
        "{program}"
    );
    assert!(
        program.contains("href=\"javascript:alert(4)\""),
        "{program}"
    );
    assert!(script_address_in_a_tag(program));
}
