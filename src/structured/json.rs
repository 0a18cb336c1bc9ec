//! JSON and JSON Lines: a hit's `json_path` (`$.payment.card.number`,
//! `$[3].pan`), for numbers stored as strings or as numbers. A JSON
//! document is followed by a small structural tracker (objects, arrays,
//! keys; strings skipped with `memchr`), since the path of a value depends
//! on everything before it; JSON Lines are cheaper: only a hit's own line
//! is tracked, and the first lines for the schema. Keys named like
//! sensitive authentication data are `sad_field` findings when their value
//! may hold data (a string, number, `null` or array: not an object, which
//! only structures, as in API schemas, nor a boolean flag); a CVV-named key
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
    // A document: its start must be JSON up to where it is cut, not
    // `[1] Introduction` or `[INFO] started`.
    // The first KiB is enough to tell, and cheap (every `.json` file
    // comes here).
    match serde_json::from_slice::<serde::de::IgnoredAny>(&t[..t.len().min(1024)]) {
        Ok(_) => Some(Source::Json),
        Err(e) if e.is_eof() => Some(Source::Json),
        Err(_) => None,
    }
}

/// A key as read: its first [`MAX_KEY`] bytes, inline (documents hold
/// millions of keys; none is allocated).
#[derive(Clone, Copy)]
struct Key {
    bytes: [u8; MAX_KEY],
    len: u8,
}

impl Key {
    const EMPTY: Key = Key {
        bytes: [0; MAX_KEY],
        len: 0,
    };

    fn push(&mut self, b: &[u8]) {
        let n = usize::from(self.len);
        let take = b.len().min(MAX_KEY - n);
        self.bytes[n..n + take].copy_from_slice(&b[..take]);
        self.len = (n + take) as u8;
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(self.as_bytes()).into_owned()
    }
}

#[derive(Clone, Copy)]
enum Frame {
    Object {
        /// The key of the value being read, once one was read.
        key: Option<Key>,
        expect_key: bool,
        start: u64,
    },
    Array {
        index: u64,
    },
}

/// The structural state of a JSON text.
#[derive(Clone, Default)]
struct Tracker {
    stack: Vec<Frame>,
    /// Levels open beyond [`MAX_DEPTH`]: not named, but closed before the
    /// named ones are.
    deeper: usize,
    in_string: bool,
    escaped: bool,
    /// The string being read is a key: its bytes so far.
    key: Option<Key>,
}

/// The bytes that change a tracker's state outside strings.
const STRUCTURAL: Set = Set::new(b"\"{}[],");

/// The bytes that end a run of string content.
const STRING_END: Set = Set::new(b"\"\\");

/// The first position `>= from` whose byte is in `set`. JSON runs between
/// such bytes are short (a key, a number, indentation), too short for a
/// `memchr` call to pay: 16 bytes are compared at a time with SSE2 where
/// there is one, then byte by byte.
#[inline]
fn next_of(bytes: &[u8], from: usize, set: &Set) -> Option<usize> {
    let mut i = from;
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::*;
        while i + 16 <= bytes.len() {
            // SAFETY: SSE2 is part of x86_64; the load reads bytes[i..i + 16].
            let mask = unsafe {
                let v = _mm_loadu_si128(bytes.as_ptr().add(i) as *const __m128i);
                let mut m = _mm_setzero_si128();
                for &b in set.members {
                    m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8)));
                }
                _mm_movemask_epi8(m) as u32
            };
            if mask != 0 {
                return Some(i + mask.trailing_zeros() as usize);
            }
            i += 16;
        }
    }
    bytes[i..]
        .iter()
        .position(|&b| set.table[usize::from(b)])
        .map(|p| i + p)
}

/// A set of bytes: its members and a lookup table of them.
struct Set {
    members: &'static [u8],
    table: [bool; 256],
}

impl Set {
    const fn new(members: &'static [u8]) -> Set {
        let mut table = [false; 256];
        let mut i = 0;
        while i < members.len() {
            table[members[i] as usize] = true;
            i += 1;
        }
        Set { members, table }
    }
}

