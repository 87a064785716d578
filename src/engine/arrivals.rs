//! Arrivals: per stream, a peak-rate Poisson process thinned to the hour-of-day and weekday
//! profile, and the recontacts of customers who write to a closed conversation.

use super::kernel::Step;
use super::observer::Observer;
use super::rng::{self, Purpose, StreamRng};
use super::world::Sim;
use crate::model::ziggurat::exp1;
use crate::scenario::ArrivalStream;
use crate::time::{SimTime, MS_PER_HOUR};
use rand::Rng;

pub(super) struct ArrivalGen {
    pub(super) rng: StreamRng,
    /// Next candidate instant in fractional milliseconds (thinning works in continuous time;
    /// only the accepted instant is floored onto the integer clock).
    pub(super) next_ms: f64,
    pub(super) max_rate_per_ms: f64,
    /// The rate of every hour of the week, where the profile is flat (the same bits each
    /// hour, as `hour_rate` computes them): the thinning then looks up no hour.
    pub(super) flat_rate_per_ms: Option<f64>,
    pub(super) count: u64,
    /// The instant of its next arrival (`SimTime::MAX` for none before the horizon): an own
    /// event of the world, not queued.
    pub(super) next_at: SimTime,
}

pub(super) struct RecontactInfo {
    pub(super) channel: u16,
    pub(super) skill: u16,
    pub(super) parent: u64,
    pub(super) key: (u32, u32, u64),
}

impl<O: Observer> Sim<'_, O> {
    /// Sets up each stream's generator and draws its first arrival.
    pub(super) fn start_arrivals(&mut self) {
        for (i, a) in self.s.arrivals.iter().enumerate() {
            let peak = a.intraday.iter().copied().fold(0.0, f64::max) * a.weekly.iter().copied().fold(0.0, f64::max);
            let rate = |hour, weekday| hour_rate(a, hour, weekday).to_bits();
            let flat = (0..7).all(|d| (0..24).all(|h| rate(h, d) == rate(0, 0)));
            self.arrivals.push(ArrivalGen {
                rng: rng::stream(self.s.seed, self.replication, Purpose::Arrivals, i as u64, 0),
                next_ms: 0.0,
                max_rate_per_ms: a.rate_per_hour * peak / MS_PER_HOUR as f64,
                flat_rate_per_ms: flat.then(|| hour_rate(a, 0, 0)),
                count: 0,
                next_at: SimTime::MAX,
            });
            self.schedule_next_arrival(i);
        }
    }

    /// A customer writes to a closed conversation: a new one, seeded from its parent's key.
    pub(super) fn on_recontact(&mut self, t: SimTime, idx: usize) -> Step {
        let r = &self.recontacts[idx];
        let (channel, skill, parent, key) = (r.channel, r.skill, r.parent, r.key);
        self.free_recontacts.push(idx as u32);
        self.create(t, channel, skill, key, Some(parent))
    }

    /// Draws candidates from the stream's peak-rate Poisson process and thins them down to the
    /// hour-of-day and weekday profile (exact for piecewise-constant rates), and sets the
    /// stream's next arrival (`next_at`, never if none before the horizon).
    pub(super) fn schedule_next_arrival(&mut self, i: usize) {
        let a = &self.s.arrivals[i];
        let horizon = self.horizon;
        let g = &mut self.arrivals[i];
        g.next_at = SimTime::MAX;
        if let Some(times) = &a.replay {
            // Replayed: the next instant of the file (sorted, within the horizon).
            if let Some(&t) = times.get(g.count as usize).filter(|&&t| t < horizon) {
                g.next_at = t;
            }
            return;
        }
        if g.max_rate_per_ms <= 0.0 {
            return;
        }
        loop {
            g.next_ms += exp1(&mut g.rng) / g.max_rate_per_ms;
            if g.next_ms >= horizon.0 as f64 {
                return;
            }
            let t = SimTime(g.next_ms as u64);
            let rate = match g.flat_rate_per_ms {
                Some(rate) => rate,
                None => hour_rate(a, t.hour_of_day(), (self.weekday0 + t.day() as usize) % 7),
            };
            let accept: f64 = g.rng.gen();
            if accept * g.max_rate_per_ms < rate {
                g.next_at = t;
                return;
            }
        }
    }

    pub(super) fn on_arrival(&mut self, t: SimTime, stream: usize) -> Step {
        let index = self.arrivals[stream].count;
        self.arrivals[stream].count += 1;
        let a = &self.s.arrivals[stream];
        let (channel, skill) = (a.channel as u16, a.skill as u16);
        self.create(t, channel, skill, (stream as u32, 0, index), None)?;
        self.schedule_next_arrival(stream);
        Ok(())
    }
}

/// The arrival rate of stream `a` per millisecond in an hour of the day and a weekday
/// (0 = Monday).
#[inline]
fn hour_rate(a: &ArrivalStream, hour: usize, weekday: usize) -> f64 {
    a.rate_per_hour * a.intraday[hour] * a.weekly[weekday] / MS_PER_HOUR as f64
}
