//! OLE2 compound files: legacy Word, Excel and PowerPoint documents (97-2003
//! `.doc`, `.xls`, `.ppt`), Outlook `.msg`, and the wrapper Office puts
//! around a docx, xlsx or pptx with a password to open. Their text is
//! mostly stored as it is (8-bit or UTF-16), so they are scanned as raw
//! bytes; this module watches those bytes for the marks a document with a
//! password to open carries, and reports such a file `encrypted`: its raw
//! scan shows no card number whatever it holds, and a clean verdict on it
//! would be false.
//!
//! A compound file is laid out in sectors of 512 or 4096 bytes, small
//! streams in 64-byte mini sectors, and its directory in 128-byte entries,
//! so every stream and every directory entry starts at a multiple of 64
//! bytes from the start of the file. Each 64-byte block is checked for:
//! - a directory entry named `EncryptedPackage` (MS-OFFCRYPTO 2.3.4.4: an
//!   encrypted docx, xlsx or pptx);
//! - an Excel workbook stream whose globals start with `BOF` and then a
//!   `FILEPASS` record (MS-XLS 2.4.117; BIFF8 and BIFF5);
//! - a Word document stream whose `FibBase` has `fEncrypted` set (MS-DOC
//!   2.5.2);
//! - a PowerPoint `CurrentUserAtom` whose header token is the encrypted one,
//!   `0xF3D1C4DF` (MS-PPT 2.3.2).
//!
//! The compound file is also opened (the `cfb` crate reads it) before the
//! raw scan. An Excel workbook's cells are read by [`super::xls`]. A stream
//! that is itself a container (an Outlook message's attachment, an object
//! embedded in a document: a zip, an xlsx, a PDF, a gzip, another compound
//! file) is opened as a member, its raw bytes being compressed or encoded
//! past a raw scan's reach; an attachment is named by its file name. What
//! the raw scan sees again is reported once, from the cell or member. A
//! workbook encrypted with Excel's built-in password (a protected
//! structure, no password to open) is decrypted first by
//! [`super::xlscrypt`], and not reported `encrypted`.

use std::io::{self, Cursor, Read, Seek, SeekFrom};

use super::limits::{Limit, LimitHit};
use super::{
    le_u16, le_u32, leaf, member_path, node, skip_error, sniff, xls, xlscrypt, Ctx, Format, Sink,
    Top, HEAD,
};
use crate::coverage::Reason;
use crate::redact;

/// The first bytes of an OLE2 compound file.
pub const MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// The first bytes of a directory entry named `EncryptedPackage`: the name
/// in UTF-16LE and its terminating NUL.
const ENCRYPTED_PACKAGE: &[u8] = b"E\0n\0c\0r\0y\0p\0t\0e\0d\0P\0a\0c\0k\0a\0g\0e\0\0\0";

/// How a legacy document is encrypted (MS-OFFCRYPTO 2.3.5-2.3.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scheme {
    Xor,
    Rc4,
    CryptoApi,
    Unknown,
}

impl Scheme {
    fn label(self) -> &'static str {
        match self {
            Scheme::Xor => "XOR obfuscation",
            Scheme::Rc4 => "RC4",
            Scheme::CryptoApi => "RC4 CryptoAPI",
            Scheme::Unknown => "unknown scheme",
        }
    }
}

/// What a compound file's structures say is encrypted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encrypted {
    /// An Office Open XML document with a password to open.
    Package,
    /// An Excel 97-2003 (or 5/95) workbook with a `FILEPASS` record.
    Workbook(Scheme),
    /// A Word 97-2003 (or 6/95) document with `fEncrypted` set.
    Word(Scheme),
    /// A PowerPoint 97-2003 presentation with an encrypted current user atom.
    PowerPoint,
}

/// What became of Excel's built-in password on a workbook.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Builtin {
    /// Its workbook stream was not read (too large, a damaged compound file).
    NotTried,
    /// Tried: not this workbook's password (or a scheme not decrypted).
    Failed,
    /// It opened the workbook, whose cells were read.
    Opened,
}

