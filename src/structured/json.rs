//! JSON and JSON Lines: a hit's `json_path` (`$.payment.card.number`,
//! `$[3].pan`), for numbers stored as strings or as numbers. A JSON
//! document is followed by a small structural tracker (objects, arrays,
//! keys; strings skipped with `memchr`), since the path of a value depends
//! on everything before it; JSON Lines are cheaper: only a hit's own line
//! is tracked, and the first lines for the schema. Keys named like
//! sensitive authentication data are `sad_field` findings; a CVV-named key
//! with a 3–4 digit value in the object that holds a PAN is a `cvv`.

use std::collections::HashSet;

use super::{
    apply_field_context, cvv_extra, fields, fields::display_name, sad_extra, Attributor, Extra,
    Source,
};
use crate::container::Location;
use crate::detect::Hit;

/// JSON (`{` or `[` first) or JSON Lines (a first line that is a whole
/// object, then another object).
pub fn sniff(head: &[u8]) -> Option<Source> {
    let t = head.trim_ascii_start();
    let first = *t.first()?;
    if first != b'{' && first != b'[' {
        return None;
    }
    if let Some(nl) = memchr::memchr(b'\n', t) {
        let line = t[..nl].trim_ascii_end();
        let next = t[nl + 1..].trim_ascii_start();
        let whole = serde_json::from_slice::<serde_json::Value>(line).is_ok();
        if whole && line.starts_with(b"{") && (next.is_empty() || next.starts_with(b"{")) {
            return Some(Source::JsonLines);
        }
    }
    // A document: the head must be JSON up to its end (which may cut the
    // document short), not `[1] Introduction` or `[INFO] started`.
    match serde_json::from_slice::<serde::de::IgnoredAny>(t) {
        Ok(_) => Some(Source::Json),
        Err(e) if e.is_eof() => Some(Source::Json),
        Err(_) => None,
    }
}

#[derive(Clone, Debug)]
enum Frame {
    Object {
        key: Option<String>,
        expect_key: bool,
        start: u64,
    },
    Array {
        index: u64,
    },
}

/// The structural state of a JSON text.
#[derive(Clone, Debug, Default)]
struct Tracker {
    stack: Vec<Frame>,
    in_string: bool,
    escaped: bool,
    /// The string being read is a key: its text so far.
    key: Option<String>,
}

/// Nesting kept at most; deeper levels are counted, not named.
const MAX_DEPTH: usize = 256;
/// Key bytes kept at most.
const MAX_KEY: usize = 128;

impl Tracker {
    /// Follows `bytes`, the first at absolute offset `base`; calls
    /// `on_key` with each key read, and its offset.
    fn feed(&mut self, bytes: &[u8], base: u64, on_key: &mut dyn FnMut(&Tracker, &str, u64)) {
        let mut i = 0;
        while i < bytes.len() {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                    if let Some(k) = &mut self.key {
                        push_key(k, &bytes[i..=i]);
                    }
                    i += 1;
                    continue;
                }
                match memchr::memchr2(b'"', b'\\', &bytes[i..]) {
                    None => {
                        if let Some(k) = &mut self.key {
                            push_key(k, &bytes[i..]);
                        }
                        return;
                    }
                    Some(j) => {
                        if let Some(k) = &mut self.key {
                            push_key(k, &bytes[i..i + j]);
                        }
                        i += j;
                        if bytes[i] == b'\\' {
                            self.escaped = true;
                        } else {
                            self.in_string = false;
                            if let Some(k) = self.key.take() {
                                if let Some(Frame::Object {
                                    key, expect_key, ..
                                }) = self.stack.last_mut()
                                {
                                    *key = Some(k.clone());
                                    *expect_key = false;
                                }
                                on_key(self, &k, base + i as u64);
                            }
                        }
                        i += 1;
                        continue;
                    }
                }
            }
            match bytes[i] {
                b'"' => {
                    self.in_string = true;
                    let is_key = matches!(
                        self.stack.last(),
                        Some(Frame::Object {
                            expect_key: true,
                            ..
                        })
                    );
                    self.key = is_key.then(String::new);
                }
                b'{' => self.push(Frame::Object {
                    key: None,
                    expect_key: true,
                    start: base + i as u64,
                }),
                b'[' => self.push(Frame::Array { index: 0 }),
                b'}' | b']' => {
                    self.stack.pop();
                }
                b',' => match self.stack.last_mut() {
                    Some(Frame::Array { index }) => *index += 1,
                    Some(Frame::Object { expect_key, .. }) => *expect_key = true,
                    None => {}
                },
                _ => {}
            }
            i += 1;
        }
    }

    fn push(&mut self, f: Frame) {
        if self.stack.len() < MAX_DEPTH {
            self.stack.push(f);
        }
    }

    /// The path of the value being read: `$.a.b[2].c`.
    fn path(&self) -> String {
        self.render(false)
    }

    /// The path with array indices as `[*]`: one schema finding per field.
    fn shape(&self) -> String {
        self.render(true)
    }

    fn render(&self, shape: bool) -> String {
        let mut p = String::from("$");
        for f in &self.stack {
            match f {
                Frame::Object { key: Some(k), .. } => {
                    if !k.is_empty() && k.chars().all(|c| c.is_alphanumeric() || c == '_') {
                        p.push('.');
                        p.push_str(k);
                    } else {
                        p.push_str(&format!("[{:?}]", k));
                    }
                }
                Frame::Object { key: None, .. } => {}
                Frame::Array { .. } if shape => p.push_str("[*]"),
                Frame::Array { index } => p.push_str(&format!("[{index}]")),
            }
        }
        display_name_long(&p)
    }

    /// Where the innermost object starts (absolute offset of its `{`).
    fn object_start(&self) -> Option<u64> {
        self.stack.iter().rev().find_map(|f| match f {
            Frame::Object { start, .. } => Some(*start),
            _ => None,
        })
    }
}

