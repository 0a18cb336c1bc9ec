//! What every fuzz target shares: a detector with a fixed key, a run
//! configuration with small limits (so that an out-of-memory report is
//! pan-scan's fault, not the limits'), the scanner's own sink through
//! `pan_scan::scan::run_with`, and the checks every outcome must pass:
//! no finding or coverage record shows a full PAN.

use std::fs::File;
use std::io::{Cursor, Write};
use std::os::fd::FromRawFd;
use std::sync::OnceLock;

use pan_scan::container::{Ctx, Limits, Sink, Top};
use pan_scan::detect::{Detector, Hit, Scratch};
use pan_scan::fingerprint::{Fingerprinter, KeySource};
use pan_scan::scan::{self, Config, Outcome};
use pan_scan::source::{Located, Reader};
use pan_scan::structured::Attributor;
use pan_scan::walk::WalkConfig;

/// The display path of the fuzzed stream.
pub const NAME: &str = "fuzz";

pub fn detector() -> &'static Detector {
    static D: OnceLock<Detector> = OnceLock::new();
    D.get_or_init(|| Detector::new(Fingerprinter::new(b"fuzzing-key-0123", KeySource::Env)))
}

/// Limits small enough for a fuzzer's 512 MB: 1 MiB held in memory for
/// one member, 8 MiB expanded per input, the ratio checked past 1 MiB.
pub fn limits() -> Limits {
    Limits {
        max_buffer: 1 << 20,
        max_container_bytes: 8 << 20,
        max_total_bytes: 16 << 20,
        ratio_floor: 1 << 20,
        max_members: 1000,
        ..Limits::default()
    }
}

pub fn config() -> Config {
    Config {
        walk: WalkConfig::default(),
        stdin: false,
        max_findings_per_file: 1000,
        verbose: false,
        limits: limits(),
    }
}

/// Runs `f` with the scanner's sink and checks what it recorded.
pub fn run(f: impl FnOnce(&Ctx<'_>, &Top, &mut dyn Sink)) -> Outcome {
    run_cfg(&config(), u64::MAX, f)
}

/// [`run`] with a configuration and the size of the file on disk.
pub fn run_cfg(cfg: &Config, size: u64, f: impl FnOnce(&Ctx<'_>, &Top, &mut dyn Sink)) -> Outcome {
    let top = Top::new(size);
    let out = scan::run_with(cfg, detector(), |cx, sink| f(cx, &top, sink));
    check_outcome(&out);
    out
}

/// The container layer on a stream, as standard input is read: sniffed,
/// opened, each member in turn.
pub fn node(data: &[u8]) -> Outcome {
    run_cfg(&config(), data.len() as u64, |cx, top, sink| {
        pan_scan::container::node(cx, top, sink, NAME, 0, &mut Cursor::new(data));
    })
}

/// The container layer on a file on disk (here a memfd holding `data`),
/// as the walk reads every regular file: zip in place, SQLite through
/// SQLite (`/proc/self/fd/N`).
pub fn file(data: &[u8]) -> Outcome {
    let mut f = memfd(data);
    let size = data.len() as u64;
    run_cfg(&config(), size, |cx, _top, sink| {
        pan_scan::container::scan_file(cx, sink, NAME, &mut f, size, false, None);
    })
}

/// An anonymous in-memory file holding `data`, positioned at its start.
pub fn memfd(data: &[u8]) -> File {
    // SAFETY: a constant NUL-terminated name; the descriptor returned is new and owned here.
    let fd = unsafe { libc::memfd_create(c"pan-scan-fuzz".as_ptr(), libc::MFD_CLOEXEC) };
    assert!(fd >= 0, "memfd_create: {}", std::io::Error::last_os_error());
    // SAFETY: `fd` is a valid descriptor nobody else owns.
    let mut f = unsafe { File::from_raw_fd(fd) };
    f.write_all(data).expect("write memfd");
    use std::io::Seek;
    f.rewind().expect("rewind memfd");
    f
}

/// The reader and detector alone on `data`, `chunk` new bytes per buffer
/// (small chunks cut the stream everywhere), with an attributor.
pub fn reader(data: &[u8], chunk: usize, attr: Option<&mut dyn Attributor>) -> Vec<Located> {
    let mut s = Scratch::default();
    let got = Reader::new(chunk).scan(detector(), &mut s, data, usize::MAX, attr, |_| true);
    for l in &got.hits {
        check_hit(&l.hit);
        if let Some(loc) = &l.location {
            check_json(&serde_json::Value::Object(loc.clone()), "location");
        }
    }
    for e in &got.extras {
        check_json(
            &serde_json::Value::Object(e.location.clone()),
            "extra location",
        );
        for r in &e.reasons {
            check_text(r, "extra reason");
        }
    }
    got.hits
}

/// A chunk size from two bytes: 1..=4096.
pub fn chunk_of(a: u8, b: u8) -> usize {
    1 + (usize::from(a) << 8 | usize::from(b)) % 4096
}

fn digits(s: &str) -> usize {
    s.chars()
        .filter(|c| c.is_ascii_digit() || ('０'..='９').contains(c))
        .count()
}

/// A detector hit shows at most six and four digits.
pub fn check_hit(h: &Hit) {
    let m = &h.masked;
    assert!(
        digits(&m.text) <= 10 && digits(&m.first) <= 6 && digits(&m.last) <= 4,
        "a hit shows too many digits: {:?} / {:?} / {:?}",
        m.text,
        m.first,
        m.last
    );
}

/// Text pan-scan prints: each `!`-separated piece (member paths join
/// pieces masked one by one) is left alone by masking, i.e. holds no
/// PAN-like digit run (12–19 digits passing Luhn, or 20 and more).
pub fn check_text(s: &str, what: &str) {
    for piece in s.split('!') {
        let masked = pan_scan::redact::text(piece);
        assert!(
            masked == piece,
            "{what} holds a PAN-like number: {:?}",
            piece
                .chars()
                .map(|c| if c.is_ascii_digit() { '#' } else { c })
                .collect::<String>()
        );
    }
}

fn check_json(v: &serde_json::Value, what: &str) {
    match v {
        serde_json::Value::String(s) => check_text(s, what),
        serde_json::Value::Array(a) => a.iter().for_each(|x| check_json(x, what)),
        serde_json::Value::Object(o) => o.iter().for_each(|(k, x)| {
            check_text(k, what);
            check_json(x, what)
        }),
        _ => {}
    }
}

/// Every finding and coverage record of an outcome: masked numbers show
/// at most six and four digits, and no path, location, reason or detail
/// holds a PAN-like number.
pub fn check_outcome(o: &Outcome) {
    for f in &o.findings {
        assert!(
            digits(&f.masked) <= 10 && digits(&f.first6) <= 6 && digits(&f.last4) <= 4,
            "a finding shows too many digits: {:?} / {:?} / {:?}",
            f.masked,
            f.first6,
            f.last4
        );
        check_text(&f.path, "finding path");
        if let Some(loc) = &f.location {
            check_json(&serde_json::Value::Object(loc.clone()), "location");
        }
        for r in &f.reasons {
            check_text(r, "reason");
        }
    }
    for s in &o.skipped {
        check_text(&s.path, "coverage path");
        check_text(&s.detail, "coverage detail");
    }
}
