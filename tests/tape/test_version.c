/* test_version.c — saved-tensor versions (tg_core.h, Versions; tg_backward), and the
 * tape's other promises about misuse: a view op that sets no storage, who a message
 * names, a variadic op given nothing, a message passed on through tg_tape_fail, and
 * the anomaly and trace hooks on nodes of more than 64 inputs. */
#include <stdint.h>
#include "check.h"
#include "tmpdir.h"

/* y = sum(tanh(h W)) on t, h the (2,3) state named 'state.h', W a (3,2) parameter. */
static tg_tensor *chain(tg_tape *t, tg_tensor *h, tg_tensor *W) {
    return tg_sum(t, tg_tanh(t, tg_matmul(t, h, W)));
}

static void test_library_writes(void) {
    tg_tape *t = tg_tape_new();
    tg_tensor *h = tg_tensor_from(2, (int[]){2, 3}, (tg_real[]){1, 2, 3, 4, 5, 6}, 0);
    tg_tensor *W = tg_param_new("W", 2, (int[]){3, 2});
    tg_name(h, "state.h");
    tg_tensor_fill(W, (tg_real)0.1);
    CHECK(tg_tensor_version(h) == 0 && tg_tensor_version(W) == 1, "fresh 0, one fill 1: %llu %llu",
          (unsigned long long)tg_tensor_version(h), (unsigned long long)tg_tensor_version(W));

    /* Unchanged: the sweep runs. Writes after it are fine (the README's own loop). */
    tg_tensor *y = chain(t, h, W);
    CHECK(tg_backward(t, y, NULL) == TG_OK, "unchanged: %s", tg_tape_message(t));
    tg_tensor_copy_from(h, (tg_real[]){6, 5, 4, 3, 2, 1}, 6);

    /* A write between the forward and the sweep: the step-0 matmul saved h. */
    tg_tape_reset(t);
    tg_tensor_zero_grad(W);
    y = chain(t, h, W);
    tg_tensor_copy_from(h, (tg_real[]){1, 1, 1, 1, 1, 1}, 6);
    CHECK(tg_backward(t, y, NULL) == TG_ERR_STATE, "copy_from after the forward is refused");
    CHECK_ERR(t, TG_ERR_STATE, "tg_backward: 'state.h' was modified after node 0 (tg_matmul) saved it (version 2, saved at 1)");
    CHECK(W->grad[0] == 0 && W->grad[5] == 0, "nothing reached W");

    /* Each library writer bumps: fill, set, uniform, normal, copy_from, init. */
    tg_rng r;
    tg_rng_seed(&r, 1);
    uint64_t v = tg_tensor_version(h);
    tg_tensor_fill(h, 1);
    tg_tensor_set(h, (int[]){0, 0}, 2);
    tg_tensor_uniform(h, &r, -1, 1);
    tg_tensor_normal(h, &r, 0, 1);
    tg_tensor_copy_from(h, (tg_real[]){1, 2, 3, 4, 5, 6}, 6);
    tg_init_uniform(h, &r, 0.5);
    CHECK(tg_tensor_version(h) == v + 6, "six writes, six bumps: %llu", (unsigned long long)(tg_tensor_version(h) - v));
    tg_tensor_set(h, (int[]){5, 5}, 2); /* refused: no write, no bump */
    CHECK(tg_tensor_version(h) == v + 6, "a refused write does not bump");

    /* A direct write is not seen until tg_tensor_mark_dirty says so. */
    tg_tape_reset(t);
    y = chain(t, h, W);
    h->data[0] = 9;
    CHECK(tg_backward(t, y, NULL) == TG_OK, "a direct write is the caller's business");
    tg_tape_reset(t);
    y = chain(t, h, W);
    h->data[0] = 8;
    tg_tensor_mark_dirty(h);
    CHECK(tg_backward(t, y, NULL) == TG_ERR_STATE, "marked dirty");
    CHECK_ERR(t, TG_ERR_STATE, "'state.h' was modified after node 0 (tg_matmul) saved it");

    /* An optimizer step between the forward and a second sweep over the same tape. */
    tg_params ps = {0};
    tg_params_add(&ps, W);
    tg_sgd_opts so = tg_sgd_defaults();
    tg_optim *opt = tg_sgd_new(&ps, &so);
    tg_tape_reset(t);
    y = chain(t, h, W);
    CHECK(tg_backward(t, y, NULL) == TG_OK, "first sweep");
    CHECK(tg_optim_step(opt) == TG_OK, "step");
    CHECK(tg_backward(t, y, NULL) == TG_ERR_STATE, "second sweep after the step");
    CHECK_ERR(t, TG_ERR_STATE, "tg_backward: 'W' was modified after node 0 (tg_matmul) saved it");

    /* A checkpoint loaded between the forward and the sweep. */
    const tg_params *lists[1] = {&ps};
    CHECK(tg_checkpoint_save(tmp_path("v.ckpt"), lists, 1, NULL) == TG_OK, "save");
    tg_tape_reset(t);
    y = chain(t, h, W);
    CHECK(tg_checkpoint_load(tmp_path("v.ckpt"), lists, 1, NULL) == TG_OK, "load");
    CHECK(tg_backward(t, y, NULL) == TG_ERR_STATE, "load after the forward");
    CHECK_ERR(t, TG_ERR_STATE, "tg_backward: 'W' was modified after node 0 (tg_matmul) saved it");

    /* A saved output: tanh's backward reads y = tanh(x). */
    tg_tape_reset(t);
    tg_tensor *a = tg_tanh(t, tg_matmul(t, h, W));
    y = tg_sum(t, a);
    tg_tensor_fill(a, 0);
    CHECK(tg_backward(t, y, NULL) == TG_ERR_STATE, "a saved output overwritten");
    CHECK_ERR(t, TG_ERR_STATE, "tg_backward: input 1 (2,2) was modified after node 2 (tg_sum) saved it (version 1, saved at 0)");

    tg_optim_free(opt);
    tg_params_free(&ps);
    tg_tensor_free(h);
    tg_tensor_free(W);
    tg_tape_free(t);
}

