//! PostgreSQL custom-format archives (`pg_dump -Fc`, the usual form of a
//! PostgreSQL backup): read as the SQL script `pg_restore` would write from
//! them, so each row's numbers get the table, column, row and key that a
//! plain dump gives (the SQL attributor places them).
//!
//! An archive is a header, a table of contents (TOC: one entry per object,
//! with its SQL definition and, for a table's data, its `COPY` statement),
//! then the data blocks, each compressed on its own (zlib by default; none
//! with `-Z0`; lz4 or zstd from PostgreSQL 16, archive version 1.15). The
//! TOC's strings are plain bytes, but the rows are compressed: scanned raw,
//! a compressed archive shows no card number at all. The layout followed
//! here is PostgreSQL's `pg_backup_archiver.c` (`ReadHead`, `ReadToc`,
//! `ReadInt`, `ReadStr`) and `pg_backup_custom.c` (data blocks), archive
//! versions 1.11 (PostgreSQL 8.4) to 1.16 (PostgreSQL 17).
//!
//! The script is streamed: the definitions of the pre-data section
//! (`CREATE TABLE`, comments, functions), then each data block as it comes
//! (a table's rows between its `COPY … FROM stdin;` and `\.`, a large
//! object after a `-- large object OID` line), then the rest (keys,
//! indexes, sequence values). Only the TOC is held in memory, up to
//! `--max-buffer`. A damaged archive is scanned as far as it goes and
//! reported `corrupt`; a TOC that cannot be read is scanned as raw bytes.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::path::{Path, PathBuf};

use super::limits::{Consumed, Counted, Guard, Limit, LimitHit};
use super::{leaf, leaf_with, member_path, read_byte, Ctx, Sink, Top};
use crate::coverage::Reason;
use crate::structured;

/// The first bytes of every pg_dump archive (custom, tar and directory
/// formats' `toc.dat`).
pub const MAGIC: &[u8] = b"PGDMP";

/// The member a custom archive's script is scanned as.
pub const SCRIPT: &str = "pg_restore.sql";

/// The archive versions whose layout is known here (`1.MINOR`).
const VERSIONS: std::ops::RangeInclusive<u8> = 11..=16;

/// Archive format codes (`archCustom`, `archTar`, `archDirectory`).
const CUSTOM: u8 = 1;
const TAR: u8 = 3;
const DIRECTORY: u8 = 5;

/// Whether `head` starts a custom-format archive. The directory and tar
/// formats' `toc.dat` holds no data (it sits beside the data files, which
/// are scanned as files of their own) and is scanned raw; see
/// [`DataFiles`].
pub fn sniff(head: &[u8]) -> bool {
    // "PGDMP", major, minor, revision, int size, offset size, format.
    head.len() >= 11 && head.starts_with(MAGIC) && head[5] == 1 && head[10] == CUSTOM
}

/// Whether `head` starts the `toc.dat` of a tar-format (`pg_dump -Ft`) or
/// directory-format (`-Fd`) archive.
pub fn sniff_toc(head: &[u8]) -> bool {
    head.len() >= 11
        && head.starts_with(MAGIC)
        && head[5] == 1
        && (head[10] == TAR || head[10] == DIRECTORY)
}

/// What the `toc.dat` of a tar- or directory-format archive says of its
/// data files (`3345.dat`, one per table): the `COPY` statement each
/// file's rows belong to, and the tables' definitions (their keys). With
/// them a data file's numbers get the table, column, row and key that
/// a custom-format archive's get.
pub struct DataFiles {
    copy: HashMap<String, Vec<u8>>,
    schema: structured::sql::Schema,
}

impl DataFiles {
    /// Reads `toc.dat` (an error if [`sniff_toc`] does not take it); its
    /// strings may take `budget` bytes.
    pub fn read(toc: &[u8], budget: u64) -> io::Result<DataFiles> {
        if !sniff_toc(toc) {
            return Err(corrupt("not a tar or directory archive's toc.dat".into()));
        }
        let mut reader = Reader {
            src: Box::new(toc),
            int_size: 4,
            minor: 0,
            budget,
        };
        let header = reader.header()?;
        let toc = reader.toc(&header)?;
        let mut definitions = toc.pre;
        definitions.extend_from_slice(&toc.post);
        let mut copy = HashMap::new();
        for (file, id) in toc.files {
            if let Some(head) = toc.data.get(&id).filter(|h| h.starts_with(b"COPY ")) {
                copy.insert(file, head.clone());
            }
        }
        Ok(DataFiles {
            copy,
            schema: structured::sql::Sql::schema_of(&definitions),
        })
    }

    /// The attributor of data file `name` (`3345.dat`; a directory
    /// archive's `3345.dat.gz` once decompressed), if the TOC lists it.
    pub fn attributor(&self, name: &str) -> Option<structured::sql::Sql> {
        let copy = self.copy.get(name)?;
        Some(structured::sql::Sql::copy_data(&self.schema, copy))
    }
}

