//! The `diandan` binary: everything is in the library's [`diandan::cli::main`].

fn main() -> std::process::ExitCode {
    diandan::cli::main()
}
