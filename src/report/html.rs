//! The HTML view (`--format html`, `--report report.html`): one
//! self-contained page for auditors, rendered from the evidence record
//! ([`super::evidence`]). Nothing is fetched: the style sheet, a small script
//! and the charts (SVG drawn here, on the server side) are inline, and a
//! Content-Security-Policy forbids every other source. Every string taken
//! from the record is HTML-escaped ([`Esc`]); the record holds masked numbers
//! and masked paths only, so the page does too.
//!
//! Sections, each with an id a link can name: `verdict`, `run`, `coverage`,
//! `pci-dss`, `findings`, `inventory`, `sad`, `charts`, `integrity`, and
//! `baseline` and `suppressions` when the run had them. The
//! findings table is sortable and filterable by the script; without it the
//! whole table is shown. At most [`MAX_ROWS`] findings are listed (the rest
//! stay in the JSON record, and the page says how many).

use std::collections::{HashMap, HashSet};
use std::fmt::{self, Write as _};
use std::io::{self, Write};

use serde_json::Value;

use super::human::{bytes, place, text, thousands};
use super::Report;
use crate::coverage::Reason;

/// The page's Content-Security-Policy: nothing may be loaded; inline style
/// and script only; images only as `data:` URLs.
pub const CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:";

/// Findings (and scope-only coverage entries, and inventory rows) listed in
/// the page; the JSON record holds them all.
pub const MAX_ROWS: usize = 10_000;

/// Finding ids linked from one requirement or SAD location.
const MAX_IDS: usize = 50;

const CSS: &str = include_str!("html/report.css");
const JS: &str = include_str!("html/report.js");

/// Records errors of the page's own script into `data-errors` on `<body>`
/// (first in the body, so that it sees every later error).
const ERROR_HOOK: &str = "window.addEventListener(\"error\",function(e){var b=document.body;\
b.setAttribute(\"data-errors\",(b.getAttribute(\"data-errors\")||\"\")+(e.message||\"error\")+\"\\n\");});";

pub fn write(r: &Report, w: &mut dyn Write) -> io::Result<()> {
    w.write_all(render(r, MAX_ROWS).as_bytes())
}

/// Text escaped for HTML element content and double- or single-quoted
/// attribute values. C0 control characters other than tab, line feed and
/// carriage return (and DEL) are shown as their Unicode control pictures
/// (`␀`, `␁`, …): they are not allowed in HTML text and a file name can hold
/// them.
pub struct Esc<'a>(pub &'a str);

impl fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        let mut last = 0;
        for (i, c) in s.char_indices() {
            let rep: &str = match c {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                '\t' | '\n' | '\r' => continue,
                c if (c as u32) < 0x20 => {
                    f.write_str(&s[last..i])?;
                    f.write_char(char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'))?;
                    last = i + c.len_utf8();
                    continue;
                }
                '\u{7f}' => "\u{2421}",
                _ => continue,
            };
            f.write_str(&s[last..i])?;
            f.write_str(rep)?;
            last = i + c.len_utf8();
        }
        f.write_str(&s[last..])
    }
}

/// `format!` into a `String` (which cannot fail).
macro_rules! w {
    ($o:expr, $($arg:tt)*) => {{
        let _ = write!($o, $($arg)*);
    }};
}

static NULL: Value = Value::Null;

/// The member at a JSON pointer, or null.
fn at<'a>(v: &'a Value, ptr: &str) -> &'a Value {
    v.pointer(ptr).unwrap_or(&NULL)
}

fn st<'a>(v: &'a Value, ptr: &str) -> &'a str {
    at(v, ptr).as_str().unwrap_or("")
}

fn n(v: &Value, ptr: &str) -> u64 {
    at(v, ptr).as_u64().unwrap_or(0)
}

fn arr<'a>(v: &'a Value, ptr: &str) -> &'a [Value] {
    at(v, ptr).as_array().map_or(&[], Vec::as_slice)
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// A command-line argument as a POSIX shell would need it.
fn shell_quote(a: &str) -> String {
    let plain = !a.is_empty()
        && a.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./=:,+@%^!*".contains(c));
    if plain {
        a.to_string()
    } else {
        format!("'{}'", a.replace('\'', "'\\''"))
    }
}

/// A duration in milliseconds in words: `850 ms`, `12.4 s`, `3 min 7 s`.
fn duration(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else {
        let s = ms / 1000;
        if s < 3600 {
            format!("{} min {} s", s / 60, s % 60)
        } else {
            format!("{} h {} min", s / 3600, (s % 3600) / 60)
        }
    }
}

/// What a verdict means, in one sentence, and its heading.
fn verdict_words(verdict: &str) -> (&'static str, &'static str) {
    match verdict {
        "clean" => (
            "Clean: no card data found",
            "Nothing was found and everything in scope was read: no cardholder data is stored in \
             the scanned locations (masked PANs and published test PANs alone are not card data).",
        ),
        "card-data-found" => (
            "Card data found",
            "Cardholder data (a full PAN or track data that is not a published test PAN) is \
             stored in the scanned locations: each location must be in the documented scope, \
             or the data removed.",
        ),
        "incomplete" => (
            "Incomplete: nothing found in what was read",
            "No card data was found, but some data could not be read (see Coverage): the result \
             holds only for what was read.",
        ),
        _ => (
            "Unknown verdict",
            "The record's verdict is not one this page knows.",
        ),
    }
}

/// One horizontal bar chart as inline SVG: a bar, a label and a count per
/// item `(label, value, count text)`. Long labels keep their end (paths);
/// the full label is the bar's tooltip.
pub fn bar_chart(o: &mut String, id: &str, title: &str, items: &[(String, u64, String)]) {
    const ROW: u64 = 24;
    const LABEL_W: u64 = 250;
    const BAR_W: u64 = 300;
    const WIDTH: u64 = 680;
    const MAX_LABEL: usize = 38;
    if items.is_empty() {
        w!(o, "<p class=\"note\" id=\"{id}\">{}: none.</p>", Esc(title));
        return;
    }
    let max = items.iter().map(|i| i.1).max().unwrap_or(0).max(1);
    let height = items.len() as u64 * ROW + 8;
    w!(
        o,
        "<svg id=\"{id}\" class=\"chart\" role=\"img\" aria-labelledby=\"{id}-title\" \
         viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\">\
         <title id=\"{id}-title\">{}</title>",
        Esc(title)
    );
    for (i, (label, value, count)) in items.iter().enumerate() {
        let y = 4 + i as u64 * ROW;
        let bw = if *value == 0 {
            0
        } else {
            (value * BAR_W / max).max(2)
        };
        let chars: Vec<char> = label.chars().collect();
        let shown: String = if chars.len() > MAX_LABEL {
            std::iter::once('…')
                .chain(chars[chars.len() - (MAX_LABEL - 1)..].iter().copied())
                .collect()
        } else {
            label.clone()
        };
        w!(
            o,
            "<g class=\"item\" data-label=\"{}\" data-value=\"{value}\"><title>{}: {}</title>\
             <text class=\"label\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\
             <rect class=\"bar\" x=\"{LABEL_W}\" y=\"{y}\" width=\"{bw}\" height=\"16\"></rect>\
             <text class=\"count\" x=\"{}\" y=\"{}\">{}</text></g>",
            Esc(label),
            Esc(label),
            Esc(count),
            LABEL_W - 8,
            y + 13,
            Esc(&shown),
            LABEL_W + bw + 6,
            y + 13,
            Esc(count),
        );
    }
    o.push_str("</svg>");
}

