//! The duration families a scenario accepts (SPEC 3), their censored maximum-likelihood fits
//! with an optional `never` share, and each fit's AIC and Kolmogorov-Smirnov distance. Pure.

use super::km::{kaplan_meier, Obs};
use super::optim::nelder_mead;
use statrs::function::erf::erfc;
use statrs::function::gamma::{gamma_ur, ln_gamma};

/// A duration family; parameters in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `[mean_s]`
    Exponential,
    /// `[mu, sigma]` of ln(seconds)
    Lognormal,
    /// `[shape, scale_s]`
    Gamma,
    /// `[shape, scale_s]`
    Weibull,
    /// `[min_s, max_s]`
    Uniform,
}

pub const FAMILIES: [Family; 5] =
    [Family::Exponential, Family::Lognormal, Family::Gamma, Family::Weibull, Family::Uniform];

impl Family {
    pub fn key(self) -> &'static str {
        match self {
            Family::Exponential => "exponential",
            Family::Lognormal => "lognormal",
            Family::Gamma => "gamma",
            Family::Weibull => "weibull",
            Family::Uniform => "uniform",
        }
    }

    fn n_params(self) -> usize {
        match self {
            Family::Exponential => 1,
            _ => 2,
        }
    }

    /// ln f(t).
    pub fn log_pdf(self, p: [f64; 2], t: f64) -> f64 {
        match self {
            Family::Exponential => -p[0].ln() - t / p[0],
            Family::Lognormal => {
                let z = (t.ln() - p[0]) / p[1];
                -0.5 * z * z - t.ln() - p[1].ln() - 0.5 * (2.0 * std::f64::consts::PI).ln()
            }
            Family::Gamma => (p[0] - 1.0) * t.ln() - t / p[1] - ln_gamma(p[0]) - p[0] * p[1].ln(),
            Family::Weibull => {
                let x = t / p[1];
                p[0].ln() - p[1].ln() + (p[0] - 1.0) * x.ln() - x.powf(p[0])
            }
            Family::Uniform => {
                if t >= p[0] && t <= p[1] && p[1] > p[0] {
                    -(p[1] - p[0]).ln()
                } else {
                    f64::NEG_INFINITY
                }
            }
        }
    }

    /// P(T <= t).
    pub fn cdf(self, p: [f64; 2], t: f64) -> f64 {
        1.0 - self.sf(p, t)
    }

    /// P(T > t).
    pub fn sf(self, p: [f64; 2], t: f64) -> f64 {
        if t <= 0.0 {
            return 1.0;
        }
        match self {
            Family::Exponential => (-t / p[0]).exp(),
            Family::Lognormal => 0.5 * erfc((t.ln() - p[0]) / (p[1] * std::f64::consts::SQRT_2)),
            Family::Gamma => gamma_ur(p[0], t / p[1]),
            Family::Weibull => (-(t / p[1]).powf(p[0])).exp(),
            Family::Uniform => ((p[1] - t) / (p[1] - p[0])).clamp(0.0, 1.0),
        }
    }

    /// Parameters from unconstrained coordinates (logs of positive parameters).
    fn params_of(self, x: &[f64], data: &Moments) -> [f64; 2] {
        match self {
            Family::Exponential => [x[0].exp(), 0.0],
            Family::Lognormal => [x[0], x[1].exp()],
            Family::Gamma | Family::Weibull => [x[0].exp(), x[1].exp()],
            Family::Uniform => [data.min, data.max],
        }
    }

    /// A starting point from the events' moments, in free coordinates.
    fn start(self, m: &Moments) -> Vec<f64> {
        let cv2 = (m.var / (m.mean * m.mean)).max(1e-6);
        match self {
            Family::Exponential => vec![m.mean.ln()],
            Family::Lognormal => vec![m.mean_ln, m.var_ln.sqrt().max(1e-3).ln()],
            Family::Gamma => vec![(1.0 / cv2).ln(), (m.mean * cv2).ln()],
            Family::Weibull => {
                let k = cv2.powf(-0.543).clamp(0.05, 50.0);
                vec![k.ln(), (m.mean / statrs::function::gamma::gamma(1.0 + 1.0 / k)).ln()]
            }
            Family::Uniform => vec![],
        }
    }
}

