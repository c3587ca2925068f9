#!/usr/bin/env bash
# Side-by-side figures of confmod against curl (and the official `telnyx`
# Python SDK when it is installed), each against a local `confmod sim`.
# See bench/README.md for what each figure means.
#
#   bench/run.sh                      # all of it, about a minute and a half
#   bench/run.sh a c                  # some sections: a b c d e f
#
# Needs: cargo, curl, bash 5, Linux (/proc). Optional: python3 (exact peak
# memory), and a python with the telnyx SDK (PYTHON=/path/to/python, default
# python3) for the SDK columns. Honours CARGO_TARGET_DIR.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET/release/confmod
SDK_PY=${PYTHON:-python3}
SECTIONS=${*:-a b c d e f}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/confmod-bench.XXXXXX")
SIMS=()
cleanup() {
  local pid
  for pid in "${SIMS[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  tmux -L "confmod-bench-$$" kill-server 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# nothing of the operator's: no config file, journal or log of theirs
unset TELNYX_API_KEY TELNYX_BASE_URL CONFMOD_CONFIG CONFMOD_LOG
export XDG_CONFIG_HOME=$WORK/config XDG_STATE_HOME=$WORK/state NO_COLOR=1

say() { printf '%s\n' "$*"; }
die() { say "bench: $*" >&2; exit 1; }

command -v cargo >/dev/null || die "cargo is missing"
command -v curl >/dev/null || die "curl is missing"
[[ -r /proc/self/status ]] || die "this script reads /proc: it runs on Linux"

say "building target/release/confmod ..."
(cd "$ROOT" && cargo build --release --quiet) || die "cargo build --release failed"

# ---- measuring ---------------------------------------------------------------

MEASURE_PY=$(command -v python3 || true)
SDK=""
if "$SDK_PY" -c 'import telnyx' 2>/dev/null; then
  SDK=$("$SDK_PY" -c 'import telnyx; print(telnyx.__version__)')
fi

# measure OUT CMD...: runs CMD with stdout to OUT (stderr to OUT.err); sets SECS (wall clock),
# RSS_KB (its peak resident memory) and RC. Exact with python3 (getrusage of
# the child); else sampled from /proc every 5 ms (VmHWM, the high-water mark).
measure() {
  local out=$1; shift
  if [[ -n $MEASURE_PY ]]; then
    read -r SECS RSS_KB RC < <("$MEASURE_PY" - "$out" "$@" <<'PY'
import resource, subprocess, sys, time
with open(sys.argv[1], "wb") as out, open(sys.argv[1] + ".err", "wb") as err:
    t = time.perf_counter()
    rc = subprocess.call(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=out, stderr=err)
    took = time.perf_counter() - t
print(f"{took:.3f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss} {rc}")
PY
)
    return
  fi
  local t0=$EPOCHREALTIME line hwm=0 tick pid
  exec {tick}<> <(:)
  "$@" <"/dev/null" >"$out" 2>"$out.err" & pid=$!
  while [[ -r /proc/$pid/status ]]; do
    local seen=0
    while read -r line; do
      if [[ $line == VmHWM:* ]]; then set -- $line; hwm=$2; seen=1; fi
    done </proc/$pid/status 2>/dev/null || true
    ((seen)) || break   # a zombie: it has exited
    read -r -t 0.005 -u "$tick" || true
  done
  RC=0; wait "$pid" || RC=$?
  exec {tick}<&-
  SECS=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')
  RSS_KB=$hwm
}

# measure_n OUT CMD...: `measure` RUNS times (default 3); SECS is the median
# wall clock, RSS_KB the largest peak, RC the first exit status that was not 0
# (else 0).
RUNS=${RUNS:-3}
measure_n() {
  local times=() peak=0 i failed=0
  for ((i = 0; i < RUNS; i++)); do
    measure "$@"
    times+=("$SECS")
    ((RSS_KB > peak)) && peak=$RSS_KB
    ((failed == 0)) && failed=$RC
  done
  RC=$failed
  SECS=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  RSS_KB=$peak
}

# exited: nothing when the last measured command exited 0, else says it failed
# (its figures are then not a result).
exited() { ((RC == 0)) || printf 'FAILED: exit %s' "$RC"; }

# ratio A B: A / B as "1.23x".
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }

# ---- sims --------------------------------------------------------------------

