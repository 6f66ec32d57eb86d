#!/bin/sh
# install_check.sh — packaging test: `meson install` into a temporary directory, then
# compile and run a small outside program against the installed headers and library
# with the flags from the installed tapegrad.pc. Uses pkg-config when the machine has
# it; otherwise reads the .pc file itself (a fresh Debian machine has no pkg-config).
# Usage: install_check.sh BUILD_DIR
set -eu
build=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dest="$tmp/dest"
meson install -C "$build" --destdir "$dest" --no-rebuild --quiet >"$tmp/install.log" 2>&1 || {
    cat "$tmp/install.log"; echo "0 passed, 1 failed"; exit 1; }
pc=$(find "$dest" -name tapegrad.pc | head -n 1)
[ -n "$pc" ] || { echo "FAIL: tapegrad.pc was not installed"; echo "0 passed, 1 failed"; exit 1; }

if command -v pkg-config >/dev/null 2>&1; then
    how="pkg-config"
    export PKG_CONFIG_PATH="$(dirname "$pc")" PKG_CONFIG_SYSROOT_DIR="$dest"
    cflags=$(pkg-config --cflags tapegrad)
    libs=$(pkg-config --libs tapegrad)
else
    how="the .pc file read directly (no pkg-config on this machine)"
    # Expand ${var} references line by line, with every path under $dest.
    resolve() {
        awk -v dest="$dest" -v want="$1" '
            /^[A-Za-z_]+=/ { k = substr($0, 1, index($0, "=") - 1); v = substr($0, index($0, "=") + 1);
                             while (match(v, /\$\{[A-Za-z_]+\}/)) v = substr(v, 1, RSTART - 1) vars[substr(v, RSTART + 2, RLENGTH - 3)] substr(v, RSTART + RLENGTH);
                             if (k == "prefix") v = dest v; vars[k] = v; next }
            $0 ~ "^" want ":" { v = substr($0, length(want) + 2);
                             while (match(v, /\$\{[A-Za-z_]+\}/)) v = substr(v, 1, RSTART - 1) vars[substr(v, RSTART + 2, RLENGTH - 3)] substr(v, RSTART + RLENGTH);
                             print v }' "$pc"
    }
    cflags=$(resolve Cflags)
    libs=$(resolve Libs)
fi

cat >"$tmp/outside.c" <<'C'
#include <stdio.h>
#include <tapegrad.h>
int main(void) {
    tg_tensor *x = tg_param_new("x", 0, NULL);
    x->data[0] = 3;
    tg_tape *t = tg_tape_new();
    tg_tensor *y = tg_mul(t, x, x);          /* y = x^2, dy/dx = 6 at x = 3 */
    int ok = tg_backward(t, y, NULL) == TG_OK && x->grad[0] == 6;
    printf("outside program: d(x^2)/dx at 3 = %g (tg_real is %s)\n", (double)x->grad[0], TG_REAL_NAME);
    tg_tape_free(t);
    tg_tensor_free(x);
    return ok ? 0 : 1;
}
C
cc=${CC:-cc}
libdir=$(dirname "$(find "$dest" -name 'libtapegrad.so' | head -n 1)")
# shellcheck disable=SC2086
if $cc -std=c11 -o "$tmp/outside" "$tmp/outside.c" $cflags $libs -lm -pthread 2>"$tmp/cc.log" &&
   LD_LIBRARY_PATH="$libdir" "$tmp/outside"; then
    echo "compiled against the installed library via $how"
    echo "1 passed, 0 failed"
else
    cat "$tmp/cc.log"
    echo "cflags: $cflags"; echo "libs: $libs"
    echo "0 passed, 1 failed"
    exit 1
fi
