//! SQL dumps (mysqldump/mariadb-dump, pg_dump plain with `COPY … FROM
//! stdin` blocks or `--inserts`, generic `INSERT` SQL): the `table`,
//! `column` and `row` of a hit, and the row's primary key value when the
//! table has a one-column key.
//!
//! The stream is followed line start by line start (a `memchr` pass):
//! `CREATE TABLE` and `ALTER TABLE … PRIMARY KEY` statements are parsed
//! with `sqlparser` (a hand fallback reads the column list when it cannot),
//! `INSERT INTO` headers give the table and column list, `COPY` headers
//! start a block of tab-separated rows. Rows of an `INSERT` are counted by
//! their `),(` separators (a vector search for `),` over insert data; a separator
//! inside a string value shifts the count). Only at a hit is the row's
//! tuple parsed, quote-aware, to find the field holding it, the other
//! fields of the row (CVV beside the PAN, the key) and the column names.

use std::collections::{HashMap, HashSet};

use std::sync::LazyLock;

use memchr::memmem::{self, Finder};
use sqlparser::ast::{ColumnOption, Statement, TableConstraint};
use sqlparser::dialect::{Dialect, GenericDialect, MySqlDialect, PostgreSqlDialect};
use sqlparser::parser::Parser;

use super::{apply_field_context, cvv_extra, fields::display_name, sad_extra, Attributor, Extra};
use crate::container::Location;
use crate::detect::Hit;

/// The end of a COPY block (`\.` on a line of its own), searched for on
/// every line of a dump: built once, not per search.
static COPY_END: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\n\\."));

/// Whether a head looks like SQL: a dump banner, or statements at line starts.
pub fn sniff(head: &[u8]) -> bool {
    let h = &head[..head.len().min(8192)];
    // Every file's head comes through here: one walk over its line starts
    // (a comment line may be a dump's banner, and only a line beginning
    // with one of the letters below can start a statement).
    if memchr::memchr(0, h).is_some() {
        return false;
    }
    let start = usize::from(h.starts_with(b"\xEF\xBB\xBF")) * 3;
    let mut dump = false;
    candidate_lines(h, start, |p| {
        let rest = &h[p..];
        dump = match rest[0] {
            b'-' => BANNERS.iter().any(|b| rest.starts_with(b)),
            _ => header_kind(rest).is_some(),
        };
        dump
    });
    dump
}

/// The first bytes of a line that may be a dump's banner (`-`) or start a
/// statement ([`header_kind`]: INSERT, REPLACE, COPY, CREATE, ALTER).
const LINE_CANDIDATES: [u8; 7] = *b"-IiRrCc";

fn line_candidate(b: u8) -> bool {
    LINE_CANDIDATES.contains(&b)
}

/// Calls `f` with the start `p` of every line of `h` from `start` (the
/// first line starts there) whose first byte is a [`line_candidate`], in
/// order, until `f` returns true. A file's head has about a hundred
/// lines: a `memchr` per line cost more than [`byte_pairs`] of a newline
/// and a candidate.
fn candidate_lines(h: &[u8], start: usize, mut f: impl FnMut(usize) -> bool) {
    if start >= h.len() || (line_candidate(h[start]) && f(start)) {
        return;
    }
    byte_pairs(h, start, h.len(), b'\n', LINE_CANDIDATES, |i| f(i + 1));
}

/// The banners of mysqldump, mariadb-dump, pg_dump and pg_dumpall, each on
/// a line of its own at the top of a dump (pg_dumpall's roles and
/// databases may fill the head before its first table).
const BANNERS: [&[u8]; 4] = [
    b"-- MySQL dump",
    b"-- MariaDB dump",
    b"-- PostgreSQL database dump",
    b"-- PostgreSQL database cluster dump",
];
static FROM_STDIN: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b" FROM stdin"));

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Header {
    Insert,
    Copy,
    Create,
    Alter,
    CopyEnd,
}

/// The statement a line starts, if any, from `text`, the line and maybe
/// bytes after it. Only `COPY` and `\.` need the line's end, found here:
/// a line of an extended-INSERT dump is kilobytes long, and no prefix
/// tested holds a newline.
fn header_kind(text: &[u8]) -> Option<Header> {
    let starts = |p: &[u8]| text.len() >= p.len() && text[..p.len()].eq_ignore_ascii_case(p);
    let line = || &text[..memchr::memchr(b'\n', text).unwrap_or(text.len())];
    let copy_from_stdin = || {
        let l = line();
        FROM_STDIN.find(&l[..l.len().min(4096)]).is_some()
    };
    if starts(b"INSERT INTO ") || starts(b"REPLACE INTO ") || starts(b"INSERT IGNORE INTO ") {
        Some(Header::Insert)
    } else if starts(b"COPY ") && copy_from_stdin() {
        Some(Header::Copy)
    } else if starts(b"CREATE TABLE ") {
        Some(Header::Create)
    } else if starts(b"ALTER TABLE ") {
        Some(Header::Alter)
    } else if text.starts_with(b"\\.") && line()[2..].iter().all(|b| b.is_ascii_whitespace()) {
        Some(Header::CopyEnd)
    } else {
        None
    }
}

#[derive(Debug, Default)]
struct Table {
    columns: Vec<String>,
    /// Index of the single-column primary key.
    pk: Option<usize>,
}

#[derive(Debug)]
enum Data {
    /// An INSERT: the absolute offset just after the `(` of the tuple
    /// being read.
    Insert { tuple: u64 },
    /// A COPY block: data lines seen.
    Copy,
}

#[derive(Debug)]
struct Stmt {
    table: String,
    /// The statement's own column list, if it has one.
    columns: Option<Vec<String>>,
    data: Data,
    /// Rows of its table seen so far, this statement's included.
    rows: u64,
}

/// A hit whose row's key is not known yet (pg_dump adds keys after the data).
struct Pending {
    offset: u64,
    table: String,
    /// Field values of the row (short ones, none that look like card data).
    values: Vec<Option<String>>,
}

