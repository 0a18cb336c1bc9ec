//! Structured sources: where in the data a finding sits. SQL dumps give
//! `table`, `column`, `row` (and the primary key value), CSV/TSV files the
//! `column` and `row`, JSON and JSON Lines the `json_path`. The raw byte
//! scan stays the only way numbers are found; an [`Attributor`] follows the
//! stream buffer by buffer with cheap searches (statement headers, line
//! starts) and does real parsing only where a hit is, so attribution costs
//! little over the raw scan and a dump of any size is never parsed whole.
//! When parsing fails the finding keeps its line and column and no more.
//!
//! Field names are context ([`fields`]): a `card_number` column raises a
//! finding's confidence, an `imei` column lowers it. Columns and keys named
//! like sensitive authentication data (`cvv`, `track2`, `pin_block`) are
//! reported as `sad_field` findings even when empty (PCI DSS 3.3.1), and a
//! 3–4 digit value in a CVV-named field of the row or object that holds a
//! PAN is a `cvv` finding, masked entirely (3.3.1.2).

pub mod csv;
pub mod fields;
pub mod json;
pub mod sql;
pub mod sqlite;

use crate::container::Location;
use crate::detect::Hit;
use crate::finding::{Confidence, Kind};

/// A finding the attributor adds beside the detector's: a CVV value next
/// to a PAN, or a field whose name says it holds sensitive authentication
/// data.
#[derive(Clone, Debug)]
pub struct Extra {
    pub kind: Kind,
    /// Absolute offset in the stream (of the value, or of the name).
    pub offset: u64,
    /// 1-based line.
    pub line: u64,
    /// Digits in the value (CVV), 0 for a schema finding.
    pub length: u8,
    pub location: Location,
    pub reasons: Vec<String>,
}

/// Follows one stream and places its hits in its structure.
pub trait Attributor {
    /// Places a hit at `buf[at]` (absolute offset `base + at`, on line
    /// `line`): its location, with the hit's confidence adjusted by the
    /// field's name, and extra findings beside it.
    fn locate(
        &mut self,
        buf: &[u8],
        base: u64,
        at: usize,
        line: u64,
        hit: &mut Hit,
        extra: &mut Vec<Extra>,
    ) -> Option<Location>;
    /// Adds hits the detector cannot see in this format (it runs before
    /// the buffer's hits are placed). Most formats have none.
    fn find(
        &mut self,
        _det: &crate::detect::Detector,
        _buf: &[u8],
        _r: crate::detect::Region,
        _out: &mut Vec<Hit>,
    ) {
    }
    /// Sees a buffer's new bytes up to `buf[..end]` (`buf[0]` at absolute
    /// offset `base`), after its hits were placed; `last`: the stream ends
    /// there (no state is needed past it).
    fn advance(&mut self, buf: &[u8], base: u64, end: usize, last: bool);
    /// At the end of the stream: schema findings not yet given, and late
    /// facts (a primary key declared after the data) for the locations of
    /// hits already placed, as (hit offset, key, value).
    fn finish(&mut self, extra: &mut Vec<Extra>) -> Vec<(u64, String, serde_json::Value)>;
}

/// What a stream is, from its first bytes, for attribution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Sql,
    Csv,
    Json,
    JsonLines,
}

/// Recognises a structured text stream from its head (a few KiB).
pub fn sniff(head: &[u8]) -> Option<Source> {
    // JSON first: it must start with `{` or `[`, which no SQL dump does,
    // and the SQL test reads up to 8 KiB of every other text.
    if let Some(k) = json::sniff(head) {
        return Some(k);
    }
    if sql::sniff(head) {
        return Some(Source::Sql);
    }
    if csv::sniff(head).is_some() {
        return Some(Source::Csv);
    }
    None
}

/// The attributor for a stream whose head is `head`.
pub fn attributor(head: &[u8]) -> Option<Box<dyn Attributor>> {
    Some(match sniff(head)? {
        Source::Sql => Box::new(sql::Sql::new(head)),
        Source::Csv => Box::new(csv::Csv::new(head)?),
        Source::Json => Box::new(json::Json::new(false)),
        Source::JsonLines => Box::new(json::Json::new(true)),
    })
}

/// Adjusts a hit's confidence by the name of the field holding it, and
/// by the names of its neighbours (an expiry column on the same row).
pub fn apply_field_context(hit: &mut Hit, name: &str, neighbours: &[&str]) {
    use fields::Class;
    let f = fields::get();
    match f.classify(name) {
        Some(Class::Card) => {
            hit.reasons
                .push(format!("field:{}", fields::display_name(name)));
            hit.confidence = Confidence::High;
        }
        Some(Class::Negative) => {
            hit.reasons
                .push(format!("negative_field:{}", fields::display_name(name)));
            hit.confidence = match hit.confidence {
                Confidence::High => Confidence::Medium,
                _ => Confidence::Low,
            };
            return;
        }
        _ => {}
    }
    if neighbours
        .iter()
        .any(|n| f.classify(n) == Some(Class::Expiry))
    {
        hit.reasons.push("expiry_field".into());
        if hit.confidence == Confidence::Low {
            hit.confidence = Confidence::Medium;
        }
    }
}

/// Where the line holding `buf[at]` starts, if that is in the buffer
/// (`buf[0]` is the stream's first byte when `base` is 0).
pub fn line_start(buf: &[u8], base: u64, at: usize) -> Option<usize> {
    match memchr::memrchr(b'\n', &buf[..at]) {
        Some(i) => Some(i + 1),
        None => (base == 0).then_some(0),
    }
}

