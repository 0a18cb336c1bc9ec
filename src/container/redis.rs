//! Redis RDB snapshots (`dump.rdb`, written by Redis and Valkey on `SAVE`,
//! `BGSAVE` and replication, and copied into backups): every key and value
//! decoded and scanned as located text. A raw scan cannot see most of what
//! a snapshot holds: strings over 20 bytes are LZF-compressed (the default
//! `rdbcompression yes`), so a session or a cached order whose digits repeat
//! is cut by back-references, and small hashes, lists, sets and sorted sets
//! are kept as listpacks, ziplists or intsets in which a number that fits
//! 64 bits (every card number does) is stored as a binary integer. Here each
//! string is decompressed, each such blob is walked entry by entry and its
//! integers written out in decimal, and each value becomes a segment of
//! text whose location names the database, the key, its type and, for a
//! hash, the field (so a field name is context for the number in it and a
//! `cvv` field beside it is paired, as a column in a table is), or the list
//! index. Key and field names are scanned too. A value that is itself a
//! container (gzip, zip, ...) is opened as a member named after its key.
//!
//! What cannot be decoded (a module type with no self-describing encoding,
//! a type newer than this reader, a damaged snapshot) ends the decoding
//! with a coverage record, and the rest of the snapshot is scanned as raw
//! bytes. Memory: one value at a time, at most `--max-buffer`; a plain
//! string over 1 MiB is streamed through the scanner instead.

use std::collections::HashSet;
use std::io::{self, BufRead, BufReader, Cursor, Read};

use super::limits::{add_expanded, bytes, check_expansion, Limit, LimitHit};
use super::{leaf, location, member_path, sniff as sniff_format, Ctx, Format, Location};
use super::{Sink, Text, Top};
use crate::coverage::Reason;
use crate::structured::fields::display_name;
use crate::structured::{sad_extra, Attributor, Extra};

/// Whether a stream is an RDB snapshot: `REDIS` and a four-digit version.
pub fn sniff(head: &[u8]) -> bool {
    head.len() >= 9 && head.starts_with(b"REDIS") && head[5..9].iter().all(u8::is_ascii_digit)
}

/// A plain string longer than this is streamed, not held.
const INLINE: u64 = 1 << 20;

/// The value types of `rdb.h` this reader decodes.
fn type_name(t: u8) -> Option<&'static str> {
    Some(match t {
        0 => "string",
        1 | 10 | 14 | 18 => "list",
        2 | 11 | 20 => "set",
        3 | 5 | 12 | 17 => "zset",
        4 | 9 | 13 | 16 => "hash",
        15 | 19 | 21 => "stream",
        7 => "module",
        _ => return None,
    })
}

/// Scans an RDB snapshot. Returns whether it was read to its end.
pub fn scan(
    cx: &Ctx,
    top: &Top,
    sink: &mut dyn Sink,
    path: &str,
    depth: u32,
    r: &mut dyn Read,
) -> bool {
    let mut rdb = Rdb {
        r: BufReader::with_capacity(64 << 10, r),
        pos: 0,
        cx,
        top,
        path,
        depth,
        text: Text::default(),
        db: 0,
        key: String::new(),
        sad_seen: HashSet::new(),
    };
    let result = rdb.run(sink);
    rdb.text.flush(sink, path);
    let Rdb {
        mut r, pos, key, ..
    } = rdb;
    match result {
        // After the end marker comes the checksum (version 5 on): whatever
        // follows is scanned as raw bytes, like any trailing data.
        Ok(()) => leaf(sink, path, depth, &mut r),
        Err(e) => {
            let interrupted = e.kind() == io::ErrorKind::Interrupted;
            let io_failure = e.raw_os_error().is_some();
            let (reason, mut detail) = if interrupted {
                (Reason::Interrupted, "scan interrupted".to_string())
            } else if e.kind() == io::ErrorKind::Unsupported {
                (Reason::Unsupported, format!("redis snapshot: {e}"))
            } else {
                let (reason, detail) = super::classify(&e);
                (reason, format!("redis snapshot: {detail}"))
            };
            if !interrupted {
                let at = if key.is_empty() {
                    format!(" (byte {pos})")
                } else {
                    format!(" (byte {pos}, key {key})")
                };
                detail.push_str(&at);
                if !io_failure {
                    detail.push_str("; the rest scanned as raw bytes");
                }
            }
            sink.skip(path, reason, detail, None);
            if !interrupted && !io_failure {
                leaf(sink, path, depth, &mut r);
            }
            false
        }
    }
}

fn corrupt(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_string())
}

fn unsupported(what: String) -> io::Error {
    io::Error::new(io::ErrorKind::Unsupported, what)
}

/// A length, or the special encoding of a string (`11xxxxxx`).
enum Len {
    Len(u64),
    Enc(u8),
}

