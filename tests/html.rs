//! The HTML report (`--report out.html`) written by the real binary and
//! opened in a real headless Chromium: the DOM after the page's script ran
//! holds the record's counts, the script raised no error and logged nothing
//! (no console message, no Content-Security-Policy violation), sorting and
//! filtering work, the page without its script still shows every row, and
//! it prints to PDF.
//!
//! Chromium is found as `$PAN_SCAN_CHROMIUM`, else `chromium`,
//! `chromium-headless-shell` or `chromium-browser` on the `PATH`. Without it
//! the test says it is skipped and passes, unless `PAN_SCAN_REQUIRE_CHROMIUM`
//! is set (`.ci/run` sets it, after installing Chromium).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{bin, contains_pan, Tree};

use crate::evidence::{LIVE, LIVE2};

/// How long one Chromium run may take (start-up on a loaded machine).
const TIMEOUT: Duration = Duration::from_secs(60);

fn find_chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PAN_SCAN_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for name in ["chromium", "chromium-headless-shell", "chromium-browser"] {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// The browser, or None (after saying so) when it is not installed.
fn chromium() -> Option<PathBuf> {
    match find_chromium() {
        Some(p) => Some(p),
        None if std::env::var_os("PAN_SCAN_REQUIRE_CHROMIUM").is_some() => {
            panic!("chromium not installed, and PAN_SCAN_REQUIRE_CHROMIUM is set")
        }
        None => {
            eprintln!("skipped: chromium not installed (apt-get install chromium)");
            None
        }
    }
}

struct Run {
    stdout: String,
    stderr: String,
}

/// Runs headless Chromium on a file with `args`, in a fresh profile, with
/// its log on stderr; kills it after [`TIMEOUT`].
fn browse(chromium: &Path, args: &[&str], page: &Path) -> Run {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox", // tests may run as root
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}", chromium.display()));
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            String::from_utf8_lossy(&v).into_owned()
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium {args:?} did not finish in {TIMEOUT:?}; stderr:\n{}",
                err.join().unwrap()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let run = Run {
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    };
    assert!(
        status.success(),
        "chromium {args:?}: {status}\n{}",
        run.stderr
    );
    run
}

/// The DOM after the page's scripts ran.
fn dump_dom(chromium: &Path, page: &Path) -> Run {
    let r = browse(chromium, &["--dump-dom"], page);
    assert!(
        r.stdout.contains("</html>"),
        "no DOM dumped; stderr:\n{}",
        r.stderr
    );
    r
}

/// Lines of Chromium's log that a page's console wrote: script errors,
/// Content-Security-Policy violations, anything logged.
fn console_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.contains(":CONSOLE")).collect()
}

/// The `<body …>` start tag.
fn body_tag(dom: &str) -> &str {
    let i = dom.find("<body").expect("a body");
    &dom[i..i + dom[i..].find('>').unwrap() + 1]
}

