//! Reading: opens files read-only (with `O_NOATIME` where the kernel allows,
//! `O_NONBLOCK` so a FIFO swapped in after the walk cannot hang us, and a
//! check after opening that it really is a regular file), and feeds any
//! byte stream to the detector in fixed-size overlapping buffers. Memory per
//! thread is one buffer whatever the size of the file or of its lines; a
//! number across a buffer edge is found exactly once (see `detect.rs`).
//! Line numbers are counted on the way by the kernel. The holes of a sparse
//! file (zeros the filesystem does not store) are found with `SEEK_DATA` and
//! not read ([`Holes`]).

use std::ffi::CString;
use std::fs::File;
use std::io::{self, Read, Seek};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileExt, FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::container::Location;
use crate::detect::{Detector, Hit, Region, Scratch, CONTEXT_AFTER, CONTEXT_BEFORE};
use crate::structured::{Attributor, Extra};

/// New bytes read per buffer. 128 KiB keeps the buffer in L2.
pub const CHUNK: usize = 128 * 1024;

/// A hit with its place in the file.
#[derive(Clone, Debug)]
pub struct Located {
    pub hit: Hit,
    pub offset: u64,
    pub line: u64,
    pub column: u64,
    /// Where in structured data (table and column, JSON path, ...).
    pub location: Option<Location>,
}

/// What scanning one stream gave.
#[derive(Debug, Default)]
pub struct Scanned {
    pub hits: Vec<Located>,
    /// Bytes read and scanned.
    pub bytes: u64,
    /// Bytes of holes (a sparse file's unstored zeros, see [`Holes`])
    /// passed over without being read: zeros hold no card data and, at
    /// [`CONTEXT_BEFORE`] + [`CONTEXT_AFTER`] bytes or more, no context.
    pub holes: u64,
    /// Hits beyond the per-file limit, counted but not kept.
    pub omitted: u64,
    /// Of those, how many were card data (a PAN or track, not a test PAN).
    pub omitted_card_data: u64,
    /// The read error that cut the stream short, if any.
    pub error: Option<io::Error>,
    /// Findings the attributor added (CVV beside a PAN, schema fields).
    pub extras: Vec<Extra>,
}

/// A reusable reader: one buffer per thread.
pub struct Reader {
    buf: Vec<u8>,
}

impl Default for Reader {
    fn default() -> Self {
        Reader::new(CHUNK)
    }
}

impl Reader {
    pub fn new(chunk: usize) -> Reader {
        Reader {
            buf: vec![0; chunk + CONTEXT_BEFORE + CONTEXT_AFTER],
        }
    }