/// A decoded entry of a blob (ziplist, listpack, intset, zipmap).
enum Entry<'b> {
    Bytes(&'b [u8]),
    Int(i64),
}

struct Rdb<'r, 'c> {
    r: BufReader<&'r mut dyn Read>,
    pos: u64,
    cx: &'c Ctx<'c>,
    top: &'c Top,
    path: &'r str,
    depth: u32,
    text: Text,
    db: u64,
    /// The key being read, as reports show it.
    key: String,
    /// Fields named like sensitive authentication data already reported.
    sad_seen: HashSet<String>,
}

impl Rdb<'_, '_> {
    fn run(&mut self, sink: &mut dyn Sink) -> io::Result<()> {
        let mut magic = [0u8; 9];
        self.exact(&mut magic)?;
        if !sniff(&magic) {
            return Err(corrupt("no RDB header"));
        }
        loop {
            if sink.stopped() {
                return Err(io::Error::new(io::ErrorKind::Interrupted, "interrupted"));
            }
            self.key.clear();
            let op = self.u8()?;
            match op {
                0xFF => return Ok(()),
                0xFE => self.db = self.len()?,
                0xFD => self.skip(4)?,
                0xFC => self.skip(8)?,
                0xFB => {
                    self.len()?;
                    self.len()?;
                }
                0xFA => {
                    // An auxiliary field (`redis-ver`, `used-mem`, ...).
                    let name = self.blob()?;
                    let name = display_name(&String::from_utf8_lossy(&name));
                    let loc = location([("aux", name.into())]);
                    self.text.segment(loc.clone());
                    self.element(sink, loc, false)?;
                }
                0xF9 => self.skip(1)?,
                0xF8 => {
                    self.len()?;
                }
                0xF7 => {
                    // Module auxiliary data: module id, when, then opcodes.
                    self.len()?;
                    self.len()?;
                    self.len()?;
                    let loc = location([("module_aux", true.into())]);
                    self.text.segment(loc.clone());
                    self.module_values(sink, &loc)?;
                }
                0xF5 => {
                    // A function library (its source code).
                    let loc = location([("function_library", true.into())]);
                    self.text.segment(loc.clone());
                    self.element(sink, loc, false)?;
                }
                0xF4 => {
                    // Slot info (cluster): slot, size, expires size.
                    self.len()?;
                    self.len()?;
                    self.len()?;
                }
                t => self.value(sink, t)?,
            }
            self.text.maybe_flush(sink, self.path);
        }
    }

    /// One key and its value of type `t`.
    fn value(&mut self, sink: &mut dyn Sink, t: u8) -> io::Result<()> {
        let Some(kind) = type_name(t) else {
            return Err(unsupported(format!("value type {t} is not decoded")));
        };
        let name = self.blob()?;
        self.key = display_name(&String::from_utf8_lossy(&name));
        let base = location([
            ("db", self.db.into()),
            ("key", self.key.clone().into()),
            ("type", kind.into()),
        ]);
        // The key's name first, on the line that holds its value.
        let mut named = base.clone();
        named.insert("in".into(), "key name".into());
        self.text.segment(named);
        push_clean(&mut self.text, &name);
        match t {
            0 => self.element(sink, base, true)?,
            1 | 2 => {
                let n = self.len()?;
                for i in 0..n {
                    let loc = indexed(&base, t == 1, i);
                    self.element(sink, loc, true)?;
                    self.text.maybe_flush(sink, self.path);
                }
            }
            3 | 5 => {
                let n = self.len()?;
                for _ in 0..n {
                    self.element(sink, base.clone(), true)?;
                    if t == 3 {
                        // A score as text: its length, or 253..255 for nan and infinities.
                        let l = self.u8()?;
                        if l < 253 {
                            self.skip(l as u64)?;
                        }
                    } else {
                        self.skip(8)?;
                    }
                    self.text.maybe_flush(sink, self.path);
                }
            }
            4 => {
                let n = self.len()?;
                for _ in 0..n {
                    let field = self.blob()?;
                    let loc = self.field(sink, &base, &field, None);
                    self.element(sink, loc, true)?;
                    self.text.flush_if_huge(sink, self.path);
                }
            }
            7 => {
                self.len()?; // the module id
                self.module_values(sink, &base)?;
            }
            15 | 19 | 21 => self.stream(sink, t, &base)?,
            _ => {
                // A blob of entries, or (quicklists) a list of them.
                let nodes = match t {
                    14 | 18 => self.len()?,
                    _ => 1,
                };
                let mut index = 0u64;
                for _ in 0..nodes {
                    if t == 18 && self.len()? == 1 {
                        // A plain node: one large element.
                        let loc = indexed(&base, true, index);
                        self.element(sink, loc, true)?;
                        index += 1;
                        continue;
                    }
                    let blob = self.blob()?;
                    self.entries(sink, t, &blob, &base, &mut index)?;
                    self.text.maybe_flush(sink, self.path);
                }
            }
        }
        Ok(())
    }

