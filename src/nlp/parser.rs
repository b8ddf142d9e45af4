//! Dependency parser: greedy arc-eager transitions (Nivre 2003) scored by
//! averaged perceptrons over the feature templates of Zhang and Nivre
//! (2011), trained with the dynamic oracle of Goldberg and Nivre (2012).
//!
//! Each step first picks one of four moves (SHIFT, REDUCE, LEFT-ARC,
//! RIGHT-ARC) with one model, then, for an arc, its relation with a second
//! model. Splitting the decision keeps the weight rows short (4 classes and
//! about 50), which is what keeps the models small and fast; the relation
//! model still sees the whole configuration.
//!
//! The dynamic oracle tells, in any configuration, which moves lose no
//! reachable gold arc, so training can follow the model's own mistakes and
//! learn to recover from them, as it must at run time.

use super::labels;
use super::lexical::{Atoms, FLAG_PUNCT, PAD};
use super::model_file::{Reader, Writer};
use super::perceptron::{Rng, Trainer, Weights, argmax, mix};

/// The four moves.
const SHIFT: usize = 0;
const REDUCE: usize = 1;
const LEFT: usize = 2;
const RIGHT: usize = 3;

/// No head yet.
const NONE: usize = usize::MAX;

/// Number of move features.
const N_MOVE: usize = 93;

/// The trained parser.
#[derive(Clone, Debug)]
pub struct Parser {
    moves: Weights,
    relations: Weights,
    names: Vec<&'static str>,
}

/// One training sentence.
pub struct Example {
    /// Atoms of each word.
    pub atoms: Vec<Atoms>,
    /// Tag class of each word (predicted, as at run time).
    pub tags: Vec<u16>,
    /// The tagger's second choice for each word.
    pub alt: Vec<u16>,
    /// Gold head of each word: 1-based, 0 for the root.
    pub heads: Vec<usize>,
    /// Gold relation of each word (index into the parser's relation names).
    pub rels: Vec<u8>,
}

/// A parser configuration. Words are 1..=n; the artificial root is word
/// n+1 and waits at the end of the buffer (Ballesteros and Nivre 2013), so
/// a word is made the root only once everything before it is built.
struct State {
    n: usize,
    stack: Vec<usize>,
    /// First word of the buffer; the buffer is `b..=n+1`.
    b: usize,
    head: Vec<usize>,
    rel: Vec<u8>,
    /// Leftmost and second leftmost child, rightmost and second rightmost.
    l1: Vec<usize>,
    l2: Vec<usize>,
    r1: Vec<usize>,
    r2: Vec<usize>,
    nl: Vec<u8>,
    nr: Vec<u8>,
    /// Bit sets of the relations of left and right children.
    sl: Vec<u64>,
    sr: Vec<u64>,
}

impl State {
    fn new(n: usize) -> State {
        let m = n + 2;
        State {
            n,
            stack: Vec::with_capacity(n),
            b: 1,
            head: vec![NONE; m],
            rel: vec![0; m],
            l1: vec![NONE; m],
            l2: vec![NONE; m],
            r1: vec![NONE; m],
            r2: vec![NONE; m],
            nl: vec![0; m],
            nr: vec![0; m],
            sl: vec![0; m],
            sr: vec![0; m],
        }
    }

    fn root(&self) -> usize {
        self.n + 1
    }

    fn done(&self) -> bool {
        self.b > self.n && self.stack.is_empty()
    }

    fn s0(&self) -> usize {
        self.stack.last().copied().unwrap_or(NONE)
    }

    /// Which moves are legal here. Some move always is until [`State::done`]:
    /// with only the root left in the buffer, every stack word can be
    /// reduced or attached to it.
    fn legal(&self) -> [bool; 4] {
        let s0 = self.s0();
        let word_next = self.b <= self.n;
        let has_s0 = s0 != NONE;
        [
            word_next,
            has_s0 && self.head[s0] != NONE,
            has_s0 && self.head[s0] == NONE,
            has_s0 && word_next,
        ]
    }