/// The SQL attributor.
pub struct Sql {
    dialect: Box<dyn Dialect>,
    tables: HashMap<String, Table>,
    /// Rows seen per table, for tables whose statements have ended.
    rows: HashMap<String, u64>,
    /// INSERT headers seen (their bytes up to the first tuple) and what
    /// they said: dumps repeat a few headers line after line.
    headers: HashMap<Vec<u8>, (String, Option<Vec<String>>)>,
    stmt: Option<Stmt>,
    /// Absolute offset processed so far, and newlines before it.
    pos: u64,
    line: u64,
    pending: Vec<Pending>,
    schema: Vec<Extra>,
    schema_seen: HashSet<(String, String)>,
    /// Absolute offset where the last statement parsed (`CREATE TABLE`,
    /// `ALTER TABLE`) ends: a header line inside it is not parsed again,
    /// so each byte is parsed at most once (thousands of `CREATE TABLE`
    /// lines before one `;` would otherwise each parse all the rest).
    parsed_to: u64,
    /// Absolute offsets between which there is no `;` at a line end (a
    /// search that failed is not repeated line after line).
    no_end: (u64, u64),
}

/// Tables remembered at most (a hostile dump cannot grow memory forever).
const MAX_TABLES: usize = 10_000;

/// What makes [`Sql::new`] read PostgreSQL.
const PG_HEAD: &[u8] = b"-- PostgreSQL\n";

/// The tables a set of definitions declares ([`Sql::schema_of`]).
#[derive(Debug, Default)]
pub struct Schema(HashMap<String, Table>);

impl Sql {
    pub fn new(head: &[u8]) -> Sql {
        let h = &head[..head.len().min(8192)];
        let pg = memmem::find(h, b"PostgreSQL").is_some() || memmem::find(h, b"\nCOPY ").is_some();
        let my = memmem::find(h, b"MySQL").is_some()
            || memmem::find(h, b"MariaDB").is_some()
            || h.contains(&b'`');
        let dialect: Box<dyn Dialect> = if pg {
            Box::new(PostgreSqlDialect {})
        } else if my {
            Box::new(MySqlDialect {})
        } else {
            Box::new(GenericDialect {})
        };
        Sql {
            dialect,
            tables: HashMap::new(),
            rows: HashMap::new(),
            headers: HashMap::new(),
            stmt: None,
            pos: 0,
            line: 0,
            pending: Vec::new(),
            schema: Vec::new(),
            schema_seen: HashSet::new(),
            parsed_to: 0,
            no_end: (0, 0),
        }
    }

    /// The tables (columns and primary keys) that `definitions` (SQL
    /// statements: `CREATE TABLE`, `ALTER TABLE`, ...) declare, for
    /// [`Sql::copy_data`].
    pub fn schema_of(definitions: &[u8]) -> Schema {
        let mut s = Sql::new(PG_HEAD);
        s.advance_to(definitions, 0, definitions.len());
        Schema(s.tables)
    }

    /// An attributor for the data of a `COPY` statement held apart from it
    /// (a data file of a pg_dump tar or directory archive, whose `COPY`
    /// statement is in the archive's `toc.dat`): the stream starts with
    /// its first row, as if `copy` (the statement's line) came just
    /// before it, and `schema` gives the table's primary key. Columns named
    /// for sensitive authentication data are not reported here but where
    /// the statement is (a tar archive's `restore.sql`).
    pub fn copy_data(schema: &Schema, copy: &[u8]) -> Sql {
        let mut s = Sql::new(PG_HEAD);
        s.copy(copy, 0);
        s.schema.clear();
        if let Some(stmt) = &mut s.stmt {
            // The first row starts the stream: in a dump, the newline that
            // ends the COPY line counts it.
            stmt.rows += 1;
            if let Some(t) = schema.0.get(&stmt.table) {
                let t = Table {
                    columns: t.columns.clone(),
                    pk: t.pk,
                };
                s.tables.insert(stmt.table.clone(), t);
            }
        }
        s
    }

    /// Follows the stream up to absolute offset `base + to`.
    fn advance_to(&mut self, buf: &[u8], base: u64, to: usize) {
        let from = (self.pos.saturating_sub(base) as usize).min(to);
        if from >= to {
            return;
        }
        let mut i = from;
        // A line starting right at `from`.
        if self.at_line_start(buf, base, from) {
            self.line_start(buf, base, from);
        }
        while i < to {
            if matches!(
                self.stmt,
                Some(Stmt {
                    data: Data::Copy,
                    ..
                })
            ) {
                // A COPY block: one row a line, counted in bulk up to the
                // `\.` line that ends it (pg_dump writes millions of rows).
                let look = (to + 2).min(buf.len());
                let end = COPY_END
                    .find(&buf[i..look])
                    .map(|p| i + p)
                    .filter(|&e| e < to);
                let upto = end.unwrap_or(to);
                let n = memchr::memchr_iter(b'\n', &buf[i..upto]).count() as u64;
                self.line += n;
                if let Some(s) = &mut self.stmt {
                    s.rows += n;
                }
                match end {
                    Some(e) => {
                        self.line += 1;
                        i = e + 1;
                        if i < to {
                            self.line_start(buf, base, i);
                        }
                    }
                    None => break,
                }
                continue;
            }
            match memchr::memchr(b'\n', &buf[i..to]) {
                Some(p) => {
                    let nl = i + p;
                    self.count_tuples(buf, base, i, nl);
                    self.line += 1;
                    i = nl + 1;
                    if i < to {
                        self.line_start(buf, base, i);
                    }
                }
                None => {
                    self.count_tuples(buf, base, i, to);
                    break;
                }
            }
        }
        self.pos = base + to as u64;
    }

    fn at_line_start(&self, buf: &[u8], base: u64, at: usize) -> bool {
        if at == 0 {
            base == 0
        } else {
            buf[at - 1] == b'\n'
        }
    }

