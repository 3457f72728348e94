//! Helpers shared by the generator's integration tests: fixture sites in temp folders.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixtures() -> PathBuf {
    manifest_dir().join("tests").join("fixtures")
}

/// The repository root (holding content/ and themes/).
pub fn repo_root() -> PathBuf {
    manifest_dir()
        .parent()
        .expect("the generator lives in the workspace")
        .to_path_buf()
}

pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from).into_iter().map(Result::unwrap) {
        let rel = entry.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// A temp site: the base fixture's content, the repository's theme, and `overlays` on top.
pub fn site(overlays: &[&Path]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixtures().join("base"), dir.path());
    copy_dir(&repo_root().join("themes"), &dir.path().join("themes"));
    for o in overlays {
        copy_dir(o, dir.path());
    }
    dir
}

pub fn diandan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_diandan"))
        .args(args)
        .output()
        .expect("the diandan binary runs")
}

/// Every file under `dir` with its bytes, for byte-identical comparisons.
pub fn snapshot_tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path()
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

/// The search index's shards of the content under `root` on 2026-12-15 (no store), as a
/// build makes them.
pub fn search_index(root: &Path) -> Vec<(String, Vec<u8>)> {
    use diandan::render::{catalogue, live::StoreData, search, Views};
    let loaded = diandan::content::load(root);
    assert!(diandan::content::validate(&loaded).is_empty());
    let cat = catalogue::catalogue(&loaded.content);
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 15).unwrap();
    let views = Views::new(
        &loaded.content,
        &cat,
        &StoreData::default(),
        today,
        &Default::default(),
    );
    search::Index::new(&views).files()
}
