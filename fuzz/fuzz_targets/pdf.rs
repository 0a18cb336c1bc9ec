//! PDF: parsed by lopdf, each page's text extracted (content streams and
//! their filters); unparsable ones scanned as raw bytes.
#![no_main]

use std::io::Cursor;

use fuzz_common::{run, NAME};
use libfuzzer_sys::fuzz_target;
use pan_scan::container::pdf;

fuzz_target!(|data: &[u8]| {
    run(|cx, _top, sink| {
        pdf::scan(cx, sink, NAME, 0, &mut Cursor::new(data));
    });
});
