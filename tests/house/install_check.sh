#!/bin/sh
# install_check.sh — the install, end to end, as the README tells a user to do it:
#   1. `meson install` of this build into a temporary prefix;
#   2. what was installed: the versioned shared library (lib<name>.so.0 -> .so.X.Y.Z,
#      soname .so.0), <name>.pc stating its tg_real, the headers as <tapegrad/...>, no
#      internal header, and libraries (shared and static) whose global symbols are the
#      public API only (no tg__* symbol) and which hold no test hook at all;
#   3. the README's program, cut out of README.md, compiled with
#      `cc prog.c $(pkg-config --cflags --libs <name>)` and run with the
#      LD_LIBRARY_PATH step the README gives; it must print "w = 2.000, b = 1.000";
#   4. the same program with `#include <tapegrad.h>` (the older spelling) and a check
#      that tg_version() and TG_VERSION_STRING agree.
# <name> is tapegrad for the float build, tapegrad-double for the double one.
# Usage: install_check.sh SOURCE_ROOT BUILD_DIR float|double
set -eu
src=$1
build=$2
real=$3
name=tapegrad
[ "$real" = double ] && name=tapegrad-double
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"
fail() { echo "FAIL: $*"; echo "0 passed, 1 failed"; exit 1; }

command -v pkg-config >/dev/null 2>&1 || fail "pkg-config is not installed (apt-get install pkg-config)"
# A fresh configuration of the same sources with the prefix set, so that the .pc
# file's paths are the ones a user gets (a --destdir install would keep the build's).
meson setup "$tmp/build" "$src" --prefix "$prefix" --libdir lib -Dreal="$real" \
    -Dtests=disabled -Dexamples=disabled -Dbenchmarks=disabled >"$tmp/setup.log" 2>&1 ||
    { cat "$tmp/setup.log"; fail "meson setup"; }
ninja -C "$tmp/build" >"$tmp/build.log" 2>&1 || { tail -n 30 "$tmp/build.log"; fail "ninja"; }
meson install -C "$tmp/build" --quiet >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; fail "meson install"; }

lib="$prefix/lib"
pc="$lib/pkgconfig/$name.pc"
[ -f "$pc" ] || fail "$name.pc was not installed"
grep -q "^real=$real\$" "$pc" || fail "$name.pc does not say real=$real"
grep -q "^Description:.*tg_real is $real" "$pc" || fail "$name.pc's description does not name tg_real"
[ -L "$lib/lib$name.so" ] && [ -L "$lib/lib$name.so.0" ] || fail "lib$name.so and lib$name.so.0 are not links"
ls "$lib/lib$name.so.0."* >/dev/null 2>&1 || fail "no lib$name.so.0.X.Y"
soname=$(readelf -d "$lib/lib$name.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = "lib$name.so.0" ] || fail "soname is '$soname', not lib$name.so.0"
for h in tapegrad.h tapegrad/tapegrad.h tapegrad/tg_core.h tapegrad/tg_ops.h "tapegrad-$real/tapegrad/tg_config.h"; do
    [ -f "$prefix/include/$h" ] || fail "include/$h was not installed"
done
leaked=$(find "$prefix/include" -name 'gemm.h' -o -name 'vmath.h' -o -name 'core.h' -o -name '*_private.h')
[ -z "$leaked" ] || fail "internal headers installed: $leaked"
exported=$(nm -D --defined-only "$lib/lib$name.so" | awk '$2 ~ /^[TDBR]$/ { print $3 }')
[ -n "$exported" ] || fail "lib$name.so exports nothing"
bad=$(echo "$exported" | grep -v '^tg_[a-z0-9]' || true)
[ -z "$bad" ] || fail "lib$name.so exports more than the public API: $(echo "$bad" | head -n 5 | tr '\n' ' ')"
[ -f "$lib/lib$name.a" ] || fail "lib$name.a was not installed"
sbad=$(nm -g --defined-only "$lib/lib$name.a" | awk 'NF == 3 { print $3 }' | grep -v '^tg_[a-z0-9]' || true)
[ -z "$sbad" ] || fail "lib$name.a has global symbols beyond the public API: $(echo "$sbad" | head -n 5 | tr '\n' ' ')"
hooks=$( (nm "$lib/lib$name.a"; nm -D "$lib/lib$name.so") | grep -E 'fail_after|fail_start_after|threads_started' || true)
[ -z "$hooks" ] || fail "a test hook is in the installed libraries: $hooks"
echo "installed: lib$name.so.0 ($(echo "$exported" | wc -l) public symbols, no tg__*), $name.pc (real=$real)"

# The README's program, built exactly as the README says.
awk '/^## A program that trains something/ { seen = 1 } seen && /^```c/ { on = 1; next }
     on && /^```/ { exit } on' "$src/README.md" >"$tmp/prog.c"
[ -s "$tmp/prog.c" ] || fail "no program under '## A program that trains something' in README.md"
export PKG_CONFIG_PATH="$lib/pkgconfig"
cc=${CC:-cc}
# shellcheck disable=SC2046
$cc -std=c11 -Wall -Wextra -Werror -o "$tmp/prog" "$tmp/prog.c" $(pkg-config --cflags --libs "$name") \
    2>"$tmp/cc.log" || { cat "$tmp/cc.log"; fail "the README's program does not compile with pkg-config --cflags --libs $name"; }
out=$(LD_LIBRARY_PATH="$lib" "$tmp/prog") || fail "the README's program exited with $?"
echo "README program: $out"
[ "$out" = "w = 2.000, b = 1.000" ] || fail "the README's program printed '$out'"

# The older spelling, and the version: header and library agree.
cat >"$tmp/version.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <tapegrad.h>
int main(void) {
    printf("%s %d.%d.%d %s\n", tg_version(), TG_VERSION_MAJOR, TG_VERSION_MINOR, TG_VERSION_PATCH, TG_REAL_NAME);
    return strcmp(tg_version(), TG_VERSION_STRING) != 0;
}
C
# shellcheck disable=SC2046
$cc -std=c11 -Wall -Wextra -Werror -o "$tmp/version" "$tmp/version.c" $(pkg-config --cflags --libs "$name") \
    2>"$tmp/cc.log" || { cat "$tmp/cc.log"; fail "<tapegrad.h> does not compile"; }
v=$(LD_LIBRARY_PATH="$lib" "$tmp/version") || fail "tg_version() differs from TG_VERSION_STRING"
echo "version: $v"
[ "$v" = "$(pkg-config --modversion "$name") $(pkg-config --modversion "$name") $real" ] ||
    fail "tg_version/TG_VERSION_* '$v' disagree with the .pc's version $(pkg-config --modversion "$name")"
echo "1 passed, 0 failed"
