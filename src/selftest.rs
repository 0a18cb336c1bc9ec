//! `pan-scan selftest`: the effectiveness test of PCI DSS A3.2.5.1 (work in
//! progress: being written).

use anyhow::{bail, Result};

/// Flags of `pan-scan selftest`.
#[derive(clap::Args, Debug)]
pub struct SelftestArgs {}

/// Runs the self-test; returns the exit code.
pub fn main(_args: &SelftestArgs) -> Result<i32> {
    bail!("selftest is not implemented yet")
}
