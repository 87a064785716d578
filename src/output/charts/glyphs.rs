//! Text on the PNG charts from a glyph cache: each glyph of the committed font is rasterised
//! once per size and thread, then drawn from its coverage. ab_glyph's outlines and rasteriser,
//! run again at every character drawn, were a sixth of a tiny run's drawing (14 M of its 81 M
//! instructions).
//!
//! The text is laid out, anchored, rotated, clipped and blended as plotters' own ab_glyph text
//! is, with one difference: each glyph's pixels start at its outline's left edge
//! (`px_bounds().min.x`, the left side bearing), not at the pen. Plotters 0.3.7 drops that
//! offset, which spaced letters unevenly ("b y", "int erval" in the charts' titles); the SVG
//! charts, drawn by the browser, never had it.
//!
//! `CachedText` wraps a bitmap backend: every drawing call goes to it unchanged, except text
//! in the committed font, drawn here.

use super::{FONT, FONT_BYTES};
use ab_glyph::{Font, FontRef, GlyphId, ScaleFont};
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;

/// A rasterised glyph: the top left corner of its pixel bounds (from the pen at the baseline)
/// and its covered pixels (x, y within the bounds, coverage), in the order the rasteriser
/// gives them. Pixels of no coverage are left out: drawn, they would blend at alpha 0, which
/// the bitmap backend skips.
struct Glyph {
    min_x: f32,
    min_y: f32,
    pixels: Vec<(u32, u32, f32)>,
}

/// The glyphs rasterised so far, by (size in bits, character); `None` for one without an
/// outline (a space). The style is not in the key: every style of `FONT` is the one committed
/// face (`register_fonts`); the test's bold text would tell if that changed.
type Cache = HashMap<(u64, char), Option<Glyph>>;

thread_local! {
    static GLYPHS: RefCell<Cache> = RefCell::new(HashMap::new());
}

/// The committed font, parsed once per process.
fn font() -> &'static FontRef<'static> {
    static FONT_REF: OnceLock<FontRef<'static>> = OnceLock::new();
    FONT_REF.get_or_init(|| {
        FontRef::try_from_slice(FONT_BYTES).expect("the committed DejaVuSans.ttf should be a valid font")
    })
}

/// A drawing backend that draws text in the committed font from the glyph cache and passes
/// everything else to `B`.
pub struct CachedText<B> {
    inner: B,
}

impl<B: DrawingBackend> CachedText<B> {
    pub fn new(inner: B) -> CachedText<B> {
        CachedText { inner }
    }

    /// `text` at `pos` (its layout box's anchor), as plotters' default `draw_text` with its
    /// ab_glyph font draws it but for the side bearing (the module's note), each glyph's
    /// pixels from the cache.
    fn draw_cached<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let ((min_x, min_y), (max_x, max_y)) =
            style.layout_box(text).map_err(|e| DrawingErrorKind::FontError(Box::new(e)))?;
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => -(max_x - min_x),
            HPos::Center => -(max_x - min_x) / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -(max_y - min_y) / 2,
            VPos::Bottom => -(max_y - min_y),
        };
        let trans = style.transform();
        let (w, h) = self.inner.get_size();
        let size = style.size();
        let scaled = font().as_scaled(size as f32);
        let mut draw = |x: i32, y: i32, coverage: f32| {
            let (x, y) = trans.transform(x + dx - min_x, y + dy - min_y);
            let (x, y) = (pos.0 + x, pos.1 + y);
            if x >= 0 && x < w as i32 && y >= 0 && y < h as i32 {
                self.inner.draw_pixel((x, y), color.mix(coverage as f64))
            } else {
                Ok(())
            }
        };
        GLYPHS.with(|cache| {
            let mut cache = cache.borrow_mut();
            let mut x_shift = 0f32;
            let mut prev: Option<GlyphId> = None;
            for c in text.chars() {
                let id = scaled.glyph_id(c);
                if let Some(p) = prev {
                    x_shift += scaled.kern(p, id);
                }
                prev = Some(id);
                let glyph = cache.entry((size.to_bits(), c)).or_insert_with(|| rasterise(&scaled, c));
                if let Some(g) = glyph {
                    let (xs, ys) = (x_shift as i32 + g.min_x as i32, ((size as f32) / 2.0 + g.min_y) as i32);
                    for &(x, y, coverage) in &g.pixels {
                        draw(x as i32 + xs, y as i32 + ys, coverage)?;
                    }
                }
                x_shift += scaled.h_advance(id);
            }
            Ok(())
        })
    }
}

/// The glyph of `c` at the scale of `font`, at the origin, as plotters' ab_glyph font
/// rasterises it; its bounds are whole pixels.
fn rasterise<F: Font, S: ScaleFont<F>>(font: &S, c: char) -> Option<Glyph> {
    let outlined = font.outline_glyph(font.scaled_glyph(c))?;
    let mut pixels = Vec::new();
    outlined.draw(|x, y, coverage| {
        if coverage > 0.0 {
            pixels.push((x, y, coverage));
        }
    });
    let bounds = outlined.px_bounds();
    Some(Glyph { min_x: bounds.min.x, min_y: bounds.min.y, pixels })
}

