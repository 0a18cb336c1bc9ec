//! The detection rules, compiled into the binary from the data files under
//! `rules/`: card brands with their IIN ranges and lengths (`brands.json`),
//! the public test PANs (`test_pans.csv`), the named noise filters
//! (`filters.json`) and the context words that move confidence
//! (`context.json`). This module parses them once and builds the lookup
//! structures the validator uses; every file carries its own examples, which
//! the tests at the bottom (and `tests/rules.rs`) check.

use std::collections::HashSet;
use std::sync::OnceLock;

use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The raw text of every rules file, in a fixed order (used for the digest).
pub const SOURCES: [(&str, &str); 6] = [
    ("brands.json", include_str!("../rules/brands.json")),
    ("test_pans.csv", include_str!("../rules/test_pans.csv")),
    ("filters.json", include_str!("../rules/filters.json")),
    ("context.json", include_str!("../rules/context.json")),
    ("fields.json", crate::structured::fields::SOURCE),
    ("pci_dss.json", crate::report::pci::SOURCE),
];

/// One card brand as written in `rules/brands.json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrandSpec {
    pub id: String,
    pub name: String,
    pub tier: u8,
    pub ranges: Vec<String>,
    pub lengths: Vec<u8>,
    #[serde(default)]
    pub low_confidence_lengths: Vec<u8>,
    pub luhn: bool,
    #[serde(default)]
    pub co_brand_of: Option<String>,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub examples: Vec<String>,
    #[serde(default)]
    pub negative_examples: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct BrandsFile {
    version: String,
    #[allow(dead_code)]
    about: String,
    brands: Vec<BrandSpec>,
}

/// A named noise filter's documentation and examples (`rules/filters.json`).
/// The logic lives in `filters.rs`; the ids must match one to one.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilterSpec {
    pub id: String,
    pub description: String,
    #[serde(default)]
    pub source: String,
    /// Texts holding a number that only this filter stops from being a PAN.
    pub examples: Vec<String>,
    /// Texts where the filter must not fire: each yields exactly one PAN.
    pub negative_examples: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct FiltersFile {
    #[allow(dead_code)]
    about: String,
    filters: Vec<FilterSpec>,
}

/// An example for the context rules: a text, and the confidence its one
/// finding must get.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextExample {
    pub text: String,
    pub confidence: String,
    #[serde(default)]
    pub reasons_include: Vec<String>,
}

/// Context words and windows (`rules/context.json`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextSpec {
    #[allow(dead_code)]
    about: String,
    /// How many bytes before and after a number are searched for words.
    pub window_bytes: usize,
    /// A negative word this close before the number, with no positive word
    /// nearer, rejects the number (filter `negative_context`).
    pub negative_adjacent_bytes: usize,
    pub positive: Vec<String>,
    pub negative: Vec<String>,
    pub examples: Vec<ContextExample>,
}

/// An IIN interval in the space of 8-digit prefixes, with the brand it
/// belongs to and how many digits its prefix has (longer is more specific).
#[derive(Debug, Clone, Copy)]
struct Interval {
    lo: u32,
    hi: u32, // exclusive
    digits: u8,
    brand: u16,
}

/// A compiled brand.
#[derive(Debug, Clone)]
pub struct Brand {
    pub id: String,
    pub name: String,
    pub tier: u8,
    pub luhn: bool,
    lengths: u32,     // bit n set: length n allowed
    low_lengths: u32, // bit n set: length n is low confidence
}

impl Brand {
    pub fn allows(&self, len: usize) -> bool {
        len < 32 && self.lengths & (1 << len) != 0
    }
    pub fn low_confidence_length(&self, len: usize) -> bool {
        len < 32 && self.low_lengths & (1 << len) != 0
    }
}

/// Everything the detector needs from `rules/`.
pub struct Rules {
    pub version: String,
    pub brands: Vec<Brand>,
    pub brand_specs: Vec<BrandSpec>,
    intervals: Vec<Interval>,
    /// For each two-digit prefix, the intervals that can hold it.
    by_prefix2: Vec<Vec<u16>>,
    /// For each two-digit prefix, the lengths (bit n: n digits) that the
    /// brands of those intervals allow.
    lengths_by_prefix2: [u32; 100],
    test_pans: HashSet<Vec<u8>>,
    pub filters: Vec<FilterSpec>,
    pub context: ContextSpec,
    /// SHA-256 over the rules files, hex.
    pub digest: String,
}

/// The rules compiled into this binary, parsed on first use.
pub fn get() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| Rules::parse().expect("rules/ files compiled into pan-scan are valid"))
}

