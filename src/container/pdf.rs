//! PDF: the text of each page (content streams decoded with their filters,
//! FlateDecode and the other common ones, by the `lopdf` crate, and read
//! one operation at a time: a page of vector art holds millions of them,
//! and collecting them all took ~35 bytes of memory per byte of content),
//! one segment per page with `page` in its location. A PDF needs random
//! access, so it is held in memory up to the buffer limit; a larger one is
//! scanned as raw bytes and reported. A PDF that needs a password is
//! reported `encrypted`; one that cannot be parsed is scanned as raw bytes
//! and reported `corrupt`; one whose pages hold no text at all (scanned
//! images) is reported, since its content could not be read. `lopdf`
//! parses every object of the file when it loads it (about 850 bytes
//! each, object streams decompressed): a file that may hold more objects
//! than [`super::DECODER_MEMORY`] (or `--max-buffer`, if larger) allows is
//! scanned as raw bytes and reported as a limit; so is one whose object
//! or cross-reference stream would decompress past that bound.

use std::io::Read;

use super::limits::{Limit, LimitHit};
use super::{location, raw, skip_error, too_big_to_open, Ctx, Format, Sink, Text};
use crate::coverage::Reason;
use crate::redact;

/// Decompressed bytes of one page's content that are read at most.
const PAGE_LIMIT: usize = 64 << 20;

/// Scans a PDF stream.
pub fn scan(cx: &Ctx, sink: &mut dyn Sink, path: &str, depth: u32, r: &mut dyn Read) -> bool {
    let bytes = match super::buffer(cx, r) {
        Ok(Ok(b)) => b,
        Ok(Err(got)) => return too_big_to_open(sink, path, depth, Format::Pdf, got, r),
        Err(e) => {
            skip_error(sink, path, &e, None);
            return false;
        }
    };
    let memory = cx.limits.max_buffer.max(super::DECODER_MEMORY);
    scan_bytes(sink, path, depth, &bytes, memory)
}

/// Memory `lopdf` takes per parsed object, rounded up (measured: about
/// 850 bytes for objects as small as `[1]`).
const OBJECT_COST: u64 = 1024;

/// An upper bound on the objects `lopdf` parses from `bytes`: each `obj`
/// keyword (not `endobj`) starts at most one, and an object stream's index
/// (`/First` bytes of it) holds at most one per 4 bytes (`1 0 `).
fn objects_bound(bytes: &[u8]) -> u64 {
    let keywords = memchr::memmem::find_iter(bytes, b"obj")
        .filter(|&i| i < 3 || &bytes[i - 3..i] != b"end")
        .count() as u64;
    let indexed: u64 = memchr::memmem::find_iter(bytes, b"/First")
        .map(|i| {
            let rest = &bytes[i + 6..];
            let rest = &rest[rest.iter().take_while(|b| b.is_ascii_whitespace()).count()..];
            let rest = rest.strip_prefix(b"+").unwrap_or(rest);
            let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
            // Up to 19 digits fit a u64; more is a number lopdf refuses.
            std::str::from_utf8(&rest[..digits.min(19)])
                .ok()
                .and_then(|s| s.parse::<u64>().ok())
                .map_or(0, |n| n / 4 + 1)
        })
        .fold(0, u64::saturating_add);
    keywords.saturating_add(indexed)
}

