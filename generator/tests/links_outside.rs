//! A symlink in `content/images` or the theme's `static/` that leads outside the site folder
//! would publish whatever it points to (the store, its secret): `check` names it and `build`
//! refuses, whether the folder itself or a file or folder inside it is the link.

#![cfg(unix)]

mod common;

use std::os::unix::fs::symlink;
use std::path::Path;

use common::*;

/// A folder outside the site holding what an attacker would like published.
fn private_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("secret"), "hmac-secret-do-not-publish").unwrap();
    std::fs::write(dir.path().join("diandan.sqlite3"), "guardians' phones").unwrap();
    dir
}

fn assert_refused(site: &Path, link: &str) {
    let root = site.to_str().unwrap();
    let check = diandan(&["check", "--root", root]);
    let said = String::from_utf8_lossy(&check.stderr);
    assert!(!check.status.success(), "check passed with {link}: {said}");
    assert!(
        said.contains(&format!("{link}:1:1:")),
        "{link} not named: {said}"
    );
    assert!(said.contains("outside the site"), "{said}");
    let out = tempfile::tempdir().unwrap();
    let public = out.path().join("public");
    let build = diandan(&["build", "--root", root, "--out", public.to_str().unwrap()]);
    assert!(!build.status.success(), "build took {link}");
    let published: Vec<_> = walkdir::WalkDir::new(&public)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name() == "secret" || e.file_name() == "diandan.sqlite3")
        .collect();
    assert!(published.is_empty(), "{published:?}");
}

#[test]
fn a_linked_images_folder_is_refused() {
    let outside = private_folder();
    let dir = site(&[]);
    let images = dir.path().join("content/images");
    let _ = std::fs::remove_dir_all(&images);
    symlink(outside.path(), &images).unwrap();
    assert_refused(dir.path(), "content/images");
}

#[test]
fn a_linked_file_or_folder_inside_images_or_the_theme_is_refused() {
    let outside = private_folder();
    let dir = site(&[]);
    let images = dir.path().join("content/images");
    std::fs::create_dir_all(&images).unwrap();
    symlink(outside.path().join("secret"), images.join("logo.png")).unwrap();
    assert_refused(dir.path(), "content/images/logo.png");
    std::fs::remove_file(images.join("logo.png")).unwrap();
    let fine = dir.path().join("content/images/inside.png");
    std::fs::write(dir.path().join("content/site.png"), b"png").unwrap();
    symlink(dir.path().join("content/site.png"), &fine).unwrap();
    let inside_ok = diandan(&["check", "--root", dir.path().to_str().unwrap()]);
    assert!(
        inside_ok.status.success(),
        "a link within the site is fine: {}",
        String::from_utf8_lossy(&inside_ok.stderr)
    );
    let assets = dir.path().join("themes/default/static/fonts");
    symlink(outside.path(), &assets).unwrap();
    assert_refused(dir.path(), "themes/default/static/fonts");
}
