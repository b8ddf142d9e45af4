//! Hash joins and relation-group reads answer exactly what one probe per
//! binding answers: every query here is checked against the answer
//! computed from the generated triples themselves, and `explain` shows the
//! access path that ran.

use std::collections::BTreeSet;

use lore::Store;
use lore::query::QueryOptions;

const ENTITIES: u64 = 60;
const RELATIONS: u64 = 4;

/// Triples with skewed popularity (low ids are popular), a tenth negative,
/// and a rare relation `r4` (ten facts, all of `e0`).
fn triples() -> Vec<(u64, u64, u64, bool)> {
    let mut state: u64 = 7;
    let mut next = |n: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % n
    };
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    while out.len() < 3000 {
        // The smaller of two draws: popularity falls with the id.
        let s = next(ENTITIES).min(next(ENTITIES));
        let o = next(ENTITIES).min(next(ENTITIES));
        let p = next(RELATIONS);
        if s != o && seen.insert((s, p, o)) {
            out.push((s, p, o, next(10) == 0));
        }
    }
    out.extend((10..20).map(|o| (0, RELATIONS, o, false)));
    out
}

fn store(dir: &std::path::Path, t: &[(u64, u64, u64, bool)]) -> Store {
    let mut text = String::new();
    for e in 0..ENTITIES {
        text.push_str(&format!(
            "{{\"type\":\"entity\",\"id\":{e},\"name\":\"e{e}\",\"kind\":\"other\",\"aliases\":[]}}\n"
        ));
    }
    for (i, (s, p, o, neg)) in t.iter().enumerate() {
        let polarity = if *neg { "negative" } else { "positive" };
        text.push_str(&format!(
            "{{\"type\":\"fact\",\"id\":{i},\"subject\":\"e{s}\",\"subject_id\":{s},\"relation\":\"r{p}\",\"relation_text\":\"r{p}\",\"object\":\"e{o}\",\"object_id\":{o},\"qualifiers\":{{}},\"polarity\":\"{polarity}\",\"sources\":[],\"confidence\":1.0}}\n"
        ));
    }
    let store = Store::open(dir.join("joins.db")).unwrap();
    store
        .import_jsonl(&mut text.as_bytes(), "joins.jsonl", &mut |_| {})
        .unwrap();
    store
}

fn answer(store: &Store, q: &str) -> BTreeSet<Vec<String>> {
    let opts = QueryOptions {
        limit: usize::MAX,
        ..QueryOptions::default()
    };
    let r = store
        .query_with(q, &opts)
        .unwrap_or_else(|e| panic!("{q}: {e}"));
    r.statements[0]
        .rows
        .iter()
        // Without the fact ids a lone pattern answers beside its variables.
        .map(|r| {
            r.iter()
                .map(|v| v.to_string())
                .filter(|v| !v.starts_with('#'))
                .collect()
        })
        .collect()
}

fn plan(store: &Store, q: &str) -> Vec<String> {
    answer(store, &format!("explain {q}"))
        .into_iter()
        .map(|r| r[2].clone())
        .collect()
}

fn name(e: u64) -> String {
    format!("e{e}")
}

