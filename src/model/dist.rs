//! Probability distributions of durations and counts, as the scenario file states them.
//!
//! Values are in base units: milliseconds for durations, plain numbers for counts. `Never`
//! (alone or as a mixture component) means the event does not happen. Pure: the caller owns
//! the random number generator. Every logarithm and exponential is `libm`'s (see `ziggurat`),
//! so draws are the same on every machine.

use super::ziggurat::{exp1, Gamma, LogNormal, Weibull};
use crate::time::SimDuration;
use rand::Rng;
use std::sync::Arc;

/// The 90th percentile of the standard normal distribution, for lognormal by median and p90.
pub const Z_P90: f64 = 1.281_551_565_544_600_4;

/// Rounds a non-negative draw to the nearest whole millisecond (halves up); NaN and negative
/// values give 0, values beyond `u64` saturate. Inline arithmetic: `f64::round` is a libm call
/// that showed up at 3% of a run. Below 2^63 (every draw that matters) through `i64`, whose
/// conversion is one machine instruction where `u64`'s is a dozen; the same value either way.
#[inline]
pub fn round_ms(ms: f64) -> u64 {
    const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
    if ms > 0.0 {
        let x = ms + 0.5;
        if x < TWO_POW_63 {
            x as i64 as u64
        } else {
            x as u64
        }
    } else {
        0
    }
}

/// A distribution of a non-negative quantity, or of nothing at all (`Never`).
#[derive(Debug, Clone)]
#[repr(u8)]
pub enum Dist {
    /// The event never happens.
    Never,
    Constant(f64),
    Exponential {
        mean: f64,
    },
    LogNormal {
        mu: f64,
        sigma: f64,
        inner: LogNormal,
    },
    Gamma {
        shape: f64,
        scale: f64,
        inner: Gamma,
    },
    Weibull {
        shape: f64,
        scale: f64,
        inner: Weibull,
    },
    Uniform {
        min: f64,
        max: f64,
    },
    /// Resampling from observed values (a bootstrap of an empirical CSV column).
    Empirical {
        samples: Arc<[f64]>,
    },
    /// Picks a component by weight, then samples it. Weights are stored cumulative, summing to 1.
    Mixture {
        cumulative: Vec<f64>,
        components: Vec<Dist>,
    },
}

/// Why a distribution's parameters were refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DistError {
    #[error("{0} must be a finite number greater than 0, got {1}")]
    NotPositive(&'static str, f64),
    #[error("{0} must be a finite number at least 0, got {1}")]
    Negative(&'static str, f64),
    #[error("p90 ({p90}) must be greater than the median ({median})")]
    P90NotAboveMedian { median: f64, p90: f64 },
    #[error("max ({max}) must not be less than min ({min})")]
    EmptyRange { min: f64, max: f64 },
    #[error("an empirical distribution needs at least one sample")]
    NoSamples,
    #[error("a mixture needs at least one component with a weight greater than 0")]
    NoWeight,
}

fn positive(name: &'static str, v: f64) -> Result<f64, DistError> {
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(DistError::NotPositive(name, v))
    }
}

fn non_negative(name: &'static str, v: f64) -> Result<f64, DistError> {
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(DistError::Negative(name, v))
    }
}

impl Dist {
    pub fn constant(value: f64) -> Result<Dist, DistError> {
        Ok(Dist::Constant(non_negative("value", value)?))
    }

    pub fn exponential(mean: f64) -> Result<Dist, DistError> {
        Ok(Dist::Exponential { mean: positive("mean", mean)? })
    }

    pub fn lognormal(mu: f64, sigma: f64) -> Result<Dist, DistError> {
        if !mu.is_finite() {
            return Err(DistError::NotPositive("mu", mu));
        }
        let sigma = positive("sigma", sigma)?;
        let inner = LogNormal { mu, sigma };
        Ok(Dist::LogNormal { mu, sigma, inner })
    }

    /// Lognormal whose median and 90th percentile are the given values.
    pub fn lognormal_median_p90(median: f64, p90: f64) -> Result<Dist, DistError> {
        let median = positive("median", median)?;
        let p90 = positive("p90", p90)?;
        if p90 <= median {
            return Err(DistError::P90NotAboveMedian { median, p90 });
        }
        let mu = libm::log(median);
        Dist::lognormal(mu, (libm::log(p90) - mu) / Z_P90)
    }

    pub fn gamma(shape: f64, scale: f64) -> Result<Dist, DistError> {
        let shape = positive("shape", shape)?;
        let scale = positive("scale", scale)?;
        let inner = Gamma::new(shape, scale);
        Ok(Dist::Gamma { shape, scale, inner })
    }

    pub fn weibull(shape: f64, scale: f64) -> Result<Dist, DistError> {
        let shape = positive("shape", shape)?;
        let scale = positive("scale", scale)?;
        let inner = Weibull { inv_shape: 1.0 / shape, scale };
        Ok(Dist::Weibull { shape, scale, inner })
    }