    /// A line starts at `buf[at]`.
    fn line_start(&mut self, buf: &[u8], base: u64, at: usize) {
        // The line and what follows it, up to 4 KiB: `header_kind` finds
        // the line's end only if it needs it.
        let text = &buf[at..(at + 4096).min(buf.len())];
        if let Some(Stmt {
            data: Data::Copy, ..
        }) = &self.stmt
        {
            // Rows were counted with the newline that starts them
            // (advance_to counts a COPY block's rows in bulk).
            if header_kind(text) == Some(Header::CopyEnd) {
                self.end_stmt();
            }
            return;
        }
        match header_kind(text) {
            Some(Header::Insert) => self.insert(buf, base, at),
            Some(Header::Copy) => {
                self.end_stmt();
                self.copy(buf, at);
            }
            Some(Header::Create) => {
                self.end_stmt();
                self.create(buf, base, at);
            }
            Some(Header::Alter) => {
                self.end_stmt();
                self.alter(buf, base, at);
            }
            _ => {}
        }
    }

    /// Ends the current statement, keeping its table's row count.
    fn end_stmt(&mut self) {
        if let Some(s) = self.stmt.take() {
            if self.rows.len() < MAX_TABLES || self.rows.contains_key(&s.table) {
                self.rows.insert(s.table, s.rows);
            }
        }
    }

    /// Rows seen so far of `table`.
    fn rows_of(&self, table: &str) -> u64 {
        match &self.stmt {
            Some(s) if s.table == table => s.rows,
            _ => self.rows.get(table).copied().unwrap_or(0),
        }
    }

    /// Counts the INSERT tuples that start in `buf[from..to]`.
    fn count_tuples(&mut self, buf: &[u8], base: u64, from: usize, to: usize) {
        let Some(Stmt {
            rows,
            data: Data::Insert { tuple },
            ..
        }) = &mut self.stmt
        else {
            return;
        };
        let mut n = 0;
        close_commas(buf, from, to, |p| {
            let mut q = p + 2;
            while q < buf.len() && q < p + 16 && buf[q].is_ascii_whitespace() {
                q += 1;
            }
            if buf.get(q) == Some(&b'(') {
                n += 1;
                *tuple = base + q as u64 + 1;
            }
        });
        *rows += n;
    }

    /// An INSERT at `buf[at]`: its header is read from the next 4 KiB.
    fn insert(&mut self, buf: &[u8], base: u64, at: usize) {
        let end = (at + 4096).min(buf.len());
        // The header's bytes, up to the `(` of the first tuple: a header
        // seen before (the common case in a dump) is not parsed again.
        let Some(first) = header_len(&buf[at..end]) else {
            self.end_stmt();
            return;
        };
        let key = &buf[at..at + first];
        let tuple = base + (at + first) as u64;
        let parsed;
        let (table, columns) = match self.headers.get(key) {
            Some((t, c)) => (t, c),
            None => {
                let Some(h) = parse_insert_header(&buf[at..end]) else {
                    self.end_stmt();
                    return;
                };
                if let Some(cols) = &h.columns {
                    self.note_schema(&h.table, cols, base + at as u64);
                }
                if self.headers.len() < 1024 {
                    self.headers
                        .insert(key.to_vec(), (h.table.clone(), h.columns.clone()));
                }
                parsed = h;
                (&parsed.table, &parsed.columns)
            }
        };
        // Another INSERT into the same table (the next line of extended
        // INSERTs, or one INSERT a row as `pg_dump --inserts` writes): carry
        // on counting, without cloning the names.
        if let Some(s) = &mut self.stmt {
            if s.table == *table && s.columns == *columns {
                s.rows += 1;
                s.data = Data::Insert { tuple };
                return;
            }
        }
        let (table, columns) = (table.clone(), columns.clone());
        self.end_stmt();
        let rows = self.rows.get(&table).copied().unwrap_or(0) + 1;
        self.stmt = Some(Stmt {
            table,
            columns,
            data: Data::Insert { tuple },
            rows,
        });
    }

    fn copy(&mut self, buf: &[u8], at: usize) {
        let end = memchr::memchr(b'\n', &buf[at..]).map_or(buf.len(), |e| at + e);
        let text = String::from_utf8_lossy(&buf[at + 5..end]);
        let (table, rest) = qualified_ident(&text);
        let Some(table) = table else {
            return;
        };
        let columns = rest.trim_start().strip_prefix('(').and_then(|r| {
            let close = r.find(')')?;
            Some(ident_list(&r[..close]))
        });
        if let Some(cols) = &columns {
            self.note_schema(&table, cols, self.pos);
        }
        let rows = self.rows.get(&table).copied().unwrap_or(0);
        self.stmt = Some(Stmt {
            table,
            columns,
            data: Data::Copy,
            rows,
        });
    }

    /// The text of a statement starting at `buf[at]` (absolute offset
    /// `base + at`), up to its `;` at a line end, if that is in the buffer
    /// and the statement does not lie inside one parsed before.
    fn statement(&mut self, buf: &[u8], base: u64, at: usize) -> Option<String> {
        if base + (at as u64) < self.parsed_to {
            return None;
        }
        let window = &buf[at..(at + (1 << 20)).min(buf.len())];
        let (from, to) = (base + at as u64, base + (at + window.len()) as u64);
        if self.no_end.0 <= from && to <= self.no_end.1 {
            return None;
        }
        let Some(end) = memmem::find(window, b";\n")
            .or_else(|| (window.last() == Some(&b';')).then(|| window.len() - 1))
        else {
            self.no_end = (from, to);
            return None;
        };
        self.parsed_to = base + (at + end + 1) as u64;
        Some(String::from_utf8_lossy(&window[..=end]).into_owned())
    }

