/* tensor.c — long-lived tensors, element access, shapes and the seeded RNG. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <tg/core.h>

_Atomic unsigned long long tg__version_writes;

char *tg__shape_fmt(int rank, const int *shape, char *buf, size_t n) {
    size_t k = 0;
    if (n == 0) return buf;
    buf[0] = '\0';
    k += (size_t)snprintf(buf + k, n - k, "(");
    for (int i = 0; i < rank && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, i ? ",%d" : "%d", shape[i]);
    if (k < n) snprintf(buf + k, n - k, ")");
    return buf;
}

char *tg__num_fmt(double v, int precision, char *buf, size_t n) {
    if (v == 0) v = 0; /* -0 prints as 0: the sign of a zero is rounding noise here */
    snprintf(buf, n, "%.*g", precision, v);
    return buf;
}

char *tg_shape_str(const tg_tensor *x, char *buf, size_t n) {
    if (!buf) return NULL; /* nowhere to write (n is then meaningless) */
    if (!x) {
        if (n) snprintf(buf, n, "(null)");
        return buf;
    }
    return tg__shape_fmt(x->rank, x->shape, buf, n);
}

size_t tg__shape_size(const char *op, int rank, const int *shape, tg_status *st) {
    *st = TG_OK;
    if (rank < 0 || rank > TG_MAX_RANK) {
        *st = tg__error(TG_ERR_SHAPE, "%s: rank %d is outside 0..%d", op, rank, TG_MAX_RANK);
        return 0;
    }
    if (rank > 0 && !shape) {
        *st = tg__error(TG_ERR_ARG, "%s: shape is NULL for rank %d", op, rank);
        return 0;
    }
    size_t n = 1;
    for (int i = 0; i < rank; i++) {
        if (shape[i] < 1) {
            *st = tg__error(TG_ERR_SHAPE, "%s: dimension %d is %d (must be >= 1)", op, i,
                            shape[i]);
            return 0;
        }
        if (!tg__mul_size(n, (size_t)shape[i], &n)) {
            char b[128];
            *st = tg__error(TG_ERR_SHAPE, "%s: element count of %s overflows size_t", op,
                            tg__shape_fmt(rank, shape, b, sizeof b));
            return 0;
        }
    }
    /* Values, a gradient of the same size and headers must add up without wrapping
     * wherever the tensor is allocated (tensor_new, the arena). */
    if (n > TG__MAX_BYTES / sizeof(tg_real)) {
        char b[128];
        *st = tg__error(TG_ERR_NOMEM, "%s: out of memory for a tensor of shape %s (%zu elements; at most %zu fit the address space)",
                        op, tg__shape_fmt(rank, shape, b, sizeof b), n,
                        TG__MAX_BYTES / sizeof(tg_real));
        return 0;
    }
    return n;
}

void tg__tensor_init(tg_tensor *x, int rank, const int *shape, size_t size) {
    memset(x, 0, sizeof *x);
    x->rank = rank;
    for (int i = 0; i < TG_MAX_RANK; i++) x->shape[i] = i < rank ? shape[i] : 1;
    x->size = size;
}

static tg_tensor *tensor_new(const char *op, int rank, const int *shape, unsigned flags) {
    tg_status st;
    size_t n = tg__shape_size(op, rank, shape, &st);
    if (st != TG_OK) return NULL;
    /* One block: header, then values, then (optionally) gradient. */
    bool grad = (flags & (TG_REQUIRES_GRAD | TG_PARAM)) != 0;
    size_t hdr = (sizeof(tg_tensor) + 63) & ~(size_t)63;
    size_t bytes = 0, total = 0;
    /* n <= TG__MAX_BYTES / sizeof(tg_real) makes these hold; checked all the same. */
    bool fits = tg__mul_size(n, sizeof(tg_real), &bytes) &&
                tg__mul_size(bytes, grad ? 2 : 1, &total) && tg__add_size(total, hdr + 64, &total);
    unsigned char *mem = fits ? tg__calloc(1, total) : NULL;
    if (!mem) {
        char b[128];
        tg__error(TG_ERR_NOMEM, "%s: out of memory for a tensor of shape %s", op,
                  tg__shape_fmt(rank, shape, b, sizeof b));
        return NULL;
    }
    tg_tensor *x = (tg_tensor *)mem;
    tg__tensor_init(x, rank, shape, n);
    /* Align data to 64 bytes for vector loads. */
    uintptr_t d = ((uintptr_t)(mem + hdr) + 63) & ~(uintptr_t)63;
    x->data = (tg_real *)d;
    if (grad) {
        x->grad = x->data + n;
        flags |= TG_REQUIRES_GRAD;
    }
    x->flags = flags | TG_OWNED;
    return x;
}

