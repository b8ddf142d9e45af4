//! Reading N-Triples into the store: parse, interpret the graph, import
//! through the JSONL importer.

use std::collections::{HashMap, HashSet};
use std::io::BufRead;

use super::{FOAF, OWL, QUALIFIER, RDF, RDFS, SCHEMA, SKOS, VOCAB, XSD, date_type, decode_segment};
use crate::error::{Error, Result};
use crate::jsonl::{self, BadLines, DocRef, FactLine, Importer, Match, ObjectLine, Read};
use crate::model::{Document, EntityKind, Literal, Polarity, Qualifiers};
use crate::storage::Storage;
use crate::store::{ImportOptions, ImportSummary};

/// A node of the graph being imported: an IRI or a blank node.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum NodeName {
    Iri(String),
    Blank(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Lit {
    value: String,
    /// Full datatype IRI.
    datatype: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum O {
    Node(u32),
    Lit(u32),
}

struct T {
    s: u32,
    p: u32,
    o: O,
    line: u64,
}

/// The triples of a file, with nodes and literals interned.
#[derive(Default)]
struct Graph {
    nodes: Vec<NodeName>,
    node_ids: HashMap<NodeName, u32>,
    lits: Vec<Lit>,
    lit_ids: HashMap<Lit, u32>,
    triples: Vec<T>,
}

impl Graph {
    fn node(&mut self, n: NodeName) -> u32 {
        if let Some(id) = self.node_ids.get(&n) {
            return *id;
        }
        let id = self.nodes.len() as u32;
        self.nodes.push(n.clone());
        self.node_ids.insert(n, id);
        id
    }

    fn lit(&mut self, l: Lit) -> u32 {
        if let Some(id) = self.lit_ids.get(&l) {
            return *id;
        }
        let id = self.lits.len() as u32;
        self.lits.push(l.clone());
        self.lit_ids.insert(l, id);
        id
    }

    fn iri_id(&self, iri: &str) -> Option<u32> {
        self.node_ids.get(&NodeName::Iri(iri.to_string())).copied()
    }

    fn add(&mut self, t: oxrdf::Triple, line: u64) {
        let s = match t.subject {
            oxrdf::NamedOrBlankNode::NamedNode(n) => self.node(NodeName::Iri(n.into_string())),
            oxrdf::NamedOrBlankNode::BlankNode(b) => self.node(NodeName::Blank(b.into_string())),
        };
        let p = self.node(NodeName::Iri(t.predicate.into_string()));
        let o = match t.object {
            oxrdf::Term::NamedNode(n) => O::Node(self.node(NodeName::Iri(n.into_string()))),
            oxrdf::Term::BlankNode(b) => O::Node(self.node(NodeName::Blank(b.into_string()))),
            oxrdf::Term::Literal(l) => {
                let (value, datatype, _lang) = l.destruct();
                let datatype =
                    datatype.map_or_else(|| format!("{XSD}string"), oxrdf::NamedNode::into_string);
                O::Lit(self.lit(Lit { value, datatype }))
            }
        };
        self.triples.push(T { s, p, o, line });
    }
}

/// What a node is, by how the graph uses it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Entity,
    Statement,
    Source,
    Document,
    /// A predicate or class: described, never an entity.
    Term,
}

/// The last segment of an IRI (after `#`, else `/`, else `:`), decoded.
fn local_name(n: &NodeName) -> String {
    match n {
        NodeName::Blank(b) => b.clone(),
        NodeName::Iri(i) => {
            let cut = i
                .rfind('#')
                .or_else(|| i.trim_end_matches('/').rfind('/'))
                .or_else(|| i.rfind(':'));
            let seg = cut
                .map_or(i.as_str(), |c| &i[c + 1..])
                .trim_end_matches('/');
            let name = decode_segment(seg);
            if name.trim().is_empty() {
                i.clone()
            } else {
                name
            }
        }
    }
}

/// `worksFor` → `works For`: RDF vocabularies name properties in camelCase,
/// lore's relations are words (normalized later: "work for").
fn words_of(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut prev: Option<char> = None;
    for c in name.chars() {
        if c.is_uppercase() && prev.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit()) {
            out.push(' ');
        }
        out.push(c);
        prev = Some(c);
    }
    out
}