/* Views share their base's counter, both ways (as PyTorch's). */
static void test_views(void) {
    tg_tape *t = tg_tape_new();
    tg_tensor *h0 = tg_tensor_new(3, (int[]){2, 2, 3}, 0); /* (L,B,H) as tg_rnn_forward takes it */
    tg_tensor *W = tg_param_new("W", 2, (int[]){3, 2});
    tg_name(h0, "state.h");
    tg_tensor_fill(h0, (tg_real)0.5);
    tg_tensor_fill(W, (tg_real)0.25);

    /* The layer-1 state as the RNN takes it: a slice of a reshape, saved by matmul;
     * the caller then writes the base. */
    tg_tensor *v = tg_slice(t, tg_reshape(t, h0, 2, (int[]){4, 3}), 0, 2, 2);
    CHECK(v && v->base == h0 && tg_tensor_version(v) == tg_tensor_version(h0), "a view of a view shares the base's counter");
    tg_tensor *y = tg_sum(t, tg_matmul(t, v, W));
    tg_tensor_copy_from(h0, (tg_real[12]){0}, 12);
    CHECK(tg_backward(t, y, NULL) == TG_ERR_STATE, "a write through the base is seen by the view");
    CHECK_ERR(t, TG_ERR_STATE, "tg_backward: 'state.h' was modified after node 0 (tg_matmul) saved it (version 2, saved at 1)");

    /* A write through a view is seen by a node that saved the base. */
    tg_tape_reset(t);
    y = tg_sum(t, tg_matmul(t, tg_reshape(t, h0, 2, (int[]){4, 3}), W));
    tg_tensor *d = tg_detach(t, h0);
    tg_tensor_fill(d, 1);
    CHECK(tg_tensor_version(h0) == 3, "a detached tensor shares storage and counter");
    CHECK(tg_backward(t, y, NULL) == TG_ERR_STATE, "write through a detached view");

    /* A view made after a write records the new version: fine. */
    tg_tape_reset(t);
    y = tg_sum(t, tg_matmul(t, tg_reshape(t, h0, 2, (int[]){4, 3}), W));
    CHECK(tg_backward(t, y, NULL) == TG_OK, "fresh recording: %s", tg_tape_message(t));
    tg_tensor_free(h0);
    tg_tensor_free(W);
    tg_tape_free(t);
}

