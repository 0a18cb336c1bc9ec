//! Reading: opens files read-only (with `O_NOATIME` where the kernel allows,
//! `O_NONBLOCK` so a FIFO swapped in after the walk cannot hang us, and a
//! check after opening that it really is a regular file), and feeds any
//! byte stream to the detector in fixed-size overlapping buffers. Memory per
//! thread is one buffer whatever the size of the file or of its lines; a
//! number across a buffer edge is found exactly once (see `detect.rs`).
//! Line numbers are counted on the way by the kernel.

use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

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
                a.advance(buf, base, emit_end);
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
fn read_full<R: Read>(rdr: &mut R, buf: &mut [u8]) -> (usize, Option<io::Error>) {
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
    /// A regular file, and whether its access time is left alone.
    File(File, bool),
    /// Not a regular file after all (FIFO, socket, device, directory).
    Special(&'static str),
}

/// Opens a path for reading, never modifying it: read-only, `O_NOATIME`
/// when permitted (the owner or CAP_FOWNER; otherwise the kernel refuses
/// and we retry without it), `O_NONBLOCK` unless `block` (a FIFO the user
/// named), close-on-exec. Non-regular files are refused unless `block`.
pub fn open(path: &Path, block: bool) -> io::Result<Opened> {
    let flags = if block { 0 } else { libc::O_NONBLOCK };
    let try_open = |extra: i32| {
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(flags | extra | libc::O_CLOEXEC)
            .open(path)
    };
    let (file, noatime) = match try_open(libc::O_NOATIME) {
        Ok(f) => (f, true),
        Err(e) if e.raw_os_error() == Some(libc::EPERM) => (try_open(0)?, false),
        Err(e) => return Err(e),
    };
    let ft = file.metadata()?.file_type();
    if ft.is_file() || (block && ft.is_fifo()) {
        Ok(Opened::File(file, noatime))
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
