//! Git's object store: loose objects (`.git/objects/ab/cdef…`, one zlib
//! stream each) and pack files (`.git/objects/pack/pack-….pack`). A web
//! root deployed with `git clone` keeps every version of every file there,
//! compressed: a card number committed once and deleted since is still on
//! disk, and a raw scan cannot see it. Each object is decompressed and
//! scanned as a member: a loose object as `!blob` (`commit`, `tree`,
//! `tag`), a packed one as `!blob@OFFSET` (its offset in the pack, which
//! `git verify-pack -v` maps to the object's id; ids are not printed, as
//! the hash of a small file holding only a card number could be reversed).
//!
//! A packed object may be a *delta* against another (`delta@OFFSET`):
//! instructions that copy ranges of the base and insert new bytes. The new
//! bytes are scanned (every byte of every version is inserted once, in a
//! full object or a delta), with a line break where the delta copies, so
//! that two inserts never join into a number neither holds. Layout: git's
//! `Documentation/gitformat-pack.txt`.

use std::io::{self, BufRead, BufReader, Read};

use flate2::{Decompress, FlushDecompress};

use super::limits::{Consumed, Counted, Guard};
use super::{leaf, member_path, node, read_byte, skip_error, Ctx, Sink, Top};
use crate::coverage::Reason;

/// The object types, by their number in a pack.
fn kind_name(t: u8) -> Option<&'static str> {
    Some(match t {
        1 => "commit",
        2 => "tree",
        3 => "blob",
        4 => "tag",
        6 | 7 => "delta",
        _ => return None,
    })
}

/// Whether `head` is a loose object: a zlib stream whose first bytes
/// inflate to `blob 123\0` (or `tree`, `commit`, `tag`).
pub fn sniff_loose(head: &[u8]) -> bool {
    // Deflate with a 32 KiB window, no preset dictionary, a valid check.
    if head.len() < 2 || head[0] != 0x78 || head[1] & 0x20 != 0 {
        return false;
    }
    if (u16::from(head[0]) << 8 | u16::from(head[1])) % 31 != 0 {
        return false;
    }
    let mut out = [0u8; 32];
    let mut d = Decompress::new(true);
    if d.decompress(head, &mut out, FlushDecompress::None).is_err() {
        return false;
    }
    header_kind(&out[..d.total_out() as usize]).is_some()
}

/// The type in a loose object's header (`blob 123\0`), if `b` starts with one.
fn header_kind(b: &[u8]) -> Option<&'static str> {
    let (kind, rest) = [("blob", 5), ("tree", 5), ("commit", 7), ("tag", 4)]
        .into_iter()
        .find_map(|(k, n)| {
            b.starts_with(k.as_bytes())
                .then(|| (k, &b[n - 1..]))
                .filter(|(_, r)| r.first() == Some(&b' '))
        })?;
    let digits = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
    (digits > 0 && rest.get(1 + digits) == Some(&0)).then_some(kind)
}

/// Whether `head` starts a pack file (`PACK`, version 2 or 3).
pub fn sniff_pack(head: &[u8]) -> bool {
    head.len() >= 12 && head.starts_with(b"PACK") && matches!(&head[4..8], [0, 0, 0, 2 | 3])
}

/// Scans a loose object: its content after the header, as a member named
/// by its type.
pub fn loose(
    cx: &Ctx,
    top: &Top,
    sink: &mut dyn Sink,
    path: &str,
    depth: u32,
    r: &mut dyn Read,
) -> bool {
    let counted = Counted::new(r);
    let consumed = counted.counter();
    let mut dec = flate2::read::ZlibDecoder::new(counted);
    let mut header = Vec::new();
    while header.len() < 32 {
        match read_byte(&mut dec) {
            Ok(Some(0) | None) => break,
            Ok(Some(b)) => header.push(b),
            Err(e) => {
                skip_error(sink, path, &e, None);
                return false;
            }
        }
    }
    header.push(0);
    let kind = header_kind(&header).unwrap_or("object");
    let mut g = Guard::new(cx, top, dec, Consumed::Counter(consumed));
    node(cx, top, sink, &member_path(path, kind), depth + 1, &mut g)
}

