/* bad_tg_threads.c — the bad-input rows of <tapegrad/tg_threads.h>: every function it declares,
 * called with the mistakes a caller makes (bad_input.h). */
#include <stdlib.h>
#include <unistd.h>
#include "bad_input.h"

int main(int argc, char **argv) {
    fx *f;
    out *o;
    bad_begin(argc, argv);

    f = row(&o, "tg_set_num_threads", "n 0");
    {
        int before = tg_get_num_threads();
        tg_status st = tg_set_num_threads(0);
        on_status(o, st);
        if (tg_get_num_threads() != before) o->bad = "the setting changed";
    }
    expect(f, TG_ERR_VALUE, "tg_set_num_threads: n must be in 1..64, got 0");

    f = row(&o, "tg_set_num_threads", "n 65");
    on_status(o, tg_set_num_threads(TG_MAX_THREADS + 1));
    expect(f, TG_ERR_VALUE, "tg_set_num_threads: n must be in 1..64, got 65");

    f = row(&o, "tg_get_num_threads", "no arguments");
    {
        int n = tg_get_num_threads();
        tg_clear_error();
        on_value(o, n >= 1 && n <= TG_MAX_THREADS, "1..TG_MAX_THREADS");
    }
    expect(f, TG_OK, "");

    f = row(&o, "tg_num_threads_env", "TG_NUM_THREADS=2abc: ignored, and said so");
    {
        char cpus[16];
        snprintf(cpus, sizeof cpus, "%ld", sysconf(_SC_NPROCESSORS_ONLN) > 64 ? 64L : sysconf(_SC_NPROCESSORS_ONLN));
        setenv("TG_NUM_THREADS", "2abc", 1);
        on_status(o, tg_num_threads_env());
        unsetenv("TG_NUM_THREADS");
        char want[200];
        snprintf(want, sizeof want, "tg_num_threads_env: TG_NUM_THREADS is '2abc' (must be an integer in 1..64); it is ignored and the processor count (%s) is used", cpus);
        expect(f, TG_ERR_VALUE, want);
    }

    return bad_done("autodiff/kernels/include/tapegrad/tg_threads.h");
}
