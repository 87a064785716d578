//! Charts: one file per kind, each a `prepare` from loaded results to plain series (every
//! statistic computed there, never while drawing) and a `draw` onto any plotters drawing
//! area, so the same function draws the PNG and the SVG. Never reads or writes files.
//!
//! Shared here: the font (DejaVu Sans, committed, drawn with ab_glyph: no system fonts), the
//! Okabe-Ito palette, axis scales with human ticks, the title block and the legend panel
//! beside the plot (so a legend never covers data).

pub mod glyphs;
pub mod grid;
pub mod latency;
pub mod loadtest;
pub mod plan;
pub mod states;
pub mod sweep_load;
pub mod tradeoff;

use crate::output::load::LoadedResults;
use chrono::{Duration, NaiveDate};
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::sync::OnceLock;

/// Size of every chart in pixels (PNG) and user units (SVG).
pub const WIDTH: u32 = 1600;
pub const HEIGHT: u32 = 1000;
/// The family the committed font is registered under.
pub const FONT: &str = "sans-serif";
/// Width of the legend panel at the right of every chart.
const LEGEND_W: u32 = 360;

pub(crate) static FONT_BYTES: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

/// Registers the committed DejaVu Sans as `sans-serif` (regular and bold), once per process.
pub fn register_fonts() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        for style in [FontStyle::Normal, FontStyle::Bold] {
            plotters::style::register_font(FONT, style, FONT_BYTES)
                .unwrap_or_else(|_| panic!("the committed DejaVuSans.ttf should be a valid font"));
        }
    });
}

/// The Okabe-Ito colour-blind-safe palette, in the order series take it (yellow last: it is
/// faint on white).
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(230, 159, 0),   // orange
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(0, 0, 0),       // black
    RGBColor(240, 228, 66),  // yellow
];

/// The colour of series `i`.
pub fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// `c` at opacity `a` over white, as an opaque colour: large fills drawn opaque skip the
/// bitmap backend's per-pixel blending, which dominated drawing time.
pub fn tint(c: RGBColor, a: f64) -> RGBColor {
    let m = |v: u8| (v as f64 * a + 255.0 * (1.0 - a)).round() as u8;
    RGBColor(m(c.0), m(c.1), m(c.2))
}

/// The warm-up shading, drawn opaque under the grid.
pub const WARMUP_GREY: RGBColor = RGBColor(240, 240, 240);

pub const GREY: RGBColor = RGBColor(110, 110, 110);
const LIGHT_GREY: RGBColor = RGBColor(235, 235, 235);

