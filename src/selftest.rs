//! `pan-scan selftest`: the effectiveness test of PCI DSS A3.2.5.1
//! ("discovery methods are tested for effectiveness ... on every file format
//! in use"). Known public test PANs from `rules/test_pans.csv` are planted in
//! one file per format — plain and grouped text, track data, a masked PAN,
//! UTF-16, full-width digits, compressed streams, archives nested in
//! archives, office documents (a legacy `.xls` also encrypted with Excel's
//! built-in password), PDF, mail, SQL dumps and pg_dump archives,
//! a sparse disk image, CSV, JSON and SQLite —
//! written in-process, then the directory is scanned by the same path the
//! command line takes (`cli::Args::config`, a [`Detector`], [`scan::run`],
//! default limits) and every planted item is looked for among the findings:
//! kind, first six and last four digits, the member path with its `!`
//! parts, and where the format has one, its location (table and column,
//! CSV column, JSON path, sheet and cell, page, slide, paragraph, message).
//!
//! The result is a table (or a JSON record, `--json FILE` / `--format
//! json`) with one row per format; a format passes when each of its items is
//! found. Numbers appear masked only (first six and last four digits at
//! most), like every finding. The files go to a private temporary directory
//! that is removed at the end, or to `--dir DIR`, which is kept.
//!
//! Planting ([`plant`]), scanning ([`scan_dir`]) and matching ([`evaluate`],
//! a pure function of the planted items and the findings) are separate, so
//! the matcher can be tested on findings with one taken away.

use std::collections::HashSet;
use std::ffi::OsString;
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::SystemTime;

use anyhow::{bail, Context, Result};
use clap::Parser;
use serde::Serialize;

use crate::container::Location;
use crate::coverage::Skipped;
use crate::detect::Detector;
use crate::finding::{Finding, Kind};
use crate::fingerprint::Fingerprinter;
use crate::pan::Digits;
use crate::runinfo::{self, Host};
use crate::scan::{self, Counters};

/// The PCI DSS requirement this test serves.
pub const REQUIREMENT: &str = "A3.2.5.1";

/// What `selftest` prints on standard output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    /// A table, one row per format, and the result.
    Human,
    /// The JSON record.
    Json,
}

/// Flags of `pan-scan selftest`.
#[derive(clap::Args, Debug)]
pub struct SelftestArgs {
    /// Plant the test files in DIR (created if missing, else it must be
    /// empty) and keep them for inspection. By default a private temporary
    /// directory is used and removed.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// Also write the JSON record to FILE (atomically, mode 0600).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// Output on standard output.
    #[arg(short = 'f', long, value_enum, default_value = "human")]
    pub format: Output,
}

// ---------------------------------------------------------------------------
// What is planted and what is expected.

/// One planted item: what the scan must report, masked.
#[derive(Clone, Debug, PartialEq)]
pub struct Planted {
    pub kind: Kind,
    /// The shown leading digits (six, fewer for short PANs) and last four,
    /// as a finding gives them.
    pub first6: String,
    pub last4: String,
    /// The masked form (`411111******1111`).
    pub masked: String,
    /// The finding's path relative to the planted directory, container
    /// members joined with `!` (`site.tar.gz!site.tar!notes.txt`).
    pub path: String,
    /// The line the finding must be on, where lines mean something.
    pub line: Option<u64>,
    /// Facts the finding's `location` must hold (a subset of it).
    pub location: Location,
}

impl Planted {
    /// A planted item of `kind` for `pan`, reported under `path`.
    fn new(kind: Kind, pan: &Pan, path: &str) -> Planted {
        let m = pan.0.masked();
        Planted {
            kind,
            first6: m.first,
            last4: m.last,
            masked: m.text,
            path: path.to_string(),
            line: None,
            location: Location::new(),
        }
    }

    fn line(mut self, n: u64) -> Planted {
        self.line = Some(n);
        self
    }

    fn at(mut self, key: &str, value: impl Into<serde_json::Value>) -> Planted {
        self.location.insert(key.to_string(), value.into());
        self
    }

    /// Whether finding `f`, at `rel` (its path relative to the planted
    /// directory), is this item.
    pub fn matches(&self, f: &Finding, rel: &str) -> bool {
        f.kind == self.kind
            && f.first6 == self.first6
            && f.last4 == self.last4
            && rel == self.path
            && self.line.is_none_or(|l| l == f.line)
            && self.location.iter().all(|(k, v)| {
                f.location
                    .as_ref()
                    .and_then(|loc| loc.get(k))
                    .is_some_and(|got| got == v)
            })
    }

    /// Where the item was expected: path, line and location facts.
    pub fn expected_location(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        m.insert("path".into(), self.path.clone().into());
        if let Some(l) = self.line {
            m.insert("line".into(), l.into());
        }
        for (k, v) in &self.location {
            m.insert(k.clone(), v.clone());
        }
        serde_json::Value::Object(m)
    }
}

/// One format: the file planted for it and what must be found in it.
#[derive(Clone, Debug)]
pub struct Case {
    /// A stable name of the format (`tar_gz`, `xlsx`, `mysqldump`).
    pub format: &'static str,
    /// The file on disk, relative to the planted directory.
    pub file: String,
    pub planted: Vec<Planted>,
}

// ---------------------------------------------------------------------------
// Test PANs.

/// A published test PAN. Its `Debug` shows only the masked form.
#[derive(Clone, Copy, Debug)]
struct Pan(Digits);

impl Pan {
    fn digits(&self) -> &str {
        // Collected from ASCII digits only.
        std::str::from_utf8(self.0.as_bytes()).unwrap_or_default()
    }

    /// Groups of four separated by `sep` (`4111 1111 1111 1111`).
    fn grouped(&self, sep: &str) -> String {
        self.0
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect::<Vec<_>>()
            .join(sep)
    }

    /// The digits in full width (`４１１１…`).
    fn full_width(&self) -> String {
        self.digits()
            .chars()
            .filter_map(|c| char::from_u32(c as u32 - '0' as u32 + 0xFF10))
            .collect()
    }
}

/// The public test PANs of `rules/test_pans.csv` (as compiled into the
/// binary), handed out each once, in the file's order.
struct TestPans {
    /// (digits, brand id) of each row.
    rows: Vec<(String, String)>,
    used: HashSet<usize>,
}

impl TestPans {
    fn load() -> TestPans {
        let text = crate::rules::SOURCES
            .iter()
            .find(|(name, _)| *name == "test_pans.csv")
            .map_or("", |(_, t)| *t);
        let rows = text
            .lines()
            .skip(1)
            .filter_map(|line| {
                let mut cols = line.split(',');
                let pan = cols.next()?.trim();
                let brand = cols.next()?.trim();
                Some((pan.to_string(), brand.to_string()))
            })
            .collect();
        TestPans {
            rows,
            used: HashSet::new(),
        }
    }

    /// The next unused test PAN of `brand` with `len` digits starting with
    /// `prefix`.
    fn take(&mut self, brand: &str, prefix: &str, len: usize) -> Result<Pan> {
        let rules = crate::rules::get();
        for (i, (pan, b)) in self.rows.iter().enumerate() {
            if self.used.contains(&i) || b != brand || pan.len() != len || !pan.starts_with(prefix)
            {
                continue;
            }
            let Some(d) = Digits::collect(pan.as_bytes()) else {
                continue;
            };
            if d.len() != len || !d.luhn() || !rules.is_test_pan(d.as_bytes()) {
                continue;
            }
            self.used.insert(i);
            return Ok(Pan(d));
        }
        bail!("rules/test_pans.csv holds no unused {len}-digit {brand} test PAN starting with {prefix:?}")
    }
}

// ---------------------------------------------------------------------------
// Planting.

/// Writes the files of every case into `dir` (which exists and is empty).
struct Planter<'a> {
    dir: &'a Path,
    pans: TestPans,
    cases: Vec<Case>,
}

impl Planter<'_> {
    fn pan(&mut self, brand: &str, prefix: &str, len: usize) -> Result<Pan> {
        self.pans.take(brand, prefix, len)
    }

    /// Writes `rel` (mode 0600, never over an existing file) and records the case.
    fn case(
        &mut self,
        format: &'static str,
        rel: &str,
        data: &[u8],
        planted: Vec<Planted>,
    ) -> Result<()> {
        write_new(&self.dir.join(rel), data).with_context(|| format!("writing {rel}"))?;
        self.record(format, rel, planted);
        Ok(())
    }

    fn record(&mut self, format: &'static str, rel: &str, planted: Vec<Planted>) {
        self.cases.push(Case {
            format,
            file: rel.to_string(),
            planted,
        });
    }
}

fn write_new(path: &Path, data: &[u8]) -> io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(data)?;
    f.sync_all()
}

fn gzip(data: &[u8]) -> io::Result<Vec<u8>> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data)?;
    e.finish()
}

fn bzip2(data: &[u8]) -> io::Result<Vec<u8>> {
    let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    e.write_all(data)?;
    e.finish()
}

fn xz(data: &[u8]) -> io::Result<Vec<u8>> {
    let mut e = liblzma::write::XzEncoder::new(Vec::new(), 6);
    e.write_all(data)?;
    e.finish()
}

