//! PDF: the text of each page (content streams decoded with their filters,
//! FlateDecode and the other common ones, by the `lopdf` crate), one
//! segment per page with `page` in its location. A PDF needs random
//! access, so it is held in memory up to the buffer limit; a larger one is
//! scanned as raw bytes and reported. A PDF that needs a password is
//! reported `encrypted`; one that cannot be parsed is scanned as raw bytes
//! and reported `corrupt`; one whose pages hold no text at all (scanned
//! images) is reported, since its content could not be read.

use std::io::Read;

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
    scan_bytes(sink, path, depth, &bytes)
}

fn scan_bytes(sink: &mut dyn Sink, path: &str, depth: u32, bytes: &[u8]) -> bool {
    let doc = match lopdf::Document::load_mem(bytes) {
        Ok(d) => d,
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
    for &n in pages.keys() {
        match doc.extract_text_with_limit(&[n], PAGE_LIMIT) {
            Ok(t) => {
                if t.chars().any(|c| !c.is_whitespace()) {
                    with_text += 1;
                }
                text.segment(location([("page", n.into())]));
                text.push(&t);
                text.maybe_flush(sink, path);
            }
            Err(_) => failed.push(n),
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

fn is_password_error(e: &lopdf::Error) -> bool {
    matches!(
        e,
        lopdf::Error::InvalidPassword | lopdf::Error::Decryption(_)
    )
}
