//! The `lore` binary: the front ends (command line, shell, scripts and the
//! session they share) over the `lore` library, which exports none of them.

mod cli;
mod remote;
mod repl;
mod script;
mod serve;
mod session;

/// mimalloc instead of the system allocator: an import allocates and frees
/// many small strings per fact, across two threads, where glibc's malloc
/// spent a quarter of the time (see BENCHMARKS.md, Scale).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