fn zstd(data: &[u8]) -> io::Result<Vec<u8>> {
    zstd::encode_all(data, 3)
}

fn lz4(data: &[u8]) -> io::Result<Vec<u8>> {
    let mut e = lz4_flex::frame::FrameEncoder::new(Vec::new());
    e.write_all(data)?;
    e.finish().map_err(io::Error::other)
}

/// A git loose object: `blob SIZE\0` and the content, zlib-compressed.
fn git_blob(data: &[u8]) -> io::Result<Vec<u8>> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    write!(e, "blob {}\0", data.len())?;
    e.write_all(data)?;
    e.finish()
}

/// A ustar archive of regular files.
fn tar(members: &[(&str, &[u8])]) -> io::Result<Vec<u8>> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in members {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(1_718_618_400);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, name, *data)?;
    }
    b.into_inner()
}

/// A zip archive; members named in `stored` are not compressed (the
/// OpenDocument `mimetype`), the others deflated.
fn zip(members: &[(&str, &[u8])], stored: &[&str]) -> Result<Vec<u8>> {
    use zip::write::SimpleFileOptions;
    let mut z = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
    for (name, data) in members {
        let method = if stored.contains(name) {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        z.start_file(
            *name,
            SimpleFileOptions::default().compression_method(method),
        )?;
        z.write_all(data)?;
    }
    Ok(z.finish()?.into_inner())
}

fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let units = bom.then_some(0xFEFF).into_iter().chain(text.encode_utf16());
    for u in units {
        if big_endian {
            out.extend_from_slice(&u.to_be_bytes());
        } else {
            out.extend_from_slice(&u.to_le_bytes());
        }
    }
    out
}

/// Standard base64 with line breaks every 76 characters (RFC 2045).
fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for (i, c) in data.chunks(3).enumerate() {
        if i > 0 && i % 19 == 0 {
            s.push_str("\r\n");
        }
        let b = [c[0], *c.get(1).unwrap_or(&0), *c.get(2).unwrap_or(&0)];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for k in 0..4 {
            if k <= c.len() {
                s.push(A[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

const CONTENT_TYPES_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>"#;

fn root_rels(target: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="{target}"/></Relationships>"#
    )
}

/// A Word document: two paragraphs, then a 2x2 table. The first number is
/// split across two runs; the second sits in row 2, cell 2.
fn docx(in_text: &Pan, in_table: &Pan) -> Result<Vec<u8>> {
    let types = format!(
        r#"{CONTENT_TYPES_HEAD}<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#
    );
    let d = in_text.digits();
    let (a, b) = d.split_at(7);
    let cell = |t: &str| format!("<w:tc><w:p><w:r><w:t>{t}</w:t></w:r></w:p></w:tc>");
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Customer notes</w:t></w:r></w:p><w:p><w:r><w:t xml:space="preserve">Card on file: {a}</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>{b}</w:t></w:r></w:p><w:tbl><w:tr>{}{}</w:tr><w:tr>{}{}</w:tr></w:tbl><w:sectPr/></w:body></w:document>"#,
        cell("Name"),
        cell("Card number"),
        cell("Jane Doe"),
        cell(in_table.digits()),
    );
    zip(
        &[
            ("[Content_Types].xml", types.as_bytes()),
            ("_rels/.rels", root_rels("word/document.xml").as_bytes()),
            ("word/document.xml", document.as_bytes()),
        ],
        &[],
    )
}

/// A workbook with sheets "Cards" (the first number in B2, a shared
/// string) and "Refunds" (the second in C3, an inline string).
fn xlsx(cards: &Pan, refunds: &Pan) -> Result<Vec<u8>> {
    let types = format!(
        r#"{CONTENT_TYPES_HEAD}<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#
    );
    let workbook = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Cards" sheetId="1" r:id="rId1"/><sheet name="Refunds" sheetId="2" r:id="rId2"/></sheets></workbook>"#;
    let rels = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;
    let strings = ["Name", "Card number", "Jane Doe", cards.digits()];
    let shared = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{n}" uniqueCount="{n}">{}</sst>"#,
        strings
            .iter()
            .map(|s| format!("<si><t>{s}</t></si>"))
            .collect::<String>(),
        n = strings.len(),
    );
    let ns = r#"xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main""#;
    let sheet1 = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet {ns}><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row><row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>3</v></c></row></sheetData></worksheet>"#
    );
    let sheet2 = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet {ns}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Order</t></is></c><c r="B1" t="inlineStr"><is><t>Amount</t></is></c><c r="C1" t="inlineStr"><is><t>Card</t></is></c></row><row r="3"><c r="A3"><v>1001</v></c><c r="B3"><v>19.99</v></c><c r="C3" t="inlineStr"><is><t>{}</t></is></c></row></sheetData></worksheet>"#,
        refunds.digits()
    );
    zip(
        &[
            ("[Content_Types].xml", types.as_bytes()),
            ("_rels/.rels", root_rels("xl/workbook.xml").as_bytes()),
            ("xl/workbook.xml", workbook.as_bytes()),
            ("xl/_rels/workbook.xml.rels", rels.as_bytes()),
            ("xl/sharedStrings.xml", shared.as_bytes()),
            ("xl/worksheets/sheet1.xml", sheet1.as_bytes()),
            ("xl/worksheets/sheet2.xml", sheet2.as_bytes()),
        ],
        &[],
    )
}

/// A presentation of two slides; the number is on slide 2.
fn pptx(pan: &Pan) -> Result<Vec<u8>> {
    let types = format!(
        r#"{CONTENT_TYPES_HEAD}<Override PartName="/ppt/presentation.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"/><Override PartName="/ppt/slides/slide1.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.slide+xml"/><Override PartName="/ppt/slides/slide2.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.slide+xml"/></Types>"#
    );
    let presentation = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><p:sldIdLst><p:sldId id="256" r:id="rId1"/><p:sldId id="257" r:id="rId2"/></p:sldIdLst><p:sldSz cx="9144000" cy="6858000"/><p:notesSz cx="6858000" cy="9144000"/></p:presentation>"#;
    let rels = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/slide" Target="slides/slide1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/slide" Target="slides/slide2.xml"/></Relationships>"#;
    let slide = |text: &str| {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<p:sld xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"><p:cSld><p:spTree><p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr/><p:sp><p:nvSpPr><p:cNvPr id="2" name="Text"/><p:cNvSpPr txBox="1"/><p:nvPr/></p:nvSpPr><p:spPr/><p:txBody><a:bodyPr/><a:p><a:r><a:t>{text}</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>"#
        )
    };
    let s1 = slide("Quarterly payments review");
    let s2 = slide(&format!("Failed charge on card {}", pan.digits()));
    zip(
        &[
            ("[Content_Types].xml", types.as_bytes()),
            ("_rels/.rels", root_rels("ppt/presentation.xml").as_bytes()),
            ("ppt/presentation.xml", presentation.as_bytes()),
            ("ppt/_rels/presentation.xml.rels", rels.as_bytes()),
            ("ppt/slides/slide1.xml", s1.as_bytes()),
            ("ppt/slides/slide2.xml", s2.as_bytes()),
        ],
        &[],
    )
}

/// An OpenDocument package: `mimetype` first and stored, a manifest, and
/// `content.xml` with `body` inside `office:body`.
fn odf(mimetype: &str, body: &str) -> Result<Vec<u8>> {
    let manifest = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#
    );
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" office:version="1.2"><office:body>{body}</office:body></office:document-content>"#
    );
    zip(
        &[
            ("mimetype", mimetype.as_bytes()),
            ("META-INF/manifest.xml", manifest.as_bytes()),
            ("content.xml", content.as_bytes()),
        ],
        &["mimetype"],
    )
}

/// A text document: the number in paragraph 2.
fn odt(pan: &Pan) -> Result<Vec<u8>> {
    let body = format!(
        "<office:text><text:p>Dear customer,</text:p><text:p>your card {} was charged.</text:p></office:text>",
        pan.digits()
    );
    odf("application/vnd.oasis.opendocument.text", &body)
}

/// A spreadsheet: sheet "Cards", the number in B2.
fn ods(pan: &Pan) -> Result<Vec<u8>> {
    let cell = |t: &str| {
        format!(
            r#"<table:table-cell office:value-type="string"><text:p>{t}</text:p></table:table-cell>"#
        )
    };
    let body = format!(
        r#"<office:spreadsheet><table:table table:name="Cards"><table:table-row>{}{}</table:table-row><table:table-row>{}{}</table:table-row></table:table></office:spreadsheet>"#,
        cell("Name"),
        cell("Card"),
        cell("Jane Doe"),
        cell(pan.digits()),
    );
    odf("application/vnd.oasis.opendocument.spreadsheet", &body)
}

