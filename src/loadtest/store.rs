//! The stores the job runs against, behind one trait: SQLite (rusqlite, bundled) in a file,
//! and PostgreSQL (`pg.rs`). A `Store` opens connections; a `Conn` applies the traffic's
//! writes in one transaction, lists, updates and explains.

use super::query::{self, Dialect, TABLE};
use super::trace::{Change, Write};
use super::LoadtestError;
use rusqlite::{params, Connection, StatementStatus};
use std::path::PathBuf;
use std::time::Duration;

/// Values a write needs besides itself: the epoch of simulated time zero and the
/// `msdyn_channel` value of each channel.
#[derive(Debug, Clone)]
pub struct RowContext {
    pub epoch_ms: i64,
    pub channel_codes: Vec<i64>,
}

impl RowContext {
    pub fn ms(&self, t: crate::time::SimTime) -> i64 {
        self.epoch_ms + t.ms() as i64
    }
}

/// A listed row: its id and the state it was listed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listed {
    pub id: i64,
    pub statecode: i64,
}

/// What the store says a query cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanStats {
    /// Rows the query read (SQLite: its full-scan steps, or the rows an index range returned;
    /// PostgreSQL: from EXPLAIN ANALYZE).
    pub rows_scanned: Option<u64>,
    /// SQLite's virtual-machine steps of the statement.
    pub vm_steps: Option<u64>,
}

/// A database the harness can open connections to.
pub trait Store: Sync {
    fn dialect(&self) -> Dialect;
    /// `sqlite:PATH` or the PostgreSQL URL without its password.
    fn describe(&self) -> String;
    fn connect(&self) -> Result<Box<dyn Conn>, LoadtestError>;
}

/// One connection.
pub trait Conn: Send {
    fn dialect(&self) -> Dialect;
    /// Runs statements that return nothing (DDL, ANALYZE).
    fn batch(&mut self, sql: &[String]) -> Result<(), LoadtestError>;
    /// Inserts `rows` closed conversations of the past (`--history`), fast.
    fn history(&mut self, rows: u64, ctx: &RowContext, n_skills: usize) -> Result<(), LoadtestError>;
    /// Applies writes in one transaction; returns the change in open rows.
    fn apply(&mut self, writes: &[Write], ctx: &RowContext) -> Result<i64, LoadtestError>;
    /// Runs the eligibility query.
    fn list(&mut self, sql: &str) -> Result<(Vec<Listed>, ScanStats), LoadtestError>;
    /// Runs closing updates in one transaction; returns every updated row's id and last
    /// customer message, per statement.
    fn update(&mut self, sql: &[String]) -> Result<Vec<Vec<(i64, i64)>>, LoadtestError>;
    /// The store's plan of a query, one line per step.
    fn plan(&mut self, sql: &str) -> Result<String, LoadtestError>;
    /// Rows a query reads, measured by running it (PostgreSQL: EXPLAIN ANALYZE); `None`
    /// where `list` measures it already.
    fn measure_scan(&mut self, sql: &str) -> Result<Option<u64>, LoadtestError>;
    /// Rows in the table.
    fn count(&mut self) -> Result<u64, LoadtestError>;
}

