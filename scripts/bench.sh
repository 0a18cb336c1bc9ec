#!/usr/bin/env bash
# End-to-end benchmark of pan-scan on a generated corpus (scripts/mkcorpus.py).
#
#   scripts/bench.sh [--size 1G] [--threads N] [--corpus DIR] [--bin PATH] [options]
#   scripts/bench.sh --containers [--size 256M] [...]
#
# 1. installs ripgrep and GNU time with apt-get if they are missing;
# 2. builds pan-scan (cargo build --release) unless --bin is given;
# 3. generates the corpus (default target/bench-corpus-<size>, or $CORPUS) unless a corpus
#    with a matching expected.json is already there;
# 4. warms the page cache;
# 5. times, in --runs (3) rounds (every tool once per round, so drift on a shared machine
#    falls on all alike), the best wall time of each, with the same thread count N:
#      cat      find DIR -type f -print0 | xargs -0 -P N -n 64 cat > /dev/null   (read limit)
#      read     rg -c -a -j N --no-ignore --hidden -F '<absent literal>' DIR  (the read limit of
#               one parallel process: no process per 64 files, memchr-speed search)
#      rg       rg -c -a -j N --no-ignore --hidden -e '<PAN regex>' DIR > /dev/null
#      pan-scan pan-scan -j N --format jsonl --no-progress DIR > OUT.jsonl
#               (exit 1 = card data found = success here; any other non-zero exit fails)
# 6. prints the timings and checks pan-scan's findings against expected.json/planted.tsv;
# 7. appends a line to benches/results/bench.csv.
# With --tree DIR the same tools time an existing tree instead of a corpus (a real one: /usr,
# /var/www), nothing generated: unreadable files are tolerated by every tool (their stderr is
# discarded), pan-scan runs a second time with --no-containers (the bytes the other tools read:
# no member of a gzip, zip or tar opened), pan-scan's card-data count is printed and checked
# against --expect N when given, and results go to benches/results/bench-tree.csv.
# With --containers the corpus is mkcorpus.py --containers (compressed logs and archives;
# default size 256M of decompressed data, in target/bench-corpus-containers-SIZE) and the
# peer is decompression only, every file to /dev/null with the standard tools, biggest first:
#      decompress  gzip -dc / bzip2 -dc / xz -dc / zstd -dc for streams, tar -xO[zJj]f for
#                  tarballs, unzip -p for zips, cat for plain files (xargs -P N -n 1)
# (a gzip or zip nested in a tarball comes out of tar as it is, not decompressed); the
# throughput is decompressed + plain bytes per second; results go to
# benches/results/bench-containers.csv.
# Exits 0 when pan-scan's findings match the planted data exactly, 1 when they do not,
# 2 on any other failure.
set -euo pipefail
export LC_ALL=C  # '.' as the decimal point in EPOCHREALTIME, awk and printf

usage() {
  cat <<'EOF'
usage: scripts/bench.sh [options]
  --size SIZE      corpus size, K/M/G suffixes (default 1G; 256M with --containers)
  --containers     benchmark the container corpus (compressed logs and archives) against
                   decompression to /dev/null
  --tree DIR       time cat, read, rg and pan-scan on an existing tree (no corpus, no planted data)
  --expect N       with --tree: the card-data findings pan-scan must report (else exit 1)
  --threads N      threads for cat, rg and pan-scan (default: nproc)
  --corpus DIR     corpus directory (default $CORPUS or target/bench-corpus-SIZE, or
                   target/bench-corpus-containers-SIZE with --containers); an
                   existing corpus there is reused when its expected.json matches --size
                   and --seed (with neither given, any corpus there is reused)
  --bin PATH       pan-scan binary to benchmark (default: cargo build --release)
  --runs N         rounds of timed runs, every tool once per round; the best wall time
                   of each is tabled, ratios also per round (median) (default 3)
  --seed N         corpus seed (default 1)
  --out DIR        where pan-scan's JSONL output goes (default target/bench-out)
  --results FILE   CSV file to append to (default benches/results/bench.csv, or
                   benches/results/bench-containers.csv with --containers)
  -h, --help       this help
EOF
}

