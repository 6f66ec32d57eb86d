/* fd.c — the central difference both checks use (tg_gradcheck re-runs the caller's
 * function, tg_handcheck replays the recorded forward kernels). */
#include <math.h>
#include "inspect_private.h"

tg_status tg__central_diff(tg_real *x, double eps, tg__eval_fn eval, void *ctx, double *d) {
    tg_real x0 = *x;
    double fp = NAN, fm = NAN;
    *x = (tg_real)(x0 + eps);
    double hi = (double)*x;
    tg_status st = eval(ctx, &fp);
    *x = (tg_real)(x0 - eps);
    double lo = (double)*x;
    if (st == TG_OK) st = eval(ctx, &fm);
    *x = x0;
    /* Divided by the step actually taken: in float, x0 +- eps rounds. */
    *d = hi != lo ? (fp - fm) / (hi - lo) : NAN;
    return st;
}
