//! The layering of the crate's top-level modules, checked from the source.
//!
//! `docs/ARCHITECTURE.md` draws the code as layers through which data flows
//! one way: text → facts (`nlp`, `ingest`) → the facade (`store`) over
//! `storage` ← `query` ← views and formats ← front ends (the last in the
//! binary, `main.rs`). This test reads every `crate::module` and
//! `lore::module` path in `src/` (outside comments and test modules)
//! and fails when a module reaches a layer above its own, when the modules
//! form a cycle, or when a front end names `storage`, so the map cannot
//! drift from the code unnoticed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Each top-level module and its layer: a module may name modules of its
/// own layer or below, never above.
const LAYERS: &[(&str, u8)] = &[
    ("error", 0),
    ("diag", 0),
    ("model", 0),
    ("nlp", 1),
    ("ingest", 2),
    ("storage", 3),
    ("store", 4),
    ("query", 5),
    ("output", 6),
    ("graph", 7),
    ("timeline", 7),
    ("csv_export", 7),
    ("jsonl", 7),
    ("rdf", 7),
    ("check", 7),
    ("client", 7),
    ("parse_command", 7),
    ("extract_command", 7),
    ("session", 8),
    ("remote", 8),
    ("repl", 9),
    ("serve", 9),
    ("script", 9),
    ("cli", 10),
];

/// Modules that serve a user directly and must go through the facade.
const FRONT_ENDS: &[&str] = &[
    "check",
    "parse_command",
    "extract_command",
    "session",
    "remote",
    "repl",
    "serve",
    "script",
    "cli",
];

fn layer(m: &str) -> Option<u8> {
    LAYERS.iter().find(|(n, _)| *n == m).map(|(_, l)| *l)
}

/// The code of a file without comment lines and without its trailing
/// `#[cfg(test)] mod tests` (tests may use anything).
fn code_of(text: &str) -> String {
    let mut out = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let t = line.trim_start();
        if t == "#[cfg(test)]"
            && lines
                .peek()
                .is_some_and(|n| n.trim_start().starts_with("mod tests"))
        {
            break;
        }
        if t.starts_with("//") {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Names `lib.rs` re-exports at the crate root, by the module they come from
/// (`crate::Store` is a use of `store`).
fn root_names(lib: &str) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    let flat = lib.replace('\n', " ");
    for part in flat.split("pub use ").skip(1) {
        let Some(stmt) = part.split(';').next() else {
            continue;
        };
        let Some((module, rest)) = stmt.split_once("::") else {
            continue;
        };
        let list = rest.trim().trim_start_matches('{').trim_end_matches('}');
        for name in list.split(',') {
            let name = name.trim();
            if !name.is_empty() {
                names.insert(name.to_string(), module.trim().to_string());
            }
        }
    }
    names
}

/// Every `crate::x` a module's code names, as (from, to) module pairs.
fn edges(src: &Path) -> BTreeSet<(String, String)> {
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap_or_default();
    let roots = root_names(&lib);
    let mut out = BTreeSet::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let Ok(rel) = p.strip_prefix(src) else {
                continue;
            };
            let rel = rel.to_string_lossy().replace('\\', "/");
            let from = rel
                .split('/')
                .next()
                .unwrap_or_default()
                .trim_end_matches(".rs")
                .to_string();
            // The binaries sit above every layer; a tests.rs file is a test module.
            if !rel.ends_with(".rs") || layer(&from).is_none() || rel.ends_with("/tests.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            let code = code_of(&text);
            // The front ends live in the binary and name the library as `lore::`.
            let paths = code
                .match_indices("crate::")
                .chain(code.match_indices("lore::"));
            for (i, prefix) in paths {
                let name: String = code[i + prefix.len()..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                let to = roots.get(&name).cloned().unwrap_or(name);
                if to != from && layer(&to).is_some() {
                    out.insert((from.clone(), to));
                }
            }
        }
    }
    out
}

#[test]
fn modules_name_only_their_own_layer_or_below_and_front_ends_never_storage() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let edges = edges(&src);
    // The check must have read the crate: the facade uses storage.
    assert!(
        edges.contains(&("store".to_string(), "storage".to_string())),
        "read no `crate::` paths under {}",
        src.display()
    );
    let mut wrong = Vec::new();
    for (from, to) in &edges {
        let (Some(a), Some(b)) = (layer(from), layer(to)) else {
            continue;
        };
        if b > a {
            wrong.push(format!("{from} (layer {a}) names {to} (layer {b})"));
        }
        if to == "storage" && FRONT_ENDS.contains(&from.as_str()) {
            wrong.push(format!("front end {from} names storage; go through Store"));
        }
    }
    // Within a layer, a cycle: a names b and b names a, directly or not.
    for (from, to) in &edges {
        let mut seen = BTreeSet::new();
        let mut todo = vec![to.clone()];
        while let Some(m) = todo.pop() {
            if m == *from {
                wrong.push(format!("cycle: {from} -> {to} -> ... -> {from}"));
                break;
            }
            if seen.insert(m.clone()) {
                todo.extend(
                    edges
                        .iter()
                        .filter(|(f, _)| *f == m)
                        .map(|(_, t)| t.clone()),
                );
            }
        }
    }
    assert!(wrong.is_empty(), "layering broken:\n{}", wrong.join("\n"));
}

#[test]
fn every_top_level_module_has_a_layer() {
    let lib = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs"))
        .unwrap_or_default();
    // The binary's front ends too (`mod cli;` in main.rs).
    let main = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/main.rs"))
        .unwrap_or_default();
    let modules: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .chain(main.lines().filter_map(|l| l.trim().strip_prefix("mod ")))
        .map(|m| m.trim_end_matches(';'))
        .collect();
    assert!(modules.contains(&"store"), "read no modules from lib.rs");
    assert!(modules.contains(&"cli"), "read no modules from main.rs");
    let missing: Vec<&&str> = modules.iter().filter(|m| layer(m).is_none()).collect();
    assert!(
        missing.is_empty(),
        "modules without a layer in LAYERS: {missing:?}"
    );
}
