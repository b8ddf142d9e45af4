//! Scores the extractor against the hand-written gold standard for the five
//! sample articles (`tests/gold/sample-articles.gold`; its header documents the
//! format and the matching rules). The articles go through `lore::Store` on a
//! temporary store, so cross-article merging and corroboration count.
//!
//! Run with `cargo test --test extraction_gold -- --nocapture` to see the figures.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use lore::Store;
use lore::ingest::{self, ExtractedObject, is_symmetric, normalize_relation};
use lore::model::{Entity, Literal, Object, Polarity, normalize_name};

#[derive(Debug, Clone)]
enum GoldObj {
    Entity(String),
    Literals(Vec<String>),
}

#[derive(Debug, Clone)]
struct GoldFact {
    subject: String,
    relation: String,
    object: GoldObj,
    qualifiers: BTreeMap<String, String>,
    polarity: Polarity,
    line: String,
}

#[derive(Default)]
struct Gold {
    facts: Vec<GoldFact>,
    also: Vec<GoldFact>,
    merges: Vec<Vec<String>>,
    distinct: Vec<(String, String)>,
    nosource: Vec<String>,
    notfact: Vec<(String, GoldFact)>,
    meta: Vec<(String, String, String)>,
}

fn parse_fact(body: &str) -> GoldFact {
    let cols: Vec<&str> = body.split('|').map(str::trim).collect();
    assert!(
        cols.len() >= 3,
        "gold line needs subject | relation | object: {body}"
    );
    let object = if cols[2].starts_with('"') {
        GoldObj::Literals(
            cols[2]
                .split(" / ")
                .map(|s| s.trim().trim_matches('"').to_string())
                .collect(),
        )
    } else {
        GoldObj::Entity(cols[2].to_string())
    };
    let qualifiers = cols
        .get(3)
        .map(|q| {
            q.split(';')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .collect()
        })
        .unwrap_or_default();
    let polarity = if cols.get(4) == Some(&"negative") {
        Polarity::Negative
    } else {
        Polarity::Positive
    };
    GoldFact {
        subject: cols[0].to_string(),
        relation: cols[1].to_string(),
        object,
        qualifiers,
        polarity,
        line: body.to_string(),
    }
}

fn load_gold(name: &str) -> Gold {
    parse_gold(&read_gold(name))
}

fn read_gold(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/gold")
            .join(name),
    )
    .unwrap()
}

fn parse_gold(text: &str) -> Gold {
    let mut g = Gold::default();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (tag, body) = line.split_once(':').unwrap();
        let body = body.trim();
        match tag {
            "fact" => g.facts.push(parse_fact(body)),
            "also" => g.also.push(parse_fact(body)),
            "merge" => g
                .merges
                .push(body.split(" = ").map(|s| s.trim().to_string()).collect()),
            "distinct" => {
                let (a, b) = body.split_once("!=").unwrap();
                g.distinct.push((a.trim().into(), b.trim().into()));
            }
            "nosource" => g.nosource.push(body.to_string()),
            "notfact" => {
                let (snippet, rest) = body.split_once('|').unwrap();
                g.notfact
                    .push((snippet.trim().to_string(), parse_fact(rest)));
            }
            "meta" => {
                let c: Vec<&str> = body.split('|').map(str::trim).collect();
                g.meta.push((c[0].into(), c[1].into(), c[2].into()));
            }
            other => panic!("unknown gold tag {other}"),
        }
    }
    g
}

/// Every normalized name a gold name stands for (its merge group).
fn gold_names(g: &Gold, name: &str) -> HashSet<String> {
    let n = normalize_name(name);
    for group in &g.merges {
        if group.iter().any(|x| normalize_name(x) == n) {
            return group.iter().map(|x| normalize_name(x)).collect();
        }
    }
    HashSet::from([n])
}

fn entity_names(e: &Entity) -> HashSet<String> {
    std::iter::once(&e.name)
        .chain(&e.aliases)
        .map(|n| normalize_name(n))
        .collect()
}

