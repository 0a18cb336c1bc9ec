//! Projections of non-ASCII text onto the ASCII alphabet the tokenizer
//! reads. A window of UTF-16 (or NUL-separated) bytes, of UTF-8 with
//! full-width digits, or of Shift_JIS / EUC-JP, becomes a short ASCII text in
//! which every card-relevant character (digits, full-width digits,
//! separators, mask characters) is its ASCII equivalent and every other
//! character is one placeholder byte, with a map from each projected byte
//! back to its offset in the source. Only windows around triggers are
//! projected, never whole files.

/// Placeholder for a character that is nothing to the tokenizer.
pub const OTHER: u8 = 0x01;

/// Which decoding a projection used; reported as a finding's `encoding`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Ascii,
    Utf8,
    Utf16,
    ShiftJis,
    EucJp,
}

impl Encoding {
    pub fn label(self) -> &'static str {
        match self {
            Encoding::Ascii => "ascii",
            Encoding::Utf8 => "utf-8",
            Encoding::Utf16 => "utf-16",
            Encoding::ShiftJis => "shift_jis",
            Encoding::EucJp => "euc-jp",
        }
    }
}

/// A projected window: `text[k]` came from source offset `map[k]`, and
/// `map[text.len()]` is the source offset just past the window.
#[derive(Default, Debug)]
pub struct Projection {
    pub text: Vec<u8>,
    pub map: Vec<u32>,
}

impl Projection {
    fn clear(&mut self) {
        self.text.clear();
        self.map.clear();
    }
    #[inline]
    fn push(&mut self, c: u8, at: usize) {
        self.text.push(c);
        self.map.push(at as u32);
    }
    fn finish(&mut self, end: usize) {
        self.map.push(end as u32);
    }
    /// The projected index of source offset `at` (the first unit at or
    /// after it).
    pub fn index_of(&self, at: usize) -> usize {
        self.map[..self.text.len()].partition_point(|&m| (m as usize) < at)
    }
}

/// Maps a full-width form (U+FF01..U+FF5E) or another card-relevant
/// character to its ASCII projection.
#[inline]
pub fn project_char(cp: u32) -> u8 {
    match cp {
        0..=0x7F => cp as u8,
        0xFF10..=0xFF19 => b'0' + (cp - 0xFF10) as u8, // full-width digits
        0xFF0D | 0x2010 | 0x2011 | 0x2012 | 0x2013 | 0x2212 => b'-',
        0xFF0B => b'+',
        0x3000 | 0x00A0 => b' ',
        // Mask characters: ＊ • ● ∗ ✱ ＃ Ｘ ｘ ×
        0xFF0A | 0x2022 | 0x25CF | 0x2217 | 0x2731 | 0xFF03 | 0xFF38 | 0xFF58 => b'*',
        _ => OTHER,
    }
}

/// Decodes the UTF-8 character that starts at `i` (`forward`) or ends just
/// before `i`, and says whether it matters to a card token (a full-width
/// digit, a dash or space form, a mask character). Invalid bytes do not.
pub fn utf8_neighbour_matters(src: &[u8], i: usize, forward: bool) -> bool {
    let start = if forward {
        i
    } else {
        let mut k = i;
        while k > 0 && i - k < 4 {
            k -= 1;
            if src[k] & 0xC0 != 0x80 {
                break;
            }
        }
        k
    };
    let Some(&c) = src.get(start) else {
        return false;
    };
    let need = match c {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => return false, // 4-byte characters and stray bytes are never relevant
    };
    let Some(bytes) = src.get(start..start + need) else {
        return false;
    };
    if !forward && start + need != i {
        return false;
    }
    let cp = if need == 2 {
        ((bytes[0] as u32 & 0x1F) << 6) | (bytes[1] as u32 & 0x3F)
    } else {
        ((bytes[0] as u32 & 0x0F) << 12)
            | ((bytes[1] as u32 & 0x3F) << 6)
            | (bytes[2] as u32 & 0x3F)
    };
    project_char(cp) != OTHER
}

