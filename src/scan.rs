//! One scan run: stdin and the walked roots are read by per-thread workers
//! (each with its own reader buffer, scratch space and result lists, merged
//! once when the worker ends — no locks on the hot path), and the results
//! come back as one [`Outcome`]: findings in a deterministic order, every
//! coverage record, and the counters the summary reports.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ignore::{DirEntry, ParallelVisitor, ParallelVisitorBuilder, WalkState};
use serde::Serialize;

use crate::container::{self, Ctx, Limits, Text, Top};
use crate::coverage::{io_detail, Reason, Skipped};
use crate::detect::{Detector, Scratch};
use crate::filters::Filter;
use crate::finding::{Confidence, Finding, Kind};
use crate::redact;
use crate::report::human::counted;
use crate::rules::hex;
use crate::source::{self, Located, Opened, Reader};
use crate::structured::{Attributor, Extra, Segments};
use crate::walk::{self, Excludes, WalkConfig};

/// The display name of standard input.
pub const STDIN_NAME: &str = "-";

/// Settings for a run.
#[derive(Clone, Debug)]
pub struct Config {
    pub walk: WalkConfig,
    /// Read standard input too (`-` among the paths).
    pub stdin: bool,
    /// Findings kept per file; more are counted, not listed.
    pub max_findings_per_file: usize,
    /// What containers are opened, and the limits on them.
    pub limits: Limits,
    /// A line on stderr for every file scanned and every coverage entry.
    pub verbose: bool,
}

/// Live counters for the progress display.
#[derive(Debug, Default)]
pub struct Counters {
    pub files: AtomicU64,
    pub bytes: AtomicU64,
    pub findings: AtomicU64,
    pub skipped: AtomicU64,
}

/// Totals of a run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Stats {
    /// Regular files (and FIFOs named on the command line, and stdin) that
    /// the walk reached and tried to read.
    pub files_seen: u64,
    /// Files (and streams) read to their end.
    pub files_scanned: u64,
    /// Bytes scanned, including files cut short by an error and the
    /// decompressed or extracted bytes of containers.
    pub bytes_scanned: u64,
    /// Container members (archive members, decompressed streams,
    /// attachments, document parts) read to their end.
    pub members_scanned: u64,
    /// Bytes of sparse files' holes (zeros the filesystem does not store)
    /// passed over without being read; not in `bytes_scanned`.
    pub bytes_in_holes: u64,
    /// Files opened without `O_NOATIME` (not their owner): their access
    /// time may have been updated.
    pub atime_not_preserved: u64,
    /// Findings beyond `--max-findings-per-file`, counted not listed.
    pub findings_omitted: u64,
    /// Of those, card data (PAN or track, not a known test PAN).
    pub card_data_omitted: u64,
    /// Candidates each noise filter rejected.
    pub filter_rejections: BTreeMap<&'static str, u64>,
}

/// What a run found and could not read.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub skipped: Vec<Skipped>,
    pub stats: Stats,
    pub elapsed: Duration,
    /// The run was stopped early (SIGINT/SIGTERM).
    pub interrupted: bool,
}

#[derive(Default)]
struct Local {
    findings: Vec<Finding>,
    skipped: Vec<Skipped>,
    stats: Stats,
    rejected: [u64; Filter::ALL.len()],
}

impl Local {
    fn merge(&mut self, mut o: Local) {
        self.findings.append(&mut o.findings);
        self.skipped.append(&mut o.skipped);
        self.stats.files_seen += o.stats.files_seen;
        self.stats.files_scanned += o.stats.files_scanned;
        self.stats.bytes_scanned += o.stats.bytes_scanned;
        self.stats.bytes_in_holes += o.stats.bytes_in_holes;
        self.stats.members_scanned += o.stats.members_scanned;
        self.stats.atime_not_preserved += o.stats.atime_not_preserved;
        self.stats.findings_omitted += o.stats.findings_omitted;
        self.stats.card_data_omitted += o.stats.card_data_omitted;
        for (a, b) in self.rejected.iter_mut().zip(o.rejected) {
            *a += b;
        }
    }
}

