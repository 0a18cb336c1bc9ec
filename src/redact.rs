//! Masking of PAN-like digits in text that pan-scan prints but did not
//! detect in: file paths, archive member names, error messages. A file
//! named `4111111111111111.txt` must not put the number on the screen. Any
//! run of 12–19 digits (ASCII or full-width, possibly split by single
//! separators: any ASCII punctuation or space, a full-width hyphen or an
//! ideographic space, or `%20`) that passes Luhn, and any run of 20 or
//! more, keeps only its first six and last four digits. The separators are
//! broader than the detector's (space, dash, `+`, `%20`): masking a date
//! that happens to pass Luhn costs nothing, printing a PAN costs an audit.

use std::borrow::Cow;

use crate::pan::{luhn_valid, shown_prefix_len};

fn digit_value(c: char) -> Option<u8> {
    match c {
        '0'..='9' => Some(c as u8),
        '０'..='９' => Some(b'0' + (c as u32 - '０' as u32) as u8),
        _ => None,
    }
}

/// The length (in chars) of a separator starting at `chars[j]`, if any.
fn sep_len(chars: &[char], j: usize) -> Option<usize> {
    match *chars.get(j)? {
        '%' if chars.get(j + 1) == Some(&'2') && chars.get(j + 2) == Some(&'0') => Some(3),
        c if c.is_ascii_punctuation() || c == ' ' || c == '\t' => Some(1),
        '－' | '\u{3000}' => Some(1),
        _ => None,
    }
}

/// `s` with PAN-like digit runs masked (`*` for each hidden digit).
pub fn text(s: &str) -> Cow<'_, str> {
    // Nothing is masked in a text with fewer than 12 digits (every path
    // of a tree goes through here, and almost none has that many).
    let digits = if s.is_ascii() {
        s.bytes().filter(u8::is_ascii_digit).count()
    } else {
        s.chars().filter(|&c| digit_value(c).is_some()).count()
    };
    if digits < 12 {
        return Cow::Borrowed(s);
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out: Option<Vec<char>> = None;
    let mut i = 0;
    while i < chars.len() {
        if digit_value(chars[i]).is_none() {
            i += 1;
            continue;
        }
        // A run of digits with single separators between them; `groups`
        // holds where each group of adjacent digits starts in `pos`.
        let mut pos = vec![i];
        let mut groups = vec![0];
        let mut j = i + 1;
        loop {
            if j < chars.len() && digit_value(chars[j]).is_some() {
                pos.push(j);
                j += 1;
            } else if let Some(k) = sep_len(&chars, j)
                .filter(|&k| chars.get(j + k).and_then(|&c| digit_value(c)).is_some())
            {
                groups.push(pos.len());
                j += k;
            } else {
                break;
            }
        }
        let n = pos.len();
        groups.push(n);
        let digits: Vec<u8> = pos
            .iter()
            .map(|&k| digit_value(chars[k]).unwrap())
            .collect();
        let mut mask = |from: usize, to: usize| {
            let o = out.get_or_insert_with(|| chars.clone());
            let head = shown_prefix_len((to - from).min(19));
            for &k in &pos[from + head..to - 4] {
                o[k] = '*';
            }
        };
        if n >= 20 {
            mask(0, n);
        }
        // Every whole-group window of 12-19 digits that passes Luhn: a
        // digit glued on by a separator (`backup2/4111…1111.txt` reads
        // `2/4111…`, 17 digits that fail Luhn) must not unmask the PAN.
        for a in 0..groups.len() - 1 {
            for &b in &groups[a + 1..] {
                let len = b - groups[a];
                if len > 19 {
                    break;
                }
                if len >= 12 && luhn_valid(&digits[groups[a]..b]) {
                    mask(groups[a], b);
                }
            }
        }
        i = j;
    }
    match out {
        Some(o) => Cow::Owned(o.into_iter().collect()),
        None => Cow::Borrowed(s),
    }
}