/// Renders the page, listing at most `max_rows` findings.
pub fn render(r: &Report, max_rows: usize) -> String {
    let v = r.record;
    let mut o = String::with_capacity(64 * 1024 + arr(v, "/findings").len().min(max_rows) * 700);
    let verdict = st(v, "/verdict");
    let verdict_class = match verdict {
        "clean" | "card-data-found" | "incomplete" => verdict,
        _ => "unknown",
    };

    o.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    // Written as it is (a test checks it needs no escaping), so that the
    // page's source shows the policy plainly.
    w!(
        o,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n"
    );
    o.push_str(
        "<meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"robots\" content=\"noindex, nofollow\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
    );
    w!(
        o,
        "<meta name=\"generator\" content=\"pan-scan {}\">\n<title>pan-scan evidence: {} \u{2014} {} \u{2014} {}</title>\n",
        Esc(st(v, "/run/tool_version")),
        Esc(verdict),
        Esc(st(v, "/run/host/hostname")),
        Esc(st(v, "/run/started_at")),
    );
    w!(o, "<style>\n{CSS}</style>\n</head>\n");
    w!(
        o,
        "<body data-verdict=\"{}\">\n<script>{ERROR_HOOK}</script>\n",
        Esc(verdict)
    );

    // Header and navigation.
    w!(
        o,
        "<header>\n<p class=\"tool\">pan-scan {} \u{b7} {} cardholder-data discovery \u{b7} scan <code>{}</code></p>\n\
         <h1>Evidence record</h1>\n",
        Esc(st(v, "/run/tool_version")),
        Esc(st(v, "/pci_dss/standard")),
        Esc(st(v, "/run/scan_id")),
    );
    o.push_str("<nav aria-label=\"Sections\"><ul>");
    for (id, name) in [
        ("verdict", "Verdict"),
        ("run", "Run"),
        ("coverage", "Coverage"),
        ("pci-dss", "PCI DSS"),
        ("findings", "Findings"),
        ("baseline", "Baseline"),
        ("suppressions", "Suppressions"),
        ("inventory", "Inventory"),
        ("sad", "Sensitive authentication data"),
        ("charts", "Charts"),
        ("integrity", "Integrity"),
    ] {
        // The baseline and suppressions sections exist only when the run
        // had them.
        if matches!(id, "baseline" | "suppressions") && v.get(id).is_none_or(Value::is_null) {
            continue;
        }
        w!(o, "<li><a href=\"#{id}\">{name}</a></li>");
    }
    o.push_str("</ul></nav>\n</header>\n<main>\n");

    // Verdict.
    let (heading, meaning) = verdict_words(verdict);
    w!(
        o,
        "<section id=\"verdict\" class=\"verdict verdict-{verdict_class}\" data-verdict=\"{}\">\n\
         <h2>{heading}</h2>\n<p class=\"meaning\">{meaning}</p>\n",
        Esc(verdict)
    );
    w!(
        o,
        "<p>Exit code <strong class=\"exit-code\">{}</strong> \u{b7} {} card-data findings \u{b7} {} findings in all \
         \u{b7} {} entries not fully scanned ({} where data may be missed)</p>\n",
        Esc(&text(at(v, "/exit_code"))),
        thousands(n(v, "/summary/card_data_findings")),
        thousands(n(v, "/summary/findings")),
        thousands(n(v, "/coverage/not_fully_scanned")),
        thousands(n(v, "/coverage/data_may_be_missed")),
    );
    let suppressed = n(v, "/summary/suppressed");
    if suppressed > 0 {
        w!(
            o,
            "<p>{} a suppression: listed (see Suppressions), but counted for neither \
             the verdict nor the exit code.</p>\n",
            match suppressed {
                1 => "1 finding matches".to_string(),
                n => format!("{} findings match", thousands(n)),
            }
        );
    }
    if let Some(new) = at(v, "/summary/new_card_data_findings").as_u64() {
        w!(
            o,
            "<p>{} card-data findings are new since the baseline{}.</p>\n",
            thousands(new),
            if st(v, "/summary/fail_on") == "new" {
                " (<code>--fail-on new</code>: only these set exit code 1)"
            } else {
                ""
            }
        );
    }
    if at(v, "/run/interrupted").as_bool() == Some(true) {
        o.push_str("<p><strong>The scan was interrupted</strong>: it did not read everything in scope.</p>\n");
    }
    o.push_str("</section>\n");

    run_section(&mut o, v);
    coverage_section(&mut o, v, r, max_rows);
    let listed: HashSet<&str> = arr(v, "/findings")
        .iter()
        .take(max_rows)
        .filter_map(|f| f["id"].as_str())
        .collect();
    pci_section(&mut o, v, &listed);
    findings_section(&mut o, v, max_rows);
    baseline_section(&mut o, v, max_rows);
    suppressions_section(&mut o, v);
    inventory_section(&mut o, v, max_rows);
    sad_section(&mut o, v, &listed);
    charts_section(&mut o, v);
    integrity_section(&mut o, v);

    w!(
        o,
        "</main>\n<footer>\n<p>Written by pan-scan {} from its evidence record (schema {} {}). Numbers show at most \
         the first 6 and last 4 digits; no full card number appears in this page. The JSON record \
         (<code>--format json</code>) holds every finding and is the one to verify and file.</p>\n</footer>\n",
        Esc(st(v, "/run/tool_version")),
        Esc(st(v, "/record_type")),
        Esc(st(v, "/schema_version")),
    );
    w!(o, "<script>\n{JS}</script>\n</body>\n</html>\n");
    o
}

/// A `<tr><th>…</th><td>…</td></tr>` with `html` already escaped.
fn kv(o: &mut String, name: &str, html: &str) {
    w!(o, "<tr><th scope=\"row\">{name}</th><td>{html}</td></tr>\n");
}

fn run_section(o: &mut String, v: &Value) {
    o.push_str("<section id=\"run\">\n<h2>Run</h2>\n<table class=\"kv\">\n");
    kv(
        o,
        "Scan id",
        &format!("<code>{}</code>", Esc(st(v, "/run/scan_id"))),
    );
    kv(
        o,
        "Tool",
        &format!(
            "{} {}",
            Esc(st(v, "/run/tool")),
            Esc(st(v, "/run/tool_version"))
        ),
    );
    kv(
        o,
        "Rules",
        &format!(
            "version {} \u{b7} SHA-256 <code class=\"break\">{}</code>",
            Esc(st(v, "/run/rules_version")),
            Esc(st(v, "/run/rules_sha256"))
        ),
    );
    kv(
        o,
        "Host",
        &format!(
            "{} ({}, {}/{})",
            Esc(st(v, "/run/host/hostname")),
            Esc(st(v, "/run/host/os")),
            Esc(st(v, "/run/host/os_family")),
            Esc(st(v, "/run/host/arch"))
        ),
    );
    let (uid, euid) = (at(v, "/run/host/uid"), at(v, "/run/host/euid"));
    let mut user = format!("{} (uid {}", Esc(st(v, "/run/host/user")), Esc(&text(uid)));
    if euid != uid {
        w!(user, ", euid {}", Esc(&text(euid)));
    }
    user.push(')');
    kv(o, "User", &user);
    kv(o, "Started", &Esc(st(v, "/run/started_at")).to_string());
    kv(o, "Ended", &Esc(st(v, "/run/ended_at")).to_string());
    kv(
        o,
        "Duration",
        &format!(
            "{} \u{b7} {}/s",
            duration(n(v, "/run/duration_ms")),
            bytes(n(v, "/run/bytes_per_second"))
        ),
    );
    let cmd: Vec<String> = arr(v, "/run/command_line")
        .iter()
        .map(|a| shell_quote(&text(a)))
        .collect();
    kv(
        o,
        "Command line",
        &format!("<code class=\"break\">{}</code>", Esc(&cmd.join(" "))),
    );
    let stable = at(v, "/run/fingerprint_key/stable_across_runs").as_bool() == Some(true);
    kv(
        o,
        "Fingerprint key",
        &format!(
            "source <code>{}</code> \u{b7} key id <code>{}</code> \u{b7} {}",
            Esc(st(v, "/run/fingerprint_key/source")),
            Esc(st(v, "/run/fingerprint_key/key_id")),
            if stable {
                "stable across runs: fingerprints and finding ids compare with other runs under this key"
            } else {
                "random for this run: fingerprints and finding ids compare within this run only"
            }
        ),
    );
    kv(
        o,
        "Interrupted",
        yes_no(at(v, "/run/interrupted").as_bool() == Some(true)),
    );
    o.push_str("</table>\n<h3>Scope</h3>\n<table class=\"kv\">\n");
    let roots: Vec<String> = arr(v, "/scope/roots").iter().map(text).collect();
    kv(
        o,
        "Roots",
        &roots
            .iter()
            .map(|r| format!("<code class=\"break\">{}</code>", Esc(r)))
            .collect::<Vec<_>>()
            .join("<br>"),
    );
    kv(
        o,
        "Standard input",
        yes_no(at(v, "/scope/stdin").as_bool() == Some(true)),
    );
    let excl: Vec<String> = arr(v, "/scope/exclusions")
        .iter()
        .map(|e| {
            format!(
                "<code>{}</code> ({})",
                Esc(st(e, "/pattern")),
                Esc(st(e, "/source"))
            )
        })
        .collect();
    kv(
        o,
        "Exclusions",
        &if excl.is_empty() {
            "none".to_string()
        } else {
            excl.join("<br>")
        },
    );
    let mut opts = Vec::new();
    for (k, name) in [
        ("follow_symlinks", "follow symlinks"),
        ("one_file_system", "one file system"),
        ("respect_ignore_files", "respect ignore files"),
        ("containers", "open containers"),
        ("structure", "place findings in structured data"),
    ] {
        opts.push(format!(
            "{name}: {}",
            yes_no(at(v, &format!("/scope/{k}")).as_bool() == Some(true))
        ));
    }
    kv(o, "Options", &opts.join(" \u{b7} "));
    if let Some(l) = at(v, "/scope/limits").as_object() {
        let lim: Vec<String> = l
            .iter()
            .map(|(k, x)| format!("{} {}", Esc(k), Esc(&text(x))))
            .collect();
        kv(o, "Limits", &lim.join(" \u{b7} "));
    }
    o.push_str("</table>\n");
    if let Ok(cfg) = serde_json::to_string_pretty(at(v, "/run/configuration")) {
        w!(
            o,
            "<details><summary>Effective configuration</summary><pre class=\"break\">{}</pre></details>\n",
            Esc(&cfg)
        );
    }
    o.push_str("</section>\n");
}

