//! `pan-scan keygen` and `pan-scan verify` driven through the real binary,
//! on records sealed with the library.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use pan_scan::report::integrity::{load_signing_key, seal};
use serde_json::json;

use crate::util::{self, Tree};

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs `keygen --out PREFIX`; returns the printed key fingerprint.
fn keygen(prefix: &Path) -> String {
    let out = util::run(&["keygen", "--out", s(prefix)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out)
        .lines()
        .find_map(|l| l.strip_prefix("public key sha256 "))
        .expect("keygen prints the key's sha256")
        .to_string()
}

fn pub_path(prefix: &Path) -> PathBuf {
    PathBuf::from(format!("{}.pub", prefix.display()))
}

/// A small record in the shape of an evidence record.
fn record() -> serde_json::Value {
    json!({
        "version": 1,
        "findings": [
            {"path": "/srv/カード.txt", "line": 3, "kind": "pan",
             "masked": "411111******1111", "confidence": "high"}
        ],
        "summary": {"verdict": "card-data-found", "exit_code": 1, "findings": 1}
    })
}

/// Writes `record()` sealed with the key at `prefix` (or unsigned).
fn sealed_file(t: &Tree, name: &str, prefix: Option<&Path>) -> PathBuf {
    let key = prefix.map(|p| load_signing_key(p).unwrap());
    let mut r = record();
    seal(&mut r, key.as_ref());
    t.file(name, serde_json::to_vec_pretty(&r).unwrap())
}

fn verify(report: &Path, pubkey: Option<&Path>) -> Output {
    let mut args = vec!["verify", s(report)];
    if let Some(p) = pubkey {
        args.extend(["--pubkey", s(p)]);
    }
    util::run(&args)
}

#[test]
fn keygen_writes_a_private_0600_and_a_public_key() {
    let t = Tree::new();
    let prefix = t.path().join("signer");
    let fp = keygen(&prefix);
    assert_eq!(fp.len(), 64);
    assert!(fp.bytes().all(|b| b.is_ascii_hexdigit()), "{fp}");
    let private = std::fs::read_to_string(&prefix).unwrap();
    let public = std::fs::read_to_string(pub_path(&prefix)).unwrap();
    // (No message: a failure must not print the private key.)
    assert!(private.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    assert!(
        public.starts_with("-----BEGIN PUBLIC KEY-----\n"),
        "{public}"
    );
    assert_eq!(mode(&prefix), 0o600);
    assert_eq!(mode(&pub_path(&prefix)), 0o644);
    // The printed fingerprint is the key's, as the sealed record names it.
    let mut r = record();
    seal(&mut r, Some(&load_signing_key(&prefix).unwrap()));
    assert_eq!(r["integrity"]["signature"]["public_key_sha256"], fp);
    assert_eq!(r["integrity"]["signature"]["public_key"], public);
    // No temporary left behind.
    assert_eq!(std::fs::read_dir(t.path()).unwrap().count(), 2);
}

#[test]
fn keygen_refuses_to_overwrite_without_force() {
    let t = Tree::new();
    let prefix = t.path().join("signer");
    keygen(&prefix);
    let before = std::fs::read(&prefix).unwrap();
    let out = util::run(&["keygen", "--out", s(&prefix)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&prefix).unwrap(), before);

    // Only the .pub exists: still refused, and no private key written.
    let other = t.path().join("other");
    t.file("other.pub", "mine");
    let out = util::run(&["keygen", "--out", s(&other)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!other.exists());
    assert_eq!(std::fs::read(pub_path(&other)).unwrap(), b"mine");

    let out = util::run(&["keygen", "--out", s(&prefix), "--force"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_ne!(std::fs::read(&prefix).unwrap(), before);
    assert_eq!(mode(&prefix), 0o600);
}

#[test]
fn verify_accepts_a_signed_record() {
    let t = Tree::new();
    let prefix = t.path().join("signer");
    let fp = keygen(&prefix);
    let report = sealed_file(&t, "report.json", Some(&prefix));
    let out = verify(&report, Some(&pub_path(&prefix)));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!("OK: digest matches; signature valid (key sha256 {fp})\n")
    );
    // Without --pubkey: valid, but the output says it proves no origin.
    let out = verify(&report, None);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).starts_with("OK: "), "{}", stdout(&out));
    assert!(stdout(&out).contains("proves no"), "{}", stdout(&out));
}

#[test]
fn verify_an_unsigned_record_says_the_digest_proves_no_origin() {
    let t = Tree::new();
    let report = sealed_file(&t, "report.json", None);
    let out = verify(&report, None);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains("a digest alone proves no origin"),
        "{}",
        stdout(&out)
    );
    // With --pubkey a signature is required.
    let prefix = t.path().join("signer");
    keygen(&prefix);
    let out = verify(&report, Some(&pub_path(&prefix)));
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).starts_with("FAILED: "), "{}", stdout(&out));
    assert!(stdout(&out).contains("not signed"), "{}", stdout(&out));
}

