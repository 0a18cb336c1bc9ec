//! The detector on the input written out in other encodings: UTF-16LE
//! (with a BOM or not), UTF-16BE, and full-width digits in UTF-8 (ASCII
//! digits replaced by U+FF10..U+FF19), Shift_JIS (82 4F..58) and EUC-JP
//! (A3 B0..B9). The first byte picks the form and the buffer size.
#![no_main]

use fuzz_common::{chunk_of, reader};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let (form, chunk) = (data[0] % 6, chunk_of(data[0] / 6, data[1]));
    let data = &data[2..];
    let mut out = Vec::with_capacity(data.len() * 3);
    match form {
        0 | 1 => {
            if form == 1 {
                out.extend_from_slice(&[0xFF, 0xFE]);
            }
            for &b in data {
                out.extend_from_slice(&[b, 0]);
            }
        }
        2 => {
            for &b in data {
                out.extend_from_slice(&[0, b]);
            }
        }
        _ => {
            for &b in data {
                if b.is_ascii_digit() {
                    let d = b - b'0';
                    match form {
                        3 => out.extend_from_slice(&[0xEF, 0xBC, 0x90 + d]),
                        4 => out.extend_from_slice(&[0x82, 0x4F + d]),
                        _ => out.extend_from_slice(&[0xA3, 0xB0 + d]),
                    }
                } else {
                    out.push(b);
                }
            }
        }
    }
    reader(&out, chunk, None);
});
