//! SQLite database files: every table's rows read through SQLite itself,
//! strictly read-only (`immutable=1`: no `-wal`/`-shm` file is created and
//! no lock is taken, so a live database is left alone), opened through
//! the scanner's own descriptor (`/proc/self/fd/N`) so the file read is
//! the file walked. Each row is one line of text, its cells separated by
//! tabs, each cell a segment with `table`, `column`, `rowid` and `row`
//! (and `pk` for a one-column key), so column names are context and a CVV
//! beside a PAN is paired. The raw byte scan runs too: a number left in a
//! free page by a deleted row is found there and reported without a
//! column (reason `not_in_any_table`); a number that is also in a table is
//! reported once, from the table. Since a page stores a row's fields back
//! to back, a number glued to a digit field beside it (`…4486…2860` then
//! `03/28`) makes one long digit run that no PAN rule accepts: [`Raw`]
//! also tries the 15- and 16-digit windows at either end of such a run
//! (low confidence, reason `sqlite_page_window`).

use std::fs::File;
use std::os::fd::AsRawFd;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use crate::container::{location, Sink, Text};
use crate::structured::fields::display_name;
use crate::structured::sad_extra;

/// The first bytes of every SQLite 3 database file.
pub const MAGIC: &[u8] = b"SQLite format 3\0";

/// Rows read per table at most (a hostile file cannot take forever).
const MAX_ROWS: u64 = 50_000_000;

/// Reads every table of the database open as `file` into `sink` as
/// located text. Returns an error message when SQLite cannot read it.
pub fn scan_tables(file: &File, sink: &mut dyn Sink, path: &str) -> Result<(), String> {
    let uri = format!(
        "file:/proc/self/fd/{}?immutable=1&mode=ro",
        file.as_raw_fd()
    );
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(&uri, flags).map_err(|e| e.to_string())?;
    let tables: Vec<String> = {
        let mut st = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid")
            .map_err(|e| e.to_string())?;
        let rows = st
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| e.to_string())?;
        rows.filter_map(Result::ok).collect()
    };
    let mut text = Text::default();
    for t in &tables {
        if sink.stopped() {
            break;
        }
        table(&conn, t, &mut text, sink, path)?;
    }
    text.flush(sink, path);
    Ok(())
}

/// Quotes an identifier for SQL.
fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn table(
    conn: &Connection,
    t: &str,
    text: &mut Text,
    sink: &mut dyn Sink,
    path: &str,
) -> Result<(), String> {
    // Columns and the one-column primary key, if any.
    let mut cols = Vec::new();
    let mut pks = Vec::new();
    {
        let mut st = conn
            .prepare(&format!("PRAGMA table_info({})", quote(t)))
            .map_err(|e| e.to_string())?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, String>(1)?, r.get::<_, i64>(5)?)))
            .map_err(|e| e.to_string())?;
        for (i, r) in rows.filter_map(Result::ok).enumerate() {
            if r.1 > 0 {
                pks.push(i);
            }
            cols.push(r.0);
        }
    }
    let pk = (pks.len() == 1).then(|| pks[0]);
    for c in &cols {
        let loc = location([
            ("table", display_name(t).into()),
            ("column", display_name(c).into()),
        ]);
        if let Some(e) = sad_extra(c, 0, 1, loc) {
            sink.extra(path, e);
        }
    }
    let list: Vec<String> = cols.iter().map(|c| quote(c)).collect();
    let with_rowid = format!("SELECT rowid, {} FROM {}", list.join(", "), quote(t));
    let plain = format!("SELECT NULL, {} FROM {}", list.join(", "), quote(t));
    let mut st = match conn.prepare(&with_rowid) {
        Ok(s) => s,
        // WITHOUT ROWID tables.
        Err(_) => conn.prepare(&plain).map_err(|e| e.to_string())?,
    };
    let mut rows = st.query([]).map_err(|e| e.to_string())?;
    let mut n = 0u64;
    let tname = display_name(t);
    while let Some(r) = rows.next().map_err(|e| e.to_string())? {
        n += 1;
        if n > MAX_ROWS {
            break;
        }
        let rowid: Option<i64> = r.get(0).ok();
        let pk_value = pk
            .and_then(|k| cell(r.get_ref(k + 1).ok()?))
            .filter(|v| v.len() <= 64);
        let mut first = true;
        for (i, c) in cols.iter().enumerate() {
            let Some(v) = r.get_ref(i + 1).ok().and_then(cell) else {
                continue;
            };
            let mut loc = location([
                ("table", tname.clone().into()),
                ("column", display_name(c).into()),
                ("row", n.into()),
            ]);
            if let Some(id) = rowid {
                loc.insert("rowid".into(), id.into());
            }
            if let (Some(p), Some(k)) = (&pk_value, pk) {
                if k != i && p.bytes().filter(u8::is_ascii_digit).count() < 12 {
                    loc.insert("pk".into(), display_name(p).into());
                }
            }
            if first {
                text.segment(loc);
                first = false;
            } else {
                text.sep(b'\t');
                text.segment_inline(loc);
            }
            // A cell never holds a newline or tab of its own: rows stay lines.
            text.push(&v.replace(['\n', '\t', '\r'], " "));
        }
        text.maybe_flush(sink, path);
    }
    Ok(())
}

/// The text of a cell (`None` for NULL).
fn cell(v: ValueRef<'_>) -> Option<String> {
    match v {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(f) => Some(f.to_string()),
        ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Some(String::from_utf8_lossy(b).into_owned()),
    }
}

/// The raw scan's helper for SQLite files: PANs at the ends of digit runs
/// that a neighbouring field made too long.
pub struct Raw;

impl crate::structured::Attributor for Raw {
    fn locate(
        &mut self,
        _buf: &[u8],
        _base: u64,
        _at: usize,
        _line: u64,
        _hit: &mut crate::detect::Hit,
        _extra: &mut Vec<crate::structured::Extra>,
    ) -> Option<crate::container::Location> {
        None
    }

    fn find(
        &mut self,
        det: &crate::detect::Detector,
        buf: &[u8],
        r: crate::detect::Region,
        out: &mut Vec<crate::detect::Hit>,
    ) {
        let mut i = r.scan_start;
        while i < r.emit_end {
            if !buf[i].is_ascii_digit() || (i > 0 && buf[i - 1].is_ascii_digit()) {
                i += 1;
                continue;
            }
            let mut e = i;
            while e < buf.len() && buf[e].is_ascii_digit() {
                e += 1;
            }
            let n = e - i;
            // A whole run of 12-19 digits is the detector's own case.
            let whole = (12..=19).contains(&n) && det.bare_pan(&buf[i..e], i, "").is_some();
            if n > 15 && n <= 64 && !whole {
                for len in [15, 16] {
                    for start in [i, e.saturating_sub(len)] {
                        if start < i || start + len > e || (start == i && start + len == e) {
                            continue;
                        }
                        if let Some(h) =
                            det.bare_pan(&buf[start..start + len], start, "sqlite_page_window")
                        {
                            if r.owns(start) && !out.iter().any(|o| o.offset == start) {
                                out.push(h);
                            }
                        }
                    }
                }
            }
            i = e;
        }
    }

    fn advance(&mut self, _buf: &[u8], _base: u64, _end: usize, _last: bool) {}

    fn finish(
        &mut self,
        _extra: &mut Vec<crate::structured::Extra>,
    ) -> Vec<(u64, String, serde_json::Value)> {
        Vec::new()
    }
}