struct Shared<'a> {
    cfg: &'a Config,
    det: &'a Detector,
    counters: &'a Counters,
    excludes: Excludes,
    roots: Vec<(PathBuf, Option<u64>)>,
    result: Mutex<Local>,
    stop: &'a AtomicBool,
    /// Bytes expanded from containers in the whole run.
    expanded: AtomicU64,
}

/// One worker per walker thread.
struct Worker<'s, 'a> {
    sh: &'s Shared<'a>,
    reader: Reader,
    scratch: Scratch,
    local: Local,
    dirs: source::DirCache,
    /// pg_dump directory archives' tables of contents.
    pg: container::pgdump::Directories,
}

impl Drop for Worker<'_, '_> {
    fn drop(&mut self) {
        let mut local = std::mem::take(&mut self.local);
        for (a, b) in local.rejected.iter_mut().zip(self.scratch.rejected) {
            *a += b;
        }
        self.scratch.rejected = [0; Filter::ALL.len()];
        if let Ok(mut r) = self.sh.result.lock() {
            r.merge(local);
        }
    }
}

impl<'s, 'a> Worker<'s, 'a> {
    fn new(sh: &'s Shared<'a>) -> Self {
        Worker {
            sh,
            reader: Reader::default(),
            scratch: Scratch::default(),
            local: Local::default(),
            dirs: source::DirCache::default(),
            pg: container::pgdump::Directories::default(),
        }
    }

    fn skip(&mut self, path: &Path, reason: Reason, detail: String, bytes: Option<u64>) {
        self.skip_display(display(path), reason, detail, bytes);
    }

    fn skip_display(&mut self, path: String, reason: Reason, detail: String, bytes: Option<u64>) {
        self.sh.counters.skipped.fetch_add(1, Ordering::Relaxed);
        if self.sh.cfg.verbose {
            // `path` and `detail` are masked already.
            eprintln!("pan-scan: {path}: {} ({detail})", reason.describe());
        }
        self.local.skipped.push(Skipped {
            path,
            reason,
            detail,
            bytes_scanned: bytes,
        });
    }

    /// Reads one stream and records its findings under `name`. With
    /// `text`, the stream is that extracted text and findings get the
    /// location of their segment.
    fn scan_stream<R: Read>(
        &mut self,
        name: &str,
        rdr: R,
        text: Option<&Text>,
        attr: Option<&mut dyn Attributor>,
    ) -> (u64, Option<std::io::Error>) {
        let counters = self.sh.counters;
        let stop = self.sh.stop;
        let got = self.reader.scan(
            self.sh.det,
            &mut self.scratch,
            rdr,
            self.sh.cfg.max_findings_per_file,
            attr,
            |n| {
                counters.bytes.fetch_add(n, Ordering::Relaxed);
                !stop.load(Ordering::Relaxed)
            },
        );
        counters
            .findings
            .fetch_add(got.hits.len() as u64 + got.omitted, Ordering::Relaxed);
        self.local.stats.bytes_scanned += got.bytes;
        self.local.stats.bytes_in_holes += got.holes;
        self.local.stats.findings_omitted += got.omitted;
        self.local.stats.card_data_omitted += got.omitted_card_data;
        for mut h in got.hits {
            if let Some(t) = text {
                h.offset += t.base_offset;
                h.line += t.base_line;
            }
            self.local.findings.push(finding(self.sh.det, name, h));
        }
        counters
            .findings
            .fetch_add(got.extras.len() as u64, Ordering::Relaxed);
        for mut e in got.extras {
            if let Some(t) = text {
                e.offset += t.base_offset;
                e.line += t.base_line;
            }
            self.local.findings.push(extra_finding(name, e));
        }
        (got.bytes, got.error)
    }

