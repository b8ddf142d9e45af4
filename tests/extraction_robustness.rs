//! Robustness of the extractor: no input panics, normalization is idempotent,
//! and a 50 MB article is read with bounded memory.

use lore::ingest::{extract, normalize_relation};
use proptest::prelude::*;

/// Words that make arbitrary text look like news to the extractor.
const NEWSY: &[&str] = &[
    "Mr",
    "Mr.",
    "U.S.",
    "the",
    "and",
    "met",
    "with",
    "said",
    "he",
    "she",
    "not",
    "urged",
    "to",
    "release",
    "in",
    "Geneva",
    "Russia",
    "Jane",
    "Doe",
    "Max",
    "Mustermann",
    "President",
    "Foreign",
    "Minister",
    "on",
    "Thursday",
    "last",
    "July",
    "2022",
    "“",
    "”",
    ",",
    ".",
    "!",
    "?",
    "[0]",
    "(",
    ")",
    "'s",
    "’s",
    "—",
    "–",
    "\n",
    "\n\n",
    "1.",
    "  2.",
    "Read more:",
    "date 2023-03-02",
    "By",
    "was",
    "detained",
    "by",
    "which",
    "who",
    "the two",
    "G-20",
    "Group of 20",
    "for about 10 minutes",
];

fn newsy() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(NEWSY), 0..80).prop_map(|w| w.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_strings_never_panic(s in any::<String>()) {
        let ex = extract(&s);
        for f in &ex.facts {
            prop_assert!(f.subject < ex.entities.len());
            prop_assert!(f.span.0 <= f.span.1 && f.span.1 <= s.len());
        }
    }

    #[test]
    fn newsy_strings_never_panic_and_spans_are_exact(s in newsy()) {
        let ex = extract(&s);
        for f in &ex.facts {
            prop_assert!(f.span.1 <= s.len());
            prop_assert!(s.is_char_boundary(f.span.0) && s.is_char_boundary(f.span.1));
        }
    }

    #[test]
    fn normalize_relation_is_idempotent(s in newsy()) {
        let once = normalize_relation(&s);
        prop_assert_eq!(normalize_relation(&once), once.clone());
    }
}

/// Peak resident memory of this process in kB (Linux `VmHWM`).
fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A news-like article of about `bytes` bytes: many people, meetings, quotes.
fn synthetic_article(bytes: usize) -> String {
    let mut s = String::with_capacity(bytes + 1024);
    s.push_str("A very long synthetic article\n\ndate 2023-03-02 By Jane Doe, Example News\n\n");
    let mut i = 0u64;
    while s.len() < bytes {
        let a = i % 997;
        let b = (i * 7 + 3) % 991;
        s.push_str(&format!(
            "Foreign Minister Person{a} Name{a} met with Finance Minister Other{b} Surname{b} on Thursday in Geneva. \
             Mr Name{a} said he urged Norway to release Prisoner{b} Held{b}. \
             Name{a} and Surname{b} spoke for about 10 minutes, officials said.\n\n"
        ));
        i += 1;
    }
    s
}

const FIFTY_MB: usize = 50 << 20;

/// The BBC corpus (see benches/ingest.rs for the path rule), when present.
fn corpus_dir() -> std::path::PathBuf {
    std::env::var_os("LORE_CORPUS")
        .map(Into::into)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora/bbc")
        })
}

/// Real news text: the corpus articles (bodies only) repeated to about `bytes`.
fn corpus_article(bytes: usize) -> Option<String> {
    let mut texts = Vec::new();
    for cat in std::fs::read_dir(corpus_dir()).ok()? {
        let cat = cat.ok()?.path();
        if !cat.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&cat).ok()? {
            if let Ok(t) = std::fs::read_to_string(f.ok()?.path()) {
                texts.push(t);
            }
        }
    }
    if texts.is_empty() {
        return None;
    }
    let mut s = String::with_capacity(bytes + 8192);
    s.push_str("Fifty megabytes of news\n\ndate 2005-03-02\n\n");
    'fill: loop {
        for t in &texts {
            if s.len() >= bytes {
                break 'fill;
            }
            s.push_str(t);
            s.push_str("\n\n");
        }
    }
    Some(s)
}

/// Runs in a child process (see `fifty_megabyte_article_has_bounded_memory`) so that the
/// peak RSS it reports belongs to this one extraction.
#[test]
#[ignore = "child of fifty_megabyte_article_has_bounded_memory"]
fn child_extract_fifty_megabytes() {
    if std::env::var("LORE_MEMORY_CHILD").is_err() {
        println!("run by fifty_megabyte_article_has_bounded_memory");
        return;
    }
    let text = match std::env::var("LORE_MEMORY_CHILD").as_deref() {
        Ok("corpus") => match corpus_article(FIFTY_MB) {
            Some(t) => t,
            None => {
                println!("LORE_SKIPPED=1");
                return;
            }
        },
        _ => synthetic_article(FIFTY_MB),
    };
    let before = peak_rss_kb().unwrap_or(0);
    let ex = extract(&text);
    assert!(!ex.facts.is_empty());
    println!(
        "LORE_PEAK_KB={} LORE_BEFORE_KB={before} LORE_TEXT_BYTES={} LORE_FACTS={} LORE_ENTITIES={}",
        peak_rss_kb().unwrap_or(0),
        text.len(),
        ex.facts.len(),
        ex.entities.len()
    );
}

/// Runs the child for one kind of 50 MB article; returns (peak bytes, text bytes, facts).
fn measure(kind: &str) -> Option<(u64, u64, u64)> {
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .args([
            "--ignored",
            "--exact",
            "child_extract_fifty_megabytes",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("LORE_MEMORY_CHILD", kind)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    if stdout.contains("LORE_SKIPPED=1") {
        return None;
    }
    let field = |k: &str| -> u64 {
        stdout
            .split_whitespace()
            .find_map(|w| w.strip_prefix(k))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{k} missing in {stdout}"))
    };
    let r = (
        field("LORE_PEAK_KB=") * 1024,
        field("LORE_TEXT_BYTES="),
        field("LORE_FACTS="),
    );
    println!(
        "50 MB {kind} article: peak RSS {} MB = {:.1}x the text, {} facts",
        r.0 >> 20,
        r.0 as f64 / r.1 as f64,
        r.2
    );
    Some(r)
}

/// Peak memory is the text plus about 1 kB per fact read (the fact, its qualifier
/// map, its strings). News text gives far fewer facts per byte than the synthetic
/// article, which packs three facts into every 230 bytes.
#[test]
#[ignore = "about a minute in release, much longer in debug: cargo test --release --test extraction_robustness -- --ignored --nocapture fifty_megabyte"]
fn fifty_megabyte_article_has_bounded_memory() {
    if !std::path::Path::new("/proc/self/status").exists() {
        println!("skipped: no /proc/self/status to read peak memory from");
        return;
    }
    let (peak, size, _) = measure("synthetic").unwrap();
    assert!(
        peak < 20 * size,
        "synthetic: peak {peak} bytes for {size} bytes of text"
    );
    match measure("corpus") {
        Some((peak, size, _)) => {
            assert!(
                peak < 5 * size,
                "news text: peak {peak} bytes for {size} bytes of text"
            )
        }
        None => println!(
            "corpus not found at {}: news-text run skipped",
            corpus_dir().display()
        ),
    }
}