/// Why a chart could not be drawn or encoded.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("drawing the {chart} chart: {message}")]
    Draw { chart: &'static str, message: String },
    #[error("encoding the {chart} chart as PNG: {source}")]
    Png { chart: &'static str, source: png::EncodingError },
}

/// What a chart's `draw` returns on any backend.
pub type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// A chart ready to draw: its prepared data.
#[derive(Debug, Clone, PartialEq)]
pub enum Chart {
    Latency(latency::LatencyData),
    CapacityGrid(grid::GridData),
    Tradeoff(tradeoff::TradeoffData),
    States(states::StatesData),
    SweepLoad(sweep_load::SweepLoadData),
    Plan(plan::PlanData),
    LoadtestDuration(loadtest::DurationData),
    LoadtestRaces(loadtest::RaceData),
}

impl Chart {
    /// File name without extension (`closure_latency` -> closure_latency.png / .svg).
    /// Every file stem a chart may have (`file_stem`), for what a results folder may hold.
    pub const STEMS: [&'static str; 8] = [
        "closure_latency",
        "zombie_capacity_queue_wait",
        "tradeoff",
        "states_over_time",
        "sweep_load",
        "agents_needed",
        "loadtest_duration",
        "loadtest_races",
    ];

    pub fn file_stem(&self) -> &'static str {
        match self {
            Chart::Latency(_) => "closure_latency",
            Chart::CapacityGrid(_) => "zombie_capacity_queue_wait",
            Chart::Tradeoff(_) => "tradeoff",
            Chart::States(_) => "states_over_time",
            Chart::SweepLoad(_) => "sweep_load",
            Chart::Plan(_) => "agents_needed",
            Chart::LoadtestDuration(_) => "loadtest_duration",
            Chart::LoadtestRaces(_) => "loadtest_races",
        }
    }

    /// The chart's title, as drawn on it.
    pub fn title(&self) -> &str {
        match self {
            Chart::Latency(d) => &d.title,
            Chart::CapacityGrid(d) => &d.title,
            Chart::Tradeoff(d) => &d.title,
            Chart::States(d) => &d.title,
            Chart::SweepLoad(d) => &d.title,
            Chart::Plan(d) => &d.title,
            Chart::LoadtestDuration(d) => &d.title,
            Chart::LoadtestRaces(d) => &d.title,
        }
    }

    /// Draws the chart onto a `WIDTH` x `HEIGHT` area of any backend.
    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let r = match self {
            Chart::Latency(d) => latency::draw(root, d),
            Chart::CapacityGrid(d) => grid::draw(root, d),
            Chart::Tradeoff(d) => tradeoff::draw(root, d),
            Chart::States(d) => states::draw(root, d),
            Chart::SweepLoad(d) => sweep_load::draw(root, d),
            Chart::Plan(d) => plan::draw(root, d),
            Chart::LoadtestDuration(d) => loadtest::draw_duration(root, d),
            Chart::LoadtestRaces(d) => loadtest::draw_races(root, d),
        };
        r.and_then(|()| root.present())
            .map_err(|e| ChartError::Draw { chart: self.file_stem(), message: e.to_string() })
    }

    /// The chart as PNG bytes: drawn into a buffer, encoded at fast compression.
    pub fn png(&self) -> Result<Vec<u8>, ChartError> {
        register_fonts();
        // One pixel buffer per thread, reused: a fresh 4.8 MB buffer per chart cost more in
        // page faults than the drawing.
        thread_local! {
            static PIXELS: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        PIXELS.with(|cell| {
            let mut buf = cell.borrow_mut();
            buf.clear();
            buf.resize((WIDTH * HEIGHT * 3) as usize, 255);
            self.png_from(&mut buf)
        })
    }

    fn png_from(&self, buf: &mut [u8]) -> Result<Vec<u8>, ChartError> {
        {
            let bitmap = BitMapBackend::with_buffer(buf, (WIDTH, HEIGHT));
            let root = glyphs::CachedText::new(bitmap).into_drawing_area();
            self.draw(&root)?;
        }
        let mut out = Vec::with_capacity(buf.len() / 8);
        let chart = self.file_stem();
        let mut enc = png::Encoder::new(&mut out, WIDTH, HEIGHT);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Fast);
        let mut w = enc.write_header().map_err(|source| ChartError::Png { chart, source })?;
        w.write_image_data(buf).map_err(|source| ChartError::Png { chart, source })?;
        w.finish().map_err(|source| ChartError::Png { chart, source })?;
        Ok(out)
    }

    /// The chart as SVG text.
    pub fn svg(&self) -> Result<String, ChartError> {
        register_fonts();
        let mut out = String::new();
        {
            let root = SVGBackend::with_string(&mut out, (WIDTH, HEIGHT)).into_drawing_area();
            root.fill(&WHITE).map_err(|e| ChartError::Draw { chart: self.file_stem(), message: e.to_string() })?;
            self.draw(&root)?;
        }
        Ok(out)
    }
}

