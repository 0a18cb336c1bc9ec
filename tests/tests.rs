//! Integration tests: the rules files' own examples run through the real
//! detector, and the real `pan-scan` binary driven on files in temporary
//! directories.

mod util;

mod cli;
mod containers;
mod csv;
mod encodings;
mod evidence;
mod faults;
mod fuzz_regressions;
mod html;
mod leaks;
mod props;
mod redis;
mod rules;
mod sarif;
mod selftest;
mod structured;
mod triage;
mod verify;
mod walk;
