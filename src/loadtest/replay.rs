//! Replays a trace against a store: a pool of writer connections applies the traffic's
//! writes in simulated time order (each conversation on one writer, so its writes keep their
//! order), and at every run of the simulator's sweeps the job lists and closes on its own
//! connection while the writers go on.
//!
//! Between runs time is compressed: the writers apply everything up to the next run as fast
//! as the store takes it, then stop. During a run, simulated time advances with the wall
//! clock at `speed` simulated seconds per second (0: the job takes no time, the traffic
//! waits), so the customers' writes that fall in the job's duration arrive while it works.

use super::query::JobQuery;
use super::store::{Conn, Listed, RowContext, Store};
use super::trace::{Trace, Write};
use super::LoadtestError;
use crate::policy::CloseAction;
use crate::time::SimTime;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// How the replay runs.
#[derive(Debug, Clone)]
pub struct ReplayOptions {
    pub writers: usize,
    /// Simulated seconds per wall second while a run is in progress; 0: the job takes no time.
    pub speed: f64,
    pub page_size: u64,
    /// Close one row at a time at the scheduler's `closures_per_second` (in simulated time,
    /// so `speed` times faster on the wall clock), as the platform's API paces the job.
    pub pace: bool,
}

/// What one run of the job did and cost.
#[derive(Debug, Clone, PartialEq)]
pub struct RunMeasure {
    pub scheduler: String,
    pub run: u64,
    pub started: SimTime,
    pub open_rows: i64,
    pub listed: u64,
    pub closed: u64,
    pub rescued: u64,
    pub race_closures: u64,
    pub pages: u64,
    pub query_s: f64,
    pub update_s: f64,
    pub duration_s: f64,
    /// The run's duration on the platform's clock: `duration_s`, or with `--pace` the paced
    /// wall seconds × speed (the closures spread at closures_per_second).
    pub platform_s: f64,
    pub rows_scanned: Option<u64>,
    pub vm_steps: Option<u64>,
    /// Until the next run of the same scheduler was due (simulated seconds).
    pub next_due_s: f64,
    pub sim_closed: u64,
    pub sim_race_closures: u64,
    pub sim_eligible: u64,
    pub sim_deferred: u64,
    pub writes_during: u64,
}

impl RunMeasure {
    pub fn kept_up(&self) -> bool {
        self.platform_s < self.next_due_s
    }
}

struct Gate {
    /// Writes with a global index below this may be applied.
    allowed: usize,
    stop: bool,
}

struct Shared {
    gate: Mutex<Gate>,
    gate_cv: Condvar,
    /// Per writer: the global index of its next write not yet applied (`usize::MAX`: none).
    progress: Mutex<Vec<usize>>,
    progress_cv: Condvar,
    open: AtomicI64,
    error: Mutex<Option<LoadtestError>>,
}

/// Runs the trace's sweep runs of `jobs` against `store`, the writers applying its writes.
pub fn replay(
    store: &dyn Store,
    trace: &Trace,
    jobs: &[JobQuery],
    ctx: &RowContext,
    opts: &ReplayOptions,
) -> Result<Vec<RunMeasure>, LoadtestError> {
    let n = opts.writers.max(1);
    let mut lanes: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, w) in trace.writes.iter().enumerate() {
        lanes[(w.id % n as u64) as usize].push(i);
    }
    let shared = Shared {
        gate: Mutex::new(Gate { allowed: 0, stop: false }),
        gate_cv: Condvar::new(),
        progress: Mutex::new(lanes.iter().map(|l| l.first().copied().unwrap_or(usize::MAX)).collect()),
        progress_cv: Condvar::new(),
        open: AtomicI64::new(0),
        error: Mutex::new(None),
    };
    let mut conns = Vec::with_capacity(n);
    for _ in 0..n {
        conns.push(store.connect()?);
    }
    let mut job_conn = store.connect()?;
    std::thread::scope(|scope| {
        for (k, (lane, conn)) in lanes.iter().zip(conns).enumerate() {
            let shared = &shared;
            scope.spawn(move || writer(k, lane, conn, &trace.writes, ctx, shared));
        }
        let out = drive(&mut *job_conn, trace, jobs, ctx, opts, &shared);
        let mut g = shared.gate.lock().expect("the gate lock should not be poisoned");
        g.stop = true;
        drop(g);
        shared.gate_cv.notify_all();
        out
    })
    .and_then(|runs| match shared.error.lock().expect("the error lock should not be poisoned").take() {
        Some(e) => Err(e),
        None => Ok(runs),
    })
}

