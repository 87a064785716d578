//! Closed-form and numerical queueing theory that `check` compares the simulator with:
//! Erlang B and C (M/M/c), Erlang A (M/M/c+M) from its birth-death chain, and the
//! Kolmogorov-Smirnov test against a uniform law. Pure functions of their parameters; no
//! simulation, no I/O. Rates are per second, times in seconds.

/// Why a theoretical figure does not exist for the parameters given.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TheoryError {
    #[error("{0} must be a finite number greater than 0, got {1}")]
    NotPositive(&'static str, f64),
    #[error("Erlang C needs a stable queue: offered load {load:.3} Erlangs must be below {servers} servers")]
    Unstable { load: f64, servers: u32 },
    #[error("at least one server is needed")]
    NoServers,
}

fn positive(name: &'static str, v: f64) -> Result<f64, TheoryError> {
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(TheoryError::NotPositive(name, v))
    }
}

/// Erlang B blocking probability for `servers` and an offered load of `load` Erlangs, by the
/// recursion B(0) = 1, B(k) = A B(k-1) / (k + A B(k-1)), which never overflows.
pub fn erlang_b(servers: u32, load: f64) -> f64 {
    let mut b = 1.0;
    for k in 1..=servers {
        b = load * b / (k as f64 + load * b);
    }
    b
}

/// Probability of waiting in M/M/c (Erlang C) from Erlang B: C = B / (1 - rho (1 - B)),
/// rho = A / c. Needs A < c.
pub fn erlang_c(servers: u32, load: f64) -> Result<f64, TheoryError> {
    if servers == 0 {
        return Err(TheoryError::NoServers);
    }
    let load = positive("offered load", load)?;
    let c = servers as f64;
    if load >= c {
        return Err(TheoryError::Unstable { load, servers });
    }
    let b = erlang_b(servers, load);
    let rho = load / c;
    Ok(b / (1.0 - rho * (1.0 - b)))
}

/// What a queue of `servers` parallel servers, Poisson arrivals and exponential service
/// (and exponential patience in Erlang A) predicts for an arriving customer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QueueFigures {
    /// Probability that an arrival finds every server busy (and so waits; PASTA).
    pub p_wait: f64,
    /// Mean time in queue over all arrivals (zero for those served at once), seconds.
    pub mean_wait_s: f64,
    /// Share of arrivals who abandon the queue (0 for Erlang C).
    pub abandon_share: f64,
}

/// Erlang C (M/M/c): arrival rate `lambda`, service rate `mu` per server, `servers`.
/// Mean wait = C / (c mu - lambda).
pub fn erlang_c_figures(lambda: f64, mu: f64, servers: u32) -> Result<QueueFigures, TheoryError> {
    let lambda = positive("arrival rate", lambda)?;
    let mu = positive("service rate", mu)?;
    let p_wait = erlang_c(servers, lambda / mu)?;
    let mean_wait_s = p_wait / (servers as f64 * mu - lambda);
    Ok(QueueFigures { p_wait, mean_wait_s, abandon_share: 0.0 })
}

/// Erlang A (M/M/c+M): as Erlang C, with each waiting customer leaving at rate `theta`.
///
/// The number in system N is a birth-death chain with birth rate lambda and death rate
/// min(n, c) mu + max(n - c, 0) theta; it is stable for any load. Its stationary law is
/// summed (in log space, so large loads do not overflow) until the terms are negligible.
/// By PASTA an arrival waits with probability P(N >= c); abandonments happen at rate
/// theta E[(N - c)+], so their share is theta E[(N - c)+] / lambda; by Little's law the mean
/// time in queue over all arrivals is E[(N - c)+] / lambda.
pub fn erlang_a_figures(lambda: f64, mu: f64, theta: f64, servers: u32) -> Result<QueueFigures, TheoryError> {
    let lambda = positive("arrival rate", lambda)?;
    let mu = positive("service rate", mu)?;
    let theta = positive("abandonment rate", theta)?;
    if servers == 0 {
        return Err(TheoryError::NoServers);
    }
    let c = servers as u64;
    // log pi_n - log pi_0, built term by term.
    let mut log_terms: Vec<f64> = vec![0.0];
    let mut log_p = 0.0f64;
    let mut max = 0.0f64;
    let mut n: u64 = 0;
    loop {
        n += 1;
        let death = n.min(c) as f64 * mu + n.saturating_sub(c) as f64 * theta;
        log_p += (lambda / death).ln();
        log_terms.push(log_p);
        max = max.max(log_p);
        // Past the mode (birth rate below death rate) the terms fall at least geometrically:
        // stop when they are e^-700 of the largest, or at a generous hard limit.
        if death > lambda && log_p < max - 700.0 || n > 10_000_000 {
            break;
        }
    }
    let weights: Vec<f64> = log_terms.iter().map(|l| (l - max).exp()).collect();
    let total: f64 = weights.iter().sum();
    let mut p_wait = 0.0;
    let mut queue_mean = 0.0;
    for (k, w) in weights.iter().enumerate() {
        let k = k as u64;
        if k >= c {
            p_wait += w / total;
            queue_mean += (k - c) as f64 * w / total;
        }
    }
    Ok(QueueFigures { p_wait, mean_wait_s: queue_mean / lambda, abandon_share: theta * queue_mean / lambda })
}