die() { echo "bench: error: $*" >&2; exit 2; }
say() { echo "bench: $*" >&2; }

SIZE=1G
SIZE_SET=0
CONTAINERS=0
THREADS=""
CORPUS_DIR="${CORPUS:-}"
BIN=""
RUNS=3
SEED=1
SEED_SET=0
OUT_DIR=""
RESULTS=""
TREE_DIR=""
EXPECT=""

abspath() { case "$1" in /*) printf '%s\n' "$1" ;; *) printf '%s/%s\n' "$PWD" "$1" ;; esac; }

while (($#)); do
  opt=$1
  case "$opt" in
    --*=*) val=${opt#*=}; opt=${opt%%=*}; has_val=1 ;;
    *) val=${2:-}; has_val=0 ;;
  esac
  case "$opt" in
    -h|--help) usage; exit 0 ;;
    --containers) CONTAINERS=1 ;;
    --size|--threads|--corpus|--bin|--runs|--seed|--out|--results|--tree|--expect)
      if ((has_val == 0)); then
        (($# >= 2)) || die "$opt needs a value"
        shift
      fi
      case "$opt" in
        --size) SIZE=$val; SIZE_SET=1 ;;
        --threads) THREADS=$val ;;
        --corpus) CORPUS_DIR=$(abspath "$val") ;;
        --bin) BIN=$(abspath "$val") ;;
        --runs) RUNS=$val ;;
        --seed) SEED=$val; SEED_SET=1 ;;
        --out) OUT_DIR=$(abspath "$val") ;;
        --results) RESULTS=$(abspath "$val") ;;
        --tree) TREE_DIR=$(abspath "$val") ;;
        --expect) EXPECT=$val ;;
      esac ;;
    *) usage >&2; die "unknown argument: $opt" ;;
  esac
  shift
done

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/.." && pwd)
[[ -z $CORPUS_DIR ]] || CORPUS_DIR=$(abspath "$CORPUS_DIR")
THREADS=${THREADS:-$(nproc)}
[[ $THREADS =~ ^[1-9][0-9]*$ ]] || die "--threads must be a positive integer (got '$THREADS')"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer (got '$RUNS')"
[[ $SEED =~ ^[0-9]+$ ]] || die "--seed must be a non-negative integer (got '$SEED')"
((CONTAINERS && !SIZE_SET)) && SIZE=256M
[[ $SIZE =~ ^[0-9]+(\.[0-9]+)?[kKmMgGtT]?(i?[bB])?$ ]] || die "bad --size '$SIZE' (use e.g. 20M or 1G)"
TREE=0
if [[ -n $TREE_DIR ]]; then
  ((CONTAINERS == 0)) || die "--tree and --containers do not go together"
  [[ -d $TREE_DIR ]] || die "--tree: no directory $TREE_DIR"
  TREE=1
  CORPUS_DIR=$TREE_DIR
  RESULTS=${RESULTS:-$REPO/benches/results/bench-tree.csv}
fi
[[ -z $EXPECT || ($TREE == 1 && $EXPECT =~ ^[0-9]+$) ]] || die "--expect takes a count, and goes with --tree"
if ((TREE)); then
  :
elif ((CONTAINERS)); then
  CORPUS_DIR=${CORPUS_DIR:-$REPO/target/bench-corpus-containers-$SIZE}
  RESULTS=${RESULTS:-$REPO/benches/results/bench-containers.csv}
else
  CORPUS_DIR=${CORPUS_DIR:-$REPO/target/bench-corpus-$SIZE}
  RESULTS=${RESULTS:-$REPO/benches/results/bench.csv}
fi
OUT_DIR=${OUT_DIR:-$REPO/target/bench-out}
# The PAN regex for ripgrep: 12-19 digits, optionally separated by single spaces or dashes.
# ASCII mode ((?-u)): the Unicode \d and \b are 3-4x slower in ripgrep and buy nothing here, so
# this is the fastest equivalent regex, the fair peer.
PAN_RE='(?-u)\b(?:[0-9][ -]?){11,18}[0-9]\b'

# ---- 1. tools ------------------------------------------------------------------------
gnu_time_ok() { [[ -x /usr/bin/time ]] && /usr/bin/time -f '%e %M' -o /dev/null true >/dev/null 2>&1; }
pkgs=()
command -v rg >/dev/null 2>&1 || pkgs+=(ripgrep)
gnu_time_ok || pkgs+=(time)
command -v python3 >/dev/null 2>&1 || pkgs+=(python3)
if ((CONTAINERS)); then
  command -v bzip2 >/dev/null 2>&1 || pkgs+=(bzip2)
  command -v xz >/dev/null 2>&1 || pkgs+=(xz-utils)
  command -v unzip >/dev/null 2>&1 || pkgs+=(unzip)
  command -v zstd >/dev/null 2>&1 || pkgs+=(zstd)
fi
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

# ---- 3. corpus -----------------------------------------------------------------------
corpus_matches() {  # exit 0 when CORPUS_DIR holds a complete corpus for SIZE/SEED
  [[ -f $CORPUS_DIR/expected.json && -f $CORPUS_DIR/planted.tsv ]] || return 1
  [[ ! -e $CORPUS_DIR/.mkcorpus-incomplete ]] || return 1
  python3 - "$SCRIPT_DIR" "$CORPUS_DIR/expected.json" "$SIZE" "$SEED" "$SIZE_SET" "$SEED_SET" "$CONTAINERS" <<'EOF'
import json, sys
sys.dont_write_bytecode = True  # no scripts/__pycache__
sys.path.insert(0, sys.argv[1])
import mkcorpus
_, _, path, size, seed, size_set, seed_set, containers = sys.argv
try:
    p = json.load(open(path)).get("params", {})
except ValueError:
    sys.exit(1)
if p.get("version") != mkcorpus.GEN_VERSION or bool(p.get("containers")) != (containers == "1"):
    sys.exit(1)
explicit = size_set == "1" or seed_set == "1"  # otherwise any corpus found there is reused
if explicit and (p.get("size_bytes") != mkcorpus.parse_size(size) or p.get("seed") != int(seed)):
    sys.exit(1)
EOF
}
if ((TREE)); then
  say "timing the tree $CORPUS_DIR as it is"
elif corpus_matches; then
  say "reusing corpus $CORPUS_DIR"
else
  force=()
  if [[ -d $CORPUS_DIR ]] && [[ -n $(ls -A "$CORPUS_DIR") ]]; then
    say "corpus in $CORPUS_DIR is incomplete or for other parameters: regenerating"
    force=(--force)
  fi
  gen=()
  ((CONTAINERS)) && gen=(--containers)
  say "generating a $SIZE ${gen[*]:+container }corpus (seed $SEED) in $CORPUS_DIR"
  python3 "$SCRIPT_DIR/mkcorpus.py" "$CORPUS_DIR" --size "$SIZE" --seed "$SEED" "${gen[@]}" "${force[@]}" \
    || die "corpus generation failed"
fi
read -r NFILES NBYTES < <(find "$CORPUS_DIR" -type f -printf '%s\n' 2>/dev/null | awk '{n++; s+=$1} END {printf "%d %d\n", n, s}')

# ---- 4. warm the page cache ----------------------------------------------------------
say "warming the page cache ($NFILES files, $NBYTES bytes)"
find "$CORPUS_DIR" -type f -print0 2>/dev/null | xargs -0 -n 256 cat > /dev/null 2>&1 || ((TREE))

# ---- 5. timed runs -------------------------------------------------------------------
mkdir -p "$OUT_DIR"
OUT_JSONL=$OUT_DIR/panscan-$(basename "$CORPUS_DIR").jsonl
ERR_LOG=${OUT_JSONL%.jsonl}.stderr
TIME_OUT=$(mktemp)
trap 'rm -f "$TIME_OUT"' EXIT

# shellcheck source=scripts/timing.sh
. "$(dirname "$0")/timing.sh"

say "timing with $THREADS threads, $RUNS rounds (every tool once per round), best wall time of each"
# Exit codes that mean the tool did its work: in a real tree some files may be unreadable
# (find and cat then exit 1 and 123, rg 2, pan-scan 3: incomplete).
OK_CAT="0" OK_RG="0 1" OK_PS="0 1"
((TREE)) && OK_CAT="0 1 123" OK_RG="0 1 2" OK_PS="0 1 3"
for ((ROUND = 1; ROUND <= RUNS; ROUND++)); do
  TOOL_ERR=-
  ((TREE)) && TOOL_ERR=/dev/null
  if ((CONTAINERS)); then
    # Decompression only: each file to /dev/null with the standard tool for it, biggest first
    # (pan-scan also gives each file on disk to one thread).
    # shellcheck disable=SC2016  # $1/$2 are expanded by the inner sh
    DECOMPRESS='find "$1" -type f -printf "%s\t%p\0" | sort -z -rn | cut -z -f2- | xargs -0 -P "$2" -n 1 sh -c '"'"'
      case "$1" in
        */planted.tsv|*/expected.json) ;;
        *.tar.gz|*.tgz) tar -xOzf "$1" ;;
        *.tar.xz|*.txz) tar -xOJf "$1" ;;
        *.tar.bz2|*.tbz2) tar -xOjf "$1" ;;
        *.tar.zst|*.tzst) tar --zstd -xOf "$1" ;;
        *.gz) gzip -dc "$1" ;;
        *.bz2) bzip2 -dc "$1" ;;
        *.xz) xz -dc "$1" ;;
        *.zst) zstd -qdc "$1" ;;
        *.zip) unzip -p "$1" ;;
        *) cat "$1" ;;
      esac'"'"' sh > /dev/null'
    time_once "$ROUND" decompress "0" /dev/null "$TOOL_ERR" sh -c "$DECOMPRESS" sh "$CORPUS_DIR" "$THREADS" || die "decompression run failed"
  else
    # shellcheck disable=SC2016  # $1/$2 are expanded by the inner sh
    time_once "$ROUND" cat "$OK_CAT" /dev/null "$TOOL_ERR" sh -c 'find "$1" -type f -print0 | xargs -0 -P "$2" -n 64 cat > /dev/null' sh "$CORPUS_DIR" "$THREADS" \
      || die "cat run failed"
    time_once "$ROUND" read "$OK_RG" /dev/null "$TOOL_ERR" rg -c -a -j "$THREADS" --no-ignore --hidden -F 'pan-scan:read-limit:probe' "$CORPUS_DIR" \
      || die "read run failed"
    time_once "$ROUND" rg "$OK_RG" /dev/null "$TOOL_ERR" rg -c -a -j "$THREADS" --no-ignore --hidden -e "$PAN_RE" "$CORPUS_DIR" \
      || die "rg run failed"
  fi
  if ! time_once "$ROUND" pan-scan "$OK_PS" "$OUT_JSONL" "$ERR_LOG" \
    "$BIN" -j "$THREADS" --format jsonl --no-progress "$CORPUS_DIR"; then
    say "pan-scan failed (its stderr: $ERR_LOG)"
    exit 2
  fi
  if ((TREE)); then
    time_once "$ROUND" pan-scan-raw "$OK_PS" "${OUT_JSONL%.jsonl}-no-containers.jsonl" "$ERR_LOG" "$BIN" -j "$THREADS" --no-containers --format jsonl --no-progress "$CORPUS_DIR" \
      || die "pan-scan --no-containers failed"
  fi
