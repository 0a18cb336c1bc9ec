//! Masking of PAN-like digits in text that pan-scan prints but did not
//! detect in: file paths, archive member names, error messages. A file
//! named `4111111111111111.txt` must not put the number on the screen. Any
//! run of 12–19 digits (ASCII or full-width, possibly split by single
//! spaces, dashes, dots or underscores) that passes Luhn, and any run of 20
//! or more, keeps only its first six and last four digits.

use std::borrow::Cow;

use crate::pan::{luhn_valid, shown_prefix_len};

fn digit_value(c: char) -> Option<u8> {
    match c {
        '0'..='9' => Some(c as u8),
        '０'..='９' => Some(b'0' + (c as u32 - '０' as u32) as u8),
        _ => None,
    }
}

fn is_sep(c: char) -> bool {
    matches!(c, ' ' | '-' | '_' | '.' | '－')
}

/// `s` with PAN-like digit runs masked (`*` for each hidden digit).
pub fn text(s: &str) -> Cow<'_, str> {
    let chars: Vec<char> = s.chars().collect();
    let mut out: Option<Vec<char>> = None;
    let mut i = 0;
    while i < chars.len() {
        if digit_value(chars[i]).is_none() {
            i += 1;
            continue;
        }
        // A run of digits with single separators between them.
        let mut pos = vec![i];
        let mut j = i + 1;
        loop {
            if j < chars.len() && digit_value(chars[j]).is_some() {
                pos.push(j);
                j += 1;
            } else if j + 1 < chars.len() && is_sep(chars[j]) && digit_value(chars[j + 1]).is_some()
            {
                j += 1;
            } else {
                break;
            }
        }
        let n = pos.len();
        let digits: Vec<u8> = pos
            .iter()
            .map(|&k| digit_value(chars[k]).unwrap())
            .collect();
        if n >= 20 || (n >= 12 && luhn_valid(&digits)) {
            let o = out.get_or_insert_with(|| chars.clone());
            let head = shown_prefix_len(n.min(19));
            for &k in &pos[head..n - 4] {
                o[k] = '*';
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
    let clean: String = s
        .chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect();
    text(&clean).into_owned()
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
    fn paths_lose_control_characters() {
        let p = std::path::Path::new("a\nb/4111111111111111");
        assert_eq!(path(p), "a\u{FFFD}b/411111******1111");
    }
}
