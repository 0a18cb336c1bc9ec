#!/usr/bin/env bash
# Benchmark of SQL dump attribution: one large generated dump (scripts/mkdump.py), scanned with
# and without attribution (table, column, row, pk of each finding).
#
#   scripts/bench-dump.sh [--size 300M] [--flavor mysql|pg] [--runs 3] [--bin PATH] [options]
#
# 1. installs ripgrep and GNU time with apt-get if they are missing;
# 2. builds pan-scan (cargo build --release) unless --bin is given;
# 3. generates the dump into target/bench-dump-<flavor>-<size>.sql (and its .expected.json)
#    unless a dump made with the same --size, --seed and --flavor is already there;
# 4. warms the page cache;
# 5. times, best wall time of --runs (3) each, with the same thread count N (default 2), the
#    tools taking turns within each round (so a busy spell on a shared machine hits all):
#      cat       cat DUMP > /dev/null                                        (read limit)
#      rg        rg -c -a -j N -e '<PAN regex>' DUMP > /dev/null
#      raw       pan-scan -j N --no-structure --format jsonl --no-progress DUMP  (raw scan only)
#      attr      pan-scan -j N --format jsonl --no-progress DUMP             (with attribution)
#      (pan-scan: exit 1 = card data found = success here; any other non-zero exit fails)
# 6. checks both pan-scan outputs against the .expected.json: exactly the planted numbers
#    (kind pan, by first 6, last 4 and line), and with attribution every one with the right
#    location.table, .column, .row and .pk and a cvv finding beside it (same table, row, pk
#    and line, column cvv), and nothing else but the cvv column's sad_field;
# 7. prints times, MB/s and the attribution overhead (attr / raw), and appends a line to
#    benches/results/bench-dump.csv.
# Exits 0 when both outputs match the planted data exactly, 1 when they do not, 2 on any
# other failure. Only first 6 and last 4 digits of a number are ever printed.
set -euo pipefail
export LC_ALL=C  # '.' as the decimal point in EPOCHREALTIME, awk and printf

usage() {
  cat <<'EOF'
usage: scripts/bench-dump.sh [options]
  --size SIZE      dump size, K/M/G suffixes (default 300M)
  --flavor F       mysql (mysqldump extended INSERTs, default) or pg (pg_dump COPY blocks)
  --threads N      threads for rg and pan-scan (default 2)
  --dump FILE      dump file (default target/bench-dump-FLAVOR-SIZE.sql); regenerated when
                   its .expected.json is missing or for other parameters
  --bin PATH       pan-scan binary to benchmark (default: cargo build --release)
  --runs N         timed rounds, best wall time per tool wins (default 3)
  --seed N         dump seed (default 1)
  --out DIR        where pan-scan's JSONL output goes (default target/bench-out)
  --results FILE   CSV file to append to (default benches/results/bench-dump.csv)
  -h, --help       this help
EOF
}

die() { echo "bench-dump: error: $*" >&2; exit 2; }
say() { echo "bench-dump: $*" >&2; }

SIZE=300M
FLAVOR=mysql
THREADS=2
DUMP=""
BIN=""
RUNS=3
SEED=1
OUT_DIR=""
RESULTS=""

