//! The command line on the real binary: exit codes, formats, stdin, the
//! default path, determinism, quiet mode, fingerprint keys, limits.

use std::io::Write;
use std::process::Stdio;

use crate::util::{bin, jsonl, of_type, run, run_in, summary, Tree};

pub const VISA: &str = "4532015112830366";
pub const MC: &str = "5425398259791907";
pub const AMEX: &str = "373982597919073";
pub const DISCOVER19: &str = "6011398259791907481";

fn s(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn help_documents_examples_and_exit_codes() {
    let out = run(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for want in [
        "Examples:",
        "pan-scan /var/www",
        "Exit codes:",
        "3  nothing found",
        "--exclude",
    ] {
        assert!(text.contains(want), "--help mentions {want:?}");
    }
    let out = run(&["--version"]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("pan-scan "));
}

#[test]
fn exit_codes() {
    let t = Tree::new();
    t.file("clean.txt", "nothing here 2024-05-01 12345\n");
    assert_eq!(run(&[s(t.path())]).status.code(), Some(0), "clean");
    t.file("masked.txt", "card 453201******0366\n");
    t.file("test.txt", "use 4111111111111111 in staging\n");
    assert_eq!(
        run(&[s(t.path())]).status.code(),
        Some(0),
        "masked and test PANs are not card data"
    );
    t.file("data.csv", format!("id,card\n1,{VISA}\n"));
    assert_eq!(run(&[s(t.path())]).status.code(), Some(1), "card data");
    assert_eq!(
        run(&["--no-such-flag"]).status.code(),
        Some(2),
        "usage error"
    );
    let missing = t.path().join("missing");
    let out = run(&[s(&missing)]);
    assert_eq!(out.status.code(), Some(2), "missing root");
    assert!(String::from_utf8_lossy(&out.stderr).contains("No such file"));
    assert_eq!(run(&["--threads", "0", s(t.path())]).status.code(), Some(2));
}

#[test]
fn exit_3_when_a_file_cannot_be_read() {
    let t = Tree::new();
    t.file("ok.txt", "fine\n");
    let secret = t.file("secret.txt", format!("{VISA}\n"));
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::set_permissions(t.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    // SAFETY: geteuid has no preconditions.
    let is_root = unsafe { libc::geteuid() } == 0;
    let out = if is_root {
        // Root reads anything: drop to nobody for this run.
        let ok = std::process::Command::new("setpriv")
            .arg("--version")
            .output()
            .is_ok();
        if !ok {
            eprintln!("skipped: running as root without setpriv");
            return;
        }
        std::process::Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(env!("CARGO_BIN_EXE_pan-scan"))
            .args(["--format", "jsonl", s(t.path())])
            .stdin(Stdio::null())
            .output()
            .unwrap()
    } else {
        bin()
            .args(["--format", "jsonl", s(t.path())])
            .output()
            .unwrap()
    };
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let recs: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let skipped = of_type(&recs, "skipped");
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0]["reason"], "permission_denied");
    assert!(skipped[0]["path"].as_str().unwrap().ends_with("secret.txt"));
    assert_eq!(summary(&recs)["verdict"], "incomplete");
    assert_eq!(summary(&recs)["files_scanned"], 1);
}

#[test]
fn default_path_is_the_current_directory() {
    let t = Tree::new();
    t.file("a/b.txt", format!("card {VISA}\n"));
    let out = run_in(t.path(), &["--format", "jsonl"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("\"path\":\"./a/b.txt\""), "{text}");
}

#[test]
fn stdin_is_scanned() {
    let mut child = bin()
        .args(["--format", "jsonl", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input
        .write_all(format!("line one\nline two card={VISA}\n").as_bytes())
        .unwrap();
    drop(input);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let f: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(f["path"], "-");
    assert_eq!(f["line"], 2);
    assert_eq!(f["column"], 15);
}

#[test]
fn jsonl_records_have_every_documented_field() {
    let t = Tree::new();
    t.file(
        "x.log",
        format!("pay card={VISA} exp=12/27\nmasked 453201******0366\n"),
    );
    let (code, recs) = jsonl(&[s(t.path())]);
    assert_eq!(code, 1);
    let f = of_type(&recs, "finding");
    assert_eq!(f.len(), 2);
    for key in [
        "kind",
        "brand",
        "masked",
        "first6",
        "last4",
        "length",
        "fingerprint",
        "path",
        "line",
        "column",
        "offset",
        "test_pan",
        "confidence",
        "reasons",
        "encoding",
    ] {
        assert!(f[0].get(key).is_some(), "finding has {key}");
    }
    assert_eq!(f[0]["kind"], "pan");
    assert_eq!(f[0]["brand"], "VISA");
    assert_eq!(f[0]["masked"], "453201******0366");
    assert_eq!(
        (f[0]["first6"].as_str(), f[0]["last4"].as_str()),
        (Some("453201"), Some("0366"))
    );
    assert_eq!(f[0]["length"], 16);
    assert_eq!(f[0]["offset"], 9);
    assert_eq!(f[0]["confidence"], "high");
    assert_eq!(f[0]["fingerprint"].as_str().unwrap().len(), 64);
    assert_eq!(f[1]["kind"], "masked_pan");
    assert_eq!(f[1]["compliant"], true);
    assert_eq!(f[1]["fingerprint"], serde_json::Value::Null);
    let sm = summary(&recs);
    assert_eq!(sm["verdict"], "card-data-found");
    assert_eq!(sm["exit_code"], 1);
    assert_eq!(sm["by_kind"]["pan"], 1);
    assert_eq!(sm["by_kind"]["masked_pan"], 1);
    assert_eq!(sm["fingerprint_key"], "random-per-run");
    assert_eq!(sm["rules_sha256"].as_str().unwrap().len(), 64);
}

#[test]
fn findings_are_in_a_deterministic_order() {
    let t = Tree::new();
    for i in 0..40 {
        t.file(
            &format!("d{}/f{i}.txt", i % 5),
            format!("{i}\ncard {VISA}\nx {MC}\n"),
        );
    }
    let strip = |args: &[&str]| {
        let (_, recs) = jsonl(args);
        of_type(&recs, "finding")
            .iter()
            .map(|f| f.to_string())
            .collect::<Vec<_>>()
    };
    let key = "PAN_SCAN_KEY";
    std::env::set_var(key, "a-fixed-key-for-the-test");
    let a = strip(&["-j", "2", s(t.path())]);
    let b = strip(&["-j", "1", s(t.path())]);
    std::env::remove_var(key);
    assert_eq!(a.len(), 80);
    let paths: Vec<String> = a
        .iter()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["path"].to_string())
        .collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
    // Fingerprints are random per run without a key, so compare masked.
    let masked = |v: &Vec<String>| {
        v.iter()
            .map(|l| {
                let j: serde_json::Value = serde_json::from_str(l).unwrap();
                (
                    j["path"].to_string(),
                    j["offset"].to_string(),
                    j["masked"].to_string(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(masked(&a), masked(&b));
}

#[test]
fn fingerprints_follow_the_key() {
    let t = Tree::new();
    t.file("a.txt", format!("{VISA} {MC}\n"));
    let fps = |key: Option<&str>, file: Option<&std::path::Path>| {
        let mut c = bin();
        c.args(["--format", "jsonl"]);
        if let Some(f) = file {
            c.arg("--key-file").arg(f);
        }
        if let Some(k) = key {
            c.env("PAN_SCAN_KEY", k);
        }
        let out = c.arg(t.path()).output().unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.contains("\"finding\""))
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["fingerprint"].to_string()
            })
            .collect::<Vec<_>>()
    };
    let k1 = fps(Some("0123456789abcdef-one"), None);
    assert_eq!(
        k1,
        fps(Some("0123456789abcdef-one"), None),
        "stable under one key"
    );
    assert_ne!(k1, fps(Some("0123456789abcdef-two"), None));
    assert_ne!(fps(None, None), fps(None, None), "random per run");
    assert_ne!(k1[0], k1[1]);
    let kf = t.file("../key", "0123456789abcdef-one\n");
    assert_eq!(
        fps(None, Some(&kf)),
        k1,
        "key file equals the same key in the environment"
    );
    let short = t.file("../short", "abc");
    let out = bin()
        .arg("--key-file")
        .arg(&short)
        .arg(t.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn human_format_and_quiet() {
    let t = Tree::new();
    t.file("clean.txt", "nothing\n");
    let out = run(&[s(t.path())]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("scanned    1 file, 8 B in "), "{text}");
    assert!(text.contains("verdict    CLEAN"), "{text}");
    let out = run(&["-q", s(t.path())]);
    assert!(
        out.stdout.is_empty() && out.stderr.is_empty(),
        "quiet and clean: silent"
    );
    let p = t.file("cards.txt", format!("card: {AMEX}\n"));
    let out = run(&[s(t.path())]);
    let text = String::from_utf8_lossy(&out.stdout);
    let want = format!("{}:1:7: AMEX 373982*****9073 [pan, high]", p.display());
    assert!(text.contains(&want), "{text}");
    assert!(text.contains("verdict    CARD DATA FOUND (exit 1)"));
    assert!(text.contains("brands     AMEX 1"));
    let out = run(&["-q", s(t.path())]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&want));
    assert!(
        text.trim_end()
            .ends_with("pan-scan: card-data-found (exit 1)"),
        "{text}"
    );
}

#[test]
fn findings_per_file_limit_counts_the_rest() {
    let t = Tree::new();
    t.file("many.txt", format!("card {VISA}\n").repeat(30));
    let (code, recs) = jsonl(&["--max-findings-per-file", "10", s(t.path())]);
    assert_eq!(code, 1);
    assert_eq!(of_type(&recs, "finding").len(), 10);
    let sm = summary(&recs);
    assert_eq!(sm["findings"], 30);
    assert_eq!(sm["findings_omitted"], 20);
    assert_eq!(sm["card_data_findings"], 30);
}

/// SIGINT or SIGTERM mid-scan: what was read is reported, the file being
/// read is listed as interrupted, and the exit code is 130 / 143. The scan
/// reads a FIFO that the test feeds, so the signal lands while a read is
/// pending; the data written after it fills the buffer being read, which is
/// scanned, and nothing after that is read.
#[test]
fn a_signal_mid_scan_still_writes_an_interrupted_report() {
    use std::io::Write;
    for (sig, code) in [(libc::SIGINT, 130), (libc::SIGTERM, 143)] {
        let t = Tree::new();
        let fifo = t.path().join("feed");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let report = t.path().join("evidence.json");
        let child = bin()
            .args(["--no-progress", "--format", "jsonl", "--json"])
            .arg(&report)
            .arg(&fifo)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Opening for writing waits for pan-scan to open the FIFO.
        let mut w = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
        w.write_all(b"card 4539578763621486\n").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(300));
        assert_eq!(unsafe { libc::kill(child.id() as i32, sig) }, 0);
        std::thread::sleep(std::time::Duration::from_millis(300));
        // More data completes the pending buffer; pan-scan then stops
        // reading (the write fails with a broken pipe once it has gone).
        let _ = w.write_all(&vec![b'x'; 1 << 20]);
        drop(w);
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(code), "signal {sig}");
        let text = String::from_utf8(out.stdout).unwrap();
        let recs: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let sum = recs.last().unwrap();
        assert_eq!(sum["type"], "summary");
        assert_eq!(sum["interrupted"], true);
        assert_eq!(sum["exit_code"], code);
        assert!(
            recs.iter()
                .any(|r| r["type"] == "finding" && r["last4"] == "1486"),
            "the number read before the signal is reported: {text}"
        );
        assert!(
            recs.iter()
                .any(|r| r["type"] == "skipped" && r["reason"] == "interrupted"),
            "{text}"
        );
        // The evidence record is written too, and says so.
        let ev: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
        assert_eq!(ev["run"]["interrupted"], true);
        assert_eq!(ev["coverage"]["complete"], false);
    }
}

#[test]
fn verbose_lists_every_file_and_every_gap() {
    let t = Tree::new();
    t.file("a.log", format!("card {VISA}\n"));
    t.file("b.txt", "nothing\n");
    std::os::unix::fs::symlink("/nonexistent", t.path().join("link")).unwrap();
    let out = run(&["--verbose", t.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    let line = |name: &str| {
        err.lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("{name} in {err}"))
            .to_string()
    };
    assert!(
        line("a.log").ends_with("scanned 22 bytes, 1 finding"),
        "{err}"
    );
    assert!(
        line("b.txt").ends_with("scanned 8 bytes, 0 findings"),
        "{err}"
    );
    assert!(line("link").contains("symlink not followed"), "{err}");
    // Without --verbose, stderr stays empty.
    let out = run(&[t.path().to_str().unwrap()]);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
