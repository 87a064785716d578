//! Chooses a distribution for a sample of censored durations or counts: the SPEC family with
//! the lowest AIC (with a `never` share where allowed), or `empirical` where even the best
//! family fails the Kolmogorov-Smirnov test. Pure.

use super::families::{fit_family, Family, FamilyFit, FAMILIES};
use super::km::{conditional_quantiles, kaplan_meier, Obs};

/// How many samples an `empirical` fit keeps (quantiles of the Kaplan-Meier curve).
pub const EMPIRICAL_SAMPLES: usize = 1000;

/// The KS distance beyond which no family fits: the 99% critical value c / sqrt(n) of the
/// one-sample test (conservative with estimated parameters, so a right family rarely fails).
pub fn ks_critical(n_events: usize) -> f64 {
    1.63 / (n_events.max(1) as f64).sqrt()
}

/// What was chosen for one duration.
#[derive(Debug, Clone, PartialEq)]
pub enum Choice {
    /// No event was ever observed.
    Never,
    /// Every observed event had the same duration.
    Constant {
        value_s: f64,
        never_share: f64,
    },
    Family(FamilyFit),
    /// Resampled from the Kaplan-Meier curve; `best` is the family that failed.
    Empirical {
        samples_s: Vec<f64>,
        never_share: f64,
        best: Option<FamilyFit>,
    },
}

/// A chosen distribution and what it was fitted from.
#[derive(Debug, Clone, PartialEq)]
pub struct DurationFit {
    pub choice: Choice,
    pub n_events: usize,
    pub n_censored: usize,
}

impl DurationFit {
    /// The share that never happens.
    pub fn never_share(&self) -> f64 {
        match &self.choice {
            Choice::Never => 1.0,
            Choice::Constant { never_share, .. } | Choice::Empirical { never_share, .. } => *never_share,
            Choice::Family(f) => f.never_share,
        }
    }
}

/// Fits `obs`; `allow_never`: the event may never happen for a share of them (a customer who
/// never answers), estimated from the censored observations.
pub fn fit_duration(obs: &[Obs], allow_never: bool) -> DurationFit {
    let n_events = obs.iter().filter(|o| o.event).count();
    let n_censored = obs.len() - n_events;
    let done = |choice| DurationFit { choice, n_events, n_censored };
    if n_events == 0 {
        return done(Choice::Never);
    }
    let curve = kaplan_meier(obs);
    let plateau = if allow_never { curve.last().map_or(0.0, |c| c.1) } else { 0.0 };
    let first = obs.iter().find(|o| o.event).map_or(0.0, |o| o.t_s);
    if obs.iter().filter(|o| o.event).all(|o| o.t_s == first) {
        return done(Choice::Constant { value_s: first, never_share: plateau });
    }
    let mut fits: Vec<FamilyFit> = Vec::new();
    for f in FAMILIES {
        fits.extend(fit_family(f, obs, false));
        if allow_never && n_censored > 0 {
            fits.extend(fit_family(f, obs, true));
        }
    }
    let best = fits.into_iter().min_by(|a, b| a.aic.total_cmp(&b.aic));
    match best {
        Some(b) if b.ks <= ks_critical(n_events) => done(Choice::Family(b)),
        best => {
            let samples_s = conditional_quantiles(&curve, EMPIRICAL_SAMPLES.min(n_events.max(1)));
            done(Choice::Empirical { samples_s, never_share: plateau, best })
        }
    }
}

/// One count (exchanges): `event` false where the dialogue was cut before it ended, so the
/// count is at least `k`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountObs {
    pub k: u32,
    pub event: bool,
}