/// Kolmogorov-Smirnov statistic D = sup |F_n(x) - x| of values in [0, 1) against U[0, 1).
/// Sorts `values` in place.
pub fn ks_uniform_statistic(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len() as f64;
    values.iter().enumerate().fold(0.0, |d, (i, &u)| {
        let u = u.clamp(0.0, 1.0);
        d.max((i as f64 + 1.0) / n - u).max(u - i as f64 / n)
    })
}

/// P(D_n > d) under the null hypothesis, from the asymptotic Kolmogorov distribution with
/// Stephens' small-sample correction: Q(lambda), lambda = (sqrt(n) + 0.12 + 0.11 / sqrt(n)) d,
/// Q(x) = 2 sum_{k >= 1} (-1)^(k-1) exp(-2 k^2 x^2). Accurate to a few parts in a thousand for
/// n of a few dozen and more.
pub fn ks_p_value(d: f64, n: usize) -> f64 {
    if n == 0 {
        return 1.0;
    }
    let sn = (n as f64).sqrt();
    let x = (sn + 0.12 + 0.11 / sn) * d;
    if x < 0.2 {
        // The series converges slowly there, and Q is 1 to within 1e-15.
        return 1.0;
    }
    let mut sum = 0.0;
    let mut sign = 1.0;
    for k in 1..=200 {
        let k = k as f64;
        let term = sign * (-2.0 * k * k * x * x).exp();
        sum += term;
        if term.abs() < 1e-16 {
            break;
        }
        sign = -sign;
    }
    (2.0 * sum).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erlang_b_small_cases_by_hand() {
        // B(1, A) = A / (1 + A); B(2, 1) = (1/2) / (1 + 1 + 1/2) = 0.2.
        assert!((erlang_b(1, 3.0) - 0.75).abs() < 1e-15);
        assert!((erlang_b(2, 1.0) - 0.2).abs() < 1e-15);
    }

    #[test]
    fn erlang_c_single_server_is_rho() {
        // M/M/1: P(wait) = rho, mean wait = rho / (mu - lambda).
        let f = erlang_c_figures(0.8, 1.0, 1).unwrap();
        assert!((f.p_wait - 0.8).abs() < 1e-12);
        assert!((f.mean_wait_s - 4.0).abs() < 1e-12);
    }

    #[test]
    fn erlang_c_refuses_an_unstable_queue() {
        assert!(matches!(erlang_c(10, 10.0), Err(TheoryError::Unstable { .. })));
        assert!(matches!(erlang_c(0, 1.0), Err(TheoryError::NoServers)));
    }

    #[test]
    fn erlang_a_tends_to_erlang_c_without_abandonment() {
        let c = erlang_c_figures(18.0, 1.0, 20).unwrap();
        let a = erlang_a_figures(18.0, 1.0, 1e-9, 20).unwrap();
        assert!((a.p_wait - c.p_wait).abs() < 1e-6, "{a:?} vs {c:?}");
        assert!((a.mean_wait_s - c.mean_wait_s).abs() / c.mean_wait_s < 1e-5);
        assert!(a.abandon_share < 1e-7);
    }

    #[test]
    fn erlang_a_single_server_with_theta_equal_mu_is_mm_infinity_shifted() {
        // With c = 1 and theta = mu every state dies at rate n mu: N is Poisson(lambda / mu).
        let (l, mu) = (2.0, 1.0);
        let a = erlang_a_figures(l, mu, mu, 1).unwrap();
        let p0 = (-l / mu).exp();
        assert!((a.p_wait - (1.0 - p0)).abs() < 1e-12);
        // E[(N - 1)+] = E[N] - P(N >= 1).
        let q = l / mu - (1.0 - p0);
        assert!((a.mean_wait_s - q / l).abs() < 1e-12);
        assert!((a.abandon_share - mu * q / l).abs() < 1e-12);
    }

    #[test]
    fn ks_statistic_of_a_perfect_grid_is_half_a_step() {
        let mut v: Vec<f64> = (0..100).map(|i| (i as f64 + 0.5) / 100.0).collect();
        assert!((ks_uniform_statistic(&mut v) - 0.005).abs() < 1e-12);
        assert!(ks_p_value(0.005, 100) > 0.999);
    }

    #[test]
    fn ks_p_value_matches_tables() {
        // Asymptotic critical values: Q(1.358) = 0.05, Q(1.628) = 0.01.
        let n = 1_000_000;
        let d = |x: f64| x / (n as f64).sqrt();
        assert!((ks_p_value(d(1.3581), n) - 0.05).abs() < 1e-3);
        assert!((ks_p_value(d(1.6276), n) - 0.01).abs() < 1e-3);
        assert_eq!(ks_p_value(0.0, 10), 1.0);
    }
}
