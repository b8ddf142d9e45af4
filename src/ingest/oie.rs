//! Propositions in the tabbed format of open information extraction
//! benchmarks (CaRB, OIE2016): one extraction a line,
//! `sentence <TAB> confidence <TAB> relation <TAB> arg1 <TAB> arg2 ...`.
//!
//! The benchmarks write the relation the way a reader would say it: a
//! controlling verb joins the relation ("agreed to buy"), the preposition of
//! the first prepositional argument joins it when there is no object
//! ("was detained in"), the arguments after the verb come first, and an
//! apposition or a possessive reads "is" or "has".

use super::clauses::{Kind, Proposition, Role};
use crate::nlp::Sentence;

/// The benchmark line for proposition `p` of sentence `s` of `text`, or
/// `None` when the proposition has no subject (the benchmarks require one).
pub fn tabbed_line(text: &str, s: &Sentence, p: &Proposition) -> Option<String> {
    let subject = p.subject.as_ref()?;
    let mut relation = p.control.clone();
    relation.extend(&p.relation);
    let mut arguments = p.arguments.clone();
    arguments.sort_by_key(|a| a.phrase.head < p.predicate);
    let has_object = arguments.iter().any(|a| a.role == Role::Object);
    let mut moved = false;
    let mut args = Vec::new();
    for a in &arguments {
        let mut words = a.phrase.words.clone();
        if let Some(&first) = a.preposition.first() {
            if !has_object && !moved && first > p.predicate {
                relation.extend(&a.preposition);
                moved = true;
            } else {
                words.extend(&a.preposition);
                words.sort_unstable();
            }
        }
        args.push(written(text, s, &words));
    }
    let relation = match p.kind {
        Kind::Clause => written(text, s, &relation),
        Kind::Possession => "has".to_string(),
        Kind::Apposition | Kind::Title => "is".to_string(),
    };
    let mut line = format!(
        "{}\t{:.2}\t{relation}\t{}",
        text.get(s.start..s.end).unwrap_or(""),
        p.confidence,
        written(text, s, &subject.words)
    );
    for a in args {
        line.push('\t');
        line.push_str(&a);
    }
    Some(line)
}

/// Words as written: a space between two words only where the text has
/// one or where words are left out between them.
fn written(text: &str, s: &Sentence, words: &[usize]) -> String {
    let mut out = String::new();
    for (k, &w) in words.iter().enumerate() {
        let Some(word) = s.words.get(w) else { continue };
        if k > 0 {
            let touching = w == words[k - 1] + 1 && s.words[w - 1].end == word.start;
            if !touching {
                out.push(' ');
            }
        }
        out.push_str(word.text(text));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::clauses::propositions;

    #[test]
    fn a_prepositional_object_lends_its_preposition_to_the_relation() {
        let text = "The envoy was detained in the capital for two days.";
        let a = crate::nlp::analyze(text).unwrap();
        let s = &a.sentences[0];
        let lines: Vec<String> = propositions(s)
            .iter()
            .filter_map(|p| tabbed_line(text, s, p))
            .collect();
        assert!(
            lines
                .iter()
                .any(|l| l.ends_with("\twas detained in\tThe envoy\tthe capital\tfor two days")),
            "{lines:?}"
        );
    }
}