/// A chosen count distribution.
#[derive(Debug, Clone, PartialEq)]
pub enum CountChoice {
    Constant(u32),
    /// A uniform draw on [min, max] rounded to the nearest integer (as the simulator draws).
    Uniform {
        min: u32,
        max: u32,
    },
    /// Probabilities of each count (a mixture of constants).
    Pmf(Vec<(u32, f64)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct CountFit {
    pub choice: CountChoice,
    pub n_events: usize,
    pub n_censored: usize,
    /// AIC of the uniform and of the free probabilities, where both were tried.
    pub aic_uniform: Option<f64>,
    pub aic_pmf: Option<f64>,
}

fn rounded_uniform_pmf(min: u32, max: u32, k: u32) -> f64 {
    let (a, b, k) = (f64::from(min), f64::from(max), f64::from(k));
    ((k + 0.5).min(b) - (k - 0.5).max(a)).max(0.0) / (b - a)
}

fn count_log_lik(obs: &[CountObs], pmf: &dyn Fn(u32) -> f64, max: u32) -> f64 {
    obs.iter()
        .map(|o| {
            let p = if o.event { pmf(o.k) } else { (o.k..=max).map(pmf).sum() };
            p.max(1e-300).ln()
        })
        .sum()
}

/// Fits counts by the Kaplan-Meier estimate (censored counts still at risk at their value),
/// then picks the rounded uniform or the free probabilities by AIC. `None` without events.
pub fn fit_count(obs: &[CountObs]) -> Option<CountFit> {
    let n_events = obs.iter().filter(|o| o.event).count();
    let n_censored = obs.len() - n_events;
    let as_obs: Vec<Obs> = obs.iter().map(|o| Obs { t_s: f64::from(o.k), event: o.event }).collect();
    let curve = kaplan_meier(&as_obs);
    let mut before = 1.0;
    let mut pmf: Vec<(u32, f64)> = Vec::new();
    for &(k, s) in &curve {
        pmf.push((k as u32, before - s));
        before = s;
    }
    // Mass beyond the last event (counts censored past it) goes to the largest count seen,
    // the least the censored ones are known to reach.
    let top = obs.iter().map(|o| o.k).max().unwrap_or(0);
    match pmf.last_mut() {
        Some(last) if last.0 >= top => last.1 += before,
        Some(_) if before > 0.0 => pmf.push((top, before)),
        _ => {}
    }
    let (&(lo, _), &(hi, _)) = (pmf.first()?, pmf.last()?);
    if lo == hi {
        return Some(CountFit {
            choice: CountChoice::Constant(lo),
            n_events,
            n_censored,
            aic_uniform: None,
            aic_pmf: None,
        });
    }
    let free = |k: u32| pmf.iter().find(|p| p.0 == k).map_or(0.0, |p| p.1);
    let aic_pmf = 2.0 * (pmf.len() - 1) as f64 - 2.0 * count_log_lik(obs, &free, hi);
    let aic_uniform = 2.0 * 2.0 - 2.0 * count_log_lik(obs, &|k| rounded_uniform_pmf(lo, hi, k), hi);
    let choice =
        if aic_uniform <= aic_pmf { CountChoice::Uniform { min: lo, max: hi } } else { CountChoice::Pmf(pmf.clone()) };
    Some(CountFit { choice, n_events, n_censored, aic_uniform: Some(aic_uniform), aic_pmf: Some(aic_pmf) })
}

impl Family {
    /// The family's mean in seconds.
    pub fn mean_s(self, p: [f64; 2]) -> f64 {
        match self {
            Family::Exponential => p[0],
            Family::Lognormal => (p[0] + 0.5 * p[1] * p[1]).exp(),
            Family::Gamma => p[0] * p[1],
            Family::Weibull => p[1] * statrs::function::gamma::gamma(1.0 + 1.0 / p[0]),
            Family::Uniform => 0.5 * (p[0] + p[1]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_no_family_fits_becomes_empirical_with_its_never_share() {
        // Two clusters (seconds and hours) and a third that never happens, censored at 2 days.
        let mut obs = Vec::new();
        for i in 0..600 {
            obs.push(Obs::event(10.0 + (i % 20) as f64));
            obs.push(Obs::event(20_000.0 + 50.0 * (i % 40) as f64));
        }
        obs.extend((0..300).map(|_| Obs::censored(172_800.0)));
        let fit = fit_duration(&obs, true);
        let Choice::Empirical { samples_s, never_share, .. } = &fit.choice else { panic!("{:?}", fit.choice) };
        assert!((never_share - 0.2).abs() < 1e-12, "{never_share}");
        assert_eq!(samples_s.len(), 1000);
        assert_eq!((fit.n_events, fit.n_censored), (1200, 300));
    }

    #[test]
    fn equal_durations_are_a_constant() {
        let obs = [Obs::event(600.0), Obs::event(600.0), Obs::censored(30.0)];
        assert_eq!(fit_duration(&obs, false).choice, Choice::Constant { value_s: 600.0, never_share: 0.0 });
    }

    #[test]
    fn counts_drawn_as_a_rounded_uniform_are_fitted_as_one() {
        // Uniform on [2, 5] rounded: 2 and 5 half as likely as 3 and 4.
        let mut obs = Vec::new();
        for (k, n) in [(2, 100), (3, 200), (4, 200), (5, 100)] {
            obs.extend((0..n).map(|_| CountObs { k, event: true }));
        }
        obs.extend((0..50).map(|_| CountObs { k: 3, event: false }));
        let fit = fit_count(&obs).expect("events");
        assert_eq!(fit.choice, CountChoice::Uniform { min: 2, max: 5 });
        assert_eq!((fit.n_events, fit.n_censored), (600, 50));
    }

    #[test]
    fn uneven_counts_keep_their_probabilities() {
        let mut obs = Vec::new();
        for (k, n) in [(1, 300), (2, 10), (6, 90)] {
            obs.extend((0..n).map(|_| CountObs { k, event: true }));
        }
        let fit = fit_count(&obs).expect("events");
        let CountChoice::Pmf(p) = fit.choice else { panic!("{:?}", fit.choice) };
        let want = [(1, 0.75), (2, 0.025), (6, 0.225)];
        assert_eq!(p.len(), 3);
        for ((k, w), (wk, ww)) in p.iter().zip(want) {
            assert_eq!(*k, wk);
            assert!((w - ww).abs() < 1e-12, "{w} vs {ww}");
        }
    }
}