impl Encrypted {
    fn detail(self, builtin: Builtin) -> String {
        let tail = "encrypted, not readable without its password";
        match self {
            Encrypted::Package => format!(
                "Office document with a password to open (an OLE2 EncryptedPackage): {tail}"
            ),
            Encrypted::Workbook(s) => format!(
                "Excel 97-2003 workbook with a password to open (FILEPASS, {}): its cells are \
                 {tail} ({})",
                s.label(),
                match (builtin, s) {
                    (_, Scheme::Xor | Scheme::Unknown) => {
                        "this scheme is not decrypted, not even with Excel's built-in password"
                    }
                    (Builtin::NotTried, _) => {
                        "Excel's built-in password, which it uses when only a workbook's \
                         structure is protected, was not tried: the workbook was not read"
                    }
                    _ => {
                        "Excel's built-in password, which it uses when only a workbook's \
                         structure is protected, was tried and does not open it"
                    }
                }
            ),
            Encrypted::Word(s) => format!(
                "Word 97-2003 document with a password to open (fEncrypted, {}): its text is {tail}",
                s.label()
            ),
            Encrypted::PowerPoint => format!(
                "PowerPoint 97-2003 presentation with a password to open (an encrypted \
                 CurrentUserAtom): its slides are {tail}"
            ),
        }
    }
}

/// An OLE2 compound file that can be read at random (a file on disk, or a
/// member read into memory): a workbook's cells, then the raw scan, which
/// reports encryption; what both see is reported once, from the cell.
pub fn scan_seekable<R: Read + Seek>(
    cx: &Ctx,
    top: &Top,
    sink: &mut dyn Sink,
    path: &str,
    depth: u32,
    src: &mut R,
) -> bool {
    let live = sink.mark();
    let mut ok = true;
    // The cfb crate holds the file's allocation table, 4 bytes per 512-byte
    // sector: a file whose table would pass `--max-buffer` (a file over
    // 8 GiB by default) is scanned raw.
    let budget = cx.limits.max_buffer;
    let open = src
        .seek(SeekFrom::End(0))
        .is_ok_and(|len| len / 128 <= budget);
    let cells = if open {
        workbook_stream(cx, &mut *src)
    } else {
        Ok(None)
    };
    let mut builtin = Builtin::NotTried;
    // A number the raw scan sees in a workbook but in none of its cells
    // (another stream, a cell's old bytes) says so; in a document or a
    // message the raw scan is the usual way text is read.
    let mut only_raw = None;
    match cells {
        Ok(Some(mut book)) => {
            only_raw = Some("not_in_any_cell");
            let unlocked = xlscrypt::unlock(&mut book).is_some();
            builtin = if unlocked {
                Builtin::Opened
            } else {
                Builtin::Failed
            };
            if let Err(e) = xls::scan(&book, sink, path, unlocked) {
                let detail = format!("{e}; the cells before it were read, the file scanned raw");
                sink.skip(path, Reason::Corrupt, detail, None);
                ok = false;
            }
        }
        Ok(None) => {}
        Err((reason, detail)) => {
            sink.skip(path, reason, detail, None);
            ok = false;
        }
    }
    if open && depth + 1 < cx.limits.max_depth {
        ok &= members(cx, top, sink, path, depth, &mut *src);
    }
    if let Err(e) = src.seek(SeekFrom::Start(0)) {
        skip_error(sink, path, &e, None);
        return false;
    }
    let raw = sink.mark();
    let (read, seen) = raw_scan(sink, path, depth, src, builtin);
    if !open && seen.workbook {
        let hit = LimitHit::new(Limit::Buffer, TOO_BIG.into());
        sink.skip(path, Reason::Limit, hit.to_string(), None);
    }
    sink.dedupe(live..raw, raw, only_raw);
    ok && read
}

