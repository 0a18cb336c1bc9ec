//! The JSON attributor on any text, as a document and as JSON Lines:
//! through the reader with buffers of 1..=4096 new bytes (the first two
//! bytes pick), then through the scanner's sink.
#![no_main]

use std::io::Cursor;

use fuzz_common::{chunk_of, reader, run, NAME};
use libfuzzer_sys::fuzz_target;
use pan_scan::container::leaf_with;
use pan_scan::structured::json::Json;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let chunk = chunk_of(data[0], data[1]);
    let data = &data[2..];
    for lines in [false, true] {
        let mut a = Json::new(lines);
        reader(data, chunk, Some(&mut a));
        run(|_cx, _top, sink| {
            leaf_with(
                sink,
                NAME,
                0,
                &mut Cursor::new(data),
                Some(Box::new(Json::new(lines))),
            );
        });
    }
});
