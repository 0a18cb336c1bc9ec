//! Office documents: the text of Word, Excel and PowerPoint files (Office
//! Open XML) and of OpenDocument text, spreadsheets and presentations,
//! read from their XML so that a number split across runs or tags
//! (`<w:t>4111 11</w:t></w:r><w:r><w:t>11 1111 1111</w:t>`) reads as one.
//! Each paragraph, or each spreadsheet cell, is a segment of text with its
//! location: `paragraph` (and `table`/`row`/`cell` inside a Word table),
//! `sheet` and `cell` (`B7`) for spreadsheets, `slide` for presentations.
//! A spreadsheet row is one line, its cells separated by tabs, so the words
//! of one cell are context for the number in the next.

use std::collections::HashMap;
use std::io::{self, BufReader, Read, Seek};

use quick_xml::events::{BytesStart, Event};
use zip::ZipArchive;

use super::archive::open_member;
use super::limits::{Consumed, Guard, Limit, LimitHit};
use super::{classify, location, member_path, Ctx, Location, Sink, Text, Top};
use crate::coverage::Reason;

/// The kind of an office document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Docx,
    Xlsx,
    Pptx,
    /// OpenDocument (odt, ods, odp): `content.xml`.
    Odf,
}

/// Recognises an office document from its member names.
pub fn detect<R: Read + Seek>(ar: &ZipArchive<R>) -> Option<Kind> {
    let has = |n: &str| ar.index_for_name(n).is_some();
    if has("word/document.xml") {
        Some(Kind::Docx)
    } else if has("xl/workbook.xml") {
        Some(Kind::Xlsx)
    } else if has("ppt/presentation.xml") {
        Some(Kind::Pptx)
    } else if has("content.xml") && has("mimetype") {
        Some(Kind::Odf)
    } else {
        None
    }
}

/// A part of the document whose text is extracted.
struct Part {
    index: usize,
    name: String,
    how: How,
}

enum How {
    /// Paragraphs (`p`) of `t` runs: Word bodies, headers, notes; slides.
    Paragraphs { slide: Option<u64> },
    /// An Excel worksheet and its name.
    Sheet(String),
    /// OpenDocument `content.xml`.
    Odf,
}

/// Extracts and scans the text of an office document. Returns the indices
/// of the members it read (the caller scans the others as plain members)
/// and whether all of them were read fully.
pub fn scan<R: Read + Seek>(
    cx: &Ctx,
    top: &Top,
    sink: &mut dyn Sink,
    path: &str,
    ar: &mut ZipArchive<R>,
    kind: Kind,
) -> (Vec<usize>, bool) {
    let mut ok = true;
    let mut done = Vec::new();
    let names: Vec<(usize, String)> = (0..ar.len())
        .filter_map(|i| {
            ar.name_for_index(i)
                .and_then(|n| n.ok())
                .map(|n| (i, n.into_owned()))
        })
        .collect();
    let mut parts = Vec::new();
    let mut shared = Vec::new();
    match kind {
        Kind::Docx => {
            for (i, n) in &names {
                if is_word_text_part(n) {
                    parts.push(Part {
                        index: *i,
                        name: n.clone(),
                        how: How::Paragraphs { slide: None },
                    });
                }
            }
        }
        Kind::Pptx => {
            for (i, n) in &names {
                let slide = numbered(n, "ppt/slides/slide")
                    .or_else(|| numbered(n, "ppt/notesSlides/notesSlide"));
                if let Some(s) = slide {
                    parts.push(Part {
                        index: *i,
                        name: n.clone(),
                        how: How::Paragraphs { slide: Some(s) },
                    });
                }
            }
        }
        Kind::Xlsx => {
            if let Some(i) = ar.index_for_name("xl/sharedStrings.xml") {
                let mpath = member_path(path, "xl/sharedStrings.xml");
                match read_xml(cx, top, ar, i, |r| shared_strings(r, cx.limits.max_buffer)) {
                    Ok(Ok((strings, complete))) => {
                        shared = strings;
                        if complete {
                            done.push(i);
                        } else {
                            let hit = LimitHit::new(
                                Limit::Buffer,
                                "shared strings larger than the in-memory limit: cells past it are scanned from the raw member".into(),
                            );
                            sink.skip(&mpath, Reason::Limit, hit.to_string(), None);
                        }
                    }
                    Ok(Err((reason, detail))) | Err((reason, detail)) => {
                        sink.skip(&mpath, reason, detail, None);
                        ok = false;
                    }
                }
            }
            for (i, n, sheet) in sheets(cx, top, ar) {
                parts.push(Part {
                    index: i,
                    name: n,
                    how: How::Sheet(sheet),
                });
            }
        }
        Kind::Odf => {
            if let Some(i) = ar.index_for_name("content.xml") {
                parts.push(Part {
                    index: i,
                    name: "content.xml".into(),
                    how: How::Odf,
                });
            }
        }
    }
    for part in parts {
        let mpath = member_path(path, &part.name);
        let mut text = Text::default();
        let got = read_xml(cx, top, ar, part.index, |r| match &part.how {
            How::Paragraphs { slide } => paragraphs(r, *slide, &mut text, sink, &mpath),
            How::Sheet(name) => sheet(r, name, &shared, &mut text, sink, &mpath),
            How::Odf => odf(r, &mut text, sink, &mpath),
        });
        text.flush(sink, &mpath);
        done.push(part.index);
        match got {
            Ok(Ok(())) => sink.member_done(),
            Ok(Err((reason, detail))) | Err((reason, detail)) => {
                sink.skip(&mpath, reason, detail, None);
                ok = false;
            }
        }
    }
    (done, ok)
}

