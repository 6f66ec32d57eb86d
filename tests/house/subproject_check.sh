#!/bin/sh
# subproject_check.sh — tapegrad as a Meson subproject of a tiny outside project, as
# the README sets it up (its .wrap example in subprojects/, dependency('tapegrad')):
#   - the outside project configures, builds and passes its own `meson test`;
#   - none of our tests, examples or benchmarks is built or registered there: its test
#     list is exactly its one test, and it builds no target of ours but the library;
#   - the dependency exposes the public headers only (<tapegrad/tapegrad.h> compiles,
#     <tg/core.h> is not found);
#   - its `meson install` installs nothing of ours, and with install=enabled it does.
# Usage: subproject_check.sh SOURCE_ROOT BUILD_DIR float|double
set -eu
src=$1
real=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; echo "0 passed, 1 failed"; exit 1; }

proj="$tmp/outside"
mkdir -p "$proj/subprojects"
# A copy of the sources without build folders, as a wrap would unpack them.
mkdir "$proj/subprojects/tapegrad"
tar -C "$src" --exclude=./.git --exclude='./build*' -cf - . | tar -C "$proj/subprojects/tapegrad" -xf -
name=tapegrad
[ "$real" = double ] && name=tapegrad-double
# The README's .wrap, as it is (the folder is there already, so nothing is fetched).
awk '/subprojects\/tapegrad\.wrap/ { seen = 1 } seen && /^```ini/ { on = 1; next }
     on && /^```/ { exit } on' "$src/README.md" >"$proj/subprojects/tapegrad.wrap"
grep -q '^\[provide\]' "$proj/subprojects/tapegrad.wrap" || fail "no .wrap example with [provide] in README.md"
cat >"$proj/meson.build" <<EOF
project('outside', 'c', default_options : ['c_std=c11', 'warning_level=2', 'werror=true',
                                           'tapegrad:real=$real'])
tg = dependency('$name')
# Not built by default: the check builds it and expects <tg/core.h> to be missing.
executable('leak', 'leak.c', dependencies : tg, build_by_default : false)
test('outside', executable('outside', 'outside.c', dependencies : tg, install : true))
EOF
cat >"$proj/outside.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include <tapegrad/tapegrad.h>
int main(void) {
    tg_tensor *x = tg_param_new("x", 0, NULL);
    x->data[0] = 3;
    tg_tape *t = tg_tape_new();
    tg_tensor *y = tg_mul(t, x, x); /* d(x^2)/dx = 6 at x = 3 */
    int ok = tg_backward(t, y, NULL) == TG_OK && x->grad[0] == 6 &&
             strcmp(tg_version(), TG_VERSION_STRING) == 0;
    printf("outside: d(x^2)/dx at 3 = %g, tapegrad %s, tg_real %s\n", (double)x->grad[0],
           tg_version(), TG_REAL_NAME);
    tg_tape_free(t);
    tg_tensor_free(x);
    return ok ? 0 : 1;
}
EOF
printf '#include <tg/core.h>\nint main(void) { return 0; }\n' >"$proj/leak.c"

b="$tmp/b"
meson setup "$b" "$proj" --prefix "$tmp/prefix" >"$tmp/setup.log" 2>&1 || { cat "$tmp/setup.log"; fail "meson setup of the outside project"; }
ninja -C "$b" >"$tmp/build.log" 2>&1 || { tail -n 30 "$tmp/build.log"; fail "the outside project does not build"; }
if ninja -C "$b" leak >"$tmp/leak.log" 2>&1; then fail "the dependency exposes the internal <tg/core.h>"; fi
grep -q 'tg/core.h: No such file' "$tmp/leak.log" || { cat "$tmp/leak.log"; fail "leak.c failed for another reason"; }
tests=$(meson test -C "$b" --list 2>/dev/null | grep -v '^ninja' || true)
[ "$tests" = "outside" ] || fail "the outside project's tests are not just its own: $(echo "$tests" | wc -l) tests ($(echo "$tests" | head -n 3 | tr '\n' ' ')...)"
ours=$(find "$b/subprojects" -type f -perm -u+x ! -name '*.so*' ! -name '*.sh' | head -n 5)
[ -z "$ours" ] || fail "the subproject built programs: $ours"
meson test -C "$b" --no-rebuild >"$tmp/test.log" 2>&1 || { cat "$tmp/test.log"; fail "the outside project's meson test fails"; }
grep -q '^Ok: *1' "$tmp/test.log" || { cat "$tmp/test.log"; fail "the outside test did not pass"; }
meson install -C "$b" --no-rebuild --destdir "$tmp/dest" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; fail "meson install"; }
extra=$(find "$tmp/dest" -type f ! -name outside)
[ -z "$extra" ] || fail "the parent's install installed our files: $(echo "$extra" | head -n 3)"
echo "subproject: 1 test (the parent's own), no program of ours built, nothing of ours installed"

# The parent asks for the install.
meson configure "$b" -Dtapegrad:install=enabled >/dev/null || fail "meson configure -Dtapegrad:install=enabled"
meson install -C "$b" --destdir "$tmp/dest2" >"$tmp/install2.log" 2>&1 || { cat "$tmp/install2.log"; fail "meson install with install=enabled"; }
find "$tmp/dest2" -name "$name.pc" | grep -q . || fail "install=enabled did not install $name.pc"
echo "subproject with install=enabled: $name.pc and the library installed"
echo "1 passed, 0 failed"
