//! 7z archives: every member decompressed (LZMA, LZMA2, PPMd, BZip2,
//! Deflate, with the BCJ and delta filters; solid blocks decoded front to
//! back) and opened in turn, through the `sevenz-rust2` crate. A 7z on disk
//! is read in place; one inside another container is held in memory up to
//! `--max-buffer`, or scanned as raw bytes with a `limit` record.
//!
//! The crate allocates what an archive declares, so the declarations are
//! checked first: a header stored compressed whose unpacked size is over
//! `--max-buffer`, or a coder whose dictionary or model is over the decoder
//! memory bound, is a `limit` (the file scanned raw). An archive encrypted
//! with AES (7-Zip's only cipher; its names too with `-mhe`) is reported
//! `encrypted`. A member cut short or failing its CRC is `corrupt`; an
//! archive that cannot be read past some member is `corrupt` and its raw
//! bytes are scanned too (what they show that a member did not is reported
//! once).

use std::io::{self, Cursor, Read, Seek, SeekFrom};

use sevenz_rust2::{Archive, ArchiveReader, Password};

use super::limits::{bytes, Consumed, Guard, Limit, LimitHit};
use super::{buffer, leaf, member_path, node, skip_error, too_big_to_open, Ctx, Format};
use super::{Sink, Top, DECODER_MEMORY};
use crate::coverage::Reason;
use crate::redact;

/// The signature at the start of every 7z archive.
pub const MAGIC: &[u8] = b"7z\xBC\xAF\x27\x1C";

/// 7-Zip's AES-256 + SHA-256 coder.
const AES: [u8; 4] = [0x06, 0xF1, 0x07, 0x01];

/// A 7z inside another container: held in memory, then read in place.
pub fn scan_stream(
    cx: &Ctx,
    top: &Top,
    sink: &mut dyn Sink,
    path: &str,
    depth: u32,
    r: &mut dyn Read,
) -> bool {
    match buffer(cx, r) {
        Ok(Ok(bytes)) => scan_seekable(cx, top, sink, path, depth, &mut Cursor::new(bytes)),
        Ok(Err(got)) => too_big_to_open(sink, path, depth, Format::SevenZip, got, r),
        Err(e) => {
            skip_error(sink, path, &e, None);
            false
        }
    }
}

/// A 7z read in place. Returns whether all of it was read.
pub fn scan_seekable<R: Read + Seek>(
    cx: &Ctx,
    top: &Top,
    sink: &mut dyn Sink,
    path: &str,
    depth: u32,
    src: &mut R,
) -> bool {
    let memory = cx.limits.max_buffer.max(DECODER_MEMORY);
    let archive = check_header(src, cx.limits.max_buffer)
        .and_then(|()| Archive::read(src, &Password::empty()).map_err(|e| refusal(&e)))
        .and_then(|a| check_coders(&a, memory).map(|()| a));
    let archive = match archive {
        Ok(a) => a,
        Err((reason, detail)) => {
            sink.skip(
                path,
                reason,
                format!("{detail}; scanned as raw bytes"),
                None,
            );
            if src.seek(SeekFrom::Start(0)).is_err() {
                return false;
            }
            leaf(sink, path, depth, src);
            return false;
        }
    };
    let size = top.size.max(1);
    let mut reader = ArchiveReader::from_archive(archive, &mut *src, Password::empty());
    reader.set_thread_count(1);
    let live = sink.mark();
    let mut members = 0u64;
    let mut ok = true;
    let mut over = false;
    let result = reader.for_each_entries(|entry, r| {
        if entry.is_directory() {
            return Ok(true);
        }
        if members >= cx.limits.max_members {
            over = true;
            return Ok(false);
        }
        members += 1;
        let name = member_path(path, entry.name());
        let mut guarded = Guard::new(cx, top, r, Consumed::Known(size));
        ok &= node(cx, top, sink, &name, depth + 1, &mut guarded);
        // A solid block goes on where this member ends: what it left unread
        // (a member cut short by a limit) is read past.
        io::copy(&mut guarded, &mut io::sink())?;
        Ok(!sink.stopped())
    });
    if over {
        let hit = LimitHit::new(
            Limit::Members,
            format!(
                "7z: more than {} members, the rest not read",
                cx.limits.max_members
            ),
        );
        sink.skip(path, Reason::Limit, hit.to_string(), None);
        ok = false;
    }
    if let Err(e) = result {
        // What could not be decoded is still scanned as raw bytes; what a
        // member already gave is reported from it only.
        let (reason, detail) = refusal(&e);
        sink.skip(
            path,
            reason,
            format!("{detail}; members after it not read, the archive scanned as raw bytes"),
            None,
        );
        drop(reader);
        let at = sink.mark();
        if src.seek(SeekFrom::Start(0)).is_ok() {
            leaf(sink, path, depth, src);
        }
        sink.dedupe(live..at, at, None);
        return false;
    }
    ok
}

