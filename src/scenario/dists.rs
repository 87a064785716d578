//! Reading distributions from the scenario file: `"never"`, a constant, or a `{ dist = ... }`
//! table, for durations (milliseconds) and for counts (plain numbers).
//!
//! Owns the syntax only; `model::dist::Dist`'s constructors check the parameters.

use super::walk::{describe, one_of, show_number, Ctx, Field, Tbl};
use crate::model::dist::{Dist, DistError};
use crate::time::{SimDuration, MS_PER_DAY, MS_PER_HOUR, MS_PER_MIN, MS_PER_S};
use toml_edit::{Item, Value};

/// What a distribution's values are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    /// Duration strings (`"5m"`), stored in milliseconds.
    Duration,
    /// Plain numbers (`exchanges`).
    Count,
}

const KINDS: [&str; 10] = [
    "never",
    "constant",
    "exponential",
    "lognormal",
    "gamma",
    "weibull",
    "uniform",
    "empirical",
    "mixture",
    // Listed so that a typo of it is suggested; not a distribution of its own.
    "dist",
];

const UNITS: [(&str, u64); 5] = [("ms", 1), ("s", MS_PER_S), ("m", MS_PER_MIN), ("h", MS_PER_HOUR), ("d", MS_PER_DAY)];

/// The largest typical value (constant, mean, median, scale, maximum, sample) of a count
/// distribution: exchanges per conversation. The engine also caps every draw at it, so a long
/// tail cannot run a conversation for millions of exchanges at one instant.
pub const MAX_COUNT: f64 = 1_000.0;
/// Most components of one mixture.
pub const MAX_COMPONENTS: usize = 100;

/// Reads a distribution; reports every problem and returns `None` when there was one.
pub fn read_dist(ctx: &mut Ctx, f: &Field<'_>, q: Quantity) -> Option<Dist> {
    let d = read(ctx, f, q, false).map(|(d, _)| d)?;
    if q == Quantity::Count {
        if let Some(x) = count_scale(&d).filter(|x| x.is_nan() || *x > MAX_COUNT) {
            let msg = format!(
                "a count's value (constant, mean, median, scale, max or sample) must be at most {MAX_COUNT}, got {}",
                show_number(x)
            );
            ctx.error(&f.span, &f.path, msg);
            return None;
        }
    }
    Some(d)
}

/// The largest typical value of a distribution, for the count bound; `None` for `Never`.
fn count_scale(d: &Dist) -> Option<f64> {
    match d {
        Dist::Never => None,
        Dist::Constant(v) => Some(*v),
        Dist::Exponential { mean } => Some(*mean),
        Dist::LogNormal { mu, .. } => Some(libm::exp(*mu)),
        Dist::Gamma { shape, scale, .. } => Some(shape * scale),
        Dist::Weibull { scale, .. } => Some(*scale),
        Dist::Uniform { max, .. } => Some(*max),
        Dist::Empirical { samples } => samples.iter().copied().reduce(f64::max),
        Dist::Mixture { components, .. } => components.iter().filter_map(count_scale).reduce(f64::max),
    }
}

