//! The human format: one line per finding
//! (`path:line:column: VISA 411111******1111 [pan, high]`), the files that
//! could not be read, and a short summary with the verdict. With `--quiet`
//! a clean run prints nothing.

use std::collections::HashSet;
use std::io::{self, Write};

use serde_json::{Map, Value};

use super::{Report, Verdict};
use crate::finding::{BaselineStatus, Finding, Kind};

/// 1234567 → "1,234,567".
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `n` and the noun that goes with it: `1 file`, `2 files`, `1,024 files`.
pub fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// Bytes in binary units.
pub fn bytes(n: u64) -> String {
    const U: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1024.0 && i + 1 < U.len() {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{n} B")
    } else {
        format!("{v:.2} {}", U[i])
    }
}

/// A finding's `location` in words: `customers.card_number row 2 pk 2`,
/// `$.payment.card.number`, `sheet Orders cell B2`, `page 3`; members the
/// list does not know are shown as `name value`. Shared by the human
/// and HTML reports.
pub fn place(loc: Option<&Map<String, Value>>) -> String {
    let Some(l) = loc else {
        return String::new();
    };
    let get = |k: &str| l.get(k).map(text);
    let mut parts = Vec::new();
    let mut used: HashSet<&str> = HashSet::new();
    match (get("table"), get("column")) {
        (Some(t), Some(c)) => parts.push(format!("{t}.{c}")),
        (Some(t), None) => parts.push(format!("table {t}")),
        (None, Some(c)) => parts.push(format!("column {c}")),
        _ => {}
    }
    used.extend(["table", "column", "column_index"]);
    if get("column").is_none() {
        if let Some(i) = get("column_index") {
            parts.push(format!("column {i}"));
        }
    }
    for (key, word) in [
        ("row", "row"),
        ("pk", "pk"),
        ("rowid", "rowid"),
        ("json_path", ""),
        ("sheet", "sheet"),
        ("cell", "cell"),
        ("slide", "slide"),
        ("page", "page"),
        ("paragraph", "paragraph"),
        ("message", "message"),
        ("part", "part"),
        ("content_type", ""),
    ] {
        used.insert(key);
        if let Some(v) = get(key) {
            parts.push(if word.is_empty() {
                v
            } else {
                format!("{word} {v}")
            });
        }
    }
    for (k, v) in l {
        if !used.contains(k.as_str()) {
            parts.push(format!("{k} {}", text(v)));
        }
    }
    parts.join(" ")
}

/// A JSON value as text: strings unquoted, arrays joined with commas.
pub fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(text).collect::<Vec<_>>().join(", "),
        v => v.to_string(),
    }
}

/// A finding's baseline status and suppression, if any.
fn triage(f: &Finding, w: &mut dyn Write) -> io::Result<()> {
    match f.baseline {
        Some(BaselineStatus::New) => write!(w, " NEW")?,
        Some(BaselineStatus::Persisting) => write!(w, " (persisting)")?,
        None => {}
    }
    if let Some(s) = &f.suppressed {
        write!(w, " suppressed: {}", s.justification)?;
        if let Some(d) = &s.expires {
            write!(w, " (until {d})")?;
        }
    }
    Ok(())
}

