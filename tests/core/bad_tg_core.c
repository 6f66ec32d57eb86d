/* bad_tg_core.c — the bad-input rows of <tapegrad/tg_core.h>: every function it declares,
 * called with the mistakes a caller makes (bad_input.h). */
#include "bad_input.h"

int main(int argc, char **argv) {
    fx *f;
    out *o;
    bad_begin(argc, argv);

    f = row(&o, "tg_status_name", "a status out of range");
    on_value(o, strcmp(tg_status_name((tg_status)99), "TG_ERR_UNKNOWN") == 0 &&
                    strcmp(tg_status_name((tg_status)-1), "TG_ERR_UNKNOWN") == 0, "TG_ERR_UNKNOWN");
    expect(f, TG_OK, "");

    f = row(&o, "tg_last_error", "the last message, then \"\" after tg_clear_error");
    {
        tg_tensor_new(-1, NULL, 0);
        bool ok = strcmp(tg_last_error(), "tg_tensor_new: rank -1 is outside 0..8") == 0;
        tg_clear_error();
        on_value(o, ok && tg_last_error() != NULL && tg_last_error()[0] == '\0', "the message, then \"\"");
    }
    expect(f, TG_OK, "");

    f = row(&o, "tg_last_status", "the last status, then TG_OK after tg_clear_error");
    {
        tg_tensor_new(-1, NULL, 0);
        bool ok = tg_last_status() == TG_ERR_SHAPE;
        tg_clear_error();
        on_value(o, ok && tg_last_status() == TG_OK, "TG_ERR_SHAPE, then TG_OK");
    }
    expect(f, TG_OK, "");

    f = row(&o, "tg_clear_error", "called twice");
    tg_clear_error();
    tg_clear_error(); /* twice is fine */
    on_value(o, true, "");
    expect(f, TG_OK, "");

    f = row(&o, "tg_tensor_new", "rank -1");
    on_null(o, tg_tensor_new(-1, (int[]){2}, 0));
    expect(f, TG_ERR_SHAPE, "tg_tensor_new: rank -1 is outside 0..8");

    f = row(&o, "tg_tensor_new", "rank 9");
    on_null(o, tg_tensor_new(9, (int[]){1, 1, 1, 1, 1, 1, 1, 1, 1}, 0));
    expect(f, TG_ERR_SHAPE, "tg_tensor_new: rank 9 is outside 0..8");

    f = row(&o, "tg_tensor_new", "shape NULL with rank 2");
    on_null(o, tg_tensor_new(2, NULL, 0));
    expect(f, TG_ERR_ARG, "tg_tensor_new: shape is NULL for rank 2");

    f = row(&o, "tg_tensor_new", "a zero dimension");
    on_null(o, tg_tensor_new(2, (int[]){3, 0}, 0));
    expect(f, TG_ERR_SHAPE, "tg_tensor_new: dimension 1 is 0 (must be >= 1)");

    f = row(&o, "tg_tensor_new", "a negative dimension");
    on_null(o, tg_tensor_new(2, (int[]){-2, 3}, 0));
    expect(f, TG_ERR_SHAPE, "tg_tensor_new: dimension 0 is -2 (must be >= 1)");

    f = row(&o, "tg_tensor_new", "element count overflows size_t");
    on_null(o, tg_tensor_new(3, (int[]){INT_MAX, INT_MAX, 8}, TG_REQUIRES_GRAD));
    expect(f, TG_ERR_SHAPE, "tg_tensor_new: element count of (2147483647,2147483647,8) overflows size_t");

    f = row(&o, "tg_tensor_from", "a zero dimension");
    on_null(o, tg_tensor_from(1, (int[]){0}, NULL, 0));
    expect(f, TG_ERR_SHAPE, "tg_tensor_from: dimension 0 is 0 (must be >= 1)");

    f = row(&o, "tg_tensor_from", "element count overflows size_t");
    on_null(o, tg_tensor_from(3, (int[]){INT_MAX, INT_MAX, 8}, (tg_real[]){1}, 0));
    expect(f, TG_ERR_SHAPE, "tg_tensor_from: element count of (2147483647,2147483647,8) overflows size_t");

    f = row(&o, "tg_param_new", "rank 9");
    on_null(o, tg_param_new("w", 9, (int[]){1, 1, 1, 1, 1, 1, 1, 1, 1}));
    expect(f, TG_ERR_SHAPE, "tg_param_new: rank 9 is outside 0..8");

    f = row(&o, "tg_param_new", "a negative dimension");
    on_null(o, tg_param_new("w", 1, (int[]){-4}));
    expect(f, TG_ERR_SHAPE, "tg_param_new: dimension 0 is -4 (must be >= 1)");

    f = row(&o, "tg_param_new", "element count overflows size_t");
    on_null(o, tg_param_new("w", 3, (int[]){INT_MAX, INT_MAX, 8}));
    expect(f, TG_ERR_SHAPE, "tg_param_new: element count of (2147483647,2147483647,8) overflows size_t");

    /* Sizes whose element count fits size_t but whose bytes (values, gradient, header)
     * do not: the sum used to wrap to a few hundred bytes that the tensor then
     * claimed as 2^60 elements. */
    f = row(&o, "tg_param_new", "2^60 elements (float: 2^61): the byte count wraps");
#if TG_REAL_IS_DOUBLE
    on_null(o, tg_param_new("w", 2, (int[]){1 << 30, 1 << 30}));
    expect(f, TG_ERR_NOMEM, "tg_param_new: out of memory for a tensor of shape (1073741824,1073741824) (1152921504606846976 elements; at most 576460752303423487 fit the address space)");
#else
    on_null(o, tg_param_new("w", 3, (int[]){1 << 30, 1 << 30, 2}));
    expect(f, TG_ERR_NOMEM, "tg_param_new: out of memory for a tensor of shape (1073741824,1073741824,2) (2305843009213693952 elements; at most 1152921504606846975 fit the address space)");
#endif

    f = row(&o, "tg_tensor_new", "(1073741825,2147483646): bytes wrap to a small block");
    on_null(o, tg_tensor_new(2, (int[]){1073741825, 2147483646}, 0));
#if TG_REAL_IS_DOUBLE
    expect(f, TG_ERR_NOMEM, "tg_tensor_new: out of memory for a tensor of shape (1073741825,2147483646) (2305843009213693950 elements; at most 576460752303423487 fit the address space)");
#else
    expect(f, TG_ERR_NOMEM, "tg_tensor_new: out of memory for a tensor of shape (1073741825,2147483646) (2305843009213693950 elements; at most 1152921504606846975 fit the address space)");
#endif

    f = row(&o, "tg_tensor_new", "nearly the largest count, with a gradient: no memory");
    {
        /* Values and gradient of 2^62 bytes or so: the sizes add up, malloc refuses. */
        int d = (int)((SIZE_MAX / 4 / sizeof(tg_real)) / INT_MAX);
        char want[160];
        snprintf(want, sizeof want, "tg_tensor_new: out of memory for a tensor of shape (2147483647,%d)", d);
        on_null(o, tg_tensor_new(2, (int[]){INT_MAX, d}, TG_REQUIRES_GRAD));
        expect(f, TG_ERR_NOMEM, want);
    }

    f = row(&o, "tg_tensor_mark_dirty", "NULL (ignored), and a parameter");
    tg_tensor_mark_dirty(NULL);
    {
        uint64_t v = tg_tensor_version(f->P);
        tg_tensor_mark_dirty(f->P);
        on_value(o, tg_tensor_version(f->P) == v + 1, "one more");
    }
    expect(f, TG_OK, "");

    f = row(&o, "tg_tensor_version", "NULL is 0");
    on_value(o, tg_tensor_version(NULL) == 0, "0");
    expect(f, TG_OK, "");

    f = row(&o, "tg_tensor_free", "NULL, and a step tensor (ignored)");
    tg_tensor_free(NULL);
    tg_tensor_free(f->a); /* a step tensor: its tape owns it; ignored */
    on_value(o, f->a->size == 6, "a step tensor left alone");
    expect(f, TG_OK, "");

    f = row(&o, "tg_tensor_fill", "x NULL (nothing to do)");
    tg_tensor_fill(NULL, 1);
    on_value(o, true, "");
    expect(f, TG_OK, "");

    f = row(&o, "tg_tensor_copy_from", "x NULL");
    on_status(o, tg_tensor_copy_from(NULL, (tg_real[]){1}, 1));
    expect(f, TG_ERR_ARG, "tg_tensor_copy_from: x is NULL");

    f = row(&o, "tg_tensor_copy_from", "data NULL");
    on_status(o, tg_tensor_copy_from(f->P, NULL, 6));
    expect(f, TG_ERR_ARG, "tg_tensor_copy_from: data is NULL");

    f = row(&o, "tg_tensor_copy_from", "n differs from the size");
    on_status(o, tg_tensor_copy_from(f->P, (tg_real[]){1, 2, 3, 4, 5}, 5));
    expect(f, TG_ERR_SHAPE, "tg_tensor_copy_from: 5 values given for a tensor of shape (2,3) (6 elements)");

    f = row(&o, "tg_tensor_zero_grad", "NULL, and no gradient buffer");
    tg_tensor_zero_grad(NULL);
    tg_tensor_zero_grad(f->C); /* no gradient buffer: nothing to do */
    on_value(o, true, "");
    expect(f, TG_OK, "");

    f = row(&o, "tg_tensor_get", "x NULL");
    on_value(o, isnan(tg_tensor_get(NULL, (int[]){0})), "NAN");
    expect(f, TG_ERR_ARG, "tg_tensor_get: x is NULL");

    f = row(&o, "tg_tensor_get", "idx NULL");
    on_value(o, isnan(tg_tensor_get(f->P, NULL)), "NAN");
    expect(f, TG_ERR_ARG, "tg_tensor_get: idx is NULL");

    f = row(&o, "tg_tensor_get", "index out of range");
    on_value(o, isnan(tg_tensor_get(f->P, (int[]){1, 3})), "NAN");
    expect(f, TG_ERR_RANGE, "tg_tensor_get: index 3 on axis 1 is outside 0..2 of shape (2,3)");

    f = row(&o, "tg_tensor_get", "negative index");
    on_value(o, isnan(tg_tensor_get(f->P, (int[]){-1, 0})), "NAN");
    expect(f, TG_ERR_RANGE, "tg_tensor_get: index -1 on axis 0 is outside 0..1 of shape (2,3)");

    f = row(&o, "tg_tensor_set", "x NULL");
    on_status(o, tg_tensor_set(NULL, (int[]){0}, 1));
    expect(f, TG_ERR_ARG, "tg_tensor_set: x is NULL");

    f = row(&o, "tg_tensor_set", "index out of range");
    on_status(o, tg_tensor_set(f->P, (int[]){2, 0}, 1));
    expect(f, TG_ERR_RANGE, "tg_tensor_set: index 2 on axis 0 is outside 0..1 of shape (2,3)");

    f = row(&o, "tg_item", "x NULL");
    on_value(o, isnan(tg_item(NULL)), "NAN");
    expect(f, TG_ERR_ARG, "tg_item: expected one element, got NULL");

    f = row(&o, "tg_item", "more than one element");
    on_value(o, isnan(tg_item(f->P)), "NAN");
    expect(f, TG_ERR_SHAPE, "tg_item: expected one element, got (2,3)");

    f = row(&o, "tg_grad_at", "x NULL");
    on_value(o, tg_grad_at(NULL, 0) == 0, "0");
    expect(f, TG_ERR_ARG, "tg_grad_at: x is NULL");

    f = row(&o, "tg_grad_at", "index out of range");
    on_value(o, tg_grad_at(f->P, 6) == 0, "0");
    expect(f, TG_ERR_RANGE, "tg_grad_at: index 6 is outside 0..5 of shape (2,3)");

    f = row(&o, "tg_shape_str", "x NULL, buf NULL, a short buffer");
    {
        char b[16];
        bool ok = strcmp(tg_shape_str(NULL, b, sizeof b), "(null)") == 0 && tg_shape_str(f->P, NULL, 8) == NULL;
        char small[4];
        ok = ok && strcmp(tg_shape_str(f->r4, small, sizeof small), "(2,") == 0; /* cut, terminated */
        on_value(o, ok, "\"(null)\", NULL for a NULL buffer, a cut string");
    }
    expect(f, TG_OK, "");

    f = row(&o, "tg_rng_seed", "r NULL (nothing to do)");
    tg_rng_seed(NULL, 1);
    on_value(o, true, "");
    expect(f, TG_OK, "");

    f = row(&o, "tg_rng_u64", "r NULL");
    on_value(o, tg_rng_u64(NULL) == 0, "0");
    expect(f, TG_ERR_ARG, "tg_rng_u64: r is NULL");

    f = row(&o, "tg_rng_uniform", "r NULL");
    on_value(o, isnan(tg_rng_uniform(NULL)), "NAN");
    expect(f, TG_ERR_ARG, "tg_rng_uniform: r is NULL");

    f = row(&o, "tg_rng_normal", "r NULL");
    on_value(o, isnan(tg_rng_normal(NULL)), "NAN");
    expect(f, TG_ERR_ARG, "tg_rng_normal: r is NULL");

    f = row(&o, "tg_tensor_uniform", "x NULL");
    tg_tensor_uniform(NULL, &f->rng, 0, 1);
    on_thread(o);
    expect(f, TG_ERR_ARG, "tg_tensor_uniform: x is NULL");

    f = row(&o, "tg_tensor_uniform", "r NULL");
    tg_tensor_uniform(f->P, NULL, 0, 1);
    on_value(o, f->P->data[0] == (tg_real)0.5, "x unchanged");
    expect(f, TG_ERR_ARG, "tg_tensor_uniform: r is NULL");

    f = row(&o, "tg_tensor_normal", "x NULL");
    tg_tensor_normal(NULL, &f->rng, 0, 1);
    on_thread(o);
    expect(f, TG_ERR_ARG, "tg_tensor_normal: x is NULL");

    f = row(&o, "tg_tensor_normal", "r NULL");
    tg_tensor_normal(f->P, NULL, 0, 1);
    on_value(o, f->P->data[0] == (tg_real)0.5, "x unchanged");
    expect(f, TG_ERR_ARG, "tg_tensor_normal: r is NULL");

    f = row(&o, "tg_alloc_count", "no arguments: never fails");
    on_value(o, tg_alloc_count() >= tg_alloc_live(), "count >= live");
    expect(f, TG_OK, "");

    f = row(&o, "tg_alloc_live", "no arguments: never fails");
    on_value(o, tg_alloc_live() > 0, "> 0 (the fixture is live)");
    expect(f, TG_OK, "");

    f = row(&o, "tg_name", "x NULL, name NULL");
    on_value(o, tg_name(NULL, "z") == NULL && tg_name(f->a, NULL) == f->a, "NULL passes through");
    expect(f, TG_OK, "");

    return bad_done("autodiff/core/include/tapegrad/tg_core.h");
}
