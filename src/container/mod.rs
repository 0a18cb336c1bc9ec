//! Containers: the decoding stage between reading and scanning. A stream is
//! recognised by its first bytes (never by its name) and, when it is a
//! compressed stream (gzip, bzip2, xz, zstd), an archive (tar, zip and
//! everything built on zip), an office document, a PDF, mail, a pg_dump
//! custom-format archive or a Redis snapshot, opened so that what it holds
//! reaches the scanner: decompressed bytes, archive members, the text of
//! documents with where each piece of it came from, a database backup as
//! its restore script, a snapshot's keys and values.
//! Anything else is scanned as raw bytes. Members nest to any mix
//! (`backup.tar.gz!site/db.zip!dump.sql`); a member's path joins its
//! containers with `!`.
//!
//! Everything streams through the caller's one reader buffer, except what
//! needs random access (a zip inside another container, a PDF, a mail
//! message), which is held in memory up to [`Limits::max_buffer`]. Nothing
//! is written to disk. Hostile input is bounded by [`Limits`] (depth,
//! expanded bytes, compression ratio, members); each limit that bites, each
//! encrypted or corrupt member, is reported to the [`Sink`] as a coverage
//! record, and the scan goes on with the next member.

pub mod archive;
pub mod git;
pub mod limits;
pub mod mail;
pub mod office;
pub mod ole;
pub mod opaque;
pub mod pdf;
pub mod pgdump;
pub mod redis;
pub mod sevenz;
pub mod xls;
pub mod xlscrypt;

use std::fs::File;
use std::io::{self, Cursor, Read, Seek};

use crate::coverage::{io_detail, Reason};
use crate::redact;
use crate::source;
use crate::structured::{self, Attributor};
pub use limits::{Ctx, Limit, LimitHit, Limits, Top};
pub use opaque::Opaque;

/// Where in a document a piece of text came from (`sheet`, `cell`, `page`,
/// `paragraph`, `message`, `part`, ...), as it appears in a finding's
/// `location`.
pub type Location = serde_json::Map<String, serde_json::Value>;

