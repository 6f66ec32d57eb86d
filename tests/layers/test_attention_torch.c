/* test_attention_torch.c — tg_attention.h and tg_transformer.h against PyTorch and
 * against finite differences.
 *
 * The fixtures of tests/fixtures/attn/ (written by hand with
 * tests/fixtures/make_attn_fixtures.py, float64; B 2, T 5, S 4, d 12, 3 heads, FF 7):
 * nn.MultiheadAttention(batch_first) plain, causal, key-padded, both, and as
 * cross-attention; nn.TransformerEncoderLayer and nn.TransformerDecoderLayer in both
 * norm orders with relu and gelu, dropout 0. For L = sum(r * out), the output and
 * the gradients of the inputs and of every parameter must match to 1e-12 relative to
 * the largest value (double build; 1e-4 in float). Each attention case runs twice:
 * fused projections, and separate ones filled with the thirds of the fused matrix.
 * Then finite-difference checks of each layer (double build), dropout's training
 * mode, and a steady training loop that allocates nothing after its first step. */
#include <tapegrad/tg_optim.h>
#include "fixture.h"

#if TG_REAL_IS_DOUBLE
#define TOL 1e-12
#else
#define TOL 1e-4
#endif

static double worst, case_worst; /* over every case; over the current case */

/* Relative difference of n values v (stride 'stride' between rows of 'cols', column
 * offset c0 in fixture rows of width 'fcols') from fixture tensor name. */
static void compare_cols(const char *c, const fixture *f, const char *name, const tg_real *v, size_t n,
                         int cols, int fcols, int c0) {
    const fx_tensor *s = fx_get(f, name);
    CHECK(s && v, "%s: %s missing", c, name);
    if (!s || !v) return;
    CHECK(s->size / (size_t)fcols * (size_t)cols == n, "%s: %s has another size", c, name);
    if (s->size / (size_t)fcols * (size_t)cols != n) return;
    double scale = 0, err = 0;
    for (size_t i = 0; i < s->size; i++) scale = fmax(scale, fabs(s->v[i]));
    for (size_t i = 0; i < n; i++) {
        double ref = s->v[(i / (size_t)cols) * (size_t)fcols + (size_t)c0 + i % (size_t)cols];
        err = fmax(err, fabs((double)v[i] - ref));
    }
    double rel = scale > 0 ? err / scale : err;
    worst = fmax(worst, rel);
    case_worst = fmax(case_worst, rel);
    CHECK(rel <= TOL, "%s: %s differs from PyTorch by %.3g relative (tol %g)", c, name, rel, TOL);
}

static void compare(const char *c, const fixture *f, const char *name, const tg_tensor *x, bool grad) {
    const tg_real *v = x ? (grad ? x->grad : x->data) : NULL;
    int cols = x && x->rank ? x->shape[x->rank - 1] : 1;
    compare_cols(c, f, name, v, x ? x->size : 0, cols, cols, 0);
}

static int meta_int(const fixture *f, const char *key) {
    const char *v = fx_meta(f, key);
    return v ? atoi(v) : 0;
}

/* Copies columns c0..c0+cols-1 of the fixture's (rows, fcols) tensor into x. */
static void set_cols(const fixture *f, const char *name, tg_tensor *x, int fcols, int c0) {
    const fx_tensor *s = fx_get(f, name);
    int cols = x->shape[x->rank - 1];
    CHECK(s && s->size / (size_t)fcols * (size_t)cols == x->size, "%s missing or of another size", name);
    if (!s || s->size / (size_t)fcols * (size_t)cols != x->size) return;
    for (size_t i = 0; i < x->size; i++)
        x->data[i] = (tg_real)s->v[(i / (size_t)cols) * (size_t)fcols + (size_t)c0 + i % (size_t)cols];
}

static tg_status backward_r(tg_tape *t, const fixture *f, tg_tensor *y) {
    tg_tensor *r = tg_tape_tensor(t, y->rank, y->shape, NULL, 0);
    fx_set(f, "r", r);
    return tg_backward(t, tg_sum(t, tg_mul(t, y, r)), NULL);
}

static const char *const mha_cases[] = {"mha", "mha_causal", "mha_pad", "mha_causal_pad", "mha_cross_pad"};