/// The data files of pg_dump directory archives (`pg_dump -Fd`): a
/// directory holding `toc.dat` and a file per table (`3358.dat.gz`, or
/// `.dat`, `.dat.lz4`, `.dat.zst`), each scanned as a file of its own. A
/// worker keeps the table of contents of the last directory it looked in,
/// since a walk hands it a directory's files one after another.
#[derive(Default)]
pub struct Directories {
    last: Option<(PathBuf, Option<DataFiles>)>,
}

impl Directories {
    /// The attributor of the rows in file `path`, if it is a data file of
    /// a directory archive whose `toc.dat` (read up to `budget` bytes,
    /// read-only like any file) lists it.
    pub fn rows(&mut self, path: &Path, budget: u64) -> Option<structured::sql::Sql> {
        let name = path.file_name()?.to_str()?;
        let stem = [".gz", ".lz4", ".zst"]
            .iter()
            .find_map(|s| name.strip_suffix(s))
            .unwrap_or(name);
        let id = stem.strip_suffix(".dat")?;
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let dir = path.parent()?;
        if self.last.as_ref().is_none_or(|(d, _)| d != dir) {
            self.last = Some((dir.to_path_buf(), read_toc(&dir.join("toc.dat"), budget)));
        }
        self.last.as_ref()?.1.as_ref()?.attributor(stem)
    }
}

/// A directory archive's `toc.dat`, if `path` is one of at most `budget`
/// bytes that can be read.
fn read_toc(path: &Path, budget: u64) -> Option<DataFiles> {
    let opened = crate::source::open(path, false, &mut crate::source::DirCache::default());
    let Ok(crate::source::Opened::File(file, _, size, _)) = opened else {
        return None;
    };
    if size > budget {
        return None;
    }
    let mut toc = Vec::new();
    file.take(budget).read_to_end(&mut toc).ok()?;
    DataFiles::read(&toc, budget).ok()
}

/// How a data block's chunks are compressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Compression {
    None,
    Zlib,
    Lz4,
    Zstd,
}

/// The header fields the rest of the archive depends on.
#[derive(Debug)]
struct Header {
    int_size: usize,
    off_size: usize,
    compression: Compression,
    /// `CUSTOM`, `TAR` or `DIRECTORY`.
    format: u8,
}

/// Sections of the TOC (`teSection`).
const SECTION_NONE: i64 = 1;
const SECTION_PRE_DATA: i64 = 2;

/// What the TOC says, as script text: the definitions before the data and
/// after it, and what goes before each data block, by its dump id; in a
/// tar or directory archive, the file holding each data block.
#[derive(Debug, Default)]
struct Toc {
    pre: Vec<u8>,
    post: Vec<u8>,
    data: HashMap<i64, Vec<u8>>,
    files: Vec<(String, i64)>,
}

/// The binary reading primitives, over a stream that counts what the TOC
/// may still take in memory.
struct Reader<'r> {
    src: Box<dyn BufRead + 'r>,
    int_size: usize,
    minor: u8,
    /// Bytes of strings the TOC may still hold.
    budget: u64,
}

fn corrupt(what: String) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("pg_dump archive: {what}"),
    )
}

fn byte(src: &mut dyn BufRead) -> io::Result<u8> {
    read_byte(src)?.ok_or_else(|| corrupt("ends inside its header or table of contents".into()))
}

/// `ReadInt`: a sign byte, then `int_size` bytes, least significant first.
fn read_int(src: &mut dyn BufRead, int_size: usize) -> io::Result<i64> {
    let sign = byte(src)?;
    let mut v: u64 = 0;
    for i in 0..int_size {
        let b = u64::from(byte(src)?);
        if i >= 7 && b != 0 {
            return Err(corrupt(format!("an integer over {int_size} bytes")));
        }
        if i < 8 {
            v |= b << (8 * i);
        }
    }
    let v = v as i64;
    Ok(if sign != 0 { -v } else { v })
}