/// A produced fact in plain terms: subject names, relation, object, polarity.
struct Produced {
    subject: HashSet<String>,
    subject_name: String,
    relation: String,
    object: Result<HashSet<String>, String>,
    object_name: String,
    polarity: Polarity,
    sentences: Vec<String>,
    qualifiers: BTreeMap<String, String>,
    docs: usize,
}

/// Two ISO times name the same occasion when one refines the other (as the store compares them).
fn times_agree(a: &str, b: &str) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

/// A gold fact with a `time` is one occasion: a produced fact with another time
/// is not it. A produced fact without a time matches it only when `untimed_ok`
/// (it claims no other occasion, so it is not wrong; but it does not find this one).
fn occasion_ok(gf: &GoldFact, p: &Produced, untimed_ok: bool) -> bool {
    match (gf.qualifiers.get("time"), p.qualifiers.get("time")) {
        (Some(g), Some(t)) => times_agree(g, t),
        (Some(_), None) => untimed_ok,
        (None, _) => true,
    }
}

fn matches(g: &Gold, gf: &GoldFact, p: &Produced) -> bool {
    if normalize_relation(&gf.relation) != p.relation || gf.polarity != p.polarity {
        return false;
    }
    let subj = |names: &HashSet<String>, gold: &str| !gold_names(g, gold).is_disjoint(names);
    match (&gf.object, &p.object) {
        (GoldObj::Literals(alts), Err(lit)) => {
            subj(&p.subject, &gf.subject)
                && alts
                    .iter()
                    .any(|a| normalize_name(a) == normalize_name(lit))
        }
        (GoldObj::Entity(o), Ok(objs)) => {
            (subj(&p.subject, &gf.subject) && subj(objs, o))
                || (is_symmetric(&p.relation) && subj(objs, &gf.subject) && subj(&p.subject, o))
        }
        _ => false,
    }
}

/// Every qualifier a `notfact:` line names is on the produced fact with an
/// agreeing value: a time one refines the other, other values by name.
fn qualifiers_agree(want: &BTreeMap<String, String>, got: &BTreeMap<String, String>) -> bool {
    want.iter().all(|(k, v)| {
        got.get(k).is_some_and(|g| {
            if k == "time" {
                times_agree(g, v)
            } else {
                normalize_name(g) == normalize_name(v)
            }
        })
    })
}

fn articles(dir: &str) -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    files
}

/// Figures of one evaluation.
struct Report {
    precision: f64,
    recall: f64,
    produced: usize,
    correct: usize,
    gold: usize,
    found: usize,
    /// `distinct:` pairs that became one entity.
    conflated: Vec<String>,
    furniture: usize,
    denied: usize,
    /// Sources of the fact matching the first gold fact, if produced.
    first_fact_docs: Option<usize>,
}

/// Ingests the articles of `dir` into a fresh store and scores them against `gold`.
fn evaluate(gold: &str, dir: &str) -> Report {
    let g = load_gold(gold);
    evaluate_files(&g, &format!("{dir} vs tests/gold/{gold}"), &articles(dir))
}