/// Whether a key (its raw bytes) names sensitive authentication data.
fn is_sad_key(k: &[u8]) -> bool {
    fields::get().may_be_sad(k)
        && matches!(
            fields::get().classify(&String::from_utf8_lossy(k)),
            Some(fields::Class::Cvv | fields::Class::Track | fields::Class::Pin)
        )
}

/// Whether `bytes` may hold a key that names sensitive authentication
/// data ([`is_sad_key`]), without following the structure: every key is a
/// string followed by `:`, so each `"` + white space + `:` is tried with
/// the bytes from the `"` before it as the name, cut to [`MAX_KEY`] like
/// the tracker's keys. It says yes when it cannot tell: a name with a
/// backslash (the tracker drops escapes' backslashes) or with no opening
/// quote in `bytes` (a key begun before them). A `:` in a string value
/// only adds tries.
fn may_hold_sad_key(bytes: &[u8]) -> bool {
    // Most documents have no backslash at all: one search, not one per name.
    let escapes = memchr::memchr(b'\\', bytes).is_some();
    memchr::memchr_iter(b':', bytes).any(|c| {
        let before = bytes[..c].trim_ascii_end();
        let Some(close) = before.len().checked_sub(1).filter(|&q| before[q] == b'"') else {
            return false;
        };
        let Some(open) = memchr::memrchr(b'"', &before[..close]) else {
            return true;
        };
        let name = &before[open + 1..close];
        (escapes && ((open > 0 && before[open - 1] == b'\\') || name.contains(&b'\\')))
            || is_sad_key(&name[..name.len().min(MAX_KEY)])
    })
}

/// Whether the value after a key may hold data, read from `bytes` (just
/// after the key's closing quote, or where an earlier look stopped;
/// `colon`: whether the `:` is behind): `Some(false)` for an object or a
/// boolean (`{`, `t`, `f` first) and for a "key" with no `:` after it (not
/// JSON: no value), `Some(true)` for anything else (a string, number,
/// `null`, array, or a value that is not JSON), `None` if `bytes` end
/// first (white space only). Like [`may_hold_sad_key`], it takes a key to
/// be a string, white space and a `:`.
fn value_may_hold_data(bytes: &[u8], colon: &mut bool) -> Option<bool> {
    for &b in bytes {
        match b {
            b' ' | b'\t' | b'\n' | b'\r' => {}
            b':' if !*colon => *colon = true,
            _ if !*colon => return Some(false),
            _ => return Some(!matches!(b, b'{' | b't' | b'f')),
        }
    }
    None
}

/// A schema finding for a key whose value is not read yet.
struct Pending {
    /// The key's path with `[*]` for indices: one finding per field.
    shape: String,
    extra: Extra,
    /// Absolute offset of the next byte to look at.
    at: u64,
    colon: bool,
}

/// Nesting kept at most; deeper levels are counted, not named.
const MAX_DEPTH: usize = 256;
/// Key bytes kept at most.
const MAX_KEY: usize = 64;