    fn scan_file(&mut self, path: &Path, explicit: bool) {
        self.local.stats.files_seen += 1;
        let opened = match source::open(path, explicit, &mut self.dirs) {
            Ok(o) => o,
            Err(e) => return self.skip(path, Reason::of_io(&e), io_detail(&e), None),
        };
        let (file, noatime, size, sparse) = match opened {
            Opened::File(f, n, size, sparse) => (f, n, size, sparse),
            Opened::Special(kind) => {
                return self.skip(path, Reason::SpecialFile, kind.to_string(), None)
            }
        };
        if !noatime {
            self.local.stats.atime_not_preserved += 1;
        }
        let name = display(path);
        let mut file = file;
        let cx = self.sh.ctx();
        let (findings, bytes) = (self.local.findings.len(), self.local.stats.bytes_scanned);
        let limits = &self.sh.cfg.limits;
        let rows = if limits.enabled && limits.structure {
            let rows = self.pg.rows(path, limits.max_buffer);
            rows.map(|a| Box::new(a) as Box<dyn Attributor>)
        } else {
            None
        };
        let whole = container::scan_file(&cx, self, &name, &mut file, size, sparse, rows);
        if whole {
            self.local.stats.files_scanned += 1;
            self.sh.counters.files.fetch_add(1, Ordering::Relaxed);
        }
        if self.sh.cfg.verbose {
            eprintln!(
                "pan-scan: {name}: {} {}, {}",
                if whole { "scanned" } else { "partly scanned" },
                counted(self.local.stats.bytes_scanned - bytes, "byte", "bytes"),
                counted(
                    (self.local.findings.len() - findings) as u64,
                    "finding",
                    "findings"
                )
            );
        }
    }

    fn visit_entry(&mut self, dent: DirEntry) -> WalkState {
        let path = dent.path();
        let depth = dent.depth();
        let root = walk::root_of(&self.sh.roots, path);
        if depth > 0 && self.sh.excludes.matches(path, root.map(|r| r.0.as_path())) {
            self.skip(path, Reason::Excluded, "--exclude".into(), None);
            return WalkState::Skip;
        }
        let Some(ft) = dent.file_type() else {
            return WalkState::Continue;
        };
        if ft.is_dir() {
            if walk::is_virtual_dir(path) {
                self.skip(
                    path,
                    Reason::VirtualFilesystem,
                    "kernel pseudo-filesystem".into(),
                    None,
                );
                return WalkState::Skip;
            }
            if self.sh.cfg.walk.one_file_system && depth > 0 {
                if let (Some((_, Some(dev))), Ok(md)) = (root, dent.metadata()) {
                    if md.dev() != *dev {
                        self.skip(
                            path,
                            Reason::OtherFilesystem,
                            "--one-file-system".into(),
                            None,
                        );
                        return WalkState::Skip;
                    }
                }
            }
            return WalkState::Continue;
        }
        if ft.is_symlink() {
            // Roots are always followed; links inside the tree only with
            // --follow (then the walker resolves them and we never get here).
            if depth == 0 {
                return self.visit_root_link(path);
            }
            self.skip(
                path,
                Reason::Symlink,
                "not followed (use --follow)".into(),
                None,
            );
            return WalkState::Continue;
        }
        if ft.is_file() {
            self.scan_file(path, depth == 0);
        } else if depth == 0 && is_fifo(&ft) {
            // A FIFO named on the command line (`<(zcat x.gz)`) is read.
            self.scan_file(path, true);
        } else {
            let kind = source::special_kind(&ft);
            self.skip(path, Reason::SpecialFile, kind.into(), None);
        }
        WalkState::Continue
    }

    fn visit_root_link(&mut self, path: &Path) -> WalkState {
        match std::fs::metadata(path) {
            Ok(md) if md.is_file() => self.scan_file(path, true),
            Ok(md) if md.file_type().is_dir() => self.skip(
                path,
                Reason::Symlink,
                "a symlink to a directory: name it with a trailing /".into(),
                None,
            ),
            Ok(md) if is_fifo(&md.file_type()) => self.scan_file(path, true),
            Ok(md) => {
                let kind = source::special_kind(&md.file_type());
                self.skip(path, Reason::SpecialFile, kind.into(), None)
            }
            Err(e) => self.skip(path, Reason::of_io(&e), io_detail(&e), None),
        }
        WalkState::Continue
    }
}

impl container::Sink for Worker<'_, '_> {
    fn scan(
        &mut self,
        path: &str,
        r: &mut dyn Read,
        attr: Option<&mut dyn Attributor>,
    ) -> (u64, Option<std::io::Error>) {
        self.scan_stream(path, r, None, attr)
    }

