//! Archives: tar (plain or inside any compressed stream) and zip (with
//! everything built on it: jar/war, docx/xlsx/pptx, odt/ods). Each regular
//! member goes back through [`super::node`], so members nest to any mix.
//! Office documents are recognised from their member names and handed to
//! [`super::office`] for their text; their other members (media, embedded
//! workbooks) are scanned like any member. Encrypted zip entries are
//! reported as such, never guessed at; a corrupt archive is read as far as
//! it goes and the rest reported.

use std::cell::Cell;
use std::io::{self, Cursor, Read, Seek};
use std::rc::Rc;

use zip::result::ZipError;
use zip::ZipArchive;

use super::limits::{Consumed, Guard, Limit, LimitHit};
use super::{
    classify, le_u16, le_u32, le_u64, member_path, node, office, pgdump, skip_error, Ctx, Sink, Top,
};
use crate::coverage::Reason;
use crate::redact;

/// A tar stream: each regular member in turn. In a pg_dump tar archive
/// (`pg_dump -Ft`), whose `toc.dat` comes first, each table's data file
/// (`3345.dat`) is read with the table's `COPY` statement from it, so its
/// numbers get their table, column, row and key ([`pgdump::DataFiles`]).
pub fn tar(
    cx: &Ctx,
    top: &Top,
    sink: &mut dyn Sink,
    path: &str,
    depth: u32,
    r: &mut dyn Read,
) -> bool {
    let budget = Rc::new(Cell::new(None));
    let mut ar = tar::Archive::new(HeaderBudget {
        inner: r,
        left: Rc::clone(&budget),
    });
    let mut entries = match ar.entries() {
        Ok(e) => e,
        Err(e) => {
            skip_error(sink, path, &e, None);
            return false;
        }
    };
    let mut ok = true;
    let mut members = 0u64;
    let mut last = String::new();
    let mut pg: Option<pgdump::DataFiles> = None;
    loop {
        // What the tar crate reads to find the next member (headers, and
        // GNU long names and PAX records, which it holds whole) may not
        // pass the buffer limit: a 40 MB tar.gz can declare an 8 GiB name.
        budget.set(Some(cx.limits.max_buffer + HEADER_SLACK));
        let entry = entries.next();
        let over = budget.replace(None) == Some(0);
        let Some(entry) = entry else { break };
        let mut entry = match entry {
            Ok(e) => e,
            Err(_) if over => {
                let hit = LimitHit::new(
                    Limit::Buffer,
                    format!(
                        "a tar header (GNU long name or PAX record) over {} bytes{}; \
                         members after it not scanned",
                        cx.limits.max_buffer,
                        if last.is_empty() {
                            String::new()
                        } else {
                            format!(", after member {last}")
                        }
                    ),
                );
                sink.skip(path, Reason::Limit, hit.to_string(), None);
                return false;
            }
            Err(e) => {
                let (mut reason, mut detail) = classify(&e);
                // The tar crate's own errors (a bad header, an archive
                // ending inside a member) carry no OS error: the archive
                // is damaged, not the disk.
                if reason == Reason::IoError && e.raw_os_error().is_none() {
                    reason = Reason::Corrupt;
                }
                if reason == Reason::Corrupt || reason == Reason::IoError {
                    detail = if last.is_empty() {
                        format!("tar: {detail}")
                    } else {
                        format!("tar: {detail} (after member {last})")
                    };
                }
                sink.skip(path, reason, detail, None);
                return false;
            }
        };
        let kind = entry.header().entry_type();
        if !(kind.is_file() || kind.is_contiguous() || kind.is_gnu_sparse()) {
            continue;
        }
        if too_many(cx, sink, path, members, None) {
            return false;
        }
        members += 1;
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        last = super::member_name(&name);
        let mpath = member_path(path, &name);
        // The tar crate ends a member quietly where the archive ends: a
        // member cut short must not count as read to its end.
        let exact = kind.is_file() || kind.is_contiguous();
        let size = if exact { entry.size() } else { u64::MAX };
        let mut member = Exact::new(&mut entry, size, "tar");
        let base = name.rsplit('/').next().unwrap_or_default();
        let structure = cx.limits.structure;
        if structure && base == "toc.dat" && pg.is_none() && size <= cx.limits.max_buffer {
            match super::buffer(cx, &mut member) {
                Ok(Ok(toc)) => {
                    pg = pgdump::DataFiles::read(&toc, cx.limits.max_buffer).ok();
                    ok &= node(cx, top, sink, &mpath, depth + 1, &mut Cursor::new(toc));
                }
                Ok(Err(got)) => {
                    let mut rest = Cursor::new(got).chain(&mut member);
                    ok &= node(cx, top, sink, &mpath, depth + 1, &mut rest);
                }
                Err(e) => {
                    skip_error(sink, &mpath, &e, None);
                    ok = false;
                }
            }
        } else if let Some(attr) = pg.as_ref().and_then(|p| p.attributor(base)) {
            let attr = Some(Box::new(attr) as Box<dyn crate::structured::Attributor>);
            ok &= super::leaf_with(sink, &mpath, depth + 1, &mut member, attr);
        } else {
            ok &= node(cx, top, sink, &mpath, depth + 1, &mut member);
        }
        if sink.stopped() {
            return false;
        }
        // What the member left unread is skipped here, not by the tar
        // crate within the header budget. An error reading it shows again
        // at the next header.
        let _ = io::copy(&mut entry, &mut io::sink());
    }
    ok
}

