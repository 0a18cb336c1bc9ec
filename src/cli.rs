//! The command line: flags (clap), their resolution into a scan
//! configuration, and the run itself — detector, progress, scan, report,
//! exit code. `main.rs` only calls [`main_exit`].

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use anyhow::{bail, Result};
use clap::{CommandFactory, FromArgMatches, Parser};

use crate::baseline::Baseline;
use crate::container::Limits;
use crate::detect::Detector;
use crate::fingerprint::Fingerprinter;
use crate::progress::Progress;
use crate::report::evidence::{self, Evidence, Exclusion, KeyInfo};
use crate::report::{self, exit, Format, Output, Report, Summary};
use crate::scan::{self, Config, Counters};
use crate::suppress::Suppressions;
use crate::walk::WalkConfig;

const AFTER_HELP: &str = "\
Examples:
  pan-scan /var/www                      scan a web root; summary and verdict
  pan-scan --format jsonl /srv > out.jsonl
  journalctl -o cat | pan-scan -         scan standard input
  pan-scan -e '*.iso' -e node_modules /  exclude by glob
  PAN_SCAN_KEY=$(cat /etc/pan-scan.key) pan-scan -q /home   for cron
  pan-scan --max-ratio 200 --max-depth 4 /backups   stricter container limits
  pan-scan --json evidence.json --report report.html --sign-key signer /srv
                                         evidence record, HTML report, signed
  pan-scan --config /etc/pan-scan.toml   options from a file (cron, systemd)
  pan-scan --baseline last.json --fail-on new /srv   fail only on new card data
  pan-scan selftest                      plant test PANs in every format, find them
  pan-scan verify evidence.json --pubkey signer.pub  check a signed record

Containers are opened by default, recognised by content: gzip, bzip2, xz,
zstd; tar and zip (also jar/war); docx/xlsx/pptx and odt/ods/odp text; PDF
text; .eml and mbox mail with attachments. Members are named with `!`:
backup.tar.gz!site/db.zip!dump.sql. A limit that bites, an encrypted or a
corrupt member is reported (coverage incomplete); what was read is scanned.

What is found: PANs (12-19 digits of a card brand's IIN range and length,
passing Luhn, contiguous or grouped by spaces/dashes), track 1/2 data
(also EMV tag 57 hex), and masked PANs (411111******1111). Numbers are never
shown in full: at most the first 6 and last 4 digits.

Exit codes:
  0  nothing found and everything was read
  1  card data found (a PAN or track data that is not a known test PAN)
  2  usage or fatal error
  3  nothing found, but some files could not be read (coverage incomplete)
  130, 143  interrupted by SIGINT / SIGTERM (the report is still written)
Suppressed findings never count; with --fail-on new only card data that the
baseline did not have makes the exit code 1.";