/// An OLE2 compound file read as a stream (a member of an archive): read
/// into memory, up to `--max-buffer`, to be opened. A larger one is scanned
/// raw, and reported when it is a workbook, whose cells were not read.
pub fn scan_stream(
    cx: &Ctx,
    top: &Top,
    sink: &mut dyn Sink,
    path: &str,
    depth: u32,
    r: &mut dyn Read,
) -> bool {
    match super::buffer(cx, r) {
        Ok(Ok(whole)) => scan_seekable(cx, top, sink, path, depth, &mut Cursor::new(whole)),
        Ok(Err(got)) => {
            let rest = &mut Cursor::new(got).chain(r);
            let (ok, seen) = raw_scan(sink, path, depth, rest, Builtin::NotTried);
            if seen.workbook {
                let hit = LimitHit::new(Limit::Buffer, TOO_BIG.into());
                sink.skip(path, Reason::Limit, hit.to_string(), None);
            }
            ok
        }
        Err(e) => {
            skip_error(sink, path, &e, None);
            false
        }
    }
}

const TOO_BIG: &str = "Excel workbook larger than the in-memory limit: its cells were not \
     read (a number stored as a number is not seen), the file scanned as raw bytes";

/// What the raw scan saw besides card data.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Seen {
    encrypted: Option<Encrypted>,
    /// The start of an Excel workbook stream (BIFF8 or BIFF5 globals).
    workbook: bool,
}

/// Scans a compound file's bytes raw, reporting it `encrypted` when it
/// says it is, unless it is a workbook that Excel's built-in password
/// opened (`builtin`). Returns whether it was read to its end, and what was
/// seen.
fn raw_scan(
    sink: &mut dyn Sink,
    path: &str,
    depth: u32,
    r: &mut dyn Read,
    builtin: Builtin,
) -> (bool, Seen) {
    let mut w = Watch {
        inner: r,
        block: [0; BLOCK],
        filled: 0,
        seen: Seen::default(),
    };
    let ok = leaf(sink, path, depth, &mut w);
    match w.seen.encrypted {
        Some(Encrypted::Workbook(_)) if builtin == Builtin::Opened => {}
        Some(e) => sink.skip(path, Reason::Encrypted, e.detail(builtin), None),
        None => {}
    }
    (ok, w.seen)
}

/// The workbook stream of a compound file (`None`: it has none), up to
/// `--max-buffer` bytes.
fn workbook_stream<R: Read + Seek>(cx: &Ctx, src: R) -> Result<Option<Vec<u8>>, (Reason, String)> {
    let failed = |e: io::Error| {
        let e = redact::text(&e.to_string()).into_owned();
        (
            Reason::Corrupt,
            format!("OLE2 compound file: {e}; scanned as raw bytes"),
        )
    };
    let mut cf = cfb::CompoundFile::open(src).map_err(failed)?;
    if !cf.is_stream("/Workbook") {
        return Ok(None);
    }
    let mut stream = cf.open_stream("/Workbook").map_err(failed)?;
    if stream.len() > cx.limits.max_buffer {
        let hit = LimitHit::new(Limit::Buffer, TOO_BIG.into());
        return Err((Reason::Limit, hit.to_string()));
    }
    let mut book = Vec::new();
    stream.read_to_end(&mut book).map_err(failed)?;
    Ok(Some(book))
}

