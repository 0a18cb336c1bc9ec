//! `pan-scan selftest` (PCI DSS A3.2.5.1), through the real binary: every
//! format planted is found, the JSON record says so with masked numbers
//! only, `--json FILE` is private, `--dir` keeps the files, the temporary
//! directory does not outlive the run, and errors exit 2.

use std::os::unix::fs::PermissionsExt;
use std::process::{Output, Stdio};

use crate::util::{bin, contains_pan, full_pan_runs, Tree};

/// Every format the self-test must cover.
const FORMATS: [&str; 40] = [
    "text",
    "log_grouped_spaces",
    "log_grouped_dashes",
    "track1",
    "track2",
    "masked_pan",
    "utf16le_bom",
    "utf16be",
    "full_width_utf8",
    "shift_jis",
    "gzip",
    "bzip2",
    "xz",
    "zstd",
    "lz4",
    "git_object",
    "tar",
    "tar_gz",
    "zip",
    "zip_in_tar_gz",
    "docx",
    "xlsx",
    "xls",
    "xls_protected",
    "pptx",
    "odt",
    "ods",
    "pdf",
    "eml_attachment",
    "mbox",
    "mysqldump",
    "pg_dump_copy",
    "pg_dump_custom",
    "pg_dump_tar",
    "sparse_file",
    "redis_snapshot",
    "csv",
    "json",
    "json_lines",
    "sqlite",
];

fn selftest(args: &[&str]) -> Output {
    bin()
        .arg("selftest")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// No published test PAN in any written form, and no other run of 13-19
/// digits that passes Luhn, in what the self-test printed.
fn assert_no_full_pan(what: &str, out: &[u8]) {
    // The checker itself sees a number, and not a digest's digits.
    assert_eq!(full_pan_runs(b"x:4111111111111111,"), 1);
    assert_eq!(full_pan_runs(b"ab4111111111111111cd 411111******1111"), 0);
    let text = String::from_utf8_lossy(include_bytes!("../rules/test_pans.csv")).into_owned();
    let mut checked = 0;
    for line in text.lines().skip(1) {
        let pan = line.split(',').next().unwrap();
        assert!(!contains_pan(out, pan), "{what}: a test PAN in full");
        checked += 1;
    }
    assert!(checked >= 100);
    assert_eq!(
        full_pan_runs(out),
        0,
        "{what}: a Luhn-valid 13-19 digit run"
    );
}

#[test]
fn selftest_finds_every_format() {
    let out = selftest(&[]);
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    for f in FORMATS {
        let row = stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(f))
            .unwrap_or_else(|| panic!("no row for {f}:\n{stdout}"));
        let cols: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(cols.len(), 5, "{row}");
        assert_eq!(cols[4], "pass", "{row}");
        assert_eq!(cols[2], cols[3], "planted == found: {row}");
        assert!(cols[2].parse::<u32>().unwrap() >= 1, "{row}");
    }
    assert!(!stdout.contains("missed "), "{stdout}");
    assert!(stdout.contains("PCI DSS A3.2.5.1"), "{stdout}");
    assert!(stdout.contains("0 missed"), "{stdout}");
    assert!(stdout
        .lines()
        .any(|l| l.starts_with("result") && l.contains("PASS")));
    assert!(!stdout.contains("FAIL"));
    assert_no_full_pan("human stdout", &out.stdout);
    assert_no_full_pan("human stderr", &out.stderr);
}

#[test]
fn selftest_json_record() {
    let out = selftest(&["--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let rec: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rec["type"], "pan-scan-selftest");
    assert_eq!(rec["schema_version"], 1);
    assert_eq!(rec["requirement"], "A3.2.5.1");
    assert_eq!(rec["result"], "pass");
    let run = &rec["run"];
    assert_eq!(run["test_id"].as_str().unwrap().len(), 32);
    assert_eq!(run["tool_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(run["rules_sha256"].as_str().unwrap().len(), 64);
    assert!(run["rules_version"].is_string());
    assert!(run["host"]["hostname"].is_string() && run["host"]["uid"].is_u64());
    let (start, end) = (
        run["started_at"].as_str().unwrap(),
        run["ended_at"].as_str().unwrap(),
    );
    assert!(start.ends_with('Z') && end.ends_with('Z') && start <= end);
    let formats = rec["formats"].as_array().unwrap();
    let names: Vec<&str> = formats
        .iter()
        .map(|f| f["format"].as_str().unwrap())
        .collect();
    for f in FORMATS {
        assert!(names.contains(&f), "{f} missing from the record");
    }
    let mut planted = 0;
    for f in formats {
        assert_eq!(f["planted"], f["found"], "{f}");
        assert_eq!(f["result"], "pass", "{f}");
        assert!(f["missed"].as_array().unwrap().is_empty(), "{f}");
        assert!(f["file"].is_string());
        planted += f["planted"].as_u64().unwrap();
    }
    assert_eq!(rec["planted"], planted);
    assert!(planted >= 30, "{planted}");
    assert_eq!(rec["found"], planted);
    assert_eq!(rec["missed"], 0);
    assert_eq!(rec["unexpected"], 0);
    assert_no_full_pan("json stdout", &out.stdout);
    assert_no_full_pan("json stderr", &out.stderr);
}

#[test]
fn selftest_json_file_is_written_private() {
    let t = Tree::new();
    let path = t.path().join("selftest.json");
    let out = selftest(&["--json", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    // The table still goes to stdout.
    assert!(String::from_utf8_lossy(&out.stdout).contains("PASS"));
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let bytes = std::fs::read(&path).unwrap();
    let rec: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(rec["type"], "pan-scan-selftest");
    assert_eq!(rec["result"], "pass");
    assert!(rec["formats"].as_array().unwrap().len() >= FORMATS.len());
    assert_no_full_pan("json file", &bytes);
    // Nothing but the record in its directory (no temporary left).
    assert_eq!(std::fs::read_dir(t.path()).unwrap().count(), 1);
    // A directory that does not exist: an error, exit 2.
    let out = selftest(&["--json", t.path().join("no/such/r.json").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn selftest_dir_keeps_the_planted_files() {
    let t = Tree::new();
    let dir = t.path().join("planted");
    let out = selftest(&["--dir", dir.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let rec: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for f in rec["formats"].as_array().unwrap() {
        let file = dir.join(f["file"].as_str().unwrap());
        assert!(file.is_file(), "{} was not kept", file.display());
    }
    let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700);
    // The kept files are what a plain scan finds too.
    let scan = bin()
        .args(["--format", "jsonl", "--no-progress"])
        .arg(&dir)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let findings = String::from_utf8(scan.stdout)
        .unwrap()
        .lines()
        .filter(|l| l.contains("\"type\":\"finding\""))
        .count() as u64;
    assert!(findings >= rec["planted"].as_u64().unwrap(), "{findings}");
    // Not again into the same, now full, directory: exit 2, nothing changed.
    let before = std::fs::read_dir(&dir).unwrap().count();
    let out = selftest(&["--dir", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not empty"));
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), before);
    // A directory that cannot be created: exit 2.
    let out = selftest(&["--dir", t.path().join("no/such/dir").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn selftest_leaves_no_temporary_directory() {
    let tmp = Tree::new();
    let out = bin()
        .arg("selftest")
        .env("TMPDIR", tmp.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("(temporary, removed)"), "{stdout}");
    assert!(
        stdout.contains(tmp.path().to_str().unwrap()),
        "planted under TMPDIR: {stdout}"
    );
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}