/// A two-page PDF (Helvetica, WinAnsiEncoding, compressed content streams);
/// the number is on page 2.
fn pdf(pan: &Pan) -> Result<Vec<u8>> {
    use lopdf::content::{Content, Operation};
    use lopdf::{dictionary, Document, Object, Stream};
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let resources_id = doc.add_object(dictionary! {
        "Font" => dictionary! { "F1" => font_id },
    });
    let mut kids = Vec::new();
    for text in [
        "Receipt".to_string(),
        format!("Paid with card {}", pan.digits()),
    ] {
        let content = Content {
            operations: vec![
                Operation::new("BT", vec![]),
                Operation::new("Tf", vec!["F1".into(), 12.into()]),
                Operation::new("Td", vec![72.into(), 720.into()]),
                Operation::new("Tj", vec![Object::string_literal(text)]),
                Operation::new("ET", vec![]),
            ],
        };
        let content_id = doc.add_object(Stream::new(dictionary! {}, content.encode()?));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "Contents" => content_id,
        });
        kids.push(page_id.into());
    }
    let pages = dictionary! {
        "Type" => "Pages",
        "Count" => kids.len() as i64,
        "Kids" => kids,
        "Resources" => resources_id,
        "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
    };
    doc.objects.insert(pages_id, Object::Dictionary(pages));
    let catalog_id = doc.add_object(dictionary! {
        "Type" => "Catalog",
        "Pages" => pages_id,
    });
    doc.trailer.set("Root", catalog_id);
    doc.compress();
    let mut out = Vec::new();
    doc.save_to(&mut out)?;
    Ok(out)
}

/// One message (CRLF line ends) with a text part and two base64
/// attachments: `cards.csv` (text/csv, the first number on its line 2) and
/// `refunds.zip` (application/zip) holding `refunds.csv` (the second number
/// on its line 2).
fn eml(csv_pan: &Pan, zip_pan: &Pan) -> Result<Vec<u8>> {
    let csv = format!("name,card_number\r\nJane Doe,{}\r\n", csv_pan.digits());
    let refunds = format!("name,card_number\r\nJohn Roe,{}\r\n", zip_pan.digits());
    let zipped = zip(&[("refunds.csv", refunds.as_bytes())], &[])?;
    let b = "=-selftest-boundary";
    Ok(format!(
        "From: Shop <shop@example.com>\r\nTo: Accounts <accounts@example.com>\r\nSubject: Card export\r\nDate: Mon, 17 Jun 2024 10:00:00 +0000\r\nMessage-ID: <selftest-export@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"{b}\"\r\n\r\nThis is a multi-part message in MIME format.\r\n\r\n--{b}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\nThe export and the refunds are attached.\r\n\r\n--{b}\r\nContent-Type: text/csv; name=\"cards.csv\"\r\nContent-Disposition: attachment; filename=\"cards.csv\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--{b}\r\nContent-Type: application/zip; name=\"refunds.zip\"\r\nContent-Disposition: attachment; filename=\"refunds.zip\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--{b}--\r\n",
        base64(csv.as_bytes()),
        base64(&zipped),
    )
    .into_bytes())
}

/// A mailbox of two messages; the number is in the body of the second.
fn mbox(pan: &Pan) -> Vec<u8> {
    format!(
        "From shop@example.com Mon Jun 17 10:00:00 2024\nFrom: Shop <shop@example.com>\nTo: Support <support@example.com>\nSubject: Opening hours\nDate: Mon, 17 Jun 2024 10:00:00 +0000\nMessage-ID: <selftest-1@example.com>\n\nWe open at nine.\n\nFrom jane@example.com Mon Jun 17 11:00:00 2024\nFrom: Jane Doe <jane@example.com>\nTo: Support <support@example.com>\nSubject: My order\nDate: Mon, 17 Jun 2024 11:00:00 +0000\nMessage-ID: <selftest-2@example.com>\n\nPlease charge my card {} again.\n\n",
        pan.digits()
    )
    .into_bytes()
}

fn mysqldump(row1: &Pan, row2: &Pan) -> Vec<u8> {
    format!(
        "-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)\n--\n-- Host: localhost    Database: shop\n-- ------------------------------------------------------\n\n/*!40101 SET NAMES utf8mb4 */;\n\n--\n-- Table structure for table `customers`\n--\n\nDROP TABLE IF EXISTS `customers`;\nCREATE TABLE `customers` (\n  `id` int NOT NULL AUTO_INCREMENT,\n  `name` varchar(64) DEFAULT NULL,\n  `card_number` varchar(19) DEFAULT NULL,\n  `expiry` char(5) DEFAULT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n\n--\n-- Dumping data for table `customers`\n--\n\nLOCK TABLES `customers` WRITE;\nINSERT INTO `customers` VALUES (1,'Jane Doe','{}','12/27'),(2,'John Roe','{}','01/28');\nUNLOCK TABLES;\n\n-- Dump completed on 2024-06-17 10:00:00\n",
        row1.digits(),
        row2.digits()
    )
    .into_bytes()
}

fn pg_dump(pan: &Pan) -> Vec<u8> {
    format!(
        "--\n-- PostgreSQL database dump\n--\n\nSET statement_timeout = 0;\nSET client_encoding = 'UTF8';\n\nCREATE TABLE public.payments (\n    id integer NOT NULL,\n    pan character varying(19),\n    amount numeric(10,2)\n);\n\nALTER TABLE public.payments OWNER TO shop;\n\nCOPY public.payments (id, pan, amount) FROM stdin;\n1\t{}\t19.99\n\\.\n\nALTER TABLE ONLY public.payments\n    ADD CONSTRAINT payments_pkey PRIMARY KEY (id);\n\n--\n-- PostgreSQL database dump complete\n--\n",
        pan.digits()
    )
    .into_bytes()
}

/// The TOC entries of `pg_dump(pan)`'s table: the table, its data (dump
/// id 3321), its key.
fn pg_entries() -> [crate::container::pgdump::write::Entry<'static>; 3] {
    use crate::container::pgdump::write::Entry;
    [
        Entry {
            id: 215,
            data: false,
            tag: "payments",
            desc: "TABLE",
            section: 2,
            defn: "CREATE TABLE public.payments (\n    id integer NOT NULL,\n    pan character varying(19),\n    amount numeric(10,2)\n);\n",
            copy: None,
        },
        Entry {
            id: 3321,
            data: true,
            tag: "payments",
            desc: "TABLE DATA",
            section: 3,
            defn: "",
            copy: Some("COPY public.payments (id, pan, amount) FROM stdin;\n"),
        },
        Entry {
            id: 3170,
            data: false,
            tag: "payments payments_pkey",
            desc: "CONSTRAINT",
            section: 4,
            defn: "ALTER TABLE ONLY public.payments\n    ADD CONSTRAINT payments_pkey PRIMARY KEY (id);\n",
            copy: None,
        },
    ]
}

/// A pg_dump custom-format archive (version 1.14, as PostgreSQL 12 to 15
/// write it) of `pg_dump(pan)`'s table: its TOC (the table, its data, its
/// key) and the rows in one zlib-compressed data block.
fn pg_custom(pan: &Pan) -> io::Result<Vec<u8>> {
    use crate::container::pgdump::write::{archive, int};
    let entries = pg_entries();
    let rows = format!("1\t{}\t19.99\n", pan.digits());
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(rows.as_bytes())?;
    let packed = z.finish()?;
    // One data block (type 1) for entry 3321: one chunk, then the end.
    let mut block = vec![1];
    int(&mut block, 3321);
    int(&mut block, packed.len() as i64);
    block.extend_from_slice(&packed);
    int(&mut block, 0);
    Ok(archive(14, 1, &entries, &block))
}

/// A Redis RDB snapshot (version 10, as Redis 7.0 writes it): a small
/// hash kept as a listpack, its `cc_number` stored as a binary 64-bit
/// integer, and a session string LZF-compressed. Neither number is in
/// the file as digits.
fn redis_snapshot(card: &Pan, session_pan: &Pan) -> io::Result<Vec<u8>> {
    fn len(n: usize) -> Vec<u8> {
        match n {
            0..=63 => vec![n as u8],
            64..=16383 => vec![0x40 | (n >> 8) as u8, n as u8],
            _ => {
                let mut v = vec![0x80];
                v.extend((n as u32).to_be_bytes());
                v
            }
        }
    }
    fn string(v: &[u8]) -> Vec<u8> {
        let mut out = len(v.len());
        out.extend_from_slice(v);
        out
    }
    let bad = |what: &str| io::Error::other(what.to_string());
    // The listpack: name, Jane Doe, cc_number, the number as an int64.
    let mut entries = Vec::new();
    for text in [&b"name"[..], b"Jane Doe", b"cc_number"] {
        entries.push(0x80 | text.len() as u8);
        entries.extend_from_slice(text);
        entries.push(1 + text.len() as u8);
    }
    let n: i64 = card
        .digits()
        .parse()
        .map_err(|_| bad("a PAN over 18 digits"))?;
    entries.push(0xF4);
    entries.extend(n.to_le_bytes());
    entries.push(9);
    let mut lp = ((6 + entries.len() + 1) as u32).to_le_bytes().to_vec();
    lp.extend(4u16.to_le_bytes());
    lp.extend(entries);
    lp.push(0xFF);
    let session = format!(
        "{}order|s:8:\"{}\";card_number|s:{}:\"{}\";",
        "user|s:8:\"Jane Doe\";cart|a:0:{}".repeat(6),
        &session_pan.digits()[..8],
        session_pan.digits().len(),
        session_pan.digits()
    );
    let packed = lzf::compress(session.as_bytes()).map_err(|_| bad("session did not compress"))?;
    let mut v = b"REDIS0010".to_vec();
    v.extend([0xFE, 0x00, 16]); // database 0, a listpack hash
    v.extend(string(b"customer:42"));
    v.extend(string(&lp));
    v.push(0x00); // a string
    v.extend(string(b"sess:8c1f"));
    v.push(0xC3);
    v.extend(len(packed.len()));
    v.extend(len(session.len()));
    v.extend(packed);
    v.push(0xFF);
    v.extend([0u8; 8]); // no checksum
    Ok(v)
}