/// Ingests `files` into a fresh store and scores them against `g`.
fn evaluate_files(g: &Gold, label: &str, files: &[std::path::PathBuf]) -> Report {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path().join("store")).unwrap();
    for f in files {
        store.ingest_file(f).unwrap();
    }
    let entity = |id: u64| store.entity(id).unwrap().unwrap();
    let mut produced = Vec::new();
    for f in store.facts() {
        let f = f.unwrap();
        let s = entity(f.subject);
        let (object, object_name) = match &f.object {
            Object::Entity(id) => {
                let e = entity(*id);
                (Ok(entity_names(&e)), e.name.clone())
            }
            Object::Literal(Literal::Text(t) | Literal::Date(t)) => {
                (Err(t.clone()), format!("\"{t}\""))
            }
            Object::Literal(l) => (Err(l.to_string()), l.to_string()),
        };
        let docs: HashSet<u64> = f.sources.iter().map(|s| s.doc).collect();
        produced.push(Produced {
            subject: entity_names(&s),
            subject_name: s.name.clone(),
            relation: f.relation.clone(),
            object,
            object_name,
            polarity: f.polarity,
            sentences: f.sources.iter().map(|s| s.sentence.clone()).collect(),
            qualifiers: f.qualifiers.clone(),
            docs: docs.len(),
        });
    }

    // Precision: produced facts that are gold or acceptable.
    let mut correct = 0;
    let mut wrong = Vec::new();
    for p in &produced {
        if g.facts
            .iter()
            .chain(&g.also)
            .any(|gf| matches(g, gf, p) && occasion_ok(gf, p, true))
        {
            correct += 1;
        } else {
            wrong.push(p);
        }
    }
    // Recall: gold facts found.
    let mut missed = Vec::new();
    for gf in &g.facts {
        if !produced
            .iter()
            .any(|p| matches(g, gf, p) && occasion_ok(gf, p, false))
        {
            missed.push(gf);
        }
    }
    let precision = correct as f64 / produced.len().max(1) as f64;
    let recall = (g.facts.len() - missed.len()) as f64 / g.facts.len() as f64;

    // Furniture and comments.
    let mut furniture = Vec::new();
    for p in &produced {
        for s in &p.sentences {
            for n in &g.nosource {
                if s.contains(n.as_str()) {
                    furniture.push(format!(
                        "{} {} {} <- {s}",
                        p.subject_name, p.relation, p.object_name
                    ));
                }
            }
        }
    }
    let mut denied = Vec::new();
    for (snippet, gf) in &g.notfact {
        for p in produced.iter().filter(|p| p.polarity == Polarity::Positive) {
            let positive = GoldFact {
                polarity: Polarity::Positive,
                ..gf.clone()
            };
            if matches(g, &positive, p)
                && qualifiers_agree(&gf.qualifiers, &p.qualifiers)
                && p.sentences.iter().any(|s| s.contains(snippet.as_str()))
            {
                denied.push(format!("{} <- {snippet}", gf.line));
            }
        }
    }

    // Merges: every name of a group resolves to one entity.
    let mut merged = 0;
    let mut unmerged = Vec::new();
    for group in &g.merges {
        let ids: Vec<HashSet<u64>> = group
            .iter()
            .map(|n| {
                store
                    .entities_named(n)
                    .unwrap()
                    .iter()
                    .map(|e| e.id)
                    .collect()
            })
            .collect();
        let common = ids.iter().skip(1).fold(ids[0].clone(), |acc, s| {
            acc.intersection(s).copied().collect()
        });
        if !common.is_empty() && ids.iter().all(|s| !s.is_empty()) {
            merged += 1;
        } else {
            unmerged.push(group.join(" = "));
        }
    }
    let mut conflated = Vec::new();
    for (a, b) in &g.distinct {
        let ia: HashSet<u64> = store
            .entities_named(a)
            .unwrap()
            .iter()
            .map(|e| e.id)
            .collect();
        let ib: HashSet<u64> = store
            .entities_named(b)
            .unwrap()
            .iter()
            .map(|e| e.id)
            .collect();
        if !ia.is_disjoint(&ib) {
            conflated.push(format!("{a} and {b} must stay two entities"));
        }
    }

    // Metadata.
    let mut meta_ok = 0;
    let mut meta_bad = Vec::new();
    let docs: Vec<_> = store.documents().map(|d| d.unwrap()).collect();
    for (file, key, want) in &g.meta {
        let d = docs
            .iter()
            .find(|d| d.origin.ends_with(file.as_str()))
            .unwrap();
        let got = match key.as_str() {
            "title" => Some(d.title.clone()),
            "published" => d.published.clone(),
            "byline" => d.byline.clone(),
            "dateline" => d.dateline.clone(),
            _ => panic!("meta key {key}"),
        };
        let want_v = (want != "-").then(|| want.clone());
        if got == want_v {
            meta_ok += 1;
        } else {
            meta_bad.push(format!("{file} {key}: got {got:?}, want {want_v:?}"));
        }
    }

    // Qualifiers, per article (the store keeps the first value of each key).
    let mut q_total = 0;
    let mut q_ok = 0;
    let mut q_bad = Vec::new();
    let per_doc: Vec<_> = files
        .iter()
        .map(|f| ingest::extract(&std::fs::read_to_string(f).unwrap()))
        .collect();
    for gf in g.facts.iter().filter(|f| !f.qualifiers.is_empty()) {
        for (k, v) in &gf.qualifiers {
            q_total += 1;
            let found = per_doc.iter().any(|ex| {
                ex.facts.iter().any(|f| {
                    let names = |i: usize| -> HashSet<String> {
                        let e = &ex.entities[i];
                        std::iter::once(&e.name)
                            .chain(&e.aliases)
                            .map(|n| normalize_name(n))
                            .collect()
                    };
                    let p = Produced {
                        subject: names(f.subject),
                        subject_name: String::new(),
                        relation: f.relation.clone(),
                        object: match &f.object {
                            ExtractedObject::Entity(i) => Ok(names(*i)),
                            ExtractedObject::Literal(l) => Err(l.to_string()),
                        },
                        object_name: String::new(),
                        polarity: f.polarity,
                        sentences: vec![],
                        qualifiers: BTreeMap::new(),
                        docs: 1,
                    };
                    matches(g, gf, &p)
                        && f.qualifiers.get(k).is_some_and(|got| {
                            let (a, b) = (normalize_name(got), normalize_name(v));
                            a.contains(&b) || b.contains(&a) || gold_names(g, v).contains(&a)
                        })
                })
            });
            if found {
                q_ok += 1;
            } else {
                q_bad.push(format!("{k}={v} on {}", gf.line));
            }
        }
    }

    println!("== extraction of {label} ==");
    println!("produced facts: {}, correct: {correct}", produced.len());
    println!(
        "gold facts: {}, found: {}",
        g.facts.len(),
        g.facts.len() - missed.len()
    );
    println!("precision: {precision:.3}");
    println!("recall:    {recall:.3}");
    println!("merges: {merged}/{}", g.merges.len());
    println!("metadata: {meta_ok}/{}", g.meta.len());
    println!("qualifiers (per article): {q_ok}/{q_total}");
    println!("facts from comments/furniture: {}", furniture.len());
    println!("denied statements read as positive facts: {}", denied.len());
    for w in &wrong {
        println!(
            "  WRONG  {} | {} | {} | {:?}{} (x{})\n         <- {}",
            w.subject_name,
            w.relation,
            w.object_name,
            w.qualifiers,
            if w.polarity == Polarity::Negative {
                " NEG"
            } else {
                ""
            },
            w.docs,
            w.sentences.first().map(String::as_str).unwrap_or("")
        );
    }
    for m in &missed {
        println!("  MISSED {}", m.line);
    }
    for u in &unmerged {
        println!("  UNMERGED {u}");
    }
    for m in &meta_bad {
        println!("  META {m}");
    }
    for q in &q_bad {
        println!("  QUALIFIER {q}");
    }
    for f in &furniture {
        println!("  FURNITURE {f}");
    }
    for d in &denied {
        println!("  DENIED {d}");
    }
    let first_fact_docs = produced
        .iter()
        .find(|p| matches(g, &g.facts[0], p) && occasion_ok(&g.facts[0], p, false))
        .map(|p| p.docs);
    Report {
        precision,
        recall,
        produced: produced.len(),
        correct,
        gold: g.facts.len(),
        found: g.facts.len() - missed.len(),
        conflated,
        furniture: furniture.len(),
        denied: denied.len(),
        first_fact_docs,
    }
}

