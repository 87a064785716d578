//! Nelder-Mead minimisation of a function of a few unconstrained parameters: the maximum
//! likelihood fits of `families`. Pure.

/// Minimises `f` from `start` (each step `scale` wide at first); returns the best point.
/// Non-finite values count as +infinity, so a bad region is simply avoided.
pub fn nelder_mead(f: &dyn Fn(&[f64]) -> f64, start: &[f64], scale: f64, iterations: usize) -> Vec<f64> {
    let n = start.len();
    let eval = |x: &[f64]| {
        let v = f(x);
        if v.is_finite() {
            v
        } else {
            f64::INFINITY
        }
    };
    let mut pts: Vec<Vec<f64>> = vec![start.to_vec()];
    for i in 0..n {
        let mut p = start.to_vec();
        p[i] += scale;
        pts.push(p);
    }
    let mut vals: Vec<f64> = pts.iter().map(|p| eval(p)).collect();
    for _ in 0..iterations {
        let mut order: Vec<usize> = (0..=n).collect();
        order.sort_by(|&a, &b| vals[a].total_cmp(&vals[b]));
        pts = order.iter().map(|&i| pts[i].clone()).collect();
        vals = order.iter().map(|&i| vals[i]).collect();
        if (vals[n] - vals[0]).abs() <= 1e-10 * (1.0 + vals[0].abs()) {
            break;
        }
        let centroid: Vec<f64> = (0..n).map(|j| pts[..n].iter().map(|p| p[j]).sum::<f64>() / n as f64).collect();
        let along = |t: f64| -> Vec<f64> { (0..n).map(|j| centroid[j] + t * (pts[n][j] - centroid[j])).collect() };
        let reflected = along(-1.0);
        let fr = eval(&reflected);
        if fr < vals[0] {
            let expanded = along(-2.0);
            let fe = eval(&expanded);
            if fe < fr {
                (pts[n], vals[n]) = (expanded, fe);
            } else {
                (pts[n], vals[n]) = (reflected, fr);
            }
        } else if fr < vals[n - 1] {
            (pts[n], vals[n]) = (reflected, fr);
        } else {
            let contracted = if fr < vals[n] { along(-0.5) } else { along(0.5) };
            let fc = eval(&contracted);
            if fc < vals[n].min(fr) {
                (pts[n], vals[n]) = (contracted, fc);
            } else {
                for i in 1..=n {
                    let p: Vec<f64> = (0..n).map(|j| pts[0][j] + 0.5 * (pts[i][j] - pts[0][j])).collect();
                    vals[i] = eval(&p);
                    pts[i] = p;
                }
            }
        }
    }
    let best = (0..=n).min_by(|&a, &b| vals[a].total_cmp(&vals[b])).expect("a simplex should have points");
    pts[best].clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_minimum_of_a_quadratic_bowl() {
        let f = |x: &[f64]| (x[0] - 3.0).powi(2) + 10.0 * (x[1] + 1.0).powi(2);
        let x = nelder_mead(&f, &[0.0, 0.0], 1.0, 2000);
        assert!((x[0] - 3.0).abs() < 1e-4 && (x[1] + 1.0).abs() < 1e-4, "{x:?}");
    }

    #[test]
    fn avoids_regions_where_the_function_is_not_finite() {
        let f = |x: &[f64]| if x[0] < 0.0 { f64::NAN } else { (x[0] - 0.5).powi(2) };
        let x = nelder_mead(&f, &[2.0], 1.0, 500);
        assert!((x[0] - 0.5).abs() < 1e-4, "{x:?}");
    }
}