    fn scan_text(&mut self, path: &str, text: &Text) {
        // In memory: no read error can happen.
        let mut segs = Segments::new(text);
        let _ = self.scan_stream(path, &text.buf[..], Some(text), Some(&mut segs));
    }

    fn skip(&mut self, path: &str, reason: Reason, detail: String, bytes: Option<u64>) {
        self.skip_display(path.to_string(), reason, detail, bytes);
    }

    fn member_done(&mut self) {
        self.local.stats.members_scanned += 1;
    }

    fn stopped(&self) -> bool {
        self.sh.stop.load(Ordering::Relaxed)
    }

    fn extra(&mut self, path: &str, e: Extra) {
        self.sh.counters.findings.fetch_add(1, Ordering::Relaxed);
        self.local.findings.push(extra_finding(path, e));
    }

    fn mark(&self) -> usize {
        self.local.findings.len()
    }

    fn dedupe(&mut self, live: std::ops::Range<usize>, raw: usize, only_raw: Option<&'static str>) {
        let key = |f: &Finding| {
            (
                f.kind,
                f.fingerprint.clone().unwrap_or_else(|| f.masked.clone()),
            )
        };
        let mut counts: HashMap<(Kind, String), usize> = HashMap::new();
        for f in &self.local.findings[live] {
            *counts.entry(key(f)).or_insert(0) += 1;
        }
        let tail = self.local.findings.split_off(raw);
        for mut f in tail {
            match counts.get_mut(&key(&f)) {
                Some(n) if *n > 0 => *n -= 1,
                _ => {
                    if let Some(reason) = only_raw.filter(|_| f.kind != Kind::SadField) {
                        f.reasons.push(reason.into());
                    }
                    self.local.findings.push(f);
                }
            }
        }
    }
}

impl<'a> Shared<'a> {
    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            limits: &self.cfg.limits,
            total: &self.expanded,
        }
    }
}

fn is_fifo(ft: &std::fs::FileType) -> bool {
    use std::os::unix::fs::FileTypeExt;
    ft.is_fifo()
}

impl ParallelVisitor for Worker<'_, '_> {
    fn visit(&mut self, entry: Result<DirEntry, ignore::Error>) -> WalkState {
        if self.sh.stop.load(Ordering::Relaxed) {
            return WalkState::Quit;
        }
        match entry {
            Ok(dent) => self.visit_entry(dent),
            Err(e) => {
                let (path, reason, detail) = walk::error_reason(&e);
                let path = path.unwrap_or_else(|| PathBuf::from("?"));
                self.skip(&path, reason, detail, None);
                WalkState::Continue
            }
        }
    }
}

struct Builder<'s, 'a>(&'s Shared<'a>);

impl<'s> ParallelVisitorBuilder<'s> for Builder<'s, '_> {
    fn build(&mut self) -> Box<dyn ParallelVisitor + 's> {
        Box::new(Worker::new(self.0))
    }
}

/// The display form of a path.
pub fn display(path: &Path) -> String {
    redact::path(path)
}

/// Turns a located hit into a finding.
fn finding(det: &Detector, path: &str, l: Located) -> Finding {
    let rules = det.rules();
    let h = l.hit;
    Finding {
        kind: h.kind,
        brand: h.brand.map(|b| rules.brands[b].name.clone()),
        masked: h.masked.text,
        first6: h.masked.first,
        last4: h.masked.last,
        length: h.length,
        fingerprint: h.fingerprint.map(|f| hex(&f)),
        path: path.to_string(),
        line: l.line,
        column: l.column,
        offset: l.offset,
        test_pan: h.test_pan,
        confidence: h.confidence,
        reasons: h.reasons,
        encoding: h.encoding.label(),
        compliant: h.compliant,
        revealed_digits: h.revealed,
        track: h.track,
        location: l.location,
        baseline: None,
        suppressed: None,
    }
}

