//! The sweep job's SQL, built from the scenario's policy: the table in the shape of
//! `msdyn_liveconversation`, the eligibility query of each sweep scheduler (clock column +
//! timeout per channel, queue and state), its ordering, the closing updates and the indexes.
//!
//! Timestamps are BIGINT milliseconds since 1970-01-01 UTC, in simulated time (the scenario's
//! start date + the simulated offset); every value is an integer, so the job's statements
//! inline them as literals and read the same in SQLite and PostgreSQL.

use super::LoadtestError;
use crate::model::state::State;
use crate::policy::{Clock, CloseAction, SchedulerKind};
use crate::scenario::Scenario;

/// The table the harness writes and sweeps.
pub const TABLE: &str = "msdyn_liveconversation";

/// SQL text that differs between the stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// The larger of two values.
    fn greatest(self, a: &str, b: &str) -> String {
        match self {
            Dialect::Sqlite => format!("MAX({a}, {b})"),
            Dialect::Postgres => format!("GREATEST({a}, {b})"),
        }
    }

    /// Placeholder of the `i`-th parameter (1-based).
    pub fn param(self, i: usize) -> String {
        match self {
            Dialect::Sqlite => format!("?{i}"),
            Dialect::Postgres => format!("${i}"),
        }
    }
}

/// `msdyn_statecode` of Closed.
pub const CLOSED_CODE: u8 = 3;

/// The columns: seed 004's fields, then the simulator's helper readings (`sim_*`) that
/// seed 004 has no field for. Every column is BIGINT.
pub const COLUMNS: [&str; 15] = [
    "activityid",
    "statecode",
    "statuscode",
    "msdyn_channel",
    "msdyn_queueid",
    "msdyn_transfercount",
    "createdon",
    "modifiedon",
    "wrapupinitiatedon",
    "closedon",
    "msdyn_lastcustomermessageon",
    // Entry into the current state.
    "sim_stateenteredon",
    // State entry, renewed by a supervisor joining (Dynamics recomputes on monitor).
    "sim_statemodifiedon",
    // Last message or state change, reader joins left out.
    "sim_lastactivityon",
    // 1 when the sweep job closed it (or moved it to Wrap-up), 0 otherwise.
    "sim_closedbyjob",
];

/// `CREATE TABLE` of the store.
pub fn create_table() -> String {
    let cols: Vec<String> = COLUMNS
        .iter()
        .map(|c| if *c == "activityid" { format!("{c} BIGINT PRIMARY KEY") } else { format!("{c} BIGINT") })
        .collect();
    format!("CREATE TABLE {TABLE} ({})", cols.join(", "))
}

/// The index choices of `--index`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexChoice {
    /// The primary key only: the eligibility query scans the table.
    None,
    /// One index per clock column the policy uses.
    Clock,
    /// One index per clock column, led by `statecode`: the query seeks each state's range.
    StateClock,
}

impl IndexChoice {
    pub const ALL: [(&'static str, IndexChoice); 3] =
        [("none", IndexChoice::None), ("clock", IndexChoice::Clock), ("state_clock", IndexChoice::StateClock)];

    pub fn key(self) -> &'static str {
        IndexChoice::ALL.iter().find(|(_, c)| *c == self).map(|(k, _)| *k).expect("every index choice is listed")
    }

    pub fn parse(s: &str) -> Option<IndexChoice> {
        IndexChoice::ALL.iter().find(|(k, _)| *k == s).map(|(_, c)| *c)
    }
}

/// One term of the eligibility query: conversations of these (channel, queue) pairs in
/// `state` whose `clock` column is at least `timeout_ms` old.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub state: State,
    /// `msdyn_channel` and `msdyn_queueid` values; empty: every conversation in the state.
    pub filter: String,
    pub clock: &'static str,
    pub timeout_ms: u64,
    pub action: CloseAction,
}

impl Term {
    /// The term's condition at `now_ms` (sargable: the clock column against a constant).
    pub fn condition(&self, now_ms: i64) -> String {
        let bound = now_ms - self.timeout_ms as i64;
        format!("(statecode = {} {}AND {} <= {bound})", self.state.msdyn_statecode(), self.filter, self.clock)
    }

    /// When it became eligible: clock + timeout, no earlier than its entry into the state.
    fn eligible_at(&self, d: Dialect) -> String {
        d.greatest(&format!("{} + {}", self.clock, self.timeout_ms), "sim_stateenteredon")
    }

    fn matches(&self) -> String {
        format!("statecode = {} {}", self.state.msdyn_statecode(), self.filter).trim_end().to_string()
    }
}

