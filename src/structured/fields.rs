//! Field names that say what a value is, from `rules/fields.json`: card
//! number columns, expiry columns, columns whose numbers are not cards
//! (IMEI, order id, tracking), and columns of sensitive authentication data
//! (CVV, track, PIN). A name is split into words at non-alphanumerics and
//! camelCase humps and lowercased; it matches an entry when the words from
//! some position to its end, joined, equal the entry (`billing_cvv` is a
//! CVV column, `japan` is no PAN column).

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// What a field name says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    Card,
    Expiry,
    Negative,
    Cvv,
    Track,
    Pin,
}

#[derive(Deserialize)]
struct Raw {
    card: Vec<String>,
    expiry: Vec<String>,
    negative: Vec<String>,
    sad: Sad,
    examples: HashMap<String, Vec<String>>,
}

#[derive(Deserialize)]
struct Sad {
    cvv: Vec<String>,
    track: Vec<String>,
    pin: Vec<String>,
}

/// The field-name rules.
pub struct Fields {
    names: HashMap<String, Class>,
    /// The last three bytes of every ASCII sensitive-authentication-data
    /// entry, as a bit set indexed by [`tail_index`]: a name can match one
    /// only if it ends so (see [`Fields::may_be_sad`]); one load per key
    /// instead of a list search.
    sad_tails: Box<[u64; TAIL_WORDS]>,
    /// The non-ASCII entries, matched by substring.
    sad_other: Vec<String>,
    /// Example names per class label (`card`, `sad:cvv`, `none`, ...).
    pub examples: HashMap<String, Vec<String>>,
}

/// The rules file, compiled in.
pub const SOURCE: &str = include_str!("../../rules/fields.json");

/// The rules, parsed once.
pub fn get() -> &'static Fields {
    static F: OnceLock<Fields> = OnceLock::new();
    F.get_or_init(|| Fields::parse(SOURCE).expect("rules/fields.json is valid"))
}

impl Fields {
    pub fn parse(src: &str) -> Result<Fields, serde_json::Error> {
        let raw: Raw = serde_json::from_str(src)?;
        let mut names = HashMap::new();
        for (list, class) in [
            (&raw.card, Class::Card),
            (&raw.expiry, Class::Expiry),
            (&raw.negative, Class::Negative),
            (&raw.sad.cvv, Class::Cvv),
            (&raw.sad.track, Class::Track),
            (&raw.sad.pin, Class::Pin),
        ] {
            for n in list {
                names.insert(n.to_lowercase(), class);
            }
        }
        let mut sad_tails = Box::new([0u64; TAIL_WORDS]);
        let mut sad_other = Vec::new();
        for n in raw.sad.cvv.iter().chain(&raw.sad.track).chain(&raw.sad.pin) {
            let n = n.to_lowercase();
            match n.as_bytes() {
                b if b.len() >= 3 && b.iter().all(u8::is_ascii_alphanumeric) => {
                    let i = tail_index([b[b.len() - 3], b[b.len() - 2], b[b.len() - 1]]);
                    sad_tails[i / 64] |= 1 << (i % 64);
                }
                _ => sad_other.push(n),
            }
        }
        Ok(Fields {
            names,
            sad_tails,
            sad_other,
            examples: raw.examples,
        })
    }

    /// A cheap test before [`Fields::classify`]: whether `name` (raw
    /// bytes) can name sensitive authentication data. An entry matches the
    /// end of a name, so the name's last three alphanumeric bytes must end
    /// some entry. Documents hold millions of keys; most fail here.
    pub fn may_be_sad(&self, name: &[u8]) -> bool {
        // The last three ASCII letters or digits, whatever separates them
        // (`track_2`: words join); each key of a JSON document comes
        // through here, one table load a byte.
        let (mut tail, mut k) = ([0u8; 3], 3);
        for &b in name.iter().rev() {
            if ALNUM36[usize::from(b)] != NOT_ALNUM {
                k -= 1;
                tail[k] = b;
                if k == 0 {
                    break;
                }
            }
        }
        if k == 0 {
            let i = tail_index(tail);
            if self.sad_tails[i / 64] & (1 << (i % 64)) != 0 {
                return true;
            }
        }
        !name.is_ascii() && {
            let n = String::from_utf8_lossy(name);
            self.sad_other.iter().any(|o| n.contains(o.as_str()))
        }
    }

    /// What `name` says, if anything.
    pub fn classify(&self, name: &str) -> Option<Class> {
        let words = words(name);
        if words.is_empty() || words.len() > 16 {
            return None;
        }
        (0..words.len()).find_map(|i| self.names.get(&words[i..].concat()).copied())
    }
}

/// Words of the bit set of SAD name tails: 36^3 three-byte tails of
/// lowercase ASCII letters and digits.
const TAIL_WORDS: usize = (36 * 36 * 36usize).div_ceil(64);