/// Builds a [`Location`] from key/value pairs.
pub fn location<const N: usize>(pairs: [(&str, serde_json::Value); N]) -> Location {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// Text extracted from a document, one line per segment (a paragraph, a
/// cell, a page), each segment with its [`Location`]. Extractors flush it
/// to the sink every [`Text::FLUSH`] bytes so memory stays bounded; offsets
/// and line numbers carry on across flushes.
#[derive(Debug, Default)]
pub struct Text {
    pub buf: Vec<u8>,
    /// Start offset in `buf` of each segment, and its location.
    pub segs: Vec<(usize, Location)>,
    /// Offset and line (0-based) of `buf[0]` in the whole extracted text.
    pub base_offset: u64,
    pub base_line: u64,
}

impl Text {
    /// A batch is scanned once it holds this many bytes.
    pub const FLUSH: usize = 1 << 20;

    /// Starts a segment at `loc`: text pushed until the next one belongs to it.
    pub fn segment(&mut self, loc: Location) {
        if !self.buf.is_empty() && self.buf.last() != Some(&b'\n') {
            self.buf.push(b'\n');
        }
        if let Some(last) = self.segs.last_mut() {
            if last.0 == self.buf.len() {
                // An empty segment: replace it.
                last.1 = loc;
                return;
            }
        }
        self.segs.push((self.buf.len(), loc));
    }

    /// Starts a segment on the same line (a spreadsheet cell after the
    /// first of its row); the caller puts a separator before it.
    pub fn segment_inline(&mut self, loc: Location) {
        self.segs.push((self.buf.len(), loc));
    }

    /// Appends text to the current segment.
    pub fn push(&mut self, s: &str) {
        self.buf.extend_from_slice(s.as_bytes());
    }

    /// Appends a separator (one byte) to the current segment.
    pub fn sep(&mut self, b: u8) {
        self.buf.push(b);
    }

    /// The location of the segment holding `buf[offset]`.
    pub fn location_at(&self, offset: usize) -> Option<&Location> {
        let i = self.segs.partition_point(|s| s.0 <= offset);
        i.checked_sub(1).map(|i| &self.segs[i].1)
    }

    /// Scans what is buffered (if anything) and starts a new batch.
    pub fn flush(&mut self, sink: &mut dyn Sink, path: &str) {
        if self.buf.is_empty() {
            return;
        }
        if self.buf.last() != Some(&b'\n') {
            self.buf.push(b'\n');
        }
        sink.scan_text(path, self);
        self.base_offset += self.buf.len() as u64;
        self.base_line += memchr::memchr_iter(b'\n', &self.buf).count() as u64;
        self.buf.clear();
        let last = self.segs.pop();
        self.segs.clear();
        // The open segment goes on in the next batch.
        if let Some((_, loc)) = last {
            self.segs.push((0, loc));
        }
    }

    /// A batch is also scanned once it holds this many segments: each
    /// location takes about 650 bytes (a `serde_json` map), so a 66 KB
    /// docx of 300,000 one-letter paragraphs took 216 MB in one batch.
    pub const MAX_SEGMENTS: usize = 4096;

    /// Flushes if the batch is full (its bytes or its segments). Called at
    /// the end of a paragraph, row, page or part, never inside one.
    pub fn maybe_flush(&mut self, sink: &mut dyn Sink, path: &str) {
        if self.buf.len() >= Self::FLUSH || self.segs.len() >= Self::MAX_SEGMENTS {
            self.flush(sink, path);
        }
    }

    /// A segment (a paragraph, a row) is flushed at its end; one that
    /// grows past this many bytes is flushed as it goes, so that memory
    /// stays bounded (a number across such a cut may be missed).
    pub const HARD: usize = 16 << 20;

    /// A row of more cells than this (a crafted sheet: Excel stops at
    /// 16,384 columns) is flushed as it goes too: one row of 300,000 tiny
    /// cells took 235 MB. The cells of such a row after a cut are not
    /// context for a number before it, nor paired with it.
    pub const HARD_SEGMENTS: usize = 32_768;

    /// Flushes in the middle of a segment that grew past [`Text::HARD`], or
    /// of a row of more than [`Text::HARD_SEGMENTS`] cells.
    pub fn flush_if_huge(&mut self, sink: &mut dyn Sink, path: &str) {
        if self.buf.len() >= Self::HARD || self.segs.len() >= Self::HARD_SEGMENTS {
            self.flush(sink, path);
        }
    }
}

/// Where the decoded data goes: the scanner and the coverage records.
/// Paths given to a sink are display paths (PAN-like digits masked).
pub trait Sink {
    /// Scans a stream that is no container, to its end; `attr` places its
    /// hits in its structure (SQL, CSV, JSON). Returns the bytes read and
    /// the error that cut it short, if any.
    fn scan(
        &mut self,
        path: &str,
        r: &mut dyn Read,
        attr: Option<&mut dyn Attributor>,
    ) -> (u64, Option<io::Error>);
    /// Scans extracted text; each finding gets the location of its segment.
    fn scan_text(&mut self, path: &str, text: &Text);
    /// Records something that was not (fully) scanned.
    fn skip(&mut self, path: &str, reason: Reason, detail: String, bytes: Option<u64>);
    /// Records a member read to its end (a container's member, not a file).
    fn member_done(&mut self);
    /// Records a finding that is not a hit of the detector (a field named
    /// like sensitive authentication data).
    fn extra(&mut self, path: &str, e: structured::Extra);
    /// How many findings are recorded so far (a mark for [`Sink::dedupe`]).
    fn mark(&self) -> usize;
    /// Drops the findings recorded from `raw` on that repeat one recorded in
    /// `live` (the same kind and number, occurrence for occurrence), and
    /// gives the rest the reason `only_raw` when there is one (a number in a
    /// SQLite file but in no table: `not_in_any_table`).
    fn dedupe(&mut self, live: std::ops::Range<usize>, raw: usize, only_raw: Option<&'static str>);
    /// Whether the run was asked to stop.
    fn stopped(&self) -> bool;
}

/// What a stream is, from its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Plain,
    Gzip,
    Bzip2,
    Xz,
    Zstd,
    /// An lz4 frame stream (`lz4`, PostgreSQL's and Linux tools' lz4 files).
    Lz4,
    Zip,
    Tar,
    Pdf,
    /// One RFC 5322 message (`.eml`).
    Mail,
    /// An mbox mailbox: messages each after a `From ` line.
    Mbox,
    /// A PostgreSQL custom-format archive (`pg_dump -Fc`).
    PgDump,
    /// An `ar` archive (`.deb`, `.a`).
    Ar,
    /// A git loose object (one zlib stream).
    GitObject,
    /// A git pack file.
    GitPack,
    /// Recognised, not opened: scanned raw with a coverage record.
    Opaque(Opaque),
    /// An OLE2 compound file: scanned raw, reported when encrypted.
    Ole,
    /// A Redis (or Valkey) RDB snapshot.
    Redis,
    /// A 7z archive.
    SevenZip,
}

impl Format {
    pub fn label(self) -> &'static str {
        match self {
            Format::Plain => "plain",
            Format::Gzip => "gzip",
            Format::Bzip2 => "bzip2",
            Format::Xz => "xz",
            Format::Zstd => "zstd",
            Format::Lz4 => "lz4",
            Format::Zip => "zip",
            Format::Tar => "tar",
            Format::Pdf => "pdf",
            Format::Mail => "mail",
            Format::Mbox => "mbox",
            Format::PgDump => "pg_dump archive",
            Format::GitObject => "git object",
            Format::Ar => "ar",
            Format::GitPack => "git pack",
            Format::Opaque(o) => o.label(),
            Format::Ole => "OLE2 compound file",
            Format::Redis => "Redis snapshot",
            Format::SevenZip => "7z archive",
        }
    }
}

