//! Legacy Excel workbooks (97-2003 `.xls`, BIFF8): the cells of each sheet
//! as text, with the sheet and cell of each, like an xlsx's. A raw scan of
//! the file misses what BIFF8 does not store as plain text: a number typed
//! into a cell as a number (an 8-byte double; Excel keeps 15 significant
//! digits, so a 15-digit Amex card survives it whole), and a string that
//! the shared string table splits where one record ends and its
//! `CONTINUE` begins (every 8,224 bytes, a flag byte inserted in between).
//!
//! The workbook stream (read from the compound file by [`super::ole`]) is a
//! sequence of records: the globals (`BOUNDSHEET8` names each sheet and
//! where its records start, `SST` with its `CONTINUE`s holds the strings),
//! then each sheet from its `BOF` to its `EOF`, its cells as `LABELSST`
//! (a shared string), `LABEL`/`RSTRING` (a string), `NUMBER`, `RK` and
//! `MULRK` (numbers) and `FORMULA` (its cached result; a string in the
//! `STRING` record after it). The layout is MS-XLS. A row is one line of
//! text, its cells separated by tabs, so the words of one cell are context
//! for the number in the next. A workbook with a `FILEPASS` record is
//! encrypted: read when [`super::xlscrypt`] decrypted it (Excel's built-in
//! password), else left to the raw scan, which reports it.

use super::office::{column_letters, redacted};
use super::{le_u16, le_u32, location, Sink, Text};

// Record types (MS-XLS 2.3).
const BOF: u16 = 0x0809;
const EOF: u16 = 0x000A;
const FILEPASS: u16 = 0x002F;
const BOUNDSHEET8: u16 = 0x0085;
const SST: u16 = 0x00FC;
const CONTINUE: u16 = 0x003C;
const LABELSST: u16 = 0x00FD;
const LABEL: u16 = 0x0204;
const RSTRING: u16 = 0x00D6;
const NUMBER: u16 = 0x0203;
const RK: u16 = 0x027E;
const MULRK: u16 = 0x00BD;
const FORMULA: u16 = 0x0006;
const STRING: u16 = 0x0207;

/// `BOF.dt`: the workbook globals.
const GLOBALS: u16 = 0x0005;

/// One record: its type and its data.
struct Record<'a> {
    at: usize,
    kind: u16,
    data: &'a [u8],
}

/// The records of a stream, in order; `Err` for one cut short.
struct Records<'a> {
    book: &'a [u8],
    at: usize,
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<Record<'a>, String>;

    fn next(&mut self) -> Option<Self::Item> {
        let head = self.book.get(self.at..self.at + 4)?;
        let kind = u16::from_le_bytes([head[0], head[1]]);
        let len = usize::from(u16::from_le_bytes([head[2], head[3]]));
        let at = self.at;
        let Some(data) = self.book.get(at + 4..at + 4 + len) else {
            self.at = self.book.len();
            return Some(Err(format!(
                "workbook stream: record 0x{kind:04X} at byte {at} runs past its end"
            )));
        };
        self.at = at + 4 + len;
        Some(Ok(Record { at, kind, data }))
    }
}

/// Characters of a string, 8-bit (the low bytes of UTF-16: Latin-1) or
/// UTF-16LE, appended to `out`.
fn decode(bytes: &[u8], high: bool, out: &mut String) {
    if high {
        let units = bytes
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]));
        out.extend(char::decode_utf16(units).map(|c| c.unwrap_or('\u{FFFD}')));
    } else {
        out.extend(bytes.iter().map(|&b| char::from(b)));
    }
}

/// A string of a cell or a sheet name: `cch` (one byte in a
/// `ShortXLUnicodeString`, two in an `XLUnicodeString`), a flags byte
/// (`fHighByte`), the characters.
fn unicode_string(b: &[u8], at: usize, short: bool) -> Option<String> {
    let (cch, at) = if short {
        (usize::from(*b.get(at)?), at + 1)
    } else {
        (usize::from(le_u16(b, at)?), at + 2)
    };
    let high = b.get(at)? & 1 != 0;
    let width = if high { 2 } else { 1 };
    let chars = b.get(at + 1..).unwrap_or_default();
    let mut s = String::new();
    decode(
        &chars[..(cch * width).min(chars.len() / width * width)],
        high,
        &mut s,
    );
    Some(s)
}