    pub fn uniform(min: f64, max: f64) -> Result<Dist, DistError> {
        let min = non_negative("min", min)?;
        let max = non_negative("max", max)?;
        if max < min {
            return Err(DistError::EmptyRange { min, max });
        }
        Ok(Dist::Uniform { min, max })
    }

    pub fn empirical(samples: Vec<f64>) -> Result<Dist, DistError> {
        if samples.is_empty() {
            return Err(DistError::NoSamples);
        }
        for &s in &samples {
            non_negative("sample", s)?;
        }
        Ok(Dist::Empirical { samples: samples.into() })
    }

    pub fn mixture(parts: Vec<(f64, Dist)>) -> Result<Dist, DistError> {
        let mut total = 0.0;
        for (w, _) in &parts {
            total += non_negative("weight", *w)?;
        }
        if total <= 0.0 {
            return Err(DistError::NoWeight);
        }
        let mut cumulative = Vec::with_capacity(parts.len());
        let mut components = Vec::with_capacity(parts.len());
        let mut acc = 0.0;
        for (w, d) in parts {
            acc += w / total;
            cumulative.push(acc);
            components.push(d);
        }
        Ok(Dist::Mixture { cumulative, components })
    }

    /// One draw, or `None` when the event does not happen. Always consumes random numbers the
    /// same way for the same distribution, so that common random numbers stay aligned.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Option<f64> {
        // A mixture picks its component, then the component is drawn: a loop, not a recursive
        // call, so that the function needs no frame of its own for nesting.
        let mut d = self;
        while let Dist::Mixture { cumulative, components } = d {
            let u: f64 = rng.gen();
            let i = cumulative.iter().position(|&c| u < c).unwrap_or(components.len() - 1);
            d = &components[i];
        }
        match d {
            Dist::Never => None,
            Dist::Constant(v) => Some(*v),
            // The ziggurat method: a logarithm only on the rare tail draws.
            Dist::Exponential { mean } => Some(mean * exp1(rng)),
            Dist::LogNormal { inner, .. } => Some(inner.sample(rng)),
            Dist::Gamma { inner, .. } => Some(inner.sample(rng)),
            Dist::Weibull { inner, .. } => Some(inner.sample(rng)),
            Dist::Uniform { min, max } => Some(min + (max - min) * rng.gen::<f64>()),
            Dist::Empirical { samples } => Some(samples[rng.gen_range(0..samples.len())]),
            Dist::Mixture { .. } => unreachable!("a mixture's component was picked above"),
        }
    }

    /// A draw rounded to whole milliseconds. Draws beyond `u64` milliseconds (a heavy tail's
    /// far end) saturate, which lands them beyond any horizon.
    #[inline(always)]
    pub fn sample_duration<R: Rng + ?Sized>(&self, rng: &mut R) -> Option<SimDuration> {
        // `never` and a constant (a turn's park delay and disconnect, often) and the exponential
        // (response times, often) without a call.
        match self {
            Dist::Never => None,
            Dist::Constant(v) => Some(SimDuration(round_ms(*v))),
            Dist::Exponential { mean } => Some(SimDuration(round_ms(mean * exp1(rng)))),
            _ => self.sample(rng).map(|ms| SimDuration(round_ms(ms))),
        }
    }

    /// The draw of `sample_duration` when it needs no random number: `Some(None)` for `never`,
    /// `Some(Some(d))` for a constant, `None` for a distribution that draws.
    pub fn fixed_duration(&self) -> Option<Option<SimDuration>> {
        match self {
            Dist::Never => Some(None),
            Dist::Constant(v) => Some(Some(SimDuration(round_ms(*v)))),
            _ => None,
        }
    }

    /// A draw rounded to a whole count, at least `min`.
    pub fn sample_count<R: Rng + ?Sized>(&self, rng: &mut R, min: u32) -> Option<u32> {
        self.sample(rng).map(|v| (round_ms(v).min(u32::MAX as u64) as u32).max(min))
    }

    /// Probability that the event happens at all (1 minus the weight of `Never`).
    pub fn happen_probability(&self) -> f64 {
        match self {
            Dist::Never => 0.0,
            Dist::Mixture { cumulative, components } => {
                let mut prev = 0.0;
                let mut p = 0.0;
                for (c, d) in cumulative.iter().zip(components) {
                    p += (c - prev) * d.happen_probability();
                    prev = *c;
                }
                p
            }
            _ => 1.0,
        }
    }

    /// Mean given that the event happens, or `None` for `Never`.
    pub fn conditional_mean(&self) -> Option<f64> {
        match self {
            Dist::Never => None,
            Dist::Constant(v) => Some(*v),
            Dist::Exponential { mean } => Some(*mean),
            Dist::LogNormal { mu, sigma, .. } => Some(libm::exp(mu + sigma * sigma / 2.0)),
            Dist::Gamma { shape, scale, .. } => Some(shape * scale),
            Dist::Weibull { shape, scale, .. } => Some(scale * statrs::function::gamma::gamma(1.0 + 1.0 / shape)),
            Dist::Uniform { min, max } => Some((min + max) / 2.0),
            Dist::Empirical { samples } => Some(samples.iter().sum::<f64>() / samples.len() as f64),
            Dist::Mixture { cumulative, components } => {
                let mut prev = 0.0;
                let (mut num, mut den) = (0.0, 0.0);
                for (c, d) in cumulative.iter().zip(components) {
                    let w = c - prev;
                    prev = *c;
                    if let Some(m) = d.conditional_mean() {
                        let p = w * d.happen_probability();
                        num += p * m;
                        den += p;
                    }
                }
                (den > 0.0).then(|| num / den)
            }
        }
    }

    /// Whether this is `Never` itself (a mixture with a `Never` part is not).
    pub fn is_never(&self) -> bool {
        matches!(self, Dist::Never)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_pcg::Pcg64Mcg;

    fn mean_of(d: &Dist, n: usize) -> f64 {
        let mut rng = Pcg64Mcg::seed_from_u64(7);
        let draws: Vec<f64> = (0..n).filter_map(|_| d.sample(&mut rng)).collect();
        draws.iter().sum::<f64>() / draws.len() as f64
    }

    #[test]
    fn sample_means_agree_with_closed_forms() {
        let cases = [
            Dist::exponential(120.0).unwrap(),
            Dist::lognormal_median_p90(60.0, 300.0).unwrap(),
            Dist::gamma(2.0, 30.0).unwrap(),
            Dist::weibull(1.5, 100.0).unwrap(),
            Dist::uniform(10.0, 30.0).unwrap(),
        ];
        for d in &cases {
            let expected = d.conditional_mean().unwrap();
            let got = mean_of(d, 200_000);
            assert!((got - expected).abs() / expected < 0.02, "{d:?}: {got} vs {expected}");
        }
    }

    #[test]
    fn lognormal_by_median_and_p90_hits_both_quantiles() {
        let d = Dist::lognormal_median_p90(60.0, 300.0).unwrap();
        let mut rng = Pcg64Mcg::seed_from_u64(1);
        let mut v: Vec<f64> = (0..100_001).map(|_| d.sample(&mut rng).unwrap()).collect();
        v.sort_by(f64::total_cmp);
        assert!((v[50_000] / 60.0 - 1.0).abs() < 0.03);
        assert!((v[90_000] / 300.0 - 1.0).abs() < 0.03);
    }

    #[test]
    fn mixture_with_never_happens_at_its_weight() {
        let d = Dist::mixture(vec![(0.75, Dist::constant(5.0).unwrap()), (0.25, Dist::Never)]).unwrap();
        assert!((d.happen_probability() - 0.75).abs() < 1e-12);
        assert_eq!(d.conditional_mean(), Some(5.0));
        let mut rng = Pcg64Mcg::seed_from_u64(3);
        let happened = (0..100_000).filter(|_| d.sample(&mut rng).is_some()).count();
        assert!((happened as f64 / 100_000.0 - 0.75).abs() < 0.01);
    }

    #[test]
    fn refuses_bad_parameters() {
        assert!(Dist::exponential(0.0).is_err());
        assert!(Dist::lognormal_median_p90(60.0, 30.0).is_err());
        assert!(Dist::uniform(5.0, 1.0).is_err());
        assert!(Dist::empirical(vec![]).is_err());
        assert!(Dist::mixture(vec![(0.0, Dist::Never)]).is_err());
        assert!(Dist::gamma(f64::NAN, 1.0).is_err());
    }

    #[test]
    fn rounding_is_to_the_nearest_and_saturates() {
        assert_eq!(round_ms(1499.4), 1499);
        assert_eq!(round_ms(1499.5), 1500);
        assert_eq!(round_ms(-3.0), 0);
        assert_eq!(round_ms(f64::NAN), 0);
        assert_eq!(round_ms(1e300), u64::MAX);
        assert_eq!(round_ms(f64::INFINITY), u64::MAX);
        // On both sides of 2^63, where the conversion changes path: the plain `u64` conversion.
        for ms in [9.2e18, 9_223_372_036_854_774_784.0, 9_223_372_036_854_775_808.0, 9.3e18, 1.8e19, 1.9e19] {
            assert_eq!(round_ms(ms), (ms + 0.5) as u64, "{ms}");
        }
    }

    proptest::proptest! {
        /// The `i64` path gives what the plain `u64` conversion gives, at every magnitude.
        #[test]
        fn rounding_through_i64_is_the_u64_conversion(bits in proptest::num::u64::ANY) {
            let ms = f64::from_bits(bits);
            let plain = if ms > 0.0 { (ms + 0.5) as u64 } else { 0 };
            proptest::prop_assert_eq!(round_ms(ms), plain);
        }
    }

    #[test]
    fn durations_round_to_milliseconds() {
        let d = Dist::constant(1499.6).unwrap();
        let mut rng = Pcg64Mcg::seed_from_u64(0);
        assert_eq!(d.sample_duration(&mut rng), Some(SimDuration(1500)));
        assert_eq!(Dist::Never.sample_duration(&mut rng), None);
    }
}
