//! The CSV view (`--format csv`, `--report x.csv`): the ROC "storage of
//! account data" inventory, parsed back with the `csv` crate and checked
//! row by row against the evidence record of the same run; RFC 4180
//! quoting and formula-injection guards on attacker-chosen names.

use std::io::Write;
use std::process::Stdio;

use serde_json::Value;

use crate::util::{bin, contains_pan, Tree};

const LIVE: &str = "4539578763621486"; // Luhn-valid Visa, not a published test PAN
const LIVE2: &str = "5457623890123454"; // Luhn-valid Mastercard, not a test PAN

const HEADER: &str = "Data store,File name / table / field,Account data elements stored,\
How data is stored,How access to the data store is logged,Findings,Test PANs only,Finding ids";

/// Runs `--format csv` in `dir` on `root` with the evidence record beside;
/// returns the exit code, the raw CSV and the record.
fn csv_and_record(dir: &std::path::Path, root: &str) -> (i32, Vec<u8>, Value) {
    let rec = dir.join("evidence.json");
    let out = bin()
        .args(["--format", "csv", "--no-progress", "--json"])
        .arg(&rec)
        .arg(root)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let record: Value = serde_json::from_slice(&std::fs::read(&rec).unwrap()).unwrap();
    (out.status.code().unwrap(), out.stdout, record)
}

fn parse(raw: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = ::csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(raw);
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect()
}

#[test]
fn csv_rows_are_the_records_data_stores() {
    let t = Tree::new();
    t.file(
        "scan/db/shop.sql",
        format!(
            "CREATE TABLE cards (id int primary key, card_number varchar(20), cvv varchar(4));\n\
             INSERT INTO cards VALUES (1,'{LIVE}','123'),(2,'{LIVE2}','456');\n"
        ),
    );
    t.file(
        "scan/logs/app.log",
        format!("order 17 card {LIVE} ok\norder 18 card {LIVE2} ok\n"),
    );
    t.file("scan/www/receipt.txt", "card 453957******1486\n");
    let (code, raw, record) = csv_and_record(t.path(), "scan");
    assert_eq!(code, 1);
    for pan in [LIVE, LIVE2] {
        assert!(!contains_pan(&raw, pan));
    }
    let text = String::from_utf8(raw.clone()).unwrap();
    assert!(
        text.starts_with(&format!("{HEADER}\r\n")),
        "the header, exactly, and CRLF line ends: {text}"
    );
    let (header, rows) = parse(&raw);
    assert_eq!(header.join(","), HEADER);

    // Row by row, the record's inventory.
    let stores = record["summary"]["data_stores"].as_array().unwrap();
    assert_eq!(rows.len(), stores.len());
    for (row, d) in rows.iter().zip(stores) {
        assert_eq!(row[0], d["data_store"].as_str().unwrap());
        assert_eq!(row[1], d["object"].as_str().unwrap());
        assert_eq!(row[2], strings(&d["elements"]).join("; "));
        assert_eq!(row[3], strings(&d["storage"]).join("; "));
        assert_eq!(row[4], "", "access logging is the entity's to fill in");
        assert_eq!(row[5], d["findings"].to_string());
        assert_eq!(row[7], strings(&d["finding_ids"]).join("; "));
    }

    // And what that inventory is for this tree.
    let find = |store: &str, object: &str| {
        rows.iter()
            .find(|r| r[0] == store && r[1] == object)
            .unwrap_or_else(|| panic!("row {store} {object}: {rows:#?}"))
    };
    let card = find("scan/db/shop.sql", "cards.card_number");
    assert_eq!(card[2], "PAN");
    assert_eq!(card[3], "cleartext");
    assert_eq!(card[5], "2");
    assert_eq!(card[6], "no");
    assert_eq!(card[7].split("; ").count(), 2);
    let cvv = find("scan/db/shop.sql", "cards.cvv");
    assert_eq!(
        cvv[2],
        "card verification code; sensitive authentication data field"
    );
    assert_eq!(cvv[3], "cleartext; field only");
    assert_eq!(cvv[5], "3", "two values and the field");
    let log = find("scan/logs/app.log", "");
    assert_eq!((log[2].as_str(), log[5].as_str()), ("PAN", "2"));
    let masked = find("scan/www/receipt.txt", "");
    assert_eq!(masked[2], "masked PAN");
    assert_eq!(masked[3], "masked");
    assert_eq!(masked[6], "n/a", "no PAN there to be a test PAN");
    assert_eq!(rows.len(), 4);
}

#[test]
fn names_that_spreadsheets_would_run_are_defused_and_quoted() {
    let t = Tree::new();
    // A root and a member whose names are formulas, and a name that needs
    // RFC 4180 quoting.
    t.file("=HYPERLINK(1)/a,\"b\".log", format!("card {LIVE}\n"));
    let zip = {
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default();
        for name in ["@SUM(1+1).txt", "-2+3.txt", "+cmd.txt"] {
            z.start_file(name, opts).unwrap();
            z.write_all(format!("card {LIVE2}\n").as_bytes()).unwrap();
        }
        z.finish().unwrap().into_inner()
    };
    t.file("=HYPERLINK(1)/m.zip", &zip);
    let (code, raw, record) = csv_and_record(t.path(), "=HYPERLINK(1)");
    assert_eq!(code, 1);
    let (_, rows) = parse(&raw);
    assert_eq!(rows.len(), 4, "{rows:#?}");
    let stores = record["summary"]["data_stores"].as_array().unwrap();
    for (row, d) in rows.iter().zip(stores) {
        for (cell, field) in [(&row[0], "data_store"), (&row[1], "object")] {
            let v = d[field].as_str().unwrap();
            if v.starts_with(['=', '+', '-', '@']) {
                assert_eq!(*cell, format!("'{v}"));
            } else {
                assert_eq!(cell, v);
            }
        }
    }
    let cells: Vec<&str> = rows
        .iter()
        .flat_map(|r| r.iter().map(String::as_str))
        .collect();
    assert!(cells.contains(&"'=HYPERLINK(1)/a,\"b\".log"), "{cells:?}");
    for m in ["'@SUM(1+1).txt", "'-2+3.txt", "'+cmd.txt"] {
        assert!(cells.contains(&m), "{m} in {cells:?}");
    }
    for c in &cells {
        assert!(!c.starts_with(['=', '+', '-', '@', '\t', '\r']), "{c:?}");
    }
    // The raw text quotes the cell with a comma and quotes in it.
    let text = String::from_utf8(raw).unwrap();
    assert!(
        text.contains("\"'=HYPERLINK(1)/a,\"\"b\"\".log\""),
        "{text}"
    );
}

#[test]
fn a_csv_report_file_matches_standard_output_and_a_clean_run_has_the_header_only() {
    let t = Tree::new();
    t.file("s/a.log", format!("card {LIVE}\n"));
    let out = t.path().join("inventory.csv");
    let o = bin()
        .args(["--no-progress", "--format", "csv", "--report"])
        .arg(&out)
        .arg(t.path().join("s"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(std::fs::read(&out).unwrap(), o.stdout);
    assert_eq!(parse(&o.stdout).1.len(), 1);

    let clean = t.file("c/a.txt", "nothing here\n");
    let o = bin()
        .args(["--no-progress", "--format", "csv"])
        .arg(clean)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(o.stdout).unwrap(),
        format!("{HEADER}\r\n")
    );
}
