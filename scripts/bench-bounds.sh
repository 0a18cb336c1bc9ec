#!/usr/bin/env bash
# Resource bounds of pan-scan (the release build): peak resident memory
# (GNU time, %M) and peak open file descriptors (/proc/PID/fd counted every
# 10 ms in the background) on inputs that would grow a careless scanner:
#
#   tree    a generated tree of N small files (default 1,000,000; 1,000 per
#           directory, one in 10,000 holding a PAN), made once and kept
#   sparse  a sparse file of SIZE (default 10G): holes passed over (SEEK_DATA), not read
#   gzbomb  `head -c 10G /dev/zero | gzip -1`, made once and kept
#   zipbomb a zip holding 4 GiB of zeros (deflate level 9), made once
#   pdfart  a one-page PDF of vector art: 24 MB of path operators (Flate-
#           compressed) and one line of text with a PAN, made once
#
# Prints a table and appends to benches/results/bounds.csv. Generated data
# lives in target/bench-bounds/ (ignored by git; the 1M-file tree takes
# about 4 GB of disk and 1M inodes).
#
#   scripts/bench-bounds.sh [--files N] [--sparse SIZE] [--threads N] [--only CASE]...
set -euo pipefail
cd "$(dirname "$0")/.."

files=1000000
sparse=10G
threads=2
only=()
while [ $# -gt 0 ]; do
  case "$1" in
    --files) files="$2"; shift 2 ;;
    --sparse) sparse="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --only) only+=("$2"); shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ -x /usr/bin/time ] || { echo "GNU time is needed: apt-get install time" >&2; exit 2; }

# PAN_SCAN_BIN=target/debug/pan-scan tries the script on another build.
if [ -n "${PAN_SCAN_BIN:-}" ]; then
  bin=$PAN_SCAN_BIN
else
  cargo build --release --quiet
  bin=target/release/pan-scan
fi
work=target/bench-bounds
mkdir -p "$work" benches/results
csv=benches/results/bounds.csv
[ -f "$csv" ] || echo "date,commit,case,input,threads,wall_s,peak_rss_kib,peak_fds,exit_code,files_scanned,bytes_scanned,findings,skipped,note" > "$csv"
commit=$(git rev-parse --short HEAD)
today=$(date -u +%F)

