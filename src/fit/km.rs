//! The Kaplan-Meier survival estimate of right-censored durations, and samples drawn from it
//! (the `empirical` distribution of a fit). Pure.

/// One duration in seconds: `event` is false where it was censored (still running when its
/// observation ended: a silence ended by an auto-close, a queue wait ended by an assignment).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Obs {
    pub t_s: f64,
    pub event: bool,
}

impl Obs {
    pub fn event(t_s: f64) -> Obs {
        Obs { t_s, event: true }
    }
    pub fn censored(t_s: f64) -> Obs {
        Obs { t_s, event: false }
    }
}

/// The survival curve just after each distinct event time: `(t_s, S(t_s))`, increasing in t.
/// Censored observations at an event's instant are still at risk at it (the usual convention).
pub fn kaplan_meier(obs: &[Obs]) -> Vec<(f64, f64)> {
    let mut sorted: Vec<Obs> = obs.to_vec();
    // Events before censorings at one instant.
    sorted.sort_by(|a, b| a.t_s.total_cmp(&b.t_s).then(b.event.cmp(&a.event)));
    let mut at_risk = sorted.len() as f64;
    let mut s = 1.0;
    let mut out = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let t = sorted[i].t_s;
        let (mut events, mut all) = (0.0, 0.0);
        while i < sorted.len() && sorted[i].t_s == t {
            events += f64::from(u8::from(sorted[i].event));
            all += 1.0;
            i += 1;
        }
        if events > 0.0 {
            s *= 1.0 - events / at_risk;
            out.push((t, s));
        }
        at_risk -= all;
    }
    out
}

/// `n` quantiles of the curve's distribution given an event by its last event time, at the
/// probabilities (i + 0.5) / n: a censoring-corrected sample for an `empirical` distribution.
pub fn conditional_quantiles(curve: &[(f64, f64)], n: usize) -> Vec<f64> {
    let Some(&(_, s_last)) = curve.last() else { return Vec::new() };
    let mass = 1.0 - s_last;
    let mut out = Vec::with_capacity(n);
    let mut j = 0;
    for i in 0..n {
        let p = (i as f64 + 0.5) / n as f64 * mass;
        while j + 1 < curve.len() && 1.0 - curve[j].1 < p {
            j += 1;
        }
        out.push(curve[j].0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_textbook_example() {
        // 6 subjects: events at 1, 3, 3, 6; censored at 2 and 5.
        let obs = [
            Obs::event(1.0),
            Obs::censored(2.0),
            Obs::event(3.0),
            Obs::event(3.0),
            Obs::censored(5.0),
            Obs::event(6.0),
        ];
        let km = kaplan_meier(&obs);
        let want = [(1.0, 5.0 / 6.0), (3.0, 5.0 / 6.0 * 2.0 / 4.0), (6.0, 0.0)];
        assert_eq!(km.len(), 3);
        for ((t, s), (wt, ws)) in km.iter().zip(want) {
            assert_eq!(*t, wt);
            assert!((s - ws).abs() < 1e-12, "{s} vs {ws}");
        }
    }

    #[test]
    fn a_censoring_at_an_event_time_is_still_at_risk() {
        let km = kaplan_meier(&[Obs::censored(1.0), Obs::event(1.0)]);
        assert_eq!(km, vec![(1.0, 0.5)]);
    }

    #[test]
    fn quantiles_follow_the_curve_up_to_its_plateau() {
        // Half never happen (censored late): the conditional distribution is 1 and 2, evenly.
        let obs = [Obs::event(1.0), Obs::event(2.0), Obs::censored(9.0), Obs::censored(9.0)];
        let q = conditional_quantiles(&kaplan_meier(&obs), 4);
        assert_eq!(q, vec![1.0, 1.0, 2.0, 2.0]);
    }
}