type Failure = (Reason, String);
type Xml<'a> = quick_xml::Reader<BufReader<Box<dyn Read + 'a>>>;

/// Opens member `i` (with the limits on it) as an XML reader for `f`.
fn read_xml<R: Read + Seek, T>(
    cx: &Ctx,
    top: &Top,
    ar: &mut ZipArchive<R>,
    i: usize,
    f: impl FnOnce(&mut Xml) -> T,
) -> Result<T, Failure> {
    let mut file = open_member(ar, i)?;
    let compressed = file.compressed_size();
    let g = Guard::new(cx, top, &mut file, Consumed::Known(compressed));
    let g = Markup {
        inner: g,
        run: 0,
        cap: cx.limits.max_buffer,
    };
    let boxed: Box<dyn Read + '_> = Box::new(g);
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(boxed));
    xml.config_mut().check_end_names = false;
    Ok(f(&mut xml))
}

/// Ends an XML part at a text or a tag that runs longer than `cap` bytes
/// without markup (`<` or `>`): the XML reader holds one such event in
/// memory whole, so a part of one huge text node (a few KiB compressed)
/// would take memory without bound. It is reported as a `--max-buffer`
/// limit; the text before it is scanned.
struct Markup<R> {
    inner: R,
    /// Bytes since the last `<` or `>`.
    run: u64,
    cap: u64,
}

impl<R: Read> Read for Markup<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        match memchr::memrchr2(b'<', b'>', &buf[..n]) {
            Some(i) => self.run = (n - 1 - i) as u64,
            None => self.run += n as u64,
        }
        if self.run > self.cap {
            return Err(io::Error::other(LimitHit::new(
                Limit::Buffer,
                "an XML text or tag larger than the in-memory limit: the rest of the part is not read"
                    .into(),
            )));
        }
        Ok(n)
    }
}

/// Text of one cell kept at most (Excel's own limit is 32,767 characters).
const MAX_CELL: usize = 1 << 20;

/// A name taken from the document (a sheet's, a cell reference) as a
/// location value: PAN-like digits masked, like every path pan-scan prints.
pub(super) fn redacted(s: &str) -> serde_json::Value {
    crate::redact::text(s).into_owned().into()
}

/// Word parts with text: the body, headers, footers, notes and comments.
fn is_word_text_part(n: &str) -> bool {
    let Some(rest) = n.strip_prefix("word/") else {
        return false;
    };
    let stem = rest.strip_suffix(".xml").unwrap_or("");
    let stem = stem.trim_end_matches(|c: char| c.is_ascii_digit());
    !rest.contains('/')
        && matches!(
            stem,
            "document" | "header" | "footer" | "footnotes" | "endnotes" | "comments"
        )
}