fn class_kind(n: &NodeName) -> Option<EntityKind> {
    let NodeName::Iri(iri) = n else {
        return None;
    };
    let local = local_name(n).to_ascii_lowercase();
    let kind = match local.as_str() {
        "person" | "agent" | "human" => EntityKind::Person,
        "organization" | "organisation" | "corporation" | "governmentorganization" | "company" => {
            EntityKind::Organization
        }
        "place" | "country" | "city" | "location" | "administrativearea" | "spatialthing" => {
            EntityKind::Place
        }
        "creativework" | "work" | "event" => EntityKind::Work,
        "thing" => EntityKind::Other,
        _ => return None,
    };
    // rdf:Statement and friends are not kinds; only classes of other vocabularies.
    (!iri.starts_with(RDF) && !iri.starts_with(VOCAB)).then_some(kind)
}

fn literal_value(l: &Lit) -> Literal {
    let dt = l.datatype.strip_prefix(XSD).unwrap_or("");
    match dt {
        "date" | "gYearMonth" | "gYear" => Literal::Date(l.value.clone()),
        "dateTime" if l.value.len() >= 10 && date_type(&l.value[..10]).is_some() => {
            Literal::Date(l.value[..10].to_string())
        }
        "integer" | "int" | "long" | "short" | "byte" | "decimal" | "double" | "float"
        | "nonNegativeInteger" | "positiveInteger" | "negativeInteger" | "nonPositiveInteger"
        | "unsignedInt" | "unsignedLong" | "unsignedShort" | "unsignedByte" => {
            match l.value.trim().parse::<f64>() {
                Ok(n) => Literal::Number(n),
                Err(_) => Literal::Text(l.value.clone()),
            }
        }
        _ => Literal::Text(l.value.clone()),
    }
}

/// Vocabulary ids the interpretation compares against (`None`: not in the file).
struct Vocab {
    rdf_type: Option<u32>,
    subject: Option<u32>,
    predicate: Option<u32>,
    object: Option<u32>,
    statement: Option<u32>,
    source: Option<u32>,
    source_class: Option<u32>,
    document: Option<u32>,
    document_class: Option<u32>,
    labels: Vec<u32>,
    pref_label: Option<u32>,
    rdf_property: Vec<u32>,
}

impl Vocab {
    fn new(g: &Graph) -> Vocab {
        let id = |iri: String| g.iri_id(&iri);
        Vocab {
            rdf_type: id(format!("{RDF}type")),
            subject: id(format!("{RDF}subject")),
            predicate: id(format!("{RDF}predicate")),
            object: id(format!("{RDF}object")),
            statement: id(format!("{RDF}Statement")),
            source: id(format!("{VOCAB}source")),
            source_class: id(format!("{VOCAB}Source")),
            document: id(format!("{VOCAB}document")),
            document_class: id(format!("{VOCAB}Document")),
            labels: [
                format!("{RDFS}label"),
                format!("{SKOS}prefLabel"),
                format!("{SKOS}altLabel"),
                format!("{SCHEMA}name"),
                "https://schema.org/name".to_string(),
                format!("{FOAF}name"),
            ]
            .into_iter()
            .filter_map(id)
            .collect(),
            pref_label: id(format!("{SKOS}prefLabel")),
            rdf_property: [
                format!("{RDF}Property"),
                format!("{OWL}ObjectProperty"),
                format!("{OWL}DatatypeProperty"),
            ]
            .into_iter()
            .filter_map(id)
            .collect(),
        }
    }
}

