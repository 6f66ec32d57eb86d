#!/bin/sh
# public_static.sh — the installed static library: every object of IN.a linked into
# one relocatable object in which only the public API (tg_ + a letter, the pattern of
# tapegrad.map) stays global; every tg__* internal becomes local, as in the shared
# library. Run by the build (meson.build) for `meson install`.
# Usage: public_static.sh AR LD OBJCOPY IN.a OUT.a
set -eu
ar=$1 ld=$2 objcopy=$3 in=$4 out=$5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$ld" -r -o "$tmp/tapegrad.o" --whole-archive "$in" --no-whole-archive
"$objcopy" --wildcard --keep-global-symbol='tg_[a-z0-9]*' "$tmp/tapegrad.o"
rm -f "$out"
"$ar" rcs "$out" "$tmp/tapegrad.o"
