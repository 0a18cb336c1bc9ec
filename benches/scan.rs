//! Criterion benchmarks: the kernel's implementations on typical buffers,
//! and the whole detector on a generated log with a known number of planted
//! PANs (asserted before timing, so a fast wrong answer fails).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

use pan_scan::detect::{Detector, Scratch};
use pan_scan::fingerprint::{Fingerprinter, KeySource};
use pan_scan::kernel;
use pan_scan::source::Reader;

/// A small xorshift generator: benchmarks must not depend on a crate's
/// random stream.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn prose(n: usize) -> Vec<u8> {
    let words = [
        "the ", "quick ", "brown ", "fox ", "jumps ", "over ", "lazy ", "dog.\n",
    ];
    let mut r = Rng(1);
    let mut v = Vec::with_capacity(n);
    while v.len() < n {
        v.extend_from_slice(words[(r.next() % 8) as usize].as_bytes());
    }
    v.truncate(n);
    v
}

fn logs(n: usize, pan_every: usize) -> (Vec<u8>, usize) {
    let mut r = Rng(2);
    let mut v = Vec::with_capacity(n + 256);
    let mut planted = 0;
    let mut line = 0;
    while v.len() < n {
        line += 1;
        let id = r.next() % 1_000_000;
        let ms = r.next() % 1000;
        v.extend_from_slice(
            format!(
                "2024-05-01T12:{:02}:{:02}.{ms:03}Z INFO req={id} user=u{} took {}ms path=/api/v1/orders/{}\n",
                line % 60,
                (line / 60) % 60,
                r.next() % 9999,
                r.next() % 500,
                r.next() % 100_000
            )
            .as_bytes(),
        );
        if pan_every > 0 && line % pan_every == 0 {
            v.extend_from_slice(
                b"2024-05-01T12:00:00.000Z WARN payment card=4532015112830366 declined\n",
            );
            planted += 1;
        }
    }
    (v, planted)
}

fn random_bytes(n: usize) -> Vec<u8> {
    let mut r = Rng(3);
    (0..n).map(|_| r.next() as u8).collect()
}

fn utf16(n: usize) -> Vec<u8> {
    let (text, _) = logs(n / 2, 0);
    String::from_utf8(text)
        .unwrap()
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .take(n)
        .collect()
}

fn kernel_benches(c: &mut Criterion) {
    let n = 128 * 1024;
    let inputs = [
        ("prose", prose(n)),
        ("logs", logs(n, 0).0[..n].to_vec()),
        ("random", random_bytes(n)),
        ("utf16", utf16(n)),
    ];
    let mut g = c.benchmark_group("kernel");
    g.throughput(Throughput::Bytes(n as u64));
    let mut out = Vec::with_capacity(8192);
    for (name, buf) in &inputs {
        for (imp, f) in kernel::implementations() {
            g.bench_with_input(BenchmarkId::new(imp, name), buf, |b, buf| {
                b.iter(|| {
                    out.clear();
                    f(buf, buf.len(), &mut out)
                })
            });
        }
    }
    g.finish();
}

fn detector_bench(c: &mut Criterion) {
    let det = Detector::new(Fingerprinter::new(b"bench-key-0123456789", KeySource::Env));
    let (data, planted) = logs(16 << 20, 1000);
    let mut scratch = Scratch::default();
    let mut reader = Reader::default();
    let got = reader.scan(&det, &mut scratch, &data[..], usize::MAX, None, |_| true);
    assert_eq!(
        got.hits.len(),
        planted,
        "the detector finds exactly the planted PANs"
    );
    let mut g = c.benchmark_group("detector");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.sample_size(20);
    g.bench_function("logs_16MiB", |b| {
        b.iter(|| {
            let got = reader.scan(&det, &mut scratch, &data[..], usize::MAX, None, |_| true);
            assert_eq!(got.hits.len(), planted);
        })
    });
    g.finish();
}

criterion_group!(benches, kernel_benches, detector_bench);
criterion_main!(benches);