impl Reader<'_> {
    fn byte(&mut self) -> io::Result<u8> {
        byte(&mut *self.src)
    }

    fn int(&mut self) -> io::Result<i64> {
        read_int(&mut *self.src, self.int_size)
    }

    /// `ReadStr`: a length (negative for a null string), then the bytes.
    fn str(&mut self) -> io::Result<Option<Vec<u8>>> {
        let len = self.int()?;
        if len < 0 {
            return Ok(None);
        }
        let len = len as u64;
        if len > self.budget {
            return Err(io::Error::other(LimitHit::new(
                Limit::Buffer,
                TOC_LIMIT.into(),
            )));
        }
        self.budget -= len;
        let mut v = Vec::new();
        (&mut self.src).take(len).read_to_end(&mut v)?;
        if v.len() as u64 != len {
            return Err(corrupt(
                "ends inside a string of its table of contents".into(),
            ));
        }
        Ok(Some(v))
    }

    fn skip_str(&mut self) -> io::Result<()> {
        self.str().map(drop)
    }

    /// `ReadHead` after the magic: the version, sizes, format and compression.
    fn header(&mut self) -> io::Result<Header> {
        let mut magic = [0u8; 5];
        self.src.read_exact(&mut magic)?;
        let (major, minor, _rev) = (self.byte()?, self.byte()?, self.byte()?);
        if major != 1 || !VERSIONS.contains(&minor) {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!("pg_dump archive version {major}.{minor} (known: 1.11 to 1.16)"),
            ));
        }
        self.minor = minor;
        let int_size = usize::from(self.byte()?);
        let off_size = usize::from(self.byte()?);
        if !(1..=8).contains(&int_size) || !(1..=8).contains(&off_size) {
            return Err(corrupt(format!(
                "integer size {int_size} or offset size {off_size} out of range"
            )));
        }
        self.int_size = int_size;
        let format = self.byte()?;
        if ![CUSTOM, TAR, DIRECTORY].contains(&format) {
            return Err(corrupt(format!("archive format {format}")));
        }
        let compression = if minor >= 15 {
            // pg_compress_algorithm.
            match self.byte()? {
                0 => Compression::None,
                1 => Compression::Zlib,
                2 => Compression::Lz4,
                3 => Compression::Zstd,
                a => return Err(corrupt(format!("unknown compression algorithm {a}"))),
            }
        } else {
            // A zlib level; 0 is none, -1 zlib's default.
            match self.int()? {
                0 => Compression::None,
                _ => Compression::Zlib,
            }
        };
        for _ in 0..7 {
            self.int()?; // the creation time: seconds .. isdst
        }
        self.skip_str()?; // database name
        self.skip_str()?; // server version
        self.skip_str()?; // pg_dump version
        Ok(Header {
            int_size,
            off_size,
            compression,
            format,
        })
    }

    /// `ReadToc`, keeping each entry's definition in its part of the
    /// script and each data entry's `COPY` statement (and, in a tar or
    /// directory archive, its file).
    fn toc(&mut self, header: &Header) -> io::Result<Toc> {
        let count = self.int()?;
        if count < 0 {
            return Err(corrupt(format!("{count} entries")));
        }
        let mut toc = Toc::default();
        for _ in 0..count {
            let id = self.int()?;
            let had_dumper = self.int()? != 0;
            self.skip_str()?; // table oid
            self.skip_str()?; // oid
            let tag = self.str()?.unwrap_or_default();
            let desc = self.str()?.unwrap_or_default();
            let section = self.int()?;
            let defn = self.str()?.unwrap_or_default();
            self.skip_str()?; // drop statement
            let copy = self.str()?.filter(|c| !c.is_empty());
            let namespace = self.str()?.unwrap_or_default();
            self.skip_str()?; // tablespace
            if self.minor >= 14 {
                self.skip_str()?; // table access method
            }
            if self.minor >= 16 {
                self.int()?; // relkind
            }
            self.skip_str()?; // owner
            self.skip_str()?; // "false": WITH OIDS
            while self.str()?.is_some() {} // dependencies
            if header.format == CUSTOM {
                // `ReadExtraToc`: the data's offset, a flag byte then the
                // offset.
                for _ in 0..=header.off_size {
                    self.byte()?;
                }
            } else if let Some(file) = self.str()? {
                // The file holding the data (`3345.dat`), if any.
                if had_dumper && !file.is_empty() {
                    toc.files
                        .push((String::from_utf8_lossy(&file).into_owned(), id));
                }
            }
            let text = if section == SECTION_NONE || section == SECTION_PRE_DATA {
                &mut toc.pre
            } else {
                &mut toc.post
            };
            if !defn.is_empty() {
                text.extend_from_slice(&defn);
                if !defn.ends_with(b"\n") {
                    text.push(b'\n');
                }
                text.push(b'\n');
            }
            if had_dumper {
                // What pg_restore writes before the data: the COPY
                // statement, or a comment naming the object (INSERTs
                // from `--inserts`, large objects).
                let head = match copy {
                    Some(c) => c,
                    None => {
                        let mut h = b"-- data for ".to_vec();
                        h.extend_from_slice(&desc);
                        h.push(b' ');
                        if !namespace.is_empty() {
                            h.extend_from_slice(&namespace);
                            h.push(b'.');
                        }
                        h.extend_from_slice(&tag);
                        h.push(b'\n');
                        h
                    }
                };
                self.budget = self.budget.saturating_sub(head.len() as u64);
                toc.data.insert(id, head);
            }
        }
        Ok(toc)
    }
}

/// A data block's chunks as one stream: `ReadInt` lengths, each followed by
/// that many bytes, up to a zero length.
struct Chunks<'r> {
    src: Box<dyn BufRead + 'r>,
    int_size: usize,
    left: u64,
    done: bool,
}