fn coverage_section(o: &mut String, v: &Value, r: &Report, max_rows: usize) {
    // Which reasons mean data may have been missed (the rest are scope
    // decisions), from the typed entries the record was made of.
    let reasons: HashMap<&str, Reason> = r
        .skipped
        .iter()
        .map(|s| (s.reason.label(), s.reason))
        .collect();
    let is_error = |label: &str| reasons.get(label).is_none_or(|r| r.is_error());
    let class = |label: &str| {
        if is_error(label) {
            "<span class=\"class-missed\">data may be missed</span>"
        } else {
            "<span class=\"class-scope\">scope decision</span>"
        }
    };

    let complete = at(v, "/coverage/complete").as_bool() == Some(true);
    w!(
        o,
        "<section id=\"coverage\" data-complete=\"{complete}\">\n<h2>Coverage</h2>\n<p>{}</p>\n<table class=\"kv\">\n",
        if complete {
            "Everything in scope was read."
        } else {
            "<strong>Not everything in scope was read</strong>: a result of \u{201c}nothing found\u{201d} holds for what was read only."
        }
    );
    for (k, name) in [
        ("files_seen", "Files seen"),
        ("files_scanned", "Files scanned (read to their end)"),
        ("members_scanned", "Container members scanned"),
        ("not_fully_scanned", "Entries not fully scanned"),
        ("data_may_be_missed", "Of which data may be missed"),
        ("atime_not_preserved", "Access time not preserved"),
    ] {
        kv(o, name, &thousands(n(v, &format!("/coverage/{k}"))));
    }
    let b = n(v, "/coverage/bytes_scanned");
    kv(
        o,
        "Bytes scanned",
        &format!("{} ({} bytes)", bytes(b), thousands(b)),
    );
    let h = n(v, "/coverage/bytes_in_holes");
    if h > 0 {
        kv(
            o,
            "Holes of sparse files passed over (zeros, not stored)",
            &format!("{} ({} bytes)", bytes(h), thousands(h)),
        );
    }
    o.push_str("</table>\n");

    let by_reason = at(v, "/coverage/by_reason").as_object();
    if let Some(m) = by_reason.filter(|m| !m.is_empty()) {
        o.push_str(
            "<h3>By reason</h3>\n<table id=\"coverage-reasons\">\n<thead><tr><th>Reason</th><th>Meaning</th>\
             <th>Class</th><th class=\"n\">Entries</th></tr></thead>\n<tbody>\n",
        );
        for (label, count) in m {
            w!(
                o,
                "<tr data-reason=\"{}\"><td><code>{}</code></td><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>\n",
                Esc(label),
                Esc(label),
                Esc(reasons.get(label.as_str()).map_or("", |r| r.describe())),
                class(label),
                thousands(count.as_u64().unwrap_or(0)),
            );
        }
        o.push_str("</tbody>\n</table>\n");
    }

    let entries = arr(v, "/coverage/entries");
    if entries.is_empty() {
        o.push_str("<p>No entry was left out or cut short.</p>\n</section>\n");
        return;
    }
    // Every entry where data may be missed; scope decisions up to the cap.
    let (missed, scope): (Vec<&Value>, Vec<&Value>) =
        entries.iter().partition(|e| is_error(st(e, "/reason")));
    let scope_shown = scope.len().min(max_rows);
    o.push_str(
        "<h3>Entries not fully scanned</h3>\n<table id=\"coverage-entries\">\n<thead><tr><th>Path</th><th>Reason</th>\
         <th>Class</th><th>Detail</th><th class=\"n\">Bytes scanned</th></tr></thead>\n<tbody>\n",
    );
    for e in missed.iter().chain(scope.iter().take(scope_shown)) {
        let reason = st(e, "/reason");
        let scanned = match at(e, "/bytes_scanned").as_u64() {
            Some(b) => thousands(b),
            None => String::new(),
        };
        w!(
            o,
            "<tr data-reason=\"{}\"><td class=\"path\">{}</td><td><code>{}</code></td><td>{}</td><td class=\"wrap\">{}</td><td class=\"n\">{}</td></tr>\n",
            Esc(reason),
            Esc(st(e, "/path")),
            Esc(reason),
            class(reason),
            Esc(st(e, "/detail")),
            scanned,
        );
    }
    o.push_str("</tbody>\n</table>\n");
    if scope_shown < scope.len() {
        w!(
            o,
            "<p class=\"note\" id=\"coverage-capped\">Every entry where data may be missed is listed; \
             {} more scope decisions (exclusions, symlinks, special files, other filesystems) are in the JSON record.</p>\n",
            thousands((scope.len() - scope_shown) as u64)
        );
    }
    o.push_str("</section>\n");
}

/// Finding ids as links to their rows (plain text for ids not listed in
/// the page), at most [`MAX_IDS`], then how many more.
fn id_links(o: &mut String, ids: &[Value], listed: &HashSet<&str>) {
    for id in ids.iter().take(MAX_IDS) {
        let id = id.as_str().unwrap_or("");
        if listed.contains(id) {
            w!(o, "<a href=\"#{}\"><code>{}</code></a> ", Esc(id), Esc(id));
        } else {
            w!(
                o,
                "<span title=\"not listed in this page: see the JSON record\"><code>{}</code></span> ",
                Esc(id)
            );
        }
    }
    if ids.len() > MAX_IDS {
        w!(
            o,
            "<span class=\"note\">and {} more</span>",
            thousands((ids.len() - MAX_IDS) as u64)
        );
    }
}

fn pci_section(o: &mut String, v: &Value, listed: &HashSet<&str>) {
    w!(
        o,
        "<section id=\"pci-dss\">\n<h2>PCI DSS requirements</h2>\n<p>{} \u{b7} mapping version {} \
         (<code>rules/pci_dss.json</code>). Titles are pan-scan's one-line summaries, not the standard's text.</p>\n",
        Esc(st(v, "/pci_dss/standard")),
        Esc(&text(at(v, "/pci_dss/mapping_version"))),
    );
    o.push_str(
        "<table id=\"pci-table\">\n<thead><tr><th>Requirement</th><th>Title</th><th>Status</th><th>Basis</th>\
         <th>Findings</th></tr></thead>\n<tbody>\n",
    );
    for req in arr(v, "/pci_dss/requirements") {
        let id = st(req, "/id");
        let status = st(req, "/status");
        let badge = match status {
            "issue-found" | "no-issue-found" | "not-assessed" => status,
            _ => "not-assessed",
        };
        w!(
            o,
            "<tr id=\"req-{}\" data-requirement=\"{}\" data-status=\"{}\"><td><strong>{}</strong></td><td>{}</td>\
             <td><span class=\"badge st-{badge}\">{}</span></td><td>{}",
            Esc(id),
            Esc(id),
            Esc(status),
            Esc(id),
            Esc(st(req, "/title")),
            Esc(&status.replace('-', " ")),
            Esc(st(req, "/basis")),
        );
        if at(req, "/coverage_complete").as_bool() == Some(false) && status == "no-issue-found" {
            o.push_str(
                "<span class=\"caveat\">Coverage incomplete: this holds for what was read only.</span>",
            );
        }
        o.push_str("</td><td class=\"ids\">");
        id_links(o, arr(req, "/finding_ids"), listed);
        o.push_str("</td></tr>\n");
    }
    o.push_str("</tbody>\n</table>\n</section>\n");
}

