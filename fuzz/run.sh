#!/bin/sh
# run.sh — builds the libFuzzer harnesses with clang and runs each for a while.
#
#   sh fuzz/run.sh [SECONDS] [TARGET...]      (default: 600 seconds, every target)
#   targets: checkpoint idx csv text idx_gz
#
# Each harness (fuzz/fuzz_<target>.c, the checks in fuzz/fuzz_targets.h) is compiled
# with -fsanitize=fuzzer,address,undefined together with the library sources it needs
# (float build). A target fuzzes from its committed corpus fuzz/corpus/<target>/ (or
# from the seeds of make_seeds.c when that is empty) into a working folder, then the
# working folder is minimised back into fuzz/corpus/<target>/ with -merge=1, so the
# committed corpus only grows by inputs that reach new code. tests/io/test_fuzz_replay.c
# replays that corpus in every CI build.
#
# Findings (crash-*, leak-*, timeout-*, oom-*) are written to $FUZZ_OUT/artifacts/;
# the script prints them and exits 1 if there are any. The log of each run is
# $FUZZ_OUT/<target>.log (executions: "stat::number_of_executed_units").
# Needs clang with libFuzzer (Debian: clang and libclang-rt-<version>-dev). CI does not
# run this script; it only replays the corpus.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-600}
[ $# -gt 0 ] && shift
targets=${*:-checkpoint idx csv text idx_gz}
out=${FUZZ_OUT:-/tmp/tapegrad-fuzz}
CC=${CC:-clang}
# Inputs larger than this are not tried (keeps the corpus small; the formats' logic
# is all reachable in a few hundred bytes).
max_len=${FUZZ_MAX_LEN:-2048}
mkdir -p "$out/artifacts" "$out/work"
mkdir -p "$out/tapegrad"
printf '#define TG_REAL_IS_DOUBLE 0\n' >"$out/tapegrad/tg_config.h"

# The readers and what they stand on: the core, io and data rooms (the harnesses call
# nothing else), with the include folders those rooms are built with.
libsrc=$(cd "$src" && find autodiff/core autodiff/io data -name '*.c' | sort)
incs="-I$out"
for d in $(cd "$src" && find autodiff layers optim data -type d \( -name include -o -name internal \) | sort); do
    incs="$incs -I$src/$d"
done
cflags="-std=c11 -g -O1 -D_POSIX_C_SOURCE=200809L -Wall -Wextra $incs -I$src"
lib=""
for f in $libsrc; do lib="$lib $src/$f"; done

# shellcheck disable=SC2086
$CC $cflags $lib "$src/fuzz/make_seeds.c" -lm -o "$out/make_seeds"
"$out/make_seeds" "$out/seeds"

for t in $targets; do
    echo "=== building fuzz_$t"
    # shellcheck disable=SC2086
    $CC $cflags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        "$src/fuzz/fuzz_$t.c" $lib -lm -o "$out/fuzz_$t"
done

status=0
for t in $targets; do
    corpus="$src/fuzz/corpus/$t"
    work="$out/work/$t"
    mkdir -p "$corpus" "$work"
    cp "$out/seeds/$t"/* "$work"/ 2>/dev/null || true
    echo "=== fuzzing $t for $secs s (log $out/$t.log)"
    # A finding stops the run; the exit status is then non-zero.
    "$out/fuzz_$t" -max_total_time="$secs" -max_len="$max_len" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$out/artifacts/$t-" \
        "$work" "$corpus" >"$out/$t.log" 2>&1 || status=1
    grep -E "^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)" \
        "$out/$t.log" | sed "s/^/$t: /" || true
    # Minimise: keep only inputs that add coverage, in a fresh folder that replaces
    # the committed corpus.
    rm -rf "$out/min-$t"
    mkdir -p "$out/min-$t"
    "$out/fuzz_$t" -merge=1 -max_len="$max_len" -timeout=10 "$out/min-$t" "$corpus" "$work" \
        >"$out/$t.merge.log" 2>&1 || { echo "$t: merge failed (see $out/$t.merge.log)"; status=1; continue; }
    rm -f "$corpus"/*
    cp "$out/min-$t"/* "$corpus"/
    echo "$t: corpus $(ls "$corpus" | wc -l) files, $(du -sk "$corpus" | cut -f1) KiB"
done

if ls "$out/artifacts"/* >/dev/null 2>&1; then
    echo "FINDINGS:"
    ls -l "$out/artifacts"
    status=1
fi
exit $status
