/* soak.c — a small LSTM trained for a long time (soak_lstm.h), printing the process's
 * resident memory every so many steps: it must stay flat, because after the first
 * step a training loop allocates nothing (the tape's arena is reused).
 *
 *   usage: soak [STEPS] [EVERY]        (default 1000000 steps, a report every 100000)
 *
 * Each report line:
 *   SOAK step <n> rss_kib <resident KiB> live_allocs <n> allocs <n> loss <x> steps_per_s <x>
 * (rss from /proc/self/statm; live_allocs and allocs from tg_alloc_live/tg_alloc_count).
 * The last line says whether the resident memory and the allocation counters stayed
 * flat from the first report on; the exit status is 1 if they did not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "benchmarks/soak_lstm.h"
#include "examples/cli.h"

static long rss_kib(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, res = 0;
    if (!f) return -1;
    if (fscanf(f, "%ld %ld", &size, &res) != 2) res = -1;
    fclose(f);
    return res < 0 ? -1 : res * (sysconf(_SC_PAGESIZE) / 1024);
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
    const char *pos[2] = {NULL, NULL};
    cli c = {"soak", "[STEPS [EVERY]]",
             "Trains a small LSTM for STEPS steps (default 1000000), printing resident memory\n"
             "and the allocation counters every EVERY steps (default 100000); exit status 1\n"
             "if they did not stay flat.\n",
             cli_no_options, 2, pos, 0, false};
    int rc = cli_parse(&c, argc, argv);
    if (rc != CLI_RUN) return rc;
    long steps = 1000000, every = 100000;
    char *end = NULL;
    if (pos[0] && ((steps = strtol(pos[0], &end, 10)) < 1 || *end))
        return cli_error(&c, "STEPS: '%s' is not a positive integer", pos[0]);
    if (pos[1] && ((every = strtol(pos[1], &end, 10)) < 1 || *end))
        return cli_error(&c, "EVERY: '%s' is not a positive integer", pos[1]);
    soak s;
    if (soak_init(&s, 2024) != TG_OK) {
        fprintf(stderr, "soak: %s\n", tg_last_error());
        return 1;
    }
    if (soak_step(&s) != TG_OK) {
        fprintf(stderr, "soak: first step: %s\n", tg_tape_message(s.tape));
        return 1;
    }
    long rss0 = rss_kib(), rss_max = rss0;
    size_t live0 = tg_alloc_live(), count0 = tg_alloc_count();
    printf("SOAK step 1 rss_kib %ld live_allocs %zu allocs %zu loss %.6f (after the first step)\n",
           rss0, live0, count0, s.loss);
    fflush(stdout);
    double t0 = now(), tl = t0;
    long last = 1;
    bool flat = true;
    while (s.step < steps) {
        if (soak_step(&s) != TG_OK) {
            fprintf(stderr, "soak: step %ld: %s\n", s.step + 1, tg_tape_message(s.tape));
            soak_free(&s);
            return 1;
        }
        if (s.step % every == 0 || s.step == steps) {
            double tn = now();
            long r = rss_kib();
            if (r > rss_max) rss_max = r;
            size_t live = tg_alloc_live(), count = tg_alloc_count();
            flat = flat && live == live0 && count == count0;
            printf("SOAK step %ld rss_kib %ld live_allocs %zu allocs %zu loss %.6f steps_per_s %.0f\n",
                   s.step, r, live, count, s.loss, (double)(s.step - last) / (tn - tl));
            fflush(stdout);
            tl = tn;
            last = s.step;
        }
    }
    double el = now() - t0;
    printf("SOAK done: %ld steps in %.1f s (%.0f steps/s); rss %ld -> max %ld KiB (+%ld); "
           "allocations after the first step: %zu; %s\n",
           s.step, el, (double)(s.step - 1) / el, rss0, rss_max, rss_max - rss0,
           tg_alloc_count() - count0, flat ? "flat" : "NOT FLAT");
    soak_free(&s);
    return flat ? 0 : 1;
}
