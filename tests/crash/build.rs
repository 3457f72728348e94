//! `kill -9` of `diandan build` while it renders and while it writes a large synthetic catalogue
//! over the previous site: each time the output is the previous site byte for byte (or, had the
//! build already finished, the whole new one); the next build completes and equals a fresh one.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use diandan::cli::bench::synth;

use crate::support::child::Diandan;
use crate::support::repo_root;

/// Programs in the catalogue: enough pages that writing them takes a while.
const PROGRAMS: usize = 600;

/// Each file of a tree by its path, with a hash of its bytes.
fn tree(dir: &Path) -> Tree {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let bytes = std::fs::read(e.path()).unwrap();
            let mut h = std::collections::hash_map::DefaultHasher::new();
            bytes.hash(&mut h);
            let rel = e.path().strip_prefix(dir).unwrap();
            (
                rel.to_string_lossy().into_owned(),
                (bytes.len() as u64, h.finish()),
            )
        })
        .collect()
}

type Tree = BTreeMap<String, (u64, u64)>;

/// The paths where two trees differ, a few of them: for failure messages.
fn differences(a: &Tree, b: &Tree) -> Vec<String> {
    let paths: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    let differ = paths.into_iter().filter(|p| a.get(*p) != b.get(*p));
    differ.take(5).cloned().collect()
}

fn build_args(root: &Path, out: &Path) -> Vec<String> {
    let (root, out) = (root.display().to_string(), out.display().to_string());
    [
        "build",
        "--no-store",
        "--today",
        "2026-12-15",
        "--root",
        &root,
        "--out",
        &out,
    ]
    .map(str::to_owned)
    .to_vec()
}

fn spawn_build(root: &Path, out: &Path) -> Diandan {
    let args = build_args(root, out);
    Diandan::spawn(&args.iter().map(String::as_str).collect::<Vec<_>>(), &[])
}

fn build_to_end(root: &Path, out: &Path) -> Vec<String> {
    let (status, lines) = spawn_build(root, out).wait();
    assert!(status.success(), "the build failed: {lines:?}");
    lines
}

/// Gives every page a different header: the site's title.
fn set_title(root: &Path, title: &str) {
    let path = root.join("content/site.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let rest: Vec<&str> = text.lines().filter(|l| !l.starts_with("title:")).collect();
    std::fs::write(&path, format!("title: {title}\n{}\n", rest.join("\n"))).unwrap();
}

/// When to kill a build.
#[derive(Debug, Clone, Copy)]
enum Moment {
    /// This long after it started (it is still loading and rendering).
    AfterStart(Duration),
    /// This long after its staging folder appeared (it is writing files).
    Writing(Duration),
    /// Once it has moved its first file into place under a journal, if it writes one (where
    /// the output cannot be swapped whole): the first file, in path order, is `404.html`.
    Moving,
}

/// Starts a build and kills it at `moment`. Whether the staging folder existed at the kill.
fn kill_build_at(root: &Path, out: &Path, staging: &Path, moment: Moment) -> bool {
    let mut build = spawn_build(root, out);
    let started = Instant::now();
    match moment {
        Moment::AfterStart(after) => {
            while started.elapsed() < after && !build.finished() && !staging.exists() {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        Moment::Writing(after) => {
            while !staging.exists() && !build.finished() {
                std::thread::sleep(Duration::from_micros(200));
            }
            std::thread::sleep(after);
        }
        Moment::Moving => {
            let (journal, first) = (sibling(out, "journal"), out.join("404.html"));
            let before = std::fs::read(&first).unwrap();
            let moved = || journal.exists() && std::fs::read(&first).ok().as_ref() != Some(&before);
            while !moved() && !build.finished() {
                std::thread::sleep(Duration::from_micros(100));
            }
        }
    }
    let writing = staging.exists();
    build.kill();
    writing
}

fn sibling(out: &Path, suffix: &str) -> PathBuf {
    out.with_file_name(format!(".public.{suffix}"))
}

pub fn a_killed_build_leaves_the_previous_site_and_the_next_build_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    synth::write_diandan(&root, &synth::Sizes::for_n(PROGRAMS)).unwrap();
    crate::support::child::copy_tree(&repo_root().join("themes"), &root.join("themes"));
    let out = root.join("public");
    let (old_title, new_title) = ("旧版 · 点单点将", "新版 · 点单点将");
    set_title(&root, old_title);
    build_to_end(&root, &out);
    let previous = tree(&out);
    set_title(&root, new_title);
    let fresh = dir.path().join("fresh");
    build_to_end(&root, &fresh);
    let next = tree(&fresh);
    assert_ne!(previous, next, "the edit changes the site");

    let staging = sibling(&out, "staging");
    let moments = [
        Moment::AfterStart(Duration::from_millis(300)),
        Moment::Writing(Duration::ZERO),
        Moment::Writing(Duration::from_millis(40)),
        Moment::Writing(Duration::from_millis(300)),
        Moment::Moving,
    ];
    let mut killed_while_writing = 0;
    for moment in moments {
        let writing = kill_build_at(&root, &out, &staging, moment);
        let now = tree(&out);
        if now == next {
            // It had finished: a whole new site. Put the previous one back for the next kill.
            set_title(&root, old_title);
            let said = build_to_end(&root, &out);
            let back = tree(&out);
            assert!(
                back == previous,
                "{said:?}: {:?}",
                differences(&back, &previous)
            );
            set_title(&root, new_title);
            continue;
        }
        assert!(
            now == previous,
            "killed at {moment:?}: the output is neither the previous site nor the new one; \
             it differs from the previous one at {:?}",
            differences(&now, &previous)
        );
        killed_while_writing += usize::from(writing);
    }
    assert!(
        killed_while_writing > 0,
        "no kill landed while the build was writing; make the catalogue larger"
    );
    let said = build_to_end(&root, &out);
    let last = tree(&out);
    assert!(
        last == next,
        "the next build completes and equals a fresh build; it said {said:?} and differs at {:?}",
        differences(&last, &next)
    );
    assert!(!staging.exists() && !sibling(&out, "journal").exists());
}
