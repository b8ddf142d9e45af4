//! The layered layout of an SVG picture (see the `graph` module docs): [`layout`].

use std::collections::HashMap;

use super::Neighbourhood;

pub(super) const FONT: f64 = 13.0;
pub(super) const LABEL_FONT: f64 = 11.0;
const NODE_H: f64 = 30.0;
const NODE_GAP: f64 = 16.0;
const LABEL_H: f64 = 16.0;
const LABEL_GAP: f64 = 3.0;
const LANE_MIN: f64 = 70.0;
pub(super) const MARGIN: f64 = 24.0;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::stroke_width;

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
