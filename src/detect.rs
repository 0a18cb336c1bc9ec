//! The detector: runs the kernel over one buffer, and at each trigger runs
//! the slow path — tokenize (in the raw bytes, or in a projection of UTF-16,
//! full-width or legacy Japanese text), enumerate card-shaped windows,
//! validate brand, length and Luhn, recognise track data and masked PANs,
//! apply the noise filters, score confidence from context — and emits
//! [`Hit`]s that carry only the masked number and its keyed fingerprint.
//! The full digits live in stack locals of this module and nowhere else.
//!
//! Buffers overlap (see `source.rs`): a hit belongs to the buffer in which
//! its first byte lies in `scan_start..emit_end`, so every number is found
//! exactly once however the file is cut.

use crate::context::{Context, Matcher};
use crate::filters::{self, Filter};
use crate::finding::{Confidence, Kind, TrackInfo};
use crate::fingerprint::Fingerprinter;
use crate::kernel::{self, LineStats, Trigger};
use crate::masked::{self, MaskedPan};
use crate::pan::{Digits, Masked};
use crate::project::{self, Encoding, Projection};
use crate::rules::{self, Rules};
use crate::token::{self, Token, Window};
use crate::track::{self, Track, TrackKind};

/// Projected windows reach this many characters either side of a trigger.
const PROJ_LEFT: usize = 64;
const PROJ_RIGHT: usize = 160;
/// Triggers this far past `emit_end` are still examined, because a token
/// (a masked PAN whose only digit run is its last four) can start before
/// `emit_end` and trigger after it.
pub const TRIGGER_SLACK: usize = 512;
/// Bytes a buffer must keep before `scan_start` and after `emit_end` for
/// the slow path to see whole tokens and their context.
pub const CONTEXT_BEFORE: usize = 2048;
pub const CONTEXT_AFTER: usize = 4096;

/// A finding before it has a path and a line.
#[derive(Clone, Debug)]
pub struct Hit {
    /// Offset of the first byte in the buffer.
    pub offset: usize,
    pub kind: Kind,
    pub brand: Option<usize>,
    pub masked: Masked,
    pub length: u8,
    pub fingerprint: Option<[u8; 32]>,
    pub test_pan: bool,
    pub confidence: Confidence,
    pub reasons: Vec<String>,
    pub encoding: Encoding,
    pub compliant: Option<bool>,
    pub revealed: Option<u8>,
    pub track: Option<TrackInfo>,
}

/// Where a buffer sits: hits are emitted for first bytes in
/// `scan_start..emit_end`; bytes before `scan_start` are context only.
#[derive(Clone, Copy, Debug)]
pub struct Region {
    pub scan_start: usize,
    pub emit_end: usize,
}

impl Region {
    /// Whether a hit whose first byte is at `start` belongs to this buffer.
    #[inline]
    pub fn owns(&self, start: usize) -> bool {
        start >= self.scan_start && start < self.emit_end
    }
}

/// Per-thread scratch space, reused across buffers.
#[derive(Default)]
pub struct Scratch {
    trig: Vec<Trigger>,
    proj: Projection,
    tok: Token,
    tok2: Token,
    cells: Vec<u8>,
    wins: Vec<Window>,
    cands: Vec<Cand>,
    /// How many candidates each filter rejected (indexed by
    /// `Filter::index`).
    pub rejected: [u64; Filter::ALL.len()],
}

#[derive(Clone, Debug)]
struct Cand {
    win: Window,
    digits: Digits,
    brand: usize,
    track: Option<Track>,
    test: bool,
}

/// A text the tokenizer reads: the buffer itself, or a projection.
struct Text<'a> {
    t: &'a [u8],
    /// Projection map, or None when `t` is the source itself.
    map: Option<&'a [u32]>,
    enc: Encoding,
}

impl Text<'_> {
    #[inline]
    fn src(&self, i: usize) -> usize {
        match self.map {
            None => i,
            Some(m) => m[i] as usize,
        }
    }
}

/// What a byte can be in a token: 1 a cell (digit or mask character), 2
/// a separator's byte (space, `-`, `+`, `%`; `%20`'s digits are cells), 0
/// neither.
const SPAN: [u8; 256] = {
    let mut k = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        k[c] = if b.is_ascii_digit() || token::is_mask(b) {
            1
        } else if token::is_sep_byte(b) {
            2
        } else {
            0
        };
        c += 1;
    }
    k
};

