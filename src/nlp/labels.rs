//! The tag and relation names the models may produce, as `'static`
//! strings, so analysed words carry them without allocating.
//!
//! The lists are those of the Universal Dependencies English treebanks
//! (EWT and GUM); a model naming anything else is refused when it loads.

/// Penn Treebank tags as used in UD English (with UD's additions ADD, GW,
/// NFP, AFX, HYPH).
pub const XPOS: &[&str] = &[
    "NN", "IN", "DT", "NNP", "JJ", "PRP", ".", "RB", ",", "NNS", "VB", "CC", "VBP", "VBD", "VBZ",
    "CD", "VBN", "VBG", "TO", "MD", "PRP$", "UH", ":", "WDT", "-RRB-", "-LRB-", "WRB", "WP", "``",
    "HYPH", "RP", "''", "POS", "NNPS", "JJR", "JJS", "EX", "RBR", "NFP", "ADD", "SYM", "GW", "$",
    "FW", "PDT", "RBS", "LS", "AFX", "WP$", "XX", "#",
];

/// UD relations with the subtypes of the English treebanks.
pub const DEPREL: &[&str] = &[
    "acl",
    "acl:relcl",
    "advcl",
    "advcl:relcl",
    "advmod",
    "amod",
    "appos",
    "aux",
    "aux:pass",
    "case",
    "cc",
    "cc:preconj",
    "ccomp",
    "clf",
    "compound",
    "compound:prt",
    "conj",
    "cop",
    "csubj",
    "csubj:outer",
    "csubj:pass",
    "dep",
    "det",
    "det:predet",
    "discourse",
    "dislocated",
    "expl",
    "fixed",
    "flat",
    "goeswith",
    "iobj",
    "list",
    "mark",
    "nmod",
    "nmod:desc",
    "nmod:npmod",
    "nmod:poss",
    "nmod:tmod",
    "nmod:unmarked",
    "nsubj",
    "nsubj:outer",
    "nsubj:pass",
    "nummod",
    "obj",
    "obl",
    "obl:agent",
    "obl:npmod",
    "obl:tmod",
    "obl:unmarked",
    "orphan",
    "parataxis",
    "punct",
    "reparandum",
    "root",
    "vocative",
    "xcomp",
];

/// The `'static` copy of a Penn tag.
pub fn xpos(s: &str) -> Option<&'static str> {
    XPOS.iter().copied().find(|&x| x == s)
}

/// The `'static` copy of a relation name.
pub fn deprel(s: &str) -> Option<&'static str> {
    DEPREL.iter().copied().find(|&x| x == s)
}

#[cfg(test)]
mod tests {
    #[test]
    fn interns_known_names_only() {
        assert_eq!(super::xpos("VBD"), Some("VBD"));
        assert_eq!(super::deprel("nmod:poss"), Some("nmod:poss"));
        assert_eq!(super::deprel("nsubj:xsubj"), None);
    }
}