    fn add_arc(&mut self, h: usize, d: usize, r: u8) {
        self.head[d] = h;
        self.rel[d] = r;
        let bit = 1u64 << (r % 64);
        if d < h {
            self.nl[h] = self.nl[h].saturating_add(1);
            self.sl[h] |= bit;
            if self.l1[h] == NONE || d < self.l1[h] {
                self.l2[h] = self.l1[h];
                self.l1[h] = d;
            } else if self.l2[h] == NONE || d < self.l2[h] {
                self.l2[h] = d;
            }
        } else {
            self.nr[h] = self.nr[h].saturating_add(1);
            self.sr[h] |= bit;
            if self.r1[h] == NONE || d > self.r1[h] {
                self.r2[h] = self.r1[h];
                self.r1[h] = d;
            } else if self.r2[h] == NONE || d > self.r2[h] {
                self.r2[h] = d;
            }
        }
    }

    fn apply(&mut self, mv: usize, r: u8) {
        let s0 = self.s0();
        match mv {
            SHIFT => {
                self.stack.push(self.b);
                self.b += 1;
            }
            REDUCE => {
                self.stack.pop();
            }
            LEFT => {
                self.add_arc(self.b, s0, r);
                self.stack.pop();
            }
            _ => {
                self.add_arc(s0, self.b, r);
                self.stack.push(self.b);
                self.b += 1;
            }
        }
    }
}

/// What the features read of each word: atoms and tag, word 0 the root.
struct Words<'a> {
    atoms: &'a [Atoms],
    tags: &'a [u16],
    alt: &'a [u16],
    /// `punct[i]`: punctuation marks among words 1..=i.
    punct: Vec<u32>,
}

impl<'a> Words<'a> {
    fn new(atoms: &'a [Atoms], tags: &'a [u16], alt: &'a [u16]) -> Words<'a> {
        let mut punct = Vec::with_capacity(atoms.len() + 1);
        punct.push(0);
        let mut n = 0;
        for a in atoms {
            n += (a.flags & FLAG_PUNCT != 0) as u32;
            punct.push(n);
        }
        Words {
            atoms,
            tags,
            alt,
            punct,
        }
    }
}

const ROOT_TAG: u64 = 2000;
const NONE_TAG: u64 = 2001;

impl Words<'_> {
    fn w(&self, i: usize) -> u64 {
        if i == NONE || i == 0 {
            PAD.lower
        } else if i == self.atoms.len() + 1 {
            0x0123_4567
        } else {
            self.atoms.get(i - 1).map_or(PAD.lower, |a| a.lower)
        }
    }

    fn p(&self, i: usize) -> u64 {
        if i == NONE || i == 0 {
            NONE_TAG
        } else if i == self.atoms.len() + 1 {
            ROOT_TAG
        } else {
            self.tags.get(i - 1).map_or(NONE_TAG, |&t| t as u64)
        }
    }

    /// The tagger's second choice (the first for words without one).
    fn alt(&self, i: usize) -> u64 {
        if i == NONE || i == 0 || i > self.atoms.len() {
            self.p(i)
        } else {
            self.alt.get(i - 1).map_or_else(|| self.p(i), |&t| t as u64)
        }
    }

    fn atom(&self, i: usize) -> Option<&Atoms> {
        if i == NONE || i == 0 {
            None
        } else {
            self.atoms.get(i - 1)
        }
    }
}

