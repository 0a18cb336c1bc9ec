//! The named noise filters: rules that reject a Luhn-valid, brand-matching
//! number because it is almost certainly something else (a hex token, a
//! decimal, a row of a number table, a run of repeated or sequential digits,
//! a GS1 product code, or a number labelled IMEI/tracking/…). Each filter's
//! id, description and examples live in `rules/filters.json`; a test checks
//! the two lists match and that every example behaves. Known public test
//! PANs and track data are never filtered.

use crate::token::{Token, Window};

/// A noise filter. `ALL` lists them in the order they are applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Filter {
    HexToken,
    DecimalNumber,
    LongGroupRun,
    RepeatedDigits,
    ArithmeticSequence,
    Gs1ProductCode,
    NegativeContext,
    NumberTable,
    RareLengthWithoutContext,
}

impl Filter {
    pub const ALL: [Filter; 9] = [
        Filter::HexToken,
        Filter::DecimalNumber,
        Filter::LongGroupRun,
        Filter::RepeatedDigits,
        Filter::ArithmeticSequence,
        Filter::Gs1ProductCode,
        Filter::NegativeContext,
        Filter::NumberTable,
        Filter::RareLengthWithoutContext,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Filter::HexToken => "hex_token",
            Filter::DecimalNumber => "decimal_number",
            Filter::LongGroupRun => "long_group_run",
            Filter::RepeatedDigits => "repeated_digits",
            Filter::ArithmeticSequence => "arithmetic_sequence",
            Filter::Gs1ProductCode => "gs1_product_code",
            Filter::NegativeContext => "negative_context",
            Filter::NumberTable => "number_table",
            Filter::RareLengthWithoutContext => "rare_length_without_context",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// Filters that look at the text around the candidate `t[w.start..w.end]`.
pub fn structural(t: &[u8], tok: &Token, w: &Window) -> Option<Filter> {
    if hex_token(t, w.start, w.end) {
        return Some(Filter::HexToken);
    }
    // A grouped number glued to a hex letter is a row of hex words.
    let hex_letter = |c: Option<&u8>| c.is_some_and(|c| matches!(c, b'a'..=b'f' | b'A'..=b'F'));
    if w.first != w.last
        && ((w.start > 0 && hex_letter(t.get(w.start - 1))) || hex_letter(t.get(w.end)))
    {
        return Some(Filter::HexToken);
    }
    if decimal(t, w.start, w.end) {
        return Some(Filter::DecimalNumber);
    }
    if long_group_run(tok, w) {
        return Some(Filter::LongGroupRun);
    }
    None
}

/// Filters on the digits alone.
pub fn digits(d: &[u8]) -> Option<Filter> {
    if repeated(d) {
        return Some(Filter::RepeatedDigits);
    }
    if arithmetic(d) {
        return Some(Filter::ArithmeticSequence);
    }
    if gs1(d) {
        return Some(Filter::Gs1ProductCode);
    }
    None
}

fn is_hex(c: u8) -> bool {
    c.is_ascii_hexdigit()
}

/// Characters that separate the items of a list or table.
fn is_gap(c: u8) -> bool {
    matches!(
        c,
        b' ' | b'\t'
            | b','
            | b';'
            | b'|'
            | b'"'
            | b'\''
            | b'\r'
            | b'\n'
            | b'('
            | b')'
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b':'
            | b'='
    )
}

/// The word (run of ASCII letters, digits and `_`) nearest before `s` or
/// from `e` on, across at most eight gap characters.
fn word_before(t: &[u8], s: usize) -> &[u8] {
    let mut i = s;
    while i > 0 && s - i < 8 && is_gap(t[i - 1]) {
        i -= 1;
    }
    let end = i;
    while i > 0 && end - i < 40 && (t[i - 1].is_ascii_alphanumeric() || t[i - 1] == b'_') {
        i -= 1;
    }
    &t[i..end]
}

fn word_after(t: &[u8], e: usize) -> &[u8] {
    let mut i = e;
    while i < t.len() && i - e < 8 && is_gap(t[i]) {
        i += 1;
    }
    let start = i;
    while i < t.len() && i - start < 40 && (t[i].is_ascii_alphanumeric() || t[i] == b'_') {
        i += 1;
    }
    &t[start..i]
}

/// A number that is an item of a table or list of numbers: the token has
/// two or more other groups on one side, or the nearest words on both sides
/// are long numbers that are not card numbers (`is_pan` says which are),
/// or, for a grouped number, a neighbouring word is a hex group (a table of
/// code points or addresses).
pub fn number_table(t: &[u8], tok: &Token, w: &Window, is_pan: impl Fn(&[u8]) -> bool) -> bool {
    // Other groups of the token, not counting card numbers (a line may
    // list several cards).
    let g = &tok.groups;
    let other = |i: usize| !is_pan(&t[g[i].start..g[i].end]);
    let left: Vec<usize> = (0..w.first).filter(|&i| other(i)).collect();
    let right: Vec<usize> = (w.last + 1..g.len()).filter(|&i| other(i)).collect();
    if left.len() >= 2 || right.len() >= 2 {
        return true;
    }
    // A neighbouring group of five or more digits: a row of numbers (an
    // expiry, a CVV or a row number next to a card is shorter).
    if left.iter().chain(&right).any(|&i| g[i].digits >= 5) {
        return true;
    }
    let (prev, next) = (word_before(t, w.start), word_after(t, w.end));
    let long_number = |x: &[u8]| x.len() >= 6 && x.iter().all(u8::is_ascii_digit) && !is_pan(x);
    if long_number(prev) && long_number(next) {
        return true;
    }
    let hex_word = |x: &[u8]| {
        x.len() >= 4
            && x.iter().all(|&c| is_hex(c))
            && x.iter().any(|c| c.is_ascii_alphabetic())
            && x.iter().any(u8::is_ascii_digit)
    };
    w.first != w.last && (hex_word(prev) || hex_word(next))
}

/// A hex literal (`0x…`), the neighbourhood rule of bulk_extractor (the
/// four characters on either side are hex but not all decimal), or the
/// last group of a UUID.
fn hex_token(t: &[u8], s: usize, e: usize) -> bool {
    if s >= 2 && t[s - 1] | 0x20 == b'x' && t[s - 2] == b'0' {
        return true;
    }
    let side = |r: &[u8]| {
        r.len() == 4 && r.iter().all(|&c| is_hex(c)) && !r.iter().all(u8::is_ascii_digit)
    };
    if s >= 4 && side(&t[s - 4..s]) || e + 4 <= t.len() && side(&t[e..e + 4]) {
        return true;
    }
    // UUID: the maximal run of hex digits and dashes is 8-4-4-4-12.
    let mut a = s;
    while a > 0 && s - a < 40 && (is_hex(t[a - 1]) || t[a - 1] == b'-') {
        a -= 1;
    }
    let mut b = e;
    while b < t.len() && b - e < 40 && (is_hex(t[b]) || t[b] == b'-') {
        b += 1;
    }
    let r = &t[a..b];
    let uuid = r.len() == 36
        && r.iter().enumerate().all(|(i, &c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == b'-'
            } else {
                is_hex(c)
            }
        });
    uuid || hex_word(t, s, e)
}

/// Whether `t[s..e]` lies in a word of hex characters only (bounded by
/// bytes that are not letters or digits) with hex letters glued to both
/// of its sides: a hash or an id (`F5f4532015112830366ab-1`), where a card
/// number glued to words has other letters about it (`CARD4111…EXP`).
fn hex_word(t: &[u8], s: usize, e: usize) -> bool {
    let mut a = s;
    while a > 0 && s - a < 64 && is_hex(t[a - 1]) {
        a -= 1;
    }
    let mut b = e;
    while b < t.len() && b - e < 64 && is_hex(t[b]) {
        b += 1;
    }
    let word_ends = |c: Option<&u8>| c.is_none_or(|c| !c.is_ascii_alphanumeric());
    a < s
        && b > e
        && !t[s - 1].is_ascii_digit()
        && !t[e].is_ascii_digit()
        && word_ends(a.checked_sub(1).map(|i| &t[i]))
        && word_ends(t.get(b))
}

/// Part of a decimal number or of scientific notation:
/// `4111111111111111.25`, `0.4111111111111111`, `4111111111111111e5`.
fn decimal(t: &[u8], s: usize, e: usize) -> bool {
    let digit = |i: usize| t.get(i).is_some_and(u8::is_ascii_digit);
    if s >= 2 && t[s - 1] == b'.' && digit(s - 2) {
        return true;
    }
    match t.get(e) {
        Some(b'.') => digit(e + 1),
        Some(b'e' | b'E') => {
            digit(e + 1) || (matches!(t.get(e + 1), Some(b'+' | b'-')) && digit(e + 2))
        }
        _ => false,
    }
}

/// Inside a run of five or more four-digit groups: a table of numbers, not
/// a card ("#### #### #### #### ####" in bulk_extractor's words).
fn long_group_run(tok: &Token, w: &Window) -> bool {
    let g = &tok.groups;
    let four = |i: usize| g[i].len() == 4;
    if !(w.first..=w.last).all(four) {
        return false;
    }
    let mut a = w.first;
    while a > 0 && four(a - 1) {
        a -= 1;
    }
    let mut b = w.last;
    while b + 1 < g.len() && four(b + 1) {
        b += 1;
    }
    b - a + 1 >= 5
}

/// Few distinct digits, one digit in more than three quarters of the
/// places, or a repeated pattern of up to four digits.
fn repeated(d: &[u8]) -> bool {
    let mut counts = [0usize; 10];
    for &c in d {
        counts[(c - b'0') as usize] += 1;
    }
    let distinct = counts.iter().filter(|&&n| n > 0).count();
    let max = counts.iter().copied().max().unwrap_or(0);
    if distinct <= 2 || max * 4 > d.len() * 3 {
        return true;
    }
    // All digits within a span of five values: stroke-order codes (1–5),
    // dice rolls, base-5 data.
    let lo = counts.iter().position(|&n| n > 0).unwrap_or(0);
    let hi = counts.iter().rposition(|&n| n > 0).unwrap_or(0);
    if hi - lo <= 4 {
        return true;
    }
    // Periodic body (the check digit may differ): 1234123412341234.
    let body = &d[..d.len() - 1];
    (1..=4).any(|p| body.len() > 2 * p && (p..body.len()).all(|i| body[i] == body[i - p]))
}

/// Ten or more digits in a row with a constant step (1234567890…,
/// 9876543210…), or four-digit groups in arithmetic progression
/// (1000 2000 3000 4000).
fn arithmetic(d: &[u8]) -> bool {
    let body = &d[..d.len() - 1];
    let mut run = 1;
    let mut best = 1;
    for i in 2..body.len() {
        let s0 = (body[i - 1] + 10 - body[i - 2]) % 10;
        let s1 = (body[i] + 10 - body[i - 1]) % 10;
        if s0 == s1 && s1 != 0 {
            run += 1;
            best = best.max(run);
        } else {
            run = 1;
        }
    }
    // `run` counts equal consecutive steps; steps + 1 = digits.
    if best + 1 >= 10 {
        return true;
    }
    if d.len() == 16 {
        let g: Vec<i32> = d
            .chunks(4)
            .map(|c| c.iter().fold(0i32, |a, &x| a * 10 + (x - b'0') as i32))
            .collect();
        let step = g[1] - g[0];
        // The last group carries the check digit: compare its first three.
        if step != 0 && g[2] - g[1] == step && (g[3] / 10) == (g[2] + step) / 10 {
            return true;
        }
    }
    false
}

/// A 12- or 13-digit number with a valid GS1 (EAN-13 / UPC-A) check digit:
/// JAN codes start with 45/49 and look like 13-digit Visa numbers.
fn gs1(d: &[u8]) -> bool {
    if !(d.len() == 12 || d.len() == 13) {
        return false;
    }
    let body = &d[..d.len() - 1];
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &c)| (c - b'0') as u32 * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    (10 - sum % 10) % 10 == (d[d.len() - 1] - b'0') as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_filters() {
        assert!(repeated(b"4444444444444448"));
        assert!(repeated(b"4545454545454545"));
        assert!(repeated(b"4123412341234123"));
        assert!(repeated(b"4111251154311"));
        assert!(!repeated(b"4111251154319"));
        assert!(!repeated(b"4532015112830366"));
        assert!(arithmetic(b"4567890123456789"));
        assert!(arithmetic(b"4321098765432109"));
        assert!(!arithmetic(b"4532015112830366"));
        assert!(gs1(b"4901234567894"));
        assert!(!gs1(b"4901234567895"));
        assert!(!gs1(b"4532015112830366"));
    }

    #[test]
    fn neighbourhoods() {
        let t = b"deadbeef4532015112830366";
        assert!(hex_token(t, 8, 24));
        let t = b"0x4532015112830366";
        assert!(hex_token(t, 2, 18));
        let t = b"pan=4532015112830366;";
        assert!(!hex_token(t, 4, 20));
        let t = b"CC4532015112830366";
        assert!(!hex_token(t, 2, 18));
        let t = b"12345678-1234-1234-1234-453201511283";
        assert!(hex_token(t, 24, 36));
        assert!(decimal(b"4532015112830366.25", 0, 16));
        assert!(decimal(b"0.4532015112830366", 2, 18));
        assert!(decimal(b"4532015112830366e10", 0, 16));
        assert!(!decimal(b"4532015112830366. Next", 0, 16));
    }
}