/// Projects UTF-8 `src[a..b]`. `a` is moved back to a character boundary.
pub fn utf8(src: &[u8], a: usize, b: usize, out: &mut Projection) {
    out.clear();
    let mut i = a;
    while i > 0 && i > a.saturating_sub(3) && (src[i] & 0xC0) == 0x80 {
        i -= 1;
    }
    while i < b {
        let c = src[i];
        let (cp, w) = if c < 0x80 {
            (c as u32, 1)
        } else if c & 0xE0 == 0xC0 && i + 1 < src.len() {
            (((c as u32 & 0x1F) << 6) | (src[i + 1] as u32 & 0x3F), 2)
        } else if c & 0xF0 == 0xE0 && i + 2 < src.len() {
            let cp = ((c as u32 & 0x0F) << 12)
                | ((src[i + 1] as u32 & 0x3F) << 6)
                | (src[i + 2] as u32 & 0x3F);
            (cp, 3)
        } else if c & 0xF8 == 0xF0 && i + 3 < src.len() {
            (0x10000, 4)
        } else {
            (0xFFFD, 1)
        };
        out.push(project_char(cp), i);
        i += w;
    }
    out.finish(i.min(src.len()));
}

/// Projects UTF-16 code units of `src[a..b]` whose low byte sits at the
/// parity of `a`, little-endian (`le`: the unit is `src[i], src[i+1]`) or
/// big-endian (`src[i-1], src[i]`). NUL-separated digits read the same
/// either way.
pub fn utf16(src: &[u8], a: usize, b: usize, le: bool, out: &mut Projection) {
    out.clear();
    let mut i = a;
    while i < b {
        let lo = src[i];
        let hi = if le {
            src.get(i + 1)
        } else {
            i.checked_sub(1).map(|k| &src[k])
        };
        let c = match hi {
            Some(&h) => project_char(u16::from_le_bytes([lo, h]) as u32),
            None => OTHER,
        };
        out.push(c, i);
        i += 2;
    }
    out.finish(i.min(src.len()));
}

/// Guesses the byte order of UTF-16 text around a run of wide digits at
/// `src[p..]`: a non-zero byte just before the run is the high byte of a
/// little-endian character, a non-zero byte just after it the high byte of
/// a big-endian one. Without either, little-endian (Windows).
pub fn utf16_le(src: &[u8], p: usize) -> bool {
    if p > 0 && src[p - 1] != 0 {
        return true;
    }
    // The last digit of the run: in LE its own high byte (zero) follows
    // it, in BE the next character's high byte does.
    let mut e = p;
    while e + 2 < src.len() && src[e + 1] == 0 && src[e + 2].is_ascii_digit() {
        e += 2;
    }
    src.get(e + 1).is_none_or(|&x| x == 0)
}

/// Projects Shift_JIS `src[a..b]`, staying aligned with `anchor` (a lead
/// byte of a full-width digit): the bytes before it are decoded from `a`
/// with a resynchronising guess, the rest exactly.
pub fn sjis(src: &[u8], a: usize, anchor: usize, b: usize, out: &mut Projection) {
    out.clear();
    let mut i = a;
    while i < b {
        let c = src[i];
        let two = matches!(c, 0x81..=0x9F | 0xE0..=0xFC) && i + 1 < src.len();
        if two && (i >= anchor || i + 2 <= anchor) {
            let t = src[i + 1];
            let p = match (c, t) {
                (0x82, 0x4F..=0x58) => b'0' + (t - 0x4F),
                (0x81, 0x7C) => b'-',
                (0x81, 0x7B) => b'+',
                (0x81, 0x40) => b' ',
                (0x81, 0x96) | (0x81, 0x94) | (0x81, 0x9C) => b'*',
                (0x82, 0x77) | (0x82, 0x98) => b'*',
                _ => OTHER,
            };
            out.push(p, i);
            i += 2;
        } else {
            out.push(if c < 0x80 { c } else { OTHER }, i);
            i += 1;
        }
    }
    out.finish(i.min(src.len()));
}

