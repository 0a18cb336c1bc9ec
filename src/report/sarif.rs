//! SARIF 2.1.0 view of the evidence record (work in progress: being written).

use std::io::{self, Write};

use super::Report;

pub fn write(_r: &Report, _w: &mut dyn Write) -> io::Result<()> {
    Err(io::Error::other("the sarif format is not implemented yet"))
}
