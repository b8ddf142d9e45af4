//! The README's tour, pasted as it stands: every `lore> ` line of its shell
//! session runs, in order, on a fresh store, and the answers it shows are
//! the answers lore gives.

use std::path::Path;
use std::process::{Command, Stdio};

#[test]
fn the_readme_tour_runs_as_written() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let tour = readme
        .split("## A tour")
        .nth(1)
        .and_then(|t| t.split("```text").nth(1))
        .and_then(|t| t.split("```").next())
        .expect("the README's tour opens with a shell session in a text block");
    let lines: Vec<&str> = tour
        .lines()
        .filter_map(|l| l.strip_prefix("lore> "))
        .collect();
    assert!(lines.len() >= 10, "{lines:?}");
    // What the README shows lore answering, line for line.
    let shown: Vec<&str> = tour
        .lines()
        .filter(|l| l.contains(" | ") && !l.starts_with("lore> ") && !l.contains("---"))
        .collect();
    assert!(!shown.is_empty());

    // A directory of its own, with the samples where the tour says they are.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    std::os::unix::fs::symlink(root.join("data/articles"), dir.path().join("data/articles"))
        .unwrap();
    let script = lines.join("\n") + "\n";
    let mut child = Command::new(env!("CARGO_BIN_EXE_lore"))
        .current_dir(dir.path())
        .args(["--db", "news.db", "--no-rc", "run", "-"])
        .env_remove("LORE_DB")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write as _;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(script.as_bytes())
            .unwrap();
    }
    let o = child.wait_with_output().unwrap();
    let (out, err) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert!(o.status.success(), "the tour failed:\n{err}\n{out}");
    let squeeze = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let answered = squeeze(&out);
    for row in shown {
        assert!(
            answered.contains(&squeeze(row)),
            "the README shows `{row}`; lore answered:\n{out}"
        );
    }
    let summary = tour
        .lines()
        .find(|l| l.contains("documents:"))
        .expect("the tour shows the ingest summary");
    assert!(err.contains(summary), "`{summary}` not in:\n{err}");
    assert!(dir.path().join("sergei-lavrov.svg").exists());
    assert!(dir.path().join("lavrov.csv").exists());
}