/// A pg_dump tar-format archive (`-Ft`) of `pg_dump(pan)`'s table:
/// `toc.dat` (version 1.14), then the rows in `3321.dat`, as pg_dump
/// orders them.
fn pg_tar(pan: &Pan) -> io::Result<Vec<u8>> {
    use crate::container::pgdump::write::toc_dat;
    let toc = toc_dat(3, 14, &pg_entries());
    let rows = format!("1\t{}\t19.99\n\\.\n\n", pan.digits());
    tar(&[("toc.dat", &toc), ("3321.dat", rows.as_bytes())])
}

/// A disk image with holes (a sparse file, where the filesystem keeps
/// them): a boot record's text, 4 MiB of nothing, a line holding `pan`,
/// nothing to 8 MiB.
fn sparse_image(path: &Path, pan: &Pan) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    let f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all_at(&b"boot record\n".repeat(700), 0)?;
    f.write_all_at(format!("card {}\n", pan.digits()).as_bytes(), 4 << 20)?;
    f.set_len(8 << 20)
}

/// An Excel 97-2003 workbook (BIFF8 in an OLE2 compound file): sheet
/// `cards`, `card_number` in A1 and `pan` in A2 (shared strings). With
/// `protected`, encrypted with Excel's built-in password as Excel does when
/// only the workbook's structure is protected (RC4 CryptoAPI, 128 bits).
fn xls(pan: &Pan, protected: bool) -> Result<Vec<u8>> {
    use crate::container::xlscrypt::{write, DEFAULT_PASSWORD};
    let record = |out: &mut Vec<u8>, kind: u16, data: &[u8]| {
        out.extend_from_slice(&write::record(kind, data));
    };
    let bof = |dt: u16| {
        let mut d = 0x0600u16.to_le_bytes().to_vec();
        d.extend_from_slice(&dt.to_le_bytes());
        d.extend_from_slice(&[0; 12]);
        d
    };
    let filepass = protected.then(|| write::filepass(false, DEFAULT_PASSWORD, [0x42; 16], 128));
    let mut book = Vec::new();
    record(&mut book, 0x0809, &bof(0x0005));
    if let Some((r, _)) = &filepass {
        book.extend_from_slice(r);
    }
    let encrypted_from = book.len();
    // BOUNDSHEET8: where the sheet's BOF is (filled in below), visible, a
    // worksheet, its name.
    let sheet_at = book.len() + 4;
    record(&mut book, 0x0085, b"\0\0\0\0\0\0\x05\0cards");
    let mut sst = 2u32.to_le_bytes().to_vec();
    sst.extend_from_slice(&2u32.to_le_bytes());
    for s in ["card_number", pan.digits()] {
        sst.extend_from_slice(&(s.len() as u16).to_le_bytes());
        sst.push(0);
        sst.extend_from_slice(s.as_bytes());
    }
    record(&mut book, 0x00FC, &sst);
    record(&mut book, 0x000A, &[]);
    let start = book.len() as u32;
    book[sheet_at..sheet_at + 4].copy_from_slice(&start.to_le_bytes());
    record(&mut book, 0x0809, &bof(0x0010));
    for (row, isst) in [(0u16, 0u32), (1, 1)] {
        let mut cell = row.to_le_bytes().to_vec();
        cell.extend_from_slice(&[0, 0, 15, 0]); // column A, format 15
        cell.extend_from_slice(&isst.to_le_bytes());
        record(&mut book, 0x00FD, &cell);
    }
    record(&mut book, 0x000A, &[]);
    if let Some((_, key)) = filepass {
        write::encrypt(&mut book, encrypted_from, key);
    }
    let mut file = cfb::CompoundFile::create(io::Cursor::new(Vec::new()))?;
    file.create_stream("/Workbook")?.write_all(&book)?;
    file.flush()?;
    Ok(file.into_inner().into_inner())
}

/// A SQLite database written by SQLite: table `cards`, the numbers in
/// column `card_number`, rows 1 and 2.
fn sqlite(path: &Path, row1: &Pan, row2: &Pan) -> Result<()> {
    if path.exists() {
        bail!("{} exists", crate::redact::path(path));
    }
    let db = rusqlite::Connection::open(path)?;
    db.execute_batch(
        "CREATE TABLE cards (id INTEGER PRIMARY KEY, holder TEXT, card_number TEXT, expiry TEXT);",
    )?;
    db.execute(
        "INSERT INTO cards (holder, card_number, expiry) VALUES ('Jane Doe', ?1, '12/27'), ('John Roe', ?2, '01/28')",
        [row1.digits(), row2.digits()],
    )?;
    db.close().map_err(|(_, e)| e)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    Ok(())
}

