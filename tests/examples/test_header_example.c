/* test_header_example.c — runs the example from tapegrad.h's opening comment
 * (extracted at build time into header_example.c) and checks it leaves no
 * allocation behind. */
#include "check.h"

int header_example(void);

int main(void) {
    size_t live = tg_alloc_live();
    CHECK(header_example() == 0, "the header example runs");
    CHECK(tg_alloc_live() == live, "the header example frees everything (%zu live before, %zu after)",
          live, tg_alloc_live());
    return check_done();
}