    /// Scans a stream to its end. `max_hits` bounds the hits kept (the rest
    /// are counted); `attr` places hits in the stream's structure;
    /// `progress` is called with the bytes of each buffer, and stops the
    /// scan (error [`Stopped`]) when it returns false: a buffer read is
    /// always scanned, nothing after it is read.
    pub fn scan<R: Read>(
        &mut self,
        det: &Detector,
        scratch: &mut Scratch,
        mut rdr: R,
        max_hits: usize,
        mut attr: Option<&mut dyn Attributor>,
        mut progress: impl FnMut(u64) -> bool,
    ) -> Scanned {
        let cap = self.buf.len();
        let mut out = Scanned::default();
        let mut hits: Vec<Hit> = Vec::new();
        let mut carried = 0usize;
        let mut scan_start = 0usize;
        let mut base = 0u64; // file offset of buf[0]
        let mut lines_before = 0u64; // newlines before buf[scan_start]
        let mut last_nl: Option<u64> = None; // last newline before that
        let mut zeros = 0u64; // of a hole, not yet in the buffer
        loop {
            // Fill the buffer: a hole's zeros, then the stream.
            let mut len = carried;
            let (mut err, mut eof) = (None, false);
            loop {
                if zeros > 0 {
                    if attr.is_none() && len == carried && self.buf[..len].iter().all(|&b| b == 0) {
                        // Only zeros since the last byte that was not one:
                        // the buffer's bytes may as well be the hole's last
                        // ones, so the rest of the hole is passed over. (An
                        // attributor follows every byte, and gets them.)
                        base += zeros;
                        out.holes += zeros;
                        zeros = 0;
                    } else {
                        let z = zeros.min((cap - len) as u64) as usize;
                        self.buf[len..len + z].fill(0);
                        len += z;
                        zeros -= z as u64;
                        if len == cap {
                            break;
                        }
                    }
                }
                let (n, e) = read_full(&mut rdr, &mut self.buf[len..cap]);
                len += n;
                match e.as_ref().and_then(hole_len) {
                    Some(hole) => zeros = hole,
                    None => {
                        eof = e.is_some() || len < cap;
                        err = e;
                        break;
                    }
                }
            }
            let emit_end = if eof { len } else { len - CONTEXT_AFTER };
            let buf = &self.buf[..len];
            let r = Region {
                scan_start,
                emit_end,
            };
            hits.clear();
            let stats = det.scan(buf, r, scratch, &mut hits);
            if let Some(a) = attr.as_deref_mut() {
                a.find(det, buf, r, &mut hits);
            }
            hits.sort_by_key(|h| h.offset);
            // Lines and columns of this buffer's hits.
            let mut counted_to = scan_start;
            let mut line = lines_before;
            for mut h in hits.drain(..) {
                if out.hits.len() >= max_hits {
                    out.omitted += 1;
                    if h.kind.is_card_data() && !h.test_pan {
                        out.omitted_card_data += 1;
                    }
                    continue;
                }
                line += memchr::memchr_iter(b'\n', &buf[counted_to..h.offset]).count() as u64;
                counted_to = h.offset;
                let abs = base + h.offset as u64;
                let column = match memchr::memrchr(b'\n', &buf[..h.offset]) {
                    Some(i) => (h.offset - i) as u64,
                    None => match last_nl {
                        Some(x) => abs - x,
                        None => abs + 1,
                    },
                };
                let location = match attr.as_deref_mut() {
                    Some(a) => a.locate(buf, base, h.offset, line + 1, &mut h, &mut out.extras),
                    None => None,
                };
                out.hits.push(Located {
                    hit: h,
                    offset: abs,
                    line: line + 1,
                    column,
                    location,
                });
            }
            if let Some(a) = attr.as_deref_mut() {
                a.advance(buf, base, emit_end, eof);
            }
            lines_before += stats.newlines;
            if let Some(i) = stats.last_newline {
                last_nl = Some(base + (scan_start + i) as u64);
            }
            let scanned = (emit_end - scan_start) as u64;
            out.bytes += scanned;
            let go_on = progress(scanned);
            if eof {
                out.error = err;
                break;
            }
            if !go_on {
                out.error = Some(io::Error::other(Stopped));
                break;
            }
            let keep_from = emit_end.saturating_sub(CONTEXT_BEFORE);
            self.buf.copy_within(keep_from..len, 0);
            carried = len - keep_from;
            scan_start = emit_end - keep_from;
            base += keep_from as u64;
        }
        if let Some(a) = attr {
            // Facts that came after the data (pg_dump's primary keys).
            let patches = a.finish(&mut out.extras);
            for (offset, key, value) in patches {
                if let Some(l) = out.hits.iter_mut().find(|l| l.offset == offset) {
                    l.location
                        .get_or_insert_with(Location::new)
                        .insert(key, value);
                } else if let Some(e) = out.extras.iter_mut().find(|e| e.offset == offset) {
                    e.location.insert(key, value);
                }
            }
        }
        out
    }
}

/// The error of a scan told to stop (SIGINT/SIGTERM): the file or member
/// is recorded as `interrupted` with the bytes scanned before it.
#[derive(Debug)]
pub struct Stopped;

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("scan interrupted")
    }
}

impl std::error::Error for Stopped {}

