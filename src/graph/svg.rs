//! The SVG writer: a laid-out neighbourhood drawn with a legend, [`to_svg`].

use std::fmt::Write as _;

use super::layout::{FONT, LABEL_FONT, MARGIN, Rect, layout, text_width};
use super::{Neighbourhood, stroke_width, style};
use crate::model::EntityKind;

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
