//! The evidence record (`--format json`, `--json FILE`, `--report FILE`):
//! its schema, its sections on a tree with every kind of finding and an
//! unreadable member, stable finding ids, and report files.

use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;

use serde_json::Value;

use crate::util::{bin, run, Tree};

pub const LIVE: &str = "4539578763621486"; // Luhn-valid Visa, not a published test PAN
pub const LIVE2: &str = "5457623890123454"; // Luhn-valid Mastercard, not a test PAN

fn schema() -> jsonschema::Validator {
    let s: Value =
        serde_json::from_str(include_str!("../schema/evidence.schema.json")).expect("schema");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&s)
        .expect("the schema compiles")
}

/// Runs with `--format json` and parses the record.
fn record(args: &[&str], env: &[(&str, &str)]) -> (i32, Value) {
    let mut c = bin();
    c.args(["--format", "json", "--no-progress"]).args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.stdin(Stdio::null()).output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is one JSON document: {e}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap(), v)
}

fn assert_valid(v: &Value) {
    let errors: Vec<String> = schema()
        .iter_errors(v)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "schema errors: {errors:#?}");
}

fn status<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["pci_dss"]["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("requirement {id}"))
}

/// A tree with a live PAN, track 2, a dump with a CVV column, a masked PAN
/// that shows too much, a test PAN, and a corrupt gzip.
pub fn tree() -> Tree {
    let t = Tree::new();
    t.file("www/logs/app.log", format!("order 17 card {LIVE} ok\n"));
    t.file(
        "www/logs/pos.log",
        format!(";{LIVE}=27121010000000000000?\n"),
    );
    t.file(
        "db/shop.sql",
        format!(
            "CREATE TABLE cards (id int primary key, card_number varchar(20), cvv varchar(4));\n\
             INSERT INTO cards VALUES (1,'{LIVE}','123'),(2,'{LIVE2}','456');\n"
        ),
    );
    t.file("www/receipt.txt", "card 453957****621486\n");
    t.file("docs/test.txt", "test card 4111111111111111\n");
    t.file(
        "old/broken.gz",
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage-not-deflate",
    );
    t
}