/// What a [`Holes`] reader returns at a hole of a sparse file, as an
/// error: the hole's length. [`Reader::scan`] takes it as that many zeros,
/// not as an error.
#[derive(Debug)]
pub struct Hole(pub u64);

impl std::fmt::Display for Hole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a hole of {} bytes", self.0)
    }
}

impl std::error::Error for Hole {}

/// The length of the hole `e` reports, if it is a [`Hole`].
fn hole_len(e: &io::Error) -> Option<u64> {
    e.get_ref()?.downcast_ref::<Hole>().map(|h| h.0)
}

/// Holes shorter than this are read as they are (their zeros): a few
/// `lseek` calls cost more than reading a short run of zeros.
pub const MIN_HOLE: u64 = 64 * 1024;

/// Whether a file may have holes: fewer bytes allocated than it holds.
/// (Also true of files a filesystem compresses or stores inline; for them
/// [`Holes`] costs two `lseek` calls and finds no hole.)
pub fn may_be_sparse(md: &std::fs::Metadata) -> bool {
    md.blocks().saturating_mul(512) < md.len()
}

/// Reads a file from where it stands, the way a sparse file should be
/// read: each hole of [`MIN_HOLE`] bytes or more (a range the filesystem
/// stores nothing for, which reads as zeros) comes back as a [`Hole`] error
/// with its length, and reading goes on after it. `SEEK_DATA` finds where
/// data starts and `SEEK_HOLE` where it ends; a filesystem without holes
/// says all is data. A 1 TiB `/var/log/lastlog` (sparse, indexed by user
/// id) holding a few KiB of records is read in a few system calls, not
/// 1 TiB of zeros through the kernel. Reads are positioned (`pread`), so
/// the `lseek` calls, which move the file's position, do not disturb them.
pub struct Holes<'f> {
    file: &'f File,
    pos: u64,
    /// Where the data `pos` is in ends (the next hole); at or before `pos`:
    /// not known yet.
    data_end: u64,
}

impl<'f> Holes<'f> {
    pub fn new(file: &'f mut File) -> io::Result<Holes<'f>> {
        let pos = file.stream_position()?;
        Ok(Holes {
            file,
            pos,
            data_end: pos,
        })
    }

    fn seek(&self, offset: u64, whence: i32) -> io::Result<u64> {
        let offset = i64::try_from(offset).map_err(io::Error::other)?;
        // SAFETY: lseek on an fd we hold; no memory is passed.
        let r = unsafe { libc::lseek(self.file.as_raw_fd(), offset, whence) };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(r as u64)
    }
}

impl Read for Holes<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.pos >= self.data_end {
            let data = match self.seek(self.pos, libc::SEEK_DATA) {
                Ok(d) => d,
                // No data after `pos`: a hole to the end of the file, if
                // it ends after `pos`.
                Err(e) if e.raw_os_error() == Some(libc::ENXIO) => {
                    self.file.metadata()?.len().max(self.pos)
                }
                // No way to ask: all is data.
                Err(_) => {
                    self.data_end = u64::MAX;
                    return self.read(buf);
                }
            };
            // There is a hole at the end of every file (`SEEK_HOLE` says
            // where it ends); past it, reads say where the file ends.
            self.data_end = match self.seek(data, libc::SEEK_HOLE) {
                Ok(h) if h > data => h,
                _ => u64::MAX,
            };
            let hole = data.saturating_sub(self.pos);
            if hole >= MIN_HOLE {
                self.pos = data;
                return Err(io::Error::other(Hole(hole)));
            }
            // A short hole is read with the data after it.
        }
        let room = usize::try_from(self.data_end - self.pos).unwrap_or(usize::MAX);
        let want = buf.len().min(room);
        let n = self.file.read_at(&mut buf[..want], self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

/// Reads until `buf` is full, the stream ends, or an error (returned with
/// the count read before it).
pub(crate) fn read_full<R: Read + ?Sized>(
    rdr: &mut R,
    buf: &mut [u8],
) -> (usize, Option<io::Error>) {
    let mut n = 0;
    while n < buf.len() {
        match rdr.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return (n, Some(e)),
        }
    }
    (n, None)
}

/// What opening a path gave.
pub enum Opened {
    /// A regular file, whether its access time is left alone, its size
    /// when it was opened, and whether it may have holes ([`may_be_sparse`]).
    File(File, bool, u64, bool),
    /// Not a regular file after all (FIFO, socket, device, directory).
    Special(&'static str),
}

/// The directory of the last file a worker opened, held open (`O_PATH`)
/// so that the next file in it is opened relative to it with `openat`: the
/// kernel then looks up one name instead of every component of the path
/// again. A walk hands a worker a directory's files one after another, so
/// most opens hit it (the bench corpus: 14,118 files, 467 directory opens).
/// A directory renamed while it is cached still has its files opened in
/// it, the directory the walk listed, as `find` does.
#[derive(Default)]
pub struct DirCache {
    dir: Option<(PathBuf, OwnedFd)>,
}

impl DirCache {
    /// An fd of `dir` (cached, or opened now and cached); None if it cannot
    /// be opened, and the caller opens by the whole path.
    fn fd(&mut self, dir: &Path) -> Option<BorrowedFd<'_>> {
        if self.dir.as_ref().is_none_or(|(p, _)| p != dir) {
            self.dir = None;
            let fd = std::fs::OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC)
                .open(dir)
                .ok()?;
            self.dir = Some((dir.to_path_buf(), fd.into()));
        }
        self.dir.as_ref().map(|(_, fd)| fd.as_fd())
    }
}