impl Read for Chunks<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.left == 0 {
            if self.done {
                return Ok(0);
            }
            let n = read_int(&mut *self.src, self.int_size).map_err(|e| {
                if e.kind() == io::ErrorKind::InvalidData {
                    corrupt("ends inside a data block".into())
                } else {
                    e
                }
            })?;
            if n < 0 {
                return Err(corrupt(format!("a data chunk of {n} bytes")));
            }
            self.left = n as u64;
            self.done = n == 0;
        }
        let want = buf.len().min(self.left.min(usize::MAX as u64) as usize);
        let n = self.src.read(&mut buf[..want])?;
        if n == 0 {
            return Err(corrupt("ends inside a data block".into()));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// A data block being decompressed.
enum Decoder<'r> {
    Raw(Chunks<'r>),
    Zlib(flate2::read::ZlibDecoder<Chunks<'r>>),
    Zstd(zstd::stream::read::Decoder<'static, BufReader<Chunks<'r>>>),
    Lz4(lz4_flex::frame::FrameDecoder<Chunks<'r>>),
}

impl<'r> Decoder<'r> {
    fn new(c: Compression, chunks: Chunks<'r>, window_log: u32) -> io::Result<Decoder<'r>> {
        Ok(match c {
            Compression::None => Decoder::Raw(chunks),
            Compression::Zlib => Decoder::Zlib(flate2::read::ZlibDecoder::new(chunks)),
            Compression::Zstd => {
                let mut d = zstd::stream::read::Decoder::new(chunks)?;
                d.window_log_max(window_log)?;
                Decoder::Zstd(d)
            }
            Compression::Lz4 => Decoder::Lz4(lz4_flex::frame::FrameDecoder::new(chunks)),
        })
    }

    fn into_chunks(self) -> Chunks<'r> {
        match self {
            Decoder::Raw(c) => c,
            Decoder::Zlib(d) => d.into_inner(),
            Decoder::Zstd(d) => d.finish().into_inner(),
            Decoder::Lz4(d) => d.into_inner(),
        }
    }
}

impl Read for Decoder<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Decoder::Raw(c) => c.read(buf),
            Decoder::Zlib(d) => d.read(buf),
            Decoder::Zstd(d) => d.read(buf),
            Decoder::Lz4(d) => d.read(buf),
        }
    }
}

/// Data block types (`BLK_DATA`, `BLK_BLOBS`).
const BLK_DATA: u8 = 1;
const BLK_BLOBS: u8 = 3;

/// Where the script stream is.
enum Phase<'r> {
    /// Between data blocks: the archive's reader.
    Blocks(Box<dyn BufRead + 'r>),
    /// Inside a table's data, or inside a large object (`blobs`).
    Data { dec: Box<Decoder<'r>>, blobs: bool },
    /// Between the large objects of one block.
    Blobs(Box<dyn BufRead + 'r>),
    /// After the data: nothing more to read from the archive.
    Done,
}

/// The script `pg_restore` would write, as a stream.
struct Script<'r> {
    /// Text to give before reading on (the TOC's parts, a block's header
    /// or end).
    out: Cursor<Vec<u8>>,
    post: Option<Vec<u8>>,
    phase: Phase<'r>,
    toc: HashMap<i64, Vec<u8>>,
    header: Header,
    /// The largest zstd window allowed (log2), as for zstd files.
    window_log: u32,
}

impl Script<'_> {
    /// Moves to the next piece of the stream once `out` is given.
    fn step(&mut self) -> io::Result<()> {
        let phase = std::mem::replace(&mut self.phase, Phase::Done);
        match phase {
            Phase::Done => {
                if let Some(post) = self.post.take() {
                    self.out = Cursor::new(post);
                }
            }
            Phase::Blocks(mut src) => {
                let Some(kind) = read_byte(&mut *src)? else {
                    return self.step(); // the end of the archive
                };
                let id = read_int(&mut *src, self.header.int_size)?;
                let text = match self.toc.remove(&id) {
                    Some(head) => head,
                    None => format!("-- data of entry {id}\n").into_bytes(),
                };
                match kind {
                    BLK_DATA => {
                        self.out = Cursor::new(text);
                        self.phase = Phase::Data {
                            dec: Box::new(self.decoder(src)?),
                            blobs: false,
                        };
                    }
                    BLK_BLOBS => {
                        self.out = Cursor::new(text);
                        self.phase = Phase::Blobs(src);
                    }
                    k => return Err(corrupt(format!("a data block of unknown type {k}"))),
                }
            }
            Phase::Blobs(mut src) => {
                let oid = read_int(&mut *src, self.header.int_size)?;
                if oid == 0 {
                    self.phase = Phase::Blocks(src);
                } else {
                    self.out = Cursor::new(format!("-- large object {oid}\n").into_bytes());
                    self.phase = Phase::Data {
                        dec: Box::new(self.decoder(src)?),
                        blobs: true,
                    };
                }
            }
            Phase::Data { dec, blobs } => {
                // The decoder is done: read on to the chunks' end.
                let mut chunks = (*dec).into_chunks();
                io::copy(&mut chunks, &mut io::sink())?;
                let end: &[u8] = if blobs { b"\n" } else { b"\\.\n\n" };
                self.out = Cursor::new(end.to_vec());
                self.phase = if blobs {
                    Phase::Blobs(chunks.src)
                } else {
                    Phase::Blocks(chunks.src)
                };
            }
        }
        Ok(())
    }

    fn decoder<'a>(&self, src: Box<dyn BufRead + 'a>) -> io::Result<Decoder<'a>> {
        let chunks = Chunks {
            src,
            int_size: self.header.int_size,
            left: 0,
            done: false,
        };
        Decoder::new(self.header.compression, chunks, self.window_log)
    }
}

