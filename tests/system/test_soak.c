/* test_soak.c — the soak benchmark's LSTM loop (benchmarks/soak_lstm.h) for 10,000
 * steps: after the first step the allocation counters stay exactly flat (no malloc at
 * all, nothing live added), the tape's arena keeps its size, every step succeeds and
 * the model learns (the loss of the last 100 steps is below that of the first 100).
 * benchmarks/soak.c runs the same loop for a million steps and watches the resident
 * memory.
 */
#include "check.h"
#include "benchmarks/soak_lstm.h"

int main(void) {
    size_t live_start = tg_alloc_live();
    soak s;
    CHECK(soak_init(&s, 7) == TG_OK, "init: %s", tg_last_error());
    if (check_failed) return check_done();
    tg_status st = soak_step(&s);
    CHECK(st == TG_OK, "first step: %s", tg_tape_message(s.tape));
    size_t count = tg_alloc_count(), live = tg_alloc_live(), arena = tg_tape_arena_bytes(s.tape);
    double first = 0, last = 0;
    int failures = 0;
    for (int i = 1; i < 10000; i++) {
        if (soak_step(&s) != TG_OK && failures++ == 0)
            printf("step %d: %s\n", i + 1, tg_tape_message(s.tape));
        if (i < 100) first += s.loss;
        if (i >= 9900) last += s.loss;
        /* checked every step, so a single allocation anywhere is caught at its step */
        if (tg_alloc_count() != count || tg_alloc_live() != live) {
            CHECK(0, "step %d allocated: count %zu -> %zu, live %zu -> %zu", i + 1, count,
                  tg_alloc_count(), live, tg_alloc_live());
            count = tg_alloc_count();
            live = tg_alloc_live();
        }
    }
    CHECK(failures == 0, "%d steps failed", failures);
    CHECK(s.step == 10000, "%ld steps taken", s.step);
    CHECK(tg_tape_arena_bytes(s.tape) == arena, "arena %zu -> %zu bytes", arena,
          tg_tape_arena_bytes(s.tape));
    printf("10,000 steps: %zu allocations after the first step; arena %zu bytes; loss %.4f (first 100) -> %.4f (last 100)\n",
           tg_alloc_count() - count, arena, first / 99, last / 100);
    CHECK(last / 100 < first / 99 / 2, "the loop learns: loss %g -> %g", first / 99, last / 100);
    soak_free(&s);
    CHECK(tg_alloc_live() == live_start, "%zu allocations live after freeing", tg_alloc_live() - live_start);
    return check_done();
}