/// `N` of `prefixN.xml`.
fn numbered(n: &str, prefix: &str) -> Option<u64> {
    n.strip_prefix(prefix)?.strip_suffix(".xml")?.parse().ok()
}

/// The local name of an element.
fn local<'a>(e: &'a BytesStart<'_>) -> &'a str {
    let name = e.name().0;
    name.rsplit(':').next().unwrap_or(name)
}

/// An attribute by local name, unescaped.
fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes().with_checks(false).flatten().find_map(|a| {
        let key = a.key.0;
        (key.rsplit(':').next() == Some(name)).then(|| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(|v| v.into_owned())
                .ok()
        })?
    })
}

/// The failure of an XML read: the read error (limit, I/O) or bad XML.
fn xml_failure(e: &quick_xml::Error) -> Failure {
    match e {
        quick_xml::Error::Io(io) => classify(io),
        e => (
            Reason::Corrupt,
            crate::redact::text(&format!("xml: {e}")).into_owned(),
        ),
    }
}

/// Text of a general entity reference (`&amp;`, `&#52;`).
fn entity(r: &quick_xml::events::BytesRef<'_>) -> Option<String> {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return Some(c.to_string());
    }
    let name = r.xml10_content();
    quick_xml::escape::resolve_xml_entity(&name).map(str::to_string)
}