#[test]
fn verify_rejects_a_record_edited_by_one_byte() {
    let t = Tree::new();
    let prefix = t.path().join("signer");
    keygen(&prefix);
    let report = sealed_file(&t, "report.json", Some(&prefix));
    let mut bytes = std::fs::read(&report).unwrap();
    let needle = b"411111******1111";
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("the masked number is in the file");
    bytes[at + needle.len() - 1] = b'2';
    std::fs::write(&report, &bytes).unwrap();
    for key in [Some(pub_path(&prefix)), None] {
        let out = verify(&report, key.as_deref());
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(
            stdout(&out).starts_with("FAILED: digest mismatch"),
            "{}",
            stdout(&out)
        );
    }
}

#[test]
fn verify_rejects_another_keys_record() {
    let t = Tree::new();
    let (mine, theirs) = (t.path().join("mine"), t.path().join("theirs"));
    keygen(&mine);
    keygen(&theirs);
    let report = sealed_file(&t, "report.json", Some(&theirs));
    let out = verify(&report, Some(&pub_path(&mine)));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).starts_with("FAILED: signed by another key"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn verify_reads_standard_input() {
    let t = Tree::new();
    let report = sealed_file(&t, "report.json", None);
    let mut child = util::bin()
        .args(["verify", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&std::fs::read(&report).unwrap())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("OK: "));
}

#[test]
fn verify_exits_2_on_what_is_not_a_sealed_record() {
    let t = Tree::new();
    let not_json = t.file("notes.txt", "card data? none here\n");
    let out = verify(&not_json, None);
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).is_empty());
    assert!(stderr(&out).contains("not JSON"), "{}", stderr(&out));

    let unsealed = t.file("plain.json", r#"{"summary": {"verdict": "clean"}}"#);
    let out = verify(&unsealed, None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no \"integrity\""),
        "{}",
        stderr(&out)
    );

    // A missing file; its PAN-like name is masked in the message.
    let missing = t.path().join("4111111111111111.json");
    let out = verify(&missing, None);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("No such file"), "{}", stderr(&out));
    assert!(!util::contains_pan(&out.stderr, "4111111111111111"));

    // A missing or unusable public key.
    let report = sealed_file(&t, "report.json", None);
    let out = verify(&report, Some(&t.path().join("none.pub")));
    assert_eq!(out.status.code(), Some(2));
    let out = verify(&report, Some(&not_json));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not an Ed25519 public key"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn keygen_keys_work_with_openssl() {
    let openssl = Path::new("/usr/bin/openssl");
    if !openssl.is_file() {
        eprintln!("skipped: no /usr/bin/openssl");
        return;
    }
    let t = Tree::new();
    let prefix = t.path().join("signer");
    keygen(&prefix);
    // OpenSSL before 3.5 reads only PKCS#8 v1 Ed25519 keys.
    let out = std::process::Command::new(openssl)
        .args(["pkey", "-pubout", "-in"])
        .arg(&prefix)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        out.stdout,
        std::fs::read(pub_path(&prefix)).unwrap(),
        "openssl derives the same public key"
    );
}
