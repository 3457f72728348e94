//! The incremental rebuild `serve` uses after an edit must give exactly the site a full build
//! of the edited content gives: same files, same bytes.

mod common;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use diandan::build::edit::{Outcome, State};
use diandan::build::{build_site, build_with_state, BuildError, BuildOptions};
use diandan::render::live::NoStore;
use diandan::render::Site;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 15).unwrap()
}

fn opts(root: &Path) -> BuildOptions {
    BuildOptions {
        root: root.to_path_buf(),
        today: today(),
    }
}

/// The sample catalogue and theme in a temp folder, built once with its state.
fn sample() -> (tempfile::TempDir, Site, State) {
    let dir = tempfile::tempdir().unwrap();
    let repo = common::repo_root();
    common::copy_dir(&repo.join("content"), &dir.path().join("content"));
    common::copy_dir(&repo.join("themes"), &dir.path().join("themes"));
    let (site, state) = build_with_state(&opts(dir.path()), &NoStore).unwrap();
    (dir, site, state)
}

fn rewrite(root: &Path, rel: &str, from: &str, to: &str) -> PathBuf {
    let path = root.join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{rel} has no `{from}`");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    PathBuf::from(rel)
}

fn update(state: &mut State, changed: &[PathBuf]) -> Result<Outcome, BuildError> {
    state.update(changed, &NoStore, today())
}

/// Applies the edit's patch and compares the site with a full build of the files on disk.
fn patch_matches_full_build(root: &Path, site: &mut Site, state: &mut State, changed: &[PathBuf]) {
    match update(state, changed) {
        Ok(Outcome::Patched(patch)) => patch.apply(site),
        other => panic!("expected a patch for {changed:?}, got {other:?}"),
    }
    let full = build_site(&opts(root), &NoStore).unwrap();
    let differing: Vec<&String> = (full.files.keys().chain(site.files.keys()))
        .filter(|k| full.files.get(*k) != site.files.get(*k))
        .collect();
    assert!(
        differing.is_empty(),
        "the incremental site differs from a full build in {differing:?}"
    );
}

#[test]
fn program_edit_shown_on_home_lists_and_calendar() {
    let (dir, mut site, mut state) = sample();
    let before = site.files["index.html"].clone();
    let rel = rewrite(
        dir.path(),
        "content/programs/minju-chenjinggu.md",
        "title: 闽剧《陈靖姑》选段",
        "title: 闽剧《陈靖姑》精选",
    );
    patch_matches_full_build(dir.path(), &mut site, &mut state, &[rel]);
    assert_ne!(
        site.files["index.html"], before,
        "the home page features it"
    );
    let rel = rewrite(
        dir.path(),
        "content/programs/minju-chenjinggu.md",
        "## 大家为什么爱点",
        "## 大家为什么爱点\n\n又改了一段。",
    );
    patch_matches_full_build(dir.path(), &mut site, &mut state, &[rel]);
}

#[test]
fn lecturer_edits_reach_their_courses_and_forums() {
    let (dir, mut site, mut state) = sample();
    let teacher = rewrite(
        dir.path(),
        "content/lecturers/chen-siqi.md",
        "name: ",
        "name: 新",
    );
    let forum = rewrite(
        dir.path(),
        "content/lecturers/wang-liping.md",
        "name: ",
        "name: 新",
    );
    patch_matches_full_build(dir.path(), &mut site, &mut state, &[teacher, forum]);
}

#[test]
fn renames_deletions_and_new_programs() {
    let (dir, mut site, mut state) = sample();
    let programs = dir.path().join("content/programs");
    std::fs::rename(
        programs.join("qiyue-erhu-dizi.md"),
        programs.join("qiyue-erhu-dizi-2.md"),
    )
    .unwrap();
    let renamed = [
        PathBuf::from("content/programs/qiyue-erhu-dizi.md"),
        PathBuf::from("content/programs/qiyue-erhu-dizi-2.md"),
    ];
    patch_matches_full_build(dir.path(), &mut site, &mut state, &renamed);
    assert!(site
        .files
        .contains_key("programs/qiyue-erhu-dizi-2/index.html"));
    assert!(!site
        .files
        .contains_key("programs/qiyue-erhu-dizi/index.html"));

    std::fs::remove_file(programs.join("quyi-kuaiban-wenming.md")).unwrap();
    let deleted = [PathBuf::from("content/programs/quyi-kuaiban-wenming.md")];
    patch_matches_full_build(dir.path(), &mut site, &mut state, &deleted);

    let text = std::fs::read_to_string(programs.join("minju-lianyin.md")).unwrap();
    let text = text.replacen("category: 闽剧", "category: 新编戏", 1);
    std::fs::write(programs.join("aaa-xinbian.md"), text).unwrap();
    let added = [PathBuf::from("content/programs/aaa-xinbian.md")];
    patch_matches_full_build(dir.path(), &mut site, &mut state, &added);
    assert!(site.files.contains_key("programs/aaa-xinbian/index.html"));
}

