//! Pictures of an entity's neighbourhood: `lore graph NAME` and `.graph NAME`.
//!
//! [`neighbourhood`] collects the entities (and literal values) within
//! `depth` facts of an entity, breadth first, reading each entity's own
//! index groups through [`Store::facts_of`]. When more nodes are reachable
//! than `max_nodes` ([`DEFAULT_MAX_NODES`]), the nearest are kept and,
//! among equally near ones, those joined by the most sources, so that a
//! hub still gives a readable picture; the picture says how many were left out.
//!
//! Edges are facts between kept nodes: one per (subject, object, relation,
//! polarity), labelled with the relation (`not ...` and dashed when denied),
//! as wide as the number of sources behind it, without an arrow head when
//! the relation holds both ways (`meet`).
//!
//! [`to_dot`] writes Graphviz DOT for people who have Graphviz. [`to_svg`]
//! lays the picture out itself, with no system Graphviz: a layered layout
//! with the entity in the middle column, the entities that act on it to
//! the left, those it acts on to the right, one column further out per step
//! of distance. Edge labels sit in the lanes between columns and are packed
//! so that no two overlap; edges are curves through their label.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use crate::error::{Error, Result};
use crate::model::{EntityId, EntityKind, FactId, RelId};
use crate::storage::{IndexKind, ObjKey, Storage, Triple};
use crate::store::Store;

/// How far from the entity a picture reaches unless told otherwise.
pub const DEFAULT_DEPTH: usize = 1;
/// The deepest picture lore draws.
pub const MAX_DEPTH: usize = 6;
/// Most nodes in a picture unless told otherwise: beyond about this many a
/// picture stops being readable.
pub const DEFAULT_MAX_NODES: usize = 30;

/// The two ways `lore graph` draws.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum GraphFormat {
    /// A standalone SVG picture, laid out by lore.
    #[default]
    Svg,
    /// Graphviz DOT, for `dot -Tpng` and friends.
    Dot,
}

impl GraphFormat {
    /// DOT for a `.dot` or `.gv` file name, SVG otherwise.
    pub fn from_path(path: &std::path::Path) -> GraphFormat {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("dot") || e.eq_ignore_ascii_case("gv") => {
                GraphFormat::Dot
            }
            _ => GraphFormat::Svg,
        }
    }
}

/// One node of a neighbourhood.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The entity, or `None` for a literal value (a role, a date, a number).
    pub entity: Option<EntityId>,
    /// The entity's kind, or `None` for a value.
    pub kind: Option<EntityKind>,
    /// The entity's name or the value as text.
    pub label: String,
    /// Facts away from the centre (0 for the centre).
    pub distance: usize,
    /// The nearer node it was reached from (`None` for the centre).
    pub parent: Option<usize>,
}

/// One edge: the facts with the same subject, object, relation and polarity.
#[derive(Clone, Debug, PartialEq)]
pub struct Edge {
    /// Index of the subject node.
    pub from: usize,
    /// Index of the object node.
    pub to: usize,
    /// Normalized relation.
    pub relation: String,
    /// The facts deny it.
    pub negative: bool,
    /// The relation holds both ways (`meet`): drawn without an arrow head.
    pub symmetric: bool,
    /// Sources behind it, over all its facts.
    pub sources: usize,
    /// Its facts, in id order.
    pub facts: Vec<FactId>,
    /// Weaker relations between the same two nodes folded into this edge
    /// to keep the picture readable (`not ...` when denied); usually none.
    pub folded: Vec<String>,
}

/// The entities and values around one entity, and the facts between them.
#[derive(Clone, Debug, PartialEq)]
pub struct Neighbourhood {
    /// Nodes; the centre is node 0.
    pub nodes: Vec<Node>,
    /// Edges, by subject, object and relation.
    pub edges: Vec<Edge>,
    /// How deep it reaches.
    pub depth: usize,
    /// Nodes within reach that were left out to keep the picture readable.
    pub left_out: usize,
    /// Facts between kept nodes that are not drawn, for the same reason.
    pub hidden_facts: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Key {
    Entity(EntityId),
    Value(ObjKey),
}

fn key_of(obj: ObjKey) -> Key {
    match obj {
        ObjKey::Entity(id) => Key::Entity(id),
        lit @ ObjKey::Literal(_) => Key::Value(lit),
    }
}

fn other_end(t: &Triple, me: EntityId) -> Key {
    if t.subject != me {
        Key::Entity(t.subject)
    } else {
        key_of(t.object)
    }
}

/// An entity's facts as the indexes hold them (subject, relation, object,
/// polarity): the entity's own `spo` and `osp` groups, no fact decoded.
fn links(store: &Store, id: EntityId) -> Result<Vec<Triple>> {
    let st = store.storage();
    let mut out: Vec<Triple> = st
        .scan(IndexKind::Spo, Storage::subject_group(id))
        .chain(st.scan(IndexKind::Osp, Storage::object_group(ObjKey::Entity(id))))
        .collect::<Result<_>>()?;
    out.sort_by_key(|t| t.fact);
    out.dedup_by_key(|t| t.fact);
    Ok(out)
}

/// Collects the neighbourhood of the entity `name` (any name, or `#ID`).
///
/// Nodes are found through the indexes alone; only the facts between the
/// nodes kept are read, for their sources. Between two nodes joined by more
/// relations than fit ([`label_budget`]), the weakest are folded into one
/// edge (see [`Edge::folded`]).
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let store = lore::Store::open(dir.path().join("db"))?;
/// store.ingest_text("Talks\n\nAnn Lee met Bob Stone in Paris.", "a.txt")?;
/// let n = lore::graph::neighbourhood(&store, "Ann Lee", 1, 30)?;
/// assert_eq!(n.nodes[0].label, "Ann Lee");
/// let svg = lore::graph::to_svg(&n);
/// assert!(svg.starts_with("<svg"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn neighbourhood(
    store: &Store,
    name: &str,
    depth: usize,
    max_nodes: usize,
) -> Result<Neighbourhood> {
    if !(1..=MAX_DEPTH).contains(&depth) {
        return Err(Error::bad_input(
            format!("depth {depth}"),
            format!("a picture reaches 1 to {MAX_DEPTH} facts away; give --depth 1 to {MAX_DEPTH}"),
        ));
    }
    if max_nodes < 2 {
        return Err(Error::bad_input(
            format!("max nodes {max_nodes}"),
            "a picture needs room for at least 2 nodes",
        ));
    }
    let st = store.storage();
    let centre = store.resolve_entity(name)?;
    let mut cache: HashMap<EntityId, Vec<Triple>> = HashMap::new();
    let mut nodes = vec![Node {
        entity: Some(centre.id),
        kind: Some(centre.kind),
        label: centre.name.clone(),
        distance: 0,
        parent: None,
    }];
    let mut index: HashMap<Key, usize> = HashMap::from([(Key::Entity(centre.id), 0)]);
    let mut frontier = vec![0usize];
    let mut left_out: HashSet<Key> = HashSet::new();
    for distance in 1..=depth {
        // Candidates: how many facts join them to this ring, and the node of
        // this ring that has most of those facts (their parent).
        let mut cands: HashMap<Key, (usize, HashMap<usize, usize>)> = HashMap::new();
        for &n in &frontier {
            let Some(id) = nodes[n].entity else { continue };
            if let std::collections::hash_map::Entry::Vacant(v) = cache.entry(id) {
                v.insert(links(store, id)?);
            }
            for t in cache.get(&id).map_or(&[][..], Vec::as_slice) {
                let key = other_end(t, id);
                if index.contains_key(&key) {
                    continue;
                }
                let c = cands.entry(key).or_default();
                c.0 += 1;
                *c.1.entry(n).or_default() += 1;
            }
        }
        let mut ranked: Vec<(Key, usize, usize)> = cands
            .into_iter()
            .map(|(key, (w, by))| {
                let parent = by
                    .into_iter()
                    .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
                    .map_or(0, |(p, _)| p);
                (key, w, parent)
            })
            .collect();
        // Most facts first; entities before values; then by id, for the same
        // picture on every run.
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let mut next = Vec::new();
        for (key, _, parent) in ranked {
            if nodes.len() >= max_nodes {
                left_out.insert(key);
                continue;
            }
            let node = match key {
                Key::Entity(id) => {
                    let Some(e) = store.entity(id)? else {
                        return Err(Error::Corrupt {
                            path: store.path().to_path_buf(),
                            detail: format!("an index names entity {id}, which is missing"),
                        });
                    };
                    Node {
                        entity: Some(e.id),
                        kind: Some(e.kind),
                        label: e.name,
                        distance,
                        parent: Some(parent),
                    }
                }
                Key::Value(k) => Node {
                    entity: None,
                    kind: None,
                    label: st
                        .literal(k)?
                        .map_or_else(|| "?".to_string(), |l| l.to_string()),
                    distance,
                    parent: Some(parent),
                },
            };
            index.insert(key, nodes.len());
            if node.entity.is_some() {
                next.push(nodes.len());
            }
            nodes.push(node);
        }
        frontier = next;
    }
    // Edges: every fact between kept nodes, also between the outermost ones.
    let mut grouped: HashMap<(usize, usize, RelId, bool), Vec<FactId>> = HashMap::new();
    let mut seen: HashSet<FactId> = HashSet::new();
    for node in &nodes {
        let Some(id) = node.entity else { continue };
        if let std::collections::hash_map::Entry::Vacant(v) = cache.entry(id) {
            v.insert(links(store, id)?);
        }
        for t in cache.get(&id).map_or(&[][..], Vec::as_slice) {
            let from = index.get(&Key::Entity(t.subject));
            let to = index.get(&key_of(t.object));
            if let (Some(&from), Some(&to)) = (from, to)
                && seen.insert(t.fact)
            {
                grouped
                    .entry((from, to, t.relation, t.negative))
                    .or_default()
                    .push(t.fact);
            }
        }
    }
    let mut edges = Vec::with_capacity(grouped.len());
    for ((from, to, rel, negative), mut facts) in grouped {
        facts.sort_unstable();
        let mut sources = 0;
        for &f in &facts {
            sources += store.fact(f)?.map_or(0, |f| f.sources.len());
        }
        let relation = st
            .relation(rel)
            .map_or_else(|| format!("#{rel}"), |r| r.name);
        edges.push(Edge {
            from,
            to,
            symmetric: crate::ingest::is_symmetric(&relation),
            relation,
            negative,
            sources,
            facts,
            folded: Vec::new(),
        });
    }
    let (mut edges, hidden_facts) = fold(edges, &nodes, label_budget(max_nodes));
    edges.sort_by(|a, b| a.facts.first().cmp(&b.facts.first()));
    Ok(Neighbourhood {
        nodes,
        edges,
        depth,
        left_out: left_out.len(),
        hidden_facts,
    })
}

