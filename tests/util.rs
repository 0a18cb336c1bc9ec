//! Helpers: a temporary tree, running the binary, parsing JSONL, and the
//! detector on a byte string.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use pan_scan::detect::{Detector, Scratch};
use pan_scan::fingerprint::{Fingerprinter, KeySource};
use pan_scan::source::{Located, Reader};

/// A temporary directory with helpers to fill it.
pub struct Tree {
    pub dir: tempfile::TempDir,
}

impl Tree {
    pub fn new() -> Tree {
        Tree {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(&self, rel: &str, data: impl AsRef<[u8]>) -> PathBuf {
        let p = self.dir.path().join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, data).unwrap();
        p
    }
}

/// The binary under test.
pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pan-scan"));
    c.env_remove("PAN_SCAN_KEY");
    c
}

/// Runs the binary with `args`, stdin closed.
pub fn run(args: &[&str]) -> Output {
    bin().args(args).stdin(Stdio::null()).output().unwrap()
}

pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    bin()
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// Runs with `--format jsonl` on `paths` and parses the records.
pub fn jsonl(args: &[&str]) -> (i32, Vec<serde_json::Value>) {
    let mut a = vec!["--format", "jsonl"];
    a.extend_from_slice(args);
    let out = run(&a);
    assert!(out.status.code().is_some(), "killed by a signal");
    let code = out.status.code().unwrap();
    let text = String::from_utf8(out.stdout).expect("stdout is UTF-8");
    let recs = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect();
    (code, recs)
}

pub fn of_type<'a>(recs: &'a [serde_json::Value], t: &str) -> Vec<&'a serde_json::Value> {
    recs.iter().filter(|r| r["type"] == t).collect()
}

pub fn summary(recs: &[serde_json::Value]) -> &serde_json::Value {
    let last = recs.last().expect("records");
    assert_eq!(last["type"], "summary");
    last
}

/// A detector with a fixed key.
pub fn detector() -> Detector {
    Detector::new(Fingerprinter::new(b"integration-test-key", KeySource::Env))
}

/// The detector on a byte string (one buffer or many).
pub fn detect(det: &Detector, data: &[u8]) -> (Vec<Located>, Scratch) {
    let mut s = Scratch::default();
    let got = Reader::default().scan(det, &mut s, data, usize::MAX, None, |_| true);
    (got.hits, s)
}

/// Every way a PAN could be written out: contiguous, grouped by space or
/// dash, in UTF-16LE/BE.
pub fn pan_forms(pan: &str) -> Vec<Vec<u8>> {
    let mut forms = vec![pan.as_bytes().to_vec()];
    // Groups of four (4-4-4-4, 4-4-4-3) and Amex's 4-6-5.
    let fours: Vec<&str> = pan
        .as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let amex = if pan.len() == 15 {
        vec![&pan[..4], &pan[4..10], &pan[10..]]
    } else {
        fours.clone()
    };
    for sep in [" ", "-", "+", "%20", "/", ".", "_", ",", ":"] {
        forms.push(fours.join(sep).into_bytes());
        forms.push(amex.join(sep).into_bytes());
    }
    let le: Vec<u8> = pan.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    let be: Vec<u8> = pan.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
    forms.push(le);
    forms.push(be);
    forms
}

/// Whether `hay` holds `needle` in any of its written-out forms.
pub fn contains_pan(hay: &[u8], pan: &str) -> bool {
    pan_forms(pan)
        .iter()
        .any(|f| hay.windows(f.len()).any(|w| w == f.as_slice()))
}

/// How many runs of 13-19 ASCII digits that pass Luhn `hay` holds: tokens
/// of ASCII letters and digits made of digits only (a digit run inside a
/// hex id or digest is not a number).
pub fn full_pan_runs(hay: &[u8]) -> usize {
    hay.split(|b| !b.is_ascii_alphanumeric())
        .filter(|t| (13..=19).contains(&t.len()) && t.iter().all(u8::is_ascii_digit))
        .filter(|t| pan_scan::pan::luhn_valid(t))
        .count()
}