fn scan_bytes(sink: &mut dyn Sink, path: &str, depth: u32, bytes: &[u8], memory: u64) -> bool {
    let objects = super::Parsed {
        what: "pdf",
        items: "objects",
        count: objects_bound(bytes),
        cost: OBJECT_COST,
    };
    if objects.over(memory, sink, path, depth, bytes) {
        return false;
    }
    let options = lopdf::LoadOptions {
        max_decompressed_size: Some(usize::try_from(memory).unwrap_or(usize::MAX)),
        ..Default::default()
    };
    let doc = match lopdf::Document::load_mem_with_options(bytes, options) {
        Ok(d) => d,
        Err(e) if is_memory_error(&e) => {
            let hit = LimitHit::new(
                Limit::Buffer,
                format!(
                    "pdf: a stream decompresses past {} MiB; scanned as raw bytes",
                    memory >> 20
                ),
            );
            sink.skip(path, Reason::Limit, hit.to_string(), None);
            raw(sink, path, depth, bytes);
            return false;
        }
        Err(e) => {
            if is_password_error(&e) {
                sink.skip(
                    path,
                    Reason::Encrypted,
                    "password-protected PDF".into(),
                    None,
                );
                return false;
            }
            sink.skip(
                path,
                Reason::Corrupt,
                redact::text(&format!("pdf: {e}; scanned as raw bytes")).into_owned(),
                None,
            );
            raw(sink, path, depth, bytes);
            return false;
        }
    };
    if doc.is_encrypted() {
        sink.skip(
            path,
            Reason::Encrypted,
            "password-protected PDF".into(),
            None,
        );
        return false;
    }
    let pages = doc.get_pages();
    let mut text = Text::default();
    let mut ok = true;
    let mut failed = Vec::new();
    let mut with_text = 0usize;
    for (&n, &id) in &pages {
        let (t, complete) = page_text(&doc, id, PAGE_LIMIT);
        if t.chars().any(|c| !c.is_whitespace()) {
            with_text += 1;
        }
        text.segment(location([("page", n.into())]));
        text.push(&t);
        text.maybe_flush(sink, path);
        if !complete {
            failed.push(n);
        }
    }
    text.flush(sink, path);
    if !failed.is_empty() {
        let list: Vec<String> = failed.iter().take(10).map(u32::to_string).collect();
        let more = if failed.len() > 10 { ", ..." } else { "" };
        sink.skip(
            path,
            Reason::Corrupt,
            format!(
                "pdf: text of page(s) {}{more} could not be read",
                list.join(", ")
            ),
            None,
        );
        ok = false;
    }
    if with_text == 0 && !pages.is_empty() && failed.len() < pages.len() {
        sink.skip(
            path,
            Reason::Unsupported,
            format!(
                "pdf: none of its {} page(s) has text (scanned images are not read)",
                pages.len()
            ),
            None,
        );
        ok = false;
    }
    if ok && depth > 0 {
        sink.member_done();
    }
    ok
}

/// The text of page `id` and whether all of it was read: the text shown
/// by `Tj`, `TJ`, `'` and `"` in each font's encoding, a line break at `T*`
/// and `ET`, a space between the strings of a `TJ` array where it moves
/// by more than 100 units (what `lopdf`'s `extract_text` gives, without
/// holding the page's operations). Not complete: the decompressed content
/// (or a font's encoding map) is over `limit` bytes, or a font's encoding
/// cannot be read, or the content stops parsing before its end (`lopdf`'s
/// operation iterator ends quietly there, so the text after a stray `)` or
/// binary garbage would be lost unseen; an operator appended to the content,
/// [`end_operator`], shows whether the parse got to the end).
fn page_text(doc: &lopdf::Document, id: lopdf::ObjectId, limit: usize) -> (String, bool) {
    use lopdf::{content::Content, Encoding, Object};
    let mut complete = true;
    let mut encodings: std::collections::BTreeMap<Vec<u8>, Encoding> = Default::default();
    match doc.get_page_fonts(id) {
        Ok(fonts) => {
            for (name, font) in fonts {
                match font.get_font_encoding_with_limit(doc, limit) {
                    Ok(e) => {
                        encodings.insert(name, e);
                    }
                    Err(_) => complete = false,
                }
            }
        }
        Err(_) => complete = false,
    }
    let Ok(mut content) = doc.get_page_content_with_limit(id, limit) else {
        return (String::new(), false);
    };
    // After a newline, which ends a comment on the last line.
    let end = end_operator();
    content.reserve_exact(end.len() + 2);
    content.extend_from_slice(b"\n");
    content.extend_from_slice(end.as_bytes());
    content.push(b'\n');
    let mut at_end = false;
    fn show(text: &mut String, enc: &Encoding, operands: &[Object]) -> bool {
        let mut ok = true;
        for o in operands {
            match o {
                Object::String(bytes, _) => ok &= enc.write_to_string(bytes, text).is_ok(),
                Object::Array(a) => {
                    ok &= show(text, enc, a);
                    text.push(' ');
                }
                Object::Integer(i) if *i < -100 => text.push(' '),
                _ => {}
            }
        }
        ok
    }
    let newline = |text: &mut String| {
        if !text.ends_with('\n') {
            text.push('\n');
        }
    };
    let mut text = String::new();
    let mut current = None;
    for op in Content::decode_iter(&content) {
        let Ok(op) = op else {
            complete = false;
            break;
        };
        // Whether this is the last operation (a content stream cannot
        // name it: its random part is not known outside this run).
        at_end = op.operator == end;
        let shown = match op.operator.as_str() {
            "Tf" => {
                current = op
                    .operands
                    .first()
                    .and_then(|f| f.as_name().ok())
                    .and_then(|f| encodings.get(f));
                continue;
            }
            "Tj" | "TJ" => &op.operands[..],
            "'" => {
                newline(&mut text);
                &op.operands[..]
            }
            "\"" => {
                newline(&mut text);
                op.operands.get(2..).unwrap_or_default()
            }
            "T*" | "ET" => {
                newline(&mut text);
                continue;
            }
            _ => continue,
        };
        // A string in a font the page does not name (or whose encoding
        // failed, counted above) is not text anyone can read.
        if let Some(enc) = current {
            complete &= show(&mut text, enc, shown);
        }
    }
    (text, complete && at_end)
}

