/* test_tensor.c — long-lived tensors, element access, errors, and the RNG giving
 * the same numbers on every machine. */
#include "check.h"

static void test_create(void) {
    tg_tensor *x = tg_tensor_new(2, (int[]){2, 3}, 0);
    CHECK(x && x->size == 6 && x->rank == 2 && x->grad == NULL, "new");
    for (size_t i = 0; i < 6; i++) CHECK(x->data[i] == 0, "zeros");
    tg_tensor_fill(x, 1);
    CHECK(x->data[5] == 1, "ones");
    CHECK(((uintptr_t)x->data & 63) == 0, "data is 64-byte aligned");
    CHECK(tg_tensor_set(x, (int[]){1, 2}, 7) == TG_OK && tg_tensor_get(x, (int[]){1, 2}) == 7, "set/get");
    CHECK(isnan((double)tg_tensor_get(x, (int[]){2, 0})), "out of range gives NaN");
    CHECK_ERR(NULL, TG_ERR_RANGE, "tg_tensor_get: index 2 on axis 0 is outside 0..1 of shape (2,3)");
    CHECK(tg_tensor_set(x, (int[]){0, -1}, 1) == TG_ERR_RANGE, "set range");
    char b[32];
    CHECK(strcmp(tg_shape_str(x, b, sizeof b), "(2,3)") == 0, "shape str");
    CHECK(tg_tensor_copy_from(x, (tg_real[]){1, 2}, 2) == TG_ERR_SHAPE, "copy count");
    CHECK_ERR(NULL, TG_ERR_SHAPE, "tg_tensor_copy_from: 2 values given for a tensor of shape (2,3) (6 elements)");
    tg_tensor_free(x);

    tg_tensor *s = tg_tensor_from(0, NULL, (tg_real[]){4.5}, TG_REQUIRES_GRAD);
    CHECK(s && s->size == 1 && tg_item(s) == (tg_real)4.5 && s->grad && s->grad[0] == 0, "scalar");
    tg_tensor_free(s);
    tg_tensor *p = tg_param_new("layer.0.weight_that_is_a_very_long_name_indeed_yes", 1, (int[]){3});
    CHECK(p && (p->flags & TG_PARAM) && strlen(p->name) == 47, "param name truncated to 47");
    CHECK(isnan((double)tg_item(p)), "item of 3 elements");
    CHECK_ERR(NULL, TG_ERR_SHAPE, "tg_item: expected one element, got (3)");
    tg_tensor_free(p);
    tg_tensor_free(NULL);

    CHECK(tg_tensor_new(2, (int[]){3, -1}, 0) == NULL, "negative dim");
    CHECK_ERR(NULL, TG_ERR_SHAPE, "tg_tensor_new: dimension 1 is -1 (must be >= 1)");
    CHECK(tg_tensor_new(-1, NULL, 0) == NULL, "negative rank");
    CHECK_ERR(NULL, TG_ERR_SHAPE, "tg_tensor_new: rank -1 is outside 0..8");
    CHECK(tg_tensor_new(2, NULL, 0) == NULL, "NULL shape");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_tensor_new: shape is NULL for rank 2");
    CHECK(tg_tensor_new(3, (int[]){1 << 30, 1 << 30, 1 << 30}, 0) == NULL, "overflow");
    CHECK_ERR(NULL, TG_ERR_SHAPE, "overflows size_t");
    CHECK(strcmp(tg_status_name(TG_ERR_NOMEM), "TG_ERR_NOMEM") == 0, "status names");
    CHECK(strcmp(tg_status_name((tg_status)99), "TG_ERR_UNKNOWN") == 0, "unknown status");
    tg_clear_error();
    CHECK(tg_last_status() == TG_OK && tg_last_error()[0] == 0, "clear");
}

static void test_rng(void) {
    /* Fixed reference values: the same on every machine and build. */
    tg_rng r;
    tg_rng_seed(&r, 42);
    uint64_t a = tg_rng_u64(&r), b = tg_rng_u64(&r);
    tg_rng r2;
    tg_rng_seed(&r2, 42);
    CHECK(tg_rng_u64(&r2) == a && tg_rng_u64(&r2) == b, "reproducible");
    tg_rng_seed(&r, 0);
    CHECK(tg_rng_u64(&r) == UINT64_C(0x99ec5f36cb75f2b4), "xoshiro256** from splitmix64(0)");
    /* Uniform mean and normal moments over 100,000 draws. */
    tg_rng_seed(&r, 1);
    double su = 0, sn = 0, sn2 = 0;
    int n = 100000, outside = 0;
    for (int i = 0; i < n; i++) {
        double u = tg_rng_uniform(&r);
        outside += !(u >= 0 && u < 1);
        su += u;
        double z = tg_rng_normal(&r);
        sn += z;
        sn2 += z * z;
    }
    CHECK(outside == 0, "%d uniforms outside [0,1)", outside);
    CHECK_NEAR(su / n, 0.5, 0.005);
    CHECK_NEAR(sn / n, 0, 0.01);
    CHECK_NEAR(sn2 / n, 1, 0.02);
    tg_tensor *x = tg_tensor_new(1, (int[]){1000}, 0);
    tg_tensor_uniform(x, &r, -2, 3);
    double lo = 1e9, hi = -1e9;
    for (size_t i = 0; i < x->size; i++) {
        lo = fmin(lo, (double)x->data[i]);
        hi = fmax(hi, (double)x->data[i]);
    }
    CHECK(lo >= -2 && hi < 3 && lo < -1.9 && hi > 2.9, "uniform fills [lo,hi): %g %g", lo, hi);
    tg_tensor_normal(x, &r, 5, 0.1);
    double m = 0;
    for (size_t i = 0; i < x->size; i++) m += x->data[i];
    CHECK_NEAR(m / 1000, 5, 0.02);
    tg_tensor_free(x);
}

int main(void) {
    test_create();
    test_rng();
    return check_done();
}
