//! The evidence record's integrity: a SHA-256 digest of its canonical form
//! and, optionally, an Ed25519 signature over that same canonical form.
//! Everything here can be recomputed with stock tools, without pan-scan.
//!
//! # The integrity member
//!
//! [`seal`] adds one top-level member to the record:
//!
//! ```json
//! "integrity": {
//!   "algorithm": "sha256",
//!   "canonical_form": "<one-line description, CANONICAL_FORM>",
//!   "sha256": "<64 lowercase hex digits: SHA-256 of the canonical bytes>",
//!   "signature": {
//!     "algorithm": "ed25519",
//!     "public_key": "<the verifying key, SPKI PEM as `openssl pkey -pubout` writes it>",
//!     "public_key_sha256": "<hex SHA-256 of the raw 32-byte public key>",
//!     "value": "<base64 of the 64-byte Ed25519 signature of the canonical bytes>"
//!   }
//! }
//! ```
//!
//! `signature` is there only when the record was sealed with a key.
//!
//! # The canonical form
//!
//! The bytes that are digested and signed are the record **without its
//! top-level `integrity` member**, written as compact JSON in UTF-8:
//!
//! - no whitespace between tokens;
//! - the members of every object, at every level, sorted by the UTF-8 bytes
//!   of their names (which is Unicode code point order); arrays keep their
//!   order;
//! - strings escape `"` as `\"`, `\` as `\\`, backspace, tab, line feed,
//!   form feed and carriage return as `\b \t \n \f \r`, the other characters
//!   U+0000–U+001F and U+007F as `\u00XX` (lowercase hex); every other
//!   character, `/` and non-ASCII included, is written as itself;
//! - integers in plain decimal, `true`, `false`, `null` as themselves.
//!
//! This is exactly what jq writes, so for records without floating-point
//! numbers and with integers within ±2^53 (jq 1.6 reads numbers as doubles)
//! — pan-scan's records have only such numbers — an auditor recomputes the
//! digest with
//!
//! ```sh
//! jq -cS 'del(.integrity)' report.json | tr -d '\n' | sha256sum
//! ```
//!
//! The layout of the file (indentation, member order) is therefore free: a
//! record pretty-printed or reordered by another tool still verifies.
//!
//! # Checking a signature without pan-scan
//!
//! The signature is plain Ed25519 (RFC 8032, not the pre-hashed variant)
//! over the canonical bytes themselves, not over the hex digest:
//!
//! ```sh
//! jq -cS 'del(.integrity)' report.json | tr -d '\n' > canonical.json
//! jq -r .integrity.signature.value report.json | base64 -d > sig.bin
//! openssl pkeyutl -verify -pubin -inkey signer.pub -rawin -in canonical.json -sigfile sig.bin
//! ```
//!
//! `signer.pub` must come from the signer by a trusted channel, never from
//! the record: the embedded `public_key` only says which key signed, and a
//! forger embeds their own. `public_key_sha256` is
//! `openssl pkey -pubin -in signer.pub -outform DER | tail -c 32 | sha256sum`.
//!
//! A digest without a signature detects accidental damage only: anyone who
//! edits the record can recompute it.

use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Result};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, KeypairBytes,
};
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use crate::report::exit;

/// The name of the top-level member [`seal`] adds and [`canonical`] leaves
/// out.
pub const MEMBER: &str = "integrity";

/// One-line description of the canonical form, written into every sealed
/// record (`integrity.canonical_form`).
pub const CANONICAL_FORM: &str =
    "the record without its top-level \"integrity\" member as compact \
UTF-8 JSON: no whitespace, object members sorted by the UTF-8 bytes of their names at every level, \
strings escaping only \" \\ and U+0000-U+001F, U+007F (\\b \\t \\n \\f \\r or \\u00xx); \
equal to: jq -cS 'del(.integrity)' REPORT | tr -d '\\n'";

const PRIVATE_KEY_HINT: &str =
    "make one with `pan-scan keygen` or `openssl genpkey -algorithm ed25519`";

/// Key files are small; anything larger is not a key.
const MAX_KEY_FILE: u64 = 64 * 1024;

// ---------------------------------------------------------------------------
// Canonical form

/// A value written in the canonical form: object members sorted by name at
/// every level (whatever order the map keeps), `integrity` left out at the
/// top level.
struct Canon<'a> {
    value: &'a Value,
    top: bool,
}

impl Serialize for Canon<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self.value {
            Value::Object(m) => {
                let mut members: Vec<(&String, &Value)> = m
                    .iter()
                    .filter(|(k, _)| !(self.top && k.as_str() == MEMBER))
                    .collect();
                members.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
                let mut map = s.serialize_map(Some(members.len()))?;
                for (k, v) in members {
                    map.serialize_entry(
                        k,
                        &Canon {
                            value: v,
                            top: false,
                        },
                    )?;
                }
                map.end()
            }
            Value::Array(a) => s.collect_seq(a.iter().map(|v| Canon {
                value: v,
                top: false,
            })),
            other => other.serialize(s),
        }
    }
}

/// serde_json's compact output, but with U+007F escaped as jq escapes it.
struct CanonFormatter;

impl serde_json::ser::Formatter for CanonFormatter {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut parts = fragment.split('\u{7f}');
        if let Some(first) = parts.next() {
            w.write_all(first.as_bytes())?;
        }
        for part in parts {
            w.write_all(b"\\u007f")?;
            w.write_all(part.as_bytes())?;
        }
        Ok(())
    }
}

/// The canonical bytes of `record` (see the module documentation): what
/// the digest and the signature cover.
pub fn canonical(record: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(4096);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, CanonFormatter);
    Canon {
        value: record,
        top: true,
    }
    .serialize(&mut ser)
    .expect("a JSON value serializes into memory");
    out
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The key's fingerprint as the record and `keygen` show it: hex SHA-256 of
/// the raw 32-byte public key.
pub fn key_sha256(key: &VerifyingKey) -> String {
    sha256_hex(key.as_bytes())
}