/// The end of the stretch of token bytes ([`SPAN`]) around the digit at
/// `p`, if it holds fewer than 12 cells, no non-ASCII byte touches it and
/// no NUL follows it:
/// then the token the tokenizer would find there (a part of the stretch:
/// it walks left to `max(lo, p - MAX_LEFT)` as this does) has too few
/// cells for a card number, and so has the token of any later trigger
/// in the stretch.
#[inline]
fn few_cells(buf: &[u8], p: usize, lo: usize) -> Option<usize> {
    let floor = lo.max(p.saturating_sub(token::MAX_LEFT));
    let mut cells = 0usize;
    let mut i = p;
    while i > floor {
        let k = SPAN[usize::from(buf[i - 1])];
        if k == 0 {
            break;
        }
        cells += usize::from(k & 1);
        i -= 1;
    }
    let mut e = p;
    while let Some(&c) = buf.get(e) {
        let k = SPAN[usize::from(c)];
        if k == 0 {
            break;
        }
        cells += usize::from(k & 1);
        if cells >= 12 {
            return None;
        }
        e += 1;
    }
    let high = |i: Option<&u8>| i.is_some_and(|&c| c >= 0x80);
    let touched = (i > 0 && high(buf.get(i - 1))) || high(buf.get(e));
    // A NUL after the stretch may make its last digit a UTF-16 trigger,
    // which the token's end (not the stretch's) would not have skipped.
    let nul = buf.get(e) == Some(&0);
    (cells < 12 && !touched && !nul).then_some(e)
}

/// The end of the digit run starting at `p` if nothing next to it (a
/// separator before more digits, a mask character, a non-ASCII character
/// that matters) can extend it into a longer token, so that the token is
/// the run alone (an ISO date counts as one run). The kernel already drops
/// most short runs with a stricter rule; this settles the rest, and the
/// long runs, without tokenizing.
#[inline]
fn isolated_run(buf: &[u8], p: usize) -> Option<usize> {
    let e = digit_run_end(buf, p);
    let digit = |i: usize| buf.get(i).is_some_and(u8::is_ascii_digit);
    let cell = |i: usize| {
        buf.get(i)
            .is_some_and(|&c| c.is_ascii_digit() || token::is_mask(c))
    };
    let extends = |c: u8, next_cell: bool, high_matters: bool| match c {
        c if token::is_sep_byte(c) => next_cell,
        c if c >= 0x80 => high_matters,
        c => token::is_mask(c),
    };
    if p > 0 {
        let c = buf[p - 1];
        let hm = c >= 0x80 && project::utf8_neighbour_matters(buf, p, false);
        if extends(c, p >= 2 && cell(p - 2), hm) {
            return None;
        }
    }
    // An ISO date, `2024-05-01`, ends its token unless another dash group
    // or a cell follows.
    let date = e - p == 4
        && buf.get(e) == Some(&b'-')
        && digit(e + 1)
        && digit(e + 2)
        && buf.get(e + 3) == Some(&b'-')
        && digit(e + 4)
        && digit(e + 5);
    if date {
        return match buf.get(e + 6) {
            Some(&c) if c.is_ascii_digit() || token::is_mask(c) || c >= 0x80 => None,
            Some(b'-') if cell(e + 7) => None,
            _ => Some(e + 6),
        };
    }
    if let Some(&c) = buf.get(e) {
        let hm = c >= 0x80 && project::utf8_neighbour_matters(buf, e, true);
        if extends(c, cell(e + 1) || c == b'%', hm) {
            return None;
        }
    }
    Some(e)
}

/// The end of the ASCII digit run starting at `p` (`p` itself if
/// `buf[p]` is no digit). Eight bytes at a time: the runs that reach the
/// detector are mostly 12 to 30 digits long (timestamps, IDs), and a byte
/// loop pays a branch per digit and a mispredicted exit.
#[inline]
fn digit_run_end(buf: &[u8], p: usize) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = LO << 7;
    let mut e = p;
    while let Some(word) = buf.get(e..e + 8) {
        let x = u64::from_le_bytes(word.try_into().unwrap());
        // Per byte, on its low 7 bits (no carry leaves a byte): the top bit
        // of `+ 0x50` says ">= 0x30", that of `+ 0x46` says ">= 0x3A".
        let low = x & !HI;
        let ge_0 = low + LO * 0x50;
        let ge_colon = low + LO * 0x46;
        let digit = ge_0 & !ge_colon & !x & HI;
        let other = !digit & HI;
        if other != 0 {
            return e + (other.trailing_zeros() / 8) as usize;
        }
        e += 8;
    }
    while e < buf.len() && buf[e].is_ascii_digit() {
        e += 1;
    }
    e
}

/// Whether a projected character can belong to a card token.
#[inline]
fn card_char(c: u8) -> bool {
    c.is_ascii_digit() || token::is_mask(c) || token::is_sep_byte(c)
}

/// Like [`isolated_run`] for a UTF-16 (or NUL-separated) digit run at
/// `p`: the end of the run if it has fewer than 12 digits and the
/// characters on either side cannot extend it.
fn isolated_wide_run(buf: &[u8], p: usize, le: bool) -> Option<usize> {
    let unit = |i: usize| -> u8 {
        let hi = if le {
            buf.get(i + 1).copied()
        } else {
            i.checked_sub(1).map(|k| buf[k])
        };
        match (buf.get(i), hi) {
            (Some(&lo), Some(h)) => project::project_char(u16::from_le_bytes([lo, h]) as u32),
            _ => project::OTHER,
        }
    };
    let mut e = p;
    let mut n = 0;
    while unit(e).is_ascii_digit() {
        e += 2;
        n += 1;
    }
    if n >= 12 || (p >= 2 && card_char(unit(p - 2))) || card_char(unit(e)) {
        return None;
    }
    Some(e)
}

