//! A small copy of the sample content with one file replaced by arbitrary bytes, loaded and
//! validated as `diandan check` does. The first byte picks the file. Nothing may panic, and
//! every problem names a file of the tree and a line in it.

#![no_main]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use diandan::content::{load, validate};
use libfuzzer_sys::fuzz_target;

/// One file of each kind, from the sample content (the course's teacher is the lecturer).
const FILES: &[&str] = &[
    "content/site.yaml",
    "content/townships.yaml",
    "content/programs/minju-chenjinggu.md",
    "content/lecturers/lin-xiuying.md",
    "content/courses/shaoer-jianzhi.md",
    "content/pages/about.md",
    "content/schedule/2026-12.yaml",
];

struct Tree {
    root: tempfile::TempDir,
    originals: BTreeMap<PathBuf, Vec<u8>>,
}

/// The tree, made once per process; each run puts back the file it replaced.
fn tree() -> &'static Tree {
    static TREE: OnceLock<Tree> = OnceLock::new();
    TREE.get_or_init(|| {
        let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let root = tempfile::tempdir().expect("a temporary directory");
        let mut originals = BTreeMap::new();
        for rel in FILES {
            let bytes = std::fs::read(sample.join(rel)).expect("the sample content");
            let path = root.path().join(rel);
            std::fs::create_dir_all(path.parent().expect("a folder")).expect("a folder");
            std::fs::write(&path, &bytes).expect("a copy");
            originals.insert(PathBuf::from(rel), bytes);
        }
        Tree { root, originals }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let tree = tree();
    let rel = Path::new(FILES[usize::from(pick) % FILES.len()]);
    let path = tree.root.path().join(rel);
    std::fs::write(&path, rest).expect("the file is written");
    let loaded = load(tree.root.path());
    let problems = validate(&loaded);
    for d in &problems {
        let text = if d.path == rel {
            rest
        } else {
            let original = tree.originals.get(&d.path);
            original.unwrap_or_else(|| panic!("{d}: not a file of the tree"))
        };
        let text = String::from_utf8_lossy(text);
        // Lines as YAML counts them (validation problems are placed by the YAML locator): a
        // lone CR, NEL, U+2028 and U+2029 end lines too.
        let text = text.replace("\r\n", "\n");
        let lines = (text.split(['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}'])).count();
        assert!(d.line >= 1 && d.line <= lines + 1, "{d} (of {lines} lines)");
        assert!(d.col >= 1, "{d}");
    }
    std::fs::write(&path, &tree.originals[rel]).expect("the file is put back");
});