/// Whether `head` starts an `ar` archive (Debian packages, static
/// libraries) with a member header after its magic, or an empty one.
pub fn is_ar(head: &[u8]) -> bool {
    head.starts_with(b"!<arch>\n") && (head.len() == 8 || head.get(66..68) == Some(b"`\n"))
}

/// An `ar` archive (a Debian package's `control.tar.xz` and `data.tar.xz`,
/// a static library's objects): each member in turn through the container
/// layer. The layout (60-byte headers, GNU `//` long names and `/N`
/// references, BSD `#1/N` names in the data, members padded to even
/// offsets) is read here rather than by the `ar` crate, which allocates
/// whatever size a name table declares before reading it.
pub fn ar(
    cx: &Ctx,
    top: &Top,
    sink: &mut dyn Sink,
    path: &str,
    depth: u32,
    r: &mut dyn Read,
) -> bool {
    let mut magic = [0u8; 8];
    if let Err(e) = r.read_exact(&mut magic) {
        skip_error(sink, path, &e, None);
        return false;
    }
    let mut names: Vec<u8> = Vec::new();
    let mut members = 0u64;
    let mut ok = true;
    loop {
        let mut h = [0u8; 60];
        match crate::source::read_full(r, &mut h) {
            (_, Some(e)) => {
                skip_error(sink, path, &e, None);
                return false;
            }
            (0, None) => return ok,
            (60, None) if &h[58..60] == b"`\n" => {}
            (n, None) => {
                let e = io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("ar: a bad member header ({n} bytes) after {members} members"),
                );
                skip_error(sink, path, &e, None);
                return false;
            }
        }
        let field = |a: usize, b: usize| String::from_utf8_lossy(&h[a..b]).trim_end().to_string();
        let Ok(size) = field(48, 58).parse::<u64>() else {
            let e = io::Error::new(
                io::ErrorKind::InvalidData,
                format!("ar: a member size that is not a number, after {members} members"),
            );
            skip_error(sink, path, &e, None);
            return false;
        };
        let raw = field(0, 16);
        let mut data = (&mut *r).take(size);
        let name = if raw == "//" {
            // GNU's table of long names, kept (up to the buffer limit).
            names.clear();
            if size > cx.limits.max_buffer {
                let hit = LimitHit::new(
                    Limit::Buffer,
                    format!("ar: a long-name table of {size} bytes; members after it not scanned"),
                );
                sink.skip(path, Reason::Limit, hit.to_string(), None);
                return false;
            }
            if let Err(e) = data.read_to_end(&mut names) {
                skip_error(sink, path, &e, None);
                return false;
            }
            None
        } else if raw == "/" || raw == "/SYM64/" || raw.starts_with("__.SYMDEF") {
            None // the symbol index: names of symbols, not a file
        } else if let Some(n) = raw.strip_prefix("#1/").and_then(|n| n.parse::<u64>().ok()) {
            // BSD: the name is the data's first n bytes.
            let mut name = Vec::new();
            let _ = (&mut data).take(n.min(4096)).read_to_end(&mut name);
            let _ = io::copy(
                &mut (&mut data).take(n.saturating_sub(4096)),
                &mut io::sink(),
            );
            let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
            Some(String::from_utf8_lossy(&name[..end]).into_owned())
        } else if let Some(at) = raw.strip_prefix('/').and_then(|n| n.parse::<usize>().ok()) {
            let rest = names.get(at..).unwrap_or_default();
            let end = rest
                .windows(2)
                .position(|w| w == b"/\n")
                .or_else(|| rest.iter().position(|&b| b == b'\n'))
                .unwrap_or(rest.len());
            Some(String::from_utf8_lossy(&rest[..end]).into_owned())
        } else {
            Some(raw.strip_suffix('/').unwrap_or(&raw).to_string())
        };
        if let Some(name) = name {
            if too_many(cx, sink, path, members, None) {
                return false;
            }
            members += 1;
            let left = data.limit();
            let mut member = Exact::new(&mut data, left, "ar");
            ok &= node(
                cx,
                top,
                sink,
                &member_path(path, &name),
                depth + 1,
                &mut member,
            );
            if sink.stopped() {
                return false;
            }
        }
        // The rest of the member, and the padding to an even offset.
        let pad = size % 2;
        if let Err(e) = io::copy(&mut data, &mut io::sink())
            .and_then(|_| io::copy(&mut (&mut *r).take(pad), &mut io::sink()))
        {
            skip_error(sink, path, &e, None);
            return false;
        }
    }
}

