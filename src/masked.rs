//! Masked and truncated PANs (`411111******1111`, `4111 11XX XXXX 1111`,
//! `************1111`): evidence that a system masks card numbers, and a
//! check of how much it reveals (PCI DSS 3.4.1 allows at most the BIN — six
//! or eight digits — and the last four). A masked PAN is one run of mask
//! characters between shown digits, in a card shape, whose shown leading
//! digits belong to a card brand.

use crate::rules::Rules;
use crate::token::{is_mask, Token, Window};

/// A masked PAN found in a token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MaskedPan {
    pub start: usize,
    pub end: usize,
    /// Cells (digits and mask characters): the PAN's length.
    pub len: usize,
    /// The shown leading and trailing digits (all of them, as found).
    pub lead: Vec<u8>,
    pub trail: Vec<u8>,
    pub brand: Option<usize>,
}

impl MaskedPan {
    /// Digits shown in the source.
    pub fn revealed(&self) -> usize {
        self.lead.len() + self.trail.len()
    }

    /// At most the BIN (up to 8 digits, PCI SSC FAQ 1492) and the last 4.
    pub fn compliant(&self) -> bool {
        self.lead.len() <= 8 && self.trail.len() <= 4
    }
}

/// The longest masked PAN among the token's card-shaped windows.
pub fn best(t: &[u8], tok: &Token, wins: &[Window], rules: &Rules) -> Option<MaskedPan> {
    let mut best: Option<MaskedPan> = None;
    for w in wins {
        let Some(m) = one(t, tok, w, rules) else {
            continue;
        };
        if best.as_ref().is_none_or(|b| m.len > b.len) {
            best = Some(m);
        }
    }
    best
}

fn one(t: &[u8], tok: &Token, w: &Window, rules: &Rules) -> Option<MaskedPan> {
    let mut cells = Vec::with_capacity(24);
    crate::token::cells(t, tok, w, &mut cells);
    let first = cells.iter().position(|&c| is_mask(c))?;
    let last = cells.iter().rposition(|&c| is_mask(c))?;
    let masks = last - first + 1;
    if masks < 4 || !cells[first..=last].iter().all(|&c| is_mask(c)) {
        return None;
    }
    let lead = &cells[..first];
    let trail = &cells[last + 1..];
    if lead.len() + trail.len() < 4 || !(trail.is_empty() || trail.len() >= 4) {
        return None;
    }
    // With no leading digits, only the last four may show.
    if lead.is_empty() && trail.len() != 4 {
        return None;
    }
    // Letter masks must not be part of a word: "Box", "XXL".
    let letter = |i: Option<&u8>| i.is_some_and(|c| c.is_ascii_alphabetic());
    let first_c = t[w.start];
    let last_c = t[w.end - 1];
    if (first_c.is_ascii_alphabetic() && w.start > 0 && letter(t.get(w.start - 1)))
        || (last_c.is_ascii_alphabetic() && letter(t.get(w.end)))
    {
        return None;
    }
    // Shown digits glued to more digits are part of a longer number.
    if w.start > 0 && t[w.start - 1].is_ascii_digit()
        || t.get(w.end).is_some_and(u8::is_ascii_digit)
    {
        return None;
    }
    let brand = if lead.is_empty() {
        None
    } else {
        Some(rules.brand_of_prefix(lead, cells.len())?)
    };
    Some(MaskedPan {
        start: w.start,
        end: w.end,
        len: cells.len(),
        lead: lead.to_vec(),
        trail: trail.to_vec(),
        brand,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::{tokenize, windows};

    fn find(s: &str) -> Option<MaskedPan> {
        let t = s.as_bytes();
        let p = t.iter().position(u8::is_ascii_digit).unwrap();
        let tok = tokenize(t, p, 0, t.len(), true);
        let mut w = Vec::new();
        windows(&tok, &mut w);
        best(t, &tok, &w, crate::rules::get())
    }

    #[test]
    fn forms() {
        let m = find("card 411111******1111 ok").unwrap();
        assert_eq!((m.len, m.lead.len(), m.trail.len()), (16, 6, 4));
        assert!(m.compliant());
        let m = find("4111 11XX XXXX 1111").unwrap();
        assert_eq!((m.lead.len(), m.trail.len()), (6, 4));
        let m = find("XXXX-XXXX-XXXX-1111").unwrap();
        assert_eq!((m.brand, m.trail.len()), (None, 4));
        let m = find("************1111").unwrap();
        assert!(m.compliant());
        // First six and last six: more than PCI DSS 3.4.1 allows.
        let m = find("411111****111111").unwrap();
        assert!(!m.compliant());
    }

    #[test]
    fn not_masked() {
        assert!(find("2x4111111111111111").is_none());
        assert!(find("Box 1234 5678").is_none());
        assert!(find("4111111111111111XX").is_none());
        // Leading digits of no brand.
        assert!(find("0000******0000").is_none());
        assert!(find("**1234").is_none());
    }
}