/// The data of an `SST` record and its `CONTINUE`s, read across their
/// boundaries: where a string's characters go on in the next record, that
/// record starts with a new flags byte.
struct Pieces<'a> {
    parts: Vec<&'a [u8]>,
    i: usize,
    at: usize,
}

impl Pieces<'_> {
    fn at_end_of_part(&self) -> bool {
        self.parts.get(self.i).is_none_or(|p| self.at >= p.len())
    }

    fn byte(&mut self) -> Option<u8> {
        while self.at_end_of_part() {
            if self.i >= self.parts.len() {
                return None;
            }
            (self.i, self.at) = (self.i + 1, 0);
        }
        let b = self.parts[self.i][self.at];
        self.at += 1;
        Some(b)
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes([self.byte()?, self.byte()?]))
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes([
            self.byte()?,
            self.byte()?,
            self.byte()?,
            self.byte()?,
        ]))
    }

    fn skip(&mut self, mut n: usize) -> Option<()> {
        while n > 0 {
            if self.at_end_of_part() {
                self.byte()?; // moves to the next part and takes its first byte
                n -= 1;
                continue;
            }
            let k = (self.parts[self.i].len() - self.at).min(n);
            (self.at, n) = (self.at + k, n - k);
        }
        Some(())
    }

    /// `cch` characters, starting `high` (UTF-16) or not, into `out`.
    fn chars(&mut self, cch: usize, mut high: bool, out: &mut String) -> Option<()> {
        let mut left = cch;
        while left > 0 {
            if self.at_end_of_part() {
                (self.i, self.at) = (self.i + 1, 0);
                high = self.parts.get(self.i)?.first()? & 1 != 0;
                self.at = 1;
                continue;
            }
            let part = self.parts[self.i];
            let width = if high { 2 } else { 1 };
            let n = ((part.len() - self.at) / width).min(left);
            if n == 0 {
                return None; // half a UTF-16 character
            }
            decode(&part[self.at..self.at + n * width], high, out);
            (self.at, left) = (self.at + n * width, left - n);
        }
        Some(())
    }

    /// One `XLUnicodeRichExtendedString`.
    fn string(&mut self) -> Option<String> {
        let cch = usize::from(self.u16()?);
        let flags = self.byte()?;
        let runs = if flags & 0x08 != 0 { self.u16()? } else { 0 };
        let ext = if flags & 0x04 != 0 { self.u32()? } else { 0 };
        let mut s = String::new();
        self.chars(cch, flags & 1 != 0, &mut s)?;
        self.skip(usize::from(runs) * 4)?;
        self.skip(ext as usize)?;
        Some(s)
    }
}

/// A cell's number as Excel shows it in General format: a whole number
/// without a decimal point or exponent (`378282246310005`), others in
/// their shortest form.
fn number(v: f64) -> String {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e20 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

/// An `RkNumber`: a 30-bit integer, or the high 30 bits of a double, maybe
/// divided by 100.
fn rk(v: u32) -> f64 {
    let n = if v & 2 != 0 {
        f64::from((v as i32) >> 2)
    } else {
        f64::from_bits(u64::from(v & !3) << 32)
    };
    if v & 1 != 0 {
        n / 100.0
    } else {
        n
    }
}

/// Where the cells go: one line per row, tab between cells.
struct Cells<'s> {
    text: Text,
    sink: &'s mut dyn Sink,
    path: &'s str,
    sheet: String,
    row: Option<u16>,
}

impl Cells<'_> {
    fn cell(&mut self, row: u16, col: u16, value: &str) {
        if value.is_empty() {
            return;
        }
        let r = format!(
            "{}{}",
            column_letters(u64::from(col) + 1),
            u64::from(row) + 1
        );
        let loc = location([("sheet", redacted(&self.sheet)), ("cell", redacted(&r))]);
        if self.row == Some(row) {
            self.text.sep(b'\t');
            self.text.segment_inline(loc);
        } else {
            self.text.maybe_flush(self.sink, self.path);
            self.text.segment(loc);
            self.row = Some(row);
        }
        // At most 65,535 characters (a string's `cch`): no cut needed.
        self.text.push(value);
        self.text.flush_if_huge(self.sink, self.path);
    }
}

