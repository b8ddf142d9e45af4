//! The SVG picture as PNG, rendered in process by resvg (no Graphviz, no
//! browser). Its text is set in DejaVu Sans, compiled in
//! (`data/fonts/DejaVuSans.ttf`, Bitstream Vera licence with DejaVu's
//! public-domain changes: `data/fonts/DejaVuSans-LICENSE.txt`), so that a
//! machine without fonts draws the same labels; the SVG names that family
//! first.

use std::sync::LazyLock;

use resvg::{tiny_skia, usvg};

/// Pixels per SVG unit: twice the SVG's size reads well on today's screens.
const SCALE: f32 = 2.0;
/// The largest side drawn, in pixels; a bigger picture is scaled down to it.
const MAX_SIDE: f32 = 8192.0;

static OPTIONS: LazyLock<usvg::Options<'static>> = LazyLock::new(|| {
    let mut opt = usvg::Options {
        font_family: "DejaVu Sans".into(),
        ..usvg::Options::default()
    };
    let db = opt.fontdb_mut();
    db.load_font_data(include_bytes!("../../data/fonts/DejaVuSans.ttf").to_vec());
    db.set_sans_serif_family("DejaVu Sans");
    opt
});

/// Renders the SVG document `svg` as a PNG file's bytes; an error says
/// what went wrong (a picture lore drew always renders).
pub fn svg_to_png(svg: &str) -> Result<Vec<u8>, String> {
    let tree = usvg::Tree::from_str(svg, &OPTIONS).map_err(|e| format!("reading the SVG: {e}"))?;
    let size = tree.size();
    let scale = SCALE.min(MAX_SIDE / size.width().max(size.height()).max(1.0));
    let (w, h) = (
        (size.width() * scale).ceil().max(1.0) as u32,
        (size.height() * scale).ceil().max(1.0) as u32,
    );
    let mut pixmap = tiny_skia::Pixmap::new(w, h)
        .ok_or_else(|| format!("a {w}x{h} picture is too large to draw"))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| format!("encoding the PNG: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_drawn_with_the_compiled_in_font() {
        let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" width="60" height="20" font-family="DejaVu Sans, sans-serif" font-size="14"><text x="2" y="15">Ann</text></svg>"#;
        let png = svg_to_png(svg).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let blank =
            svg_to_png(r#"<svg xmlns="http://www.w3.org/2000/svg" width="60" height="20"></svg>"#)
                .unwrap();
        // The same size, so a different file means the letters were drawn.
        assert_ne!(png, blank);
        assert!(png.len() > blank.len());
    }

    #[test]
    fn a_broken_svg_is_an_error_not_a_panic() {
        assert!(svg_to_png("<svg").is_err());
        assert!(svg_to_png("").is_err());
    }
}
