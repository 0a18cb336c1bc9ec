//! CSV and TSV files: the delimiter (`,` TAB `;` `|`) is sniffed from the
//! first lines (the same number of fields on each, quotes honoured), a
//! first row of names is the header; a hit's `column` is its header name
//! (or `columnN`), its `row` the data row (line minus the header). Only
//! the hit's line is parsed. A quoted field holding a newline shifts the
//! row of what follows it in the file.

use super::{
    apply_field_context, cvv_extra, fields::display_name, line_start, sad_extra, Attributor, Extra,
};
use crate::container::Location;
use crate::detect::Hit;

/// The fields of one line, as (start, end) spans, quote-aware.
fn split(line: &[u8], delim: u8) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut s = 0;
    let mut quoted = false;
    for (i, &b) in line.iter().enumerate() {
        if b == b'"' {
            quoted = !quoted;
        } else if b == delim && !quoted {
            out.push((s, i));
            s = i + 1;
        }
    }
    out.push((s, line.len()));
    out
}

fn field_text(line: &[u8], (a, b): (usize, usize)) -> String {
    let t = String::from_utf8_lossy(&line[a..b]);
    let t = t.trim().trim_end_matches('\r');
    t.strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .unwrap_or(t)
        .replace("\"\"", "\"")
}

/// The delimiter and whether the first line is a header, if `head` looks
/// like CSV: at least two complete lines with the same number (>= 2) of
/// fields.
pub fn sniff(head: &[u8]) -> Option<(u8, bool)> {
    if head.contains(&0) {
        return None;
    }
    let complete = &head[..memchr::memrchr(b'\n', head)?];
    let lines: Vec<&[u8]> = complete.split(|&b| b == b'\n').take(20).collect();
    if lines.len() < 2 {
        return None;
    }
    let mut best: Option<(u8, usize)> = None;
    for d in [b',', b'\t', b';', b'|'] {
        let n = split(lines[0], d).len();
        if n >= 2 && lines.iter().all(|l| split(l, d).len() == n) && best.is_none_or(|(_, m)| n > m)
        {
            best = Some((d, n));
        }
    }
    let (d, _) = best?;
    let first = split(lines[0], d);
    let header = first.iter().all(|&f| {
        let t = field_text(lines[0], f);
        !t.is_empty() && t.chars().any(char::is_alphabetic) && t.parse::<f64>().is_err()
    });
    Some((d, header))
}

/// The CSV attributor.
pub struct Csv {
    delim: u8,
    header: Option<Vec<String>>,
    schema: Vec<Extra>,
}

impl Csv {
    pub fn new(head: &[u8]) -> Option<Csv> {
        let (delim, has_header) = sniff(head)?;
        let header = has_header.then(|| {
            let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
            split(line, delim)
                .into_iter()
                .map(|f| field_text(line, f))
                .collect::<Vec<_>>()
        });
        let mut schema = Vec::new();
        if let Some(h) = &header {
            let mut offset = 0u64;
            for name in h {
                let loc = crate::container::location([("column", display_name(name).into())]);
                if let Some(e) = sad_extra(name, offset, 1, loc) {
                    schema.push(e);
                }
                offset += name.len() as u64 + 1;
            }
        }
        Some(Csv {
            delim,
            header,
            schema,
        })
    }

    fn name(&self, i: usize) -> String {
        self.header
            .as_ref()
            .and_then(|h| h.get(i).cloned())
            .unwrap_or_else(|| format!("column{}", i + 1))
    }
}

impl Attributor for Csv {
    fn locate(
        &mut self,
        buf: &[u8],
        base: u64,
        at: usize,
        line: u64,
        hit: &mut Hit,
        extra: &mut Vec<Extra>,
    ) -> Option<Location> {
        let ls = line_start(buf, base, at)?;
        let le = memchr::memchr(b'\n', &buf[at..]).map_or(buf.len(), |e| at + e);
        let text = &buf[ls..le];
        let fields = split(text, self.delim);
        let idx = fields
            .iter()
            .position(|&(a, b)| ls + a <= at && at < ls + b)?;
        let row = line - u64::from(self.header.is_some());
        let col = self.name(idx);
        let mut loc = Location::new();
        loc.insert("column".into(), display_name(&col).into());
        loc.insert("column_index".into(), (idx as u64 + 1).into());
        loc.insert("row".into(), row.into());
        let names: Vec<String> = (0..fields.len()).map(|i| self.name(i)).collect();
        let others: Vec<&str> = names
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != idx)
            .map(|(_, n)| n.as_str())
            .collect();
        apply_field_context(hit, &col, &others);
        if hit.kind.is_card_data() {
            for (i, f) in fields.iter().enumerate() {
                if i == idx {
                    continue;
                }
                let v = field_text(text, *f);
                let l = crate::container::location([("row", row.into())]);
                if let Some(mut e) = cvv_extra(&names[i], &v, base + (ls + f.0) as u64, line, l) {
                    e.location
                        .insert("column_index".into(), (i as u64 + 1).into());
                    extra.push(e);
                }
            }
        }
        Some(loc)
    }

    fn advance(&mut self, _buf: &[u8], _base: u64, _end: usize) {}

    fn finish(&mut self, extra: &mut Vec<Extra>) -> Vec<(u64, String, serde_json::Value)> {
        extra.append(&mut self.schema);
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_and_headers_are_sniffed() {
        assert_eq!(sniff(b"name,card\nA,1\nB,2\n"), Some((b',', true)));
        assert_eq!(sniff(b"a\tb\tc\n1\t2\t3\n"), Some((b'\t', true)));
        assert_eq!(sniff(b"1;2\n3;4\n"), Some((b';', false)));
        assert_eq!(sniff(b"\"x, y\",z\n1,2\n"), Some((b',', true)));
        assert_eq!(sniff(b"one line only\n"), None);
        assert_eq!(sniff(b"a,b\nc\n"), None, "field counts differ");
    }
}
