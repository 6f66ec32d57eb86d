/* version.c — the sweep's check that what a node saved is still what it saw.
 *
 * tg_apply records, with every node, the version of each input and of the output
 * (the counter a view shares with its base; tg_core.h, Versions). A local derivative
 * reads those tensors' values (matmul reads both factors, tanh its output), so if any
 * was written since, the gradient would silently use the new values. As PyTorch does,
 * the sweep refuses instead (tg__check_saved_versions, inline in tape_private.h, runs
 * the comparison; this file words the error). Every input is checked, not only the
 * ones an op's derivative reads: the rule is the same for every op, custom ones
 * included. */
#include <stdio.h>
#include "tape_private.h"

/* "'name'", or the base's name for an unnamed view, or "input 2 (3,4)" / "the output
 * (3,4)". */
static void describe(const tg_tensor *x, int input, char *buf, size_t cap) {
    const tg_tensor *owner = tg__version_owner(x);
    const char *name = x->name[0] ? x->name : owner->name;
    char sh[96];
    if (name[0]) snprintf(buf, cap, "'%s'", name);
    else if (input >= 0) snprintf(buf, cap, "input %d %s", input + 1, tg_shape_str(x, sh, sizeof sh));
    else snprintf(buf, cap, "the output %s", tg_shape_str(x, sh, sizeof sh));
}

tg_status tg__saved_version_error(tg_tape *t, const tg_node *n, int k) {
    const tg_tensor *x = k < n->n_in ? n->in[k] : n->out;
    char what[160];
    describe(x, k < n->n_in ? k : -1, what, sizeof what);
    return tg_tape_fail(t, TG_ERR_STATE,
                        "%s: %s was modified after node %zu (%s) saved it (version %llu, saved at %llu)",
                        t->who ? t->who : "tg_backward", what, n->id, n->op->name,
                        (unsigned long long)tg__version_owner(x)->version,
                        (unsigned long long)n->saved_version[k]);
}
