#!/usr/bin/env python3
"""Makes the container fixtures in testdata/containers/ with the real tools
that make such files in the wild, and writes testdata/containers/expected.json:
for each fixture, the findings and coverage records pan-scan must report.

    scripts/mkfixtures.py            # regenerate (needs the tools below)

Tools: gzip, bzip2, xz, zstd, tar, zip (Info-ZIP, for an encrypted entry)
from Debian packages; python-docx, openpyxl, python-pptx, odfpy, reportlab
and pypdf from PyPI (pip install python-docx openpyxl python-pptx odfpy
reportlab pypdf); Python's own email package for mail.

Every planted number is Luhn-valid, of a real brand's range, and not a
published test PAN (so it counts as card data), and each fixture has its own
numbers so a test can tell where a finding came from. The files are kept
small; the gzip bomb is 100 MiB of zeros (about 100 KiB compressed).
"""

import email.message
import email.policy
import gzip
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "testdata", "containers")


def luhn_complete(prefix: str, length: int, seed: int) -> str:
    """A Luhn-valid number: prefix, digits from the seed, a check digit."""
    body = prefix
    x = seed * 7919 + 17
    while len(body) < length - 1:
        x = (x * 1103515245 + 12345) % (1 << 31)
        body += str(x % 10)
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return body + str((10 - total % 10) % 10)


def test_pans() -> set:
    with open(os.path.join(ROOT, "rules", "test_pans.csv")) as f:
        return {line.split(",")[0] for line in f.read().splitlines()[1:] if line}


TEST = test_pans()
SEED = [100]


def pan(prefix="4", length=16) -> str:
    while True:
        SEED[0] += 1
        p = luhn_complete(prefix, length, SEED[0])
        if p not in TEST:
            return p


def masked(p: str) -> tuple:
    return p[:6], p[-4:]


def finding(path: str, p: str, **extra) -> dict:
    first6, last4 = masked(p)
    d = {"path": path, "first6": first6, "last4": last4}
    d.update(extra)
    return d


def run(*args, cwd=None, stdin=None):
    subprocess.run(args, cwd=cwd, check=True, input=stdin)


def write(name: str, data: bytes):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def log_text(p: str, line: int, lines: int = 6) -> bytes:
    rows = []
    for i in range(1, lines + 1):
        if i == line:
            rows.append(f"2024-05-01T10:00:0{i}Z payment card={p} status=approved")
        else:
            rows.append(f"2024-05-01T10:00:0{i}Z GET /health 200 12ms")
    return ("\n".join(rows) + "\n").encode()