    fn create(&mut self, buf: &[u8], base: u64, at: usize) {
        let Some(text) = self.statement(buf, base, at) else {
            return;
        };
        let parsed = Parser::parse_sql(self.dialect.as_ref(), &text)
            .ok()
            .and_then(|mut v| v.pop());
        let (name, table) = match parsed {
            Some(Statement::CreateTable(ct)) => {
                let name = ct.name.0.last().map(|p| p.to_string()).unwrap_or_default();
                let columns: Vec<String> =
                    ct.columns.iter().map(|c| c.name.value.clone()).collect();
                let mut pk = ct.columns.iter().position(|c| {
                    c.options
                        .iter()
                        .any(|o| matches!(&o.option, ColumnOption::PrimaryKey(_)))
                });
                for con in &ct.constraints {
                    if let TableConstraint::PrimaryKey(k) = con {
                        if k.columns.len() == 1 {
                            let col = k.columns[0].to_string();
                            pk = columns.iter().position(|c| unquote(&col) == *c);
                        }
                    }
                }
                (unquote(&name), Table { columns, pk })
            }
            _ => match create_fallback(&text) {
                Some(x) => x,
                None => return,
            },
        };
        let pos = self.pos;
        self.note_schema(&name, &table.columns, pos);
        if self.tables.len() < MAX_TABLES {
            self.tables.insert(name, table);
        }
    }

    /// `ALTER TABLE … ADD … PRIMARY KEY (col)`: pg_dump's keys, after the data.
    fn alter(&mut self, buf: &[u8], base: u64, at: usize) {
        let Some(text) = self.statement(buf, base, at) else {
            return;
        };
        let upper = text.to_ascii_uppercase();
        let Some(k) = upper.find("PRIMARY KEY") else {
            return;
        };
        let mut rest = text["ALTER TABLE ".len()..].trim_start();
        // Bytes, not characters: a name may begin with a multi-byte one.
        if rest
            .as_bytes()
            .get(..5)
            .is_some_and(|b| b.eq_ignore_ascii_case(b"ONLY "))
        {
            rest = rest[5..].trim_start();
        }
        let (Some(table), _) = qualified_ident(rest) else {
            return;
        };
        let after = &text[k + "PRIMARY KEY".len()..];
        let Some(open) = after.find('(') else { return };
        let Some(close) = after[open..].find(')') else {
            return;
        };
        let cols = ident_list(&after[open + 1..open + close]);
        if let (Some(t), [col]) = (self.tables.get_mut(&table), cols.as_slice()) {
            t.pk = t.columns.iter().position(|c| c == col);
        }
    }

    /// Schema findings for the columns named like sensitive authentication data.
    fn note_schema(&mut self, table: &str, columns: &[String], offset: u64) {
        for c in columns {
            if self.schema_seen.contains(&(table.to_string(), c.clone())) {
                continue;
            }
            let loc = crate::container::location([
                ("table", display_name(table).into()),
                ("column", display_name(c).into()),
            ]);
            if let Some(e) = sad_extra(c, offset, self.line + 1, loc) {
                if self.schema_seen.len() < MAX_TABLES * 4 {
                    self.schema_seen.insert((table.to_string(), c.clone()));
                }
                self.schema.push(e);
            }
        }
    }

    fn columns_of<'a>(&'a self, s: &'a Stmt) -> Option<&'a [String]> {
        s.columns
            .as_deref()
            .or_else(|| self.tables.get(&s.table).map(|t| t.columns.as_slice()))
    }
}