/// Word and PowerPoint text: `p` paragraphs of `t` runs, tabs and breaks.
fn paragraphs(
    xml: &mut Xml,
    slide: Option<u64>,
    text: &mut Text,
    sink: &mut dyn Sink,
    path: &str,
) -> Result<(), Failure> {
    let mut buf = Vec::new();
    let mut para = 0u64;
    let mut in_t = 0u32;
    // Word tables: (table number, row, cell) of each open table.
    let mut tables: Vec<(u64, u64, u64)> = Vec::new();
    let mut table_count = 0u64;
    loop {
        let ev = xml.read_event_into(&mut buf).map_err(|e| xml_failure(&e))?;
        match ev {
            Event::Start(e) => match local(&e) {
                "p" => {
                    para += 1;
                    let mut loc = Location::new();
                    if let Some(s) = slide {
                        loc.insert("slide".into(), s.into());
                    }
                    loc.insert("paragraph".into(), para.into());
                    if let Some(&(t, r, c)) = tables.last() {
                        loc.insert("table".into(), t.into());
                        loc.insert("row".into(), r.into());
                        loc.insert("cell".into(), c.into());
                    }
                    text.segment(loc);
                }
                "t" => in_t += 1,
                "tbl" => {
                    table_count += 1;
                    tables.push((table_count, 0, 0));
                }
                "tr" => {
                    if let Some(t) = tables.last_mut() {
                        (t.1, t.2) = (t.1 + 1, 0);
                    }
                }
                "tc" => {
                    if let Some(t) = tables.last_mut() {
                        t.2 += 1;
                    }
                }
                _ => {}
            },
            Event::Empty(e) => match local(&e) {
                "tab" => text.sep(b'\t'),
                "br" | "cr" => text.sep(b' '),
                _ => {}
            },
            Event::End(e) => {
                let name = e.name().0;
                match name.rsplit(':').next().unwrap_or(name) {
                    "t" => in_t = in_t.saturating_sub(1),
                    "tbl" => {
                        tables.pop();
                    }
                    "p" => text.maybe_flush(sink, path),
                    _ => {}
                }
            }
            Event::Text(t) if in_t > 0 => {
                text.push(&t.xml10_content());
                text.flush_if_huge(sink, path);
            }
            Event::CData(t) if in_t > 0 => {
                text.push(&t.xml10_content());
                text.flush_if_huge(sink, path);
            }
            Event::GeneralRef(r) if in_t > 0 => {
                if let Some(s) = entity(&r) {
                    text.push(&s);
                }
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
        buf.clear();
    }
}

/// The shared strings of a workbook, as far as `cap` bytes of them; and
/// whether they all fit.
fn shared_strings(xml: &mut Xml, cap: u64) -> Result<(Vec<String>, bool), Failure> {
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut in_t, mut in_phonetic) = (0u32, 0u32);
    let mut total = 0u64;
    loop {
        let ev = xml.read_event_into(&mut buf).map_err(|e| xml_failure(&e))?;
        match ev {
            Event::Start(e) => match local(&e) {
                "si" => cur.clear(),
                "t" => in_t += 1,
                "rPh" => in_phonetic += 1,
                _ => {}
            },
            Event::End(e) => {
                let name = e.name().0;
                match name.rsplit(':').next().unwrap_or(name) {
                    "si" => {
                        total += cur.len() as u64 + 24;
                        if total > cap {
                            return Ok((out, false));
                        }
                        out.push(std::mem::take(&mut cur));
                    }
                    "t" => in_t = in_t.saturating_sub(1),
                    "rPh" => in_phonetic = in_phonetic.saturating_sub(1),
                    _ => {}
                }
            }
            Event::Text(t) if in_t > 0 && in_phonetic == 0 => {
                cur.push_str(&t.xml10_content());
                if total + cur.len() as u64 > cap {
                    return Ok((out, false));
                }
            }
            Event::GeneralRef(r) if in_t > 0 && in_phonetic == 0 => {
                if let Some(s) = entity(&r) {
                    cur.push_str(&s);
                }
                if total + cur.len() as u64 > cap {
                    return Ok((out, false));
                }
            }
            Event::Eof => return Ok((out, true)),
            _ => {}
        }
        buf.clear();
    }
}

/// The worksheets of a workbook in tab order: (member index, member name,
/// sheet name).
fn sheets<R: Read + Seek>(
    cx: &Ctx,
    top: &Top,
    ar: &mut ZipArchive<R>,
) -> Vec<(usize, String, String)> {
    // rId -> target, from the workbook's relationships.
    let mut targets = HashMap::new();
    if let Some(i) = ar.index_for_name("xl/_rels/workbook.xml.rels") {
        let _ = read_xml(cx, top, ar, i, |xml| {
            each_element(xml, |e| {
                if local(e) == "Relationship" {
                    if let (Some(id), Some(t)) = (attr(e, "Id"), attr(e, "Target")) {
                        let t = match t.strip_prefix('/') {
                            Some(abs) => abs.to_string(),
                            None => format!("xl/{t}"),
                        };
                        targets.insert(id, t);
                    }
                }
            })
        });
    }
    let mut listed = Vec::new();
    if let Some(i) = ar.index_for_name("xl/workbook.xml") {
        let _ = read_xml(cx, top, ar, i, |xml| {
            each_element(xml, |e| {
                if local(e) == "sheet" {
                    if let (Some(name), Some(id)) = (attr(e, "name"), attr(e, "id")) {
                        listed.push((name, id));
                    }
                }
            })
        });
    }
    let mut out = Vec::new();
    for (name, id) in listed {
        if let Some(t) = targets.get(&id) {
            if let Some(i) = ar.index_for_name(t) {
                out.push((i, t.clone(), name));
            }
        }
    }
    // Worksheets the workbook does not list (damaged files): by member name.
    for i in 0..ar.len() {
        let Some(Ok(n)) = ar.name_for_index(i) else {
            continue;
        };
        if n.starts_with("xl/worksheets/") && n.ends_with(".xml") && !out.iter().any(|o| o.0 == i) {
            let stem = n
                .trim_start_matches("xl/worksheets/")
                .trim_end_matches(".xml")
                .to_string();
            out.push((i, n.into_owned(), stem));
        }
    }
    out
}

/// Calls `f` on every start or empty element.
fn each_element(xml: &mut Xml, mut f: impl FnMut(&BytesStart<'_>)) -> Result<(), Failure> {
    let mut buf = Vec::new();
    loop {
        match xml.read_event_into(&mut buf).map_err(|e| xml_failure(&e))? {
            Event::Start(e) | Event::Empty(e) => f(&e),
            Event::Eof => return Ok(()),
            _ => {}
        }
        buf.clear();
    }
}

/// An Excel worksheet: one line per row, one segment per cell.
fn sheet(
    xml: &mut Xml,
    name: &str,
    shared: &[String],
    text: &mut Text,
    sink: &mut dyn Sink,
    path: &str,
) -> Result<(), Failure> {
    let mut buf = Vec::new();
    let mut cell: Option<(String, String)> = None; // (reference, type)
    let mut value = String::new();
    let (mut in_v, mut in_t) = (false, false);
    let mut first_in_row = true;
    // Where the next cell without an `r` reference is: rows and cells may
    // leave it out, each then following the one before (ECMA-376 18.3.1).
    let (mut row, mut col) = (0u64, 0u64);
    loop {
        let ev = xml.read_event_into(&mut buf).map_err(|e| xml_failure(&e))?;
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => match local(e) {
                "row" => {
                    let r = attr(e, "r").and_then(|r| r.trim().parse().ok());
                    (row, col) = (r.unwrap_or(row.saturating_add(1)), 0);
                    first_in_row = true;
                    text.maybe_flush(sink, path);
                }
                "c" => {
                    let r = attr(e, "r").filter(|r| !r.is_empty());
                    col = r
                        .as_deref()
                        .and_then(column_of)
                        .unwrap_or(col.saturating_add(1));
                    let r = r.unwrap_or_else(|| format!("{}{row}", column_letters(col)));
                    if matches!(ev, Event::Start(_)) {
                        cell = Some((r, attr(e, "t").unwrap_or_default()));
                        value.clear();
                    }
                }
                "v" if matches!(ev, Event::Start(_)) => in_v = true,
                "t" if matches!(ev, Event::Start(_)) => in_t = true,
                _ => {}
            },
            Event::End(e) => {
                let n = e.name().0;
                match n.rsplit(':').next().unwrap_or(n) {
                    "v" => in_v = false,
                    "t" => in_t = false,
                    "c" => {
                        if let Some((r, t)) = cell.take() {
                            let shown = if t == "s" {
                                value
                                    .trim()
                                    .parse::<usize>()
                                    .ok()
                                    .and_then(|k| shared.get(k))
                                    .map(String::as_str)
                            } else {
                                Some(value.as_str())
                            };
                            if let Some(s) = shown.filter(|s| !s.is_empty()) {
                                if !first_in_row {
                                    text.sep(b'\t');
                                }
                                let loc =
                                    location([("sheet", redacted(name)), ("cell", redacted(&r))]);
                                if first_in_row {
                                    text.segment(loc);
                                } else {
                                    text.segment_inline(loc);
                                }
                                text.push(s);
                                text.flush_if_huge(sink, path);
                                first_in_row = false;
                            }
                        }
                    }
                    _ => {}
                }
            }
            Event::Text(t) if cell.is_some() && (in_v || in_t) && value.len() < MAX_CELL => {
                value.push_str(&t.xml10_content())
            }
            Event::GeneralRef(r) if cell.is_some() && (in_v || in_t) && value.len() < MAX_CELL => {
                if let Some(s) = entity(&r) {
                    value.push_str(&s);
                }
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
        buf.clear();
    }
}

/// The 1-based column number of a cell reference: `AB7` → 28.
fn column_of(r: &str) -> Option<u64> {
    let letters = r.bytes().take_while(u8::is_ascii_alphabetic);
    let n = letters.fold(0u64, |n, b| {
        n.saturating_mul(26)
            .saturating_add(u64::from(b.to_ascii_uppercase() - b'A' + 1))
    });
    (n > 0).then_some(n)
}

/// Spreadsheet column letters of a 1-based column number: 1 → A, 28 → AB.
pub(super) fn column_letters(mut n: u64) -> String {
    let mut s = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        s.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// OpenDocument `content.xml`: paragraphs of text documents and slides,
/// cells of spreadsheets (and of tables in text documents).
fn odf(xml: &mut Xml, text: &mut Text, sink: &mut dyn Sink, path: &str) -> Result<(), Failure> {
    let mut buf = Vec::new();
    let mut para = 0u64;
    let mut slide = 0u64;
    let mut in_slide = false;
    // The open table: name, row, column of the current cell.
    let mut table: Option<(String, u64, u64)> = None;
    let mut in_cell = false;
    let mut in_p = 0u32;
    let mut row_repeat = 1u64;
    loop {
        let ev = xml.read_event_into(&mut buf).map_err(|e| xml_failure(&e))?;
        let (e, empty) = match ev {
            Event::Start(e) => (Some(e), false),
            Event::Empty(e) => (Some(e), true),
            Event::End(e) => {
                let n = e.name().0;
                match n.rsplit(':').next().unwrap_or(n) {
                    "table" => table = None,
                    "table-row" => {
                        if let Some(t) = table.as_mut() {
                            t.1 = t.1.saturating_add(row_repeat.saturating_sub(1));
                        }
                        text.maybe_flush(sink, path);
                    }
                    "table-cell" | "covered-table-cell" => in_cell = false,
                    "p" | "h" => in_p = in_p.saturating_sub(1),
                    "page" => in_slide = false,
                    _ => {}
                }
                buf.clear();
                continue;
            }
            Event::Text(t) if in_p > 0 || in_cell => {
                text.push(&t.xml10_content());
                text.flush_if_huge(sink, path);
                buf.clear();
                continue;
            }
            Event::GeneralRef(r) if in_p > 0 || in_cell => {
                if let Some(s) = entity(&r) {
                    text.push(&s);
                }
                buf.clear();
                continue;
            }
            Event::Eof => return Ok(()),
            _ => {
                buf.clear();
                continue;
            }
        };
        let Some(e) = e else { continue };
        match local(&e) {
            "page" if !empty => {
                slide += 1;
                in_slide = true;
            }
            "table" if !empty => table = Some((attr(&e, "name").unwrap_or_default(), 0, 0)),
            "table-row" => {
                row_repeat = attr(&e, "number-rows-repeated")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(1);
                if let Some(t) = table.as_mut() {
                    (t.1, t.2) = (t.1.saturating_add(1), 0);
                }
            }
            "table-cell" | "covered-table-cell" => {
                let repeat: u64 = attr(&e, "number-columns-repeated")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(1);
                if let Some(t) = table.as_mut() {
                    let col = t.2.saturating_add(1);
                    t.2 = t.2.saturating_add(repeat.min(1 << 20));
                    if !empty {
                        in_cell = true;
                        let loc = location([
                            ("sheet", redacted(&t.0)),
                            ("cell", format!("{}{}", column_letters(col), t.1).into()),
                        ]);
                        if col == 1 {
                            text.segment(loc);
                        } else {
                            text.sep(b'\t');
                            text.segment_inline(loc);
                        }
                        // A number's stored value may hold more digits than its display.
                        if let Some(v) = attr(&e, "value") {
                            text.push(&v);
                            text.sep(b' ');
                        }
                    }
                }
            }
            "p" | "h" if !empty => {
                in_p += 1;
                if table.is_none() {
                    para += 1;
                    let mut loc = Location::new();
                    if in_slide {
                        loc.insert("slide".into(), slide.into());
                    }
                    loc.insert("paragraph".into(), para.into());
                    text.segment(loc);
                } else if in_cell {
                    text.sep(b' ');
                }
            }
            "s" if in_p > 0 => {
                let n: usize = attr(&e, "c").and_then(|v| v.parse().ok()).unwrap_or(1);
                for _ in 0..n.min(64) {
                    text.sep(b' ');
                }
            }
            "tab" if in_p > 0 => text.sep(b'\t'),
            "line-break" if in_p > 0 => text.sep(b' '),
            _ => {}
        }
        buf.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_count_like_a_spreadsheet() {
        for n in [1, 26, 27, 28, 703, 16_384] {
            assert_eq!(column_of(&format!("{}9", column_letters(n))), Some(n));
        }
        assert_eq!(column_of("7"), None);
        assert_eq!(column_letters(1), "A");
        assert_eq!(column_letters(26), "Z");
        assert_eq!(column_letters(27), "AA");
        assert_eq!(column_letters(28), "AB");
        assert_eq!(column_letters(703), "AAA");
    }

    #[test]
    fn word_text_parts() {
        assert!(is_word_text_part("word/document.xml"));
        assert!(is_word_text_part("word/header2.xml"));
        assert!(is_word_text_part("word/footnotes.xml"));
        assert!(!is_word_text_part("word/styles.xml"));
        assert!(!is_word_text_part("word/media/document.xml"));
        assert_eq!(
            numbered("ppt/slides/slide12.xml", "ppt/slides/slide"),
            Some(12)
        );
        assert_eq!(
            numbered("ppt/slides/_rels/slide1.xml.rels", "ppt/slides/slide"),
            None
        );
    }
}