/// Room in the header budget for the 512-byte headers and padding that go
/// with a long name.
const HEADER_SLACK: u64 = 64 << 10;

/// The reader under a tar archive. While `left` is `Some(n)` (the tar
/// crate is looking for the next member), at most `n` more bytes may be
/// read; past them a read fails and `left` stays `Some(0)`.
struct HeaderBudget<R> {
    inner: R,
    left: Rc<Cell<Option<u64>>>,
}

impl<R: Read> Read for HeaderBudget<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(left) = self.left.get() else {
            return self.inner.read(buf);
        };
        if left == 0 && !buf.is_empty() {
            return Err(io::Error::other("tar header over the buffer limit"));
        }
        let take = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..take])?;
        self.left.set(Some(left - n as u64));
        Ok(n)
    }
}

/// A member that must hold `size` bytes: an end of stream before that is
/// an error ([`io::ErrorKind::UnexpectedEof`], reported `corrupt`).
struct Exact<R> {
    inner: R,
    size: u64,
    read: u64,
    /// The archive format, for the error.
    what: &'static str,
}

impl<R> Exact<R> {
    fn new(inner: R, size: u64, what: &'static str) -> Self {
        Exact {
            inner,
            size,
            read: 0,
            what,
        }
    }
}

impl<R: Read> Read for Exact<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if n == 0 && !buf.is_empty() && self.read < self.size && self.size != u64::MAX {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "{} member cut short: {} of {} bytes",
                    self.what, self.read, self.size
                ),
            ));
        }
        Ok(n)
    }
}

/// Whether an archive has given all the members the limit allows (then
/// says so in a coverage record, with the members its index `listed`, when
/// one was read).
pub(super) fn too_many(
    cx: &Ctx,
    sink: &mut dyn Sink,
    path: &str,
    members: u64,
    listed: Option<u64>,
) -> bool {
    if members < cx.limits.max_members {
        return false;
    }
    let listed = listed.map_or(String::new(), |n| format!(" of the {n} it lists"));
    let hit = LimitHit::new(
        Limit::Members,
        format!("members after the first {members}{listed} not scanned"),
    );
    sink.skip(path, Reason::Limit, hit.to_string(), None);
    true
}

/// Memory the zip crate takes per central directory entry, rounded up
/// (measured: about 210 bytes with short names).
const ENTRY_COST: u64 = 256;

/// A zip on disk (or any seekable source): its central directory is read,
/// members are opened in place. The zip crate holds every entry of the
/// central directory in memory; a zip of more entries than `--max-members`
/// or than the memory bound allows is read from its local headers instead.
pub fn zip_seekable<R: Read + Seek>(
    cx: &Ctx,
    top: &Top,
    sink: &mut dyn Sink,
    path: &str,
    depth: u32,
    mut src: R,
) -> bool {
    let memory = cx.limits.max_buffer.max(super::DECODER_MEMORY);
    let entries = central_directory_entries(&mut src).unwrap_or(0);
    if entries > cx.limits.max_members || entries.saturating_mul(ENTRY_COST) > memory {
        if src.rewind().is_err() {
            return false;
        }
        return zip_local_headers(cx, top, sink, path, depth, &mut src, Some(entries));
    }
    if src.rewind().is_err() {
        return false;
    }
    let mut ar = match ZipArchive::new(&mut src) {
        Ok(a) => a,
        Err(e) => {
            // No usable central directory (truncated, damaged): read the
            // members one after the other from their local headers.
            sink.skip(path, Reason::Corrupt, zip_detail(&e), None);
            if src.rewind().is_err() {
                return false;
            }
            zip_local_headers(cx, top, sink, path, depth, &mut src, None);
            return false;
        }
    };
    zip_members(cx, top, sink, path, depth, &mut ar)
}