/// Summary of the event times that seeds a fit.
struct Moments {
    mean: f64,
    var: f64,
    mean_ln: f64,
    var_ln: f64,
    min: f64,
    max: f64,
}

fn moments(events: &[f64]) -> Moments {
    let n = events.len() as f64;
    let mean = events.iter().sum::<f64>() / n;
    let var = events.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    let mean_ln = events.iter().map(|x| x.ln()).sum::<f64>() / n;
    let var_ln = events.iter().map(|x| (x.ln() - mean_ln).powi(2)).sum::<f64>() / n;
    let min = events.iter().copied().fold(f64::INFINITY, f64::min);
    let max = events.iter().copied().fold(0.0, f64::max);
    Moments { mean, var, mean_ln, var_ln, min, max }
}

/// A fitted family, possibly with a share that never happens.
#[derive(Debug, Clone, PartialEq)]
pub struct FamilyFit {
    pub family: Family,
    pub params: [f64; 2],
    /// Share of observations whose event never happens (0 without a `never` component).
    pub never_share: f64,
    pub log_lik: f64,
    pub aic: f64,
    /// Largest distance between the fitted distribution function and the Kaplan-Meier one.
    pub ks: f64,
}

/// Durations below a millisecond are read as one: the clock's resolution, and ln(0) is -inf.
const MIN_S: f64 = 0.001;

fn log_lik(f: Family, p: [f64; 2], never: f64, obs: &[Obs]) -> f64 {
    obs.iter()
        .map(|o| {
            let t = o.t_s.max(MIN_S);
            if o.event {
                (1.0 - never).ln() + f.log_pdf(p, t)
            } else {
                ((1.0 - never) * f.sf(p, t) + never).max(1e-300).ln()
            }
        })
        .sum()
}

/// The censored maximum-likelihood fit of `f` to `obs`, with a `never` share when
/// `with_never`. `None` without events (or a degenerate uniform).
pub fn fit_family(f: Family, obs: &[Obs], with_never: bool) -> Option<FamilyFit> {
    let events: Vec<f64> = obs.iter().filter(|o| o.event).map(|o| o.t_s.max(MIN_S)).collect();
    if events.len() < 2 {
        return None;
    }
    let m = moments(&events);
    if f == Family::Uniform && m.max <= m.min {
        return None;
    }
    let mut start = f.start(&m);
    let k = f.n_params();
    if with_never {
        let censored = obs.len() - events.len();
        let share = (censored as f64 / obs.len() as f64 * 0.5).clamp(0.01, 0.99);
        start.push((share / (1.0 - share)).ln());
    }
    let split = |x: &[f64]| -> ([f64; 2], f64) {
        let p = f.params_of(x, &m);
        let never = if with_never { 1.0 / (1.0 + (-x[x.len() - 1]).exp()) } else { 0.0 };
        (p, never)
    };
    let nll = |x: &[f64]| {
        let (p, never) = split(x);
        -log_lik(f, p, never, obs)
    };
    let best = if f == Family::Exponential && !with_never {
        // The closed form: total exposure over events.
        vec![(obs.iter().map(|o| o.t_s.max(MIN_S)).sum::<f64>() / events.len() as f64).ln()]
    } else if start.is_empty() {
        start
    } else {
        nelder_mead(&nll, &start, 0.5, 400 * start.len())
    };
    let (params, never_share) = split(&best);
    let ll = log_lik(f, params, never_share, obs);
    if !ll.is_finite() {
        return None;
    }
    let n_free = k + usize::from(with_never);
    let ks = ks_distance(obs, |t| (1.0 - never_share) * f.cdf(params, t.max(MIN_S)));
    Some(FamilyFit { family: f, params, never_share, log_lik: ll, aic: 2.0 * n_free as f64 - 2.0 * ll, ks })
}