/// Every chart whose data exists in the folder, in report order.
pub fn prepare_all(r: &LoadedResults) -> Vec<Chart> {
    [
        latency::prepare(r).map(Chart::Latency),
        grid::prepare(r).map(Chart::CapacityGrid),
        tradeoff::prepare(r).map(Chart::Tradeoff),
        states::prepare(r).map(Chart::States),
        sweep_load::prepare(r).map(Chart::SweepLoad),
        plan::prepare(r).map(Chart::Plan),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// A unit to show durations in, chosen from the largest value so ticks read as minutes,
/// hours or days, never as raw seconds past two minutes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeUnit {
    pub name: &'static str,
    pub seconds: f64,
}

impl TimeUnit {
    pub fn for_max(max_s: f64) -> TimeUnit {
        match max_s {
            m if m < 120.0 => TimeUnit { name: "seconds", seconds: 1.0 },
            m if m < 2.0 * 3600.0 => TimeUnit { name: "minutes", seconds: 60.0 },
            m if m < 2.0 * 86400.0 => TimeUnit { name: "hours", seconds: 3600.0 },
            _ => TimeUnit { name: "days", seconds: 86400.0 },
        }
    }
}

/// A readable duration for annotations: `12.4 min`, `2.5 h`, `45 s`.
pub fn human_duration(s: f64) -> String {
    let u = TimeUnit::for_max(s);
    let short = match u.name {
        "seconds" => "s",
        "minutes" => "min",
        "hours" => "h",
        _ => "d",
    };
    format!("{} {short}", trim_number(s / u.seconds, 3))
}

/// A number with at most `sig` significant digits and no trailing zeros.
pub fn trim_number(v: f64, sig: usize) -> String {
    if v == 0.0 || !v.is_finite() {
        return if v.is_finite() { "0".into() } else { format!("{v}") };
    }
    let digits = (sig as i32 - 1 - v.abs().log10().floor() as i32).max(0) as usize;
    let s = format!("{v:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// One axis: plotted coordinates (values divided by a unit, or their log10, or category
/// positions) with explicit ticks and their labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Scale {
    pub lo: f64,
    pub hi: f64,
    pub log: bool,
    /// Values are divided by this before plotting (60 for minutes, 0.01 for percent).
    pub divisor: f64,
    /// Tick positions in plotted coordinates, with their labels.
    pub ticks: Vec<(f64, String)>,
}

impl Scale {
    /// A linear axis over `[lo, hi]` (values) in display units of `divisor`, nice ticks.
    pub fn linear(lo: f64, hi: f64, divisor: f64) -> Scale {
        let (mut a, mut b) = (lo / divisor, hi / divisor);
        if b.partial_cmp(&a) != Some(std::cmp::Ordering::Greater) {
            b = a + 1.0;
        }
        let step = nice_step((b - a) / 8.0);
        a = (a / step).floor() * step;
        b = (b / step).ceil() * step;
        let decimals = if step >= 1.0 { 0 } else { (-step.log10()).ceil() as usize };
        let n = ((b - a) / step).round() as i64;
        let ticks = (0..=n)
            .map(|k| {
                let p = a + k as f64 * step;
                (p, format!("{:.*}", decimals, if p.abs() < step / 1e6 { 0.0 } else { p }))
            })
            .collect();
        Scale { lo: a, hi: b, log: false, divisor, ticks }
    }

    /// A linear axis from zero to the largest value plus headroom.
    pub fn from_zero(max: f64, divisor: f64) -> Scale {
        Scale::linear(0.0, if max > 0.0 { max * 1.05 } else { divisor }, divisor)
    }

    /// A log10 axis over `[lo, hi]` (values, both > 0) with ticks at 1, 2 and 5 per decade.
    pub fn log(lo: f64, hi: f64, divisor: f64) -> Scale {
        let (a, b) = ((lo / divisor).log10(), (hi / divisor).log10());
        let (a, b) = (a - 0.05 * (b - a).max(0.2), b + 0.05 * (b - a).max(0.2));
        let mut ticks = Vec::new();
        for e in (a.floor() as i32)..=(b.ceil() as i32) {
            for m in [1.0, 2.0, 5.0] {
                let v: f64 = m * 10f64.powi(e);
                let p = v.log10();
                if p >= a && p <= b {
                    ticks.push((p, trim_number(v, 3)));
                }
            }
        }
        Scale { lo: a, hi: b, log: true, divisor, ticks }
    }

    /// A linear or log axis for positive values: log when they span more than a factor 30.
    pub fn auto(values: impl IntoIterator<Item = f64>, divisor: f64) -> Scale {
        let v: Vec<f64> = values.into_iter().filter(|v| v.is_finite()).collect();
        let max = v.iter().copied().fold(0.0, f64::max);
        let min_pos = v.iter().copied().filter(|&x| x > 0.0).fold(f64::INFINITY, f64::min);
        if min_pos.is_finite() && max / min_pos > 30.0 {
            Scale::log(min_pos, max, divisor)
        } else {
            Scale::from_zero(max, divisor)
        }
    }

    /// A log axis of durations (seconds) ticked at human durations labelled `5m`, `1h`, `2d`.
    pub fn log_duration(lo_s: f64, hi_s: f64) -> Scale {
        let mut s = Scale::log(lo_s, hi_s, 1.0);
        const MARKS_S: [u64; 20] = [
            1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 432000, 604800,
            2592000,
        ];
        s.ticks = MARKS_S
            .iter()
            .map(|&m| ((m as f64).log10(), crate::time::SimDuration::from_secs(m).to_string()))
            .filter(|(p, _)| *p >= s.lo && *p <= s.hi)
            .collect();
        s
    }

    /// A duration axis: log with human duration ticks when the values span more than a
    /// factor 30, else linear from zero in minutes, hours or days. Returns the unit phrase for
    /// the axis description.
    pub fn auto_duration(values_s: impl IntoIterator<Item = f64>) -> (Scale, String) {
        let v: Vec<f64> = values_s.into_iter().filter(|v| v.is_finite()).collect();
        let max = v.iter().copied().fold(0.0, f64::max);
        let min_pos = v.iter().copied().filter(|&x| x > 0.0).fold(f64::INFINITY, f64::min);
        if min_pos.is_finite() && max / min_pos > 30.0 {
            (Scale::log_duration(min_pos, max), "log scale".into())
        } else {
            let unit = TimeUnit::for_max(max);
            (Scale::from_zero(max, unit.seconds), unit.name.to_string())
        }
    }

    /// Categories at 0, 1, 2, ... labelled in order.
    pub fn categories(labels: &[String]) -> Scale {
        let n = labels.len().max(1) as f64;
        let ticks = labels.iter().enumerate().map(|(i, l)| (i as f64, l.clone())).collect();
        Scale { lo: -0.5, hi: n - 0.5, log: false, divisor: 1.0, ticks }
    }

    /// A time axis over `[lo_s, hi_s]` seconds since the start, ticked at whole hours or days:
    /// midnight ticks name the day (`Mon 5 Jan`), others the time of day (`12:00`).
    pub fn time(lo_s: f64, hi_s: f64, start: Option<NaiveDate>) -> Scale {
        const H: f64 = 3600.0;
        let span = (hi_s - lo_s).max(H);
        let step = [H, 2.0 * H, 3.0 * H, 6.0 * H, 12.0 * H, 24.0 * H, 48.0 * H, 168.0 * H, 336.0 * H]
            .into_iter()
            .find(|s| span / s <= 12.0)
            .unwrap_or(720.0 * H);
        let mut ticks = Vec::new();
        let mut t = (lo_s / step).ceil() * step;
        while t <= hi_s + 1e-9 {
            ticks.push((t, time_label(t, step, start)));
            t += step;
        }
        Scale { lo: lo_s, hi: hi_s, log: false, divisor: 1.0, ticks }
    }

    /// Plotted coordinate of a value.
    pub fn pos(&self, v: f64) -> f64 {
        if self.log {
            (v / self.divisor).max(1e-300).log10()
        } else {
            v / self.divisor
        }
    }

    /// The label of the tick at plotted coordinate `p` (ticks are the only key points).
    pub fn label(&self, p: f64) -> String {
        self.ticks
            .iter()
            .min_by(|a, b| (a.0 - p).abs().total_cmp(&(b.0 - p).abs()))
            .map(|t| t.1.clone())
            .unwrap_or_default()
    }

    /// The plotters coordinate for this axis, ticked only at `ticks`.
    pub fn coord(&self) -> Ticked {
        Ticked { lo: self.lo, hi: self.hi, ticks: self.ticks.iter().map(|t| t.0).collect() }
    }
}

/// A linear f64 coordinate ticked only at given points (plotters' own f64 coordinate picks
/// decimal ticks, which would put hours at 3600, 7200, ... seconds).
#[derive(Debug, Clone)]
pub struct Ticked {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let f = (v - self.lo) / (self.hi - self.lo);
        limit.0 + (f * (limit.1 - limit.0) as f64).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

fn nice_step(raw: f64) -> f64 {
    if raw.is_nan() || raw <= 0.0 || !raw.is_finite() {
        return 1.0;
    }
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let m = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    m * mag
}

fn time_label(t_s: f64, step_s: f64, start: Option<NaiveDate>) -> String {
    let day = (t_s / 86400.0).floor();
    let in_day = t_s - day * 86400.0;
    if in_day.abs() < 1.0 || step_s >= 86400.0 {
        match start.and_then(|d| d.checked_add_signed(Duration::days(day as i64))) {
            Some(date) => date.format("%a %-d %b").to_string(),
            None => format!("day {}", day as i64 + 1),
        }
    } else {
        let m = (in_day / 60.0).round() as i64;
        format!("{:02}:{:02}", m / 60, m % 60)
    }
}

/// How a legend entry is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mark {
    Line,
    Dashed,
    Filled,
    Point,
    Cross,
    Band,
}

/// One legend entry.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendEntry {
    pub label: String,
    pub colour: RGBColor,
    pub mark: Mark,
}

impl LegendEntry {
    pub fn new(label: impl Into<String>, colour: RGBColor, mark: Mark) -> LegendEntry {
        LegendEntry { label: label.into(), colour, mark }
    }
}

/// The plot area and the legend panel of a chart.
pub type Panels<DB> = (DrawingArea<DB, Shift>, DrawingArea<DB, Shift>);

/// Title and subtitle at the top, then the plot area and the legend panel at its right.
pub fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
) -> Result<Panels<DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    // The background is white already: a PNG's buffer starts white, an SVG gets a white
    // rectangle first (`Chart::svg`); filling 1.6 M pixels again here cost a fifth of drawing.
    let (header, body) = root.split_vertically(100);
    header.draw_text(title, &(FONT, 34).into_font().color(&BLACK), (40, 18))?;
    header.draw_text(subtitle, &(FONT, 22).into_font().color(&GREY), (40, 62))?;
    let (w, _) = body.dim_in_pixel();
    let (plot, legend) = body.split_horizontally(w.saturating_sub(LEGEND_W));
    Ok((plot, legend))
}