/// An upper bound on the entries of a zip's central directory, from its end
/// records (zip64 included): the entry count they declare, or one entry per
/// 46 bytes of the directory (an entry's fixed part), whichever is lower.
/// `None` without an end record (the zip crate then says what is wrong).
fn central_directory_entries<R: Read + Seek>(src: &mut R) -> Option<u64> {
    use io::SeekFrom;
    let len = src.seek(SeekFrom::End(0)).ok()?;
    // The end record (22 bytes) and its comment (up to 65,535 bytes), and
    // the zip64 locator (20 bytes) before it.
    let tail = len.min(22 + 65_535 + 20);
    src.seek(SeekFrom::Start(len - tail)).ok()?;
    let mut buf = vec![0; tail as usize];
    src.read_exact(&mut buf).ok()?;
    let at = memchr::memmem::rfind(&buf, b"PK\x05\x06")?;
    let eocd = buf.get(at..at + 22)?;
    let (mut entries, mut size) = (u64::from(le_u16(eocd, 10)?), u64::from(le_u32(eocd, 12)?));
    if entries == 0xFFFF || size == 0xFFFF_FFFF {
        // Zip64: the locator just before the end record gives the offset
        // of the zip64 end record.
        let loc = buf.get(at.checked_sub(20)?..at)?;
        if &loc[..4] != b"PK\x06\x07" {
            return None;
        }
        src.seek(SeekFrom::Start(le_u64(loc, 8)?)).ok()?;
        let mut rec = [0u8; 56];
        src.read_exact(&mut rec).ok()?;
        if &rec[..4] != b"PK\x06\x06" {
            return None;
        }
        (entries, size) = (le_u64(&rec, 32)?, le_u64(&rec, 40)?);
    }
    Some(entries.min(size / 46))
}

/// A zip inside another container: held in memory if it fits the buffer
/// limit (random access), read member by member from its local headers if
/// not.
pub fn zip_stream(
    cx: &Ctx,
    top: &Top,
    sink: &mut dyn Sink,
    path: &str,
    depth: u32,
    r: &mut dyn Read,
) -> bool {
    match super::buffer(cx, r) {
        Ok(Ok(bytes)) => zip_seekable(cx, top, sink, path, depth, Cursor::new(bytes)),
        Ok(Err(got)) => {
            let mut all = Cursor::new(got).chain(r);
            zip_local_headers(cx, top, sink, path, depth, &mut all, None)
        }
        Err(e) => {
            skip_error(sink, path, &e, None);
            false
        }
    }
}

/// Reads a zip front to back from its local file headers: for zips too big
/// to hold or to list, and for damaged ones without a central directory.
/// `listed`: the entries its end record declares, if that was read.
fn zip_local_headers(
    cx: &Ctx,
    top: &Top,
    sink: &mut dyn Sink,
    path: &str,
    depth: u32,
    mut r: &mut dyn Read,
    listed: Option<u64>,
) -> bool {
    let mut members = 0u64;
    let mut ok = true;
    loop {
        let mut file = match zip::read::read_zipfile_from_stream(&mut r) {
            Ok(Some(f)) => f,
            Ok(None) => return ok,
            Err(e) => {
                sink.skip(path, reason_of(&e), zip_detail(&e), None);
                return false;
            }
        };
        if !file.is_file() {
            continue;
        }
        let name = file
            .name()
            .map(|n| n.into_owned())
            .unwrap_or_else(|_| format!("member-{members}"));
        let mpath = member_path(path, &name);
        if too_many(cx, sink, path, members, listed) {
            return false;
        }
        members += 1;
        if file.encrypted() {
            sink.skip(
                &mpath,
                Reason::Encrypted,
                "encrypted zip entry".into(),
                None,
            );
            ok = false;
            continue;
        }
        let compressed = file.compressed_size();
        let mut g = Guard::new(cx, top, &mut file, Consumed::Known(compressed));
        ok &= node(cx, top, sink, &mpath, depth + 1, &mut g);
        // Whatever the member's scan left unread (a limit stopped it) goes
        // before the next header: dropping the member skips its compressed
        // bytes. Reading them through the decompressor would expand a bomb
        // the limit just stopped (gigabytes from a few hundred bytes).
        drop(file);
        if sink.stopped() {
            return false;
        }
    }
}