/// Parses a prefix or range ("4", "2221-2720") into an interval over
/// 8-digit prefixes.
fn parse_range(s: &str) -> Result<(u32, u32, u8), String> {
    let (a, b) = match s.split_once('-') {
        Some((a, b)) => (a.trim(), b.trim()),
        None => (s.trim(), s.trim()),
    };
    let ok = |x: &str| !x.is_empty() && x.len() <= 8 && x.bytes().all(|c| c.is_ascii_digit());
    if !ok(a) || !ok(b) || a.len() != b.len() {
        return Err(format!("bad IIN range {s:?}"));
    }
    let digits = a.len() as u8;
    let scale = 10u32.pow(8 - digits as u32);
    let lo: u32 = a.parse().unwrap();
    let hi: u32 = b.parse().unwrap();
    if hi < lo {
        return Err(format!("empty IIN range {s:?}"));
    }
    Ok((lo * scale, (hi + 1) * scale, digits))
}

impl Rules {
    fn parse() -> Result<Rules, String> {
        let bf: BrandsFile =
            serde_json::from_str(SOURCES[0].1).map_err(|e| format!("rules/brands.json: {e}"))?;
        let mut brands = Vec::new();
        let mut intervals = Vec::new();
        let mut ids = HashSet::new();
        for (i, spec) in bf.brands.iter().enumerate() {
            if !ids.insert(spec.id.clone()) {
                return Err(format!("duplicate brand id {}", spec.id));
            }
            let mut lengths = 0u32;
            for &l in &spec.lengths {
                if !(12..=19).contains(&l) {
                    return Err(format!("{}: length {l} out of 12..=19", spec.id));
                }
                lengths |= 1 << l;
            }
            let mut low_lengths = 0u32;
            for &l in &spec.low_confidence_lengths {
                low_lengths |= 1 << l;
            }
            for r in &spec.ranges {
                let (lo, hi, digits) = parse_range(r).map_err(|e| format!("{}: {e}", spec.id))?;
                intervals.push(Interval {
                    lo,
                    hi,
                    digits,
                    brand: i as u16,
                });
            }
            brands.push(Brand {
                id: spec.id.clone(),
                name: spec.name.clone(),
                tier: spec.tier,
                luhn: spec.luhn,
                lengths,
                low_lengths,
            });
        }
        let mut test_pans = HashSet::new();
        for (n, line) in SOURCES[1].1.lines().enumerate().skip(1) {
            let pan = line.split(',').next().unwrap_or("").trim();
            if pan.is_empty() {
                continue;
            }
            if !pan.bytes().all(|c| c.is_ascii_digit()) {
                return Err(format!("test_pans.csv line {}: not digits", n + 1));
            }
            test_pans.insert(pan.as_bytes().to_vec());
        }
        let ff: FiltersFile =
            serde_json::from_str(SOURCES[2].1).map_err(|e| format!("rules/filters.json: {e}"))?;
        let context: ContextSpec =
            serde_json::from_str(SOURCES[3].1).map_err(|e| format!("rules/context.json: {e}"))?;
        let mut h = Sha256::new();
        for (name, text) in SOURCES {
            h.update(name.as_bytes());
            h.update([0]);
            h.update(text.as_bytes());
            h.update([0]);
        }
        let digest = hex(&h.finalize());
        let mut by_prefix2 = vec![Vec::new(); 100];
        let mut lengths_by_prefix2 = [0u32; 100];
        for (i, iv) in intervals.iter().enumerate() {
            // Two-digit prefixes p with [p, p+1) * 10^6 meeting [lo, hi).
            for (p, list) in by_prefix2.iter_mut().enumerate() {
                let (a, b) = (p as u32 * 1_000_000, (p as u32 + 1) * 1_000_000);
                if a < iv.hi && iv.lo < b {
                    list.push(i as u16);
                    lengths_by_prefix2[p] |= brands[iv.brand as usize].lengths;
                }
            }
        }
        Ok(Rules {
            by_prefix2,
            lengths_by_prefix2,
            version: bf.version,
            brands,
            brand_specs: bf.brands,
            intervals,
            test_pans,
            filters: ff.filters,
            context,
            digest,
        })
    }

    /// The brand of a digit string of length 12..=19: the longest matching
    /// prefix among brands that allow this length; ties go to the brand
    /// listed first. Luhn is not checked here.
    pub fn brand_of(&self, digits: &[u8]) -> Option<usize> {
        // A quick "no" from the first two digits and the length: every
        // interval that can match is listed under those two digits. Most
        // digit runs in logs (timestamps, IDs) end here.
        if let [a, b, ..] = *digits {
            let p2 = (a.wrapping_sub(b'0') as usize * 10 + b.wrapping_sub(b'0') as usize) % 100;
            let len = digits.len();
            if len >= 32 || self.lengths_by_prefix2[p2] & (1 << len) == 0 {
                return None;
            }
        }
        self.brand_of_prefix(digits, digits.len())
    }

