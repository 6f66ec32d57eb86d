#!/bin/sh
# tsan.sh — the test suite under ThreadSanitizer (data races between the library's
# worker threads, and between application threads each running their own tapes).
#
#   sh scripts/tsan.sh [BUILD_DIR] [TEST...]     (default: build-tsan/, every test)
#
# Builds the double configuration with -Db_sanitize=thread and runs `meson test`
# (the install check is left out: its outside program is not instrumented). Any race
# report fails the test that triggered it (halt_on_error). TG_NUM_THREADS=2 unless
# set, so the worker pool is used on machines of any size. CI does not run this.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-build-tsan}
[ $# -gt 0 ] && shift
if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" "$src" >/dev/null
else
    meson setup "$dir" "$src" -Dreal=double -Db_sanitize=thread -Db_lundef=false \
        -Dbuildtype=debugoptimized >/dev/null
fi
ninja -C "$dir" >/dev/null
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1${TSAN_OPTIONS:+:$TSAN_OPTIONS}"
export TG_NUM_THREADS="${TG_NUM_THREADS:-2}"
# shellcheck disable=SC2068
meson test -C "$dir" --no-suite install --print-errorlogs --timeout-multiplier 5 $@