fn push_key(k: &mut String, b: &[u8]) {
    if k.len() < MAX_KEY {
        k.push_str(&String::from_utf8_lossy(
            &b[..b.len().min(MAX_KEY - k.len())],
        ));
    }
}

/// The JSON path of the value at the end of `prefix`, the start of a
/// JSON document (for JSON held in a SQL or CSV field).
pub fn path_of_prefix(prefix: &[u8]) -> Option<String> {
    let mut t = Tracker::default();
    t.feed(prefix, 0, &mut |_, _, _| {});
    (!t.stack.is_empty()).then(|| t.path())
}

/// A path as printed: at most 512 characters, PAN-like digits masked.
fn display_name_long(p: &str) -> String {
    let short: String = p.chars().take(512).collect();
    crate::redact::text(&short).into_owned()
}

/// Whether a key could name sensitive authentication data: a cheap byte
/// scan for `cv`, `cid`, `csc`, `cav`, `secur`, `verif`, `track`,
/// `stripe`, `pin` (any case) or the Japanese words, before the word split
/// of [`fields`]. Documents hold many keys; most fail here.
fn maybe_sad(k: &str) -> bool {
    let b = k.as_bytes();
    if b.len() > 64 {
        return false;
    }
    if !k.is_ascii() && (k.contains("セキュリティ") || k.contains("暗証")) {
        return true;
    }
    let at =
        |i: usize, s: &[u8]| b.len() >= i + s.len() && b[i..i + s.len()].eq_ignore_ascii_case(s);
    (0..b.len()).any(|i| match b[i] | 0x20 {
        b'c' => at(i + 1, b"v") || at(i + 1, b"id") || at(i + 1, b"sc") || at(i + 1, b"av"),
        b's' => at(i + 1, b"ecur") || at(i + 1, b"tripe"),
        b'v' => at(i + 1, b"erif"),
        b't' => at(i + 1, b"rack"),
        b'p' => at(i + 1, b"in"),
        _ => false,
    })
}

/// The JSON attributor.
pub struct Json {
    lines: bool,
    tracker: Tracker,
    pos: u64,
    line: u64,
    schema: Vec<Extra>,
    seen: HashSet<String>,
    /// Keys already known not to name sensitive authentication data
    /// (documents repeat the same keys over and over).
    plain_keys: HashSet<String>,
}

/// How much of a JSON Lines stream is tracked for the schema.
const LINES_SCHEMA_BYTES: u64 = 64 * 1024;

impl Json {
    pub fn new(lines: bool) -> Json {
        Json {
            lines,
            tracker: Tracker::default(),
            pos: 0,
            line: 1,
            schema: Vec::new(),
            seen: HashSet::new(),
            plain_keys: HashSet::new(),
        }
    }

    fn advance_to(&mut self, buf: &[u8], base: u64, to: usize) {
        let from = (self.pos.saturating_sub(base) as usize).min(to);
        if from >= to {
            return;
        }
        let bytes = &buf[from..to];
        // JSON Lines: only the start of the stream, for the schema.
        let track = !self.lines || self.pos < LINES_SCHEMA_BYTES;
        if track {
            let mut found = Vec::new();
            let plain = &mut self.plain_keys;
            let line = self.line;
            let lines_before = |off: u64| {
                let upto = (off.saturating_sub(base) as usize).clamp(from, to);
                line + memchr::memchr_iter(b'\n', &buf[from..upto]).count() as u64
            };
            self.tracker
                .feed(bytes, base + from as u64, &mut |t, k, off| {
                    if plain.contains(k) {
                        return;
                    }
                    let sad = maybe_sad(k)
                        && matches!(
                            fields::get().classify(k),
                            Some(fields::Class::Cvv | fields::Class::Track | fields::Class::Pin)
                        );
                    if sad {
                        found.push((t.shape(), k.to_string(), off));
                    } else if plain.len() < 4096 {
                        plain.insert(k.to_string());
                    }
                });
            for (path, k, off) in found {
                if self.seen.contains(&path) || self.seen.len() > 10_000 {
                    continue;
                }
                let loc = crate::container::location([("json_path", path.clone().into())]);
                if let Some(e) = sad_extra(&k, off, lines_before(off), loc) {
                    self.seen.insert(path);
                    self.schema.push(e);
                }
            }
        }
        self.line += memchr::memchr_iter(b'\n', bytes).count() as u64;
        self.pos = base + to as u64;
    }

