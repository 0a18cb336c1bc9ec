//! The configuration file: every command-line option in TOML, for cron and
//! systemd runs. Read from `--config FILE`, else `$PAN_SCAN_CONFIG`, else
//! `/etc/pan-scan.toml` when it exists (`--no-config` reads none). Keys are
//! the long option names (`max-depth = 4`, `key-file = "/etc/pan-scan.key"`).
//! Precedence: an option given on the command line wins over the file, the
//! file over the defaults. Lists add up: the file's `exclude` and `report`
//! entries apply together with the command line's (each exclusion keeps its
//! source in the evidence record); `paths` from the file are scanned only
//! when the command line names none. Unknown keys are errors, so a typo
//! cannot silently drop an exclusion or a limit.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use clap::parser::ValueSource;
use clap::ArgMatches;
use serde::Deserialize;

use crate::cli::Args;
use crate::report::{Format, Output};

/// Where the default configuration file lives.
pub const DEFAULT_PATH: &str = "/etc/pan-scan.toml";

/// A size: bytes, or a string with a K/M/G/T suffix.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Size {
    Bytes(u64),
    Text(String),
}

impl Size {
    fn bytes(&self, key: &str) -> Result<u64> {
        match self {
            Size::Bytes(n) => Ok(*n),
            Size::Text(s) => {
                crate::container::limits::parse_size(s).map_err(|e| anyhow::anyhow!("{key}: {e}"))
            }
        }
    }
}

/// The file's keys (all optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FileConfig {
    paths: Option<Vec<PathBuf>>,
    format: Option<String>,
    report: Option<Vec<String>>,
    json: Option<PathBuf>,
    threads: Option<usize>,
    exclude: Option<Vec<String>>,
    respect_ignore: Option<bool>,
    follow: Option<bool>,
    one_file_system: Option<bool>,
    quiet: Option<bool>,
    no_progress: Option<bool>,
    verbose: Option<bool>,
    key_file: Option<PathBuf>,
    sign_key: Option<PathBuf>,
    baseline: Option<PathBuf>,
    suppressions: Option<PathBuf>,
    fail_on: Option<String>,
    max_findings_per_file: Option<usize>,
    no_containers: Option<bool>,
    no_structure: Option<bool>,
    max_depth: Option<u32>,
    max_container_size: Option<Size>,
    max_total_expanded: Option<Size>,
    max_ratio: Option<u64>,
    max_members: Option<u64>,
    max_buffer: Option<Size>,
}

/// The file to read, if any: `--config`, `$PAN_SCAN_CONFIG`, or the
/// default path when it exists.
pub fn locate(args: &Args, default: &Path) -> Option<PathBuf> {
    if args.no_config {
        return None;
    }
    if let Some(p) = &args.config {
        return Some(p.clone());
    }
    if let Some(p) = std::env::var_os("PAN_SCAN_CONFIG").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(p));
    }
    default.exists().then(|| default.to_path_buf())
}

/// Reads and parses a configuration file.
pub fn load(path: &Path) -> Result<FileConfig> {
    let shown = crate::redact::path(path);
    let text = std::fs::read_to_string(path).map_err(|e| {
        anyhow::anyhow!("reading config {shown}: {}", crate::coverage::io_detail(&e))
    })?;
    parse(&text, &shown)
}

pub fn parse(text: &str, shown: &str) -> Result<FileConfig> {
    toml::from_str(text)
        .map_err(|e| anyhow::anyhow!("config {shown}: {}", crate::redact::text(&e.to_string())))
}

