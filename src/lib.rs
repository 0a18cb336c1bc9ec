//! pan-scan: a PCI DSS v4.0.1 cardholder-data discovery scanner.
//!
//! Data flows one way: [`walk`] finds files → [`source`] reads them in
//! overlapping buffers → [`detect`] runs the [`kernel`] and, at each trigger,
//! the slow path ([`token`], [`project`], [`track`], [`masked`],
//! [`filters`], [`context`], validated against [`rules`]) → [`finding`]s with
//! masked numbers and keyed [`fingerprint`]s → [`report`] sinks. No module
//! after [`detect`] ever sees a full PAN.

pub mod baseline;
pub mod cli;
pub mod config;
pub mod container;
pub mod context;
pub mod coverage;
pub mod detect;
pub mod filters;
pub mod finding;
pub mod fingerprint;
pub mod kernel;
pub mod masked;
pub mod pan;
pub mod progress;
pub mod project;
pub mod redact;
pub mod report;
pub mod rules;
pub mod runinfo;
pub mod scan;
pub mod selftest;
pub mod source;
pub mod structured;
pub mod suppress;
pub mod token;
pub mod track;
pub mod walk;