    /// The entries of an encoded blob (`t`: the value type that holds it).
    fn entries(
        &mut self,
        sink: &mut dyn Sink,
        t: u8,
        blob: &[u8],
        base: &Location,
        index: &mut u64,
    ) -> io::Result<()> {
        let pairs = matches!(t, 9 | 13 | 16);
        let list = matches!(t, 10 | 14 | 18);
        let zset = matches!(t, 12 | 17);
        // Entry by entry, nothing collected: a blob of tiny entries would
        // take many times its size as a list of values.
        let mut name: Option<Vec<u8>> = None;
        let mut score = false;
        let mut each = |e: Entry<'_>| -> io::Result<()> {
            if pairs {
                let Some(field) = name.take() else {
                    name = Some(own(e));
                    return Ok(());
                };
                let value = own(e);
                let loc = self.field(sink, base, &field, Some(&value));
                self.text.sep(b'\t');
                self.text.segment_inline(loc);
                self.put(sink, value)?;
                self.text.flush_if_huge(sink, self.path);
            } else if score {
                // A sorted set's score follows its member.
                score = false;
            } else {
                let loc = indexed(base, list, *index);
                *index += 1;
                self.text.sep(b'\t');
                self.text.segment_inline(loc);
                self.put(sink, own(e))?;
                score = zset;
                self.text.maybe_flush(sink, self.path);
            }
            Ok(())
        };
        match t {
            9 => zipmap(blob, &mut each)?,
            11 => intset(blob, &mut each)?,
            10 | 12 | 13 | 14 => ziplist(blob, &mut each)?,
            _ => listpack(blob, &mut each)?,
        }
        if let Some(field) = name {
            // A field without its value (a damaged blob): its name is text.
            self.field(sink, base, &field, None);
        }
        Ok(())
    }

    /// A hash field's name as text, and the location of its value; a field
    /// named like sensitive authentication data that holds something is
    /// reported once per name.
    fn field(
        &mut self,
        sink: &mut dyn Sink,
        base: &Location,
        field: &[u8],
        value: Option<&[u8]>,
    ) -> Location {
        let name = String::from_utf8_lossy(field);
        let shown = display_name(&name);
        let mut named = base.clone();
        named.insert("in".into(), "field name".into());
        self.text.sep(b'\t');
        self.text.segment_inline(named);
        push_clean(&mut self.text, field);
        let mut loc = base.clone();
        loc.insert("field".into(), shown.clone().into());
        let holds = value.is_none_or(|v| !v.is_empty());
        if holds && self.sad_seen.len() < 1024 && !self.sad_seen.contains(&shown) {
            let line =
                self.text.base_line + memchr::memchr_iter(b'\n', &self.text.buf).count() as u64 + 1;
            if let Some(e) = sad_extra(&name, self.text.base_offset, line, loc.clone()) {
                self.sad_seen.insert(shown);
                sink.extra(self.path, e);
            }
        }
        loc
    }

    /// A stream: its entries' listpacks as text, then its consumer groups
    /// (names, pending entries, consumers) read past.
    fn stream(&mut self, sink: &mut dyn Sink, t: u8, base: &Location) -> io::Result<()> {
        let nodes = self.len()?;
        for _ in 0..nodes {
            let id = self.blob()?; // the node's master entry id
            let lp = self.blob()?;
            self.stream_node(sink, base, &id, &lp)?;
            self.text.maybe_flush(sink, self.path);
        }
        // Length, last id; from type 19: first id, max deleted id, entries added.
        let lens = if t >= 19 { 8 } else { 3 };
        for _ in 0..lens {
            self.len()?;
        }
        let groups = self.len()?;
        for _ in 0..groups {
            let name = self.blob()?;
            let mut loc = base.clone();
            loc.insert("in".into(), "consumer group".into());
            self.text.segment(loc);
            push_clean(&mut self.text, &name);
            self.len()?;
            self.len()?;
            if t >= 19 {
                self.len()?;
            }
            let pending = self.len()?;
            for _ in 0..pending {
                self.skip(16 + 8)?; // id, delivery time
                self.len()?; // delivery count
            }
            let consumers = self.len()?;
            for _ in 0..consumers {
                let name = self.blob()?;
                self.text.sep(b'\t');
                push_clean(&mut self.text, &name);
                self.skip(if t >= 21 { 16 } else { 8 })?; // seen (and active) time
                let pending = self.len()?;
                self.skip(pending.saturating_mul(16))?;
            }
        }
        Ok(())
    }

    /// A stream node's listpack (`t_stream.c`): the master entry (count,
    /// deleted count, field names, 0), then each entry: flags, id deltas,
    /// its own field names unless it has the master's, values, a count.
    /// Each entry is a line, each value located by its `field` and the
    /// entry's id (`deleted` when `XDEL` marked it: its data is still
    /// here). A listpack that does not follow this layout is scanned as
    /// its entries' text.
    fn stream_node(
        &mut self,
        sink: &mut dyn Sink,
        base: &Location,
        id: &[u8],
        lp: &[u8],
    ) -> io::Result<()> {
        let half = |b: &[u8]| b.try_into().map(u64::from_be_bytes).unwrap_or(0);
        let (ms0, seq0) = match id.len() {
            16 => (half(&id[..8]), half(&id[8..])),
            _ => (0, 0),
        };
        let mut st = Node::default();
        listpack(lp, &mut |e| {
            let int = match &e {
                Entry::Int(i) => Some(*i),
                Entry::Bytes(b) => std::str::from_utf8(b).ok().and_then(|t| t.parse().ok()),
            };
            let counted = int
                .filter(|&n| (0..=1 << 20).contains(&n))
                .map(|n| n as usize);
            let next = match (st.step, counted) {
                (Step::Plain, _) => None,
                (Step::Count, Some(_)) => Some(Step::Deleted),
                (Step::Deleted, Some(_)) => Some(Step::MasterCount),
                (Step::MasterCount, Some(0)) => Some(Step::MasterEnd),
                (Step::MasterCount, Some(n)) => {
                    st.left = n;
                    Some(Step::MasterField)
                }
                (Step::MasterField, _) => {
                    st.master.push(own(e));
                    st.left -= 1;
                    if st.left == 0 {
                        st.step = Step::MasterEnd;
                    }
                    return Ok(());
                }
                (Step::MasterEnd, _) => Some(Step::Flags),
                (Step::Flags, Some(f)) => {
                    st.flags = f;
                    Some(Step::Ms)
                }
                (Step::Ms, _) if int.is_some() => {
                    st.ms = int.unwrap_or(0) as u64;
                    Some(Step::Seq)
                }
                (Step::Seq, _) if int.is_some() => {
                    st.seq = int.unwrap_or(0) as u64;
                    st.index = 0;
                    st.first = true;
                    if st.flags & 2 != 0 {
                        st.own = false;
                        Some(if st.master.is_empty() {
                            Step::LpCount
                        } else {
                            Step::Value
                        })
                    } else {
                        st.own = true;
                        Some(Step::FieldCount)
                    }
                }
                (Step::FieldCount, Some(0)) => Some(Step::LpCount),
                (Step::FieldCount, Some(n)) => {
                    st.left = n;
                    Some(Step::Field)
                }
                (Step::Field, _) => {
                    st.field = own(e);
                    st.step = Step::Value;
                    return Ok(());
                }
                (Step::Value, _) => {
                    let name = if st.own {
                        std::mem::take(&mut st.field)
                    } else {
                        st.master.get(st.index).cloned().unwrap_or_default()
                    };
                    let mut loc = base.clone();
                    // An id is a time and a counter, but it may still read
                    // as a card number: shown as any name is.
                    let entry =
                        format!("{}-{}", ms0.wrapping_add(st.ms), seq0.wrapping_add(st.seq));
                    loc.insert("entry".into(), display_name(&entry).into());
                    if st.flags & 1 != 0 {
                        loc.insert("deleted".into(), true.into());
                    }
                    if st.first {
                        // Each entry on a line of its own.
                        self.text.segment(loc.clone());
                        st.first = false;
                    }
                    let value = own(e);
                    let at = self.field(sink, &loc, &name, Some(&value));
                    self.text.sep(b'\t');
                    self.text.segment_inline(at);
                    self.put(sink, value)?;
                    self.text.flush_if_huge(sink, self.path);
                    st.index += 1;
                    let more = if st.own {
                        st.left -= 1;
                        st.left > 0
                    } else {
                        st.index < st.master.len()
                    };
                    st.step = match (more, st.own) {
                        (true, true) => Step::Field,
                        (true, false) => Step::Value,
                        _ => Step::LpCount,
                    };
                    return Ok(());
                }
                (Step::LpCount, Some(_)) => Some(Step::Flags),
                _ => None,
            };
            match next {
                Some(step) => st.step = step,
                None => {
                    // Not the layout above: the rest as text.
                    if st.step != Step::Plain {
                        st.step = Step::Plain;
                        self.text.sep(b'\t');
                        self.text.segment_inline(base.clone());
                    }
                    self.text.sep(b'\t');
                    self.put(sink, own(e))?;
                    self.text.flush_if_huge(sink, self.path);
                }
            }
            Ok(())
        })
    }

    /// A module's self-describing values (`RDB_MODULE_OPCODE_*`) up to its
    /// end marker: strings scanned, numbers read past.
    fn module_values(&mut self, sink: &mut dyn Sink, base: &Location) -> io::Result<()> {
        loop {
            match self.len()? {
                0 => return Ok(()),
                1 | 2 => {
                    self.len()?;
                }
                3 => self.skip(4)?,
                4 => self.skip(8)?,
                5 => self.element(sink, base.clone(), true)?,
                op => return Err(corrupt(&format!("module value opcode {op}"))),
            }
        }
    }

    /// A string element: scanned at `loc` (`inline`: after a tab on the
    /// current line, else where the current segment is).
    fn element(&mut self, sink: &mut dyn Sink, loc: Location, inline: bool) -> io::Result<()> {
        if inline {
            self.text.sep(b'\t');
            self.text.segment_inline(loc.clone());
        }
        match self.len_or_enc()? {
            Len::Len(n) if n > INLINE => {
                // Streamed through the scanner at its location.
                self.text.flush(sink, self.path);
                let start = self.pos;
                let mut part = (&mut self.r).take(n);
                let (read, err) = sink.scan(self.path, &mut part, Some(&mut Fixed(loc)));
                self.pos = start + read;
                if let Some(e) = err {
                    return Err(e);
                }
                if read < n {
                    return Err(io::ErrorKind::UnexpectedEof.into());
                }
                Ok(())
            }
            l => {
                let v = self.string_from(l)?;
                self.put(sink, v)
            }
        }
    }

    /// Puts a decoded value on the current segment, or opens it as a
    /// member when it is a container.
    fn put(&mut self, sink: &mut dyn Sink, v: Vec<u8>) -> io::Result<()> {
        if v.len() >= 16 && self.depth + 1 < self.cx.limits.max_depth {
            let format = sniff_format(&v[..v.len().min(super::HEAD)]);
            if !matches!(format, Format::Plain | Format::Mail | Format::Mbox) {
                self.text.flush(sink, self.path);
                let name = member_path(self.path, &self.key);
                super::node(
                    self.cx,
                    self.top,
                    sink,
                    &name,
                    self.depth + 1,
                    &mut Cursor::new(v),
                );
                return Ok(());
            }
        }
        push_clean(&mut self.text, &v);
        Ok(())
    }

    /// A string held in memory (a name, a blob, a small value).
    fn blob(&mut self) -> io::Result<Vec<u8>> {
        let l = self.len_or_enc()?;
        self.string_from(l)
    }

    fn string_from(&mut self, l: Len) -> io::Result<Vec<u8>> {
        match l {
            Len::Len(n) => {
                self.check_buffer(n)?;
                let mut v = Vec::new();
                let got = (&mut self.r).take(n).read_to_end(&mut v)?;
                self.pos += got as u64;
                if (got as u64) < n {
                    return Err(io::ErrorKind::UnexpectedEof.into());
                }
                Ok(v)
            }
            Len::Enc(0) => Ok((self.u8()? as i8).to_string().into_bytes()),
            Len::Enc(1) => {
                let mut b = [0u8; 2];
                self.exact(&mut b)?;
                Ok(i16::from_le_bytes(b).to_string().into_bytes())
            }
            Len::Enc(2) => {
                let mut b = [0u8; 4];
                self.exact(&mut b)?;
                Ok(i32::from_le_bytes(b).to_string().into_bytes())
            }
            Len::Enc(3) => {
                let clen = self.len()?;
                let ulen = self.len()?;
                self.check_buffer(ulen)?;
                self.check_buffer(clen)?;
                // LZF expands at most about 90 times (a 264-byte copy from 3 bytes).
                if clen == 0 || ulen > clen.saturating_mul(100) + 64 {
                    return Err(corrupt("LZF string lengths do not fit"));
                }
                self.expand(ulen)?;
                let mut packed = vec![0u8; clen as usize];
                self.exact(&mut packed)?;
                match lzf::decompress(&packed, ulen as usize) {
                    Ok(v) if v.len() as u64 == ulen => Ok(v),
                    _ => Err(corrupt("damaged LZF string")),
                }
            }
            Len::Enc(e) => Err(corrupt(&format!("string encoding {e}"))),
        }
    }

    fn check_buffer(&self, n: u64) -> io::Result<()> {
        let max = self.cx.limits.max_buffer;
        if n > max {
            let hit = LimitHit::new(
                Limit::Buffer,
                format!("a value of {} is over {} in memory", bytes(n), bytes(max)),
            );
            return Err(io::Error::other(hit));
        }
        Ok(())
    }

    /// Counts decompressed bytes against the per-file and per-run limits.
    fn expand(&self, n: u64) -> io::Result<()> {
        check_expansion(self.cx, self.top, n)?;
        add_expanded(self.cx, self.top, n);
        Ok(())
    }

    fn len_or_enc(&mut self) -> io::Result<Len> {
        let b = self.u8()?;
        Ok(match b >> 6 {
            0 => Len::Len((b & 0x3F) as u64),
            1 => Len::Len((((b & 0x3F) as u64) << 8) | self.u8()? as u64),
            2 => match b {
                0x80 => {
                    let mut v = [0u8; 4];
                    self.exact(&mut v)?;
                    Len::Len(u32::from_be_bytes(v) as u64)
                }
                0x81 => {
                    let mut v = [0u8; 8];
                    self.exact(&mut v)?;
                    Len::Len(u64::from_be_bytes(v))
                }
                _ => return Err(corrupt(&format!("length byte {b:#04x}"))),
            },
            _ => Len::Enc(b & 0x3F),
        })
    }

    fn len(&mut self) -> io::Result<u64> {
        match self.len_or_enc()? {
            Len::Len(n) => Ok(n),
            Len::Enc(_) => Err(corrupt("an encoded string where a length belongs")),
        }
    }

    fn u8(&mut self) -> io::Result<u8> {
        let mut b = [0u8; 1];
        self.exact(&mut b)?;
        Ok(b[0])
    }

    fn exact(&mut self, b: &mut [u8]) -> io::Result<()> {
        self.r.read_exact(b)?;
        self.pos += b.len() as u64;
        Ok(())
    }

    fn skip(&mut self, mut n: u64) -> io::Result<()> {
        while n > 0 {
            let buf = self.r.fill_buf()?;
            if buf.is_empty() {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            let k = (buf.len() as u64).min(n) as usize;
            self.r.consume(k);
            self.pos += k as u64;
            n -= k as u64;
        }
        Ok(())
    }
}

