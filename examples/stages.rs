//! The cost of each stage of a scan, on one tree: a ladder for speed work.
//!
//!     cargo run --release --example stages -- DIR [THREADS [STAGE]]
//!
//! Every rung walks DIR in parallel (the `ignore` walker, no filters) with
//! THREADS threads (default: all cores) and reads each file in 128 KiB
//! buffers, as pan-scan does, then adds one stage:
//!
//! - `read`: nothing more (the read limit of one parallel process);
//! - `classify`: a loop that touches every byte and vectorises (counts the
//!   digits), the floor of any scanner;
//! - `kernel`: pan-scan's trigger kernel (`kernel::scan`);
//! - `detect`: the whole detector (kernel, tokenizer, validation, context),
//!   without containers or structured attribution.
//!
//! The last rung is `pan-scan` itself (bench.sh times it). Each rung runs
//! three times; the best wall time is printed with the user and system CPU
//! time of that run, and a count that shows the work was done (bytes,
//! digits, triggers, hits). Nothing is asserted: this explains a bench.sh
//! result, it does not replace it.

use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use ignore::{WalkBuilder, WalkState};
use pan_scan::detect::{Detector, Scratch};
use pan_scan::fingerprint::{Fingerprinter, KeySource};
use pan_scan::kernel;
use pan_scan::source::{Reader, CHUNK};

#[derive(Clone, Copy, PartialEq)]
enum Stage {
    Read,
    Classify,
    Kernel,
    Detect,
}

/// Wall, user and system seconds of `f`.
fn timed(f: impl FnOnce()) -> (f64, f64, f64) {
    fn cpu() -> (f64, f64) {
        // SAFETY: getrusage writes into the struct it is given.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
        let s = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
        (s(ru.ru_utime), s(ru.ru_stime))
    }
    let ((u0, s0), t0) = (cpu(), Instant::now());
    f();
    let (wall, (u1, s1)) = (t0.elapsed().as_secs_f64(), cpu());
    (wall, u1 - u0, s1 - s0)
}

/// The digits in `data`: per 64-byte block a `u8` sum, which vectorises.
fn digits(data: &[u8]) -> u64 {
    let blocks = data.chunks_exact(64);
    let tail = blocks
        .remainder()
        .iter()
        .filter(|&&x| x.wrapping_sub(b'0') < 10)
        .count();
    let sum = blocks
        .map(|b| {
            b.iter()
                .map(|&x| u8::from(x.wrapping_sub(b'0') < 10))
                .sum::<u8>()
        })
        .map(u64::from)
        .sum::<u64>();
    sum + tail as u64
}

/// Runs `stage` over `dir`; returns (bytes read, the stage's count).
fn run(dir: &str, threads: usize, stage: Stage, det: &Detector) -> (u64, u64) {
    let (bytes, count) = (AtomicU64::new(0), AtomicU64::new(0));
    WalkBuilder::new(dir)
        .standard_filters(false)
        .threads(threads)
        .build_parallel()
        .run(|| {
            let mut buf = vec![0u8; CHUNK];
            let mut reader = Reader::default();
            let mut scratch = Scratch::default();
            let mut trig = Vec::new();
            let (bytes, count) = (&bytes, &count);
            Box::new(move |entry| {
                let Ok(entry) = entry else {
                    return WalkState::Continue;
                };
                if !entry.file_type().is_some_and(|t| t.is_file()) {
                    return WalkState::Continue;
                }
                let Ok(mut file) = std::fs::File::open(entry.path()) else {
                    return WalkState::Continue;
                };
                if stage == Stage::Detect {
                    let got = reader.scan(det, &mut scratch, file, usize::MAX, None, |_| true);
                    bytes.fetch_add(got.bytes, Ordering::Relaxed);
                    count.fetch_add(got.hits.len() as u64, Ordering::Relaxed);
                    return WalkState::Continue;
                }
                let (mut b, mut c) = (0u64, 0u64);
                while let Ok(n @ 1..) = file.read(&mut buf) {
                    let data = &buf[..n];
                    b += n as u64;
                    c += match stage {
                        Stage::Classify => digits(data),
                        Stage::Kernel => {
                            trig.clear();
                            kernel::scan(data, n, &mut trig);
                            trig.len() as u64
                        }
                        _ => 0,
                    };
                }
                bytes.fetch_add(b, Ordering::Relaxed);
                count.fetch_add(c, Ordering::Relaxed);
                WalkState::Continue
            })
        });
    (bytes.into_inner(), count.into_inner())
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("usage: stages DIR [THREADS [STAGE]]");
    let threads = args
        .next()
        .map(|t| t.parse().expect("THREADS: a number"))
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let det = Detector::new(Fingerprinter::new(b"stages-key-0123456789", KeySource::Env));
    let stages = [
        ("read", Stage::Read, "bytes"),
        ("classify", Stage::Classify, "digits"),
        ("kernel", Stage::Kernel, "triggers"),
        ("detect", Stage::Detect, "hits"),
    ];
    println!(
        "{:<10} {:>8} {:>8} {:>8} {:>8}  count",
        "stage", "wall_s", "user_s", "sys_s", "GB/s"
    );
    let only = args.next();
    for (name, stage, what) in stages {
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        let mut best = (f64::MAX, 0.0, 0.0, 0, 0);
        for _ in 0..3 {
            let mut got = (0, 0);
            let (wall, user, sys) = timed(|| got = run(&dir, threads, stage, &det));
            if wall < best.0 {
                best = (wall, user, sys, got.0, got.1);
            }
        }
        let (wall, user, sys, bytes, count) = best;
        let gbs = bytes as f64 / wall / 1e9;
        println!("{name:<10} {wall:>8.3} {user:>8.3} {sys:>8.3} {gbs:>8.2}  {count} {what}");
    }
}
