#!/bin/sh
# coverage.sh — line and branch coverage of the library by the test suite, per folder
# and per file, with gcovr (Debian package gcovr). CI does not run this.
#
#   sh scripts/coverage.sh [BUILD_ROOT]        (default: build-coverage/)
#   REPORT_ONLY=1 sh scripts/coverage.sh ROOT  (the report again, without re-running)
#
# Builds the double and the float configuration with -Db_coverage=true (unoptimised,
# so lines map to code), runs `meson test` in both (every test and example), and
# merges the two: code under `#if TG_REAL_IS_DOUBLE` / `#else` is compiled in only
# one of them. Prints a table per folder (autodiff, layers, optim, data), then the
# per-file tables; the full HTML report is $BUILD_ROOT/coverage.html.
# Exit status 1 if autodiff/ is below 95% of lines (the project's bar).
set -euf # no globbing: the gcovr patterns below are regular expressions
src=$(cd "$(dirname "$0")/.." && pwd)
root=${1:-build-coverage}
mkdir -p "$root"
root=$(cd "$root" && pwd)
command -v gcovr >/dev/null || { echo "coverage.sh: gcovr is not installed (apt-get install gcovr)"; exit 2; }

# REPORT_ONLY=1: skip building and testing, report the counts already in BUILD_ROOT.
for real in double float; do
    [ "${REPORT_ONLY:-0}" = 1 ] && break
    dir="$root/$real"
    if [ -f "$dir/build.ninja" ]; then
        meson setup --reconfigure "$dir" "$src" >/dev/null
    else
        meson setup "$dir" "$src" -Dreal=$real -Db_coverage=true -Dbuildtype=debug >/dev/null
    fi
    find "$dir" -name "*.gcda" -delete # counts of earlier runs
    ninja -C "$dir" >/dev/null
    echo "=== meson test ($real)"
    meson test -C "$dir" --no-suite install --timeout-multiplier 3 2>&1 | grep -E "^(Ok|Fail|Timeout|Skipped):" || true
done

# Library sources only (not tests/, examples/, benchmarks/, fuzz/).
filters="--filter $src/autodiff/ --filter $src/layers/ --filter $src/optim/ --filter $src/data/"
for real in double float; do
    # shellcheck disable=SC2086
    gcovr -r "$src" $filters --json "$root/$real.json" "$root/$real" >/dev/null
    # gcovr 5 refuses to merge a file whose functions sit on other lines in the other
    # build (kernels defined under #if TG_REAL_IS_DOUBLE): lines and branches are all
    # this report needs, so the per-function records are dropped before merging.
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
for f in d["files"]: f["functions"] = []
json.dump(d, open(sys.argv[1], "w"))' "$root/$real.json"
done
merged="--add-tracefile $root/double.json --add-tracefile $root/float.json"
# shellcheck disable=SC2086
gcovr -r "$src" $merged --txt "$root/lines.txt" --html-details "$root/coverage.html" >/dev/null
# shellcheck disable=SC2086
gcovr -r "$src" $merged -b --txt "$root/branches.txt" >/dev/null

# gcovr's text tables: "file  total  covered  percent  missing"; sum per folder.
per_folder() { # file with the table
    awk 'NF >= 4 && $1 ~ /^(autodiff|layers|optim|data)\// && $2 ~ /^[0-9]+$/ {
            split($1, p, "/"); t[p[1]] += $2; c[p[1]] += $3; T += $2; C += $3 }
         END { n = split("autodiff layers optim data", order, " ")
               for (i = 1; i <= n; i++) { f = order[i]
                   if (t[f]) printf "%-10s %7d %7d %6.1f%%\n", f, t[f], c[f], 100 * c[f] / t[f] }
               printf "%-10s %7d %7d %6.1f%%\n", "total", T, C, T ? 100 * C / T : 0 }' "$1"
}
echo
echo "=== lines per folder"
printf "%-10s %7s %7s %7s\n" folder lines covered cover
per_folder "$root/lines.txt" | tee "$root/lines_per_folder.txt"
echo
echo "=== branches per folder"
printf "%-10s %7s %7s %7s\n" folder branch taken cover
per_folder "$root/branches.txt"
echo
echo "=== lines per file (uncovered line numbers in the last column)"
grep -E "^(autodiff|layers|optim|data)/" "$root/lines.txt" || true
echo
echo "HTML report: $root/coverage.html"
pct=$(awk '$1 == "autodiff" { print $4 }' "$root/lines_per_folder.txt" | tr -d '%')
awk -v p="${pct:-0}" 'BEGIN { exit !(p >= 95) }' || { echo "autodiff/ lines below 95%: $pct%"; exit 1; }