# start_sim ARGS...: a sim on a free port; sets BASE, KEY, CONF, STATS.
start_sim() {
  local out=$WORK/sim.$RANDOM.out
  "$BIN" sim --port 0 --conferences 1 "$@" >"$out" 2>"$out.err" &
  SIMS+=("$!")
  local i
  for ((i = 0; i < 600; i++)); do
    grep -q '^conference:' "$out" 2>/dev/null && break
    kill -0 "${SIMS[-1]}" 2>/dev/null || die "the sim did not start: $(cat "$out.err")"
    read -r -t 0.05 <> <(:) || true
  done
  BASE=$(sed -n 's/^confmod sim listening on //p' "$out")
  KEY=$(sed -n 's/^API key: *//p' "$out")
  CONF=$(sed -n 's/^conference: *//p' "$out")
  [[ -n $BASE && -n $CONF ]] || die "no banner from the sim"
  STATS=${BASE%/v2}/_sim/stats
  export TELNYX_BASE_URL=$BASE TELNYX_API_KEY=$KEY
}

stop_sim() {
  local pid=${SIMS[-1]}
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset 'SIMS[-1]'
}

# stats: sets REQUESTS and LIMITED, the sim's counts so far.
stats() {
  local doc
  doc=$(curl -sS -H "Authorization: Bearer $KEY" "$STATS")
  REQUESTS=$(sed -n 's/.*"requests":\([0-9]*\).*/\1/p' <<<"$doc")
  LIMITED=$(sed -n 's/.*"rate_limited":\([0-9]*\).*/\1/p' <<<"$doc")
}

# items FILE: the participants in a listing's output (one call_control_id each).
items() { grep -o '"call_control_id"' "$1" | wc -l | tr -d ' '; }

# pages URL: the participant pages 1..N of the sim's conference, 250 a page
# (brackets escaped: curl reads [1-N] as its own range).
pages_url() { printf '%s/conferences/%s/participants?page%%5Bsize%%5D=250&page%%5Bnumber%%5D=[1-%s]' "$BASE" "$CONF" "$1"; }

row() { printf '  %-34s %9s %10s %9s  %s\n' "$@"; }

# The official SDK, read-only: list every participant; print how many.
SDK_LIST='
import os, sys, telnyx
client = telnyx.Telnyx(api_key=os.environ["TELNYX_API_KEY"], base_url=os.environ["TELNYX_BASE_URL"])
print(sum(1 for _ in client.conferences.list_participants(sys.argv[1], page_size=250)))
'
# The official SDK, async: list, then PATCH everyone who has not left, 8 at a time.
SDK_PATCH='
import asyncio, os, sys, telnyx
async def main(conf):
    client = telnyx.AsyncTelnyx(api_key=os.environ["TELNYX_API_KEY"], base_url=os.environ["TELNYX_BASE_URL"])
    ids = [p.id async for p in client.conferences.list_participants(conf, page_size=250) if p.status != "left"]
    gate = asyncio.Semaphore(8)
    async def one(pid):
        async with gate:
            await client.conferences.update_participant(pid, id=conf, beep_enabled="never")
    await asyncio.gather(*(one(pid) for pid in ids))
    print(len(ids))
asyncio.run(main(sys.argv[1]))
'
no_sdk() { row "$1" - - - "skipped: the telnyx SDK is not installed (PYTHON=$SDK_PY)"; }

# ---- the machine -------------------------------------------------------------

say ""
say "machine:  $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
say "load:     $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min)"
say "confmod:  $("$BIN" --version)"
say "curl:     $(curl --version | head -1 | cut -d' ' -f1-2)"
if [[ -n $SDK ]]; then
  say "SDK:      telnyx $SDK on $("$SDK_PY" --version 2>&1)"
else
  say "SDK:      not installed ($SDK_PY -c 'import telnyx' fails): its columns are skipped"
fi
[[ -n $MEASURE_PY ]] || say "memory:   no python3: peak memory sampled from /proc every 5 ms (a lower bound)"

# ---- (a) a listing at 50 ms a request ----------------------------------------