static void run_mha(const char *name, bool fused) {
    fixture f;
    if (!fx_load_from(&f, "attn", name)) return;
    char c[64];
    snprintf(c, sizeof c, "%s (%s)", name, fused ? "fused" : "separate");
    tg_rng g;
    tg_rng_seed(&g, 1);
    tg_tensor *x = fx_tensor_of(&f, "x", TG_REQUIRES_GRAD), *mem = fx_tensor_of(&f, "mem", TG_REQUIRES_GRAD);
    tg_tensor *kp = fx_tensor_of(&f, "key_pad", 0);
    tg_mha *m = tg_mha_new("a", 12, 3, fused, 0, &g);
    CHECK(m != NULL, "%s: %s", c, tg_last_error());
    tg_tape *t = tg_tape_new();
    tg_tape_set_anomaly_detection(t, true); /* the -inf fills are accepted */
    if (m && fused) {
        fx_set(&f, "qkv.W", m->qkv.W);
        fx_set(&f, "qkv.b", m->qkv.b);
    } else if (m) {
        tg_linear *ls[3] = {&m->q, &m->k, &m->v};
        for (int i = 0; i < 3; i++) {
            set_cols(&f, "qkv.W", ls[i]->W, 36, 12 * i);
            set_cols(&f, "qkv.b", ls[i]->b, 36, 12 * i);
        }
    }
    if (m) {
        fx_set(&f, "out.W", m->out.W);
        fx_set(&f, "out.b", m->out.b);
    }
    tg_tensor *kv = mem ? mem : x;
    tg_tensor *y = tg_mha_forward(t, m, x, kv, kv, kp, meta_int(&f, "causal") != 0, NULL, true);
    CHECK(y != NULL, "%s: %s", c, tg_tape_message(t));
    if (y) {
        compare(c, &f, "out", y, false);
        CHECK(backward_r(t, &f, y) == TG_OK, "%s: backward: %s", c, tg_tape_message(t));
        compare(c, &f, "grad.x", x, true);
        if (mem) compare(c, &f, "grad.mem", mem, true);
        if (fused) {
            compare(c, &f, "grad.qkv.W", m->qkv.W, true);
            compare(c, &f, "grad.qkv.b", m->qkv.b, true);
        } else {
            tg_linear *ls[3] = {&m->q, &m->k, &m->v};
            for (int i = 0; i < 3; i++) {
                compare_cols(c, &f, "grad.qkv.W", ls[i]->W->grad, ls[i]->W->size, 12, 36, 12 * i);
                compare_cols(c, &f, "grad.qkv.b", ls[i]->b->grad, ls[i]->b->size, 12, 36, 12 * i);
            }
        }
        compare(c, &f, "grad.out.W", m->out.W, true);
        compare(c, &f, "grad.out.b", m->out.b, true);
    }
    printf("%-28s worst relative difference %.3g\n", c, case_worst);
    case_worst = 0;
    tg_tape_free(t);
    tg_mha_free(m);
    tg_tensor_free(x);
    tg_tensor_free(mem);
    tg_tensor_free(kp);
    fx_free(&f);
}

static const char *const block_cases[] = {"enc_post_relu", "enc_pre_gelu", "enc_post_gelu_causal",
                                          "enc_pre_relu_causal", "dec_post_relu", "dec_pre_gelu",
                                          "dec_post_gelu", "dec_pre_relu"};

