//! Small statistics: percentiles, means and Student-t confidence intervals.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// The `p`-quantile (0..=1) of sorted values by linear interpolation between closest ranks
/// (Hyndman and Fan type 7, the default of numpy, R and Excel's PERCENTILE.INC).
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let h = (sorted.len() - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    Some(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
}

pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Two-sided Student-t critical value for confidence `level` (e.g. 0.95) with `df` degrees
/// of freedom.
pub fn t_critical(level: f64, df: u64) -> f64 {
    let t = StudentsT::new(0.0, 1.0, df as f64).expect("df >= 1 should give a valid Student t");
    t.inverse_cdf(0.5 + level / 2.0)
}

/// Mean and half-width of its confidence interval at `level`; the half-width is `None` with
/// fewer than two values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub n: usize,
    pub mean: f64,
    pub std_dev: Option<f64>,
    pub half_width: Option<f64>,
}

impl Estimate {
    pub fn of(values: &[f64], level: f64) -> Option<Estimate> {
        let n = values.len();
        let m = mean(values)?;
        if n < 2 {
            return Some(Estimate { n, mean: m, std_dev: None, half_width: None });
        }
        let var = values.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (n - 1) as f64;
        let sd = var.sqrt();
        let hw = t_critical(level, (n - 1) as u64) * sd / (n as f64).sqrt();
        Some(Estimate { n, mean: m, std_dev: Some(sd), half_width: Some(hw) })
    }

    pub fn low(&self) -> Option<f64> {
        self.half_width.map(|h| self.mean - h)
    }

    pub fn high(&self) -> Option<f64> {
        self.half_width.map(|h| self.mean + h)
    }

    /// Whether `x` lies inside the interval (false without one).
    pub fn contains(&self, x: f64) -> bool {
        matches!((self.low(), self.high()), (Some(l), Some(h)) if l <= x && x <= h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_like_numpy() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile(&v, 0.5), Some(2.5));
        assert_eq!(percentile(&v, 0.0), Some(1.0));
        assert_eq!(percentile(&v, 1.0), Some(4.0));
        assert!((percentile(&v, 0.9).unwrap() - 3.7).abs() < 1e-12);
        assert_eq!(percentile(&[], 0.5), None);
    }

    #[test]
    fn t_critical_values_match_tables() {
        assert!((t_critical(0.95, 1) - 12.706).abs() < 1e-3);
        assert!((t_critical(0.95, 4) - 2.776).abs() < 1e-3);
        assert!((t_critical(0.95, 29) - 2.045).abs() < 1e-3);
        assert!((t_critical(0.99, 10) - 3.169).abs() < 1e-3);
    }

    #[test]
    fn estimate_of_known_sample() {
        let e = Estimate::of(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.95).unwrap();
        assert_eq!(e.mean, 3.0);
        // sd = sqrt(2.5); hw = 2.776 * 1.5811 / sqrt(5)
        assert!((e.half_width.unwrap() - 2.776_445 * 2.5f64.sqrt() / 5f64.sqrt()).abs() < 1e-4);
        assert!(e.contains(3.5) && !e.contains(10.0));
        assert_eq!(Estimate::of(&[7.0], 0.95).unwrap().half_width, None);
    }
}
