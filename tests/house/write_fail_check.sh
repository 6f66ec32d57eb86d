#!/bin/sh
# write_fail_check.sh — a program whose output cannot be written says so and fails:
# each program that writes a chart is given a path in a folder that does not exist,
# and must exit with a non-zero status and print the path and the reason
# ("No such file or directory") on stderr. The real-data programs run --quick and
# count as skipped without their data package (exit 77).
# Usage: write_fail_check.sh BUILD_DIR
set -u
ex=$1/examples
[ -d "$ex" ] || { echo "examples not built"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nowhere=/nonexistent-tapegrad-dir
passed=0
failed=0
skipped=0
check() { # path that must be named, program, args...
    want=$1
    shift
    (cd "$tmp" && "$@" >/dev/null 2>"$tmp/err")
    rc=$?
    if [ $rc -eq 77 ]; then
        skipped=$((skipped + 1))
        echo "skip $(basename "$1") (data not installed)"
    elif [ $rc -ne 0 ] && grep -q "$want.*No such file or directory" "$tmp/err"; then
        passed=$((passed + 1))
        echo "ok $(basename "$1"): exit $rc, $(head -n 1 "$tmp/err")"
    else
        failed=$((failed + 1))
        echo "FAIL $*: exit $rc, stderr: $(head -n 3 "$tmp/err")"
    fi
}
check $nowhere/c.svg "$ex/xor" $nowhere/c.svg
check $nowhere/c.svg "$ex/optimizers" $nowhere/c.svg
check $nowhere/c.svg "$ex/lecture_08_bptt" $nowhere/c.svg
check $nowhere/c.svg "$ex/lecture_09_activations" $nowhere/c.svg
check $nowhere/d.svg "$ex/lecture_09_activations" "$tmp/v.svg" $nowhere/d.svg
check $nowhere/c.svg "$ex/lecture_10_fd_eps" $nowhere/c.svg
check $nowhere/s_loss.svg "$ex/sine" $nowhere/s
check $nowhere/c.svg "$ex/forecast" --quick --svg $nowhere/c.svg
check $nowhere/p.svg "$ex/forecast" --quick --pred-svg $nowhere/p.svg
check $nowhere/c.svg "$ex/fashion_mnist" --quick --svg $nowhere/c.svg
check $nowhere/c.svg "$ex/charlm" --quick --svg $nowhere/c.svg
check $nowhere/c.svg "$ex/chartransformer" --quick --svg $nowhere/c.svg
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
