#!/bin/sh
# mixed_link_check.sh — the float and the double build in one prefix, and a program
# compiled for one type linked with the library of the other:
#   1. both builds install into the same prefix without overwriting each other's
#      library, .pc or tg_config.h (libtapegrad + tapegrad.pc, libtapegrad-double +
#      tapegrad-double.pc);
#   2. a program compiled with each .pc's Cflags links with its own library and runs;
#   3. compiled with one type's Cflags and linked with the other's library, it must
#      FAIL TO LINK, naming the missing tg_real_is_<type> (tg_config.h), for the
#      shared and the static library alike; it never gets to run and crash.
# Usage: mixed_link_check.sh SOURCE_ROOT BUILD_DIR float|double (the type is not used:
# both are built).
set -eu
src=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"
fail() { echo "FAIL: $*"; echo "0 passed, 1 failed"; exit 1; }
command -v pkg-config >/dev/null 2>&1 || fail "pkg-config is not installed"

for real in float double; do
    meson setup "$tmp/b-$real" "$src" --prefix "$prefix" --libdir lib -Dreal=$real \
        -Dtests=disabled -Dexamples=disabled -Dbenchmarks=disabled >"$tmp/setup.log" 2>&1 ||
        { cat "$tmp/setup.log"; fail "meson setup -Dreal=$real"; }
    ninja -C "$tmp/b-$real" >"$tmp/build.log" 2>&1 || { tail -n 30 "$tmp/build.log"; fail "ninja ($real)"; }
    meson install -C "$tmp/b-$real" --quiet >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; fail "meson install ($real)"; }
done
lib="$prefix/lib"
for f in libtapegrad.so.0 libtapegrad-double.so.0 libtapegrad.a libtapegrad-double.a \
         pkgconfig/tapegrad.pc pkgconfig/tapegrad-double.pc; do
    [ -e "$lib/$f" ] || fail "$f is missing after installing both builds"
done
grep -q 'TG_REAL_IS_DOUBLE 0' "$prefix/include/tapegrad-float/tapegrad/tg_config.h" &&
    grep -q 'TG_REAL_IS_DOUBLE 1' "$prefix/include/tapegrad-double/tapegrad/tg_config.h" ||
    fail "the two tg_config.h are not both there"
echo "one prefix: libtapegrad.so.0, libtapegrad-double.so.0 and both .pc files"

cat >"$tmp/prog.c" <<'C'
#include <stdio.h>
#include <tapegrad/tapegrad.h>
int main(void) {
    tg_tensor *x = tg_param_new("x", 1, (int[]){4});
    if (!x) return 1;
    for (int i = 0; i < 4; i++) x->data[i] = (tg_real)(i + 1);
    tg_tape *t = tg_tape_new();
    tg_tensor *y = tg_sum(t, tg_mul(t, x, x)); /* dy/dx_i = 2 x_i */
    int ok = tg_backward(t, y, NULL) == TG_OK && x->grad[3] == 8;
    printf("%s program: dy/dx_3 = %g\n", TG_REAL_NAME, (double)x->grad[3]);
    tg_tape_free(t);
    tg_tensor_free(x);
    return ok ? 0 : 1;
}
C
export PKG_CONFIG_PATH="$lib/pkgconfig"
cc=${CC:-cc}
for mine in tapegrad tapegrad-double; do
    other=tapegrad-double
    [ "$mine" = tapegrad-double ] && other=tapegrad
    # shellcheck disable=SC2046
    $cc -std=c11 -c -o "$tmp/prog.o" "$tmp/prog.c" $(pkg-config --cflags "$mine") || fail "compile with $mine's Cflags"
    $cc -o "$tmp/ok" "$tmp/prog.o" -L"$lib" -l"$mine" -lm -pthread || fail "$mine's program does not link with lib$mine"
    LD_LIBRARY_PATH="$lib" "$tmp/ok" || fail "$mine's program fails with lib$mine"
    for kind in shared static; do
        if [ $kind = shared ]; then with="-L$lib -l$other"; else with="$lib/lib$other.a"; fi
        # shellcheck disable=SC2086
        if $cc -o "$tmp/mixed" "$tmp/prog.o" $with -lm -pthread 2>"$tmp/link.log"; then
            fail "a program compiled for $mine links with lib$other ($kind)"
        fi
        want=tg_real_is_float
        [ "$mine" = tapegrad-double ] && want=tg_real_is_double
        grep -q "undefined reference to .$want" "$tmp/link.log" ||
            { cat "$tmp/link.log"; fail "the failed link does not name $want"; }
        echo "compiled for $mine, linked with lib$other ($kind): fails as it should:" \
             "$(grep -m 1 -o "undefined reference to .$want." "$tmp/link.log")"
    done
done
echo "1 passed, 0 failed"