/// About how many edge labels a picture of at most `max_nodes` nodes gets:
/// two per node (more only when the centre has more joined pairs).
pub fn label_budget(max_nodes: usize) -> usize {
    2 * max_nodes
}

/// Keeps the edges a readable picture has room for, about `budget`, and
/// returns them with the number of facts left out.
///
/// Pairs of nodes come in three ranks: those with the centre, those of a
/// node and the node it was reached from (so that every node stays joined),
/// then the others; within a rank the best-sourced first. Every pair of the
/// first two ranks is drawn, others while the budget lasts. Then each drawn
/// pair gets more of its relations in turn; a pair with more relations than
/// its share keeps its best ones, the last of which takes in the rest
/// (listed in [`Edge::folded`]).
fn fold(edges: Vec<Edge>, nodes: &[Node], budget: usize) -> (Vec<Edge>, usize) {
    let mut pairs: HashMap<(usize, usize), Vec<Edge>> = HashMap::new();
    for e in edges {
        pairs.entry((e.from, e.to)).or_default().push(e);
    }
    let total = |p: &Vec<Edge>| p.iter().map(|e| e.sources).sum::<usize>();
    let rank = |&(a, b): &(usize, usize)| {
        if a == 0 || b == 0 {
            0
        } else if nodes[a].parent == Some(b) || nodes[b].parent == Some(a) {
            1
        } else {
            2
        }
    };
    let mut pairs: Vec<((usize, usize), Vec<Edge>)> = pairs.into_iter().collect();
    for (_, p) in &mut pairs {
        p.sort_by(|a, b| b.sources.cmp(&a.sources).then(a.facts.cmp(&b.facts)));
    }
    pairs.sort_by(|(ka, a), (kb, b)| {
        rank(ka)
            .cmp(&rank(kb))
            .then(total(b).cmp(&total(a)))
            .then(a[0].facts.cmp(&b[0].facts))
    });
    let mut hidden = 0;
    let mut kept: Vec<Vec<Edge>> = Vec::new();
    for (key, p) in pairs {
        if rank(&key) < 2 || kept.len() < budget {
            kept.push(p);
        } else {
            hidden += p.iter().map(|e| e.facts.len()).sum::<usize>();
        }
    }
    let mut share = vec![1usize; kept.len()];
    let mut left = budget.saturating_sub(kept.len());
    let mut grew = true;
    while left > 0 && grew {
        grew = false;
        for (p, s) in kept.iter().zip(share.iter_mut()) {
            if left > 0 && p.len() > *s {
                *s += 1;
                left -= 1;
                grew = true;
            }
        }
    }
    let mut out = Vec::new();
    for (mut p, s) in kept.into_iter().zip(share) {
        if p.len() > s {
            let rest = p.split_off(s);
            if let Some(last) = p.last_mut() {
                for e in rest {
                    last.sources += e.sources;
                    last.facts.extend(e.facts);
                    let name = if e.negative {
                        format!("not {}", e.relation)
                    } else {
                        e.relation
                    };
                    last.folded.push(name);
                }
                last.facts.sort_unstable();
            }
        }
        out.extend(p);
    }
    (out, hidden)
}

impl Neighbourhood {
    /// "Sergei Lavrov: 7 nodes within 1 fact" (and how many were left out).
    pub fn caption(&self) -> String {
        let mut s = format!(
            "{}: {} node{} within {} fact{}",
            self.nodes[0].label,
            self.nodes.len(),
            if self.nodes.len() == 1 { "" } else { "s" },
            self.depth,
            if self.depth == 1 { "" } else { "s" }
        );
        if self.left_out > 0 {
            s.push_str(&format!(
                "; {} more left out (raise --max-nodes)",
                self.left_out
            ));
        }
        if self.hidden_facts > 0 {
            s.push_str(&format!(
                "; {} fact{} between them not drawn",
                self.hidden_facts,
                if self.hidden_facts == 1 { "" } else { "s" }
            ));
        }
        s
    }

    fn edge_label(e: &Edge) -> String {
        let mut s = if e.negative {
            format!("not {}", e.relation)
        } else {
            e.relation.clone()
        };
        if !e.folded.is_empty() {
            s.push_str(&format!(" +{} more", e.folded.len()));
        }
        s
    }

