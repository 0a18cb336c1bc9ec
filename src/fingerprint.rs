//! Keyed fingerprints of PANs for de-duplication (PCI DSS 3.5.1.1: a bare
//! hash of a PAN can be brute-forced from its BIN and last four, so only a
//! keyed HMAC is acceptable). The key comes from `PAN_SCAN_KEY`, from
//! `--key-file`, or is drawn at random for the run, in which case
//! fingerprints only de-duplicate within that run.

use anyhow::{bail, Context, Result};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::path::Path;

type HmacSha256 = Hmac<Sha256>;

/// Where the fingerprint key came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// The `PAN_SCAN_KEY` environment variable.
    Env,
    /// A key file (the path is kept for the report).
    File(String),
    /// A random key for this run only.
    Random,
}

impl KeySource {
    pub fn label(&self) -> &'static str {
        match self {
            KeySource::Env => "env:PAN_SCAN_KEY",
            KeySource::File(_) => "key-file",
            KeySource::Random => "random-per-run",
        }
    }
}

/// A pre-keyed HMAC-SHA256, cloned for every fingerprint.
#[derive(Clone)]
pub struct Fingerprinter {
    mac: HmacSha256,
    pub source: KeySource,
}

impl std::fmt::Debug for Fingerprinter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Fingerprinter({})", self.source.label())
    }
}

impl Fingerprinter {
    pub fn new(key: &[u8], source: KeySource) -> Fingerprinter {
        let mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key");
        Fingerprinter { mac, source }
    }

    /// A random key from the operating system.
    pub fn random() -> Result<Fingerprinter> {
        let mut key = [0u8; 32];
        getrandom::getrandom(&mut key)
            .map_err(|e| anyhow::anyhow!("cannot draw a random key: {e}"))?;
        Ok(Fingerprinter::new(&key, KeySource::Random))
    }

    /// The key from `--key-file`, else `PAN_SCAN_KEY`, else random.
    pub fn from_config(key_file: Option<&Path>) -> Result<Fingerprinter> {
        if let Some(p) = key_file {
            let mut key =
                std::fs::read(p).with_context(|| format!("reading key file {}", p.display()))?;
            while key.last().is_some_and(|b| b.is_ascii_whitespace()) {
                key.pop();
            }
            if key.len() < 16 {
                bail!("key file {} holds fewer than 16 bytes", p.display());
            }
            let src = KeySource::File(p.display().to_string());
            return Ok(Fingerprinter::new(&key, src));
        }
        match std::env::var_os("PAN_SCAN_KEY") {
            Some(v) if !v.is_empty() => {
                let key = v.as_encoded_bytes();
                if key.len() < 16 {
                    bail!("PAN_SCAN_KEY holds fewer than 16 bytes");
                }
                Ok(Fingerprinter::new(key, KeySource::Env))
            }
            _ => Fingerprinter::random(),
        }
    }

    /// The key's id: 16 hex digits of the HMAC of a fixed label (no digit
    /// in it, so it is no PAN's fingerprint). Two records with the same id
    /// used the same key and their fingerprints compare; the id reveals
    /// nothing of the key.
    pub fn key_id(&self) -> String {
        let mut m = self.mac.clone();
        m.update(b"pan-scan fingerprint key id");
        let d = m.finalize().into_bytes();
        d[..8].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// HMAC-SHA256 of the PAN's ASCII digits.
    pub fn fingerprint(&self, digits: &[u8]) -> [u8; 32] {
        let mut m = self.mac.clone();
        m.update(digits);
        m.finalize().into_bytes().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_tell_keys_apart_and_are_stable() {
        let a = Fingerprinter::new(b"0123456789abcdef", KeySource::Env);
        let b = Fingerprinter::new(b"0123456789abcdeg", KeySource::Env);
        assert_eq!(a.key_id(), a.clone().key_id());
        assert_ne!(a.key_id(), b.key_id());
        assert_eq!(a.key_id().len(), 16);
    }

    #[test]
    fn keyed_and_stable() {
        let a = Fingerprinter::new(b"0123456789abcdef", KeySource::Env);
        let b = Fingerprinter::new(b"fedcba9876543210", KeySource::Env);
        let pan = b"4111111111111111";
        assert_eq!(a.fingerprint(pan), a.fingerprint(pan));
        assert_ne!(a.fingerprint(pan), b.fingerprint(pan));
        // Not a bare hash of the PAN.
        use sha2::Digest;
        let bare: [u8; 32] = Sha256::digest(pan).into();
        assert_ne!(a.fingerprint(pan), bare);
        // RFC 4231 test case 2 pins the construction.
        let k = Fingerprinter::new(b"Jefe", KeySource::Env);
        let out = k.fingerprint(b"what do ya want for nothing?");
        assert_eq!(
            crate::rules::hex(&out),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn random_keys_differ() {
        let a = Fingerprinter::random().unwrap();
        let b = Fingerprinter::random().unwrap();
        assert_ne!(a.fingerprint(b"1"), b.fingerprint(b"1"));
        assert_eq!(a.source, KeySource::Random);
    }
}