/// The start header's next-header size, and the unpacked size of a header
/// stored compressed, against `max`: the crate reads either into memory.
fn check_header<R: Read + Seek>(src: &mut R, max: u64) -> Result<(), (Reason, String)> {
    let corrupt = |what: &str| (Reason::Corrupt, format!("7z: {what}"));
    let mut start = [0u8; 32];
    src.seek(SeekFrom::Start(0))
        .and_then(|_| src.read_exact(&mut start))
        .map_err(|_| corrupt("shorter than its start header"))?;
    let offset = u64::from_le_bytes(start[12..20].try_into().unwrap_or_default());
    let size = u64::from_le_bytes(start[20..28].try_into().unwrap_or_default());
    let limit = |what: &str, n: u64| {
        let hit = LimitHit::new(
            Limit::Buffer,
            format!(
                "7z: {what} of {} is over {} in memory",
                bytes(n),
                bytes(max)
            ),
        );
        (Reason::Limit, hit.to_string())
    };
    if size > max {
        return Err(limit("a header", size));
    }
    // An encoded header (0x17): its streams info says how large it unpacks.
    let mut head = vec![0u8; size.min(4096) as usize];
    let at = 32u64
        .checked_add(offset)
        .ok_or_else(|| corrupt("header offset"))?;
    if src.seek(SeekFrom::Start(at)).is_err() || src.read_exact(&mut head).is_err() {
        // The crate says what is wrong with it.
        return Ok(());
    }
    if head.first() == Some(&0x17) {
        if let Some(n) = encoded_header_size(&head[1..]) {
            if n > max {
                return Err(limit("a compressed header unpacking", n));
            }
        }
    }
    Ok(())
}

/// The largest unpack size an encoded header's streams info declares
/// (7zFormat.txt: PackInfo, then Folders and their CodersUnPackSize).
fn encoded_header_size(b: &[u8]) -> Option<u64> {
    let mut i = 0usize;
    let byte = |i: &mut usize| -> Option<u8> {
        let v = *b.get(*i)?;
        *i += 1;
        Some(v)
    };
    // 7z's variable-length number: the first byte's leading ones say how
    // many bytes follow.
    let number = |i: &mut usize| -> Option<u64> {
        let first = *b.get(*i)?;
        *i += 1;
        let mut mask = 0x80u8;
        let mut value = 0u64;
        for n in 0..8 {
            if first & mask == 0 {
                let high = (first & mask.wrapping_sub(1)) as u64;
                return Some(value | (high << (8 * n)));
            }
            value |= (*b.get(*i)? as u64) << (8 * n);
            *i += 1;
            mask >>= 1;
        }
        Some(value)
    };
    if byte(&mut i)? == 0x06 {
        // PackInfo: position, count, then properties up to kEnd.
        number(&mut i)?;
        let count = number(&mut i)?;
        loop {
            match byte(&mut i)? {
                0x00 => break,
                0x09 | 0x0A => {
                    for _ in 0..count {
                        number(&mut i)?;
                    }
                }
                _ => return None,
            }
        }
    } else {
        return None;
    }
    // UnPackInfo, Folder.
    if byte(&mut i)? != 0x07 || byte(&mut i)? != 0x0B {
        return None;
    }
    let folders = number(&mut i)?;
    if byte(&mut i)? != 0 {
        return None;
    }
    let mut outs = 0u64;
    for _ in 0..folders {
        let coders = number(&mut i)?;
        let mut ins = 0u64;
        let mut folder_outs = 0u64;
        for _ in 0..coders {
            let flags = byte(&mut i)?;
            i = i.checked_add((flags & 0x0F) as usize)?;
            if flags & 0x10 != 0 {
                ins += number(&mut i)?;
                folder_outs += number(&mut i)?;
            } else {
                ins += 1;
                folder_outs += 1;
            }
            if flags & 0x20 != 0 {
                let n = number(&mut i)?;
                i = i.checked_add(usize::try_from(n).ok()?)?;
            }
        }
        // Bind pairs, then packed stream indexes.
        let pairs = folder_outs.checked_sub(1)?;
        for _ in 0..pairs {
            number(&mut i)?;
            number(&mut i)?;
        }
        let packed = ins.checked_sub(pairs)?;
        if packed > 1 {
            for _ in 0..packed {
                number(&mut i)?;
            }
        }
        outs = outs.checked_add(folder_outs)?;
    }
    if byte(&mut i)? != 0x0C {
        return None;
    }
    let mut most = 0u64;
    for _ in 0..outs.min(1 << 16) {
        most = most.max(number(&mut i)?);
    }
    Some(most)
}

