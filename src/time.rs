//! Simulated time: integer milliseconds since the scenario start, never a float.
//!
//! Owns `SimTime`, `SimDuration` and the parsing of human duration strings. Conversions to
//! seconds or hours exist only for writing results.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// Milliseconds in one second, minute, hour and day.
pub const MS_PER_S: u64 = 1_000;
pub const MS_PER_MIN: u64 = 60 * MS_PER_S;
pub const MS_PER_HOUR: u64 = 60 * MS_PER_MIN;
pub const MS_PER_DAY: u64 = 24 * MS_PER_HOUR;

/// An instant of simulated time: milliseconds since 00:00 on day 0 of the scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimTime(pub u64);

/// A length of simulated time in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimDuration(pub u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    pub const MAX: SimTime = SimTime(u64::MAX);

    pub fn ms(self) -> u64 {
        self.0
    }
    /// Seconds as a float, for results only.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / MS_PER_S as f64
    }
    /// Zero-based day index since the scenario start.
    pub fn day(self) -> u64 {
        self.0 / MS_PER_DAY
    }
    /// Hour of the day, 0..24.
    pub fn hour_of_day(self) -> usize {
        ((self.0 % MS_PER_DAY) / MS_PER_HOUR) as usize
    }
    /// Time elapsed since `earlier`, zero when `earlier` is later.
    pub fn saturating_since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
    pub fn saturating_add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}

impl SimDuration {
    pub const ZERO: SimDuration = SimDuration(0);

    pub fn from_secs(s: u64) -> Self {
        SimDuration(s * MS_PER_S)
    }
    pub fn from_mins(m: u64) -> Self {
        SimDuration(m * MS_PER_MIN)
    }
    pub fn from_hours(h: u64) -> Self {
        SimDuration(h * MS_PER_HOUR)
    }
    pub fn from_days(d: u64) -> Self {
        SimDuration(d * MS_PER_DAY)
    }
    pub fn ms(self) -> u64 {
        self.0
    }
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / MS_PER_S as f64
    }
    pub fn as_hours_f64(self) -> f64 {
        self.0 as f64 / MS_PER_HOUR as f64
    }
}

/// Saturates at `SimTime::MAX`: a timeout or delay too long to represent lands beyond any
/// horizon, which is what it means.
impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}
impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, d: SimDuration) {
        self.0 = self.0.saturating_add(d.0);
    }
}
impl Sub<SimTime> for SimTime {
    type Output = SimDuration;
    /// Panics in debug builds when `rhs` is later: use `saturating_since` where that can happen.
    fn sub(self, rhs: SimTime) -> SimDuration {
        SimDuration(self.0 - rhs.0)
    }
}
impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(d.0))
    }
}

impl fmt::Display for SimDuration {
    /// Writes the shortest exact form, e.g. `1h30m`, `90d`, `250ms`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("0s");
        }
        let mut rest = self.0;
        for (unit, ms) in [("d", MS_PER_DAY), ("h", MS_PER_HOUR), ("m", MS_PER_MIN), ("s", MS_PER_S), ("ms", 1)] {
            if rest >= ms {
                write!(f, "{}{}", rest / ms, unit)?;
                rest %= ms;
            }
        }
        Ok(())
    }
}

impl fmt::Display for SimTime {
    /// Writes `day D HH:MM:SS.mmm`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let in_day = self.0 % MS_PER_DAY;
        write!(
            f,
            "day {} {:02}:{:02}:{:02}.{:03}",
            self.day(),
            in_day / MS_PER_HOUR,
            (in_day % MS_PER_HOUR) / MS_PER_MIN,
            (in_day % MS_PER_MIN) / MS_PER_S,
            in_day % MS_PER_S
        )
    }
}