impl Attributor for Sql {
    fn locate(
        &mut self,
        buf: &[u8],
        base: u64,
        at: usize,
        line: u64,
        hit: &mut Hit,
        extra: &mut Vec<Extra>,
    ) -> Option<Location> {
        // Through the hit's first byte: a hit that starts a line (a COPY
        // row's first field) is on that line's row, not the one before.
        self.advance_to(buf, base, at + 1);
        let stmt = self.stmt.as_ref()?;
        let row = self.rows_of(&stmt.table);
        let mut loc = Location::new();
        loc.insert("table".into(), display_name(&stmt.table).into());
        // The fields of the row, as (start, end) spans of `buf`.
        let fields = match stmt.data {
            Data::Insert { tuple } => {
                if tuple < base {
                    None
                } else {
                    let f = tuple_fields(buf, (tuple - base) as usize);
                    // The hit must lie inside the tuple.
                    f.filter(|f| f.iter().any(|&(a, b)| a <= at && at < b.max(a + 1)))
                }
            }
            Data::Copy => {
                let ls = super::line_start(buf, base, at);
                ls.map(|ls| {
                    let le = memchr::memchr(b'\n', &buf[ls..]).map_or(buf.len(), |e| ls + e);
                    let mut f = Vec::new();
                    let mut s = ls;
                    for t in memchr::memchr_iter(b'\t', &buf[ls..le]) {
                        f.push((s, ls + t));
                        s = ls + t + 1;
                    }
                    f.push((s, le));
                    f
                })
            }
        };
        let Some(fields) = fields else {
            loc.insert("row".into(), row.into());
            return Some(loc);
        };
        let columns = self.columns_of(stmt);
        let idx = fields
            .iter()
            .position(|&(a, b)| a <= at && at < b.max(a + 1))?;
        let name = |i: usize| {
            columns
                .and_then(|c| c.get(i))
                .cloned()
                .unwrap_or_else(|| format!("column{}", i + 1))
        };
        let col = name(idx);
        loc.insert("column".into(), display_name(&col).into());
        loc.insert("row".into(), row.into());
        let names: Vec<String> = (0..fields.len()).map(name).collect();
        let others: Vec<&str> = names
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != idx)
            .map(|(_, n)| n.as_str())
            .collect();
        apply_field_context(hit, &col, &others);
        let value = |i: usize| -> Option<String> {
            let (a, b) = fields[i];
            let v = String::from_utf8_lossy(&buf[a..b.min(buf.len())])
                .trim()
                .to_string();
            if v.eq_ignore_ascii_case("NULL") || v == "\\N" {
                None
            } else {
                Some(v.trim_matches('\'').to_string())
            }
        };
        // A JSON document in the field: the path of the hit inside it.
        let (fa, _) = fields[idx];
        if let Some(p) = json_in_field(&buf[fa..at]) {
            loc.insert("json_path".into(), p.into());
        }
        // CVV beside the PAN.
        let first_extra = extra.len();
        if hit.kind.is_card_data() {
            for (i, n) in names.iter().enumerate() {
                if i == idx {
                    continue;
                }
                if let Some(v) = value(i) {
                    let (a, _) = fields[i];
                    let l = line_at(buf, at, a, line);
                    let mut l2 = Location::new();
                    l2.insert("table".into(), display_name(&stmt.table).into());
                    l2.insert("row".into(), row.into());
                    if let Some(mut e) = cvv_extra(n, &v, base + a as u64, l, l2) {
                        e.location.sort_keys();
                        extra.push(e);
                    }
                }
            }
        }
        // The primary key: now, or at the end if it is declared later.
        let pk = self.tables.get(&stmt.table).and_then(|t| t.pk);
        match pk {
            Some(k) if k != idx && k < fields.len() => {
                if let Some(v) = value(k).filter(|v| !looks_like_card(v)) {
                    let v = serde_json::Value::from(display_name(&v));
                    loc.insert("pk".into(), v.clone());
                    for e in &mut extra[first_extra..] {
                        e.location.insert("pk".into(), v.clone());
                    }
                }
            }
            Some(_) => {}
            None => {
                if self.pending.len() < 100_000 {
                    let values: Vec<Option<String>> = (0..fields.len().min(64))
                        .map(|i| value(i).filter(|v| v.len() <= 64 && !looks_like_card(v)))
                        .collect();
                    let table = stmt.table.clone();
                    let offsets = std::iter::once(base + at as u64)
                        .chain(extra[first_extra..].iter().map(|e| e.offset));
                    for offset in offsets.collect::<Vec<_>>() {
                        self.pending.push(Pending {
                            offset,
                            table: table.clone(),
                            values: values.clone(),
                        });
                    }
                }
            }
        }
        Some(loc)
    }

    fn advance(&mut self, buf: &[u8], base: u64, end: usize, _last: bool) {
        self.advance_to(buf, base, end);
    }

    fn finish(&mut self, extra: &mut Vec<Extra>) -> Vec<(u64, String, serde_json::Value)> {
        extra.append(&mut self.schema);
        let mut patches = Vec::new();
        for p in self.pending.drain(..) {
            if let Some(k) = self.tables.get(&p.table).and_then(|t| t.pk) {
                if let Some(Some(v)) = p.values.get(k) {
                    patches.push((p.offset, "pk".to_string(), display_name(v).into()));
                }
            }
        }
        patches
    }
}

/// The JSON path of the end of `field` (a field's text up to a hit), if
/// the field holds a JSON document: quotes and escapes of the SQL string
/// (`'…'`, `E'…'`, `\"`, `''`) are undone first.
fn json_in_field(field: &[u8]) -> Option<String> {
    let mut f = field.trim_ascii_start();
    if let Some(r) = f.strip_prefix(b"E") {
        f = r;
    }
    if let Some(r) = f.strip_prefix(b"'") {
        f = r;
    }
    if !matches!(f.first(), Some(b'{' | b'[')) {
        return None;
    }
    let mut text = Vec::with_capacity(f.len());
    let mut i = 0;
    while i < f.len() {
        match f[i] {
            b'\\' if i + 1 < f.len() => {
                text.push(f[i + 1]);
                i += 2;
            }
            b'\'' if f.get(i + 1) == Some(&b'\'') => {
                text.push(b'\'');
                i += 2;
            }
            b => {
                text.push(b);
                i += 1;
            }
        }
    }
    super::json::path_of_prefix(&text)
}

/// The line of `buf[to]`, given that `buf[from]` is on line `line`.
fn line_at(buf: &[u8], from: usize, to: usize, line: u64) -> u64 {
    if to >= from {
        line + memchr::memchr_iter(b'\n', &buf[from..to]).count() as u64
    } else {
        line.saturating_sub(memchr::memchr_iter(b'\n', &buf[to..from]).count() as u64)
    }
}

/// A value of 12 or more digits (a key that is itself card data is not shown).
fn looks_like_card(v: &str) -> bool {
    v.bytes().filter(u8::is_ascii_digit).count() >= 12
}

/// An INSERT header: its table and column list.
struct InsertHeader {
    table: String,
    columns: Option<Vec<String>>,
}

/// `VALUES` in either case, searched for in every INSERT header: built once.
static VALUES: LazyLock<[Finder<'static>; 2]> =
    LazyLock::new(|| [Finder::new(b"VALUES"), Finder::new(b"values")]);

/// Where `VALUES` (or `values`) is in `text`.
fn find_values(text: &[u8]) -> Option<usize> {
    VALUES[0].find(text).or_else(|| VALUES[1].find(text))
}

/// Calls `f` with every `p` in `from..to`, in order, where `buf[p..]`
/// starts with `),` (the end of a tuple, if a `(` follows). Tuples are
/// tens of bytes apart: a search call per tuple (`memchr`, `memmem`) costs
/// more than [`byte_pairs`].
fn close_commas(buf: &[u8], from: usize, to: usize, mut f: impl FnMut(usize)) {
    byte_pairs(buf, from, to, b')', [b','], |p| {
        f(p);
        false
    });
}

/// Calls `f` with every `i` in `from..to` where `buf[i]` is `first` and
/// `buf[i + 1]` (which may be at or past `to`) one of `second`, in order,
/// until `f` returns true: with AVX2, 32 positions at a time, comparing
/// the loads at `i` and `i + 1`.
fn byte_pairs<const N: usize>(
    buf: &[u8],
    from: usize,
    to: usize,
    first: u8,
    second: [u8; N],
    mut f: impl FnMut(usize) -> bool,
) {
    let to = to.min(buf.len());
    let mut i = from;
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: AVX2 was detected.
        match unsafe { byte_pairs_avx2(buf, from, to, first, second, &mut f) } {
            Some(rest) => i = rest,
            None => return,
        }
    }
    while i < to {
        if buf[i] == first && buf.get(i + 1).is_some_and(|b| second.contains(b)) && f(i) {
            return;
        }
        i += 1;
    }
}