tg_tensor *tg_tensor_new(int rank, const int *shape, unsigned flags) {
    return tensor_new("tg_tensor_new", rank, shape, flags & (TG_REQUIRES_GRAD | TG_PARAM));
}

tg_tensor *tg_tensor_from(int rank, const int *shape, const tg_real *data, unsigned flags) {
    tg_tensor *x = tensor_new("tg_tensor_from", rank, shape, flags & (TG_REQUIRES_GRAD | TG_PARAM));
    if (x && data) memcpy(x->data, data, x->size * sizeof(tg_real));
    return x; /* version 0: nothing can have saved it yet */
}

tg_tensor *tg_param_new(const char *name, int rank, const int *shape) {
    tg_tensor *x = tensor_new("tg_param_new", rank, shape, TG_PARAM | TG_REQUIRES_GRAD);
    if (x && name) snprintf(x->name, sizeof x->name, "%s", name);
    return x;
}

tg_tensor *tg_name(tg_tensor *x, const char *name) {
    if (x) snprintf(x->name, sizeof x->name, "%s", name ? name : "");
    return x;
}

void tg_tensor_free(tg_tensor *x) {
    if (!x || !(x->flags & TG_OWNED)) return;
    tg__free(x);
}

void tg_tensor_mark_dirty(tg_tensor *x) {
    if (x) tg__bump(x);
}

uint64_t tg_tensor_version(const tg_tensor *x) { return x ? tg__version_owner(x)->version : 0; }

void tg_tensor_fill(tg_tensor *x, tg_real v) {
    if (!x) return;
    tg__bump(x);
    for (size_t i = 0; i < x->size; i++) x->data[i] = v;
}

tg_status tg_tensor_copy_from(tg_tensor *x, const tg_real *data, size_t n) {
    if (!x || !data) return tg__error(TG_ERR_ARG, "tg_tensor_copy_from: %s is NULL", x ? "data" : "x");
    if (n != x->size) {
        char b[128];
        return tg__error(TG_ERR_SHAPE, "tg_tensor_copy_from: %zu values given for a tensor of shape %s (%zu elements)",
                         n, tg_shape_str(x, b, sizeof b), x->size);
    }
    memmove(x->data, data, n * sizeof(tg_real));
    tg__bump(x);
    return TG_OK;
}

void tg_tensor_zero_grad(tg_tensor *x) {
    if (x && x->grad) memset(x->grad, 0, x->size * sizeof(tg_real));
}

static bool flat_index(const char *op, const tg_tensor *x, const int *idx, size_t *out) {
    if (!x || (!idx && x->rank > 0)) {
        tg__error(TG_ERR_ARG, "%s: %s is NULL", op, x ? "idx" : "x");
        return false;
    }
    size_t k = 0;
    for (int i = 0; i < x->rank; i++) {
        if (idx[i] < 0 || idx[i] >= x->shape[i]) {
            char b[128];
            tg__error(TG_ERR_RANGE, "%s: index %d on axis %d is outside 0..%d of shape %s", op,
                      idx[i], i, x->shape[i] - 1, tg_shape_str(x, b, sizeof b));
            return false;
        }
        k = k * (size_t)x->shape[i] + (size_t)idx[i];
    }
    *out = k;
    return true;
}

