//! Random number streams: one generator per purpose, seeded from (master seed, replication,
//! purpose, index), so that changing a policy or the staffing leaves the same customers
//! arriving with the same behaviour (common random numbers).

use rand_pcg::Pcg64Mcg;

/// The generator every stream uses. PCG's output is fixed by its specification, so a seed
/// gives the same numbers on every machine (pinned by Cargo.lock).
pub type StreamRng = Pcg64Mcg;

/// What a stream is for. The discriminant is part of the seed: never renumber.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// Arrival instants of one arrival stream.
    Arrivals = 1,
    /// Dialogue of one conversation (patience, exchanges, response times, parking, wrap-up).
    Dialogue = 2,
    /// Rated side events of one conversation (reader joins, manual response time, transfers).
    SideEvents = 3,
    /// Start-time jitter of one sweep scheduler.
    SweepJitter = 4,
}

/// SplitMix64's finaliser: a bijective mix with good avalanche.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The generator for (seed, replication, purpose, a, b).
pub fn stream(seed: u64, replication: u32, purpose: Purpose, a: u64, b: u64) -> StreamRng {
    Streams::new(seed, replication, purpose).stream(a, b)
}

/// The streams of one (seed, replication, purpose), its part of the seed mixed once: a
/// conversation's streams are made at each creation.
#[derive(Debug, Clone, Copy)]
pub struct Streams {
    prefix: u64,
}

impl Streams {
    pub fn new(seed: u64, replication: u32, purpose: Purpose) -> Streams {
        Streams { prefix: mix(mix(mix(seed) ^ replication as u64) ^ purpose as u64) }
    }

    /// The generator for (a, b): `stream(seed, replication, purpose, a, b)`.
    #[inline]
    pub fn stream(self, a: u64, b: u64) -> StreamRng {
        let h = mix(mix(self.prefix ^ a) ^ b);
        let lo = mix(h ^ 0x5555_5555_5555_5555);
        StreamRng::new(((h as u128) << 64) | lo as u128)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: u64 = stream(1, 0, Purpose::Dialogue, 3, 4).gen();
        let b: u64 = stream(1, 0, Purpose::Dialogue, 3, 4).gen();
        assert_eq!(a, b);
        let others = [
            stream(2, 0, Purpose::Dialogue, 3, 4).gen::<u64>(),
            stream(1, 1, Purpose::Dialogue, 3, 4).gen::<u64>(),
            stream(1, 0, Purpose::Arrivals, 3, 4).gen::<u64>(),
            stream(1, 0, Purpose::Dialogue, 4, 3).gen::<u64>(),
        ];
        assert!(others.iter().all(|&o| o != a));
    }

    #[test]
    fn pinned_value_guards_against_silent_changes() {
        // Changing this value changes every published result: bump the version if it must change.
        let v: u64 = stream(42, 0, Purpose::Arrivals, 0, 0).gen();
        assert_eq!(v, PINNED, "stream seeding or the generator changed");
    }

    const PINNED: u64 = 17_563_473_266_719_854_954;
}