want() { [ ${#only[@]} -eq 0 ] || printf '%s\n' "${only[@]}" | grep -qx "$1"; }

# --- inputs, made once ------------------------------------------------------
make_tree() {
  local dir="$work/tree"
  if [ "$(cat "$work/tree.count" 2>/dev/null)" = "$files" ]; then return; fi
  rm -rf "$dir" "$work/tree.count"
  echo "generating $files files under $dir ..." >&2
  python3 - "$dir" "$files" <<'EOF'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
body = b"2024-05-01 12:00:01 INFO request served in 12 ms, user=alice path=/cart\n" * 2
card = b"2024-05-01 12:00:02 INFO paid with card 4532015112830366 exp 12/27\n"
for i in range(n):
    d = os.path.join(root, "d%04d" % (i // 1000))
    if i % 1000 == 0:
        os.makedirs(d, exist_ok=True)
    fd = os.open(os.path.join(d, "f%07d.log" % i), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.write(fd, body + (card if i % 10000 == 0 else b""))
    os.close(fd)
EOF
  echo "$files" > "$work/tree.count"
}

make_sparse() {
  local f="$work/sparse-$sparse.img"
  [ -f "$f" ] || truncate -s "$sparse" "$f"
}

make_gzbomb() {
  local f="$work/zeros-10G.gz"
  [ -f "$f" ] && return
  echo "generating $f (10 GiB of zeros through gzip -1) ..." >&2
  head -c 10G /dev/zero | gzip -1 > "$f.tmp"
  mv "$f.tmp" "$f"
}

make_zipbomb() {
  local f="$work/zeros-4G.zip"
  [ -f "$f" ] && return
  echo "generating $f (4 GiB of zeros, deflate -9) ..." >&2
  python3 - "$f.tmp" <<'EOF'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    with z.open("zeros.bin", "w", force_zip64=True) as m:
        chunk = bytes(1 << 20)
        for _ in range(4096):
            m.write(chunk)
EOF
  mv "$f.tmp" "$f"
}

make_pdfart() {
  local f="$work/vector-art.pdf"
  [ -f "$f" ] && return
  echo "generating $f (one page, 24 MB of path operators) ..." >&2
  python3 - "$f.tmp" <<'EOF'
import sys, zlib
ops = bytearray(b"BT /F1 12 Tf 72 800 Td (paid with card 4532015112830366) Tj ET\n")
i = 0
while len(ops) < 24_000_000:
    ops += b"%d.5 %d.25 m %d.75 %d l %d %d.5 %d.5 %d c S\n" % (
        i % 595, i % 842, (i * 7) % 595, (i * 3) % 842, i % 97, i % 89, i % 83, i % 79)
    i += 1
content = zlib.compress(bytes(ops), 6)
objs = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
    b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream",
]
out = bytearray(b"%PDF-1.5\n")
offsets = []
for n, body in enumerate(objs, 1):
    offsets.append(len(out))
    out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
xref = len(out)
out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
for o in offsets:
    out += b"%010d 00000 n \n" % o
out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
open(sys.argv[1], "wb").write(out)
EOF
  mv "$f.tmp" "$f"
}

# --- one measured run ---------------------------------------------------------
rows=()
measure() {
  local case="$1" input="$2" note="$3"
  shift 3
  local out="$work/$case.jsonl" rss="$work/$case.rss" fdmax="$work/$case.fds"
  local t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -f %M -o "$rss" "$bin" -j "$threads" --format jsonl --no-progress "$@" > "$out" &
  local tpid=$! pid="" max=0 n
  # pan-scan is GNU time's child; count its descriptors until it exits.
  while kill -0 "$tpid" 2>/dev/null; do
    if [ -z "$pid" ]; then
      pid=$(awk '{print $1}' "/proc/$tpid/task/$tpid/children" 2>/dev/null || true)
    fi
    if [ -n "$pid" ]; then
      local fds=(/proc/"$pid"/fd/*)
      n=${#fds[@]}
      [ -e "${fds[0]}" ] || n=0
      [ "$n" -gt "$max" ] && max=$n
    fi
    sleep 0.01
  done
  local code=0
  wait "$tpid" || code=$?
  t1=$(date +%s.%N)
  echo "$max" > "$fdmax"
  local kib wall
  kib=$(tail -1 "$rss")
  wall=$(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }")
  # The summary is the last JSONL record.
  local s
  s=$(tail -1 "$out" | jq -r '[.files_scanned, .bytes_scanned, .findings, .skipped] | @tsv')
  local fs bs nf sk
  read -r fs bs nf sk <<< "$s"
  local detail
  detail=$(jq -r 'select(.type=="skipped") | "\(.reason): \(.detail)"' "$out" | sort | uniq -c | head -3 | sed 's/^ *//' | paste -sd';' -)
  [ -n "$detail" ] && note="$note; $detail"
  rows+=("$(printf '%-8s %-26s %8s s %9s KiB %6s fds  exit %s  files %s  bytes %s  findings %s  skipped %s' \
    "$case" "$input" "$wall" "$kib" "$max" "$code" "$fs" "$bs" "$nf" "$sk")")
  echo "${rows[-1]}" >&2
  [ -n "$detail" ] && echo "         $detail" >&2
  echo "$today,$commit,$case,$input,$threads,$wall,$kib,$max,$code,$fs,$bs,$nf,$sk,\"${note//\"/\'}\"" >> "$csv"
}

if want tree; then
  make_tree
  measure tree "$files files" "one in 10000 holds a PAN" "$work/tree"
fi
if want sparse; then
  make_sparse
  measure sparse "sparse $sparse" "holes passed over (SEEK_DATA)" "$work/sparse-$sparse.img"
fi
if want gzbomb; then
  make_gzbomb
  measure gzbomb "gzip -1 of 10G zeros" "$(stat -c %s "$work/zeros-10G.gz") bytes on disk" "$work/zeros-10G.gz"
fi
if want zipbomb; then
  make_zipbomb
  measure zipbomb "zip of 4G zeros" "$(stat -c %s "$work/zeros-4G.zip") bytes on disk" "$work/zeros-4G.zip"
fi
if want pdfart; then
  make_pdfart
  measure pdfart "PDF of 24 MB vector art" "$(stat -c %s "$work/vector-art.pdf") bytes on disk" "$work/vector-art.pdf"
fi

echo
echo "pan-scan $commit, -j $threads, $(nproc) CPUs ($today)"
printf '%s\n' "${rows[@]}"
echo "appended to $csv"