impl Read for Script<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let n = self.out.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            if let Phase::Data { dec, .. } = &mut self.phase {
                let n = dec.read(buf)?;
                if n > 0 {
                    return Ok(n);
                }
            } else if matches!(self.phase, Phase::Done) && self.post.is_none() {
                return Ok(0);
            }
            self.step()?;
        }
    }
}

/// Keeps a copy of what is read through it, so that an archive whose TOC
/// cannot be read is scanned raw from its first byte.
/// The header and TOC may take up to `cap` bytes (a TOC of millions of
/// entries of null strings holds nothing its string budget counts).
struct Recording<R> {
    inner: R,
    /// None once the TOC is read.
    seen: Option<Vec<u8>>,
    cap: u64,
}

impl<R: Read> Read for Recording<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(seen) = &self.seen {
            if seen.len() as u64 >= self.cap {
                return Err(io::Error::other(LimitHit::new(
                    Limit::Buffer,
                    TOC_LIMIT.into(),
                )));
            }
        }
        let n = self.inner.read(buf)?;
        if let Some(seen) = &mut self.seen {
            seen.extend_from_slice(&buf[..n]);
        }
        Ok(n)
    }
}

const TOC_LIMIT: &str = "pg_dump archive: its table of contents is larger than the in-memory \
                         limit; scanned as raw bytes, its compressed data not read";

/// Scans a custom-format archive whose stream starts at `r`.
pub fn scan(
    cx: &Ctx,
    top: &Top,
    sink: &mut dyn Sink,
    path: &str,
    depth: u32,
    r: &mut dyn Read,
) -> bool {
    let counted = Counted::new(r);
    let consumed = counted.counter();
    // The header and TOC are read through a recording: up to the
    // in-memory limit, like the TOC's strings.
    let mut rec = BufReader::new(Recording {
        inner: counted,
        seen: Some(Vec::new()),
        cap: cx.limits.max_buffer,
    });
    let mut reader = Reader {
        src: Box::new(&mut rec),
        int_size: 4,
        minor: 0,
        budget: cx.limits.max_buffer,
    };
    let parsed = reader.header().and_then(|h| {
        if h.format != CUSTOM {
            return Err(corrupt("not the custom format".into()));
        }
        let toc = reader.toc(&h)?;
        Ok((h, toc))
    });
    drop(reader);
    let (header, toc) = match parsed {
        Ok(p) => p,
        Err(e) => {
            // What was read (parsed or still buffered), then the rest, as
            // raw bytes.
            let mut rec = rec.into_inner();
            let seen = rec.seen.take().unwrap_or_default();
            let (reason, detail) = match e.kind() {
                io::ErrorKind::Unsupported => (
                    Reason::Unsupported,
                    format!("{e}; scanned as raw bytes, its compressed data not read"),
                ),
                _ => {
                    let (reason, detail) = super::classify(&e);
                    let detail = if reason == Reason::Limit {
                        detail
                    } else {
                        format!("{detail}; scanned as raw bytes, its compressed data not read")
                    };
                    (reason, detail)
                }
            };
            sink.skip(path, reason, detail, None);
            let mut all = Cursor::new(seen).chain(rec.inner);
            leaf(sink, path, depth, &mut all);
            return false;
        }
    };
    // From here on nothing needs to be kept.
    rec.get_mut().seen = None;
    let src: Box<dyn BufRead + '_> = Box::new(rec);
    let mut pre = BANNER.to_vec();
    pre.extend_from_slice(&toc.pre);
    let script = Script {
        out: Cursor::new(pre),
        post: Some(toc.post),
        phase: Phase::Blocks(src),
        toc: toc.data,
        header,
        window_log: super::window_log(cx),
    };
    let attr: Option<Box<dyn structured::Attributor>> = if cx.limits.structure {
        Some(Box::new(structured::sql::Sql::new(BANNER)))
    } else {
        None
    };
    let mut guard = Guard::new(cx, top, script, Consumed::Counter(consumed));
    leaf_with(
        sink,
        &member_path(path, SCRIPT),
        depth + 1,
        &mut guard,
        attr,
    )
}

/// The script's first line: names its origin, and makes the SQL
/// attributor read it as PostgreSQL.
const BANNER: &[u8] = b"-- PostgreSQL database dump, read from a pg_dump custom-format archive\n";

