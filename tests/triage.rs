//! Repeated runs from cron: the configuration file and its precedence,
//! baselines (new / persisting / resolved, `--fail-on new`), and
//! suppressions with justification and expiry — on the real binary.

use std::process::Stdio;

use serde_json::Value;

use crate::util::{bin, Tree};

const A: &str = "4539578763621486"; // Luhn-valid Visa, not a test PAN
const B: &str = "5457623890123454"; // Luhn-valid Mastercard, not a test PAN
const KEY: &str = "0123456789abcdef-cron-key";

/// Runs with a stable key and `--format json`; returns (exit, record, stderr).
fn run(args: &[&str]) -> (i32, Value, String) {
    let out = bin()
        .env("PAN_SCAN_KEY", KEY)
        .env_remove("PAN_SCAN_CONFIG")
        .args(["--no-progress", "--no-config", "--format", "json"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap(), v, err)
}

fn by_masked<'a>(v: &'a Value, last4: &str) -> &'a Value {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["last4"] == last4)
        .unwrap_or_else(|| panic!("finding …{last4}"))
}

#[test]
fn a_baseline_marks_new_persisting_and_resolved() {
    let t = Tree::new();
    let scan = t.path().join("scan");
    t.file("scan/old.log", format!("card {A}\n"));
    t.file("scan/gone.log", "card 4916338506082832\n");
    let base = t.path().join("base.json");
    let (code, _, err) = run(&["--json", base.to_str().unwrap(), scan.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");

    // The next run: one finding persists, one is new, one is gone.
    std::fs::remove_file(scan.join("gone.log")).unwrap();
    t.file("scan/new.log", format!("card {B}\n"));
    let (code, v, err) = run(&["--baseline", base.to_str().unwrap(), scan.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(by_masked(&v, "1486")["baseline"], "persisting");
    assert_eq!(by_masked(&v, "3454")["baseline"], "new");
    let b = &v["baseline"];
    assert_eq!(
        (b["new"].as_u64(), b["persisting"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(b["resolved_count"], 1);
    assert_eq!(
        b["resolved"][0]["last4"],
        Value::Null,
        "resolved lists masked only"
    );
    assert_eq!(b["resolved"][0]["masked"], "491633******2832");
    assert!(b["resolved"][0]["path"]
        .as_str()
        .unwrap()
        .ends_with("gone.log"));
    assert_eq!(v["summary"]["new_card_data_findings"], 1);

    // --fail-on new: still failing, because of the new one...
    let (code, _, _) = run(&[
        "--baseline",
        base.to_str().unwrap(),
        "--fail-on",
        "new",
        scan.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    // ...and passing once nothing is new, while the verdict still says
    // card data is there.
    std::fs::remove_file(scan.join("new.log")).unwrap();
    let (code, v, _) = run(&[
        "--baseline",
        base.to_str().unwrap(),
        "--fail-on",
        "new",
        scan.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    assert_eq!(v["verdict"], "card-data-found");
    assert_eq!(v["summary"]["fail_on"], "new");
    // The human summary says so.
    let out = bin()
        .env("PAN_SCAN_KEY", KEY)
        .args(["--no-progress", "--no-config", "--baseline"])
        .arg(&base)
        .args(["--fail-on", "new"])
        .arg(&scan)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("0 new, 1 persisting, 1 resolved"), "{text}");
    assert!(text.contains("none new since the baseline"), "{text}");
}

#[test]
fn a_baseline_under_another_key_or_no_key_is_refused() {
    let t = Tree::new();
    t.file("a.log", format!("card {A}\n"));
    let base = t.path().join("base.json");
    let p = t.path().join("a.log");
    run(&["--json", base.to_str().unwrap(), p.to_str().unwrap()]);
    let out = bin()
        .env("PAN_SCAN_KEY", "another-key-of-16-bytes")
        .args(["--no-progress", "--no-config", "--baseline"])
        .arg(&base)
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("another fingerprint key"));
    let out = bin()
        .env_remove("PAN_SCAN_KEY")
        .args(["--no-progress", "--no-config", "--baseline"])
        .arg(&base)
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("PAN_SCAN_KEY"));
    // --fail-on new without a baseline is a usage error.
    let (code, _, err) = run(&["--fail-on", "new", p.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("--baseline"), "{err}");
}

#[test]
fn suppressions_mark_findings_and_expire() {
    let t = Tree::new();
    t.file("scan/vendor/docs/example.txt", format!("card {A}\n"));
    t.file("scan/app.log", format!("card {B}\n"));
    let scan = t.path().join("scan");
    let sup = t.file(
        "suppress.toml",
        r#"
[[suppress]]
path = "**/vendor/docs/**"
justification = "Example numbers in vendor documentation (SEC-142)"
expires = "2999-12-31"

[[suppress]]
path = "**/app.log"
justification = "Was accepted once"
expires = "2001-01-01"
"#,
    );
    let (code, v, err) = run(&[
        "--suppressions",
        sup.to_str().unwrap(),
        scan.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "app.log still counts: its suppression expired");
    assert!(err.contains("expired on 2001-01-01"), "{err}");
    let f = by_masked(&v, "1486");
    assert_eq!(
        f["suppressed"]["justification"],
        "Example numbers in vendor documentation (SEC-142)"
    );
    assert_eq!(f["suppressed"]["expires"], "2999-12-31");
    assert!(by_masked(&v, "3454").get("suppressed").is_none());
    assert_eq!(v["summary"]["suppressed"], 1);
    assert_eq!(v["summary"]["card_data_findings"], 1);
    let rules = v["suppressions"]["rules"].as_array().unwrap();
    assert_eq!(rules[0]["matched"], 1);
    assert_eq!(rules[1]["expired"], true);
    assert_eq!(rules[1]["matched"], 0);
    // The suppressed finding is behind no PCI DSS issue.
    let id = f["id"].clone();
    for r in v["pci_dss"]["requirements"].as_array().unwrap() {
        assert!(!r["finding_ids"].as_array().unwrap().contains(&id), "{r}");
    }

    // With only the suppressed file, the run is clean.
    std::fs::remove_file(scan.join("app.log")).unwrap();
    let (code, v, _) = run(&[
        "--suppressions",
        sup.to_str().unwrap(),
        scan.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    assert_eq!(v["verdict"], "clean");
    assert_eq!(v["findings"].as_array().unwrap().len(), 1, "still listed");

    // A broken suppressions file stops the run before it scans.
    let bad = t.file("bad.toml", "[[suppress]]\npath = \"x\"\n");
    let (code, _, err) = run(&[
        "--suppressions",
        bad.to_str().unwrap(),
        scan.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("justification"), "{err}");
}

#[test]
fn the_configuration_file_applies_under_the_command_line() {
    let t = Tree::new();
    t.file("www/a.log", format!("card {A}\n"));
    t.file("www/cache/b.log", format!("card {B}\n"));
    t.file("www/c.bak", format!("card {B}\n"));
    let www = t.path().join("www");
    let evidence = t.path().join("evidence.json");
    let conf = t.file(
        "pan-scan.toml",
        format!(
            "paths = [{www:?}]\nexclude = [\"cache\"]\nformat = \"jsonl\"\nreport = [{evidence:?}]\nmax-depth = 3\n",
            www = www.to_str().unwrap(),
            evidence = evidence.to_str().unwrap(),
        ),
    );
    let go = |extra: &[&str], env_config: bool| {
        let mut c = bin();
        c.env("PAN_SCAN_KEY", KEY).arg("--no-progress");
        if env_config {
            c.env("PAN_SCAN_CONFIG", &conf);
        } else {
            c.env_remove("PAN_SCAN_CONFIG").arg("--config").arg(&conf);
        }
        c.args(extra).stdin(Stdio::null()).output().unwrap()
    };
    // The file alone: its paths, exclusion, format and report file.
    let out = go(&[], false);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("{\"type\":\"finding\""),
        "jsonl from the file: {text}"
    );
    assert!(!text.contains("cache/b.log"), "excluded by the file");
    let ev: Value = serde_json::from_slice(&std::fs::read(&evidence).unwrap()).unwrap();
    let ex = &ev["scope"]["exclusions"][0];
    assert_eq!(ex["pattern"], "cache");
    assert!(
        ex["source"].as_str().unwrap().starts_with("config:"),
        "{ex}"
    );
    assert_eq!(ev["scope"]["limits"]["max_depth"], 3);
    // The command line wins for the format, adds an exclusion, and
    // replaces the paths.
    let only = www.join("a.log");
    let out = go(
        &["-f", "human", "-e", "*.bak", only.to_str().unwrap()],
        true,
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("verdict"),
        "human from the command line: {text}"
    );
    assert!(text.contains("a.log") && !text.contains("c.bak"), "{text}");
    let ev: Value = serde_json::from_slice(&std::fs::read(&evidence).unwrap()).unwrap();
    let sources: Vec<&str> = ev["scope"]["exclusions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources.len(), 2);
    assert_eq!(sources[1], "command-line");
    // --no-config reads none.
    let out = bin()
        .env("PAN_SCAN_CONFIG", &conf)
        .args(["--no-progress", "--no-config"])
        .arg(&only)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("verdict"));
    // A typo in the file is an error naming it.
    std::fs::write(&conf, "exlude = [\"x\"]\n").unwrap();
    let out = go(&[], false);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("pan-scan.toml") && err.contains("exlude"),
        "{err}"
    );
}