/// [`byte_pairs`] on 32-byte steps while the loads at `i` and `i + 1`
/// stay in `buf` and `i + 32 <= to`: `None` if `f` returned true, else
/// where the scalar rest starts.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn byte_pairs_avx2<const N: usize>(
    buf: &[u8],
    from: usize,
    to: usize,
    first: u8,
    second: [u8; N],
    f: &mut impl FnMut(usize) -> bool,
) -> Option<usize> {
    use std::arch::x86_64::*;
    let first = _mm256_set1_epi8(first as i8);
    let second = second.map(|b| _mm256_set1_epi8(b as i8));
    let mut i = from;
    while i + 32 <= to && i + 33 <= buf.len() {
        // SAFETY: both loads read inside `buf` (checked above).
        let mut m = unsafe {
            let a = _mm256_loadu_si256(buf.as_ptr().add(i).cast());
            let b = _mm256_loadu_si256(buf.as_ptr().add(i + 1).cast());
            let mut next = _mm256_setzero_si256();
            for s in second {
                next = _mm256_or_si256(next, _mm256_cmpeq_epi8(b, s));
            }
            _mm256_movemask_epi8(_mm256_and_si256(_mm256_cmpeq_epi8(a, first), next)) as u32
        };
        while m != 0 {
            if f(i + m.trailing_zeros() as usize) {
                return None;
            }
            m &= m - 1;
        }
        i += 32;
    }
    Some(i)
}

/// The length of an INSERT header: up to and with the `(` that opens its
/// first tuple.
fn header_len(text: &[u8]) -> Option<usize> {
    let values = find_values(text)?;
    let mut p = values + 6;
    while p < text.len() && text[p].is_ascii_whitespace() {
        p += 1;
    }
    (text.get(p) == Some(&b'(')).then_some(p + 1)
}