/// Like [`isolated_run`] for a run of ASCII and full-width digits in
/// UTF-8 starting at `p`.
fn isolated_utf8_run(buf: &[u8], p: usize) -> Option<usize> {
    let mut e = p;
    let mut n = 0;
    loop {
        match buf.get(e..e + 3) {
            Some([0xEF, 0xBC, 0x90..=0x99]) => e += 3,
            _ if buf.get(e).is_some_and(u8::is_ascii_digit) => e += 1,
            _ => break,
        }
        n += 1;
    }
    let ascii_card = |c: Option<&u8>| c.is_some_and(|&c| c < 0x80 && card_char(c));
    let left = p > 0
        && (ascii_card(buf.get(p - 1))
            || (buf[p - 1] >= 0x80 && project::utf8_neighbour_matters(buf, p, false)));
    let right = ascii_card(buf.get(e))
        || (buf.get(e).is_some_and(|&c| c >= 0x80)
            && project::utf8_neighbour_matters(buf, e, true));
    if n >= 12 || left || right {
        return None;
    }
    Some(e)
}

/// The shared, immutable detector.
pub struct Detector {
    rules: &'static Rules,
    ctx: Matcher,
    fp: Fingerprinter,
}

impl Detector {
    pub fn new(fp: Fingerprinter) -> Detector {
        let rules = rules::get();
        Detector {
            rules,
            ctx: Matcher::new(&rules.context),
            fp,
        }
    }

