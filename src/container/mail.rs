//! Mail: single RFC 5322 messages (`.eml`) and mbox mailboxes. MIME parts
//! are decoded (base64, quoted-printable, charsets) by the `mail-parser`
//! crate; text and HTML parts are scanned as text with `message` (in a
//! mailbox) and `part` in their location, the headers too (a number in a
//! subject line counts); attachments are members (`mail.eml!invoice.zip`,
//! `inbox.mbox!message-3/invoice.zip`) and go back through
//! [`super::node`], so a zip attached to a mail is opened. A message is
//! held in memory up to the buffer limit; a larger one, or one of so many
//! parts that parsing them would take more than that limit, is scanned as
//! raw bytes and reported.

use std::io::{BufRead, BufReader, Cursor, Read};

use mail_parser::{Message, MessageParser, MimeHeaders, PartType};

use super::limits::{Limit, LimitHit};
use super::{
    location, member_path, node, skip_error, too_big_to_open, Ctx, Format, Location, Sink, Text,
    Top,
};
use crate::coverage::Reason;
use crate::redact;

/// Header names that mark the start of a message.
const HEADERS: [&str; 12] = [
    "from",
    "to",
    "subject",
    "date",
    "message-id",
    "received",
    "return-path",
    "mime-version",
    "delivered-to",
    "reply-to",
    "content-type",
    "x-mailer",
];

/// Whether `head` starts a message (`Mail`) or a mailbox (`Mbox`): header
/// lines up to a blank line, at least two of them well-known names.
pub fn sniff(head: &[u8]) -> Format {
    let (body, format) = if head.starts_with(b"From ") {
        match memchr::memchr(b'\n', head) {
            Some(i) => (&head[i + 1..], Format::Mbox),
            None => return Format::Plain,
        }
    } else {
        (head, Format::Mail)
    };
    let mut known = 0;
    let mut lines = 0;
    for line in body.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            // The end of the headers.
            return if known >= 2 { format } else { Format::Plain };
        }
        lines += 1;
        if line[0] == b' ' || line[0] == b'\t' {
            if lines == 1 {
                return Format::Plain;
            }
            continue; // a folded header
        }
        let Some(colon) = memchr::memchr(b':', line) else {
            return Format::Plain;
        };
        let name = &line[..colon];
        // No header's name starts with a digit; a log line's timestamp
        // (`2024-05-01T12:00:01`) does, and ends the test at once.
        if name.is_empty()
            || name[0].is_ascii_digit()
            || !name.iter().all(|&b| b.is_ascii_graphic())
        {
            return Format::Plain;
        }
        // (No allocation: the first lines of every log file, `12:00:01`
        // and all, come through here.)
        if HEADERS
            .iter()
            .any(|h| h.as_bytes().eq_ignore_ascii_case(name))
        {
            known += 1;
        }
    }
    // The headers go on past the head: enough if they look like mail.
    if known >= 3 && lines >= 3 {
        format
    } else {
        Format::Plain
    }
}

/// One message from a stream.
pub fn scan_message_stream(
    cx: &Ctx,
    top: &Top,
    sink: &mut dyn Sink,
    path: &str,
    depth: u32,
    r: &mut dyn Read,
) -> bool {
    match super::buffer(cx, r) {
        Ok(Ok(bytes)) => {
            let ok = message(cx, top, sink, path, depth, &bytes, &Location::new(), "");
            if ok && depth > 0 {
                sink.member_done();
            }
            ok
        }
        Ok(Err(got)) => too_big_to_open(sink, path, depth, Format::Mail, got, r),
        Err(e) => {
            skip_error(sink, path, &e, None);
            false
        }
    }
}