#[test]
fn gold_precision_recall_and_no_facts_from_furniture() {
    assert!(
        load_gold("sample-articles.gold").facts.len() >= 60,
        "the gold needs at least 60 facts"
    );
    let r = evaluate("sample-articles.gold", "data/articles");
    assert!(r.conflated.is_empty(), "{:?}", r.conflated);
    assert_eq!(
        r.furniture, 0,
        "facts sourced from comments or page furniture"
    );
    assert_eq!(r.denied, 0, "denied statements became positive facts");
    // The headline fact of issue 3, corroborated.
    assert!(
        r.first_fact_docs.is_some_and(|n| n >= 3),
        "Blinken meet Lavrov from three or more articles"
    );
    assert!(
        r.precision >= 0.90,
        "precision {:.3} below 0.90",
        r.precision
    );
    assert!(r.recall >= 0.75, "recall {:.3} below 0.75", r.recall);
}

#[test]
fn generalization_articles_give_sensible_facts() {
    let r = evaluate("generalization.gold", "tests/fixtures/articles");
    assert!(r.conflated.is_empty(), "{:?}", r.conflated);
    assert_eq!(
        r.furniture, 0,
        "facts sourced from comments or page furniture"
    );
    assert_eq!(r.denied, 0, "denied statements became positive facts");
    assert!(
        r.precision >= 0.85,
        "precision {:.3} below 0.85",
        r.precision
    );
    assert!(r.recall >= 0.70, "recall {:.3} below 0.70", r.recall);
}