/// Writes one file per format into `dir` (existing and empty) and returns
/// what must be found in each.
pub fn plant(dir: &Path) -> Result<Vec<Case>> {
    let mut p = Planter {
        dir,
        pans: TestPans::load(),
        cases: Vec::new(),
    };
    use Kind::{MaskedPan, Pan as P, Track1, Track2};

    // Text: contiguous, grouped, track data, masked.
    let v = p.pan("visa", "4", 16)?;
    let text = format!("Order 1001 paid by card {}\nThank you.\n", v.digits());
    p.case(
        "text",
        "cards.txt",
        text.as_bytes(),
        vec![Planted::new(P, &v, "cards.txt").line(1)],
    )?;

    let m = p.pan("mastercard", "5", 16)?;
    let log = format!(
        "2024-06-17 10:00:00 INFO checkout started\n2024-06-17 10:00:01 INFO payment card={} amount=19.99\n",
        m.grouped(" ")
    );
    p.case(
        "log_grouped_spaces",
        "payments.log",
        log.as_bytes(),
        vec![Planted::new(P, &m, "payments.log").line(2)],
    )?;

    let m2 = p.pan("mastercard", "2", 16)?;
    let log = format!(
        "2024-06-17 10:05:00 WARN gateway retry\n2024-06-17 10:05:01 WARN declined card {} code=05\n",
        m2.grouped("-")
    );
    p.case(
        "log_grouped_dashes",
        "gateway.log",
        log.as_bytes(),
        vec![Planted::new(P, &m2, "gateway.log").line(2)],
    )?;

    let v = p.pan("visa", "4", 16)?;
    let t1 = format!(
        "reader swipe: %B{}^DOE/JANE^2712101000000000000000?\n",
        v.digits()
    );
    p.case(
        "track1",
        "swipe.log",
        t1.as_bytes(),
        vec![Planted::new(Track1, &v, "swipe.log").line(1)],
    )?;

    let m = p.pan("mastercard", "5", 16)?;
    let t2 = format!("pos data ;{}=27121010000000000000?\n", m.digits());
    p.case(
        "track2",
        "pos.log",
        t2.as_bytes(),
        vec![Planted::new(Track2, &m, "pos.log").line(1)],
    )?;

    let v = p.pan("visa", "4", 16)?;
    let shown = Planted::new(MaskedPan, &v, "receipt.txt").line(2);
    let text = format!("RECEIPT\nCard: {}  Amount: 19.99\n", shown.masked);
    p.case("masked_pan", "receipt.txt", text.as_bytes(), vec![shown])?;

    // Encodings.
    let a = p.pan("amex", "3", 15)?;
    let text = format!("Name,Card\r\nJane Doe,{}\r\n", a.digits());
    p.case(
        "utf16le_bom",
        "export-utf16le.txt",
        &utf16(&text, false, true),
        vec![Planted::new(P, &a, "export-utf16le.txt").line(2)],
    )?;

    let d = p.pan("discover", "6011", 16)?;
    let text = format!("Name,Card\r\nJane Doe,{}\r\n", d.digits());
    p.case(
        "utf16be",
        "export-utf16be.txt",
        &utf16(&text, true, false),
        vec![Planted::new(P, &d, "export-utf16be.txt").line(2)],
    )?;

    let u = p.pan("unionpay", "62", 16)?;
    let text = format!("ご注文\nカード番号：{}\n", u.full_width());
    p.case(
        "full_width_utf8",
        "order-utf8.txt",
        text.as_bytes(),
        vec![Planted::new(P, &u, "order-utf8.txt").line(2)],
    )?;

    let j = p.pan("jcb", "35", 16)?;
    let text = format!("ご注文\nカード番号：{}\n", j.full_width());
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(&text);
    p.case(
        "shift_jis",
        "order-sjis.txt",
        &sjis,
        vec![Planted::new(P, &j, "order-sjis.txt").line(2)],
    )?;

    // Compressed streams: the number on line 3 of the decompressed log.
    let log = |pan: &Pan| {
        format!(
            "2024-06-17 10:00:00 INFO start\n2024-06-17 10:00:01 INFO checkout\n2024-06-17 10:00:02 INFO charged card {}\n",
            pan.digits()
        )
    };
    type Compress = fn(&[u8]) -> io::Result<Vec<u8>>;
    let streams: [(&'static str, &str, &str, &str, &str, usize, Compress); 6] = [
        ("gzip", "visa", "4", "app.log.gz", "app.log", 16, gzip),
        (
            "bzip2",
            "mastercard",
            "5",
            "old.log.bz2",
            "old.log",
            16,
            bzip2,
        ),
        ("xz", "amex", "3", "archive.log.xz", "archive.log", 15, xz),
        (
            "zstd",
            "discover",
            "6",
            "trace.log.zst",
            "trace.log",
            16,
            zstd,
        ),
        ("lz4", "visa", "4", "debug.log.lz4", "debug.log", 16, lz4),
        // A file deleted from a git work tree, its blob left in the
        // object store (.git/objects/ab/cdef…).
        (
            "git_object",
            "mastercard",
            "2",
            "3f9a0c51d2e8b7a6f4c3d2e1f0a9b8c7d6e5f4a3",
            "blob",
            16,
            git_blob,
        ),
    ];
    for (format, brand, prefix, file, inner, len, compress) in streams {
        let pan = p.pan(brand, prefix, len)?;
        let data = compress(log(&pan).as_bytes())?;
        let path = format!("{file}!{inner}");
        p.case(
            format,
            file,
            &data,
            vec![Planted::new(P, &pan, &path).line(3)],
        )?;
    }

    // Archives.
    let j = p.pan("jcb", "35", 16)?;
    let member = format!("id=7 card {}\n", j.digits());
    let data = tar(&[
        ("orders/readme.txt", b"nothing here\n"),
        ("orders/cards.txt", member.as_bytes()),
    ])?;
    p.case(
        "tar",
        "backup.tar",
        &data,
        vec![Planted::new(P, &j, "backup.tar!orders/cards.txt").line(1)],
    )?;

    let dn = p.pan("diners", "3", 14)?;
    let member = format!("notes\ncard {} on file\n", dn.digits());
    let data = gzip(&tar(&[("site/notes.txt", member.as_bytes())])?)?;
    p.case(
        "tar_gz",
        "site.tar.gz",
        &data,
        vec![Planted::new(P, &dn, "site.tar.gz!site.tar!site/notes.txt").line(2)],
    )?;

    let u = p.pan("unionpay", "62", 16)?;
    let member = format!("card {}\n", u.digits());
    let data = zip(&[("export/cards.txt", member.as_bytes())], &[])?;
    p.case(
        "zip",
        "export.zip",
        &data,
        vec![Planted::new(P, &u, "export.zip!export/cards.txt").line(1)],
    )?;

    let m2 = p.pan("mastercard", "2", 16)?;
    let dump = format!("-- dump\nid=9 card {}\n", m2.digits());
    let inner = zip(&[("dump.txt", dump.as_bytes())], &[])?;
    let data = gzip(&tar(&[
        ("backups/index.txt", b"db.zip\n"),
        ("backups/db.zip", &inner),
    ])?)?;
    p.case(
        "zip_in_tar_gz",
        "backups.tar.gz",
        &data,
        vec![Planted::new(P, &m2, "backups.tar.gz!backups.tar!backups/db.zip!dump.txt").line(2)],
    )?;

    // Office documents and PDF.
    let a = p.pan("amex", "3", 15)?;
    let v = p.pan("visa", "4", 16)?;
    let member = "notes.docx!word/document.xml";
    p.case(
        "docx",
        "notes.docx",
        &docx(&a, &v)?,
        vec![
            Planted::new(P, &a, member).at("paragraph", 2),
            Planted::new(P, &v, member)
                .at("table", 1)
                .at("row", 2)
                .at("cell", 2),
        ],
    )?;

    let d = p.pan("discover", "6", 16)?;
    let m = p.pan("mastercard", "5", 16)?;
    p.case(
        "xlsx",
        "export.xlsx",
        &xlsx(&d, &m)?,
        vec![
            Planted::new(P, &d, "export.xlsx!xl/worksheets/sheet1.xml")
                .at("sheet", "Cards")
                .at("cell", "B2"),
            Planted::new(P, &m, "export.xlsx!xl/worksheets/sheet2.xml")
                .at("sheet", "Refunds")
                .at("cell", "C3"),
        ],
    )?;

    let j = p.pan("jcb", "35", 16)?;
    p.case(
        "pptx",
        "deck.pptx",
        &pptx(&j)?,
        vec![Planted::new(P, &j, "deck.pptx!ppt/slides/slide2.xml").at("slide", 2)],
    )?;

    let dn = p.pan("diners", "3", 16)?;
    p.case(
        "odt",
        "letter.odt",
        &odt(&dn)?,
        vec![Planted::new(P, &dn, "letter.odt!content.xml").at("paragraph", 2)],
    )?;

    let u = p.pan("unionpay", "62", 16)?;
    p.case(
        "ods",
        "cards.ods",
        &ods(&u)?,
        vec![Planted::new(P, &u, "cards.ods!content.xml")
            .at("sheet", "Cards")
            .at("cell", "B2")],
    )?;

    let v = p.pan("visa", "4", 16)?;
    p.case(
        "pdf",
        "receipt.pdf",
        &pdf(&v)?,
        vec![Planted::new(P, &v, "receipt.pdf").at("page", 2)],
    )?;

    // Mail.
    // Attachments, text or not, are members, opened in turn.
    let m2 = p.pan("mastercard", "2", 16)?;
    let m3 = p.pan("mastercard", "2", 16)?;
    p.case(
        "eml_attachment",
        "order.eml",
        &eml(&m2, &m3)?,
        vec![
            Planted::new(P, &m2, "order.eml!cards.csv")
                .line(2)
                .at("column", "card_number"),
            Planted::new(P, &m3, "order.eml!refunds.zip!refunds.csv")
                .line(2)
                .at("column", "card_number"),
        ],
    )?;

    let a = p.pan("amex", "3", 15)?;
    p.case(
        "mbox",
        "inbox.mbox",
        &mbox(&a),
        vec![Planted::new(P, &a, "inbox.mbox").at("message", 2)],
    )?;

    // Structured sources.
    let v = p.pan("visa", "4", 16)?;
    let d = p.pan("discover", "6", 16)?;
    p.case(
        "mysqldump",
        "shop.sql",
        &mysqldump(&v, &d),
        vec![
            Planted::new(P, &v, "shop.sql")
                .at("table", "customers")
                .at("column", "card_number")
                .at("row", 1)
                .at("pk", "1"),
            Planted::new(P, &d, "shop.sql")
                .at("table", "customers")
                .at("column", "card_number")
                .at("row", 2)
                .at("pk", "2"),
        ],
    )?;

    let m = p.pan("mastercard", "5", 16)?;
    p.case(
        "pg_dump_copy",
        "payments.sql",
        &pg_dump(&m),
        vec![Planted::new(P, &m, "payments.sql")
            .line(17)
            .at("table", "payments")
            .at("column", "pan")
            .at("row", 1)
            .at("pk", "1")],
    )?;

    let m = p.pan("mastercard", "2", 16)?;
    p.case(
        "pg_dump_custom",
        "shop.dump",
        &pg_custom(&m)?,
        vec![Planted::new(P, &m, "shop.dump!pg_restore.sql")
            .at("table", "payments")
            .at("column", "pan")
            .at("row", 1)
            .at("pk", "1")],
    )?;

    let m = p.pan("mastercard", "5", 16)?;
    p.case(
        "pg_dump_tar",
        "shop.tar",
        &pg_tar(&m)?,
        vec![Planted::new(P, &m, "shop.tar!3321.dat")
            .line(1)
            .at("table", "payments")
            .at("column", "pan")
            .at("row", 1)
            .at("pk", "1")],
    )?;

    let v = p.pan("visa", "4", 16)?;
    sparse_image(&dir.join("disk.img"), &v).context("writing disk.img")?;
    p.record(
        "sparse_file",
        "disk.img",
        vec![Planted::new(P, &v, "disk.img").line(701)],
    );

    let v = p.pan("visa", "4", 16)?;
    let m = p.pan("mastercard", "2", 16)?;
    p.case(
        "redis_snapshot",
        "dump.rdb",
        &redis_snapshot(&v, &m)?,
        vec![
            Planted::new(P, &v, "dump.rdb")
                .line(1)
                .at("key", "customer:42")
                .at("field", "cc_number"),
            Planted::new(P, &m, "dump.rdb")
                .line(2)
                .at("key", "sess:8c1f"),
        ],
    )?;

    let v = p.pan("visa", "4", 16)?;
    p.case(
        "xls",
        "export.xls",
        &xls(&v, false)?,
        vec![Planted::new(P, &v, "export.xls")
            .line(2)
            .at("sheet", "cards")
            .at("cell", "A2")],
    )?;
    let m = p.pan("mastercard", "5", 16)?;
    p.case(
        "xls_protected",
        "protected.xls",
        &xls(&m, true)?,
        vec![Planted::new(P, &m, "protected.xls")
            .line(2)
            .at("sheet", "cards")
            .at("cell", "A2")],
    )?;

    let j = p.pan("maestro", "6", 16)?;
    let h = p.pan("hipercard", "6", 16)?;
    let csv = format!(
        "id,name,card_number,expiry\n1,Jane Doe,{},12/27\n2,John Roe,{},01/28\n",
        j.digits(),
        h.digits()
    );
    p.case(
        "csv",
        "customers.csv",
        csv.as_bytes(),
        vec![
            Planted::new(P, &j, "customers.csv")
                .line(2)
                .at("column", "card_number")
                .at("row", 1),
            Planted::new(P, &h, "customers.csv")
                .line(3)
                .at("column", "card_number")
                .at("row", 2),
        ],
    )?;

    let dn = p.pan("diners", "3", 14)?;
    let json = format!(
        "{{\n  \"order\": {{\n    \"id\": 1001,\n    \"payment\": {{\n      \"card\": {{\n        \"number\": \"{}\",\n        \"expiry\": \"12/27\"\n      }}\n    }}\n  }}\n}}\n",
        dn.digits()
    );
    p.case(
        "json",
        "capture.json",
        json.as_bytes(),
        vec![Planted::new(P, &dn, "capture.json").at("json_path", "$.order.payment.card.number")],
    )?;

    let u19 = p.pan("unionpay", "62", 19)?;
    let e = p.pan("elo", "5", 16)?;
    let jsonl = format!(
        "{{\"event\":\"auth\",\"card\":{{\"number\":\"{}\"}}}}\n{{\"event\":\"refund\",\"payment\":{{\"pan\":{}}}}}\n",
        u19.digits(),
        e.digits()
    );
    p.case(
        "json_lines",
        "events.jsonl",
        jsonl.as_bytes(),
        vec![
            Planted::new(P, &u19, "events.jsonl")
                .line(1)
                .at("json_path", "$.card.number"),
            Planted::new(P, &e, "events.jsonl")
                .line(2)
                .at("json_path", "$.payment.pan"),
        ],
    )?;

    let v = p.pan("visa", "4", 16)?;
    let dk = p.pan("dankort", "5019", 16)?;
    sqlite(&dir.join("shop.sqlite"), &v, &dk).context("writing shop.sqlite")?;
    p.record(
        "sqlite",
        "shop.sqlite",
        vec![
            Planted::new(P, &v, "shop.sqlite")
                .at("table", "cards")
                .at("column", "card_number")
                .at("row", 1),
            Planted::new(P, &dk, "shop.sqlite")
                .at("table", "cards")
                .at("column", "card_number")
                .at("row", 2),
        ],
    );

    Ok(p.cases)
}

// ---------------------------------------------------------------------------
// Scanning and matching.

/// Scans `dir` as `pan-scan DIR` would: the command line's configuration
/// with its default limits, a detector with a random key, one run.
pub fn scan_dir(dir: &Path) -> Result<scan::Outcome> {
    let argv: [OsString; 4] = [
        "pan-scan".into(),
        "--no-progress".into(),
        "--".into(),
        dir.as_os_str().to_owned(),
    ];
    let args = crate::cli::Args::try_parse_from(argv)?;
    let cfg = args.config()?;
    let det = Detector::new(Fingerprinter::random()?);
    let counters = Counters::default();
    let stop = AtomicBool::new(false);
    scan::run(&cfg, &det, &counters, &stop)
}

/// A finding that no planted item accounts for.
#[derive(Clone, Debug, Serialize)]
pub struct Unexpected {
    pub path: String,
    pub kind: Kind,
    pub masked: String,
    pub line: u64,
}

/// A planted item that was not found.
#[derive(Clone, Debug, Serialize)]
pub struct Missed {
    pub kind: Kind,
    pub masked: String,
    pub expected_location: serde_json::Value,
}

/// `pass` or `fail`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Fail,
}