/// Opens each stream of the compound file `src` whose first bytes are a
/// container's (not plain data, which the raw scan reads), and each named
/// attachment of a message, as a member, up to `--max-members` streams.
/// Returns whether all were read to their end.
fn members<R: Read + Seek>(
    cx: &Ctx,
    top: &Top,
    sink: &mut dyn Sink,
    path: &str,
    depth: u32,
    src: R,
) -> bool {
    let Ok(mut cf) = cfb::CompoundFile::open(src) else {
        return true; // reported when the workbook was looked for
    };
    let mut streams = Vec::new();
    for e in cf.walk().filter(|e| e.is_stream()) {
        if streams.len() as u64 >= cx.limits.max_members {
            let hit = LimitHit::new(
                Limit::Members,
                format!("streams after the first {} not opened", streams.len()),
            );
            sink.skip(path, Reason::Limit, hit.to_string(), None);
            break;
        }
        streams.push(e.path().to_path_buf());
    }
    let mut ok = true;
    // A stream the compound file's chains do not let us read: reported on
    // it (the file's raw bytes are still scanned).
    let unreadable = |sink: &mut dyn Sink, stream: &std::path::Path, e: io::Error| {
        let name = stream.to_string_lossy();
        let detail = redact::text(&format!(
            "OLE2 stream could not be read: {e}; the file's raw bytes were scanned"
        ))
        .into_owned();
        sink.skip(
            &member_path(path, name.trim_start_matches('/')),
            Reason::Corrupt,
            detail,
            None,
        );
    };
    for stream in &streams {
        let mut s = match cf.open_stream(stream) {
            Ok(s) => s,
            Err(e) => {
                unreadable(sink, stream, e);
                ok = false;
                continue;
            }
        };
        if stream.file_name().is_some_and(|n| n == RTF_BODY) {
            // A message body kept as compressed RTF: decompressed, then
            // scanned as a member of its own.
            let mut packed = Vec::new();
            let cap = cx.limits.max_buffer / 16;
            if let Err(e) = (&mut s).take(cap + 1).read_to_end(&mut packed) {
                unreadable(sink, stream, e);
                ok = false;
                continue;
            }
            let name = member_path(path, "body.rtf");
            if packed.len() as u64 > cap {
                let hit = LimitHit::new(
                    Limit::Buffer,
                    "Outlook message body in compressed RTF larger than the in-memory limit \
                     / 16: not decompressed, scanned as raw bytes only"
                        .into(),
                );
                sink.skip(&name, Reason::Limit, hit.to_string(), None);
                ok = false;
                continue;
            }
            match rtf_body(&packed, cx.limits.max_buffer) {
                Some(rtf) => ok &= node(cx, top, sink, &name, depth + 1, &mut Cursor::new(rtf)),
                None => {
                    let detail = "Outlook message body in compressed RTF (MS-OXRTFCP) that is \
                                  damaged: not decompressed, scanned as raw bytes only";
                    sink.skip(&name, Reason::Corrupt, detail.into(), None);
                    ok = false;
                }
            }
            continue;
        }
        let mut head = Vec::new();
        if let Err(e) = (&mut s).take(HEAD as u64).read_to_end(&mut head) {
            unreadable(sink, stream, e);
            ok = false;
            continue;
        }
        drop(s);
        // A message's attachment is a file of its own, plain or not (a
        // CSV gets its columns); other plain streams are left to the raw
        // scan.
        let attached = attachment_name(&mut cf, stream);
        if attached.is_none() && matches!(sniff(&head), Format::Plain) {
            continue;
        }
        let name = attached
            .unwrap_or_else(|| stream.to_string_lossy().trim_start_matches('/').to_string());
        let Ok(mut s) = cf.open_stream(stream) else {
            continue; // opened a moment ago
        };
        ok &= node(cx, top, sink, &member_path(path, &name), depth + 1, &mut s);
        if sink.stopped() {
            return false;
        }
    }
    ok
}

/// The stream of an Outlook message's body in compressed RTF
/// (`PidTagRtfCompressed`, property 0x1009, binary).
const RTF_BODY: &str = "__substg1.0_10090102";

/// Decompresses a compressed RTF body (MS-OXRTFCP: `LZFu`, or `MELA` for
/// stored) with the `compressed-rtf` crate, if its header is sound and it
/// declares at most `cap` bytes of RTF (checked first: the crate allocates
/// what the header declares, and slices a stored body by it). The caller
/// bounds the input; a 2-byte reference gives at most 17 bytes, so the
/// output is at most 8.5 times the input.
pub fn rtf_body(packed: &[u8], cap: u64) -> Option<Vec<u8>> {
    let size = u64::from(le_u32(packed, 0)?);
    let raw = u64::from(le_u32(packed, 4)?);
    if packed.len() < 16 || size + 4 != packed.len() as u64 || raw > cap {
        return None;
    }
    // Stored (`MELA`): its declared size must fit what follows the header.
    if packed.get(8..12) == Some(b"MELA") && raw + 16 > packed.len() as u64 {
        return None;
    }
    let text = compressed_rtf::decompress_rtf(packed).ok()?;
    let mut rtf: Vec<u8> = text
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect();
    rtf.truncate(raw as usize);
    Some(rtf)
}

