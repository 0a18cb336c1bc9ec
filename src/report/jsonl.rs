//! JSON Lines: one object per line, each with a `type`.
//!
//! - `{"type":"finding", …}`: the fields of [`crate::finding::Finding`]:
//!   `kind` (`pan` | `track1` | `track2` | `masked_pan`), `brand`, `masked`,
//!   `first6`, `last4`, `length`, `fingerprint`, `path`, `line`, `column`,
//!   `offset`, `test_pan`, `confidence` (`low` | `medium` | `high`),
//!   `reasons`, `encoding`, and when they apply `compliant`,
//!   `revealed_digits` (masked PANs), `track` and `location`.
//! - `{"type":"skipped", "path", "reason", "detail", "bytes_scanned"?}`:
//!   one per file, directory or stream not fully scanned.
//! - `{"type":"summary", …}`: last, the fields of [`super::Summary`].
//!
//! Findings come sorted by path and offset, skipped records by path.

use std::io::{self, Write};

use serde::Serialize;

use super::Report;

#[derive(Serialize)]
struct Tagged<'a, T: Serialize> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(flatten)]
    inner: &'a T,
}

fn line<T: Serialize>(w: &mut dyn Write, kind: &str, v: &T) -> io::Result<()> {
    serde_json::to_writer(&mut *w, &Tagged { kind, inner: v })?;
    w.write_all(b"\n")
}

pub fn write(r: &Report, w: &mut dyn Write) -> io::Result<()> {
    for f in r.findings {
        line(w, "finding", f)?;
    }
    for s in r.skipped {
        line(w, "skipped", s)?;
    }
    line(w, "summary", &r.summary)
}
