//! Tokenizer for the slow path: given a trigger inside a byte text (raw
//! ASCII/UTF-8 bytes, or a projection of UTF-16 / full-width text onto ASCII),
//! find the whole *token* around it — groups of digits (and, optionally, mask
//! characters) joined by one consistent separator (space, dash, plus or
//! `%20`) — and enumerate the windows of consecutive groups that have the
//! length and shape of a card number. Validation of a window (brand, Luhn,
//! filters) happens elsewhere; this module only knows shapes.

/// Separator between the groups of a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sep {
    None,
    Space,
    Dash,
    Plus,
    Pct20,
}

/// How far the tokenizer walks left of a trigger before giving up.
pub const MAX_LEFT: usize = 256;
/// At most this many groups are kept per token; a longer token is cut.
pub const MAX_GROUPS: usize = 48;

/// A maximal run of digits (and mask characters when allowed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Group {
    pub start: usize,
    pub end: usize,
    pub digits: u8,
    pub masks: u8,
}

impl Group {
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// A token: groups joined by one separator.
#[derive(Clone, Debug)]
pub struct Token {
    pub start: usize,
    pub end: usize,
    pub sep: Sep,
    pub groups: Vec<Group>,
    /// The token was cut at MAX_GROUPS (or the text's end) and goes on.
    pub cut: bool,
    /// Digits and mask characters in all groups.
    pub cells: usize,
}

impl Default for Token {
    fn default() -> Self {
        Token {
            start: 0,
            end: 0,
            sep: Sep::None,
            groups: Vec::new(),
            cut: false,
            cells: 0,
        }
    }
}

#[inline]
pub const fn is_digit(c: u8) -> bool {
    c.is_ascii_digit()
}

/// Mask characters after projection: `*`, `X`, `x`, `#` (multi-byte ones
/// such as `•` or `＊` are projected to `*`).
#[inline]
pub const fn is_mask(c: u8) -> bool {
    matches!(c, b'*' | b'X' | b'x' | b'#')
}

/// The first byte of a separator between groups: space, `-`, `+`, or the
/// `%` of `%20`.
#[inline]
pub const fn is_sep_byte(c: u8) -> bool {
    matches!(c, b' ' | b'-' | b'+' | b'%')
}

/// What a byte is to the tokenizer: 1 a digit, 2 a mask character, 0
/// neither (one table load instead of a chain of compares: this runs on
/// every byte of every token).
const KIND: [u8; 256] = {
    let mut k = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        k[c] = if is_digit(c as u8) {
            1
        } else if is_mask(c as u8) {
            2
        } else {
            0
        };
        c += 1;
    }
    k
};

/// The [`KIND`] bits that make a cell.
#[inline]
fn cell_bits(masks: bool) -> u8 {
    1 | (u8::from(masks) << 1)
}

#[inline]
fn is_cell(c: u8, masks: bool) -> bool {
    KIND[usize::from(c)] & cell_bits(masks) != 0
}

/// The separator that starts at `i`, with its width.
#[inline]
fn sep_at(t: &[u8], i: usize) -> Option<(Sep, usize)> {
    match t.get(i)? {
        b' ' => Some((Sep::Space, 1)),
        b'-' => Some((Sep::Dash, 1)),
        b'+' => Some((Sep::Plus, 1)),
        b'%' if t.get(i + 1) == Some(&b'2') && t.get(i + 2) == Some(&b'0') => Some((Sep::Pct20, 3)),
        _ => None,
    }
}

/// The separator that ends at `i` (exclusive), with its width.
#[inline]
fn sep_before(t: &[u8], lo: usize, i: usize) -> Option<(Sep, usize)> {
    if i <= lo {
        return None;
    }
    if i >= lo + 3 && &t[i - 3..i] == b"%20" {
        return Some((Sep::Pct20, 3));
    }
    match t[i - 1] {
        b' ' => Some((Sep::Space, 1)),
        b'-' => Some((Sep::Dash, 1)),
        b'+' => Some((Sep::Plus, 1)),
        _ => None,
    }
}