/// The move features of a configuration (Zhang and Nivre 2011, plus the
/// second stack word and the WordNet classes of the two focus words).
fn move_features(st: &State, ws: &Words, f: &mut [u64; N_MOVE]) {
    let s0 = st.stack.last().copied().unwrap_or(NONE);
    let s1 = if st.stack.len() >= 2 {
        st.stack[st.stack.len() - 2]
    } else {
        NONE
    };
    let before_n0 = if st.b >= 2 { st.b - 1 } else { NONE };
    let at = |i: usize| if i <= st.n + 1 { i } else { NONE };
    let n0 = at(st.b);
    let n1 = at(st.b + 1);
    let n2 = at(st.b + 2);
    let g = |v: &Vec<usize>, i: usize| if i == NONE { NONE } else { v[i] };
    let lab = |i: usize| {
        if i == NONE || st.head[i] == NONE {
            99u64
        } else {
            st.rel[i] as u64
        }
    };
    let s0h = g(&st.head, s0);
    let s0h2 = g(&st.head, s0h);
    let (s0l, s0r, s0l2, s0r2) = (g(&st.l1, s0), g(&st.r1, s0), g(&st.l2, s0), g(&st.r2, s0));
    let (n0l, n0l2) = (g(&st.l1, n0), g(&st.l2, n0));
    let (s0w, s0p, n0w, n0p) = (ws.w(s0), ws.p(s0), ws.w(n0), ws.p(n0));
    let (n1w, n1p, n2w, n2p) = (ws.w(n1), ws.p(n1), ws.w(n2), ws.p(n2));
    let d = if s0 == NONE || n0 == NONE {
        0
    } else {
        (n0 - s0).min(10) as u64
    };
    let vl = |i: usize| if i == NONE { 0 } else { st.nl[i] as u64 };
    let vr = |i: usize| if i == NONE { 0 } else { st.nr[i] as u64 };
    let sl = |i: usize| if i == NONE { 0 } else { st.sl[i] };
    let sr = |i: usize| if i == NONE { 0 } else { st.sr[i] };
    let lex = |i: usize| ws.atom(i).map_or(0, |a| a.lex as u64);
    let sense = |i: usize| ws.atom(i).map_or(0, |a| a.sense as u64);
    let punct_between = if s0 == NONE || n0 == NONE || n0 <= s0 + 1 {
        0
    } else {
        // Marks among words s0+1..n0-1 (1-based): prefix counts up to n0-1 minus up to s0.
        let upto = |i: usize| ws.punct.get(i).copied().unwrap_or(0);
        (upto(n0 - 1) - upto(s0)).min(3) as u64
    };
    *f = [
        // single words
        mix(&[1, s0w, s0p]),
        mix(&[2, s0w]),
        mix(&[3, s0p]),
        mix(&[4, n0w, n0p]),
        mix(&[5, n0w]),
        mix(&[6, n0p]),
        mix(&[7, n1w, n1p]),
        mix(&[8, n1w]),
        mix(&[9, n1p]),
        mix(&[10, n2w, n2p]),
        mix(&[11, n2w]),
        mix(&[12, n2p]),
        // pairs
        mix(&[13, s0w, s0p, n0w, n0p]),
        mix(&[14, s0w, s0p, n0w]),
        mix(&[15, s0w, n0w, n0p]),
        mix(&[16, s0w, s0p, n0p]),
        mix(&[17, s0p, n0w, n0p]),
        mix(&[18, s0w, n0w]),
        mix(&[19, s0p, n0p]),
        mix(&[20, n0p, n1p]),
        // three words
        mix(&[21, n0p, n1p, n2p]),
        mix(&[22, s0p, n0p, n1p]),
        mix(&[23, ws.p(s0h), s0p, n0p]),
        mix(&[24, s0p, ws.p(s0l), n0p]),
        mix(&[25, s0p, ws.p(s0r), n0p]),
        mix(&[26, s0p, n0p, ws.p(n0l)]),
        // distance
        mix(&[27, s0w, d]),
        mix(&[28, s0p, d]),
        mix(&[29, n0w, d]),
        mix(&[30, n0p, d]),
        mix(&[31, s0w, n0w, d]),
        mix(&[32, s0p, n0p, d]),
        // valency
        mix(&[33, s0w, vr(s0)]),
        mix(&[34, s0p, vr(s0)]),
        mix(&[35, s0w, vl(s0)]),
        mix(&[36, s0p, vl(s0)]),
        mix(&[37, n0w, vl(n0)]),
        mix(&[38, n0p, vl(n0)]),
        // first-order context
        mix(&[39, ws.w(s0h)]),
        mix(&[40, ws.p(s0h)]),
        mix(&[41, lab(s0)]),
        mix(&[42, ws.w(s0l)]),
        mix(&[43, ws.p(s0l)]),
        mix(&[44, lab(s0l)]),
        mix(&[45, ws.w(s0r)]),
        mix(&[46, ws.p(s0r)]),
        mix(&[47, lab(s0r)]),
        mix(&[48, ws.w(n0l)]),
        mix(&[49, ws.p(n0l)]),
        mix(&[50, lab(n0l)]),
        // second-order context
        mix(&[51, ws.w(s0h2)]),
        mix(&[52, ws.p(s0h2)]),
        mix(&[53, lab(s0h)]),
        mix(&[54, ws.w(s0l2)]),
        mix(&[55, ws.p(s0l2)]),
        mix(&[56, lab(s0l2)]),
        mix(&[57, ws.w(s0r2)]),
        mix(&[58, ws.p(s0r2)]),
        mix(&[59, lab(s0r2)]),
        mix(&[60, ws.w(n0l2)]),
        mix(&[61, ws.p(n0l2)]),
        mix(&[62, lab(n0l2)]),
        mix(&[63, s0p, ws.p(s0l), ws.p(s0l2)]),
        mix(&[64, s0p, ws.p(s0r), ws.p(s0r2)]),
        mix(&[65, s0p, ws.p(s0h), ws.p(s0h2)]),
        mix(&[66, n0p, ws.p(n0l), ws.p(n0l2)]),
        // label sets
        mix(&[67, s0w, sr(s0)]),
        mix(&[68, s0p, sr(s0)]),
        mix(&[69, s0w, sl(s0)]),
        mix(&[70, s0p, sl(s0)]),
        mix(&[71, n0w, sl(n0)]),
        mix(&[72, n0p, sl(n0)]),
        // the second stack word, and whether s0 has its head yet
        mix(&[73, ws.p(s1), s0p, n0p]),
        mix(&[74, ws.w(s1), ws.p(s1)]),
        mix(&[75, s0p, n0p, (s0 != NONE && st.head[s0] != NONE) as u64]),
        mix(&[76, lex(s0), lex(n0), s0p, n0p]),
        mix(&[77, s0p, n0p, lab(s0), vl(n0)]),
        mix(&[78, n0p, ws.p(before_n0), n1p]),
        mix(&[79, s0w, n0p, n1p]),
        mix(&[0]),
        // WordNet supersenses: what kind of thing or event each word is,
        // with the preposition between ("arrived in May" / "arrived in Rome").
        mix(&[80, sense(s0), n0p]),
        mix(&[81, s0p, sense(n0)]),
        mix(&[82, sense(s0), ws.w(n0l), sense(n0)]),
        mix(&[83, s0p, ws.w(n0l), sense(n0)]),
        mix(&[84, sense(s0), ws.w(n0l), n0w]),
        // punctuation between the two focus words: a comma between a verb
        // and a noun makes an apposition or a new clause likelier than an object
        mix(&[85, s0p, n0p, punct_between]),
        mix(&[86, s0w, n0p, punct_between]),
        mix(&[87, s0p, n0w, punct_between, d]),
        // the tagger's runner-up choices
        mix(&[88, s0p, ws.alt(s0), n0p, ws.alt(n0)]),
        mix(&[89, ws.alt(n0), n0p]),
        mix(&[90, ws.alt(s0), s0p, n0p]),
        mix(&[91, n0w, ws.alt(n0)]),
        mix(&[92, ws.alt(n1), n1p, n0p]),
    ];
}

