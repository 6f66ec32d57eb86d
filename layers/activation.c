/* activation.c — dispatch from tg_act to the primitive op that computes it. */
#include "layers_private.h"

static const char *const act_names[TG_ACT_COUNT] = {
    [TG_ACT_IDENTITY] = "identity", [TG_ACT_RELU] = "relu",
    [TG_ACT_LEAKY_RELU] = "leaky_relu", [TG_ACT_SIGMOID] = "sigmoid",
    [TG_ACT_TANH] = "tanh", [TG_ACT_SOFTPLUS] = "softplus",
    [TG_ACT_SOFTMAX] = "softmax", [TG_ACT_STEP] = "step",
};
_Static_assert(sizeof act_names / sizeof act_names[0] == TG_ACT_COUNT,
               "every activation has a name");

const char *tg_act_name(tg_act a) {
    return (unsigned)a < TG_ACT_COUNT ? act_names[a] : "?";
}

tg_tensor *tg_activate(tg_tape *t, tg_tensor *x, tg_act act, tg_real slope) {
    if (!tg__tape_ok(t, "tg_activate")) return NULL;
    if (!x) { /* on a healthy tape a NULL is the caller's, not a failed op's */
        tg_tape_fail(t, TG_ERR_ARG, "tg_activate: x is NULL");
        return NULL;
    }
    if (!tg__tensor_live(t, x)) {
        tg_tape_fail(t, TG_ERR_STATE,
                     "tg_activate: x belongs to another tape or to a step before the last tg_tape_reset");
        return NULL;
    }
    switch (act) {
    case TG_ACT_IDENTITY: return x;
    case TG_ACT_RELU: return tg_relu(t, x);
    case TG_ACT_LEAKY_RELU: return tg_leaky_relu(t, x, slope);
    case TG_ACT_SIGMOID: return tg_sigmoid(t, x);
    case TG_ACT_TANH: return tg_tanh(t, x);
    case TG_ACT_SOFTPLUS: return tg_softplus(t, x);
    case TG_ACT_SOFTMAX: return tg_softmax(t, x);
    case TG_ACT_STEP: return tg_step(t, x);
    default: break;
    }
    tg_tape_fail(t, TG_ERR_ARG, "tg_activate: unknown activation %d", (int)act);
    return NULL;
}
