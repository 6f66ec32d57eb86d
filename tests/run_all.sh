#!/bin/sh
# run_all.sh — the whole test suite, as CI runs it: three builds (float, double, and
# double with AddressSanitizer + UndefinedBehaviorSanitizer), warnings as errors, then
# `meson test` in each. Prints every build's summary and, last, one line
# "N passed, N failed, N skipped" counting test programs over all builds (a program
# skips when what it needs is not installed, such as a data package). Exit 0 only if
# none failed.
# Usage: sh tests/run_all.sh [BUILD_ROOT]   (default: build-all/)
set -u
root=${1:-build-all}
src=$(cd "$(dirname "$0")/.." && pwd)
passed=0
failed=0
skipped=0

run_build() { # name, test args, meson setup options...
    name=$1; targs=$2; shift 2
    dir="$root/$name"
    echo "=== build '$name': meson setup $*"
    if [ -f "$dir/build.ninja" ]; then
        meson setup --reconfigure "$dir" "$src" "$@" >"$dir.setup.log" 2>&1
    else
        mkdir -p "$root"
        meson setup "$dir" "$src" "$@" >"$dir.setup.log" 2>&1
    fi || { cat "$dir.setup.log"; failed=$((failed + 1)); return; }
    if ! ninja -C "$dir" >"$dir.build.log" 2>&1; then
        grep -E "error|warning" "$dir.build.log" | head -40
        echo "build '$name' FAILED to compile"
        failed=$((failed + 1))
        return
    fi
    # shellcheck disable=SC2086
    meson test -C "$dir" --print-errorlogs $targs >"$dir.test.log" 2>&1
    grep -E "^ *[0-9]+/[0-9]+ |^(Ok|Fail|Expected Fail|Unexpected Pass|Skipped|Timeout):" "$dir.test.log"
    ok=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$dir.test.log" | tail -n 1)
    skip=$(sed -n 's/^Skipped: *\([0-9]*\).*/\1/p' "$dir.test.log" | tail -n 1)
    bad=0
    for k in Fail "Unexpected Pass" Timeout; do
        n=$(sed -n "s/^$k: *\([0-9]*\).*/\1/p" "$dir.test.log" | tail -n 1)
        bad=$((bad + ${n:-0}))
    done
    if [ -z "$ok" ]; then
        tail -n 40 "$dir.test.log"
        bad=$((bad + 1))
        ok=0
    elif [ "$bad" -gt 0 ]; then
        grep -B 5 -A 40 "FAIL" "$dir.test.log" | head -150
    fi
    echo "build '$name': $ok passed, $bad failed, ${skip:-0} skipped"
    passed=$((passed + ok))
    failed=$((failed + bad))
    skipped=$((skipped + ${skip:-0}))
}

export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
# The library reports a failed malloc as TG_ERR_NOMEM; tests provoke one with a
# huge tensor, which ASan would otherwise treat as a fatal error.
export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1"
run_build float "" -Dreal=float -Dwerror=true
run_build double "" -Dreal=double -Dwerror=true
# The outside program of install_check is not built with the sanitizers, so that
# one test is left to the two plain builds.
run_build sanitize "--no-suite install" -Dreal=double -Dwerror=true \
    -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