/// The private key as PKCS#8 v1 PEM, the form `openssl genpkey` writes.
/// Not the v2 form `SigningKey::to_pkcs8_pem` writes (with the public key
/// inside): OpenSSL before 3.5 cannot read that, and an auditor's tools
/// must be able to use the key.
fn private_key_pem(key: &SigningKey) -> Zeroizing<String> {
    KeypairBytes {
        secret_key: key.to_bytes(),
        public_key: None,
    }
    .to_pkcs8_pem(LineEnding::LF)
    .expect("an Ed25519 private key encodes as PKCS#8")
}

fn public_key_pem(key: &VerifyingKey) -> String {
    key.to_public_key_pem(LineEnding::LF)
        .expect("an Ed25519 public key encodes as SPKI")
}

// ---------------------------------------------------------------------------
// Sealing

/// The jq path of the first floating-point number in `v`, if any.
fn float_path(v: &Value, at: &mut String) -> Option<String> {
    match v {
        Value::Number(n) if n.is_f64() => Some(if at.is_empty() {
            ".".into()
        } else {
            at.clone()
        }),
        Value::Object(m) => m.iter().find_map(|(k, v)| {
            let len = at.len();
            at.push_str(&format!("[{}]", Value::from(k.as_str())));
            let got = float_path(v, at);
            at.truncate(len);
            got
        }),
        Value::Array(a) => a.iter().enumerate().find_map(|(i, v)| {
            let len = at.len();
            at.push_str(&format!("[{i}]"));
            let got = float_path(v, at);
            at.truncate(len);
            got
        }),
        _ => None,
    }
}

/// Adds (or replaces) the record's top-level `integrity` member: the
/// SHA-256 of [`canonical`]`(record)` and, with a key, an Ed25519
/// signature of those canonical bytes.
///
/// The record must hold no floating-point number: jq 1.6 writes `100.0`
/// as `100`, jq 1.7 keeps the literal, so no canonical form could match
/// both, and the auditor's recomputation would fail. Write such values as
/// integers (tenths, milliseconds) or strings. Debug builds check this.
///
/// # Panics
///
/// If `record` is not a JSON object (an evidence record always is); in
/// debug builds, if it holds a floating-point number.
pub fn seal(record: &mut Value, key: Option<&SigningKey>) {
    debug_assert!(
        float_path(record, &mut String::new()).is_none(),
        "evidence record holds a floating-point number at {}: jq cannot recompute its digest",
        float_path(record, &mut String::new()).unwrap_or_default()
    );
    let bytes = canonical(record);
    let mut integrity = json!({
        "algorithm": "sha256",
        "canonical_form": CANONICAL_FORM,
        "sha256": sha256_hex(&bytes),
    });
    if let Some(key) = key {
        let public = key.verifying_key();
        integrity["signature"] = json!({
            "algorithm": "ed25519",
            "public_key": public_key_pem(&public),
            "public_key_sha256": key_sha256(&public),
            "value": BASE64.encode(key.sign(&bytes).to_bytes()),
        });
    }
    record
        .as_object_mut()
        .expect("an evidence record is a JSON object")
        .insert(MEMBER.to_string(), integrity);
}

// ---------------------------------------------------------------------------
// Keys

/// Reads a small text file; the buffer is wiped when dropped.
fn read_key_file(path: &Path) -> Result<(Zeroizing<String>, std::fs::Metadata)> {
    let shown = crate::redact::path(path);
    let io = |e: std::io::Error| anyhow!("{shown}: {}", crate::coverage::io_detail(&e));
    let f = std::fs::File::open(path).map_err(io)?;
    let md = f.metadata().map_err(io)?;
    if !md.is_file() {
        bail!("{shown}: not a regular file");
    }
    let mut bytes = Zeroizing::new(Vec::new());
    f.take(MAX_KEY_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_KEY_FILE {
        bail!("{shown}: too large for a key file");
    }
    match std::str::from_utf8(&bytes) {
        Ok(s) => Ok((Zeroizing::new(s.to_string()), md)),
        Err(_) => bail!("{shown}: not a PEM text file"),
    }
}

/// The warning for a private key file others can read, if its mode allows
/// that.
fn key_mode_warning(shown: &str, mode: u32) -> Option<String> {
    (mode & 0o044 != 0).then(|| {
        format!(
            "warning: private key {shown} is readable by group or others (mode {:04o}); \
             `chmod 600` it",
            mode & 0o7777
        )
    })
}

/// Loads an Ed25519 private key from PKCS#8 PEM (`-----BEGIN PRIVATE
/// KEY-----`, as `pan-scan keygen` and `openssl genpkey -algorithm ed25519`
/// write it). Warns on stderr if group or others can read the file.
pub fn load_signing_key(path: &Path) -> Result<SigningKey> {
    use std::os::unix::fs::PermissionsExt;
    let shown = crate::redact::path(path);
    let (pem, md) = read_key_file(path)?;
    if let Some(w) = key_mode_warning(&shown, md.permissions().mode()) {
        eprintln!("pan-scan: {w}");
    }
    match SigningKey::from_pkcs8_pem(pem.trim()) {
        Ok(k) => Ok(k),
        Err(_) if pem.contains("-----BEGIN PUBLIC KEY-----") => bail!(
            "{shown}: is a public key; signing needs the private key \
             (the keygen PREFIX file, not PREFIX.pub)"
        ),
        Err(_) if pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") => bail!(
            "{shown}: encrypted private keys are not supported; \
             not an Ed25519 private key in PKCS#8 PEM ({PRIVATE_KEY_HINT})"
        ),
        Err(_) => bail!("{shown}: not an Ed25519 private key in PKCS#8 PEM ({PRIVATE_KEY_HINT})"),
    }
}

