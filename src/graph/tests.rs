//! Unit tests of the neighbourhood, its folding, layout, SVG and DOT.

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