impl Verdict {
    fn of(ok: bool) -> Verdict {
        if ok {
            Verdict::Pass
        } else {
            Verdict::Fail
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
        }
    }
}

/// One format's row of the result.
#[derive(Clone, Debug, Serialize)]
pub struct FormatResult {
    pub format: &'static str,
    pub file: String,
    pub planted: usize,
    pub found: usize,
    pub missed: Vec<Missed>,
    pub result: Verdict,
}

/// What the matcher concluded.
#[derive(Clone, Debug)]
pub struct Evaluation {
    pub formats: Vec<FormatResult>,
    pub unexpected: Vec<Unexpected>,
}

impl Evaluation {
    pub fn planted(&self) -> usize {
        self.formats.iter().map(|f| f.planted).sum()
    }
    pub fn found(&self) -> usize {
        self.formats.iter().map(|f| f.found).sum()
    }
    pub fn missed(&self) -> usize {
        self.formats.iter().map(|f| f.missed.len()).sum()
    }
    pub fn result(&self) -> Verdict {
        Verdict::of(self.formats.iter().all(|f| f.result == Verdict::Pass))
    }
}

/// A finding's path relative to the planted directory, whose display form
/// with a trailing `/` is `prefix`.
fn relative<'a>(path: &'a str, prefix: &str) -> &'a str {
    path.strip_prefix(prefix).unwrap_or(path)
}

/// Matches planted items to findings, one finding for at most one item. A
/// format passes when every item planted for it is found. Findings no item
/// accounts for are unexpected, except schema findings (`sad_field`).
pub fn evaluate(cases: &[Case], findings: &[Finding], prefix: &str) -> Evaluation {
    let mut used = vec![false; findings.len()];
    let mut formats = Vec::with_capacity(cases.len());
    for case in cases {
        let mut found = 0;
        let mut missed = Vec::new();
        for item in &case.planted {
            let hit = findings
                .iter()
                .enumerate()
                .position(|(i, f)| !used[i] && item.matches(f, relative(&f.path, prefix)));
            match hit {
                Some(i) => {
                    used[i] = true;
                    found += 1;
                }
                None => missed.push(Missed {
                    kind: item.kind,
                    masked: item.masked.clone(),
                    expected_location: item.expected_location(),
                }),
            }
        }
        formats.push(FormatResult {
            format: case.format,
            file: case.file.clone(),
            planted: case.planted.len(),
            found,
            result: Verdict::of(missed.is_empty()),
            missed,
        });
    }
    let unexpected = findings
        .iter()
        .zip(&used)
        .filter(|(f, used)| !**used && f.kind != Kind::SadField)
        .map(|(f, _)| Unexpected {
            path: relative(&f.path, prefix).to_string(),
            kind: f.kind,
            masked: f.masked.clone(),
            line: f.line,
        })
        .collect();
    Evaluation {
        formats,
        unexpected,
    }
}

// ---------------------------------------------------------------------------
// The record.

/// Who ran the test, where, when, with which rules.
#[derive(Clone, Debug, Serialize)]
pub struct Run {
    pub test_id: String,
    pub tool_version: &'static str,
    pub rules_version: String,
    pub rules_sha256: String,
    pub host: Host,
    pub started_at: String,
    pub ended_at: String,
}

/// The self-test record (`type: pan-scan-selftest`).
#[derive(Clone, Debug, Serialize)]
pub struct Record {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub schema_version: u32,
    pub run: Run,
    pub requirement: &'static str,
    pub formats: Vec<FormatResult>,
    pub planted: usize,
    pub found: usize,
    pub missed: usize,
    pub unexpected: usize,
    pub result: Verdict,
}

impl Record {
    pub fn new(run: Run, ev: &Evaluation) -> Record {
        Record {
            kind: "pan-scan-selftest",
            schema_version: 1,
            run,
            requirement: REQUIREMENT,
            formats: ev.formats.clone(),
            planted: ev.planted(),
            found: ev.found(),
            missed: ev.missed(),
            unexpected: ev.unexpected.len(),
            result: ev.result(),
        }
    }

    pub fn exit_code(&self) -> i32 {
        match self.result {
            Verdict::Pass => 0,
            Verdict::Fail => 1,
        }
    }
}

/// The human report: a table of formats, what was missed, what was not
/// planted, and the result.
pub fn write_human(
    w: &mut dyn Write,
    rec: &Record,
    ev: &Evaluation,
    skipped: &[Skipped],
    dir_note: &str,
) -> io::Result<()> {
    let r = &rec.run;
    writeln!(
        w,
        "pan-scan selftest: discovery effectiveness test (PCI DSS {})",
        rec.requirement
    )?;
    writeln!(w, "test id    {}", r.test_id)?;
    writeln!(
        w,
        "tool       pan-scan {}, rules {} (sha256 {})",
        r.tool_version, r.rules_version, r.rules_sha256
    )?;
    writeln!(
        w,
        "host       {} ({}), user {}",
        r.host.hostname, r.host.os, r.host.user
    )?;
    writeln!(w, "time       {} to {}", r.started_at, r.ended_at)?;
    writeln!(w, "directory  {dir_note}")?;
    writeln!(w)?;
    let fw = ev
        .formats
        .iter()
        .map(|f| f.format.len())
        .max()
        .unwrap_or(6)
        .max(6);
    let pw = ev
        .formats
        .iter()
        .map(|f| f.file.len())
        .max()
        .unwrap_or(4)
        .max(4);
    writeln!(
        w,
        "{:fw$}  {:pw$}  {:>7}  {:>5}  result",
        "format", "file", "planted", "found"
    )?;
    for f in &ev.formats {
        writeln!(
            w,
            "{:fw$}  {:pw$}  {:>7}  {:>5}  {}",
            f.format,
            f.file,
            f.planted,
            f.found,
            f.result.label()
        )?;
        for m in &f.missed {
            writeln!(
                w,
                "{:fw$}  missed {} {} expected at {}",
                "",
                m.kind.label(),
                m.masked,
                m.expected_location
            )?;
        }
    }
    writeln!(w)?;
    for u in &ev.unexpected {
        writeln!(
            w,
            "unexpected {}:{}: {} {} (not planted)",
            u.path,
            u.line,
            u.kind.label(),
            u.masked
        )?;
    }
    for s in skipped {
        writeln!(
            w,
            "not read   {}: {} ({})",
            s.path,
            s.reason.label(),
            s.detail
        )?;
    }
    writeln!(
        w,
        "total      {} formats: {} planted, {} found, {} missed, {} unexpected",
        ev.formats.len(),
        rec.planted,
        rec.found,
        rec.missed,
        rec.unexpected
    )?;
    let word = match rec.result {
        Verdict::Pass => "PASS",
        Verdict::Fail => "FAIL",
    };
    writeln!(w, "result     {word} (exit {})", rec.exit_code())
}