/// The CaRB open-extraction development set (`../shared/benchmarks/carb-dev`,
/// 641 sentences of Wikipedia and news no one here wrote), scored with its
/// own unchanged scorer: the clauses lore reads from the parse, as the
/// benchmark's tabbed lines. Target of issue 18: F1 ≥ 0.50 (OpenIE-5 scores
/// 0.458 on this split). The scorer needs Python with numpy, scikit-learn,
/// nltk, docopt and ipdb: `$LORE_CARB_PYTHON`, else `target/carb-venv`
/// (which `.ci/run` builds). Without them, or without `../shared`, the test
/// says so and passes, except under `CI=true`.
#[test]
fn carb_development_set_f1() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bench = root.join("../shared/benchmarks/carb-dev");
    let python = std::env::var_os("LORE_CARB_PYTHON")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("target/carb-venv/bin/python"));
    let ci = std::env::var("CI").as_deref() == Ok("true");
    if !bench.is_dir() || !python.exists() {
        assert!(
            !ci,
            "CI needs {} and a scorer Python at {}",
            bench.display(),
            python.display()
        );
        println!("CaRB: benchmark or scorer Python missing; not scored");
        return;
    }
    let sentences = std::fs::read_to_string(bench.join("dev.txt")).unwrap();
    let pipeline = lore::nlp::Pipeline::get().unwrap();
    let mut tsv = String::new();
    let mut lines = 0;
    for line in sentences.lines() {
        let s = pipeline.analyze_sentence(line);
        for p in ingest::clauses::propositions(&s) {
            if let Some(l) = ingest::oie::tabbed_line(line, &s, &p) {
                tsv.push_str(&l);
                tsv.push('\n');
                lines += 1;
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lore.tsv"), &tsv).unwrap();
    let out = std::process::Command::new(&python)
        .arg(bench.join("run_carb.py"))
        .arg(format!("--gold={}", bench.join("gold/dev.tsv").display()))
        .arg(format!("--out={}", dir.path().join("out.dat").display()))
        .arg(format!(
            "--tabbed={}",
            dir.path().join("lore.tsv").display()
        ))
        .output()
        .unwrap();
    let printed =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the CaRB scorer failed: {printed}");
    // "AUC: 0.359	 Optimal (precision, recall, F1): [0.61  0.434 0.507]"
    let summary = printed
        .lines()
        .find(|l| l.contains("Optimal (precision, recall, F1)"))
        .unwrap_or_else(|| panic!("no score in the scorer's output: {printed}"));
    let figures: Vec<f64> = summary
        .rsplit('[')
        .next()
        .unwrap_or("")
        .trim_end_matches(']')
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    assert_eq!(figures.len(), 3, "{summary}");
    println!("CaRB dev: {lines} extractions from 641 sentences; {summary} (target F1 0.50)");
    assert!(figures[2] >= 0.50, "CaRB dev F1 {} below 0.50", figures[2]);
}

/// Words of a phrase as one lower-case string, for containment checks.
fn phrase_text(text: &str, s: &lore::nlp::Sentence, words: &[usize]) -> String {
    words
        .iter()
        .map(|&w| s.words[w].text(text))
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// PLOVER's gold-standard records (`../shared/benchmarks/plover`): the
/// example sentences of the CAMEO manual, each coded with an event class
/// and its source and target actors. A record counts as found when one
/// proposition of its text has the record's class, a subject (for a
/// passive, its agent) containing a source actor's words, and an argument
/// containing a target actor's words (when the record names actors).
/// Target of issue 18: 0.60 overall. The table prints per category.
#[test]
fn plover_event_classes() {
    use lore::ingest::clauses::{Role, propositions};
    use lore::ingest::events::{EventClass, class_of_proposition};
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = root.join("../shared/benchmarks/plover/PLOVER_GSR_CAMEO.json");
    let Ok(raw) = std::fs::read_to_string(&path) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI needs {}",
            path.display()
        );
        println!("PLOVER: {} missing; not scored", path.display());
        return;
    };
    let records: Vec<serde_json::Value> = serde_json::from_str(&raw).unwrap();
    let actors = |r: &serde_json::Value, key: &str| -> Vec<String> {
        r[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x["actorText"].as_str())
                    .map(|x| x.to_lowercase())
                    .collect()
            })
            .unwrap_or_default()
    };
    let pipeline = lore::nlp::Pipeline::get().unwrap();
    let mut per: BTreeMap<&'static str, (usize, usize)> = BTreeMap::new();
    for r in &records {
        let (Some(text), Some(class)) = (
            r["text"].as_str(),
            r["event"].as_str().and_then(EventClass::parse),
        ) else {
            continue;
        };
        let (sources, targets) = (actors(r, "source"), actors(r, "target"));
        let contains = |hay: &str, needles: &[String]| {
            needles.is_empty() || needles.iter().any(|n| hay.contains(n.as_str()))
        };
        let mut found = false;
        for s in &pipeline.analyze(text).sentences {
            for p in propositions(s) {
                if class_of_proposition(s, &p) != Some(class) {
                    continue;
                }
                let agent = p.arguments.iter().find(|a| a.role == Role::Agent);
                let (source, mut others): (String, Vec<String>) = match (p.passive, agent) {
                    (true, Some(a)) => (
                        phrase_text(text, s, &a.phrase.words),
                        p.subject
                            .iter()
                            .map(|x| phrase_text(text, s, &x.words))
                            .collect(),
                    ),
                    _ => (
                        p.subject
                            .as_ref()
                            .map_or(String::new(), |x| phrase_text(text, s, &x.words)),
                        Vec::new(),
                    ),
                };
                others.extend(
                    p.arguments
                        .iter()
                        .filter(|a| a.role != Role::Agent)
                        .map(|a| phrase_text(text, s, &a.phrase.words)),
                );
                if contains(&source, &sources) && others.iter().any(|o| contains(o, &targets))
                    || contains(&source, &sources) && targets.is_empty()
                {
                    found = true;
                }
            }
        }
        let e = per.entry(class.as_str()).or_default();
        e.0 += 1;
        e.1 += usize::from(found);
    }
    let (total, hits) = per.values().fold((0, 0), |(t, h), &(n, k)| (t + n, h + k));
    let mut table = String::from("PLOVER gold records: class, source and target found\n");
    for (class, (n, k)) in &per {
        table.push_str(&format!(
            "  {class:12} {k:3} / {n:3}  {:.2}\n",
            *k as f64 / *n as f64
        ));
    }
    let share = hits as f64 / total.max(1) as f64;
    table.push_str(&format!(
        "  {:12} {hits:3} / {total:3}  {share:.2}  (target 0.60)\n",
        "overall"
    ));
    if share < 0.60 {
        table
            .push_str("  MISSED: the target is 0.60; held to the floor of the first measurement\n");
    }
    println!("{table}");
    assert!(total >= 300, "only {total} records read");
    // The first measurement (issue 18) was 0.27 (88 of 322); the floor
    // catches a regression until the target is reached.
    assert!(
        share >= 0.25,
        "PLOVER share {share:.2} below the floor 0.25"
    );
}

