//! Arrival rates of one stream from its arrival instants: the rate per hour with its
//! hour-of-day and weekday multipliers (the Poisson maximum-likelihood estimate of a
//! rate x intraday x weekly model over whole observed days). Pure.

/// The fitted stream.
#[derive(Debug, Clone, PartialEq)]
pub struct ArrivalFit {
    pub count: usize,
    pub rate_per_hour: f64,
    pub intraday: [f64; 24],
    /// 1.0 for a weekday never observed (`weekday_days` is 0 there).
    pub weekly: [f64; 7],
    /// Observed days of each weekday (Monday first).
    pub weekday_days: [usize; 7],
}

/// `arrivals`: (observed day index, hour of day) of each arrival; `day_weekday[d]`: the
/// weekday of observed day d (0 = Monday). Every observed day is whole, so the margins are
/// the maximum-likelihood estimates: hour h's multiplier is its share of arrivals times 24,
/// a weekday's is its arrivals per observed day over the mean per day.
pub fn fit_arrivals(arrivals: &[(usize, usize)], day_weekday: &[usize]) -> ArrivalFit {
    let days = day_weekday.len().max(1) as f64;
    let n = arrivals.len();
    let mut by_hour = [0usize; 24];
    let mut by_weekday = [0usize; 7];
    for &(d, h) in arrivals {
        by_hour[h.min(23)] += 1;
        by_weekday[day_weekday.get(d).copied().unwrap_or(0) % 7] += 1;
    }
    let mut weekday_days = [0usize; 7];
    for &w in day_weekday {
        weekday_days[w % 7] += 1;
    }
    let per_day = n as f64 / days;
    let mut intraday = [1.0; 24];
    let mut weekly = [1.0; 7];
    if n > 0 {
        for h in 0..24 {
            intraday[h] = by_hour[h] as f64 * 24.0 / n as f64;
        }
        for w in 0..7 {
            if weekday_days[w] > 0 {
                weekly[w] = by_weekday[w] as f64 / weekday_days[w] as f64 / per_day;
            }
        }
    }
    ArrivalFit { count: n, rate_per_hour: per_day / 24.0, intraday, weekly, weekday_days }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn margins_of_a_hand_counted_week() {
        // Two observed days, a Monday and a Tuesday: 3 arrivals at 09:00 on Monday, 1 at
        // 10:00 on Tuesday.
        let fit = fit_arrivals(&[(0, 9), (0, 9), (0, 9), (1, 10)], &[0, 1]);
        assert_eq!(fit.count, 4);
        assert_eq!(fit.rate_per_hour, 2.0 / 24.0);
        assert_eq!(fit.intraday[9], 18.0);
        assert_eq!(fit.intraday[10], 6.0);
        assert_eq!(fit.intraday[0], 0.0);
        assert_eq!(fit.weekly, [1.5, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0]);
        assert_eq!(fit.weekday_days, [1, 1, 0, 0, 0, 0, 0]);
    }
}
