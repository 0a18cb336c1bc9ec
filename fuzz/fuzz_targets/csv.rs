//! The CSV/TSV attributor on text whose head it accepts: through the reader
//! with buffers of 1..=4096 new bytes (the first two bytes pick), then
//! through the scanner's sink.
#![no_main]

use std::io::Cursor;

use fuzz_common::{chunk_of, reader, run, NAME};
use libfuzzer_sys::fuzz_target;
use pan_scan::container::{leaf_with, HEAD};
use pan_scan::structured::csv::Csv;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let chunk = chunk_of(data[0], data[1]);
    let data = &data[2..];
    let head = &data[..data.len().min(HEAD)];
    let Some(mut a) = Csv::new(head) else {
        return;
    };
    reader(data, chunk, Some(&mut a));
    if let Some(a) = Csv::new(head) {
        run(|_cx, _top, sink| {
            leaf_with(sink, NAME, 0, &mut Cursor::new(data), Some(Box::new(a)));
        });
    }
});