/// Gold trees made projective by lifting (Nivre and Nilsson 2005): while
/// some arc crosses another, the shortest crossing arc's dependent moves up
/// to its grandparent. The arc-eager system and its oracle need projective
/// trees; about one English sentence in fifty is not.
pub fn projectivize(heads: &[usize]) -> Vec<usize> {
    let mut h = heads.to_vec();
    let n = h.len();
    for _ in 0..n * 2 {
        let mut worst: Option<(usize, usize)> = None; // (length, dependent)
        for d in 1..=n {
            let hd = h[d - 1];
            if hd == 0 || hd > n {
                continue;
            }
            let (a, b) = if hd < d { (hd, d) } else { (d, hd) };
            // The arc is non-projective when a word strictly between its ends
            // is not dominated by its head.
            let crossing = (a + 1..b).any(|k| !dominates(&h, hd, k));
            if crossing && worst.is_none_or(|(len, _)| b - a < len) {
                worst = Some((b - a, d));
            }
        }
        match worst {
            Some((_, d)) => {
                let hd = h[d - 1];
                h[d - 1] = h[hd - 1];
            }
            None => break,
        }
    }
    h
}

/// True when `a` is an ancestor of `k` (heads 1-based, 0 the root).
fn dominates(h: &[usize], a: usize, k: usize) -> bool {
    let mut x = k;
    for _ in 0..=h.len() {
        if x == a {
            return true;
        }
        if x == 0 || x > h.len() {
            return false;
        }
        x = h[x - 1];
    }
    false
}

