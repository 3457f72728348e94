//! `diandan build` after an edit renders and writes only the pages the edit changes (the page
//! cache beside the output), and the result is byte for byte a fresh build of the same files.

mod common;

use std::path::Path;

use common::*;

fn build(root: &Path, out: &Path) -> String {
    let res = diandan(&[
        "build",
        "--no-store",
        "--today",
        "2026-12-15",
        "--root",
        root.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        res.status.success(),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );
    String::from_utf8_lossy(&res.stdout).into_owned()
}

/// The number before `what` in the summary line ("3 written").
fn count(summary: &str, what: &str) -> usize {
    let at = summary
        .find(what)
        .unwrap_or_else(|| panic!("no {what}: {summary}"));
    let digits: String = summary[..at]
        .trim_end()
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.chars().rev().collect::<String>().parse().unwrap()
}

fn sample() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo_root().join("content"), &dir.path().join("content"));
    copy_dir(&repo_root().join("themes"), &dir.path().join("themes"));
    dir
}

fn edit(root: &Path, rel: &str, from: &str, to: &str) {
    let path = root.join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{rel} has no `{from}`");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

fn same_as_fresh_build(root: &Path, out: &Path) {
    let fresh = root.join("fresh");
    build(root, &fresh);
    let (got, want) = (snapshot_tree(out), snapshot_tree(&fresh));
    let differing: Vec<&String> = (got.iter().map(|f| &f.0))
        .filter(|p| got.iter().find(|f| &f.0 == *p) != want.iter().find(|f| &f.0 == *p))
        .collect();
    assert!(
        got == want,
        "the edited output differs from a fresh build at {differing:?}"
    );
    std::fs::remove_dir_all(fresh).unwrap();
}

#[test]
fn a_one_program_edit_renders_and_writes_only_its_pages() {
    let dir = sample();
    let out = dir.path().join("public");
    let first = build(dir.path(), &out);
    let pages = count(&first, "pages rendered");
    assert!(pages > 50, "{first}");

    edit(
        dir.path(),
        "content/programs/minju-chenjinggu.md",
        "## 大家为什么爱点",
        "## 大家为什么爱点\n\n又改了一段。",
    );
    let body = build(dir.path(), &out);
    assert_eq!(count(&body, "pages rendered"), 1, "{body}");
    assert_eq!(count(&body, "written"), 1, "{body}");
    same_as_fresh_build(dir.path(), &out);

    edit(
        dir.path(),
        "content/programs/minju-chenjinggu.md",
        "title: 闽剧《陈靖姑》选段",
        "title: 闽剧《陈靖姑》精选",
    );
    let title = build(dir.path(), &out);
    assert!(count(&title, "pages rendered") < pages / 4, "{title}");
    same_as_fresh_build(dir.path(), &out);
}

#[test]
fn a_theme_edit_or_a_lost_cache_renders_every_page() {
    let dir = sample();
    let out = dir.path().join("public");
    let pages = count(&build(dir.path(), &out), "pages rendered");
    edit(
        dir.path(),
        "themes/default/templates/base.html",
        "</footer>",
        "<p>新的页脚</p></footer>",
    );
    let themed = build(dir.path(), &out);
    assert_eq!(count(&themed, "pages rendered"), pages, "{themed}");
    assert!(count(&themed, "written") >= pages, "{themed}");
    same_as_fresh_build(dir.path(), &out);

    std::fs::remove_file(dir.path().join(".public.cache")).unwrap();
    edit(dir.path(), "content/pages/about.md", "menu: 1", "menu: 9");
    let uncached = build(dir.path(), &out);
    assert_eq!(count(&uncached, "pages rendered"), pages, "{uncached}");
    same_as_fresh_build(dir.path(), &out);
}
