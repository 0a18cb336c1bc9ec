# Timed runs shared by scripts/bench.sh and scripts/bench-dump.sh (sourced, not run).
# The caller defines say() and TIME_OUT (a temporary file for GNU time's report).

# run_timed NAME OK_CODES STDOUT STDERR CMD... : runs CMD under GNU time, its stdout to STDOUT
# and its stderr to STDERR ('-': left alone; not /dev/stderr, whose reopening truncates a log
# file). Sets WALL (seconds, from EPOCHREALTIME when bash has it, else time's %e), RSS (peak
# KiB) and RC; fails, with the last lines of a STDERR file, when RC is not in OK_CODES.
run_timed() {
  local name=$1 ok=$2 out=$3 err=$4 t0 t1 last
  shift 4
  t0=${EPOCHREALTIME:-}
  set +e
  if [[ $err == - ]]; then
    /usr/bin/time -f '%e %M' -o "$TIME_OUT" "$@" > "$out"
  else
    /usr/bin/time -f '%e %M' -o "$TIME_OUT" "$@" > "$out" 2> "$err"
  fi
  RC=$?
  set -e
  t1=${EPOCHREALTIME:-}
  last=$(tail -n 1 "$TIME_OUT")   # GNU time writes "Command exited with non-zero status N" first
  RSS=${last##* }
  if [[ -n $t0 && -n $t1 ]]; then
    WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
  else
    WALL=${last%% *}
  fi
  if [[ " $ok " != *" $RC "* ]]; then
    say "$name exited with status $RC"
    [[ $err == - || $err == /dev/null ]] || tail -n 20 "$err" >&2 || true
    return 1
  fi
}

# The tools run in rounds, each tool once per round in the same order, so that a slow stretch
# of a shared machine falls on all of them alike; ALL_WALL keeps every run's wall time so that
# ratios can also be taken round by round, which drift between rounds does not bias.
declare -A BEST_WALL PEAK_RSS ALL_WALL
# time_once ROUND NAME OK_CODES STDOUT STDERR CMD... : one run_timed of round ROUND (of $RUNS);
# keeps NAME's best wall time, peak RSS and all wall times.
time_once() {
  local round=$1 name=$2
  shift
  run_timed "$@" || return 1
  say "  round $round/$RUNS: $name ${WALL}s, ${RSS} KiB"
  ALL_WALL[$name]="${ALL_WALL[$name]:-}${ALL_WALL[$name]:+ }$WALL"
  if [[ -z ${BEST_WALL[$name]:-} ]] || awk -v a="$WALL" -v b="${BEST_WALL[$name]}" 'BEGIN {exit !(a < b)}'; then
    BEST_WALL[$name]=$WALL
  fi
  if [[ -z ${PEAK_RSS[$name]:-} ]] || ((RSS > ${PEAK_RSS[$name]})); then
    PEAK_RSS[$name]=$RSS
  fi
}