    pub fn rules(&self) -> &'static Rules {
        self.rules
    }

    pub fn fingerprinter(&self) -> &Fingerprinter {
        &self.fp
    }

    /// Scans `buf`, appending hits owned by `r` to `out`. Returns the line
    /// statistics of `buf[r.scan_start..r.emit_end]`.
    pub fn scan(&self, buf: &[u8], r: Region, s: &mut Scratch, out: &mut Vec<Hit>) -> LineStats {
        s.trig.clear();
        let mut trig = std::mem::take(&mut s.trig);
        let stats = kernel::scan(&buf[r.scan_start..], r.emit_end - r.scan_start, &mut trig);
        let limit = r.emit_end.saturating_add(TRIGGER_SLACK).min(buf.len());
        let mut resume = 0usize;
        for tr in &trig {
            let p = r.scan_start + tr.pos as usize;
            if p >= limit {
                break;
            }
            if p < resume {
                continue;
            }
            let end = if tr.kinds & kernel::ASCII != 0 {
                self.on_ascii(buf, p, resume, r, s, out)
            } else if tr.kinds & kernel::WIDE != 0 {
                self.on_wide(buf, p, resume, r, s, out)
            } else if tr.kinds & kernel::FULLWIDTH != 0 {
                self.on_projected(buf, p, resume, r, s, out, Encoding::Utf8)
            } else if tr.kinds & kernel::SJIS != 0 {
                self.on_projected(buf, p, resume, r, s, out, Encoding::ShiftJis)
            } else {
                self.on_projected(buf, p, resume, r, s, out, Encoding::EucJp)
            };
            resume = resume.max(end);
        }
        s.trig = trig;
        stats
    }

    /// An ASCII digit run. Returns the source offset where the token ends.
    fn on_ascii(
        &self,
        buf: &[u8],
        p: usize,
        resume: usize,
        r: Region,
        s: &mut Scratch,
        out: &mut Vec<Hit>,
    ) -> usize {
        // The kernel may point anywhere in a digit run: start at its start.
        let mut p = p;
        while p > resume && buf[p - 1].is_ascii_digit() {
            p -= 1;
        }
        if let Some(e) = isolated_run(buf, p) {
            // The token is this run alone. Under 12 digits it is nothing;
            // longer, only a 12-19 run with a brand's prefix and length
            // that passes Luhn (what the slow path would check of its one
            // window), or an EMV tag 57 (a long run followed by `D`), can
            // be card data. The brand look-up goes first: it rejects
            // timestamps (`1…`) and most IDs outright, Luhn only 9 in 10.
            let (n, run) = (e - p, &buf[p..e]);
            let emv = matches!(buf.get(e), Some(b'D' | b'd'));
            let card = || self.rules.brand_of(run).is_some() && crate::pan::luhn_valid(run);
            if n < 12 || (!emv && (n > 19 || !card())) {
                return e;
            }
        }
        // Most other runs are phone numbers and IDs (`+49 30 1234 5678`,
        // `555-1234-5678`): too few cells around them for any card number.
        if let Some(end) = few_cells(buf, p, resume) {
            return end;
        }
        let mut tok = std::mem::take(&mut s.tok);
        token::tokenize_into(buf, p, resume, buf.len(), true, &mut tok);
        // A non-ASCII character touching the token (•, ＊, a full-width
        // digit or dash) may belong to it: read it as UTF-8 instead.
        let high = |i: Option<&u8>| i.is_some_and(|&c| c >= 0x80);
        let left = tok.start > 0
            && high(buf.get(tok.start - 1))
            && project::utf8_neighbour_matters(buf, tok.start, false);
        let right = high(buf.get(tok.end)) && project::utf8_neighbour_matters(buf, tok.end, true);
        if left || right {
            s.tok = tok;
            return self.on_projected(buf, p, resume, r, s, out, Encoding::Utf8);
        }
        // The common case in digit-heavy text (dates, IDs): too few digits
        // for any card number.
        if tok.cells < 12 {
            let end = tok.end;
            s.tok = tok;
            return end;
        }
        let text = Text {
            t: buf,
            map: None,
            enc: Encoding::Ascii,
        };
        let end = self.analyze(&text, buf, p, resume, &tok, r, s, out);
        s.tok = tok;
        end
    }

    /// Digits interleaved with NULs: UTF-16 text or NUL-separated digits.
    fn on_wide(
        &self,
        buf: &[u8],
        p: usize,
        resume: usize,
        r: Region,
        s: &mut Scratch,
        out: &mut Vec<Hit>,
    ) -> usize {
        let le = project::utf16_le(buf, p);
        if let Some(end) = isolated_wide_run(buf, p, le) {
            return end;
        }
        // The source span of `left` units before the trigger and `right`
        // from it, on the trigger's parity.
        let span = |left: usize, right: usize| {
            let mut a = p.saturating_sub(2 * left).max(resume);
            if (p - a) % 2 == 1 {
                a += 1;
            }
            (a, (p + 2 * right).min(buf.len()))
        };
        let (a, b) = span(PROJ_LEFT, PROJ_RIGHT);
        let mut proj = std::mem::take(&mut s.proj);
        // Most of these are short tokens (dates and times in UTF-16 logs,
        // NUL-separated numbers in binary files): settle them on a narrow
        // projection first. The tokenizer looks at most 4 units past a
        // token's ends, so a token that far inside the narrow span, or
        // reaching an end it shares with the whole span, is the token the
        // whole projection would give.
        let (na, nb) = span(16, 32);
        project::utf16(buf, na, nb, le, &mut proj);
        let mut tok = std::mem::take(&mut s.tok);
        token::tokenize_into(&proj.text, (p - na) / 2, 0, proj.text.len(), true, &mut tok);
        let inside = (tok.start >= 4 || na == a) && (tok.end + 4 <= proj.text.len() || nb == b);
        let settled = (inside && tok.cells < 12).then(|| proj.map[tok.end] as usize);
        s.tok = tok;
        let end = match settled {
            Some(end) => end,
            None => {
                project::utf16(buf, a, b, le, &mut proj);
                let k = (p - a) / 2;
                self.in_projection(buf, &proj, k, Encoding::Utf16, r, s, out)
            }
        };
        s.proj = proj;
        end
    }

    /// Full-width digits (UTF-8, Shift_JIS, EUC-JP), or ASCII digits next
    /// to non-ASCII card characters.
    #[allow(clippy::too_many_arguments)]
    fn on_projected(
        &self,
        buf: &[u8],
        p: usize,
        resume: usize,
        r: Region,
        s: &mut Scratch,
        out: &mut Vec<Hit>,
        enc: Encoding,
    ) -> usize {
        if enc == Encoding::Utf8 {
            if let Some(end) = isolated_utf8_run(buf, p) {
                return end;
            }
        }
        let a = p.saturating_sub(3 * PROJ_LEFT).max(resume);
        let b = (p + 3 * PROJ_RIGHT).min(buf.len());
        let mut proj = std::mem::take(&mut s.proj);
        match enc {
            Encoding::ShiftJis => project::sjis(buf, a, p, b, &mut proj),
            Encoding::EucJp => project::eucjp(buf, a, p, b, &mut proj),
            _ => project::utf8(buf, a, b, &mut proj),
        }
        let k = proj.index_of(p);
        let end = if proj.text.get(k).is_some_and(u8::is_ascii_digit) {
            self.in_projection(buf, &proj, k, enc, r, s, out)
        } else {
            p + 1
        };
        s.proj = proj;
        end
    }

    #[allow(clippy::too_many_arguments)]
    fn in_projection(
        &self,
        buf: &[u8],
        proj: &Projection,
        k: usize,
        enc: Encoding,
        r: Region,
        s: &mut Scratch,
        out: &mut Vec<Hit>,
    ) -> usize {
        // Callers pass a digit: the wide trigger's own digit, or a checked
        // one (on_projected).
        debug_assert!(proj.text[k].is_ascii_digit());
        let text = Text {
            t: &proj.text,
            map: Some(&proj.map),
            enc,
        };
        let mut tok = std::mem::take(&mut s.tok);
        token::tokenize_into(&proj.text, k, 0, proj.text.len(), true, &mut tok);
        let end = if tok.cells < 12 {
            text.src(tok.end)
        } else {
            self.analyze(&text, buf, k, 0, &tok, r, s, out)
        };
        s.tok = tok;
        end
    }

    /// The slow path proper, on one token. Returns the source offset where
    /// the token (or a track that extends it) ends.
    #[allow(clippy::too_many_arguments)]
    fn analyze(
        &self,
        text: &Text,
        src: &[u8],
        p: usize,
        lo: usize,
        tok0: &Token,
        r: Region,
        s: &mut Scratch,
        out: &mut Vec<Hit>,
    ) -> usize {
        let t = text.t;
        let end = tok0.end;
        if !tok0.groups.iter().any(|g| g.masks > 0) {
            return self.analyze_digits(text, src, tok0, end, r, s, out);
        }
        token::windows(tok0, &mut s.wins);
        if let Some(m) = masked::best(t, tok0, &s.wins, self.rules) {
            let start = text.src(m.start);
            if r.owns(start) {
                let hit = self.masked_hit(text, src, &m, start);
                out.push(hit);
            }
            return text.src(end);
        }
        // Not a masked PAN: read the digits alone.
        let mut tok2 = std::mem::take(&mut s.tok2);
        token::tokenize_into(t, p, lo, t.len(), false, &mut tok2);
        let end = end.max(tok2.end);
        let result = self.analyze_digits(text, src, &tok2, end, r, s, out);
        s.tok2 = tok2;
        result
    }

    /// The digit analysis of a token without mask characters.
    #[allow(clippy::too_many_arguments)]
    fn analyze_digits(
        &self,
        text: &Text,
        src: &[u8],
        tok: &Token,
        mut end: usize,
        r: Region,
        s: &mut Scratch,
        out: &mut Vec<Hit>,
    ) -> usize {
        let t = text.t;
        token::windows(tok, &mut s.wins);
        s.cands.clear();
        let mut cells = std::mem::take(&mut s.cells);
        for w in &s.wins {
            cells.clear();
            token::cells(t, tok, w, &mut cells);
            let Some(digits) = Digits::collect(&cells) else {
                continue;
            };
            if !digits.luhn() {
                continue;
            }
            let Some(brand) = self.rules.brand_of(digits.as_bytes()) else {
                continue;
            };
            let track = if w.first == w.last {
                track::around_pan(t, w.start, w.end)
            } else {
                None
            };
            let test = self.rules.is_test_pan(digits.as_bytes());
            s.cands.push(Cand {
                win: *w,
                digits,
                brand,
                track,
                test,
            });
        }
        s.cells = cells;
        // EMV tag 57 in a hex dump: the digits before `D` also hold the tag
        // and length bytes, so try the suffixes of a long run.
        for g in &tok.groups {
            if g.len() > 12 && matches!(t.get(g.end), Some(b'D' | b'd')) {
                for len in (12..=19.min(g.len())).rev() {
                    let st = g.end - len;
                    if len == g.len() {
                        continue; // already a window
                    }
                    let Some(d) = Digits::collect(&t[st..g.end]) else {
                        continue;
                    };
                    let Some(brand) = self.rules.brand_of(d.as_bytes()) else {
                        continue;
                    };
                    if !d.luhn() {
                        continue;
                    }
                    if let Some(tr) = track::around_pan(t, st, g.end) {
                        let win = Window {
                            first: 0,
                            last: 0,
                            start: st,
                            end: g.end,
                            cells: len,
                        };
                        let test = self.rules.is_test_pan(d.as_bytes());
                        s.cands.push(Cand {
                            win,
                            digits: d,
                            brand,
                            track: Some(tr),
                            test,
                        });
                        break;
                    }
                }
            }
        }
        for c in &s.cands {
            if let Some(tr) = c.track {
                end = end.max(tr.end);
            }
        }
        if s.cands.is_empty() {
            return text.src(end.min(t.len()));
        }
        // Filters, then context for what is left.
        let mut keep: Vec<(Cand, Context)> = Vec::new();
        for c in s.cands.drain(..) {
            // Structure says "not a card number" even for a test PAN; the
            // digit and context filters never drop a published test PAN.
            if c.track.is_none() {
                let mut f = filters::structural(t, tok, &c.win);
                if f.is_none() && !c.test {
                    f = filters::digits(c.digits.as_bytes());
                }
                if let Some(f) = f {
                    s.rejected[f.index()] += 1;
                    continue;
                }
            }
            let (ss, se) = (text.src(c.win.start), text.src(c.win.end));
            let ctx = self.context(text, src, ss, se, c.win.start, c.win.end);
            if c.track.is_none() && !c.test {
                if let Some(f) = self.context_filter(t, tok, &c, &ctx) {
                    s.rejected[f.index()] += 1;
                    continue;
                }
            }
            keep.push((c, ctx));
        }
        // Longest first (tracks before bare PANs), then leftmost; no overlap.
        keep.sort_by_key(|(c, _)| {
            (
                c.track.is_none(),
                std::cmp::Reverse(c.win.cells),
                c.win.start,
            )
        });
        let mut taken: Vec<(usize, usize)> = Vec::new();
        for (c, ctx) in keep {
            let (a, b) = match c.track {
                Some(tr) => (tr.start, tr.end),
                None => (c.win.start, c.win.end),
            };
            if taken.iter().any(|&(x, y)| a < y && x < b) {
                continue;
            }
            taken.push((a, b));
            let start = text.src(match c.track {
                Some(tr) => tr.start,
                None => c.win.start,
            });
            if r.owns(start) {
                out.push(self.pan_hit(text, &c, &ctx, start));
            }
        }
        text.src(end.min(t.len()))
    }

    fn context(
        &self,
        text: &Text,
        src: &[u8],
        ss: usize,
        se: usize,
        ts: usize,
        te: usize,
    ) -> Context {
        let w = self.ctx.window;
        let a = ts.saturating_sub(w);
        let b = (te + w).min(text.t.len());
        self.ctx.examine(src, ss, se, &text.t[a..b])
    }

    /// The filters that weigh the context: a negative word labelling the
    /// number; a number in a table of numbers; a rare length (13-digit
    /// Visa, 15-digit UATP, …) with no card word or expiry date nearby.
    fn context_filter(&self, t: &[u8], tok: &Token, c: &Cand, ctx: &Context) -> Option<Filter> {
        if self.negative_adjacent(ctx) {
            return Some(Filter::NegativeContext);
        }
        let labelled = ctx.positive.is_some() || ctx.expiry;
        if !labelled {
            let is_pan = |d: &[u8]| {
                d.len() <= 19 && crate::pan::luhn_valid(d) && self.rules.brand_of(d).is_some()
            };
            if filters::number_table(t, tok, &c.win, is_pan) {
                return Some(Filter::NumberTable);
            }
            if self.rules.brands[c.brand].low_confidence_length(c.digits.len()) {
                return Some(Filter::RareLengthWithoutContext);
            }
        }
        None
    }

    /// A negative word (imei, tracking, …) labels the number: it is close
    /// before it, with no positive word nearer.
    fn negative_adjacent(&self, ctx: &Context) -> bool {
        match &ctx.negative {
            Some((_, Some(d))) if *d <= self.ctx.adjacent => {
                ctx.positive_before.is_none_or(|p| p > *d)
            }
            _ => false,
        }
    }

    fn score(&self, ctx: &Context, reasons: &mut Vec<String>, mut score: i32) -> Confidence {
        if let Some(w) = &ctx.positive {
            score += 2;
            reasons.push(format!("context:{w}"));
        }
        if ctx.expiry {
            score += 2;
            reasons.push("expiry_nearby".into());
        }
        if let Some((w, _)) = &ctx.negative {
            score -= 2;
            reasons.push(format!("negative_context:{w}"));
        }
        match score {
            i32::MIN..=-1 => Confidence::Low,
            0..=1 => Confidence::Medium,
            _ => Confidence::High,
        }
    }

    /// A bare digit string read where field boundaries are unknown (a
    /// SQLite page stores a row's fields back to back): a hit if it is a
    /// brand's range and length and passes Luhn, with low confidence and
    /// `reason` among its reasons. Callers try only windows anchored at a
    /// run's ends; no context or noise filter applies.
    pub fn bare_pan(&self, digits: &[u8], offset: usize, reason: &str) -> Option<Hit> {
        let d = Digits::collect(digits)?;
        if !(12..=19).contains(&d.len()) || !d.luhn() {
            return None;
        }
        let b = self.rules.brand_of(d.as_bytes())?;
        let brand = &self.rules.brands[b];
        let test = self.rules.is_test_pan(d.as_bytes());
        let mut reasons = vec![
            format!("iin:{}", brand.id),
            "luhn".to_string(),
            reason.to_string(),
        ];
        if test {
            reasons.push("known_test_pan".into());
        }
        Some(Hit {
            offset,
            kind: Kind::Pan,
            brand: Some(b),
            masked: d.masked(),
            length: d.len() as u8,
            fingerprint: Some(self.fp.fingerprint(d.as_bytes())),
            test_pan: test,
            confidence: Confidence::Low,
            reasons,
            encoding: Encoding::Ascii,
            compliant: None,
            revealed: None,
            track: None,
        })
    }

    fn pan_hit(&self, text: &Text, c: &Cand, ctx: &Context, start: usize) -> Hit {
        let brand = &self.rules.brands[c.brand];
        let len = c.digits.len();
        let mut reasons = vec![format!("iin:{}", brand.id), "luhn".to_string()];
        let mut base = 0;
        if c.win.first != c.win.last {
            base += 1;
            reasons.push("card_shape".into());
        }
        if brand.low_confidence_length(len) {
            base -= 2;
            reasons.push("legacy_length".into());
        }
        if brand.tier >= 3 {
            base -= 1;
            reasons.push("regional_brand".into());
        }
        let mut confidence = self.score(ctx, &mut reasons, base);
        let (kind, track) = match c.track {
            Some(tr) => {
                reasons.push(if tr.emv {
                    "emv_tag57".into()
                } else {
                    "track_format".into()
                });
                confidence = Confidence::High;
                let kind = match tr.kind {
                    TrackKind::Track1 => Kind::Track1,
                    TrackKind::Track2 => Kind::Track2,
                };
                (
                    kind,
                    Some(TrackInfo {
                        emv_tag57: tr.emv,
                        sentinels: tr.sentinels,
                    }),
                )
            }
            None => (Kind::Pan, None),
        };
        if c.test {
            reasons.push("known_test_pan".into());
        }
        Hit {
            offset: start,
            kind,
            brand: Some(c.brand),
            masked: c.digits.masked(),
            length: len as u8,
            fingerprint: Some(self.fp.fingerprint(c.digits.as_bytes())),
            test_pan: c.test,
            confidence,
            reasons,
            encoding: self.encoding_of(text, c.win.start, c.win.end),
            compliant: None,
            revealed: None,
            track,
        }
    }

    fn masked_hit(&self, text: &Text, src: &[u8], m: &MaskedPan, start: usize) -> Hit {
        let mut reasons = Vec::new();
        if let Some(b) = m.brand {
            reasons.push(format!("iin:{}", self.rules.brands[b].id));
        }
        let compliant = m.compliant();
        reasons.push(
            if compliant {
                "masking_compliant"
            } else {
                "reveals_more_than_bin_and_last4"
            }
            .into(),
        );
        let ss = text.src(m.start);
        let se = text.src(m.end);
        let ctx = self.context(text, src, ss, se, m.start, m.end);
        let confidence = self.score(&ctx, &mut reasons, 0);
        Hit {
            offset: start,
            kind: Kind::MaskedPan,
            brand: m.brand,
            masked: Masked::new(&m.lead, m.len, &m.trail),
            length: m.len as u8,
            fingerprint: None,
            test_pan: false,
            confidence,
            reasons,
            encoding: self.encoding_of(text, m.start, m.end),
            compliant: Some(compliant),
            revealed: Some(m.revealed() as u8),
            track: None,
        }
    }

    /// A projection through plain ASCII characters is still ASCII.
    fn encoding_of(&self, text: &Text, a: usize, b: usize) -> Encoding {
        match text.map {
            None => text.enc,
            Some(m) => {
                let plain = (a..b).all(|i| m[i + 1] - m[i] == 1);
                if plain && text.enc == Encoding::Utf8 {
                    Encoding::Ascii
                } else {
                    text.enc
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_run_end_matches_a_byte_loop() {
        // Every start in runs of 0..=20 digits ended by each byte value
        // (the bytes next to '0'..='9' and their twins with the top bit set
        // included), with 0..=9 bytes after the end.
        for len in 0..=20 {
            for stop in 0..=255u8 {
                for after in 0..10 {
                    let mut buf = b"0123456789".repeat(2)[..len].to_vec();
                    buf.push(stop);
                    buf.resize(len + 1 + after, b'7');
                    for p in 0..buf.len() {
                        let mut want = p;
                        while want < buf.len() && buf[want].is_ascii_digit() {
                            want += 1;
                        }
                        assert_eq!(digit_run_end(&buf, p), want, "{buf:?} from {p}");
                    }
                }
            }
        }
        assert_eq!(digit_run_end(b"", 0), 0);
        assert_eq!(digit_run_end(b"12", 2), 2);
    }

    /// UTF-16 triggers are settled on a narrow projection only when the
    /// whole one would give the same token: a grouped PAN, and a masked one
    /// whose token starts 15 characters left of its trigger (past the
    /// narrow span), after wide noise at every distance, are found once.
    #[test]
    fn wide_tokens_across_the_narrow_projection() {
        let det = Detector::new(Fingerprinter::new(
            b"test-key",
            crate::fingerprint::KeySource::Env,
        ));
        // A published 19-digit Visa test PAN in groups of four.
        let rules = crate::rules::get();
        let digits = rules.test_pans().find(|d| d.len() == 19 && d[0] == b'4');
        let digits = std::str::from_utf8(digits.unwrap()).unwrap();
        let fours: Vec<&str> = (0..19)
            .step_by(4)
            .map(|i| &digits[i..(i + 4).min(19)])
            .collect();
        let pan = fours.join(" ");
        let masked = format!("XXXX XXXX XXXX {}", &digits[15..]);
        for (number, kind) in [(&pan, Kind::Pan), (&masked, Kind::MaskedPan)] {
            for gap in 0..48 {
                let text = format!("2024-05-01 12 {} {number} 2024-05-02", "a".repeat(gap));
                for le in [true, false] {
                    let units = text.encode_utf16();
                    let buf: Vec<u8> = if le {
                        units.flat_map(|u| u.to_le_bytes()).collect()
                    } else {
                        units.flat_map(|u| u.to_be_bytes()).collect()
                    };
                    let r = Region {
                        scan_start: 0,
                        emit_end: buf.len(),
                    };
                    let mut hits = Vec::new();
                    det.scan(&buf, r, &mut Scratch::default(), &mut hits);
                    let what = format!("{kind:?} after {gap} letters, le {le}");
                    assert_eq!(hits.len(), 1, "{what}");
                    assert_eq!(
                        (hits[0].kind, hits[0].encoding),
                        (kind, Encoding::Utf16),
                        "{what}"
                    );
                }
            }
        }
    }

    /// Checks `few_cells` against the tokenizer from every run start of
    /// `buf`: it settles a trigger only where the token has too few cells
    /// and no non-ASCII neighbour, and every later trigger it skips would
    /// find too few too (and is no UTF-16 trigger).
    fn check_few_cells(buf: &[u8]) {
        let n = buf.len();
        let text = String::from_utf8_lossy(buf);
        let high = |i: usize| buf.get(i).is_some_and(|&c| c >= 0x80);
        for p in 0..n {
            if !buf[p].is_ascii_digit() || (p > 0 && buf[p - 1].is_ascii_digit()) {
                continue;
            }
            for lo in [0, p / 2, p] {
                let Some(e) = few_cells(buf, p, lo) else {
                    continue;
                };
                let tok = token::tokenize(buf, p, lo, n, true);
                assert!(tok.cells < 12 && tok.end <= e, "{text:?} p {p} lo {lo}");
                let touched = (tok.start > 0 && high(tok.start - 1)) || high(tok.end);
                assert!(!touched, "{text:?} p {p} lo {lo}");
                for q in tok.end..e {
                    if buf[q].is_ascii_digit() {
                        let later = token::tokenize(buf, q, tok.end, n, true);
                        assert!(later.cells < 12, "{text:?} p {p} q {q}");
                        assert_ne!(buf.get(q + 1), Some(&0), "{text:?} q {q}");
                    }
                }
            }
        }
    }

    #[test]
    fn few_cells_settles_phone_numbers_not_cards() {
        let t = b"tel 555-1234-5678, ok";
        assert_eq!(few_cells(t, 4, 0), Some(17));
        check_few_cells(t);
        for t in [
            &b"card 4111 1111 1111 1111 x"[..],
            b"411111******1111",
            b"12 34 56 78 90 12",
            b"555-1234\xE2\x80\xA2",
            b"555-1234-5678\0",
        ] {
            assert_eq!(
                few_cells(t, t.iter().position(u8::is_ascii_digit).unwrap(), 0),
                None
            );
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 4096,
            ..proptest::prelude::ProptestConfig::default()
        })]
        /// Random texts of token bytes, letters, NULs and a UTF-8 bullet.
        #[test]
        fn few_cells_settles_only_what_the_tokenizer_would(
            buf in proptest::collection::vec(
                proptest::sample::select(
                    b"0123456789012345678901234567890123456789 - + %20 * X x # a\n\0\xE2\x80\xA2"
                        .to_vec(),
                ),
                1..90,
            )
        ) {
            check_few_cells(&buf);
        }
    }

    #[test]
    fn isolated_runs_end_early_only_when_nothing_can_extend_them() {
        let b = b"id 12345 y";
        assert_eq!(isolated_run(b, 3), Some(8));
        assert_eq!(isolated_run(b"12345 6789 0123", 0), None, "a group follows");
        assert_eq!(isolated_run(b"12345**", 0), None, "a mask follows");
        assert_eq!(isolated_run(b"a 2024-05-01 b", 2), Some(12), "an ISO date");
        let le: Vec<u8> = "番号12345です"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        let p = le.iter().position(|&c| c == b'1').unwrap();
        assert_eq!(isolated_wide_run(&le, p, true), Some(p + 10));
        let le: Vec<u8> = "12345 6789"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        assert_eq!(isolated_wide_run(&le, 0, true), None);
        let s = "番号１２３４５です";
        let p = s.find('１').unwrap();
        assert_eq!(isolated_utf8_run(s.as_bytes(), p), Some(p + 15));
        let s = "番号１２３４－５６７８";
        assert_eq!(isolated_utf8_run(s.as_bytes(), s.find('１').unwrap()), None);
    }
}
