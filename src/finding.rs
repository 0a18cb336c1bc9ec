//! A finding as every report shows it: what was found (kind, brand, the
//! masked number, its keyed fingerprint), where (path, line, column, byte
//! offset, and a `location` object that structured decoders fill), and how
//! sure the scanner is (confidence and its reasons). No field can hold a
//! full PAN: the number itself never leaves the detector.

use serde::Serialize;

/// What kind of card data a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Pan,
    Track1,
    Track2,
    MaskedPan,
    /// A 3–4 digit value in a CVV-named field beside a PAN (never shown).
    Cvv,
    /// A field (column, key) named like sensitive authentication data.
    SadField,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Pan,
        Kind::Track1,
        Kind::Track2,
        Kind::MaskedPan,
        Kind::Cvv,
        Kind::SadField,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Kind::Pan => "pan",
            Kind::Track1 => "track1",
            Kind::Track2 => "track2",
            Kind::MaskedPan => "masked_pan",
            Kind::Cvv => "cvv",
            Kind::SadField => "sad_field",
        }
    }

    /// Card data whose storage PCI DSS forbids or restricts (a masked PAN
    /// is not: it is evidence of masking; nor is a field's name alone).
    pub fn is_card_data(self) -> bool {
        !matches!(self, Kind::MaskedPan | Kind::SadField)
    }
}

/// How sure the scanner is that a finding is real card data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn label(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// Track-data details (no field of the track itself is kept).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TrackInfo {
    /// EMV tag 57 form (hex with `D` separator).
    pub emv_tag57: bool,
    /// Start and end sentinels present.
    pub sentinels: bool,
}

/// One finding.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub kind: Kind,
    /// Display name of the brand (`VISA`), if known.
    pub brand: Option<String>,
    /// At most the first six and last four digits.
    pub masked: String,
    pub first6: String,
    pub last4: String,
    /// Digits in the PAN (for masked PANs: digits plus mask characters).
    pub length: u8,
    /// HMAC-SHA256 of the PAN under the run's key (hex); none for masked.
    pub fingerprint: Option<String>,
    /// Display path (PAN-like digit runs in it masked).
    pub path: String,
    /// 1-based line (count of b'\n' before the finding, plus one).
    pub line: u64,
    /// 1-based byte column within the line.
    pub column: u64,
    /// Byte offset of the finding's first byte in the file (or member).
    pub offset: u64,
    pub test_pan: bool,
    pub confidence: Confidence,
    pub reasons: Vec<String>,
    /// The encoding the number was read in: ascii, utf-8, utf-16, …
    pub encoding: &'static str,
    /// Masked PANs: whether at most BIN + last 4 are shown (PCI DSS 3.4.1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compliant: Option<bool>,
    /// Masked PANs: how many digits are shown in the source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revealed_digits: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub track: Option<TrackInfo>,
    /// Structured location (table, column, JSON path, …) when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<serde_json::Map<String, serde_json::Value>>,
    /// With `--baseline`: whether the previous run had this finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineStatus>,
    /// A suppression that matched: the finding is listed, but counts for
    /// neither the verdict nor the exit code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppressed>,
}

/// A finding compared with a baseline run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BaselineStatus {
    /// Not in the baseline.
    New,
    /// In the baseline too.
    Persisting,
}

/// Why a finding is suppressed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Suppressed {
    /// The suppression's justification, as written in the file.
    pub justification: String,
    /// Last day it applies (`YYYY-MM-DD`), if it expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// What matched: `fingerprint …`, `id …` or `path GLOB`.
    pub rule: String,
}

impl Finding {
    /// A high-confidence Visa finding of `kind` at line 1 of `path`, with
    /// no fingerprint, location or triage: the base that tests adjust.
    #[doc(hidden)]
    pub fn sample(kind: Kind, path: &str) -> Finding {
        Finding {
            kind,
            brand: Some("VISA".into()),
            masked: "411111******1111".into(),
            first6: "411111".into(),
            last4: "1111".into(),
            length: 16,
            fingerprint: None,
            path: path.into(),
            line: 1,
            column: 1,
            offset: 0,
            test_pan: false,
            confidence: Confidence::High,
            reasons: Vec::new(),
            encoding: "ascii",
            compliant: None,
            revealed_digits: None,
            track: None,
            location: None,
            baseline: None,
            suppressed: None,
        }
    }

    /// Card data that counts for the verdict: a PAN, track or CVV that is
    /// neither a published test PAN nor suppressed.
    pub fn counts_as_card_data(&self) -> bool {
        self.kind.is_card_data() && !self.test_pan && self.suppressed.is_none()
    }
}