/// A predicate that describes nodes rather than stating a fact.
fn is_vocabulary(iri: &str) -> bool {
    [RDF, RDFS, OWL, SKOS, VOCAB, QUALIFIER]
        .iter()
        .any(|ns| iri.starts_with(ns))
        || iri.ends_with("/name") && (iri.starts_with(SCHEMA) || iri.starts_with(FOAF))
        || iri == "https://schema.org/name"
}

/// Reads N-Triples from `input` and imports what it says (see the module docs).
///
/// The whole file is parsed and checked before anything is written, so
/// without `opts.keep_going` a bad line leaves the store as it was.
pub fn import(
    storage: &Storage,
    input: &mut dyn BufRead,
    name: &str,
    opts: &ImportOptions,
    on_error: &mut dyn FnMut(Error),
    progress: &mut dyn FnMut(u64),
) -> Result<ImportSummary> {
    let mut bad = BadLines::new(name, opts, on_error);
    let mut g = Graph::default();
    let mut buf = Vec::new();
    let mut lineno = 0u64;
    loop {
        let read = jsonl::read_line(input, &mut buf, name, lineno + 1, opts.keep_going)?;
        lineno += 1;
        match read {
            Read::End => break,
            Read::TooLong => bad.bad(lineno, jsonl::too_long(), 0)?,
            Read::Line => {
                for t in oxttl::NTriplesParser::new().for_slice(&buf) {
                    match t {
                        Ok(t) => g.add(t, lineno),
                        Err(e) => {
                            let col = e.location().start.column + 1;
                            bad.bad(
                                lineno,
                                format!(
                                    "not N-Triples at column {col}: {}; each line must be `<subject> <predicate> object .`",
                                    e.message()
                                ),
                                0,
                            )?;
                            break;
                        }
                    }
                }
            }
        }
        if lineno.is_multiple_of(10_000) {
            progress(lineno);
        }
    }
    let lines = lineno - 1;
    progress(lines);
    let plan = interpret(&g, &mut bad)?;
    let mut imp = Importer::new(storage, name);
    for (id, d) in plan.documents {
        imp.document(u64::from(id), d)?;
    }
    for e in plan.entities {
        imp.entity(
            Some(u64::from(e.node)),
            e.name,
            e.kind,
            e.aliases,
            Match::Stored,
        )?;
    }
    for f in plan.facts {
        imp.fact(f)?;
    }
    let mut summary = imp.finish()?;
    summary.lines = lines;
    summary.skipped = bad.skipped;
    summary.ignored = plan.ignored;
    Ok(summary)
}

struct EntityPlan {
    node: u32,
    name: String,
    kind: EntityKind,
    aliases: Vec<String>,
}

/// What a graph becomes: rows to write, in file order.
struct Plan {
    documents: Vec<(u32, Document)>,
    entities: Vec<EntityPlan>,
    facts: Vec<FactLine>,
    ignored: u64,
}

