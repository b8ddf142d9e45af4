//! `lore timeline NAME`: the dated facts about one entity, in time order,
//! with the sentences and documents that say so.
//!
//! A fact is dated when its `time` qualifier is an ISO year, month or day
//! (`2023`, `2023-03`, `2023-03-02`); ISO strings of different precision
//! sort correctly as text (`2023` < `2023-03` < `2023-03-02` < `2023-04`),
//! ties in fact id order. The facts come from [`Store::facts_of`], so only
//! the entity's own index groups are read.

use crate::error::Result;
use crate::model::{EntityId, Fact, Object, Polarity};
use crate::query::{StatementOutput, Value};
use crate::store::Store;

/// The columns of a timeline, in order.
pub const COLUMNS: [&str; 8] = [
    "time", "subject", "relation", "object", "place", "document", "sentence", "fact",
];

/// True for `YYYY`, `YYYY-MM` and `YYYY-MM-DD` naming a real year, month
/// or day ([`crate::model::iso_date`]).
pub fn is_iso_time(s: &str) -> bool {
    crate::model::iso_date(s).is_some()
}

/// The dated facts about `entity` (as subject or object) in time order, and
/// how many of its facts have a `time` that is not an ISO date.
pub fn dated_facts(store: &Store, entity: EntityId) -> Result<(Vec<Fact>, usize)> {
    let mut dated = Vec::new();
    let mut undated_times = 0;
    for f in store.facts_of(entity)? {
        match f.qualifiers.get("time") {
            Some(t) if is_iso_time(t) => dated.push(f),
            Some(_) => undated_times += 1,
            None => {}
        }
    }
    dated.sort_by(|a, b| {
        let t = |f: &Fact| f.qualifiers.get("time").cloned().unwrap_or_default();
        t(a).cmp(&t(b)).then(a.id.cmp(&b.id))
    });
    Ok((dated, undated_times))
}

/// The timeline of the entity `name` (any name, or `#ID`) as rows: one per
/// source of each dated fact (a fact without sources has one row). With
/// `compact`, a fact's later rows leave its time, subject, relation, object
/// and place empty, which reads better in a table; machine formats want
/// every row whole.
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let store = lore::Store::open(dir.path().join("db"))?;
/// store.ingest_text("Talks\n\nOn March 2, 2023, Ann Lee met Bob Stone in Paris.", "a.txt")?;
/// let out = lore::timeline::timeline(&store, "Bob Stone", false)?;
/// assert_eq!(out.columns[0], "time");
/// for row in &out.rows {
///     println!("{} {} {}", row[0], row[2], row[3]);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn timeline(store: &Store, name: &str, compact: bool) -> Result<StatementOutput> {
    let entity = store.resolve_entity(name)?;
    let (facts, odd) = dated_facts(store, entity.id)?;
    let mut out = StatementOutput {
        columns: COLUMNS.iter().map(|c| (*c).to_string()).collect(),
        ..StatementOutput::default()
    };
    let total = store.facts_of(entity.id)?.len();
    out.notes.push(format!(
        "{} (#{}, {}): {} dated fact{} of {}",
        entity.name,
        entity.id,
        entity.kind,
        facts.len(),
        if facts.len() == 1 { "" } else { "s" },
        total
    ));
    if odd > 0 {
        out.notes.push(format!(
            "{odd} fact{} with a time that is not an ISO date left out",
            if odd == 1 { "" } else { "s" }
        ));
    }
    let mut names = std::collections::HashMap::new();
    let mut name_of = |id: EntityId| -> Result<Value> {
        if let Some(v) = names.get(&id) {
            return Ok(Value::clone(v));
        }
        let v = Value::Entity {
            id,
            name: store
                .entity(id)?
                .map_or_else(|| format!("#{id}"), |e| e.name)
                .into(),
        };
        names.insert(id, v.clone());
        Ok(v)
    };
    let mut titles = std::collections::HashMap::new();
    for f in facts {
        let time = f.qualifiers.get("time").cloned().unwrap_or_default();
        let relation = match f.polarity {
            Polarity::Positive => f.relation.clone(),
            Polarity::Negative => format!("not {}", f.relation),
        };
        let object = match &f.object {
            Object::Entity(id) => name_of(*id)?,
            Object::Literal(l) => Value::Text(l.to_string().into()),
        };
        let head = vec![
            Value::Date(time),
            name_of(f.subject)?,
            Value::Text(relation.into()),
            object,
            f.qualifiers
                .get("place")
                .map_or(Value::Null, |p| Value::Text(p.as_str().into())),
        ];
        let sources: Vec<Option<&crate::model::Source>> = if f.sources.is_empty() {
            vec![None]
        } else {
            f.sources.iter().map(Some).collect()
        };
        for (i, s) in sources.into_iter().enumerate() {
            let mut row = if i > 0 && compact {
                vec![Value::Null; head.len()]
            } else {
                head.clone()
            };
            match s {
                Some(s) => {
                    let title = match titles.get(&s.doc) {
                        Some(t) => Value::clone(t),
                        None => {
                            let t = store.document(s.doc)?.map_or(Value::Null, |d| {
                                Value::Text(if d.title.is_empty() {
                                    d.origin.into()
                                } else {
                                    d.title.into()
                                })
                            });
                            titles.insert(s.doc, t.clone());
                            t
                        }
                    };
                    row.push(title);
                    row.push(Value::Text(s.sentence.as_str().into()));
                }
                None => row.extend([Value::Null, Value::Null]),
            }
            row.push(Value::Fact(f.id));
            out.rows.push(row);
        }
    }
    Ok(out)
}

