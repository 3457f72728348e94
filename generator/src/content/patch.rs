//! Reloading single files into already loaded content, so an edit in `serve` re-reads one
//! file instead of the whole catalogue. The result is what [`super::load`] would give for the
//! same files on disk: items stay in file-name order, and parse problems and broken ids follow
//! the file.

use std::path::{Component, Path, PathBuf};

use serde::de::DeserializeOwned;

use super::load::{load_item, stem, Loaded};
use super::model::Item;

/// The folders of `content/` that hold one item per Markdown file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    Program,
    Lecturer,
    Course,
    Page,
}

impl ItemKind {
    pub fn folder(self) -> &'static str {
        match self {
            ItemKind::Program => "programs",
            ItemKind::Lecturer => "lecturers",
            ItemKind::Course => "courses",
            ItemKind::Page => "pages",
        }
    }

    fn from_folder(name: &str) -> Option<ItemKind> {
        [
            ItemKind::Program,
            ItemKind::Lecturer,
            ItemKind::Course,
            ItemKind::Page,
        ]
        .into_iter()
        .find(|k| k.folder() == name)
    }
}

/// What a changed path (relative to the root) means for the content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// An item's Markdown file: reload it.
    Item(ItemKind, PathBuf),
    /// A file the loader never reads (an editor's swap file, a sub-folder of an item folder).
    Ignored,
    /// Anything else (site settings, townships, schedule, images, themes): rebuild everything.
    Other,
}

/// Classifies a path relative to the root, e.g. `content/programs/minju.md`.
pub fn classify(rel: &Path) -> Change {
    let parts: Vec<&str> = rel
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .map(|c| c.as_os_str().to_str().unwrap_or(""))
        .collect();
    let kind = match parts.as_slice() {
        ["content", folder, _, ..] => ItemKind::from_folder(folder),
        _ => None,
    };
    let Some(kind) = kind else {
        return Change::Other;
    };
    match parts.as_slice() {
        [_, _, name] if name.ends_with(".md") => {
            Change::Item(kind, Path::new("content").join(kind.folder()).join(name))
        }
        _ => Change::Ignored,
    }
}

/// Re-reads one item file (or drops the item if the file is gone) and records the outcome in
/// `loaded`. Returns the item's id (the file stem).
pub fn reload(loaded: &mut Loaded, root: &Path, kind: ItemKind, rel: &Path) -> String {
    let c = &mut loaded.content;
    match kind {
        ItemKind::Program => reload_into(&mut c.programs, root, rel, &mut loaded.problems),
        ItemKind::Lecturer => reload_into(&mut c.lecturers, root, rel, &mut loaded.problems),
        ItemKind::Course => reload_into(&mut c.courses, root, rel, &mut loaded.problems),
        ItemKind::Page => reload_into(&mut c.pages, root, rel, &mut loaded.problems),
    }
    let id = stem(rel);
    let key = format!("{}/{id}", kind.folder());
    let failed = loaded.problems.iter().any(|d| d.path == rel);
    if failed {
        loaded.broken.insert(key);
    } else {
        loaded.broken.remove(&key);
    }
    id
}

/// Replaces, inserts or removes the item read from `rel`.
fn reload_into<M, Id>(
    items: &mut Vec<Item<Id, M>>,
    root: &Path,
    rel: &Path,
    problems: &mut Vec<super::Diagnostic>,
) where
    M: DeserializeOwned,
    Id: TryFrom<String>,
    Id::Error: std::fmt::Display,
{
    problems.retain(|d| d.path != rel);
    items.retain(|i| i.origin.rel != rel);
    if !root.join(rel).is_file() {
        return;
    }
    match load_item(root, rel.to_path_buf()) {
        Ok(item) => {
            let at = items.partition_point(|i| i.origin.rel.as_path() < rel);
            items.insert(at, item);
        }
        Err((d, _)) => problems.push(d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_paths() {
        let item = classify(Path::new("content/programs/minju.md"));
        assert_eq!(
            item,
            Change::Item(ItemKind::Program, "content/programs/minju.md".into())
        );
        let dotted = classify(Path::new("./content/courses/guzheng.md"));
        assert_eq!(
            dotted,
            Change::Item(ItemKind::Course, "content/courses/guzheng.md".into())
        );
        assert_eq!(
            classify(Path::new("content/programs/.minju.md.swp")),
            Change::Ignored
        );
        assert_eq!(
            classify(Path::new("content/programs/old/minju.md")),
            Change::Ignored
        );
        for other in [
            "content/site.yaml",
            "content/schedule/2026-12.yaml",
            "content/images/a.png",
            "content/programs",
            "themes/default/templates/base.html",
        ] {
            assert_eq!(classify(Path::new(other)), Change::Other, "{other}");
        }
    }
}