fn interpret(g: &Graph, bad: &mut BadLines<'_>) -> Result<Plan> {
    let v = Vocab::new(g);
    let n = g.nodes.len();
    let mut by_subject: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut first_line = vec![u64::MAX; n];
    let mut roles: Vec<Option<Role>> = vec![None; n];
    let set_role = |roles: &mut Vec<Option<Role>>, node: u32, r: Role| {
        let slot = &mut roles[node as usize];
        // A node's strongest use wins: statement, source, document, term, entity.
        let rank = |r: Role| match r {
            Role::Statement => 0,
            Role::Source => 1,
            Role::Document => 2,
            Role::Term => 3,
            Role::Entity => 4,
        };
        if slot.is_none_or(|old| rank(r) < rank(old)) {
            *slot = Some(r);
        }
    };
    for (i, t) in g.triples.iter().enumerate() {
        by_subject[t.s as usize].push(i);
        first_line[t.s as usize] = first_line[t.s as usize].min(t.line);
        if let O::Node(o) = t.o {
            first_line[o as usize] = first_line[o as usize].min(t.line);
        }
        set_role(&mut roles, t.p, Role::Term);
        let p = Some(t.p);
        let o_node = match t.o {
            O::Node(o) => Some(o),
            O::Lit(_) => None,
        };
        if p == v.rdf_type {
            if let Some(o) = o_node {
                set_role(&mut roles, o, Role::Term);
                if Some(o) == v.statement {
                    set_role(&mut roles, t.s, Role::Statement);
                } else if Some(o) == v.source_class {
                    set_role(&mut roles, t.s, Role::Source);
                } else if Some(o) == v.document_class {
                    set_role(&mut roles, t.s, Role::Document);
                } else if v.rdf_property.contains(&o) {
                    set_role(&mut roles, t.s, Role::Term);
                } else {
                    set_role(&mut roles, t.s, Role::Entity);
                }
            }
        } else if p == v.subject || p == v.predicate || p == v.object {
            set_role(&mut roles, t.s, Role::Statement);
            if let Some(o) = o_node {
                let r = if p == v.predicate {
                    Role::Term
                } else {
                    Role::Entity
                };
                set_role(&mut roles, o, r);
            }
        } else if p == v.source {
            set_role(&mut roles, t.s, Role::Statement);
            if let Some(o) = o_node {
                set_role(&mut roles, o, Role::Source);
            }
        } else if p == v.document {
            set_role(&mut roles, t.s, Role::Source);
            if let Some(o) = o_node {
                set_role(&mut roles, o, Role::Document);
            }
        } else if v.labels.contains(&t.p) {
            set_role(&mut roles, t.s, Role::Entity);
        } else if !is_vocabulary(iri_of(g, t.p)) {
            set_role(&mut roles, t.s, Role::Entity);
            if let Some(o) = o_node {
                set_role(&mut roles, o, Role::Entity);
            }
        }
    }
    let role = |node: u32| roles[node as usize];
    let lit = |t: &T| match t.o {
        O::Lit(l) => Some(&g.lits[l as usize]),
        O::Node(_) => None,
    };
    let props = |node: u32, pred: &str| -> Vec<&T> {
        let Some(p) = g.iri_id(pred) else {
            return Vec::new();
        };
        by_subject[node as usize]
            .iter()
            .map(|i| &g.triples[*i])
            .filter(|t| t.p == p)
            .collect()
    };
    let first_text = |node: u32, pred: &str| -> Option<String> {
        props(node, pred)
            .into_iter()
            .find_map(|t| lit(t).map(|l| l.value.clone()))
    };
    let labels = |node: u32| -> Vec<String> {
        by_subject[node as usize]
            .iter()
            .map(|i| &g.triples[*i])
            .filter(|t| v.labels.contains(&t.p))
            .filter_map(|t| lit(t).map(|l| l.value.clone()))
            .collect()
    };

    // Documents, in file order.
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_by_key(|id| (first_line[*id as usize], *id));
    let mut documents = Vec::new();
    for &d in &order {
        if role(d) != Some(Role::Document) {
            continue;
        }
        let origin = first_text(d, &format!("{VOCAB}origin")).unwrap_or_else(|| {
            match &g.nodes[d as usize] {
                NodeName::Iri(i) => i.clone(),
                NodeName::Blank(b) => format!("_:{b}"),
            }
        });
        documents.push((
            d,
            Document {
                id: 0,
                title: first_text(d, &format!("{VOCAB}title"))
                    .unwrap_or_else(|| local_name(&g.nodes[d as usize])),
                origin,
                published: first_text(d, &format!("{VOCAB}published")),
                byline: first_text(d, &format!("{VOCAB}byline")),
                dateline: first_text(d, &format!("{VOCAB}dateline")),
                hash: first_text(d, &format!("{VOCAB}hash")).unwrap_or_default(),
            },
        ));
    }

    // Entities, in file order.
    let mut entities = Vec::new();
    let mut entity_names: HashMap<u32, String> = HashMap::new();
    for &e in &order {
        if role(e) != Some(Role::Entity) {
            continue;
        }
        let all = labels(e);
        let name = v
            .pref_label
            .and_then(|p| {
                by_subject[e as usize]
                    .iter()
                    .map(|i| &g.triples[*i])
                    .find(|t| t.p == p)
                    .and_then(|t| lit(t).map(|l| l.value.clone()))
            })
            .or_else(|| all.first().cloned())
            .unwrap_or_else(|| local_name(&g.nodes[e as usize]));
        let mut aliases: Vec<String> = Vec::new();
        for a in all {
            if a != name && !aliases.contains(&a) {
                aliases.push(a);
            }
        }
        let kind = v
            .rdf_type
            .map(|ty| {
                by_subject[e as usize]
                    .iter()
                    .map(|i| &g.triples[*i])
                    .filter(|t| t.p == ty)
                    .find_map(|t| match t.o {
                        O::Node(c) => class_kind(&g.nodes[c as usize]),
                        O::Lit(_) => None,
                    })
            })
            .unwrap_or(None)
            .unwrap_or(EntityKind::Other);
        entity_names.insert(e, name.clone());
        entities.push(EntityPlan {
            node: e,
            name,
            kind,
            aliases,
        });
    }

    let relation_name = |p: u32| -> String {
        labels(p)
            .into_iter()
            .next()
            .unwrap_or_else(|| words_of(&local_name(&g.nodes[p as usize])))
    };
    let object_line = |o: O| -> ObjectLine {
        match o {
            O::Node(id) => ObjectLine::Name(
                entity_names
                    .get(&id)
                    .cloned()
                    .unwrap_or_else(|| local_name(&g.nodes[id as usize])),
            ),
            O::Lit(l) => match literal_value(&g.lits[l as usize]) {
                Literal::Number(x) => ObjectLine::Number(x),
                other => ObjectLine::Literal(other.into()),
            },
        }
    };

    // Facts: reified statements and plain triples, in file order; a plain
    // triple that a positive statement also states is that statement's fact.
    let mut facts: Vec<(u64, FactLine)> = Vec::new();
    let mut stated: HashSet<(u32, u32, O)> = HashSet::new();
    let mut ignored = 0u64;
    for &st in &order {
        if role(st) != Some(Role::Statement) {
            continue;
        }
        let line = first_line[st as usize];
        match statement(
            g,
            st,
            &by_subject[st as usize],
            &props,
            &lit,
            &role,
            &relation_name,
            &object_line,
        ) {
            Ok((key, fact)) => {
                if fact.polarity == Polarity::Positive {
                    stated.insert(key);
                }
                facts.push((line, fact));
            }
            Err(reason) => bad.bad(line, reason, 0)?,
        }
    }
    for t in &g.triples {
        let p_iri = iri_of(g, t.p);
        let s_role = role(t.s);
        if Some(t.p) == v.rdf_type && s_role == Some(Role::Entity) || v.labels.contains(&t.p) {
            continue;
        }
        let about_entity = s_role == Some(Role::Entity);
        let object_ok = match t.o {
            O::Node(o) => role(o) == Some(Role::Entity),
            O::Lit(_) => true,
        };
        if is_vocabulary(p_iri) {
            // Read with the node it describes (statements, sources, documents,
            // relation labels) or, like owl:sameAs, something lore cannot hold.
            let described = matches!(
                s_role,
                Some(Role::Statement | Role::Source | Role::Document | Role::Term)
            ) && (p_iri.starts_with(VOCAB)
                || p_iri.starts_with(QUALIFIER)
                || p_iri.starts_with(RDF));
            if !described {
                ignored += 1;
            }
            continue;
        }
        if !about_entity || !object_ok {
            ignored += 1;
            continue;
        }
        if stated.contains(&(t.s, t.p, t.o)) {
            continue;
        }
        facts.push((
            t.line,
            FactLine {
                id: None,
                subject: entity_names.get(&t.s).cloned().unwrap_or_default(),
                subject_id: Some(u64::from(t.s)),
                relation: relation_name(t.p),
                relation_text: None,
                object: object_line(t.o),
                object_id: match t.o {
                    O::Node(o) => Some(u64::from(o)),
                    O::Lit(_) => None,
                },
                qualifiers: Qualifiers::new(),
                polarity: Polarity::Positive,
                sources: Vec::new(),
                confidence: 0.5,
                subject_kind: None,
                object_kind: None,
                sentence: None,
                document: None,
            },
        ));
    }
    facts.sort_by_key(|(line, _)| *line);
    Ok(Plan {
        documents,
        entities,
        facts: facts.into_iter().map(|(_, f)| f).collect(),
        ignored,
    })
}