/// Opens a path for reading, never modifying it: read-only, `O_NOATIME`
/// when permitted (the owner or CAP_FOWNER; otherwise the kernel refuses
/// and we retry without it), `O_NONBLOCK` unless `block` (a FIFO the user
/// named), close-on-exec. Non-regular files are refused unless `block`.
/// A file in the directory `dirs` holds is opened relative to it.
pub fn open(path: &Path, block: bool, dirs: &mut DirCache) -> io::Result<Opened> {
    let flags = libc::O_RDONLY | libc::O_CLOEXEC | if block { 0 } else { libc::O_NONBLOCK };
    // The directory and the name in it, when the path has both.
    let parent = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .zip(path.file_name())
        .and_then(|(d, n)| Some((dirs.fd(d)?, CString::new(n.as_bytes()).ok()?)));
    let try_open = |extra: i32| -> io::Result<File> {
        match &parent {
            Some((dir, name)) => {
                // SAFETY: `dir` is an open directory fd and `name` a
                // NUL-terminated string; a returned fd is ours to own.
                let fd = unsafe { libc::openat(dir.as_raw_fd(), name.as_ptr(), flags | extra) };
                if fd < 0 {
                    return Err(io::Error::last_os_error());
                }
                Ok(unsafe { File::from_raw_fd(fd) })
            }
            None => std::fs::OpenOptions::new()
                .read(true)
                .custom_flags(flags | extra)
                .open(path),
        }
    };
    let (file, noatime) = match try_open(libc::O_NOATIME) {
        Ok(f) => (f, true),
        Err(e) if e.raw_os_error() == Some(libc::EPERM) => (try_open(0)?, false),
        Err(e) => return Err(e),
    };
    let md = file.metadata()?;
    let ft = md.file_type();
    if ft.is_file() || (block && ft.is_fifo()) {
        Ok(Opened::File(file, noatime, md.len(), may_be_sparse(&md)))
    } else {
        Ok(Opened::Special(special_kind(&ft)))
    }
}

