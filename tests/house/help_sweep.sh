#!/bin/sh
# help_sweep.sh — every program the build made in examples/ and benchmarks/ behaves as
# a Unix tool (examples/cli.h). The programs are found, not listed: any executable
# file in those two build folders is swept, so a new program is covered the day it
# is added, and one that does not use the shared parser fails here. Each program, in
# an empty temporary directory:
#   --help             exit 0, "usage: <name>" on stdout, nothing on stderr, no file made
#   -h                 the same text as --help
#   --version          exit 0, one line naming the program and tapegrad's version
#   --no-such-option   exit 2, "usage:" on stderr, no file made
# A program that ignores the option would start its real work: each run is stopped
# after 20 seconds, which counts as a failure.
# Usage: help_sweep.sh BUILD_DIR
set -u
build=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
bad() { echo "FAIL $name: $*"; ok=0; }

progs=$(find "$build/examples" "$build/benchmarks" -maxdepth 1 -type f -perm -u+x 2>/dev/null | sort)
if [ -z "$progs" ]; then
    echo "no programs built in $build/examples or $build/benchmarks (examples and benchmarks off)"
    exit 77
fi
run() { # program, args...: runs in a fresh empty directory; sets rc, out, err, files
    d="$tmp/run"
    rm -rf "$d"
    mkdir "$d"
    prog=$1
    shift
    (cd "$d" && exec timeout 20 "$prog" "$@" >"$tmp/out" 2>"$tmp/err")
    rc=$?
    files=$(ls -A "$d")
}
for p in $progs; do
    name=$(basename "$p")
    ok=1
    run "$p" --help
    [ "$rc" -eq 0 ] || bad "--help: exit status $rc, not 0"
    grep -q "^usage: $name" "$tmp/out" || bad "--help: no 'usage: $name' on stdout"
    [ -s "$tmp/err" ] && bad "--help: wrote to stderr: $(head -n 2 "$tmp/err")"
    [ -z "$files" ] || bad "--help: created $files"
    cp "$tmp/out" "$tmp/help"
    run "$p" -h
    cmp -s "$tmp/out" "$tmp/help" || bad "-h differs from --help"
    run "$p" --version
    [ "$rc" -eq 0 ] || bad "--version: exit status $rc, not 0"
    grep -q "^$name (tapegrad [0-9]*\.[0-9]*\.[0-9]*" "$tmp/out" || bad "--version: printed '$(head -n 1 "$tmp/out")'"
    [ -z "$files" ] || bad "--version: created $files"
    run "$p" --no-such-option
    [ "$rc" -eq 2 ] || bad "--no-such-option: exit status $rc, not 2"
    grep -q "^usage: $name" "$tmp/err" || bad "--no-such-option: no usage on stderr"
    [ -s "$tmp/out" ] && bad "--no-such-option: wrote to stdout"
    [ -z "$files" ] || bad "--no-such-option: created $files"
    if [ $ok -eq 1 ]; then
        passed=$((passed + 1))
        echo "ok $name"
    else
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
