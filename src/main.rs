//! The `lore` binary: everything lives in the library's `cli` module.

fn main() -> std::process::ExitCode {
    lore::cli::main()
}