fn iri_of(g: &Graph, node: u32) -> &str {
    match &g.nodes[node as usize] {
        NodeName::Iri(i) => i,
        NodeName::Blank(_) => "",
    }
}

/// One reified statement as a fact, with the (subject, predicate, object)
/// it states; `Err` says what is missing.
#[allow(clippy::too_many_arguments)] // the interpretation's shared lookups
fn statement<'g>(
    g: &'g Graph,
    st: u32,
    own: &[usize],
    props: &dyn Fn(u32, &str) -> Vec<&'g T>,
    lit: &dyn Fn(&T) -> Option<&'g Lit>,
    role: &dyn Fn(u32) -> Option<Role>,
    relation_name: &dyn Fn(u32) -> String,
    object_line: &dyn Fn(O) -> ObjectLine,
) -> std::result::Result<((u32, u32, O), FactLine), String> {
    let me = match &g.nodes[st as usize] {
        NodeName::Iri(i) => format!("<{i}>"),
        NodeName::Blank(b) => format!("_:{b}"),
    };
    let one = |pred: &str, what: &str| -> std::result::Result<O, String> {
        let found = props(st, &format!("{RDF}{pred}"));
        match found.as_slice() {
            [t] => Ok(t.o),
            [] => Err(format!(
                "the statement {me} has no rdf:{pred} ({what}); a reified fact needs rdf:subject, rdf:predicate and rdf:object"
            )),
            more => Err(format!(
                "the statement {me} has {} rdf:{pred} values; give it one",
                more.len()
            )),
        }
    };
    let O::Node(s) = one("subject", "the entity it is about")? else {
        return Err(format!(
            "the rdf:subject of {me} is a literal; it must be an entity"
        ));
    };
    let O::Node(p) = one("predicate", "the relation")? else {
        return Err(format!(
            "the rdf:predicate of {me} is a literal; it must be an IRI"
        ));
    };
    let o = one("object", "an entity or a value")?;
    if role(s) != Some(Role::Entity) {
        return Err(format!("the rdf:subject of {me} is not an entity"));
    }
    if let O::Node(on) = o
        && role(on) != Some(Role::Entity)
    {
        return Err(format!(
            "the rdf:object of {me} is not an entity or a value"
        ));
    }
    let text = |pred: &str| -> Option<String> {
        props(st, &format!("{VOCAB}{pred}"))
            .into_iter()
            .find_map(|t| lit(t).map(|l| l.value.clone()))
    };
    let polarity = match props(st, &format!("{VOCAB}polarity")).first().map(|t| t.o) {
        None => Polarity::Positive,
        Some(O::Node(n)) => match local_name(&g.nodes[n as usize]).to_lowercase().as_str() {
            "negative" => Polarity::Negative,
            "positive" => Polarity::Positive,
            other => {
                return Err(format!(
                    "lore:polarity of {me} is {other:?}; it must be lore:Positive or lore:Negative"
                ));
            }
        },
        Some(O::Lit(l)) => match g.lits[l as usize].value.to_lowercase().as_str() {
            "negative" => Polarity::Negative,
            "positive" => Polarity::Positive,
            other => {
                return Err(format!(
                    "lore:polarity of {me} is {other:?}; it must be lore:Positive or lore:Negative"
                ));
            }
        },
    };
    let confidence = match text("confidence") {
        None => 0.5,
        Some(c) => c.trim().parse::<f32>().map_err(|_| {
            format!("lore:confidence of {me} is {c:?}; it must be a number from 0 to 1")
        })?,
    };
    let mut qualifiers = Qualifiers::new();
    for t in own.iter().map(|i| &g.triples[*i]) {
        if let Some(key) = iri_of(g, t.p).strip_prefix(QUALIFIER) {
            let value = match t.o {
                O::Lit(l) => g.lits[l as usize].value.clone(),
                O::Node(n) => local_name(&g.nodes[n as usize]),
            };
            qualifiers.entry(decode_segment(key)).or_insert(value);
        }
    }
    let mut sources = Vec::new();
    for t in props(st, &format!("{VOCAB}source")) {
        let O::Node(src) = t.o else {
            return Err(format!(
                "a lore:source of {me} is a literal; it must be a lore:Source node"
            ));
        };
        let src_name = local_name(&g.nodes[src as usize]);
        let doc = match props(src, &format!("{VOCAB}document")).first().map(|t| t.o) {
            Some(O::Node(d)) => DocRef::Id(u64::from(d)),
            _ => {
                return Err(format!(
                    "the source {src_name} of {me} has no lore:document; every source names its document"
                ));
            }
        };
        let int =
            |pred: &str| -> std::result::Result<u64, String> {
                match props(src, &format!("{VOCAB}{pred}")).first().and_then(|t| lit(t)) {
                None => Ok(0),
                Some(l) => l.value.trim().parse::<u64>().map_err(|_| {
                    format!(
                        "lore:{pred} of the source {src_name} is {:?}; it must be a byte offset",
                        l.value
                    )
                }),
            }
            };
        sources.push(jsonl::SourceLine {
            doc,
            sentence: props(src, &format!("{VOCAB}sentence"))
                .first()
                .and_then(|t| lit(t))
                .map(|l| l.value.clone())
                .unwrap_or_default(),
            span: (int("start")?, int("end")?),
        });
    }
    let ObjectLine::Name(subject) = object_line(O::Node(s)) else {
        return Err(format!("the rdf:subject of {me} is not an entity"));
    };
    Ok((
        (s, p, o),
        FactLine {
            id: None,
            subject,
            subject_id: Some(u64::from(s)),
            relation: relation_name(p),
            relation_text: text("relationText"),
            object: object_line(o),
            object_id: match o {
                O::Node(n) => Some(u64::from(n)),
                O::Lit(_) => None,
            },
            qualifiers,
            polarity,
            sources,
            confidence,
            subject_kind: None,
            object_kind: None,
            sentence: None,
            document: None,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_names_come_from_the_last_segment() {
        let iri = |s: &str| NodeName::Iri(s.into());
        assert_eq!(local_name(&iri("http://ex.org/people/Ann_Lee")), "Ann Lee");
        assert_eq!(local_name(&iri("http://ex.org/v#knows")), "knows");
        assert_eq!(local_name(&iri("urn:isbn:123")), "123");
        assert_eq!(local_name(&iri("http://ex.org/caf%C3%A9/")), "café");
        assert_eq!(local_name(&NodeName::Blank("b0".into())), "b0");
        assert_eq!(decode_segment("100%"), "100%");
        assert_eq!(decode_segment("%zz%4"), "%zz%4");
        assert_eq!(words_of("worksFor"), "works For");
        assert_eq!(words_of("birthPlace2023Edition"), "birth Place2023 Edition");
        assert_eq!(words_of("knows"), "knows");
    }
}