/// The layout [`Reader`] reads, written (`WriteInt`, `WriteStr`, the header
/// and TOC entries as pg_dump writes them, 4-byte integers, 8-byte offsets):
/// for the self-test's planted archive and the tests.
pub(crate) mod write {
    use super::CUSTOM;

    /// `WriteInt`.
    pub fn int(a: &mut Vec<u8>, v: i64) {
        a.push(u8::from(v < 0));
        a.extend_from_slice(&(v.unsigned_abs() as u32).to_le_bytes());
    }

    /// `WriteStr`: a length (-1 for a null string), then the bytes.
    pub fn string(a: &mut Vec<u8>, s: Option<&str>) {
        match s {
            None => int(a, -1),
            Some(s) => {
                int(a, s.len() as i64);
                a.extend_from_slice(s.as_bytes());
            }
        }
    }

    /// One TOC entry: its dump id, whether it has data, tag, kind
    /// (`TABLE`, `TABLE DATA`, ...), section, definition and COPY statement.
    pub struct Entry<'a> {
        pub id: i64,
        pub data: bool,
        pub tag: &'a str,
        pub desc: &'a str,
        pub section: i64,
        pub defn: &'a str,
        pub copy: Option<&'a str>,
    }

    /// An archive of version 1.`minor`: header (compression `algo`, a byte
    /// from 1.15 on, a zlib level before), TOC, then `blocks`.
    pub fn archive(minor: u8, algo: u8, entries: &[Entry], blocks: &[u8]) -> Vec<u8> {
        written(CUSTOM, minor, algo, entries, blocks)
    }

    /// The `toc.dat` of a tar-format archive (`format` 3) or a directory
    /// one (5): the TOC names each data entry's file, `ID.dat`.
    pub fn toc_dat(format: u8, minor: u8, entries: &[Entry]) -> Vec<u8> {
        written(format, minor, 0, entries, &[])
    }

    fn written(format: u8, minor: u8, algo: u8, entries: &[Entry], blocks: &[u8]) -> Vec<u8> {
        let mut a = b"PGDMP".to_vec();
        a.extend_from_slice(&[1, minor, 0, 4, 8, format]);
        if minor >= 15 {
            a.push(algo);
        } else {
            int(&mut a, if algo == 0 { 0 } else { -1 });
        }
        for v in [0, 0, 10, 17, 5, 124, 0] {
            int(&mut a, v); // created 2024-06-17 10:00:00
        }
        for s in ["shop", "15.18", "15.18"] {
            string(&mut a, Some(s));
        }
        int(&mut a, entries.len() as i64);
        for e in entries {
            int(&mut a, e.id);
            int(&mut a, i64::from(e.data));
            string(&mut a, Some("1259")); // table oid
            string(&mut a, Some("16390")); // oid
            string(&mut a, Some(e.tag));
            string(&mut a, Some(e.desc));
            int(&mut a, e.section);
            string(&mut a, Some(e.defn));
            string(&mut a, None); // drop statement
            string(&mut a, e.copy);
            string(&mut a, Some("public"));
            string(&mut a, Some("")); // tablespace
            if minor >= 14 {
                string(&mut a, Some("heap"));
            }
            if minor >= 16 {
                int(&mut a, 114); // relkind 'r'
            }
            string(&mut a, Some("shop")); // owner
            string(&mut a, Some("false"));
            string(&mut a, None); // no dependencies
            if format == CUSTOM {
                a.push(if e.data { 2 } else { 3 }); // data offset: set / none
                a.extend_from_slice(&[0; 8]);
            } else if e.data {
                string(&mut a, Some(&format!("{}.dat", e.id)));
            } else {
                string(&mut a, Some(""));
            }
        }
        a.extend_from_slice(blocks);
        a
    }
}

#[cfg(test)]
mod tests {
    use super::write::{archive, int, toc_dat, Entry};
    use super::*;
    use std::io::Write;

    /// `data` compressed as pg_dump does for `algo`, in chunks of 7 bytes
    /// (so a chunk boundary falls inside everything), then the zero length.
    fn chunks(algo: u8, data: &[u8]) -> Vec<u8> {
        let packed = match algo {
            0 => data.to_vec(),
            1 => {
                let mut z = flate2::write::ZlibEncoder::new(Vec::new(), Default::default());
                z.write_all(data).unwrap();
                z.finish().unwrap()
            }
            2 => {
                let mut e = lz4_flex::frame::FrameEncoder::new(Vec::new());
                e.write_all(data).unwrap();
                e.finish().unwrap()
            }
            3 => zstd::encode_all(data, 3).unwrap(),
            _ => unreachable!(),
        };
        let mut out = Vec::new();
        for c in packed.chunks(7) {
            int(&mut out, c.len() as i64);
            out.extend_from_slice(c);
        }
        int(&mut out, 0);
        out
    }