done

# ---- 6./7. report, correctness, CSV --------------------------------------------------
export BENCH_CORPUS=$CORPUS_DIR BENCH_OUT=$OUT_JSONL BENCH_RESULTS=$RESULTS BENCH_SIZE=$SIZE \
  BENCH_THREADS=$THREADS BENCH_RUNS=$RUNS BENCH_BYTES=$NBYTES BENCH_FILES=$NFILES BENCH_BIN=$BIN \
  BENCH_CONTAINERS=$CONTAINERS BENCH_TREE=$TREE BENCH_EXPECT=$EXPECT PS_S=${BEST_WALL[pan-scan]} PS_RSS=${PEAK_RSS[pan-scan]} \
  CAT_S=${BEST_WALL[cat]:-} CAT_RSS=${PEAK_RSS[cat]:-} READ_S=${BEST_WALL[read]:-} READ_RSS=${PEAK_RSS[read]:-} RG_S=${BEST_WALL[rg]:-} RG_RSS=${PEAK_RSS[rg]:-} \
  DEC_S=${BEST_WALL[decompress]:-} DEC_RSS=${PEAK_RSS[decompress]:-} \
  RAW_S=${BEST_WALL[pan-scan-raw]:-} RAW_RSS=${PEAK_RSS[pan-scan-raw]:-} \
  WALLS_PS=${ALL_WALL[pan-scan]:-} WALLS_CAT=${ALL_WALL[cat]:-} WALLS_RG=${ALL_WALL[rg]:-} WALLS_READ=${ALL_WALL[read]:-} \
  WALLS_DEC=${ALL_WALL[decompress]:-}