fn corrupt(what: &str, at: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("git pack: {what} at offset {at}"),
    )
}

fn byte(r: &mut dyn BufRead, at: u64) -> io::Result<u8> {
    read_byte(r)?.ok_or_else(|| corrupt("ends inside an object header", at))
}

/// Scans a pack file: each object in turn, decompressed.
pub fn pack(
    cx: &Ctx,
    top: &Top,
    sink: &mut dyn Sink,
    path: &str,
    depth: u32,
    r: &mut dyn Read,
) -> bool {
    let counted = Counted::new(r);
    let consumed = counted.counter();
    let mut src = BufReader::with_capacity(64 << 10, counted);
    // The offset of what the BufReader has handed out: read minus buffered.
    let at = |src: &BufReader<_>| consumed.get() - src.buffer().len() as u64;
    let mut head = [0u8; 12];
    if let Err(e) = src.read_exact(&mut head) {
        skip_error(sink, path, &e, None);
        return false;
    }
    let count = u32::from_be_bytes([head[8], head[9], head[10], head[11]]);
    let mut ok = true;
    for i in 0..u64::from(count) {
        if super::archive::too_many(cx, sink, path, i, Some(u64::from(count))) {
            return false;
        }
        let offset = at(&src);
        let entry = (|| -> io::Result<u8> {
            let mut b = byte(&mut src, offset)?;
            let t = (b >> 4) & 7;
            while b & 0x80 != 0 {
                b = byte(&mut src, offset)?; // the size, which the stream gives again
            }
            match t {
                6 => {
                    // The base's distance back: a varint.
                    while byte(&mut src, offset)? & 0x80 != 0 {}
                }
                7 => {
                    let mut id = [0u8; 20];
                    src.read_exact(&mut id)
                        .map_err(|_| corrupt("ends inside an object header", offset))?;
                }
                _ => {}
            }
            Ok(t)
        })();
        let t = match entry {
            Ok(e) => e,
            Err(e) => {
                skip_error(sink, path, &e, None);
                return false;
            }
        };
        let Some(kind) = kind_name(t) else {
            let e = corrupt(&format!("an object of unknown type {t}"), offset);
            skip_error(sink, path, &e, None);
            return false;
        };
        let delta = kind == "delta";
        let mpath = member_path(path, &format!("{kind}@{offset}"));
        let mut dec = flate2::bufread::ZlibDecoder::new(&mut src);
        {
            let mut g = Guard::new(cx, top, &mut dec, Consumed::Counter(consumed.clone()));
            ok &= if delta {
                let mut ins = Inserts::new(BufReader::new(&mut g));
                leaf(sink, &mpath, depth + 1, &mut ins)
            } else {
                node(cx, top, sink, &mpath, depth + 1, &mut g)
            };
        }
        if sink.stopped() {
            return false;
        }
        // What the member left unread (after a limit or an error) is
        // inflated to find where the next object starts, up to a bound: an
        // object cut short by the ratio limit may expand without end.
        let left = u64::from(count) - i - 1;
        let stop = match io::copy(&mut (&mut dec).take(DRAIN), &mut io::sink()) {
            Ok(DRAIN) => match dec.read(&mut [0u8; 1]) {
                Ok(0) => None,
                Ok(_) => Some((
                    Reason::Limit,
                    format!(
                        "a limit left over {} of it unread",
                        super::limits::bytes(DRAIN)
                    ),
                )),
                Err(e) => Some((Reason::Corrupt, crate::redact::text(&e.to_string()).into())),
            },
            Ok(_) => None,
            Err(e) => Some((Reason::Corrupt, crate::redact::text(&e.to_string()).into())),
        };
        if let Some((reason, why)) = stop {
            let detail = format!(
                "git pack: stops at the object at offset {offset} ({why}); \
                 {left} more objects not scanned"
            );
            sink.skip(path, reason, detail, None);
            return false;
        }
    }
    ok
}

