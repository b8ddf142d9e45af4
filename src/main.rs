//! The `lore` binary: everything lives in the library's `cli` module.

/// mimalloc instead of the system allocator: an import allocates and frees
/// many small strings per fact, across two threads, where glibc's malloc
/// spent a quarter of the time (see BENCHMARKS.md, Scale).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    lore::cli::main()
}