/// Where [`Rdb::stream_node`] is in a stream node's listpack.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Step {
    #[default]
    Count,
    Deleted,
    MasterCount,
    MasterField,
    MasterEnd,
    Flags,
    Ms,
    Seq,
    FieldCount,
    Field,
    Value,
    LpCount,
    Plain,
}

/// A stream node being read: the master entry's field names and the
/// current entry.
#[derive(Default)]
struct Node {
    step: Step,
    master: Vec<Vec<u8>>,
    left: usize,
    flags: usize,
    ms: u64,
    seq: u64,
    own: bool,
    index: usize,
    first: bool,
    field: Vec<u8>,
}

/// A location with a list index (`list`), or the same one (sets).
fn indexed(base: &Location, list: bool, i: u64) -> Location {
    let mut loc = base.clone();
    if list {
        loc.insert("index".into(), i.into());
    }
    loc
}

/// Appends a value to the text; newlines and tabs become spaces, so that a
/// hash stays on one line (its fields context for each other).
fn push_clean(text: &mut Text, v: &[u8]) {
    let start = text.buf.len();
    text.buf.extend_from_slice(v);
    for b in &mut text.buf[start..] {
        if matches!(*b, b'\n' | b'\t' | b'\r') {
            *b = b' ';
        }
    }
}