/// Finds the token around position `p` of `t` (which must be a digit),
/// walking left no further than `lo` and right no further than `hi`.
/// `masks` says whether mask characters belong to groups.
pub fn tokenize(t: &[u8], p: usize, lo: usize, hi: usize, masks: bool) -> Token {
    let mut tok = Token::default();
    tokenize_into(t, p, lo, hi, masks, &mut tok);
    tok
}

/// [`tokenize`] into a reused token (no allocation once its group list
/// has grown): this runs at every trigger.
pub fn tokenize_into(t: &[u8], p: usize, lo: usize, hi: usize, masks: bool, tok: &mut Token) {
    debug_assert!(is_digit(t[p]));
    let floor = lo.max(p.saturating_sub(MAX_LEFT));
    // Walk left to the token's start. The separator seen first (nearest to
    // p) fixes the token's separator for the left part.
    let mut i = p;
    let mut sep: Option<Sep> = None;
    loop {
        while i > floor && is_cell(t[i - 1], masks) {
            i -= 1;
        }
        match sep_before(t, floor, i) {
            Some((s, w))
                if i > floor + w && is_cell(t[i - w - 1], masks) && sep.is_none_or(|x| x == s) =>
            {
                sep = Some(s);
                i -= w;
            }
            _ => break,
        }
    }
    // Walk right, building groups.
    let groups = &mut tok.groups;
    groups.clear();
    let mut cells = 0usize;
    let mut j = i;
    let mut cut = false;
    // The right walk uses the separator found on the left, if any.
    loop {
        let gs = j;
        let mut nd = 0u32;
        let bits = cell_bits(masks);
        while j < hi {
            let k = KIND[usize::from(t[j])] & bits;
            if k == 0 {
                break;
            }
            nd += u32::from(k & 1);
            j += 1;
        }
        if j == gs {
            break;
        }
        let nm = (j - gs) as u32 - nd;
        groups.push(Group {
            start: gs,
            end: j,
            digits: nd.min(255) as u8,
            masks: nm.min(255) as u8,
        });
        cells += j - gs;
        if j >= hi {
            cut = true;
            break;
        }
        if groups.len() >= MAX_GROUPS {
            cut = true;
            break;
        }
        match sep_at(t, j) {
            Some((s, w))
                if j + w < hi && is_cell(t[j + w], masks) && sep.is_none_or(|x| x == s) =>
            {
                sep = Some(s);
                j += w;
            }
            _ => break,
        }
    }
    tok.start = i;
    tok.end = j;
    tok.sep = sep.unwrap_or(Sep::None);
    tok.cut = cut;
    tok.cells = cells;
}

/// Whether group sizes form the shape of a printed card number: one
/// contiguous run; 4-4-4-…-k (first and middle groups of four, a last group
/// of one to four); or the Amex/Diners shapes 4-6-5 and 4-6-4.
pub fn card_shape(sizes: &[usize]) -> bool {
    let total: usize = sizes.iter().sum();
    if !(12..=19).contains(&total) {
        return false;
    }
    match sizes {
        [_] => true,
        [4, 6, 5] | [4, 6, 4] => true,
        [first, middle @ .., last] => {
            *first == 4 && middle.iter().all(|&m| m == 4) && (1..=4).contains(last)
        }
        [] => false,
    }
}

/// A window of consecutive groups `first..=last` of a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub first: usize,
    pub last: usize,
    pub start: usize,
    pub end: usize,
    /// Digits plus mask characters in the window.
    pub cells: usize,
}

/// The cells (digits and mask characters) of a window, separators left
/// out, appended to `out`.
pub fn cells(t: &[u8], tok: &Token, w: &Window, out: &mut Vec<u8>) {
    for g in &tok.groups[w.first..=w.last] {
        out.extend_from_slice(&t[g.start..g.end]);
    }
}

