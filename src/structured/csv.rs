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
    split_from(line, delim, false)
}

/// Whether `b` ends a field: a delimiter outside quotes. A quote flips
/// `quoted`.
fn ends_field(b: u8, delim: u8, quoted: &mut bool) -> bool {
    if b == b'"' {
        *quoted = !*quoted;
        return false;
    }
    b == delim && !*quoted
}

/// [`split`] of a part of a line that starts inside quotes or not.
fn split_from(line: &[u8], delim: u8, quoted: bool) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut s = 0;
    let mut quoted = quoted;
    for (i, &b) in line.iter().enumerate() {
        if ends_field(b, delim, &mut quoted) {
            out.push((s, i));
            s = i + 1;
        }
    }
    out.push((s, line.len()));
    out
}

/// The delimiters a CSV head is tried with.
const DELIMS: [u8; 4] = [b',', b'\t', b';', b'|'];

/// How many fields `line` has with each of [`DELIMS`] (what
/// `split(line, d).len()` says, without building the lists).
fn field_counts(line: &[u8]) -> [usize; 4] {
    let mut n = [1usize; 4];
    let mut quoted = false;
    for &b in line {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            for k in 0..DELIMS.len() {
                n[k] += usize::from(b == DELIMS[k]);
            }
        }
    }
    n
}

fn field_text(line: &[u8], (a, b): (usize, usize)) -> String {
    let t = String::from_utf8_lossy(&line[a..b]);
    let t = t.trim().trim_end_matches('\r');
    t.strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .unwrap_or(t)
        .replace("\"\"", "\"")
}

/// Whether `head`, holding fewer than two whole lines, starts like the
/// header of a wide CSV file: no NUL, not JSON or markup, and at least 32
/// fields by one of the delimiters. Then the head is read further
/// ([`crate::container`]), since [`sniff`] needs two whole lines.
pub fn wide_first_line(head: &[u8]) -> bool {
    if memchr::memchr_iter(b'\n', head).nth(1).is_some()
        || matches!(head.first(), Some(b'{' | b'[' | b'<'))
        || memchr::memchr(0, head).is_some()
    {
        return false;
    }
    let line = memchr::memchr(b'\n', head).map_or(head, |e| &head[..e]);
    field_counts(line).iter().any(|&n| n >= 32)
}

/// The delimiter and whether the first line is a header, if `head` looks
/// like CSV: at least two complete lines with the same number (>= 2) of
/// fields.
pub fn sniff(head: &[u8]) -> Option<(u8, bool)> {
    if memchr::memchr(0, head).is_some() {
        return None;
    }
    let complete = &head[..memchr::memrchr(b'\n', head)?];
    // Every text file's head comes through here: one pass per line counts
    // the fields for all four delimiters, and the test stops at the first
    // line that leaves none standing.
    let mut lines = complete.split(|&b| b == b'\n').take(20);
    let line0 = lines.next()?;
    let want = field_counts(line0);
    let mut alive = want.map(|n| n >= 2);
    let mut seen = 1;
    for l in lines {
        let n = field_counts(l);
        for k in 0..DELIMS.len() {
            alive[k] &= n[k] == want[k];
        }
        if !alive.contains(&true) {
            return None;
        }
        seen += 1;
    }
    if seen < 2 {
        return None;
    }
    // The delimiter giving the most fields (the first of a tie).
    let mut best: Option<(u8, usize)> = None;
    for k in 0..DELIMS.len() {
        if alive[k] && best.is_none_or(|(_, m)| want[k] > m) {
            best = Some((DELIMS[k], want[k]));
        }
    }
    let (d, _) = best?;
    let first = split(line0, d);
    // Names: not empty, a letter, not a number, and no long digit run (a
    // timestamp, an id, a card number: data, as in git's reflog lines).
    let header = first.iter().all(|&f| {
        let t = field_text(line0, f);
        !t.is_empty()
            && t.chars().any(char::is_alphabetic)
            && t.parse::<f64>().is_err()
            && !t
                .as_bytes()
                .split(|b| !b.is_ascii_digit())
                .any(|run| run.len() >= 10)
    });
    Some((d, header))
}

