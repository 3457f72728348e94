//! `diandan build` after an edit renders and writes only the pages the edit changes (the page
//! cache beside the output), and the result is byte for byte a fresh build of the same files.

mod common;

use std::path::Path;

use common::*;
use diandan::cli::bench::synth;

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

/// The number of poster pages in the output whose paths start with `under`.
fn posters(out: &Path, under: &str) -> usize {
    (snapshot_tree(out).iter())
        .filter(|(p, _)| p.starts_with(under) && p.ends_with("/poster/index.html"))
        .count()
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
    // Its page, the lists and "related" links that show its card, and every township's
    // poster, which suggests it among the programs to order.
    let posters = posters(&out, "townships/");
    assert!(posters > 10);
    assert!(
        count(&title, "pages rendered") < pages / 4 + posters,
        "{title}"
    );
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
    // Posters are documents of their own, made for printing, without the site's footer.
    let posters = posters(&out, "");
    assert!(count(&themed, "written") >= pages - posters, "{themed}");
    same_as_fresh_build(dir.path(), &out);

    std::fs::remove_file(dir.path().join(".public.cache")).unwrap();
    edit(dir.path(), "content/pages/about.md", "menu: 1", "menu: 9");
    let uncached = build(dir.path(), &out);
    assert_eq!(count(&uncached, "pages rendered"), pages, "{uncached}");
    same_as_fresh_build(dir.path(), &out);
}

#[test]
fn a_title_edit_in_a_sharded_search_index_rewrites_only_the_shards_that_hold_it() {
    // Over 1,000 entries: the index is split into shards.
    let dir = tempfile::tempdir().unwrap();
    let sizes = synth::Sizes {
        programs: 950,
        lecturers: 30,
        courses: 30,
    };
    synth::write_diandan(dir.path(), &sizes).unwrap();
    copy_dir(&repo_root().join("themes"), &dir.path().join("themes"));
    let out = dir.path().join("public");
    build(dir.path(), &out);
    let shards = |out: &Path| -> Vec<(String, Vec<u8>)> {
        (snapshot_tree(out).into_iter())
            .filter(|(p, _)| p.starts_with("search/") && p.ends_with(".json"))
            .collect()
    };
    let before = shards(&out);
    assert!(before.len() > 1, "{} shards", before.len());

    let program = synth::first_program(dir.path());
    let text = std::fs::read_to_string(&program).unwrap();
    std::fs::write(
        &program,
        text.replacen("title: 节目00000", "title: 木偶戏节目00000", 1),
    )
    .unwrap();
    build(dir.path(), &out);
    let after = shards(&out);
    let changed = (before.iter().zip(&after)).filter(|(a, b)| a != b).count();
    assert!(
        changed > 0 && changed < before.len() / 2,
        "{changed} of {} shards changed",
        before.len()
    );
    // The index is the one a fresh build makes (the pages are held to that in the tests above).
    let fresh = search_index(dir.path());
    let mut fresh: Vec<(String, Vec<u8>)> = (fresh.into_iter())
        .map(|(p, b)| (p.replace('/', std::path::MAIN_SEPARATOR_STR), b))
        .collect();
    fresh.sort();
    assert!(after == fresh, "the index differs from a fresh build's");
}

/// Sets the time of every content file an hour back, as files are between an editor's
/// sessions: settled enough for the build's memo to remember them.
fn age_content(root: &Path) {
    let then = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for e in walkdir::WalkDir::new(root.join("content")) {
        let e = e.unwrap();
        if e.file_type().is_file() {
            let file = std::fs::File::options().write(true).open(e.path()).unwrap();
            file.set_modified(then).unwrap();
        }
    }
}

#[test]
fn edits_taken_through_the_memo_or_past_a_damaged_one_equal_a_fresh_build() {
    let dir = sample();
    let (root, out) = (dir.path(), dir.path().join("public"));
    let memo = root.join(".public.memo");
    age_content(root);
    build(root, &out);
    let remembered = std::fs::read_to_string(&memo).unwrap();
    assert!(
        remembered.contains("minju-chenjinggu"),
        "the memo holds the programs"
    );

    // A body, then a title and a lecturer, each edit built from the memo's parsed files.
    let program = "content/programs/minju-chenjinggu.md";
    edit(
        root,
        program,
        "## 大家为什么爱点",
        "## 大家为什么爱点\n\n又改了一段。",
    );
    let body = build(root, &out);
    assert_eq!(count(&body, "written"), 1, "{body}");
    same_as_fresh_build(root, &out);
    assert_eq!(
        std::fs::read_to_string(&memo).unwrap(),
        remembered,
        "a one-file edit leaves the memo as it was"
    );
    edit(
        root,
        program,
        "title: 闽剧《陈靖姑》选段",
        "title: 闽剧《陈靖姑》精选",
    );
    let lecturers = std::fs::read_dir(root.join("content/lecturers")).unwrap();
    let lecturer = lecturers.map(|e| e.unwrap().path()).next().unwrap();
    let text = std::fs::read_to_string(&lecturer).unwrap();
    std::fs::write(&lecturer, format!("{text}\n新的一段介绍。\n")).unwrap();
    build(root, &out);
    same_as_fresh_build(root, &out);

    // A memo cut short (a torn write), with one word changed in an item it holds (it would
    // still parse), or not a memo at all, is ignored as a whole.
    let whole = std::fs::read(&memo).unwrap();
    let reworded = String::from_utf8(whole.clone())
        .unwrap()
        .replacen("闽剧", "越剧", 1);
    for damaged in [
        whole[..whole.len() / 2].to_vec(),
        reworded.into_bytes(),
        b"not a memo".to_vec(),
    ] {
        assert_ne!(damaged, whole);
        std::fs::write(&memo, damaged).unwrap();
        edit(root, program, "精选", "选段");
        build(root, &out);
        same_as_fresh_build(root, &out);
        edit(root, program, "选段", "精选");
        build(root, &out);
        same_as_fresh_build(root, &out);
    }
}
