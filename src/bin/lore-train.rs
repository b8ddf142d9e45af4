//! `lore-train`: trains the models of lore's English pipeline from the
//! treebanks in `../shared/treebanks`, writes them to `data/models/`, and
//! prints the evaluation table.
//!
//! ```sh
//! cargo run --release --bin lore-train -- ../shared/treebanks
//! cargo run --release --bin lore-train -- ../shared/treebanks --only parser
//! cargo run --release --bin lore-train -- ../shared/treebanks --only coref
//! ```
//!
//! Training is deterministic: the same treebanks give the same model files,
//! byte for byte. `--only` retrains some models and reads the others from
//! `--out`; the parser then needs the tagger's jackknifed training tags,
//! which the tagger stage leaves in `--cache`.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use lore::nlp::eval;
use lore::nlp::lemma::Lemmatizer;
use lore::nlp::model_file::{Reader, Writer};
use lore::nlp::ner::{self as ner, Recognizer, data as ner_data};
use lore::nlp::parser::Parser;
use lore::nlp::sentences::Splitter;
use lore::nlp::tagger::{Jackknifed, Tagger};
use lore::nlp::train::{self, Treebanks};

/// Pruning thresholds of the parser's move and relation models (see
/// `BENCHMARKS.md` for the size against accuracy measurements).
const PARSER_PRUNE: (f64, f64) = (1.5, 1.5);

const USAGE: &str = "usage: lore-train [TREEBANKS_DIR] [--out DIR] [--cache DIR] [--only tagger,lemma,ner,sentences,parser,coref]";

struct Args {
    treebanks: PathBuf,
    out: PathBuf,
    cache: PathBuf,
    only: Option<Vec<String>>,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        treebanks: PathBuf::from("../shared/treebanks"),
        out: PathBuf::from("data/models"),
        cache: PathBuf::from("target/lore-train"),
        only: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(x) = it.next() {
        match x.as_str() {
            "--out" => a.out = it.next().ok_or(USAGE)?.into(),
            "--cache" => a.cache = it.next().ok_or(USAGE)?.into(),
            "--only" => {
                a.only = Some(
                    it.next()
                        .ok_or(USAGE)?
                        .split(',')
                        .map(str::to_string)
                        .collect(),
                )
            }
            "-h" | "--help" => return Err(USAGE.into()),
            s if s.starts_with('-') => return Err(format!("unknown option {s}\n{USAGE}")),
            s => a.treebanks = s.into(),
        }
    }
    Ok(a)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lore-train: {e}");
            ExitCode::from(1)
        }
    }
}