/* A custom op flagged as a view whose forward never sets out->data. */
static tg_status same_infer(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    (void)t;
    *rank = n->in[0]->rank;
    for (int i = 0; i < TG_MAX_RANK; i++) shape[i] = n->in[0]->shape[i];
    return TG_OK;
}
static tg_status lazy_forward(tg_tape *t, tg_node *n) {
    (void)t, (void)n;
    return TG_OK;
}
static void noop_backward(tg_node *n) { (void)n; }

static void test_misuse(void) {
    tg_tape *t = tg_tape_new();
    tg_tensor *x = tg_tape_full(t, 1, (int[]){3}, 1);
    static const tg_op lazy = {"my_lazy_view", 1, TG_OPF_VIEW, same_infer, lazy_forward, noop_backward, NULL};
    CHECK(tg_apply(t, &lazy, &x, 1, NULL) == NULL, "a view without storage");
    CHECK_ERR(t, TG_ERR_STATE, "my_lazy_view: the op is flagged TG_OPF_VIEW but its forward left out->data NULL");

    /* A variadic op given no inputs. */
    tg_tape_reset(t);
    static const tg_op any = {"my_any", -1, 0, same_infer, lazy_forward, noop_backward, NULL};
    CHECK(tg_apply(t, &any, &x, 0, NULL) == NULL, "no inputs");
    CHECK_ERR(t, TG_ERR_ARG, "my_any: expected at least 1 input, got 0");

    /* A failed tg_tape_full does not leave its name to the next error. */
    tg_tape_reset(t);
    CHECK(tg_tape_full(t, 1, (int[]){0}, 1) == NULL, "bad shape");
    tg_tape_reset(t);
    CHECK(tg_tape_alloc(t, SIZE_MAX / 2) == NULL, "too much");
    CHECK_ERR(t, TG_ERR_NOMEM, "tg_tape_alloc: out of memory growing the tape's arena by");
    tg_tape_reset(t);
    CHECK(tg_tape_full(t, 2, (int[]){-1, 2}, 1) == NULL, "bad shape again");
    CHECK(tg_tape_alloc(t, SIZE_MAX / 2) == NULL && strncmp(tg_last_error(), "tg_tape_alloc:", 14) == 0,
          "the next error names its own function: %s", tg_last_error());

    /* tg_tape_fail passing the thread's message on, with a prefix: formatted from a
     * copy, not from the buffer being written. */
    tg_tape_reset(t);
    CHECK(tg_tensor_new(1, (int[]){0}, 0) == NULL, "an error to pass on");
    tg_tape_fail(t, TG_ERR_SHAPE, "wrapped: %s", tg_last_error());
    CHECK(strcmp(tg_last_error(), "wrapped: tg_tensor_new: dimension 0 is 0 (must be >= 1)") == 0,
          "thread message: %s", tg_last_error());
    CHECK(strcmp(tg_tape_message(t), "wrapped: tg_tensor_new: dimension 0 is 0 (must be >= 1)") == 0,
          "tape message: %s", tg_tape_message(t));
    tg_tape_free(t);
}

/* The hooks watch every input of a node, not the first 64. */
static int traced;
static void count_trace(const tg_node *n, int input, const tg_real *contrib, void *user) {
    (void)n, (void)contrib, (void)user;
    if (input >= 0) traced++;
}