/// The job of one sweep scheduler.
#[derive(Debug, Clone, PartialEq)]
pub struct JobQuery {
    pub scheduler: usize,
    pub name: String,
    pub terms: Vec<Term>,
    pub max_closures_per_run: Option<u32>,
    pub recheck: bool,
    pub interval_ms: u64,
    /// The platform's pace of closures (the simulator's `closures_per_second`).
    pub closures_per_second: Option<f64>,
}

impl JobQuery {
    /// The eligibility query at `now_ms`: the next `limit` eligible ids (and the state each is
    /// in), oldest eligibility first, ties by creation, leaving out `exclude`.
    pub fn select(&self, d: Dialect, now_ms: i64, limit: u64, exclude: &[i64]) -> String {
        let cond: Vec<String> = self.terms.iter().map(|t| t.condition(now_ms)).collect();
        let mut sql = format!("SELECT activityid, statecode FROM {TABLE} WHERE ({})", cond.join(" OR "));
        if !exclude.is_empty() {
            let ids: Vec<String> = exclude.iter().map(|i| i.to_string()).collect();
            sql.push_str(&format!(" AND activityid NOT IN ({})", ids.join(", ")));
        }
        sql.push_str(&format!(" ORDER BY {}, createdon, activityid LIMIT {limit}", self.order(d)));
        sql
    }

    fn order(&self, d: Dialect) -> String {
        if self.terms.len() == 1 {
            return self.terms[0].eligible_at(d);
        }
        let whens: Vec<String> =
            self.terms.iter().map(|t| format!("WHEN {} THEN {}", t.matches(), t.eligible_at(d))).collect();
        format!("CASE {} END", whens.join(" "))
    }

    /// The term a listed row of `statecode` belongs to (the first that matches its state; a
    /// state has one rule per channel and queue, so one term's action per state suffices).
    pub fn action_of(&self, statecode: i64) -> CloseAction {
        self.terms
            .iter()
            .find(|t| i64::from(t.state.msdyn_statecode()) == statecode)
            .map_or(CloseAction::Close, |t| t.action)
    }

    /// The closing update of `ids`, listed in `statecode`: with recheck, only while the row is
    /// still in that state and still eligible at `now_ms`; without, whatever happened since
    /// (a row still open). Returns each updated row's last customer message.
    pub fn close(&self, ids: &[i64], statecode: i64, now_ms: i64, to_wrap_up: bool) -> String {
        let list: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
        let set = if to_wrap_up {
            format!("statecode = 4, statuscode = 5, wrapupinitiatedon = {now_ms}, sim_closedbyjob = 1")
        } else {
            format!("statecode = {CLOSED_CODE}, statuscode = 4, closedon = {now_ms}, sim_closedbyjob = 1")
        };
        let guard = if self.recheck {
            let cond: Vec<String> = self
                .terms
                .iter()
                .filter(|t| i64::from(t.state.msdyn_statecode()) == statecode)
                .map(|t| t.condition(now_ms))
                .collect();
            format!("statecode = {statecode} AND ({})", cond.join(" OR "))
        } else if to_wrap_up {
            "statecode = 1".to_string()
        } else {
            format!("statecode <> {CLOSED_CODE}")
        };
        format!(
            "UPDATE {TABLE} SET {set}, modifiedon = {now_ms}, sim_lastactivityon = {now_ms}, \
             sim_stateenteredon = {now_ms}, sim_statemodifiedon = {now_ms} \
             WHERE activityid IN ({}) AND {guard} RETURNING activityid, msdyn_lastcustomermessageon",
            list.join(", ")
        )
    }

    /// The clock columns the job's terms read.
    pub fn clock_columns(&self) -> Vec<&'static str> {
        let mut cols: Vec<&'static str> = Vec::new();
        for t in &self.terms {
            if !cols.contains(&t.clock) {
                cols.push(t.clock);
            }
        }
        cols
    }
}

/// `CREATE INDEX` statements of an index choice for every job.
pub fn create_indexes(jobs: &[JobQuery], choice: IndexChoice) -> Vec<String> {
    let mut cols: Vec<&'static str> = Vec::new();
    for j in jobs {
        for c in j.clock_columns() {
            if !cols.contains(&c) {
                cols.push(c);
            }
        }
    }
    cols.iter()
        .filter_map(|c| match choice {
            IndexChoice::None => None,
            IndexChoice::Clock => Some(format!("CREATE INDEX ix_{c} ON {TABLE} ({c})")),
            IndexChoice::StateClock => Some(format!("CREATE INDEX ix_state_{c} ON {TABLE} (statecode, {c})")),
        })
        .collect()
}

