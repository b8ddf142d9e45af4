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
//!
//! This file holds the neighbourhood and what both pictures share; `dot.rs`
//! writes DOT ([`to_dot`]), `layout.rs` places nodes, labels and edges
//! ([`layout`]), `svg.rs` writes SVG ([`to_svg`]), and `tests.rs` holds the
//! unit tests.

use std::collections::{HashMap, HashSet};

use crate::error::{Error, Result};
use crate::model::{EntityId, EntityKind, FactId, RelId};
use crate::storage::{IndexKind, ObjKey, Storage, Triple};
use crate::store::Store;

mod dot;
mod layout;
mod png;
mod svg;

pub use dot::to_dot;
pub use layout::{Layout, Rect, layout, text_width};
pub use svg::to_svg;

/// How far from the entity a picture reaches unless told otherwise.
pub const DEFAULT_DEPTH: usize = 1;
/// The deepest picture lore draws.
pub const MAX_DEPTH: usize = 6;
/// Most nodes in a picture unless told otherwise: beyond about this many a
/// picture stops being readable.
pub const DEFAULT_MAX_NODES: usize = 30;

/// The ways `lore graph` draws.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum GraphFormat {
    /// A standalone SVG picture, laid out by lore.
    #[default]
    Svg,
    /// Graphviz DOT, for `dot -Tpng` and friends.
    Dot,
    /// The SVG picture rendered as PNG in process (resvg).
    Png,
}

impl GraphFormat {
    /// The format a file name asks for: DOT for `.dot` or `.gv`, PNG for
    /// `.png`, SVG for `.svg` or no extension. Any other extension is
    /// refused with what to do instead (the message), rather than SVG
    /// written into a file no image viewer opens.
    pub fn from_path(path: &std::path::Path) -> std::result::Result<GraphFormat, String> {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("dot") || e.eq_ignore_ascii_case("gv") => {
                Ok(GraphFormat::Dot)
            }
            Some(e) if e.eq_ignore_ascii_case("png") => Ok(GraphFormat::Png),
            Some(e) if e.eq_ignore_ascii_case("svg") => Ok(GraphFormat::Svg),
            None => Ok(GraphFormat::Svg),
            Some(e) => Err(format!(
                "lore draws SVG (.svg), PNG (.png) or Graphviz DOT (.dot, .gv), not .{e}; \
                 name the file .svg or .png, or write .dot and convert it with Graphviz"
            )),
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

/// Draws a neighbourhood as text: SVG, or DOT when `format` asks for it
/// (a PNG is [`draw`]n from the SVG).
pub fn render(n: &Neighbourhood, format: GraphFormat) -> String {
    match format {
        GraphFormat::Svg | GraphFormat::Png => to_svg(n),
        GraphFormat::Dot => to_dot(n),
    }
}

/// Draws a neighbourhood in `format`, as the bytes of the file.
pub fn draw(n: &Neighbourhood, format: GraphFormat) -> crate::error::Result<Vec<u8>> {
    match format {
        GraphFormat::Png => png::svg_to_png(&to_svg(n)).map_err(crate::error::Error::Picture),
        _ => Ok(render(n, format).into_bytes()),
    }
}

/// A file name for the picture of `n`: the centre's name in lowercase
/// letters and digits joined by `-`, then `.svg`, `.dot` or `.png`.
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
        GraphFormat::Png => format!("{stem}.png"),
    }
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
mod tests;