pub fn write(r: &Report, quiet: bool, w: &mut dyn Write) -> io::Result<()> {
    let s = &r.summary;
    if quiet && s.verdict == Verdict::Clean && s.findings == 0 {
        return Ok(());
    }
    for f in r.findings {
        let place = place(f.location.as_ref());
        match f.kind {
            Kind::SadField => {
                write!(
                    w,
                    "{}:{}: {} named like sensitive authentication data [sad_field]",
                    f.path, f.line, place
                )?;
                triage(f, w)?;
                writeln!(w)?;
                continue;
            }
            Kind::Cvv => {
                write!(
                    w,
                    "{}:{}: CVV {} beside a PAN{} [cvv, {}]",
                    f.path,
                    f.line,
                    f.masked,
                    if place.is_empty() {
                        String::new()
                    } else {
                        format!(" in {place}")
                    },
                    f.confidence.label()
                )?;
                triage(f, w)?;
                writeln!(w)?;
                continue;
            }
            _ => {}
        }
        let brand = f.brand.as_deref().unwrap_or("UNKNOWN");
        write!(
            w,
            "{}:{}:{}: {} {} [{}, {}]",
            f.path,
            f.line,
            f.column,
            brand,
            f.masked,
            f.kind.label(),
            f.confidence.label()
        )?;
        if !place.is_empty() {
            write!(w, " in {place}")?;
        }
        if f.test_pan {
            write!(w, " test PAN")?;
        }
        if f.kind == Kind::MaskedPan {
            match f.compliant {
                Some(true) => write!(w, " masked (compliant)")?,
                _ => write!(
                    w,
                    " masked, shows {} digits (more than BIN + last 4)",
                    f.revealed_digits.unwrap_or(0)
                )?,
            }
        }
        if let Some(t) = &f.track {
            if t.emv_tag57 {
                write!(w, " EMV tag 57")?;
            }
        }
        if f.encoding != "ascii" {
            write!(w, " ({})", f.encoding)?;
        }
        triage(f, w)?;
        writeln!(w)?;
    }
    for k in r.skipped.iter().filter(|k| k.reason.is_error()) {
        write!(
            w,
            "{}: not fully scanned: {} ({})",
            k.path,
            k.reason.describe(),
            k.detail
        )?;
        if let Some(b) = k.bytes_scanned {
            write!(w, " after {}", bytes(b))?;
        }
        writeln!(w)?;
    }
    if quiet {
        return writeln!(w, "pan-scan: {} (exit {})", s.verdict.label(), s.exit_code);
    }
    if !r.findings.is_empty() || r.skipped.iter().any(|k| k.reason.is_error()) {
        writeln!(w)?;
    }
    let secs = s.elapsed_ms as f64 / 1000.0;
    // A run shorter than the clock's millisecond has no rate to show.
    let rate = if s.elapsed_ms > 0 {
        let per_s = u128::from(s.bytes_scanned) * 1000 / u128::from(s.elapsed_ms);
        format!(" ({}/s)", bytes(u64::try_from(per_s).unwrap_or(u64::MAX)))
    } else {
        String::new()
    };
    writeln!(
        w,
        "scanned    {}, {} in {secs:.2} s{rate}",
        counted(s.files_scanned, "file", "files"),
        bytes(s.bytes_scanned),
    )?;
    if s.skipped > 0 {
        let (mut errors, mut scope) = (Vec::new(), Vec::new());
        for (reason, n) in &s.skipped_by_reason {
            let r = r.skipped.iter().find(|k| k.reason.label() == *reason);
            let Some(k) = r else { continue };
            let item = format!("{} {}", k.reason.describe(), thousands(*n));
            if k.reason.is_error() {
                errors.push(item);
            } else {
                scope.push(item);
            }
        }
        let mut parts = Vec::new();
        if !errors.is_empty() {
            parts.push(format!("not readable: {}", errors.join(", ")));
        }
        if !scope.is_empty() {
            parts.push(format!("out of scope: {}", scope.join(", ")));
        }
        writeln!(
            w,
            "skipped    {} ({})",
            thousands(s.skipped),
            parts.join("; ")
        )?;
    }
    let kinds: Vec<String> = s
        .by_kind
        .iter()
        .filter(|(_, &n)| n > 0)
        .map(|(k, n)| format!("{k} {}", thousands(*n)))
        .collect();
    if s.findings == 0 {
        writeln!(w, "findings   none")?;
    } else {
        writeln!(
            w,
            "findings   {} ({})",
            thousands(s.findings),
            kinds.join(", ")
        )?;
        let brands: Vec<String> = s
            .by_brand
            .iter()
            .map(|(b, n)| format!("{b} {}", thousands(*n)))
            .collect();
        if !brands.is_empty() {
            writeln!(w, "brands     {}", brands.join(", "))?;
        }
        let key = match s.fingerprint_key {
            "random-per-run" => {
                "fingerprint key random for this run: set PAN_SCAN_KEY or --key-file to compare runs"
            }
            other => other,
        };
        writeln!(
            w,
            "unique     {} by keyed fingerprint ({key})",
            counted(s.unique_pans, "PAN", "PANs")
        )?;
        if s.test_pan_findings > 0 {
            writeln!(
                w,
                "test PANs  {} (listed, not counted as card data)",
                match s.test_pan_findings {
                    1 => "1 finding is a published test number".to_string(),
                    n => format!("{} findings are published test numbers", thousands(n)),
                }
            )?;
        }
        if s.masked_noncompliant > 0 {
            writeln!(
                w,
                "masking    {} more than BIN + last 4 (PCI DSS 3.4.1)",
                match s.masked_noncompliant {
                    1 => "1 masked PAN shows".to_string(),
                    n => format!("{} masked PANs show", thousands(n)),
                }
            )?;
        }
        if s.suppressed > 0 {
            writeln!(
                w,
                "suppressed {} a suppression (listed, not counted)",
                match s.suppressed {
                    1 => "1 finding matches".to_string(),
                    n => format!("{} findings match", thousands(n)),
                }
            )?;
        }
        if s.findings_omitted > 0 {
            writeln!(
                w,
                "omitted    {} past --max-findings-per-file (counted above, not listed)",
                counted(s.findings_omitted, "finding", "findings")
            )?;
        }
    }
    if let Some(b) = r.record.get("baseline") {
        let n = |k: &str| b[k].as_u64().unwrap_or(0);
        writeln!(
            w,
            "baseline   {} new, {} persisting, {} resolved since {}",
            thousands(n("new")),
            thousands(n("persisting")),
            thousands(n("resolved_count")),
            b["started_at"].as_str().unwrap_or("?")
        )?;
    }
    if s.bytes_in_holes > 0 {
        writeln!(
            w,
            "holes      {} of sparse files' holes (zeros, not stored) passed over, not read",
            bytes(s.bytes_in_holes)
        )?;
    }
    if s.atime_not_preserved > 0 {
        writeln!(
            w,
            "atime      {} files not owned by this user were read without O_NOATIME",
            thousands(s.atime_not_preserved)
        )?;
    }
    let verdict = match s.verdict {
        Verdict::Clean => "CLEAN: no card data found, everything read",
        Verdict::CardDataFound if s.fail_on == "new" && s.new_card_data_findings == Some(0) => {
            "CARD DATA FOUND, none new since the baseline"
        }
        Verdict::CardDataFound => "CARD DATA FOUND",
        Verdict::Incomplete if s.interrupted => "INCOMPLETE: interrupted before the end",
        Verdict::Incomplete => "INCOMPLETE: no card data found, but some files could not be read",
    };
    writeln!(w, "verdict    {verdict} (exit {})", s.exit_code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn places_name_fields_in_words() {
        assert_eq!(
            place(json!({"table": "t", "column": "c", "row": 2, "pk": "7"}).as_object()),
            "t.c row 2 pk 7"
        );
        // SQLite rows by rowid, CSV columns by number, mail parts by type:
        // the human report once left these out.
        assert_eq!(
            place(json!({"table": "cards", "column": "number", "rowid": 4}).as_object()),
            "cards.number rowid 4"
        );
        assert_eq!(
            place(json!({"column_index": 3, "row": 9}).as_object()),
            "column 3 row 9"
        );
        assert_eq!(
            place(json!({"json_path": "$.a[0].b"}).as_object()),
            "$.a[0].b"
        );
        assert_eq!(
            place(json!({"column": "card", "column_index": 3, "row": 9}).as_object()),
            "column card row 9"
        );
        assert_eq!(
            place(json!({"sheet": "S", "cell": "B2"}).as_object()),
            "sheet S cell B2"
        );
        assert_eq!(
            place(json!({"page": 3, "zz": "new"}).as_object()),
            "page 3 zz new"
        );
        assert_eq!(place(None), "");
    }

    #[test]
    fn numbers() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1536), "1.50 KiB");
        assert_eq!(counted(0, "file", "files"), "0 files");
        assert_eq!(counted(1, "file", "files"), "1 file");
        assert_eq!(counted(1024, "PAN", "PANs"), "1,024 PANs");
    }
}