/// Bytes read before deciding what a stream is: a tar header is 512, mail
/// headers can take a few KiB.
pub const HEAD: usize = 8 * 1024;

/// Recognises a format from the first bytes of a stream.
pub fn sniff(head: &[u8]) -> Format {
    let starts = |m: &[u8]| head.starts_with(m);
    if starts(&[0x1F, 0x8B, 0x08]) {
        Format::Gzip
    } else if head.len() >= 10 && starts(b"BZh") && (b'1'..=b'9').contains(&head[3]) {
        // Block magic (pi) or end-of-stream magic (sqrt pi) for an empty stream.
        let magic = &head[4..10];
        if magic == [0x31, 0x41, 0x59, 0x26, 0x53, 0x59]
            || magic == [0x17, 0x72, 0x45, 0x38, 0x50, 0x90]
        {
            Format::Bzip2
        } else {
            Format::Plain
        }
    } else if starts(&[0xFD, b'7', b'z', b'X', b'Z', 0x00]) {
        Format::Xz
    } else if starts(&[0x28, 0xB5, 0x2F, 0xFD]) {
        Format::Zstd
    } else if starts(b"PK\x03\x04") || starts(b"PK\x05\x06") {
        Format::Zip
    } else if starts(&[0x04, 0x22, 0x4D, 0x18]) {
        Format::Lz4
    } else if head.starts_with(sevenz::MAGIC) {
        Format::SevenZip
    } else if pgdump::sniff(head) {
        Format::PgDump
    } else if archive::is_ar(head) {
        Format::Ar
    } else if git::sniff_pack(head) {
        Format::GitPack
    } else if git::sniff_loose(head) {
        Format::GitObject
    } else if let Some(o) = Opaque::sniff(head) {
        Format::Opaque(o)
    } else if head.starts_with(ole::MAGIC) {
        Format::Ole
    } else if redis::sniff(head) {
        Format::Redis
    } else if is_tar(head) {
        Format::Tar
    } else if head.len() >= 8 && PDF_MAGIC.find(&head[..head.len().min(1024)]).is_some() {
        Format::Pdf
    } else {
        mail::sniff(head)
    }
}

/// A PDF's header, searched for in the head of every file: built once.
static PDF_MAGIC: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"%PDF-"));

/// A tar header: `ustar` magic at 257, or a valid header checksum (v7 tar).
fn is_tar(head: &[u8]) -> bool {
    if head.len() < 512 {
        return false;
    }
    let h = &head[..512];
    if &h[257..262] == b"ustar" {
        return true;
    }
    // The checksum: octal at 148..156, the sum of the header with that field as spaces.
    let field = &h[148..156];
    let digits: Vec<u8> = field
        .iter()
        .copied()
        .skip_while(|&b| b == b' ')
        .take_while(|b| (b'0'..=b'7').contains(b))
        .collect();
    if digits.is_empty() || h[0] == 0 {
        return false;
    }
    let want = digits
        .iter()
        .fold(0u32, |a, &d| a * 8 + u32::from(d - b'0'));
    let sum: u32 = h
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u32::from(b)
            }
        })
        .sum();
    sum == want
}

/// The least memory an xz or zstd stream may take to decode (its
/// dictionary or window): zstd's own default bound. A larger
/// `--max-buffer` raises it.
const DECODER_MEMORY: u64 = 128 << 20;

/// What a parser would build from a buffered member: up to `count` `items`
/// of about `cost` bytes of memory each (mail-parser's MIME parts,
/// lopdf's objects), a bound taken from the bytes before parsing them.
struct Parsed {
    /// The format, as coverage details name it (`mail`, `pdf`).
    what: &'static str,
    items: &'static str,
    count: u64,
    cost: u64,
}