/// An attribute of the first element of `dom` that has `marker` in its start tag.
fn attr(dom: &str, marker: &str, name: &str) -> Option<String> {
    let i = dom.find(marker)?;
    let start = dom[..i].rfind('<')?;
    let tag = &dom[start..i + dom[i..].find('>')?];
    let pat = format!(" {name}=\"");
    let j = tag.find(&pat)? + pat.len();
    let v = &tag[j..j + tag[j..].find('"')?];
    Some(
        v.replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}

/// The tree of the evidence tests, plus a file under a directory whose
/// path spells a script element.
fn tree() -> Tree {
    let t = crate::evidence::tree();
    // `/` cannot be in a name: the directory holds the `<` of `</script>`.
    t.file(
        "x/<script>alert(1)</script>&\"'.log",
        format!("card {LIVE2}\n"),
    );
    t
}

/// Runs pan-scan on the tree: the JSON record on standard output and the
/// HTML page as a report file, from the same run, signed with a new key.
fn scan(t: &Tree, out: &Path) -> Value {
    let keys = tempfile::tempdir().unwrap();
    let key = keys.path().join("signer");
    let k = bin()
        .args(["keygen", "--out"])
        .arg(&key)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(k.status.success(), "{}", String::from_utf8_lossy(&k.stderr));
    let o = bin()
        .args([
            "--no-progress",
            "--no-config",
            "--format",
            "json",
            "--sign-key",
        ])
        .arg(&key)
        .arg("--report")
        .arg(out)
        .arg(t.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("the JSON record")
}

/// A test appended to a copy of the page, run after the page's own script:
/// it drives the filters and the sort as a user would and writes what it
/// saw into `data-test` on `<body>`.
const DRIVE: &str = r##"<script>
(function () {
  var res = {};
  var t = document.getElementById("findings-table");
  var visible = function () {
    return Array.prototype.filter.call(t.tBodies[0].rows, function (r) {
      return !r.hidden && getComputedStyle(r).display !== "none";
    });
  };
  var set = function (id, value, ev) {
    var el = document.getElementById(id);
    el.value = value;
    el.dispatchEvent(new Event(ev));
  };
  res.all = visible().length;
  res.bar = getComputedStyle(document.getElementById("findings-filters")).display;
  set("filter-kind", "track2", "change");
  res.track2 = visible().length;
  res.track2Only = visible().every(function (r) { return r.getAttribute("data-kind") === "track2"; });
  res.shownText = document.getElementById("filter-shown").textContent;
  set("filter-kind", "", "change");
  set("filter-text", "SHOP.SQL", "input");
  res.shop = visible().length;
  set("filter-text", "", "input");
  set("filter-confidence", "high", "change");
  res.high = visible().length;
  set("filter-confidence", "", "change");
  res.again = visible().length;
  var lineTh = t.tHead.rows[0].cells[5];
  var lines = function () {
    return visible().map(function (r) { return +r.cells[5].textContent; });
  };
  lineTh.click();
  res.asc = lines();
  res.ascSort = lineTh.getAttribute("aria-sort");
  lineTh.click();
  res.desc = lines();
  res.descSort = lineTh.getAttribute("aria-sort");
  // A link to a row that a filter hides clears the filters.
  var pan = t.querySelector('tr[data-kind="pan"]');
  set("filter-kind", "track2", "change");
  res.panHidden = pan.hidden;
  location.hash = "#" + pan.id;
  window.dispatchEvent(new HashChangeEvent("hashchange"));
  res.panRevealed = !pan.hidden;
  res.kindAfter = document.getElementById("filter-kind").value;
  // Every finding link in the requirement table has its row.
  var links = document.querySelectorAll('#pci-table a[href^="#F"]');
  res.links = links.length;
  res.dangling = Array.prototype.filter.call(links, function (a) {
    return !document.getElementById(a.getAttribute("href").slice(1));
  }).length;
  res.scripts = document.scripts.length;
  document.body.setAttribute("data-test", JSON.stringify(res));
})();
</script>
"##;

/// The page with its own scripts taken out and a probe in their place:
/// what a reader with JavaScript off sees.
const PROBE: &str = r#"<script>
(function () {
  var res = {};
  var rows = document.getElementById("findings-table").tBodies[0].rows;
  res.rows = rows.length;
  res.shown = Array.prototype.filter.call(rows, function (r) {
    return getComputedStyle(r).display !== "none" && r.getClientRects().length > 0;
  }).length;
  res.bar = getComputedStyle(document.getElementById("findings-filters")).display;
  res.sortable = document.querySelectorAll("th.sortable, th[role=button]").length;
  document.body.setAttribute("data-test", JSON.stringify(res));
})();
</script>
"#;

/// The page with `<script>…</script>` elements removed.
fn without_scripts(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(i) = rest.find("<script>") {
        out.push_str(&rest[..i]);
        let end = rest[i..].find("</script>").expect("closed script") + "</script>".len();
        rest = &rest[i + end..];
    }
    out.push_str(rest);
    out
}

fn with_probe(html: &str, probe: &str) -> String {
    let i = html.rfind("</body>").expect("</body>");
    format!("{}{probe}{}", &html[..i], &html[i..])
}

fn test_result(dom: &str) -> Value {
    let s = attr(dom, "<body", "data-test")
        .unwrap_or_else(|| panic!("no data-test: {}", body_tag(dom)));
    serde_json::from_str(&s).unwrap()
}

#[test]
fn the_html_report_renders_in_chromium() {
    let Some(chromium) = chromium() else {
        return;
    };
    let t = tree();
    let dir = tempfile::tempdir().unwrap();

    // First, the error check itself: this Chromium reports a broken script
    // both ways this test looks for errors, so their absence below means
    // something.
    let broken = dir.path().join("broken.html");
    std::fs::write(
        &broken,
        with_probe(
            &format!(
                "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\
                 </head><body><script>window.addEventListener(\"error\",function(e){{document.body.setAttribute(\
                 \"data-errors\",e.message);}});</script><img src=\"https://example.invalid/x.png\"></body></html>",
                pan_scan::report::html::CSP
            ),
            "<script>noSuchFunction();</script>",
        ),
    )
    .unwrap();
    let r = dump_dom(&chromium, &broken);
    assert!(
        attr(&r.stdout, "<body", "data-errors").is_some_and(|e| e.contains("noSuchFunction")),
        "the error hook sees errors: {}",
        body_tag(&r.stdout)
    );
    let lines = console_lines(&r.stderr);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("Uncaught") && l.contains("noSuchFunction")),
        "chromium logs uncaught errors as CONSOLE lines: {}",
        r.stderr
    );
    assert!(
        lines.iter().any(|l| l.contains("Content Security Policy")),
        "chromium logs CSP violations as CONSOLE lines: {}",
        r.stderr
    );

    // The report.
    let page = dir.path().join("out.html");
    let record = scan(&t, &page);
    let html = std::fs::read_to_string(&page).unwrap();
    for pan in [LIVE, LIVE2] {
        assert!(!contains_pan(html.as_bytes(), pan), "the page holds {pan}");
    }
    let findings = record["findings"].as_array().unwrap();
    let kinds = |k: &str| findings.iter().filter(|f| f["kind"] == k).count();
    assert!(kinds("track2") >= 1 && kinds("cvv") >= 1 && kinds("sad_field") >= 1);

    let r = dump_dom(&chromium, &page);
    let dom = &r.stdout;
    let body = body_tag(dom);
    assert!(
        body.contains("data-ready=\"1\""),
        "the script ran to its end: {body}"
    );
    assert!(!body.contains("data-errors"), "script errors: {body}");
    assert_eq!(
        console_lines(&r.stderr),
        Vec::<&str>::new(),
        "console messages"
    );
    for pan in [LIVE, LIVE2] {
        assert!(!contains_pan(dom.as_bytes(), pan), "the DOM holds {pan}");
    }

    // The verdict banner.
    assert!(
        dom.contains("<section id=\"verdict\" class=\"verdict verdict-card-data-found\""),
        "verdict banner"
    );
    assert!(dom.contains("<h2>Card data found</h2>"));
    assert!(dom.contains("Exit code <strong class=\"exit-code\">1</strong>"));

    // One findings row per finding of the record, by kind.
    assert_eq!(count(dom, " data-kind=\""), findings.len());
    for k in ["pan", "track2", "cvv", "sad_field", "masked_pan"] {
        assert_eq!(
            count(dom, &format!(" data-kind=\"{k}\"")),
            kinds(k),
            "{k} rows"
        );
    }
    for f in findings {
        let id = f["id"].as_str().unwrap();
        assert!(dom.contains(&format!("<tr id=\"{id}\"")), "row {id}");
    }
    // The script showed the filter bar.
    assert!(dom.contains("<div class=\"filters\" id=\"findings-filters\">"));

    // One requirement row per entry of rules/pci_dss.json, with the
    // record's status.
    let rules: Value = serde_json::from_str(include_str!("../rules/pci_dss.json")).unwrap();
    let reqs = rules["requirements"].as_array().unwrap();
    assert_eq!(count(dom, " data-requirement=\""), reqs.len());
    for req in record["pci_dss"]["requirements"].as_array().unwrap() {
        let id = req["id"].as_str().unwrap();
        assert_eq!(
            attr(dom, &format!("data-requirement=\"{id}\""), "data-status").as_deref(),
            req["status"].as_str(),
            "{id}"
        );
    }

    // Coverage lists the corrupt gzip; the hostile name is text, not markup.
    assert!(dom.contains("old/broken.gz!broken"));
    assert!(dom.contains("x/&lt;script&gt;alert(1)&lt;/script&gt;&amp;\"'.log"));
    assert_eq!(count(dom, "<script"), 2, "only the page's own scripts");
    // Inventory: one row per data store and field.
    let stores = record["summary"]["data_stores"].as_array().unwrap().len();
    let inv = &dom[dom.find("id=\"inventory-table\"").unwrap()..];
    let inv = &inv[..inv.find("</table>").unwrap()];
    assert_eq!(count(inv, "<td class=\"fill\"></td>"), stores);
    // Charts: a bar per brand.
    let brands = record["summary"]["by_brand"].as_object().unwrap().len();
    let chart = &dom[dom.find("<svg id=\"chart-brand\"").unwrap()..];
    let chart = &chart[..chart.find("</svg>").unwrap()];
    assert_eq!(count(chart, "<rect class=\"bar\""), brands);

    // The integrity block of the same record: digest and signing key.
    let integrity = &dom[dom.find("<section id=\"integrity\"").unwrap()..];
    let integrity = &integrity[..integrity.find("</section>").unwrap()];
    for (what, value) in [
        ("digest", &record["integrity"]["sha256"]),
        (
            "key fingerprint",
            &record["integrity"]["signature"]["public_key_sha256"],
        ),
    ] {
        let value = value
            .as_str()
            .unwrap_or_else(|| panic!("{what} in the record"));
        assert!(integrity.contains(value), "{what} {value} shown");
    }
    assert!(integrity.contains("Signing key fingerprint"));

    // Sorting and filtering, driven like a user would.
    let driven = dir.path().join("driven.html");
    std::fs::write(&driven, with_probe(&html, DRIVE)).unwrap();
    let r = dump_dom(&chromium, &driven);
    assert!(
        !body_tag(&r.stdout).contains("data-errors"),
        "{}",
        body_tag(&r.stdout)
    );
    assert_eq!(console_lines(&r.stderr), Vec::<&str>::new());
    let res = test_result(&r.stdout);
    let n = findings.len() as u64;
    let shop = findings
        .iter()
        .filter(|f| f["path"].as_str().unwrap().contains("shop.sql"))
        .count() as u64;
    let high = findings
        .iter()
        .filter(|f| f["confidence"] == "high")
        .count() as u64;
    assert_eq!(res["all"], n, "{res}");
    assert_ne!(res["bar"], "none");
    assert_eq!(res["track2"], kinds("track2") as u64, "{res}");
    assert_eq!(res["track2Only"], true);
    assert_eq!(
        res["shownText"],
        format!("{} of {n} rows shown", kinds("track2"))
    );
    assert_eq!(res["shop"], shop, "case-insensitive text filter: {res}");
    assert_eq!(res["high"], high, "{res}");
    assert_eq!(res["again"], n);
    let lines: Vec<u64> = findings
        .iter()
        .map(|f| f["line"].as_u64().unwrap())
        .collect();
    let mut asc = lines.clone();
    asc.sort();
    let mut desc = asc.clone();
    desc.reverse();
    assert_eq!(res["asc"], serde_json::json!(asc));
    assert_eq!(res["desc"], serde_json::json!(desc));
    assert!(
        asc.first() != asc.last(),
        "the lines differ: the sort is seen"
    );
    assert_eq!(res["ascSort"], "ascending");
    assert_eq!(res["descSort"], "descending");
    assert_eq!(res["panHidden"], true);
    assert_eq!(res["panRevealed"], true, "{res}");
    assert_eq!(res["kindAfter"], "");
    assert!(res["links"].as_u64().unwrap() >= 5, "{res}");
    assert_eq!(res["dangling"], 0);
    assert_eq!(res["scripts"], 3, "the page's two and the test's");

    // Without the page's script: every row shown, no controls.
    let bare = dir.path().join("bare.html");
    std::fs::write(&bare, with_probe(&without_scripts(&html), PROBE)).unwrap();
    let r = dump_dom(&chromium, &bare);
    let res = test_result(&r.stdout);
    assert_eq!(res["rows"], n);
    assert_eq!(res["shown"], n, "{res}");
    assert_eq!(res["bar"], "none", "the filter bar needs the script");
    assert_eq!(res["sortable"], 0);

    // It prints: a PDF of several pages.
    let pdf = dir.path().join("out.pdf");
    let arg = format!("--print-to-pdf={}", pdf.display());
    browse(&chromium, &["--no-pdf-header-footer", &arg], &page);
    let bytes = std::fs::read(&pdf).expect("a PDF was written");
    assert!(bytes.starts_with(b"%PDF-"), "a PDF");
    assert!(bytes.len() > 10_000, "{} bytes", bytes.len());
    let pages = bytes
        .windows(b"/Type /Page".len() + 1)
        .filter(|w| w.starts_with(b"/Type /Page") && !w.ends_with(b"s"))
        .count();
    assert!(pages >= 2, "{pages} pages");
}
