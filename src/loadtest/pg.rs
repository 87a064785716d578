//! PostgreSQL as the store (`--store postgres://...`), through the synchronous `postgres`
//! client without TLS (a local or trusted server). History is written with COPY; rows a
//! query reads come from EXPLAIN ANALYZE of the same query.

use super::query::{Dialect, COLUMNS, TABLE};
use super::store::{history_row, open_delta, write_params, write_sql, Conn, Listed, RowContext, ScanStats, Store};
use super::trace::{Change, Write};
use super::LoadtestError;
use postgres::types::ToSql;
use postgres::{Client, Config, NoTls, Statement};
use std::io::Write as _;

/// A PostgreSQL server and database.
#[derive(Debug, Clone)]
pub struct PgStore {
    config: Config,
    url: String,
}

impl PgStore {
    pub fn new(url: &str) -> Result<PgStore, LoadtestError> {
        let config: Config = url
            .parse()
            .map_err(|e: postgres::Error| LoadtestError::Url { url: redact(url), message: e.to_string() })?;
        Ok(PgStore { config, url: redact(url) })
    }
}

/// The URL without a password.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let user = &url[s + 3..at];
            let user = user.split(':').next().unwrap_or("");
            format!("{}{user}{}", &url[..s + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}

fn pe(what: &str, e: postgres::Error) -> LoadtestError {
    let message = match e.as_db_error() {
        Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
        None => e.to_string(),
    };
    LoadtestError::Store { what: what.to_string(), message }
}

impl Store for PgStore {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn describe(&self) -> String {
        self.url.clone()
    }

    fn connect(&self) -> Result<Box<dyn Conn>, LoadtestError> {
        let client = self.config.connect(NoTls).map_err(|e| pe(&format!("connecting to {}", self.url), e))?;
        Ok(Box::new(PgConn { client, stmts: vec![None; 6] }))
    }
}

struct PgConn {
    client: Client,
    /// Prepared write statements by change kind.
    stmts: Vec<Option<Statement>>,
}

fn kind(c: &Change) -> usize {
    match c {
        Change::Insert { .. } => 0,
        Change::State(_) => 1,
        Change::CustomerMessage => 2,
        Change::AgentMessage => 3,
        Change::ReaderJoin => 4,
        Change::Transfer { .. } => 5,
    }
}

impl Conn for PgConn {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn batch(&mut self, sql: &[String]) -> Result<(), LoadtestError> {
        for s in sql {
            self.client.batch_execute(s).map_err(|e| pe(s, e))?;
        }
        Ok(())
    }

    fn history(&mut self, rows: u64, ctx: &RowContext, n_skills: usize) -> Result<(), LoadtestError> {
        let sql = format!("COPY {TABLE} ({}) FROM STDIN", COLUMNS.join(", "));
        let mut w = self.client.copy_in(&sql).map_err(|e| pe(&sql, e))?;
        let mut line = String::with_capacity(160);
        for i in 0..rows {
            let [id, ch, q, created, closed, wrap, _] = history_row(i, rows, ctx, n_skills);
            line.clear();
            use std::fmt::Write as _;
            let _ = writeln!(
                line,
                "{id}\t3\t4\t{ch}\t{q}\t0\t{created}\t{closed}\t{wrap}\t{closed}\t{wrap}\t{closed}\t{closed}\t{closed}\t0"
            );
            w.write_all(line.as_bytes())
                .map_err(|e| LoadtestError::Store { what: sql.clone(), message: e.to_string() })?;
        }
        w.finish().map_err(|e| pe(&sql, e))?;
        Ok(())
    }

    fn apply(&mut self, writes: &[Write], ctx: &RowContext) -> Result<i64, LoadtestError> {
        for w in writes {
            let k = kind(&w.change);
            if self.stmts[k].is_none() {
                let sql = write_sql(Dialect::Postgres, &w.change);
                self.stmts[k] = Some(self.client.prepare(&sql).map_err(|e| pe(&sql, e))?);
            }
        }
        let mut tx = self.client.transaction().map_err(|e| pe("beginning a write", e))?;
        let mut open = 0;
        for w in writes {
            let st = self.stmts[kind(&w.change)].as_ref().expect("prepared above");
            let p = write_params(w, ctx);
            let refs: Vec<&(dyn ToSql + Sync)> = p.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
            let n = tx.execute(st, &refs).map_err(|e| pe("a traffic write", e))?;
            open += open_delta(w, n as usize);
        }
        tx.commit().map_err(|e| pe("committing writes", e))?;
        Ok(open)
    }

    fn list(&mut self, sql: &str) -> Result<(Vec<Listed>, ScanStats), LoadtestError> {
        let rows = self.client.query(sql, &[]).map_err(|e| pe(sql, e))?;
        let listed = rows.iter().map(|r| Listed { id: r.get(0), statecode: r.get(1) }).collect();
        Ok((listed, ScanStats::default()))
    }

    fn update(&mut self, sql: &[String]) -> Result<Vec<Vec<(i64, i64)>>, LoadtestError> {
        let mut tx = self.client.transaction().map_err(|e| pe("beginning the closing updates", e))?;
        let mut out = Vec::new();
        for s in sql {
            let rows = tx.query(s.as_str(), &[]).map_err(|e| pe(s, e))?;
            out.push(rows.iter().map(|r| (r.get(0), r.get::<_, Option<i64>>(1).unwrap_or(i64::MIN))).collect());
        }
        tx.commit().map_err(|e| pe("committing the closing updates", e))?;
        Ok(out)
    }

    fn plan(&mut self, sql: &str) -> Result<String, LoadtestError> {
        let q = format!("EXPLAIN {sql}");
        let rows = self.client.query(q.as_str(), &[]).map_err(|e| pe(&q, e))?;
        Ok(rows.iter().map(|r| r.get::<_, String>(0)).collect::<Vec<_>>().join("\n"))
    }

    fn measure_scan(&mut self, sql: &str) -> Result<Option<u64>, LoadtestError> {
        let q = format!("EXPLAIN ANALYZE {sql}");
        let rows = self.client.query(q.as_str(), &[]).map_err(|e| pe(&q, e))?;
        let lines: Vec<String> = rows.iter().map(|r| r.get::<_, String>(0)).collect();
        Ok(Some(rows_read(&lines)))
    }

    fn count(&mut self) -> Result<u64, LoadtestError> {
        let q = format!("SELECT COUNT(*) FROM {TABLE}");
        let r = self.client.query_one(q.as_str(), &[]).map_err(|e| pe(&q, e))?;
        Ok(r.get::<_, i64>(0) as u64)
    }
}

/// Rows the scan nodes of an EXPLAIN ANALYZE read: each table scan's rows × loops, plus the
/// rows its filter or recheck removed (a bitmap index scan's candidates are counted by its
/// heap scan).
pub fn rows_read(lines: &[String]) -> u64 {
    let mut total = 0u64;
    let mut in_scan = false;
    for l in lines {
        let t = l.trim_start().trim_start_matches("->").trim_start();
        if let Some(pos) = t.find("(actual") {
            let node = &t[..pos];
            in_scan =
                ["Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Heap Scan"].iter().any(|n| node.contains(n))
                    && !node.contains("Bitmap Index Scan");
            if in_scan {
                total += field(&t[pos..], "rows=") * field(&t[pos..], "loops=").max(1);
            }
        } else if in_scan {
            for key in ["Rows Removed by Filter:", "Rows Removed by Index Recheck:"] {
                if let Some(rest) = t.strip_prefix(key) {
                    total += rest.trim().parse::<u64>().unwrap_or(0);
                }
            }
        }
    }
    total
}

fn field(s: &str, key: &str) -> u64 {
    s.find(key)
        .map(|i| &s[i + key.len()..])
        .map(|r| r.chars().take_while(char::is_ascii_digit).collect::<String>())
        .and_then(|d| d.parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_read_sums_scan_nodes_and_their_filters() {
        let plan: Vec<String> = [
            "Limit  (cost=0.42..8.44 rows=1 width=16) (actual time=0.020..0.021 rows=3 loops=1)",
            "  ->  Sort  (cost=1.0..2.0 rows=10 width=16) (actual time=0.02..0.02 rows=3 loops=1)",
            "        ->  Seq Scan on msdyn_liveconversation  (cost=0.00..1.00 rows=10 width=16) (actual time=0.010..0.015 rows=3 loops=1)",
            "              Filter: ((statecode = 0) AND (createdon <= 5))",
            "              Rows Removed by Filter: 997",
            "Planning Time: 0.1 ms",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(rows_read(&plan), 1000);
    }

    #[test]
    fn a_url_is_shown_without_its_password() {
        assert_eq!(redact("postgres://bob:secret@localhost:5432/db"), "postgres://bob@localhost:5432/db");
        assert_eq!(redact("postgres://localhost/db"), "postgres://localhost/db");
    }
}