/// Scans the cells of workbook stream `book` as text at `path`. A stream
/// that is no BIFF8 workbook (an Excel 5/95 one, say) or is encrypted
/// (`FILEPASS`) and not `unlocked` (decrypted in place) is left to the raw
/// scan, which reports encryption. `Err`
/// says why the stream could not be read to its end (its cells up to there
/// are scanned).
pub fn scan(book: &[u8], sink: &mut dyn Sink, path: &str, unlocked: bool) -> Result<(), String> {
    let mut records = Records { book, at: 0 }.peekable();
    match records.next() {
        Some(Ok(r)) if r.kind == BOF && le_u16(r.data, 0) == Some(0x0600) => {
            if le_u16(r.data, 2) != Some(GLOBALS) {
                return Ok(());
            }
        }
        Some(Err(e)) => return Err(e),
        _ => return Ok(()),
    }
    // The globals: sheet names by where their BOF is, shared strings.
    let mut names: Vec<(u32, String)> = Vec::new();
    let mut sst: Vec<String> = Vec::new();
    let mut sst_err = None;
    loop {
        let r = match records.next() {
            Some(r) => r?,
            None => return Err("workbook stream: ends inside its globals".into()),
        };
        match r.kind {
            EOF => break,
            FILEPASS if !unlocked => return Ok(()),
            BOUNDSHEET8 => {
                if let (Some(at), Some(name)) = (le_u32(r.data, 0), unicode_string(r.data, 6, true))
                {
                    names.push((at, name));
                }
            }
            SST => {
                let mut parts = vec![r.data];
                while let Some(Ok(c)) = records.peek() {
                    if c.kind != CONTINUE {
                        break;
                    }
                    parts.push(c.data);
                    records.next();
                }
                let unique = le_u32(r.data, 4).unwrap_or(0);
                let mut p = Pieces { parts, i: 0, at: 8 };
                for _ in 0..unique {
                    match p.string() {
                        Some(s) => sst.push(s),
                        None => {
                            sst_err = Some(format!(
                                "workbook stream: shared strings end after {} of {unique}",
                                sst.len()
                            ));
                            break;
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let mut cells = Cells {
        text: Text::default(),
        sink,
        path,
        sheet: String::new(),
        row: None,
    };
    let got = sheets(&mut records, &names, &sst, &mut cells);
    cells.text.flush(cells.sink, path);
    got?;
    match sst_err {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// The sheets after the globals, each from its BOF to its EOF.
fn sheets<'a>(
    records: &mut std::iter::Peekable<Records<'a>>,
    names: &[(u32, String)],
    sst: &[String],
    cells: &mut Cells,
) -> Result<(), String> {
    let mut count = 0;
    // A formula whose result is a string: its cell, until the STRING record.
    let mut pending: Option<(u16, u16)> = None;
    for r in records.by_ref() {
        let r = r?;
        let d = r.data;
        let at = |i| le_u16(d, i);
        match r.kind {
            BOF => {
                count += 1;
                cells.sheet = names
                    .iter()
                    .find(|(start, _)| *start as usize == r.at)
                    .map_or_else(|| format!("Sheet{count}"), |(_, n)| n.clone());
                cells.row = None;
            }
            LABELSST => {
                if let (Some(row), Some(col), Some(i)) = (at(0), at(2), le_u32(d, 6)) {
                    if let Some(s) = sst.get(i as usize) {
                        cells.cell(row, col, s);
                    }
                }
            }
            LABEL | RSTRING => {
                if let (Some(row), Some(col), Some(s)) = (at(0), at(2), unicode_string(d, 6, false))
                {
                    cells.cell(row, col, &s);
                }
            }
            NUMBER => {
                if let (Some(row), Some(col), Some(v)) = (at(0), at(2), d.get(6..14)) {
                    let v = f64::from_le_bytes(v.try_into().unwrap_or_default());
                    cells.cell(row, col, &number(v));
                }
            }
            RK => {
                if let (Some(row), Some(col), Some(v)) = (at(0), at(2), le_u32(d, 6)) {
                    cells.cell(row, col, &number(rk(v)));
                }
            }
            MULRK => {
                if let (Some(row), Some(first)) = (at(0), at(2)) {
                    // (ixfe, RkNumber) pairs of 6 bytes, then colLast.
                    let pairs = d.get(4..d.len().saturating_sub(2)).unwrap_or_default();
                    for (k, p) in pairs.chunks_exact(6).enumerate() {
                        let v = u32::from_le_bytes([p[2], p[3], p[4], p[5]]);
                        let col = first.saturating_add(k as u16);
                        cells.cell(row, col, &number(rk(v)));
                    }
                }
            }
            FORMULA => {
                if let (Some(row), Some(col), Some(v)) = (at(0), at(2), d.get(6..14)) {
                    if v[6..8] == [0xFF, 0xFF] {
                        // Not a number: a string (in the next STRING
                        // record), a boolean, an error or empty.
                        pending = (v[0] == 0).then_some((row, col));
                    } else {
                        let v = f64::from_le_bytes(v.try_into().unwrap_or_default());
                        cells.cell(row, col, &number(v));
                    }
                }
            }
            STRING => {
                if let (Some((row, col)), Some(s)) = (pending.take(), unicode_string(d, 0, false)) {
                    cells.cell(row, col, &s);
                }
            }
            _ => {}
        }
        if r.kind != FORMULA && r.kind != STRING && r.kind != CONTINUE {
            pending = None;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::xlscrypt::write::record;
    use super::*;

    #[test]
    fn numbers_show_as_excel_shows_them() {
        assert_eq!(number(378_282_246_310_005.0), "378282246310005");
        assert_eq!(number(4.11111111111111e15), "4111111111111110");
        assert_eq!(number(38.83), "38.83");
        assert_eq!(number(-2.0), "-2");
        // RK: the integer 1234 (fInt), then 12.34 (fInt, fX100), then a
        // double's high bits (1.0).
        assert_eq!(rk((1234 << 2) | 2), 1234.0);
        assert_eq!(rk((1234 << 2) | 3), 12.34);
        assert_eq!(rk(0x3FF0_0000), 1.0);
        assert_eq!(rk(((-5i32 << 2) as u32) | 2), -5.0);
    }

    #[test]
    fn a_shared_string_split_by_a_continue_reads_whole() {
        // "4111 1111" in 8-bit characters, then "1111 1111" in UTF-16 after
        // the CONTINUE's flags byte.
        let mut sst = 2u32.to_le_bytes().to_vec();
        sst.extend_from_slice(&2u32.to_le_bytes());
        sst.extend_from_slice(&[3, 0, 0]);
        sst.extend_from_slice(b"abc");
        sst.extend_from_slice(&[19, 0, 0]);
        sst.extend_from_slice(b"4111 1111 ");
        let mut cont = vec![1u8];
        for c in "1111 1111".encode_utf16() {
            cont.extend_from_slice(&c.to_le_bytes());
        }
        let mut p = Pieces {
            parts: vec![&sst[..], &cont[..]],
            i: 0,
            at: 8,
        };
        assert_eq!(p.string().as_deref(), Some("abc"));
        assert_eq!(p.string().as_deref(), Some("4111 1111 1111 1111"));
        assert_eq!(p.string(), None);
        // Rich text runs and a phonetic block that cross the boundary are
        // skipped without a flags byte.
        let mut a = vec![2, 0, 0x0C, 1, 0, 3, 0, 0, 0];
        a.extend_from_slice(b"ab");
        a.extend_from_slice(&[9, 9]);
        let b = [9u8, 9, 7, 7, 7, 2, 0, 0, b'c', b'd'];
        let mut p = Pieces {
            parts: vec![&a[..], &b[..]],
            i: 0,
            at: 0,
        };
        assert_eq!(p.string().as_deref(), Some("ab"));
        assert_eq!(p.string().as_deref(), Some("cd"));
    }

    #[test]
    fn a_cut_record_is_an_error() {
        let mut book = record(BOF, &[0, 6, 5, 0, 0, 0, 0, 0]);
        book.extend_from_slice(&record(EOF, &[]));
        book.extend_from_slice(&NUMBER.to_le_bytes());
        book.extend_from_slice(&14u16.to_le_bytes());
        book.extend_from_slice(&[0; 5]);
        let mut r = Records { book: &book, at: 0 };
        assert!(r.next().unwrap().is_ok());
        assert!(r.next().unwrap().is_ok());
        let e = r.next().unwrap().err().unwrap();
        assert!(e.contains("0x0203"), "{e}");
        assert!(r.next().is_none());
    }
}