/// The 40 BBC articles of `tests/gold/bbc-articles.gold` (picked by a fixed
/// seed, the gold written by reading them), each ingested into a store of
/// its own and scored against its section. Targets of issue 18: precision
/// ≥ 0.85, recall ≥ 0.60. The articles are read from `../shared`.
#[test]
fn bbc_gold_precision_and_recall() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora/bbc");
    if !corpus.is_dir() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI needs {}",
            corpus.display()
        );
        println!("BBC gold: {} missing; not scored", corpus.display());
        return;
    }
    let text = read_gold("bbc-articles.gold");
    let mut sections: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if let Some(file) = line.trim().strip_prefix("file:") {
            sections.push((file.trim().to_string(), String::new()));
        } else if let Some((_, body)) = sections.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    assert_eq!(sections.len(), 40, "40 articles in the gold");
    let (mut produced, mut correct, mut gold, mut found) = (0, 0, 0, 0);
    let mut conflated = 0;
    for (file, body) in &sections {
        let g = parse_gold(body);
        assert!(g.facts.len() >= 8, "{file}: at least 8 gold facts");
        let r = evaluate_files(&g, file, &[corpus.join(file)]);
        produced += r.produced;
        correct += r.correct;
        gold += r.gold;
        found += r.found;
        conflated += r.conflated.len();
    }
    let precision = correct as f64 / produced.max(1) as f64;
    let recall = found as f64 / gold.max(1) as f64;
    println!(
        "BBC gold, 40 articles: produced {produced}, correct {correct} (precision {precision:.3}, target 0.85); \
         gold {gold}, found {found} (recall {recall:.3}, target 0.60); \
         {conflated} distinct pairs conflated"
    );
    if precision < 0.85 || recall < 0.60 {
        println!("MISSED: targets precision 0.85, recall 0.60 (issue 18)");
    }
    assert!(gold >= 320, "only {gold} gold facts");
    // First measurement (the pattern extractor, before issue 18's rebuild):
    // precision 0.676, recall 0.068. Floors against regression until the
    // targets are reached.
    assert!(
        precision >= 0.60,
        "precision {precision:.3} below the floor 0.60"
    );
    assert!(recall >= 0.06, "recall {recall:.3} below the floor 0.06");
}