static void run_block(const char *name) {
    fixture f;
    if (!fx_load_from(&f, "attn", name)) return;
    tg_rng g;
    tg_rng_seed(&g, 2);
    bool dec = meta_int(&f, "decoder") != 0, causal = meta_int(&f, "causal") != 0;
    tg_block_config cfg = {.dim = 12, .heads = 3, .ff_dim = 7, .dropout = 0,
                           .act = meta_int(&f, "gelu") ? TG_FF_GELU : TG_FF_RELU,
                           .norm_first = meta_int(&f, "norm_first") != 0, .eps = 1e-5};
    tg_block *b = tg_block_new("b", &cfg, dec, &g);
    CHECK(b != NULL, "%s: %s", name, tg_last_error());
    tg_tensor *x = fx_tensor_of(&f, "x", TG_REQUIRES_GRAD), *mem = fx_tensor_of(&f, "mem", TG_REQUIRES_GRAD);
    tg_tensor *kp = fx_tensor_of(&f, "key_pad", 0), *mp = fx_tensor_of(&f, "mem_pad", 0);
    tg_params ps = {0};
    tg_block_params(b, &ps);
    CHECK(ps.n == (dec ? 18 : 12), "%s: %d parameters", name, ps.n);
    for (int i = 0; i < ps.n; i++) fx_set(&f, ps.items[i]->name + 2, ps.items[i]); /* after "b." */
    tg_tape *t = tg_tape_new();
    tg_tape_set_anomaly_detection(t, true);
    tg_tensor *y = dec ? tg_decoder_forward(t, b, x, mem, kp, mp, causal, NULL, true)
                       : tg_encoder_forward(t, b, x, kp, causal, NULL, true);
    CHECK(y != NULL, "%s: %s", name, tg_tape_message(t));
    if (y) {
        compare(name, &f, "out", y, false);
        CHECK(backward_r(t, &f, y) == TG_OK, "%s: backward: %s", name, tg_tape_message(t));
        compare(name, &f, "grad.x", x, true);
        if (mem) compare(name, &f, "grad.mem", mem, true);
        char nm[64];
        for (int i = 0; i < ps.n; i++) {
            snprintf(nm, sizeof nm, "grad.%s", ps.items[i]->name + 2);
            compare(name, &f, nm, ps.items[i], true);
        }
    }
    printf("%-28s worst relative difference %.3g\n", name, case_worst);
    case_worst = 0;
    tg_tape_free(t);
    tg_params_free(&ps);
    tg_block_free(b);
    tg_tensor_free(x);
    tg_tensor_free(mem);
    tg_tensor_free(kp);
    tg_tensor_free(mp);
    fx_free(&f);
}

#if TG_REAL_IS_DOUBLE
/* ---- finite differences (double build): in[0] = x, in[1] = mem, then the layer's
 * parameters; key padding hides key 1 of batch row 1. ---- */
typedef struct {
    const tg_mha *m;
    const tg_block *b;
    const tg_pos_embedding *pe;
    tg_tensor *pad, *mem_pad;
    bool causal;
} fd_ctx;

static tg_tensor *build_fd(tg_tape *t, tg_tensor *const *in, void *user) {
    fd_ctx *c = user;
    if (c->m) return tg_mha_forward(t, c->m, in[0], in[1], in[1], c->pad, c->causal, NULL, false);
    if (c->pe) return tg_pos_embedding_forward(t, c->pe, in[0]);
    if (c->b->decoder)
        return tg_decoder_forward(t, c->b, in[0], in[1], c->pad, c->mem_pad, c->causal, NULL, false);
    return tg_encoder_forward(t, c->b, in[0], c->pad, c->causal, NULL, false);
}

static void fd_check(const char *label, fd_ctx *c, tg_tensor *x, tg_tensor *mem, const tg_params *ps) {
    tg_tensor *in[24] = {x, mem};
    int n = 2;
    for (int i = 0; i < ps->n && n < 24; i++) in[n++] = ps->items[i];
    check_op_ctx cc = {build_fd, c};
    tg_gradcheck_result res[24];
    bool ok = false;
    tg_status st = tg_gradcheck(check_op_loss, &cc, in, n, NULL, res, &ok);
    CHECK(st == TG_OK, "%s: gradcheck did not run: %s", label, tg_last_error());
    for (int k = 0; st == TG_OK && k < n; k++) {
        /* dL/db_k is exactly 0 (softmax ignores q.b_k, the same for every key): its
         * check cannot be conclusive */
        const char *nm = in[k]->name;
        bool zero = strlen(nm) >= 4 && strcmp(nm + strlen(nm) - 4, ".k.b") == 0;
        bool fine = res[k].passed || (zero && res[k].verdict == TG_CHECK_INCONCLUSIVE);
        CHECK(fine, "%s: input %d: %s", label, k, tg_verdict_name(res[k].verdict));
        if (!fine) tg_gradcheck_print(stdout, &res[k], 1);
    }
}

