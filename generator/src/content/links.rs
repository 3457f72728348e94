//! Symbolic links in the folders published as they are (`content/images/`, the theme's
//! `static/`) that lead outside the site folder: they would publish whatever they point to —
//! the store with guardians' numbers, the secret — so `check` reports them and `build` refuses.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use super::Diagnostic;

/// The folders whose files are copied into the site unread.
pub fn published_folders(root: &Path) -> [PathBuf; 2] {
    [
        root.join("content").join("images"),
        root.join("themes").join("default").join("static"),
    ]
}

/// Every link, at any depth of the published folders (the folders themselves included),
/// whose canonical target is not inside the canonical site folder.
pub fn outside_root(root: &Path) -> Vec<Diagnostic> {
    let Ok(home) = root.canonicalize() else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    for folder in published_folders(root) {
        // Not following links: each link is judged by itself, and a link to a folder inside
        // the site is walked where it really is.
        for entry in WalkDir::new(&folder).follow_root_links(false) {
            let Ok(entry) = entry else { continue };
            if !entry.path_is_symlink() {
                continue;
            }
            let target = entry.path().canonicalize();
            match target {
                Ok(target) if target.starts_with(&home) => {}
                Ok(target) => problems.push(leaves(entry.path(), Some(&target))),
                Err(_) => problems.push(leaves(entry.path(), None)),
            }
        }
    }
    problems
}

fn leaves(link: &Path, target: Option<&Path>) -> Diagnostic {
    let message = match target {
        Some(target) => format!(
            "this is a link to {}, outside the site folder, and would publish it",
            target.display()
        ),
        None => "this is a link that leads nowhere readable, outside the site folder".to_owned(),
    };
    Diagnostic::file(link, message).hint(
        "replace the link with a copy of the files it should publish, placed inside the site \
         folder (links may only point within it)",
    )
}