#[test]
fn the_record_validates_and_holds_every_section() {
    let t = tree();
    let (code, v) = record(&[t.path().to_str().unwrap()], &[]);
    assert_eq!(code, 1, "card data found");
    assert_valid(&v);
    assert_eq!(v["record_type"], "pan-scan-evidence");
    assert_eq!(v["verdict"], "card-data-found");
    assert_eq!(v["exit_code"], 1);

    // The run: who, where, when, how.
    let run = &v["run"];
    assert_eq!(run["tool_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(run["host"]["uid"], unsafe { libc::getuid() });
    assert!(run["command_line"].as_array().unwrap().len() >= 4);
    assert_eq!(run["fingerprint_key"]["source"], "random-per-run");
    assert_eq!(run["fingerprint_key"]["stable_across_runs"], false);
    assert!(run["started_at"].as_str().unwrap() <= run["ended_at"].as_str().unwrap());
    assert_eq!(
        run["configuration"]["outputs"][0]["format"], "json",
        "the effective configuration names the outputs"
    );

    // Coverage: the corrupt gzip is listed; the verdict stays card-data-found.
    let cov = &v["coverage"];
    assert_eq!(cov["complete"], false);
    // Five files read; the gzip's stream failed (listed below).
    assert_eq!(cov["files_seen"], 6);
    assert_eq!(cov["files_scanned"], 5);
    let entries = cov["entries"].as_array().unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e["path"].as_str().unwrap().contains("old/broken.gz")
                && e["reason"] == "corrupt"),
        "{entries:#?}"
    );
    assert_eq!(cov["by_reason"]["corrupt"], 1);

    // Findings carry ids; the summary's inventory and SAD point at them.
    let findings = v["findings"].as_array().unwrap();
    let ids: Vec<&str> = findings.iter().map(|f| f["id"].as_str().unwrap()).collect();
    let mut uniq = ids.clone();
    uniq.sort();
    uniq.dedup();
    assert_eq!(uniq.len(), ids.len(), "ids are unique");
    let s = &v["summary"];
    let stores = s["data_stores"].as_array().unwrap();
    let row = stores
        .iter()
        .find(|r| r["object"] == "cards.card_number")
        .expect("inventory row for the dump's card column");
    assert!(row["data_store"].as_str().unwrap().ends_with("db/shop.sql"));
    assert_eq!(row["elements"], serde_json::json!(["PAN"]));
    assert_eq!(row["storage"], serde_json::json!(["cleartext"]));
    for id in row["finding_ids"].as_array().unwrap() {
        assert!(ids.contains(&id.as_str().unwrap()));
    }
    let sad = &s["sensitive_authentication_data"];
    assert_eq!(sad["found"], true);
    let sad_kinds: Vec<&str> = sad["locations"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|l| {
            l["kinds"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k.as_str().unwrap())
        })
        .collect();
    for k in ["track2", "cvv", "sad_field"] {
        assert!(sad_kinds.contains(&k), "{k} in {sad_kinds:?}");
    }
    assert!(s["top_directories"][0]["card_data"].as_u64().unwrap() >= 1);

    // The requirement map.
    for (id, want) in [
        ("3.3.1.1", "issue-found"),
        ("3.3.1.2", "issue-found"),
        ("3.3.1.3", "no-issue-found"),
        ("3.4.1", "issue-found"),
        ("3.5.1", "issue-found"),
        ("6.5.6", "issue-found"),
        ("3.5.1.1", "not-assessed"),
        ("A3.2.5", "issue-found"),
    ] {
        let r = status(&v, id);
        assert_eq!(r["status"], want, "{id}: {r}");
        assert_eq!(r["coverage_complete"], false);
        if want == "issue-found" {
            assert!(!r["finding_ids"].as_array().unwrap().is_empty());
        }
    }
    // The track finding is behind 3.3.1.1.
    let track_id = findings
        .iter()
        .find(|f| f["kind"] == "track2")
        .map(|f| f["id"].clone())
        .unwrap();
    assert!(status(&v, "3.3.1.1")["finding_ids"]
        .as_array()
        .unwrap()
        .contains(&track_id));
}

#[test]
fn a_clean_tree_is_clean_in_the_record() {
    let t = Tree::new();
    t.file("a.txt", "nothing here 2024-05-01 id 12345\n");
    let (code, v) = record(&[t.path().to_str().unwrap()], &[]);
    assert_eq!(code, 0);
    assert_valid(&v);
    assert_eq!(v["verdict"], "clean");
    assert_eq!(v["coverage"]["complete"], true);
    assert_eq!(
        v["summary"]["sensitive_authentication_data"]["found"],
        false
    );
    for r in v["pci_dss"]["requirements"].as_array().unwrap() {
        assert_ne!(r["status"], "issue-found", "{r}");
        assert_eq!(r["coverage_complete"], true);
    }
    // The schema is strict: a wrong verdict, a missing section or an
    // unknown member fail it.
    let mut bad = v.clone();
    bad["verdict"] = "probably-fine".into();
    assert!(!schema().is_valid(&bad));
    let mut bad = v.clone();
    bad.as_object_mut().unwrap().remove("coverage");
    assert!(!schema().is_valid(&bad));
    let mut bad = v.clone();
    bad["run"]["extra"] = 1.into();
    assert!(!schema().is_valid(&bad));
}

#[test]
fn finding_ids_are_stable_under_a_key_and_not_across_random_keys() {
    let t = Tree::new();
    t.file("a.log", format!("card {LIVE}\n"));
    let p = t.path().to_str().unwrap();
    let key = [("PAN_SCAN_KEY", "0123456789abcdef0123")];
    let id = |v: &Value| v["findings"][0]["id"].as_str().unwrap().to_string();
    let (_, a) = record(&[p], &key);
    // Lines added above the finding keep its id.
    t.file("a.log", format!("one\ntwo\nthree\ncard {LIVE}\n"));
    let (_, b) = record(&[p], &key);
    assert_eq!(b["findings"][0]["line"], 4);
    assert_eq!(id(&a), id(&b));
    assert_eq!(a["run"]["fingerprint_key"]["stable_across_runs"], true);
    assert_eq!(
        a["run"]["fingerprint_key"]["key_id"],
        b["run"]["fingerprint_key"]["key_id"]
    );
    let (_, c) = record(&[p], &[]);
    assert_ne!(id(&a), id(&c));
    assert_ne!(
        a["run"]["fingerprint_key"]["key_id"],
        c["run"]["fingerprint_key"]["key_id"]
    );
    assert_ne!(a["run"]["scan_id"], b["run"]["scan_id"]);
}