    fn edge_title(&self, e: &Edge) -> String {
        const MAX_IDS: usize = 20;
        let mut facts: Vec<String> = e
            .facts
            .iter()
            .take(MAX_IDS)
            .map(|f| format!("#{f}"))
            .collect();
        if e.facts.len() > MAX_IDS {
            facts.push(format!("and {} more", e.facts.len() - MAX_IDS));
        }
        let mut relation = if e.negative {
            format!("not {}", e.relation)
        } else {
            e.relation.clone()
        };
        if !e.folded.is_empty() {
            relation.push_str(&format!(" (also {})", e.folded.join(", ")));
        }
        format!(
            "{} {} {}: {} source{}, fact{} {}",
            self.nodes[e.from].label,
            relation,
            self.nodes[e.to].label,
            e.sources,
            if e.sources == 1 { "" } else { "s" },
            if facts.len() == 1 { "" } else { "s" },
            facts.join(", ")
        )
    }

    fn node_title(&self, i: usize) -> String {
        let n = &self.nodes[i];
        match (n.entity, n.kind) {
            (Some(id), Some(k)) => format!("{} ({k}, #{id})", n.label),
            _ => format!("{} (value)", n.label),
        }
    }
}

/// Stroke width for an edge with `sources` sources: 1 px for one, growing
/// with the logarithm, at most 8 px.
pub fn stroke_width(sources: usize) -> f64 {
    (1.0 + 1.6 * (sources.max(1) as f64).ln()).min(8.0)
}

/// Fill, stroke and name of a node's kind (`None`: a value).
fn style(kind: Option<EntityKind>) -> (&'static str, &'static str, &'static str) {
    match kind {
        Some(EntityKind::Person) => ("#dbeafe", "#2563eb", "person"),
        Some(EntityKind::Organization) => ("#dcfce7", "#16a34a", "organization"),
        Some(EntityKind::Place) => ("#ffedd5", "#ea580c", "place"),
        Some(EntityKind::Work) => ("#f3e8ff", "#9333ea", "work"),
        Some(EntityKind::Other) => ("#f3f4f6", "#6b7280", "other"),
        None => ("#ffffff", "#9ca3af", "value"),
    }
}

/// Draws a neighbourhood in `format`.
pub fn render(n: &Neighbourhood, format: GraphFormat) -> String {
    match format {
        GraphFormat::Svg => to_svg(n),
        GraphFormat::Dot => to_dot(n),
    }
}

/// A file name for the picture of `n`: the centre's name in lowercase
/// letters and digits joined by `-`, then `.svg` or `.dot`.
pub fn default_file_name(n: &Neighbourhood, format: GraphFormat) -> String {
    let words: Vec<String> = n.nodes[0]
        .label
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let stem = if words.is_empty() {
        "graph".to_string()
    } else {
        words.join("-")
    };
    match format {
        GraphFormat::Svg => format!("{stem}.svg"),
        GraphFormat::Dot => format!("{stem}.dot"),
    }
}

// ---------------------------------------------------------------- DOT

fn dot_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' | '\r' => out.push_str("\\n"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The neighbourhood as Graphviz DOT (`dot -Tsvg`): nodes shaped and
/// coloured by kind, one edge per relation, `penwidth` by sources.
pub fn to_dot(n: &Neighbourhood) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "digraph lore {{");
    let _ = writeln!(
        s,
        "  graph [rankdir=LR, fontname=\"Helvetica\", labelloc=t, label={}];",
        dot_quote(&n.caption())
    );
    let _ = writeln!(
        s,
        "  node [fontname=\"Helvetica\", fontsize=12, style=filled, margin=\"0.15,0.05\"];"
    );
    let _ = writeln!(
        s,
        "  edge [fontname=\"Helvetica\", fontsize=10, color=\"#6b7280\", fontcolor=\"#374151\"];"
    );
    for (i, node) in n.nodes.iter().enumerate() {
        let (fill, stroke, kind) = style(node.kind);
        let (shape, extra) = match node.kind {
            Some(EntityKind::Person) => ("box", ",rounded"),
            Some(EntityKind::Organization) => ("box", ""),
            Some(EntityKind::Place) => ("hexagon", ""),
            Some(EntityKind::Work) => ("note", ""),
            Some(EntityKind::Other) => ("box", ",dashed"),
            None => ("box", ",dotted"),
        };
        let bold = if i == 0 { ",bold" } else { "" };
        let _ = writeln!(
            s,
            "  n{i} [label={}, shape={shape}, style=\"filled{extra}{bold}\", fillcolor=\"{fill}\", color=\"{stroke}\", penwidth={}, tooltip={}, class=\"{kind}\"];",
            dot_quote(&node.label),
            if i == 0 { 2.5 } else { 1.2 },
            dot_quote(&n.node_title(i))
        );
    }
    for e in &n.edges {
        let mut attrs = format!(
            "label={}, penwidth={:.1}, tooltip={}",
            dot_quote(&Neighbourhood::edge_label(e)),
            stroke_width(e.sources),
            dot_quote(&n.edge_title(e))
        );
        if e.negative {
            attrs.push_str(", style=dashed");
        }
        if e.symmetric {
            attrs.push_str(", dir=none");
        }
        let _ = writeln!(s, "  n{} -> n{} [{attrs}];", e.from, e.to);
    }
    s.push_str("}\n");
    s
}

// ---------------------------------------------------------------- SVG layout

const FONT: f64 = 13.0;
const LABEL_FONT: f64 = 11.0;
const NODE_H: f64 = 30.0;
const NODE_GAP: f64 = 16.0;
const LABEL_H: f64 = 16.0;
const LABEL_GAP: f64 = 3.0;
const LANE_MIN: f64 = 70.0;
const MARGIN: f64 = 24.0;
const TITLE_H: f64 = 34.0;
const MAX_LABEL_CHARS: usize = 36;

/// Width of `text` at `size` px in a common sans-serif, a little generous
/// so that boxes hold their text whatever font the viewer picks.
pub fn text_width(text: &str, size: f64) -> f64 {
    let em: f64 = text
        .chars()
        .map(|c| match c {
            'i' | 'l' | 'j' | '.' | ',' | ':' | ';' | '\'' | '’' | '|' | '!' | ' ' => 0.32,
            'f' | 't' | 'r' | 'I' | '(' | ')' | '-' => 0.42,
            'm' | 'w' | 'M' | 'W' => 0.92,
            c if c.is_ascii_uppercase() => 0.72,
            c if c.is_ascii() => 0.6,
            c => match unicode_width::UnicodeWidthChar::width(c) {
                Some(2) => 1.05,
                Some(0) => 0.0,
                _ => 0.68,
            },
        })
        .sum();
    em * size
}

/// `text` cut to `max` characters with `…`.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
    s.push('…');
    s
}

/// An axis-aligned box: centre and size.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    /// Centre x.
    pub cx: f64,
    /// Centre y.
    pub cy: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

impl Rect {
    /// True when the two boxes share any area.
    pub fn overlaps(&self, o: &Rect) -> bool {
        (self.cx - o.cx).abs() * 2.0 < self.w + o.w && (self.cy - o.cy).abs() * 2.0 < self.h + o.h
    }
}

/// Where everything of a picture goes.
#[derive(Clone, Debug)]
pub struct Layout {
    /// Node boxes, by node index.
    pub nodes: Vec<Rect>,
    /// Edge label boxes, by edge index.
    pub labels: Vec<Rect>,
    /// Node texts as drawn (long names are shortened).
    pub node_text: Vec<String>,
    /// Edge label texts as drawn.
    pub label_text: Vec<String>,
    /// SVG path data of each edge.
    pub paths: Vec<String>,
    /// Picture width.
    pub width: f64,
    /// Picture height.
    pub height: f64,
}