abspath() { case "$1" in /*) printf '%s\n' "$1" ;; *) printf '%s/%s\n' "$PWD" "$1" ;; esac; }

while (($#)); do
  opt=$1
  case "$opt" in
    --*=*) val=${opt#*=}; opt=${opt%%=*}; has_val=1 ;;
    *) val=${2:-}; has_val=0 ;;
  esac
  case "$opt" in
    -h|--help) usage; exit 0 ;;
    --size|--flavor|--threads|--dump|--bin|--runs|--seed|--out|--results)
      if ((has_val == 0)); then
        (($# >= 2)) || die "$opt needs a value"
        shift
      fi
      case "$opt" in
        --size) SIZE=$val ;;
        --flavor) FLAVOR=$val ;;
        --threads) THREADS=$val ;;
        --dump) DUMP=$(abspath "$val") ;;
        --bin) BIN=$(abspath "$val") ;;
        --runs) RUNS=$val ;;
        --seed) SEED=$val ;;
        --out) OUT_DIR=$(abspath "$val") ;;
        --results) RESULTS=$(abspath "$val") ;;
      esac ;;
    *) usage >&2; die "unknown argument: $opt" ;;
  esac
  shift
done

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/.." && pwd)
[[ $FLAVOR == mysql || $FLAVOR == pg ]] || die "--flavor must be mysql or pg (got '$FLAVOR')"
[[ $THREADS =~ ^[1-9][0-9]*$ ]] || die "--threads must be a positive integer (got '$THREADS')"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer (got '$RUNS')"
[[ $SEED =~ ^[0-9]+$ ]] || die "--seed must be a non-negative integer (got '$SEED')"
[[ $SIZE =~ ^[0-9]+(\.[0-9]+)?[kKmMgGtT]?(i?[bB])?$ ]] || die "bad --size '$SIZE' (use e.g. 20M or 1G)"
DUMP=${DUMP:-$REPO/target/bench-dump-$FLAVOR-$SIZE.sql}
EXPECTED=${DUMP%.sql}.expected.json
RESULTS=${RESULTS:-$REPO/benches/results/bench-dump.csv}
OUT_DIR=${OUT_DIR:-$REPO/target/bench-out}
# The PAN regex for ripgrep, as in scripts/bench.sh: 12-19 digits, optionally separated by
# single spaces or dashes, in ASCII mode.
PAN_RE='(?-u)\b(?:[0-9][ -]?){11,18}[0-9]\b'

# ---- 1. tools ------------------------------------------------------------------------
gnu_time_ok() { [[ -x /usr/bin/time ]] && /usr/bin/time -f '%e %M' -o /dev/null true >/dev/null 2>&1; }
pkgs=()
command -v rg >/dev/null 2>&1 || pkgs+=(ripgrep)
gnu_time_ok || pkgs+=(time)
command -v python3 >/dev/null 2>&1 || pkgs+=(python3)
if ((${#pkgs[@]})); then
  say "installing ${pkgs[*]} with apt-get"
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "need root or sudo to install ${pkgs[*]}"
    sudo=(sudo)
  fi
  "${sudo[@]}" apt-get update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${pkgs[@]}" >/dev/null \
    || die "apt-get install ${pkgs[*]} failed"
fi
command -v rg >/dev/null 2>&1 || die "ripgrep (rg) is not available"
gnu_time_ok || die "GNU time (/usr/bin/time -f) is not available"

# ---- 2. build ------------------------------------------------------------------------
if [[ -z $BIN ]]; then
  command -v cargo >/dev/null 2>&1 || die "cargo not found (install Rust, or pass --bin PATH)"
  say "building pan-scan (cargo build --release) in $REPO"
  (cd "$REPO" && cargo build --release) || die "cargo build --release failed"
  target_dir=${CARGO_TARGET_DIR:-target}
  [[ $target_dir = /* ]] || target_dir=$REPO/$target_dir
  BIN=$target_dir/release/pan-scan
fi
[[ -x $BIN && -f $BIN ]] || die "pan-scan binary not found or not executable: $BIN"

# ---- 3. dump -------------------------------------------------------------------------
dump_matches() {  # exit 0 when DUMP and its expected.json were made for SIZE/SEED/FLAVOR
  [[ -f $DUMP && -f $EXPECTED ]] || return 1
  python3 - "$SCRIPT_DIR" "$EXPECTED" "$SIZE" "$SEED" "$FLAVOR" "$DUMP" <<'EOF'
import json, os, sys
sys.dont_write_bytecode = True  # no scripts/__pycache__
sys.path.insert(0, sys.argv[1])
import mkdump
_, _, path, size, seed, flavor, dump = sys.argv
try:
    e = json.load(open(path))
    p = e.get("params", {})
except ValueError:
    sys.exit(1)
ok = (p.get("version") == mkdump.GEN_VERSION and p.get("size") == mkdump.parse_size(size)
      and p.get("seed") == int(seed) and p.get("flavor") == flavor and e.get("bytes") == os.path.getsize(dump))
sys.exit(0 if ok else 1)
EOF
}
if dump_matches; then
  say "reusing dump $DUMP"
else
  mkdir -p "$(dirname "$DUMP")"
  say "generating a $SIZE $FLAVOR dump (seed $SEED) in $DUMP"
  python3 "$SCRIPT_DIR/mkdump.py" "$DUMP" --size "$SIZE" --seed "$SEED" --flavor "$FLAVOR" \
    || die "dump generation failed"
fi
NBYTES=$(stat -c %s "$DUMP")

# ---- 4. warm the page cache ----------------------------------------------------------
say "warming the page cache ($NBYTES bytes)"
cat "$DUMP" > /dev/null

# ---- 5. timed runs -------------------------------------------------------------------
mkdir -p "$OUT_DIR"
base=$(basename "${DUMP%.sql}")
RAW_JSONL=$OUT_DIR/panscan-$base-raw.jsonl
ATTR_JSONL=$OUT_DIR/panscan-$base-attr.jsonl
TIME_OUT=$(mktemp)
trap 'rm -f "$TIME_OUT"' EXIT

# run_timed NAME OK_CODES STDOUT STDERR CMD... : runs CMD under GNU time. Sets WALL (seconds,
# from EPOCHREALTIME when bash has it, else time's %e), RSS (peak KiB) and RC.
# shellcheck source=scripts/timing.sh
. "$(dirname "$0")/timing.sh"

say "timing with $THREADS threads, best of $RUNS rounds"
for ((i = 1; i <= RUNS; i++)); do
  time_once "$i" cat "0" /dev/null /dev/null cat "$DUMP" || die "cat run failed"
  time_once "$i" rg "0 1" /dev/null /dev/null rg -c -a -j "$THREADS" -e "$PAN_RE" "$DUMP" || die "rg run failed"
  time_once "$i" raw "0 1" "$RAW_JSONL" "${RAW_JSONL%.jsonl}.stderr" \
    "$BIN" -j "$THREADS" --no-structure --format jsonl --no-progress "$DUMP" || die "pan-scan --no-structure failed"
  time_once "$i" attr "0 1" "$ATTR_JSONL" "${ATTR_JSONL%.jsonl}.stderr" \
    "$BIN" -j "$THREADS" --format jsonl --no-progress "$DUMP" || die "pan-scan failed"
done

# ---- 6./7. report, correctness, CSV --------------------------------------------------
export BENCH_DUMP=$DUMP BENCH_EXPECTED=$EXPECTED BENCH_RAW=$RAW_JSONL BENCH_ATTR=$ATTR_JSONL \
  BENCH_RESULTS=$RESULTS BENCH_SIZE=$SIZE BENCH_FLAVOR=$FLAVOR BENCH_THREADS=$THREADS BENCH_RUNS=$RUNS \
  BENCH_BYTES=$NBYTES BENCH_BIN=$BIN \
  CAT_S=${BEST_WALL[cat]} RG_S=${BEST_WALL[rg]} RAW_S=${BEST_WALL[raw]} ATTR_S=${BEST_WALL[attr]} \
  RAW_ALL=${ALL_WALL[raw]} ATTR_ALL=${ALL_WALL[attr]} \
  RAW_RSS=${PEAK_RSS[raw]} ATTR_RSS=${PEAK_RSS[attr]}
set +e
python3 - <<'EOF'
import collections, csv, datetime, json, os, socket, sys

env = os.environ
nbytes = int(env["BENCH_BYTES"])
expected = json.load(open(env["BENCH_EXPECTED"]))
planted = expected["planted"]
cat_s, rg_s, raw_s, attr_s = (float(env[k]) for k in ("CAT_S", "RG_S", "RAW_S", "ATTR_S"))


def mbs(s):
    return nbytes / 1e6 / s if s > 0 else float("inf")


def ratio(a, b):
    return a / b if b > 0 else float("inf")


print()
print("pan-scan SQL dump benchmark: %s" % env["BENCH_DUMP"])
print("  %s dump, %.1f MB, %d planted card numbers, %s threads, best of %s rounds, binary %s" % (
    env["BENCH_FLAVOR"], nbytes / 1e6, len(planted), env["BENCH_THREADS"], env["BENCH_RUNS"], env["BENCH_BIN"]))
print()
print("  %-28s %9s %9s" % ("tool", "wall_s", "MB/s"))
for name, s in (("cat (read limit)", cat_s), ("rg -c -a (PAN regex)", rg_s),
                ("pan-scan --no-structure", raw_s), ("pan-scan (attribution)", attr_s)):
    print("  %-28s %9.3f %9.0f" % (name, s, mbs(s)))
overhead = ratio(attr_s, raw_s)
print()
print("  attribution overhead: %.3fx the raw scan's time (best %.3f s vs %.3f s; all runs: raw %s, attr %s)" % (
    overhead, attr_s, raw_s, env["RAW_ALL"], env["ATTR_ALL"]))
print("  peak RSS: raw %.1f MiB, attribution %.1f MiB" % (int(env["RAW_RSS"]) / 1024, int(env["ATTR_RSS"]) / 1024))


def load(path):
    findings, bad = [], 0
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                rec = json.loads(line)
            except ValueError:
                bad += 1
                continue
            if rec.get("type") == "finding":
                findings.append(rec)
    return findings, bad


def short(p):
    return "%s...%s line %s" % (p["first6"], p["last4"], p["line"])


def check(path, attributed):
    """Problems in one output (strings, no full number in them)."""
    findings, bad = load(path)
    problems = []
    if bad:
        problems.append("%d output lines were not JSON" % bad)
    pans = [f for f in findings if f.get("kind") == "pan"]
    by_key = collections.defaultdict(list)
    for f in pans:
        by_key[(f.get("first6"), f.get("last4"), f.get("line"))].append(f)
    cvvs = [f for f in findings if f.get("kind") == "cvv"]
    cvv_left = list(cvvs)
    found = located = 0
    for p in planted:
        hits = by_key.pop((p["first6"], p["last4"], p["line"]), [])
        if not hits:
            problems.append("missed %s" % short(p))
            continue
        found += 1
        if len(hits) > 1:
            problems.append("%d findings for %s" % (len(hits), short(p)))
        if not attributed:
            continue
        want = {k: p[k] for k in ("table", "column", "row", "pk")}
        loc = hits[0].get("location") or {}
        got = {k: loc.get(k) for k in want}
        ok = got == want
        if not ok:
            problems.append("%s: location %s, expected %s" % (short(p), json.dumps(got, sort_keys=True),
                                                               json.dumps(want, sort_keys=True)))
        cv = [c for c in cvv_left if c.get("line") == p["cvv_line"] and (c.get("location") or {}) == {
            "table": p["table"], "column": p["cvv_column"], "row": p["row"], "pk": p["pk"]}]
        if cv:
            cvv_left.remove(cv[0])
        else:
            ok = False
            problems.append("%s: no cvv finding with table %s, column %s, row %s, pk %s" % (
                short(p), p["table"], p["cvv_column"], p["row"], p["pk"]))
        located += ok
    for fs in by_key.values():
        for f in fs:
            problems.append("unexpected pan %s...%s line %s" % (f.get("first6"), f.get("last4"), f.get("line")))
    kinds = collections.Counter(f.get("kind") for f in findings)
    want_kinds = dict(expected["by_kind"]) if attributed else {"pan": expected["by_kind"]["pan"]}
    for k in sorted(set(kinds) | set(want_kinds), key=str):
        if kinds.get(k, 0) != want_kinds.get(k, 0):
            problems.append("%s findings: %d, expected %d" % (k, kinds.get(k, 0), want_kinds.get(k, 0)))
    return found, located, kinds, problems


print()
print("correctness (%d planted: %s)" % (len(planted), ", ".join(
    "%s %d" % (b, n) for b, n in sorted(collections.Counter(p["brand"] for p in planted).items()))))
raw_found, _, raw_kinds, raw_problems = check(env["BENCH_RAW"], False)
attr_found, attr_located, attr_kinds, attr_problems = check(env["BENCH_ATTR"], True)
print("  raw scan   : found %d/%d planted; findings by kind %s" % (raw_found, len(planted), dict(sorted(raw_kinds.items(), key=str))))
print("  attribution: found %d/%d planted, %d/%d with the right table, column, row, pk and a cvv beside;"
      " findings by kind %s" % (attr_found, len(planted), attr_located, len(planted),
                                dict(sorted(attr_kinds.items(), key=str))))
for name, probs in (("raw", raw_problems), ("attr", attr_problems)):
    for p in probs[:15]:
        print("    %s: %s" % (name, p))
    if len(probs) > 15:
        print("    %s: ... %d more" % (name, len(probs) - 15))
ok = not raw_problems and not attr_problems
print()
print("RESULT: %s" % ("PASS: pan-scan found exactly the planted numbers, each in the right table, column, row and pk"
                      if ok else "FAIL: pan-scan's findings or their locations differ from the planted data"))

res = env["BENCH_RESULTS"]
os.makedirs(os.path.dirname(res) or ".", exist_ok=True)
new = not os.path.exists(res) or os.path.getsize(res) == 0
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
with open(res, "a", newline="") as f:
    w = csv.writer(f)
    if new:
        w.writerow(["date", "host", "flavor", "size", "bytes", "threads", "cat_s", "rg_s", "raw_s", "attr_s",
                    "overhead", "found", "located", "planted", "result"])
    w.writerow([now, socket.gethostname(), env["BENCH_FLAVOR"], env["BENCH_SIZE"], nbytes, env["BENCH_THREADS"],
                "%.3f" % cat_s, "%.3f" % rg_s, "%.3f" % raw_s, "%.3f" % attr_s, "%.3f" % overhead,
                attr_found, attr_located, len(planted), "PASS" if ok else "FAIL"])
print("appended to %s" % res)
sys.exit(0 if ok else 1)
EOF
rc=$?
set -e
exit $rc
