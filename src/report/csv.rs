//! CSV view of the evidence record: the ROC storage-of-account-data inventory (work in progress: being written).

use std::io::{self, Write};

use super::Report;

pub fn write(_r: &Report, _w: &mut dyn Write) -> io::Result<()> {
    Err(io::Error::other("the csv format is not implemented yet"))
}