tg_real tg_tensor_get(const tg_tensor *x, const int *idx) {
    size_t k;
    if (!flat_index("tg_tensor_get", x, idx, &k)) return (tg_real)NAN;
    return x->data[k];
}

tg_status tg_tensor_set(tg_tensor *x, const int *idx, tg_real v) {
    size_t k;
    if (!flat_index("tg_tensor_set", x, idx, &k)) return tg_last_status();
    x->data[k] = v;
    tg__bump(x);
    return TG_OK;
}

tg_real tg_item(const tg_tensor *x) {
    if (!x || x->size != 1) {
        char b[128];
        tg__error(x ? TG_ERR_SHAPE : TG_ERR_ARG, "tg_item: expected one element, got %s",
                  x ? tg_shape_str(x, b, sizeof b) : "NULL");
        return (tg_real)NAN;
    }
    return x->data[0];
}

tg_real tg_grad_at(const tg_tensor *x, size_t i) {
    if (!x) {
        tg__error(TG_ERR_ARG, "tg_grad_at: x is NULL");
        return 0;
    }
    if (i >= x->size) { /* 0 as documented, and the mistake reported */
        char b[128];
        tg__error(TG_ERR_RANGE, "tg_grad_at: index %zu is outside 0..%zu of shape %s", i,
                  x->size - 1, tg_shape_str(x, b, sizeof b));
        return 0;
    }
    return x->grad ? x->grad[i] : 0;
}

/* ---- RNG: splitmix64 to seed xoshiro256** (Blackman & Vigna) ---- */

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void tg_rng_seed(tg_rng *r, uint64_t seed) {
    if (!r) return;
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&seed);
    r->has_spare = 0;
    r->spare = 0;
}

uint64_t tg_rng_u64(tg_rng *r) {
    if (!r) { /* a caller's mistake must not crash: 0 and the error */
        tg__error(TG_ERR_ARG, "tg_rng_u64: r is NULL");
        return 0;
    }
    return tg__xoshiro_next(r->s);
}

double tg_rng_uniform(tg_rng *r) {
    if (!r) {
        tg__error(TG_ERR_ARG, "tg_rng_uniform: r is NULL");
        return NAN;
    }
    return (double)(tg_rng_u64(r) >> 11) * 0x1.0p-53;
}

double tg_rng_normal(tg_rng *r) {
    if (!r) {
        tg__error(TG_ERR_ARG, "tg_rng_normal: r is NULL");
        return NAN;
    }
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    /* Box-Muller; u1 in (0,1] so log is finite. */
    double u1 = 1.0 - tg_rng_uniform(r), u2 = tg_rng_uniform(r);
    double rad = sqrt(-2.0 * log(u1)), th = 6.283185307179586 * u2;
    r->spare = rad * sin(th);
    r->has_spare = 1;
    return rad * cos(th);
}

void tg_tensor_uniform(tg_tensor *x, tg_rng *r, tg_real lo, tg_real hi) {
    if (!x || !r) { /* nothing to fill or nothing to draw from: say so */
        tg__error(TG_ERR_ARG, "tg_tensor_uniform: %s is NULL", x ? "r" : "x");
        return;
    }
    tg__bump(x);
    for (size_t i = 0; i < x->size; i++)
        x->data[i] = (tg_real)(lo + (hi - lo) * tg_rng_uniform(r));
}

void tg_tensor_normal(tg_tensor *x, tg_rng *r, tg_real mean, tg_real std) {
    if (!x || !r) {
        tg__error(TG_ERR_ARG, "tg_tensor_normal: %s is NULL", x ? "r" : "x");
        return;
    }
    tg__bump(x);
    for (size_t i = 0; i < x->size; i++) x->data[i] = (tg_real)(mean + std * tg_rng_normal(r));
}