/// One writer: applies its lane's writes as the gate allows, a transaction per batch.
fn writer(k: usize, lane: &[usize], mut conn: Box<dyn Conn>, writes: &[Write], ctx: &RowContext, sh: &Shared) {
    const BATCH: usize = 20_000;
    let mut pos = 0;
    let mut batch: Vec<Write> = Vec::with_capacity(BATCH);
    while pos < lane.len() {
        let allowed = {
            let mut g = sh.gate.lock().expect("the gate lock should not be poisoned");
            while g.allowed <= lane[pos] && !g.stop {
                g = sh.gate_cv.wait(g).expect("the gate lock should not be poisoned");
            }
            if g.stop {
                return;
            }
            g.allowed
        };
        batch.clear();
        let mut end = pos;
        while end < lane.len() && lane[end] < allowed && batch.len() < BATCH {
            batch.push(writes[lane[end]]);
            end += 1;
        }
        match conn.apply(&batch, ctx) {
            Ok(d) => {
                sh.open.fetch_add(d, Ordering::SeqCst);
            }
            Err(e) => {
                *sh.error.lock().expect("the error lock should not be poisoned") = Some(e);
                let mut p = sh.progress.lock().expect("the progress lock should not be poisoned");
                p[k] = usize::MAX;
                sh.progress_cv.notify_all();
                return;
            }
        }
        pos = end;
        let mut p = sh.progress.lock().expect("the progress lock should not be poisoned");
        p[k] = lane.get(pos).copied().unwrap_or(usize::MAX);
        sh.progress_cv.notify_all();
    }
}

fn set_allowed(sh: &Shared, allowed: usize) {
    let mut g = sh.gate.lock().expect("the gate lock should not be poisoned");
    if allowed > g.allowed {
        g.allowed = allowed;
        sh.gate_cv.notify_all();
    }
}

