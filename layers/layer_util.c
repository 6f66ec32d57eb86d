/* layer_util.c — parameter naming and argument checks shared by the layers. */
#include <stdarg.h>
#include <string.h>
#include "layers_private.h"

tg_status tg__check_prefix(const char *fn, const char *prefix) {
    if (!prefix) return tg__error(TG_ERR_ARG, "%s: prefix is NULL", fn);
    size_t n = strlen(prefix);
    if (n < 1 || n > TG__PREFIX_MAX)
        return tg__error(TG_ERR_ARG, "%s: prefix '%s' must have 1..%d characters, has %zu", fn,
                         prefix, TG__PREFIX_MAX, n);
    return TG_OK;
}

tg_tensor *tg__layer_param(const char *fn, const char *prefix, int rank, const int *shape,
                           const char *suffix_fmt, ...) {
    char name[sizeof ((tg_tensor *)0)->name];
    char suffix[sizeof name];
    va_list ap;
    va_start(ap, suffix_fmt);
    int ns = vsnprintf(suffix, sizeof suffix, suffix_fmt, ap);
    va_end(ap);
    int n = snprintf(name, sizeof name, "%s%s", prefix, suffix);
    if (ns < 0 || n < 0 || (size_t)n >= sizeof name) {
        tg__error(TG_ERR_ARG, "%s: parameter name '%s%s' is longer than %zu characters", fn,
                  prefix, suffix, sizeof name - 1);
        return NULL;
    }
    tg_tensor *p = tg_param_new(name, rank, shape);
    if (!p) {
        char why[256];
        snprintf(why, sizeof why, "%s", tg_last_error());
        tg__error(tg_last_status() != TG_OK ? tg_last_status() : TG_ERR_NOMEM,
                  "%s: cannot make parameter '%s': %s", fn, name, why);
    }
    return p;
}

bool tg__arg_ok(tg_tape *t, const char *fn, const char *layer, const char *arg,
                const tg_tensor *x) {
    if (tg_tape_status(t) != TG_OK) return false;
    if (!x) {
        tg_tape_fail(t, TG_ERR_ARG, "%s: '%s': %s is NULL", fn, layer, arg);
        return false;
    }
    if (!tg__tensor_live(t, x)) { /* said here, naming the layer, not by a primitive */
        tg_tape_fail(t, TG_ERR_STATE,
                     "%s: '%s': %s belongs to another tape or to a step before the last tg_tape_reset",
                     fn, layer, arg);
        return false;
    }
    return true;
}

bool tg__tape_ok(tg_tape *t, const char *fn) {
    if (!t) {
        tg__error(TG_ERR_ARG, "%s: tape is NULL", fn);
        return false;
    }
    return tg_tape_status(t) == TG_OK;
}