/// Defined here so that `store.rs` does not depend on the views above it.
impl crate::store::Store {
    /// The dated facts about the entity `name` in time order, one row per
    /// source; see [`timeline`].
    pub fn timeline(&self, name: &str, compact: bool) -> Result<crate::query::StatementOutput> {
        timeline(self, name, compact)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_times_are_years_months_and_days() {
        for t in ["2023", "2023-03", "2023-03-02"] {
            assert!(is_iso_time(t), "{t}");
        }
        for t in [
            "",
            "March 2023",
            "2023-3-2",
            "20230302",
            "Thursday",
            "２０２３",
        ] {
            assert!(!is_iso_time(t), "{t}");
        }
    }

    #[test]
    fn facts_are_in_time_order_with_one_row_per_source() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("db")).unwrap();
        let jsonl = r#"{"type":"document","id":0,"title":"Wire","origin":"w.txt","hash":"h"}
{"type":"entity","id":0,"name":"Ann Lee","kind":"person"}
{"type":"entity","id":1,"name":"Bob Stone","kind":"person"}
{"type":"fact","subject":"Ann Lee","subject_id":0,"relation":"meet","relation_text":"met","object":"Bob Stone","object_id":1,"qualifiers":{"time":"2023-03-02"},"sources":[{"doc":0,"sentence":"Ann met Bob.","span":[0,12]},{"doc":0,"sentence":"They met.","span":[13,22]}]}
{"type":"fact","subject":"Bob Stone","subject_id":1,"relation":"call","relation_text":"called","object":"Ann Lee","object_id":0,"qualifiers":{"time":"2022"},"polarity":"negative"}
{"type":"fact","subject":"Ann Lee","subject_id":0,"relation":"visit","relation_text":"visited","object":"Rome","qualifiers":{"time":"last week"}}
{"type":"fact","subject":"Ann Lee","subject_id":0,"relation":"join","relation_text":"joined","object":{"type":"text","value":"the board"},"qualifiers":{"time":"2023-03"}}
{"type":"fact","subject":"Ann Lee","subject_id":0,"relation":"leave","relation_text":"left","object":"Bob Stone","object_id":1}
"#;
        store
            .import_jsonl(&mut jsonl.as_bytes(), "t.jsonl", &mut |_| {})
            .unwrap();
        let out = timeline(&store, "ann lee", false).unwrap();
        let cells: Vec<Vec<String>> = out
            .rows
            .iter()
            .map(|r| r.iter().map(|v| v.to_string()).collect())
            .collect();
        let times: Vec<&str> = cells.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(times, ["2022", "2023-03", "2023-03-02", "2023-03-02"]);
        assert_eq!(cells[0][2], "not call", "a denied fact says so");
        assert_eq!(cells[2][5], "Wire");
        assert_eq!(
            (cells[2][6].as_str(), cells[3][6].as_str()),
            ("Ann met Bob.", "They met.")
        );
        assert_eq!(cells[1][5], "", "a fact without sources has one row");
        assert!(
            out.notes[0].starts_with("Ann Lee (#0, person): 3 dated facts of 5"),
            "{:?}",
            out.notes
        );
        assert!(
            out.notes[1].contains("1 fact with a time that is not an ISO date"),
            "{:?}",
            out.notes
        );
        let compact = timeline(&store, "Ann Lee", true).unwrap();
        assert_eq!(compact.rows[3][0], Value::Null);
        assert_eq!(compact.rows[3][6], Value::Text("They met.".into()));
        assert!(timeline(&store, "Zed", false).unwrap_err().is_user_error());
    }
}
