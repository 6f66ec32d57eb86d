#!/bin/sh
# check_house.sh — the house rules that the compiler cannot check, over the source tree.
# The build enforces the layering of the rooms (each room's library sees only the
# include folders of the rooms below it); this script closes the ways around it and
# checks what is not about includes:
#   1. library sources include only system headers, <tapegrad/...>, <tg/...> and
#      headers of their own folder (no "../x.h", no path into another room);
#   2. layers/ computes no derivative: it never touches ->grad, defines no tg_op,
#      applies nothing (tg_apply) and runs no sweep (tg_backward);
#   3. optim/ never reaches the tape;
#   4. every allocation goes through the counted allocator (core/alloc.c);
#   5. the library never ends its caller's process (abort, exit);
#   6. the bad-input matrix has a program for every public header;
#   7. files stay readable: library files <= 600 lines, test files <= 800;
#   8. comments say what and why: no issue numbers in code or build files, and the
#      repository never points at the folder the lecture notes live in, nor at their
#      file names (users have neither: the notes are named in words).
# Usage: check_house.sh SOURCE_ROOT. Prints each breach and "N passed, N failed".
set -u
root=${1:-.}
cd "$root" || exit 1
passed=0
failed=0
rule() { # name, offending lines (empty: passed)
    if [ -z "$2" ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        printf 'FAIL %s:\n%s\n' "$1" "$2"
    fi
}
lib_src=$(find autodiff layers optim data -name '*.c' -o -name '*.h' | sort)
[ -n "$lib_src" ] || { echo "no library sources under $root"; echo "0 passed, 1 failed"; exit 1; }

# 1. includes
bad=$(grep -nE '^[[:space:]]*#[[:space:]]*include' $lib_src |
      grep -vE '#[[:space:]]*include[[:space:]]*(<[a-z0-9_/]+\.h>|"[A-Za-z0-9_]+\.h")' )
bad2=$(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<[a-z0-9_]+/' $lib_src |
       grep -vE '<(tapegrad|tg|sys)/')
rule "library includes are <system.h>, <tapegrad/...>, <tg/...> or a header of the same folder" "$bad$bad2"

# 2. layers hold no derivative
bad=$(grep -nE -- '->grad\b|\btg_op\b|\btg_apply\b|\btg_backward\b|\btg_tape_set_trace\b|TG_OPF_' \
      $(find layers -name '*.c') | grep -vE ':[0-9]+:[[:space:]]*(/?\*|//)')
rule "layers/ computes no derivative (->grad, tg_op, tg_apply, tg_backward)" "$bad"

# 3. optim never reaches the tape
bad=$(grep -nE '\btg_tape|\btg_apply\b|\btg_backward\b|tg_tape\.h|tg/tape\.h' $(find optim -name '*.c' -o -name '*.h') |
      grep -vE ':[0-9]+:[[:space:]]*(/?\*|//)')
rule "optim/ never reaches the tape" "$bad"

# 4. the counted allocator
bad=$(grep -nE '\b(malloc|calloc|realloc|free|strdup|strndup|aligned_alloc|posix_memalign)[[:space:]]*\(' $lib_src |
      grep -v '^autodiff/core/alloc.c:' | grep -vE ':[0-9]+:[[:space:]]*(/?\*|//)')
rule "every allocation goes through tg__malloc / tg__realloc (core/alloc.c)" "$bad"

# 5. no abort or exit
bad=$(grep -nE '\b(abort|exit|_Exit|quick_exit)[[:space:]]*\(' $lib_src | grep -vE ':[0-9]+:[[:space:]]*(/?\*|//)')
rule "the library never calls abort or exit" "$bad"

# 6. the bad-input matrix covers every public header that declares a function: a
#    program tests/<room>/bad_<header>.c names it to bad_done (which then fails if one
#    of the header's functions has no row)
bad=$(for h in $(find autodiff layers optim data -path '*/include/tapegrad/tg_*.h' | sort); do
          sed 's|/\*.*\*/||' "$h" | grep -qE '^[^*#]*\btg_[a-z0-9_]+[[:space:]]*\(' || continue
          grep -lqs "bad_done(\"$h\")" tests/*/bad_*.c || echo "$h: no tests/*/bad_$(basename "$h" .h).c names it"
      done)
rule "every public header has a bad-input program" "$bad"

# 7. file sizes
big=$(for f in $lib_src; do n=$(wc -l <"$f"); [ "$n" -gt 600 ] && echo "$f: $n lines"; done)
rule "library files have at most 600 lines" "$big"
big=$(for f in $(find tests -name '*.c' -o -name '*.h'); do n=$(wc -l <"$f"); [ "$n" -gt 800 ] && echo "$f: $n lines"; done)
rule "test files have at most 800 lines" "$big"

# 8. comments
bad=$(grep -rnEi '\bissues?\b[[:space:]]*#?[0-9]|\(issue[[:space:]]|issue:' --include='*.c' --include='*.h' \
      --include='meson.build' --include='*.sh' --include='*.py' \
      autodiff layers optim data examples tests benchmarks fuzz scripts doc include meson.build |
      grep -v '^tests/house/check_house\.sh:')
rule "no issue numbers in code, build or script files (history goes in commit messages)" "$bad"
# (The pattern is spelt so that this file does not match itself.)
bad=$(grep -rnE '\.\./sha[r]ed|sha[r]ed/seeds|seeds/[0-9]|\b00[0-4]_[0-9a-f…]' --exclude-dir=.git --exclude-dir='build*' . |
      grep -v '^\./tests/house/check_house\.sh:')
rule "the repository never points at the lecture notes' folder or file names" "$bad"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