#[test]
fn an_edit_with_a_problem_is_reported_and_its_fix_patches() {
    let (dir, mut site, mut state) = sample();
    let good = site.clone();
    let rel = rewrite(
        dir.path(),
        "content/courses/hanjia-shaoer-guzheng.md",
        "teacher: chen-siqi",
        "teacher: nobody",
    );
    match update(&mut state, std::slice::from_ref(&rel)) {
        Err(BuildError::Content(problems)) => {
            assert!(problems.iter().any(|p| p.message.contains("nobody")));
        }
        other => panic!("expected the dangling teacher to be reported, got {other:?}"),
    }
    // A second edit while the first is still broken: a scheduled program's file breaks too.
    let scheduled = rewrite(
        dir.path(),
        "content/programs/minju-chenjinggu.md",
        "duration_minutes: 90",
        "duration_minutes: [90",
    );
    assert!(matches!(
        update(&mut state, std::slice::from_ref(&scheduled)),
        Err(BuildError::Content(_))
    ));
    assert_eq!(site, good, "nothing was patched");
    rewrite(
        dir.path(),
        &rel.to_string_lossy(),
        "nobody",
        "chen-mingyuan",
    );
    rewrite(dir.path(), &scheduled.to_string_lossy(), "[90", "95");
    patch_matches_full_build(dir.path(), &mut site, &mut state, &[rel, scheduled]);
}

#[test]
fn page_edits_and_what_needs_a_full_build() {
    let (dir, mut site, mut state) = sample();
    let menu = rewrite(dir.path(), "content/pages/about.md", "menu: 1", "menu: 9");
    patch_matches_full_build(dir.path(), &mut site, &mut state, &[menu]);
    let swap = PathBuf::from("content/programs/.minju-chenjinggu.md.swp");
    assert!(matches!(
        update(&mut state, &[swap]),
        Ok(Outcome::Unchanged)
    ));
    for other in [
        "content/site.yaml",
        "content/schedule/2026-12.yaml",
        "themes/default/templates/base.html",
    ] {
        let got = update(&mut state, &[PathBuf::from(other)]);
        assert!(matches!(got, Ok(Outcome::Full)), "{other}: {got:?}");
    }
    let tomorrow = today().succ_opt().unwrap();
    let got = state.update(
        &[PathBuf::from("content/pages/about.md")],
        &NoStore,
        tomorrow,
    );
    assert!(matches!(got, Ok(Outcome::Full)), "a new day: {got:?}");
}

/// With a store, every edit reads it again (a new `built_at`), but the open data are remade
/// and rewritten only when what they show changed: a program's text leaves them alone, its
/// title does not.
#[test]
fn open_data_are_remade_only_when_what_they_show_changed() {
    use diandan::render::live::StoreSource;
    use diandan_functions::store::SqliteStore;
    let dir = tempfile::tempdir().unwrap();
    let repo = common::repo_root();
    common::copy_dir(&repo.join("content"), &dir.path().join("content"));
    common::copy_dir(&repo.join("themes"), &dir.path().join("themes"));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let source = StoreSource {
        store: std::sync::Arc::new(SqliteStore::temporary().unwrap()),
        runtime: runtime.handle().clone(),
    };
    let (_, mut state) = build_with_state(&opts(dir.path()), &source).unwrap();
    let program = "content/programs/minju-chenjinggu.md";
    let data_files = |state: &mut State, changed: &[PathBuf]| -> Vec<String> {
        match state.update(changed, &source, today()) {
            Ok(Outcome::Patched(patch)) => (patch.put.into_iter())
                .map(|(path, _)| path)
                .filter(|path| path.starts_with("data/"))
                .collect(),
            other => panic!("expected a patch, got {other:?}"),
        }
    };
    let body = rewrite(dir.path(), program, "\n---\n", "\n---\n\n新排的唱段。\n");
    assert_eq!(data_files(&mut state, &[body]), Vec::<String>::new());
    let title = rewrite(dir.path(), program, "title: ", "title: 新编");
    let remade = data_files(&mut state, std::slice::from_ref(&title));
    assert!(remade.contains(&"data/orders.csv".to_owned()), "{remade:?}");
}