set +e
python3 - <<'EOF'
import collections, csv, datetime, json, os, socket, sys

env = os.environ
corpus = env["BENCH_CORPUS"].rstrip("/")
nbytes = int(env["BENCH_BYTES"])
containers = env["BENCH_CONTAINERS"] == "1"
tree = env["BENCH_TREE"] == "1"
expected = {} if tree else json.load(open(os.path.join(corpus, "expected.json")))


def ratio(a, b):
    return a / b if b > 0 else float("inf")


def per_round(mine, theirs):
    """The median and range of pan-scan's wall time over a peer's, round by round."""
    a, b = env.get(mine, "").split(), env.get(theirs, "").split()
    r = sorted(ratio(float(x), float(y)) for x, y in zip(a, b))
    if not r:
        return ""
    med = r[len(r) // 2] if len(r) % 2 else (r[len(r) // 2 - 1] + r[len(r) // 2]) / 2
    return "; per round: median %.2fx, %.2f-%.2fx over %d rounds" % (med, r[0], r[-1], len(r))


print()
print("pan-scan benchmark: %s" % corpus)
if not containers:
    tools = [("cat", float(env["CAT_S"]), int(env["CAT_RSS"])),
             ("rg", float(env["RG_S"]), int(env["RG_RSS"])),
             ("pan-scan", float(env["PS_S"]), int(env["PS_RSS"])),
             ("read", float(env["READ_S"]), int(env["READ_RSS"]))]
    print("  %d files, %.2f GB (%.2f GiB), %s threads, best of %s rounds, binary %s" % (
        int(env["BENCH_FILES"]), nbytes / 1e9, nbytes / 2**30, env["BENCH_THREADS"], env["BENCH_RUNS"], env["BENCH_BIN"]))
    print()
    print("  %-10s %10s %8s %14s" % ("tool", "wall_s", "GB/s", "peak_RSS_MiB"))
    for name, s, rss in tools:
        gbs = nbytes / 1e9 / s if s > 0 else float("inf")
        print("  %-10s %10.3f %8.2f %14.1f" % (name, s, gbs, rss / 1024))
    cat_s, rg_s, ps_s, read_s = (t[1] for t in tools)
    print()
    print("  pan-scan vs cat: %.2fx the read-limit time (%.0f%% of read-limit throughput)%s" % (
        ratio(ps_s, cat_s), 100 * ratio(cat_s, ps_s), per_round("WALLS_PS", "WALLS_CAT")))
    print("  pan-scan vs read (rg, absent literal): %.2fx its time (%.0f%% of its throughput)%s" % (
        ratio(ps_s, read_s), 100 * ratio(read_s, ps_s), per_round("WALLS_PS", "WALLS_READ")))
    print("  pan-scan vs rg : %.2fx rg's time (%s)%s" % (
        ratio(ps_s, rg_s), "%.2fx faster" % ratio(rg_s, ps_s) if ps_s <= rg_s else "%.2fx slower" % ratio(ps_s, rg_s),
        per_round("WALLS_PS", "WALLS_RG")))
    if tree:
        raw_s, raw_rss = float(env["RAW_S"]), int(env["RAW_RSS"])
        print("  pan-scan --no-containers (the bytes the others read): %.3f s, %.1f MiB peak RSS:" % (raw_s, raw_rss / 1024))
        print("    %.2fx faster than rg, %.0f%% of cat's throughput, %.0f%% of the read's" % (
            ratio(rg_s, raw_s), 100 * ratio(cat_s, raw_s), 100 * ratio(read_s, raw_s)))
else:
    # throughput in bytes of content: decompressed members plus the plain files
    content = expected["scanned_bytes"]
    tools = [("decompress", float(env["DEC_S"]), int(env["DEC_RSS"])),
             ("pan-scan", float(env["PS_S"]), int(env["PS_RSS"]))]
    print("  %d files on disk, %.1f MB (%d compressed files, %.1f MB; %d plain, %.1f MB)" % (
        int(env["BENCH_FILES"]), nbytes / 1e6, expected["compressed_files"], expected["compressed_bytes"] / 1e6,
        expected["plain_files"], expected["plain_bytes"] / 1e6))
    print("  holding %d members, %.1f MB decompressed; %.1f MB of content in all (%s)" % (
        expected["members"], expected["decompressed_bytes"] / 1e6, content / 1e6,
        ", ".join("%s %d" % kv for kv in expected["by_format"].items())))
    print("  %s threads, best of %s rounds, binary %s" % (env["BENCH_THREADS"], env["BENCH_RUNS"], env["BENCH_BIN"]))
    print()
    print("  %-10s %10s %16s %14s %14s" % ("tool", "wall_s", "content_MB/s", "on-disk_MB/s", "peak_RSS_MiB"))
    for name, s, rss in tools:
        print("  %-10s %10.3f %16.1f %14.1f %14.1f" % (name, s, ratio(content / 1e6, s), ratio(nbytes / 1e6, s), rss / 1024))
    dec_s, ps_s = tools[0][1], tools[1][1]
    print()
    print("  pan-scan vs decompression only: %.2fx the time (%.0f%% of decompression-only throughput)%s" % (
        ratio(ps_s, dec_s), 100 * ratio(dec_s, ps_s), per_round("WALLS_PS", "WALLS_DEC")))

if tree:
    # No planted data: what pan-scan reported, checked against --expect if given.
    summary = None
    for raw in open(env["BENCH_OUT"], encoding="utf-8", errors="replace"):
        try:
            rec = json.loads(raw)
        except ValueError:
            continue
        if rec.get("type") == "summary":
            summary = rec
    if summary is None:
        print("\nRESULT: FAIL: no summary record in %s" % env["BENCH_OUT"])
        sys.exit(1)
    card = summary.get("card_data_findings", 0)
    print()
    print("findings: %s" % env["BENCH_OUT"])
    print("  verdict %s (exit %s), %d files scanned, %d members, %d skipped, %d incomplete" % (
        summary.get("verdict"), summary.get("exit_code"), summary.get("files_scanned", 0),
        summary.get("members_scanned", 0), summary.get("skipped", 0), summary.get("incomplete", 0)))
    print("  card data %d; by kind %s" % (card, json.dumps(summary.get("by_kind", {}), sort_keys=True)))
    want = env.get("BENCH_EXPECT", "")
    ok = want == "" or int(want) == card
    print()
    print("RESULT: %s" % ("expected %s card-data findings, got %d: %s" % (want, card, "PASS" if ok else "FAIL")
                          if want else "no --expect given: %d card-data findings (not checked)" % card))
    res = env["BENCH_RESULTS"]
    os.makedirs(os.path.dirname(res) or ".", exist_ok=True)
    new = not os.path.exists(res) or os.path.getsize(res) == 0
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    with open(res, "a", newline="") as f:
        w = csv.writer(f)
        if new:
            w.writerow(["date", "host", "tree", "files", "bytes", "threads", "cat_s", "rg_s", "panscan_s",
                        "panscan_rss_mib", "read_s", "card_findings", "panscan_no_containers_s"])
        w.writerow([now, socket.gethostname(), corpus, env["BENCH_FILES"], nbytes, env["BENCH_THREADS"],
                    "%.3f" % cat_s, "%.3f" % rg_s, "%.3f" % ps_s, "%.1f" % (tools[2][2] / 1024), "%.3f" % read_s, card,
                    "%.3f" % raw_s])
    print("appended to %s" % res)
    sys.exit(0 if ok else 1)

# ---- correctness ----
planted = collections.Counter()
rels = set()
for row in open(os.path.join(corpus, "planted.tsv"), encoding="utf-8"):
    if not row.strip() or row.startswith("#"):
        continue
    path, line, kind, brand, form = row.rstrip("\n").split("\t")
    planted[(path, int(line), kind)] += 1
    rels.add(path)
forms = {}
for row in open(os.path.join(corpus, "planted.tsv"), encoding="utf-8"):
    if row.strip() and not row.startswith("#"):
        path, line, kind, brand, form = row.rstrip("\n").split("\t")
        forms[(path, int(line), kind)] = "%s %s" % (brand, form)


def relpath(p):
    p = p.replace("\\", "/")
    for prefix in (corpus + "/", os.path.realpath(corpus) + "/"):
        if p.startswith(prefix):
            return p[len(prefix):]
    parts = [x for x in p.split("/") if x not in ("", ".")]
    for i in range(len(parts)):
        cand = "/".join(parts[i:])
        if cand in rels:
            return cand
    return p


findings = []
schema = []
types = collections.Counter()
summary = None
bad_lines = 0
with open(env["BENCH_OUT"], encoding="utf-8", errors="replace") as f:
    for raw in f:
        raw = raw.strip()
        if not raw:
            continue
        try:
            rec = json.loads(raw)
        except ValueError:
            bad_lines += 1
            continue
        t = rec.get("type")
        types[t] += 1
        if t == "finding":
            # Schema findings (a field named like CVV or track data, in
            # the corpus's own expected.json among others) are no planted
            # card data: counted apart.
            if rec.get("kind") == "sad_field":
                schema.append(rec)
            else:
                findings.append(rec)
        elif t == "summary":
            summary = rec

by_kind = collections.Counter(r.get("kind") for r in findings)
exp_kind = expected["by_kind"]
print()
print("correctness: %s" % env["BENCH_OUT"])
if schema:
    print("  (schema findings, not card data: %d sad_field, e.g. %s %s)" % (
        len(schema), relpath(str(schema[0].get("path", ""))), json.dumps(schema[0].get("location"))))
print("  %-12s %9s %9s" % ("kind", "expected", "found"))
kinds = list(exp_kind) + sorted(k for k in by_kind if k not in exp_kind and k is not None) + ([None] if None in by_kind else [])
counts_ok = True
for k in kinds:
    e, fnd = exp_kind.get(k, 0), by_kind.get(k, 0)
    counts_ok &= e == fnd
    print("  %-12s %9d %9d%s" % (k, e, fnd, "" if e == fnd else "   <-- differs"))
total_ok = expected["findings"] == len(findings)
counts_ok &= total_ok
print("  %-12s %9d %9d%s" % ("total", expected["findings"], len(findings), "" if total_ok else "   <-- differs"))

left = planted.copy()
unexpected = []
for r in findings:
    try:
        line = int(r.get("line"))
    except (TypeError, ValueError):
        line = r.get("line")
    key = (relpath(str(r.get("path", ""))), line, r.get("kind"))
    if left.get(key, 0) > 0:
        left[key] -= 1
    else:
        unexpected.append(r)
missed = sorted(k for k, n in left.items() for _ in range(n))
n_planted = sum(planted.values())
print()
print("  recall vs planted.tsv: planted %d, found %d, missed %d, unexpected %d" % (
    n_planted, n_planted - len(missed), len(missed), len(unexpected)))
for k in missed[:10]:
    print("    missed     %s:%d %s (%s)" % (k[0], k[1], k[2], forms.get(k, "")))
if len(missed) > 10:
    print("    ... %d more missed" % (len(missed) - 10))
for r in unexpected[:10]:
    print("    unexpected %s:%s %s %s" % (relpath(str(r.get("path", ""))), r.get("line"), r.get("kind"), r.get("masked", "?")))
if len(unexpected) > 10:
    print("    ... %d more unexpected" % (len(unexpected) - 10))
other = {t: n for t, n in types.items() if t not in ("finding", "summary")}
if other:
    print("  other records: %s" % ", ".join("%s %d" % (t, n) for t, n in sorted(other.items(), key=str)))
if bad_lines:
    print("  %d output lines were not JSON" % bad_lines)
if summary is None:
    print("  note: no summary record in the output")
else:
    s = json.dumps(summary, separators=(",", ":"))
    print("  summary: %s" % (s if len(s) < 400 else s[:400] + "..."))
ok = counts_ok and not missed and not unexpected and bad_lines == 0
print()
print("RESULT: %s" % ("PASS: pan-scan found exactly the planted card data" if ok else
                      "FAIL: pan-scan's findings differ from the planted card data"))

# ---- CSV ----
res = env["BENCH_RESULTS"]
os.makedirs(os.path.dirname(res) or ".", exist_ok=True)
new = not os.path.exists(res) or os.path.getsize(res) == 0
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
size = expected.get("params", {}).get("size", env["BENCH_SIZE"])
with open(res, "a", newline="") as f:
    w = csv.writer(f)
    if not containers:
        if new:
            w.writerow(["date", "host", "size", "threads", "cat_s", "rg_s", "panscan_s", "panscan_rss_mib", "found", "expected",
                        "read_s"])
        w.writerow([now, socket.gethostname(), size, env["BENCH_THREADS"], "%.3f" % cat_s, "%.3f" % rg_s, "%.3f" % ps_s,
                    "%.1f" % (tools[2][2] / 1024), len(findings), expected["findings"], "%.3f" % read_s])
    else:
        if new:
            w.writerow(["date", "host", "size", "threads", "compressed_bytes", "content_bytes", "decompress_s",
                        "panscan_s", "panscan_content_mb_s", "panscan_rss_mib", "found", "expected"])
        w.writerow([now, socket.gethostname(), size, env["BENCH_THREADS"], expected["compressed_bytes"],
                    expected["scanned_bytes"], "%.3f" % dec_s, "%.3f" % ps_s, "%.1f" % ratio(expected["scanned_bytes"] / 1e6, ps_s),
                    "%.1f" % (tools[1][2] / 1024), len(findings), expected["findings"]])
print("appended to %s" % res)
sys.exit(0 if ok else 1)
EOF
rc=$?
set -e
exit $rc
