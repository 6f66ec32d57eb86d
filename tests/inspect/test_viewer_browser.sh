#!/bin/sh
# test_viewer_browser.sh — the sweep viewer (tg_tape_html) in a real browser: Debian's
# chromium, headless. The page of the lecture notes' neuron (lecture_01_neuron --html)
# must load without a console message or script error; "page.html#step=N" presses the
# page's "step" button N times, and after N = the number of nodes the page says it is
# at the last node the sweep visits (title "sweep 6/6 n0", data-step, data-node); one
# more press stays there; a screenshot is taken and its pixel size printed.
# Usage: test_viewer_browser.sh LECTURE_01_NEURON. Exit 77 (meson: SKIP) without
# chromium; never passes silently.
set -u
prog=$1
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
    echo "SKIP: chromium is not installed (Debian package chromium; .ci/run installs it)"
    exit 77
fi
dir=$(mktemp -d /tmp/tg_browser.XXXXXX) || exit 1
trap 'rm -rf "$dir"' EXIT
failed=0
fail() { echo "FAIL $*"; failed=$((failed + 1)); }

"$prog" --html "$dir/neuron.html" || { echo "FAIL lecture_01_neuron --html"; exit 1; }
steps=$(grep -c '^{n:' "$dir/neuron.html")
[ "$steps" = 6 ] || fail "the neuron's page has $steps steps, expected 6 (one per node)"

# chromium with a fresh profile; console messages go to stderr (--enable-logging).
run() { # url, extra arguments...; stdout: the DOM; stderr into $dir/log
    url=$1
    shift
    profile=$(mktemp -d "$dir/profile.XXXXXX")
    timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
        --no-first-run --user-data-dir="$profile" --enable-logging=stderr --v=0 "$@" "$url" \
        2>>"$dir/log"
}
url="file://$dir/neuron.html"

dom=$(run "$url#step=$steps" --dump-dom) || fail "chromium --dump-dom failed"
echo "$dom" | grep -q "<title>sweep $steps/$steps n0</title>" ||
    fail "after $steps presses the title is not 'sweep $steps/$steps n0': $(echo "$dom" | grep -o '<title>[^<]*</title>' | head -1)"
echo "$dom" | grep -q "data-step=\"$steps\" data-node=\"n0\"" || fail "body's data-step/data-node"
echo "$dom" | grep -q '<body[^>]*data-errors' && fail "the page counted script errors"
echo "$dom" | grep -q 'dL/dw += dL/dn0 \* dn0/dw = -0.05288 \* 2 = -0.1058' ||
    fail "the last step's contribution line is not shown"
echo "$dom" | grep -q 'grad -0.1058' || fail "w's running gradient is not shown"

dom=$(run "$url#step=$((steps + 1))" --dump-dom) || fail "chromium --dump-dom failed"
echo "$dom" | grep -q "<title>sweep $steps/$steps n0</title>" || fail "one press more leaves the last node"
dom=$(run "$url#step=2" --dump-dom) || fail "chromium --dump-dom failed"
echo "$dom" | grep -q "<title>sweep 2/$steps n4</title>" || fail "after 2 presses the page is not at n4"

run "$url#step=3" --screenshot="$dir/neuron.png" --window-size=1300,480 --hide-scrollbars > /dev/null ||
    fail "chromium --screenshot failed"
if [ -s "$dir/neuron.png" ]; then
    # PNG: width and height are the big-endian 32-bit words at bytes 16 and 20.
    size=$(od -An -tu1 -j16 -N8 "$dir/neuron.png" |
           awk '{printf "%dx%d", $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8}')
    echo "screenshot of the neuron's page at step 3: $size px"
    cp "$dir/neuron.png" ./viewer_neuron.png 2>/dev/null || true
    [ "$size" = "1300x480" ] || fail "screenshot is $size px"
else
    fail "no screenshot"
fi

if grep -q ':CONSOLE' "$dir/log"; then
    fail "console messages:"
    grep ':CONSOLE' "$dir/log"
fi
[ "$failed" = 0 ] && echo "the sweep viewer works in $("$browser" --version 2>/dev/null | head -1)"
echo "$((failed == 0)) passed, $failed failed"
[ "$failed" = 0 ]
