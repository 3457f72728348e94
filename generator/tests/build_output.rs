//! `diandan build`: a page for everything, no foreign hosts, atomic output, snapshots of the
//! main page types.

mod common;

use common::*;

const TODAY: &str = "2026-12-15";

fn build(root: &std::path::Path, out: &std::path::Path) -> std::process::Output {
    diandan(&[
        "build",
        "--root",
        root.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--today",
        TODAY,
    ])
}

#[test]
fn the_sample_catalogue_builds_a_page_for_every_item() {
    let root = repo_root();
    let out = tempfile::tempdir().unwrap();
    let public = out.path().join("public");
    let res = build(&root, &public);
    assert!(
        res.status.success(),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );
    assert!(String::from_utf8_lossy(&res.stdout).starts_with("built "));
    let loaded = diandan::content::load(&root);
    let c = &loaded.content;
    let mut expected: Vec<(String, String)> = Vec::new();
    expected.extend(
        c.programs
            .iter()
            .map(|p| (format!("programs/{}", p.id), p.meta.title.clone())),
    );
    expected.extend(
        c.lecturers
            .iter()
            .map(|l| (format!("lecturers/{}", l.id), l.meta.name.clone())),
    );
    expected.extend(
        c.courses
            .iter()
            .map(|k| (format!("courses/{}", k.id), k.meta.title.clone())),
    );
    expected.extend(
        c.townships
            .iter()
            .map(|t| (format!("townships/{}", t.meta.id), t.meta.name.clone())),
    );
    assert!(expected.len() > 50);
    for (dir, title) in expected {
        let html =
            std::fs::read_to_string(public.join(&dir).join("index.html")).unwrap_or_default();
        let escaped = title
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;");
        assert!(
            html.contains(&format!("<h1>{escaped}</h1>")),
            "{dir} lacks its title {title}"
        );
    }
    for f in [
        "index.html",
        "404.html",
        "sitemap.xml",
        "robots.txt",
        "catalogue.json",
        "calendar/2026-12/index.html",
        "about/index.html",
        "privacy/index.html",
        "programs/page/2/index.html",
    ] {
        assert!(public.join(f).is_file(), "{f} is missing");
    }
}

/// Every `http(s)://` or protocol-relative reference in the output.
fn foreign_refs(text: &str, base: &str) -> Vec<String> {
    let mut found = Vec::new();
    for pat in ["http://", "https://", "\"//", "'//", "(//"] {
        let mut rest = text;
        while let Some(i) = rest.find(pat) {
            let tail = &rest[i..];
            let end = tail
                .find(['"', '\'', ')', ' ', '<', '>'])
                .filter(|e| *e > 2)
                .unwrap_or(tail.len().min(80));
            let url = &tail[..end];
            // XML namespace names identify vocabularies; nothing fetches them.
            let allowed = url.starts_with(base)
                || url.starts_with("http://www.sitemaps.org/schemas/")
                || url == "http://www.w3.org/2005/Atom";
            if !allowed {
                found.push(url.to_owned());
            }
            rest = &rest[i + pat.len()..];
        }
    }
    found
}

#[test]
fn no_page_references_another_host() {
    let root = repo_root();
    let out = tempfile::tempdir().unwrap();
    let public = out.path().join("public");
    assert!(build(&root, &public).status.success());
    let base = diandan::content::load(&root)
        .content
        .site
        .base_url
        .trim_end_matches('/')
        .to_owned();
    let mut checked = 0;
    for (path, bytes) in snapshot_tree(&public) {
        if let Ok(text) = String::from_utf8(bytes) {
            let bad = foreign_refs(&text, &base);
            assert!(bad.is_empty(), "{path} references {bad:?}");
            checked += 1;
        }
    }
    assert!(checked > 50);
    assert_eq!(
        foreign_refs("<img src=\"https://cdn.example.com/x.png\">", &base).len(),
        1,
        "the scan itself works"
    );
}

#[test]
fn a_failed_build_leaves_the_previous_output_byte_identical() {
    let site = site(&[]);
    let public = site.path().join("public");
    assert!(build(site.path(), &public).status.success());
    let before = snapshot_tree(&public);
    // A theme error surfaces only while rendering one kind of page, after others rendered.
    let tpl = site.path().join("themes/default/templates/course.html");
    let text = std::fs::read_to_string(&tpl)
        .unwrap()
        .replace("{{ course.venue }}", "{{ course.no_such_field.deeper }}");
    std::fs::write(&tpl, text).unwrap();
    std::fs::write(
        site.path().join("content/programs/new-one.md"),
        "---\ntitle: 新节目\ncategory: 闽剧\ntroupe: 团\nduration_minutes: 5\n---\n",
    )
    .unwrap();
    let res = build(site.path(), &public);
    assert_eq!(res.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&res.stderr).contains("course.html"));
    assert_eq!(snapshot_tree(&public), before);
}

#[test]
fn an_unchanged_rebuild_writes_nothing() {
    let site = site(&[]);
    let public = site.path().join("public");
    assert!(build(site.path(), &public).status.success());
    let res = build(site.path(), &public);
    assert!(
        String::from_utf8_lossy(&res.stdout).contains(", 0 written, 0 removed)"),
        "{}",
        String::from_utf8_lossy(&res.stdout)
    );
}

#[test]
fn snapshots_of_the_main_page_types() {
    let site = site(&[]);
    let public = site.path().join("public");
    assert!(build(site.path(), &public).status.success());
    let pages = [
        ("home", "index.html"),
        ("programs", "programs/index.html"),
        ("program", "programs/minju-a/index.html"),
        ("category", "programs/category/闽剧/index.html"),
        ("lecturer", "lecturers/lin-a/index.html"),
        ("course", "courses/jianzhi/index.html"),
        ("township", "townships/nanyu/index.html"),
        ("month", "calendar/2026-12/index.html"),
        ("page", "about/index.html"),
        ("wishes", "wishes/index.html"),
        ("open_data", "data/index.html"),
        ("report", "data/report/2026-12/index.html"),
        ("not_found", "404.html"),
        ("catalogue", "catalogue.json"),
        ("sitemap", "sitemap.xml"),
    ];
    for (name, path) in pages {
        let text =
            std::fs::read_to_string(public.join(path)).unwrap_or_else(|_| panic!("{path} missing"));
        insta::assert_snapshot!(name, text);
    }
}
