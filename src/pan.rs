//! PAN digits and how they may be shown: the Luhn check, the masked form
//! (at most the first six and the last four digits, fewer for short PANs),
//! and a digit holder whose `Debug` never prints the number, so that a
//! stray `{:?}` or a panic message cannot leak a PAN.

use std::fmt;

/// Up to 19 ASCII digits. Its `Debug` shows only the masked form.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Digits {
    buf: [u8; 19],
    len: u8,
}

impl Digits {
    /// Collects the ASCII digits of `bytes` (other bytes are skipped).
    /// Returns `None` if there are more than 19.
    pub fn collect(bytes: &[u8]) -> Option<Digits> {
        let mut d = Digits {
            buf: [0; 19],
            len: 0,
        };
        for &b in bytes {
            if b.is_ascii_digit() {
                if d.len as usize == d.buf.len() {
                    return None;
                }
                d.buf[d.len as usize] = b;
                d.len += 1;
            }
        }
        Some(d)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len as usize]
    }

    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn luhn(&self) -> bool {
        luhn_valid(self.as_bytes())
    }

    /// The masked display form and its revealed leading and trailing parts.
    pub fn masked(&self) -> Masked {
        let d = self.as_bytes();
        let head = shown_prefix_len(d.len());
        Masked::new(&d[..head], d.len(), &d[d.len() - 4..])
    }
}

impl fmt::Debug for Digits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.len() >= 12 {
            write!(f, "Digits({})", self.masked().text)
        } else {
            write!(f, "Digits(<{} digits>)", self.len)
        }
    }
}

/// How many leading digits of a PAN of `len` digits may be shown: six (the
/// BIN) when at least five digits stay hidden between them and the last
/// four, fewer for the short legacy lengths, so a 12-digit PAN is never
/// shown with only two digits hidden.
pub fn shown_prefix_len(len: usize) -> usize {
    6usize.min(len.saturating_sub(4 + 5))
}

/// A masked PAN: shown head, hidden middle, shown tail (last four).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Masked {
    pub text: String,
    pub first: String,
    pub last: String,
}

impl Masked {
    /// Builds the display form of a number of `len` digits from its shown
    /// head and tail; never shows more than six and four.
    pub fn new(head: &[u8], len: usize, tail: &[u8]) -> Masked {
        let head = &head[..head.len().min(6)];
        let tail = &tail[tail.len().saturating_sub(4)..];
        let first = String::from_utf8_lossy(head).into_owned();
        let last = String::from_utf8_lossy(tail).into_owned();
        let hidden = len.saturating_sub(head.len() + tail.len());
        let mut text = String::with_capacity(len);
        text.push_str(&first);
        text.extend(std::iter::repeat_n('*', hidden));
        text.push_str(&last);
        Masked { text, first, last }
    }
}

/// The Luhn (mod 10) check over ASCII digits.
pub fn luhn_valid(d: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, &c) in d.iter().rev().enumerate() {
        let mut v = (c - b'0') as u32;
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    !d.is_empty() && sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn() {
        assert!(luhn_valid(b"4111111111111111"));
        assert!(!luhn_valid(b"4111111111111112"));
        assert!(luhn_valid(b"378282246310005"));
        assert!(luhn_valid(b"0"));
        assert!(!luhn_valid(b""));
    }

    #[test]
    fn masking_never_shows_more_than_six_and_four() {
        let d = Digits::collect(b"4111 1111 1111 1111").unwrap();
        assert_eq!(d.masked().text, "411111******1111");
        let d = Digits::collect(b"378282246310005").unwrap();
        assert_eq!(d.masked().text, "378282*****0005");
        let d = Digits::collect(b"6304000000000000000").unwrap();
        assert_eq!(d.masked().text, "630400*********0000");
        // Short PANs keep at least five digits hidden.
        let d = Digits::collect(b"4222222222222").unwrap();
        assert_eq!(d.masked().text, "4222*****2222");
        let d = Digits::collect(b"501800000009").unwrap();
        assert_eq!(d.masked().text, "501*****0009");
        let m = Masked::new(b"41111111", 16, b"111111");
        assert_eq!(m.text, "411111******1111");
    }

    #[test]
    fn debug_is_masked() {
        let d = Digits::collect(b"4111111111111111").unwrap();
        let s = format!("{d:?}");
        assert!(!s.contains("4111111111111111"), "{s}");
        assert!(s.contains("411111******1111"));
        assert!(Digits::collect(b"41111111111111111111").is_none());
    }
}