/// The SQL of one traffic write, with its parameters (`Dialect::param` placeholders).
pub fn write_sql(d: Dialect, change: &Change) -> String {
    let p = |i| d.param(i);
    let guard = format!("WHERE activityid = {} AND statecode <> {}", p(1), query::CLOSED_CODE);
    match change {
        Change::Insert { .. } => format!(
            "INSERT INTO {TABLE} (activityid, statecode, statuscode, msdyn_channel, msdyn_queueid, msdyn_transfercount, \
             createdon, modifiedon, msdyn_lastcustomermessageon, sim_stateenteredon, sim_statemodifiedon, \
             sim_lastactivityon, sim_closedbyjob) VALUES ({}, 0, 1, {}, {}, 0, {t}, {t}, {t}, {t}, {t}, {t}, 0)",
            p(1),
            p(2),
            p(3),
            t = p(4)
        ),
        Change::State(_) => format!(
            "UPDATE {TABLE} SET statecode = {s}, statuscode = {}, modifiedon = {t}, sim_lastactivityon = {t}, \
             sim_stateenteredon = {t}, sim_statemodifiedon = {t}, \
             wrapupinitiatedon = CASE WHEN CAST({s} AS BIGINT) = 4 THEN {t} ELSE wrapupinitiatedon END, \
             closedon = CASE WHEN CAST({s} AS BIGINT) = {} THEN {t} ELSE closedon END {guard}",
            p(3),
            query::CLOSED_CODE,
            s = p(2),
            t = p(4)
        ),
        Change::CustomerMessage => format!(
            "UPDATE {TABLE} SET msdyn_lastcustomermessageon = {t}, modifiedon = {t}, sim_lastactivityon = {t} {guard}",
            t = p(2)
        ),
        Change::AgentMessage => {
            format!("UPDATE {TABLE} SET modifiedon = {t}, sim_lastactivityon = {t} {guard}", t = p(2))
        }
        Change::ReaderJoin => {
            format!("UPDATE {TABLE} SET modifiedon = {t}, sim_statemodifiedon = {t} {guard}", t = p(2))
        }
        Change::Transfer { .. } => format!(
            "UPDATE {TABLE} SET msdyn_queueid = {}, msdyn_transfercount = msdyn_transfercount + 1 {guard}",
            p(2)
        ),
    }
}

/// The parameters of a write, in placeholder order.
pub fn write_params(w: &Write, ctx: &RowContext) -> Vec<i64> {
    let (id, t) = (w.id as i64, ctx.ms(w.t));
    match w.change {
        Change::Insert { channel, skill } => vec![id, ctx.channel_codes[channel as usize], i64::from(skill), t],
        Change::State(s) => vec![id, i64::from(s.msdyn_statecode()), i64::from(s.msdyn_statuscode()), t],
        Change::CustomerMessage | Change::AgentMessage | Change::ReaderJoin => vec![id, t],
        Change::Transfer { skill } => vec![id, i64::from(skill)],
    }
}

/// How many open rows a write that changed `affected` rows adds.
pub fn open_delta(w: &Write, affected: usize) -> i64 {
    match w.change {
        Change::Insert { .. } => affected as i64,
        Change::State(crate::model::state::State::Closed) => -(affected as i64),
        _ => 0,
    }
}

/// The closed conversations `--history` writes: row `i` of `rows`, spread over the 90 days
/// before the start, each closed 30 minutes after its creation. Ids are negative, apart from
/// the simulation's.
pub fn history_row(i: u64, rows: u64, ctx: &RowContext, n_skills: usize) -> [i64; 7] {
    const SPAN_MS: i64 = 90 * 86_400_000;
    let created = ctx.epoch_ms - SPAN_MS + (i as i128 * SPAN_MS as i128 / rows.max(1) as i128) as i64;
    let closed = created + 1_800_000;
    let ch = ctx.channel_codes[i as usize % ctx.channel_codes.len()];
    [-(i as i64) - 1, ch, (i as usize % n_skills.max(1)) as i64, created, closed, closed - 600_000, closed]
}

/// SQLite in a file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pub path: PathBuf,
}

impl Store for SqliteStore {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn describe(&self) -> String {
        format!("sqlite:{}", self.path.display())
    }

    fn connect(&self) -> Result<Box<dyn Conn>, LoadtestError> {
        let c = Connection::open(&self.path).map_err(|e| sq(&format!("opening {}", self.path.display()), e))?;
        c.busy_timeout(Duration::from_secs(120)).map_err(|e| sq("setting the busy timeout", e))?;
        // WAL: the job reads while writers write; no fsync per commit (a stand-in for the
        // platform's database, not a durability test).
        c.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; PRAGMA cache_size = -65536;")
            .map_err(|e| sq("setting WAL mode", e))?;
        Ok(Box::new(SqliteConn { c }))
    }
}

fn sq(what: &str, e: rusqlite::Error) -> LoadtestError {
    LoadtestError::Store { what: what.to_string(), message: e.to_string() }
}

struct SqliteConn {
    c: Connection,
}

impl Conn for SqliteConn {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn batch(&mut self, sql: &[String]) -> Result<(), LoadtestError> {
        for s in sql {
            self.c.execute_batch(s).map_err(|e| sq(s, e))?;
        }
        Ok(())
    }