/// A CVV value: 3 or 4 ASCII digits, nothing else (quotes trimmed).
pub fn cvv_value(v: &str) -> Option<u8> {
    let v = v.trim().trim_matches(|c| c == '\'' || c == '"');
    (matches!(v.len(), 3 | 4) && v.bytes().all(|b| b.is_ascii_digit())).then_some(v.len() as u8)
}

/// A `cvv` finding for field `name` holding `value` beside a PAN.
pub fn cvv_extra(
    name: &str,
    value: &str,
    offset: u64,
    line: u64,
    mut location: Location,
) -> Option<Extra> {
    if fields::get().classify(name) != Some(fields::Class::Cvv) {
        return None;
    }
    let length = cvv_value(value)?;
    location.insert("column".into(), fields::display_name(name).into());
    Some(Extra {
        kind: Kind::Cvv,
        offset,
        line,
        length,
        location,
        reasons: vec![
            format!("field:{}", fields::display_name(name)),
            "beside_pan".into(),
        ],
    })
}

/// A `sad_field` finding: a field named like sensitive authentication data.
pub fn sad_extra(name: &str, offset: u64, line: u64, location: Location) -> Option<Extra> {
    let class = fields::get().classify(name)?;
    let what = match class {
        fields::Class::Cvv => "cvv",
        fields::Class::Track => "track",
        fields::Class::Pin => "pin",
        _ => return None,
    };
    Some(Extra {
        kind: Kind::SadField,
        offset,
        line,
        length: 0,
        location,
        reasons: vec![
            format!("sad:{what}"),
            format!("field:{}", fields::display_name(name)),
        ],
    })
}

/// Places hits in extracted text ([`crate::container::Text`]): each hit
/// gets its segment's location; where segments name a `column` (SQLite
/// rows) or a `field` (a Redis hash), that name is context and a CVV-named
/// cell or field on the same line (row, hash) beside a PAN is a `cvv` finding.
pub struct Segments<'a> {
    text: &'a crate::container::Text,
}

impl<'a> Segments<'a> {
    pub fn new(text: &'a crate::container::Text) -> Self {
        Segments { text }
    }

    /// A cell's column (SQLite) or a value's field (a Redis hash).
    fn column(loc: &Location) -> Option<&str> {
        loc.get("column")
            .or_else(|| loc.get("field"))
            .and_then(|v| v.as_str())
    }
}

impl Attributor for Segments<'_> {
    fn locate(
        &mut self,
        buf: &[u8],
        base: u64,
        at: usize,
        line: u64,
        hit: &mut Hit,
        extra: &mut Vec<Extra>,
    ) -> Option<Location> {
        // Segments are placed in the whole text, `buf` is the part of it
        // being scanned (a text over one read buffer comes in several).
        let (segs, text) = (&self.text.segs, &self.text.buf[..]);
        let at = base as usize + at; // the text is in memory: its offsets fit
        debug_assert_eq!(text.get(at), buf.get(at - base as usize));
        let i = segs.partition_point(|s| s.0 <= at).checked_sub(1)?;
        let mut loc = segs[i].1.clone();
        // A JSON document in the cell: the path inside it.
        let cell = &text[segs[i].0.min(at)..at];
        if matches!(cell.trim_ascii_start().first(), Some(b'{' | b'[')) {
            if let Some(p) = json::path_of_prefix(cell.trim_ascii_start()) {
                loc.insert("json_path".into(), p.into());
            }
        }
        let Some(col) = Self::column(&loc).map(str::to_string) else {
            return Some(loc);
        };
        let col = col.as_str();
        // The other cells of the row: segments on the same line.
        // A batch of extracted text starts at a line start.
        let ls = line_start(text, 0, at).unwrap_or(0);
        let le = memchr::memchr(b'\n', &text[at..]).map_or(text.len(), |p| at + p);
        let row: Vec<usize> = (0..segs.len())
            .filter(|&j| segs[j].0 >= ls && segs[j].0 < le)
            .collect();
        let names: Vec<&str> = row
            .iter()
            .filter(|&&j| j != i)
            .filter_map(|&j| Self::column(&segs[j].1))
            .collect();
        apply_field_context(hit, col, &names);
        if hit.kind.is_card_data() {
            for &j in row.iter().filter(|&&j| j != i) {
                let start = segs[j].0;
                let end = segs.get(j + 1).map_or(le, |s| s.0).min(le);
                let value = String::from_utf8_lossy(&text[start..end]);
                let mut l = segs[j].1.clone();
                let Some(name) = Self::column(&l).map(str::to_string) else {
                    continue;
                };
                let field = l.remove("column").is_none() && l.remove("field").is_some();
                if let Some(mut e) =
                    cvv_extra(&name, value.trim_end_matches('\t'), start as u64, line, l)
                {
                    if field {
                        // Named as its own kind of source names it.
                        if let Some(v) = e.location.remove("column") {
                            e.location.insert("field".into(), v);
                        }
                    }
                    e.location.sort_keys();
                    extra.push(e);
                }
            }
        }
        Some(loc)
    }

    fn advance(&mut self, _buf: &[u8], _base: u64, _end: usize, _last: bool) {}

    fn finish(&mut self, _extra: &mut Vec<Extra>) -> Vec<(u64, String, serde_json::Value)> {
        Vec::new()
    }
}
