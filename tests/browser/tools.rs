//! Where the outside tools live: Debian's Chromium and chromedriver, Java, and the pinned npm
//! packages under `.ci/node_modules` (`npm ci --prefix .ci --ignore-scripts`). Each path can be
//! overridden by an environment variable; a missing tool fails the test, it never skips it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The repository root (the folder holding `content/`, `themes/` and `.ci/`).
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace")
        .to_path_buf()
}

fn tool(var: &str, default: PathBuf, install: &str) -> PathBuf {
    let path = std::env::var_os(var).map_or(default, PathBuf::from);
    assert!(
        path.is_file(),
        "{} not found at {} — {install} (or set {var})",
        path.file_name().unwrap_or_default().to_string_lossy(),
        path.display()
    );
    path
}

const APT: &str = "install it with `apt-get install -y chromium chromium-driver` (see .ci/run)";
const NPM: &str = "install it with `npm ci --prefix .ci --ignore-scripts` (see .ci/run)";

/// The Chromium binary chromedriver starts.
pub fn chromium() -> PathBuf {
    tool("DIANDAN_CHROMIUM", PathBuf::from("/usr/bin/chromium"), APT)
}

/// chromedriver, from Debian's `chromium-driver`.
pub fn chromedriver() -> PathBuf {
    tool(
        "DIANDAN_CHROMEDRIVER",
        PathBuf::from("/usr/bin/chromedriver"),
        APT,
    )
}

/// axe-core's browser bundle, injected into each page.
pub fn axe_js() -> String {
    let path = tool(
        "DIANDAN_AXE_JS",
        root().join(".ci/node_modules/axe-core/axe.min.js"),
        NPM,
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The Nu Html Checker's jar, from npm `vnu-jar`.
pub fn vnu_jar() -> PathBuf {
    tool(
        "DIANDAN_VNU_JAR",
        root().join(".ci/node_modules/vnu-jar/build/dist/vnu.jar"),
        NPM,
    )
}

/// `java`: `DIANDAN_JAVA`, else `$JAVA_HOME/bin/java`, else the first on `PATH`.
pub fn java() -> PathBuf {
    let install = "install a Java runtime (`apt-get install -y default-jre-headless`, see .ci/run)";
    if let Some(p) = std::env::var_os("DIANDAN_JAVA") {
        return tool("DIANDAN_JAVA", PathBuf::from(p), install);
    }
    let home = std::env::var_os("JAVA_HOME").map(|h| Path::new(&h).join("bin/java"));
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join("java"));
    let found = home.into_iter().chain(on_path).find(|p| p.is_file());
    found.unwrap_or_else(|| panic!("java not found — {install} (or set DIANDAN_JAVA)"))
}
