//! CSV view of the evidence record: the ROC "storage of account data"
//! inventory (ROC §4.3), one row per entry of the record's
//! `summary.data_stores` (a data store and the file, member, table, field
//! or JSON path inside it), ready to paste into the assessor's table.
//!
//! Columns ([`HEADER`]): the data store (the file on disk), the object
//! inside it, the account data elements stored and how they are stored
//! (each list joined with `; `), how access to the data store is logged
//! (left empty: the entity fills it in), the number of findings, whether
//! every PAN there is a published test PAN (`yes`, `no`, or `n/a` for a
//! row that holds no PAN, track data or verification code: masked PANs and
//! field names only), and the finding ids that back the row.
//!
//! RFC 4180: fields quoted when needed by the `csv` crate, CRLF line ends.
//! Paths and field names come from the scanned data, so a cell that a
//! spreadsheet would read as a formula (one that begins with `=`, `+`,
//! `-`, `@`, a tab or a carriage return) is prefixed with `'`.

use std::io::{self, Write};

use serde_json::Value;

use super::Report;

/// The header row, exactly.
pub const HEADER: [&str; 8] = [
    "Data store",
    "File name / table / field",
    "Account data elements stored",
    "How data is stored",
    "How access to the data store is logged",
    "Findings",
    "Test PANs only",
    "Finding ids",
];

/// A cell a spreadsheet will not evaluate: `'` before a leading `=`, `+`,
/// `-`, `@`, tab or carriage return.
pub fn defuse(cell: &str) -> String {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// One inventory row of the record as CSV cells.
pub fn row(d: &Value) -> [String; 8] {
    let elements = strings(&d["elements"]);
    let holds_card_data = elements
        .iter()
        .any(|e| matches!(*e, "PAN" | "track data" | "card verification code"));
    let test_only = match (holds_card_data, d["test_pans_only"].as_bool()) {
        (false, _) => "n/a",
        (true, Some(true)) => "yes",
        (true, _) => "no",
    };
    [
        defuse(d["data_store"].as_str().unwrap_or("")),
        defuse(d["object"].as_str().unwrap_or("")),
        defuse(&elements.join("; ")),
        defuse(&strings(&d["storage"]).join("; ")),
        String::new(),
        d["findings"].as_u64().unwrap_or(0).to_string(),
        test_only.to_string(),
        defuse(&strings(&d["finding_ids"]).join("; ")),
    ]
}

pub fn write(r: &Report, w: &mut dyn Write) -> io::Result<()> {
    let mut out = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(w);
    out.write_record(HEADER)?;
    if let Some(rows) = r.record["summary"]["data_stores"].as_array() {
        for d in rows {
            out.write_record(row(d))?;
        }
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_defused() {
        for bad in ["=1+1", "+cmd", "-2", "@SUM(A1)", "\tx", "\rx"] {
            let d = defuse(bad);
            assert!(d.starts_with('\''), "{bad:?} -> {d:?}");
            assert_eq!(&d[1..], bad);
        }
        for ok in ["www/a.log", "a=b", "", "'quoted", " =x"] {
            assert_eq!(defuse(ok), ok);
        }
    }

    #[test]
    fn rows_join_lists_and_say_when_test_pans_do_not_apply() {
        let d = serde_json::json!({
            "data_store": "db/shop.sql", "object": "cards.card_number",
            "elements": ["PAN", "track data"], "storage": ["cleartext"],
            "findings": 3, "test_pans_only": false,
            "finding_ids": ["F0000000000000001-1", "F0000000000000002-1"]
        });
        let r = row(&d);
        assert_eq!(r[2], "PAN; track data");
        assert_eq!(r[4], "");
        assert_eq!(r[5], "3");
        assert_eq!(r[6], "no");
        assert_eq!(r[7], "F0000000000000001-1; F0000000000000002-1");
        let m = serde_json::json!({
            "data_store": "-x", "object": "", "elements": ["masked PAN"],
            "storage": ["masked"], "findings": 1, "test_pans_only": true, "finding_ids": []
        });
        let r = row(&m);
        assert_eq!(r[0], "'-x");
        assert_eq!(r[6], "n/a");
    }
}