/// Places items of heights `h` along one axis in the order given, as near
/// their wanted centres as possible (least squares, weights `wt`) with at
/// least `gap` between neighbours; returns the centres.
fn pack(want: &[f64], h: &[f64], wt: &[f64], gap: f64) -> Vec<f64> {
    // Pool adjacent violators: each cluster is a run of items laid end to
    // end; a cluster that would overlap the one before merges with it.
    struct Cluster {
        first: usize,
        last: usize,
        /// Sum of weight * (wanted top of the cluster implied by each item).
        sum: f64,
        weight: f64,
        height: f64,
    }
    let n = want.len();
    let mut out = vec![0.0; n];
    let mut clusters: Vec<Cluster> = Vec::new();
    for i in 0..n {
        let mut c = Cluster {
            first: i,
            last: i,
            sum: wt[i] * (want[i] - h[i] / 2.0),
            weight: wt[i],
            height: h[i],
        };
        while let Some(prev) = clusters.pop() {
            if prev.sum / prev.weight + prev.height + gap <= c.sum / c.weight {
                clusters.push(prev);
                break;
            }
            // Merge: the items of `c` sit below `prev` at a fixed offset.
            let offset = prev.height + gap;
            c = Cluster {
                first: prev.first,
                last: c.last,
                sum: prev.sum + c.sum - offset * c.weight,
                weight: prev.weight + c.weight,
                height: prev.height + gap + c.height,
            };
        }
        clusters.push(c);
    }
    for c in clusters {
        let mut y = c.sum / c.weight;
        for i in c.first..=c.last {
            out[i] = y + h[i] / 2.0;
            y += h[i] + gap;
        }
    }
    out
}