/// Precision and recall of an extraction of one article against `g`,
/// without a store (no cross-article merging): (produced, correct, gold,
/// found).
fn score_extraction(g: &Gold, text: &str, ex: &ingest::Extraction) -> (usize, usize, usize, usize) {
    let names = |i: usize| -> HashSet<String> {
        let e = &ex.entities[i];
        std::iter::once(&e.name)
            .chain(&e.aliases)
            .map(|n| normalize_name(n))
            .collect()
    };
    let produced: Vec<Produced> = ex
        .facts
        .iter()
        .map(|f| {
            let (object, object_name) = match &f.object {
                ExtractedObject::Entity(i) => (Ok(names(*i)), ex.entities[*i].name.clone()),
                ExtractedObject::Literal(Literal::Text(t) | Literal::Date(t)) => {
                    (Err(t.clone()), format!("\"{t}\""))
                }
                ExtractedObject::Literal(l) => (Err(l.to_string()), l.to_string()),
            };
            Produced {
                subject: names(f.subject),
                subject_name: ex.entities[f.subject].name.clone(),
                relation: f.relation.clone(),
                object,
                object_name,
                polarity: f.polarity,
                sentences: vec![f.sentence(text).to_string()],
                qualifiers: f.qualifiers.clone(),
                docs: 1,
            }
        })
        .collect();
    let correct = produced
        .iter()
        .filter(|p| {
            g.facts
                .iter()
                .chain(&g.also)
                .any(|gf| matches(g, gf, p) && occasion_ok(gf, p, true))
        })
        .count();
    let found = g
        .facts
        .iter()
        .filter(|gf| {
            produced
                .iter()
                .any(|p| matches(g, gf, p) && occasion_ok(gf, p, false))
        })
        .count();
    if std::env::var_os("LORE_GOLD_VERBOSE").is_some() {
        for p in &produced {
            println!(
                "  TREE {} | {} | {}",
                p.subject_name, p.relation, p.object_name
            );
        }
    }
    (produced.len(), correct, g.facts.len(), found)
}

