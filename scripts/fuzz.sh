#!/usr/bin/env bash
# Fuzzes pan-scan's decoders and parsers with cargo fuzz (libFuzzer).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Builds every target of fuzz/ with the nightly toolchain (installing
# cargo-fuzz from crates.io when it is missing), writes seed inputs taken
# from testdata/ to fuzz/seeds/TARGET, then runs each TARGET (default: all)
# for SECONDS (default 60), one after the other on one core, with a 512 MB
# memory limit and a 10 s limit per input. The corpus a run grows is kept
# in fuzz/corpus/TARGET, crashing inputs in fuzz/artifacts/TARGET (both
# ignored by git). Prints a summary; exits 1 if any target failed (a crash,
# a timeout or running out of memory), 2 on a build error.
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${1:-60}
[ $# -gt 0 ] && shift
all=(kernel detector encodings container zip tar office pdf mail sql csv json sqlite pgdump ole redis sevenz)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  cargo +nightly install cargo-fuzz --locked
fi
(cd fuzz && cargo +nightly fuzz build -a) || exit 2

# Seeds: small files from testdata/ (no bombs), some made here.
python3 - "${targets[@]}" <<'EOF'
import gzip, io, os, sys, zipfile
root = os.getcwd()
td = os.path.join(root, "testdata")
seeds = os.path.join(root, "fuzz", "seeds")

def put(target, name, data, prefix=b""):
    d = os.path.join(seeds, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(prefix + data[: 64 * 1024])

def read(*p):
    with open(os.path.join(td, *p), "rb") as f:
        return f.read()

containers = sorted(n for n in os.listdir(os.path.join(td, "containers"))
                    if not n.startswith("bomb"))
structured = sorted(os.listdir(os.path.join(td, "structured")))
text = {
    "plain.txt": b"card 4532015112830366 exp 12/27\nid 2024-05-01 4111 1111 1111 1111\n"
                 b"amex 3782-822463-10005 pan=5425233430109903;\n%B4111111111111111^DOE/J^2712101000?\n"
                 b";4111111111111111=27121010000000000000?\nmasked 411111******1111 XXXX-XXXX-XXXX-1111\n",
    "wide.txt": "\ufeffcard 4532015112830366\n".encode("utf-16-le"),
    "fullwidth.txt": "カード番号 ４５３２０１５１１２８３０３６６\n".encode("utf-8"),
    "sjis.txt": "カード番号 ４５３２０１５１１２８３０３６６\n".encode("shift_jis"),
    "eucjp.txt": "カード番号 ４５３２０１５１１２８３０３６６\n".encode("euc-jp"),
    "cards.csv": b"name,card_number,cvv,exp\nA,4532015112830366,123,12/27\nB,\"5425 2334 3010 9903\",456,01/28\n",
    "cards.tsv": b"id\tpan\tcvc2\n1\t4111111111111111\t999\n",
    "cards.jsonl": b'{"id":1,"card":{"number":"4532015112830366","cvv":"123"}}\n{"id":2,"pan":5425233430109903}\n',
    "doc.json": b'{"requests":[{"payment":{"card":{"number":"4532015112830366","cvv":"123"}}}],"track2":""}',
}
for target in sys.argv[1:]:
    if target in ("kernel", "detector", "encodings"):
        for n, d in text.items():
            put(target, n, d, b"\x00\x40")
        for n in structured:
            if n.endswith(".sql"):
                put(target, n, read("structured", n), b"\x00\x40")
    elif target == "container":
        for n in containers:
            put(target, n, read("containers", n))
        for n in sorted(os.listdir(os.path.join(td, "formats"))):
            put(target, "formats-" + n, read("formats", n))
        # A GNU ar archive with a long-name table, made by ar.
        import subprocess, tempfile
        with tempfile.TemporaryDirectory() as a:
            long = os.path.join(a, "a_member_name_longer_than_sixteen.csv")
            with open(long, "wb") as f:
                f.write(text["cards.csv"])
            with open(os.path.join(a, "odd.txt"), "wb") as f:
                f.write(b"odd\n")
            subprocess.run(["ar", "rc", os.path.join(a, "x.a"), "odd.txt", os.path.basename(long)], cwd=a, check=True)
            put(target, "lib.a", open(os.path.join(a, "x.a"), "rb").read())
        # A git repository's loose objects and pack, made by git.
        import subprocess, tempfile
        with tempfile.TemporaryDirectory() as g:
            cmd = ["git", "-c", "user.name=f", "-c", "user.email=f@example.com", "-C", g]
            subprocess.run(cmd + ["init", "-q"], check=True)
            with open(os.path.join(g, "cards.txt"), "w") as f:
                f.write(text["plain.txt"].decode() * 20)
            subprocess.run(cmd + ["add", "."], check=True)
            subprocess.run(cmd + ["commit", "-q", "-m", "card 4532015112830366"], check=True)
            with open(os.path.join(g, "cards.txt"), "a") as f:
                f.write("more 5425233430109903\n")
            subprocess.run(cmd + ["commit", "-q", "-a", "-m", "more"], check=True)
            objs = os.path.join(g, ".git", "objects")
            for d, _, files in os.walk(objs):
                for n in files:
                    if len(n) == 38:
                        put(target, "git-loose-" + n[:8], open(os.path.join(d, n), "rb").read())
            subprocess.run(cmd + ["gc", "-q", "--aggressive", "--prune=now"], check=True)
            pack = os.path.join(objs, "pack")
            for n in os.listdir(pack):
                if n.endswith(".pack"):
                    put(target, "git.pack", open(os.path.join(pack, n), "rb").read())
        for n in structured:
            put(target, n, read("structured", n))
        for n, d in text.items():
            put(target, n, d)
    elif target == "zip":
        for n in containers:
            d = read("containers", n)
            if d.startswith(b"PK"):
                put(target, n, d)
    elif target == "tar":
        for n in ("site-backup.tar.gz", "truncated.tar.gz"):
            try:
                d = gzip.decompress(read("containers", n))
            except Exception:
                d = gzip.GzipFile(fileobj=io.BytesIO(read("containers", n))).read1(1 << 20)
            put(target, n[:-3], d)
    elif target == "office":
        picks = {
            "notes.docx": (0, ["word/document.xml", "word/header1.xml"]),
            "export.xlsx": (1, ["xl/sharedStrings.xml", "xl/worksheets/sheet1.xml",
                                "xl/workbook.xml", "xl/_rels/workbook.xml.rels"]),
            "deck.pptx": (2, ["ppt/slides/slide1.xml", "ppt/notesSlides/notesSlide1.xml"]),
            "cards.ods": (3, ["content.xml"]),
            "letter.odt": (3, ["content.xml"]),
        }
        for n, (kind, members) in picks.items():
            z = zipfile.ZipFile(io.BytesIO(read("containers", n)))
            names = set(z.namelist())
            parts = [z.read(m) if m in names else b"" for m in members]
            put(target, n, bytes([kind]) + b"\xff".join(parts))
    elif target == "pdf":
        for n in containers:
            if n.endswith(".pdf"):
                put(target, n, read("containers", n))
    elif target == "mail":
        for n in ("order.eml", "inbox.mbox"):
            put(target, n, read("containers", n))
    elif target == "sql":
        for n in structured:
            if n.endswith(".sql"):
                put(target, n, read("structured", n), b"\x00\x40")
    elif target == "csv":
        for n in ("cards.csv", "cards.tsv"):
            put(target, n, text[n], b"\x00\x40")
    elif target == "json":
        for n in ("cards.jsonl", "doc.json"):
            put(target, n, text[n], b"\x00\x40")
        for n in ("expected.json",):
            put(target, "structured-" + n, read("structured", n), b"\x00\x40")
            put(target, "containers-" + n, read("containers", n), b"\x00\x40")
    elif target == "sqlite":
        put(target, "shop.sqlite", read("structured", "shop.sqlite"))
    elif target == "pgdump":
        for n in structured:
            if n.endswith(".dump"):
                put(target, n, read("structured", n))
    elif target == "ole":
        for n in sorted(os.listdir(os.path.join(root, "testdata", "formats"))):
            if n.endswith((".xls", ".doc", ".ppt")) and n != "cards-many.xls":
                put(target, n, read("formats", n))
    elif target == "sevenz":
        for n in sorted(os.listdir(os.path.join(td, "formats"))):
            if n.endswith(".7z"):
                put(target, n, read("formats", n))
    elif target == "redis":
        for n in sorted(os.listdir(os.path.join(td, "redis"))):
            if n.endswith(".rdb"):
                put(target, n, read("redis", n))
EOF

failed=()
summary=()
for t in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
  log="fuzz/artifacts/$t/last-run.log"
  echo "== $t: ${secs}s"
  set +e
  (cd fuzz && cargo +nightly fuzz run -a "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$secs" -rss_limit_mb=512 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="artifacts/$t/") >"$log" 2>&1
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  corpus=$(ls "fuzz/corpus/$t" | wc -l)
  if [ $rc -ne 0 ]; then
    failed+=("$t")
    what=$(grep -m1 -oE 'deadly signal|panicked at [^,]*|ERROR: libFuzzer: [a-z-]+|ERROR: AddressSanitizer: [a-z-]+' "$log" || echo "exit $rc")
    art=$(grep -m1 -oE 'artifacts/[^ ]+/(crash|timeout|oom|leak|slow-unit)-[0-9a-f]+' "$log" || true)
    summary+=("$(printf '%-10s FAILED  %s  %s  (log: %s)' "$t" "$what" "fuzz/$art" "$log")")
  else
    summary+=("$(printf '%-10s ok      %s execs, %s/s, cov %s, corpus %s' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "$corpus")")
  fi
done

echo
echo "fuzz summary (${secs}s per target)"
printf '%s\n' "${summary[@]}"
[ ${#failed[@]} -eq 0 ] || { echo "failed: ${failed[*]}"; exit 1; }
