#!/bin/sh
# bpc_race.sh — charlm's LSTM against chartransformer at the same training time, both
# with their default settings, one after the other on the same machine (same thread
# count); their held-out bits per character are printed side by side.
#
#   sh scripts/bpc_race.sh [BUILD_DIR] [SECONDS] [THREADS] [FILE]
#     BUILD_DIR  a build with the examples (default build/)
#     SECONDS    charlm's training-time budget (default 120: more than its 12 epochs
#                take, so it trains to its natural end)
#     THREADS    TG_NUM_THREADS of both runs (default 1)
#     FILE       the text (default: the programs' own, GPL-3)
# Environment:
#   BPC_RACE_ARGS   more options for both programs, e.g. --quick (the test suite's
#                   smoke run: sh scripts/bpc_race.sh BUILD 1 1 with BPC_RACE_ARGS=--quick)
#   BPC_RACE_CLOCK  wall (default) or cpu: time the training steps by the process's CPU
#                   time instead (train_util.h, TU_CLOCK). On a machine that other jobs
#                   load, wall time says more about the load than about the programs;
#                   with 1 thread the CPU time is the fairer clock there. A quiet machine
#                   and the wall clock give the figure to quote.
#
# How the time is made equal: charlm runs first, to the end of its epochs or of the
# SECONDS budget, whichever comes first; its measured training time (the steps alone,
# train_util.h --seconds: no evaluation, no checkpoint, no sampling) then becomes
# chartransformer's --seconds budget. The Transformer stops after the step that
# reaches it (its learning-rate schedule ends there too), so both figures belong to
# the same training time: the one the LSTM needs for its full default run.
# Output: each program's epoch lines and, at the end,
#   RACE charlm <bpc> <train seconds> <steps>
#   RACE chartransformer <bpc> <train seconds> <steps>
#   RACE winner <program>
# Exit status 0 when both ran (whoever wins), 1 when one failed.
set -u
build=${1:-build}
seconds=${2:-120}
threads=${3:-1}
file=${4:-}
clock=${BPC_RACE_CLOCK:-wall}
case $clock in
    wall | cpu) ;;
    *) echo "bpc_race: BPC_RACE_CLOCK must be wall or cpu, got '$clock'" >&2; exit 1 ;;
esac
[ -n "$file" ] && file=$(cd "$(dirname "$file")" && pwd)/$(basename "$file")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
budget=$seconds
for prog in charlm chartransformer; do
    exe=$(cd "$build/examples" 2>/dev/null && pwd)/$prog
    if [ ! -x "$exe" ]; then
        echo "bpc_race: $build/examples/$prog is not built" >&2
        exit 1
    fi
    echo "# $(date -u '+%Y-%m-%d %H:%M:%S') $prog --seconds $budget ($clock clock), TG_NUM_THREADS=$threads, load $(cut -d' ' -f1-3 /proc/loadavg)"
    # shellcheck disable=SC2086
    (cd "$tmp" && TU_CLOCK=$clock TG_NUM_THREADS=$threads "$exe" --seconds "$budget" \
        --sample 200 --svg "$tmp/$prog.svg" ${BPC_RACE_ARGS:-} $file) >"$tmp/$prog.out" 2>&1 ||
        status=1
    grep -v '^epoch [0-9]*/[0-9]*  step' "$tmp/$prog.out"
    if [ "$prog" = charlm ]; then
        # The RESULT line rounds to 0.1 s, well inside the spread of repeated runs; a
        # run shorter than 0.05 s (--quick) gives 0.05, not 0 (which means no limit).
        budget=$(sed -n 's/^RESULT charlm .* train_seconds=\([^ ]*\) .*$/\1/p' "$tmp/$prog.out" |
            awk '{ print ($1 < 0.05 ? 0.05 : $1) }')
        if [ -z "$budget" ]; then
            echo "bpc_race: charlm printed no RESULT line" >&2
            exit 1
        fi
    fi
done
echo
for prog in charlm chartransformer; do
    sed -n "s/^RESULT $prog heldout_bpc=\([^ ]*\) train_seconds=\([^ ]*\) steps=\([^ ]*\)$/RACE $prog \1 \2 \3/p" "$tmp/$prog.out"
done | tee "$tmp/race"
awk '{ bpc[$2] = $3 } END {
    if (!("charlm" in bpc) || !("chartransformer" in bpc)) exit 1
    print "RACE winner " (bpc["chartransformer"] < bpc["charlm"] ? "chartransformer" : "charlm")
}' "$tmp/race" || status=1
exit $status