fn parse_insert_header(text: &[u8]) -> Option<InsertHeader> {
    // The header is short: up to the first `(` after VALUES.
    let values = find_values(text)?;
    let head = String::from_utf8_lossy(&text[..values]);
    let into = head.to_ascii_uppercase().find("INTO ")? + 5;
    let (table, rest) = qualified_ident(&head[into..]);
    let table = table?;
    let rest = rest.trim_start();
    let columns = if let Some(r) = rest.strip_prefix('(') {
        let close = r.rfind(')')?;
        Some(ident_list(&r[..close]))
    } else {
        None
    };
    // Check the header with sqlparser on a one-row stand-in statement.
    let stand_in = match &columns {
        Some(c) => format!(
            "INSERT INTO t ({}) VALUES (NULL)",
            c.iter()
                .map(|c| format!("\"{}\"", c.replace('"', "")))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => "INSERT INTO t VALUES (NULL)".to_string(),
    };
    Parser::parse_sql(&GenericDialect {}, &stand_in).ok()?;
    header_len(text)?;
    Some(InsertHeader { table, columns })
}

/// The fields of a tuple whose first field starts at `buf[start]`, as
/// (start, end) spans, quote-aware (`'…'` with `''` and backslash
/// escapes, `"…"`, nested parentheses); `None` if it does not end in the
/// buffer with a `)`. A tuple cut by the buffer end gives what it has.
fn tuple_fields(buf: &[u8], start: usize) -> Option<Vec<(usize, usize)>> {
    let mut fields = Vec::new();
    let mut s = start;
    let mut i = start;
    let mut depth = 0u32;
    while i < buf.len() {
        match buf[i] {
            q @ (b'\'' | b'"') => {
                i += 1;
                while i < buf.len() {
                    if buf[i] == b'\\' {
                        i += 2;
                        continue;
                    }
                    if buf[i] == q {
                        if buf.get(i + 1) == Some(&q) {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
            }
            b'(' => depth += 1,
            b')' if depth > 0 => depth -= 1,
            b')' => {
                fields.push((s, i));
                return Some(fields);
            }
            b',' if depth == 0 => {
                fields.push((s, i));
                s = i + 1;
            }
            b';' if depth == 0 => return None,
            _ => {}
        }
        i += 1;
        if fields.len() > 4096 {
            return None;
        }
    }
    fields.push((s, buf.len()));
    Some(fields)
}

/// A possibly qualified, possibly quoted identifier at the start of `s`
/// (leading space skipped): its last part, unquoted, and the rest of `s`.
fn qualified_ident(s: &str) -> (Option<String>, &str) {
    let mut rest = s.trim_start();
    let mut last = None;
    loop {
        let (id, r) = ident(rest);
        match id {
            Some(id) => {
                last = Some(id);
                rest = r;
            }
            None => break,
        }
        match rest.strip_prefix('.') {
            Some(r) => rest = r,
            None => break,
        }
    }
    (last, rest)
}

/// One identifier: `name`, `"name"`, `` `name` `` or `[name]`.
fn ident(s: &str) -> (Option<String>, &str) {
    let close = match s.chars().next() {
        Some('"') => Some('"'),
        Some('`') => Some('`'),
        Some('[') => Some(']'),
        _ => None,
    };
    if let Some(c) = close {
        return match s[1..].find(c) {
            Some(e) => (Some(s[1..1 + e].to_string()), &s[2 + e..]),
            None => (None, s),
        };
    }
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
        .unwrap_or(s.len());
    if end == 0 {
        (None, s)
    } else {
        (Some(s[..end].to_string()), &s[end..])
    }
}

/// A comma-separated list of identifiers.
fn ident_list(s: &str) -> Vec<String> {
    s.split(',').filter_map(|p| ident(p.trim()).0).collect()
}

fn unquote(s: &str) -> String {
    ident(s).0.unwrap_or_else(|| s.to_string())
}

/// Columns of a CREATE TABLE that sqlparser could not read: the first word
/// of each definition line, and a one-column `PRIMARY KEY (…)`.
fn create_fallback(text: &str) -> Option<(String, Table)> {
    let after = &text["CREATE TABLE ".len().min(text.len())..];
    let mut after = after.trim_start();
    // Bytes, not characters: the name may hold multi-byte ones.
    if after
        .as_bytes()
        .get(..14)
        .is_some_and(|b| b.eq_ignore_ascii_case(b"IF NOT EXISTS "))
    {
        after = after[14..].trim_start();
    }
    let (name, rest) = qualified_ident(after);
    let name = name?;
    let body = &rest[rest.find('(')? + 1..];
    let mut columns = Vec::new();
    let mut pk_col = None;
    for def in split_top_level(body) {
        let def = def.trim();
        let upper = def.to_ascii_uppercase();
        if upper.starts_with("PRIMARY KEY") {
            // The `)` after the `(`: `PRIMARY KEY ) (` has none.
            let list = def
                .find('(')
                .and_then(|o| Some(&def[o + 1..][..def[o + 1..].find(')')?]));
            if let Some(list) = list {
                let cols = ident_list(list);
                if cols.len() == 1 {
                    pk_col = Some(cols[0].clone());
                }
            }
            continue;
        }
        if [
            "KEY",
            "UNIQUE",
            "CONSTRAINT",
            "INDEX",
            "FOREIGN",
            "CHECK",
            "FULLTEXT",
            "SPATIAL",
        ]
        .iter()
        .any(|k| upper.starts_with(k))
        {
            continue;
        }
        if let (Some(c), _) = ident(def) {
            if upper.contains("PRIMARY KEY") {
                pk_col = Some(c.clone());
            }
            columns.push(c);
        }
    }
    let pk = pk_col.and_then(|p| columns.iter().position(|c| *c == p));
    Some((name, Table { columns, pk }))
}

/// The comma-separated parts of a parenthesised list, up to its `)`.
fn split_top_level(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '\'' | '"' | '`' => quote = Some(c),
                '(' => depth += 1,
                ')' if depth == 0 => {
                    out.push(&s[start..i]);
                    return out;
                }
                ')' => depth -= 1,
                ',' if depth == 0 => {
                    out.push(&s[start..i]);
                    start = i + 1;
                }
                _ => {}
            },
        }
    }
    out.push(&s[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lengths that cover the vector paths' steps and scalar rests, each
    /// with `len` pseudo-random bytes from `alphabet`.
    fn random_buffers(alphabet: &[u8]) -> Vec<(usize, Vec<u8>)> {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let lens = [0, 1, 2, 31, 32, 33, 34, 64, 65, 97, 200];
        lens.into_iter()
            .map(|len| {
                let buf = (0..len)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        alphabet[(seed % alphabet.len() as u64) as usize]
                    })
                    .collect();
                (len, buf)
            })
            .collect()
    }

    /// The vector search finds what a byte-at-a-time search finds, at every
    /// start and end of the range (so every alignment and every scalar
    /// rest), `),` pairs across a 32-byte step and at the buffer's end
    /// included.
    #[test]
    fn close_commas_match_a_scalar_search() {
        for (len, buf) in random_buffers(b"),(x)),,") {
            for from in 0..len.min(40) {
                for to in from..=len {
                    let mut got = Vec::new();
                    close_commas(&buf, from, to, |p| got.push(p));
                    let want: Vec<usize> = (from..to)
                        .filter(|&p| buf[p] == b')' && buf.get(p + 1) == Some(&b','))
                        .collect();
                    assert_eq!(got, want, "len {len} range {from}..{to}");
                }
            }
        }
    }

    /// The vector walk visits what a byte-at-a-time walk visits, from
    /// every start, on every length (every alignment and scalar rest),
    /// and stops where `f` says so.
    #[test]
    fn candidate_lines_match_a_scalar_walk() {
        for (len, h) in random_buffers(b"\n\nIiRrCc-x Jb\xC9") {
            for start in 0..len.min(40) {
                let want: Vec<usize> = (start..len)
                    .filter(|&p| (p == start || h[p - 1] == b'\n') && line_candidate(h[p]))
                    .collect();
                let mut got = Vec::new();
                candidate_lines(&h, start, |p| {
                    got.push(p);
                    false
                });
                assert_eq!(got, want, "len {len} start {start}");
                if let Some(&stop) = want.get(want.len() / 2) {
                    let mut got = Vec::new();
                    candidate_lines(&h, start, |p| {
                        got.push(p);
                        p == stop
                    });
                    assert_eq!(got.last(), Some(&stop), "stops at {stop}");
                    assert_eq!(got.len(), want.len() / 2 + 1);
                }
            }
        }
    }

    #[test]
    fn insert_headers() {
        let h = parse_insert_header(b"INSERT INTO `shop`.`cards` (`id`, `pan`) VALUES (1,'x')")
            .unwrap();
        assert_eq!(h.table, "cards");
        assert_eq!(h.columns.unwrap(), ["id", "pan"]);
        let h = parse_insert_header(b"INSERT INTO public.cards VALUES (1, 'x');").unwrap();
        assert_eq!((h.table.as_str(), h.columns), ("cards", None));
        assert!(parse_insert_header(b"INSERT INTO nothing here").is_none());
    }

    #[test]
    fn tuples_split_quote_aware() {
        let b = b"1,'O''Brien, \\'x\\' (y)',f(2,3),NULL),(2";
        let f = tuple_fields(b, 0).unwrap();
        let parts: Vec<&[u8]> = f.iter().map(|&(a, e)| &b[a..e]).collect();
        assert_eq!(
            parts,
            [&b"1"[..], b"'O''Brien, \\'x\\' (y)'", b"f(2,3)", b"NULL"]
        );
        assert!(tuple_fields(b"1, 2; 3)", 0).is_none());
    }

    #[test]
    fn create_table_fallback_reads_columns_and_key() {
        let t = "CREATE TABLE `c` (\n  `id` int NOT NULL,\n  `pan` varchar(25) DEFAULT NULL,\n  PRIMARY KEY (`id`),\n  KEY `k` (`pan`)\n) ENGINE=InnoDB;";
        let (name, table) = create_fallback(t).unwrap();
        assert_eq!(name, "c");
        assert_eq!(table.columns, ["id", "pan"]);
        assert_eq!(table.pk, Some(0));
    }

    #[test]
    fn create_table_fallback_survives_odd_text() {
        // A multi-byte character where `IF NOT EXISTS ` would end (found by
        // the sql fuzz target), and a `)` before the key's `(`.
        assert!(create_fallback("CREATE TABLE `customers` (\u{FFFD}  */;").is_some());
        assert!(create_fallback("CREATE TABLE abcdefghijklmé (a int);").is_some());
        let (_, t) = create_fallback("CREATE TABLE t (a int, PRIMARY KEY ')' (a));").unwrap();
        assert_eq!(t.columns, ["a"]);
    }

    #[test]
    fn copy_rows_count_the_same_whatever_the_steps() {
        let mut text =
            String::from("-- PostgreSQL database dump\nCOPY public.t (id, v) FROM stdin;\n");
        for i in 1..=1000 {
            text.push_str(&format!("{i}\tx\n"));
        }
        text.push_str("\\.\nINSERT INTO t VALUES (1001, 'y');\n");
        let b = text.as_bytes();
        for step in [1, 2, 3, 5, 7, 64, 1000, b.len()] {
            let mut sql = Sql::new(b);
            let mut to = 0;
            while to < b.len() {
                to = (to + step).min(b.len());
                sql.advance_to(b, 0, to);
                // Row 500's line: its count is 500 once its first byte is in.
                if to == text.find("\n500\t").unwrap() + 2 {
                    assert_eq!(sql.rows_of("t"), 500, "step {step}");
                }
            }
            assert_eq!(sql.rows_of("t"), 1001, "step {step}");
        }
    }

    #[test]
    fn copy_data_places_hits_as_the_whole_dump_does() {
        // A pg_dump tar archive keeps the definitions and COPY statements
        // in toc.dat and each table's rows in a file of their own: its
        // hits get the table, column, row, key and CVV that the same rows
        // get in a plain dump.
        use crate::detect::{Detector, Scratch};
        use crate::fingerprint::{Fingerprinter, KeySource};
        use crate::source::Reader;
        let det = Detector::new(Fingerprinter::new(b"0123456789abcdef", KeySource::Env));
        let defs = "CREATE TABLE public.cards (\n    id integer NOT NULL,\n    pan text,\n    \
                    cvv text\n);\n\nALTER TABLE ONLY public.cards\n    ADD CONSTRAINT cards_pkey \
                    PRIMARY KEY (id);\n\n";
        let copy = "COPY public.cards (id, pan, cvv) FROM stdin;\n";
        let rows = "7\t4532015112830366\t123\n8\t\\N\t\\N\n9\t5425398259791907\t456\n\\.\n\n";
        let scan = |data: &str, mut attr: Sql| {
            let mut scratch = Scratch::default();
            let got = Reader::new(4096).scan(
                &det,
                &mut scratch,
                data.as_bytes(),
                100,
                Some(&mut attr),
                |_| true,
            );
            let hits: Vec<_> = got.hits.iter().map(|h| h.location.clone()).collect();
            let extras: Vec<_> = got.extras.iter().map(|e| e.location.clone()).collect();
            (hits, extras)
        };
        let whole = format!("-- PostgreSQL database dump\n{defs}{copy}{rows}");
        let want = scan(&whole, Sql::new(whole.as_bytes()));
        let got = scan(
            rows,
            Sql::copy_data(&Sql::schema_of(defs.as_bytes()), copy.as_bytes()),
        );
        assert_eq!(got.0, want.0);
        assert_eq!(want.0.len(), 2);
        let first = want.0[0].as_ref().unwrap();
        assert_eq!(first["table"], "cards");
        assert_eq!(first["column"], "pan");
        assert_eq!(first["row"], 1);
        assert_eq!(first["pk"], "7");
        // The CVVs beside the numbers (the `cvv` column is reported where
        // the definitions are, not with the rows).
        let cvvs = |e: &[Location]| {
            let rows: Vec<_> = e.iter().filter_map(|l| l.get("row").cloned()).collect();
            rows
        };
        assert_eq!(cvvs(&got.1), cvvs(&want.1));
        assert_eq!(cvvs(&got.1).len(), 2, "{:?}", got.1);
    }

    #[test]
    fn sql_is_sniffed_from_banners_and_statements() {
        assert!(sniff(b"-- MySQL dump 10.13\n"));
        assert!(sniff(b"\xEF\xBB\xBF-- MariaDB dump 10.19\n"));
        assert!(sniff(b"\n\n--\n-- PostgreSQL database dump\n--\n"));
        assert!(sniff(
            b"--\n-- PostgreSQL database cluster dump\n--\n\nCREATE ROLE shop;\n"
        ));
        assert!(sniff(b"\r\n\r\n\ninsert into t values (1);\r\n"));
        assert!(!sniff(b"log: -- MySQL dump is mentioned here\n\n"));
        assert!(!sniff(b""));
        assert!(!sniff(b"\n"));
        assert!(sniff(b"-- comment\nINSERT INTO t VALUES (1);\n"));
        assert!(sniff(b"COPY public.t (a) FROM stdin;\n1\n\\.\n"));
        assert!(!sniff(b"hello\nselect * from t where x = 'INSERT INTO';\n"));
    }
}