/// An mbox mailbox: each message in turn (a `From ` line after a blank
/// line starts one).
pub fn scan_mbox(
    cx: &Ctx,
    top: &Top,
    sink: &mut dyn Sink,
    path: &str,
    depth: u32,
    r: &mut dyn Read,
) -> bool {
    let mut br = BufReader::with_capacity(64 * 1024, r);
    let cap = cx.limits.max_buffer as usize;
    let mut msg: Vec<u8> = Vec::new();
    let mut n = 0u64;
    let mut ok = true;
    let mut prev_blank = true;
    let mut line = Vec::new();
    let mut too_big = false;
    loop {
        line.clear();
        let got = read_line(&mut br, &mut line, 1 << 20);
        let eof = match got {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) => {
                skip_error(sink, path, &e, None);
                return false;
            }
        };
        let starts = eof || (prev_blank && line.starts_with(b"From "));
        if starts {
            if n > 0 {
                if too_big {
                    raw_piece(sink, path, &msg);
                    ok = false;
                } else {
                    let loc = location([("message", n.into())]);
                    let prefix = format!("message-{n}/");
                    ok &= message(cx, top, sink, path, depth, &msg, &loc, &prefix);
                }
            }
            if eof {
                if ok && depth > 0 {
                    sink.member_done();
                }
                return ok;
            }
            n += 1;
            msg.clear();
            too_big = false;
        } else {
            // `>From ` quoting (mboxrd) is undone.
            let l = match line.strip_prefix(b">") {
                Some(rest)
                    if rest.trim_ascii_start().starts_with(b"From ") || rest.starts_with(b">") =>
                {
                    rest
                }
                _ => &line[..],
            };
            msg.extend_from_slice(l);
            if msg.len() > cap {
                // Too large to parse: its raw bytes are scanned, a buffer at a time.
                if !too_big {
                    let hit = super::LimitHit::new(
                        super::Limit::Buffer,
                        format!(
                            "message {n} larger than the in-memory limit, scanned as raw bytes"
                        ),
                    );
                    sink.skip(path, Reason::Limit, hit.to_string(), None);
                    too_big = true;
                }
                raw_piece(sink, path, &msg);
                msg.clear();
            }
        }
        prev_blank = line == b"\n" || line == b"\r\n";
    }
}

/// Scans part of a message too large to parse as raw bytes.
fn raw_piece(sink: &mut dyn Sink, path: &str, bytes: &[u8]) {
    let _ = sink.scan(path, &mut Cursor::new(bytes), None);
}

/// Reads a line (with its `\n`) of at most `max` bytes: a longer one is
/// returned in pieces.
fn read_line(br: &mut impl BufRead, out: &mut Vec<u8>, max: usize) -> std::io::Result<usize> {
    let mut total = 0;
    loop {
        let avail = br.fill_buf()?;
        if avail.is_empty() {
            return Ok(total);
        }
        let room = max - total;
        let take = avail.len().min(room);
        match memchr::memchr(b'\n', &avail[..take]) {
            Some(i) => {
                out.extend_from_slice(&avail[..=i]);
                br.consume(i + 1);
                return Ok(total + i + 1);
            }
            None => {
                out.extend_from_slice(&avail[..take]);
                br.consume(take);
                total += take;
                if total >= max {
                    return Ok(total);
                }
            }
        }
    }
}

/// Scans one message: headers, text parts, attachments. `base` is the
/// location of the message (its number in a mailbox), `prefix` the start
/// of its attachments' member names.
#[allow(clippy::too_many_arguments)]
fn message(
    cx: &Ctx,
    top: &Top,
    sink: &mut dyn Sink,
    path: &str,
    depth: u32,
    bytes: &[u8],
    base: &Location,
    prefix: &str,
) -> bool {
    // mail-parser holds each part's headers and offsets in memory (about
    // 1.7 KB a part): a message of tiny parts within the buffer limit
    // could still take a gigabyte to parse. Past the limit, raw bytes.
    let parsed = super::Parsed {
        what: "mail",
        items: "MIME parts",
        count: parts_bound(bytes),
        cost: PART_COST,
    };
    if parsed.over(cx.limits.max_buffer, sink, path, depth, bytes) {
        return false;
    }
    let Some(m) = MessageParser::default().parse(bytes) else {
        sink.skip(
            path,
            Reason::Corrupt,
            "mail: not a parsable message; scanned as raw bytes".into(),
            None,
        );
        super::raw(sink, path, depth, bytes);
        return false;
    };
    let mut text = Text::default();
    let ok = parts(cx, top, sink, path, depth, &m, base, prefix, &mut text);
    text.flush(sink, path);
    drop_flat(m);
    ok
}

