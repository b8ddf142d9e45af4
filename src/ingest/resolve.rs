//! Cross-article merging: which stored entity an extracted one is.
//!
//! Tried in order, each with a kind check: the name and every alias exactly
//! (after `normalize_name`); the acronym of a long name or the long names of
//! an acronym are not searched (the store has no prefix index) but are
//! caught when either form was stored as an alias; for a person not found,
//! the surname alone, accepted only when the given names agree
//! ("Yuri"/"Yury"); and spelling variants of the surname with one vowel
//! changed ("Hanson"/"Hansen"), again only with the same given name. Two
//! people who only share a surname stay apart.

use strsim::jaro_winkler;

use super::ExtractedEntity;
use crate::model::{Entity, EntityId, EntityKind, normalize_name};

/// What ingest needs to know about entities already in the store.
pub trait EntityLookup {
    /// Entities whose name or alias normalizes to `normalized`.
    fn by_name(&self, normalized: &str) -> crate::Result<Vec<Entity>>;
}

/// How one extracted entity maps onto the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// The same entity as an existing one; aliases not yet known for it.
    Existing(EntityId, Vec<String>),
    /// A new entity.
    New,
}

fn compatible(a: EntityKind, b: EntityKind) -> bool {
    a == b || a == EntityKind::Other || b == EntityKind::Other
}

/// Given names that are the same name written differently.
fn same_given(a: &str, b: &str) -> bool {
    a == b || (a.len() > 2 && b.len() > 2 && jaro_winkler(a, b) >= 0.88)
}

/// Surname spellings one vowel away ("hanson" → "hansen", "hinson", ...).
fn vowel_variants(s: &str) -> Vec<String> {
    const VOWELS: [char; 6] = ['a', 'e', 'i', 'o', 'u', 'y'];
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    for (i, c) in chars.iter().enumerate() {
        if !VOWELS.contains(c) {
            continue;
        }
        for v in VOWELS {
            if v != *c {
                let mut x = chars.clone();
                x[i] = v;
                out.push(x.into_iter().collect());
            }
        }
    }
    // Two vowels swapped ("madsen" / "medsan").
    let vowels: Vec<usize> = (0..chars.len())
        .filter(|&i| VOWELS.contains(&chars[i]))
        .collect();
    for (n, &i) in vowels.iter().enumerate() {
        for &j in &vowels[n + 1..] {
            if chars[i] != chars[j] {
                let mut x = chars.clone();
                x.swap(i, j);
                out.push(x.into_iter().collect());
            }
        }
    }
    out
}

fn find(e: &ExtractedEntity, lookup: &dyn EntityLookup) -> crate::Result<Option<Entity>> {
    for name in std::iter::once(&e.name).chain(&e.aliases) {
        let norm = normalize_name(name);
        if norm.is_empty() {
            continue;
        }
        let found = lookup
            .by_name(&norm)?
            .into_iter()
            .find(|c| compatible(c.kind, e.kind));
        // A bare surname or a one-word alias is not enough for a person of another article.
        if let Some(c) = found {
            let one_word = !norm.contains(' ');
            if e.kind == EntityKind::Person && one_word && name != &e.name {
                continue;
            }
            return Ok(Some(c));
        }
    }
    if e.kind == EntityKind::Organization
        && let Some(key) = super::entities::acronym_key(&e.name)
        && let Some(c) = lookup.by_name(&key)?.into_iter().find(|c| c.kind == e.kind)
    {
        // "Group of 20" in this article, "G20" stored from another.
        return Ok(Some(c));
    }
    if e.kind != EntityKind::Person {
        return Ok(None);
    }
    let words: Vec<String> = normalize_name(&e.name)
        .split(' ')
        .map(str::to_string)
        .collect();
    let (Some(given), Some(surname)) = (words.first(), words.last()) else {
        return Ok(None);
    };
    if words.len() < 2 {
        return Ok(None);
    }
    let agrees = |c: &Entity| {
        c.kind == EntityKind::Person
            && std::iter::once(&c.name).chain(&c.aliases).any(|n| {
                let nw: Vec<String> = normalize_name(n).split(' ').map(str::to_string).collect();
                nw.len() >= 2 && same_given(&nw[0], given)
            })
    };
    // The surname alone, as another article wrote it ("Okafor" beside "Chidi Okafor").
    if let Some(c) = lookup.by_name(surname)?.into_iter().find(|c| agrees(c)) {
        return Ok(Some(c));
    }
    // The full name with a spelling variant of the surname: one point read per
    // variant (the full name itself was looked up above).
    let given_part = words[..words.len() - 1].join(" ");
    for key in vowel_variants(surname) {
        let full = format!("{given_part} {key}");
        if let Some(c) = lookup.by_name(&full)?.into_iter().find(|c| agrees(c)) {
            return Ok(Some(c));
        }
    }
    Ok(None)
}

/// Matches extracted entities to stored ones (see the module documentation).
pub fn resolve(
    entities: &[ExtractedEntity],
    lookup: &dyn EntityLookup,
) -> crate::Result<Vec<Resolution>> {
    let mut out = Vec::with_capacity(entities.len());
    for e in entities {
        out.push(match find(e, lookup)? {
            Some(c) => {
                let new: Vec<String> = std::iter::once(&e.name)
                    .chain(&e.aliases)
                    .filter(|a| **a != c.name && !c.aliases.contains(a))
                    .cloned()
                    .collect();
                Resolution::Existing(c.id, new)
            }
            None => Resolution::New,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Mem(Vec<Entity>);

    impl EntityLookup for Mem {
        fn by_name(&self, normalized: &str) -> crate::Result<Vec<Entity>> {
            Ok(self
                .0
                .iter()
                .filter(|e| {
                    std::iter::once(&e.name)
                        .chain(&e.aliases)
                        .any(|n| normalize_name(n) == normalized)
                })
                .cloned()
                .collect())
        }
    }

    fn person(id: u64, name: &str, aliases: &[&str]) -> Entity {
        Entity {
            id,
            name: name.into(),
            kind: EntityKind::Person,
            aliases: aliases.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn new(name: &str) -> ExtractedEntity {
        ExtractedEntity {
            name: name.into(),
            kind: EntityKind::Person,
            aliases: vec![],
        }
    }

    #[test]
    fn transliterations_and_misspellings_merge_but_namesakes_do_not() {
        let store = Mem(vec![
            person(1, "Dmitry Ivanov", &["Ivanov"]),
            person(2, "Paula Morgan", &["Morgan"]),
        ]);
        let r = resolve(
            &[
                new("Dmitri Ivanov"),
                new("Paula Margon"),
                new("Anna Ivanov"),
                new("Ivanov"),
            ],
            &store,
        )
        .unwrap();
        assert!(matches!(r[0], Resolution::Existing(1, _)), "{:?}", r[0]);
        assert!(matches!(r[1], Resolution::Existing(2, _)), "{:?}", r[1]);
        assert_eq!(r[2], Resolution::New, "same surname, other person");
        assert!(
            matches!(r[3], Resolution::Existing(1, _)),
            "a surname alone as the name"
        );
    }
}