/// Each byte's value in a tail index: 0-9 for digits, 10-35 for ASCII
/// letters of either case, [`NOT_ALNUM`] for the rest.
const ALNUM36: [u8; 256] = {
    let mut t = [NOT_ALNUM; 256];
    let mut b = 0;
    while b < 256 {
        let c = (b as u8).to_ascii_lowercase();
        if c.is_ascii_digit() {
            t[b] = c - b'0';
        } else if c.is_ascii_lowercase() {
            t[b] = c - b'a' + 10;
        }
        b += 1;
    }
    t
};
const NOT_ALNUM: u8 = u8::MAX;

/// The index of a tail of three ASCII letters (either case) or digits.
fn tail_index(t: [u8; 3]) -> usize {
    let v = |b: u8| usize::from(ALNUM36[usize::from(b)]);
    (v(t[0]) * 36 + v(t[1])) * 36 + v(t[2])
}

/// The lowercased words of a name.
fn words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// A field name as printed: PAN-like digits masked, then cut after 64
/// characters (masked first, so a number across the cut shows no more
/// than its first six digits).
pub fn display_name(name: &str) -> String {
    let cut: String = crate::redact::text(name).chars().take(64).collect();
    // Again: a cut can end a longer run (not PAN-like) on a PAN-like prefix.
    crate::redact::text(&cut).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_masked_before_and_after_they_are_cut() {
        // A card number across the cut: no more than its first six digits
        // show. A 17-digit run that fails Luhn (left whole) whose first 16
        // digits are a valid Visa number: cut after 16, masked too.
        for (run, pads) in [("4111111111111111", 40..70), ("45320151128303661", 40..56)] {
            for pad in pads {
                let shown = display_name(&format!("{}{run}", "c".repeat(pad)));
                assert!(shown.chars().count() <= 64, "{pad}");
                assert_eq!(crate::redact::text(&shown), shown, "{pad}: {shown}");
                if run.len() == 16 {
                    let digits = crate::redact::longest_digit_run(&shown);
                    assert!(digits <= 6, "{pad}: {shown}");
                }
            }
        }
    }

    #[test]
    fn the_rules_examples_classify_as_labelled() {
        let f = get();
        assert!(f.examples.len() >= 7);
        for (label, names) in &f.examples {
            let want = match label.as_str() {
                "card" => Some(Class::Card),
                "expiry" => Some(Class::Expiry),
                "negative" => Some(Class::Negative),
                "sad:cvv" => Some(Class::Cvv),
                "sad:track" => Some(Class::Track),
                "sad:pin" => Some(Class::Pin),
                "none" => None,
                other => panic!("unknown example label {other}"),
            };
            assert!(!names.is_empty(), "{label}");
            for n in names {
                assert_eq!(f.classify(n), want, "{label}: {n}");
            }
        }
    }

    #[test]
    fn the_cheap_sad_test_passes_every_sad_name() {
        let f = get();
        for (label, names) in &f.examples {
            for n in names {
                let sad = matches!(f.classify(n), Some(Class::Cvv | Class::Track | Class::Pin));
                if sad {
                    assert!(f.may_be_sad(n.as_bytes()), "{label}: {n}");
                }
            }
        }
        assert!(!f.may_be_sad(b"ts_currency"));
        assert!(!f.may_be_sad(b"email"));
        // Case, separators inside the tail, and names too short for one.
        assert!(f.may_be_sad(b"Card_CVV"));
        assert!(f.may_be_sad(b"c-v-v"));
        assert!(!f.may_be_sad(b"cv"));
        assert!(!f.may_be_sad(b""));
        // Tail indices: digits 0-9, letters 10-35 in either case.
        for (t, want) in [
            (*b"000", 0),
            (*b"009", 9),
            (*b"a9z", (10 * 36 + 9) * 36 + 35),
            (*b"cvv", (12 * 36 + 31) * 36 + 31),
            (*b"CvV", (12 * 36 + 31) * 36 + 31),
            (*b"zzz", 36 * 36 * 36 - 1),
        ] {
            assert_eq!(tail_index(t), want, "{}", String::from_utf8_lossy(&t));
        }
        assert_eq!(ALNUM36[usize::from(b'_')], NOT_ALNUM);
        assert_eq!(ALNUM36[0xC3], NOT_ALNUM);
    }

    #[test]
    fn names_split_into_words() {
        assert_eq!(words("customerCardNumber"), ["customer", "card", "number"]);
        assert_eq!(words("track_2_data"), ["track", "2", "data"]);
        assert_eq!(words("CVV2"), ["cvv2"]);
        assert_eq!(words("`card-no`"), ["card", "no"]);
    }
}
