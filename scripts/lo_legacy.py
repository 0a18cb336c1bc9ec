#!/usr/bin/python3
"""Writes legacy Word (.doc) and Excel (.xls) files with LibreOffice, with or
without a password to open: the real software's output for pan-scan's
fixtures (scripts/mkformats.py runs this). Runs under the system Python,
which has LibreOffice's `uno` module (Debian: libreoffice-writer-nogui
libreoffice-calc-nogui python3-uno).

    lo_legacy.py OUTDIR JSONFILE

JSONFILE holds a list of {"name": "x.doc", "text": "...", "password": "..." or null};
a name ending in .doc is a Word 97 document holding the text as one
paragraph, .xls an Excel 97 workbook holding it in cell A2 under a header.
An .xls may give "rows" instead of "text": its cells from A1 on, a JSON
number typed in as a number, a string as text.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time

import uno
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def main():
    out = os.path.abspath(sys.argv[1])
    with open(sys.argv[2]) as f:
        docs = json.load(f)
    profile = tempfile.mkdtemp()
    pipe = "panscan%d" % os.getpid()
    office = subprocess.Popen(["soffice", "--headless", "--invisible", "--norestore", "--nologo",
                               "-env:UserInstallation=file://" + profile,
                               "--accept=pipe,name=%s;urp;" % pipe],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local)
        for _ in range(120):
            try:
                ctx = resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe)
                break
            except Exception:
                time.sleep(0.5)
        else:
            sys.exit("lo_legacy: LibreOffice did not start")
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        for d in docs:
            word = d["name"].endswith(".doc")
            doc = desktop.loadComponentFromURL(
                "private:factory/" + ("swriter" if word else "scalc"), "_blank", 0,
                (prop("Hidden", True),))
            if word:
                doc.Text.setString(d["text"])
            else:
                sheet = doc.Sheets.getByIndex(0)
                rows = d.get("rows") or [["card_number"], [d["text"]]]
                for r, row in enumerate(rows):
                    for c, v in enumerate(row):
                        cell = sheet.getCellByPosition(c, r)
                        if isinstance(v, str):
                            cell.setString(v)
                        else:
                            cell.setValue(float(v))
            args = [prop("FilterName", "MS Word 97" if word else "MS Excel 97"),
                    prop("Overwrite", True)]
            if d.get("password"):
                args.append(prop("Password", d["password"]))
            doc.storeToURL(uno.systemPathToFileUrl(os.path.join(out, d["name"])), tuple(args))
            doc.close(True)
        try:
            desktop.terminate()
        except Exception:
            pass  # the bridge goes down with the office
        office.wait(timeout=60)
    finally:
        # soffice runs soffice.bin: end the whole process group.
        try:
            os.killpg(office.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        subprocess.run(["rm", "-rf", profile])


if __name__ == "__main__":
    main()