/// How much of an object a member left unread is inflated to reach the
/// next object.
const DRAIN: u64 = 64 << 20;

/// A delta's inserted bytes, with a line break for each run of copies.
struct Inserts<R> {
    inner: R,
    /// Bytes of the current insert still to give.
    left: usize,
    /// The two sizes (base, result) that open the delta are read.
    started: bool,
    /// A line break is owed before the next insert.
    copied: bool,
}

impl<R: BufRead> Inserts<R> {
    fn new(inner: R) -> Self {
        Inserts {
            inner,
            left: 0,
            started: false,
            copied: false,
        }
    }

    fn byte(&mut self) -> io::Result<Option<u8>> {
        read_byte(&mut self.inner)
    }

    fn varint(&mut self) -> io::Result<()> {
        loop {
            match self.byte()? {
                Some(b) if b & 0x80 != 0 => {}
                Some(_) => return Ok(()),
                None => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "delta cut short",
                    ))
                }
            }
        }
    }
}

impl<R: BufRead> Read for Inserts<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if !self.started {
            self.varint()?;
            self.varint()?;
            self.started = true;
        }
        while self.left == 0 {
            let Some(op) = self.byte()? else {
                return Ok(0);
            };
            if op & 0x80 != 0 {
                // A copy: an offset and a size, one byte per bit set.
                for _ in 0..(op & 0x7F).count_ones() {
                    if self.byte()?.is_none() {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            "delta cut short",
                        ));
                    }
                }
                self.copied = true;
            } else if op == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "delta instruction 0 (reserved)",
                ));
            } else {
                self.left = usize::from(op);
                if self.copied {
                    self.copied = false;
                    buf[0] = b'\n';
                    return Ok(1);
                }
            }
        }
        let want = buf.len().min(self.left);
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "delta cut short",
            ));
        }
        self.left -= n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), Default::default());
        z.write_all(data).unwrap();
        z.finish().unwrap()
    }

    #[test]
    fn loose_objects_are_recognised_by_their_inflated_header() {
        assert!(sniff_loose(&zlib(b"blob 12\0hello world\n")));
        assert!(sniff_loose(&zlib(b"commit 200\0tree 4b825d")));
        assert!(sniff_loose(&zlib(b"tag 7\0object ")));
        assert!(!sniff_loose(&zlib(b"blob\0")));
        assert!(!sniff_loose(&zlib(b"blob x\0")));
        assert!(!sniff_loose(&zlib(b"hello world")));
        assert!(!sniff_loose(b"x\x9cnot deflate at all"));
        assert!(!sniff_loose(b"xylophone"));
        assert!(sniff_pack(b"PACK\0\0\0\x02\0\0\0\x05"));
        assert!(!sniff_pack(b"PACK\0\0\0\x04\0\0\0\x05"));
        assert!(!sniff_pack(b"PACKAGE.md  "));
    }

    #[test]
    fn a_delta_gives_its_inserts_with_a_break_at_each_copy() {
        // Base size 100, result size 120; insert "card 4111", copy (offset
        // byte, size byte), copy, insert " 1111", insert "!".
        let mut d = vec![100, 120, 9];
        d.extend_from_slice(b"card 4111");
        d.extend_from_slice(&[0x91, 0x05, 0x10, 0x90, 0x20, 5]);
        d.extend_from_slice(b" 1111");
        d.extend_from_slice(&[1, b'!']);
        let mut out = Vec::new();
        Inserts::new(&d[..]).read_to_end(&mut out).unwrap();
        assert_eq!(out, b"card 4111\n 1111!");
        // Cut inside an insert or a copy: an error after what was read.
        for cut in [5, 14, 16] {
            let mut out = Vec::new();
            let e = Inserts::new(&d[..cut]).read_to_end(&mut out).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidData, "{cut}");
        }
        let mut out = Vec::new();
        assert!(Inserts::new(&[1u8, 1, 0][..])
            .read_to_end(&mut out)
            .is_err());
    }
}