fn findings_section(o: &mut String, v: &Value, max_rows: usize) {
    let findings = arr(v, "/findings");
    let shown = findings.len().min(max_rows);
    let total = n(v, "/summary/findings");
    let omitted = n(v, "/summary/findings_omitted");
    w!(
        o,
        "<section id=\"findings\">\n<h2>Findings</h2>\n<p>{} findings in all: {} listed in the record",
        thousands(total),
        thousands(findings.len() as u64)
    );
    if omitted > 0 {
        w!(
            o,
            ", {} counted but not listed (<code>--max-findings-per-file</code>)",
            thousands(omitted)
        );
    }
    o.push_str(
        ". Card data: <code>pan</code>, <code>track1</code>, <code>track2</code> and <code>cvv</code> that are \
         not published test PANs; a <code>masked_pan</code> or a <code>sad_field</code> is not card data by itself.</p>\n",
    );
    if shown < findings.len() {
        w!(
            o,
            "<p class=\"note\" id=\"findings-capped\"><strong>The first {} findings are listed here; {} more are \
             in the JSON evidence record</strong> (<code>--format json</code>).</p>\n",
            thousands(shown as u64),
            thousands((findings.len() - shown) as u64)
        );
    }
    if findings.is_empty() {
        o.push_str("<p>No findings.</p>\n</section>\n");
        return;
    }

    // Filters (shown by the script; without it the whole table stands).
    let mut kinds: Vec<&str> = Vec::new();
    let mut confs: Vec<&str> = Vec::new();
    for f in &findings[..shown] {
        let k = st(f, "/kind");
        if !kinds.contains(&k) {
            kinds.push(k);
        }
        let c = st(f, "/confidence");
        if !confs.contains(&c) {
            confs.push(c);
        }
    }
    kinds.sort_unstable();
    let rank = |c: &str| match c {
        "high" => 0,
        "medium" => 1,
        "low" => 2,
        _ => 3,
    };
    confs.sort_by_key(|c| (rank(c), *c));
    o.push_str(
        "<div class=\"filters\" id=\"findings-filters\" hidden>\n<label>Filter \
         <input type=\"search\" id=\"filter-text\" placeholder=\"path, number, id, brand\u{2026}\" autocomplete=\"off\"></label>\n\
         <label>Kind <select id=\"filter-kind\"><option value=\"\">all</option>",
    );
    for k in &kinds {
        w!(o, "<option value=\"{}\">{}</option>", Esc(k), Esc(k));
    }
    o.push_str(
        "</select></label>\n<label>Confidence <select id=\"filter-confidence\"><option value=\"\">all</option>",
    );
    for c in &confs {
        w!(o, "<option value=\"{}\">{}</option>", Esc(c), Esc(c));
    }
    o.push_str(
        "</select></label>\n<output id=\"filter-shown\" aria-live=\"polite\"></output>\n</div>\n\
         <noscript><p class=\"note\">Sorting and filtering need JavaScript; the whole table is shown.</p></noscript>\n",
    );

    o.push_str(
        "<table id=\"findings-table\" class=\"findings\">\n<thead><tr>\
         <th data-type=\"text\">Id</th><th data-type=\"text\">Kind</th><th data-type=\"text\">Brand</th>\
         <th data-type=\"text\">Number (masked)</th><th data-type=\"text\">Path</th>\
         <th data-type=\"num\" class=\"n\">Line</th><th data-type=\"text\">Place</th>\
         <th data-type=\"num\">Confidence</th><th data-type=\"text\">Test PAN</th>\
         <th data-type=\"text\">Triage</th></tr></thead>\n<tbody>\n",
    );
    for f in &findings[..shown] {
        let id = st(f, "/id");
        let kind = st(f, "/kind");
        let conf = st(f, "/confidence");
        let test = at(f, "/test_pan").as_bool() == Some(true);
        let reasons = text(at(f, "/reasons"));
        let baseline = st(f, "/baseline");
        let suppressed = at(f, "/suppressed");
        w!(
            o,
            "<tr id=\"{}\" data-kind=\"{}\" data-confidence=\"{}\" data-test-pan=\"{test}\" \
             data-baseline=\"{}\" data-suppressed=\"{}\">\
             <td class=\"id\"><code>{}</code></td><td>{}</td><td>{}</td><td><code>{}</code>",
            Esc(id),
            Esc(kind),
            Esc(conf),
            Esc(baseline),
            suppressed.is_object(),
            Esc(id),
            Esc(kind),
            Esc(st(f, "/brand")),
            Esc(st(f, "/masked")),
        );
        if at(f, "/compliant").as_bool() == Some(false) {
            o.push_str(" <span class=\"badge warn\">shows more than BIN + last 4</span>");
        }
        let line = n(f, "/line");
        w!(
            o,
            "</td><td class=\"path\">{}</td><td class=\"n\" data-sort-key=\"{line}\" title=\"column {}, byte offset {}\">{line}</td>\
             <td class=\"wrap\">{}</td><td data-sort-key=\"{}\" title=\"{}\">{}</td><td>{}</td><td class=\"triage\">",
            Esc(st(f, "/path")),
            n(f, "/column"),
            n(f, "/offset"),
            Esc(&place(at(f, "/location").as_object())),
            rank(conf),
            Esc(&format!(
                "reasons: {reasons}; encoding {}",
                st(f, "/encoding")
            )),
            Esc(conf),
            if test { "yes" } else { "" },
        );
        if !baseline.is_empty() {
            w!(
                o,
                "<span class=\"badge baseline-{}\">{}</span> ",
                if baseline == "new" { "new" } else { "other" },
                Esc(baseline)
            );
        }
        if suppressed.is_object() {
            let mut why = format!(
                "{} ({})",
                st(suppressed, "/justification"),
                st(suppressed, "/rule")
            );
            if let Some(e) = at(suppressed, "/expires").as_str() {
                w!(why, ", until {e}");
            }
            w!(
                o,
                "<span class=\"badge suppressed\">suppressed</span> <span class=\"why\">{}</span>",
                Esc(&why)
            );
        }
        o.push_str("</td></tr>\n");
    }
    o.push_str("</tbody>\n</table>\n</section>\n");
}

/// With `--baseline`: the earlier run, the counts, and what it had that
/// is gone.
fn baseline_section(o: &mut String, v: &Value, max_rows: usize) {
    let b = at(v, "/baseline");
    if !b.is_object() {
        return;
    }
    o.push_str("<section id=\"baseline\">\n<h2>Baseline</h2>\n<table class=\"kv\">\n");
    kv(
        o,
        "Baseline record",
        &format!("<code class=\"break\">{}</code>", Esc(st(b, "/source"))),
    );
    kv(
        o,
        "Its run",
        &format!(
            "scan <code>{}</code>, started {}",
            Esc(st(b, "/scan_id")),
            Esc(st(b, "/started_at"))
        ),
    );
    for (k, name) in [
        ("new", "New findings"),
        ("persisting", "Persisting findings"),
        ("resolved_count", "Resolved (gone since)"),
    ] {
        kv(o, name, &thousands(n(b, &format!("/{k}"))));
    }
    o.push_str("</table>\n");
    let resolved = arr(b, "/resolved");
    if !resolved.is_empty() {
        o.push_str(
            "<h3>Resolved findings</h3>\n<table id=\"resolved-table\">\n<thead><tr><th>Id</th><th>Kind</th>\
             <th>Number (masked)</th><th>Path</th><th class=\"n\">Line</th><th>Place</th></tr></thead>\n<tbody>\n",
        );
        for r in resolved.iter().take(max_rows) {
            w!(
                o,
                "<tr><td class=\"id\"><code>{}</code></td><td>{}</td><td><code>{}</code></td><td class=\"path\">{}</td>\
                 <td class=\"n\">{}</td><td class=\"wrap\">{}</td></tr>\n",
                Esc(st(r, "/id")),
                Esc(st(r, "/kind")),
                Esc(st(r, "/masked")),
                Esc(st(r, "/path")),
                n(r, "/line"),
                Esc(&place(at(r, "/location").as_object())),
            );
        }
        o.push_str("</tbody>\n</table>\n");
        if resolved.len() > max_rows {
            w!(
                o,
                "<p class=\"note\">{} more resolved findings are in the JSON record.</p>\n",
                thousands((resolved.len() - max_rows) as u64)
            );
        }
    }
    o.push_str("</section>\n");
}