/// An Outlook message's attachment data (`__substg1.0_37010102`, MS-OXMSG
/// 2.2.2) is named by the attachment's long or short file name, from the
/// streams beside it (UTF-16LE, `…3707001F`, `…3704001F`).
fn attachment_name<R: Read + Seek>(
    cf: &mut cfb::CompoundFile<R>,
    stream: &std::path::Path,
) -> Option<String> {
    if stream.file_name()? != "__substg1.0_37010102" {
        return None;
    }
    let dir = stream.parent()?;
    for prop in ["__substg1.0_3707001F", "__substg1.0_3704001F"] {
        let Ok(s) = cf.open_stream(dir.join(prop)) else {
            continue;
        };
        let mut raw = Vec::new();
        s.take(2048).read_to_end(&mut raw).ok()?;
        let units = raw
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]));
        let name: String = char::decode_utf16(units)
            .map(|c| c.unwrap_or('\u{FFFD}'))
            .take_while(|&c| c != '\0')
            .collect();
        if !name.is_empty() {
            return Some(name);
        }
    }
    None
}

/// The alignment of every stream and directory entry in a compound file.
const BLOCK: usize = 64;

/// Checks each 64-byte block of a stream read from the start of a compound
/// file, across read boundaries, until one says the file is encrypted.
struct Watch<'r> {
    inner: &'r mut dyn Read,
    /// The start of a block cut by the end of the last read.
    block: [u8; BLOCK],
    filled: usize,
    seen: Seen,
}

impl Read for Watch<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if self.seen.encrypted.is_none() && !buf.is_empty() {
            self.watch(&buf[..n]);
        }
        Ok(n)
    }
}

impl Watch<'_> {
    /// Checks the blocks `data` completes or holds; an empty `data` (the
    /// end of the stream) checks the last, short block.
    fn watch(&mut self, mut data: &[u8]) {
        let end = data.is_empty();
        if self.filled > 0 || end {
            let k = (BLOCK - self.filled).min(data.len());
            self.block[self.filled..self.filled + k].copy_from_slice(&data[..k]);
            self.filled += k;
            data = &data[k..];
            if self.filled < BLOCK && !end {
                return; // `data` is used up, the block not yet whole
            }
            if self.filled > 0 {
                let block = self.block;
                self.check(&block[..self.filled]);
            }
            self.filled = 0;
            if self.seen.encrypted.is_some() || data.is_empty() {
                return;
            }
        }
        let mut blocks = data.chunks_exact(BLOCK);
        for b in blocks.by_ref() {
            self.check(b);
            if self.seen.encrypted.is_some() {
                return;
            }
        }
        let rest = blocks.remainder();
        self.block[..rest.len()].copy_from_slice(rest);
        self.filled = rest.len();
    }

    fn check(&mut self, b: &[u8]) {
        self.seen.encrypted = check(b);
        self.seen.workbook |= globals_bof(b).is_some();
    }
}

/// What the block at a 64-byte boundary of a compound file says is
/// encrypted, if anything.
fn check(b: &[u8]) -> Option<Encrypted> {
    match b.get(..2)? {
        [b'E', 0] => b
            .starts_with(ENCRYPTED_PACKAGE)
            .then_some(Encrypted::Package),
        [0x09, 0x08] => filepass(b),
        [0xEC, 0xA5] => word(b),
        [0x00, 0x00] => powerpoint(b),
        _ => None,
    }
}

