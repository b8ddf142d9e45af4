//! Graphviz DOT for a neighbourhood: [`to_dot`].

use std::fmt::Write as _;

use super::{Neighbourhood, stroke_width, style};
use crate::model::EntityKind;

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