/// Finds card numbers, track data and masked PANs in files, without ever
/// revealing one (PCI DSS v4.0.1 data discovery).
#[derive(Parser, Debug)]
#[command(
    name = "pan-scan",
    version,
    about,
    after_help = AFTER_HELP,
    args_conflicts_with_subcommands = true,
    disable_help_subcommand = true
)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Files or directories to scan; `-` reads standard input [default: .]
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Output format on standard output: human, jsonl, or json (the
    /// evidence record).
    #[arg(short = 'f', long, value_enum, default_value = "human")]
    pub format: Format,

    /// Also write a report to FILE (repeatable), atomically with mode
    /// 0600; the format comes from the extension (.txt, .jsonl, .json) or
    /// a prefix: `--report json=evidence.dat`.
    #[arg(long, value_name = "[FORMAT=]FILE", value_parser = Output::parse)]
    pub report: Vec<Output>,

    /// Write the JSON evidence record to FILE (same as `--report json=FILE`).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// Sign JSON evidence records with this Ed25519 private key (PKCS#8
    /// PEM, from `pan-scan keygen` or `openssl genpkey -algorithm ed25519`).
    #[arg(long, value_name = "KEY")]
    pub sign_key: Option<PathBuf>,

    /// Read options from this TOML file [default: $PAN_SCAN_CONFIG, else
    /// /etc/pan-scan.toml when it exists]. The command line wins.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Read no configuration file.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,

    /// Compare with an earlier JSON evidence record: each finding is new or
    /// persisting, and what is gone is listed as resolved (needs the same
    /// PAN_SCAN_KEY or --key-file as that run).
    #[arg(long, value_name = "RECORD")]
    pub baseline: Option<PathBuf>,

    /// Accepted findings (TOML: by fingerprint, id or path glob, each with
    /// a justification and an optional expiry date). Suppressed findings are
    /// listed but count for neither the verdict nor the exit code.
    #[arg(long, value_name = "FILE")]
    pub suppressions: Option<PathBuf>,

    /// What makes the exit code 1: any card data, or only card data the
    /// baseline did not have (`new`, needs --baseline).
    #[arg(long, value_enum, value_name = "WHAT", default_value = "any")]
    pub fail_on: FailOn,

    /// Exclusions from the configuration file.
    #[arg(skip)]
    pub config_excludes: Vec<String>,

    /// The configuration file read, if any.
    #[arg(skip)]
    pub config_file: Option<PathBuf>,

    /// Worker threads [default: number of CPUs].
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,

    /// Skip files and directories matching GLOB (repeatable). A glob
    /// without `/` matches names (`*.iso`, `node_modules`); one with `/`
    /// matches paths (`/var/www/cache/**`).
    #[arg(short = 'e', long = "exclude", value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Skip what .gitignore, .ignore and git excludes list (off by default:
    /// ignored files are where card data hides).
    #[arg(long)]
    pub respect_ignore: bool,

    /// Follow symbolic links (loops are detected and reported).
    #[arg(short = 'L', long)]
    pub follow: bool,

    /// Do not cross into other filesystems.
    #[arg(long)]
    pub one_file_system: bool,

    /// No progress display; with the human format, print nothing when the
    /// run is clean.
    #[arg(short, long)]
    pub quiet: bool,

    /// No progress display.
    #[arg(long)]
    pub no_progress: bool,

    /// A line on stderr for every file scanned (bytes, findings) and every
    /// file or member not fully scanned; no progress display.
    #[arg(short, long)]
    pub verbose: bool,

    /// File holding the fingerprint key (at least 16 bytes). Otherwise
    /// PAN_SCAN_KEY, otherwise a random key for this run.
    #[arg(long, value_name = "FILE")]
    pub key_file: Option<PathBuf>,

    /// Findings listed per file; more are counted but not listed.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub max_findings_per_file: usize,

    /// Scan every file as raw bytes: open no archive, compressed stream,
    /// document, mail, pg_dump archive or git object, and report no file as
    /// encrypted or of a format not decoded.
    #[arg(long, help_heading = "Containers")]
    pub no_containers: bool,

    /// Do not place findings in SQL dumps, CSV, JSON and SQLite files
    /// (no table, column or JSON path; no CVV pairing or schema
    /// findings; SQLite files are scanned as raw bytes).
    #[arg(long, help_heading = "Containers")]
    pub no_structure: bool,

    /// Containers nested deeper than N are scanned as raw bytes
    /// (`a.tar.gz` holds `a.tar` at depth 1, its members at depth 2).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 10,
        help_heading = "Containers"
    )]
    pub max_depth: u32,

    /// Stop expanding one file's containers after SIZE (K/M/G/T suffixes).
    #[arg(long, value_name = "SIZE", default_value = "64G", value_parser = size, help_heading = "Containers")]
    pub max_container_size: u64,

    /// Stop expanding containers after SIZE in the whole run.
    #[arg(long, value_name = "SIZE", default_value = "1T", value_parser = size, help_heading = "Containers")]
    pub max_total_expanded: u64,

    /// Stop a stream or file expanding more than N times its compressed
    /// size (checked past 64 MiB expanded): zip and gzip bombs.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 1000,
        help_heading = "Containers"
    )]
    pub max_ratio: u64,

    /// Members read from one archive.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 100_000,
        help_heading = "Containers"
    )]
    pub max_members: u64,

    /// Memory for a member that needs random access (a zip inside another
    /// container, a PDF, a mail message, whose parsed parts take about 2 KiB
    /// each; at least 128 MiB for a PDF's parsed objects, about 1 KiB each)
    /// and for a pg_dump archive's table of contents; a larger one is
    /// scanned as raw bytes (or, for a zip, member by member).
    #[arg(long, value_name = "SIZE", default_value = "64M", value_parser = size, help_heading = "Containers")]
    pub max_buffer: u64,
}

/// What fails a run (exit code 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Any card data that is neither a test PAN nor suppressed.
    Any,
    /// Only card data that the baseline did not have.
    New,
}