static void test_fd(void) {
    tg_rng g;
    tg_rng_seed(&g, 3);
    tg_tensor *x = check_input(&g, 3, (int[]){2, 3, 4}, -1, 1), *mem = check_input(&g, 3, (int[]){2, 4, 4}, -1, 1);
    tg_tensor *pad3 = tg_tensor_from(2, (int[]){2, 3}, (tg_real[]){0, 0, 0, 0, 1, 0}, 0);
    tg_tensor *pad4 = tg_tensor_from(2, (int[]){2, 4}, (tg_real[]){0, 0, 0, 1, 1, 0, 0, 0}, 0);
    for (int fused = 0; fused < 2; fused++) {
        tg_mha *m = tg_mha_new("a", 4, 2, fused, 0, &g);
        tg_params ps = {0};
        tg_mha_params(m, &ps);
        fd_check(fused ? "mha fused, cross, padded" : "mha separate, cross, padded",
                 &(fd_ctx){.m = m, .pad = pad4}, x, mem, &ps);
        fd_check("mha self, causal", &(fd_ctx){.m = m, .pad = pad3, .causal = true}, x, x, &ps);
        tg_params_free(&ps);
        tg_mha_free(m);
    }
    for (int k = 0; k < 4; k++) {
        bool dec = k >= 2, pre = k % 2;
        tg_block_config cfg = {.dim = 4, .heads = 2, .ff_dim = 5, .act = TG_FF_GELU, .norm_first = pre, .eps = 1e-5};
        tg_block *b = tg_block_new("b", &cfg, dec, &g);
        /* odd norm parameters, so that their gradients are not trivially symmetric */
        tg_layer_norm *ns[3] = {b->n1, b->n2, b->n3};
        for (int i = 0; i < 3; i++)
            if (ns[i]) {
                tg_tensor_uniform(ns[i]->gamma, &g, (tg_real)0.5, (tg_real)1.5);
                tg_tensor_uniform(ns[i]->beta, &g, (tg_real)-0.5, (tg_real)0.5);
            }
        tg_params ps = {0};
        tg_block_params(b, &ps);
        char label[64];
        snprintf(label, sizeof label, "%s block, %s-norm", dec ? "decoder" : "encoder", pre ? "pre" : "post");
        fd_check(label, &(fd_ctx){.b = b, .pad = pad3, .mem_pad = pad4, .causal = true}, x, mem, &ps);
        tg_params_free(&ps);
        tg_block_free(b);
    }
    tg_pos_embedding *pe = tg_pos_embedding_new("pos", 6, 4, &g);
    tg_params ps = {0};
    tg_pos_embedding_params(pe, &ps);
    fd_check("positional embedding", &(fd_ctx){.pe = pe}, x, mem, &ps);
    tg_params_free(&ps);
    tg_pos_embedding_free(pe);
    tg_tensor_free(x);
    tg_tensor_free(mem);
    tg_tensor_free(pad3);
    tg_tensor_free(pad4);
}

#endif

/* Positional embedding by hand; dropout in training mode changes the output and
 * evaluation mode does not. */
