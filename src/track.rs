//! Magnetic-stripe track data around a validated PAN (sensitive
//! authentication data, PCI DSS 3.3.1.1): Track 1 (`%B PAN ^ NAME ^ YYMM
//! SSS …?`), Track 2 (`;PAN=YYMMSSS…?`, sentinels optional) and the EMV tag
//! 57 "Track 2 equivalent" seen as hex in POS logs (`PAN D YYMM SSS …`),
//! after ISO/IEC 7813. The caller has already checked the PAN; this module
//! checks the fields around it and says where the track ends, so that its
//! discretionary data is not scanned again as numbers. The cardholder name
//! is checked for shape only and never kept.

/// The kind of track found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrackKind {
    Track1,
    Track2,
}

/// A track around a PAN at `t[s..e]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Track {
    pub kind: TrackKind,
    /// Where the track starts (the sentinel or format code, if present).
    pub start: usize,
    /// Just past the track (its end sentinel, if present).
    pub end: usize,
    /// EMV tag 57 form (hex, separator `D`).
    pub emv: bool,
    /// Start and end sentinels were present.
    pub sentinels: bool,
}

fn digits_at(t: &[u8], i: usize, n: usize) -> bool {
    t.len() >= i + n && t[i..i + n].iter().all(u8::is_ascii_digit)
}

/// YYMM with a month 01–12 followed by a 3-digit service code.
fn expiry_and_service(t: &[u8], i: usize) -> bool {
    if !digits_at(t, i, 7) {
        return false;
    }
    let mm = (t[i + 2] - b'0') * 10 + (t[i + 3] - b'0');
    (1..=12).contains(&mm)
}

/// Looks for a track around the PAN at `t[s..e]`.
pub fn around_pan(t: &[u8], s: usize, e: usize) -> Option<Track> {
    match t.get(e)? {
        b'^' if s >= 1 && t[s - 1] == b'B' => track1(t, s, e),
        b'=' => track2(t, s, e),
        b'D' | b'd' => emv57(t, s, e),
        _ => None,
    }
}

fn track1(t: &[u8], s: usize, e: usize) -> Option<Track> {
    // Name: 2–26 characters of the track-1 alphabet, then '^'.
    let name_ok = |c: u8| {
        (0x20..=0x5F).contains(&c) && !matches!(c, b'^' | b'?' | b'%') || c.is_ascii_lowercase()
    };
    let n0 = e + 1;
    let mut k = n0;
    while k < t.len() && k - n0 <= 26 && name_ok(t[k]) {
        k += 1;
    }
    if t.get(k) != Some(&b'^') || !(2..=26).contains(&(k - n0)) {
        return None;
    }
    let d0 = k + 1;
    if !expiry_and_service(t, d0) {
        return None;
    }
    let start = if s >= 2 && t[s - 2] == b'%' {
        s - 2
    } else {
        s - 1
    };
    // Discretionary data up to the end sentinel; a track 1 is at most 79
    // characters.
    let mut j = d0 + 7;
    while j < t.len() && j - start < 79 && name_ok(t[j]) {
        j += 1;
    }
    let closed = t.get(j) == Some(&b'?');
    let end = if closed { j + 1 } else { j };
    Some(Track {
        kind: TrackKind::Track1,
        start,
        end,
        emv: false,
        sentinels: start + 2 == s && closed,
    })
}

fn track2(t: &[u8], s: usize, e: usize) -> Option<Track> {
    if !expiry_and_service(t, e + 1) {
        return None;
    }
    let start = if s >= 1 && t[s - 1] == b';' { s - 1 } else { s };
    let mut j = e + 8;
    while j < t.len() && j - start < 40 && t[j].is_ascii_digit() {
        j += 1;
    }
    let closed = t.get(j) == Some(&b'?');
    let end = if closed { j + 1 } else { j };
    Some(Track {
        kind: TrackKind::Track2,
        start,
        end,
        emv: false,
        sentinels: start + 1 == s && closed,
    })
}

fn emv57(t: &[u8], s: usize, e: usize) -> Option<Track> {
    if !expiry_and_service(t, e + 1) {
        return None;
    }
    let mut j = e + 8;
    while j < t.len() && j - s < 40 && t[j].is_ascii_digit() {
        j += 1;
    }
    if matches!(t.get(j), Some(b'F' | b'f')) {
        j += 1;
    }
    // In a hex dump the neighbours are hex digits or separators; a letter
    // past F means this is a word or a table of symbols, not tag 57.
    let word =
        |c: Option<&u8>| c.is_some_and(|&c| c.is_ascii_alphabetic() && !c.is_ascii_hexdigit());
    if word(t.get(j)) || (s > 0 && word(t.get(s - 1))) {
        return None;
    }
    Some(Track {
        kind: TrackKind::Track2,
        start: s,
        end: j,
        emv: true,
        sentinels: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str, pan: &str) -> Option<Track> {
        let st = s.find(pan).unwrap();
        around_pan(s.as_bytes(), st, st + pan.len())
    }

    #[test]
    fn track1() {
        let s = "x %B4111111111111111^DOE/JOHN^2512101000000000000000?7 y";
        let t = at(s, "4111111111111111").unwrap();
        assert_eq!(t.kind, TrackKind::Track1);
        assert!(t.sentinels);
        assert_eq!(&s[t.start..t.end], &s[2..s.len() - 3]);
        // Month 13 is no expiry.
        assert!(at("B4111111111111111^DOE/JOHN^2513101", "4111111111111111").is_none());
        // A one-letter name is too short.
        assert!(at("B4111111111111111^D^2512101", "4111111111111111").is_none());
    }

    #[test]
    fn track2_with_and_without_sentinels() {
        let s = ";4111111111111111=25121010000000000000?";
        let t = at(s, "4111111111111111").unwrap();
        assert_eq!(
            (t.kind, t.start, t.end, t.sentinels),
            (TrackKind::Track2, 0, s.len(), true)
        );
        let t = at("t2=4111111111111111=2512101123", "4111111111111111").unwrap();
        assert!(!t.sentinels);
        assert!(at("4111111111111111=24011010101", "4111111111111111").is_some());
        assert!(at("4111111111111111=2400101", "4111111111111111").is_none());
    }

    #[test]
    fn emv_tag_57() {
        let s = "5375050000160110D24032210000012345F";
        let t = at(s, "5375050000160110").unwrap();
        assert!(t.emv);
        assert_eq!(t.end, s.len());
    }
}