/// Draws legend entries (and an optional heading) top-down in the legend panel; long labels
/// wrap at commas.
pub fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    heading: &str,
    entries: &[LegendEntry],
) -> DrawResult<DB> {
    let text = (FONT, 21).into_font().color(&BLACK);
    let mut y = 30;
    if !heading.is_empty() {
        for line in wrap(heading, 26) {
            area.draw_text(&line, &(FONT, 21).into_font().style(FontStyle::Bold).color(&BLACK), (10, y))?;
            y += 28;
        }
        y += 8;
    }
    for e in entries {
        let (x0, x1, cy) = (12, 56, y + 11);
        match e.mark {
            Mark::Line => area.draw(&PathElement::new(vec![(x0, cy), (x1, cy)], e.colour.stroke_width(4)))?,
            Mark::Dashed => {
                for k in 0..3 {
                    let a = x0 + k * 16;
                    area.draw(&PathElement::new(vec![(a, cy), (a + 10, cy)], e.colour.stroke_width(3)))?;
                }
            }
            Mark::Filled => area.draw(&Rectangle::new([(x0, y), (x1, y + 22)], e.colour.filled()))?,
            Mark::Band => area.draw(&Rectangle::new([(x0, y), (x1, y + 22)], e.colour.mix(0.25).filled()))?,
            Mark::Point => area.draw(&Circle::new((x0 + 22, cy), 7, e.colour.filled()))?,
            Mark::Cross => area.draw(&Cross::new((x0 + 22, cy), 8, e.colour.stroke_width(3)))?,
        }
        for line in wrap(&e.label, 24) {
            area.draw_text(&line, &text, (68, y))?;
            y += 27;
        }
        y += 10;
    }
    Ok(())
}