static void test_many_inputs(void) {
    enum { N = 100 };
    tg_tape *t = tg_tape_new();
    tg_tensor *xs[N];
    for (int i = 0; i < N; i++) xs[i] = tg_tape_full(t, 1, (int[]){1}, (tg_real)i);
    for (int i = 0; i < N; i++) xs[i]->flags |= TG_REQUIRES_GRAD;
    tg_tensor *y = tg_concat(t, xs, N, 0);
    tg_tensor *seed = tg_tape_full(t, 1, (int[]){N}, 1);
    seed->data[80] = (tg_real)NAN; /* reaches input 81 only */
    tg_tape_set_anomaly_detection(t, true);
    CHECK(tg_backward(t, y, seed) == TG_ERR_VALUE, "NaN in the gradient of input 81 of 100");
    CHECK_ERR(t, TG_ERR_VALUE, "tg_concat: anomaly in backward at node 0: gradient of input 81[0] = nan");
    tg_tape_reset(t);
    for (int i = 0; i < N; i++) xs[i] = tg_tape_full(t, 1, (int[]){1}, (tg_real)i);
    for (int i = 0; i < N; i++) xs[i]->flags |= TG_REQUIRES_GRAD;
    y = tg_sum(t, tg_concat(t, xs, N, 0));
    tg_tape_set_anomaly_detection(t, false);
    tg_tape_set_trace(t, count_trace, NULL);
    traced = 0;
    CHECK(tg_backward(t, y, NULL) == TG_OK, "trace: %s", tg_tape_message(t));
    CHECK(traced == N + 1, "every input traced: %d calls", traced);
    tg_tape_free(t);
}

/* The sweep skips comparing versions node by node when no tensor anywhere was written
 * since the first node was recorded, and plans no buffers when no sweep has run since
 * the reset. The same gradients, bit for bit, come out of the full path (a write to an
 * unrelated tensor, a second sweep over the same tape), and a write to a saved tensor
 * is still caught whatever else was or was not written. */
static void test_fast_path(void) {
    tg_tape *t = tg_tape_new();
    tg_tensor *h = tg_tensor_from(2, (int[]){2, 3}, (tg_real[]){1, -2, 3, 4, 5, -6}, 0);
    tg_tensor *W = tg_param_new("W", 2, (int[]){3, 2});
    tg_tensor *other = tg_tensor_new(1, (int[]){4}, 0);
    tg_name(h, "state.h");
    tg_tensor_copy_from(W, (tg_real[]){0.1, -0.2, 0.3, 0.4, -0.5, 0.6}, 6);
    tg_real fast[6], full[6];

    tg_tensor_zero_grad(W);
    tg_tensor *y = chain(t, h, W); /* nothing written since: the fast path */
    CHECK(tg_backward(t, y, NULL) == TG_OK, "fast path: %s", tg_tape_message(t));
    memcpy(fast, W->grad, sizeof fast);

    tg_tape_reset(t);
    tg_tensor_zero_grad(W);
    y = chain(t, h, W);
    tg_tensor_fill(other, 1); /* unrelated: the full check runs and passes */
    CHECK(tg_backward(t, y, NULL) == TG_OK, "full path: %s", tg_tape_message(t));
    memcpy(full, W->grad, sizeof full);
    CHECK(memcmp(fast, full, sizeof fast) == 0, "the same gradient on both paths");

    /* A second sweep over the same tape: intermediate gradients start from zero
     * again, the leaf's accumulate. */
    tg_tensor_zero_grad(W);
    CHECK(tg_backward(t, y, NULL) == TG_OK, "second sweep: %s", tg_tape_message(t));
    CHECK(memcmp(fast, W->grad, sizeof fast) == 0, "a second sweep gives the same gradient");

    /* The only write is to a saved tensor, through the public marker. */
    tg_tape_reset(t);
    y = chain(t, h, W);
    tg_tensor_mark_dirty(h);
    CHECK(tg_backward(t, y, NULL) == TG_ERR_STATE, "mark_dirty after the forward is refused");
    CHECK_ERR(t, TG_ERR_STATE, "tg_backward: 'state.h' was modified after node 0 (tg_matmul) saved it");
    tg_tensor_free(h);
    tg_tensor_free(W);
    tg_tensor_free(other);
    tg_tape_free(t);
}

int main(void) {
    if (!tmp_dir_make("tg_version")) return 1;
    test_fast_path();
    test_library_writes();
    test_views();
    test_misuse();
    test_many_inputs();
    tmp_dir_remove();
    return check_done();
}