// ---------------------------------------------------------------------------
// The command.

/// Where the files are planted: a temporary directory removed at the end,
/// or the user's, kept.
enum Place {
    Temp(tempfile::TempDir),
    Kept(PathBuf),
}

impl Place {
    fn open(dir: Option<&Path>) -> Result<Place> {
        let Some(d) = dir else {
            let t = tempfile::Builder::new()
                .prefix("pan-scan-selftest-")
                .tempdir()
                .context("creating a temporary directory")?;
            return Ok(Place::Temp(t));
        };
        let shown = crate::redact::path(d);
        match std::fs::symlink_metadata(d) {
            Ok(md) if md.is_dir() => {
                let mut entries = std::fs::read_dir(d)
                    .with_context(|| format!("--dir {shown}: cannot read it"))?;
                if entries.next().is_some() {
                    bail!("--dir {shown}: not empty (the self-test plants its files in a new or empty directory)");
                }
            }
            Ok(_) => bail!("--dir {shown}: not a directory"),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                std::fs::DirBuilder::new()
                    .mode(0o700)
                    .create(d)
                    .with_context(|| format!("--dir {shown}: cannot create it"))?;
            }
            Err(e) => bail!("--dir {shown}: {}", crate::coverage::io_detail(&e)),
        }
        let abs = std::fs::canonicalize(d).with_context(|| format!("--dir {shown}"))?;
        Ok(Place::Kept(abs))
    }

    fn path(&self) -> &Path {
        match self {
            Place::Temp(t) => t.path(),
            Place::Kept(p) => p,
        }
    }
}