/// Subcommands. A directory named like one is scanned as `./selftest`.
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Plant known test PANs in every supported format, scan them, and
    /// report per format what was found (PCI DSS A3.2.5.1).
    Selftest(crate::selftest::SelftestArgs),
    /// Check the digest and Ed25519 signature of a JSON evidence record.
    Verify(crate::report::integrity::VerifyArgs),
    /// Write a new Ed25519 key pair for signing evidence records.
    Keygen(crate::report::integrity::KeygenArgs),
}

fn size(s: &str) -> Result<u64, String> {
    crate::container::limits::parse_size(s)
}

impl Args {
    /// Resolves the flags into a scan configuration.
    pub fn config(&self) -> Result<Config> {
        let mut roots = Vec::new();
        let mut stdin = false;
        let paths = if self.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            self.paths.clone()
        };
        for p in paths {
            if p.as_os_str() == "-" {
                stdin = true;
                continue;
            }
            let md = match std::fs::symlink_metadata(&p) {
                Ok(m) => m,
                // A path that is not there is a usage error; one that is
                // there but cannot be reached (permission denied, a name
                // too long) is a coverage record like any file in the
                // tree, and the other paths are still scanned.
                Err(e) if !matches!(e.raw_os_error(), Some(libc::ENOENT) | Some(libc::ENOTDIR)) => {
                    roots.push(p);
                    continue;
                }
                Err(e) => bail!(
                    "{}: {}",
                    crate::redact::path(&p),
                    crate::coverage::io_detail(&e)
                ),
            };
            // A symlink named on the command line is followed: a trailing
            // slash makes the walker resolve a link to a directory.
            if md.file_type().is_symlink() && p.is_dir() {
                let mut s = p.into_os_string();
                s.push("/");
                roots.push(PathBuf::from(s));
            } else {
                roots.push(p);
            }
        }
        let threads = match self.threads {
            Some(0) => bail!("--threads must be at least 1"),
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        if self.max_findings_per_file == 0 {
            bail!("--max-findings-per-file must be at least 1");
        }
        if self.max_ratio == 0 {
            bail!("--max-ratio must be at least 1");
        }
        if self.fail_on == FailOn::New && self.baseline.is_none() {
            bail!("--fail-on new needs --baseline (an earlier JSON evidence record)");
        }
        Ok(Config {
            walk: WalkConfig {
                roots,
                threads,
                excludes: self
                    .config_excludes
                    .iter()
                    .chain(&self.exclude)
                    .cloned()
                    .collect(),
                respect_ignore: self.respect_ignore,
                follow: self.follow,
                one_file_system: self.one_file_system,
            },
            stdin,
            max_findings_per_file: self.max_findings_per_file,
            verbose: self.verbose,
            limits: Limits {
                enabled: !self.no_containers,
                structure: !self.no_structure,
                max_depth: self.max_depth,
                max_container_bytes: self.max_container_size,
                max_total_bytes: self.max_total_expanded,
                max_ratio: self.max_ratio,
                max_members: self.max_members,
                max_buffer: self.max_buffer,
                ..Limits::default()
            },
        })
    }
}

impl Args {
    /// Standard output, then every report file.
    pub fn outputs(&self) -> Vec<Output> {
        let mut v = vec![Output {
            format: self.format,
            path: None,
        }];
        v.extend(self.report.iter().cloned());
        if let Some(p) = &self.json {
            v.push(Output {
                format: Format::Json,
                path: Some(p.clone()),
            });
        }
        v
    }

    /// The scope section of the evidence record.
    pub fn scope(&self, cfg: &Config) -> evidence::Scope {
        let l = &cfg.limits;
        let limits = [
            ("max_depth", u64::from(l.max_depth)),
            ("max_container_size", l.max_container_bytes),
            ("max_total_expanded", l.max_total_bytes),
            ("max_ratio", l.max_ratio),
            ("max_members", l.max_members),
            ("max_buffer", l.max_buffer),
            ("max_findings_per_file", cfg.max_findings_per_file as u64),
        ]
        .into_iter()
        .collect();
        evidence::Scope {
            roots: cfg
                .walk
                .roots
                .iter()
                .map(|p| crate::redact::path(p))
                .collect(),
            stdin: cfg.stdin,
            exclusions: cfg
                .walk
                .excludes
                .iter()
                .enumerate()
                .map(|(i, g)| Exclusion {
                    pattern: crate::redact::text(g).into_owned(),
                    source: match &self.config_file {
                        Some(p) if i < self.config_excludes.len() => {
                            format!("config:{}", crate::redact::path(p))
                        }
                        _ => "command-line".into(),
                    },
                })
                .collect(),
            respect_ignore_files: cfg.walk.respect_ignore,
            follow_symlinks: cfg.walk.follow,
            one_file_system: cfg.walk.one_file_system,
            containers: l.enabled,
            structure: l.structure,
            limits,
        }
    }