/// The members of an open zip.
fn zip_members<R: Read + Seek>(
    cx: &Ctx,
    top: &Top,
    sink: &mut dyn Sink,
    path: &str,
    depth: u32,
    ar: &mut ZipArchive<R>,
) -> bool {
    let mut ok = true;
    // Office documents: their text first; `done` are the members it read.
    let done = match office::detect(ar) {
        Some(kind) => {
            let (done, office_ok) = office::scan(cx, top, sink, path, ar, kind);
            ok &= office_ok;
            done
        }
        None => Vec::new(),
    };
    let mut members = 0u64;
    for i in 0..ar.len() {
        if done.contains(&i) {
            continue;
        }
        let (name, is_file, encrypted, compressed) = match ar.by_index_raw(i) {
            Ok(f) => (
                f.name()
                    .map(|n| n.into_owned())
                    .unwrap_or_else(|_| format!("member-{i}")),
                f.is_file(),
                f.encrypted(),
                f.compressed_size(),
            ),
            Err(e) => {
                sink.skip(
                    path,
                    reason_of(&e),
                    format!("member {i}: {}", zip_detail(&e)),
                    None,
                );
                ok = false;
                continue;
            }
        };
        if !is_file {
            continue;
        }
        let mpath = member_path(path, &name);
        if members >= cx.limits.max_members {
            let hit = LimitHit::new(
                Limit::Members,
                format!("{} of {} members not scanned", ar.len() - i, ar.len()),
            );
            sink.skip(path, Reason::Limit, hit.to_string(), None);
            return false;
        }
        members += 1;
        if encrypted {
            sink.skip(
                &mpath,
                Reason::Encrypted,
                "encrypted zip entry".into(),
                None,
            );
            ok = false;
            continue;
        }
        match ar.by_index(i) {
            Ok(mut f) => {
                let mut g = Guard::new(cx, top, &mut f, Consumed::Known(compressed));
                ok &= node(cx, top, sink, &mpath, depth + 1, &mut g);
            }
            Err(e) => {
                sink.skip(&mpath, reason_of(&e), zip_detail(&e), None);
                ok = false;
            }
        }
        if sink.stopped() {
            return false;
        }
    }
    ok
}

/// Opens member `i` of a zip for a reader of its own (office text), with
/// the limits on it.
pub fn open_member<'a, R: Read + Seek>(
    ar: &'a mut ZipArchive<R>,
    i: usize,
) -> Result<zip::read::ZipFile<'a, R>, (Reason, String)> {
    let encrypted = ar.by_index_raw(i).map(|f| f.encrypted()).unwrap_or(false);
    if encrypted {
        return Err((Reason::Encrypted, "encrypted zip entry".into()));
    }
    ar.by_index(i).map_err(|e| (reason_of(&e), zip_detail(&e)))
}

/// The coverage reason of a zip error.
pub fn reason_of(e: &ZipError) -> Reason {
    match e {
        ZipError::UnsupportedArchive(m) if *m == ZipError::PASSWORD_REQUIRED => Reason::Encrypted,
        ZipError::UnsupportedArchive(_) | ZipError::CompressionMethodNotSupported(_) => {
            Reason::Unsupported
        }
        ZipError::Io(io) => classify(io).0,
        _ => Reason::Corrupt,
    }
}

/// A zip error's message, with PAN-like digits masked.
pub fn zip_detail(e: &ZipError) -> String {
    redact::text(&format!("zip: {e}")).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn central_directory_entries_come_from_the_end_record() {
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let o = zip::write::SimpleFileOptions::default();
        for name in ["a", "b", "c"] {
            z.start_file(name, o).unwrap();
            z.write_all(b"x").unwrap();
        }
        z.set_comment("a comment after the end record's fixed part")
            .unwrap();
        let bytes = z.finish().unwrap().into_inner();
        assert_eq!(central_directory_entries(&mut Cursor::new(&bytes)), Some(3));
        // A declared count larger than the directory can hold: the size wins.
        let mut lying = bytes.clone();
        let at = memchr::memmem::rfind(&lying, b"PK\x05\x06").unwrap();
        lying[at + 10..at + 12].copy_from_slice(&60_000u16.to_le_bytes());
        let size = u32::from_le_bytes(lying[at + 12..at + 16].try_into().unwrap());
        assert_eq!(
            central_directory_entries(&mut Cursor::new(&lying)),
            Some(u64::from(size) / 46)
        );
        assert_eq!(
            central_directory_entries(&mut Cursor::new(b"not a zip")),
            None
        );
    }
}
