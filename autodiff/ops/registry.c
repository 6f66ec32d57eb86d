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

/* matmul_t(transpose a, transpose b): "a^T, b" */
static void fmt_transposes(const tg_node *n, int precision, char *buf, size_t cap) {
    (void)precision;
    snprintf(buf, cap, "%s, %s", n->args.i[0] ? "a^T" : "a", n->args.i[1] ? "b^T" : "b");
}

/* ---- the definitions and the table ---- */

#define EW TG_OPF_ELEMENTWISE
#define VIEW TG_OPF_VIEW

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
