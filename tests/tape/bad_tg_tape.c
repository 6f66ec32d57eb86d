/* bad_tg_tape.c — the bad-input rows of <tapegrad/tg_tape.h>: every function it declares,
 * called with the mistakes a caller makes (bad_input.h). */
#include "bad_input.h"

int main(int argc, char **argv) {
    fx *f;
    out *o;
    bad_begin(argc, argv);

    f = row(&o, "tg_tape_new", "out of memory");
    {
        tg__alloc_fail_after(1);
        tg_tape *t = tg_tape_new();
        tg__alloc_fail_after(0);
        on_null(o, t);
        tg_tape_free(t);
    }
    expect(f, TG_ERR_NOMEM, "tg_tape_new: out of memory");

    f = row(&o, "tg_tape_free", "NULL");
    tg_tape_free(NULL);
    on_value(o, true, "");
    expect(f, TG_OK, "");

    f = row(&o, "tg_tape_reset", "NULL; a failed tape is cleared");
    tg_tape_reset(NULL);
    tg_tape_reset(f->tf); /* clears a failed tape */
    on_value(o, tg_tape_status(f->tf) == TG_OK && tg_tape_message(f->tf)[0] == '\0', "a clean tape");
    expect(f, TG_OK, "");

    f = row(&o, "tg_tape_status", "NULL");
    on_value(o, tg_tape_status(NULL) == TG_ERR_ARG, "TG_ERR_ARG");
    expect(f, TG_OK, "");

    f = row(&o, "tg_tape_message", "NULL");
    on_value(o, strcmp(tg_tape_message(NULL), "tg_tape: tape is NULL") == 0, "\"tg_tape: tape is NULL\"");
    expect(f, TG_OK, "");

    f = row(&o, "tg_tape_fail", "NULL tape: the thread's error only");
    on_status(o, tg_tape_fail(NULL, TG_ERR_VALUE, "tg_tape_fail: custom op %s: %d", "sq", 3));
    expect(f, TG_ERR_VALUE, "tg_tape_fail: custom op sq: 3");

    f = row(&o, "tg_tape_fail", "a failed tape keeps its first error");
    tg_tape_fail(f->tf, TG_ERR_RANGE, "tg_tape_fail: a later error");
    on_tape(o, f->tf, NULL);
    expect(f, TG_ERR_SHAPE, "tg_first: the first error: (2,3)");

    f = row(&o, "tg_tape_set_grad_enabled", "NULL");
    on_value(o, !tg_tape_set_grad_enabled(NULL, true) && !tg_tape_grad_enabled(NULL), "false");
    expect(f, TG_OK, "");

    f = row(&o, "tg_tape_grad_enabled", "NULL");
    on_value(o, !tg_tape_grad_enabled(NULL), "false");
    expect(f, TG_OK, "");

    f = row(&o, "tg_tape_node_count", "NULL");
    on_value(o, tg_tape_node_count(NULL) == 0, "0");
    expect(f, TG_OK, "");

    f = row(&o, "tg_tape_arena_bytes", "NULL");
    on_value(o, tg_tape_arena_bytes(NULL) == 0, "0");
    expect(f, TG_OK, "");

    f = row(&o, "tg_tape_arena_used", "NULL");
    on_value(o, tg_tape_arena_used(NULL) == 0, "0");
    expect(f, TG_OK, "");

    f = row(&o, "tg_tape_tensor", "tape NULL");
    on_null(o, tg_tape_tensor(NULL, 1, (int[]){2}, NULL, 0));
    expect(f, TG_ERR_ARG, "tg_tape_tensor: tape is NULL");

    f = row(&o, "tg_tape_tensor", "rank -1");
    on_tape(o, f->t, tg_tape_tensor(f->t, -1, (int[]){2}, NULL, 0));
    expect(f, TG_ERR_SHAPE, "tg_tape_tensor: rank -1 is outside 0..8");

    f = row(&o, "tg_tape_tensor", "shape NULL");
    on_tape(o, f->t, tg_tape_tensor(f->t, 2, NULL, NULL, 0));
    expect(f, TG_ERR_ARG, "tg_tape_tensor: shape is NULL for rank 2");

    f = row(&o, "tg_tape_tensor", "a zero dimension");
    on_tape(o, f->t, tg_tape_tensor(f->t, 2, (int[]){4, 0}, NULL, 0));
    expect(f, TG_ERR_SHAPE, "tg_tape_tensor: dimension 1 is 0 (must be >= 1)");

    f = row(&o, "tg_tape_tensor", "element count overflows size_t");
    on_tape(o, f->t, tg_tape_tensor(f->t, 3, (int[]){INT_MAX, INT_MAX, 8}, NULL, 0));
    expect(f, TG_ERR_SHAPE, "tg_tape_tensor: element count of (2147483647,2147483647,8) overflows size_t");

    f = row(&o, "tg_tape_tensor", "more elements than the address space holds");
    /* a count size_t represents, but its bytes (and a gradient's) would wrap */
    on_tape(o, f->t, tg_tape_tensor(f->t, 2, (int[]){INT_MAX, INT_MAX / 2}, NULL, 0));
#if TG_REAL_IS_DOUBLE
    expect(f, TG_ERR_NOMEM, "tg_tape_tensor: out of memory for a tensor of shape (2147483647,1073741823) (2305843005992468481 elements; at most 576460752303423487 fit the address space)");
#else
    expect(f, TG_ERR_NOMEM, "tg_tape_tensor: out of memory for a tensor of shape (2147483647,1073741823) (2305843005992468481 elements; at most 1152921504606846975 fit the address space)");
#endif

    f = row(&o, "tg_tape_tensor", "too large for any arena");
    /* 2^56 elements: sizes add up, no machine has the memory */
    on_tape(o, f->t, tg_tape_tensor(f->t, 2, (int[]){1 << 28, 1 << 28}, NULL, 0));
#if TG_REAL_IS_DOUBLE
    expect(f, TG_ERR_NOMEM, "tg_tape_tensor: out of memory growing the tape's arena by 576460752303423680 bytes for a tensor of shape (268435456,268435456)");
#else
    expect(f, TG_ERR_NOMEM, "tg_tape_tensor: out of memory growing the tape's arena by 288230376151711936 bytes for a tensor of shape (268435456,268435456)");
#endif

    f = row(&o, "tg_tape_tensor", "the tape has failed");
    on_tape(o, f->tf, tg_tape_tensor(f->tf, 1, (int[]){2}, NULL, 0));
    expect(f, TG_ERR_SHAPE, "tg_first: the first error: (2,3)");

    f = row(&o, "tg_tape_full", "tape NULL");
    on_null(o, tg_tape_full(NULL, 1, (int[]){2}, 1));
    expect(f, TG_ERR_ARG, "tg_tape_full: tape is NULL");

    f = row(&o, "tg_tape_full", "a negative dimension");
    on_tape(o, f->t, tg_tape_full(f->t, 1, (int[]){-5}, 1));
    expect(f, TG_ERR_SHAPE, "tg_tape_full: dimension 0 is -5 (must be >= 1)");

    f = row(&o, "tg_tape_alloc", "tape NULL");
    on_null(o, tg_tape_alloc(NULL, 16));
    expect(f, TG_ERR_ARG, "tg_tape_alloc: tape is NULL");

    f = row(&o, "tg_tape_alloc", "too many bytes, fresh tape");
    {
        tg_tape *t = tg_tape_new(); /* fresh: no op has run on it */
        on_tape(o, t, tg_tape_alloc(t, SIZE_MAX / 2));
        tg_tape_free(t);
    }
    expect(f, TG_ERR_NOMEM, "tg_tape_alloc: out of memory growing the tape's arena by 9223372036854775807 bytes");

    f = row(&o, "tg_tape_alloc", "too many bytes, after an op");
    on_tape(o, f->t, tg_tape_alloc(f->t, SIZE_MAX / 2));
    expect(f, TG_ERR_NOMEM, "tg_tape_alloc: out of memory growing the tape's arena by 9223372036854775807 bytes");

    f = row(&o, "tg_detach", "tape NULL");
    on_null(o, tg_detach(NULL, f->a));
    expect(f, TG_ERR_ARG, "tg_detach: tape is NULL");

    f = row(&o, "tg_detach", "x NULL");
    on_tape(o, f->t, tg_detach(f->t, NULL));
    expect(f, TG_ERR_ARG, "tg_detach: argument 1 (x) is NULL");

    f = row(&o, "tg_detach", "x from before tg_tape_reset");
    on_tape(o, f->t, tg_detach(f->t, f->stale));
    expect(f, TG_ERR_STATE, "tg_detach: argument 1 (x) belongs to another tape or to a step before the last tg_tape_reset");

    f = row(&o, "tg_detach", "the tape has failed");
    on_tape(o, f->tf, tg_detach(f->tf, f->onf));
    expect(f, TG_ERR_SHAPE, "tg_first: the first error: (2,3)");

    f = row(&o, "tg_backward", "tape NULL");
    on_status(o, tg_backward(NULL, f->y, NULL));
    expect(f, TG_ERR_ARG, "tg_backward: tape is NULL");

    f = row(&o, "tg_backward", "y NULL");
    tg_backward(f->t, NULL, NULL);
    on_tape(o, f->t, NULL);
    expect(f, TG_ERR_ARG, "tg_backward: argument 1 (y) is NULL");

    f = row(&o, "tg_backward", "y from before tg_tape_reset");
    tg_backward(f->t, f->stale, NULL);
    on_tape(o, f->t, NULL);
    expect(f, TG_ERR_STATE, "tg_backward: y belongs to another tape or to a step before the last tg_tape_reset");

    f = row(&o, "tg_backward", "y of another tape");
    tg_backward(f->t, f->other, NULL);
    on_tape(o, f->t, NULL);
    expect(f, TG_ERR_STATE, "tg_backward: y belongs to another tape or to a step before the last tg_tape_reset");

    f = row(&o, "tg_backward", "y needs no gradient");
    tg_backward(f->t, f->s0, NULL);
    on_tape(o, f->t, NULL);
    expect(f, TG_ERR_STATE, "tg_backward: y does not require a gradient (no parameter reaches it, or it was computed with gradients disabled)");

    f = row(&o, "tg_backward", "y has 6 elements and no seed");
    tg_backward(f->t, tg_mul(f->t, f->a, f->P), NULL);
    on_tape(o, f->t, NULL);
    expect(f, TG_ERR_SHAPE, "tg_backward: y has shape (2,3); a seed gradient is needed unless y has one element");

    f = row(&o, "tg_backward", "seed of another shape");
    tg_backward(f->t, tg_mul(f->t, f->a, f->P), f->v3);
    on_tape(o, f->t, NULL);
    expect(f, TG_ERR_SHAPE, "tg_backward: seed shape (3) differs from y shape (2,3)");

    f = row(&o, "tg_backward", "seed from before tg_tape_reset");
    tg_backward(f->t, tg_mul(f->t, f->a, f->P), f->stale);
    on_tape(o, f->t, NULL);
    if (f->P->grad[0] != 0) o->bad = "a gradient was written";
    expect(f, TG_ERR_STATE, "tg_backward: seed belongs to another tape or to a step before the last tg_tape_reset");

    f = row(&o, "tg_backward", "seed of another tape");
    tg_backward(f->t, tg_mul(f->t, f->a, f->P), f->other);
    on_tape(o, f->t, NULL);
    if (f->P->grad[0] != 0) o->bad = "a gradient was written";
    expect(f, TG_ERR_STATE, "tg_backward: seed belongs to another tape or to a step before the last tg_tape_reset");

    f = row(&o, "tg_backward", "the tape has failed");
    on_status(o, tg_backward(f->tf, f->onf, NULL));
    expect(f, TG_ERR_SHAPE, "tg_backward: the tape has failed earlier: tg_first: the first error: (2,3)");

    f = row(&o, "tg_apply", "tape NULL");
    {
        size_t n;
        on_null(o, tg_apply(NULL, tg_op_table(&n)[0].op, &f->a, 1, NULL));
    }
    expect_named(f, TG_ERR_ARG, "tg_add: tape is NULL", "tg_add");

    f = row(&o, "tg_apply", "op NULL");
    on_tape(o, f->t, tg_apply(f->t, NULL, &f->a, 1, NULL));
    expect(f, TG_ERR_ARG, "tg_apply: op (NULL) has no shape or forward function");

    f = row(&o, "tg_apply", "wrong number of inputs");
    {
        size_t n;
        const tg_op_info *ops = tg_op_table(&n);
        const tg_op *add = NULL;
        for (size_t i = 0; i < n; i++)
            if (strcmp(ops[i].op->name, "tg_add") == 0) add = ops[i].op;
        on_tape(o, f->t, tg_apply(f->t, add, &f->a, 1, NULL));
    }
    expect_named(f, TG_ERR_ARG, "tg_add: expected 2 inputs, got 1", "tg_add");

    f = row(&o, "tg_apply", "in NULL");
    {
        size_t n;
        on_tape(o, f->t, tg_apply(f->t, tg_op_table(&n)[0].op, NULL, 2, NULL));
    }
    expect_named(f, TG_ERR_ARG, "tg_add: the input array is NULL", "tg_add");

    f = row(&o, "tg_apply", "op without shape and forward functions");
    static const tg_op half = {"my_op", 1, 0, NULL, NULL, NULL, NULL};
    on_tape(o, f->t, tg_apply(f->t, &half, &f->a, 1, NULL));
    expect(f, TG_ERR_ARG, "tg_apply: op my_op has no shape or forward function");

    f = row(&o, "tg_tape_set_anomaly_detection", "NULL");
    tg_tape_set_anomaly_detection(NULL, true);
    on_value(o, true, "");
    expect(f, TG_OK, "");

    f = row(&o, "tg_tape_set_trace", "NULL");
    tg_tape_set_trace(NULL, NULL, NULL);
    on_value(o, true, "");
    expect(f, TG_OK, "");

    f = row(&o, "tg_tape_last", "NULL");
    on_value(o, tg_tape_last(NULL) == NULL, "NULL");
    expect(f, TG_OK, "");

    f = row(&o, "tg_find", "NULL tape, NULL name, unknown name");
    on_value(o, tg_find(NULL, "z") == NULL && tg_find(f->t, NULL) == NULL && tg_find(f->t, "nope") == NULL,
             "NULL");
    expect(f, TG_OK, "");

    return bad_done("autodiff/tape/include/tapegrad/tg_tape.h");
}