/// Largest distance between `cdf` and the Kaplan-Meier distribution function of `obs`, on
/// both sides of each of its steps (up to the last event: beyond it the data say nothing).
pub fn ks_distance(obs: &[Obs], cdf: impl Fn(f64) -> f64) -> f64 {
    let mut before = 0.0;
    let mut d: f64 = 0.0;
    for (t, s) in kaplan_meier(obs) {
        let f = cdf(t);
        d = d.max((f - before).abs()).max((f - (1.0 - s)).abs());
        before = 1.0 - s;
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_pcg::Pcg64;

    fn draws(n: usize, f: impl Fn(&mut Pcg64) -> f64) -> Vec<f64> {
        let mut r = Pcg64::seed_from_u64(7);
        (0..n).map(|_| f(&mut r)).collect()
    }

    #[test]
    fn exponential_fit_with_censoring_is_events_over_exposure() {
        // Events at 1 and 3, censored at 4: MLE mean = (1 + 3 + 4) / 2 = 4.
        let obs = [Obs::event(1.0), Obs::event(3.0), Obs::censored(4.0)];
        let f = fit_family(Family::Exponential, &obs, false).expect("should fit");
        assert!((f.params[0] - 4.0).abs() < 1e-12, "{:?}", f.params);
    }

    #[test]
    fn lognormal_fit_recovers_its_parameters_through_censoring_and_a_never_share() {
        let mut r = Pcg64::seed_from_u64(11);
        let normal = rand_distr::StandardNormal;
        let obs: Vec<Obs> = (0..4000)
            .map(|_| {
                let never = r.gen::<f64>() < 0.2;
                let z: f64 = r.sample(normal);
                let t = (4.0 + 1.0 * z).exp();
                let limit = 300.0; // censored at 5 minutes, like a timeout
                if never || t > limit {
                    Obs::censored(limit)
                } else {
                    Obs::event(t)
                }
            })
            .collect();
        let f = fit_family(Family::Lognormal, &obs, true).expect("should fit");
        assert!((f.params[0] - 4.0).abs() < 0.06, "mu {:?}", f.params);
        assert!((f.params[1] - 1.0).abs() < 0.06, "sigma {:?}", f.params);
        assert!((f.never_share - 0.2).abs() < 0.03, "never {}", f.never_share);
        assert!(f.ks < 0.03, "ks {}", f.ks);
    }

    #[test]
    fn aic_prefers_the_family_that_drew_the_data() {
        let xs = draws(3000, |r| {
            let g: f64 = r.sample(rand_distr::Gamma::new(2.0, 90.0).expect("valid gamma"));
            g
        });
        let obs: Vec<Obs> = xs.iter().map(|&x| Obs::event(x)).collect();
        let fits: Vec<FamilyFit> = FAMILIES.iter().filter_map(|&f| fit_family(f, &obs, false)).collect();
        let best = fits.iter().min_by(|a, b| a.aic.total_cmp(&b.aic)).expect("some fit");
        assert_eq!(best.family, Family::Gamma);
        assert!((best.params[0] - 2.0).abs() < 0.15 && (best.params[1] - 90.0).abs() < 8.0, "{:?}", best.params);
    }

    #[test]
    fn survival_functions_match_closed_forms() {
        assert!((Family::Weibull.sf([2.0, 10.0], 10.0) - (-1f64).exp()).abs() < 1e-12);
        assert!((Family::Lognormal.sf([0.0, 1.0], 1.0) - 0.5).abs() < 1e-12);
        assert!((Family::Gamma.sf([1.0, 5.0], 5.0) - (-1f64).exp()).abs() < 1e-9);
        assert_eq!(Family::Uniform.sf([2.0, 6.0], 3.0), 0.75);
    }
}
