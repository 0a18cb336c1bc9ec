//! OLE2 compound files: the input as a legacy Excel workbook stream (its
//! records, shared strings and cells), then as a whole compound file read
//! in place (the `cfb` crate, the workbook, the raw scan and its watch for
//! encryption marks).
#![no_main]

use std::io::Cursor;

use fuzz_common::{run, NAME};
use libfuzzer_sys::fuzz_target;
use pan_scan::container::{ole, xls};

fuzz_target!(|data: &[u8]| {
    run(|_cx, _top, sink| {
        let _ = xls::scan(data, sink, NAME);
    });
    run(|cx, _top, sink| {
        ole::scan_seekable(cx, sink, NAME, 0, &mut Cursor::new(data));
    });
});
