#!/bin/sh
# test_viewer_browser.sh — the sweep viewer (tg_tape_html) in a real browser: Debian's
# chromium, headless. The page of the lecture notes' neuron (lecture_01_neuron --html)
# must load without a console message or script error; "page.html#step=N" presses the
# page's "step" button N times, and after N = the number of nodes the page says it is
# at the last node the sweep visits (title "sweep 6/6 n0", data-step, data-node); one
# more press stays there; a screenshot is taken and its pixel size printed.
# Then the same for the second derivative of the neuron (second_order --html: the
# recorded sweep in its own band, 13 steps to d2L/dw2 = 0.2524), the op
# tg_gradcheck_locate names drawn in red (tutorial_pictures --wrong), and the
# 569-node LSTM's page (tutorial_pictures --big: under 4,000 px wide, every step).
# Usage: test_viewer_browser.sh LECTURE_01_NEURON SECOND_ORDER TUTORIAL_PICTURES.
# Exit 77 (meson: SKIP) without chromium; never passes silently.
set -u
prog=$1
second=${2:-}
pictures=${3:-}
if [ -z "$second" ] || [ -z "$pictures" ]; then
    echo "FAIL usage: $0 LECTURE_01_NEURON SECOND_ORDER TUTORIAL_PICTURES"
    exit 1
fi
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
    echo "SKIP: chromium is not installed (Debian package chromium; .ci/run installs it)"
    exit 77
fi
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
prog=$(abs "$prog")
second=$(abs "$second")
pictures=$(abs "$pictures")
dir=$(mktemp -d /tmp/tg_browser.XXXXXX) || exit 1
trap 'rm -rf "$dir"' EXIT
failed=0
fail() { echo "FAIL $*"; failed=$((failed + 1)); }

"$prog" --html "$dir/neuron.html" || { echo "FAIL lecture_01_neuron --html"; exit 1; }
steps=$(grep -c '^{n:' "$dir/neuron.html")
[ "$steps" = 6 ] || fail "the neuron's page has $steps steps, expected 6 (one per node)"

"$second" --html "$dir/second.html" > /dev/null || { echo "FAIL second_order --html"; exit 1; }
(cd "$dir" && "$pictures" --wrong > /dev/null && "$pictures" --big > /dev/null) ||
    { echo "FAIL tutorial_pictures --wrong / --big"; exit 1; }

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

# PNG: width and height are the big-endian 32-bit words at bytes 16 and 20.
png_size() {
    od -An -tu1 -j16 -N8 "$1" |
        awk '{printf "%dx%d", $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8}'
}
shot() { # page, hash, png, size
    run "file://$dir/$1#$2" --screenshot="$dir/$3" --window-size="$4" --hide-scrollbars > /dev/null ||
        fail "chromium --screenshot of $1 failed"
    if [ -s "$dir/$3" ]; then
        echo "screenshot of $1 at #$2: $(png_size "$dir/$3") px"
        [ "$(png_size "$dir/$3")" = "$(echo "$4" | tr , x)" ] || fail "screenshot of $1 is $(png_size "$dir/$3") px"
    else
        fail "no screenshot of $1"
    fi
}

# The second derivative: 13 steps, the recorded sweep in its own band.
steps2=$(grep -c '^{n:' "$dir/second.html")
[ "$steps2" = 13 ] || fail "the second-order page has $steps2 steps, expected 13"
dom=$(run "file://$dir/second.html#step=$steps2" --dump-dom) || fail "chromium --dump-dom failed"
echo "$dom" | grep -q "<title>sweep $steps2/$steps2 n0</title>" || fail "second order: not at n0 after $steps2 steps"
echo "$dom" | grep -q '<body[^>]*data-errors' && fail "the second-order page counted script errors"
echo "$dom" | grep -q 'dg/dw += dg/dwx \* dwx/dw = 0.1262 \* 2 = 0.2524' || fail "second order: the last line"
echo "$dom" | grep -q 'grad 0.2524' || fail "second order: w's running gradient is not d2L/dw2"
echo "$dom" | grep -q '<g class="band rec">' || fail "second order: no band for the recorded sweep"
dom=$(run "file://$dir/second.html#step=1" --dump-dom) || fail "chromium --dump-dom failed"
echo "$dom" | grep -q 'class="it op rec[a-z ]* cur"' || fail "second order: step 1 does not highlight a recorded node"
shot second.html step=5 second.png 1300,600

# The wrong op: red, and its step says so.
dom=$(run "file://$dir/wrong.html#step=4" --dump-dom) || fail "chromium --dump-dom failed"
echo "$dom" | grep -q '<title>sweep 4/5 n1</title>' || fail "wrong op: step 4 is not at n1"
echo "$dom" | grep -q 'class="it op wrong[a-z ]* cur"' || fail "wrong op: n1 is not marked and current"
echo "$dom" | grep -q 'h = my_tanh(a)  &lt;-- WRONG derivative (tg_gradcheck_locate: input 0)' ||
    fail "wrong op: the step does not say it is wrong"
echo "$dom" | grep -q '<body[^>]*data-errors' && fail "the wrong-op page counted script errors"
shot wrong.html step=4 wrong.png 1000,400

# The 569-node LSTM: every step, the drawing under 4,000 px, fit to the window.
steps3=$(grep -c '^{n:' "$dir/lstm.html")
dom=$(run "file://$dir/lstm.html#step=$steps3&fit" --dump-dom) || fail "chromium --dump-dom failed"
echo "$dom" | grep -q "<title>sweep $steps3/$steps3 " || fail "lstm: not at the last of $steps3 steps"
echo "$dom" | grep -q '<body[^>]*data-errors' && fail "the lstm page counted script errors"
w=$(echo "$dom" | grep -o 'data-w="[0-9]*"' | head -1 | tr -dc 0-9)
[ -n "$w" ] && [ "$w" -le 4000 ] || fail "lstm: the drawing is ${w:-?} px wide"
echo "lstm page: $steps3 steps, drawing $w px wide"
echo "$dom" | grep -q 'data-zoom="0\.[0-9]*"' || fail "lstm: fit width did not zoom out"
shot "lstm.html" "step=300" lstm.png 1400,900

if grep -q ':CONSOLE' "$dir/log"; then
    fail "console messages:"
    grep ':CONSOLE' "$dir/log"
fi
[ "$failed" = 0 ] && echo "the sweep viewer works in $("$browser" --version 2>/dev/null | head -1)"
for f in second wrong lstm; do cp "$dir/$f.png" "./viewer_$f.png" 2>/dev/null || true; done
echo "$((failed == 0)) passed, $failed failed"
[ "$failed" = 0 ]