/// Encryption, and dictionaries or models over `memory`, from the coders'
/// properties: the crate allocates what they declare.
fn check_coders(archive: &Archive, memory: u64) -> Result<(), (Reason, String)> {
    for block in &archive.blocks {
        // A block's coders run chained, each holding its own memory.
        let mut total = 0u64;
        for coder in &block.coders {
            let id = coder.encoder_method_id();
            if id == AES {
                return Err((Reason::Encrypted, "7z: encrypted (AES-256)".into()));
            }
            let props = coder_properties(coder);
            let props = &props[..];
            let need = match id {
                // LZMA: lc/lp/pb, then the dictionary size.
                [0x03, 0x01, 0x01] => props.get(1..5).map(|d| {
                    let dict = u32::from_le_bytes([d[0], d[1], d[2], d[3]]) as u64;
                    dict.min(block.get_unpack_size_for_coder(coder))
                }),
                // LZMA2: the dictionary size's code.
                [0x21] => props.first().map(|&p| {
                    if p >= 40 {
                        u64::from(u32::MAX)
                    } else {
                        (2 | (p as u64 & 1)) << (p / 2 + 11)
                    }
                }),
                // PPMd: order, then the model's memory size.
                [0x03, 0x04, 0x01] => props
                    .get(1..5)
                    .map(|m| u32::from_le_bytes([m[0], m[1], m[2], m[3]]) as u64),
                _ => None,
            };
            total = total.saturating_add(need.unwrap_or(0));
            if total > memory {
                let hit = LimitHit::new(
                    Limit::Buffer,
                    format!(
                        "7z: a block's coders need {} of memory, over {}",
                        bytes(total),
                        bytes(memory)
                    ),
                );
                return Err((Reason::Limit, hit.to_string()));
            }
        }
    }
    Ok(())
}

/// A coder's properties. The crate keeps them private but shows them in
/// its `Debug` form (`properties: [93, 0, 0, 16, 0]`); a test on archives
/// made by 7-Zip checks that they are read.
fn coder_properties(coder: &sevenz_rust2::Coder) -> Vec<u8> {
    let shown = format!("{coder:?}");
    let Some(at) = shown.find("properties: [") else {
        return Vec::new();
    };
    let rest = &shown[at + "properties: [".len()..];
    let end = rest.find(']').unwrap_or(0);
    rest[..end]
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect()
}

/// The coverage record for an archive the crate refused.
fn refusal(e: &sevenz_rust2::Error) -> (Reason, String) {
    use sevenz_rust2::Error as E;
    let text = redact::text(&e.to_string()).into_owned();
    match e {
        E::PasswordRequired | E::MaybeBadPassword(_) => {
            (Reason::Encrypted, "7z: encrypted (AES-256)".into())
        }
        // Without a cipher, an encrypted header is a coder it cannot run.
        E::UnsupportedCompressionMethod(m) if m.contains("AES") || m.contains("[6, 241, 7, 1]") => {
            (
                Reason::Encrypted,
                "7z: encrypted, names too (AES-256)".into(),
            )
        }
        E::UnsupportedCompressionMethod(_) | E::ExternalUnsupported | E::Unsupported(_) => {
            (Reason::Unsupported, format!("7z: {text}"))
        }
        E::Io(io, _) => {
            let (reason, detail) = super::classify(io);
            (reason, format!("7z: {detail}"))
        }
        _ => (Reason::Corrupt, format!("7z: {text}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archive(name: &str) -> Archive {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/formats")
            .join(name);
        Archive::read(&mut std::fs::File::open(path).unwrap(), &Password::empty()).unwrap()
    }

    #[test]
    fn coder_properties_are_read_and_bound_the_memory() {
        // 7-Zip's LZMA2 (-mx=9) and PPMd coders: their dictionary and model
        // sizes come from the properties, so a bound below them refuses.
        for name in ["site-backup.7z", "cards-ppmd.7z", "cards-bcj.7z"] {
            let a = archive(name);
            let props: Vec<Vec<u8>> = a.blocks[0].coders.iter().map(coder_properties).collect();
            assert!(props.iter().any(|p| !p.is_empty()), "{name}: {props:?}");
            assert!(check_coders(&a, 1 << 30).is_ok(), "{name}");
            let (reason, detail) = check_coders(&a, 16).unwrap_err();
            assert_eq!(reason, Reason::Limit, "{name}");
            assert!(detail.contains("coders need"), "{detail}");
        }
    }

    #[test]
    fn an_encoded_header_declares_its_size() {
        // PackInfo (position 0, one stream of 5 bytes), one folder of one
        // LZMA coder (5 bytes of properties), its unpacked size 300.
        let info = [
            0x06, 0x00, 0x01, 0x09, 0x05, 0x00, 0x07, 0x0B, 0x01, 0x00, 0x01, 0x23, 0x03, 0x01,
            0x01, 0x05, 0x5D, 0x00, 0x00, 0x10, 0x00, 0x0C, 0x81, 0x2C, 0x00,
        ];
        assert_eq!(encoded_header_size(&info), Some(300));
        for cut in 0..info.len() - 1 {
            assert_eq!(encoded_header_size(&info[..cut]), None, "cut {cut}");
        }
    }
}