/// A word for a non-regular file type.
pub fn special_kind(ft: &std::fs::FileType) -> &'static str {
    if ft.is_fifo() {
        "fifo"
    } else if ft.is_socket() {
        "socket"
    } else if ft.is_block_device() {
        "block device"
    } else if ft.is_char_device() {
        "character device"
    } else if ft.is_dir() {
        "directory"
    } else if ft.is_symlink() {
        "symlink"
    } else {
        "special file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Kind;
    use crate::fingerprint::{Fingerprinter, KeySource};

    fn det() -> Detector {
        Detector::new(Fingerprinter::new(b"0123456789abcdef", KeySource::Env))
    }

    /// Scans `data` with a small chunk so that buffers are cut everywhere.
    fn scan(data: &[u8], chunk: usize) -> Scanned {
        let d = det();
        let mut s = Scratch::default();
        let mut r = Reader::new(chunk);
        r.scan(&d, &mut s, data, usize::MAX, None, |_| true)
    }

    /// Reads what `open` gave, or says why there is nothing to read.
    fn contents(path: &Path, dirs: &mut DirCache) -> String {
        match open(path, false, dirs) {
            Ok(Opened::File(mut f, _, size, _)) => {
                let mut s = String::new();
                f.read_to_string(&mut s).unwrap();
                assert_eq!(size, s.len() as u64);
                s
            }
            Ok(Opened::Special(kind)) => format!("special: {kind}"),
            Err(e) => format!("error: {:?}", e.kind()),
        }
    }

    #[test]
    fn files_open_relative_to_the_cached_directory_as_by_their_paths() {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        for (dir, name) in [(&a, "x"), (&a, "y"), (&b, "x")] {
            std::fs::write(dir.join(name), format!("{}/{name}", dir.display())).unwrap();
        }
        let mut dirs = DirCache::default();
        // Back and forth between directories, as a parallel walk goes.
        for path in [
            a.join("x"),
            a.join("y"),
            b.join("x"),
            a.join("x"),
            b.join("x"),
        ] {
            assert_eq!(contents(&path, &mut dirs), path.display().to_string());
        }
        // What cannot be opened, or is no file, says so whichever way it was opened.
        assert_eq!(contents(&a.join("none"), &mut dirs), "error: NotFound");
        assert_eq!(contents(&b, &mut dirs), "special: directory");
        assert_eq!(contents(&a.join("x/y"), &mut dirs), "error: NotADirectory");
        assert_eq!(
            contents(&tmp.path().join("gone/x"), &mut dirs),
            "error: NotFound"
        );
        // A directory renamed while its fd is cached: its files are still
        // opened in it, the directory the walk listed (as `find` does, which
        // opens files relative to a directory fd too).
        assert_eq!(
            contents(&a.join("y"), &mut dirs),
            a.join("y").display().to_string()
        );
        std::fs::rename(&a, tmp.path().join("a2")).unwrap();
        std::fs::create_dir_all(&a).unwrap();
        std::fs::write(a.join("y"), "new").unwrap();
        assert_eq!(
            contents(&a.join("y"), &mut dirs),
            a.join("y").display().to_string()
        );
        // Once another directory was opened, the path is looked up again.
        assert_eq!(
            contents(&b.join("x"), &mut dirs),
            b.join("x").display().to_string()
        );
        assert_eq!(contents(&a.join("y"), &mut dirs), "new");
    }

    #[test]
    fn every_cut_finds_each_pan_once_with_its_line() {
        let mut data = Vec::new();
        let mut want = Vec::new();
        for i in 0..300 {
            data.extend_from_slice(format!("line {i} filler text 2024-05-01 ").as_bytes());
            if i % 7 == 3 {
                want.push((data.len() as u64, i as u64 + 1));
                data.extend_from_slice(b"4532015112830366");
            }
            data.extend_from_slice(b" end\n");
        }
        for chunk in [1, 7, 64, 1000, 4096, 1 << 20] {
            let got = scan(&data, chunk);
            let seen: Vec<(u64, u64)> = got.hits.iter().map(|h| (h.offset, h.line)).collect();
            assert_eq!(seen, want, "chunk {chunk}");
            assert_eq!(got.bytes, data.len() as u64);
            assert!(got.hits.iter().all(|h| h.hit.kind == Kind::Pan));
        }
    }

    #[test]
    fn columns_across_buffers() {
        // One very long line: the column is the byte offset plus one.
        let mut data = vec![b'a'; 50_000];
        data.extend_from_slice(b" 4532015112830366 ");
        data.extend(std::iter::repeat_n(b'b', 50_000));
        for chunk in [100, 4096, 1 << 20] {
            let got = scan(&data, chunk);
            assert_eq!(got.hits.len(), 1);
            assert_eq!((got.hits[0].line, got.hits[0].column), (1, 50_002));
        }
        let mut data = b"x\n".repeat(3000);
        data.extend_from_slice(b"abc 4532015112830366\n");
        let got = scan(&data, 512);
        assert_eq!((got.hits[0].line, got.hits[0].column), (3001, 5));
    }

    /// A stream of data and holes, as a [`Holes`] reader gives it: data in
    /// reads of at most `step` bytes, each hole as a [`Hole`] error.
    struct Script {
        parts: std::collections::VecDeque<Result<Vec<u8>, u64>>,
        step: usize,
    }

    impl Read for Script {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match self.parts.front_mut() {
                None => Ok(0),
                Some(Err(hole)) => {
                    let h = *hole;
                    self.parts.pop_front();
                    Err(io::Error::other(Hole(h)))
                }
                Some(Ok(data)) => {
                    let n = data.len().min(buf.len()).min(self.step);
                    buf[..n].copy_from_slice(&data[..n]);
                    data.drain(..n);
                    if data.is_empty() {
                        self.parts.pop_front();
                    }
                    Ok(n)
                }
            }
        }
    }

    /// What a scan reports of each hit: where it is and what.
    fn seen(got: &Scanned) -> Vec<(u64, u64, u64, String, Option<Location>)> {
        let hits = got.hits.iter();
        hits.map(|h| {
            let what = format!("{:?} {:?} {:?}", h.hit.kind, h.hit.masked, h.hit.confidence);
            (h.offset, h.line, h.column, what, h.location.clone())
        })
        .collect()
    }

    #[test]
    fn holes_are_passed_over_as_the_zeros_they_read_as() {
        // Numbers next to holes, a line running across one, and context
        // words on either side: a scan that passes over the holes must
        // report what a scan of their zeros reports, at the same places.
        let pieces: Vec<(&[u8], u64)> = vec![
            (b"head card 4532015112830366", 200_000),
            (b"5500000000000004 tail\nvisa ", 70_000),
            (b"4111 1111 1111 1111\n", 300_000),
            (b"", 65_536),
            (
                b"x\n;4761739001010010=2512101?\nexp 12/27 3530111333300000 ",
                1 << 20,
            ),
        ];
        let d = det();
        for chunk in [100, 4096, 70_000, CHUNK] {
            for step in [7, 4096, usize::MAX] {
                for trailing in [false, true] {
                    let mut parts = std::collections::VecDeque::new();
                    let mut flat = Vec::new();
                    for (i, &(data, hole)) in pieces.iter().enumerate() {
                        if !data.is_empty() {
                            parts.push_back(Ok(data.to_vec())); // (empty: read as the end)
                        }
                        flat.extend_from_slice(data);
                        if i + 1 < pieces.len() || trailing {
                            parts.push_back(Err(hole));
                            flat.resize(flat.len() + hole as usize, 0);
                        }
                    }
                    let script = Script { parts, step };
                    let mut s = Scratch::default();
                    let got = Reader::new(chunk).scan(&d, &mut s, script, 100, None, |_| true);
                    let want = scan(&flat, chunk);
                    let at = format!("chunk {chunk}, step {step}, trailing hole {trailing}");
                    assert_eq!(seen(&got), seen(&want), "{at}");
                    assert_eq!(seen(&got).len(), 5, "{at}");
                    assert!(got.error.is_none(), "{at}");
                    assert_eq!(got.bytes + got.holes, flat.len() as u64, "{at}");
                    // At most about a buffer of zeros is scanned per hole.
                    let cap = (chunk + CONTEXT_BEFORE + CONTEXT_AFTER) as u64;
                    let holes = pieces.len() as u64;
                    assert!(got.bytes <= 400 + holes * cap, "{at}: {}", got.bytes);
                }
            }
        }
    }

    #[test]
    fn an_attributed_stream_gets_the_zeros_of_its_holes() {
        // An attributor follows every byte, so holes are read as zeros
        // for it: the same hits, with the same locations.
        let mut head = b"id,name,card_number\n1,a,4532015112830366\n".to_vec();
        head.extend_from_slice(b"2,b,5500000000000004\n");
        let tail = b"\n3,c,4111111111111111\n".to_vec();
        let d = det();
        let mut results = Vec::new();
        for holes in [false, true] {
            let parts = if holes {
                vec![Ok(head.clone()), Err(100_000), Ok(tail.clone())]
            } else {
                let mut flat = head.clone();
                flat.resize(head.len() + 100_000, 0);
                flat.extend_from_slice(&tail);
                vec![Ok(flat)]
            };
            let script = Script {
                parts: parts.into(),
                step: usize::MAX,
            };
            let mut attr = crate::structured::attributor(&head).expect("a CSV");
            let mut s = Scratch::default();
            let got =
                Reader::new(4096).scan(&d, &mut s, script, 100, Some(attr.as_mut()), |_| true);
            assert_eq!(got.holes, 0);
            assert_eq!(got.bytes, (head.len() + 100_000 + tail.len()) as u64);
            results.push(seen(&got));
        }
        assert_eq!(results[0].len(), 3);
        assert!(results[0].iter().all(|r| r.4.is_some()), "{:?}", results[0]);
        assert_eq!(results[0], results[1]);
    }

    /// The bytes `Holes` gives from `offset`, its holes as their zeros, and the holes' total.
    fn read_holes(file: &mut File, offset: u64) -> (Vec<u8>, u64) {
        file.seek(io::SeekFrom::Start(offset)).unwrap();
        let mut holes = Holes::new(file).unwrap();
        let (mut out, mut skipped, mut buf) = (Vec::new(), 0, vec![0; 10_000]);
        loop {
            match holes.read(&mut buf) {
                Ok(0) => return (out, skipped),
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) => {
                    let h = hole_len(&e).expect("only holes");
                    assert!(h >= MIN_HOLE);
                    out.resize(out.len() + h as usize, 0);
                    skipped += h;
                }
            }
        }
    }

    #[test]
    fn a_sparse_file_reads_as_its_data_and_holes() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("sparse");
        let f = File::create(&path).unwrap();
        // Data at the start, a hole of 1 MiB, data across a 4 KiB block
        // edge, a short hole (one block: read as it is), data, and a hole to
        // the end (`set_len`).
        let layout: [(u64, &[u8]); 4] = [
            (0, b"start"),
            ((1 << 20) + 4090, b"across a block edge"),
            ((1 << 20) + 12_288, b"after a short hole"),
            (3 << 20, b"last data"),
        ];
        for (at, data) in layout {
            f.write_all_at(data, at).unwrap();
        }
        let size = (5 << 20) + 17;
        f.set_len(size).unwrap();
        drop(f);
        let whole = std::fs::read(&path).unwrap();
        let mut f = File::open(&path).unwrap();
        let sparse = may_be_sparse(&f.metadata().unwrap());
        for offset in [0, 3, 8192, (1 << 20) + 4095, (3 << 20) + 9, size] {
            let (got, skipped) = read_holes(&mut f, offset);
            assert!(got == whole[offset as usize..], "from {offset}");
            // Where the filesystem keeps holes, the 1 MiB hole and the one
            // to the end are passed over (from before them).
            if sparse && offset == 0 {
                assert!(skipped >= (1 << 20) - 4096 + (2 << 20), "{skipped}");
            }
        }
    }

    #[test]
    fn limit_counts_the_rest() {
        let data = b"4532015112830366\n".repeat(10);
        let d = det();
        let mut s = Scratch::default();
        let got = Reader::new(4096).scan(&d, &mut s, &data[..], 3, None, |_| true);
        assert_eq!((got.hits.len(), got.omitted), (3, 7));
    }
}
