//! Numbers written straight into the bytes of a CSV row, as the csv crate writes
//! `to_string()`'s fields: whole counts by hand, `f64`s as `Display` writes them. Shared by
//! the row formats of `sweeps.csv`, `timeseries.csv` and `summary.csv`; no I/O.

use std::io::Write;

/// Decimal digits of `v` (most counts are one digit).
#[inline]
pub(super) fn push_u64(out: &mut Vec<u8>, mut v: u64) {
    if v < 10 {
        out.push(b'0' + v as u8);
        return;
    }
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// Below 2^53 every whole `f64` is an integer exactly, and `Display` writes it as its digits,
/// without a point or an exponent.
pub(super) const EXACT_INTEGERS_BELOW: f64 = (1u64 << 53) as f64;

/// From this magnitude up, `Display` and Ryū write a fraction the same way: a point, no
/// exponent (`0.00001234`); below it Ryū switches to an exponent (`1.234e-6`).
const RYU_DECIMAL_FROM: f64 = 1e-5;

/// 2^22. Where `x` times it is not whole, the exact decimal expansion of `x` (at least 1e-5)
/// has more than 18 significant digits, so no two shortest round-trip strings of 17 digits or
/// fewer can be equally close to it. Only at such a tie do Ryū (the even last digit) and
/// `Display` (the last digit rounded up) choose differently: `-1830471359606953.25` is
/// `...953.2` to one and `...953.3` to the other.
const TIE_FREE_SCALE: f64 = 4_194_304.0;

/// `x` as `f64`'s `Display` writes it (`x.to_string()`). A whole, non-negative `x` under 2^53
/// by hand (a level that stayed at a whole value for the whole bucket, most often 0); a
/// fraction of at least 1e-5 in magnitude whose shortest digits cannot tie (`TIE_FREE_SCALE`:
/// a mean or a level almost always) through Ryū, whose digits are then `Display`'s, written
/// the same way, in a fifth of the instructions; everything else (`-0.0`, which `Display`
/// writes `-0`, negative whole numbers, tiny fractions, halves and quarters of large numbers,
/// what is not finite) through `Display`.
#[inline]
pub(super) fn push_f64(out: &mut Vec<u8>, x: f64) {
    let a = x.abs();
    if x.is_sign_positive() && x < EXACT_INTEGERS_BELOW && x.trunc() == x {
        push_u64(out, x as u64);
    } else if (RYU_DECIMAL_FROM..EXACT_INTEGERS_BELOW).contains(&a) && (a * TIE_FREE_SCALE).fract() != 0.0 {
        out.extend_from_slice(ryu::Buffer::new().format_finite(x).as_bytes());
    } else {
        write!(out, "{x}").expect("writing to memory should not fail");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn displayed(x: f64) -> Vec<u8> {
        let mut out = Vec::new();
        push_f64(&mut out, x);
        out
    }

    #[test]
    fn a_number_is_written_as_display_writes_it_at_each_boundary() {
        let cases = [
            0.0,
            -0.0,
            3.0,
            -3.0,
            0.5,
            -0.5,
            1e-5,
            -1e-5,
            0.99999e-5,
            1.5e-5,
            1e-7,
            12.5,
            0.1 + 0.2,
            1.0 / 3.0,
            4503599627370495.5,
            -7_321_885_438_427_813.0 / 4.0,
            0.3 / 4194304.0,
            1e-5 / 3.0,
            EXACT_INTEGERS_BELOW,
            EXACT_INTEGERS_BELOW - 1.0,
            1e300,
            -1e300,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for x in cases {
            assert_eq!(String::from_utf8(displayed(x)).expect("ascii"), x.to_string(), "{x:?}");
        }
    }

    proptest! {
        /// Every bit pattern, and fractions around the magnitudes levels and means take: the
        /// bytes of `Display`.
        #[test]
        fn numbers_are_written_as_display_writes_them(
            bits in any::<u64>(),
            level in -1e7f64..1e7,
            small in -1e-3f64..1e-3,
            whole in -(1i64 << 53)..1 << 53,
            shift in 1u32..40,
        ) {
            // Multiples of a power of two near its ulp are where shortest digits tie.
            let binary = whole as f64 / (1u64 << shift) as f64;
            for x in [f64::from_bits(bits), level, small, level / 3.0, binary] {
                prop_assert_eq!(String::from_utf8(displayed(x)).expect("ascii"), x.to_string());
            }
        }
    }
}
