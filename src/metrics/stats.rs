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

/// The percentiles a summary row reports, ascending.
pub const PERCENTILES: [f64; 4] = [0.5, 0.9, 0.95, 0.99];

/// `mean`, `percentile` (at `PERCENTILES`) and the largest of a list of values taken one at a
/// time in ascending order, without the list: its length is known ahead (`new`), so the ranks
/// the percentiles read are too, and the values at them are kept as they pass. The same bits
/// as the functions over the whole list: the sum is taken in the same order, the
/// interpolation is the same expression.
#[derive(Debug, Clone)]
pub struct SortedSummary {
    len: usize,
    seen: usize,
    sum: f64,
    last: f64,
    /// The ranks the percentiles read (each one's lower and upper neighbour), in ascending
    /// order, with where each one's value goes in `at`.
    ranks: [(usize, usize); 2 * PERCENTILES.len()],
    next: usize,
    at: [f64; 2 * PERCENTILES.len()],
}

impl SortedSummary {
    /// A summary of `len` values, to be pushed in ascending order.
    pub fn new(len: usize) -> SortedSummary {
        let mut ranks = [(0, 0); 2 * PERCENTILES.len()];
        for (i, p) in PERCENTILES.iter().enumerate() {
            let (lo, hi) = Self::neighbours(len, *p);
            ranks[2 * i] = (lo, 2 * i);
            ranks[2 * i + 1] = (hi, 2 * i + 1);
        }
        ranks.sort_unstable();
        // As `f64`'s `Sum`, from -0.0.
        SortedSummary { len, seen: 0, sum: -0.0, last: f64::NAN, ranks, next: 0, at: [f64::NAN; 2 * PERCENTILES.len()] }
    }

    /// The interpolation point of `percentile` for `len` values and its two neighbouring ranks.
    fn point(len: usize, p: f64) -> f64 {
        len.saturating_sub(1) as f64 * p.clamp(0.0, 1.0)
    }

    fn neighbours(len: usize, p: f64) -> (usize, usize) {
        let h = Self::point(len, p);
        (h.floor() as usize, h.ceil() as usize)
    }

    /// The next value, no smaller than the ones before it.
    #[inline]
    pub fn push(&mut self, x: f64) {
        debug_assert!(
            self.seen < self.len && (self.seen == 0 || x >= self.last),
            "values in ascending order, no more than announced"
        );
        self.sum += x;
        while self.next < self.ranks.len() && self.ranks[self.next].0 == self.seen {
            self.at[self.ranks[self.next].1] = x;
            self.next += 1;
        }
        self.seen += 1;
        self.last = x;
    }

    fn complete(&self) -> bool {
        debug_assert_eq!(self.seen, self.len, "every announced value pushed");
        self.len > 0
    }

    pub fn mean(&self) -> Option<f64> {
        self.complete().then(|| self.sum / self.len as f64)
    }

    /// `percentile` at `PERCENTILES[i]`.
    pub fn percentile(&self, i: usize) -> Option<f64> {
        self.complete().then(|| {
            let h = Self::point(self.len, PERCENTILES[i]);
            let (lo, hi) = (self.at[2 * i], self.at[2 * i + 1]);
            lo + (h - h.floor()) * (hi - lo)
        })
    }

    pub fn max(&self) -> Option<f64> {
        self.complete().then_some(self.last)
    }
}

/// Two-sided Student-t critical value for confidence `level` (e.g. 0.95) with `df` degrees
/// of freedom. The 95% values for 1 to 100 degrees of freedom (up to 101 replications) come
/// from a table, so that every interval of the results is the same on every machine; the table
/// holds statrs' values as computed when it was made (`T95` bits), others are computed.
pub fn t_critical(level: f64, df: u64) -> f64 {
    if level == 0.95 {
        if let Some(bits) = (df as usize).checked_sub(1).and_then(|i| T95.get(i)) {
            return f64::from_bits(*bits);
        }
    }
    t_critical_computed(level, df)
}

/// `t_critical` by statrs' inverse CDF (the platform's maths library underneath).
fn t_critical_computed(level: f64, df: u64) -> f64 {
    let t = StudentsT::new(0.0, 1.0, df as f64).expect("df >= 1 should give a valid Student t");
    t.inverse_cdf(0.5 + level / 2.0)
}