/// Lays a neighbourhood out (see the module docs).
pub fn layout(n: &Neighbourhood) -> Layout {
    let count = n.nodes.len();
    // Side of each node: -1 left, +1 right, 0 for the centre. A node near
    // the centre goes left when it is more often the subject of facts with
    // the centre than their object; ties go to the lighter side.
    let mut side = vec![0i32; count];
    let mut toward = vec![0i64; count];
    for e in &n.edges {
        if e.to == 0 && e.from != 0 {
            toward[e.from] += 1;
        } else if e.from == 0 && e.to != 0 {
            toward[e.to] -= 1;
        }
    }
    let (mut left, mut right) = (0, 0);
    for i in 1..count {
        let s = match n.nodes[i].parent {
            Some(p) if p != 0 => side[p],
            _ if toward[i] > 0 => -1,
            _ if toward[i] < 0 => 1,
            _ if left < right => -1,
            _ => 1,
        };
        side[i] = s;
        if s < 0 {
            left += 1;
        } else {
            right += 1;
        }
    }
    let col: Vec<i32> = (0..count)
        .map(|i| side[i] * n.nodes[i].distance as i32)
        .collect();
    let node_text: Vec<String> = n
        .nodes
        .iter()
        .map(|node| shorten(&node.label, MAX_LABEL_CHARS))
        .collect();
    let node_w: Vec<f64> = node_text
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let bold = if i == 0 { 1.08 } else { 1.0 };
            (text_width(t, FONT) * bold + 26.0).max(60.0)
        })
        .collect();

    // Vertical order and positions of nodes: start from the order found, then
    // let each column follow the mean height of its neighbours a few times.
    let mut y = vec![0.0f64; count];
    let (min_col, max_col) = (
        col.iter().copied().min().unwrap_or(0),
        col.iter().copied().max().unwrap_or(0),
    );
    let columns: Vec<Vec<usize>> = (min_col..=max_col)
        .map(|c| (0..count).filter(|&i| col[i] == c).collect())
        .collect();
    let column = |c: i32| &columns[(c - min_col) as usize];
    let place = |y: &mut Vec<f64>, members: &[usize], want: &[f64]| {
        let mut order: Vec<usize> = (0..members.len()).collect();
        order.sort_by(|&a, &b| {
            want[a]
                .total_cmp(&want[b])
                .then(members[a].cmp(&members[b]))
        });
        let w: Vec<f64> = order.iter().map(|&k| want[k]).collect();
        let h = vec![NODE_H; order.len()];
        let wt = vec![1.0; order.len()];
        let placed = pack(&w, &h, &wt, NODE_GAP);
        for (k, &o) in order.iter().enumerate() {
            y[members[o]] = placed[k];
        }
    };
    for c in (0..=max_col).chain((min_col..0).rev()) {
        let members = column(c);
        if c == 0 {
            continue;
        }
        // First pass: under the parent, in the order nodes were found.
        let want: Vec<f64> = members
            .iter()
            .enumerate()
            .map(|(k, &i)| {
                let p = n.nodes[i].parent.unwrap_or(0);
                y[p] + k as f64 * 0.001
            })
            .collect();
        place(&mut y, members, &want);
    }
    let mut neighbours: Vec<Vec<usize>> = vec![Vec::new(); count];
    for e in &n.edges {
        if e.from != e.to {
            neighbours[e.from].push(e.to);
            neighbours[e.to].push(e.from);
        }
    }
    for _ in 0..6 {
        for c in (min_col..=max_col).filter(|&c| c != 0) {
            let members = column(c);
            let want: Vec<f64> = members
                .iter()
                .map(|&i| {
                    let near: Vec<f64> = neighbours[i]
                        .iter()
                        .filter(|&&j| (col[j] - col[i]).abs() == 1)
                        .map(|&j| y[j])
                        .collect();
                    if near.is_empty() {
                        y[i]
                    } else {
                        near.iter().sum::<f64>() / near.len() as f64
                    }
                })
                .collect();
            place(&mut y, members, &want);
        }
    }

    // Lanes: 2c is column c, 2c+1 the gap between columns c and c+1. An
    // edge between neighbouring columns passes one gap, where its label
    // goes; an edge within a column goes out to the gap beyond it and back.
    // Those labels are packed per gap near the middle of their edge. An edge
    // that passes more lanes (across the centre) runs on a track above or
    // below everything in those lanes, its label on the middle lane.
    let spans: Vec<Vec<i32>> = n
        .edges
        .iter()
        .map(|e| {
            let (a, b) = (col[e.from], col[e.to]);
            if a == b {
                vec![2 * a + if a < 0 { -1 } else { 1 }]
            } else {
                let (lo, hi) = (2 * a.min(b), 2 * a.max(b));
                let mut v: Vec<i32> = (lo + 1..hi).collect();
                if a > b {
                    v.reverse();
                }
                v
            }
        })
        .collect();
    let label_lane: Vec<i32> = spans.iter().map(|v| v[v.len() / 2]).collect();
    let label_text: Vec<String> = n
        .edges
        .iter()
        .map(|e| shorten(&Neighbourhood::edge_label(e), MAX_LABEL_CHARS))
        .collect();
    let label_w: Vec<f64> = label_text
        .iter()
        .map(|t| text_width(t, LABEL_FONT) + 10.0)
        .collect();
    let lo = spans
        .iter()
        .flatten()
        .copied()
        .min()
        .unwrap_or(0)
        .min(2 * min_col);
    let hi = spans
        .iter()
        .flatten()
        .copied()
        .max()
        .unwrap_or(0)
        .max(2 * max_col);
    // Widths, then x centres, left to right.
    let mut lane_xs: Vec<f64> = Vec::new();
    let mut x = MARGIN;
    for lane in lo..=hi {
        let mut w: f64 = if lane % 2 == 0 { 0.0 } else { LANE_MIN };
        if lane % 2 == 0 {
            for &i in column(lane / 2) {
                w = w.max(node_w[i]);
            }
        }
        for (k, &l) in label_lane.iter().enumerate() {
            if l == lane {
                w = w.max(label_w[k] + if lane % 2 == 0 { 8.0 } else { 24.0 });
            }
        }
        lane_xs.push(x + w / 2.0);
        x += w;
    }
    let width_used = x + MARGIN;
    // Every lane from `lo` to `hi` has its x; the fallback is never taken.
    let lane_x = |lane: i32| -> f64 {
        usize::try_from(lane - lo)
            .ok()
            .and_then(|i| lane_xs.get(i).copied())
            .unwrap_or(MARGIN)
    };

    // One-lane labels, packed per gap; then how far each lane is taken.
    let mut way_y: Vec<Vec<f64>> = spans.iter().map(|v| vec![0.0; v.len()]).collect();
    let mut top: HashMap<i32, f64> = HashMap::new();
    let mut bottom: HashMap<i32, f64> = HashMap::new();
    fn extend(
        top: &mut HashMap<i32, f64>,
        bottom: &mut HashMap<i32, f64>,
        lane: i32,
        t: f64,
        b: f64,
    ) {
        let e = top.entry(lane).or_insert(t);
        *e = e.min(t);
        let e = bottom.entry(lane).or_insert(b);
        *e = e.max(b);
    }
    for c in min_col..=max_col {
        for &i in column(c) {
            extend(
                &mut top,
                &mut bottom,
                2 * c,
                y[i] - NODE_H / 2.0,
                y[i] + NODE_H / 2.0,
            );
        }
    }
    for lane in lo..=hi {
        let mut items: Vec<(f64, usize)> = spans
            .iter()
            .enumerate()
            .filter(|(_, v)| v.len() == 1 && v[0] == lane)
            .map(|(k, _)| {
                let e = &n.edges[k];
                ((y[e.from] + y[e.to]) / 2.0, k)
            })
            .collect();
        if items.is_empty() {
            continue;
        }
        items.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let want: Vec<f64> = items.iter().map(|t| t.0).collect();
        let placed = pack(
            &want,
            &vec![LABEL_H; items.len()],
            &vec![1.0; items.len()],
            LABEL_GAP,
        );
        for (&(_, k), py) in items.iter().zip(placed) {
            way_y[k][0] = py;
            extend(
                &mut top,
                &mut bottom,
                lane,
                py - LABEL_H / 2.0,
                py + LABEL_H / 2.0,
            );
        }
    }
    // Tracks for edges across lanes: shortest first, nearest the content.
    let mut long: Vec<usize> = (0..spans.len()).filter(|&k| spans[k].len() > 1).collect();
    long.sort_by_key(|&k| (spans[k].len(), k));
    for k in long {
        let e = &n.edges[k];
        let above = (y[e.from] + y[e.to]) / 2.0 <= y[0];
        let track = if above {
            let t = spans[k]
                .iter()
                .map(|l| top.get(l).copied().unwrap_or(y[0]))
                .fold(f64::INFINITY, f64::min);
            t - LABEL_GAP - LABEL_H / 2.0
        } else {
            let b = spans[k]
                .iter()
                .map(|l| bottom.get(l).copied().unwrap_or(y[0]))
                .fold(f64::NEG_INFINITY, f64::max);
            b + LABEL_GAP + LABEL_H / 2.0
        };
        for (j, &lane) in spans[k].iter().enumerate() {
            way_y[k][j] = track;
            extend(
                &mut top,
                &mut bottom,
                lane,
                track - LABEL_H / 2.0,
                track + LABEL_H / 2.0,
            );
        }
    }
    let label_y: Vec<f64> = (0..spans.len())
        .map(|k| way_y[k][spans[k].len() / 2])
        .collect();

    // Shift everything below the title.
    let top_y = top.values().copied().fold(f64::INFINITY, f64::min);
    let bottom_y = bottom.values().copied().fold(f64::NEG_INFINITY, f64::max);
    let (top_y, bottom) = if top_y.is_finite() {
        (top_y, bottom_y)
    } else {
        (-NODE_H / 2.0, NODE_H / 2.0)
    };
    let dy = MARGIN + TITLE_H - top_y;
    let nodes: Vec<Rect> = (0..count)
        .map(|i| Rect {
            cx: lane_x(2 * col[i]),
            cy: y[i] + dy,
            w: node_w[i],
            h: NODE_H,
        })
        .collect();
    let labels: Vec<Rect> = (0..n.edges.len())
        .map(|k| Rect {
            cx: lane_x(label_lane[k]),
            cy: label_y[k] + dy,
            w: label_w[k],
            h: LABEL_H,
        })
        .collect();
    let ways: Vec<Vec<(f64, f64)>> = (0..spans.len())
        .map(|k| {
            spans[k]
                .iter()
                .zip(&way_y[k])
                .map(|(l, wy)| (lane_x(*l), wy + dy))
                .collect()
        })
        .collect();

    // Ports: the edges meeting one side of a node are spread over its
    // height in the order they leave it, so arrow heads do not pile up.
    // (node, right side) → (y it leaves towards, edge, is the edge's end).
    type Port = (f64, usize, bool);
    let mut ports: HashMap<(usize, bool), Vec<Port>> = HashMap::new();
    for (k, e) in n.edges.iter().enumerate() {
        let (first, last) = (ways[k][0], ways[k][ways[k].len() - 1]);
        for (node, is_end, (wx, wy)) in [(e.from, false, first), (e.to, true, last)] {
            let right = wx > nodes[node].cx;
            ports
                .entry((node, right))
                .or_default()
                .push((wy, k, is_end));
        }
    }
    let mut port_y: HashMap<(usize, bool), f64> = HashMap::new(); // (edge, is_end)
    for ((node, _), mut list) in ports {
        list.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let k = list.len();
        let span = (NODE_H - 10.0).min(5.0 * (k as f64 - 1.0));
        for (j, (_, edge, is_end)) in list.into_iter().enumerate() {
            let off = if k > 1 {
                -span / 2.0 + span * j as f64 / (k - 1) as f64
            } else {
                0.0
            };
            port_y.insert((edge, is_end), nodes[node].cy + off);
        }
    }
    let curve = |(x0, y0): (f64, f64), (x1, y1): (f64, f64)| -> String {
        let mx = (x0 + x1) / 2.0;
        format!(" C{mx:.1},{y0:.1} {mx:.1},{y1:.1} {x1:.1},{y1:.1}")
    };
    let paths: Vec<String> = n
        .edges
        .iter()
        .enumerate()
        .map(|(k, e)| {
            let w = &ways[k];
            let (first, last) = (w[0], w[w.len() - 1]);
            let (a, b) = (nodes[e.from], nodes[e.to]);
            let ax = if first.0 > a.cx {
                a.cx + a.w / 2.0
            } else {
                a.cx - a.w / 2.0
            };
            // The arrow head needs a few pixels before the border.
            let gap = if e.symmetric { 0.0 } else { 2.0 };
            let bx = if last.0 > b.cx {
                b.cx + b.w / 2.0 + gap
            } else {
                b.cx - b.w / 2.0 - gap
            };
            let ay = port_y.get(&(k, false)).copied().unwrap_or(a.cy);
            let by = port_y.get(&(k, true)).copied().unwrap_or(b.cy);
            let mut d = format!("M{ax:.1},{ay:.1}");
            let mut at = (ax, ay);
            for &p in w {
                d.push_str(&curve(at, p));
                at = p;
            }
            d.push_str(&curve(at, (bx, by)));
            d
        })
        .collect();
    Layout {
        width: width_used.max(560.0),
        height: bottom + dy + MARGIN,
        nodes,
        labels,
        node_text,
        label_text,
        paths,
    }
}

fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 has no place for other control characters.
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn shape(kind: Option<EntityKind>, r: &Rect, fill: &str, stroke: &str, sw: f64) -> String {
    let (x0, y0, x1, y1) = (
        r.cx - r.w / 2.0,
        r.cy - r.h / 2.0,
        r.cx + r.w / 2.0,
        r.cy + r.h / 2.0,
    );
    let paint = format!("fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{sw}\"");
    match kind {
        Some(EntityKind::Person) => format!(
            "<rect x=\"{x0:.1}\" y=\"{y0:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"{:.1}\" {paint}/>",
            r.w,
            r.h,
            r.h / 2.0
        ),
        Some(EntityKind::Place) => {
            let d = 9.0;
            format!(
                "<polygon points=\"{:.1},{:.1} {:.1},{:.1} {:.1},{:.1} {:.1},{:.1} {:.1},{:.1} {:.1},{:.1}\" {paint}/>",
                x0,
                r.cy,
                x0 + d,
                y0,
                x1 - d,
                y0,
                x1,
                r.cy,
                x1 - d,
                y1,
                x0 + d,
                y1
            )
        }
        Some(EntityKind::Work) => {
            let d = 8.0;
            format!(
                "<polygon points=\"{x0:.1},{y0:.1} {:.1},{y0:.1} {x1:.1},{:.1} {x1:.1},{y1:.1} {x0:.1},{y1:.1}\" {paint}/>",
                x1 - d,
                y0 + d
            )
        }
        Some(EntityKind::Other) => format!(
            "<rect x=\"{x0:.1}\" y=\"{y0:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"3\" {paint} stroke-dasharray=\"5 3\"/>",
            r.w, r.h
        ),
        None => format!(
            "<rect x=\"{x0:.1}\" y=\"{y0:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"3\" {paint} stroke-dasharray=\"2 2\"/>",
            r.w, r.h
        ),
        Some(EntityKind::Organization) => format!(
            "<rect x=\"{x0:.1}\" y=\"{y0:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"2\" {paint}/>",
            r.w, r.h
        ),
    }
}

/// The neighbourhood as a standalone SVG picture with a legend.
pub fn to_svg(n: &Neighbourhood) -> String {
    let l = layout(n);
    let legend_h = 70.0;
    let caption = n.caption();
    let width = l
        .width
        .max(620.0)
        .max(text_width(&caption, 15.0) * 1.08 + 2.0 * MARGIN);
    let height = l.height + legend_h;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\" font-family=\"DejaVu Sans, Verdana, Arial, sans-serif\" font-size=\"{FONT}\">"
    );
    let _ = writeln!(s, "<title>{}</title>", xml(&caption));
    let _ = writeln!(
        s,
        "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"9\" markerHeight=\"9\" markerUnits=\"userSpaceOnUse\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#4b5563\"/></marker></defs>"
    );
    let _ = writeln!(s, "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>");
    let _ = writeln!(
        s,
        "<text class=\"caption\" x=\"{MARGIN}\" y=\"{:.1}\" font-size=\"15\" font-weight=\"bold\" fill=\"#111827\">{}</text>",
        MARGIN + 8.0,
        xml(&caption)
    );
    let _ = writeln!(s, "<g class=\"edges\" fill=\"none\">");
    for (k, e) in n.edges.iter().enumerate() {
        let dash = if e.negative {
            " stroke-dasharray=\"6 4\""
        } else {
            ""
        };
        let arrow = if e.symmetric {
            ""
        } else {
            " marker-end=\"url(#arrow)\""
        };
        let _ = writeln!(
            s,
            "<g class=\"edge\" data-from=\"{}\" data-to=\"{}\" data-relation=\"{}\" data-sources=\"{}\"><title>{}</title><path d=\"{}\" stroke=\"#6b7280\" stroke-opacity=\"0.8\" stroke-width=\"{:.1}\"{dash}{arrow}/></g>",
            xml(&n.nodes[e.from].label),
            xml(&n.nodes[e.to].label),
            xml(&e.relation),
            e.sources,
            xml(&n.edge_title(e)),
            l.paths[k],
            stroke_width(e.sources)
        );
    }
    let _ = writeln!(s, "</g>");
    let _ = writeln!(s, "<g class=\"edge-labels\" font-size=\"{LABEL_FONT}\">");
    for (k, e) in n.edges.iter().enumerate() {
        let r = l.labels[k];
        let _ = writeln!(
            s,
            "<g class=\"edge-label\"><title>{}</title><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"3\" fill=\"#ffffff\" fill-opacity=\"0.92\" stroke=\"#e5e7eb\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{}\"{}>{}</text></g>",
            xml(&n.edge_title(e)),
            r.cx - r.w / 2.0,
            r.cy - r.h / 2.0,
            r.w,
            r.h,
            r.cx,
            r.cy + LABEL_FONT * 0.36,
            if e.negative { "#b91c1c" } else { "#374151" },
            if e.negative {
                " font-style=\"italic\""
            } else {
                ""
            },
            xml(&l.label_text[k])
        );
    }
    let _ = writeln!(s, "</g>");
    let _ = writeln!(s, "<g class=\"nodes\">");
    for (i, node) in n.nodes.iter().enumerate() {
        let r = l.nodes[i];
        let (fill, stroke, kind) = style(node.kind);
        let entity = node
            .entity
            .map_or(String::new(), |id| format!(" data-entity=\"{id}\""));
        let (sw, weight) = if i == 0 {
            (2.5, " font-weight=\"bold\"")
        } else {
            (1.2, "")
        };
        let italic = if node.kind.is_none() {
            " font-style=\"italic\""
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "<g class=\"node\" data-kind=\"{kind}\"{entity}><title>{}</title>{}<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#111827\"{weight}{italic}>{}</text></g>",
            xml(&n.node_title(i)),
            shape(node.kind, &r, fill, stroke, sw),
            r.cx,
            r.cy + FONT * 0.36,
            xml(&l.node_text[i])
        );
    }
    let _ = writeln!(s, "</g>");
    // Legend: the kinds, then what an edge's look means.
    let ly = l.height + 10.0;
    let _ = writeln!(s, "<g class=\"legend\" font-size=\"11\" fill=\"#374151\">");
    let mut x = MARGIN;
    let kinds = [
        Some(EntityKind::Person),
        Some(EntityKind::Organization),
        Some(EntityKind::Place),
        Some(EntityKind::Work),
        Some(EntityKind::Other),
        None,
    ];
    for k in kinds {
        let (fill, stroke, name) = style(k);
        let r = Rect {
            cx: x + 14.0,
            cy: ly + 9.0,
            w: 28.0,
            h: 16.0,
        };
        let _ = writeln!(
            s,
            "{}<text x=\"{:.1}\" y=\"{:.1}\">{name}</text>",
            shape(k, &r, fill, stroke, 1.2),
            x + 33.0,
            ly + 13.0
        );
        x += 38.0 + text_width(name, 11.0) + 14.0;
    }
    let mut x = MARGIN;
    let ly2 = ly + 34.0;
    for (sources, text) in [(1, "1 source"), (4, "4 sources"), (12, "12 sources")] {
        let _ = writeln!(
            s,
            "<line x1=\"{x:.1}\" y1=\"{ly2:.1}\" x2=\"{:.1}\" y2=\"{ly2:.1}\" stroke=\"#6b7280\" stroke-width=\"{:.1}\"/><text x=\"{:.1}\" y=\"{:.1}\">{text}</text>",
            x + 30.0,
            stroke_width(sources),
            x + 36.0,
            ly2 + 4.0
        );
        x += 40.0 + text_width(text, 11.0) + 14.0;
    }
    let _ = writeln!(
        s,
        "<line x1=\"{x:.1}\" y1=\"{ly2:.1}\" x2=\"{:.1}\" y2=\"{ly2:.1}\" stroke=\"#6b7280\" stroke-dasharray=\"6 4\"/><text x=\"{:.1}\" y=\"{:.1}\">denied (not ...)</text>",
        x + 30.0,
        x + 36.0,
        ly2 + 4.0
    );
    x += 40.0 + text_width("denied (not ...)", 11.0) + 14.0;
    let _ = writeln!(
        s,
        "<text x=\"{x:.1}\" y=\"{:.1}\">no arrow: holds both ways</text>",
        ly2 + 4.0
    );
    let _ = writeln!(s, "</g>");
    s.push_str("</svg>\n");
    s
}