    fn history(&mut self, rows: u64, ctx: &RowContext, n_skills: usize) -> Result<(), LoadtestError> {
        let tx = self.c.transaction().map_err(|e| sq("history", e))?;
        {
            let sql = format!(
                "INSERT INTO {TABLE} (activityid, statecode, statuscode, msdyn_channel, msdyn_queueid, msdyn_transfercount, \
                 createdon, modifiedon, wrapupinitiatedon, closedon, msdyn_lastcustomermessageon, sim_stateenteredon, \
                 sim_statemodifiedon, sim_lastactivityon, sim_closedbyjob) \
                 VALUES (?1, 3, 4, ?2, ?3, 0, ?4, ?5, ?6, ?5, ?6, ?5, ?5, ?5, 0)"
            );
            let mut st = tx.prepare(&sql).map_err(|e| sq("history insert", e))?;
            for i in 0..rows {
                let r = history_row(i, rows, ctx, n_skills);
                st.execute(params![r[0], r[1], r[2], r[3], r[4], r[5]]).map_err(|e| sq("history insert", e))?;
            }
        }
        tx.commit().map_err(|e| sq("history commit", e))
    }

    fn apply(&mut self, writes: &[Write], ctx: &RowContext) -> Result<i64, LoadtestError> {
        let tx = self
            .c
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| sq("beginning a write", e))?;
        let mut open = 0;
        for w in writes {
            let sql = write_sql(Dialect::Sqlite, &w.change);
            let mut st = tx.prepare_cached(&sql).map_err(|e| sq(&sql, e))?;
            let p = write_params(w, ctx);
            let n = st.execute(rusqlite::params_from_iter(p.iter())).map_err(|e| sq(&sql, e))?;
            open += open_delta(w, n);
        }
        tx.commit().map_err(|e| sq("committing writes", e))?;
        Ok(open)
    }

    fn list(&mut self, sql: &str) -> Result<(Vec<Listed>, ScanStats), LoadtestError> {
        let mut st = self.c.prepare(sql).map_err(|e| sq(sql, e))?;
        let rows = st
            .query_map([], |r| Ok(Listed { id: r.get(0)?, statecode: r.get(1)? }))
            .map_err(|e| sq(sql, e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| sq(sql, e))?;
        let full = st.get_status(StatementStatus::FullscanStep) as u64;
        let vm = st.get_status(StatementStatus::VmStep) as u64;
        // An index search reads the range its predicate bounds: the rows it returns.
        let stats = ScanStats { rows_scanned: Some(full.max(rows.len() as u64)), vm_steps: Some(vm) };
        Ok((rows, stats))
    }

    fn update(&mut self, sql: &[String]) -> Result<Vec<Vec<(i64, i64)>>, LoadtestError> {
        let tx = self
            .c
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| sq("beginning the closing updates", e))?;
        let mut out = Vec::new();
        for s in sql {
            let mut st = tx.prepare(s).map_err(|e| sq(s, e))?;
            let v = st
                .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Option<i64>>(1)?.unwrap_or(i64::MIN))))
                .map_err(|e| sq(s, e))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| sq(s, e))?;
            out.push(v);
        }
        tx.commit().map_err(|e| sq("committing the closing updates", e))?;
        Ok(out)
    }

    fn plan(&mut self, sql: &str) -> Result<String, LoadtestError> {
        let q = format!("EXPLAIN QUERY PLAN {sql}");
        let mut st = self.c.prepare(&q).map_err(|e| sq(&q, e))?;
        let rows = st
            .query_map([], |r| r.get::<_, String>(3))
            .map_err(|e| sq(&q, e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| sq(&q, e))?;
        Ok(rows.join("\n"))
    }

    fn measure_scan(&mut self, _sql: &str) -> Result<Option<u64>, LoadtestError> {
        Ok(None)
    }

    fn count(&mut self) -> Result<u64, LoadtestError> {
        let q = format!("SELECT COUNT(*) FROM {TABLE}");
        self.c.query_row(&q, [], |r| r.get::<_, i64>(0)).map(|n| n as u64).map_err(|e| sq(&q, e))
    }
}
