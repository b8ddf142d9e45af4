//! The numbers of the salience model: how far back anaphors look, how
//! much each grammatical role, agreement and recency count. lore resolves
//! with the hand-set [`Weights::HAND`], chosen on GUM dev. Fitting them to
//! GUM's train documents (`lore-train --only coref`, coordinate ascent,
//! [`super::eval::fit`]) raises the train score by some 5 % but does not
//! carry over reliably to the pronouns, the measured target: on dev 3
//! rounds give +0.008 of pronouns (3 of 393, within noise) and +0.010 of
//! descriptions; an 8-round fit, measured once on GUM test, lost 0.030 of
//! the pronouns (0.596 to 0.566) while gaining 0.076 of the descriptions.
//! The train documents are those the tagger, parser and recogniser learnt
//! from, so their analyses are better than unseen text's; jackknifed
//! analyses would be the way to fit on them.

/// The tunable numbers of [`super::resolve`]. Windows are in sentences;
/// the rest are points of a candidate's score.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Weights {
    /// Sentences back a pronoun looks for its entity.
    pub window: f64,
    /// Sentences back "he"/"she" look when nothing in `window` agrees.
    pub person_window: f64,
    /// Sentences back a definite description looks.
    pub description_window: f64,
    /// 1 when "he"/"she" always weigh the people of `person_window`, not
    /// only when `window` has none (a biography's subject, named ten
    /// sentences back, against a person named in the last one); 0 when not.
    pub wide_person: f64,
    /// Share of a mention's salience kept for each sentence back.
    pub decay: f64,
    /// Salience of any mention before its role's weight.
    pub base: f64,
    /// Role weights: subject, object, indirect object, oblique, root /
    /// apposition / conjunct, possessive, anything else.
    pub subject: f64,
    /// See [`Weights::subject`].
    pub object: f64,
    /// See [`Weights::subject`].
    pub indirect: f64,
    /// See [`Weights::subject`].
    pub oblique: f64,
    /// See [`Weights::subject`].
    pub core: f64,
    /// See [`Weights::subject`].
    pub possessive: f64,
    /// See [`Weights::subject`].
    pub other: f64,
    /// A subject pronoun and an entity last mentioned as a subject.
    pub parallel: f64,
    /// Times ln(1 + mentions): the article's topic stays salient.
    pub topic: f64,
    /// "he"/"she" and an entity known to be of that sex.
    pub gender: f64,
    /// "he"/"she" and an entity of unknown kind (subtracted).
    pub unknown_kind: f64,
    /// "they" and a singular group ("the company ... they"; subtracted).
    pub group_they: f64,
    /// The subject of "say"/"think" and a thing or place (subtracted).
    pub speaker_thing: f64,
    /// The same and an entity of unknown kind (subtracted).
    pub speaker_unknown: f64,
    /// A description and an entity mentioned by its noun ("a bank ... the bank").
    pub same_noun: f64,
    /// A description and a named entity of its kind ("Acme ... the company").
    pub named_kind: f64,
}

impl Weights {
    /// The values the model was written with, before any fitting.
    pub const HAND: Weights = Weights {
        window: 3.0,
        person_window: 25.0,
        description_window: 10.0,
        wide_person: 0.0,
        decay: 0.4,
        base: 100.0,
        subject: 80.0,
        object: 50.0,
        indirect: 40.0,
        oblique: 30.0,
        core: 40.0,
        possessive: 30.0,
        other: 20.0,
        parallel: 35.0,
        topic: 20.0,
        gender: 60.0,
        unknown_kind: 60.0,
        group_they: 30.0,
        speaker_thing: 100.0,
        speaker_unknown: 50.0,
        same_noun: 200.0,
        named_kind: 100.0,
    };

    /// Every weight by name, for fitting.
    pub fn fields(&mut self) -> [(&'static str, &mut f64); 22] {
        [
            ("window", &mut self.window),
            ("person_window", &mut self.person_window),
            ("description_window", &mut self.description_window),
            ("wide_person", &mut self.wide_person),
            ("decay", &mut self.decay),
            ("base", &mut self.base),
            ("subject", &mut self.subject),
            ("object", &mut self.object),
            ("indirect", &mut self.indirect),
            ("oblique", &mut self.oblique),
            ("core", &mut self.core),
            ("possessive", &mut self.possessive),
            ("other", &mut self.other),
            ("parallel", &mut self.parallel),
            ("topic", &mut self.topic),
            ("gender", &mut self.gender),
            ("unknown_kind", &mut self.unknown_kind),
            ("group_they", &mut self.group_they),
            ("speaker_thing", &mut self.speaker_thing),
            ("speaker_unknown", &mut self.speaker_unknown),
            ("same_noun", &mut self.same_noun),
            ("named_kind", &mut self.named_kind),
        ]
    }

    /// Salience of a grammatical role: subjects first, then objects.
    pub(super) fn role(&self, deprel: &str) -> f64 {
        let base = deprel.split(':').next().unwrap_or("");
        match base {
            "nsubj" | "csubj" => self.subject,
            "obj" => self.object,
            "iobj" => self.indirect,
            "obl" => self.oblique,
            "root" | "appos" | "conj" => self.core,
            "nmod" if deprel == "nmod:poss" => self.possessive,
            _ => self.other,
        }
    }

    /// A window in whole sentences.
    pub(super) fn sentences(v: f64) -> usize {
        if v.is_finite() && v > 0.0 {
            v.round() as usize
        } else {
            0
        }
    }
}
