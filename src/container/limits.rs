//! Limits against hostile containers (zip and gzip bombs, deep nesting,
//! archives of millions of members), and the reader that enforces them on
//! every decompressed byte. A limit that bites ends the member with a
//! [`LimitHit`] error: what was read before it is scanned, and the member is
//! reported with the limit named.

use std::cell::Cell;
use std::fmt;
use std::io::{self, Read};
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The limits, with their defaults.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Open containers at all (`--no-containers` turns this off: every
    /// file is scanned as raw bytes).
    pub enabled: bool,
    /// Place findings in SQL dumps, CSV and JSON (`--no-structure` turns
    /// this off: findings keep their line and column only).
    pub structure: bool,
    /// How deep containers nest before one is scanned as raw bytes
    /// (`a.tar.gz` holds `a.tar` at depth 1 and its members at depth 2).
    pub max_depth: u32,
    /// Expanded bytes under one file on disk, all members together.
    pub max_container_bytes: u64,
    /// Expanded bytes in the whole run.
    pub max_total_bytes: u64,
    /// Expanded over compressed bytes, for one stream or member and for
    /// everything under one file on disk.
    pub max_ratio: u64,
    /// The ratio is checked only past this many expanded bytes (small
    /// files of zeros legitimately compress a thousandfold).
    pub ratio_floor: u64,
    /// Members read from one archive.
    pub max_members: u64,
    /// Bytes held in memory for a member that needs random access (a zip
    /// inside another container, a PDF, a mail message).
    pub max_buffer: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            enabled: true,
            structure: true,
            max_depth: 10,
            max_container_bytes: 64 << 30,
            max_total_bytes: 1 << 40,
            max_ratio: 1000,
            ratio_floor: 64 << 20,
            max_members: 100_000,
            max_buffer: 64 << 20,
        }
    }
}

/// Which limit bit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    Depth,
    ContainerBytes,
    TotalBytes,
    Ratio,
    Members,
    Buffer,
}

impl Limit {
    /// The command-line option that sets it.
    pub fn option(self) -> &'static str {
        match self {
            Limit::Depth => "--max-depth",
            Limit::ContainerBytes => "--max-container-size",
            Limit::TotalBytes => "--max-total-expanded",
            Limit::Ratio => "--max-ratio",
            Limit::Members => "--max-members",
            Limit::Buffer => "--max-buffer",
        }
    }
}

/// A limit that stopped reading: the error a [`Guard`] returns, and the
/// detail of the coverage record.
#[derive(Debug)]
pub struct LimitHit {
    pub limit: Limit,
    pub detail: String,
}

impl LimitHit {
    pub fn new(limit: Limit, detail: String) -> LimitHit {
        LimitHit { limit, detail }
    }

    fn error(limit: Limit, detail: String) -> io::Error {
        io::Error::other(LimitHit::new(limit, detail))
    }
}

impl fmt::Display for LimitHit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [limit {}]", self.detail, self.limit.option())
    }
}

impl std::error::Error for LimitHit {}

/// The run's limits and its expanded-byte total (shared by all threads).
pub struct Ctx<'a> {
    pub limits: &'a Limits,
    pub total: &'a AtomicU64,
}

/// One file on disk while it is scanned: the expanded bytes under it, and
/// what lies beside it says of its contents.
pub struct Top {
    pub size: u64,
    pub expanded: Cell<u64>,
    /// The attributor of the file's first plain stream, when the file's
    /// neighbours say what its rows are (a pg_dump directory archive's
    /// `toc.dat` beside its data files); otherwise one is chosen by what the
    /// stream looks like.
    pub rows: Cell<Option<Box<dyn crate::structured::Attributor>>>,
}

impl Top {
    pub fn new(size: u64) -> Top {
        Top {
            size,
            expanded: Cell::new(0),
            rows: Cell::new(None),
        }
    }
}

/// Counts the bytes read through it (the compressed side of a decoder).
pub struct Counted<R> {
    inner: R,
    n: Rc<Cell<u64>>,
}

impl<R> Counted<R> {
    pub fn new(inner: R) -> Counted<R> {
        Counted {
            inner,
            n: Rc::new(Cell::new(0)),
        }
    }

    pub fn counter(&self) -> Rc<Cell<u64>> {
        Rc::clone(&self.n)
    }
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.n.set(self.n.get() + n as u64);
        Ok(n)
    }
}

/// How many compressed bytes a stream's output came from.
pub enum Consumed {
    /// Counted as the decoder reads them.
    Counter(Rc<Cell<u64>>),
    /// Known in advance (a zip member's compressed size).
    Known(u64),
}

/// Enforces the byte and ratio limits on a decoded stream.
pub struct Guard<'c, R> {
    inner: R,
    cx: &'c Ctx<'c>,
    top: &'c Top,
    consumed: Consumed,
    produced: u64,
}

impl<'c, R: Read> Guard<'c, R> {
    pub fn new(cx: &'c Ctx<'c>, top: &'c Top, inner: R, consumed: Consumed) -> Self {
        Guard {
            inner,
            cx,
            top,
            consumed,
            produced: 0,
        }
    }