impl<B: DrawingBackend> DrawingBackend for CachedText<B> {
    type ErrorType = B::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.fill_polygon(vert, style)
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        if style.family().as_str() == FONT {
            self.draw_cached(text, style, pos)
        } else {
            self.inner.draw_text(text, style, pos)
        }
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<B::ErrorType>> {
        self.inner.estimate_text_size(text, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.blit_bitmap(pos, size, src)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::charts::register_fonts;
    use plotters::prelude::*;
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    use plotters_backend::FontTransform;

    const W: u32 = 400;
    const H: u32 = 300;

    /// Draws `texts` on a white bitmap, through the glyph cache or plotters' own text.
    fn draw(cached: bool, texts: &[(String, TextStyle<'_>, (i32, i32))]) -> Vec<u8> {
        let mut buf = vec![255u8; (W * H * 3) as usize];
        {
            let bitmap = BitMapBackend::with_buffer(&mut buf, (W, H));
            let result = if cached {
                let root = CachedText::new(bitmap).into_drawing_area();
                texts.iter().try_for_each(|(t, s, p)| root.draw_text(t, s, *p)).and_then(|()| root.present())
            } else {
                let root = bitmap.into_drawing_area();
                texts.iter().try_for_each(|(t, s, p)| root.draw_text(t, s, *p)).and_then(|()| root.present())
            };
            result.expect("text should draw");
        }
        buf
    }

    /// `text` at `pos` (left, top, unrotated) as plotters draws it one glyph at a time, each
    /// glyph alone where the cache puts it: at the pen (ab_glyph's advances and kerning,
    /// truncated to a pixel) plus its outline's left bearing. Glyphs without an outline
    /// (spaces) are only advanced over.
    fn glyph_by_glyph<'a>(
        text: &str,
        style: &TextStyle<'a>,
        pos: (i32, i32),
    ) -> Vec<(String, TextStyle<'a>, (i32, i32))> {
        let scaled = font().as_scaled(style.font.get_size() as f32);
        let (mut pen, mut prev) = (0f32, None);
        let mut out = Vec::new();
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = prev {
                pen += scaled.kern(p, id);
            }
            prev = Some(id);
            if let Some(o) = scaled.outline_glyph(scaled.scaled_glyph(c)) {
                let x = pos.0 + pen as i32 + o.px_bounds().min.x as i32;
                out.push((c.to_string(), style.clone(), (x, pos.1)));
            }
            pen += scaled.h_advance(id);
        }
        out
    }

    /// The committed font at `size`, black.
    fn font_of(size: f64) -> TextStyle<'static> {
        // A font is looked up when its style is made: registered first.
        register_fonts();
        (FONT, size).into_font().color(&BLACK)
    }

    #[test]
    fn each_glyph_is_drawn_as_plotters_draws_it_at_the_pen_plus_its_bearing() {
        register_fonts();
        let (half_blue, clear) = (RGBColor(0, 114, 178).mix(0.5), BLACK.mix(0.0));
        let texts = [
            ("Agents needed, by sweep interval", font_of(34.0), (0, 10)),
            // The same glyphs again, from the cache, in another colour and at half opacity.
            ("by sweep interval", font_of(34.0).color(&half_blue), (3, 14)),
            ("Mon 5 Jan 12:00, 0.25 AVaWo j(f)", font_of(22.0).color(&RED), (0, 70)),
            ("bold is the one face", (FONT, 21.0).into_font().style(FontStyle::Bold).color(&BLACK), (5, 110)),
            // Partly outside the bitmap: clipped the same way.
            ("off the edge", font_of(40.0), (330, 270)),
            ("invisible", font_of(20.0).color(&clear), (50, 200)),
        ];
        let mut cached = Vec::new();
        let mut plain = Vec::new();
        for (t, style, pos) in &texts {
            cached.push((t.to_string(), style.clone(), *pos));
            plain.extend(glyph_by_glyph(t, style, *pos));
        }
        let (cached, plain) = (draw(true, &cached), draw(false, &plain));
        assert!(plain.iter().filter(|&&b| b != 255).count() > 10_000, "the texts should cover pixels");
        let differing = cached.iter().zip(&plain).filter(|(a, b)| a != b).count();
        assert_eq!(differing, 0, "{differing} bytes differ between the glyph cache and plotters' glyphs");
    }

    #[test]
    fn anchors_and_rotations_move_the_same_pixels() {
        let text = "Queue wait (min)";
        let style = font_of(22.0);
        let pixel = |buf: &[u8], x: i32, y: i32| {
            let i = ((y * W as i32 + x) * 3) as usize;
            [buf[i], buf[i + 1], buf[i + 2]]
        };
        let plain = draw(true, &[(text.into(), style.clone(), (20, 20))]);
        let inked: Vec<(i32, i32)> = (0..H as i32)
            .flat_map(|y| (0..W as i32).map(move |x| (x, y)))
            .filter(|&(x, y)| pixel(&plain, x, y) != [255; 3])
            .collect();
        assert!(inked.len() > 300, "the text should cover pixels: {}", inked.len());

        // Centred on a point: the same pixels, moved by half the layout box.
        let ((x0, y0), (x1, y1)) = style.layout_box(text).expect("the committed font lays text out");
        let centred = draw(true, &[(text.into(), style.pos(Pos::new(HPos::Center, VPos::Center)), (200, 150))]);
        let (dx, dy) = (200 - (x1 - x0) / 2 - 20, 150 - (y1 - y0) / 2 - 20);
        // Rotated by 90 degrees about its anchor: (u, v) from the anchor becomes (-v, u).
        let rotated = draw(true, &[(text.into(), style.transform(FontTransform::Rotate90), (100, 60))]);
        for &(x, y) in &inked {
            let (u, v) = (x - 20, y - 20);
            assert_eq!(pixel(&centred, x + dx, y + dy), pixel(&plain, x, y), "centred, at ({u}, {v})");
            assert_eq!(pixel(&rotated, 100 - v, 60 + u), pixel(&plain, x, y), "rotated, at ({u}, {v})");
        }
        let count = |buf: &[u8]| buf.chunks(3).filter(|p| *p != [255; 3]).count();
        assert_eq!((count(&centred), count(&rotated)), (inked.len(), inked.len()), "nothing else is drawn");
    }
}
