//! Inputs the fuzz targets (fuzz/fuzz_targets/) found crashing, hanging or
//! running out of memory, kept in testdata/fuzz-regressions/TARGET/ and
//! replayed here the way their target feeds them, with the targets' small
//! limits: each must finish, quickly, without a panic, and show no PAN.

use std::io::{Cursor, Seek, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use pan_scan::container::{self, archive, leaf_with, mail, pdf, Ctx, Limits, Sink, Top, HEAD};
use pan_scan::detect::Scratch;
use pan_scan::scan::{self, Config, Outcome};
use pan_scan::source::Reader;
use pan_scan::structured::{csv::Csv, json::Json, sql::Sql, sqlite, Attributor};
use pan_scan::walk::WalkConfig;

use crate::util::detector;

const NAME: &str = "fuzz";

/// The fuzz targets' configuration (fuzz/src/lib.rs).
fn config() -> Config {
    Config {
        walk: WalkConfig::default(),
        stdin: false,
        max_findings_per_file: 1000,
        verbose: false,
        limits: Limits {
            max_buffer: 1 << 20,
            max_container_bytes: 8 << 20,
            max_total_bytes: 16 << 20,
            ratio_floor: 1 << 20,
            max_members: 1000,
            ..Limits::default()
        },
    }
}

fn run_cfg(cfg: &Config, size: u64, f: impl FnOnce(&Ctx<'_>, &Top, &mut dyn Sink)) -> Outcome {
    let top = Top::new(size);
    let det = detector();
    let out = scan::run_with(cfg, &det, |cx, sink| f(cx, &top, sink));
    check(&out);
    out
}

fn run(f: impl FnOnce(&Ctx<'_>, &Top, &mut dyn Sink)) -> Outcome {
    run_cfg(&config(), u64::MAX, f)
}

/// No finding or record shows a PAN-like number.
fn check(o: &Outcome) {
    let clean = |s: &str| s.split('!').all(|p| pan_scan::redact::text(p) == p);
    fn clean_json(v: &serde_json::Value) -> bool {
        match v {
            serde_json::Value::String(s) => pan_scan::redact::text(s) == *s,
            serde_json::Value::Array(a) => a.iter().all(clean_json),
            serde_json::Value::Object(o) => o
                .iter()
                .all(|(k, x)| pan_scan::redact::text(k) == *k && clean_json(x)),
            _ => true,
        }
    }
    for f in &o.findings {
        let digits = f.masked.chars().filter(char::is_ascii_digit).count();
        assert!(digits <= 10, "{}", f.masked);
        assert!(clean(&f.path), "{}", f.path);
        if let Some(l) = &f.location {
            let l = serde_json::Value::Object(l.clone());
            assert!(clean_json(&l), "a location shows a PAN-like number: {l}");
        }
    }
    for s in &o.skipped {
        assert!(
            clean(&s.path) && clean(&s.detail),
            "{} {}",
            s.path,
            s.detail
        );
    }
}

fn memfd(data: &[u8]) -> std::fs::File {
    // SAFETY: a constant NUL-terminated name; the descriptor is new and owned here.
    let fd = unsafe { libc::memfd_create(c"pan-scan-test".as_ptr(), libc::MFD_CLOEXEC) };
    assert!(fd >= 0);
    // SAFETY: `fd` is a valid descriptor nobody else owns.
    let mut f = unsafe { <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(fd) };
    f.write_all(data).unwrap();
    f.rewind().unwrap();
    f
}

fn file(data: &[u8]) {
    let mut f = memfd(data);
    let size = data.len() as u64;
    run_cfg(&config(), size, |cx, _top, sink| {
        container::scan_file(cx, sink, NAME, &mut f, size, false, None);
    });
}

fn chunk_of(a: u8, b: u8) -> usize {
    1 + (usize::from(a) << 8 | usize::from(b)) % 4096
}

fn reader(data: &[u8], chunk: usize, attr: Option<&mut dyn Attributor>) {
    let det = detector();
    let mut s = Scratch::default();
    let got = Reader::new(chunk).scan(&det, &mut s, data, usize::MAX, attr, |_| true);
    // What the fuzz targets check (fuzz/src/lib.rs): no location shows a
    // PAN-like number (one that masking would change).
    fn shown(v: &serde_json::Value) {
        match v {
            // (Not assert_eq!, which would print the number.)
            serde_json::Value::String(s) => assert!(
                pan_scan::redact::text(s) == s.as_str(),
                "a location shows a PAN-like number"
            ),
            serde_json::Value::Array(a) => a.iter().for_each(shown),
            serde_json::Value::Object(o) => o.iter().for_each(|(k, x)| {
                shown(&serde_json::Value::String(k.clone()));
                shown(x);
            }),
            _ => {}
        }
    }
    let locations = got.hits.iter().filter_map(|l| l.location.as_ref());
    for loc in locations.chain(got.extras.iter().map(|e| &e.location)) {
        shown(&serde_json::Value::Object(loc.clone()));
    }
}

/// Feeds `data` as fuzz target `target` does.
fn replay(target: &str, data: &[u8]) {
    match target {
        "detector" if data.len() >= 2 => {
            reader(&data[2..], chunk_of(data[0], data[1]), None);
            reader(&data[2..], 1 << 20, None);
        }
        "container" => {
            run_cfg(&config(), data.len() as u64, |cx, top, sink| {
                container::node(cx, top, sink, NAME, 0, &mut Cursor::new(data));
            });
        }
        "zip" => {
            file(data);
            let mut cfg = config();
            cfg.limits.max_buffer = 0;
            run_cfg(&cfg, data.len() as u64, |cx, top, sink| {
                archive::zip_stream(cx, top, sink, NAME, 0, &mut Cursor::new(data));
            });
        }
        "tar" => {
            run(|cx, top, sink| {
                archive::tar(cx, top, sink, NAME, 0, &mut Cursor::new(data));
            });
        }
        "office" => {
            // The target zips the parts itself; its regression inputs are
            // kept as the zip it made.
            run(|cx, top, sink| {
                archive::zip_seekable(cx, top, sink, NAME, 0, Cursor::new(data));
            });
        }
        "pdf" => {
            run(|cx, _top, sink| {
                pdf::scan(cx, sink, NAME, 0, &mut Cursor::new(data));
            });
        }
        "mail" => {
            run(|cx, top, sink| {
                mail::scan_message_stream(cx, top, sink, NAME, 0, &mut Cursor::new(data));
            });
            run(|cx, top, sink| {
                mail::scan_mbox(cx, top, sink, NAME, 0, &mut Cursor::new(data));
            });
        }
        "sql" if data.len() >= 2 => {
            let (chunk, data) = (chunk_of(data[0], data[1]), &data[2..]);
            let head = &data[..data.len().min(HEAD)];
            reader(data, chunk, Some(&mut Sql::new(head)));
            run(|_cx, _top, sink| {
                let a = Box::new(Sql::new(head));
                leaf_with(sink, NAME, 0, &mut Cursor::new(data), Some(a));
            });
        }
        "csv" if data.len() >= 2 => {
            let (chunk, data) = (chunk_of(data[0], data[1]), &data[2..]);
            let head = &data[..data.len().min(HEAD)];
            if let Some(mut a) = Csv::new(head) {
                reader(data, chunk, Some(&mut a));
            }
        }
        "json" if data.len() >= 2 => {
            let (chunk, data) = (chunk_of(data[0], data[1]), &data[2..]);
            for lines in [false, true] {
                reader(data, chunk, Some(&mut Json::new(lines)));
                run(|_cx, _top, sink| {
                    let a = Box::new(Json::new(lines));
                    leaf_with(sink, NAME, 0, &mut Cursor::new(data), Some(a));
                });
            }
        }
        "sevenz" => {
            run_cfg(&config(), data.len() as u64, |cx, top, sink| {
                container::sevenz::scan_seekable(cx, top, sink, NAME, 0, &mut Cursor::new(data));
            });
        }
        "redis" => {
            run(|cx, top, sink| {
                container::redis::scan(cx, top, sink, NAME, 0, &mut Cursor::new(data));
            });
        }
        "sqlite" => {
            let mut v = Vec::new();
            if !data.starts_with(sqlite::MAGIC) {
                v.extend_from_slice(sqlite::MAGIC);
            }
            v.extend_from_slice(data);
            file(&v);
        }
        _ => {}
    }
}

#[test]
fn fuzz_regression_inputs_replay_cleanly() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/fuzz-regressions");
    let mut n = 0;
    for dir in std::fs::read_dir(&root).unwrap() {
        let dir = dir.unwrap().path();
        let target = dir.file_name().unwrap().to_str().unwrap().to_string();
        for f in std::fs::read_dir(&dir).unwrap() {
            let f = f.unwrap().path();
            let data = std::fs::read(&f).unwrap();
            let started = Instant::now();
            replay(&target, &data);
            let took = started.elapsed();
            assert!(took < Duration::from_secs(30), "{}: {took:?}", f.display());
            n += 1;
        }
    }
    assert!(n > 0, "no regression inputs under {}", root.display());
}

/// A document part made of one huge text node (a few KiB compressed) is
/// cut at the in-memory limit, reported, and not held whole: the XML
/// reader keeps one event in memory, so without the cut memory grew with
/// the expanded size of the part (up to --max-container-size).
#[test]
fn office_text_node_larger_than_the_buffer_is_cut() {
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    z.start_file("word/document.xml", opts).unwrap();
    z.write_all(b"<w:document><w:body><w:p><w:r><w:t>card 4532015112830366</w:t></w:r></w:p><w:p><w:r><w:t>")
        .unwrap();
    z.write_all(&vec![b'a'; 3 << 20]).unwrap();
    z.write_all(b"</w:t></w:r></w:p></w:body></w:document>")
        .unwrap();
    let bytes = z.finish().unwrap().into_inner();
    let out = run(|cx, top, sink| {
        archive::zip_seekable(cx, top, sink, NAME, 0, Cursor::new(&bytes[..]));
    });
    assert!(
        out.skipped
            .iter()
            .any(|s| s.path == "fuzz!word/document.xml"
                && s.reason == pan_scan::coverage::Reason::Limit
                && s.detail.contains("--max-buffer")),
        "{:?}",
        out.skipped
    );
    assert_eq!(
        out.findings.len(),
        1,
        "the paragraph before the cut is scanned"
    );
}