    fn check(&self) -> io::Result<()> {
        let l = self.cx.limits;
        check_expansion(self.cx, self.top, 0)?;
        let expanded = self.top.expanded.get();
        let consumed = match &self.consumed {
            Consumed::Counter(c) => c.get(),
            Consumed::Known(n) => *n,
        };
        if self.produced > l.ratio_floor && self.produced / consumed.max(1) >= l.max_ratio {
            return Err(LimitHit::error(
                Limit::Ratio,
                format!(
                    "compression ratio over {}:1 after {} expanded, a likely compression bomb",
                    l.max_ratio,
                    bytes(self.produced)
                ),
            ));
        }
        if expanded > l.ratio_floor && expanded / self.top.size.max(1) >= l.max_ratio {
            return Err(LimitHit::error(
                Limit::Ratio,
                format!(
                    "{} expanded from a {} file, over {}:1, a likely compression bomb",
                    bytes(expanded),
                    bytes(self.top.size),
                    l.max_ratio
                ),
            ));
        }
        Ok(())
    }
}

impl<R: Read> Read for Guard<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.check()?;
        let n = self.inner.read(buf)?;
        self.produced += n as u64;
        add_expanded(self.cx, self.top, n as u64);
        Ok(n)
    }
}

/// The per-file and per-run limits on expanded bytes, with `more` bytes
/// about to be expanded: an error once either would be reached.
pub fn check_expansion(cx: &Ctx, top: &Top, more: u64) -> io::Result<()> {
    let l = cx.limits;
    if top.expanded.get().saturating_add(more) >= l.max_container_bytes {
        return Err(LimitHit::error(
            Limit::ContainerBytes,
            format!(
                "over {} expanded from one file",
                bytes(l.max_container_bytes)
            ),
        ));
    }
    if cx.total.load(Ordering::Relaxed).saturating_add(more) >= l.max_total_bytes {
        return Err(LimitHit::error(
            Limit::TotalBytes,
            format!("over {} expanded in this run", bytes(l.max_total_bytes)),
        ));
    }
    Ok(())
}

/// Counts `n` expanded bytes under the file and in the run.
pub fn add_expanded(cx: &Ctx, top: &Top, n: u64) {
    top.expanded.set(top.expanded.get() + n);
    cx.total.fetch_add(n, Ordering::Relaxed);
}

/// A byte count for messages: `64 MiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 || v.fract() == 0.0 {
        format!("{v:.0} {}", UNITS[u])
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// Parses a size with an optional K/M/G/T suffix (powers of 1024).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (num, mult) = match t.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (&t[..t.len() - 1], 1u64 << 10),
        Some('M') => (&t[..t.len() - 1], 1 << 20),
        Some('G') => (&t[..t.len() - 1], 1 << 30),
        Some('T') => (&t[..t.len() - 1], 1 << 40),
        _ => (t, 1),
    };
    let n: u64 = num
        .trim()
        .parse()
        .map_err(|_| format!("not a size: {s:?} (a number with an optional K, M, G or T)"))?;
    n.checked_mul(mult)
        .ok_or_else(|| format!("size too large: {s:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_and_print() {
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("10k"), Ok(10 << 10));
        assert_eq!(parse_size("123"), Ok(123));
        assert!(parse_size("12Q").is_err());
        assert!(parse_size("99999999999T").is_err());
        assert_eq!(bytes(64 << 20), "64 MiB");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(12), "12 B");
    }

    #[test]
    fn the_guard_stops_a_bomb_after_the_floor() {
        let limits = Limits {
            ratio_floor: 1000,
            max_ratio: 10,
            ..Limits::default()
        };
        let total = AtomicU64::new(0);
        let cx = Ctx {
            limits: &limits,
            total: &total,
        };
        let top = Top::new(1 << 30);
        let zeros = io::repeat(0).take(1 << 20);
        let mut g = Guard::new(&cx, &top, zeros, Consumed::Known(10));
        let mut sink = Vec::new();
        let err = io::copy(&mut g, &mut sink).unwrap_err();
        let hit = err.get_ref().unwrap().downcast_ref::<LimitHit>().unwrap();
        assert_eq!(hit.limit, Limit::Ratio);
        assert!(sink.len() > 1000 && sink.len() < 1 << 20, "{}", sink.len());
        // A stream within the ratio reads to its end.
        let top = Top::new(1 << 30);
        let mut g = Guard::new(&cx, &top, io::repeat(0).take(5000), Consumed::Known(1000));
        assert_eq!(io::copy(&mut g, &mut io::sink()).unwrap(), 5000);
    }

    #[test]
    fn the_guard_stops_at_the_container_size() {
        let limits = Limits {
            max_container_bytes: 100_000,
            ..Limits::default()
        };
        let total = AtomicU64::new(0);
        let cx = Ctx {
            limits: &limits,
            total: &total,
        };
        let top = Top::new(10);
        let mut g = Guard::new(
            &cx,
            &top,
            io::repeat(b'a').take(1 << 20),
            Consumed::Known(1 << 20),
        );
        let err = io::copy(&mut g, &mut io::sink()).unwrap_err();
        assert!(err.to_string().contains("--max-container-size"), "{err}");
        assert_eq!(total.load(Ordering::Relaxed), top.expanded.get());
    }
}
