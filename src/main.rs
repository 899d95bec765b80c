//! The `keyhound` binary: everything lives in the library.

fn main() -> std::process::ExitCode {
    keyhound::cli::main()
}