static void test_forward_rules(void) {
    tg_rng g;
    tg_rng_seed(&g, 4);
    tg_pos_embedding *pe = tg_pos_embedding_new("pos", 4, 2, &g);
    tg_tape *t = tg_tape_new();
    tg_tensor *x = tg_tape_tensor(t, 3, (int[]){2, 3, 2}, (tg_real[]){1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 0);
    tg_tensor *y = tg_pos_embedding_forward(t, pe, x);
    CHECK(y != NULL, "pos: %s", tg_tape_message(t));
    for (size_t i = 0; y && i < 12; i++)
        CHECK_NEAR(y->data[i], x->data[i] + pe->P->data[i % 6], 1e-6);
    tg_block_config cfg = {.dim = 4, .heads = 2, .ff_dim = 6, .dropout = 0.5, .eps = 1e-5};
    tg_block *b = tg_block_new("e", &cfg, false, &g);
    tg_tensor *x4 = tg_tape_full(t, 3, (int[]){1, 3, 4}, (tg_real)0.5);
    for (size_t i = 0; i < x4->size; i++) x4->data[i] = (tg_real)(0.1 * (double)i);
    tg_tensor *e1 = tg_encoder_forward(t, b, x4, NULL, false, NULL, false);
    tg_tensor *e2 = tg_encoder_forward(t, b, x4, NULL, false, NULL, false);
    tg_tensor *e3 = tg_encoder_forward(t, b, x4, NULL, false, &g, true);
    CHECK(e1 && e2 && e3, "dropout: %s", tg_tape_message(t));
    double d12 = 0, d13 = 0;
    for (size_t i = 0; e1 && e2 && e3 && i < e1->size; i++) {
        d12 = fmax(d12, fabs((double)(e1->data[i] - e2->data[i])));
        d13 = fmax(d13, fabs((double)(e1->data[i] - e3->data[i])));
    }
    CHECK(d12 == 0 && d13 > 1e-3, "dropout: eval differs by %g, training by %g", d12, d13);
    tg_tape_reset(t);
    CHECK(tg_encoder_forward(t, b, tg_tape_full(t, 3, (int[]){1, 3, 4}, 1), NULL, false, NULL, true) == NULL,
          "training dropout without an rng fails");
    tg_block_free(b);
    tg_tape_free(t);
    tg_pos_embedding_free(pe);
}

/* Embedding-free decoder-only step (pos + encoder block, causal) and an encoder-
 * decoder step with padding, Adam: steps after the first allocate nothing. */
static void test_steady(void) {
    tg_rng g;
    tg_rng_seed(&g, 5);
    tg_block_config cfg = {.dim = 8, .heads = 2, .ff_dim = 16, .dropout = 0.1, .act = TG_FF_GELU,
                           .norm_first = true, .eps = 1e-5};
    tg_block *enc = tg_block_new("enc", &cfg, false, &g), *dec = tg_block_new("dec", &cfg, true, &g);
    tg_pos_embedding *pe = tg_pos_embedding_new("pos", 16, 8, &g);
    tg_params ps = {0};
    tg_block_params(enc, &ps);
    tg_block_params(dec, &ps);
    tg_pos_embedding_params(pe, &ps);
    tg_adam_opts ao = tg_adam_defaults();
    tg_optim *opt = tg_adam_new(&ps, &ao);
    tg_tensor *x = tg_tensor_new(3, (int[]){2, 6, 8}, 0), *src = tg_tensor_new(3, (int[]){2, 5, 8}, 0);
    tg_tensor *mp = tg_tensor_from(2, (int[]){2, 5}, (tg_real[]){0, 0, 0, 0, 1, 0, 0, 0, 1, 1}, 0);
    tg_tensor_uniform(x, &g, -1, 1);
    tg_tensor_uniform(src, &g, -1, 1);
    tg_tape *t = tg_tape_new();
    size_t before = 0;
    for (int step = 0; step < 4; step++) {
        if (step == 2) before = tg_alloc_count();
        tg_tape_reset(t);
        tg_params_zero_grad(&ps);
        tg_tensor *m = tg_encoder_forward(t, enc, tg_pos_embedding_forward(t, pe, src), mp, false, &g, true);
        tg_tensor *y = tg_decoder_forward(t, dec, tg_pos_embedding_forward(t, pe, x), m, NULL, mp, true, &g, true);
        tg_tensor *L = tg_mean(t, tg_square(t, y));
        CHECK(L && tg_backward(t, L, NULL) == TG_OK, "Transformer step %d: %s", step, tg_tape_message(t));
        CHECK(tg_optim_step(opt) == TG_OK, "Adam step %d: %s", step, tg_last_error());
    }
    CHECK(tg_alloc_count() == before, "a Transformer step allocates nothing (%zu allocations)",
          tg_alloc_count() - before);
    tg_tape_free(t);
    tg_optim_free(opt);
    tg_params_free(&ps);
    tg_tensor_free(x);
    tg_tensor_free(src);
    tg_tensor_free(mp);
    tg_block_free(enc);
    tg_block_free(dec);
    tg_pos_embedding_free(pe);
}

int main(void) {
    int n = 0;
    for (size_t i = 0; i < sizeof mha_cases / sizeof mha_cases[0]; i++, n += 2) {
        run_mha(mha_cases[i], true);
        run_mha(mha_cases[i], false);
    }
    for (size_t i = 0; i < sizeof block_cases / sizeof block_cases[0]; i++, n++) run_block(block_cases[i]);
    printf("%d cases; worst relative difference from PyTorch %.3g\n", n, worst);
#if TG_REAL_IS_DOUBLE
    test_fd();
#endif
    test_forward_rules();
    test_steady();
    return check_done();
}