/// A path for display: lossy UTF-8, control characters escaped, PAN-like
/// digits masked.
pub fn path(p: &std::path::Path) -> String {
    let s = p.to_string_lossy();
    if !s.chars().any(char::is_control) {
        return text(&s).into_owned();
    }
    let clean: String = s
        .chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect();
    text(&clean).into_owned()
}

/// The longest run of ASCII digits in `s`: what a test of a masked text
/// checks (at most 6, a card number's first six).
#[cfg(test)]
pub fn longest_digit_run(s: &str) -> usize {
    s.split(|c: char| !c.is_ascii_digit())
        .map(str::len)
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_pans_in_names() {
        assert_eq!(text("dir/4111111111111111.txt"), "dir/411111******1111.txt");
        assert_eq!(text("4111-1111-1111-1111"), "4111-11**-****-1111");
        assert_eq!(
            text("４１１１１１１１１１１１１１１１"),
            "４１１１１１******１１１１"
        );
        // Long runs are masked whatever their checksum.
        assert_eq!(text("41111111111111111234"), "411111**********1234");
        // Ordinary numbers stay.
        assert_eq!(text("backup-2024-05-01.tar"), "backup-2024-05-01.tar");
        assert_eq!(text("id 4111111111111112"), "id 4111111111111112");
        assert!(matches!(text("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn masks_pans_split_by_any_separator() {
        for (s, want) in [
            ("4532+0151+1283+0366.txt", "4532+01**+****+0366.txt"),
            ("4532%200151%201283%200366", "4532%2001**%20****%200366"),
            ("4532/0151/1283/0366", "4532/01**/****/0366"),
            ("4532,0151,1283,0366", "4532,01**,****,0366"),
            ("4532:0151:1283:0366", "4532:01**:****:0366"),
            (
                "4532\u{3000}0151\u{3000}1283\u{3000}0366",
                "4532\u{3000}01**\u{3000}****\u{3000}0366",
            ),
        ] {
            assert_eq!(text(s), want, "{s}");
        }
        // Two separators in a row end the run.
        assert_eq!(text("4532++0151128303"), "4532++0151128303");
        // A digit group before or after the number does not hide it.
        assert_eq!(
            text("/tmp/.tmpab9/4532+0151+1283+0366.txt"),
            "/tmp/.tmpab9/4532+01**+****+0366.txt"
        );
        assert_eq!(text("v2.4532015112830366.7"), "v2.453201******0366.7");
    }

    #[test]
    fn digits_glued_on_by_a_separator_do_not_unmask() {
        for (s, want) in [
            ("dir2/4532015112830366.txt", "dir2/453201******0366.txt"),
            (
                "/tmp/.tmpA9/4532015112830366",
                "/tmp/.tmpA9/453201******0366",
            ),
            ("order 7 4532015112830366", "order 7 453201******0366"),
            ("4532015112830366-2.log", "453201******0366-2.log"),
            ("v1.4532 0151 1283 0366", "v1.4532 01** **** 0366"),
        ] {
            assert_eq!(text(s), want, "{s}");
        }
        assert_eq!(text("release 1.2.3/notes"), "release 1.2.3/notes");
    }

    #[test]
    fn masks_pans_among_other_groups() {
        // Digits before or after make a longer number that fails Luhn; the
        // PAN's own groups are masked all the same.
        assert_eq!(
            text("backup3/4532/0151/1283/0366.txt"),
            "backup3/4532/01**/****/0366.txt"
        );
        // Spans overlap: 2 4532 0151 1283 (13 digits) passes Luhn too.
        assert_eq!(
            text("backup2/4532/0151/1283/0366.txt"),
            "backup2/453*/****/****/0366.txt"
        );
        assert_eq!(
            text("order 12 4532015112830366 7"),
            "order 12 453201******0366 7"
        );
        assert_eq!(text("v1.2.3.4"), "v1.2.3.4");
    }

    #[test]
    fn paths_lose_control_characters() {
        let p = std::path::Path::new("a\nb/4111111111111111");
        assert_eq!(path(p), "a\u{FFFD}b/411111******1111");
    }
}
