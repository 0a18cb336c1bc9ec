//! OLE2 compound files: the input as a legacy Excel workbook stream (its
//! `FILEPASS` checked for Excel's built-in password, its records, shared
//! strings and cells), then as a whole compound file read
//! in place (the `cfb` crate, the workbook, streams opened as members, the
//! raw scan and its watch for encryption marks).
#![no_main]

use std::io::Cursor;

use fuzz_common::{run, NAME};
use libfuzzer_sys::fuzz_target;
use pan_scan::container::{ole, xls, xlscrypt};

fuzz_target!(|data: &[u8]| {
    run(|_cx, _top, sink| {
        let _ = ole::rtf_body(data, 1 << 20);
        let mut book = data.to_vec();
        let unlocked = xlscrypt::unlock(&mut book).is_some();
        let _ = xls::scan(&book, sink, NAME, unlocked);
    });
    run(|cx, top, sink| {
        ole::scan_seekable(cx, top, sink, NAME, 0, &mut Cursor::new(data));
    });
});