/// Splits a label into lines of at most about `width` characters, at commas or spaces.
pub fn wrap(label: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in label.split_inclusive([',', ' ', '.']) {
        if !line.is_empty() && line.chars().count() + word.chars().count() > width {
            lines.push(line.trim_end().to_string());
            line.clear();
        }
        line.push_str(word);
    }
    if !line.trim().is_empty() || lines.is_empty() {
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// Draws the mesh of a chart built on two `Scale`s, with axis descriptions.
pub fn mesh<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<Ticked, Ticked>>,
    xs: &Scale,
    ys: &Scale,
    x_desc: &str,
    y_desc: &str,
) -> DrawResult<DB> {
    chart
        .configure_mesh()
        .x_label_formatter(&|v| xs.label(*v))
        .y_label_formatter(&|v| ys.label(*v))
        .x_desc(x_desc)
        .y_desc(y_desc)
        .label_style((FONT, 20))
        .axis_desc_style((FONT, 22))
        .bold_line_style(LIGHT_GREY)
        .light_line_style(TRANSPARENT)
        .draw()
}

/// The type of a chart context over two `Scale`s.
pub type ScaledChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<Ticked, Ticked>>;

/// A chart context over two scales on `area`, with room for tick labels and descriptions.
pub fn build<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    caption: &str,
    xs: &Scale,
    ys: &Scale,
) -> Result<ScaledChart<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    let mut b = ChartBuilder::on(area);
    b.margin(20).x_label_area_size(70).y_label_area_size(100);
    if !caption.is_empty() {
        b.caption(caption, (FONT, 24));
    }
    b.build_cartesian_2d(xs.coord(), ys.coord())
}