/// The start of an Excel workbook stream: a `BOF` record of the globals
/// (BIFF8 or BIFF5) and, among the next few records, a `FILEPASS`.
fn filepass(b: &[u8]) -> Option<Encrypted> {
    const FILEPASS: u16 = 0x002F;
    let biff8 = globals_bof(b)?;
    // Records that may come first (WriteProtect, ...) are skipped.
    let mut at = if biff8 { 20 } else { 12 };
    for _ in 0..4 {
        let (kind, len) = (le_u16(b, at)?, le_u16(b, at + 2)?);
        if kind == FILEPASS {
            // BIFF5 knows only XOR; BIFF8 says which (wEncryptionType,
            // then the RC4 header's major version).
            let scheme = match (biff8, le_u16(b, at + 4), le_u16(b, at + 6)) {
                (false, ..) | (true, Some(0), _) => Scheme::Xor,
                (true, Some(1), Some(1)) => Scheme::Rc4,
                (true, Some(1), Some(2..=4)) => Scheme::CryptoApi,
                _ => Scheme::Unknown,
            };
            return Some(Encrypted::Workbook(scheme));
        }
        at += 4 + usize::from(len);
    }
    None
}

/// Whether `b` starts with the `BOF` record of a workbook's globals:
/// `Some(true)` for BIFF8 (Excel 97-2003), `Some(false)` for BIFF5 (5/95).
fn globals_bof(b: &[u8]) -> Option<bool> {
    if le_u16(b, 0)? != 0x0809 || le_u16(b, 6)? != 0x0005 {
        return None;
    }
    match (le_u16(b, 2)?, le_u16(b, 4)?) {
        (16, 0x0600) => Some(true),
        (8, 0x0500) => Some(false),
        _ => None,
    }
}

/// The start of a Word document stream: a `FibBase` (its `wIdent`, an
/// `nFib` from Word 6 on) with `fEncrypted` set.
fn word(b: &[u8]) -> Option<Encrypted> {
    const ENCRYPTED: u16 = 0x0100;
    const OBFUSCATED: u16 = 0x8000;
    if !(0x0065..=0x01FF).contains(&le_u16(b, 2)?) {
        return None;
    }
    let flags = le_u16(b, 10)?;
    if flags & ENCRYPTED == 0 {
        return None;
    }
    // lKey: the XOR key, or the size of the RC4 header (52 bytes for plain
    // RC4, more for CryptoAPI's) at the start of the table stream.
    let scheme = match le_u32(b, 14) {
        _ if flags & OBFUSCATED != 0 => Scheme::Xor,
        Some(52) => Scheme::Rc4,
        Some(_) => Scheme::CryptoApi,
        None => Scheme::Unknown,
    };
    Some(Encrypted::Word(scheme))
}