/// A finding the attributor added: a CVV (all digits hidden) or a field
/// named like sensitive authentication data.
fn extra_finding(path: &str, e: Extra) -> Finding {
    let masked = match e.kind {
        Kind::Cvv => "*".repeat(usize::from(e.length)),
        _ => String::new(),
    };
    Finding {
        kind: e.kind,
        brand: None,
        masked,
        first6: String::new(),
        last4: String::new(),
        length: e.length,
        fingerprint: None,
        path: path.to_string(),
        line: e.line,
        column: 0,
        offset: e.offset,
        test_pan: false,
        confidence: Confidence::High,
        reasons: e.reasons,
        encoding: "ascii",
        compliant: None,
        revealed_digits: None,
        track: None,
        location: Some(e.location),
        baseline: None,
        suppressed: None,
    }
}

/// For fuzz targets and tests: runs `f` with the scanner's own [`Sink`]
/// (the one every file of a run goes through) and the run's [`Ctx`], and
/// returns what it recorded as an [`Outcome`] (sorted like [`run`]'s). A
/// target feeds bytes to any stage of the container layer with it
/// (`container::node`, `archive::tar`, `container::scan_file` on a memfd,
/// `container::leaf_with` and an attributor) without a walk or a file on
/// disk.
///
/// [`Sink`]: container::Sink
#[doc(hidden)]
pub fn run_with(
    cfg: &Config,
    det: &Detector,
    f: impl FnOnce(&Ctx<'_>, &mut dyn container::Sink),
) -> Outcome {
    let started = Instant::now();
    let counters = Counters::default();
    let stop = AtomicBool::new(false);
    let shared = Shared {
        cfg,
        det,
        counters: &counters,
        excludes: Excludes::new(&[]).expect("no exclusions"),
        roots: Vec::new(),
        result: Mutex::new(Local::default()),
        stop: &stop,
        expanded: AtomicU64::new(0),
    };
    {
        let mut w = Worker::new(&shared);
        let cx = shared.ctx();
        f(&cx, &mut w);
    }
    finish(shared, &stop, started)
}

/// Runs a scan. `stop` ends it early when set (the outcome is then marked
/// interrupted).
pub fn run(
    cfg: &Config,
    det: &Detector,
    counters: &Counters,
    stop: &AtomicBool,
) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let shared = Shared {
        cfg,
        det,
        counters,
        excludes: Excludes::new(&cfg.walk.excludes)?,
        roots: walk::root_devices(&cfg.walk.roots),
        result: Mutex::new(Local::default()),
        stop,
        expanded: AtomicU64::new(0),
    };
    if cfg.stdin {
        let mut w = Worker::new(&shared);
        let stdin = std::io::stdin();
        let mut lock = stdin.lock();
        let cx = shared.ctx();
        // Its size is unknown: only each stream's own ratio is checked.
        let top = Top::new(u64::MAX);
        w.local.stats.files_seen += 1;
        let ok = if cfg.limits.enabled {
            container::node(&cx, &top, &mut w, STDIN_NAME, 0, &mut lock)
        } else {
            container::leaf(&mut w, STDIN_NAME, 0, &mut lock)
        };
        if ok {
            w.local.stats.files_scanned += 1;
            counters.files.fetch_add(1, Ordering::Relaxed);
        }
    }
    if !cfg.walk.roots.is_empty() {
        walk::builder(&cfg.walk).visit(&mut Builder(&shared));
    }
    Ok(finish(shared, stop, started))
}

/// The outcome of a run: every worker's results, sorted.
fn finish(shared: Shared<'_>, stop: &AtomicBool, started: Instant) -> Outcome {
    let mut local = shared
        .result
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    let interrupted = stop.load(Ordering::Relaxed);
    let mut stats = std::mem::take(&mut local.stats);
    for f in Filter::ALL {
        stats
            .filter_rejections
            .insert(f.id(), local.rejected[f.index()]);
    }
    let mut findings = local.findings;
    findings.sort_by(|a, b| {
        (a.path.as_str(), a.offset, a.kind).cmp(&(b.path.as_str(), b.offset, b.kind))
    });
    let mut skipped = local.skipped;
    skipped.sort_by(|a, b| (a.path.as_str(), a.reason).cmp(&(b.path.as_str(), b.reason)));
    Outcome {
        findings,
        skipped,
        stats,
        elapsed: started.elapsed(),
        interrupted,
    }
}
