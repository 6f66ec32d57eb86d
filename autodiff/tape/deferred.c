/* deferred.c — the list of products handed to the end of tg_backward's sweep
 * (tg/deferred.h). One list per thread: the sweep that collects, and its entries in
 * the order they were handed over. */
#include <tg/deferred.h>
#include "tape_private.h"

static _Thread_local struct {
    const tg_tape *t; /* the collecting sweep's tape, NULL when none collects */
    uint64_t epoch;   /* its epoch then: entries die with a reset */
    tg__deferred *first, *last;
} list;

bool tg__defer_begin(tg_tape *t) {
    if (list.t || t->trace || t->anomaly) return false;
    list.t = t;
    list.epoch = t->epoch;
    list.first = list.last = NULL;
    return true;
}

bool tg__defer(const tg_tape *t, tg__deferred *e) {
    if (!t || list.t != t) return false;
    e->next = e->same = NULL;
    e->done = false;
    if (list.last) list.last->next = e;
    else list.first = e;
    list.last = e;
    return true;
}

/* Chains every entry from e on with e's key and run into e's group (->same), marks
 * them done. The number of groups is the number of weights, so a pass per group. */
static void gather(tg__deferred *e) {
    tg__deferred *tail = e;
    e->done = true;
    for (tg__deferred *o = e->next; o; o = o->next)
        if (!o->done && o->key == e->key && o->run == e->run) {
            o->done = true;
            tail->same = o;
            tail = o;
        }
}

void tg__defer_end(tg_tape *t, bool run) {
    if (list.t != t) return;
    tg__deferred *e = list.first;
    run = run && t->epoch == list.epoch;
    list.t = NULL;
    list.first = list.last = NULL;
    for (; run && e; e = e->next) {
        if (e->done) continue;
        gather(e);
        e->run(e);
    }
}