/// Reads a distribution, or a mixture component (with `weight`) when `component`.
fn read(ctx: &mut Ctx, f: &Field<'_>, q: Quantity, component: bool) -> Option<(Dist, f64)> {
    if !component {
        if let Some(s) = f.item.as_str() {
            if s == "never" {
                return Some((Dist::Never, 1.0));
            }
            return match q {
                Quantity::Duration => {
                    let d = ctx.duration(f)?;
                    Some((Dist::Constant(d.ms() as f64), 1.0))
                }
                Quantity::Count => {
                    ctx.error(
                        &f.span,
                        &f.path,
                        format!("expected a number, \"never\" or a {{ dist = ... }} table, got {}", describe(f.item)),
                    );
                    None
                }
            };
        }
        let number = f.item.as_integer().map(|i| i as f64).or_else(|| f.item.as_float());
        if let Some(x) = number {
            return match q {
                Quantity::Count => build(ctx, f, Dist::constant(x)).map(|d| (d, 1.0)),
                Quantity::Duration => {
                    ctx.error(
                        &f.span,
                        &f.path,
                        format!("expected a duration string such as \"5m\", \"never\" or a {{ dist = ... }} table, got {} (a duration needs a unit)", describe(f.item)),
                    );
                    None
                }
            };
        }
    }
    let Some(t) = f.item.as_table_like() else {
        let what = match q {
            Quantity::Duration => "a duration string such as \"5m\", \"never\" or a { dist = ... } table",
            Quantity::Count => "a number, \"never\" or a { dist = ... } table",
        };
        ctx.error(&f.span, &f.path, format!("expected {what}, got {}", describe(f.item)));
        return None;
    };
    let tbl = Tbl { t, path: &f.path, span: &f.span };
    let weight = if component {
        match tbl.require(ctx, "weight") {
            Some(w) => ctx.number_where(&w, "weight must be a number from 0 to 1000000", |x| (0.0..=1e6).contains(&x)),
            None => None,
        }
    } else {
        Some(1.0)
    };
    let kind_field = tbl.require(ctx, "dist")?;
    let kinds = &KINDS[..KINDS.len() - 1];
    let kind = ctx.choice(&kind_field, kinds)?;
    let dur = q == Quantity::Duration;
    // Allowed keys for each kind and form; `weight` inside a mixture.
    let mut allowed: Vec<&str> = vec!["dist"];
    if component {
        allowed.push("weight");
    }
    let has = |k: &str| tbl.get(k).is_some();
    let dist = match kind {
        "never" => {
            tbl.check_keys_with(ctx, &allowed, " for dist = \"never\"");
            Some(Dist::Never)
        }
        "constant" => {
            allowed.push("value");
            tbl.check_keys_with(ctx, &allowed, " for dist = \"constant\"");
            let v = param(ctx, &tbl, "value", q);
            v.and_then(|v| build(ctx, f, Dist::constant(v)))
        }
        "exponential" => {
            allowed.push("mean");
            tbl.check_keys_with(ctx, &allowed, " for dist = \"exponential\"");
            let m = param(ctx, &tbl, "mean", q);
            m.and_then(|m| build(ctx, f, Dist::exponential(m)))
        }
        "lognormal" => {
            if has("mu") || has("sigma") {
                allowed.extend(["mu", "sigma"]);
                if dur {
                    allowed.push("unit");
                }
                tbl.check_keys_with(ctx, &allowed, " for dist = \"lognormal\" by mu and sigma");
                let mu = plain(ctx, &tbl, "mu");
                let sigma = plain(ctx, &tbl, "sigma");
                let shift = if dur { libm::log(unit(ctx, &tbl)?) } else { 0.0 };
                match (mu, sigma) {
                    (Some(mu), Some(sigma)) => build(ctx, f, Dist::lognormal(mu + shift, sigma)),
                    _ => None,
                }
            } else {
                allowed.extend(["median", "p90"]);
                tbl.check_keys_with(ctx, &allowed, " for dist = \"lognormal\" (by median and p90, or by mu and sigma)");
                let median = param(ctx, &tbl, "median", q);
                let p90 = param(ctx, &tbl, "p90", q);
                match (median, p90) {
                    (Some(m), Some(p)) if dur && p <= m => {
                        let msg = format!("p90 ({}) must be greater than the median ({})", show(p), show(m));
                        ctx.error(&f.span, &f.path, msg);
                        None
                    }
                    (Some(m), Some(p)) => build(ctx, f, Dist::lognormal_median_p90(m, p)),
                    _ => None,
                }
            }
        }
        "gamma" => {
            let by_mean = has("mean") && !has("scale");
            allowed.extend(["shape", if by_mean { "mean" } else { "scale" }]);
            tbl.check_keys_with(ctx, &allowed, " for dist = \"gamma\" (shape with scale or mean)");
            let shape = plain(ctx, &tbl, "shape");
            let second = param(ctx, &tbl, if by_mean { "mean" } else { "scale" }, q);
            match (shape, second) {
                (Some(shape), Some(x)) => {
                    let scale = if by_mean { x / shape } else { x };
                    build(ctx, f, Dist::gamma(shape, scale))
                }
                _ => None,
            }
        }
        "weibull" => {
            allowed.extend(["shape", "scale"]);
            tbl.check_keys_with(ctx, &allowed, " for dist = \"weibull\"");
            let shape = plain(ctx, &tbl, "shape");
            let scale = param(ctx, &tbl, "scale", q);
            match (shape, scale) {
                (Some(a), Some(b)) => build(ctx, f, Dist::weibull(a, b)),
                _ => None,
            }
        }
        "uniform" => {
            allowed.extend(["min", "max"]);
            tbl.check_keys_with(ctx, &allowed, " for dist = \"uniform\"");
            let min = param(ctx, &tbl, "min", q);
            let max = param(ctx, &tbl, "max", q);
            match (min, max) {
                (Some(a), Some(b)) if dur && b < a => {
                    ctx.error(&f.span, &f.path, format!("max ({}) must not be less than min ({})", show(b), show(a)));
                    None
                }
                (Some(a), Some(b)) => build(ctx, f, Dist::uniform(a, b)),
                _ => None,
            }
        }
        "empirical" => {
            allowed.extend(["file", "column"]);
            if dur {
                allowed.push("unit");
            }
            tbl.check_keys_with(ctx, &allowed, " for dist = \"empirical\"");
            let factor = if dur { unit(ctx, &tbl) } else { Some(1.0) };
            let samples = empirical(ctx, &tbl)?;
            let factor = factor?;
            build(ctx, f, Dist::empirical(samples.into_iter().map(|s| s * factor).collect()))
        }
        "mixture" => {
            allowed.push("components");
            tbl.check_keys_with(ctx, &allowed, " for dist = \"mixture\"");
            let comps = tbl.require(ctx, "components")?;
            let parts = components(ctx, &comps, q)?;
            build(ctx, f, Dist::mixture(parts))
        }
        other => unreachable_kind(ctx, f, other),
    };
    Some((dist?, weight?))
}