/// Loads an Ed25519 public key from SPKI PEM (`-----BEGIN PUBLIC KEY-----`,
/// as `pan-scan keygen` writes PREFIX.pub and `openssl pkey -pubout`
/// writes it).
pub fn load_verifying_key(path: &Path) -> Result<VerifyingKey> {
    let shown = crate::redact::path(path);
    let (pem, _) = read_key_file(path)?;
    match VerifyingKey::from_public_key_pem(pem.trim()) {
        Ok(k) => Ok(k),
        Err(_) if pem.contains("PRIVATE KEY-----") => bail!(
            "{shown}: is a private key; verifying needs the public key \
             (the keygen PREFIX.pub file, or `openssl pkey -in KEY -pubout`)"
        ),
        Err(_) => bail!(
            "{shown}: not an Ed25519 public key in SPKI PEM \
             (PREFIX.pub from `pan-scan keygen`, or `openssl pkey -in KEY -pubout`)"
        ),
    }
}

// ---------------------------------------------------------------------------
// Checking

/// Who the signature of a record whose digest matched was checked against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Signer {
    /// Valid signature by the key the caller trusts.
    Trusted { key_sha256: String },
    /// Valid signature by the key embedded in the record, which nobody
    /// vouched for: anyone who edits the record can re-sign it with their
    /// own key. Proves no origin.
    Embedded { key_sha256: String },
    /// No signature: the digest alone proves no origin.
    Unsigned,
}

/// A record whose digest (and signature, if any) checked out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    /// Hex SHA-256 of the canonical form.
    pub sha256: String,
    pub signer: Signer,
}

impl fmt::Display for Checked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.signer {
            Signer::Trusted { key_sha256 } => write!(
                f,
                "digest matches; signature valid (key sha256 {key_sha256})"
            ),
            Signer::Embedded { key_sha256 } => write!(
                f,
                "digest matches; signature valid for the key embedded in the record \
                 (key sha256 {key_sha256}), but no trusted key was given: this proves no \
                 origin (anyone who edits the record can re-sign it with their own key); \
                 pass --pubkey with the signer's public key"
            ),
            Signer::Unsigned => write!(
                f,
                "digest matches (sha256 {}); the record is not signed: a digest alone \
                 proves no origin (anyone who edits the record can recompute it)",
                self.sha256
            ),
        }
    }
}

/// Why a report did not check out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Invalid {
    /// Not JSON at all (the parser's message).
    NotJson(String),
    /// JSON, but not an object.
    NotObject,
    /// A JSON object without an `integrity` member: never sealed.
    NoIntegrity,
    /// A member name occurs twice in one object: tools disagree on which
    /// value counts, so the record is ambiguous.
    DuplicateMember(String),
    /// The `integrity` member is unusable (what is wrong with it).
    Malformed(String),
    /// The record changed after it was sealed.
    DigestMismatch { recorded: String, computed: String },
    /// A trusted key was given but the record is not signed.
    Unsigned,
    /// Signed by another key than the trusted one.
    WrongKey { signer: String, expected: String },
    /// The signature does not verify.
    BadSignature,
}

impl Invalid {
    /// The exit code of `pan-scan verify`: 2 for a file that is not a
    /// sealed evidence record at all, 1 for one that fails its checks.
    pub fn exit_code(&self) -> i32 {
        match self {
            Invalid::NotJson(_) | Invalid::NotObject | Invalid::NoIntegrity => exit::ERROR,
            _ => 1,
        }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Invalid::NotJson(e) => write!(f, "not a pan-scan evidence record: not JSON ({e})"),
            Invalid::NotObject => {
                write!(f, "not a pan-scan evidence record: not a JSON object")
            }
            Invalid::NoIntegrity => write!(
                f,
                "not a sealed pan-scan evidence record: no \"integrity\" member"
            ),
            Invalid::DuplicateMember(e) => write!(
                f,
                "ambiguous record: {e} (tools disagree on which value counts)"
            ),
            Invalid::Malformed(e) => write!(f, "malformed \"integrity\" member: {e}"),
            Invalid::DigestMismatch { recorded, computed } => write!(
                f,
                "digest mismatch: the record changed after it was sealed \
                 (recorded sha256 {recorded}, computed {computed})"
            ),
            Invalid::Unsigned => write!(
                f,
                "the record is not signed, but --pubkey requires a signature"
            ),
            Invalid::WrongKey { signer, expected } => write!(
                f,
                "signed by another key (key sha256 {signer}), not by the given public key \
                 (key sha256 {expected})"
            ),
            Invalid::BadSignature => {
                write!(f, "bad signature: the signature does not match the record")
            }
        }
    }
}

impl std::error::Error for Invalid {}

/// Deserializes any JSON, failing on a member name repeated in one object.
struct NoDuplicates;

impl<'de> Deserialize<'de> for NoDuplicates {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_any(NoDuplicatesVisitor)
    }
}

struct NoDuplicatesVisitor;

impl<'de> Visitor<'de> for NoDuplicatesVisitor {
    type Value = NoDuplicates;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> std::result::Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_i64<E>(self, _: i64) -> std::result::Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_u64<E>(self, _: u64) -> std::result::Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_f64<E>(self, _: f64) -> std::result::Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_str<E>(self, _: &str) -> std::result::Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_unit<E>(self) -> std::result::Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> std::result::Result<NoDuplicates, A::Error> {
        while a.next_element::<NoDuplicates>()?.is_some() {}
        Ok(NoDuplicates)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> std::result::Result<NoDuplicates, A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(k) = a.next_key::<String>()? {
            a.next_value::<NoDuplicates>()?;
            if !seen.insert(k.clone()) {
                return Err(de::Error::custom(format!("duplicate member {k:?}")));
            }
        }
        Ok(NoDuplicates)
    }
}

fn str_member<'a>(obj: &'a serde_json::Map<String, Value>, name: &str) -> Result<&'a str, Invalid> {
    match obj.get(name) {
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(Invalid::Malformed(format!("{name:?} is not a string"))),
        None => Err(Invalid::Malformed(format!("no {name:?}"))),
    }
}