/// A vertical error bar from `lo` to `hi` (plotted coordinates) at `x`, with caps.
pub fn error_bar_v(x: f64, lo: f64, hi: f64, cap: f64, style: ShapeStyle) -> Vec<PathElement<(f64, f64)>> {
    vec![
        PathElement::new(vec![(x, lo), (x, hi)], style),
        PathElement::new(vec![(x - cap, lo), (x + cap, lo)], style),
        PathElement::new(vec![(x - cap, hi), (x + cap, hi)], style),
    ]
}

/// A horizontal error bar from `lo` to `hi` at `y`, with caps.
pub fn error_bar_h(y: f64, lo: f64, hi: f64, cap: f64, style: ShapeStyle) -> Vec<PathElement<(f64, f64)>> {
    vec![
        PathElement::new(vec![(lo, y), (hi, y)], style),
        PathElement::new(vec![(lo, y - cap), (lo, y + cap)], style),
        PathElement::new(vec![(hi, y - cap), (hi, y + cap)], style),
    ]
}

/// The subtitle naming the scenario (and configuration, when the chart shows one).
pub fn scenario_line(r: &LoadedResults, extra: &str) -> String {
    let mut s = format!("scenario {}", r.scenario_name);
    if let Some(sc) = &r.scenario {
        s.push_str(&format!(", {} replication(s) of {}", sc.replications, sc.horizon));
    }
    if !extra.is_empty() {
        s.push_str(", ");
        s.push_str(extra);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_ticks_name_days_at_midnight_and_hours_otherwise() {
        let start = NaiveDate::from_ymd_opt(2026, 1, 5);
        let s = Scale::time(0.0, 3.0 * 86400.0, start);
        let labels: Vec<&str> = s.ticks.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(labels[..6], ["Mon 5 Jan", "06:00", "12:00", "18:00", "Tue 6 Jan", "06:00"]);
        assert_eq!(labels.len(), 13);
        assert_eq!(labels[12], "Thu 8 Jan");
        // A week ticks once a day, each tick naming its day.
        let s = Scale::time(0.0, 7.0 * 86400.0, start);
        assert_eq!(s.ticks[1].1, "Tue 6 Jan");
        let s = Scale::time(0.0, 6.0 * 3600.0, None);
        assert_eq!(s.ticks[0].1, "day 1");
        assert_eq!(s.ticks[1].1, "01:00");
    }

    #[test]
    fn units_follow_the_largest_value() {
        assert_eq!(TimeUnit::for_max(90.0).name, "seconds");
        assert_eq!(TimeUnit::for_max(1500.0).name, "minutes");
        assert_eq!(TimeUnit::for_max(12.0 * 3600.0).name, "hours");
        assert_eq!(TimeUnit::for_max(3.0 * 86400.0).name, "days");
        assert_eq!(human_duration(745.0), "12.4 min");
        assert_eq!(trim_number(0.35, 3), "0.35");
    }

    #[test]
    fn linear_and_log_scales_tick_at_nice_values() {
        let s = Scale::from_zero(24.7 * 60.0, 60.0);
        assert_eq!(s.ticks.iter().map(|t| t.1.as_str()).collect::<Vec<_>>(), ["0", "5", "10", "15", "20", "25", "30"]);
        let l = Scale::log(120.0, 50_000.0, 60.0);
        assert!(l.log);
        let labels: Vec<&str> = l.ticks.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(labels, ["2", "5", "10", "20", "50", "100", "200", "500", "1000"]);
        let d = Scale::log_duration(150.0, 50_000.0);
        let labels: Vec<&str> = d.ticks.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(labels, ["2m", "5m", "10m", "30m", "1h", "2h", "3h", "6h", "12h"]);
        assert_eq!(Scale::auto_duration([60.0, 1500.0]).1, "minutes");
        assert_eq!(Scale::auto_duration([60.0, 43_200.0]).1, "log scale");
        assert!(!Scale::auto([1.0, 2.0], 1.0).log);
        assert!(Scale::auto([1.0, 100.0], 1.0).log);
    }

    #[test]
    fn legend_labels_wrap_at_commas() {
        assert_eq!(wrap("interval=5m,waiting=30m", 14), ["interval=5m,", "waiting=30m"]);
        assert_eq!(wrap("short", 24), ["short"]);
    }
}
