#!/usr/bin/env python3
"""Makes testdata/formats/: a CSV of card numbers packed by the real tools
of formats pan-scan either decodes (lz4, 7z) or only recognises (lzip, lzop,
compress, cabinet, squashfs: compressed; gpg, openssl enc, age: encrypted),
and testdata/formats/expected.json: for each file, the findings and the
coverage record pan-scan must report. A recognised file is scanned raw too,
so where a tool leaves the number readable (lzop stores short literals as
they are) the raw finding is expected as well.

    scripts/mkformats.py

Tools, from Debian packages: lz4, p7zip-full, lzip, lzop, ncompress, gcab,
squashfs-tools, gnupg, openssl, age; LibreOffice with its Python bridge
(legacy .doc and .xls with and without a password to open, through
scripts/lo_legacy.py; an .xls encrypted with Excel's built-in password,
which it uses when only a workbook's structure is protected) and Apache POI
(a legacy .ppt with and without one, through scripts/PptWithPassword.java;
an .xls with Excel's built-in password, through scripts/XlsWithPassword.java)
(apt-get install lz4 p7zip-full lzip
lzop ncompress gcab squashfs-tools gnupg openssl age libreoffice-writer-nogui
libreoffice-calc-nogui python3-uno default-jdk-headless libapache-poi-java);
from PyPI: openpyxl, python-docx, msoffcrypto-tool (Office's password
encryption, MS-OFFCRYPTO agile) and xlwt (a legacy .xls) (pip install
openpyxl python-docx msoffcrypto-tool xlwt).
"""

import io
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "testdata", "formats")
TOOLS = {"lz4": "lz4", "7z": "p7zip-full", "lzip": "lzip", "lzop": "lzop", "compress": "ncompress",
         "gcab": "gcab", "mksquashfs": "squashfs-tools", "gpg": "gnupg", "openssl": "openssl",
         "age": "age", "age-keygen": "age", "soffice": "libreoffice-writer-nogui libreoffice-calc-nogui",
         "java": "default-jdk-headless"}
POI = ["/usr/share/java/%s.jar" % j for j in
       ("poi", "poi-scratchpad", "commons-codec", "commons-collections4", "commons-math3")]


def luhn(body: str) -> str:
    total = 0
    for i, c in enumerate(reversed(body)):
        d = int(c)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)


def test_pans() -> set:
    with open(os.path.join(ROOT, "rules", "test_pans.csv")) as f:
        return {line.split(",")[0] for line in f if line[:1].isdigit()}


def sh(*args, cwd=None, stdin=None, env=None) -> bytes:
    p = subprocess.run(args, cwd=cwd, input=stdin, env=env, capture_output=True)
    if p.returncode != 0:
        sys.exit("mkformats: %s failed:\n%s" % (os.path.basename(args[0]), p.stderr.decode()))
    return p.stdout


