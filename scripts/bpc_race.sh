#!/bin/sh
# bpc_race.sh — charlm's LSTM against chartransformer at the same training wall time:
# both programs, with their default settings, get the same --seconds budget and run
# back to back on the same machine (same thread count), then their held-out bits per
# character are printed side by side.
#
#   sh scripts/bpc_race.sh [BUILD_DIR] [SECONDS] [THREADS] [FILE]
#     BUILD_DIR  a build with the examples (default build/)
#     SECONDS    the training-time budget of each program (default 120)
#     THREADS    TG_NUM_THREADS of both runs (default 1)
#     FILE       the text (default: the programs' own, GPL-3)
# BPC_RACE_ARGS (environment): more options for both programs, e.g. --quick (the
# test suite's smoke run: sh scripts/bpc_race.sh BUILD 1 1 with BPC_RACE_ARGS=--quick).
#
# The budget counts training steps only (train_util.h, --seconds): the per-epoch
# held-out evaluation, checkpoints and sampling are not charged. A program whose
# epochs all end within the budget stops there (charlm's 12 epochs overfit past that).
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
[ -n "$file" ] && file=$(cd "$(dirname "$file")" && pwd)/$(basename "$file")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for prog in charlm chartransformer; do
    exe=$(cd "$build/examples" 2>/dev/null && pwd)/$prog
    if [ ! -x "$exe" ]; then
        echo "bpc_race: $build/examples/$prog is not built" >&2
        exit 1
    fi
    echo "# $(date -u '+%Y-%m-%d %H:%M:%S') $prog --seconds $seconds, TG_NUM_THREADS=$threads, load $(cut -d' ' -f1-3 /proc/loadavg)"
    # shellcheck disable=SC2086
    (cd "$tmp" && TG_NUM_THREADS=$threads "$exe" --seconds "$seconds" --sample 200 \
        --svg "$tmp/$prog.svg" ${BPC_RACE_ARGS:-} $file) >"$tmp/$prog.out" 2>&1 || status=1
    grep -v '^epoch [0-9]*/[0-9]*  step' "$tmp/$prog.out"
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