    fn entries() -> Vec<Entry<'static>> {
        vec![
            Entry {
                id: 1,
                data: false,
                tag: "ENCODING",
                desc: "ENCODING",
                section: SECTION_PRE_DATA,
                defn: "SET client_encoding = 'UTF8';\n",
                copy: None,
            },
            Entry {
                id: 5,
                data: false,
                tag: "cards",
                desc: "TABLE",
                section: SECTION_PRE_DATA,
                defn: "CREATE TABLE public.cards (\n    id integer NOT NULL,\n    pan text\n);\n",
                copy: None,
            },
            Entry {
                id: 9,
                data: true,
                tag: "cards",
                desc: "TABLE DATA",
                section: 3,
                defn: "",
                copy: Some("COPY public.cards (id, pan) FROM stdin;\n"),
            },
            Entry {
                id: 10,
                data: true,
                tag: "BLOBS",
                desc: "BLOBS",
                section: 3,
                defn: "",
                copy: None,
            },
            Entry {
                id: 12,
                data: false,
                tag: "cards cards_pkey",
                desc: "CONSTRAINT",
                section: 4,
                defn:
                    "ALTER TABLE ONLY public.cards\n    ADD CONSTRAINT cards_pkey PRIMARY KEY (id);",
                copy: None,
            },
        ]
    }

    const ROWS: &[u8] = b"1\t4111111111111111\n2\t\\N\n";

    fn blocks(algo: u8) -> Vec<u8> {
        let mut b = vec![BLK_DATA];
        int(&mut b, 9);
        b.extend(chunks(algo, ROWS));
        b.push(BLK_BLOBS);
        int(&mut b, 10);
        int(&mut b, 16385);
        b.extend(chunks(algo, b"a large object"));
        int(&mut b, 0);
        b
    }

    /// The script read from an archive, or the error that ended it.
    fn script(bytes: &[u8]) -> io::Result<Vec<u8>> {
        let mut reader = Reader {
            src: Box::new(Cursor::new(bytes)),
            int_size: 4,
            minor: 0,
            budget: 1 << 20,
        };
        let header = reader.header()?;
        let toc = reader.toc(&header)?;
        let mut pre = BANNER.to_vec();
        pre.extend_from_slice(&toc.pre);
        let mut s = Script {
            out: Cursor::new(pre),
            post: Some(toc.post),
            phase: Phase::Blocks(reader.src),
            toc: toc.data,
            header,
            window_log: 27,
        };
        let mut out = Vec::new();
        s.read_to_end(&mut out)?;
        Ok(out)
    }

    const WANT: &str = "-- PostgreSQL database dump, read from a pg_dump custom-format archive\n\
        SET client_encoding = 'UTF8';\n\n\
        CREATE TABLE public.cards (\n    id integer NOT NULL,\n    pan text\n);\n\n\
        COPY public.cards (id, pan) FROM stdin;\n\
        1\t4111111111111111\n2\t\\N\n\\.\n\n\
        -- data for BLOBS public.BLOBS\n\
        -- large object 16385\na large object\n\
        ALTER TABLE ONLY public.cards\n    ADD CONSTRAINT cards_pkey PRIMARY KEY (id);\n\n";

    #[test]
    fn every_known_version_and_compression_reads_as_the_restore_script() {
        for (minor, algo) in [
            (11, 0),
            (12, 1),
            (14, 0),
            (14, 1),
            (15, 1),
            (15, 2),
            (15, 3),
            (16, 0),
            (16, 3),
        ] {
            let a = archive(minor, algo, &entries(), &blocks(algo));
            let got = script(&a).unwrap_or_else(|e| panic!("1.{minor} algo {algo}: {e}"));
            assert_eq!(
                String::from_utf8(got).unwrap(),
                WANT,
                "1.{minor} algo {algo}"
            );
        }
    }

    #[test]
    fn a_tar_or_directory_toc_names_the_table_of_each_data_file() {
        use crate::detect::{Detector, Scratch};
        use crate::fingerprint::{Fingerprinter, KeySource};
        let det = Detector::new(Fingerprinter::new(b"0123456789abcdef", KeySource::Env));
        for format in [TAR, DIRECTORY] {
            for minor in [12, 14, 16] {
                let toc = toc_dat(format, minor, &entries());
                assert!(sniff_toc(&toc) && !sniff(&toc));
                let files = DataFiles::read(&toc, 1 << 20).unwrap();
                // 10.dat holds large objects (no COPY); 11 is no data entry.
                assert!(files.attributor("10.dat").is_none());
                assert!(files.attributor("11.dat").is_none());
                let mut attr = files.attributor("9.dat").expect("the rows of cards");
                let mut scratch = Scratch::default();
                let got = crate::source::Reader::new(4096).scan(
                    &det,
                    &mut scratch,
                    ROWS,
                    10,
                    Some(&mut attr),
                    |_| true,
                );
                assert_eq!(got.hits.len(), 1);
                let loc = got.hits[0].location.as_ref().unwrap();
                let at = format!("format {format} 1.{minor}: {loc:?}");
                assert_eq!(loc["table"], "cards", "{at}");
                assert_eq!(loc["column"], "pan", "{at}");
                assert_eq!(loc["row"], 1, "{at}");
                assert_eq!(loc["pk"], "1", "{at}");
            }
        }
        // A custom-format archive is no toc.dat; a cut one is an error.
        let custom = archive(14, 0, &entries(), &blocks(0));
        assert!(!sniff_toc(&custom));
        assert!(DataFiles::read(&custom, 1 << 20).is_err());
        let toc = toc_dat(TAR, 14, &entries());
        assert!(DataFiles::read(&toc[..toc.len() - 3], 1 << 20).is_err());
        assert!(DataFiles::read(&toc, 10).is_err()); // over the budget
    }

    #[test]
    fn a_directory_archive_s_data_files_are_known_by_their_toc() {
        let tmp = tempfile::tempdir().unwrap();
        let (dump, other) = (tmp.path().join("dump"), tmp.path().join("other"));
        std::fs::create_dir_all(&dump).unwrap();
        std::fs::create_dir_all(&other).unwrap();
        std::fs::write(dump.join("toc.dat"), toc_dat(DIRECTORY, 14, &entries())).unwrap();
        // Another directory's toc.dat is no pg_dump one.
        std::fs::write(other.join("toc.dat"), b"not a table of contents").unwrap();
        let mut dirs = Directories::default();
        let table = |dirs: &mut Directories, p: &Path| dirs.rows(p, 1 << 20).map(|_| true);
        for (path, want) in [
            (dump.join("9.dat.gz"), Some(true)),
            (dump.join("9.dat"), Some(true)),
            (other.join("9.dat.gz"), None),
            (dump.join("9.dat.zst"), Some(true)),
            (dump.join("9.dat.lz4"), Some(true)),
            (dump.join("10.dat.gz"), None), // large objects: no COPY
            (dump.join("x9.dat.gz"), None),
            (dump.join(".dat.gz"), None),
            (dump.join("9.dat.bz2"), None),
            (dump.join("toc.dat"), None),
            (tmp.path().join("9.dat.gz"), None),
        ] {
            assert_eq!(table(&mut dirs, &path), want, "{}", path.display());
        }
        // Over the budget: not read.
        assert!(Directories::default()
            .rows(&dump.join("9.dat.gz"), 10)
            .is_none());
    }

    #[test]
    fn the_sniffer_takes_only_the_custom_format() {
        let a = archive(14, 1, &entries(), &blocks(1));
        assert!(sniff(&a));
        let mut dir = a.clone();
        dir[10] = 5; // the directory format's toc.dat
        assert!(!sniff(&dir));
        assert!(!sniff(b"PGDMP"));
        assert!(!sniff(b"-- PostgreSQL database dump\n"));
    }

    #[test]
    fn damage_is_an_error_after_what_was_read() {
        let a = archive(14, 0, &entries(), &blocks(0));
        // Cut inside the rows: the script up to the cut, then an error.
        let at = a.windows(4).position(|w| w == b"4111").unwrap() + 40;
        let mut s = Reader {
            src: Box::new(Cursor::new(&a[..at])),
            int_size: 4,
            minor: 0,
            budget: 1 << 20,
        };
        let h = s.header().unwrap();
        let toc = s.toc(&h).unwrap();
        let mut cut = Script {
            out: Cursor::new(Vec::new()),
            post: Some(toc.post),
            phase: Phase::Blocks(s.src),
            toc: toc.data,
            header: h,
            window_log: 27,
        };
        let mut out = Vec::new();
        let mut buf = [0u8; 5];
        let err = loop {
            match cut.read(&mut buf) {
                Ok(0) => panic!("no error"),
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) => break e,
            }
        };
        assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{err}");
        assert!(out.windows(16).any(|w| w == b"4111111111111111"));
        // A corrupt zlib stream, an unknown block type, an unknown version.
        let mut z = archive(14, 1, &entries(), &blocks(1));
        let n = z.len();
        z[n - 40] ^= 0x55;
        assert!(script(&z).is_err());
        let mut t = archive(14, 0, &entries(), &[]);
        t.extend_from_slice(&[7, 0, 9, 0, 0, 0]);
        assert!(script(&t)
            .unwrap_err()
            .to_string()
            .contains("unknown type 7"));
        let v = archive(17, 0, &entries(), &blocks(0));
        assert_eq!(script(&v).unwrap_err().kind(), io::ErrorKind::Unsupported);
    }

    #[test]
    fn a_toc_over_the_budget_is_a_limit() {
        let a = archive(14, 0, &entries(), &blocks(0));
        let mut r = Reader {
            src: Box::new(Cursor::new(&a[..])),
            int_size: 4,
            minor: 0,
            budget: 40,
        };
        let h = r.header().unwrap();
        let e = r.toc(&h).unwrap_err();
        assert!(
            e.get_ref().unwrap().downcast_ref::<LimitHit>().is_some(),
            "{e}"
        );
    }
}