impl Parsed {
    /// Whether parsing would take more than `memory`; then the member's
    /// `bytes` are scanned raw, with a limit record naming `--max-buffer`.
    fn over(&self, memory: u64, sink: &mut dyn Sink, path: &str, depth: u32, bytes: &[u8]) -> bool {
        let need = self.count.saturating_mul(self.cost);
        if need <= memory {
            return false;
        }
        let hit = LimitHit::new(
            Limit::Buffer,
            format!(
                "{}: up to {} {}, about {} MiB to parse; scanned as raw bytes",
                self.what,
                self.count,
                self.items,
                need >> 20
            ),
        );
        sink.skip(path, Reason::Limit, hit.to_string(), None);
        raw(sink, path, depth, bytes);
        true
    }
}

/// The largest zstd window (log2) a stream may declare: the decoder
/// memory bound.
fn window_log(cx: &Ctx) -> u32 {
    let memory = cx.limits.max_buffer.max(DECODER_MEMORY);
    (63 - memory.leading_zeros()).clamp(10, 31)
}

/// A decoder whose error for a stream over its memory bound is a
/// [`LimitHit`].
struct Bounded<'r> {
    inner: Box<dyn Read + 'r>,
    format: Format,
    memory: u64,
}

impl Read for Bounded<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|e| {
            let xz = e
                .get_ref()
                .and_then(|x| x.downcast_ref::<liblzma::stream::Error>())
                .is_some_and(|x| matches!(x, liblzma::stream::Error::MemLimit));
            // zstd's ZSTD_error_frameParameter_windowTooLarge.
            let zstd =
                self.format == Format::Zstd && e.to_string().contains("requires too much memory");
            if !(xz || zstd) {
                return e;
            }
            let detail = format!(
                "{}: the stream needs more than {} MiB of memory to decode (its {})",
                self.format.label(),
                self.memory >> 20,
                if xz { "dictionary" } else { "window" },
            );
            io::Error::other(LimitHit::new(Limit::Buffer, detail))
        })
    }
}

/// The path of a member: the container's display path, `!`, the member's
/// name as [`member_name`] shows it.
pub fn member_path(parent: &str, name: &str) -> String {
    format!("{parent}!{}", member_name(name))
}

/// A member's name as reports show it: PAN-like digits masked, and cut
/// after [`MAX_NAME`] bytes (a tar's GNU long name may be megabytes), with
/// its length.
pub fn member_name(name: &str) -> String {
    let shown = redact::text(name);
    if shown.len() <= MAX_NAME {
        return shown.into_owned();
    }
    let mut cut = MAX_NAME;
    while !shown.is_char_boundary(cut) {
        cut -= 1;
    }
    // Again: a cut can end a longer run (not PAN-like) on a PAN-like prefix.
    format!(
        "{}…[name of {} bytes]",
        redact::text(&shown[..cut]),
        name.len()
    )
}

/// The longest member name shown whole: Linux's PATH_MAX.
const MAX_NAME: usize = 4096;

/// The name of what a compressed stream holds: its own name without the
/// compression suffix (`app.log.2.gz` → `app.log.2`, `site.tgz` →
/// `site.tar`); the same name when it has no such suffix.
pub fn inner_name(path: &str) -> String {
    let base = path.rsplit(['/', '!']).next().unwrap_or(path);
    let lower = base.to_ascii_lowercase();
    for (suffix, repl) in [
        (".tgz", ".tar"),
        (".taz", ".tar"),
        (".tbz2", ".tar"),
        (".tbz", ".tar"),
        (".txz", ".tar"),
        (".tzst", ".tar"),
        (".gz", ""),
        (".gzip", ""),
        (".z", ""),
        (".bz2", ""),
        (".bz", ""),
        (".xz", ""),
        (".zst", ""),
        (".lz4", ""),
        (".zstd", ""),
    ] {
        if lower.ends_with(suffix) && base.len() > suffix.len() {
            return format!("{}{repl}", &base[..base.len() - suffix.len()]);
        }
    }
    base.to_string()
}

/// The little-endian `u16` at `b[i..]`, if `b` holds it (the zip end
/// record, the OLE2 and Excel record parsers).
pub(crate) fn le_u16(b: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        b.get(i..i.checked_add(2)?)?.try_into().ok()?,
    ))
}

/// The little-endian `u32` at `b[i..]`, if `b` holds it.
pub(crate) fn le_u32(b: &[u8], i: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(i..i.checked_add(4)?)?.try_into().ok()?,
    ))
}

/// The little-endian `u64` at `b[i..]`, if `b` holds it.
pub(crate) fn le_u64(b: &[u8], i: usize) -> Option<u64> {
    Some(u64::from_le_bytes(
        b.get(i..i.checked_add(8)?)?.try_into().ok()?,
    ))
}