/// The CSV attributor.
pub struct Csv {
    delim: u8,
    header: Option<Vec<String>>,
    schema: Vec<Extra>,
    /// Where the stream has been seen to (absolute offset), and the line
    /// there: fields begun before it (delimiters passed) and whether it is
    /// inside quotes. A row longer than the read buffer's overlap that
    /// began in an earlier buffer is placed from these.
    seen: u64,
    fields: usize,
    quoted: bool,
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
            seen: 0,
            fields: 0,
            quoted: false,
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
        // The row from its start, or (one that began before this buffer)
        // from where the last buffer left it: fields before it counted.
        let (ls, first, quoted, carried) = match line_start(buf, base, at) {
            Some(ls) => (ls, 0, false, false),
            None => {
                let from = usize::try_from(self.seen.checked_sub(base)?).ok()?;
                (from <= at).then_some((from, self.fields, self.quoted, true))?
            }
        };
        let le = memchr::memchr(b'\n', &buf[at..]).map_or(buf.len(), |e| at + e);
        let text = &buf[ls..le];
        let fields = split_from(text, self.delim, quoted);
        let idx = first
            + fields
                .iter()
                .position(|&(a, b)| ls + a <= at && at < ls + b)?;
        let row = line - u64::from(self.header.is_some());
        let col = self.name(idx);
        let mut loc = Location::new();
        loc.insert("column".into(), display_name(&col).into());
        loc.insert("column_index".into(), (idx as u64 + 1).into());
        loc.insert("row".into(), row.into());
        // The names of the fields in view (a carried row's first one is
        // cut: its value is not paired).
        let names: Vec<String> = (0..fields.len()).map(|i| self.name(first + i)).collect();
        let others: Vec<&str> = names
            .iter()
            .enumerate()
            .filter(|(i, _)| first + *i != idx)
            .map(|(_, n)| n.as_str())
            .collect();
        apply_field_context(hit, &col, &others);
        if hit.kind.is_card_data() {
            for (k, f) in fields.iter().enumerate() {
                let i = first + k;
                if i == idx || (carried && k == 0) {
                    continue;
                }
                let v = field_text(text, *f);
                let l = crate::container::location([("row", row.into())]);
                if let Some(mut e) = cvv_extra(&names[k], &v, base + (ls + f.0) as u64, line, l) {
                    e.location
                        .insert("column_index".into(), (i as u64 + 1).into());
                    extra.push(e);
                }
            }
        }
        Some(loc)
    }

    fn advance(&mut self, buf: &[u8], base: u64, end: usize, _last: bool) {
        let Some(from) = self
            .seen
            .checked_sub(base)
            .and_then(|f| usize::try_from(f).ok())
        else {
            return;
        };
        let new = buf.get(from..end).unwrap_or_default();
        // Only the bytes after the last newline matter: a new line starts there.
        let tail = match memchr::memrchr(b'\n', new) {
            Some(nl) => {
                (self.fields, self.quoted) = (0, false);
                &new[nl + 1..]
            }
            None => new,
        };
        for &b in tail {
            self.fields += usize::from(ends_field(b, self.delim, &mut self.quoted));
        }
        self.seen = base + end as u64;
    }

    fn finish(&mut self, extra: &mut Vec<Extra>) -> Vec<(u64, String, serde_json::Value)> {
        extra.append(&mut self.schema);
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wide_first_line_asks_for_more_head() {
        let wide = |sep: &str, n: usize| {
            (0..n)
                .map(|i| format!("col{i}"))
                .collect::<Vec<_>>()
                .join(sep)
        };
        assert!(wide_first_line(wide(",", 40).as_bytes()));
        assert!(wide_first_line(
            format!("{}\n1,2", wide("\t", 40)).as_bytes()
        ));
        assert!(!wide_first_line(wide(",", 20).as_bytes()));
        // Two whole lines are enough to sniff; JSON, markup and binary are no CSV.
        assert!(!wide_first_line(
            format!("{}\n1\n", wide(",", 40)).as_bytes()
        ));
        assert!(!wide_first_line(format!("[{}", wide(",", 40)).as_bytes()));
        assert!(!wide_first_line(format!("<{}", wide(",", 40)).as_bytes()));
        assert!(!wide_first_line(format!("{}\0", wide(",", 40)).as_bytes()));
    }

    #[test]
    fn delimiters_and_headers_are_sniffed() {
        assert_eq!(sniff(b"name,card\nA,1\nB,2\n"), Some((b',', true)));
        assert_eq!(sniff(b"a\tb\tc\n1\t2\t3\n"), Some((b'\t', true)));
        assert_eq!(sniff(b"1;2\n3;4\n"), Some((b';', false)));
        assert_eq!(sniff(b"\"x, y\",z\n1,2\n"), Some((b',', true)));
        assert_eq!(sniff(b"one line only\n"), None);
        assert_eq!(sniff(b"a,b\nc\n"), None, "field counts differ");
        // The most fields wins; a delimiter that fails on a later line is out.
        assert_eq!(sniff(b"a;b,c;d\n1;2,3;4\n"), Some((b';', true)));
        assert_eq!(sniff(b"a;b,c;d\n1;2,3\n5;6,7\n"), Some((b',', true)));
        assert_eq!(sniff(b"a|b\n1|2\n3|4\n5\n"), None, "a short line late");
        // A name is no data: git's reflog (tab before the message) has none.
        let reflog =
            b"0000000 ef80c7c Test <t@example.com> 1764244800 +0000\tcommit (initial): v1\n\
                       ef80c7c 302e6e9 Test <t@example.com> 1764244801 +0000\tcommit: v2\n";
        assert_eq!(sniff(reflog), Some((b'\t', false)));
        assert_eq!(sniff(b"id,created_20240501\n1,2\n"), Some((b',', true)));
    }

    #[test]
    fn field_counts_agree_with_split() {
        for line in [
            &b""[..],
            b"a",
            b"a,b;c\td|e",
            b"\"x, y\",z;;",
            b"\"unclosed, quote;|\t",
            b",,,\t\t;;||",
            b"\"a\"\"b\",\"c|d\"|e",
        ] {
            let n = field_counts(line);
            for (k, &d) in DELIMS.iter().enumerate() {
                assert_eq!(n[k], split(line, d).len(), "{:?} {}", line, d as char);
            }
        }
    }
}
