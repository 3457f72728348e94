//! The `diandan` command as a child process the test can kill: test targets built with
//! `harness = false` are the `diandan` binary too when [`AS_CLI`] is set (their `main` calls
//! [`run_as_cli_if_asked`] first), since a test crate cannot depend on another crate's binary.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Set in the child's environment: run `diandan` with the arguments after the program name.
pub const AS_CLI: &str = "DIANDAN_TEST_AS_CLI";

/// In a test target's `main`: when started as the command, runs it and returns its exit code.
pub fn run_as_cli_if_asked() -> Option<ExitCode> {
    std::env::var_os(AS_CLI).map(|_| diandan::cli::main())
}

/// `diandan ARGS…` with `envs`, its stdout and stderr captured line by line.
pub struct Diandan {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    readers: Vec<std::thread::JoinHandle<()>>,
    first: mpsc::Receiver<String>,
}

impl Diandan {
    pub fn spawn(args: &[&str], envs: &[(&str, &str)]) -> Diandan {
        let exe = std::env::current_exe().expect("the test binary knows its path");
        let mut child = Command::new(exe)
            .args(args)
            .env(AS_CLI, "1")
            .envs(envs.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the command starts");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (tx, first) = mpsc::channel();
        let readers = vec![
            collect(child.stdout.take().unwrap(), Arc::clone(&lines), tx.clone()),
            collect(child.stderr.take().unwrap(), Arc::clone(&lines), tx),
        ];
        Diandan {
            child,
            lines,
            readers,
            first,
        }
    }

    /// `diandan serve --port 0 --root ROOT --today TODAY`, once it says where it listens.
    pub fn serve(root: &Path, today: &str, envs: &[(&str, &str)]) -> (Diandan, String) {
        let root = root.to_str().expect("a UTF-8 path");
        let args = ["serve", "--port", "0", "--root", root, "--today", today];
        let server = Diandan::spawn(&args, envs);
        let base = server.wait_for_line("serving http://").map(|line| {
            let url = line.split_whitespace().nth(1).unwrap_or_default();
            url.trim_end_matches('/').to_owned()
        });
        let base = base.unwrap_or_else(|| panic!("serve did not start: {:?}", server.lines()));
        (server, base)
    }

    /// The first line starting with `prefix`, waiting for it (`None` once the child is gone).
    pub fn wait_for_line(&self, prefix: &str) -> Option<String> {
        loop {
            match self.first.recv_timeout(Duration::from_secs(120)) {
                Ok(line) if line.starts_with(prefix) => return Some(line),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
    }

    /// Every line written so far, stdout and stderr interleaved as they arrived.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// Whether the command has ended.
    pub fn finished(&mut self) -> bool {
        self.child.try_wait().ok().flatten().is_some()
    }

    /// `kill -9`: no chance to clean up, as in a crash or a power cut of the process.
    pub fn kill(mut self) -> Vec<String> {
        self.stop()
    }

    /// Waits for the command to end by itself; its exit status and every line it wrote.
    pub fn wait(mut self) -> (std::process::ExitStatus, Vec<String>) {
        let status = self.child.wait().expect("the command ends");
        (status, self.stop())
    }

    fn stop(&mut self) -> Vec<String> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        self.lines()
    }
}

impl Drop for Diandan {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn collect(
    pipe: impl Read + Send + 'static,
    lines: Arc<Mutex<Vec<String>>>,
    tx: mpsc::Sender<String>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            lines.lock().unwrap().push(line.clone());
            let _ = tx.send(line);
        }
    })
}

/// Copies the sample site's `content/` and `themes/` into `dir`, a root of its own whose
/// `.diandan/` data folder the test owns.
pub fn copy_sample_site(dir: &Path) {
    for part in ["content", "themes"] {
        copy_tree(&super::repo_root().join(part), &dir.join(part));
    }
}

/// Copies the folder `from` to `to`.
pub fn copy_tree(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.expect("the folder is readable");
        let dest = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}
