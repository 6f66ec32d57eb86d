/* bad_tg_grad.c — the bad-input rows of <tapegrad/tg_grad.h>: tg_grad and tg_hvp
 * called with the mistakes a caller makes (bad_input.h). Every row also checks that
 * no gradient buffer was written (the parameter's ->grad stays zero). */
#include "bad_input.h"

/* A custom op without a graph form: y = 2x. */
static tg_status dbl_infer(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    (void)t;
    *rank = n->in[0]->rank;
    for (int i = 0; i < *rank; i++) shape[i] = n->in[0]->shape[i];
    return TG_OK;
}
static tg_status dbl_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    for (size_t i = 0; i < n->out->size; i++) n->out->data[i] = 2 * n->in[0]->data[i];
    return TG_OK;
}
static void dbl_bwd(tg_node *n) {
    if (n->in[0]->grad)
        for (size_t i = 0; i < n->out->size; i++) n->in[0]->grad[i] += 2 * n->out->grad[i];
}
static const tg_op my_op = {.name = "my_op", .n_in = 1, .infer = dbl_infer, .forward = dbl_fwd,
                            .backward = dbl_bwd};

/* After the call: P's gradient (and a's, which has none) are as before. */
static void untouched(fx *f) {
    for (size_t i = 0; i < f->P->size; i++)
        if (f->P->grad[i] != 0) f->o.bad = "a gradient was written (P->grad changed)";
    if (f->a->grad) f->o.bad = "a gradient buffer was made (a->grad)";
}