/// Projects EUC-JP `src[a..b]`, aligned at `anchor` like [`sjis`].
pub fn eucjp(src: &[u8], a: usize, anchor: usize, b: usize, out: &mut Projection) {
    out.clear();
    let mut i = a;
    while i < b {
        let c = src[i];
        let w = match c {
            0x8E | 0xA1..=0xFE => 2,
            0x8F => 3,
            _ => 1,
        };
        if w > 1 && i + w <= src.len() && (i >= anchor || i + w <= anchor) {
            let t = src[i + 1];
            let p = match (c, t) {
                (0xA3, 0xB0..=0xB9) => b'0' + (t - 0xB0),
                (0xA1, 0xDD) => b'-',
                (0xA1, 0xDC) => b'+',
                (0xA1, 0xA1) => b' ',
                (0xA1, 0xF6) | (0xA1, 0xF4) | (0xA1, 0xFE) => b'*',
                (0xA3, 0xD8) | (0xA3, 0xF8) => b'*',
                _ => OTHER,
            };
            out.push(p, i);
            i += w;
        } else {
            out.push(if c < 0x80 { c } else { OTHER }, i);
            i += 1;
        }
    }
    out.finish(i.min(src.len()));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(p: &Projection) -> String {
        String::from_utf8_lossy(&p.text).replace('\u{1}', "_")
    }

    #[test]
    fn neighbours() {
        let s = "番号4111－1111";
        let b = s.as_bytes();
        let p = s.find('4').unwrap();
        assert!(
            !utf8_neighbour_matters(b, p, false),
            "番 is nothing to a card"
        );
        assert!(utf8_neighbour_matters(b, p + 4, true), "－ joins groups");
        assert!(utf8_neighbour_matters("•1".as_bytes(), 3, false));
        assert!(!utf8_neighbour_matters(b"\xff1", 1, false));
    }

    #[test]
    fn utf8_full_width() {
        let s = "カード番号：４１１１－１１１１ ＊＊";
        let mut p = Projection::default();
        utf8(s.as_bytes(), 0, s.len(), &mut p);
        assert_eq!(text(&p), "______4111-1111 **");
        // The map points back at the source.
        let k = p.text.iter().position(|&c| c == b'4').unwrap();
        assert_eq!(&s.as_bytes()[p.map[k] as usize..][..3], "４".as_bytes());
        assert_eq!(p.map[p.text.len()] as usize, s.len());
    }

    #[test]
    fn utf16_both_endians() {
        let s = "card: 4111 •";
        let le: Vec<u8> = s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        let be: Vec<u8> = s.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        let mut p = Projection::default();
        utf16(&le, 0, le.len(), true, &mut p);
        assert_eq!(text(&p), "card: 4111 *");
        utf16(&be, 1, be.len(), false, &mut p);
        assert_eq!(text(&p), "card: 4111 *");
        // Full-width digits in UTF-16.
        let s = "４１";
        let le: Vec<u8> = s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        utf16(&le, 0, le.len(), true, &mut p);
        assert_eq!(text(&p), "41");
    }

    #[test]
    fn byte_order_guess() {
        let enc = |s: &str, le: bool| -> Vec<u8> {
            s.encode_utf16()
                .flat_map(|u| if le { u.to_le_bytes() } else { u.to_be_bytes() })
                .collect()
        };
        let le = enc("番号4111", true);
        assert!(utf16_le(&le, 4));
        let be = enc("4111番号", false);
        assert!(!utf16_le(&be, 1));
        // ASCII only: undecidable, little-endian.
        let be = enc(" 4111 ", false);
        assert!(utf16_le(&be, 3));
    }

    #[test]
    fn legacy_japanese() {
        let (sj, _, _) = encoding_rs::SHIFT_JIS.encode("番号４１－１");
        let anchor = sj.len() - 8;
        let mut p = Projection::default();
        sjis(&sj, 0, anchor, sj.len(), &mut p);
        assert_eq!(text(&p), "__41-1");
        let (eu, _, _) = encoding_rs::EUC_JP.encode("番号４１－１");
        eucjp(&eu, 0, eu.len() - 8, eu.len(), &mut p);
        assert_eq!(text(&p), "__41-1");
    }
}