#[test]
fn hash_joins_answer_what_the_triples_say() {
    let dir = tempfile::tempdir().unwrap();
    let t = triples();
    let s = store(dir.path(), &t);
    let pos: Vec<(u64, u64, u64)> = t.iter().filter(|x| !x.3).map(|x| (x.0, x.1, x.2)).collect();

    // Two constant (relation, object) pairs on one subject.
    let q = "?s r0 e0, ?s r1 e1;";
    let a: BTreeSet<u64> = pos
        .iter()
        .filter(|x| x.1 == 0 && x.2 == 0)
        .map(|x| x.0)
        .collect();
    let want: BTreeSet<Vec<String>> = pos
        .iter()
        .filter(|x| x.1 == 1 && x.2 == 1 && a.contains(&x.0))
        .map(|x| vec![name(x.0)])
        .collect();
    assert!(!want.is_empty());
    assert_eq!(answer(&s, q), want, "{q}");

    // A chain: every r2 pair, then r3 from its object (a hash join keyed on
    // the subject, the other end a new variable).
    let q = "?x r2 ?y, ?y r3 ?z;";
    assert!(
        plan(&s, q).iter().any(|p| p.starts_with("hash join")),
        "{q}: {:?}",
        plan(&s, q)
    );
    let want: BTreeSet<Vec<String>> = pos
        .iter()
        .filter(|a| a.1 == 2)
        .flat_map(|a| {
            pos.iter()
                .filter(move |b| b.1 == 3 && b.0 == a.2)
                .map(move |b| vec![name(a.0), name(a.2), name(b.2)])
        })
        .collect();
    assert!(want.len() > 50, "{}", want.len());
    assert_eq!(answer(&s, q), want, "{q}");

    // Keyed on the object, the subject a constant.
    let q = "?a r0 ?b, e2 r1 ?b;";
    let bs: BTreeSet<u64> = pos
        .iter()
        .filter(|x| x.0 == 2 && x.1 == 1)
        .map(|x| x.2)
        .collect();
    let want: BTreeSet<Vec<String>> = pos
        .iter()
        .filter(|x| x.1 == 0 && bs.contains(&x.2))
        .map(|x| vec![name(x.0), name(x.2)])
        .collect();
    assert_eq!(answer(&s, q), want, "{q}");

    // Denied facts join only when asked for.
    let q = "?x r2 ?y, not ?y r3 ?z;";
    let with_r3: BTreeSet<u64> = pos.iter().filter(|x| x.1 == 3).map(|x| x.0).collect();
    let want: BTreeSet<Vec<String>> = pos
        .iter()
        .filter(|x| x.1 == 2 && !with_r3.contains(&x.2))
        .map(|x| vec![name(x.0), name(x.2)])
        .collect();
    assert_eq!(answer(&s, q), want, "{q}");

    // Distinct facts, counted from the triples alone.
    let q = "count ?f where ?x r2 ?y {fact: ?f};";
    let r2 = pos.iter().filter(|x| x.1 == 2).count();
    let got = answer(&s, q);
    assert_eq!(got.into_iter().next().unwrap()[0], r2.to_string(), "{q}");

    // Counting distinct ends of two hops from one entity.
    let q = "count ?c where e0 ?p ?b, ?b r1 ?c;";
    let hop: BTreeSet<u64> = pos.iter().filter(|x| x.0 == 0).map(|x| x.2).collect();
    let cs: BTreeSet<u64> = pos
        .iter()
        .filter(|x| x.1 == 1 && hop.contains(&x.0))
        .map(|x| x.2)
        .collect();
    let got = answer(&s, q);
    assert_eq!(
        got.into_iter().next().unwrap()[0],
        cs.len().to_string(),
        "{q}"
    );
}

#[test]
fn a_constant_relation_smaller_than_the_entity_is_read_by_relation() {
    let dir = tempfile::tempdir().unwrap();
    let t = triples();
    let s = store(dir.path(), &t);
    // e0 is the subject of about a hundred facts, r4 of ten.
    let q = "e0 r4 ?o;";
    let want: BTreeSet<Vec<String>> = (10..20).map(|o| vec![name(o)]).collect();
    assert_eq!(answer(&s, q), want);
    assert_eq!(plan(&s, q), vec!["pos".to_string()]);
    // A common relation of the same entity: the entity's group.
    let q = "e0 r1 ?o;";
    let want: BTreeSet<Vec<String>> = t
        .iter()
        .filter(|x| !x.3 && x.0 == 0 && x.1 == 1)
        .map(|x| vec![name(x.2)])
        .collect();
    assert_eq!(answer(&s, q), want);
    assert_eq!(plan(&s, q), vec!["spo".to_string()]);
}