/// Gold arcs each move would make unreachable (Goldberg and Nivre 2012).
/// `gh[i]` is word i's gold head, `n + 1` for the root word.
fn costs(st: &State, gh: &[usize]) -> [usize; 4] {
    let s0 = st.s0();
    let b0 = st.b;
    let last = st.n + 1;
    let in_stack = |k: usize| st.stack.contains(&k);
    let headless_children_of = |h: usize| {
        st.stack
            .iter()
            .filter(|&&k| st.head[k] == NONE && gh[k] == h)
            .count()
    };
    let children_in_buffer = |h: usize| (b0..=st.n).filter(|&k| gh[k] == h).count();
    let legal = st.legal();
    let mut c = [usize::MAX; 4];
    if legal[SHIFT] {
        // b0 can no longer take a head from the stack, nor be the head of a
        // headless stack word.
        c[SHIFT] = in_stack(gh[b0]) as usize + headless_children_of(b0);
    }
    if legal[REDUCE] {
        c[REDUCE] = children_in_buffer(s0);
    }
    if legal[LEFT] {
        c[LEFT] = (gh[s0] > b0 && gh[s0] <= last) as usize + children_in_buffer(s0);
    }
    if legal[RIGHT] {
        let h = gh[b0];
        c[RIGHT] =
            ((h != s0 && in_stack(h)) || (h > b0 && h <= last)) as usize + headless_children_of(b0);
    }
    c
}

/// Decides the relation of the arc `h → d` in this configuration.
fn relation_features(
    st: &State,
    ws: &Words,
    h: usize,
    d: usize,
    mf: &[u64; N_MOVE],
    f: &mut [u64; N_REL],
) {
    let dir = (d < h) as u64;
    let dist = if h == st.root() {
        99
    } else {
        (h.abs_diff(d)).min(8) as u64
    };
    let (hw, hp, dw, dp) = (ws.w(h), ws.p(h), ws.w(d), ws.p(d));
    let g = |v: &Vec<usize>, i: usize| if i == NONE { NONE } else { v[i] };
    let lab = |i: usize| {
        if i == NONE || st.head[i] == NONE {
            99u64
        } else {
            st.rel[i] as u64
        }
    };
    let dl = g(&st.l1, d);
    let dr = g(&st.r1, d);
    let hh = g(&st.head, h);
    let prev = if d >= 2 { d - 1 } else { NONE };
    let next = if d < st.n { d + 1 } else { NONE };
    let dlex = ws
        .atom(d)
        .map_or(0, |a| a.lex as u64 | (a.flags as u64) << 8);
    let dsuf = ws.atom(d).map_or(0, |a| a.suffix[2]);
    let dsense = ws.atom(d).map_or(0, |a| a.sense as u64);
    let hsense = ws.atom(h).map_or(0, |a| a.sense as u64);
    if N_REL > N_ARC {
        for (x, &m) in f[N_ARC..].iter_mut().zip(mf.iter()) {
            *x = mix(&[m, dir]);
        }
    }
    f[..N_ARC].copy_from_slice(&[
        mix(&[100]),
        mix(&[101, dir, hp, dp]),
        mix(&[102, dir, hw, dp]),
        mix(&[103, dir, hp, dw]),
        mix(&[104, dir, hw, dw]),
        mix(&[105, dir, dist, hp, dp]),
        mix(&[106, dir, dw]),
        mix(&[107, dir, dp]),
        mix(&[108, dir, hp]),
        mix(&[109, dir, hw]),
        mix(&[110, dir, dp, st.sl[d], st.sr[d]]),
        mix(&[111, dir, dp, lab(dl), lab(dr)]),
        mix(&[112, dir, hp, lab(h), ws.p(hh)]),
        mix(&[113, dir, hp, dp, st.sl[h]]),
        mix(&[114, dir, hp, dp, st.sr[h]]),
        mix(&[115, dir, dp, ws.p(prev), ws.p(next)]),
        mix(&[116, dir, dp, ws.w(dl), ws.p(dl)]),
        mix(&[117, dir, hp, dp, ws.p(dl)]),
        mix(&[118, dir, dp, dlex, hp]),
        mix(&[119, dir, dsuf, dp]),
        mix(&[120, dir, hp, dp, st.nl[h] as u64, st.nr[h] as u64]),
        mix(&[121, dir, dw, ws.w(prev)]),
        mix(&[122, dir, dsense, hp]),
        mix(&[123, dir, dsense, hsense, ws.w(dl)]),
        mix(&[124, dir, dsense, dp, ws.w(dl)]),
    ]);
}