/// A PowerPoint `CurrentUserAtom` (record type 0x0FF6, size 0x14) with the
/// header token of an encrypted presentation.
fn powerpoint(b: &[u8]) -> Option<Encrypted> {
    let atom = le_u16(b, 2)? == 0x0FF6 && le_u32(b, 8)? == 0x14;
    (atom && le_u32(b, 12)? == 0xF3D1_C4DF).then_some(Encrypted::PowerPoint)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Gives `data` in reads of `k` bytes.
    struct Chunked<'a> {
        data: &'a [u8],
        k: usize,
    }

    impl Read for Chunked<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.k.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    /// What a watch over `data`, read `k` bytes at a time, finds; the
    /// bytes pass unchanged.
    fn watched(data: &[u8], k: usize) -> Option<Encrypted> {
        let mut src = Chunked { data, k };
        let mut w = Watch {
            inner: &mut src,
            block: [0; BLOCK],
            filled: 0,
            seen: Seen::default(),
        };
        let mut out = Vec::new();
        w.read_to_end(&mut out).unwrap();
        assert_eq!(out, data);
        w.seen.encrypted
    }

    fn hex(s: &str) -> Vec<u8> {
        s.split_whitespace()
            .map(|h| u8::from_str_radix(h, 16).unwrap())
            .collect()
    }

    /// The starts of the streams and entries that mark encryption, as
    /// LibreOffice 7.4 (Excel, Word) and Apache POI 4.0 (PowerPoint) write
    /// them (`testdata/formats`), and the same structures unencrypted.
    fn marks() -> Vec<(Vec<u8>, Option<Encrypted>)> {
        let xls = "09 08 10 00 00 06 05 00 bb 0d cc 07 00 00 00 00 06 00 00 00";
        let doc = "ec a5 01 01 4d 20 09 04 00 00";
        let ppt = "00 00 f6 0f 24 00 00 00 14 00 00 00";
        let mut package = ENCRYPTED_PACKAGE.to_vec();
        package.extend_from_slice(&[0x40, 0, 2, 1]);
        vec![
            (package, Some(Encrypted::Package)),
            (
                hex(&format!("{xls} 2f 00 36 00 01 00 01 00 01 00")),
                Some(Encrypted::Workbook(Scheme::Rc4)),
            ),
            (
                hex(&format!("{xls} 2f 00 c8 00 01 00 04 00 02 00")),
                Some(Encrypted::Workbook(Scheme::CryptoApi)),
            ),
            // WriteProtect first, then XOR obfuscation.
            (
                hex(&format!("{xls} 86 00 00 00 2f 00 06 00 00 00 12 34")),
                Some(Encrypted::Workbook(Scheme::Xor)),
            ),
            // BIFF5 (Excel 5/95): XOR only.
            (
                hex("09 08 08 00 00 05 05 00 11 22 33 44 2f 00 04 00 12 34 56 78"),
                Some(Encrypted::Workbook(Scheme::Xor)),
            ),
            (hex(&format!("{xls} e1 00 02 00 b0 04 c1 00 02 00")), None),
            (
                hex(&format!("{doc} f0 13 bf 00 34 00 00 00")),
                Some(Encrypted::Word(Scheme::Rc4)),
            ),
            (
                hex(&format!("{doc} f0 13 bf 00 10 01 00 00")),
                Some(Encrypted::Word(Scheme::CryptoApi)),
            ),
            (
                hex(&format!("{doc} f0 93 bf 00 34 12 00 00")),
                Some(Encrypted::Word(Scheme::Xor)),
            ),
            (hex(&format!("{doc} f0 12 bf 00 00 00 00 00")), None),
            (
                hex(&format!("{ppt} df c4 d1 f3 23 0f 00 00")),
                Some(Encrypted::PowerPoint),
            ),
            (hex(&format!("{ppt} 5f c0 91 e3 59 0e 00 00")), None),
        ]
    }

    #[test]
    fn each_mark_is_seen_at_any_block_and_across_any_read_boundary() {
        for (mark, want) in marks() {
            for blocks in 0..3 {
                let mut data = vec![0x41u8; blocks * BLOCK];
                data.extend_from_slice(&mark);
                data.resize(data.len() + 70, 0x42);
                for k in (1..=70).chain([4096]) {
                    assert_eq!(
                        watched(&data, k),
                        want,
                        "{mark:02x?} in block {blocks}, reads of {k}"
                    );
                }
            }
            // At the very end of the stream, in a short last block.
            let mut data = vec![0x41u8; BLOCK];
            data.extend_from_slice(&mark);
            assert_eq!(watched(&data, 7), want, "{mark:02x?} at the end");
        }
    }

    #[test]
    fn marks_off_a_block_boundary_or_changed_are_not_seen() {
        for (mark, want) in marks() {
            if want.is_none() {
                continue;
            }
            // Not at a multiple of 64 bytes: inside some stream's data.
            for shift in [1, 2, 32, 63] {
                let mut data = vec![0x41u8; BLOCK + shift];
                data.extend_from_slice(&mark);
                data.resize(data.len() + 70, 0x42);
                assert_eq!(watched(&data, 9), None, "{mark:02x?} shifted by {shift}");
            }
        }
        let near: [&str; 6] = [
            // A worksheet's BOF (dt 0x0010), a chart's, an unknown version.
            "09 08 10 00 00 06 10 00 bb 0d cc 07 00 00 00 00 06 00 00 00 2f 00 36 00",
            "09 08 10 00 00 06 20 00 bb 0d cc 07 00 00 00 00 06 00 00 00 2f 00 36 00",
            "09 08 10 00 00 07 05 00 bb 0d cc 07 00 00 00 00 06 00 00 00 2f 00 36 00",
            // A Word FIB of an nFib before Word 6.
            "ec a5 2d 00 4d 20 09 04 00 00 f0 13 bf 00 34 00 00 00",
            // A current user atom of another size.
            "00 00 f6 0f 24 00 00 00 18 00 00 00 df c4 d1 f3",
            // Another directory entry name.
            "45 00 6e 00 63 00 72 00 79 00 70 00 74 00 69 00 6f 00 6e 00 49 00 6e 00",
        ];
        for n in near {
            assert_eq!(watched(&hex(n), 64), None, "{n}");
        }
        // The name as a prefix of a longer one.
        let mut longer = ENCRYPTED_PACKAGE[..32].to_vec();
        longer.extend_from_slice(b"2\0\0\0");
        assert_eq!(watched(&longer, 64), None);
    }

    #[test]
    fn compressed_rtf_bodies_are_decompressed_within_bounds() {
        // MS-OXRTFCP's example: "{\rtf1\ansi\ansicpg1252\pard test}",
        // compressed as the specification shows it.
        let spec = b"#\x00\x00\x00\"\x00\x00\x00LZFu3\\\xe8t\x03\x00\n\x00rcpg125\x922\n\xf3 t\x07\x90t}\x0f\x10";
        let got = rtf_body(spec, 1 << 20).expect("the specification's example");
        assert_eq!(got, b"{\\rtf1\\ansi\\ansicpg1252\\pard test}");
        // A body with a card number, round trip.
        let rtf = "{\\rtf1\\ansi card 4111 1111 1111 1111 exp 12/27\\par}";
        let packed = compressed_rtf::compress_rtf(rtf).unwrap();
        assert_eq!(rtf_body(&packed, 1 << 20).unwrap(), rtf.as_bytes());
        // Declaring more than the cap, cut short, too short, a stored body
        // declaring more than it holds, garbage: none, and no panic.
        assert!(rtf_body(&packed, 10).is_none());
        assert!(rtf_body(&packed[..packed.len() - 1], 1 << 20).is_none());
        assert!(rtf_body(&packed[..12], 1 << 20).is_none());
        let mut mela = 40u32.to_le_bytes().to_vec();
        mela.extend_from_slice(&1000u32.to_le_bytes());
        mela.extend_from_slice(b"MELA\0\0\0\0");
        mela.extend_from_slice(&[b'x'; 32]);
        assert!(rtf_body(&mela, 1 << 20).is_none());
        for seed in 0..200u32 {
            let junk: Vec<u8> = (0..64u32)
                .map(|i| (seed.wrapping_mul(2_654_435_761) ^ i.wrapping_mul(40_503)) as u8)
                .collect();
            let mut framed = 60u32.to_le_bytes().to_vec();
            framed.extend_from_slice(&junk[4..]);
            let _ = rtf_body(&framed, 1 << 20);
        }
    }

    #[test]
    fn details_name_the_document_and_the_scheme() {
        let d = Encrypted::Workbook(Scheme::CryptoApi).detail(Builtin::Failed);
        assert!(d.contains("Excel") && d.contains("RC4 CryptoAPI"), "{d}");
        assert!(d.contains("was tried and does not open it"), "{d}");
        let d = Encrypted::Workbook(Scheme::Rc4).detail(Builtin::NotTried);
        assert!(d.contains("was not tried"), "{d}");
        let d = Encrypted::Workbook(Scheme::Xor).detail(Builtin::Failed);
        assert!(d.contains("XOR") && d.contains("not decrypted"), "{d}");
        let f = Builtin::Failed;
        assert!(Encrypted::Word(Scheme::Xor).detail(f).contains("XOR"));
        assert!(Encrypted::PowerPoint.detail(f).contains("PowerPoint"));
        assert!(Encrypted::Package.detail(f).contains("EncryptedPackage"));
    }
}