/// The embedded signature: the key it names and the signature bytes.
fn embedded_signature(sig: &Value) -> Result<(VerifyingKey, Signature), Invalid> {
    let sig = sig
        .as_object()
        .ok_or_else(|| Invalid::Malformed("\"signature\" is not an object".into()))?;
    match str_member(sig, "algorithm")? {
        "ed25519" => {}
        other => {
            return Err(Invalid::Malformed(format!(
                "unsupported signature algorithm {:?}",
                crate::redact::text(other)
            )))
        }
    }
    let key = VerifyingKey::from_public_key_pem(str_member(sig, "public_key")?.trim())
        .map_err(|_| Invalid::Malformed("\"public_key\" is not an Ed25519 SPKI PEM".into()))?;
    let fingerprint = str_member(sig, "public_key_sha256")?;
    if !fingerprint.eq_ignore_ascii_case(&key_sha256(&key)) {
        return Err(Invalid::Malformed(
            "\"public_key_sha256\" is not the SHA-256 of \"public_key\"".into(),
        ));
    }
    let bytes = BASE64
        .decode(str_member(sig, "value")?)
        .map_err(|_| Invalid::Malformed("signature \"value\" is not base64".into()))?;
    let sig = Signature::from_slice(&bytes)
        .map_err(|_| Invalid::Malformed("signature \"value\" is not 64 bytes".into()))?;
    Ok((key, sig))
}

/// Checks a sealed report (the file's bytes): recomputes the digest of its
/// canonical form and compares it with the recorded one. With `pubkey`,
/// the record must also carry a valid signature by exactly that key.
/// Without, an embedded signature is checked against its own embedded key
/// ([`Signer::Embedded`]), which proves consistency but no origin.
pub fn check(report: &[u8], pubkey: Option<&VerifyingKey>) -> Result<Checked, Invalid> {
    let record: Value =
        serde_json::from_slice(report).map_err(|e| Invalid::NotJson(e.to_string()))?;
    let obj = record.as_object().ok_or(Invalid::NotObject)?;
    let integrity = obj.get(MEMBER).ok_or(Invalid::NoIntegrity)?;
    if let Err(e) = serde_json::from_slice::<NoDuplicates>(report) {
        return Err(Invalid::DuplicateMember(
            crate::redact::text(&e.to_string()).into_owned(),
        ));
    }
    let integrity = integrity
        .as_object()
        .ok_or_else(|| Invalid::Malformed("not an object".into()))?;
    match str_member(integrity, "algorithm")? {
        "sha256" => {}
        other => {
            return Err(Invalid::Malformed(format!(
                "unsupported digest algorithm {:?}",
                crate::redact::text(other)
            )))
        }
    }
    let recorded = str_member(integrity, "sha256")?;
    let bytes = canonical(&record);
    let computed = sha256_hex(&bytes);
    if !recorded.eq_ignore_ascii_case(&computed) {
        return Err(Invalid::DigestMismatch {
            recorded: crate::redact::text(recorded).into_owned(),
            computed,
        });
    }
    let signer = match (integrity.get("signature"), pubkey) {
        (None, Some(_)) => return Err(Invalid::Unsigned),
        (None, None) => Signer::Unsigned,
        (Some(sig), trusted) => {
            let (embedded, sig) = embedded_signature(sig)?;
            let key = match trusted {
                Some(t) if *t != embedded => {
                    return Err(Invalid::WrongKey {
                        signer: key_sha256(&embedded),
                        expected: key_sha256(t),
                    })
                }
                Some(t) => t,
                None => &embedded,
            };
            key.verify_strict(&bytes, &sig)
                .map_err(|_| Invalid::BadSignature)?;
            let key_sha256 = key_sha256(key);
            match trusted {
                Some(_) => Signer::Trusted { key_sha256 },
                None => Signer::Embedded { key_sha256 },
            }
        }
    };
    Ok(Checked {
        sha256: computed,
        signer,
    })
}

// ---------------------------------------------------------------------------
// Subcommands

/// Flags of `pan-scan verify`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Exit codes:
  0  the digest matches (and, with --pubkey, the signature is valid)
  1  the record changed, the signature is bad or by another key, or
     --pubkey was given and the record is not signed
  2  usage or I/O error, or the file is not a sealed evidence record

Without --pubkey only the digest (and an embedded signature against the key
embedded beside it) is checked, which proves no origin: anyone who edits the
record can recompute the digest and re-sign it with their own key.")]
pub struct VerifyArgs {
    /// The JSON evidence record; `-` reads standard input.
    #[arg(value_name = "REPORT")]
    pub report: PathBuf,

    /// The signer's public key (SPKI PEM: PREFIX.pub from `pan-scan keygen`).
    /// The record must be signed by exactly this key.
    #[arg(long, value_name = "PUB.pem")]
    pub pubkey: Option<PathBuf>,
}

/// Flags of `pan-scan keygen`.
#[derive(clap::Args, Debug)]
pub struct KeygenArgs {
    /// Write the private key to PREFIX (PKCS#8 PEM, mode 0600) and the
    /// public key to PREFIX.pub (SPKI PEM).
    #[arg(long, value_name = "PREFIX")]
    pub out: PathBuf,

    /// Replace existing key files.
    #[arg(long)]
    pub force: bool,
}

/// Checks a report; returns the exit code.
pub fn verify_main(args: &VerifyArgs) -> Result<i32> {
    let pubkey = args.pubkey.as_deref().map(load_verifying_key).transpose()?;
    let shown = crate::redact::path(&args.report);
    let read = if args.report.as_os_str() == "-" {
        let mut b = Vec::new();
        std::io::stdin().lock().read_to_end(&mut b).map(|_| b)
    } else {
        std::fs::read(&args.report)
    };
    let bytes = read.map_err(|e| anyhow!("{shown}: {}", crate::coverage::io_detail(&e)))?;
    match check(&bytes, pubkey.as_ref()) {
        Ok(ok) => {
            println!("OK: {ok}");
            Ok(exit::CLEAN)
        }
        Err(bad) if bad.exit_code() == exit::ERROR => bail!("{shown}: {bad}"),
        Err(bad) => {
            println!("FAILED: {bad}");
            Ok(bad.exit_code())
        }
    }
}

fn exists(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok()
}