/// The operator [`page_text`] appends to a page's content: a name no PDF
/// writer uses, with a random part chosen once per run, so that a file
/// which names the operator itself before its garbage cannot pass for
/// complete.
fn end_operator() -> &'static str {
    static END: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    END.get_or_init(|| {
        let mut nonce = [0u8; 8];
        if getrandom::getrandom(&mut nonce).is_err() {
            // No randomness: the time is still not known to a file's author.
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            nonce = (t.as_nanos() as u64 ^ u64::from(std::process::id())).to_le_bytes();
        }
        let hex: String = nonce.iter().map(|b| format!("{b:02x}")).collect();
        format!("PanScanEndOfContent{hex}")
    })
}

/// Whether loading stopped at the decompression bound.
fn is_memory_error(e: &lopdf::Error) -> bool {
    matches!(
        e,
        lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. })
    )
}

fn is_password_error(e: &lopdf::Error) -> bool {
    matches!(
        e,
        lopdf::Error::InvalidPassword | lopdf::Error::Decryption(_)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::{dictionary, Document, Object, Stream};

    /// A document of one page per content stream (raw bytes, not
    /// compressed), all in Courier as `F1`.
    fn doc(contents: &[&[u8]]) -> Document {
        doc_with(contents, dictionary! {})
    }

    /// [`doc`] with `dict` as each content stream's dictionary.
    fn doc_with(contents: &[&[u8]], dict: lopdf::Dictionary) -> Document {
        let mut doc = Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        let font = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Courier",
        });
        let resources = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font } });
        let kids: Vec<Object> = contents
            .iter()
            .map(|c| {
                let content = doc.add_object(Stream::new(dict.clone(), c.to_vec()));
                doc.add_object(dictionary! {
                    "Type" => "Page", "Parent" => pages_id, "Contents" => content,
                })
                .into()
            })
            .collect();
        let count = kids.len() as i64;
        doc.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! {
                "Type" => "Pages", "Kids" => kids, "Count" => count, "Resources" => resources,
                "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
            }),
        );
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog);
        doc
    }

    #[test]
    fn page_text_reads_what_lopdf_extract_text_reads() {
        let good: &[u8] =
            b"BT /F1 12 Tf 72 700 Td (card 4111) Tj T* [(1111) -20 (1111) -250 (1111)] TJ \
            (next) ' 1 2 (quoted) \" ET 0 0 m 10 10 l S BT /F1 9 Tf (second) Tj ET";
        let none: &[u8] = b"0 0 m 100 100 l S 1 0 0 RG";
        let doc = doc(&[good, none]);
        for (n, id) in doc.get_pages() {
            let (text, complete) = page_text(&doc, id, PAGE_LIMIT);
            assert!(complete, "page {n}");
            assert_eq!(text, doc.extract_text(&[n]).unwrap(), "page {n}");
        }
        let (text, _) = page_text(&doc, doc.get_pages()[&1], PAGE_LIMIT);
        // A `TJ` array: a space where it moves more than 100 units.
        assert!(text.contains("card 4111\n11111111 1111"), "{text:?}");
        assert!(text.contains("next") && text.contains("quoted") && text.contains("second"));
    }

    #[test]
    fn a_page_whose_content_stops_parsing_is_not_complete() {
        // lopdf's iterator stops quietly at each of these; the text after
        // it is lost, which the page must say.
        for garbage in [
            &b")"[..],
            b"]",
            b"}",
            b">",
            b"\x00\x01",
            b"<zz>",
            b"(unterminated",
            // A file that names the sentinel's fixed part before garbage.
            b"PanScanEndOfContent )",
        ] {
            let mut content = b"BT /F1 12 Tf (4111 1111) Tj ET ".to_vec();
            content.extend_from_slice(garbage);
            content.extend_from_slice(b" BT /F1 12 Tf (1111 1111) Tj ET");
            let doc = doc(&[&content]);
            let (text, complete) = page_text(&doc, doc.get_pages()[&1], PAGE_LIMIT);
            let shown = String::from_utf8_lossy(garbage);
            assert!(!complete, "{shown}: {text:?}");
            assert!(text.contains("4111 1111"), "{shown}: {text:?}");
        }
        // Clean endings are complete: a comment, operands without an
        // operator, the sentinel's fixed part inside the content.
        for tail in [&b"% a comment"[..], b"1 2", b"PanScanEndOfContent", b""] {
            let mut content = b"BT /F1 12 Tf (4111 1111) Tj ET ".to_vec();
            content.extend_from_slice(tail);
            let doc = doc(&[&content]);
            let (text, complete) = page_text(&doc, doc.get_pages()[&1], PAGE_LIMIT);
            let shown = String::from_utf8_lossy(tail);
            assert!(complete && text.contains("4111 1111"), "{shown}: {text:?}");
        }
    }

    /// A PDF written by hand: one page showing `card 4556 7375 8689 9855`,
    /// and an object stream (FlateDecode) of `index` then `body`.
    fn with_object_stream(index: &[u8], body: &[u8]) -> Vec<u8> {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut z, index).unwrap();
        std::io::Write::write_all(&mut z, body).unwrap();
        let packed = z.finish().unwrap();
        let content = b"BT /F1 12 Tf 72 700 Td (card 4556 7375 8689 9855) Tj ET";
        let mut stm = format!(
            "<< /Type /ObjStm /N 1 /First {} /Length {} /Filter /FlateDecode >>\nstream\n",
            index.len(),
            packed.len()
        )
        .into_bytes();
        stm.extend_from_slice(&packed);
        stm.extend_from_slice(b"\nendstream");
        let mut page = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
        page.extend_from_slice(content);
        page.extend_from_slice(b"\nendstream");
        let objects: [&[u8]; 6] = [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R \
              /Resources << /Font << /F1 5 0 R >> >> >>",
            &page,
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>",
            &stm,
        ];
        let mut out = b"%PDF-1.5\n".to_vec();
        let mut offsets = Vec::new();
        for (i, o) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
            out.extend_from_slice(o);
            out.extend_from_slice(b"\nendobj\n");
        }
        let xref = out.len();
        out.extend_from_slice(b"xref\n0 7\n0000000000 65535 f \n");
        for o in offsets {
            out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(
            format!("trailer\n<< /Size 7 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
        );
        out
    }

    #[test]
    fn objects_are_bounded_before_lopdf_parses_them() {
        // Six `obj` keywords (no `endobj`), and an index of 12 bytes: 4 more.
        let pdf = with_object_stream(b"100 0 101 0 ", b"[1] [2]");
        assert_eq!(objects_bound(&pdf), 6 + 12 / 4 + 1);
        let doc = lopdf::Document::load_mem(&pdf).unwrap();
        assert!(doc.objects.len() as u64 <= objects_bound(&pdf));
        // An index of a million pairs compresses to a few KB, but is seen.
        let index = b"1 0 ".repeat(1_000_000);
        let pdf = with_object_stream(&index, b"[1]");
        assert!(pdf.len() < 64 << 10, "{}", pdf.len());
        assert!(objects_bound(&pdf) >= 1_000_000);
        assert_eq!(objects_bound(b"/First +400 /First 8"), 101 + 3);
    }

    #[test]
    fn a_stream_past_the_memory_bound_is_a_memory_error() {
        // Two MiB of object stream body under a one MiB bound.
        let pdf = with_object_stream(b"100 0 ", &vec![b' '; 2 << 20]);
        let options = lopdf::LoadOptions {
            max_decompressed_size: Some(1 << 20),
            ..Default::default()
        };
        let e = lopdf::Document::load_mem_with_options(&pdf, options).unwrap_err();
        assert!(is_memory_error(&e), "{e}");
        assert!(lopdf::Document::load_mem(&pdf).is_ok());
    }

    #[test]
    fn a_page_over_the_limit_is_not_complete() {
        let content = b"BT /F1 12 Tf (4111 1111) Tj ET";
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut z, content).unwrap();
        let doc = doc_with(
            &[&z.finish().unwrap()],
            dictionary! { "Filter" => "FlateDecode" },
        );
        let id = doc.get_pages()[&1];
        let (text, complete) = page_text(&doc, id, content.len());
        assert!(complete && text.contains("4111 1111"), "{text:?}");
        let (text, complete) = page_text(&doc, id, content.len() - 1);
        assert!(!complete && text.is_empty(), "{text:?}");
    }
}