#[test]
fn report_files_are_written_0600_in_their_formats() {
    let t = Tree::new();
    t.file("s/a.log", format!("card {LIVE}\n"));
    let out = t.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let p = |n: &str| out.join(n).to_str().unwrap().to_string();
    let o = run(&[
        "--no-progress",
        "--json",
        &p("evidence.json"),
        "--report",
        &p("summary.txt"),
        "--report",
        &format!("jsonl={}", p("findings.dat")),
        t.path().join("s").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    // Standard output keeps the human format.
    assert!(String::from_utf8_lossy(&o.stdout).contains("453957******1486"));
    for n in ["evidence.json", "summary.txt", "findings.dat"] {
        let mode = std::fs::metadata(p(n)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{n}");
    }
    let ev: Value = serde_json::from_slice(&std::fs::read(p("evidence.json")).unwrap()).unwrap();
    assert_valid(&ev);
    assert_eq!(ev["summary"]["findings"], 1);
    let txt = std::fs::read_to_string(p("summary.txt")).unwrap();
    assert!(txt.contains("verdict"), "{txt}");
    let jl = std::fs::read_to_string(p("findings.dat")).unwrap();
    assert!(jl.lines().last().unwrap().contains("\"type\":\"summary\""));
    // No temporary file is left beside them.
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 3);
}

#[test]
fn a_report_that_cannot_be_written_is_an_error() {
    let t = Tree::new();
    t.file("a.txt", "nothing\n");
    let o = run(&[
        "--no-progress",
        "--json",
        t.path().join("no/such/dir/e.json").to_str().unwrap(),
        t.path().join("a.txt").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("writing") && err.contains("e.json"), "{err}");
    let o = run(&["--report", "report.xyz", "."]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("extension"));
}

#[test]
fn a_signed_record_verifies_and_an_edited_one_does_not() {
    let t = tree();
    let keys = t.path().join("keys");
    std::fs::create_dir(&keys).unwrap();
    let key = keys.join("sign");
    let o = run(&["keygen", "--out", key.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let ev = keys.join("evidence.json");
    let o = run(&[
        "--no-progress",
        "--json",
        ev.to_str().unwrap(),
        "--sign-key",
        key.to_str().unwrap(),
        t.path().join("www").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&std::fs::read(&ev).unwrap()).unwrap();
    assert_valid(&v);
    assert_eq!(v["integrity"]["signature"]["algorithm"], "ed25519");
    let pubkey = format!("{}.pub", key.to_str().unwrap());
    let verify = |p: &std::path::Path| {
        run(&["verify", p.to_str().unwrap(), "--pubkey", &pubkey])
            .status
            .code()
    };
    assert_eq!(verify(&ev), Some(0));
    // An auditor's copy with the verdict changed to clean fails.
    let text = std::fs::read_to_string(&ev).unwrap();
    let edited = text.replace("\"verdict\": \"card-data-found\"", "\"verdict\": \"clean\"");
    assert_ne!(edited, text);
    let bad = keys.join("edited.json");
    std::fs::write(&bad, edited).unwrap();
    assert_eq!(verify(&bad), Some(1));
    // An edited record is refused as a baseline too.
    let o = bin()
        .env("PAN_SCAN_KEY", "0123456789abcdef")
        .args(["--no-progress", "--baseline", bad.to_str().unwrap()])
        .arg(t.path().join("www"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("baseline"));
    // A bad signing key stops the run before it scans.
    let o = run(&["--sign-key", pubkey.as_str(), t.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
}