/// The extractor on the parse (`ingest::tree`) and the mix of both
/// extractors (`ingest::extract_both`), scored on both gold files article
/// by article, without a store. Their figures are issue 18's measure of
/// progress; until one beats the pattern extractor's, `lore ingest` keeps
/// that one.
#[test]
fn parse_based_extractors_on_the_gold_files() {
    let extractors: [(&str, Extract, Floors); 2] = [
        // Floors a little under the figures of the last change (tree:
        // sample P 0.279 R 0.270, BBC P 0.246 R 0.111; both: sample P
        // 0.909 R 0.921, BBC P 0.583 R 0.081). They catch a regression;
        // the targets (P 0.90 / R 0.85 and P 0.85 / R 0.60) are missed.
        (
            "tree extractor",
            ingest::tree::extract_from_parse,
            [(0.26, 0.25), (0.23, 0.10)],
        ),
        (
            "both extractors",
            ingest::extract_both,
            [(0.87, 0.88), (0.53, 0.075)],
        ),
    ];
    for (label, extract, floors) in extractors {
        score_extractor(label, extract, floors);
    }
}

/// An extractor of one article.
type Extract = fn(&str) -> ingest::Extraction;

/// (precision, recall) floors on the sample articles and on the BBC gold.
type Floors = [(f64, f64); 2];

fn score_extractor(label: &str, extract: Extract, floors: Floors) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = root.join("../shared/corpora/bbc");
    let mut rows = Vec::new();
    // The sample articles: one gold for all five (merges across them).
    let g = load_gold("sample-articles.gold");
    let mut t = (0, 0, 0, 0);
    for f in articles("data/articles") {
        let text = std::fs::read_to_string(&f).unwrap();
        let (p, c, _, _) = score_extraction(&g, &text, &extract(&text));
        t.0 += p;
        t.1 += c;
    }
    // Recall over the five together: a gold fact is found in any article.
    let mut found_all = 0;
    let texts: Vec<String> = articles("data/articles")
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    for gf in &g.facts {
        let one = Gold {
            facts: vec![gf.clone()],
            merges: g.merges.clone(),
            ..Gold::default()
        };
        if texts
            .iter()
            .any(|text| score_extraction(&one, text, &extract(text)).3 == 1)
        {
            found_all += 1;
        }
    }
    t.2 = g.facts.len();
    t.3 = found_all;
    rows.push(("sample articles", t));
    if corpus.is_dir() {
        let text = read_gold("bbc-articles.gold");
        let mut t = (0, 0, 0, 0);
        let mut body = String::new();
        let mut file: Option<String> = None;
        let score = |file: &Option<String>, body: &str, t: &mut (usize, usize, usize, usize)| {
            if let Some(f) = file {
                let g = parse_gold(body);
                let article = std::fs::read_to_string(corpus.join(f)).unwrap();
                let r = score_extraction(&g, &article, &extract(&article));
                t.0 += r.0;
                t.1 += r.1;
                t.2 += r.2;
                t.3 += r.3;
            }
        };
        for line in text.lines() {
            if let Some(f) = line.trim().strip_prefix("file:") {
                score(&file, &body, &mut t);
                file = Some(f.trim().to_string());
                body.clear();
            } else {
                body.push_str(line);
                body.push('\n');
            }
        }
        score(&file, &body, &mut t);
        rows.push(("BBC, 40 articles", t));
    }
    for (name, (p, c, g, f)) in &rows {
        println!(
            "{label}, {name}: produced {p}, correct {c} (precision {:.3}); gold {g}, found {f} (recall {:.3})",
            *c as f64 / (*p).max(1) as f64,
            *f as f64 / (*g).max(1) as f64
        );
    }
    for ((name, (p, c, g, f)), (fp, fr)) in rows.iter().zip(floors) {
        let precision = *c as f64 / (*p).max(1) as f64;
        let recall = *f as f64 / (*g).max(1) as f64;
        assert!(
            precision >= fp && recall >= fr,
            "{label} on {name}: precision {precision:.3} (floor {fp}), recall {recall:.3} (floor {fr})"
        );
    }
    if !corpus.is_dir() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI needs {}",
            corpus.display()
        );
        println!("BBC gold: {} missing; not scored", corpus.display());
    }
}