int main(int argc, char **argv) {
    fx *f;
    out *o;
    tg_tensor *g[2];
    bad_begin(argc, argv);

    f = row(&o, "tg_grad", "tape NULL");
    on_status(o, tg_grad(NULL, f->y, NULL, &f->P, 1, 0, g));
    untouched(f);
    expect(f, TG_ERR_ARG, "tg_grad: tape is NULL");

    f = row(&o, "tg_grad", "the tape has failed");
    on_status(o, tg_grad(f->tf, f->onf, NULL, &f->P, 1, 0, g));
    untouched(f);
    expect(f, TG_ERR_SHAPE, "tg_grad: the tape has failed earlier: " FIRST);

    f = row(&o, "tg_grad", "out NULL");
    tg_grad(f->t, f->y, NULL, &f->P, 1, 0, NULL);
    on_tape(o, f->t, NULL);
    untouched(f);
    expect(f, TG_ERR_ARG, "tg_grad: out is NULL");

    f = row(&o, "tg_grad", "n 0");
    tg_grad(f->t, f->y, NULL, &f->P, 0, 0, g);
    on_tape(o, f->t, NULL);
    untouched(f);
    expect(f, TG_ERR_ARG, "tg_grad: n = 0 must be in 1..1024");

    f = row(&o, "tg_grad", "n -1");
    tg_grad(f->t, f->y, NULL, &f->P, -1, 0, g);
    on_tape(o, f->t, NULL);
    untouched(f);
    expect(f, TG_ERR_ARG, "tg_grad: n = -1 must be in 1..1024");

    f = row(&o, "tg_grad", "more xs than allowed");
    tg_grad(f->t, f->y, NULL, &f->P, TG_GRAD_MAX_XS + 1, 0, g);
    on_tape(o, f->t, NULL);
    untouched(f);
    expect(f, TG_ERR_ARG, "tg_grad: n = 1025 must be in 1..1024");

    f = row(&o, "tg_grad", "xs NULL");
    tg_grad(f->t, f->y, NULL, NULL, 1, 0, g);
    on_tape(o, f->t, NULL);
    untouched(f);
    expect(f, TG_ERR_ARG, "tg_grad: xs is NULL");

    f = row(&o, "tg_grad", "xs[1] NULL");
    tg_grad(f->t, f->y, NULL, (tg_tensor *[]){f->P, NULL}, 2, 0, g);
    on_tape(o, f->t, NULL);
    untouched(f);
    expect(f, TG_ERR_ARG, "tg_grad: xs[1] is NULL");

    f = row(&o, "tg_grad", "xs[0] from before tg_tape_reset");
    tg_grad(f->t, f->y, NULL, &f->stale, 1, 0, g);
    on_tape(o, f->t, NULL);
    untouched(f);
    expect(f, TG_ERR_STATE, "tg_grad: xs[0] belongs to another tape or to a step before the last tg_tape_reset");

    f = row(&o, "tg_grad", "xs[0] of another tape");
    tg_grad(f->t, f->y, NULL, &f->other, 1, 0, g);
    on_tape(o, f->t, NULL);
    untouched(f);
    expect(f, TG_ERR_STATE, "tg_grad: xs[0] belongs to another tape or to a step before the last tg_tape_reset");

    f = row(&o, "tg_grad", "unknown flags");
    tg_grad(f->t, f->y, NULL, &f->P, 1, 0x10, g);
    on_tape(o, f->t, NULL);
    untouched(f);
    expect(f, TG_ERR_ARG, "tg_grad: unknown flags 0x10");

    f = row(&o, "tg_grad", "y NULL");
    tg_grad(f->t, NULL, NULL, &f->P, 1, 0, g);
    on_tape(o, f->t, NULL);
    untouched(f);
    expect(f, TG_ERR_ARG, "tg_grad: argument 1 (y) is NULL");

    f = row(&o, "tg_grad", "y from before tg_tape_reset");
    tg_grad(f->t, f->stale, NULL, &f->P, 1, 0, g);
    on_tape(o, f->t, NULL);
    untouched(f);
    expect(f, TG_ERR_STATE, "tg_grad: y belongs to another tape or to a step before the last tg_tape_reset");

    f = row(&o, "tg_grad", "y of another tape");
    tg_grad(f->t, f->other, NULL, &f->P, 1, 0, g);
    on_tape(o, f->t, NULL);
    untouched(f);
    expect(f, TG_ERR_STATE, "tg_grad: y belongs to another tape or to a step before the last tg_tape_reset");

    f = row(&o, "tg_grad", "y needs no gradient");
    tg_grad(f->t, f->s0, NULL, &f->P, 1, 0, g);
    on_tape(o, f->t, NULL);
    untouched(f);
    expect(f, TG_ERR_STATE, "tg_grad: y does not require a gradient (no parameter reaches it, or it was computed with gradients disabled)");

    f = row(&o, "tg_grad", "y has 6 elements and no seed");
    tg_grad(f->t, tg_mul(f->t, f->a, f->P), NULL, &f->P, 1, 0, g);
    on_tape(o, f->t, NULL);
    untouched(f);
    expect(f, TG_ERR_SHAPE, "tg_grad: y has shape (2,3); a seed gradient is needed unless y has one element");

    f = row(&o, "tg_grad", "seed of another shape");
    tg_grad(f->t, tg_mul(f->t, f->a, f->P), f->v3, &f->P, 1, 0, g);
    on_tape(o, f->t, NULL);
    untouched(f);
    expect(f, TG_ERR_SHAPE, "tg_grad: seed shape (3) differs from y shape (2,3)");

    f = row(&o, "tg_grad", "seed from before tg_tape_reset");
    tg_grad(f->t, tg_mul(f->t, f->a, f->P), f->stale, &f->P, 1, 0, g);
    on_tape(o, f->t, NULL);
    untouched(f);
    expect(f, TG_ERR_STATE, "tg_grad: seed belongs to another tape or to a step before the last tg_tape_reset");

    f = row(&o, "tg_grad", "seed of another tape");
    tg_grad(f->t, tg_mul(f->t, f->a, f->P), f->other, &f->P, 1, TG_GRAD_CREATE_GRAPH, g);
    on_tape(o, f->t, NULL);
    untouched(f);
    expect(f, TG_ERR_STATE, "tg_grad: seed belongs to another tape or to a step before the last tg_tape_reset");

    f = row(&o, "tg_grad", "an x that does not reach y");
    tg_grad(f->t, f->y, NULL, (tg_tensor *[]){f->P, f->C}, 2, 0, g);
    on_tape(o, f->t, NULL);
    untouched(f);
    expect(f, TG_ERR_ARG, "tg_grad: xs[1] does not reach y (it does not require a gradient, or no recorded op leads from it to y); pass TG_GRAD_ALLOW_UNUSED for a zero gradient");

    f = row(&o, "tg_grad", "create-graph through an op without a graph form");
    {
        tg_tensor *y = tg_sum(f->t, tg_apply(f->t, &my_op, &f->P, 1, NULL));
        tg_grad(f->t, y, NULL, &f->P, 1, TG_GRAD_CREATE_GRAPH, g);
    }
    on_tape(o, f->t, NULL);
    untouched(f);
    expect(f, TG_ERR_STATE, "tg_grad: op 'my_op' (node 2) has no recordable derivative; give it one to take gradients of its gradient");

    f = row(&o, "tg_grad", "out of memory planning the sweep");
    {
        tg_tape *t = tg_tape_new();
        tg_tensor *y = tg_sum(t, tg_mul(t, f->P, f->P));
        tg__alloc_fail_after(1);
        tg_status st = tg_grad(t, y, NULL, &f->P, 1, 0, g);
        tg__alloc_fail_after(0);
        on_status(o, st);
        tg_tape_free(t);
    }
    untouched(f);
    expect(f, TG_ERR_NOMEM, "tg_grad: out of memory planning the sweep over 2 nodes");

    f = row(&o, "tg_hvp", "tape NULL");
    on_status(o, tg_hvp(NULL, f->y, &f->P, &f->C, 1, 0, g));
    untouched(f);
    expect(f, TG_ERR_ARG, "tg_hvp: tape is NULL");

    f = row(&o, "tg_hvp", "vs NULL");
    tg_hvp(f->t, f->y, &f->P, NULL, 1, 0, g);
    on_tape(o, f->t, NULL);
    untouched(f);
    expect(f, TG_ERR_ARG, "tg_hvp: vs is NULL");

    f = row(&o, "tg_hvp", "vs[0] NULL");
    tg_hvp(f->t, f->y, &f->P, (tg_tensor *[]){NULL}, 1, 0, g);
    on_tape(o, f->t, NULL);
    untouched(f);
    expect(f, TG_ERR_ARG, "tg_hvp: vs[0] is NULL");

    f = row(&o, "tg_hvp", "vs[0] of another shape");
    tg_hvp(f->t, f->y, &f->P, &f->v3, 1, 0, g);
    on_tape(o, f->t, NULL);
    untouched(f);
    expect(f, TG_ERR_SHAPE, "tg_hvp: vs[0] has shape (3), xs[0] has (2,3)");

    f = row(&o, "tg_hvp", "vs[0] from before tg_tape_reset");
    tg_hvp(f->t, f->y, &f->P, &f->stale, 1, 0, g);
    on_tape(o, f->t, NULL);
    untouched(f);
    expect(f, TG_ERR_STATE, "tg_hvp: vs[0] belongs to another tape or to a step before the last tg_tape_reset");

    f = row(&o, "tg_hvp", "y needs no gradient");
    tg_hvp(f->t, f->s0, &f->P, &f->C, 1, 0, g);
    on_tape(o, f->t, NULL);
    untouched(f);
    expect_named(f, TG_ERR_STATE, "tg_grad: y does not require a gradient (no parameter reaches it, or it was computed with gradients disabled)", "tg_grad");

    f = row(&o, "tg_hvp", "out NULL");
    tg_hvp(f->t, f->y, &f->P, &f->C, 1, 0, NULL);
    on_tape(o, f->t, NULL);
    untouched(f);
    expect(f, TG_ERR_ARG, "tg_hvp: out is NULL");

    return bad_done("autodiff/ops/include/tapegrad/tg_grad.h");
}