    /// Like `brand_of`, for a number of `len` digits of which only the
    /// leading `known` are given (masked PANs). A range matches only if the
    /// known digits decide it.
    pub fn brand_of_prefix(&self, known: &[u8], len: usize) -> Option<usize> {
        if known.is_empty() {
            return None;
        }
        let take = known.len().min(8);
        let mut v = 0u32;
        for &c in &known[..take] {
            v = v * 10 + (c - b'0') as u32;
        }
        // Fill the unknown digits with 0s and 9s: the range matches only if
        // both ends of the possible values fall inside it.
        let scale = 10u32.pow(8 - take as u32);
        let lo = v * scale;
        let hi = lo + scale - 1;
        let mut best: Option<(u8, usize)> = None;
        let p2 = (lo / 1_000_000) as usize;
        for &i in &self.by_prefix2[p2] {
            let iv = &self.intervals[i as usize];
            if lo >= iv.lo && hi < iv.hi {
                let b = iv.brand as usize;
                if !self.brands[b].allows(len) {
                    continue;
                }
                let better = match best {
                    None => true,
                    Some((d, bb)) => iv.digits > d || (iv.digits == d && b < bb),
                };
                if better {
                    best = Some((iv.digits, b));
                }
            }
        }
        best.map(|(_, b)| b)
    }

    /// Whether these digits are a published test PAN.
    pub fn is_test_pan(&self, digits: &[u8]) -> bool {
        self.test_pans.contains(digits)
    }

    /// The public test PANs (for the tests and the self-test).
    pub fn test_pans(&self) -> impl Iterator<Item = &[u8]> {
        self.test_pans.iter().map(|v| v.as_slice())
    }
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse() {
        assert_eq!(parse_range("4").unwrap(), (40_000_000, 50_000_000, 1));
        assert_eq!(
            parse_range("2221-2720").unwrap(),
            (22_210_000, 27_210_000, 4)
        );
        assert!(parse_range("22-2720").is_err());
        assert!(parse_range("x").is_err());
        assert!(parse_range("30-20").is_err());
    }

    #[test]
    fn rules_load() {
        let r = get();
        assert!(r.brands.len() >= 19, "T1 and T2 brands are present");
        assert_eq!(r.digest.len(), 64);
        for id in [
            "visa",
            "mastercard",
            "amex",
            "discover",
            "jcb",
            "diners",
            "unionpay",
            "mir",
            "rupay",
            "elo",
            "hipercard",
            "verve",
            "troy",
            "uatp",
            "dankort",
            "maestro",
            "interpayment",
            "instapayment",
            "lankapay",
        ] {
            assert!(
                r.brands.iter().any(|b| b.id == id),
                "brand {id} is in rules/brands.json"
            );
        }
    }

    #[test]
    fn longest_prefix_wins() {
        let r = get();
        let name = |d: &str| r.brand_of(d.as_bytes()).map(|b| r.brands[b].id.as_str());
        // Elo 401178 sits inside Visa 4.
        assert_eq!(name("4011780000000000"), Some("elo"));
        assert_eq!(name("4011770000000000"), Some("visa"));
        // Mastercard 2-series edges.
        assert_eq!(name("2221000000000000"), Some("mastercard"));
        assert_eq!(name("2720990000000000"), Some("mastercard"));
        assert_eq!(name("2721000000000000"), None);
        // JCB is not 15 digits (IMEI collisions).
        assert_eq!(name("354178036859789"), None);
        // Masked prefixes only decide a range when the known digits do.
        assert_eq!(
            r.brand_of_prefix(b"4111", 16)
                .map(|b| r.brands[b].id.as_str()),
            Some("visa")
        );
        assert_eq!(r.brand_of_prefix(b"", 16), None);
    }

    /// The quick two-digit test in `brand_of` never changes its answer: for
    /// every brand range's ends and the numbers around them, and every
    /// two-digit prefix, at every length from 2 to 21.
    #[test]
    fn quick_prefix_test_agrees() {
        let r = get();
        let mut heads: Vec<String> = (0..100).map(|p| format!("{p:02}")).collect();
        for spec in &r.brand_specs {
            for range in &spec.ranges {
                for end in range.split('-') {
                    let v: u64 = end.parse().unwrap();
                    for x in [v.saturating_sub(1), v, v + 1] {
                        heads.push(format!("{x:0w$}", w = end.len()));
                    }
                }
            }
        }
        for head in heads {
            for len in 2..=21 {
                let d: Vec<u8> = head.bytes().chain(b"7".repeat(21)).take(len).collect();
                assert_eq!(
                    r.brand_of(&d),
                    r.brand_of_prefix(&d, len),
                    "{head} at {len}"
                );
            }
        }
    }
}