/// Number of relation features.
const N_ARC: usize = 25;
/// Number of relation features: the arc's own, then the move features.
const N_REL: usize = N_ARC + N_MOVE;

impl Parser {
    /// The relation names, as the model numbers them.
    pub fn relation_names(&self) -> &[&'static str] {
        &self.names
    }

    /// Parses one tagged sentence (`alt`: the tagger's second choices, see
    /// [`Tagger::tag_with_runner_up`](super::tagger::Tagger::tag_with_runner_up)):
    /// per word, its head (1-based, 0 root) and relation name.
    pub fn parse(
        &self,
        atoms: &[Atoms],
        tags: &[u16],
        alt: &[u16],
        out: &mut Vec<(usize, &'static str)>,
    ) {
        out.clear();
        let n = atoms.len().min(tags.len());
        if n == 0 {
            return;
        }
        let atoms = &atoms[..n];
        let ws = Words::new(atoms, &tags[..n], alt);
        let mut st = State::new(n);
        let mut mf = [0u64; N_MOVE];
        let mut rf = [0u64; N_REL];
        let mut ms = [0i32; 4];
        let mut rs = vec![0i32; self.names.len()];
        while !st.done() {
            let legal = st.legal();
            move_features(&st, &ws, &mut mf);
            self.moves.score(&mf, &mut ms);
            let Some(mv) = argmax(&ms, |m| legal[m]) else {
                break;
            };
            let r = self.relation(&st, &ws, mv, &mf, &mut rf, &mut rs);
            st.apply(mv, r);
        }
        // The root may have taken several words; the first stays the root,
        // the others hang from it.
        let root = st.root();
        let first = (1..=n).find(|&i| st.head[i] == root);
        for d in 1..=n {
            let h = match first {
                Some(r) if st.head[d] == root && d != r => r,
                _ if st.head[d] == NONE => first.unwrap_or(root),
                _ => continue,
            };
            if h == d {
                continue;
            }
            relation_features(&st, &ws, h, d, &mf, &mut rf);
            self.relations.score(&rf, &mut rs);
            let r = argmax(&rs, |c| self.names[c] != "root").unwrap_or(0) as u8;
            st.add_arc(h, d, r);
        }
        for i in 1..=n {
            let h = st.head[i];
            let (h, name) = if h == root || h == NONE {
                (0, "root")
            } else {
                let name = self.names.get(st.rel[i] as usize).copied().unwrap_or("dep");
                (h, if name == "root" { "dep" } else { name })
            };
            out.push((h, name));
        }
    }

    /// The relation of the arc a move makes (0 for moves that make none).
    fn relation(
        &self,
        st: &State,
        ws: &Words,
        mv: usize,
        mf: &[u64; N_MOVE],
        rf: &mut [u64; N_REL],
        rs: &mut [i32],
    ) -> u8 {
        let (h, d) = match mv {
            LEFT => (st.b, st.s0()),
            RIGHT => (st.s0(), st.b),
            _ => return 0,
        };
        relation_features(st, ws, h, d, mf, rf);
        self.relations.score(rf, rs);
        argmax(rs, |_| true).unwrap_or(0) as u8
    }

    /// Learns a parser from examples whose `rels` index `names`.
    /// Deterministic for the same input and seed.
    pub fn train(
        names: &[&'static str],
        examples: &[Example],
        epochs: usize,
        seed: u64,
        mut progress: impl FnMut(usize, &Parser),
    ) -> Trained {
        let mut moves = Trainer::new(4);
        let mut rels = Trainer::new(names.len());
        let mut parser = Parser {
            moves: Weights::default(),
            relations: Weights::default(),
            names: names.to_vec(),
        };
        let golds: Vec<Vec<usize>> = examples.iter().map(|e| projectivize(&e.heads)).collect();
        let mut order: Vec<usize> = (0..examples.len()).collect();
        let mut rng = Rng::new(seed);
        let mut mf = [0u64; N_MOVE];
        let mut rf = [0u64; N_REL];
        let mut ms = [0i64; 4];
        let mut rs = vec![0i64; names.len()];
        let mut gh: Vec<usize> = Vec::new();
        for epoch in 0..epochs {
            rng.shuffle(&mut order);
            // The first two epochs follow the oracle; later ones mostly follow
            // the model, errors included (Goldberg and Nivre's exploration).
            let explore = epoch > 1;
            for &k in &order {
                let ex = &examples[k];
                let n = ex.atoms.len();
                if n == 0 {
                    continue;
                }
                gh.clear();
                gh.push(NONE);
                gh.extend(golds[k].iter().map(|&h| if h == 0 { n + 1 } else { h }));
                gh.push(NONE);
                let ws = Words::new(&ex.atoms, &ex.tags, &ex.alt);
                let mut st = State::new(n);
                while !st.done() {
                    let legal = st.legal();
                    let cost = costs(&st, &gh);
                    move_features(&st, &ws, &mut mf);
                    let guess = moves.best(&mf, &mut ms, |m| legal[m]).unwrap_or(SHIFT);
                    let best_cost = cost.iter().copied().min().unwrap_or(0);
                    let zero = |m: usize| legal[m] && cost[m] == best_cost;
                    let oracle = argmax(&ms, zero).unwrap_or(guess);
                    moves.update(&mf, oracle, if zero(guess) { oracle } else { guess });
                    moves.tick();
                    let mv = if zero(guess) || (explore && rng.below(10) < 9) {
                        guess
                    } else {
                        oracle
                    };
                    // The relation: learnt on every arc that is gold.
                    let mut r = 0u8;
                    if mv == LEFT || mv == RIGHT {
                        let (h, d) = if mv == LEFT {
                            (st.b, st.s0())
                        } else {
                            (st.s0(), st.b)
                        };
                        relation_features(&st, &ws, h, d, &mf, &mut rf);
                        let rg = rels.best(&rf, &mut rs, |_| true).unwrap_or(0);
                        if gh[d] == h {
                            let gold = ex.rels[d - 1] as usize;
                            rels.update(&rf, gold, rg);
                            rels.tick();
                            r = gold as u8;
                        } else {
                            r = rg as u8;
                        }
                    }
                    st.apply(mv, r);
                }
            }
            parser.moves = moves.freeze(0.0);
            parser.relations = rels.freeze(0.0);
            progress(epoch, &parser);
        }
        Trained {
            moves,
            relations: rels,
            names: names.to_vec(),
        }
    }

    /// Appends the model to a model file.
    pub fn write(&self, w: &mut Writer) {
        w.strs(&self.names);
        self.moves.write(w);
        self.relations.write(w);
    }

    /// Reads a model written by [`Parser::write`].
    pub fn read(r: &mut Reader) -> Result<Parser, String> {
        let names = r
            .strs()?
            .iter()
            .map(|n| labels::deprel(n).ok_or_else(|| format!("unknown relation {n:?}")))
            .collect::<Result<Vec<_>, _>>()?;
        let moves = Weights::read(r)?;
        let relations = Weights::read(r)?;
        if moves.classes() != 4 || relations.classes() != names.len() || names.len() > 255 {
            return Err("parser weights do not match its moves and relations".into());
        }
        Ok(Parser {
            moves,
            relations,
            names,
        })
    }
}

/// A parser's weights at the end of training, before they are frozen.
pub struct Trained {
    moves: Trainer,
    relations: Trainer,
    names: Vec<&'static str>,
}

impl Trained {
    /// The parser, without the feature rows whose largest averaged weight
    /// is below `moves` (move model) or `relations` (relation model): most
    /// are features seen once or twice, and dropping them is what keeps the
    /// model small.
    pub fn freeze(&self, moves: f64, relations: f64) -> Parser {
        Parser {
            moves: self.moves.freeze(moves),
            relations: self.relations.freeze_with(relations, 0.0),
            names: self.names.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifting_makes_a_crossing_tree_projective() {
        // 1 ← 3, 2 ← 4 crosses 3's arc; root 3; 4 → 3.
        let heads = vec![3, 4, 0, 3];
        assert!(!is_projective(&heads));
        let p = projectivize(&heads);
        assert!(is_projective(&p));
        assert_eq!(p, vec![3, 3, 0, 3]);
        let ok = vec![2, 0, 2];
        assert_eq!(projectivize(&ok), ok);
    }

    fn is_projective(h: &[usize]) -> bool {
        (1..=h.len()).all(|d| {
            let hd = h[d - 1];
            if hd == 0 {
                return true;
            }
            let (a, b) = if hd < d { (hd, d) } else { (d, hd) };
            (a + 1..b).all(|k| dominates(h, hd, k))
        })
    }

    /// Following the oracle's zero-cost moves rebuilds every projective tree.
    #[test]
    fn the_oracle_reaches_the_gold_tree() {
        for heads in [
            vec![2, 0, 2],
            vec![0, 1, 1, 3],
            vec![3, 3, 0, 5, 3, 3],
            vec![2, 4, 4, 0],
        ] {
            let n = heads.len();
            let gh: Vec<usize> = std::iter::once(NONE)
                .chain(heads.iter().map(|&h| if h == 0 { n + 1 } else { h }))
                .chain(std::iter::once(NONE))
                .collect();
            let mut st = State::new(n);
            while !st.done() {
                let c = costs(&st, &gh);
                let mv = (0..4)
                    .find(|&m| c[m] == 0)
                    .expect("a zero-cost move exists");
                st.apply(mv, 0);
            }
            let got: Vec<usize> = (1..=n)
                .map(|i| if st.head[i] == n + 1 { 0 } else { st.head[i] })
                .collect();
            assert_eq!(got, heads);
        }
    }

    #[test]
    fn parses_any_length_and_round_trips() {
        let mut b = String::new();
        let words = ["dogs", "bark", "."];
        let atoms: Vec<Atoms> = words.iter().map(|w| Atoms::of(w, &mut b)).collect();
        let ex = Example {
            atoms: atoms.clone(),
            tags: vec![1, 2, 3],
            alt: vec![1, 2, 3],
            heads: vec![2, 0, 2],
            rels: vec![0, 1, 2],
        };
        let names = ["nsubj", "root", "punct"];
        let p = Parser::train(&names, &[ex], 5, 3, |_, _| {}).freeze(0.0, 0.0);
        let mut out = Vec::new();
        p.parse(&atoms, &[1, 2, 3], &[1, 2, 3], &mut out);
        assert_eq!(out, vec![(2, "nsubj"), (0, "root"), (2, "punct")]);
        let mut w = Writer::new("parser");
        p.write(&mut w);
        let raw = w.finish();
        let back = Parser::read(&mut Reader::open(&raw, "parser").unwrap()).unwrap();
        let mut out2 = Vec::new();
        back.parse(&atoms, &[1, 2, 3], &[1, 2, 3], &mut out2);
        assert_eq!(out, out2);
        p.parse(&[], &[], &[], &mut out);
        assert!(out.is_empty());
        // A long sentence of one repeated word still gets a tree.
        let long = vec![atoms[0]; 300];
        p.parse(&long, &vec![1; 300], &[], &mut out);
        assert_eq!(out.len(), 300);
        assert_eq!(out.iter().filter(|o| o.0 == 0).count(), 1);
    }
}
