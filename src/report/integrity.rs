//! The evidence record's integrity: SHA-256 digest of its canonical form and
//! an optional Ed25519 signature (work in progress: being written).

use anyhow::{bail, Result};

/// Flags of `pan-scan verify`.
#[derive(clap::Args, Debug)]
pub struct VerifyArgs {}

/// Flags of `pan-scan keygen`.
#[derive(clap::Args, Debug)]
pub struct KeygenArgs {}

/// Checks a report; returns the exit code.
pub fn verify_main(_args: &VerifyArgs) -> Result<i32> {
    bail!("verify is not implemented yet")
}

/// Writes a new signing key pair; returns the exit code.
pub fn keygen_main(_args: &KeygenArgs) -> Result<i32> {
    bail!("keygen is not implemented yet")
}