impl Tracker {
    /// Follows `bytes`, the first at absolute offset `base`; calls
    /// `on_key` with each key read (its raw bytes, escapes as written),
    /// and its offset.
    fn feed(&mut self, bytes: &[u8], base: u64, on_key: &mut dyn FnMut(&Tracker, &[u8], u64)) {
        let mut i = 0;
        while i < bytes.len() {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                    if let Some(k) = &mut self.key {
                        k.push(&bytes[i..=i]);
                    }
                    i += 1;
                    continue;
                }
                match next_of(bytes, i, &STRING_END).map(|j| j - i) {
                    None => {
                        if let Some(k) = &mut self.key {
                            k.push(&bytes[i..]);
                        }
                        return;
                    }
                    Some(j) => {
                        if let Some(k) = &mut self.key {
                            k.push(&bytes[i..i + j]);
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
                                    *key = Some(k);
                                    *expect_key = false;
                                }
                                on_key(self, k.as_bytes(), base + i as u64);
                            }
                        }
                        i += 1;
                        continue;
                    }
                }
            }
            // Skip what is no structure: numbers, literals, white space.
            match next_of(bytes, i, &STRUCTURAL) {
                Some(j) => i = j,
                None => return,
            }
            match bytes[i] {
                b'"' => {
                    self.in_string = true;
                    let is_key = self.deeper == 0
                        && matches!(
                            self.stack.last(),
                            Some(Frame::Object {
                                expect_key: true,
                                ..
                            })
                        );
                    self.key = is_key.then_some(Key::EMPTY);
                }
                b'{' => self.push(Frame::Object {
                    key: None,
                    expect_key: true,
                    start: base + i as u64,
                }),
                b'[' => self.push(Frame::Array { index: 0 }),
                b'}' | b']' => {
                    if self.deeper > 0 {
                        self.deeper -= 1;
                    } else {
                        self.stack.pop();
                    }
                }
                // A comma at an unnamed level is not the named one's.
                b',' if self.deeper > 0 => {}
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
        } else {
            self.deeper += 1;
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

    /// The innermost object's frames with its key as it stands for a
    /// place: while a key is being read (a number inside a key), the
    /// place is the object holding it, not the value read before it.
    fn frames(&self) -> impl DoubleEndedIterator<Item = (&Frame, Option<&Key>)> {
        let reading_key = self.in_string && self.key.is_some();
        let last = self.stack.len().wrapping_sub(1);
        self.stack.iter().enumerate().map(move |(i, f)| match f {
            Frame::Object { key, .. } if !(reading_key && i == last) => (f, key.as_ref()),
            _ => (f, None),
        })
    }

    fn render(&self, shape: bool) -> String {
        let mut p = String::from("$");
        for (f, key) in self.frames() {
            match (f, key) {
                (Frame::Object { .. }, Some(k)) => {
                    let k = k.text();
                    if !k.is_empty() && k.chars().all(|c| c.is_alphanumeric() || c == '_') {
                        p.push('.');
                        p.push_str(&k);
                    } else {
                        p.push_str(&format!("[{:?}]", k));
                    }
                }
                (Frame::Object { .. }, None) => {}
                (Frame::Array { .. }, _) if shape => p.push_str("[*]"),
                (Frame::Array { index }, _) => p.push_str(&format!("[{index}]")),
            }
        }
        if self.deeper > 0 {
            p.push_str(&format!("…(+{} levels)", self.deeper));
        }
        display_name_long(&p)
    }

    /// The key of the innermost object's value being read.
    fn last_key(&self) -> Option<String> {
        self.frames().rev().find_map(|(_, k)| k.map(Key::text))
    }

    /// Where the innermost object starts (absolute offset of its `{`).
    fn object_start(&self) -> Option<u64> {
        self.stack.iter().rev().find_map(|f| match f {
            Frame::Object { start, .. } => Some(*start),
            _ => None,
        })
    }
}

/// The JSON path of the value at the end of `prefix`, the start of a
/// JSON document (for JSON held in a SQL or CSV field).
pub fn path_of_prefix(prefix: &[u8]) -> Option<String> {
    let mut t = Tracker::default();
    t.feed(prefix, 0, &mut |_, _, _| {});
    (!t.stack.is_empty()).then(|| t.path())
}

/// A path as printed: PAN-like digits masked, then cut after 512
/// characters (its end kept: the levels it reaches). Masked first, so a
/// number across the cut shows no more than its first six digits.
fn display_name_long(p: &str) -> String {
    const MAX: usize = 512;
    let masked = crate::redact::text(p);
    let n = masked.chars().count();
    if n <= MAX {
        return masked.into_owned();
    }
    let head: String = masked.chars().take(MAX - 40).collect();
    let tail: String = masked.chars().skip(n - 32).collect();
    // Again: a cut can end (or start) a longer run on a PAN-like part of it.
    crate::redact::text(&format!("{head}…{tail}")).into_owned()
}