fn pct(a: usize, b: usize) -> f64 {
    100.0 * eval::ratio(a, b)
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn save(path: &Path, kind: &str, write: impl FnOnce(&mut Writer)) -> Result<(), String> {
    let mut w = Writer::new(kind);
    write(&mut w);
    let bytes = w
        .compressed()
        .map_err(|e| format!("compressing the {kind} model: {e}"))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, &bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    eprintln!(
        "wrote {} ({:.1} MB)",
        path.display(),
        bytes.len() as f64 / 1e6
    );
    Ok(())
}

fn load<T>(
    path: &Path,
    kind: &str,
    read: impl FnOnce(&mut Reader) -> Result<T, String>,
) -> Result<T, String> {
    let bytes =
        std::fs::read(path).map_err(|e| format!("{}: {e} (train it first)", path.display()))?;
    let mut r = Reader::open_compressed(&bytes, kind, 1 << 30)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    read(&mut r).map_err(|e| format!("{}: {e}", path.display()))
}

fn run(args: &Args) -> Result<(), String> {
    let wants = |stage: &str| {
        args.only
            .as_ref()
            .is_none_or(|o| o.iter().any(|s| s == stage))
    };
    let t0 = Instant::now();
    let tb = Treebanks::load(&args.treebanks)?;
    eprintln!("read treebanks in {:.1}s", t0.elapsed().as_secs_f64());
    for (name, gold) in [("en_ewt dev", &tb.ewt_dev), ("gum dev", &tb.gum_dev)] {
        let (t, w, skipped) = eval::tokenization(gold);
        println!(
            "{name}: tokens F1 {:.2}  words F1 {:.2}  ({skipped} sentences skipped)",
            100.0 * t.f1(),
            100.0 * w.f1()
        );
    }

    let (classes, map) = train::tag_classes(tb.train(), 5);
    let jackknife_path = args.cache.join("jackknifed-tags.bin");
    let tagger_path = args.out.join("tagger.lore.zst");
    let (tagger, jackknifed) = if wants("tagger") {
        let examples = train::tag_examples(tb.train(), &map);
        let seen: HashSet<u64> = examples
            .iter()
            .flat_map(|e| e.atoms.iter().map(|a| a.lower))
            .collect();
        let is_seen = |a: &lore::nlp::lexical::Atoms| seen.contains(&a.lower);
        eprintln!(
            "tagger: {} classes, {} sentences",
            classes.len(),
            examples.len()
        );
        let t1 = Instant::now();
        let (tagger, jackknifed) = Tagger::train(
            &classes,
            &examples,
            env_usize("LORE_TAG_EPOCHS", 10),
            env_usize("LORE_TAG_FOLDS", 5),
            1,
            |e, t| {
                let d = train::score_tagger(t, &tb.ewt_dev, &is_seen);
                let g = train::score_tagger(t, &tb.gum_dev, &is_seen);
                eprintln!(
                    "  {e}: ewt dev UPOS {:.2} XPOS {:.2} unseen {:.2} | gum dev UPOS {:.2} ({:.0}s)",
                    pct(d.upos, d.words),
                    pct(d.xpos, d.words),
                    pct(d.unseen_upos, d.unseen),
                    pct(g.upos, g.words),
                    t1.elapsed().as_secs_f64()
                );
            },
        );
        save(&tagger_path, "tagger", |w| tagger.write(w))?;
        save(&jackknife_path, "jackknife", |w| {
            w.u32(jackknifed.tags.len() as u32);
            for (t, a) in jackknifed.tags.iter().zip(&jackknifed.runner_up) {
                w.u32s(&t.iter().map(|&c| c as u32).collect::<Vec<_>>());
                w.u32s(&a.iter().map(|&c| c as u32).collect::<Vec<_>>());
            }
        })?;
        (tagger, jackknifed)
    } else {
        let tagger = load(&tagger_path, "tagger", Tagger::read)?;
        let jackknifed = load(&jackknife_path, "jackknife", |r| {
            let n = r.u32()? as usize;
            let mut j = Jackknifed::default();
            for _ in 0..n {
                j.tags
                    .push(r.u32s()?.into_iter().map(|c| c as u16).collect());
                j.runner_up
                    .push(r.u32s()?.into_iter().map(|c| c as u16).collect());
            }
            Ok(j)
        })?;
        (tagger, jackknifed)
    };
    let d = train::score_tagger(&tagger, &tb.ewt_dev, &|_| true);
    for ((g, p), n) in train::tag_confusions(&tagger, &tb.ewt_dev, 12) {
        eprintln!("  {g} -> {p}: {n}");
    }
    println!(
        "tagger: ewt dev UPOS {:.2} XPOS {:.2}",
        pct(d.upos, d.words),
        pct(d.xpos, d.words)
    );

    let lemma_path = args.out.join("lemma.lore.zst");
    let lemmatizer = if wants("lemma") {
        let train: Vec<&lore::nlp::conllu::Sentence> = tb.train().collect();
        let l = Lemmatizer::train(&train);
        save(&lemma_path, "lemma", |w| l.write(w))?;
        l
    } else {
        load(&lemma_path, "lemma", Lemmatizer::read)?
    };
    for (name, gold) in [("ewt dev", &tb.ewt_dev), ("gum dev", &tb.gum_dev)] {
        let (right, all) = train::score_lemmas(gold, &tagger, &lemmatizer);
        println!("lemmas: {name} {:.2} (predicted tags)", pct(right, all));
    }

    let ner_path = args.out.join("ner.lore.zst");
    let recognizer = if wants("ner") {
        let n_ewt = tb.ewt_train.len();
        let jk = &jackknifed.tags;
        let gum = ner_data::examples(&tb.gum_train, &jk[n_ewt..], ner_data::gum_names);
        let uner = ner_data::examples(
            &tb.uner_dev,
            &ner_data::tag_all(&tagger, &tb.uner_dev),
            ner_data::uner_names,
        );
        let ewt = ner_data::unlabelled_examples(&tb.ewt_train, &jk[..n_ewt]);
        let epochs = env_usize("LORE_NER_EPOCHS", 10);
        let seed = env_usize("LORE_NER_SEED", 1) as u64;
        // UNER dev is training data, so its score is k-fold cross-validated
        // by document: train without one fold, score that fold.
        let folds = env_usize("LORE_NER_CV", 0);
        if folds > 1 {
            let mut all = lore::nlp::eval::Prf::default();
            for k in 0..folds {
                let (held, rest) = ner_data::split_documents(&tb.uner_dev, k, folds);
                let ex = |s: &[lore::nlp::conllu::Sentence]| {
                    ner_data::examples(s, &ner_data::tag_all(&tagger, s), ner_data::uner_names)
                };
                let r = Recognizer::train(
                    &ner_data::training_set(gum.clone(), &ex(&rest), ewt.clone()),
                    epochs,
                    seed,
                    |_, _| {},
                );
                let held_ex = ex(&held);
                if std::env::var("LORE_NER_ERRORS").is_ok() {
                    ner_errors(&r, &held, &held_ex);
                }
                let d = ner_data::score(&r, &held_ex);
                eprintln!(
                    "  uner dev fold {k}: PER/ORG/LOC F1 {:.2}",
                    100.0 * d.main.f1()
                );
                all.add(d.main);
            }
            println!(
                "entities: uner dev {folds}-fold cross-validated PER/ORG/LOC F1 {:.2} (P {:.2} R {:.2})",
                100.0 * all.f1(),
                100.0 * all.precision(),
                100.0 * all.recall()
            );
        }
        let r = Recognizer::train(
            &ner_data::training_set(gum, &uner, ewt),
            epochs,
            seed,
            |_, _| {},
        );
        save(&ner_path, "ner", |w| r.write(w))?;
        r
    } else {
        load(&ner_path, "ner", Recognizer::read)?
    };
    let gum_dev = ner_data::examples(
        &tb.gum_dev,
        &ner_data::tag_all(&tagger, &tb.gum_dev),
        ner_data::gum_names,
    );
    if std::env::var("LORE_NER_ERRORS").is_ok() {
        ner_errors(&recognizer, &tb.gum_dev, &gum_dev);
    }
    let d = ner_data::score(&recognizer, &gum_dev);
    println!(
        "entities: gum dev PER/ORG/LOC F1 {:.2} (P {:.2} R {:.2}; spans alone F1 {:.2}; UNER dev is training data)",
        100.0 * d.main.f1(),
        100.0 * d.main.precision(),
        100.0 * d.main.recall(),
        100.0 * d.spans.f1()
    );

    let splitter_path = args.out.join("sentences.lore.zst");
    let splitter = if wants("sentences") {
        let mut ex = train::sentence_examples(&tb.ewt_train, &tagger);
        ex.extend(train::sentence_examples(&tb.gum_train, &tagger));
        eprintln!("sentences: {} training blocks", ex.len());
        let sp = Splitter::train(&ex, env_usize("LORE_SENT_EPOCHS", 10), 1, |e, sp| {
            let d = train::score_sentences(&tb.ewt_dev, &tagger, sp);
            let g = train::score_sentences(&tb.gum_dev, &tagger, sp);
            eprintln!(
                "  sentences epoch {e}: ewt dev F1 {:.2} | gum dev F1 {:.2}",
                100.0 * d.f1(),
                100.0 * g.f1()
            );
        });
        save(&splitter_path, "sentences", |w| sp.write(w))?;
        sp
    } else {
        load(&splitter_path, "sentences", Splitter::read)?
    };
    for (name, gold) in [("ewt dev", &tb.ewt_dev), ("gum dev", &tb.gum_dev)] {
        let d = train::score_sentences(gold, &tagger, &splitter);
        println!(
            "sentences: {name} F1 {:.2} (P {:.2} R {:.2})",
            100.0 * d.f1(),
            100.0 * d.precision(),
            100.0 * d.recall()
        );
    }

    let parser_path = args.out.join("parser.lore.zst");
    let parser = if wants("parser") {
        let names = train::relation_names(tb.train());
        let pex = train::parse_examples(tb.train(), &jackknifed, &names);
        let t2 = Instant::now();
        let trained = Parser::train(
            &names,
            &pex,
            env_usize("LORE_PARSE_EPOCHS", 15),
            1,
            |e, p| {
                let d = train::score_parser(&tagger, p, &tb.ewt_dev);
                let g = train::score_parser(&tagger, p, &tb.gum_dev);
                eprintln!(
                    "  parser epoch {e}: ewt dev UAS {:.2} LAS {:.2} (full {:.2}) | gum dev UAS {:.2} LAS {:.2} ({:.0}s)",
                    pct(d.uas, d.words),
                    pct(d.las, d.words),
                    pct(d.las_full, d.words),
                    pct(g.uas, g.words),
                    pct(g.las, g.words),
                    t2.elapsed().as_secs_f64()
                );
            },
        );
        if let Ok(list) = std::env::var("LORE_PRUNE_TRY") {
            for pair in list.split(';') {
                let (m, r) = pair.split_once(',').unwrap_or((pair, pair));
                let (m, r): (f64, f64) = (m.parse().unwrap_or(0.0), r.parse().unwrap_or(0.0));
                let p = trained.freeze(m, r);
                let mut w = Writer::new("parser");
                p.write(&mut w);
                let size = w.compressed().map(|b| b.len()).unwrap_or(0);
                let d = train::score_parser(&tagger, &p, &tb.ewt_dev);
                eprintln!(
                    "  prune {m},{r}: {:.1} MB, ewt dev UAS {:.2} LAS {:.2}",
                    size as f64 / 1e6,
                    pct(d.uas, d.words),
                    pct(d.las, d.words)
                );
            }
        }
        let parser = trained.freeze(PARSER_PRUNE.0, PARSER_PRUNE.1);
        save(&parser_path, "parser", |w| parser.write(w))?;
        parser
    } else {
        load(&parser_path, "parser", Parser::read)?
    };
    let t3 = Instant::now();
    let d = train::score_parser(&tagger, &parser, &tb.ewt_dev);
    let secs = t3.elapsed().as_secs_f64();
    eprintln!("  tag+parse ewt dev: {:.0} words/s", d.words as f64 / secs);
    if std::env::var("LORE_PARSE_ERRORS").is_ok() {
        for (rel, n, head, label) in train::parse_errors(&tagger, &parser, &tb.ewt_dev)
            .iter()
            .take(25)
        {
            eprintln!("  {rel:14} {n:6} words: {head:5} wrong head, {label:5} wrong relation");
        }
    }
    println!(
        "parser: ewt dev UAS {:.2} LAS {:.2}",
        pct(d.uas, d.words),
        pct(d.las, d.words)
    );
    if wants("coref") {
        coreference(&tb)?;
    }
    Ok(())
}

/// The salience weights of `ingest::coref` fitted on GUM's train
/// documents by coordinate ascent from the hand-set values, printed with
/// both weightings' scores on GUM dev. Nothing is written: lore keeps the
/// hand-set weights, as the fitted ones do not reliably resolve more
/// pronouns (`ingest::coref::Weights` has the figures). The documents are
/// analysed by the pipeline compiled into this program.
fn coreference(tb: &Treebanks) -> Result<(), String> {
    use lore::ingest::coref::{Weights, eval as coref_eval};
    let pipeline = lore::nlp::Pipeline::get().map_err(|e| format!("the pipeline: {e}"))?;
    let t = Instant::now();
    let train = coref_eval::prepare(pipeline, &tb.gum_train);
    let rounds = env_usize("LORE_COREF_ROUNDS", 3);
    let mut fitted = coref_eval::fit(&train, Weights::HAND, rounds, &mut |line| {
        eprintln!("  coref {line}");
    });
    eprintln!("  coref fitted in {:.0}s:", t.elapsed().as_secs_f64());
    for (name, value) in fitted.fields() {
        eprintln!("    {name}\t{value}");
    }
    let dev = coref_eval::prepare(pipeline, &tb.gum_dev);
    for (what, w) in [
        ("hand-set (used)", Weights::HAND),
        ("fitted on train", fitted),
    ] {
        let s = coref_eval::score(&dev, &w, false);
        println!(
            "coreference: gum dev, {what} weights: pronouns {:.3}, descriptions {:.3}",
            s.pronouns.share(),
            s.descriptions.share()
        );
    }
    Ok(())
}

/// Prints kind confusions on spans found with the right bounds, and the
/// words of spans missed or made up (a diagnostic for dev data).
fn ner_errors(r: &Recognizer, sents: &[lore::nlp::conllu::Sentence], ex: &[ner::Example]) {
    let mut out = Vec::new();
    let mut conf: std::collections::BTreeMap<String, usize> = Default::default();
    for (s, ex) in sents.iter().zip(ex) {
        r.recognize(&ex.atoms, &ex.tags, &mut out);
        let text = |a: usize, b: usize| {
            s.words[a..b]
                .iter()
                .map(|w| w.form.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        };
        for g in &ex.spans {
            let p = out.iter().find(|p| (p.start, p.end) == (g.start, g.end));
            let key = match p {
                Some(p) if p.kind == g.kind => format!("{:?} ok", g.kind),
                Some(p) => {
                    eprintln!(
                        "    KIND {:?}->{:?}: {}",
                        g.kind,
                        p.kind,
                        text(g.start, g.end)
                    );
                    format!("{:?} -> {:?}", g.kind, p.kind)
                }
                None => {
                    eprintln!(
                        "    MISS {:?}: {} | {}",
                        g.kind,
                        text(g.start, g.end),
                        text(0, s.words.len())
                    );
                    format!("{:?} -> missed", g.kind)
                }
            };
            *conf.entry(key).or_default() += 1;
        }
        for p in &out {
            if !ex
                .spans
                .iter()
                .any(|g| (p.start, p.end) == (g.start, g.end))
            {
                eprintln!(
                    "    SPUR {:?}: {} | {}",
                    p.kind,
                    text(p.start, p.end),
                    text(0, s.words.len())
                );
                *conf.entry(format!("spurious -> {:?}", p.kind)).or_default() += 1;
            }
        }
    }
    for (k, n) in conf {
        eprintln!("  {k}: {n}");
    }
}