/// Waits until every write below `index` is applied.
fn wait_applied(sh: &Shared, index: usize) -> Result<(), LoadtestError> {
    let mut p = sh.progress.lock().expect("the progress lock should not be poisoned");
    while p.iter().any(|&next| next < index) {
        p = sh.progress_cv.wait(p).expect("the progress lock should not be poisoned");
    }
    drop(p);
    match sh.error.lock().expect("the error lock should not be poisoned").take() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn drive(
    conn: &mut dyn Conn,
    trace: &Trace,
    jobs: &[JobQuery],
    ctx: &RowContext,
    opts: &ReplayOptions,
    sh: &Shared,
) -> Result<Vec<RunMeasure>, LoadtestError> {
    let mut out = Vec::new();
    let runs: Vec<_> = trace.runs.iter().filter(|r| jobs.iter().any(|j| j.scheduler == r.record.scheduler)).collect();
    for (i, tr) in runs.iter().enumerate() {
        let job = jobs.iter().find(|j| j.scheduler == tr.record.scheduler).expect("filtered on a job above");
        set_allowed(sh, tr.boundary);
        wait_applied(sh, tr.boundary)?;
        let next_boundary = runs.get(i + 1).map_or(trace.writes.len(), |r| r.boundary);
        let next_due = runs[i + 1..]
            .iter()
            .find(|r| r.record.scheduler == tr.record.scheduler)
            .map_or(job.interval_ms as f64 / 1000.0, |r| {
                (r.record.started.ms() - tr.record.started.ms()) as f64 / 1000.0
            });
        let open_rows = sh.open.load(Ordering::SeqCst);
        let started = tr.record.started;
        let done = std::sync::atomic::AtomicBool::new(false);
        let (m, during) = std::thread::scope(|scope| {
            let handle = scope.spawn(|| {
                let gap_s =
                    job.closures_per_second.filter(|_| opts.pace && opts.speed > 0.0).map(|r| 1.0 / (r * opts.speed));
                let r = run_job(conn, job, ctx.ms(started), opts.page_size, gap_s);
                done.store(true, Ordering::SeqCst);
                r
            });
            let t0 = Instant::now();
            let mut during = tr.boundary;
            while opts.speed > 0.0 && !done.load(Ordering::SeqCst) {
                let sim_now = started.ms() + (t0.elapsed().as_secs_f64() * opts.speed * 1000.0) as u64;
                let upto = trace.writes.partition_point(|w| w.t.ms() <= sim_now).clamp(tr.boundary, next_boundary);
                if upto > during {
                    during = upto;
                    set_allowed(sh, upto);
                }
                std::thread::sleep(Duration::from_micros(500));
            }
            (handle.join().expect("the job thread should not panic"), during - tr.boundary)
        });
        let mut m = m?;
        if opts.pace && job.closures_per_second.is_some() {
            m.platform_s = m.duration_s * opts.speed;
        }
        if m.rows_scanned.is_none() {
            // Measured after the run, outside its timing: the first page's query again.
            let first = job.select(conn.dialect(), ctx.ms(started), job_page(job, opts.page_size), &[]);
            m.rows_scanned = conn.measure_scan(&first)?;
        }
        let rec = &tr.record;
        out.push(RunMeasure {
            scheduler: job.name.clone(),
            run: rec.run,
            started,
            open_rows,
            next_due_s: next_due,
            sim_closed: rec.closed,
            sim_race_closures: rec.race_closures,
            sim_eligible: rec.eligible,
            sim_deferred: rec.deferred,
            writes_during: during as u64,
            ..m
        });
    }
    set_allowed(sh, trace.writes.len());
    wait_applied(sh, trace.writes.len())?;
    Ok(out)
}

/// The first page's size of a run.
fn job_page(job: &JobQuery, page_size: u64) -> u64 {
    job.max_closures_per_run.map_or(u64::MAX, u64::from).min(page_size.max(1))
}

/// One run of the job at `now_ms`: list a page, close it, until the limit or no more.
/// With `gap_s`, the k-th listed row is closed on its own `k × gap_s` wall seconds after the
/// start.
fn run_job(
    conn: &mut dyn Conn,
    job: &JobQuery,
    now_ms: i64,
    page_size: u64,
    gap_s: Option<f64>,
) -> Result<RunMeasure, LoadtestError> {
    let t0 = Instant::now();
    let mut m = RunMeasure {
        scheduler: job.name.clone(),
        run: 0,
        started: SimTime(0),
        open_rows: 0,
        listed: 0,
        closed: 0,
        rescued: 0,
        race_closures: 0,
        pages: 0,
        query_s: 0.0,
        update_s: 0.0,
        duration_s: 0.0,
        platform_s: 0.0,
        rows_scanned: None,
        vm_steps: None,
        next_due_s: 0.0,
        sim_closed: 0,
        sim_race_closures: 0,
        sim_eligible: 0,
        sim_deferred: 0,
        writes_during: 0,
    };
    let mut remaining = job.max_closures_per_run.map_or(u64::MAX, u64::from);
    let mut rescued_ids: Vec<i64> = Vec::new();
    let d = conn.dialect();
    while remaining > 0 {
        let n = remaining.min(page_size.max(1));
        let q0 = Instant::now();
        let (rows, stats) = conn.list(&job.select(d, now_ms, n, &rescued_ids))?;
        m.query_s += q0.elapsed().as_secs_f64();
        m.pages += 1;
        if let Some(s) = stats.rows_scanned {
            m.rows_scanned = Some(m.rows_scanned.unwrap_or(0) + s);
        }
        if let Some(v) = stats.vm_steps {
            m.vm_steps = Some(m.vm_steps.unwrap_or(0) + v);
        }
        if rows.is_empty() {
            break;
        }
        let u0 = Instant::now();
        let (closed, races, rescued) = match gap_s {
            None => close_page(conn, job, &rows, now_ms)?,
            Some(gap) => close_paced(conn, job, &rows, now_ms, t0, gap, m.listed)?,
        };
        m.update_s += u0.elapsed().as_secs_f64();
        m.listed += rows.len() as u64;
        m.closed += closed;
        m.race_closures += races;
        m.rescued += rescued.len() as u64;
        rescued_ids.extend(rescued);
        remaining = remaining.saturating_sub(rows.len() as u64);
        if (rows.len() as u64) < n {
            break;
        }
    }
    m.duration_s = t0.elapsed().as_secs_f64();
    m.platform_s = m.duration_s;
    Ok(m)
}

/// Closes the rows one at a time, the k-th (counted over the run from `first`) at
/// `t0 + k × gap_s`.
fn close_paced(
    conn: &mut dyn Conn,
    job: &JobQuery,
    rows: &[Listed],
    now_ms: i64,
    t0: Instant,
    gap_s: f64,
    first: u64,
) -> Result<(u64, u64, Vec<i64>), LoadtestError> {
    let (mut closed, mut races, mut rescued) = (0, 0, Vec::new());
    for (k, row) in rows.iter().enumerate() {
        let due = Duration::from_secs_f64((first + k as u64) as f64 * gap_s);
        if let Some(wait) = due.checked_sub(t0.elapsed()) {
            std::thread::sleep(wait);
        }
        let (c, r, mut s) = close_page(conn, job, std::slice::from_ref(row), now_ms)?;
        closed += c;
        races += r;
        rescued.append(&mut s);
    }
    Ok((closed, races, rescued))
}

/// Closes one page: the updates grouped by the state each row was listed in. Returns the
/// rows closed, the race closures (the customer wrote after `now_ms`) and the ids rescued.
fn close_page(
    conn: &mut dyn Conn,
    job: &JobQuery,
    rows: &[Listed],
    now_ms: i64,
) -> Result<(u64, u64, Vec<i64>), LoadtestError> {
    let mut states: Vec<i64> = rows.iter().map(|r| r.statecode).collect();
    states.sort_unstable();
    states.dedup();
    let mut sql = Vec::new();
    for &s in &states {
        let ids: Vec<i64> = rows.iter().filter(|r| r.statecode == s).map(|r| r.id).collect();
        let wrap = job.action_of(s) == CloseAction::ToWrapUp;
        sql.push(job.close(&ids, s, now_ms, wrap));
        if wrap && !job.recheck {
            // Moved on from Active since the listing: closed for what the job saw.
            sql.push(job.close(&ids, s, now_ms, false).replace("statecode <> 3", "statecode NOT IN (1, 3)"));
        }
    }
    let updated: Vec<(i64, i64)> = conn.update(&sql)?.into_iter().flatten().collect();
    let closed = updated.len() as u64;
    let races = updated.iter().filter(|&&(_, lcm)| lcm > now_ms).count() as u64;
    let rescued = rows.iter().map(|r| r.id).filter(|id| !updated.iter().any(|(u, _)| u == id)).collect();
    Ok((closed, races, rescued))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loadtest::query::{self, JobQuery, Term};
    use crate::loadtest::store::SqliteStore;
    use crate::loadtest::trace::Change;
    use crate::model::state::State;

    fn job(recheck: bool) -> JobQuery {
        let term = Term {
            state: State::Waiting,
            filter: String::new(),
            clock: "msdyn_lastcustomermessageon",
            timeout_ms: 60_000,
            action: CloseAction::Close,
        };
        JobQuery {
            scheduler: 0,
            name: "job".into(),
            terms: vec![term],
            max_closures_per_run: None,
            recheck,
            interval_ms: 300_000,
            closures_per_second: None,
        }
    }

    /// Two Waiting conversations silent since 0; the job lists both at 120 s, then the
    /// customer of #1 writes at 121 s before the closing update.
    fn listed_then_reply(recheck: bool) -> (u64, u64, Vec<i64>) {
        let dir = tempfile::tempdir().expect("a temp dir");
        let store = SqliteStore { path: dir.path().join("s.sqlite") };
        let mut c = store.connect().expect("SQLite opens");
        c.batch(&[query::create_table()]).expect("the table");
        let ctx = RowContext { epoch_ms: 0, channel_codes: vec![7] };
        let w = |t: u64, id: u64, change| Write { t: SimTime(t), id, change };
        let setup: Vec<Write> = (1..=2)
            .flat_map(|id| [w(0, id, Change::Insert { channel: 0, skill: 0 }), w(0, id, Change::State(State::Waiting))])
            .collect();
        assert_eq!(c.apply(&setup, &ctx).expect("writes apply"), 2, "two open rows");
        let j = job(recheck);
        let (rows, _) = c.list(&j.select(Dialect::Sqlite, 120_000, 10, &[])).expect("the query runs");
        assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), [1, 2]);
        c.apply(&[w(121_000, 1, Change::CustomerMessage)], &ctx).expect("the reply applies");
        close_page(&mut *c, &j, &rows, 120_000).expect("the updates run")
    }

    use crate::loadtest::query::Dialect;

    #[test]
    fn without_recheck_a_reply_between_listing_and_update_is_a_race_closure() {
        assert_eq!(listed_then_reply(false), (2, 1, vec![]));
    }

    #[test]
    fn with_recheck_the_update_rescues_the_conversation_that_replied() {
        assert_eq!(listed_then_reply(true), (1, 0, vec![1]));
    }
}