def main():
    for tool in ["gzip", "bzip2", "xz", "zstd", "tar", "zip"]:
        if shutil.which(tool) is None:
            sys.exit(f"mkfixtures: {tool} is needed (apt-get install {tool})")
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    expected = {}
    tmp = tempfile.mkdtemp()
    try:
        # Compressed logs, made by the command-line tools.
        for name, tool in [("app.log.2.gz", ["gzip", "-9", "-n", "-c"]),
                           ("app.log.bz2", ["bzip2", "-c"]),
                           ("app.log.xz", ["xz", "-c"]),
                           ("app.log.zst", ["zstd", "-q", "-c"])]:
            p = pan("4")
            src = os.path.join(tmp, "app.log")
            with open(src, "wb") as f:
                f.write(log_text(p, 3))
            data = subprocess.run(tool + [src], check=True, capture_output=True).stdout
            write(name, data)
            inner = name.rsplit(".", 1)[0]
            expected[name] = {"findings": [finding(f"{name}!{inner}", p, line=3)], "skipped": []}

        # A multi-member gzip (logrotate's delaycompress + cat): lines go on.
        p = pan("51")
        one = subprocess.run(["gzip", "-n", "-c"], input=log_text(pan("4"), 99), check=True, capture_output=True).stdout
        two = subprocess.run(["gzip", "-n", "-c"], input=log_text(p, 2), check=True, capture_output=True).stdout
        write("multi.log.gz", one + two)
        expected["multi.log.gz"] = {"findings": [finding("multi.log.gz!multi.log", p, line=8)], "skipped": []}

        # backup.tar.gz holding site/db.zip holding dump.sql, and a note.
        site = os.path.join(tmp, "site")
        os.makedirs(site)
        p_sql, p_note = pan("4"), pan("37", 15)
        with open(os.path.join(tmp, "dump.sql"), "w") as f:
            f.write("-- dump\nINSERT INTO cards VALUES (1, '%s', '12/27');\n" % p_sql)
        run("zip", "-q", "-X", os.path.join(site, "db.zip"), "dump.sql", cwd=tmp)
        with open(os.path.join(site, "notes.txt"), "w") as f:
            f.write("call the customer back\namex %s\n" % p_note)
        run("tar", "--sort=name", "--mtime=2024-01-01", "--owner=0", "--group=0", "-czf",
            os.path.join(OUT, "site-backup.tar.gz"), "site", cwd=tmp)
        expected["site-backup.tar.gz"] = {
            "findings": [
                finding("site-backup.tar.gz!site-backup.tar!site/db.zip!dump.sql", p_sql, line=2),
                finding("site-backup.tar.gz!site-backup.tar!site/notes.txt", p_note, line=2),
            ],
            "skipped": [],
        }

        # A zip with an encrypted entry beside a plain one (Info-ZIP zip -P).
        enc = os.path.join(tmp, "enc")
        os.makedirs(enc)
        p_secret, p_plain = pan("4"), pan("55")
        with open(os.path.join(enc, "secret.txt"), "w") as f:
            f.write("card %s\n" % p_secret)
        with open(os.path.join(enc, "readme.txt"), "w") as f:
            f.write("card %s\n" % p_plain)
        run("zip", "-q", "-X", "-P", "hunter2", os.path.join(OUT, "encrypted.zip"), "secret.txt", cwd=enc)
        run("zip", "-q", "-X", os.path.join(OUT, "encrypted.zip"), "readme.txt", cwd=enc)
        expected["encrypted.zip"] = {
            "findings": [finding("encrypted.zip!readme.txt", p_plain, line=1)],
            "skipped": [{"path": "encrypted.zip!secret.txt", "reason": "encrypted"}],
        }

        # A tar.gz cut short in its second member: the first is found.
        tr = os.path.join(tmp, "tr")
        os.makedirs(tr)
        p_first = pan("4")
        with open(os.path.join(tr, "a.txt"), "w") as f:
            f.write("first %s\n" % p_first)
        with open(os.path.join(tr, "b.bin"), "wb") as f:
            f.write(os.urandom(200_000))
        run("tar", "--sort=name", "-czf", os.path.join(tmp, "t.tar.gz"), "a.txt", "b.bin", cwd=tr)
        with open(os.path.join(tmp, "t.tar.gz"), "rb") as f:
            data = f.read()
        write("truncated.tar.gz", data[: len(data) // 2])
        expected["truncated.tar.gz"] = {
            "findings": [finding("truncated.tar.gz!truncated.tar!a.txt", p_first, line=1)],
            "skipped": [{"path": "truncated.tar.gz!truncated.tar!b.bin", "reason": "corrupt"}],
        }

        # A gzip bomb: 100 MiB of zeros (ratio about 1000:1).
        write("bomb.gz", gzip.compress(b"\0" * (100 << 20), compresslevel=9, mtime=0))
        expected["bomb.gz"] = {"findings": [], "skipped": [{"path": "bomb.gz!bomb", "reason": "limit"}]}

        # A zip bomb made by Info-ZIP: one member of 100 MiB of zeros.
        zeros = os.path.join(tmp, "zeros.bin")
        with open(zeros, "wb") as f:
            f.write(b"\0" * (100 << 20))
        run("zip", "-q", "-X", "-9", os.path.join(OUT, "bomb.zip"), "zeros.bin", cwd=tmp)
        expected["bomb.zip"] = {"findings": [], "skipped": [{"path": "bomb.zip!zeros.bin", "reason": "limit"}]}

        # An xz stream declaring a 256 MiB dictionary (the presets need 65 MiB at most): over
        # the decoder's memory limit, reported as a limit, never allocated. (A fixed number,
        # not pan(), so the numbers of the later fixtures stay as they were.)
        data = subprocess.run(["xz", "-c", "--lzma2=preset=0,dict=256MiB"], input=b"card 4532015112830366\n",
                              check=True, capture_output=True).stdout
        write("bigdict.xz", data)
        expected["bigdict.xz"] = {"findings": [], "skipped": [{"path": "bigdict.xz!bigdict", "reason": "limit"}]}
        # zstd --long=30 from a pipe (as `tar c | zstd --long=30` backups are made): the frame
        # declares a 1 GiB window however little it holds; zstd's default bound is 128 MiB.
        data = subprocess.run(["zstd", "-q", "--long=30", "-c"], input=b"card 4532015112830366\n",
                              check=True, capture_output=True).stdout
        write("longwindow.zst", data)
        expected["longwindow.zst"] = {"findings": [],
                                      "skipped": [{"path": "longwindow.zst!longwindow", "reason": "limit"}]}

        office(expected, tmp)
        pdfs(expected, tmp)
        mail(expected)
    finally:
        shutil.rmtree(tmp)
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"mkfixtures: {len(expected)} fixtures in {os.path.relpath(OUT, ROOT)}")


def office(expected, tmp):
    import docx
    import openpyxl
    import pptx
    from pptx.util import Inches
    from odf.opendocument import OpenDocumentSpreadsheet, OpenDocumentText
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    # Word: a number split across three runs, and one in a table cell.
    p_runs, p_cell = pan("4"), pan("52")
    d = docx.Document()
    d.add_paragraph("Customer notes")
    para = d.add_paragraph("Card: ")
    para.add_run(p_runs[:6]).bold = True
    para.add_run(p_runs[6:12])
    para.add_run(p_runs[12:]).italic = True
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).text, t.cell(0, 1).text = "Name", "Card number"
    t.cell(1, 0).text, t.cell(1, 1).text = "J. Smith", p_cell
    d.save(os.path.join(OUT, "notes.docx"))
    expected["notes.docx"] = {
        "findings": [
            finding("notes.docx!word/document.xml", p_runs, location={"paragraph": 2}),
            finding("notes.docx!word/document.xml", p_cell,
                    location={"paragraph": 6, "table": 1, "row": 2, "cell": 2}),
        ],
        "skipped": [],
    }

    # Excel: shared strings, an inline string, two sheets.
    p_b2, p_c3 = pan("4"), pan("6011", 16)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Orders"
    ws.append(["Name", "Card number", "Expiry"])
    ws.append(["J. Smith", p_b2, "12/27"])
    ws2 = wb.create_sheet("Refunds")
    ws2.append(["id", "note", "card"])
    ws2.append([1, "none", "n/a"])
    ws2.append([2, "refund", p_c3])
    wb.save(os.path.join(OUT, "export.xlsx"))
    expected["export.xlsx"] = {
        "findings": [
            finding("export.xlsx!xl/worksheets/sheet1.xml", p_b2, location={"sheet": "Orders", "cell": "B2"}),
            finding("export.xlsx!xl/worksheets/sheet2.xml", p_c3, location={"sheet": "Refunds", "cell": "C3"}),
        ],
        "skipped": [],
    }

    # PowerPoint: the number on slide 2.
    p_slide = pan("4")
    pres = pptx.Presentation()
    s1 = pres.slides.add_slide(pres.slide_layouts[5])
    s1.shapes.title.text = "Q3 review"
    s2 = pres.slides.add_slide(pres.slide_layouts[5])
    s2.shapes.title.text = "Escalation"
    box = s2.shapes.add_textbox(Inches(1), Inches(2), Inches(6), Inches(1))
    box.text_frame.text = "customer card %s" % p_slide
    pres.save(os.path.join(OUT, "deck.pptx"))
    expected["deck.pptx"] = {
        "findings": [finding("deck.pptx!ppt/slides/slide2.xml", p_slide, location={"slide": 2})],
        "skipped": [],
    }

    # OpenDocument text and spreadsheet (odfpy).
    p_odt, p_ods = pan("4"), pan("53")
    doc = OpenDocumentText()
    doc.text.addElement(P(text="Meeting notes"))
    doc.text.addElement(P(text="card number %s exp 12/27" % p_odt))
    doc.save(os.path.join(OUT, "letter.odt"))
    expected["letter.odt"] = {
        "findings": [finding("letter.odt!content.xml", p_odt, location={"paragraph": 2})],
        "skipped": [],
    }
    ods = OpenDocumentSpreadsheet()
    table = Table(name="Cards")
    for row in [["Name", "Card number"], ["A. Jones", p_ods]]:
        tr = TableRow()
        for v in row:
            tc = TableCell(valuetype="string")
            tc.addElement(P(text=v))
            tr.addElement(tc)
        table.addElement(tr)
    ods.spreadsheet.addElement(table)
    ods.save(os.path.join(OUT, "cards.ods"))
    expected["cards.ods"] = {
        "findings": [finding("cards.ods!content.xml", p_ods, location={"sheet": "Cards", "cell": "B2"})],
        "skipped": [],
    }


