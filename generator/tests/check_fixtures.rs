//! `diandan check` on one fixture per kind of bad content: exit 1, every problem named with its
//! file, line and a hint, and never a panic.

mod common;

use common::*;

#[test]
fn the_base_fixture_is_clean() {
    let site = site(&[]);
    let out = diandan(&["check", "--root", site.path().to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_bad_fixture_is_reported_with_file_line_and_hint() {
    let cases: Vec<_> = std::fs::read_dir(fixtures().join("bad"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(
        cases.len() >= 10,
        "at least ten kinds of bad content are covered"
    );
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let site = site(&[&case]);
        std::fs::remove_file(site.path().join("expected.txt")).unwrap();
        let out = diandan(&["check", "--root", site.path().to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: exit code\n{stderr}");
        assert!(!stderr.contains("panicked"), "{name}: panicked\n{stderr}");
        let expected = std::fs::read_to_string(case.join("expected.txt")).unwrap();
        for line in expected.lines().filter(|l| !l.trim().is_empty()) {
            assert!(
                stderr.contains(line),
                "{name}: expected\n  {line}\nin\n{stderr}"
            );
        }
        for reported in stderr.lines().filter(|l| l.starts_with("content/")) {
            assert!(reported.contains(" — "), "{name}: no hint in `{reported}`");
        }
    }
}

#[test]
fn build_refuses_bad_content_and_writes_nothing() {
    let site = site(&[&fixtures().join("bad").join("unknown-key")]);
    let out_dir = site.path().join("public");
    let out = diandan(&[
        "build",
        "--root",
        site.path().to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown key `titel`"));
    assert!(!out_dir.exists());
}

#[test]
fn a_missing_content_folder_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let out = diandan(&["check", "--root", dir.path().to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("content/site.yaml:1:1: cannot read the file"),
        "{stderr}"
    );
}