/// The value stored in `msdyn_channel` for channel `ch`: its option value (seed 004), or its
/// index in the scenario when the scenario gives none.
pub fn channel_code(s: &Scenario, ch: usize) -> i64 {
    s.channels[ch].msdyn_channel.map_or(ch as i64, i64::from)
}

/// The job of every sweep scheduler, or why the policy cannot run as SQL.
pub fn jobs(s: &Scenario) -> Result<Vec<JobQuery>, LoadtestError> {
    let p = &s.policy;
    if let Some(cap) = p.hard_cap {
        return Err(LoadtestError::Unsupported(format!(
            "policy.hard_cap = {cap}: the hard cap closes from the last activity whatever the rules; the harness \
             runs rules only (remove hard_cap, or use another preset than liveperson)"
        )));
    }
    let mut jobs = Vec::new();
    for (si, sched) in p.schedulers.iter().enumerate() {
        let SchedulerKind::Sweep(spec) = &sched.kind else { continue };
        let terms = terms_of(s, si)?;
        if terms.is_empty() {
            continue;
        }
        jobs.push(JobQuery {
            scheduler: si,
            name: sched.name.clone(),
            terms,
            max_closures_per_run: spec.max_closures_per_run,
            recheck: spec.recheck,
            interval_ms: spec.interval.ms(),
            closures_per_second: spec.closures_per_second,
        });
    }
    if jobs.is_empty() {
        // Rules on exact schedulers only: name the first, as when a sweep shares the policy.
        // In the order `terms_of` reads them: by state, then channel, then skill.
        let (n_ch, n_sk) = (s.channels.len(), s.skills.len());
        for (state, ch, sk) in [State::Open, State::Active, State::Waiting, State::WrapUp]
            .into_iter()
            .flat_map(|st| (0..n_ch * n_sk).map(move |k| (st, k / n_sk, k % n_sk)))
        {
            let rule = p.rule(ch, sk, state);
            let sched = &p.schedulers[rule.scheduler];
            if rule.timeout.is_some() && matches!(sched.kind, SchedulerKind::Exact) {
                return Err(LoadtestError::Unsupported(format!(
                    "the rule of channel {}, skill {}, state {} runs on the exact scheduler {}: a timer per \
                     conversation is not a job, and no sweep scheduler has a rule (put the rules on a sweep scheduler)",
                    s.channels[ch].name,
                    s.skills[sk].name,
                    state.key(),
                    sched.name
                )));
            }
        }
        return Err(LoadtestError::Unsupported(
            "no sweep scheduler has a rule with a timeout: there is no job to load-test (set a timeout on a sweep \
             scheduler's rule)"
                .into(),
        ));
    }
    Ok(jobs)
}

/// The store's column of a rule's clock; `None` for the clocks it has no column for
/// (`last_message`, `customer_idle` of the two-stage presets).
fn clock_column(rule: &crate::policy::StateRule, state: State) -> Option<&'static str> {
    Some(match rule.clock {
        Clock::Created if state == State::WrapUp => "wrapupinitiatedon",
        Clock::Created => "createdon",
        Clock::StateEntered if rule.reader_resets_clock => "sim_statemodifiedon",
        Clock::StateEntered => "sim_stateenteredon",
        Clock::LastActivity if rule.reader_resets_clock => "modifiedon",
        Clock::LastActivity => "sim_lastactivityon",
        Clock::LastCustomerMessage => "msdyn_lastcustomermessageon",
        Clock::LastMessage | Clock::CustomerIdle => return None,
    })
}