    /// Every option in force, for the run record.
    pub fn effective(&self, cfg: &Config, outputs: &[Output]) -> serde_json::Value {
        let scope = serde_json::to_value(self.scope(cfg)).unwrap_or_default();
        serde_json::json!({
            "scope": scope,
            "threads": cfg.walk.threads,
            "outputs": outputs.iter().map(|o| serde_json::json!({
                "format": o.format.name(),
                "path": o.path.as_deref().map_or("-".to_string(), crate::redact::path),
            })).collect::<Vec<_>>(),
            "quiet": self.quiet,
            "progress": !self.quiet && !self.no_progress,
            "key_file": self.key_file.as_deref().map(crate::redact::path),
            "sign_key": self.sign_key.as_deref().map(crate::redact::path),
            "config_file": self.config_file.as_deref().map(crate::redact::path),
            "baseline": self.baseline.as_deref().map(crate::redact::path),
            "suppressions": self.suppressions.as_deref().map(crate::redact::path),
            "fail_on": if self.fail_on == FailOn::New { "new" } else { "any" },
        })
    }
}

/// Runs pan-scan with the process's arguments; returns the exit code.
pub fn main_exit() -> i32 {
    let matches = match Args::command().try_get_matches() {
        Ok(m) => m,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                exit::ERROR
            } else {
                exit::CLEAN
            };
        }
    };
    let mut args = match Args::from_arg_matches(&matches) {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return exit::ERROR;
        }
    };
    if args.command.is_none() {
        if let Some(path) = crate::config::locate(&args, Path::new(crate::config::DEFAULT_PATH)) {
            let res = crate::config::load(&path)
                .and_then(|f| crate::config::apply(&mut args, f, &path, &matches));
            if let Err(e) = res {
                eprintln!("pan-scan: {e:#}");
                return exit::ERROR;
            }
        }
    }
    let res = match &args.command {
        Some(Command::Selftest(a)) => crate::selftest::main(a),
        Some(Command::Verify(a)) => crate::report::integrity::verify_main(a),
        Some(Command::Keygen(a)) => crate::report::integrity::keygen_main(a),
        None => run(&args),
    };
    match res {
        Ok(code) => code,
        Err(e) => {
            let msg = crate::redact::text(&format!("{e:#}")).into_owned();
            eprintln!("pan-scan: {msg}");
            exit::ERROR
        }
    }
}

/// SIGINT and SIGTERM stop the scan: what was read is reported, marked
/// interrupted, and the exit code is 130 or 143. A second signal ends the
/// process at once. Returns the exit code a signal asked for (0: none).
fn on_signals(stop: &Arc<AtomicBool>) -> Result<Arc<AtomicUsize>> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    use signal_hook::flag;
    let code = Arc::new(AtomicUsize::new(0));
    for (sig, exit) in [(SIGINT, exit::SIGINT), (SIGTERM, exit::SIGTERM)] {
        // Registered first, so it sees the flag set by an earlier signal.
        flag::register_conditional_shutdown(sig, exit, stop.clone())?;
        flag::register_usize(sig, code.clone(), exit as usize)?;
        flag::register(sig, stop.clone())?;
    }
    Ok(code)
}