/// The JSON attributor.
pub struct Json {
    lines: bool,
    tracker: Tracker,
    pos: u64,
    line: u64,
    schema: Vec<Extra>,
    /// SAD-named keys waiting for their value's first byte.
    pending: Vec<Pending>,
    seen: HashSet<String>,
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
            pending: Vec::new(),
            seen: HashSet::new(),
        }
    }

    /// Follows the stream to `buf[to]`, noting keys that name sensitive
    /// authentication data; `last`: the stream ends at `to`, so no state
    /// is needed past it and a stretch without a key that may name such
    /// data (most documents) is not followed at all.
    fn advance_to(&mut self, buf: &[u8], base: u64, to: usize, last: bool) {
        self.settle(buf, base);
        let from = (self.pos.saturating_sub(base) as usize).min(to);
        if from >= to {
            return;
        }
        let bytes = &buf[from..to];
        // JSON Lines: only the start of the stream, for the schema.
        // The stream's last stretch only if it may hold a SAD key: no
        // state is needed after it.
        let track =
            (!self.lines || self.pos < LINES_SCHEMA_BYTES) && (!last || may_hold_sad_key(bytes));
        if track {
            let mut found = Vec::new();
            let line = self.line;
            let lines_before = |off: u64| {
                let upto = (off.saturating_sub(base) as usize).clamp(from, to);
                line + memchr::memchr_iter(b'\n', &buf[from..upto]).count() as u64
            };
            self.tracker
                .feed(bytes, base + from as u64, &mut |t, k, off| {
                    if is_sad_key(k) {
                        found.push((t.shape(), String::from_utf8_lossy(k).into_owned(), off));
                    }
                });
            for (shape, k, off) in found {
                if self.seen.contains(&shape) || self.seen.len() > 10_000 {
                    continue;
                }
                let loc = crate::container::location([("json_path", shape.clone().into())]);
                if let Some(extra) = sad_extra(&k, off, lines_before(off), loc) {
                    self.pending.push(Pending {
                        shape,
                        extra,
                        at: off + 1,
                        colon: false,
                    });
                }
            }
            self.settle(buf, base);
            // Lines are counted only for schema findings: once a stream is
            // no longer followed (JSON Lines past their start, the last
            // stretch) it never is again.
            self.line += memchr::memchr_iter(b'\n', bytes).count() as u64;
        }
        self.pos = base + to as u64;
    }

    /// Reports or drops the pending keys whose value starts in `buf`
    /// (absolute offset `base`); the others wait for the next buffer.
    fn settle(&mut self, buf: &[u8], base: u64) {
        let end = base + buf.len() as u64;
        for mut p in std::mem::take(&mut self.pending) {
            // The reader's next buffer starts at or before where this one
            // ended, so `at` is never before `base`.
            let from = (p.at.saturating_sub(base) as usize).min(buf.len());
            match value_may_hold_data(&buf[from..], &mut p.colon) {
                None => {
                    p.at = end;
                    self.pending.push(p);
                }
                Some(true) => self.report(p),
                Some(false) => {}
            }
        }
    }

    fn report(&mut self, p: Pending) {
        if self.seen.insert(p.shape) {
            self.schema.push(p.extra);
        }
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
        self.advance_to(buf, base, at, false);
        let (t, obj_base) = if self.lines {
            // A fresh tracker over the hit's line.
            let ls = super::line_start(buf, base, at)?;
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
        let key = t.last_key();
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

    fn advance(&mut self, buf: &[u8], base: u64, end: usize, last: bool) {
        self.advance_to(buf, base, end, last);
    }

    fn finish(&mut self, extra: &mut Vec<Extra>) -> Vec<(u64, String, serde_json::Value)> {
        // A key whose value never came (a document cut short after its
        // `:`): reported.
        for p in std::mem::take(&mut self.pending) {
            if p.colon {
                self.report(p);
            }
        }
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
        // A number inside a key is placed at the object holding the key.
        let keys = r#"{"a": {"card": "1", "X5": 2}, "X6": 3}"#;
        assert_eq!(path_at(keys, "X5"), "$.a");
        assert_eq!(path_at(keys, "X6"), "$");
    }

    #[test]
    fn levels_past_the_depth_limit_close_before_the_named_ones() {
        let deep = |n: usize, inner: &str| format!("{}{inner}{}", "[".repeat(n), "]".repeat(n));
        // A subtree deeper than MAX_DEPTH, then a value: the value's place
        // is as if the subtree were shallow (before, the closing brackets
        // popped named levels and the commas in it counted as the outer
        // array's).
        let doc = format!(r#"{{"a": {}, "card": "X1"}}"#, deep(300, "1, 2, 3"));
        assert_eq!(path_at(&doc, "X1"), "$.card");
        let doc = format!(r#"[{}, "X2"]"#, deep(MAX_DEPTH + 5, "1, 2, 3"));
        assert_eq!(path_at(&doc, "X2"), "$[1]");
        // Inside it, the named levels and how many more there are.
        let doc = deep(MAX_DEPTH + 7, "\"X3\"");
        let p = path_at(&doc, "X3");
        assert!(
            p.starts_with("$[0][0]") && p.ends_with("[0]…(+7 levels)"),
            "{p}"
        );
    }

    #[test]
    fn long_paths_are_masked_before_they_are_cut() {
        // A card number as a key where the cut falls: no more than six of
        // its digits may show.
        for pad in 450..490 {
            let p = format!(
                "$.{}.x4111111111111111y.{}",
                "a".repeat(pad),
                "b".repeat(100)
            );
            let shown = display_name_long(&p);
            assert!(shown.chars().count() <= 512, "{pad}");
            let digits = crate::redact::longest_digit_run(&shown);
            assert!(digits <= 6, "{pad}: {shown}");
            assert!(shown.ends_with(&"b".repeat(30)), "{pad}");
        }
        // A 17-digit run that fails Luhn, cut after a first 16 that pass.
        for pad in 450..480 {
            let p = format!("$.{}45320151128303661", "a".repeat(pad));
            let shown = display_name_long(&p);
            assert_eq!(crate::redact::text(&shown), shown, "{pad}");
        }
    }

    #[test]
    fn next_of_matches_a_byte_loop_at_every_alignment() {
        // Pseudo-random JSON-ish bytes, searched from every start.
        let mut x = 0x9E37_79B9_u32;
        let alphabet = b"ab1 \n\"\\{}[],:x";
        let bytes: Vec<u8> = (0..300)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                alphabet[(x % alphabet.len() as u32) as usize]
            })
            .collect();
        for set in [&STRUCTURAL, &STRING_END] {
            for pad in 0..16 {
                let mut padded = vec![b'a'; pad];
                padded.extend_from_slice(&bytes);
                for from in 0..padded.len() {
                    let want = padded[from..]
                        .iter()
                        .position(|b| set.members.contains(b))
                        .map(|p| from + p);
                    assert_eq!(next_of(&padded, from, set), want, "pad {pad} from {from}");
                }
            }
        }
    }

    /// The schema findings of `doc` followed to `cut` (not the end), then
    /// to its end with `last` as given.
    fn schema(doc: &[u8], cut: usize, last: bool) -> Vec<(u64, u64, String)> {
        let mut j = Json::new(false);
        j.advance(doc, 0, cut, false);
        j.advance(doc, 0, doc.len(), last);
        schema_of(j)
    }

    /// What `j` gives at the end: (offset, line, location) of each finding.
    fn schema_of(mut j: Json) -> Vec<(u64, u64, String)> {
        let mut extra = Vec::new();
        j.finish(&mut extra);
        extra
            .iter()
            .map(|e| (e.offset, e.line, format!("{:?}", e.location)))
            .collect()
    }

    #[test]
    fn the_last_stretch_is_followed_only_where_a_key_may_name_sad() {
        let long = format!("{}_cvv", "x".repeat(70));
        let docs = [
            r#"{"order": {"cardCvv": "", "id": 7}, "list": [{"pin_block": null}]}"#.to_string(),
            r#"{"name": "a:b", "note": "\"cvv\": 1", "n": 1}"#.to_string(),
            "{\n  \"track2\" :\n  \"\",\n  \"k\\\"cvv\": 1}".to_string(),
            r#"{"セキュリティコード": "", "a": 1}"#.to_string(),
            format!(r#"{{"{long}": 1, "{}": 2}}"#, &long[..62]),
            r#"{"plain": 1, "nested": {"deeper": [1, 2, {"x": "y"}]}}"#.to_string(),
        ];
        let mut found = 0;
        for doc in &docs {
            let doc = doc.as_bytes();
            for cut in 0..doc.len() {
                let want = schema(doc, cut, false);
                assert_eq!(
                    schema(doc, cut, true),
                    want,
                    "{} cut {cut}",
                    String::from_utf8_lossy(doc)
                );
                found += want.len();
            }
        }
        assert!(found > 0, "the documents hold SAD keys");
        // The pre-test itself: what it may skip, and where it cannot tell.
        assert!(!may_hold_sad_key(br#"{"name": "a:b", "id": 1}"#));
        assert!(
            !may_hold_sad_key(br#"{"postal_code": 1, "metadata": {}}"#),
            "no SAD word"
        );
        assert!(may_hold_sad_key(br#"{"card_cvv": 1}"#));
        assert!(
            may_hold_sad_key(br#"vv": 1}"#),
            "a key begun before the bytes"
        );
        assert!(may_hold_sad_key(br#"{"a\"b": 1}"#), "an escaped quote");
    }

    /// The schema findings of `doc` read as two buffers, the first
    /// `doc[..cut]` and the second from two bytes before its end, as the
    /// reader overlaps them.
    fn schema_in_two_buffers(doc: &[u8], cut: usize) -> Vec<(u64, u64, String)> {
        let mut j = Json::new(false);
        j.advance(&doc[..cut], 0, cut, false);
        let k = cut.saturating_sub(2);
        j.advance(&doc[k..], k as u64, doc.len() - k, true);
        schema_of(j)
    }

    #[test]
    fn sad_keys_count_only_where_their_value_may_hold_data() {
        let paths = |doc: &str| -> Vec<String> {
            let doc = doc.as_bytes();
            let want = schema(doc, doc.len(), true);
            for cut in 0..=doc.len() {
                assert_eq!(
                    schema_in_two_buffers(doc, cut),
                    want,
                    "{} cut {cut}",
                    String::from_utf8_lossy(doc)
                );
            }
            want.into_iter().map(|(_, _, loc)| loc).collect()
        };
        // An API schema names fields; its values are objects and flags.
        let api = r#"{"shapes": {"VisaPin": {"type": "string"}, "RequirePin": true,
            "Track2": {"shape": "T"}, "members": {"cvv" :  false, "PinBlock":{"x": 1}}}}"#;
        assert_eq!(paths(api), Vec::<String>::new());
        // Data: a string, a number, null (an empty field) or an array.
        let data = r#"{"card": {"cvv": "123", "pin": 1234, "track2": null,
            "track1": ["x"]}, "a": [{"pin_block": {"k": 1}}, {"pin_block" : "0F"}]}"#;
        let got = paths(data);
        for p in [
            "$.card.cvv",
            "$.card.pin",
            "$.card.track2",
            "$.card.track1",
            "$.a[*].pin_block",
        ] {
            assert!(
                got.iter().any(|l| l.contains(&format!("\"{p}\""))),
                "{p} in {got:?}"
            );
        }
        assert_eq!(got.len(), 5, "{got:?}");
        // A document cut short after a key's `:`: its value unknown,
        // reported; before it, no key yet (as the pre-test sees it).
        assert_eq!(paths(r#"{"cvv" : "#).len(), 1);
        assert_eq!(paths(r#"{"cvv""#).len(), 0);
        assert_eq!(paths(r#"{"cvv" x"#).len(), 0);
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