/// With `--suppressions`: every rule, its justification, whether it
/// expired, and how many findings it matched.
fn suppressions_section(o: &mut String, v: &Value) {
    let s = at(v, "/suppressions");
    if !s.is_object() {
        return;
    }
    w!(
        o,
        "<section id=\"suppressions\">\n<h2>Suppressions</h2>\n<p>From <code class=\"break\">{}</code>. \
         A suppressed finding is listed in Findings but counts for neither the verdict nor the exit code; \
         an expired rule suppresses nothing.</p>\n",
        Esc(st(s, "/source"))
    );
    let rules = arr(s, "/rules");
    if rules.is_empty() {
        o.push_str("<p>The file holds no rule.</p>\n</section>\n");
        return;
    }
    o.push_str(
        "<table id=\"suppressions-table\">\n<thead><tr><th>Rule</th><th>Justification</th><th>Expires</th>\
         <th>Expired</th><th class=\"n\">Findings matched</th></tr></thead>\n<tbody>\n",
    );
    for r in rules {
        let expired = at(r, "/expired").as_bool() == Some(true);
        w!(
            o,
            "<tr data-expired=\"{expired}\"><td class=\"wrap\"><code>{}</code></td><td class=\"wrap\">{}</td><td>{}</td>\
             <td>{}</td><td class=\"n\">{}</td></tr>\n",
            Esc(st(r, "/rule")),
            Esc(st(r, "/justification")),
            Esc(st(r, "/expires")),
            if expired { "<span class=\"badge warn\">expired</span>" } else { "no" },
            thousands(n(r, "/matched")),
        );
    }
    o.push_str("</tbody>\n</table>\n</section>\n");
}

fn inventory_section(o: &mut String, v: &Value, max_rows: usize) {
    let rows = arr(v, "/summary/data_stores");
    o.push_str(
        "<section id=\"inventory\">\n<h2>Storage of account data (inventory)</h2>\n\
         <p>For the ROC table \u{201c}storage of account data\u{201d}: one row per data store and field. \
         The last column is for the entity to fill in.</p>\n",
    );
    if rows.is_empty() {
        o.push_str("<p>No account data and no field named for it was found: the inventory is empty.</p>\n</section>\n");
        return;
    }
    o.push_str(
        "<table id=\"inventory-table\">\n<thead><tr><th>Data store</th><th>File/table/field</th>\
         <th>Elements stored</th><th>How stored</th><th>How access is logged</th>\
         <th class=\"n\">Findings</th></tr></thead>\n<tbody>\n",
    );
    let shown = rows.len().min(max_rows);
    for row in &rows[..shown] {
        let object = st(row, "/object");
        let elements = text(at(row, "/elements"));
        let holds_pan = arr(row, "/elements")
            .iter()
            .any(|e| e == "PAN" || e == "track data");
        w!(
            o,
            "<tr><td class=\"path\">{}</td><td class=\"wrap\">{}</td><td>{}</td><td>{}</td><td class=\"fill\"></td>\
             <td class=\"n\">{}{}</td></tr>\n",
            Esc(st(row, "/data_store")),
            if object.is_empty() {
                "<span class=\"note\">(whole file)</span>".to_string()
            } else {
                Esc(object).to_string()
            },
            Esc(&elements),
            Esc(&text(at(row, "/storage"))),
            thousands(n(row, "/findings")),
            if holds_pan && at(row, "/test_pans_only").as_bool() == Some(true) {
                "<br><span class=\"note\">test PANs only</span>"
            } else {
                ""
            },
        );
    }
    o.push_str("</tbody>\n</table>\n");
    if shown < rows.len() {
        w!(
            o,
            "<p class=\"note\" id=\"inventory-capped\">{} more rows are in the JSON record.</p>\n",
            thousands((rows.len() - shown) as u64)
        );
    }
    o.push_str("</section>\n");
}

fn sad_section(o: &mut String, v: &Value, listed: &HashSet<&str>) {
    let locs = arr(v, "/summary/sensitive_authentication_data/locations");
    o.push_str(
        "<section id=\"sad\">\n<h2>Sensitive authentication data</h2>\n\
         <p>Full track data, card verification codes and PINs must not be kept after authorization, \
         even encrypted (PCI DSS 3.3.1); a field named for them is listed too.</p>\n",
    );
    if locs.is_empty() {
        w!(
            o,
            "<p id=\"sad-none\">No sensitive authentication data and no field named for it was found{}.</p>\n</section>\n",
            if at(v, "/coverage/complete").as_bool() == Some(true) {
                ""
            } else {
                " in what was read"
            }
        );
        return;
    }
    o.push_str(
        "<table id=\"sad-table\">\n<thead><tr><th>Path</th><th>Field</th><th>Kinds</th><th>Findings</th></tr></thead>\n<tbody>\n",
    );
    for l in locs {
        let object = st(l, "/object");
        w!(
            o,
            "<tr><td class=\"path\">{}</td><td class=\"wrap\">{}</td><td>{}</td><td class=\"ids\">",
            Esc(st(l, "/path")),
            if object.is_empty() {
                "<span class=\"note\">(in the file)</span>".to_string()
            } else {
                Esc(object).to_string()
            },
            Esc(&text(at(l, "/kinds"))),
        );
        id_links(o, arr(l, "/finding_ids"), listed);
        o.push_str("</td></tr>\n");
    }
    o.push_str("</tbody>\n</table>\n</section>\n");
}

fn charts_section(o: &mut String, v: &Value) {
    o.push_str("<section id=\"charts\">\n<h2>Charts</h2>\n");
    let omitted = n(v, "/summary/findings_omitted");
    if omitted > 0 {
        w!(
            o,
            "<p class=\"note\">The charts count the {} findings listed; {} more were counted but not listed.</p>\n",
            thousands(n(v, "/summary/findings_listed")),
            thousands(omitted)
        );
    }
    let counts = |ptr: &str| -> Vec<(String, u64, String)> {
        let mut items: Vec<(String, u64, String)> = at(v, ptr)
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, c)| {
                        let c = c.as_u64().unwrap_or(0);
                        (k.clone(), c, thousands(c))
                    })
                    .collect()
            })
            .unwrap_or_default();
        items.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        items
    };
    let dirs: Vec<(String, u64, String)> = arr(v, "/summary/top_directories")
        .iter()
        .map(|d| {
            let (f, c) = (n(d, "/findings"), n(d, "/card_data"));
            (
                st(d, "/directory").to_string(),
                f,
                format!("{} ({} card data)", thousands(f), thousands(c)),
            )
        })
        .collect();
    o.push_str("<div class=\"charts\">\n");
    for (id, title, items) in [
        (
            "chart-brand",
            "Findings by brand",
            counts("/summary/by_brand"),
        ),
        ("chart-directory", "Findings by directory (top 10)", dirs),
        ("chart-kind", "Findings by kind", counts("/summary/by_kind")),
    ] {
        w!(o, "<figure><figcaption>{title}</figcaption>");
        bar_chart(o, id, title, &items);
        o.push_str("</figure>\n");
    }
    o.push_str("</div>\n</section>\n");
}