/// Writes a new signing key pair; returns the exit code.
pub fn keygen_main(args: &KeygenArgs) -> Result<i32> {
    use std::os::unix::fs::PermissionsExt;
    let private = args.out.clone();
    let public = {
        let mut s = private.clone().into_os_string();
        s.push(".pub");
        PathBuf::from(s)
    };
    let shown_private = crate::redact::path(&private);
    let shown_public = crate::redact::path(&public);
    if !args.force {
        for (p, shown) in [(&private, &shown_private), (&public, &shown_public)] {
            if exists(p) {
                bail!("{shown} exists; pass --force to replace it");
            }
        }
    }
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed).map_err(|e| anyhow!("no randomness for the key: {e}"))?;
    let key = SigningKey::from_bytes(&seed);
    seed.zeroize();
    let pem = private_key_pem(&key);
    let verifying = key.verifying_key();
    let write = |p: &Path, shown: &str, text: &[u8]| -> Result<()> {
        crate::report::atomic::write(p, |w| w.write_all(text))
            .map_err(|e| anyhow!("{shown}: {}", crate::coverage::io_detail(&e)))
    };
    write(&private, &shown_private, pem.as_bytes())?;
    write(
        &public,
        &shown_public,
        public_key_pem(&verifying).as_bytes(),
    )?;
    std::fs::set_permissions(&public, std::fs::Permissions::from_mode(0o644))
        .map_err(|e| anyhow!("{shown_public}: {}", crate::coverage::io_detail(&e)))?;
    println!("private key: {shown_private} (mode 0600; keep it secret)");
    println!("public key:  {shown_public} (give it to whoever verifies the records)");
    println!("public key sha256 {}", key_sha256(&verifying));
    Ok(exit::CLEAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> SigningKey {
        SigningKey::from_bytes(&[n; 32])
    }

    /// A record shaped like an evidence record, with no floats.
    fn record() -> Value {
        json!({
            "version": 1,
            "tool": {"name": "pan-scan", "version": "0.1.0"},
            "run": {"host": "db01", "user": "auditor", "started": "2025-01-02T03:04:05Z"},
            "findings": [
                {"path": "/srv/カード.txt", "line": 3, "kind": "pan", "brand": "visa",
                 "masked": "411111******1111", "confidence": "high"},
                {"path": "/srv/a \"quoted\"\\name\u{1}\t.csv", "line": 9, "kind": "masked-pan",
                 "masked": "550000******0004", "confidence": "medium"}
            ],
            "skipped": [],
            "summary": {"verdict": "card-data-found", "exit_code": 1, "findings": 2,
                        "bytes_scanned": 123456789012_u64, "by_kind": {"pan": 1, "masked-pan": 1}}
        })
    }

    fn sealed(key: Option<&SigningKey>) -> Value {
        let mut r = record();
        seal(&mut r, key);
        r
    }

    fn bytes(v: &Value) -> Vec<u8> {
        serde_json::to_vec_pretty(v).unwrap()
    }

    #[test]
    fn canonical_sorts_members_and_drops_only_the_top_integrity() {
        let v = json!({"b": 1, "a": {"z": [true, null], "integrity": "kept", "Z": "x"},
                       "integrity": {"sha256": "x"}, "é": "ä"});
        assert_eq!(
            String::from_utf8(canonical(&v)).unwrap(),
            r#"{"a":{"Z":"x","integrity":"kept","z":[true,null]},"b":1,"é":"ä"}"#
        );
    }

    #[test]
    fn canonical_escapes_del_like_jq() {
        let v = json!({"s": "a\u{7f}b\u{7f}", "t": "\u{8}\u{c}\n\r\t\u{1f}\"\\/"});
        assert_eq!(
            String::from_utf8(canonical(&v)).unwrap(),
            r#"{"s":"a\u007fb\u007f","t":"\b\f\n\r\t\u001f\"\\/"}"#
        );
        // And it still parses back to the same value.
        assert_eq!(serde_json::from_slice::<Value>(&canonical(&v)).unwrap(), v);
    }

    #[test]
    fn seal_writes_the_documented_shape() {
        let k = key(7);
        let r = sealed(Some(&k));
        let i = &r["integrity"];
        assert_eq!(i["algorithm"], "sha256");
        assert_eq!(i["canonical_form"], CANONICAL_FORM);
        assert_eq!(i["sha256"], sha256_hex(&canonical(&r)));
        let s = &i["signature"];
        assert_eq!(s["algorithm"], "ed25519");
        assert!(s["public_key"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN PUBLIC KEY-----\n"));
        assert_eq!(s["public_key_sha256"], key_sha256(&k.verifying_key()));
        assert_eq!(
            BASE64.decode(s["value"].as_str().unwrap()).unwrap().len(),
            64
        );
        assert_eq!(i.as_object().unwrap().len(), 4);
        assert_eq!(s.as_object().unwrap().len(), 4);

        let u = sealed(None);
        assert!(u["integrity"].get("signature").is_none());
        assert_eq!(u["integrity"]["sha256"], i["sha256"]);
    }

    #[test]
    fn float_path_names_the_first_float() {
        assert_eq!(float_path(&record(), &mut String::new()), None);
        let v = json!({"a": [1, {"b": 2.5}], "c": -3});
        assert_eq!(
            float_path(&v, &mut String::new()).as_deref(),
            Some(r#"["a"][1]["b"]"#)
        );
        assert_eq!(
            float_path(&json!(0.0), &mut String::new()).as_deref(),
            Some(".")
        );
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "floating-point number at [\"summary\"][\"throughput_mib_s\"]")]
    fn sealing_a_float_panics_in_debug_builds() {
        let mut r = record();
        r["summary"]["throughput_mib_s"] = json!(100.0);
        seal(&mut r, None);
    }

    #[test]
    fn round_trip_without_key() {
        let got = check(&bytes(&sealed(None)), None).unwrap();
        assert_eq!(got.signer, Signer::Unsigned);
        assert!(got.to_string().contains("proves no origin"), "{got}");
    }

    #[test]
    fn round_trip_with_key() {
        let k = key(1);
        let r = bytes(&sealed(Some(&k)));
        let got = check(&r, Some(&k.verifying_key())).unwrap();
        assert_eq!(
            got.signer,
            Signer::Trusted {
                key_sha256: key_sha256(&k.verifying_key())
            }
        );
        // Without a trusted key the signature is only checked for consistency.
        let got = check(&r, None).unwrap();
        assert!(matches!(got.signer, Signer::Embedded { .. }));
        assert!(got.to_string().contains("proves no"), "{got}");
    }

    #[test]
    fn sealing_again_replaces_the_integrity_member() {
        let k = key(1);
        let mut r = sealed(None);
        seal(&mut r, Some(&k));
        check(&bytes(&r), Some(&k.verifying_key())).unwrap();
    }

    /// Reverses the member order of every object (with serde_json's sorted
    /// map that is impossible, so write the JSON text by hand).
    fn reversed_text(v: &Value) -> String {
        match v {
            Value::Object(m) => {
                let parts: Vec<String> = m
                    .iter()
                    .rev()
                    .map(|(k, v)| {
                        format!("\n  {} :\t{}", Value::from(k.as_str()), reversed_text(v))
                    })
                    .collect();
                format!("{{{}\n}}", parts.join(" ,"))
            }
            Value::Array(a) => {
                let parts: Vec<String> = a.iter().map(reversed_text).collect();
                format!("[ {} ]", parts.join(" , "))
            }
            other => other.to_string(),
        }
    }

    #[test]
    fn reformatting_keeps_the_record_valid() {
        let k = key(2);
        let r = sealed(Some(&k));
        let compact = serde_json::to_vec(&r).unwrap();
        let pretty = serde_json::to_vec_pretty(&r).unwrap();
        let reordered = reversed_text(&r);
        assert_ne!(reordered.as_bytes(), &pretty[..]);
        assert!(reordered.find("\"version\"").unwrap() < reordered.find("\"findings\"").unwrap());
        for b in [&compact[..], &pretty[..], reordered.as_bytes()] {
            check(b, Some(&k.verifying_key())).unwrap();
        }
    }

    fn digest_fails(r: &Value, key: Option<&SigningKey>) {
        let got = check(&bytes(r), key.map(|k| k.verifying_key()).as_ref());
        assert!(
            matches!(got, Err(Invalid::DigestMismatch { .. })),
            "{got:?}"
        );
        assert_eq!(got.unwrap_err().exit_code(), 1);
    }

    #[test]
    fn tampering_is_detected() {
        let k = key(3);
        for signed in [None, Some(&k)] {
            let r = sealed(signed);
            let mut t = r.clone();
            t["findings"][0]["masked"] = json!("411111******1112");
            digest_fails(&t, signed);
            let mut t = r.clone();
            t["summary"]["verdict"] = json!("clean");
            digest_fails(&t, signed);
            let mut t = r.clone();
            t["summary"]["by_kind"]["pan"] = json!(0);
            digest_fails(&t, signed);
            let mut t = r.clone();
            t["findings"].as_array_mut().unwrap().remove(0);
            digest_fails(&t, signed);
            let mut t = r.clone();
            t["findings"][1]
                .as_object_mut()
                .unwrap()
                .remove("confidence");
            digest_fails(&t, signed);
            let mut t = r.clone();
            t["note"] = json!("added");
            digest_fails(&t, signed);
            let mut t = r.clone();
            t["findings"][0]["extra"] = json!(null);
            digest_fails(&t, signed);
            let mut t = r.clone();
            let a = t["findings"].as_array_mut().unwrap();
            a.swap(0, 1);
            digest_fails(&t, signed);
        }
    }

    #[test]
    fn a_recomputed_digest_is_caught_by_the_signature() {
        let k = key(4);
        let mut t = sealed(Some(&k));
        t["summary"]["verdict"] = json!("clean");
        let digest = sha256_hex(&canonical(&t));
        t["integrity"]["sha256"] = json!(digest);
        assert_eq!(
            check(&bytes(&t), Some(&k.verifying_key())),
            Err(Invalid::BadSignature)
        );
        assert_eq!(check(&bytes(&t), None), Err(Invalid::BadSignature));
        // Unsigned, the forgery passes: that is what the message warns of.
        let mut u = sealed(None);
        u["summary"]["verdict"] = json!("clean");
        u["integrity"]["sha256"] = json!(sha256_hex(&canonical(&u)));
        assert_eq!(check(&bytes(&u), None).unwrap().signer, Signer::Unsigned);
    }

    #[test]
    fn another_keys_signature_fails() {
        let (k, other) = (key(5), key(6));
        let r = sealed(Some(&k));
        let o = sealed(Some(&other));
        // Whole signature member from another key: the wrong signer.
        let mut t = r.clone();
        t["integrity"]["signature"] = o["integrity"]["signature"].clone();
        let got = check(&bytes(&t), Some(&k.verifying_key()));
        assert_eq!(
            got,
            Err(Invalid::WrongKey {
                signer: key_sha256(&other.verifying_key()),
                expected: key_sha256(&k.verifying_key())
            })
        );
        assert!(got.unwrap_err().to_string().contains("another key"));
        // The other key's signature value under our key: does not verify.
        let mut t = r.clone();
        t["integrity"]["signature"]["value"] = o["integrity"]["signature"]["value"].clone();
        assert_eq!(
            check(&bytes(&t), Some(&k.verifying_key())),
            Err(Invalid::BadSignature)
        );
        // A genuine record of the other key checked against ours.
        assert!(matches!(
            check(&bytes(&o), Some(&k.verifying_key())),
            Err(Invalid::WrongKey { .. })
        ));
    }

    #[test]
    fn a_corrupted_signature_fails() {
        let k = key(8);
        let r = sealed(Some(&k));
        let mut sig = BASE64
            .decode(r["integrity"]["signature"]["value"].as_str().unwrap())
            .unwrap();
        for i in [0, 31, 32, 63] {
            sig[i] ^= 1;
            let mut t = r.clone();
            t["integrity"]["signature"]["value"] = json!(BASE64.encode(&sig));
            let got = check(&bytes(&t), Some(&k.verifying_key()));
            assert!(
                matches!(got, Err(Invalid::BadSignature) | Err(Invalid::Malformed(_))),
                "byte {i}: {got:?}"
            );
            assert_eq!(got.unwrap_err().exit_code(), 1);
            sig[i] ^= 1;
        }
        let mut t = r.clone();
        t["integrity"]["signature"]["value"] = json!("not base64!");
        assert!(matches!(
            check(&bytes(&t), Some(&k.verifying_key())),
            Err(Invalid::Malformed(_))
        ));
    }

    #[test]
    fn a_missing_signature_fails_when_a_key_is_given() {
        let k = key(9);
        assert_eq!(
            check(&bytes(&sealed(None)), Some(&k.verifying_key())),
            Err(Invalid::Unsigned)
        );
        let mut t = sealed(Some(&k));
        t["integrity"].as_object_mut().unwrap().remove("signature");
        assert_eq!(
            check(&bytes(&t), Some(&k.verifying_key())),
            Err(Invalid::Unsigned)
        );
    }

    #[test]
    fn an_inconsistent_embedded_key_is_malformed() {
        let k = key(10);
        let mut t = sealed(Some(&k));
        t["integrity"]["signature"]["public_key_sha256"] = json!("00".repeat(32));
        assert!(matches!(
            check(&bytes(&t), None),
            Err(Invalid::Malformed(m)) if m.contains("public_key_sha256")
        ));
    }

    #[test]
    fn what_is_not_a_sealed_record_exits_2() {
        for (input, want) in [
            (&b"not json"[..], "not JSON"),
            (b"[1,2]", "not a JSON object"),
            (b"{\"a\":1}", "no \"integrity\""),
            (b"", "not JSON"),
        ] {
            let e = check(input, None).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{input:?}");
            assert!(e.to_string().contains(want), "{e}");
        }
        let e = check(
            b"{\"integrity\":{\"algorithm\":\"md5\",\"sha256\":\"\"}}",
            None,
        )
        .unwrap_err();
        assert!(matches!(e, Invalid::Malformed(_)));
        assert_eq!(e.exit_code(), 1);
    }

    #[test]
    fn a_duplicate_member_is_rejected() {
        let r = sealed(None);
        let text = String::from_utf8(bytes(&r)).unwrap();
        // A second verdict before the real one: a reader taking the first
        // value sees "clean", serde_json and jq take the last.
        let forged = text.replacen(
            "\"summary\": {",
            "\"summary\": {\n\"verdict\": \"clean\",",
            1,
        );
        assert_ne!(forged, text);
        let e = check(forged.as_bytes(), None).unwrap_err();
        assert!(
            matches!(&e, Invalid::DuplicateMember(m) if m.contains("verdict")),
            "{e:?}"
        );
        assert_eq!(e.exit_code(), 1);
    }

    #[test]
    fn key_mode_warning_only_for_readable_keys() {
        assert!(key_mode_warning("k", 0o100600).is_none());
        assert!(key_mode_warning("k", 0o100400).is_none());
        assert!(key_mode_warning("k", 0o100640).unwrap().contains("0640"));
        assert!(key_mode_warning("k", 0o100604).is_some());
    }

    #[test]
    fn key_files_round_trip_and_errors_are_clear() {
        let d = tempfile::tempdir().unwrap();
        let k = key(11);
        let sk = d.path().join("k");
        let pk = d.path().join("k.pub");
        std::fs::write(&sk, private_key_pem(&k).as_bytes()).unwrap();
        std::fs::write(&pk, public_key_pem(&k.verifying_key())).unwrap();
        assert_eq!(load_signing_key(&sk).unwrap().to_bytes(), k.to_bytes());
        assert_eq!(load_verifying_key(&pk).unwrap(), k.verifying_key());

        let e = load_signing_key(&pk).unwrap_err().to_string();
        assert!(e.contains("is a public key"), "{e}");
        let e = load_verifying_key(&sk).unwrap_err().to_string();
        assert!(e.contains("is a private key"), "{e}");
        let junk = d.path().join("junk");
        std::fs::write(&junk, "hello").unwrap();
        let e = load_signing_key(&junk).unwrap_err().to_string();
        assert!(
            e.contains("not an Ed25519 private key in PKCS#8 PEM"),
            "{e}"
        );
        assert!(e.contains("pan-scan keygen"), "{e}");
        let e = load_verifying_key(&junk).unwrap_err().to_string();
        assert!(e.contains("not an Ed25519 public key in SPKI PEM"), "{e}");
        let e = load_signing_key(&d.path().join("4111111111111111"))
            .unwrap_err()
            .to_string();
        assert!(!e.contains("4111111111111111"), "{e}");
        assert!(e.contains("No such file"), "{e}");
    }

    // --- Interoperability with stock tools ---------------------------------

    fn tool(name: &str) -> Option<PathBuf> {
        let found = std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join(name))
                .find(|p| p.is_file())
        });
        if found.is_none() {
            eprintln!("skipped: `{name}` is not on PATH");
        }
        found
    }

    fn run(cmd: &mut std::process::Command) -> std::process::Output {
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{cmd:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    #[test]
    fn canonical_equals_jq() {
        let Some(jq) = tool("jq") else { return };
        let d = tempfile::tempdir().unwrap();
        let mut r = record();
        r["strings"] = json!({
            "japanese": "/srv/共有/カード.txt",
            "controls": "\u{0}\u{1}\u{8}\t\n\u{b}\u{c}\r\u{1b}\u{1f}\u{7f}\u{80}\u{85}\u{9f}",
            "quotes": "say \"hi\" \\ back\\slash / slash",
            "unicode": "é ä ß 😀 \u{2028}\u{2029}\u{feff}\u{fffd}",
            "\u{7f}del key": 1,
        });
        r["keys"] = json!({"b": 1, "a": 2, "B": 3, "é": 4, "ä": 5, "z": 6, "カ": 7, "😀": 8, "": 9,
                           "a\u{0}": 10, "aa": 11});
        r["numbers"] = json!([0, -1, 9007199254740991_u64, -9007199254740991_i64, 1000000]);
        r["nested"] = json!([[], {}, [{"y": null, "x": [false, true]}], ""]);
        seal(&mut r, Some(&key(12)));
        let file = d.path().join("report.json");
        std::fs::write(&file, bytes(&r)).unwrap();
        let out = run(std::process::Command::new(jq)
            .args(["-cS", "del(.integrity)"])
            .arg(&file));
        let jq_bytes: Vec<u8> = out.stdout.into_iter().filter(|&b| b != b'\n').collect();
        let ours = canonical(&r);
        assert_eq!(
            String::from_utf8_lossy(&jq_bytes),
            String::from_utf8_lossy(&ours)
        );
        assert_eq!(jq_bytes, ours);
        assert_eq!(sha256_hex(&jq_bytes), r["integrity"]["sha256"]);
    }

    fn openssl_key(openssl: &Path, dir: &Path) -> (PathBuf, PathBuf) {
        let sk = dir.join("ossl.key");
        let pk = dir.join("ossl.pub");
        run(std::process::Command::new(openssl)
            .args(["genpkey", "-algorithm", "ed25519", "-out"])
            .arg(&sk));
        run(std::process::Command::new(openssl)
            .args(["pkey", "-pubout", "-in"])
            .arg(&sk)
            .arg("-out")
            .arg(&pk));
        (sk, pk)
    }

    fn openssl_verify(openssl: &Path, pk: &Path, data: &Path, sig: &Path) -> bool {
        std::process::Command::new(openssl)
            .args(["pkeyutl", "-verify", "-pubin", "-rawin", "-inkey"])
            .arg(pk)
            .arg("-in")
            .arg(data)
            .arg("-sigfile")
            .arg(sig)
            .output()
            .unwrap()
            .status
            .success()
    }

    #[test]
    fn openssl_verifies_our_signature() {
        let Some(openssl) = tool("openssl") else {
            return;
        };
        let d = tempfile::tempdir().unwrap();
        let (sk, pk) = openssl_key(&openssl, d.path());
        let key = load_signing_key(&sk).unwrap();
        let r = sealed(Some(&key));
        let sig = &r["integrity"]["signature"];
        // The embedded key is byte for byte what openssl writes.
        assert_eq!(sig["public_key"], std::fs::read_to_string(&pk).unwrap());
        // And its fingerprint is what the module documentation says.
        let der = run(std::process::Command::new(&openssl)
            .args(["pkey", "-pubin", "-outform", "DER", "-in"])
            .arg(&pk))
        .stdout;
        assert_eq!(sig["public_key_sha256"], sha256_hex(&der[der.len() - 32..]));

        let data = d.path().join("canonical.json");
        let sigfile = d.path().join("sig.bin");
        std::fs::write(&data, canonical(&r)).unwrap();
        std::fs::write(
            &sigfile,
            BASE64.decode(sig["value"].as_str().unwrap()).unwrap(),
        )
        .unwrap();
        assert!(openssl_verify(&openssl, &pk, &data, &sigfile));
        // openssl does reject a changed record.
        let mut t = r.clone();
        t["summary"]["verdict"] = json!("clean");
        std::fs::write(&data, canonical(&t)).unwrap();
        assert!(!openssl_verify(&openssl, &pk, &data, &sigfile));
    }

    #[test]
    fn openssl_reads_our_private_key() {
        let Some(openssl) = tool("openssl") else {
            return;
        };
        let d = tempfile::tempdir().unwrap();
        let k = key(13);
        let sk = d.path().join("k");
        std::fs::write(&sk, private_key_pem(&k).as_bytes()).unwrap();
        let out = run(std::process::Command::new(&openssl)
            .args(["pkey", "-pubout", "-in"])
            .arg(&sk));
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            public_key_pem(&k.verifying_key())
        );
        // The same v1 form as openssl's own keys.
        let (osk, _) = openssl_key(&openssl, d.path());
        let theirs = std::fs::read_to_string(&osk).unwrap();
        assert_eq!(
            private_key_pem(&load_signing_key(&osk).unwrap()).as_str(),
            theirs
        );
    }

    #[test]
    fn we_verify_an_openssl_signature() {
        let Some(openssl) = tool("openssl") else {
            return;
        };
        let d = tempfile::tempdir().unwrap();
        let (sk, pk) = openssl_key(&openssl, d.path());
        let data = d.path().join("canonical.json");
        let sigfile = d.path().join("sig.bin");
        let mut r = sealed(None);
        std::fs::write(&data, canonical(&r)).unwrap();
        run(std::process::Command::new(&openssl)
            .args(["pkeyutl", "-sign", "-rawin", "-inkey"])
            .arg(&sk)
            .arg("-in")
            .arg(&data)
            .arg("-out")
            .arg(&sigfile));
        let sig = std::fs::read(&sigfile).unwrap();
        assert_eq!(sig.len(), 64);
        let trusted = load_verifying_key(&pk).unwrap();
        r["integrity"]["signature"] = json!({
            "algorithm": "ed25519",
            "public_key": std::fs::read_to_string(&pk).unwrap(),
            "public_key_sha256": key_sha256(&trusted),
            "value": BASE64.encode(&sig),
        });
        let got = check(&bytes(&r), Some(&trusted)).unwrap();
        assert!(matches!(got.signer, Signer::Trusted { .. }));
        // Ed25519 is deterministic: our signature is the same bytes.
        let ours = sealed(Some(&load_signing_key(&sk).unwrap()));
        assert_eq!(ours["integrity"]["signature"]["value"], BASE64.encode(&sig));
        // A changed record fails with openssl's signature too.
        r["findings"][0]["masked"] = json!("411111******1112");
        r["integrity"]["sha256"] = json!(sha256_hex(&canonical(&r)));
        assert_eq!(
            check(&bytes(&r), Some(&trusted)),
            Err(Invalid::BadSignature)
        );
    }
}