    /// CVV-named keys with a 3–4 digit value in the object at `buf[start]`.
    fn cvv_beside(
        &self,
        buf: &[u8],
        base: u64,
        start: usize,
        line: u64,
        path: &str,
        extra: &mut Vec<Extra>,
    ) {
        let mut de =
            serde_json::Deserializer::from_slice(&buf[start..]).into_iter::<serde_json::Value>();
        let Some(Ok(serde_json::Value::Object(m))) = de.next() else {
            return;
        };
        let parent = path.rsplit_once(['.', '[']).map_or("$", |(p, _)| p);
        for (k, v) in &m {
            if fields::get().classify(k) != Some(fields::Class::Cvv) {
                continue;
            }
            let value = match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) => n.to_string(),
                _ => continue,
            };
            let needle = format!("\"{k}\"");
            let off =
                memchr::memmem::find(&buf[start..], needle.as_bytes()).map_or(start, |p| start + p);
            let loc = crate::container::location([(
                "json_path",
                format!("{parent}.{}", display_name(k)).into(),
            )]);
            if let Some(mut e) = cvv_extra(k, &value, base + off as u64, line, loc) {
                e.location.remove("column");
                extra.push(e);
            }
        }
    }
}

impl Attributor for Json {
    fn locate(
        &mut self,
        buf: &[u8],
        base: u64,
        at: usize,
        line: u64,
        hit: &mut Hit,
        extra: &mut Vec<Extra>,
    ) -> Option<Location> {
        self.advance_to(buf, base, at);
        let (t, obj_base) = if self.lines {
            // A fresh tracker over the hit's line.
            let ls = match memchr::memrchr(b'\n', &buf[..at]) {
                Some(i) => i + 1,
                None if base == 0 => 0,
                None => return None,
            };
            let mut t = Tracker::default();
            t.feed(&buf[ls..at], base + ls as u64, &mut |_, _, _| {});
            (t, base)
        } else {
            (self.tracker.clone(), base)
        };
        if t.stack.is_empty() {
            return None;
        }
        let path = t.path();
        let key = t.stack.iter().rev().find_map(|f| match f {
            Frame::Object { key: Some(k), .. } => Some(k.clone()),
            _ => None,
        });
        if let Some(k) = &key {
            apply_field_context(hit, k, &[]);
        }
        if hit.kind.is_card_data() {
            if let Some(s) = t.object_start().filter(|&s| s >= obj_base) {
                self.cvv_beside(buf, base, (s - base) as usize, line, &path, extra);
            }
        }
        let mut loc = Location::new();
        loc.insert("json_path".into(), path.into());
        Some(loc)
    }

    fn advance(&mut self, buf: &[u8], base: u64, end: usize) {
        self.advance_to(buf, base, end);
    }

    fn finish(&mut self, extra: &mut Vec<Extra>) -> Vec<(u64, String, serde_json::Value)> {
        extra.append(&mut self.schema);
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path_at(doc: &str, needle: &str) -> String {
        let at = doc.find(needle).unwrap();
        let mut t = Tracker::default();
        t.feed(&doc.as_bytes()[..at], 0, &mut |_, _, _| {});
        t.path()
    }

    #[test]
    fn paths_of_values() {
        let doc = r#"{"payment": {"card": {"number": "X1", "exp": "12/27"}}, "items": [1, {"pan": X2}], "a b": "X3"}"#;
        assert_eq!(path_at(doc, "X1"), "$.payment.card.number");
        assert_eq!(path_at(doc, "X2"), "$.items[1].pan");
        assert_eq!(path_at(doc, "X3"), "$[\"a b\"]");
        let esc = r#"{"k\"ey": ["x", "y\"", "X4"]}"#;
        assert_eq!(path_at(esc, "X4"), "$[\"k\\\"ey\"][2]");
    }

    #[test]
    fn the_sad_prefilter_passes_every_sad_example() {
        let f = fields::get();
        for (label, names) in &f.examples {
            if label.starts_with("sad:") {
                for n in names {
                    assert!(maybe_sad(n), "{n}");
                }
            }
        }
        assert!(!maybe_sad("ts_currency"));
        assert!(!maybe_sad("email"));
    }

    #[test]
    fn json_and_json_lines_are_sniffed() {
        assert_eq!(sniff(b"{\"a\":1}\n{\"a\":2}\n"), Some(Source::JsonLines));
        assert_eq!(
            sniff(b"[\n  {\"a\": 1},\n  {\"a\": 2}\n]\n"),
            Some(Source::Json)
        );
        assert_eq!(
            sniff(b"{\n  \"a\": {\n"),
            Some(Source::Json),
            "cut by the head"
        );
        assert_eq!(sniff(b"[INFO] started\n"), None);
        assert_eq!(sniff(b"[1] Introduction\n"), None);
        assert_eq!(sniff(b"plain text"), None);
    }
}