def main():
    missing = sorted({pkg for tool, pkg in TOOLS.items() if shutil.which(tool) is None})
    if not os.path.exists("/usr/lib/python3/dist-packages/uno.py"):
        missing.append("python3-uno")
    if not all(os.path.exists(j) for j in POI):
        missing.append("libapache-poi-java")
    if missing:
        sys.exit("mkformats: apt-get install " + " ".join(missing))
    try:
        import docx
        import msoffcrypto
        import openpyxl
        import xlwt
    except ImportError as e:
        sys.exit("mkformats: pip install openpyxl python-docx msoffcrypto-tool xlwt (%s)" % e)
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    known = test_pans()
    tmp = tempfile.mkdtemp()
    expected = {}
    try:
        # One CSV per file, each with its own number (Visa, 16 digits).
        serial = [0]

        def csv() -> tuple:
            serial[0] += 1
            pan = luhn("4539%011d" % (73_915_286_04 + 7919 * serial[0]))
            assert len(pan) == 16 and pan not in known
            path = os.path.join(tmp, "cards.csv")
            with open(path, "w") as f:
                f.write("name,card_number,expiry\nJane Doe,%s,12/27\n" % pan)
            return pan, path

        def record(name, pan, reason=None, member=None):
            with open(os.path.join(OUT, name), "rb") as f:
                raw = f.read()
            findings = []
            if member:
                # Decoded: found in the member, its raw bytes not scanned.
                findings.append({"path": name + "!" + member, "line": 2, "first6": pan[:6], "last4": pan[-4:]})
            else:
                # Found raw where it is stored as it is, in ASCII or UTF-16LE,
                # on the line of the newlines before it.
                at = [raw.find(pan.encode(e)) for e in ("ascii", "utf-16-le")]
                at = [a for a in at if a >= 0]
                if at:
                    line = raw[: at[0]].count(b"\n") + 1
                    findings.append({"path": name, "line": line, "first6": pan[:6], "last4": pan[-4:]})
            skipped = [{"path": name, "reason": reason}] if reason else []
            expected[name] = {"findings": findings, "skipped": skipped}

        def out(name, data):
            with open(os.path.join(OUT, name), "wb") as f:
                f.write(data)

        # Decoded: an lz4 frame stream.
        pan, src = csv()
        out("cards.csv.lz4", sh("lz4", "-q", "-c", src))
        record("cards.csv.lz4", pan, member="cards.csv")

        # Recognised, compressed.
        pan, src = csv()
        sh("7z", "a", "-bd", "-mx=9", os.path.join(OUT, "backup.7z"), "cards.csv", cwd=tmp)
        record("backup.7z", pan, member="cards.csv")
        for name, cmd in [("cards.csv.lz", ["lzip", "-c"]), ("cards.csv.lzo", ["lzop", "-c"]),
                          ("cards.csv.Z", ["compress", "-c"])]:
            pan, src = csv()
            out(name, sh(*cmd, src))
            record(name, pan, "unsupported")
        pan, src = csv()
        sh("gcab", "-c", "-z", os.path.join(OUT, "cards.cab"), "cards.csv", cwd=tmp)
        record("cards.cab", pan, "unsupported")
        pan, src = csv()
        tree = os.path.join(tmp, "tree")
        os.makedirs(tree)
        shutil.copy(src, tree)
        sh("mksquashfs", tree, os.path.join(OUT, "site.sqsh"), "-noappend", "-quiet",
           "-all-root", "-mkfs-time", "0", "-all-time", "0")
        record("site.sqsh", pan, "unsupported")

        # Recognised, encrypted.
        home = os.path.join(tmp, "gnupg")
        os.makedirs(home, mode=0o700)
        env = dict(os.environ, GNUPGHOME=home)
        for name, extra in [("cards.csv.gpg", []), ("cards.csv.asc", ["--armor"])]:
            pan, src = csv()
            sh("gpg", "--batch", "--yes", "--pinentry-mode", "loopback", "--passphrase", "hunter2",
               "--symmetric", *extra, "-o", os.path.join(OUT, name), src, env=env)
            record(name, pan, "encrypted")
        # The agent removes its sockets when it ends, racing the clean-up.
        sh("gpgconf", "--kill", "gpg-agent", env=env)
        for name, extra in [("cards.csv.enc", []), ("cards.csv.enc.b64", ["-a"])]:
            pan, src = csv()
            sh("openssl", "enc", "-aes-256-cbc", "-pbkdf2", "-salt", "-pass", "pass:hunter2", *extra,
               "-in", src, "-out", os.path.join(OUT, name))
            record(name, pan, "encrypted")
        pan, src = csv()
        key = os.path.join(tmp, "age.key")
        sh("age-keygen", "-o", key)
        with open(key) as f:
            recipient = [l.split(": ")[1].strip() for l in f if l.startswith("# public key")][0]
        sh("age", "-r", recipient, "-o", os.path.join(OUT, "cards.csv.age"), src)
        record("cards.csv.age", pan, "encrypted")

        # Office documents with a password to open: an OLE2 file holding
        # the encrypted package (msoffcrypto-tool, as Office writes them).
        def encrypted(name, plain: bytes):
            f = msoffcrypto.OfficeFile(io.BytesIO(plain))
            b = io.BytesIO()
            f.encrypt("hunter2", b)
            out(name, b.getvalue())

        pan, _ = csv()
        wb = openpyxl.Workbook()
        wb.active.append(["name", "card_number", "expiry"])
        wb.active.append(["Jane Doe", pan, "12/27"])
        b = io.BytesIO()
        wb.save(b)
        encrypted("cards-locked.xlsx", b.getvalue())
        record("cards-locked.xlsx", pan, "encrypted")
        pan, _ = csv()
        d = docx.Document()
        d.add_paragraph("Card on file: %s, expires 12/27." % pan)
        b = io.BytesIO()
        d.save(b)
        encrypted("letter-locked.docx", b.getvalue())
        record("letter-locked.docx", pan, "encrypted")
        # A legacy .xls (BIFF8 in OLE2) by another writer, not encrypted:
        # its cells are read, nothing reported.
        pan, _ = csv()
        wb = xlwt.Workbook()
        ws = wb.add_sheet("cards")
        for r, row in enumerate([["name", "card_number"], ["Jane Doe", pan]]):
            for c, v in enumerate(row):
                ws.write(r, c, v)
        b = io.BytesIO()
        wb.save(b)
        out("cards-legacy.xls", b.getvalue())
        # Found in its cells, at the sheet and cell (the raw scan's
        # finding of the same number is dropped).
        expected["cards-legacy.xls"] = {"skipped": [], "findings": [
            {"path": "cards-legacy.xls", "line": 2, "first6": pan[:6], "last4": pan[-4:],
             "location": {"sheet": "cards", "cell": "B2"}}]}
        # Legacy Word, Excel and PowerPoint files from the real programs,
        # with and without a password to open (RC4; the .ppt RC4
        # CryptoAPI): the plain ones are found by the raw scan, the locked
        # ones are reported encrypted.
        legacy = []
        for name, password in [("letter-legacy.doc", None), ("letter-legacy-locked.doc", "hunter2"),
                               ("cards-legacy-locked.xls", "hunter2")]:
            pan, _ = csv()
            text = "Card on file: %s, expires 12/27." % pan if name.endswith(".doc") else pan
            legacy.append({"name": name, "text": text, "password": password, "pan": pan})
        for name, password in [("deck-legacy.ppt", "-"), ("deck-legacy-locked.ppt", "hunter2")]:
            pan, _ = csv()
            sh("java", "-cp", ":".join(POI), os.path.join(ROOT, "scripts", "PptWithPassword.java"),
               os.path.join(OUT, name), "Card on file: %s" % pan, password)
            legacy.append({"name": name, "password": None if password == "-" else password, "pan": pan})
        # Cells a raw scan cannot read: an Amex number typed into a cell as
        # a number (a binary double), and 1,000 card numbers in the shared
        # string table, which its CONTINUE records split (checked below).
        amex = luhn("37%012d" % (4_821_735_109 + serial[0]))
        assert len(amex) == 15 and amex not in known
        many = []
        for k in range(1000):
            pan, _ = csv()
            many.append(pan)
        sheets = [{"name": "cards-amount.xls", "rows": [["name", "amex"], ["Jane Doe", int(amex)]],
                   "password": None},
                  {"name": "cards-many.xls", "rows": [["card"]] + [[pan] for pan in many],
                   "password": None}]
        spec = os.path.join(tmp, "legacy.json")
        with open(spec, "w") as f:
            json.dump([d for d in legacy if not d["name"].endswith(".ppt")] + sheets, f)
        sh("/usr/bin/python3", os.path.join(ROOT, "scripts", "lo_legacy.py"), OUT, spec)
        with open(os.path.join(OUT, "cards-amount.xls"), "rb") as f:
            assert amex.encode() not in f.read()
        expected["cards-amount.xls"] = {"skipped": [], "findings": [
            {"path": "cards-amount.xls", "line": 2, "first6": amex[:6], "last4": amex[-4:],
             "location": {"sheet": "Sheet1", "cell": "B2"}}]}
        with open(os.path.join(OUT, "cards-many.xls"), "rb") as f:
            raw = f.read()
        split = [p for p in many if p.encode() not in raw]
        assert split, "no card number split by a CONTINUE record"
        print("mkformats: cards-many.xls: %d of %d numbers split by CONTINUE records"
              % (len(split), len(many)))
        expected["cards-many.xls"] = {"skipped": [], "findings": [
            {"path": "cards-many.xls", "line": k + 2, "first6": pan[:6], "last4": pan[-4:],
             "location": {"sheet": "Sheet1", "cell": "A%d" % (k + 2)}} for k, pan in enumerate(many)]}
        for d in legacy:
            locked = d["password"] is not None
            record(d["name"], d["pan"], "encrypted" if locked else None)
            assert bool(expected[d["name"]]["findings"]) != locked, d["name"]
        # Workbooks whose structure only is protected: Excel encrypts them
        # with its built-in password, "VelvetSweatshop", and opens them
        # without a prompt. LibreOffice writes RC4, Apache POI RC4 CryptoAPI
        # (a 40-bit key). pan-scan opens them with that password and reads
        # their cells; nothing is reported unreadable.
        velvet = "VelvetSweatshop"
        pan, _ = csv()
        with open(spec, "w") as f:
            json.dump([{"name": "cards-protected.xls", "text": pan, "password": velvet}], f)
        sh("/usr/bin/python3", os.path.join(ROOT, "scripts", "lo_legacy.py"), OUT, spec)
        poi_pan, _ = csv()
        sh("java", "-cp", ":".join(POI), os.path.join(ROOT, "scripts", "XlsWithPassword.java"),
           os.path.join(OUT, "cards-protected-poi.xls"), velvet, "name|card_number",
           "Jane Doe|%s" % poi_pan)
        for name, p, sheet, cell in [("cards-protected.xls", pan, "Sheet1", "A2"),
                                     ("cards-protected-poi.xls", poi_pan, "cards", "B2")]:
            with open(os.path.join(OUT, name), "rb") as f:
                data = f.read()
            assert p.encode() not in data and p.encode("utf-16-le") not in data, name
            expected[name] = {"skipped": [], "findings": [
                {"path": name, "line": 2, "first6": p[:6], "last4": p[-4:],
                 "location": {"sheet": sheet, "cell": cell}}]}
        # 7z archives by 7-Zip (p7zip): each member decompressed and opened.
        # A solid LZMA2 archive of several files, a gzipped log among them
        # (opened in turn), a directory and an empty file; one archive per
        # other method 7-Zip offers (PPMd, BZip2, Deflate, LZMA behind the
        # BCJ filter); and two with a password, one with its names
        # encrypted too (-mhe), which are reported encrypted.
        site = os.path.join(tmp, "site")
        os.makedirs(os.path.join(site, "db"))
        os.makedirs(os.path.join(site, "empty"))
        pan, src = csv()
        shutil.copy(src, os.path.join(site, "db", "cards.csv"))
        log_pan, _ = csv()
        log = "".join("2024-06-17 10:%02d:00 INFO order %d paid\n" % (m, 1000 + m) for m in range(40))
        log += "2024-06-17 11:00:00 INFO payment card=%s amount=19.99\n" % log_pan
        sh("sh", "-c", "gzip -9 -n > %s" % os.path.join(site, "app.log.gz"), stdin=log.encode())
        open(os.path.join(site, "empty.txt"), "w").close()
        sh("7z", "a", "-bd", "-mx=9", "-ms=on", os.path.join(OUT, "site-backup.7z"), "db", "empty",
           "app.log.gz", "empty.txt", cwd=site)
        with open(os.path.join(OUT, "site-backup.7z"), "rb") as f:
            data = f.read()
        assert pan.encode() not in data and log_pan.encode() not in data
        expected["site-backup.7z"] = {"skipped": [], "findings": [
            {"path": "site-backup.7z!db/cards.csv", "line": 2, "first6": pan[:6], "last4": pan[-4:],
             "location": {"column": "card_number"}},
            {"path": "site-backup.7z!app.log.gz!app.log", "line": 41, "first6": log_pan[:6],
             "last4": log_pan[-4:]}]}
        for name, method in [("cards-ppmd.7z", ["-m0=PPMd"]), ("cards-bzip2.7z", ["-m0=BZip2"]),
                             ("cards-deflate.7z", ["-m0=Deflate"]),
                             ("cards-bcj.7z", ["-m0=BCJ", "-m1=LZMA"])]:
            pan, src = csv()
            sh("7z", "a", "-bd", *method, os.path.join(OUT, name), "cards.csv", cwd=tmp)
            record(name, pan, member="cards.csv")
        for name, extra in [("cards-locked.7z", []), ("cards-locked-names.7z", ["-mhe=on"])]:
            pan, src = csv()
            sh("7z", "a", "-bd", "-phunter2", *extra, os.path.join(OUT, name), "cards.csv", cwd=tmp)
            record(name, pan, "encrypted")
    finally:
        shutil.rmtree(tmp)
    for name, want in expected.items():
        if not want["findings"] and not want["skipped"]:
            sys.exit("mkformats: %s: nothing expected" % name)
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")
    print("mkformats: %d files in %s" % (len(expected), os.path.relpath(OUT, ROOT)))


if __name__ == "__main__":
    main()
