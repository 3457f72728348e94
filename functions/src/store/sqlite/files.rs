//! The store's files on disk: its folder for the owner alone, the database and its WAL
//! companions readable by the owner alone, whatever the process's umask.

use std::path::{Path, PathBuf};

use crate::store::StoreError;

/// The folder name `diandan serve` keeps its store and secret in; an existing one is
/// tightened too (an older build created it readable by all). Other folders given with
/// `--store sqlite:PATH` are the operator's and keep their permissions.
const OWN_FOLDER: &str = ".diandan";

fn failed(what: &str, path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Backend(format!("cannot {what} {}: {e}", path.display()))
}

/// Creates the missing folders (0700) and the database file (0600) before SQLite opens it.
pub(super) fn prepare(path: &Path) -> Result<(), StoreError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_dirs(dir).map_err(|e| failed("create", dir, e))?;
        if dir.file_name().is_some_and(|n| n == OWN_FOLDER) {
            if let Err(e) = set_mode(dir, 0o700) {
                tracing::warn!(folder = %dir.display(), error = %e, "cannot make the store's folder private");
            }
        }
    }
    create_private(path).map_err(|e| failed("create", path, e))
}

/// Sets 0600 on the database and whichever of `-wal` and `-shm` exist.
pub(super) fn make_private(path: &Path) -> Result<(), StoreError> {
    for file in companions(path) {
        if file.exists() {
            set_mode(&file, 0o600).map_err(|e| failed("restrict", &file, e))?;
        }
    }
    Ok(())
}

fn companions(path: &Path) -> [PathBuf; 3] {
    let with = |suffix: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    [path.to_owned(), with("-wal"), with("-shm")]
}

#[cfg(unix)]
fn create_dirs(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_dirs(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

/// Creates the file if it is missing; SQLite then gives `-wal` and `-shm` its mode.
fn create_private(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map(drop)
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) -> std::io::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn the_folder_and_files_are_the_owners_alone() {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("a/.diandan/diandan.sqlite3");
        prepare(&path).unwrap();
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        assert_eq!(mode(&path), 0o600);
        let wal = path.with_file_name("diandan.sqlite3-wal");
        std::fs::write(&wal, b"").unwrap();
        set_mode(&wal, 0o644).unwrap();
        make_private(&path).unwrap();
        assert_eq!(mode(&wal), 0o600);
    }
}
