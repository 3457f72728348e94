//! `kill -9` of `diandan build` while it renders, writes and moves a large synthetic catalogue
//! over the previous site, and while it rebuilds after a one-program edit (the page cache's
//! path, and the memo's: parsed files taken from it, and a torn memo ignored and written
//! again): every page in the output is whole, the previous version or the new one; until the
//! build's journal is written the output is the previous site byte for byte; the next build
//! completes and equals a fresh one.

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

/// What a kill left.
struct Killed {
    /// The staging folder existed: the build was writing.
    writing: bool,
    /// The journal existed: the build was moving files into place.
    moving: bool,
}

/// Starts a build and kills it at `moment`.
fn kill_build_at(root: &Path, out: &Path, moment: Moment) -> Killed {
    let (staging, journal) = (sibling(out, "staging"), sibling(out, "journal"));
    let mut build = spawn_build(root, out);
    let started = Instant::now();
    match moment {
        Moment::AfterStart(after) => {
            while started.elapsed() < after && !build.finished() && !staging.exists() {
                std::thread::sleep(Duration::from_micros(200));
            }
        }
        Moment::Writing(after) => {
            while !staging.exists() && !build.finished() {
                std::thread::sleep(Duration::from_micros(200));
            }
            std::thread::sleep(after);
        }
        Moment::Moving => {
            let first = out.join("404.html");
            let before = std::fs::read(&first).unwrap();
            let moved = || journal.exists() && std::fs::read(&first).ok().as_ref() != Some(&before);
            while !moved() && !build.finished() {
                std::thread::sleep(Duration::from_micros(100));
            }
        }
    }
    let killed = Killed {
        writing: staging.exists(),
        moving: journal.exists(),
    };
    build.kill();
    killed
}

/// Sets the time of every content file an hour back, as files are between an editor's
/// sessions: settled enough for the build's memo to remember them.
fn age_content(root: &Path) {
    let then = std::time::SystemTime::now() - Duration::from_secs(3600);
    for e in walkdir::WalkDir::new(root.join("content")) {
        let e = e.unwrap();
        if e.file_type().is_file() {
            let file = std::fs::File::options().write(true).open(e.path());
            file.unwrap().set_modified(then).unwrap();
        }
    }
}

/// Cuts a file to half its length, if it is there.
fn tear(path: &Path) {
    if let Ok(bytes) = std::fs::read(path) {
        std::fs::write(path, &bytes[..bytes.len() / 2]).unwrap();
    }
}

fn sibling(out: &Path, suffix: &str) -> PathBuf {
    out.with_file_name(format!(".public.{suffix}"))
}

/// Every file of `now` is whole: as in `previous` or as in `next`, and nothing else is there.
fn assert_whole(now: &Tree, previous: &Tree, next: &Tree, moment: Moment) {
    for (path, file) in now {
        assert!(
            previous.get(path) == Some(file) || next.get(path) == Some(file),
            "killed at {moment:?}: {path} is neither its previous nor its new version"
        );
    }
}

/// Kills builds of `next` over `previous` at each moment, checking what each kill left. The
/// output is put back to `previous` before each kill. How many kills landed while writing.
fn kill_at_moments(site: &Sites, moments: &[Moment]) -> usize {
    let mut killed_while_writing = 0;
    for &moment in moments {
        (site.make_previous)();
        let said = build_to_end(&site.root, &site.out);
        let back = tree(&site.out);
        let previous = &site.previous;
        assert!(
            &back == previous,
            "{said:?}: {:?}",
            differences(&back, previous)
        );
        (site.make_next)();
        let killed = kill_build_at(&site.root, &site.out, moment);
        let now = tree(&site.out);
        assert_whole(&now, previous, &site.next, moment);
        if !killed.moving && now != site.next {
            assert!(
                &now == previous,
                "killed at {moment:?} before moving anything, the output is not the previous \
                 site; it differs at {:?}",
                differences(&now, previous)
            );
        }
        killed_while_writing += usize::from(killed.writing || killed.moving);
        let said = build_to_end(&site.root, &site.out);
        let last = tree(&site.out);
        assert!(
            last == site.next,
            "the next build completes and equals a fresh build; it said {said:?} and differs \
             at {:?}",
            differences(&last, &site.next)
        );
        assert!(!sibling(&site.out, "staging").exists() && !sibling(&site.out, "journal").exists());
    }
    killed_while_writing
}

/// A site, its output, and how to switch its content between two versions.
struct Sites<'a> {
    root: PathBuf,
    out: PathBuf,
    previous: Tree,
    next: Tree,
    make_previous: &'a dyn Fn(),
    make_next: &'a dyn Fn(),
}

/// Builds the content as it is into a fresh folder.
fn fresh_tree(root: &Path, scratch: &Path) -> Tree {
    if scratch.exists() {
        std::fs::remove_dir_all(scratch).unwrap();
    }
    build_to_end(root, scratch);
    tree(scratch)
}

pub fn a_killed_build_leaves_the_previous_site_and_the_next_build_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    synth::write_diandan(&root, &synth::Sizes::for_n(PROGRAMS)).unwrap();
    crate::support::child::copy_tree(&repo_root().join("themes"), &root.join("themes"));
    let out = root.join("public");
    let scratch = dir.path().join("fresh");

    // Every page changes: a new site title.
    let (old_title, new_title) = ("旧版 · 点单点将", "新版 · 点单点将");
    let old = || set_title(&root, old_title);
    let new = || set_title(&root, new_title);
    old();
    let previous = fresh_tree(&root, &scratch);
    new();
    let next = fresh_tree(&root, &scratch);
    assert_ne!(previous, next, "the edit changes the site");
    let moments = [
        Moment::AfterStart(Duration::from_millis(300)),
        Moment::Writing(Duration::ZERO),
        Moment::Writing(Duration::from_millis(40)),
        Moment::Writing(Duration::from_millis(300)),
        Moment::Moving,
    ];
    let site = Sites {
        root: root.clone(),
        out: out.clone(),
        previous,
        next,
        make_previous: &old,
        make_next: &new,
    };
    let writing = kill_at_moments(&site, &moments);
    assert!(
        writing > 0,
        "no kill landed while the build was writing; make the catalogue larger"
    );

    // One program's text: the page cache lets the build render and write that page alone, and
    // the memo spares it parsing the other files. Before each killed build the memo is torn,
    // as a write cut short would leave it: that build must ignore it and write a new one,
    // and may be killed while it does.
    old();
    age_content(&root);
    build_to_end(&root, &out);
    let program = synth::first_program(&root);
    let text = std::fs::read_to_string(&program).unwrap();
    let before = || std::fs::write(&program, &text).unwrap();
    let memo = sibling(&out, "memo");
    let after = || {
        std::fs::write(&program, format!("{text}\n改过的一段。\n")).unwrap();
        tear(&memo);
    };
    before();
    let previous = fresh_tree(&root, &scratch);
    after();
    let next = fresh_tree(&root, &scratch);
    assert_eq!(differences(&previous, &next).len(), 1, "one page changes");
    let moments = [0, 20, 50, 100, 200, 400, 700, 1000]
        .map(|ms| Moment::AfterStart(Duration::from_millis(ms)));
    let site = Sites {
        root,
        out,
        previous,
        next,
        make_previous: &before,
        make_next: &after,
    };
    kill_at_moments(&site, &moments);
}