/// Every window of the token with a card shape, shortest-start first.
pub fn windows(tok: &Token, out: &mut Vec<Window>) {
    out.clear();
    let g = &tok.groups;
    let mut sizes = [0usize; 19];
    for last in 0..g.len() {
        let mut cells = 0usize;
        for first in (0..=last).rev() {
            cells += g[first].len();
            if cells > 19 {
                break;
            }
            if cells < 12 {
                continue;
            }
            // Several groups: a separator, and a first group of four
            // (`card_shape`), tested before the sizes are gathered: most
            // long tokens are phone numbers and IDs (`+49 30 1234 5678`,
            // `ORD-20240501-123456`).
            if first != last && (tok.sep == Sep::None || g[first].len() != 4) {
                continue;
            }
            // At most 19 cells, so at most 19 groups.
            let n = last - first + 1;
            for (k, x) in g[first..=last].iter().enumerate() {
                sizes[k] = x.len();
            }
            if card_shape(&sizes[..n]) {
                out.push(Window {
                    first,
                    last,
                    start: g[first].start,
                    end: g[last].end,
                    cells,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tok(s: &str, masks: bool) -> Token {
        let t = s.as_bytes();
        let p = t.iter().position(|c| c.is_ascii_digit()).unwrap();
        tokenize(t, p, 0, t.len(), masks)
    }

    fn sizes(t: &Token) -> Vec<usize> {
        t.groups.iter().map(|g| g.len()).collect()
    }

    #[test]
    fn groups_and_separators() {
        let t = tok("x 4111 1111 1111 1111 y", false);
        assert_eq!(t.sep, Sep::Space);
        assert_eq!(sizes(&t), [4, 4, 4, 4]);
        let t = tok("4111-1111-1111-1111", false);
        assert_eq!((t.sep, t.start, t.end), (Sep::Dash, 0, 19));
        let t = tok("q=4111%201111%201111%201111&", false);
        assert_eq!((t.sep, sizes(&t)), (Sep::Pct20, vec![4, 4, 4, 4]));
        // A change of separator ends the token.
        let t = tok("4111 1111-1111-1111", false);
        assert_eq!(sizes(&t), [4, 4]);
        // Two spaces are not one separator.
        let t = tok("4111  1111", false);
        assert_eq!(sizes(&t), [4]);
    }

    #[test]
    fn walks_left_from_trigger() {
        let t = "ab 12 4111 1111";
        let p = t.find("4111").unwrap();
        let k = tokenize(t.as_bytes(), p, 0, t.len(), false);
        assert_eq!(k.start, 3);
        assert_eq!(sizes(&k), [2, 4, 4]);
        // ... but not past `lo`.
        let k = tokenize(t.as_bytes(), p, p, t.len(), false);
        assert_eq!(k.start, p);
    }

    #[test]
    fn masks_only_when_asked() {
        let s = "XXXX-XXXX-XXXX-1111";
        let t = s.as_bytes();
        let p = s.find("1111").unwrap();
        let k = tokenize(t, p, 0, t.len(), true);
        assert_eq!((k.start, sizes(&k)), (0, vec![4, 4, 4, 4]));
        assert_eq!(k.groups[0].masks, 4);
        let k = tokenize(t, p, 0, t.len(), false);
        assert_eq!((k.start, sizes(&k)), (p, vec![4]));
    }

    #[test]
    fn shapes() {
        assert!(card_shape(&[16]));
        assert!(card_shape(&[12]));
        assert!(!card_shape(&[11]));
        assert!(!card_shape(&[20]));
        assert!(card_shape(&[4, 4, 4, 4]));
        assert!(card_shape(&[4, 4, 4, 4, 3]));
        assert!(card_shape(&[4, 6, 5]));
        assert!(card_shape(&[4, 6, 4]));
        assert!(card_shape(&[4, 4, 4]));
        assert!(!card_shape(&[4, 4, 4, 4, 4]));
        assert!(!card_shape(&[2, 4, 4, 4, 4]));
        assert!(!card_shape(&[8, 8]));
        assert!(!card_shape(&[4, 12]));
    }

    #[test]
    fn windows_find_sub_sequences() {
        // A quantity before and an expiry after a grouped PAN.
        let k = tok("qty 2 4111 1111 1111 1111 12", false);
        let mut w = Vec::new();
        windows(&k, &mut w);
        let found: Vec<_> = w.iter().map(|w| (w.first, w.last)).collect();
        assert!(found.contains(&(1, 4)), "{found:?}");
        // Contiguous runs are windows on their own.
        let k = tok("4111111111111111", false);
        windows(&k, &mut w);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].cells, 16);
    }
}