def pdfs(expected, tmp):
    from pypdf import PdfReader, PdfWriter
    from reportlab.pdfgen import canvas

    p_page2 = pan("4")
    c = canvas.Canvas(os.path.join(OUT, "receipt.pdf"))
    c.drawString(72, 720, "Receipt 1 of 2: thank you for your order")
    c.showPage()
    c.drawString(72, 720, "Paid with card %s" % p_page2)
    c.showPage()
    c.save()
    expected["receipt.pdf"] = {"findings": [finding("receipt.pdf", p_page2, location={"page": 2})], "skipped": []}

    # The same kind of receipt, password-protected (pypdf, AES-128).
    src = os.path.join(tmp, "plain.pdf")
    c = canvas.Canvas(src)
    c.drawString(72, 720, "Paid with card %s" % pan("4"))
    c.showPage()
    c.save()
    w = PdfWriter(clone_from=PdfReader(src))
    w.encrypt(user_password="hunter2", owner_password="owner", algorithm="AES-128")
    with open(os.path.join(OUT, "locked.pdf"), "wb") as f:
        w.write(f)
    expected["locked.pdf"] = {"findings": [], "skipped": [{"path": "locked.pdf", "reason": "encrypted"}]}


def mail(expected):
    # An order confirmation: the number in a quoted-printable body, and a
    # zip attachment holding a CSV with another.
    p_body, p_att = pan("4"), pan("54")
    m = email.message.EmailMessage(policy=email.policy.SMTP)
    m["From"] = "shop@example.com"
    m["To"] = "orders@example.com"
    m["Subject"] = "Order 1042"
    m["Date"] = "Mon, 06 May 2024 10:00:00 +0000"
    m["Message-ID"] = "<1042@example.com>"
    m.set_content("Dear team,\nthe customer paid with card %s, expiry 12/27.\n" % p_body, cte="quoted-printable")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("cards.csv", "name,card\nA. Jones,%s\n" % p_att)
    m.add_attachment(buf.getvalue(), maintype="application", subtype="zip", filename="cards.zip")
    write("order.eml", m.as_bytes())
    expected["order.eml"] = {
        "findings": [
            finding("order.eml", p_body, location={"part": 2, "content_type": "text/plain"}),
            finding("order.eml!cards.zip!cards.csv", p_att, line=2),
        ],
        "skipped": [],
    }

    # A mailbox of two messages; the second carries a number in base64.
    p_mbox = pan("4")
    msgs = []
    for i, body in enumerate(["nothing to see here\n", "card on file: %s\n" % p_mbox], start=1):
        mm = email.message.EmailMessage(policy=email.policy.SMTP)
        mm["From"] = "user%d@example.com" % i
        mm["To"] = "support@example.com"
        mm["Subject"] = "ticket %d" % i
        mm["Date"] = "Mon, 06 May 2024 10:0%d:00 +0000" % i
        mm.set_content(body, cte="base64")
        msgs.append(b"From user%d@example.com Mon May  6 10:0%d:00 2024\n" % (i, i)
                    + mm.as_bytes(policy=email.policy.default) + b"\n")
    write("inbox.mbox", b"".join(msgs))
    expected["inbox.mbox"] = {
        "findings": [finding("inbox.mbox", p_mbox, location={"message": 2, "part": 1, "content_type": "text/plain"})],
        "skipped": [],
    }


if __name__ == "__main__":
    main()