/// Why a duration string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("expected a duration such as 90s, 25m, 2h, 1d or 1h30m, got {0:?}")]
    Syntax(String),
    #[error("{0:?} is finer than a millisecond, the simulator's clock tick")]
    SubMillisecond(String),
    #[error("{0:?}: months, years and weeks vary in length or are not units here: write days, e.g. 30d")]
    CalendarUnit(String),
    #[error("{0:?}: each unit at most once, largest first (d, h, m, s, ms), e.g. 1h30m")]
    UnitOrder(String),
    #[error("{0:?} is too long for the clock: at most about 213503982334d (2^64 ms)")]
    TooLong(String),
}

/// The units a duration may use, largest first, with their length in milliseconds.
const UNITS: [(&str, u64); 5] = [("d", MS_PER_DAY), ("h", MS_PER_HOUR), ("m", MS_PER_MIN), ("s", MS_PER_S), ("ms", 1)];

/// Parses a human duration (`90s`, `25m`, `2h`, `1d`, `1h30m`, `90d`, `250ms`) into whole
/// milliseconds. Each unit at most once, largest first (d, h, m, s, ms), so `1h1h` and `30m1h`
/// are refused rather than summed; `m` is minutes; months, years and weeks are refused.
pub fn parse_duration(text: &str) -> Result<SimDuration, DurationError> {
    let full = text;
    // Messages echo at most 40 characters of what was written.
    let text = &*shorten(full);
    let syntax = || DurationError::Syntax(text.to_string());
    let trimmed = full.trim();
    if trimmed.is_empty() {
        return Err(syntax());
    }
    let bytes = trimmed.as_bytes();
    let mut i = 0;
    let mut total_ms: u64 = 0;
    // Index in UNITS of the last unit used: the next must be strictly smaller.
    let mut last: Option<usize> = None;
    while i < bytes.len() {
        while i < bytes.len() && bytes[i] == b' ' {
            i += 1;
        }
        let digits_start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i == digits_start {
            return Err(syntax());
        }
        let digits = &trimmed[digits_start..i];
        let unit_start = i;
        while i < bytes.len() && !bytes[i].is_ascii_digit() && bytes[i] != b' ' {
            i += 1;
        }
        let unit = &trimmed[unit_start..i];
        let Some(pos) = UNITS.iter().position(|(u, _)| *u == unit) else {
            return Err(match unit {
                "us" | "µs" | "ns" => DurationError::SubMillisecond(text.to_string()),
                _ if is_calendar_unit(unit) => DurationError::CalendarUnit(text.to_string()),
                _ => syntax(),
            });
        };
        if last.is_some_and(|l| pos <= l) {
            return Err(DurationError::UnitOrder(text.to_string()));
        }
        last = Some(pos);
        let too_long = || DurationError::TooLong(text.to_string());
        let n: u64 = digits.parse().map_err(|_| too_long())?;
        let ms = n.checked_mul(UNITS[pos].1).ok_or_else(too_long)?;
        // Instants saturate at `SimTime::MAX`: a timeout this long never fires, as meant.
        total_ms = total_ms.checked_add(ms).ok_or_else(too_long)?;
    }
    Ok(SimDuration(total_ms))
}

/// `text` cut to 40 characters with `...`, for messages.
fn shorten(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().count() <= 40 {
        text.into()
    } else {
        format!("{}...", text.chars().take(40).collect::<String>()).into()
    }
}

/// Units whose length varies (months, years) or that the format does not take (weeks).
fn is_calendar_unit(unit: &str) -> bool {
    matches!(
        unit,
        "M" | "mo" | "mon" | "month" | "months" | "y" | "yr" | "yrs" | "year" | "years" | "w" | "week" | "weeks"
    )
}