/// Rules that read alike: (state, clock column, timeout, action) and their (channel, skill)
/// pairs.
type Group = (State, &'static str, u64, CloseAction, Vec<(usize, usize)>);

/// The terms of scheduler `si`: rules grouped by (state, clock, timeout, action).
fn terms_of(s: &Scenario, si: usize) -> Result<Vec<Term>, LoadtestError> {
    let p = &s.policy;
    let (n_ch, n_sk) = (s.channels.len(), s.skills.len());
    let mut groups: Vec<Group> = Vec::new();
    for state in [State::Open, State::Active, State::Waiting, State::WrapUp] {
        for ch in 0..n_ch {
            for sk in 0..n_sk {
                let rule = p.rule(ch, sk, state);
                let Some(timeout) = rule.timeout else { continue };
                let scheduler = &p.schedulers[rule.scheduler].name;
                let at = format!(
                    "the rule of channel {}, skill {}, state {}",
                    s.channels[ch].name,
                    s.skills[sk].name,
                    state.key()
                );
                if matches!(p.schedulers[rule.scheduler].kind, SchedulerKind::Exact) {
                    return Err(LoadtestError::Unsupported(format!(
                        "{at} runs on the exact scheduler {scheduler}: a timer per conversation is not a job (put it on a sweep scheduler)"
                    )));
                }
                if rule.pending_consumer_only || rule.exempt_manual_response_time {
                    return Err(LoadtestError::Unsupported(format!(
                        "{at} has pending_consumer_only or exempt_manual_response_time: who wrote last and a manual \
                         response time are not columns of the store (set both to false)"
                    )));
                }
                if rule.action == CloseAction::Park {
                    return Err(LoadtestError::Unsupported(format!(
                        "{at} parks (action = \"park\", a two-stage platform): the store's job only closes or moves to \
                         wrap-up (use action = \"close\" to load-test the closing stage)"
                    )));
                }
                let Some(column) = clock_column(rule, state) else {
                    return Err(LoadtestError::Unsupported(format!(
                        "{at} counts from clock {}: the store has no column for it (use created, state_entered, \
                         last_activity or last_customer_message)",
                        rule.clock.key()
                    )));
                };
                if rule.scheduler != si {
                    continue;
                }
                let key = (state, column, timeout.ms(), rule.action);
                match groups.iter_mut().find(|g| (g.0, g.1, g.2, g.3) == key) {
                    Some(g) => g.4.push((ch, sk)),
                    None => groups.push((key.0, key.1, key.2, key.3, vec![(ch, sk)])),
                }
            }
        }
    }
    let terms = groups
        .into_iter()
        .map(|(state, clock, timeout_ms, action, pairs)| Term {
            state,
            filter: filter_of(s, &pairs, n_ch, n_sk),
            clock,
            timeout_ms,
            action: if state == State::Active { action } else { CloseAction::Close },
        })
        .collect();
    Ok(terms)
}

/// The channel and queue condition of a group of (channel, skill) pairs, with a trailing space.
fn filter_of(s: &Scenario, pairs: &[(usize, usize)], n_ch: usize, n_sk: usize) -> String {
    if pairs.len() == n_ch * n_sk {
        return String::new();
    }
    let whole: Vec<usize> = (0..n_ch).filter(|ch| (0..n_sk).all(|sk| pairs.contains(&(*ch, sk)))).collect();
    if whole.iter().map(|_| n_sk).sum::<usize>() == pairs.len() {
        let codes: Vec<String> = whole.iter().map(|ch| channel_code(s, *ch).to_string()).collect();
        return format!("AND msdyn_channel IN ({}) ", codes.join(", "));
    }
    let ors: Vec<String> = pairs
        .iter()
        .map(|(ch, sk)| format!("(msdyn_channel = {} AND msdyn_queueid = {sk})", channel_code(s, *ch)))
        .collect();
    format!("AND ({}) ", ors.join(" OR "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quickstart() -> Scenario {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.toml");
        crate::scenario::load_file(&path, &[]).expect("the bundled scenario loads")
    }

    #[test]
    fn the_eligibility_query_has_a_term_per_rule_group_in_eligibility_order() {
        let jobs = jobs(&quickstart()).expect("quickstart's policy is SQL");
        assert_eq!(jobs.len(), 1);
        let sql = jobs[0].select(Dialect::Sqlite, 10_000_000, 50, &[4, 5]);
        assert_eq!(
            sql,
            "SELECT activityid, statecode FROM msdyn_liveconversation WHERE ((statecode = 0 AND msdyn_channel IN (192360000) \
             AND modifiedon <= 8800000) OR (statecode = 1 AND msdyn_channel IN (192300000) AND modifiedon <= 2800000) OR \
             (statecode = 2 AND msdyn_channel IN (192300000) AND modifiedon <= -4400000)) AND activityid NOT IN (4, 5) \
             ORDER BY CASE WHEN statecode = 0 AND msdyn_channel IN (192360000) THEN MAX(modifiedon + 1200000, sim_stateenteredon) \
             WHEN statecode = 1 AND msdyn_channel IN (192300000) THEN MAX(modifiedon + 7200000, sim_stateenteredon) \
             WHEN statecode = 2 AND msdyn_channel IN (192300000) THEN MAX(modifiedon + 14400000, sim_stateenteredon) END, \
             createdon, activityid LIMIT 50"
        );
        assert_eq!(
            create_indexes(&jobs, IndexChoice::StateClock),
            ["CREATE INDEX ix_state_modifiedon ON msdyn_liveconversation (statecode, modifiedon)"]
        );
        assert!(create_indexes(&jobs, IndexChoice::None).is_empty());
    }
}
