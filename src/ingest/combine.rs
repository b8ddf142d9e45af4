//! Both extractors on one article: the pattern extractor's facts, and
//! those of the parse ([`super::tree`]) between two named entities that the
//! patterns did not read, stated without modality.
//!
//! Why this mix: measured on the gold files (tests/extraction_gold.rs), the
//! patterns are precise but read few facts, and the parse reads many more
//! on any topic but is right less often. Its facts between two names ("Baker
//! & Hale buy Zentrix", "Germany clash with France") are the ones a
//! knowledge store is for and the ones it gets right most often; its facts
//! with a described argument ("the former mayor clash with ...") wait for
//! the resolution of descriptions.

use super::{ExtractedFact, ExtractedObject, Extraction};
use crate::model::normalize_name;

/// Both extractors on one article ([`crate::ingest::Extractor::Both`]).
pub fn extract_both(text: &str) -> Extraction {
    let (parse, named) = super::tree::extract_marking_names(text);
    combine(super::extract(text), parse, &named)
}

/// `patterns` with the facts of `parse` between two named entities added
/// (`named[i]`: entity `i` of `parse` is a name, not a concept):
/// the entities are matched by any name they share, new ones appended, and
/// a fact is left out when the patterns already relate its two entities in
/// the same sentence (they read it, with their own relation) or state it,
/// or read its relation in its sentence with one of its entities.
fn combine(patterns: Extraction, parse: Extraction, named: &[bool]) -> Extraction {
    let mut out = patterns;
    let mut by_name: std::collections::HashMap<String, usize> = Default::default();
    for (i, e) in out.entities.iter().enumerate() {
        for n in std::iter::once(&e.name).chain(&e.aliases) {
            by_name.entry(normalize_name(n)).or_insert(i);
        }
    }
    let mut map: Vec<Option<usize>> = vec![None; parse.entities.len()];
    let mut entity = |out: &mut Extraction, i: usize| -> usize {
        if let Some(j) = map[i] {
            return j;
        }
        let e = &parse.entities[i];
        let found = std::iter::once(&e.name)
            .chain(&e.aliases)
            .find_map(|n| by_name.get(&normalize_name(n)).copied());
        let j = found.unwrap_or_else(|| {
            out.entities.push(e.clone());
            let j = out.entities.len() - 1;
            for n in std::iter::once(&e.name).chain(&e.aliases) {
                by_name.entry(normalize_name(n)).or_insert(j);
            }
            j
        });
        map[i] = Some(j);
        j
    };
    let read = out.facts.len();
    for f in &parse.facts {
        let ExtractedObject::Entity(o) = f.object else {
            continue;
        };
        let is_named = |i: usize| named.get(i).copied().unwrap_or(false);
        // A modal or controlled reading ("should take", "plans to buy")
        // states no event: the patterns' precise facts are asserted ones.
        if f.relation == "hold role"
            || !is_named(f.subject)
            || !is_named(o)
            || f.qualifiers.contains_key("modality")
        {
            continue;
        }
        let (s, o) = (entity(&mut out, f.subject), entity(&mut out, o));
        if s == o {
            continue;
        }
        let known = out.facts[..read].iter().any(|p| {
            let has = |x: usize| p.subject == x || p.object == ExtractedObject::Entity(x);
            let pair = p.subject == s && p.object == ExtractedObject::Entity(o)
                || p.subject == o && p.object == ExtractedObject::Entity(s);
            // The patterns read this relation in this sentence, with
            // arguments of their own: theirs are the better read.
            let same_reading = p.span == f.span && p.relation == f.relation && (has(s) || has(o));
            pair && (p.span == f.span || p.relation == f.relation) || same_reading
        }) || out.facts[read..].iter().any(|p| {
            p.subject == s && p.object == ExtractedObject::Entity(o) && p.relation == f.relation
        });
        if known {
            continue;
        }
        out.facts.push(ExtractedFact {
            subject: s,
            object: ExtractedObject::Entity(o),
            ..f.clone()
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{extract, tree::extract_marking_names};

    #[test]
    fn names_are_shared_and_facts_between_names_are_added_once() {
        let text = "Talks\n\nMaria Okafor met Tomas Ruiz in Lisbon. \
                    Kestrel Mining and Orvale Holdings clashed over the deal.";
        let (parse, named) = extract_marking_names(text);
        let both = combine(extract(text), parse, &named);
        let names: Vec<&str> = both.entities.iter().map(|e| e.name.as_str()).collect();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{names:?}");
        let meets = both.facts.iter().filter(|f| f.relation == "meet").count();
        assert_eq!(meets, 1, "{:?}", both.facts);
        // No fact with a concept ("deal") comes from the parse.
        assert!(
            !both.entities.iter().any(|e| e.name == "deal"),
            "{:?}",
            both.entities
        );
    }
}