fn integrity_section(o: &mut String, v: &Value) {
    o.push_str("<section id=\"integrity\">\n<h2>Integrity</h2>\n");
    let Some(i) = v.get("integrity").and_then(Value::as_object) else {
        o.push_str(
            "<p id=\"integrity-none\">This record carries no integrity block: no digest or signature was made for it.</p>\n</section>\n",
        );
        return;
    };
    o.push_str(
        "<p>The digest and the signature cover the JSON evidence record, not this page: check the JSON record \
         (<code>pan-scan verify</code>), with the signer's public key obtained from the signer, never from the record.</p>\n\
         <table class=\"kv\" id=\"integrity-table\">\n",
    );
    let named = |k: &str| match k {
        "algorithm" => "Digest algorithm",
        "sha256" => "Digest (SHA-256)",
        "canonical_form" => "Canonical form",
        _ => "",
    };
    for (k, x) in i {
        if k == "signature" {
            continue;
        }
        let name = named(k);
        let name = if name.is_empty() { k.as_str() } else { name };
        kv(
            o,
            &Esc(name).to_string(),
            &format!("<code class=\"break\">{}</code>", Esc(&text(x))),
        );
    }
    match i.get("signature").and_then(Value::as_object) {
        Some(s) => {
            let named = |k: &str| match k {
                "algorithm" => "Signature algorithm",
                "public_key_sha256" => "Signing key fingerprint (SHA-256 of the public key)",
                "public_key" => "Signing public key",
                "value" => "Signature",
                _ => "",
            };
            // The fingerprint first: it is what a reader compares.
            let mut keys: Vec<&String> = s.keys().collect();
            keys.sort_by_key(|k| match k.as_str() {
                "algorithm" => 0,
                "public_key_sha256" => 1,
                "value" => 2,
                "public_key" => 3,
                _ => 4,
            });
            for k in keys {
                let name = named(k);
                let name = if name.is_empty() {
                    format!("signature {}", Esc(k))
                } else {
                    name.to_string()
                };
                let val = text(&s[k.as_str()]);
                let html = if val.contains('\n') {
                    format!("<pre>{}</pre>", Esc(&val))
                } else {
                    format!("<code class=\"break\">{}</code>", Esc(&val))
                };
                kv(o, &name, &html);
            }
        }
        None => kv(
            o,
            "Signature",
            "none: the digest detects accidental damage only (anyone who edits the record can recompute it)",
        ),
    }
    o.push_str("</table>\n</section>\n");
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;
    use crate::coverage::Skipped;
    use crate::finding::{Confidence, Finding, Kind};
    use crate::fingerprint::KeySource;
    use crate::report::evidence::{Evidence, KeyInfo, Run, Scope};
    use crate::report::Summary;
    use crate::scan::{Outcome, Stats};

    const EVIL: &str = "<script>alert(1)</script>&\"'";

    fn finding(kind: Kind, path: &str, fp: &str, loc: Option<Value>) -> Finding {
        Finding {
            masked: if kind == Kind::Cvv {
                "***".into()
            } else {
                "453957******1486".into()
            },
            first6: "453957".into(),
            last4: "1486".into(),
            fingerprint: (!fp.is_empty()).then(|| fp.into()),
            line: 3,
            column: 7,
            offset: 40,
            reasons: vec!["luhn".into()],
            location: loc.map(|v| v.as_object().unwrap().clone()),
            ..Finding::sample(kind, path)
        }
    }

    /// A run's outcome, summary and record, as the CLI builds them.
    struct Fixture {
        outcome: Outcome,
        summary: Summary,
        record: Value,
    }

    impl Fixture {
        fn new(findings: Vec<Finding>, skipped: Vec<Skipped>) -> Fixture {
            let outcome = Outcome {
                findings,
                skipped,
                stats: Stats {
                    files_scanned: 4,
                    bytes_scanned: 4096,
                    ..Stats::default()
                },
                elapsed: std::time::Duration::from_millis(12),
                interrupted: false,
            };
            let summary = Summary::of(&outcome, &KeySource::Random, None, false);
            let run = Run {
                scan_id: "0123456789abcdef0123456789abcdef".into(),
                tool: "pan-scan",
                tool_version: env!("CARGO_PKG_VERSION"),
                rules_version: summary.rules_version.clone(),
                rules_sha256: summary.rules_sha256.clone(),
                host: crate::runinfo::Host::current(),
                started_at: "2026-11-26T04:00:00.000Z".into(),
                ended_at: "2026-11-26T04:00:01.250Z".into(),
                duration_ms: 1250,
                bytes_per_second: 4096,
                command_line: vec!["pan-scan".into(), "--report".into(), "a b.html".into()],
                configuration: json!({"threads": 2}),
                fingerprint_key: KeyInfo {
                    source: "random-per-run",
                    key_id: "0011223344556677".into(),
                    stable_across_runs: false,
                },
                interrupted: false,
            };
            let scope = Scope {
                roots: vec!["/srv".into()],
                stdin: false,
                exclusions: vec![],
                respect_ignore_files: false,
                follow_symlinks: false,
                one_file_system: false,
                containers: true,
                structure: true,
                limits: BTreeMap::from([("max_depth", 10)]),
            };
            let ids = crate::report::evidence::ids(&outcome.findings);
            let record = serde_json::to_value(Evidence::build(
                &outcome.findings,
                &ids,
                &outcome.skipped,
                &summary,
                run,
                scope,
            ))
            .unwrap();
            Fixture {
                outcome,
                summary,
                record,
            }
        }

        fn report<'a>(&'a self, record: &'a Value) -> Report<'a> {
            Report {
                findings: &self.outcome.findings,
                skipped: &self.outcome.skipped,
                summary: &self.summary,
                record,
            }
        }

        fn html(&self) -> String {
            render(&self.report(&self.record), MAX_ROWS)
        }
    }

    /// A live PAN, a track, a dump with a CVV column, a hostile path, a
    /// corrupt member and an excluded directory.
    fn sample() -> Fixture {
        let sql = |c: &str, row: u64| Some(json!({"table": "cards", "column": c, "row": row}));
        let mut field = finding(Kind::SadField, "/srv/db/shop.sql", "", sql("cvv", 0));
        field.brand = None;
        field.masked = String::new();
        let mut masked = finding(Kind::MaskedPan, "/srv/www/receipt.txt", "", None);
        masked.compliant = Some(false);
        let mut test = finding(Kind::Pan, "/srv/docs/test.txt", "cc", None);
        test.test_pan = true;
        test.masked = "411111******1111".into();
        test.confidence = Confidence::Medium;
        Fixture::new(
            vec![
                finding(Kind::Pan, &format!("/srv/{EVIL}/a.log"), "aa", None),
                field,
                finding(Kind::Pan, "/srv/db/shop.sql", "aa", sql("card_number", 1)),
                finding(Kind::Cvv, "/srv/db/shop.sql", "", sql("cvv", 1)),
                test,
                finding(Kind::Track2, "/srv/www/logs/pos.log", "aa", None),
                masked,
            ],
            vec![
                Skipped {
                    path: "/srv/old/broken.gz!broken".into(),
                    reason: Reason::Corrupt,
                    detail: "corrupt deflate stream".into(),
                    bytes_scanned: Some(0),
                },
                Skipped {
                    path: "/srv/node_modules".into(),
                    reason: Reason::Excluded,
                    detail: "matched node_modules".into(),
                    bytes_scanned: None,
                },
            ],
        )
    }

    /// The sample run compared with a baseline and with a suppressions
    /// file, as the CLI adds them: the hostile-path PAN is new, the dump's
    /// PAN persisting and suppressed, one finding of the baseline resolved.
    fn triaged() -> Fixture {
        use crate::baseline::{Comparison, Resolved};
        use crate::finding::{BaselineStatus, Suppressed};
        use crate::report::evidence::SuppressionSection;
        use crate::suppress::RuleRecord;
        let s = sample();
        let mut findings = s.outcome.findings.clone();
        for f in &mut findings {
            f.baseline = Some(BaselineStatus::Persisting);
        }
        findings[0].baseline = Some(BaselineStatus::New);
        findings[2].suppressed = Some(Suppressed {
            justification: "Fixture data of the shop's test database (SEC-142)".into(),
            expires: Some("2027-03-31".into()),
            rule: "path /srv/db/**".into(),
        });
        let mut f = Fixture::new(findings, s.outcome.skipped.clone());
        f.record["baseline"] = serde_json::to_value(Comparison {
            source: "/var/log/pan-scan/previous.json".into(),
            scan_id: "fedcba9876543210fedcba9876543210".into(),
            started_at: "2026-11-01T04:00:00.000Z".into(),
            new: 1,
            persisting: 6,
            resolved_count: 1,
            resolved: vec![Resolved {
                id: "F00112233445566ff-1".into(),
                kind: "pan".into(),
                masked: "545762******3454".into(),
                path: "/srv/old/export.csv".into(),
                line: 12,
                location: Some(json!({"column": "card", "row": 11})),
            }],
        })
        .unwrap();
        f.record["suppressions"] = serde_json::to_value(SuppressionSection {
            source: "/etc/pan-scan/suppressions.toml".into(),
            rules: vec![
                RuleRecord {
                    rule: "path /srv/db/**".into(),
                    justification: "Fixture data of the shop's test database (SEC-142)".into(),
                    expires: Some("2027-03-31".into()),
                    expired: false,
                    matched: 1,
                },
                RuleRecord {
                    rule: "fingerprint 00ff".into(),
                    justification: "Old export, deleted".into(),
                    expires: Some("2025-01-31".into()),
                    expired: true,
                    matched: 0,
                },
            ],
        })
        .unwrap();
        f
    }

    fn count(hay: &str, needle: &str) -> usize {
        hay.matches(needle).count()
    }

    /// The page without the contents of its style and script elements.
    fn markup(html: &str) -> String {
        let mut out = String::new();
        let mut rest = html;
        while let Some(i) = rest.find("<s") {
            let tag = if rest[i..].starts_with("<style") {
                "</style>"
            } else if rest[i..].starts_with("<script") {
                "</script>"
            } else {
                out.push_str(&rest[..i + 2]);
                rest = &rest[i + 2..];
                continue;
            };
            out.push_str(&rest[..i]);
            rest = &rest[i + rest[i..].find(tag).unwrap() + tag.len()..];
        }
        out.push_str(rest);
        out
    }

    /// The values of `attr="…"` in `html`.
    fn attrs<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
        let pat = format!(" {attr}=\"");
        html.match_indices(&pat)
            .map(|(i, _)| {
                let rest = &html[i + pat.len()..];
                &rest[..rest.find('"').unwrap()]
            })
            .collect()
    }

    #[test]
    fn esc_escapes_markup_quotes_and_controls() {
        assert_eq!(
            Esc(EVIL).to_string(),
            "&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;&#39;"
        );
        assert_eq!(
            Esc("a\u{1}b\u{7f}\tc\nd").to_string(),
            "a\u{2401}b\u{2421}\tc\nd"
        );
        assert_eq!(Esc("カード 4539").to_string(), "カード 4539");
    }

    #[test]
    fn a_hostile_path_appears_escaped_only() {
        let html = sample().html();
        assert!(!html.contains("<script>alert(1)"), "raw markup from a path");
        assert!(!html.contains("alert(1)</script>"));
        assert!(html.contains("/srv/&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;&#39;/a.log"));
        // Only the page's own two scripts.
        assert_eq!(count(&html, "<script"), 2);
        assert_eq!(count(&html, "</script>"), 2);
    }

    /// Every string of the record, names of members included, is escaped:
    /// mark each one with markup and look for the markup in the page.
    #[test]
    fn every_string_from_the_record_is_escaped() {
        fn mark(v: &mut Value) {
            match v {
                Value::String(s) => s.push_str("<x-evil a='1'>"),
                Value::Array(a) => a.iter_mut().for_each(mark),
                Value::Object(m) => {
                    let old = std::mem::take(m);
                    for (k, mut x) in old {
                        mark(&mut x);
                        m.insert(format!("{k}<x-evil>"), x);
                    }
                }
                _ => {}
            }
        }
        let f = triaged();
        // Keep the member names the page looks up; mark every value and
        // the names of maps (brands, reasons, kinds, location members).
        let mut rec = f.record.clone();
        let mut marked_maps = 0;
        let mut stack: Vec<&mut Value> = vec![&mut rec];
        while let Some(v) = stack.pop() {
            let is_map = v.as_object().is_some_and(|m| {
                ["VISA", "corrupt", "pan", "max_depth", "table", "threads"]
                    .iter()
                    .any(|k| m.contains_key(*k))
            });
            if is_map {
                marked_maps += 1;
                mark(v);
                continue;
            }
            match v {
                Value::String(s) => s.push_str("<x-evil a='1'>"),
                Value::Array(a) => stack.extend(a.iter_mut()),
                Value::Object(m) => stack.extend(m.values_mut()),
                _ => {}
            }
        }
        assert!(marked_maps >= 6, "{marked_maps}");
        rec["integrity"] = json!({"algorithm": "sha256<x-evil>", "sha256": "ab<x-evil>",
            "signature": {"algorithm": "ed25519<x-evil>", "public_key_sha256": "cd<x-evil>",
                          "public_key": "-----BEGIN<x-evil>\n", "value": "ef<x-evil>"}});
        let html = render(&f.report(&rec), MAX_ROWS);
        assert!(!html.contains("<x-evil"), "unescaped record string");
        // And the marked strings are shown: paths, numbers, hosts, keys,
        // titles, details, chart labels, the integrity block.
        assert!(count(&html, "&lt;x-evil a=&#39;1&#39;&gt;") > 100);
        for s in [
            "/srv/db/shop.sql&lt;x-evil",
            "453957******1486&lt;x-evil",
            "corrupt deflate stream&lt;x-evil",
            "VISA&lt;x-evil&gt;",
            "cd&lt;x-evil&gt;",
            "card_number&lt;x-evil",
            "(SEC-142)&lt;x-evil",
            "/etc/pan-scan/suppressions.toml&lt;x-evil",
            "/srv/old/export.csv&lt;x-evil",
        ] {
            assert!(html.contains(s), "{s} shown");
        }
    }

    #[test]
    fn charts_have_one_bar_label_and_count_per_item() {
        let items: Vec<(String, u64, String)> = [("VISA", 6), ("AMEX", 3), (EVIL, 0)]
            .iter()
            .map(|(l, c)| (l.to_string(), *c, c.to_string()))
            .collect();
        let mut o = String::new();
        bar_chart(&mut o, "c", "By brand", &items);
        assert!(o.starts_with("<svg id=\"c\""));
        assert_eq!(count(&o, "<rect class=\"bar\""), 3);
        assert_eq!(count(&o, "<text class=\"label\""), 3);
        assert_eq!(count(&o, "<text class=\"count\""), 3);
        assert!(o.contains(">VISA</text>") && o.contains(">AMEX</text>"));
        assert!(o.contains(">6</text>") && o.contains(">3</text>") && o.contains(">0</text>"));
        assert!(!o.contains("<script>"));
        // Bars scale to the largest count.
        assert_eq!(attrs(&o, "width")[1..], ["300", "150", "0"]);
        // A long label keeps its end.
        let long = "/very/long/directory/path/that/goes/on/and/on/to/the/end/cards";
        let mut o = String::new();
        bar_chart(&mut o, "d", "Dirs", &[(long.into(), 1, "1".into())]);
        assert!(
            o.contains(">\u{2026}/that/goes/on/and/on/to/the/end/cards</text>"),
            "{o}"
        );
        assert!(o.contains(&format!("<title>{long}: 1</title>")));
        let mut o = String::new();
        bar_chart(&mut o, "e", "Nothing", &[]);
        assert!(!o.contains("<svg") && o.contains("none"));

        // In the page: one bar per brand, per kind, per directory.
        let f = sample();
        let html = f.html();
        let chart = |id: &str| {
            let start = html.find(&format!("<svg id=\"{id}\"")).unwrap();
            let end = start + html[start..].find("</svg>").unwrap();
            html[start..end].to_string()
        };
        assert_eq!(count(&chart("chart-brand"), "<rect class=\"bar\""), 1);
        assert_eq!(
            count(&chart("chart-kind"), "<rect class=\"bar\""),
            Kind::ALL.len()
        );
        let dirs = f.record["summary"]["top_directories"]
            .as_array()
            .unwrap()
            .len();
        assert_eq!(dirs, 5);
        assert_eq!(
            count(&chart("chart-directory"), "<rect class=\"bar\""),
            dirs
        );
        assert!(chart("chart-kind").contains("data-label=\"pan\" data-value=\"3\""));
    }

    #[test]
    fn the_page_fetches_nothing_and_sets_a_strict_policy() {
        let mut f = sample();
        f.record["integrity"] = json!({"algorithm": "sha256", "sha256": "ab"});
        let html = f.html();
        let lower = html.to_ascii_lowercase();
        for bad in [
            "http://",
            "https://",
            "//cdn",
            "url(",
            "@import",
            " src=",
            "srcset",
            "<link",
            "<iframe",
            "<object",
            "<embed",
            "<img",
            "fetch(",
            "xmlhttprequest",
            "eval(",
        ] {
            assert!(!lower.contains(bad), "{bad} in the page");
        }
        // Links stay in the page.
        for href in attrs(&html, "href") {
            assert!(href.starts_with('#'), "{href}");
        }
        assert_eq!(
            Esc(CSP).to_string(),
            CSP.replace('\'', "&#39;"),
            "only quotes"
        );
        let csp = "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
                   style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">";
        assert_eq!(count(&html, csp), 1);
        assert!(CSP.starts_with("default-src 'none';"));
        // Before anything it governs.
        assert!(html.find(csp).unwrap() < html.find("<style").unwrap());
        assert!(html.find(csp).unwrap() < html.find("<script").unwrap());
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("<meta charset=\"utf-8\">"));
    }

    #[test]
    fn sections_and_rows_are_all_there_without_script() {
        let f = sample();
        let html = f.html();
        for id in [
            "verdict",
            "run",
            "coverage",
            "pci-dss",
            "findings",
            "inventory",
            "sad",
            "charts",
            "integrity",
        ] {
            assert_eq!(count(&html, &format!("<section id=\"{id}\"")), 1, "{id}");
        }
        assert!(html.contains("class=\"verdict verdict-card-data-found\""));
        assert!(html.contains("Exit code <strong class=\"exit-code\">1</strong>"));
        // No baseline or suppressions: no such section, no link to one.
        for id in ["baseline", "suppressions"] {
            assert!(!html.contains(&format!("id=\"{id}\"")), "{id}");
            assert!(!html.contains(&format!("href=\"#{id}\"")), "{id}");
        }
        // Every finding is a row; nothing is hidden but the filter bar,
        // which the script shows.
        assert_eq!(attrs(&html, "data-kind").len(), f.outcome.findings.len());
        assert_eq!(count(&markup(&html), " hidden"), 1);
        assert!(html.contains("<div class=\"filters\" id=\"findings-filters\" hidden>"));
        // One PCI row per requirement, each link to a listed row.
        let reqs = crate::report::pci::get().requirements.len();
        assert_eq!(attrs(&html, "data-requirement").len(), reqs);
        let ids: HashSet<&str> = attrs(&html, "id").into_iter().collect();
        let links = attrs(&html, "href");
        assert!(links.iter().filter(|h| h.starts_with("#F")).count() >= 5);
        for h in links {
            assert!(ids.contains(&h[1..]), "{h} has no target");
        }
        // Coverage: both entries, classed.
        assert!(html.contains("/srv/old/broken.gz!broken"));
        assert!(html.contains("/srv/node_modules"));
        assert_eq!(count(&html, "<span class=\"class-missed\">"), 2); // by reason + entry
                                                                      // Inventory: the entity's column is empty, the masked receipt is flagged.
        assert!(html.contains("<td class=\"fill\"></td>"));
        assert!(html.contains("masked (more than BIN + last 4)"));
        assert!(html.contains("shows more than BIN + last 4"));
        // Locations in words; the test PAN marked.
        assert!(html.contains(">cards.card_number row 1</td>"));
        assert!(html.contains("data-test-pan=\"true\""));
        assert!(html.contains("id=\"integrity-none\""));
        assert!(html.contains("&#39;a b.html&#39;"), "command line quoted");
    }

    #[test]
    fn a_clean_run_says_so() {
        let f = Fixture::new(vec![], vec![]);
        let html = f.html();
        assert!(html.contains("class=\"verdict verdict-clean\""));
        assert!(html.contains("Exit code <strong class=\"exit-code\">0</strong>"));
        assert!(html.contains("<p>No findings.</p>"));
        assert!(html.contains("id=\"sad-none\""));
        assert!(!html.contains("id=\"findings-table\""));
        let f = Fixture::new(
            vec![],
            vec![Skipped {
                path: "/srv/secret".into(),
                reason: Reason::PermissionDenied,
                detail: "Permission denied (os error 13)".into(),
                bytes_scanned: None,
            }],
        );
        let html = f.html();
        assert!(html.contains("class=\"verdict verdict-incomplete\""));
        assert!(html.contains("Exit code <strong class=\"exit-code\">3</strong>"));
        assert!(html.contains("holds for what was read only"));
    }

    #[test]
    fn large_runs_are_capped_with_a_note() {
        let f = sample();
        let html = render(&f.report(&f.record), 3);
        assert_eq!(attrs(&html, "data-kind").len(), 3);
        assert!(html.contains("The first 3 findings are listed here; 4 more are in the JSON"));
        // Links point only at listed rows; the others are plain ids.
        let ids: HashSet<&str> = attrs(&html, "id").into_iter().collect();
        for h in attrs(&html, "href") {
            assert!(ids.contains(&h[1..]), "{h} has no target");
        }
        assert!(html.contains("not listed in this page"));
        // Every entry where data may be missed stays listed.
        let html = render(&f.report(&f.record), 0);
        assert!(html.contains("/srv/old/broken.gz!broken"));
        assert!(!html.contains("/srv/node_modules</td>"));
        assert!(html.contains("1 more scope decisions"));
    }

    #[test]
    fn the_integrity_block_is_shown_when_present() {
        let mut f = sample();
        let digest = "9f".repeat(32);
        let fpr = "5c".repeat(32);
        f.record["integrity"] = json!({
            "algorithm": "sha256",
            "canonical_form": "compact JSON, sorted",
            "sha256": digest,
            "signature": {
                "algorithm": "ed25519",
                "public_key": "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n",
                "public_key_sha256": fpr,
                "value": "c2lnbmF0dXJl"
            }
        });
        let html = f.html();
        let sec = &html[html.find("<section id=\"integrity\"").unwrap()..];
        assert!(sec.contains(&format!("<code class=\"break\">{digest}</code>")));
        assert!(sec.contains("Signing key fingerprint"));
        assert!(sec.contains(&fpr));
        assert!(sec.contains("<pre>-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n"));
        assert!(sec.contains("c2lnbmF0dXJl"));
        assert!(!sec.contains("integrity-none"));
        // A digest without a signature says what it is worth.
        f.record["integrity"]
            .as_object_mut()
            .unwrap()
            .remove("signature");
        assert!(f.html().contains("detects accidental damage only"));
    }

    #[test]
    fn baselines_and_suppressions_are_shown() {
        let f = triaged();
        let html = f.html();
        for id in ["baseline", "suppressions"] {
            assert_eq!(count(&html, &format!("<section id=\"{id}\"")), 1, "{id}");
            assert_eq!(count(&html, &format!("<a href=\"#{id}\"")), 1, "{id}");
        }
        // The verdict says what the suppression and the baseline changed.
        let verdict = &html[html.find("<section id=\"verdict\"").unwrap()..];
        let verdict = &verdict[..verdict.find("</section>").unwrap()];
        assert!(
            verdict.contains("1 finding matches a suppression"),
            "{verdict}"
        );
        assert!(verdict.contains("card-data findings are new since the baseline"));
        // Each row carries its triage.
        assert_eq!(
            attrs(&html, "data-suppressed")
                .iter()
                .filter(|s| **s == "true")
                .count(),
            1
        );
        assert_eq!(
            attrs(&html, "data-baseline")
                .iter()
                .filter(|s| **s == "new")
                .count(),
            1
        );
        assert!(html.contains("<span class=\"badge suppressed\">suppressed</span> <span class=\"why\">\
             Fixture data of the shop&#39;s test database (SEC-142) (path /srv/db/**), until 2027-03-31</span>"));
        // The comparison and every rule.
        assert!(html.contains("<code class=\"break\">/var/log/pan-scan/previous.json</code>"));
        assert!(html.contains("<td class=\"path\">/srv/old/export.csv</td>"));
        assert!(html.contains(">column card row 11</td>"));
        assert_eq!(attrs(&html, "data-expired"), ["false", "true"]);
        assert!(html.contains("<span class=\"badge warn\">expired</span>"));
    }

    #[test]
    fn helpers() {
        assert_eq!(shell_quote("--report"), "--report");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(duration(850), "850 ms");
        assert_eq!(duration(12_400), "12.4 s");
        assert_eq!(duration(187_000), "3 min 7 s");
    }
}