/// The memory mail-parser takes per MIME part, rounded up (its headers,
/// offsets and bookkeeping; a decoded body comes on top): measured at
/// about 1.7 KB with one header a part.
const PART_COST: u64 = 2048;

/// An upper bound on the MIME parts mail-parser makes of `bytes`: every
/// part but the first starts after a boundary line (`--` then a boundary
/// character, not a space: `-- ` is a signature) or is the body of a
/// `message/…` part, whose name must appear.
fn parts_bound(bytes: &[u8]) -> u64 {
    use aho_corasick::AhoCorasick;
    use std::sync::OnceLock;
    static STARTS: OnceLock<AhoCorasick> = OnceLock::new();
    let ac = STARTS.get_or_init(|| {
        aho_corasick::AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .build(["\n--", "message/"])
            .expect("two literal patterns")
    });
    let starts = ac
        .find_iter(bytes)
        .filter(|m| {
            // `message/`, or `\n--` before a boundary character.
            m.pattern().as_usize() == 1
                || bytes
                    .get(m.end())
                    .is_some_and(|&b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        })
        .count();
    starts as u64 + 1
}

/// Drops a parsed message level by level: mail-parser holds a forwarded
/// message inside its part, and the recursive drop of 100,000 levels (a
/// 7 MB file) overflowed the stack.
fn drop_flat(m: Message<'_>) {
    let mut stack = vec![m];
    while let Some(mut m) = stack.pop() {
        for p in &mut m.parts {
            if matches!(p.body, PartType::Message(_)) {
                let body = std::mem::replace(&mut p.body, PartType::Multipart(Vec::new()));
                if let PartType::Message(inner) = body {
                    stack.push(inner);
                }
            }
        }
    }
}

/// The parts of a parsed message (nested messages recursively).
#[allow(clippy::too_many_arguments)]
fn parts(
    cx: &Ctx,
    top: &Top,
    sink: &mut dyn Sink,
    path: &str,
    depth: u32,
    m: &Message<'_>,
    base: &Location,
    prefix: &str,
    text: &mut Text,
) -> bool {
    let mut ok = true;
    // The header block as written (encoded words and all), then the
    // decoded subject, which may hide a number in base64. A nested
    // message's raw bytes are the whole outer message's (mail-parser), so
    // its own headers are those of its first part.
    let raw = m.raw_message();
    let (header_start, header_end) = m
        .parts
        .first()
        .map(|p| (p.offset_header as usize, p.offset_body as usize))
        .unwrap_or((0, raw.len()));
    let header_end = header_end.min(raw.len());
    let header_start = header_start.min(header_end);
    let mut loc = base.clone();
    loc.insert("part".into(), "headers".into());
    text.segment(loc.clone());
    text.push(&String::from_utf8_lossy(&raw[header_start..header_end]));
    if let Some(s) = m.subject() {
        text.segment(loc);
        text.push(s);
    }
    for (i, part) in m.parts.iter().enumerate() {
        let mut loc = base.clone();
        loc.insert("part".into(), (i as u64 + 1).into());
        if let Some(ct) = part.content_type() {
            let t = match &ct.c_subtype {
                Some(s) => format!("{}/{}", ct.c_type, s),
                None => ct.c_type.to_string(),
            };
            loc.insert("content_type".into(), redact::text(&t).into_owned().into());
        }
        match &part.body {
            // A text attachment with a file name (`cards.csv`) is a member
            // like any other attachment, so it gets its own name and its
            // format's locations (CSV column, JSON path).
            PartType::Text(s) | PartType::Html(s) if part.attachment_name().is_some() => {
                let name = part.attachment_name().unwrap_or_default();
                let mpath = member_path(path, &format!("{prefix}{name}"));
                ok &= node(
                    cx,
                    top,
                    sink,
                    &mpath,
                    depth + 1,
                    &mut Cursor::new(s.as_bytes()),
                );
            }
            PartType::Text(s) | PartType::Html(s) => {
                text.segment(loc);
                text.push(s);
                text.maybe_flush(sink, path);
            }
            PartType::Binary(b) | PartType::InlineBinary(b) => {
                let name = part
                    .attachment_name()
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("part-{}", i + 1));
                let mpath = member_path(path, &format!("{prefix}{name}"));
                ok &= node(cx, top, sink, &mpath, depth + 1, &mut Cursor::new(&b[..]));
            }
            PartType::Message(inner) => {
                let name = part
                    .attachment_name()
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("part-{}.eml", i + 1));
                let mpath = member_path(path, &format!("{prefix}{name}"));
                if depth + 1 >= cx.limits.max_depth {
                    // Too deep to open (a message in a message 20,000
                    // deep overflowed the stack): its bytes, raw.
                    let hit = LimitHit::new(
                        Limit::Depth,
                        format!("message nested {} deep, not opened", depth + 1),
                    );
                    sink.skip(&mpath, Reason::Limit, hit.to_string(), None);
                    let bytes = inner.raw_message();
                    let own = inner.parts.first().map_or(0..0, |p| {
                        let end = (p.offset_end as usize).min(bytes.len());
                        (p.offset_header as usize).min(end)..end
                    });
                    super::raw(sink, &mpath, depth + 1, &bytes[own]);
                    ok = false;
                    continue;
                }
                let mut t = Text::default();
                ok &= parts(
                    cx,
                    top,
                    sink,
                    &mpath,
                    depth + 1,
                    inner,
                    &Location::new(),
                    "",
                    &mut t,
                );
                t.flush(sink, &mpath);
            }
            PartType::Multipart(_) => {}
        }
    }
    ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mail_is_recognised_by_its_headers() {
        let eml = b"From: a@example.com\r\nTo: b@example.com\r\nSubject: hi\r\n\r\nbody\r\n";
        assert_eq!(sniff(eml), Format::Mail);
        let mbox = b"From a@example.com Mon Jan  1 00:00:00 2024\nFrom: a@example.com\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n\nbody\n";
        assert_eq!(sniff(mbox), Format::Mbox);
        assert_eq!(
            sniff(b"Subject: notes\n\nnot enough headers\n"),
            Format::Plain
        );
        assert_eq!(sniff(b"key: value\nother: thing\n\n"), Format::Plain);
        assert_eq!(sniff(b"From the desk of the CEO\nhello\n"), Format::Plain);
        assert_eq!(sniff(b"2024-01-01 From: x\n"), Format::Plain);
        // A log whose lines all have a colon, then mail-like lines.
        let log = b"2024-01-01T12:00:01 a\n2024-01-01T12:00:02 b\nFrom: a\nTo: b\nSubject: c\n\n";
        assert_eq!(sniff(log), Format::Plain);
    }

    #[test]
    fn parts_are_bounded_by_boundary_lines_and_message_types() {
        let one = b"From: a@x\nSubject: s\n\nbody -- text\n-- \nsignature\n";
        assert_eq!(parts_bound(one), 1);
        let m = b"Content-Type: multipart/mixed; boundary=b\n\n--b\n\na\n--b\n\
                  Content-Type: MESSAGE/rfc822\n\nFrom: x\n\nb\n--b--\n";
        // Three boundary lines and one message/ part.
        assert_eq!(parts_bound(m), 5);
        let parsed = MessageParser::default().parse(&m[..]).unwrap();
        assert!(parsed.parts.len() as u64 <= parts_bound(m));
        // A boundary line at the very start has no newline before it: the
        // first part is counted by the `+ 1`.
        assert_eq!(parts_bound(b"--b\n"), 1);
    }

    #[test]
    fn long_lines_come_in_pieces() {
        let data = vec![b'a'; 3000];
        let mut br = BufReader::with_capacity(512, &data[..]);
        let mut line = Vec::new();
        assert_eq!(read_line(&mut br, &mut line, 1000).unwrap(), 1000);
        line.clear();
        let mut br = BufReader::new(&b"ab\ncd"[..]);
        assert_eq!(read_line(&mut br, &mut line, 1000).unwrap(), 3);
        assert_eq!(line, b"ab\n");
    }
}
