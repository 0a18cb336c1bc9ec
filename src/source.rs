//! Reading: opens files read-only (with `O_NOATIME` where the kernel allows,
//! `O_NONBLOCK` so a FIFO swapped in after the walk cannot hang us, and a
//! check after opening that it really is a regular file), and feeds any
//! byte stream to the detector in fixed-size overlapping buffers. Memory per
//! thread is one buffer whatever the size of the file or of its lines; a
//! number across a buffer edge is found exactly once (see `detect.rs`).
//! Line numbers are counted on the way by the kernel.

use std::ffi::CString;
use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
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
        loop {
            let (n, err) = read_full(&mut rdr, &mut self.buf[carried..cap]);
            let len = carried + n;
            let eof = err.is_some() || carried + n < cap;
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
    /// A regular file, whether its access time is left alone, and its size
    /// when it was opened.
    File(File, bool, u64),
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
        Ok(Opened::File(file, noatime, md.len()))
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
            Ok(Opened::File(mut f, _, size)) => {
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

    #[test]
    fn limit_counts_the_rest() {
        let data = b"4532015112830366\n".repeat(10);
        let d = det();
        let mut s = Scratch::default();
        let got = Reader::new(4096).scan(&d, &mut s, &data[..], 3, None, |_| true);
        assert_eq!((got.hits.len(), got.omitted), (3, 7));
    }
}
