//! Office documents: the input is the XML of a document's parts, put into
//! a zip here (so that mutations reach the XML, not the zip's checksums).
//! The first byte picks the kind; 0xFF bytes (never in UTF-8) separate
//! parts: docx (`word/document.xml`, `word/header1.xml`), xlsx
//! (`xl/sharedStrings.xml`, `xl/worksheets/sheet1.xml`, `xl/workbook.xml`,
//! its relationships), pptx (a slide and its notes), OpenDocument
//! (`content.xml`).
#![no_main]

use std::io::{Cursor, Write};

use fuzz_common::{run, NAME};
use libfuzzer_sys::fuzz_target;
use pan_scan::container::archive;

const WORKBOOK: &[u8] =
    br#"<workbook><sheets><sheet name="Cards" r:id="rId1"/></sheets></workbook>"#;
const RELS: &[u8] =
    br#"<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>"#;

fuzz_target!(|data: &[u8]| {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let mut parts = rest.split(|&b| b == 0xFF);
    let mut next = || parts.next().unwrap_or_default();
    let files: Vec<(&str, &[u8])> = match kind % 4 {
        0 => vec![("word/document.xml", next()), ("word/header1.xml", next())],
        1 => {
            let (s, sheet, wb, rels) = (next(), next(), next(), next());
            vec![
                ("xl/sharedStrings.xml", s),
                ("xl/worksheets/sheet1.xml", sheet),
                ("xl/workbook.xml", if wb.is_empty() { WORKBOOK } else { wb }),
                (
                    "xl/_rels/workbook.xml.rels",
                    if rels.is_empty() { RELS } else { rels },
                ),
            ]
        }
        2 => vec![
            ("ppt/presentation.xml", b"<p:presentation/>".as_slice()),
            ("ppt/slides/slide1.xml", next()),
            ("ppt/notesSlides/notesSlide1.xml", next()),
        ],
        _ => vec![
            (
                "mimetype",
                b"application/vnd.oasis.opendocument.text".as_slice(),
            ),
            ("content.xml", next()),
        ],
    };
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, body) in files {
        z.start_file(name, opts).expect("zip entry");
        z.write_all(body).expect("zip write");
    }
    let bytes = z.finish().expect("zip").into_inner();
    run(|cx, top, sink| {
        archive::zip_seekable(cx, top, sink, NAME, 0, Cursor::new(&bytes[..]));
    });
});
