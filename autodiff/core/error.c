/* error.c — status names and the per-thread last error (like errno / dlerror). */
#include <stdio.h>
#include <string.h>
#include <tg/core.h>

static _Thread_local tg_status last_status;
static _Thread_local char last_msg[512];

static const char *const status_names[TG_STATUS_COUNT] = {
    [TG_OK] = "TG_OK",
    [TG_ERR_ARG] = "TG_ERR_ARG",
    [TG_ERR_SHAPE] = "TG_ERR_SHAPE",
    [TG_ERR_RANGE] = "TG_ERR_RANGE",
    [TG_ERR_VALUE] = "TG_ERR_VALUE",
    [TG_ERR_NOMEM] = "TG_ERR_NOMEM",
    [TG_ERR_STATE] = "TG_ERR_STATE",
    [TG_ERR_IO] = "TG_ERR_IO",
    [TG_ERR_FORMAT] = "TG_ERR_FORMAT",
};
_Static_assert(sizeof status_names / sizeof status_names[0] == TG_STATUS_COUNT,
               "every status has a name");

const char *tg_status_name(tg_status s) {
    if ((unsigned)s >= TG_STATUS_COUNT) return "TG_ERR_UNKNOWN";
    return status_names[s];
}

const char *tg_last_error(void) { return last_msg; }
tg_status tg_last_status(void) { return last_status; }
void tg_clear_error(void) {
    last_status = TG_OK;
    last_msg[0] = '\0';
}

/* Formats into a local buffer first: an argument may be tg_last_error() itself
 * (tg_tape_fail(t, st, "%s", tg_last_error()) passes the message on), and vsnprintf
 * must not read the buffer it writes. */
tg_status tg__verror(tg_status s, const char *fmt, va_list ap) {
    char msg[sizeof last_msg];
    vsnprintf(msg, sizeof msg, fmt, ap);
    last_status = s;
    memcpy(last_msg, msg, sizeof msg);
    return s;
}

tg_status tg__error(tg_status s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    tg__verror(s, fmt, ap);
    va_end(ap);
    return s;
}