/// Seconds for people, in the largest unit that keeps the number readable: `13.1 s`,
/// `4.2 min`, `3.5 h`, `2.1 d`.
pub fn human_seconds(s: f64) -> String {
    let a = s.abs();
    if a < 60.0 {
        format!("{s:.1} s")
    } else if a < 3600.0 {
        format!("{:.1} min", s / 60.0)
    } else if a < 86_400.0 {
        format!("{:.1} h", s / 3600.0)
    } else {
        format!("{:.1} d", s / 86_400.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_spec_examples() {
        assert_eq!(parse_duration("90s").unwrap(), SimDuration::from_secs(90));
        assert_eq!(parse_duration("25m").unwrap(), SimDuration::from_mins(25));
        assert_eq!(parse_duration("2h").unwrap(), SimDuration::from_hours(2));
        assert_eq!(parse_duration("1d").unwrap(), SimDuration::from_days(1));
        assert_eq!(parse_duration("1h30m").unwrap(), SimDuration::from_mins(90));
        assert_eq!(parse_duration("90d").unwrap(), SimDuration::from_days(90));
        assert_eq!(parse_duration("250ms").unwrap(), SimDuration(250));
    }

    #[test]
    fn refuses_garbage_months_and_submillisecond() {
        assert!(parse_duration("").is_err());
        assert!(parse_duration("ten minutes").is_err());
        assert!(parse_duration("3M").is_err());
        assert!(parse_duration("1y").is_err());
        assert!(matches!(parse_duration("10us"), Err(DurationError::SubMillisecond(_))));
    }

    #[test]
    fn each_unit_at_most_once_largest_first() {
        assert_eq!(
            parse_duration("1d2h3m4s5ms").unwrap(),
            SimDuration(MS_PER_DAY + 2 * MS_PER_HOUR + 3 * MS_PER_MIN + 4_005)
        );
        assert_eq!(parse_duration(" 1h 30m ").unwrap(), SimDuration::from_mins(90));
        assert_eq!(parse_duration("90m").unwrap(), SimDuration::from_mins(90));
        for bad in ["1h1h", "30m1h", "1s1m", "5ms1s", "1m1m"] {
            assert_eq!(
                parse_duration(bad).unwrap_err().to_string(),
                format!("{bad:?}: each unit at most once, largest first (d, h, m, s, ms), e.g. 1h30m")
            );
        }
    }

    #[test]
    fn months_years_and_weeks_are_refused_by_name() {
        for bad in ["1month", "1y1ms", "3M", "2w", "1years"] {
            assert_eq!(parse_duration(bad).unwrap_err(), DurationError::CalendarUnit(bad.to_string()), "{bad}");
        }
        assert_eq!(
            parse_duration("1month").unwrap_err().to_string(),
            "\"1month\": months, years and weeks vary in length or are not units here: write days, e.g. 30d"
        );
    }

    #[test]
    fn refuses_signs_decimals_and_huge_values() {
        for bad in ["-1s", "1.5h", "h", "1", "1 h", "1e3s", "5min", "1hour"] {
            assert_eq!(parse_duration(bad).unwrap_err(), DurationError::Syntax(bad.to_string()), "{bad}");
        }
        assert_eq!(parse_duration("213503982333d").unwrap(), SimDuration::from_days(213_503_982_333));
        for huge in ["213503982335d", "213503982334d15h", "99999999999999999999999s", "18446744073709551615d"] {
            assert_eq!(parse_duration(huge).unwrap_err(), DurationError::TooLong(huge.to_string()), "{huge}");
        }
    }

    #[test]
    fn adding_saturates_instead_of_wrapping() {
        assert_eq!(SimTime(u64::MAX - 1) + SimDuration(5), SimTime::MAX);
        assert_eq!(SimDuration(u64::MAX) + SimDuration(1), SimDuration(u64::MAX));
    }

    #[test]
    fn display_round_trips() {
        for s in ["90s", "25m", "2h", "1d", "1h30m", "90d", "250ms", "1d2h3m4s5ms"] {
            let d = parse_duration(s).unwrap();
            assert_eq!(parse_duration(&d.to_string()).unwrap(), d);
        }
        assert_eq!(SimDuration::from_secs(90).to_string(), "1m30s");
        assert_eq!(SimDuration::from_days(90).to_string(), "90d");
        assert_eq!(SimTime(MS_PER_DAY + 13 * MS_PER_HOUR + 5).to_string(), "day 1 13:00:00.005");
    }
}