/// Applies the file under the command line: a value is taken from the file
/// only where `matches` says the command line did not give it.
pub fn apply(args: &mut Args, file: FileConfig, path: &Path, matches: &ArgMatches) -> Result<()> {
    let given = |id: &str| matches.value_source(id) == Some(ValueSource::CommandLine);
    let shown = crate::redact::path(path);
    macro_rules! take {
        ($field:ident) => {
            if let Some(v) = file.$field {
                if !given(stringify!($field)) {
                    args.$field = v;
                }
            }
        };
        (opt $field:ident) => {
            if let Some(v) = file.$field {
                if !given(stringify!($field)) {
                    args.$field = Some(v);
                }
            }
        };
        (size $field:ident, $key:literal) => {
            if let Some(v) = &file.$field {
                if !given(stringify!($field)) {
                    args.$field = v.bytes(&format!("config {shown}: {}", $key))?;
                }
            }
        };
    }
    if let Some(p) = file.paths {
        if args.paths.is_empty() {
            args.paths = p;
        }
    }
    if let Some(f) = &file.format {
        if !given("format") {
            use clap::ValueEnum;
            args.format = Format::from_str(f, true).map_err(|_| {
                anyhow::anyhow!(
                    "config {shown}: format = {f:?}: use human, jsonl, json, sarif, csv or html"
                )
            })?;
        }
    }
    if let Some(f) = &file.fail_on {
        if !given("fail_on") {
            use clap::ValueEnum;
            args.fail_on = crate::cli::FailOn::from_str(f, true)
                .map_err(|_| anyhow::anyhow!("config {shown}: fail-on = {f:?}: use any or new"))?;
        }
    }
    for r in file.report.unwrap_or_default() {
        let o: Output = Output::parse(&r).map_err(|e| anyhow::anyhow!("config {shown}: {e}"))?;
        args.report.push(o);
    }
    if let Some(ex) = file.exclude {
        args.config_excludes = ex;
    }
    take!(opt json);
    take!(opt threads);
    take!(respect_ignore);
    take!(follow);
    take!(one_file_system);
    take!(quiet);
    take!(no_progress);
    take!(verbose);
    take!(opt key_file);
    take!(opt sign_key);
    take!(opt baseline);
    take!(opt suppressions);
    take!(max_findings_per_file);
    take!(no_containers);
    take!(no_structure);
    take!(max_depth);
    take!(size max_container_size, "max-container-size");
    take!(size max_total_expanded, "max-total-expanded");
    take!(max_ratio);
    take!(max_members);
    take!(size max_buffer, "max-buffer");
    if args.threads == Some(0) {
        bail!("config {shown}: threads must be at least 1");
    }
    args.config_file = Some(path.to_path_buf());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, FromArgMatches};

    fn args(cli: &[&str], file: &str) -> Result<Args> {
        let mut argv = vec!["pan-scan"];
        argv.extend_from_slice(cli);
        let m = Args::command().try_get_matches_from(argv).unwrap();
        let mut a = Args::from_arg_matches(&m).unwrap();
        let f = parse(file, "t.toml")?;
        apply(&mut a, f, Path::new("t.toml"), &m)?;
        Ok(a)
    }

    #[test]
    fn the_command_line_wins_over_the_file_and_lists_add_up() {
        let file = r#"
paths = ["/srv"]
format = "jsonl"
threads = 3
exclude = ["*.iso"]
report = ["/var/log/pan-scan/evidence.json"]
quiet = true
max-depth = 4
max-container-size = "2G"
max-buffer = 1048576
fail-on = "new"
"#;
        let a = args(&[], file).unwrap();
        assert_eq!(a.paths, [PathBuf::from("/srv")]);
        assert_eq!(a.format, Format::Jsonl);
        assert_eq!(a.threads, Some(3));
        assert!(a.quiet);
        assert_eq!(a.max_depth, 4);
        assert_eq!(a.max_container_size, 2 << 30);
        assert_eq!(a.max_buffer, 1 << 20);
        assert_eq!(a.fail_on, crate::cli::FailOn::New);
        assert_eq!(a.report.len(), 1);
        let a = args(
            &[
                "-f",
                "human",
                "-j",
                "1",
                "--max-depth",
                "2",
                "-e",
                "*.bak",
                "--report",
                "x.csv",
                "/www",
            ],
            file,
        )
        .unwrap();
        assert_eq!(
            a.paths,
            [PathBuf::from("/www")],
            "command-line paths replace"
        );
        assert_eq!(a.format, Format::Human);
        assert_eq!(a.threads, Some(1));
        assert_eq!(a.max_depth, 2);
        assert_eq!(a.exclude, ["*.bak"]);
        assert_eq!(a.config_excludes, ["*.iso"]);
        assert_eq!(a.report.len(), 2);
        // A flag's default is not "given": the file's value applies.
        let a = args(
            &["--max-ratio", "1000"],
            "max-ratio = 50\nmax-members = 7\n",
        )
        .unwrap();
        assert_eq!(
            a.max_ratio, 1000,
            "given explicitly, even if equal to the default"
        );
        assert_eq!(a.max_members, 7);
    }

    #[test]
    fn mistakes_are_errors_that_name_the_key() {
        for (file, want) in [
            ("exclud = [\"*.iso\"]\n", "unknown field"),
            ("format = \"xml\"\n", "format"),
            ("max-depth = \"deep\"\n", "max-depth"),
            ("max-buffer = \"12Q\"\n", "max-buffer"),
            ("threads = 0\n", "threads"),
            ("fail-on = \"sometimes\"\n", "fail-on"),
            ("report = [\"r.xyz\"]\n", "extension"),
        ] {
            let e = format!("{:#}", args(&[], file).err().unwrap());
            assert!(e.contains(want) && e.contains("t.toml"), "{file}: {e}");
        }
    }

    #[test]
    fn the_file_is_found_by_flag_env_or_default() {
        let d = tempfile::tempdir().unwrap();
        let def = d.path().join("pan-scan.toml");
        let m = |cli: &[&str]| {
            use clap::Parser;
            let mut argv = vec!["pan-scan"];
            argv.extend_from_slice(cli);
            Args::try_parse_from(argv).unwrap()
        };
        // Not there: none (unless PAN_SCAN_CONFIG is set in this process,
        // which the test suite never does).
        assert_eq!(locate(&m(&[]), &def), None);
        std::fs::write(&def, "").unwrap();
        assert_eq!(locate(&m(&[]), &def), Some(def.clone()));
        assert_eq!(locate(&m(&["--no-config"]), &def), None);
        assert_eq!(
            locate(&m(&["--config", "/x.toml"]), &def),
            Some(PathBuf::from("/x.toml"))
        );
    }
}