fn run(args: &Args) -> Result<i32> {
    let started = std::time::SystemTime::now();
    let cfg = args.config()?;
    let outputs = args.outputs();
    let fp = Fingerprinter::from_config(args.key_file.as_deref())?;
    let key = fp.source.clone();
    let stable = !matches!(key, crate::fingerprint::KeySource::Random);
    let key_info = KeyInfo {
        source: key.label(),
        key_id: fp.key_id(),
        stable_across_runs: stable,
    };
    let today = crate::runinfo::timestamp(started)[..10].to_string();
    let mut suppressions = match &args.suppressions {
        Some(p) => Some(Suppressions::load(p, &today)?),
        None => None,
    };
    if let Some(s) = &suppressions {
        for r in s.rules.iter().filter(|r| r.expired) {
            eprintln!(
                "pan-scan: warning: suppression {} expired on {}; it no longer applies",
                crate::redact::text(&r.describe),
                r.expires.as_deref().unwrap_or("?")
            );
        }
        if !stable && s.needs_stable_key() {
            eprintln!(
                "pan-scan: warning: suppressions by fingerprint or id match nothing with a \
                 random key: set PAN_SCAN_KEY or --key-file"
            );
        }
    }
    // A bad signing key fails before the scan, not after it.
    let sign_key = match &args.sign_key {
        Some(p) => Some(report::integrity::load_signing_key(p)?),
        None => None,
    };
    let baseline = match &args.baseline {
        Some(p) => Some(Baseline::load(
            p,
            stable.then_some(key_info.key_id.as_str()),
        )?),
        None => None,
    };
    let det = Detector::new(fp);
    let counters = Arc::new(Counters::default());
    let show = !args.quiet && !args.no_progress && !args.verbose && std::io::stderr().is_terminal();
    let progress = Progress::start(show, counters.clone());
    let stop = Arc::new(AtomicBool::new(false));
    let signal = on_signals(&stop)?;
    let mut outcome = scan::run(&cfg, &det, &counters, &stop)?;
    progress.finish();
    let signal_exit = match signal.load(Ordering::Relaxed) {
        0 => None,
        code => Some(code as i32),
    };
    let ids = evidence::ids(&outcome.findings);
    if let Some(s) = &mut suppressions {
        s.apply(&mut outcome.findings, &ids);
    }
    let comparison = baseline
        .as_ref()
        .map(|b| b.compare(&mut outcome.findings, &ids));
    let summary = Summary::of(&outcome, &key, signal_exit, args.fail_on == FailOn::New);
    let code = summary.exit_code;

    let ended = std::time::SystemTime::now();
    let elapsed = outcome.elapsed.as_secs_f64();
    let run = evidence::Run {
        scan_id: crate::runinfo::random_id(),
        tool: "pan-scan",
        tool_version: env!("CARGO_PKG_VERSION"),
        rules_version: summary.rules_version.clone(),
        rules_sha256: summary.rules_sha256.clone(),
        host: crate::runinfo::Host::current(),
        started_at: crate::runinfo::timestamp(started),
        ended_at: crate::runinfo::timestamp(ended),
        duration_ms: ended
            .duration_since(started)
            .map_or(0, |d| d.as_millis() as u64),
        bytes_per_second: if elapsed > 0.0 {
            (summary.bytes_scanned as f64 / elapsed) as u64
        } else {
            0
        },
        command_line: std::env::args_os()
            .map(|a| crate::redact::text(&a.to_string_lossy()).into_owned())
            .collect(),
        configuration: args.effective(&cfg, &outputs),
        fingerprint_key: key_info,
        interrupted: outcome.interrupted,
    };
    let mut ev = Evidence::build(
        &outcome.findings,
        &ids,
        &outcome.skipped,
        &summary,
        run,
        args.scope(&cfg),
    );
    ev.baseline = comparison;
    ev.suppressions = suppressions.as_ref().map(|s| evidence::SuppressionSection {
        source: s.source.clone(),
        rules: s.records(),
    });
    let mut record = serde_json::to_value(&ev)?;
    report::integrity::seal(&mut record, sign_key.as_ref());
    let report = Report {
        findings: &outcome.findings,
        skipped: &outcome.skipped,
        summary: &summary,
        record: &record,
    };

    // Report files first: a closed standard output must not lose them.
    for o in outputs.iter().filter(|o| o.path.is_some()) {
        let path = o.path.as_deref().unwrap();
        report::atomic::write(path, |w| report::write(o.format, &report, false, w)).map_err(
            |e| {
                anyhow::anyhow!(
                    "writing {}: {}",
                    crate::redact::path(path),
                    crate::coverage::io_detail(&e)
                )
            },
        )?;
    }
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    let res = report::write(args.format, &report, args.quiet, &mut w).and_then(|_| w.flush());
    match res {
        Ok(()) => Ok(code),
        // A closed pipe (`| head`) is not an error: the verdict stands.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(code),
        Err(e) => bail!("writing the report: {}", crate::coverage::io_detail(&e)),
    }
}