/// Reads one byte; `None` at the end of the stream (the binary formats'
/// parsers: pg_dump archives, git packs and deltas).
pub(crate) fn read_byte<R: Read + ?Sized>(r: &mut R) -> io::Result<Option<u8>> {
    let mut b = [0u8; 1];
    loop {
        match r.read(&mut b) {
            Ok(0) => return Ok(None),
            Ok(_) => return Ok(Some(b[0])),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Reads up to `n` bytes (fewer only at the end of the stream, or before
/// an error, returned beside what was read).
fn read_head(r: &mut dyn Read, n: usize) -> (Vec<u8>, Option<io::Error>) {
    let mut head = Vec::with_capacity(n);
    // On an error, read_to_end keeps the bytes read before it.
    let err = r.take(n as u64).read_to_end(&mut head).err();
    if err.is_none() && head.len() == n && structured::csv::wide_first_line(&head) {
        // A CSV header over the head (400 columns of 25-character names):
        // the head goes on to the end of the second line, for the header
        // and the sniffing, up to WIDE_HEAD.
        while memchr::memchr_iter(b'\n', &head).nth(1).is_none() && head.len() < WIDE_HEAD {
            let before = head.len();
            if let Err(e) = r.take(HEAD as u64).read_to_end(&mut head) {
                return (head, Some(e));
            }
            if head.len() == before {
                break; // the end of the stream
            }
        }
    }
    (head, err)
}

/// How far a head is read to hold a wide CSV file's header and first row.
const WIDE_HEAD: usize = 1 << 20;

/// A reader that fails with a stored error: put after the bytes read
/// before that error, so the stream is scanned (and opened) as far as it
/// goes and the error is recorded where its reader meets it.
struct Failing(Option<io::Error>);

impl Read for Failing {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Err(self.0.take().unwrap_or_else(|| {
            io::Error::new(io::ErrorKind::UnexpectedEof, "stream ended by an error")
        }))
    }
}

/// The coverage reason, detail and limit flag of an error that cut a
/// member short: a limit, corrupt data, or the operating system's error.
pub fn classify(e: &io::Error) -> (Reason, String) {
    if let Some(hit) = e.get_ref().and_then(|x| x.downcast_ref::<LimitHit>()) {
        return (Reason::Limit, hit.to_string());
    }
    if let Some(s) = e
        .get_ref()
        .and_then(|x| x.downcast_ref::<crate::source::Stopped>())
    {
        return (Reason::Interrupted, s.to_string());
    }
    match e.kind() {
        io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof | io::ErrorKind::InvalidInput
            if e.raw_os_error().is_none() =>
        {
            (Reason::Corrupt, redact::text(&e.to_string()).into_owned())
        }
        _ => (Reason::of_io(e), io_detail(e)),
    }
}

/// Records an error that cut `path` short, with its coverage reason.
pub fn skip_error(sink: &mut dyn Sink, path: &str, e: &io::Error, bytes: Option<u64>) {
    let (reason, detail) = classify(e);
    sink.skip(path, reason, detail, bytes);
}

/// The first [`HEAD`] bytes of a stream, and a reader for the rest: the
/// stream itself, or, when reading the head failed, that error. Before,
/// the bytes read before the error were dropped: a small gzip whose
/// trailer was cut (all its data there) gave no finding at all.
fn head_of<'r>(r: &'r mut dyn Read, failing: &'r mut Failing) -> (Vec<u8>, &'r mut dyn Read) {
    match read_head(r, HEAD) {
        (head, None) => (head, r),
        (head, Some(e)) => {
            failing.0 = Some(e);
            (head, failing)
        }
    }
}

/// Scans a stream that is no container and records how far it got.
pub fn leaf(sink: &mut dyn Sink, path: &str, depth: u32, r: &mut dyn Read) -> bool {
    leaf_with(sink, path, depth, r, None)
}

/// Scans `bytes` as raw data (a fallback when a container cannot be opened).
pub fn raw(sink: &mut dyn Sink, path: &str, depth: u32, bytes: &[u8]) -> bool {
    leaf(sink, path, depth, &mut Cursor::new(bytes))
}

/// [`leaf`] with an attributor: SQL dumps, CSV and JSON get their hits
/// placed in their structure.
pub fn leaf_with(
    sink: &mut dyn Sink,
    path: &str,
    depth: u32,
    r: &mut dyn Read,
    mut attr: Option<Box<dyn Attributor>>,
) -> bool {
    let attr: Option<&mut dyn Attributor> = match attr.as_mut() {
        Some(a) => Some(a.as_mut()),
        None => None,
    };
    let (bytes, err) = sink.scan(path, r, attr);
    match err {
        None => {
            if depth > 0 {
                sink.member_done();
            }
            true
        }
        Some(e) => {
            skip_error(sink, path, &e, Some(bytes));
            false
        }
    }
}

/// Scans a regular file, opening whatever containers it is. Returns
/// whether the file itself was read to its end (its members' coverage is
/// recorded on the way). A file that may be `sparse` and is scanned as
/// raw bytes (no container, or one not opened) has its holes passed over
/// ([`source::Holes`]). `rows`, when given, reads the file's plain stream
/// (its data, or a compressed stream's) in place of the attributor its
/// first bytes would choose ([`Top::rows`]).
pub fn scan_file(
    cx: &Ctx,
    sink: &mut dyn Sink,
    path: &str,
    file: &mut File,
    size: u64,
    sparse: bool,
    rows: Option<Box<dyn Attributor>>,
) -> bool {
    if !cx.limits.enabled {
        return match sparse.then(|| source::Holes::new(file)) {
            Some(Ok(mut holes)) => leaf(sink, path, 0, &mut holes),
            _ => leaf(sink, path, 0, file),
        };
    }
    let top = Top::new(size);
    top.rows.set(rows);
    let (head, err) = read_head(file, HEAD);
    if let Some(e) = err {
        // The head could not be read whole: no random access, the bytes
        // read are scanned (as what they are) and the error recorded.
        let format = sniff(&head);
        return open(cx, &top, sink, path, 0, format, head, &mut Failing(Some(e)));
    }
    if cx.limits.structure && head.starts_with(structured::sqlite::MAGIC) {
        return sqlite_file(sink, path, file, head);
    }
    let format = sniff(&head);
    if format == Format::Zip {
        // A zip on disk is read in place (random access, no buffering).
        if file.rewind().is_ok() {
            return archive::zip_seekable(cx, &top, sink, path, 0, file);
        }
    }
    if format == Format::Ole && file.rewind().is_ok() {
        // So is a compound file (a legacy Office document).
        return ole::scan_seekable(cx, &top, sink, path, 0, file);
    }
    if format == Format::SevenZip {
        // And a 7z archive.
        return sevenz::scan_seekable(cx, &top, sink, path, 0, file);
    }
    // A head shorter than HEAD met the end of the file: one read less per small file.
    if head.len() < HEAD {
        return open(cx, &top, sink, path, 0, format, head, &mut io::empty());
    }
    // Raw bytes (a disk image, a database file, `lastlog`): holes passed over.
    let raw = matches!(format, Format::Plain | Format::Opaque(_));
    match (sparse && raw).then(|| source::Holes::new(file)) {
        Some(Ok(mut holes)) => open(cx, &top, sink, path, 0, format, head, &mut holes),
        _ => open(cx, &top, sink, path, 0, format, head, file),
    }
}

/// A SQLite database on disk: its tables through SQLite, then its raw
/// bytes (free pages, journals of deleted rows); what both see is reported
/// once, from the table.
fn sqlite_file(sink: &mut dyn Sink, path: &str, file: &mut File, head: Vec<u8>) -> bool {
    let live = sink.mark();
    let mut ok = true;
    if let Err(e) = structured::sqlite::scan_tables(file, sink, path) {
        let detail = redact::text(&format!("sqlite: {e}; scanned as raw bytes")).into_owned();
        sink.skip(path, Reason::Corrupt, detail, None);
        ok = false;
    }
    let raw = sink.mark();
    let mut rest = Cursor::new(head).chain(file);
    ok &= leaf_with(
        sink,
        path,
        0,
        &mut rest,
        Some(Box::new(structured::sqlite::Raw)),
    );
    sink.dedupe(live..raw, raw, Some("not_in_any_table"));
    ok
}

/// Scans a stream that may be a container.
pub fn node(
    cx: &Ctx,
    top: &Top,
    sink: &mut dyn Sink,
    path: &str,
    depth: u32,
    r: &mut dyn Read,
) -> bool {
    if sink.stopped() {
        sink.skip(path, Reason::Interrupted, "scan interrupted".into(), None);
        return false;
    }
    let mut failing = Failing(None);
    let (head, rest) = head_of(r, &mut failing);
    let format = sniff(&head);
    open(cx, top, sink, path, depth, format, head, rest)
}

/// Scans a stream of a known format whose first bytes `head` were already
/// read from `r`: a plain stream with its structure's attributor (SQL,
/// CSV, JSON), a container opened.
#[allow(clippy::too_many_arguments)]
fn open(
    cx: &Ctx,
    top: &Top,
    sink: &mut dyn Sink,
    path: &str,
    depth: u32,
    format: Format,
    head: Vec<u8>,
    r: &mut dyn Read,
) -> bool {
    let attr = if format == Format::Plain && cx.limits.structure {
        top.rows.take().or_else(|| structured::attributor(&head))
    } else {
        None
    };
    let mut rest = Cursor::new(head).chain(r);
    if format == Format::Plain {
        return leaf_with(sink, path, depth, &mut rest, attr);
    }
    node_as(cx, top, sink, path, depth, format, &mut rest)
}

/// Scans a stream of a known format.
fn node_as(
    cx: &Ctx,
    top: &Top,
    sink: &mut dyn Sink,
    path: &str,
    depth: u32,
    format: Format,
    r: &mut dyn Read,
) -> bool {
    if let Format::Opaque(o) = format {
        // Nothing to open: the raw bytes, and what they may hide.
        sink.skip(path, o.reason(), o.detail(), None);
        return leaf(sink, path, depth, r);
    }
    if format == Format::Ole {
        return ole::scan_stream(cx, top, sink, path, depth, r);
    }
    if depth >= cx.limits.max_depth {
        // Too deep to open: its raw bytes are still scanned.
        let hit = LimitHit::new(
            Limit::Depth,
            format!("{} nested {depth} deep, not opened", format.label()),
        );
        sink.skip(path, Reason::Limit, hit.to_string(), None);
        return leaf(sink, path, depth, r);
    }
    match format {
        Format::Gzip | Format::Bzip2 | Format::Xz | Format::Zstd | Format::Lz4 => {
            let inner = member_path(path, &inner_name(path));
            let counted = limits::Counted::new(r);
            let consumed = counted.counter();
            // xz and zstd allocate the dictionary or window a stream
            // declares (up to 1.5 GiB, 2 GiB); their presets need 65 MiB
            // at most (`xz -9`, `zstd -19`: 8 MiB, `--ultra -22`: 128 MiB).
            let memory = cx.limits.max_buffer.max(DECODER_MEMORY);
            let made: io::Result<Box<dyn Read + '_>> = match format {
                Format::Gzip => Ok(Box::new(flate2::read::MultiGzDecoder::new(counted))),
                Format::Bzip2 => Ok(Box::new(bzip2::read::MultiBzDecoder::new(counted))),
                Format::Lz4 => Ok(Box::new(lz4_flex::frame::FrameDecoder::new(counted))),
                Format::Xz => {
                    let flags = liblzma::stream::CONCATENATED;
                    liblzma::stream::Stream::new_auto_decoder(memory, flags)
                        .map(|s| {
                            let d = liblzma::read::XzDecoder::new_stream(counted, s);
                            Box::new(d) as Box<dyn Read>
                        })
                        .map_err(io::Error::from)
                }
                _ => zstd::stream::read::Decoder::new(counted).and_then(|mut d| {
                    d.window_log_max(window_log(cx))?;
                    Ok(Box::new(d) as Box<dyn Read>)
                }),
            };
            let dec = match made {
                Ok(d) => Bounded {
                    inner: d,
                    format,
                    memory,
                },
                Err(e) => {
                    skip_error(sink, path, &e, None);
                    return false;
                }
            };
            let mut g = limits::Guard::new(cx, top, dec, limits::Consumed::Counter(consumed));
            node(cx, top, sink, &inner, depth + 1, &mut g)
        }
        Format::Tar => archive::tar(cx, top, sink, path, depth, r),
        Format::Zip => archive::zip_stream(cx, top, sink, path, depth, r),
        Format::Pdf => pdf::scan(cx, sink, path, depth, r),
        Format::Mail => mail::scan_message_stream(cx, top, sink, path, depth, r),
        Format::Mbox => mail::scan_mbox(cx, top, sink, path, depth, r),
        Format::PgDump => pgdump::scan(cx, top, sink, path, depth, r),
        Format::GitObject => git::loose(cx, top, sink, path, depth, r),
        Format::Ar => archive::ar(cx, top, sink, path, depth, r),
        Format::GitPack => git::pack(cx, top, sink, path, depth, r),
        Format::Redis => redis::scan(cx, top, sink, path, depth, r),
        Format::SevenZip => sevenz::scan_stream(cx, top, sink, path, depth, r),
        Format::Opaque(_) | Format::Ole => unreachable!("handled above"),
        Format::Plain => leaf(sink, path, depth, r),
    }
}

/// Reads a whole member into memory for a decoder that needs random
/// access, up to [`Limits::max_buffer`] bytes. `Err` carries what was read
/// when the member is larger (the caller decides how to go on).
pub fn buffer(cx: &Ctx, r: &mut dyn Read) -> io::Result<Result<Vec<u8>, Vec<u8>>> {
    let cap = cx.limits.max_buffer;
    let mut v = Vec::new();
    r.take(cap.saturating_add(1)).read_to_end(&mut v)?;
    if v.len() as u64 > cap {
        Ok(Err(v))
    } else {
        Ok(Ok(v))
    }
}

/// What to do when a member that needs random access is larger than the
/// buffer: scan its raw bytes (what was buffered, then the rest) and say
/// that it was not opened.
pub fn too_big_to_open(
    sink: &mut dyn Sink,
    path: &str,
    depth: u32,
    what: Format,
    got: Vec<u8>,
    rest: &mut dyn Read,
) -> bool {
    let hit = LimitHit::new(
        Limit::Buffer,
        format!(
            "{} larger than the in-memory limit, scanned as raw bytes",
            what.label()
        ),
    );
    sink.skip(path, Reason::Limit, hit.to_string(), None);
    let mut all = Cursor::new(got).chain(rest);
    leaf(sink, path, depth, &mut all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names_are_masked_then_cut() {
        assert_eq!(
            member_name("a/4111111111111111.txt"),
            "a/411111******1111.txt"
        );
        // A card number across the cut is masked before the cut, so no
        // more than its first six digits show.
        let name = format!(
            "{}4111111111111111{}",
            "a".repeat(MAX_NAME - 8),
            "é".repeat(3000)
        );
        let shown = member_name(&name);
        assert_eq!(
            shown,
            format!(
                "{}411111**…[name of {} bytes]",
                "a".repeat(MAX_NAME - 8),
                name.len()
            )
        );
        // A 17-digit run (not PAN-like: Luhn fails) cut after its first 16,
        // which are a valid PAN: masked after the cut too.
        let name = format!("{}45320151128303661", "a".repeat(MAX_NAME - 16));
        let shown = member_name(&name);
        assert_eq!(redact::text(&shown), shown);
        assert!(shown.contains("453201******0366…"), "{shown}");
        // Cut at a character boundary.
        let name = format!("a{}", "é".repeat(MAX_NAME));
        let shown = member_name(&name);
        assert!(
            shown.starts_with(&format!("a{}…[", "é".repeat(MAX_NAME / 2 - 1))),
            "{shown}"
        );
    }

    #[test]
    fn formats_are_recognised_by_content() {
        assert_eq!(sniff(b"\x1f\x8b\x08\x00rest"), Format::Gzip);
        assert_eq!(sniff(b"BZh91AY&SYrest"), Format::Bzip2);
        assert_eq!(sniff(b"BZh9 not bzip2"), Format::Plain);
        assert_eq!(sniff(b"\xfd7zXZ\x00rest"), Format::Xz);
        assert_eq!(sniff(b"\x28\xb5\x2f\xfdrest"), Format::Zstd);
        assert_eq!(sniff(b"PK\x03\x04rest"), Format::Zip);
        assert_eq!(sniff(b"%PDF-1.7\n"), Format::Pdf);
        assert_eq!(sniff(b"hello world\n"), Format::Plain);
        assert_eq!(sniff(b""), Format::Plain);
        let mut tar = vec![0u8; 512];
        tar[..5].copy_from_slice(b"a.txt");
        assert_eq!(sniff(&tar), Format::Plain, "no magic, bad checksum");
        tar[257..262].copy_from_slice(b"ustar");
        assert_eq!(sniff(&tar), Format::Tar);
    }

    #[test]
    fn inner_names_drop_the_compression_suffix() {
        assert_eq!(inner_name("logs/app.log.2.gz"), "app.log.2");
        assert_eq!(inner_name("a.zip!site.tgz"), "site.tar");
        assert_eq!(inner_name("x/dump.sql.zst"), "dump.sql");
        assert_eq!(inner_name("x/cards.csv.lz4"), "cards.csv");
        assert_eq!(inner_name("blob"), "blob");
        assert_eq!(inner_name(".gz"), ".gz");
    }

    #[test]
    fn text_locations_follow_segments() {
        let mut t = Text::default();
        t.segment(location([("cell", "A1".into())]));
        t.push("one");
        t.segment(location([("cell", "A2".into())]));
        t.push("two");
        assert_eq!(t.location_at(0).unwrap()["cell"], "A1");
        assert_eq!(t.location_at(4).unwrap()["cell"], "A2");
        assert_eq!(t.location_at(6).unwrap()["cell"], "A2");
        assert_eq!(t.buf, b"one\ntwo");
    }
}