/// A duration parameter (whole milliseconds) as the file would write it.
fn show(ms: f64) -> String {
    SimDuration(ms as u64).to_string()
}

fn unreachable_kind(ctx: &mut Ctx, f: &Field<'_>, kind: &str) -> Option<Dist> {
    // `choice` only returns listed kinds; kept as an error rather than a panic all the same.
    ctx.error(&f.span, &f.path, format!("unsupported distribution {kind:?}"));
    None
}

/// Maps a constructor's refusal to a diagnostic at the distribution.
fn build(ctx: &mut Ctx, f: &Field<'_>, r: Result<Dist, DistError>) -> Option<Dist> {
    let n = show_number;
    let msg = match r {
        Ok(d) => return Some(d),
        // The constructors' messages with numbers cut to a readable length.
        Err(DistError::NotPositive(name, v)) => format!("{name} must be a finite number greater than 0, got {}", n(v)),
        Err(DistError::Negative(name, v)) => format!("{name} must be a finite number at least 0, got {}", n(v)),
        Err(DistError::P90NotAboveMedian { median, p90 }) => {
            format!("p90 ({}) must be greater than the median ({})", n(p90), n(median))
        }
        Err(DistError::EmptyRange { min, max }) => format!("max ({}) must not be less than min ({})", n(max), n(min)),
        Err(e) => e.to_string(),
    };
    ctx.error(&f.span, &f.path, msg);
    None
}

/// A parameter in the distribution's quantity: a duration string (as ms) or a number.
fn param(ctx: &mut Ctx, tbl: &Tbl<'_>, key: &str, q: Quantity) -> Option<f64> {
    let f = tbl.require(ctx, key)?;
    match q {
        Quantity::Duration => ctx.duration(&f).map(|d| d.ms() as f64),
        Quantity::Count => ctx.number(&f),
    }
}

/// A unitless parameter (shape, mu, sigma).
fn plain(ctx: &mut Ctx, tbl: &Tbl<'_>, key: &str) -> Option<f64> {
    let f = tbl.require(ctx, key)?;
    ctx.number(&f)
}

/// Milliseconds per `unit` (default seconds).
fn unit(ctx: &mut Ctx, tbl: &Tbl<'_>) -> Option<f64> {
    let Some(f) = tbl.get("unit") else {
        return Some(MS_PER_S as f64);
    };
    let names: Vec<&str> = UNITS.iter().map(|(n, _)| *n).collect();
    let u = ctx.choice(&f, &names)?;
    UNITS.iter().find(|(n, _)| *n == u).map(|(_, ms)| *ms as f64)
}