/// Bits of the two-sided 95% Student-t critical values for 1 to 100 degrees of freedom.
#[rustfmt::skip]
const T95: [u64; 100] = [
    0x40296993aacc4d1c, 0x401135ea98e146bf, 0x400975a66893c1a0, 0x40063628d9efb5e2,
    0x4004908d359dff39, 0x400393468546e64a, 0x4002eac01e9f5b1c, 0x400272b24bc92433,
    0x400218e5dac50b20, 0x4001d33a7661d303, 0x40019b9e1b8c9961, 0x40016e356bbc34f9,
    0x4001486f5cb67d64, 0x40012885ec4c0647, 0x40010d356b5a0664, 0x4000f590e8d62db7,
    0x4000e0e6fd5b14fc, 0x4000ceb036f23e79, 0x4000be83653b65d5, 0x4000b00d9a95439a,
    0x4000a30c955b4f19, 0x4000974ac3559e63, 0x40008c9c5c7af76b, 0x400082dd3fc39ff3,
    0x400079ef59476849, 0x400071b96b177bca, 0x40006a261e29bbf6, 0x40006323489738ee,
    0x40005ca15bce25af, 0x40005692f10aad7f, 0x400050ec6d0030ac, 0x40004ba3b57255fb,
    0x400046aff4ce0ad6, 0x4000420968c7f380, 0x40003da939b97a11, 0x4000398958fb636d,
    0x400035a464e0e1f5, 0x400031f59141b660, 0x40002e7893bbc78d, 0x40002b299300ea7f,
    0x4000280518a7cfb6, 0x40002508051213dc, 0x4000222f850e3e65, 0x40001f7908ed39a8,
    0x40001ce23cd009e6, 0x40001a6901fcf520, 0x4000180b69140be0, 0x400015c7ad0190c3,
    0x4000139c2e928e72, 0x4000118770946f22, 0x40000f88146be1cd, 0x40000d9cd712e3b9,
    0x40000bc48e6fc5a2, 0x400009fe26f98d8e, 0x40000848a19f8e2e, 0x400006a311ebb908,
    0x4000050c9c582e85, 0x4000038474d1de84, 0x40000209dd62acf6, 0x4000009c24fe79dc,
    0x3ffffe754cddc9fa, 0x3ffffbc98eb4ad34, 0x3ffff933eec652e6, 0x3ffff6b35eb8acb5,
    0x3ffff446e1224e21, 0x3ffff1ed883c15fa, 0x3fffefa674b14749, 0x3fffed70d48ac3b3,
    0x3fffeb4be2330644, 0x3fffe936e38fbff4, 0x3fffe731292f8a42, 0x3fffe53a0d894101,
    0x3fffe350f44b784b, 0x3fffe17549ba8740, 0x3fffdfa6821ba8e2, 0x3fffdde4192c2cb0,
    0x3fffdc2d91a352af, 0x3fffda8274be1b2e, 0x3fffd8e251d40be0, 0x3fffd74cbdf40645,
    0x3fffd5c15388b41d, 0x3fffd43fb2039c7e, 0x3fffd2c77d8e8f49, 0x3fffd1585ec2af5d,
    0x3fffcff20264cabf, 0x3fffce9419264f61, 0x3fffcd3e576ae723, 0x3fffcbf07511ed6f,
    0x3fffcaaa2d439e44, 0x3fffc96b3e41dd48, 0x3fffc833693bf481, 0x3fffc70272256295,
    0x3fffc5d81f8f35e3, 0x3fffc4b43a841ac3, 0x3fffc3968e667c1c, 0x3fffc27ee8d0f589,
    0x3fffc16d1978a820, 0x3fffc060f2116b6f, 0x3fffbf5a4633af49, 0x3fffbe58eb440727,
];

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
    use proptest::strategy::Strategy;

    proptest::proptest! {
        // Ties (whole half-seconds) as well as spread values.
        #[test]
        fn a_sorted_summary_gives_the_bits_of_mean_and_percentile(mut v in proptest::collection::vec(
            proptest::prop_oneof![0.0f64..1e7, (0u32..20).prop_map(|k| f64::from(k) * 0.5)], 0..300)) {
            v.sort_by(f64::total_cmp);
            let mut s = SortedSummary::new(v.len());
            v.iter().for_each(|&x| s.push(x));
            let bits = |x: Option<f64>| x.map(f64::to_bits);
            proptest::prop_assert_eq!(bits(s.mean()), bits(mean(&v)));
            proptest::prop_assert_eq!(bits(s.max()), bits(v.last().copied()));
            for (i, p) in PERCENTILES.iter().enumerate() {
                proptest::prop_assert_eq!(bits(s.percentile(i)), bits(percentile(&v, *p)), "p{}", p);
            }
        }
    }

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

    /// The table is what statrs computes (bit for bit where it was made; to 1e-12 on a machine
    /// whose maths library differs, where the table is what keeps the results the same).
    #[test]
    fn the_95_percent_table_is_statrs_values() {
        for df in 1..=100 {
            let (table, computed) = (t_critical(0.95, df), t_critical_computed(0.95, df));
            assert!((table - computed).abs() <= 1e-12 * computed, "df {df}: {table} vs {computed}");
        }
        assert_eq!(t_critical(0.95, 101), t_critical_computed(0.95, 101));
        assert!((t_critical(0.95, 100) - 1.984).abs() < 1e-3);
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