if [[ $SECTIONS == *a* ]]; then
  say ""
  say "(a) list 5,000 participants, 50 ms a request (20 pages of 250)"
  row "" "time" "requests" "items" ""
  start_sim --participants 5000 --latency-ms 50
  stats; before=$REQUESTS
  measure_n "$WORK/a1" "$BIN" participants "$CONF" --format json
  mine=$SECS
  stats; row "confmod participants" "${SECS}s" $(((REQUESTS - before) / RUNS)) "$(items "$WORK/a1")" "$(exited)"
  before=$REQUESTS
  measure_n "$WORK/a2" curl -sS -H "Authorization: Bearer $KEY" "$(pages_url 20)"
  stats; row "curl, one page after another" "${SECS}s" $(((REQUESTS - before) / RUNS)) "$(items "$WORK/a2")" "given the page count; confmod: $(ratio "$mine" "$SECS")"
  before=$REQUESTS
  measure_n "$WORK/a3" curl -sS -Z --parallel-max 16 -H "Authorization: Bearer $KEY" "$(pages_url 20)"
  stats; row "curl --parallel --parallel-max 16" "${SECS}s" $(((REQUESTS - before) / RUNS)) "$(items "$WORK/a3")" "given the page count; confmod: $(ratio "$mine" "$SECS") (goal: 1.5x at most)"
  if [[ -n $SDK ]]; then
    before=$REQUESTS
    measure "$WORK/a4" "$SDK_PY" -c "$SDK_LIST" "$CONF"
    stats; row "telnyx SDK (python, sync)" "${SECS}s" $((REQUESTS - before)) "$(cat "$WORK/a4")" "its auto-paging, import included; once; confmod: $(ratio "$mine" "$SECS")"
  else
    no_sdk "telnyx SDK (python, sync)"
  fi
  stop_sim
fi

# ---- (b) the largest conference: time and memory -------------------------------

if [[ $SECTIONS == *b* ]]; then
  say ""
  say "(b) list 50,000 participants (200 pages of 250, no latency): time and peak memory"
  row "" "time" "peak RSS" "items" ""
  start_sim --participants 50000
  measure_n "$WORK/b1" "$BIN" participants "$CONF" --format json
  mine=$SECS
  row "confmod participants" "${SECS}s" "$((RSS_KB / 1024)) MiB" "$(items "$WORK/b1")" "$(exited)"
  measure_n "$WORK/b2" curl -sS -H "Authorization: Bearer $KEY" "$(pages_url 200)"
  row "curl, one page after another" "${SECS}s" "$((RSS_KB / 1024)) MiB" "$(items "$WORK/b2")" "given the page count; confmod: $(ratio "$mine" "$SECS") (goal: 2x at most, under 40 MiB)"
  if [[ -n $SDK ]]; then
    measure "$WORK/b3" "$SDK_PY" -c "$SDK_LIST" "$CONF"
    row "telnyx SDK (python, sync)" "${SECS}s" "$((RSS_KB / 1024)) MiB" "$(cat "$WORK/b3")" "counts, keeps nothing; once; confmod: $(ratio "$mine" "$SECS")"
  else
    no_sdk "telnyx SDK (python, sync)"
  fi
  stop_sim
fi

# ---- (c) a bulk update under a rate limit ------------------------------------------

if [[ $SECTIONS == *c* ]]; then
  say ""
  say "(c) update 1,000 participants (beep_enabled) under 100 requests a second (a bucket of 100)"
  row "" "time" "429s" "requests" "floor: (requests - 429s - 100) / 100 a second"
  for latency in 0 20; do
    start_sim --participants 1000 --rate-limit 100 --latency-ms "$latency"
    measure "$WORK/c" "$BIN" update "$CONF" --all --beep-enabled never --format jsonl
    stats
    floor=$(awk -v n="$REQUESTS" -v l="$LIMITED" 'BEGIN { printf "%.2f", (n - l - 100) / 100 }')
    over=$(awk -v t="$SECS" -v f="$floor" 'BEGIN { printf "%+.1f", (t / f - 1) * 100 }')
    updated=$(grep -c '"ok":true' "$WORK/c" || true)
    row "confmod update --all, ${latency} ms a request" "${SECS}s" "$LIMITED" "$REQUESTS" "${floor}s, ${over}% (updated $updated, exit $RC)"
    stop_sim
  done
fi

# ---- (d) a bulk update at 20 ms a request ------------------------------------------