fn components(ctx: &mut Ctx, f: &Field<'_>, q: Quantity) -> Option<Vec<(f64, Dist)>> {
    let mut items: Vec<(Item, usize)> = Vec::new();
    match f.item {
        Item::Value(Value::Array(a)) => {
            for (i, v) in a.iter().enumerate() {
                items.push((Item::Value(v.clone()), i));
            }
        }
        Item::ArrayOfTables(a) => {
            for (i, t) in a.iter().enumerate() {
                items.push((Item::Table(t.clone()), i));
            }
        }
        other => {
            ctx.error(
                &f.span,
                &f.path,
                format!("expected an array of {{ weight = ..., dist = ... }} tables, got {}", describe(other)),
            );
            return None;
        }
    }
    if items.is_empty() {
        ctx.error(&f.span, &f.path, "a mixture needs at least one component");
        return None;
    }
    if items.len() > MAX_COMPONENTS {
        ctx.error(&f.span, &f.path, format!("a mixture has at most {MAX_COMPONENTS} components, got {}", items.len()));
        return None;
    }
    let mut parts = Vec::with_capacity(items.len());
    let mut good = true;
    for (item, i) in &items {
        let span = item.span().unwrap_or_else(|| f.span.clone());
        let cf = Field { item, path: format!("{}.{i}", f.path), span: span.clone(), key_span: span };
        match read(ctx, &cf, q, true) {
            Some((d, w)) => parts.push((w, d)),
            None => good = false,
        }
    }
    good.then_some(parts)
}

/// Opens a CSV file named by field `f`, relative to the scenario's folder, with its label for
/// messages; a file that cannot be read is an error at `f`.
pub(super) fn open_csv(ctx: &mut Ctx, f: &Field<'_>, file: &str) -> Option<(csv::Reader<std::fs::File>, String)> {
    let path = ctx.base_dir.join(file);
    let label = path.display().to_string();
    if let Err(m) = super::reader::plain_file(&path, super::reader::MAX_DATA_BYTES) {
        ctx.error(&f.span, &f.path, format!("cannot read {label}: {m}"));
        return None;
    }
    match csv::ReaderBuilder::new().has_headers(true).flexible(true).from_path(&path) {
        Ok(r) => Some((r, label)),
        Err(e) => {
            ctx.error(&f.span, &f.path, format!("cannot read {label}: {e}"));
            None
        }
    }
}

/// The samples of an empirical distribution's CSV column.
fn empirical(ctx: &mut Ctx, tbl: &Tbl<'_>) -> Option<Vec<f64>> {
    let file_f = tbl.require(ctx, "file")?;
    let col_f = tbl.require(ctx, "column")?;
    let file = ctx.string(&file_f)?;
    let column = ctx.string(&col_f)?;
    let (mut rdr, label) = open_csv(ctx, &file_f, file)?;
    let headers = match rdr.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            ctx.error(&file_f.span, &file_f.path, format!("cannot read the header of {label}: {e}"));
            return None;
        }
    };
    let names: Vec<&str> = headers.iter().collect();
    let Some(idx) = names.iter().position(|h| h.trim() == column) else {
        let hint = super::diag::did_you_mean(column, names.iter().copied());
        let msg = format!("{label} has no column {column:?} (its columns: {}){hint}", one_of(&names));
        ctx.error(&col_f.span, &col_f.path, msg);
        return None;
    };
    let mut samples = Vec::new();
    let mut good = true;
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                ctx.error_in(&label, line, 1, column, format!("cannot read the record: {e}"));
                good = false;
                break;
            }
        };
        let line = rec.position().map_or(0, |p| p.line() as usize);
        let cell = rec.get(idx).unwrap_or("").trim();
        match cell.parse::<f64>() {
            Ok(x) if x.is_finite() && x >= 0.0 => samples.push(x),
            _ => {
                ctx.error_in(
                    &label,
                    line,
                    idx + 1,
                    column,
                    format!("expected a number >= 0, got {}", super::walk::quote_short(cell)),
                );
                good = false;
            }
        }
    }
    if samples.is_empty() && good {
        ctx.error(&file_f.span, &file_f.path, format!("{label} has no samples in column {column:?}"));
        return None;
    }
    good.then_some(samples)
}