fn own(e: Entry<'_>) -> Vec<u8> {
    match e {
        Entry::Bytes(b) => b.to_vec(),
        Entry::Int(i) => i.to_string().into_bytes(),
    }
}

fn get(b: &[u8], at: usize, n: usize) -> io::Result<&[u8]> {
    at.checked_add(n)
        .and_then(|end| b.get(at..end))
        .ok_or_else(|| corrupt("an entry runs past its blob"))
}

fn le(b: &[u8]) -> u64 {
    b.iter().rev().fold(0u64, |acc, &x| (acc << 8) | x as u64)
}

/// Sign-extends the low `bits` bits of `v`.
fn signed(v: u64, bits: u32) -> i64 {
    let shift = 64 - bits;
    ((v << shift) as i64) >> shift
}

/// A ziplist (`ziplist.c`): header, entries (previous length, encoding,
/// data), 0xFF.
fn ziplist(b: &[u8], out: &mut dyn FnMut(Entry<'_>) -> io::Result<()>) -> io::Result<()> {
    let mut i = 10;
    loop {
        let first = *b.get(i).ok_or_else(|| corrupt("ziplist without its end"))?;
        if first == 0xFF {
            return Ok(());
        }
        i += if first == 0xFE { 5 } else { 1 };
        let enc = *get(b, i, 1)?.first().unwrap_or(&0);
        match enc >> 6 {
            0..=2 => {
                let (n, head) = match enc >> 6 {
                    0 => ((enc & 0x3F) as usize, 1),
                    1 => (
                        (((enc & 0x3F) as usize) << 8) | get(b, i + 1, 1)?[0] as usize,
                        2,
                    ),
                    _ => {
                        let v = get(b, i + 1, 4)?;
                        (u32::from_be_bytes([v[0], v[1], v[2], v[3]]) as usize, 5)
                    }
                };
                out(Entry::Bytes(get(b, i + head, n)?))?;
                i += head + n;
            }
            _ => {
                let (v, n) = match enc {
                    0xC0 => (signed(le(get(b, i + 1, 2)?), 16), 2),
                    0xD0 => (signed(le(get(b, i + 1, 4)?), 32), 4),
                    0xE0 => (le(get(b, i + 1, 8)?) as i64, 8),
                    0xF0 => (signed(le(get(b, i + 1, 3)?), 24), 3),
                    0xFE => (signed(le(get(b, i + 1, 1)?), 8), 1),
                    0xF1..=0xFD => ((enc & 0x0F) as i64 - 1, 0),
                    _ => return Err(corrupt(&format!("ziplist encoding {enc:#04x}"))),
                };
                out(Entry::Int(v))?;
                i += 1 + n;
            }
        }
    }
}

/// A listpack (`listpack.c`): header, entries (encoding, data, back
/// length), 0xFF.
fn listpack(b: &[u8], out: &mut dyn FnMut(Entry<'_>) -> io::Result<()>) -> io::Result<()> {
    let mut i = 6;
    loop {
        let enc = *b
            .get(i)
            .ok_or_else(|| corrupt("listpack without its end"))?;
        if enc == 0xFF {
            return Ok(());
        }
        let size = if enc & 0x80 == 0 {
            out(Entry::Int((enc & 0x7F) as i64))?;
            1
        } else if enc & 0xC0 == 0x80 {
            let n = (enc & 0x3F) as usize;
            out(Entry::Bytes(get(b, i + 1, n)?))?;
            1 + n
        } else if enc & 0xE0 == 0xC0 {
            let v = (((enc & 0x1F) as u64) << 8) | get(b, i + 1, 1)?[0] as u64;
            out(Entry::Int(signed(v, 13)))?;
            2
        } else if enc & 0xF0 == 0xE0 {
            let n = (((enc & 0x0F) as usize) << 8) | get(b, i + 1, 1)?[0] as usize;
            out(Entry::Bytes(get(b, i + 2, n)?))?;
            2 + n
        } else {
            let (bytes, int) = match enc {
                0xF0 => (le(get(b, i + 1, 4)?) as usize, false),
                0xF1 => (2, true),
                0xF2 => (3, true),
                0xF3 => (4, true),
                0xF4 => (8, true),
                _ => return Err(corrupt(&format!("listpack encoding {enc:#04x}"))),
            };
            if int {
                out(Entry::Int(signed(
                    le(get(b, i + 1, bytes)?),
                    bytes as u32 * 8,
                )))?;
                1 + bytes
            } else {
                out(Entry::Bytes(get(b, i + 5, bytes)?))?;
                5 + bytes
            }
        };
        let back = match size {
            0..=127 => 1,
            128..=16382 => 2,
            16383..=2097150 => 3,
            2097151..=268435454 => 4,
            _ => 5,
        };
        i = i
            .checked_add(size + back)
            .ok_or_else(|| corrupt("listpack entry too long"))?;
    }
}

/// An intset (`intset.c`): width, count, little-endian integers.
fn intset(b: &[u8], out: &mut dyn FnMut(Entry<'_>) -> io::Result<()>) -> io::Result<()> {
    let head = get(b, 0, 8)?;
    let width = le(&head[..4]) as usize;
    let count = le(&head[4..]) as usize;
    if !matches!(width, 2 | 4 | 8) {
        return Err(corrupt(&format!("intset width {width}")));
    }
    let body = get(
        b,
        8,
        count
            .checked_mul(width)
            .ok_or_else(|| corrupt("intset size"))?,
    )?;
    for v in body.chunks_exact(width) {
        out(Entry::Int(signed(le(v), width as u32 * 8)))?;
    }
    Ok(())
}

/// A zipmap (`zipmap.c`, RDB versions before 4): lengths, key, value and
/// free bytes, 0xFF.
fn zipmap(b: &[u8], out: &mut dyn FnMut(Entry<'_>) -> io::Result<()>) -> io::Result<()> {
    let mut i = 1;
    let len = |i: &mut usize| -> io::Result<Option<usize>> {
        let first = *b.get(*i).ok_or_else(|| corrupt("zipmap without its end"))?;
        match first {
            0xFF => Ok(None),
            0xFE => {
                let v = le(get(b, *i + 1, 4)?) as usize;
                *i += 5;
                Ok(Some(v))
            }
            n => {
                *i += 1;
                Ok(Some(n as usize))
            }
        }
    };
    loop {
        let Some(k) = len(&mut i)? else {
            return Ok(());
        };
        out(Entry::Bytes(get(b, i, k)?))?;
        i += k;
        let v = len(&mut i)?.ok_or_else(|| corrupt("zipmap key without a value"))?;
        let free = get(b, i, 1)?[0] as usize;
        out(Entry::Bytes(get(b, i + 1, v)?))?;
        i += 1 + v + free;
    }
}

/// Places every hit of a streamed value at the value's location.
struct Fixed(Location);

impl Attributor for Fixed {
    fn locate(
        &mut self,
        _buf: &[u8],
        _base: u64,
        _at: usize,
        _line: u64,
        _hit: &mut crate::detect::Hit,
        _extra: &mut Vec<Extra>,
    ) -> Option<Location> {
        Some(self.0.clone())
    }

    fn advance(&mut self, _buf: &[u8], _base: u64, _end: usize, _last: bool) {}

    fn finish(&mut self, _extra: &mut Vec<Extra>) -> Vec<(u64, String, serde_json::Value)> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Walk = fn(&[u8], &mut dyn FnMut(Entry<'_>) -> io::Result<()>) -> io::Result<()>;

    fn all(f: Walk, b: &[u8]) -> Vec<String> {
        let mut v = Vec::new();
        f(b, &mut |e| {
            v.push(String::from_utf8_lossy(&own(e)).into_owned());
            Ok(())
        })
        .unwrap();
        v
    }

    #[test]
    fn listpack_entries_of_every_encoding() {
        // Built by hand from listpack.c's encodings.
        let mut lp = vec![0u8; 6];
        lp.extend([0x05, 0x01]); // 7-bit uint 5
        lp.extend([0x83, b'a', b'b', b'c', 0x04]); // 6-bit string
        lp.extend([0xDF, 0xFF, 0x02]); // 13-bit int -1
        lp.extend([0xE0, 0x02, b'h', b'i', 0x04]); // 12-bit string
        lp.push(0xF4);
        lp.extend(4_556_737_586_899_855i64.to_le_bytes());
        lp.push(9); // 64-bit int
        lp.extend([0xF1, 0x18, 0xFC, 0x03]); // int16 -1000
        lp.extend([0xF2, 0xFF, 0xFF, 0x7F, 0x04]); // int24 max
        lp.push(0xFF);
        assert_eq!(
            all(listpack, &lp),
            [
                "5",
                "abc",
                "-1",
                "hi",
                "4556737586899855",
                "-1000",
                "8388607"
            ]
        );
        // Cut anywhere, it is an error, never a panic.
        for cut in 0..lp.len() - 1 {
            let mut n = 0;
            assert!(
                listpack(&lp[..cut], &mut |_| {
                    n += 1;
                    Ok(())
                })
                .is_err(),
                "cut {cut}"
            );
        }
    }

    #[test]
    fn ziplist_entries_of_every_encoding() {
        let mut zl = vec![0u8; 10];
        zl.extend([0x00, 0x03, b'a', b'b', b'c']);
        zl.extend([0x05, 0xE0]);
        zl.extend(4_556_737_586_899_855i64.to_le_bytes());
        zl.extend([0x0A, 0xF5]); // immediate 4
        zl.extend([0x02, 0xFE, 0xF6]); // int8 -10
        zl.extend([0x02, 0xC0, 0x39, 0x30]); // int16 12345
        zl.extend([0x03, 0xF0, 0x00, 0x00, 0x80]); // int24 min
        zl.extend([0xFE, 0, 0, 0, 0, 0x40, 0x01, b'x']); // 14-bit length, long prevlen
        zl.push(0xFF);
        assert_eq!(
            all(ziplist, &zl),
            [
                "abc",
                "4556737586899855",
                "4",
                "-10",
                "12345",
                "-8388608",
                "x"
            ]
        );
        for cut in 10..zl.len() - 1 {
            let mut n = 0;
            assert!(
                ziplist(&zl[..cut], &mut |_| {
                    n += 1;
                    Ok(())
                })
                .is_err(),
                "cut {cut}"
            );
        }
    }

    #[test]
    fn intset_and_zipmap() {
        let mut is = Vec::new();
        is.extend(8u32.to_le_bytes());
        is.extend(2u32.to_le_bytes());
        is.extend((-3i64).to_le_bytes());
        is.extend(4_556_737_586_899_855i64.to_le_bytes());
        assert_eq!(all(intset, &is), ["-3", "4556737586899855"]);
        assert!(intset(&is[..20], &mut |_| Ok(())).is_err());
        let zm = [2, 1, b'k', 2, 1, b'v', b'w', b'!', 0xFF];
        assert_eq!(all(zipmap, &zm), ["k", "vw"]);
        assert!(zipmap(&zm[..6], &mut |_| Ok(())).is_err());
    }

    #[test]
    fn sniffs_the_header_only() {
        assert!(sniff(b"REDIS0010\xfa"));
        assert!(!sniff(b"REDIS"));
        assert!(!sniff(b"REDISxxxx"));
    }
}