if [[ $SECTIONS == *d* ]]; then
  say ""
  say "(d) update 200 participants (beep_enabled), 20 ms a request, no rate limit, 8 at a time"
  row "" "time" "requests" "updated" ""
  start_sim --participants 200 --latency-ms 20
  stats; before=$REQUESTS
  measure "$WORK/d1" "$BIN" update "$CONF" --all --beep-enabled never --concurrency 8 --format jsonl
  mine=$SECS
  stats; row "confmod update --all" "${SECS}s" $((REQUESTS - before)) "$(grep -c '"ok":true' "$WORK/d1" || true)" "$(exited)"
  if [[ -n $SDK ]]; then
    before=$REQUESTS
    measure "$WORK/d2" "$SDK_PY" -c "$SDK_PATCH" "$CONF"
    stats; row "telnyx SDK (AsyncTelnyx, gather)" "${SECS}s" $((REQUESTS - before)) "$(cat "$WORK/d2")" "import included; confmod: $(ratio "$mine" "$SECS")"
  else
    no_sdk "telnyx SDK (AsyncTelnyx, gather)"
  fi
  stop_sim
fi

# ---- (e) start-up ------------------------------------------------------------

# mean_ms N CMD...: the mean wall clock of N runs of CMD, in ms.
mean_ms() {
  local n=$1 i t0; shift
  t0=$EPOCHREALTIME
  for ((i = 0; i < n; i++)); do "$@" >/dev/null 2>&1; done
  awk -v a="$t0" -v b="$EPOCHREALTIME" -v n="$n" 'BEGIN { printf "%.1f", (b - a) * 1000 / n }'
}

if [[ $SECTIONS == *e* ]]; then
  say ""
  say "(e) start-up: the mean of 20 runs"
  row "" "time" "" "" ""
  row "confmod --version" "$(mean_ms 20 "$BIN" --version)ms" "" "" ""
  if [[ -n $SDK ]]; then
    row "python3 -c pass" "$(mean_ms 20 "$SDK_PY" -c pass)ms" "" "" "the interpreter alone"
    row "python3 -c 'import telnyx'" "$(mean_ms 20 "$SDK_PY" -c 'import telnyx')ms" "" "" ""
  else
    no_sdk "python3 -c 'import telnyx'"
  fi
fi
# ---- (f) the console at 50,000 -------------------------------------------------

# in_tmux ARGS...: tmux on a private server of this run's own
in_tmux() { tmux -L "confmod-bench-$$" "$@"; }

if [[ $SECTIONS == *f* ]]; then
  say ""
  say "(f) the console on a conference of 50,000 (50 ms a request, no churn), in a 120x40 terminal"
  if ! command -v tmux >/dev/null; then
    row "" - - - "skipped: tmux is not installed"
  else
    start_sim --participants 50000 --latency-ms 50
    row "" "first table" "peak RSS" "CPU idle" "API requests while idle"
    t0=$EPOCHREALTIME
    in_tmux new-session -d -s console -x 120 -y 40 \
      env TERM=tmux-256color XDG_STATE_HOME="$XDG_STATE_HOME" TELNYX_BASE_URL="$BASE" TELNYX_API_KEY="$KEY" \
      "$BIN" --conference "$CONF"
    pid=$(in_tmux display-message -p -t console '#{pane_pid}')
    shown=""
    for ((i = 0; i < 3000; i++)); do
      if in_tmux capture-pane -p -t console | grep -q 'row 1 / 50,000'; then shown=1; break; fi
      read -r -t 0.01 <> <(:) || true
    done
    first=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
    if [[ -z $shown ]]; then
      in_tmux kill-server 2>/dev/null || true
      die "the console showed no table of 50,000 within 30 s"
    fi
    # idle: 60 s with nothing typed; CPU from /proc (utime + stime of every thread)
    ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
    stats; r0=$REQUESTS; c0=$(ticks); s0=$EPOCHREALTIME
    read -r -t 60 <> <(:) || true
    stats; r1=$REQUESTS; c1=$(ticks); s1=$EPOCHREALTIME
    hz=$(getconf CLK_TCK)
    cpu=$(awk -v c=$((c1 - c0)) -v hz="$hz" -v a="$s0" -v b="$s1" 'BEGIN { printf "%.1f%%", c / hz / (b - a) * 100 }')
    rate=$(awk -v n=$((r1 - r0)) -v a="$s0" -v b="$s1" 'BEGIN { printf "%.1f/s", n / (b - a) }')
    hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status")
    row "confmod --conference" "${first}s" "$((hwm / 1024)) MiB" "$cpu" "$rate (goals: 1.5 s, 100 MiB, 5%, bounded)"
    in_tmux kill-server 2>/dev/null || true
    stop_sim
  fi
fi

say ""