/// Runs the self-test; returns the exit code.
pub fn main(args: &SelftestArgs) -> Result<i32> {
    let started = SystemTime::now();
    let place = Place::open(args.dir.as_deref())?;
    let dir = place.path().to_path_buf();
    let cases = plant(&dir)?;
    let outcome = scan_dir(&dir)?;
    let prefix = format!("{}/", scan::display(&dir));
    let ev = evaluate(&cases, &outcome.findings, &prefix);
    let skipped: Vec<Skipped> = outcome
        .skipped
        .iter()
        .map(|s| Skipped {
            path: relative(&s.path, &prefix).to_string(),
            ..s.clone()
        })
        .collect();
    let dir_note = match &place {
        Place::Temp(_) => format!("{} (temporary, removed)", scan::display(&dir)),
        Place::Kept(_) => format!("{} (kept)", scan::display(&dir)),
    };
    if let Place::Temp(t) = place {
        if let Err(e) = t.close() {
            eprintln!(
                "pan-scan selftest: warning: removing the temporary directory: {}",
                crate::coverage::io_detail(&e)
            );
        }
    }
    let rules = crate::rules::get();
    let run = Run {
        test_id: runinfo::random_id(),
        tool_version: env!("CARGO_PKG_VERSION"),
        rules_version: rules.version.clone(),
        rules_sha256: rules.digest.clone(),
        host: Host::current(),
        started_at: runinfo::timestamp(started),
        ended_at: runinfo::timestamp(SystemTime::now()),
    };
    let rec = Record::new(run, &ev);
    if let Some(path) = &args.json {
        crate::report::atomic::write(path, |w| {
            serde_json::to_writer_pretty(&mut *w, &rec)?;
            w.write_all(b"\n")
        })
        .with_context(|| format!("writing {}", crate::redact::path(path)))?;
    }
    let stdout = io::stdout();
    let mut w = io::BufWriter::new(stdout.lock());
    let res = match args.format {
        Output::Human => write_human(&mut w, &rec, &ev, &skipped, &dir_note),
        Output::Json => serde_json::to_writer_pretty(&mut w, &rec)
            .map_err(io::Error::from)
            .and_then(|_| w.write_all(b"\n")),
    }
    .and_then(|_| w.flush());
    match res {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
        Err(e) => bail!("writing the report: {}", crate::coverage::io_detail(&e)),
    }
    Ok(rec.exit_code())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PREFIX: &str = "/tmp/planted/";

    /// Plants every case into a fresh temporary directory.
    fn planted() -> (tempfile::TempDir, Vec<Case>) {
        let d = tempfile::tempdir().unwrap();
        let cases = plant(d.path()).unwrap();
        (d, cases)
    }

    /// The finding the scanner would give for `p`.
    fn finding_for(p: &Planted) -> Finding {
        Finding {
            brand: None,
            masked: p.masked.clone(),
            first6: p.first6.clone(),
            last4: p.last4.clone(),
            length: p.masked.len() as u8,
            line: p.line.unwrap_or(1),
            test_pan: true,
            location: (!p.location.is_empty()).then(|| p.location.clone()),
            ..Finding::sample(p.kind, &format!("{PREFIX}{}", p.path))
        }
    }

    fn findings_for(cases: &[Case]) -> Vec<Finding> {
        cases
            .iter()
            .flat_map(|c| c.planted.iter().map(finding_for))
            .collect()
    }

    fn row<'a>(ev: &'a Evaluation, format: &str) -> &'a FormatResult {
        ev.formats.iter().find(|f| f.format == format).unwrap()
    }

    #[test]
    fn every_format_is_planted_with_its_own_test_pan() {
        let (d, cases) = planted();
        let names: Vec<&str> = cases.iter().map(|c| c.format).collect();
        // The list of formats is spelled out in tests/selftest.rs.
        assert!(names.len() >= 32, "{names:?}");
        let unique: HashSet<&str> = names.iter().copied().collect();
        assert_eq!(unique.len(), names.len(), "a format is planted twice");
        let items: Vec<&Planted> = cases.iter().flat_map(|c| &c.planted).collect();
        assert!(items.len() >= 30);
        // Each item is a different number, so no finding can stand in for
        // another item's.
        let numbers: HashSet<(&str, &str)> = items
            .iter()
            .map(|p| (p.first6.as_str(), p.last4.as_str()))
            .collect();
        assert_eq!(numbers.len(), items.len());
        // Many brands, the Mastercard 2-series among them.
        let rules = crate::rules::get();
        let brands: HashSet<&str> = items
            .iter()
            .filter_map(|p| rules.brand_of_prefix(p.first6.as_bytes(), p.masked.len()))
            .map(|b| rules.brands[b].id.as_str())
            .collect();
        for b in [
            "visa",
            "mastercard",
            "amex",
            "discover",
            "jcb",
            "diners",
            "unionpay",
        ] {
            assert!(brands.contains(b), "no {b} planted: {brands:?}");
        }
        assert!(items.iter().any(|p| p.first6.starts_with('2')));
        // Every file is there, private, and nothing else is.
        let mut files: Vec<String> = cases.iter().map(|c| c.file.clone()).collect();
        files.sort();
        let mut on_disk: Vec<String> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        on_disk.sort();
        assert_eq!(files, on_disk);
        for f in &files {
            let mode = std::fs::metadata(d.path().join(f))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "{f} is readable by others");
        }
    }

    #[test]
    fn test_pans_come_from_the_rules_file_each_once() {
        let mut t = TestPans::load();
        assert!(t.rows.len() >= 100);
        let rules = crate::rules::get();
        let mut seen = HashSet::new();
        for _ in 0..3 {
            let p = t.take("jcb", "35", 16).unwrap();
            assert!(rules.is_test_pan(p.0.as_bytes()));
            assert!(seen.insert(p.digits().to_string()));
        }
        // Only three JCB test PANs are published.
        let err = t.take("jcb", "35", 16).unwrap_err().to_string();
        assert!(err.contains("no unused 16-digit jcb"), "{err}");
        // The error and the Debug form never show the number.
        let p = t.take("visa", "4", 16).unwrap();
        let dbg = format!("{p:?}");
        assert!(!dbg.contains(p.digits()), "{dbg}");
    }

    #[test]
    fn every_item_found_is_a_pass() {
        let (_d, cases) = planted();
        let ev = evaluate(&cases, &findings_for(&cases), PREFIX);
        assert_eq!(ev.result(), Verdict::Pass);
        assert_eq!(ev.planted(), ev.found());
        assert_eq!(ev.missed(), 0);
        assert!(ev.unexpected.is_empty());
        assert!(ev.formats.iter().all(|f| f.result == Verdict::Pass));
    }

    #[test]
    fn a_missing_finding_fails_its_format_and_the_run() {
        let (_d, cases) = planted();
        let mut findings = findings_for(&cases);
        let i = findings
            .iter()
            .position(|f| f.path.ends_with("site.tar.gz!site.tar!site/notes.txt"))
            .unwrap();
        let gone = findings.remove(i);
        let ev = evaluate(&cases, &findings, PREFIX);
        assert_eq!(ev.result(), Verdict::Fail);
        assert_eq!(ev.missed(), 1);
        assert_eq!(ev.found(), ev.planted() - 1);
        let r = row(&ev, "tar_gz");
        assert_eq!((r.planted, r.found, r.result), (1, 0, Verdict::Fail));
        assert_eq!(r.missed[0].masked, gone.masked);
        assert_eq!(r.missed[0].kind, Kind::Pan);
        assert_eq!(
            r.missed[0].expected_location["path"],
            "site.tar.gz!site.tar!site/notes.txt"
        );
        assert_eq!(r.missed[0].expected_location["line"], 2);
        let others = ev.formats.iter().filter(|f| f.format != "tar_gz");
        assert!(others.into_iter().all(|f| f.result == Verdict::Pass));
        let run = Run {
            test_id: "x".into(),
            tool_version: "0",
            rules_version: "0".into(),
            rules_sha256: "0".into(),
            host: Host::current(),
            started_at: String::new(),
            ended_at: String::new(),
        };
        let rec = Record::new(run, &ev);
        assert_eq!((rec.result, rec.exit_code()), (Verdict::Fail, 1));
        assert_eq!(rec.missed, 1);
    }

    #[test]
    fn one_of_two_items_missing_fails_the_format() {
        let (_d, cases) = planted();
        let mut findings = findings_for(&cases);
        findings.retain(|f| {
            f.location.as_ref().and_then(|l| l.get("sheet")) != Some(&"Refunds".into())
        });
        let ev = evaluate(&cases, &findings, PREFIX);
        let r = row(&ev, "xlsx");
        assert_eq!((r.planted, r.found, r.result), (2, 1, Verdict::Fail));
        assert_eq!(r.missed[0].expected_location["cell"], "C3");
    }

    #[test]
    fn a_finding_in_the_wrong_place_does_not_count() {
        let (_d, cases) = planted();
        let base = findings_for(&cases);
        type Spoil = fn(&mut Finding);
        let spoils: [(&str, &str, Spoil); 6] = [
            // The archive itself, not the member.
            ("zip_in_tar_gz", "db.zip!dump.txt", |f| {
                f.path = format!("{PREFIX}backups.tar.gz")
            }),
            ("mysqldump", "shop.sql", |f| {
                f.location
                    .as_mut()
                    .unwrap()
                    .insert("column".into(), "name".into());
            }),
            ("json", "capture.json", |f| {
                f.location = None;
            }),
            ("text", "cards.txt", |f| f.line = 2),
            ("track1", "swipe.log", |f| f.kind = Kind::Pan),
            ("log_grouped_spaces", "payments.log", |f| {
                f.last4 = "0000".into()
            }),
        ];
        for (format, path, spoil) in spoils {
            let mut findings = base.clone();
            let f = findings
                .iter_mut()
                .find(|f| f.path.ends_with(path))
                .unwrap();
            spoil(f);
            let ev = evaluate(&cases, &findings, PREFIX);
            assert_eq!(row(&ev, format).result, Verdict::Fail, "{format}");
            assert_eq!(ev.result(), Verdict::Fail, "{format}");
            assert_eq!(ev.unexpected.len(), 1, "{format}: the spoilt finding");
        }
    }

    #[test]
    fn findings_not_planted_are_unexpected_but_not_a_failure() {
        let (_d, cases) = planted();
        let mut findings = findings_for(&cases);
        let mut extra = findings[0].clone();
        extra.path = format!("{PREFIX}stray.txt");
        findings.push(extra);
        // A schema finding is not a number: not unexpected.
        let mut sad = findings[0].clone();
        sad.kind = Kind::SadField;
        sad.masked = String::new();
        findings.push(sad);
        let ev = evaluate(&cases, &findings, PREFIX);
        assert_eq!(ev.result(), Verdict::Pass);
        assert_eq!(ev.unexpected.len(), 1);
        assert_eq!(ev.unexpected[0].path, "stray.txt");
    }

    #[test]
    fn one_finding_serves_one_item() {
        let (_d, cases) = planted();
        let mut twice = cases[0].clone();
        twice.planted.push(twice.planted[0].clone());
        let findings = vec![finding_for(&twice.planted[0])];
        let ev = evaluate(&[twice], &findings, PREFIX);
        assert_eq!((ev.found(), ev.missed()), (1, 1));
    }

    /// The real thing: every planted format found by the real scan, and
    /// each of them failing when its findings are taken away.
    #[test]
    fn the_scanner_finds_every_planted_format() {
        let (d, cases) = planted();
        let dir = std::fs::canonicalize(d.path()).unwrap();
        let outcome = scan_dir(&dir).unwrap();
        let prefix = format!("{}/", scan::display(&dir));
        let ev = evaluate(&cases, &outcome.findings, &prefix);
        for f in &ev.formats {
            assert_eq!(f.result, Verdict::Pass, "{}: {:?}", f.format, f.missed);
        }
        assert!(ev.unexpected.is_empty(), "{:?}", ev.unexpected);
        assert!(outcome.skipped.is_empty(), "{:?}", outcome.skipped);
        for case in &cases {
            let rest: Vec<Finding> = outcome
                .findings
                .iter()
                .filter(|f| {
                    !case
                        .planted
                        .iter()
                        .any(|p| p.path == relative(&f.path, &prefix))
                })
                .cloned()
                .collect();
            let ev = evaluate(&cases, &rest, &prefix);
            assert_eq!(
                row(&ev, case.format).result,
                Verdict::Fail,
                "{}",
                case.format
            );
            assert_eq!(ev.result(), Verdict::Fail);
        }
    }

    #[test]
    fn the_record_holds_masked_numbers_only() {
        let (_d, cases) = planted();
        let mut findings = findings_for(&cases);
        findings.truncate(findings.len() - 3);
        let ev = evaluate(&cases, &findings, PREFIX);
        let run = Run {
            test_id: runinfo::random_id(),
            tool_version: env!("CARGO_PKG_VERSION"),
            rules_version: "r".into(),
            rules_sha256: "s".into(),
            host: Host::current(),
            started_at: runinfo::timestamp(SystemTime::now()),
            ended_at: runinfo::timestamp(SystemTime::now()),
        };
        let rec = Record::new(run, &ev);
        let json = serde_json::to_value(&rec).unwrap();
        assert_eq!(json["type"], "pan-scan-selftest");
        assert_eq!(json["schema_version"], 1);
        assert_eq!(json["requirement"], "A3.2.5.1");
        assert_eq!(json["result"], "fail");
        assert_eq!(json["missed"], 3);
        for k in [
            "test_id",
            "tool_version",
            "rules_version",
            "rules_sha256",
            "host",
            "started_at",
            "ended_at",
        ] {
            assert!(!json["run"][k].is_null(), "run.{k}");
        }
        let missed = json["formats"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|f| f["missed"].as_array().unwrap())
            .collect::<Vec<_>>();
        assert_eq!(missed.len(), 3);
        for m in missed {
            let masked = m["masked"].as_str().unwrap();
            assert!(masked.contains('*'), "{masked}");
            assert!(m["kind"].is_string() && m["expected_location"]["path"].is_string());
        }
        let mut text = serde_json::to_string(&rec).unwrap().into_bytes();
        let mut human = Vec::new();
        write_human(&mut human, &rec, &ev, &[], "d").unwrap();
        text.extend_from_slice(&human);
        for pan in crate::rules::get().test_pans() {
            assert!(
                !text.windows(pan.len()).any(|w| w == pan),
                "a test PAN in full"
            );
        }
    }

    #[test]
    fn base64_matches_rfc_4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        let long = base64(&[0u8; 60]);
        assert_eq!(long.split("\r\n").next().unwrap().len(), 76);
    }

    #[test]
    fn dir_must_be_new_or_empty() {
        let d = tempfile::tempdir().unwrap();
        let new = d.path().join("new");
        assert!(matches!(Place::open(Some(&new)), Ok(Place::Kept(_))));
        let mode = std::fs::metadata(&new).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        // Empty and existing: fine.
        assert!(Place::open(Some(&new)).is_ok());
        std::fs::write(new.join("x"), "x").unwrap();
        let err = Place::open(Some(&new)).err().unwrap().to_string();
        assert!(err.contains("not empty"), "{err}");
        let err = Place::open(Some(&new.join("x"))).err().unwrap().to_string();
        assert!(err.contains("not a directory"), "{err}");
        assert!(Place::open(Some(&d.path().join("a/b"))).is_err());
    }
}