/// Defined here so that `store.rs` does not depend on the views above it.
impl crate::store::Store {
    /// The entities and values within `depth` facts of the entity `name`
    /// (at most `max_nodes` of them) and the facts between them, ready to
    /// draw with [`render`] as SVG or Graphviz DOT.
    ///
    /// ```
    /// use lore::graph::{render, GraphFormat};
    /// let dir = tempfile::tempdir()?;
    /// let store = lore::Store::open(dir.path().join("db"))?;
    /// store.ingest_text("Talks\n\nAnn Lee met Bob Stone in Paris.", "a.txt")?;
    /// let n = store.neighbourhood("Ann Lee", 1, 30)?;
    /// assert!(render(&n, GraphFormat::Dot).starts_with("digraph"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn neighbourhood(
        &self,
        name: &str,
        depth: usize,
        max_nodes: usize,
    ) -> Result<Neighbourhood> {
        neighbourhood(self, name, depth, max_nodes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_with(jsonl: &str) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("db")).unwrap();
        store
            .import_jsonl(&mut jsonl.as_bytes(), "t.jsonl", &mut |_| {})
            .unwrap();
        (dir, store)
    }

    const STAR: &str = r#"{"type":"document","id":0,"title":"T","origin":"t","hash":"h"}
{"type":"entity","id":0,"name":"Ann Lee","kind":"person"}
{"type":"entity","id":1,"name":"Bob Stone","kind":"person"}
{"type":"entity","id":2,"name":"Acme","kind":"organization"}
{"type":"entity","id":3,"name":"Paris","kind":"place"}
{"type":"entity","id":4,"name":"Eve Far","kind":"person"}
{"type":"fact","subject":"Ann Lee","subject_id":0,"relation":"meet","relation_text":"met","object":"Bob Stone","object_id":1,"sources":[{"doc":0,"sentence":"a"},{"doc":0,"sentence":"b"},{"doc":0,"sentence":"c"}]}
{"type":"fact","subject":"Ann Lee","subject_id":0,"relation":"call","relation_text":"called","object":"Bob Stone","object_id":1,"polarity":"negative","sources":[{"doc":0,"sentence":"d"}]}
{"type":"fact","subject":"Acme","subject_id":2,"relation":"hire","relation_text":"hired","object":"Ann Lee","object_id":0}
{"type":"fact","subject":"Ann Lee","subject_id":0,"relation":"visit","relation_text":"visited","object":"Paris","object_id":3}
{"type":"fact","subject":"Ann Lee","subject_id":0,"relation":"hold role","relation_text":"","object":{"type":"text","value":"Chair"}}
{"type":"fact","subject":"Bob Stone","subject_id":1,"relation":"visit","relation_text":"visited","object":"Paris","object_id":3}
{"type":"fact","subject":"Bob Stone","subject_id":1,"relation":"know","relation_text":"knows","object":"Eve Far","object_id":4}
"#;

    fn labels(n: &Neighbourhood) -> Vec<&str> {
        n.nodes.iter().map(|x| x.label.as_str()).collect()
    }

    #[test]
    fn the_nearest_best_joined_nodes_are_kept_and_the_rest_counted() {
        let (_d, store) = store_with(STAR);
        let n = neighbourhood(&store, "ann lee", 1, 30).unwrap();
        assert_eq!(
            labels(&n),
            ["Ann Lee", "Bob Stone", "Acme", "Paris", "Chair"]
        );
        assert_eq!(n.left_out, 0);
        assert!(n.nodes[4].entity.is_none(), "a literal is a value node");
        // Bob Stone visit Paris joins two outer nodes and is drawn too.
        let edges: Vec<(&str, &str, &str, bool, usize)> = n
            .edges
            .iter()
            .map(|e| {
                (
                    n.nodes[e.from].label.as_str(),
                    e.relation.as_str(),
                    n.nodes[e.to].label.as_str(),
                    e.negative,
                    e.sources,
                )
            })
            .collect();
        assert!(
            edges.contains(&("Ann Lee", "meet", "Bob Stone", false, 3)),
            "{edges:?}"
        );
        assert!(
            edges.contains(&("Ann Lee", "call", "Bob Stone", true, 1)),
            "{edges:?}"
        );
        assert!(
            edges.contains(&("Bob Stone", "visit", "Paris", false, 0)),
            "{edges:?}"
        );
        assert!(!labels(&n).contains(&"Eve Far"));

        let deeper = neighbourhood(&store, "Ann Lee", 2, 30).unwrap();
        let eve = deeper
            .nodes
            .iter()
            .position(|x| x.label == "Eve Far")
            .unwrap();
        assert_eq!(deeper.nodes[eve].distance, 2);
        assert_eq!(deeper.nodes[eve].parent, Some(1), "reached from Bob Stone");

        let small = neighbourhood(&store, "Ann Lee", 2, 3).unwrap();
        assert_eq!(labels(&small), ["Ann Lee", "Bob Stone", "Acme"]);
        assert_eq!(
            small.left_out, 3,
            "Paris and Chair, then Eve Far, each once"
        );
        assert!(
            small.caption().contains("3 more left out"),
            "{}",
            small.caption()
        );

        for bad in [(0, 30), (MAX_DEPTH + 1, 30), (1, 1)] {
            let e = neighbourhood(&store, "Ann Lee", bad.0, bad.1).unwrap_err();
            assert!(e.is_user_error(), "{e}");
        }
        let e = neighbourhood(&store, "Anne Lee", 1, 30)
            .unwrap_err()
            .to_string();
        assert!(e.contains("did you mean `Ann Lee`?"), "{e}");
    }

    fn edge(from: usize, to: usize, relation: &str, sources: usize, fact: FactId) -> Edge {
        Edge {
            from,
            to,
            relation: relation.into(),
            negative: false,
            symmetric: false,
            sources,
            facts: vec![fact],
            folded: Vec::new(),
        }
    }

    fn node(label: &str, distance: usize, parent: Option<usize>) -> Node {
        Node {
            entity: Some(distance as u64),
            kind: Some(EntityKind::Person),
            label: label.into(),
            distance,
            parent,
        }
    }

    #[test]
    fn beyond_the_budget_weak_relations_fold_and_far_pairs_drop() {
        let nodes = vec![
            node("A", 0, None),
            node("B", 1, Some(0)),
            node("C", 1, Some(0)),
        ];
        let mut edges: Vec<Edge> = (0..6)
            .map(|i| edge(1, 0, &format!("r{i}"), 6 - i, i as u64))
            .collect();
        edges.push(edge(0, 2, "x", 1, 10));
        edges.push(edge(1, 2, "y", 9, 11));
        let summary = |kept: &[Edge]| -> Vec<(String, usize, usize)> {
            let mut v: Vec<_> = kept
                .iter()
                .map(|e| (e.relation.clone(), e.folded.len(), e.sources))
                .collect();
            v.sort();
            v
        };
        // Budget 2: the pairs with the centre only, one edge each; B→A's
        // best relation takes in the other five; the B–C pair is not drawn.
        let (kept, hidden) = fold(edges.clone(), &nodes, 2);
        assert_eq!(summary(&kept), [("r0".into(), 5, 21), ("x".into(), 0, 1)]);
        assert_eq!(hidden, 1, "the B–C fact");
        let folded = kept.iter().find(|e| e.relation == "r0").unwrap();
        assert_eq!(Neighbourhood::edge_label(folded), "r0 +5 more");
        assert_eq!(folded.facts, [0, 1, 2, 3, 4, 5]);
        // Budget 4: B–C fits, and B→A gets the slot left: r0, then r1 with the rest.
        let (kept, hidden) = fold(edges, &nodes, 4);
        assert_eq!(
            summary(&kept),
            [
                ("r0".into(), 0, 6),
                ("r1".into(), 4, 15),
                ("x".into(), 0, 1),
                ("y".into(), 0, 9)
            ]
        );
        assert_eq!(hidden, 0);
    }

    /// A neighbourhood with every kind of edge the layout places: a fan of
    /// relations between two nodes, edges within a column, across the
    /// centre, and a second ring.
    fn busy() -> Neighbourhood {
        let mut nodes = vec![node("Centre Person", 0, None)];
        for i in 1..=6 {
            nodes.push(node(&format!("Near {i} with a longer name"), 1, Some(0)));
        }
        for i in 7..=10 {
            nodes.push(node(&format!("Far {i}"), 2, Some(i - 6)));
        }
        nodes.push(Node {
            entity: None,
            kind: None,
            label: "a value".into(),
            distance: 1,
            parent: Some(0),
        });
        let mut edges = Vec::new();
        let mut f = 0;
        let mut add = |a: usize, b: usize, r: &str, s: usize| {
            f += 1;
            edges.push(edge(a, b, r, s, f));
        };
        for r in [
            "meet",
            "tell",
            "warn",
            "ask to speak with",
            "approach",
            "cancel meet",
        ] {
            add(1, 0, r, 3);
        }
        add(2, 0, "accuse", 1);
        add(0, 3, "visit", 2);
        add(0, 4, "call", 1);
        add(0, 5, "praise", 1);
        add(6, 0, "hire", 1);
        add(0, 11, "hold role", 5);
        add(1, 2, "within the left column", 1);
        add(3, 4, "within the right column", 1);
        add(1, 3, "across the centre", 2);
        add(2, 5, "across again", 1);
        add(7, 1, "far left", 1);
        add(8, 1, "far left too", 1);
        add(9, 3, "far right", 1);
        add(7, 9, "from far left to far right", 1);
        let mut n = Neighbourhood {
            nodes,
            edges,
            depth: 2,
            left_out: 0,
            hidden_facts: 0,
        };
        // Give the sides something to decide: 1 and 2 act on the centre.
        n.edges[0].negative = true;
        n
    }

    #[test]
    fn no_label_overlaps_another_label_or_a_node() {
        let n = busy();
        let l = layout(&n);
        let boxes: Vec<(String, Rect)> = l
            .nodes
            .iter()
            .enumerate()
            .map(|(i, r)| (format!("node {}", n.nodes[i].label), *r))
            .chain(
                l.labels
                    .iter()
                    .enumerate()
                    .map(|(k, r)| (format!("label {}", l.label_text[k]), *r)),
            )
            .collect();
        for (i, (a, ra)) in boxes.iter().enumerate() {
            assert!(
                ra.cx - ra.w / 2.0 >= 0.0 && ra.cy - ra.h / 2.0 >= 0.0,
                "{a} is off the picture"
            );
            assert!(
                ra.cx + ra.w / 2.0 <= l.width && ra.cy + ra.h / 2.0 <= l.height,
                "{a} is off the picture"
            );
            for (b, rb) in &boxes[i + 1..] {
                assert!(!ra.overlaps(rb), "{a} {ra:?} overlaps {b} {rb:?}");
            }
        }
        // Entities acting on the centre are on its left, those it acts on to the right.
        let c = l.nodes[0].cx;
        assert!(l.nodes[1].cx < c && l.nodes[2].cx < c, "{:?}", l.nodes);
        assert!(l.nodes[3].cx > c && l.nodes[11].cx > c, "{:?}", l.nodes);
        assert!(
            l.nodes[7].cx < l.nodes[1].cx,
            "the second ring is further out"
        );
    }

    #[test]
    fn svg_is_well_formed_with_escaped_text_and_a_legend() {
        let mut n = busy();
        n.nodes[0].label = "Tom & \"Jerry\" <Ltd> 'x'\u{1}".into();
        n.edges[1].relation = "a < b & c".into();
        let svg = to_svg(&n);
        let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        let class = |c: &str| {
            root.descendants()
                .filter(|d| d.attribute("class") == Some(c))
                .count()
        };
        assert_eq!(class("node"), n.nodes.len());
        assert_eq!(class("edge"), n.edges.len());
        assert_eq!(class("edge-label"), n.edges.len());
        assert_eq!(class("legend"), 1);
        let texts: Vec<&str> = root.descendants().filter_map(|d| d.text()).collect();
        assert!(texts.contains(&"Tom & \"Jerry\" <Ltd> 'x' "), "{texts:?}");
        assert!(texts.contains(&"a < b & c"), "{texts:?}");
        let dashed = root
            .descendants()
            .filter(|d| d.attribute("class") == Some("edge"))
            .filter(|d| {
                d.descendants()
                    .any(|p| p.attribute("stroke-dasharray").is_some())
            })
            .count();
        assert_eq!(dashed, 1, "the denied edge is dashed");
    }

    #[test]
    fn dot_quotes_names_and_draws_one_edge_per_relation() {
        let mut n = busy();
        n.nodes[0].label = "Say \"hi\" \\ bye\nnow".into();
        let dot = to_dot(&n);
        assert!(dot.starts_with("digraph lore {\n") && dot.ends_with("}\n"));
        assert!(
            dot.contains("n0 [label=\"Say \\\"hi\\\" \\\\ bye\\nnow\""),
            "{dot}"
        );
        let edges = dot.lines().filter(|l| l.contains(" -> ")).count();
        assert_eq!(edges, n.edges.len());
        assert!(dot.contains("n1 -> n0 [label=\"not meet\""), "{dot}");
        assert!(dot.contains("style=dashed"));
    }

    #[test]
    fn text_widths_grow_with_the_text_and_names_are_shortened() {
        assert!(text_width("mmmm", 13.0) > text_width("iiii", 13.0));
        assert!(text_width("北京", 13.0) > text_width("ab", 13.0));
        let long = "x".repeat(100);
        assert_eq!(shorten(&long, 10).chars().count(), 10);
        assert!(shorten(&long, 10).ends_with('…'));
        assert_eq!(shorten("short", 10), "short");
        assert!(stroke_width(1) < stroke_width(4) && stroke_width(1000) <= 8.0);
    }

    #[test]
    fn pack_keeps_order_and_gaps_and_stays_near_the_wish() {
        let placed = pack(&[0.0, 0.0, 0.0, 100.0], &[10.0; 4], &[1.0; 4], 2.0);
        for w in placed.windows(2) {
            assert!(w[1] - w[0] >= 12.0 - 1e-9, "{placed:?}");
        }
        assert!(
            (placed[1] - 0.0).abs() < 1e-9,
            "the three centre on their wish: {placed:?}"
        );
        assert!((placed[3] - 100.0).abs() < 1e-9, "{placed:?}");
        let heavy = pack(&[0.0, 5.0], &[10.0, 10.0], &[1e6, 1.0], 0.0);
        assert!(heavy[0].abs() < 0.01, "a heavy item stays put: {heavy:?}");
    }
}
