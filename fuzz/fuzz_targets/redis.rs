//! Redis RDB snapshots: opcodes, lengths, LZF strings, and the ziplists,
//! listpacks, intsets and zipmaps inside values, read as located text.
#![no_main]

use std::io::Cursor;

use fuzz_common::{run, NAME};
use libfuzzer_sys::fuzz_target;
use pan_scan::container::redis;

fuzz_target!(|data: &[u8]| {
    run(|cx, top, sink| {
        redis::scan(cx, top, sink, NAME, 0, &mut Cursor::new(data));
    });
    // Without the header too: the body's bytes reach the value parsers.
    let mut framed = b"REDIS0010".to_vec();
    framed.extend_from_slice(data);
    run(|cx, top, sink| {
        redis::scan(cx, top, sink, NAME, 0, &mut Cursor::new(&framed[..]));
    });
});
