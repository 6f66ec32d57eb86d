/* registry.c — the built-in ops' definitions and the op table, both expanded from the
 * one list in registry.h, and the argument formatters the table names. */
#include <stdio.h>
#include "ops_private.h"

/* ---- argument formatters: the op's scalar arguments as the display shows them ---- */

static void fmt_none(const tg_node *n, int precision, char *buf, size_t cap) {
    (void)n, (void)precision;
    if (cap) buf[0] = '\0';
}
/* add_scalar(0.5), mul_scalar, pow_scalar, leaky_relu: f[0] */
static void fmt_scalar(const tg_node *n, int precision, char *buf, size_t cap) {
    tg__num_fmt(n->args.f[0], precision, buf, cap);
}
/* clamp(lo, hi) */
static void fmt_bounds(const tg_node *n, int precision, char *buf, size_t cap) {
    char lo[64], hi[64];
    snprintf(buf, cap, "%s, %s", tg__num_fmt(n->args.f[0], precision, lo, sizeof lo),
             tg__num_fmt(n->args.f[1], precision, hi, sizeof hi));
}
/* sum_axis(axis 1, keepdim) */
static void fmt_axis_keepdim(const tg_node *n, int precision, char *buf, size_t cap) {
    (void)precision;
    snprintf(buf, cap, "axis %ld%s", n->args.i[0], n->args.i[1] ? ", keepdim" : "");
}
/* transpose(0, 1) */
static void fmt_axes(const tg_node *n, int precision, char *buf, size_t cap) {
    (void)precision;
    snprintf(buf, cap, "%ld, %ld", n->args.i[0], n->args.i[1]);
}
/* slice(axis 1, 2:5) */
static void fmt_slice(const tg_node *n, int precision, char *buf, size_t cap) {
    (void)precision;
    snprintf(buf, cap, "axis %ld, %ld:%ld", n->args.i[0], n->args.i[1], n->args.i[1] + n->args.i[2]);
}
/* concat(axis 0) */
static void fmt_axis(const tg_node *n, int precision, char *buf, size_t cap) {
    (void)precision;
    snprintf(buf, cap, "axis %ld", n->args.i[0]);
}

/* index_select(axis 1, n 3), gather */
static void fmt_axis_n(const tg_node *n, int precision, char *buf, size_t cap) {
    (void)precision;
    snprintf(buf, cap, "axis %ld, n %ld", n->args.i[0], n->args.i[1]);
}
/* permute(2, 0, 1): the packed permutation (4 bits per axis) */
static void fmt_perm(const tg_node *n, int precision, char *buf, size_t cap) {
    (void)precision;
    size_t k = 0;
    if (cap) buf[0] = '\0';
    for (int a = 0; a < n->in[0]->rank && k < cap; a++)
        k += (size_t)snprintf(buf + k, cap - k, a ? ", %ld" : "%ld", (n->args.i[1] >> (4 * a)) & 15);
}
/* var(axis 1, correction 1, keepdim) */
static void fmt_var(const tg_node *n, int precision, char *buf, size_t cap) {
    char c[64];
    snprintf(buf, cap, "axis %ld, correction %s%s", n->args.i[0],
             tg__num_fmt(n->args.f[0], precision, c, sizeof c), n->args.i[1] ? ", keepdim" : "");
}
/* unfold(kernel 3x2, stride 2x1, padding 1x0, dilation 1x1) */
static void fmt_unfold(const tg_node *n, int precision, char *buf, size_t cap) {
    (void)precision;
    const int *g = n->args.p; /* dims, k[2], s[2], p[2], d[2] (conv.c's geometry) */
    if (!g) {
        if (cap) buf[0] = '\0';
        return;
    }
    snprintf(buf, cap, "kernel %dx%d, stride %dx%d, padding %dx%d, dilation %dx%d", g[1], g[2], g[3],
             g[4], g[5], g[6], g[7], g[8]);
}
/* dropout(p 0.1, train) */
static void fmt_dropout(const tg_node *n, int precision, char *buf, size_t cap) {
    char p[64];
    snprintf(buf, cap, "p %s, %s", tg__num_fmt(n->args.f[0], precision, p, sizeof p),
             n->args.i[0] ? "train" : "eval");
}
/* matmul_t(A, B^T) */
static void fmt_trans(const tg_node *n, int precision, char *buf, size_t cap) {
    (void)precision;
    snprintf(buf, cap, "A%s, B%s", n->args.i[0] ? "^T" : "", n->args.i[1] ? "^T" : "");
}

/* head_scores(a+off, b+off, heads x head_dim, alpha) */
static void fmt_heads(const tg_node *n, int precision, char *buf, size_t cap) {
    char a[64];
    snprintf(buf, cap, "a+%ld, b+%ld, %ld heads x %ld, alpha %s", n->args.i[0], n->args.i[1], n->args.i[2],
             n->args.i[3], tg__num_fmt(n->args.f[0], precision, a, sizeof a));
}
/* head_mix(P or P^T, v+off -> width at off, head_dim, alpha) */
static void fmt_mix(const tg_node *n, int precision, char *buf, size_t cap) {
    char a[64];
    snprintf(buf, cap, "P%s, v+%ld, width %ld at %ld, head_dim %g, alpha %s", n->args.i[1] ? "^T" : "",
             n->args.i[0], n->args.i[2], n->args.i[3], n->args.f[1], tg__num_fmt(n->args.f[0], precision, a, sizeof a));
}

/* head_attention(q+off, k+off, v+off, heads x head_dim, alpha) */
static void fmt_attention(const tg_node *n, int precision, char *buf, size_t cap) {
    char a[64];
    snprintf(buf, cap, "q+%ld, k+%ld, v+%ld, %ld heads x %g, alpha %s", n->args.i[0], n->args.i[1], n->args.i[2],
             n->args.i[3], n->args.f[1], tg__num_fmt(n->args.f[0], precision, a, sizeof a));
}

/* ---- the definitions and the table ---- */

/* An op whose line names no_graph has no graph form yet: backward_graph is NULL, and
 * a recorded sweep through it is refused with a message naming the op. */
#define tg__no_graph NULL

#define EW TG_OPF_ELEMENTWISE
#define VIEW TG_OPF_VIEW
#define FILL TG_OPF_FILLS
#define ST TG__OPF_STORE

#define OP(name, inputs, flags, shape, forward, backward, graph, args, derivative) \
    const tg_op tg__op_##name = {"tg_" #name, inputs, flags, tg__infer_##shape,   \
                                 tg__##forward, tg__##backward, tg__##graph};
#include "registry.h"
#undef OP

static const tg_op_info table[] = {
#define OP(name, inputs, flags, shape, forward, backward, graph, args, derivative) \
    {&tg__op_##name, derivative, fmt_##args},
#include "registry.h"
#undef OP
};

const tg_op_info *tg_op_table(size_t *n) {
    if (n) *n = sizeof table / sizeof table[0];
    return table;
}

const tg_op_info *tg_op_info_of(const tg_op *op) {
    for (size_t i = 0; op && i < sizeof table / sizeof table[0]; i++)
        if (table[i].op == op) return &table[i];
    return NULL;
}
