//! The detector through the reader on arbitrary bytes, cut into buffers of
//! 1..=4096 new bytes (the first two bytes pick the size): no panic, and
//! no hit shows more than six and four digits. The same bytes in one
//! buffer give the same hits (a number across a buffer edge is found
//! exactly once).
#![no_main]

use fuzz_common::{chunk_of, reader};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let chunk = chunk_of(data[0], data[1]);
    let data = &data[2..];
    let cut = reader(data, chunk, None);
    let whole = reader(data, 1 << 20, None);
    let key = |v: &[pan_scan::source::Located]| -> Vec<(u64, u64, u64, String)> {
        v.iter()
            .map(|l| (l.offset, l.line, l.column, l.hit.masked.text.clone()))
            .collect()
    };
    assert_eq!(
        key(&cut),
        key(&whole),
        "chunk {chunk} finds other hits than one buffer"
    );
});
