/* bad_tg_embedding.c — the bad-input rows of <tapegrad/tg_embedding.h>: every function it declares,
 * called with the mistakes a caller makes (bad_input.h). */
#include "bad_input.h"

int main(int argc, char **argv) {
    fx *f;
    out *o;
    bad_begin(argc, argv);

    f = row(&o, "tg_embedding_new", "2^31-1 x 2^30 table: E's bytes would wrap, initialisation overran");
    {
        char want[300];
        snprintf(want, sizeof want, "tg_embedding_new: cannot make parameter 'e.E': tg_param_new: out of memory for a tensor of shape (2147483647,1073741824) (2305843008139952128 elements; at most %zu fit the address space)",
                 SIZE_MAX / 4 / sizeof(tg_real));
        on_null(o, tg_embedding_new("e", INT_MAX, 1 << 30, &f->rng));
        expect(f, TG_ERR_NOMEM, want);
    }

    f = row(&o, "tg_embedding_new", "prefix NULL");
    on_null(o, tg_embedding_new(NULL, 5, 3, &f->rng));
    expect(f, TG_ERR_ARG, "tg_embedding_new: prefix is NULL");

    f = row(&o, "tg_embedding_new", "prefix too long");
    on_null(o, tg_embedding_new("a_prefix_much_longer_than_32_chars", 5, 3, &f->rng));
    expect(f, TG_ERR_ARG, "tg_embedding_new: prefix 'a_prefix_much_longer_than_32_chars' must have 1..32 characters, has 34");

    f = row(&o, "tg_embedding_new", "num 0");
    on_null(o, tg_embedding_new("e", 0, 3, &f->rng));
    expect(f, TG_ERR_ARG, "tg_embedding_new: num must be >= 1, got 0");

    f = row(&o, "tg_embedding_new", "dim negative");
    on_null(o, tg_embedding_new("e", 5, -3, &f->rng));
    expect(f, TG_ERR_ARG, "tg_embedding_new: dim must be >= 1, got -3");

    f = row(&o, "tg_embedding_new", "rng NULL");
    on_null(o, tg_embedding_new("e", 5, 3, NULL));
    expect(f, TG_ERR_ARG, "tg_embedding_new: rng is NULL");

    f = row(&o, "tg_embedding_free", "NULL");
    tg_embedding_free(NULL);
    on_value(o, true, "");
    expect(f, TG_OK, "");

    f = row(&o, "tg_embedding_params", "layer NULL");
    on_status(o, tg_embedding_params(NULL, &f->pa));
    expect(f, TG_ERR_ARG, "tg_embedding_params: layer is NULL");

    f = row(&o, "tg_embedding_params", "ps NULL");
    on_status(o, tg_embedding_params(f->emb, NULL));
    expect_named(f, TG_ERR_ARG, "tg_params_add: ps is NULL", "tg_params_add");

    f = row(&o, "tg_embedding_forward", "tape NULL");
    on_null(o, tg_embedding_forward(NULL, f->emb, (int[]){0}, 1));
    expect(f, TG_ERR_ARG, "tg_embedding_forward: tape is NULL");

    f = row(&o, "tg_embedding_forward", "layer NULL");
    on_tape(o, f->t, tg_embedding_forward(f->t, NULL, (int[]){0}, 1));
    expect(f, TG_ERR_ARG, "tg_embedding_forward: layer is NULL");

    f = row(&o, "tg_embedding_forward", "idx NULL");
    on_tape(o, f->t, tg_embedding_forward(f->t, f->emb, NULL, 1));
    expect(f, TG_ERR_ARG, "tg_embedding_forward: idx is NULL");

    f = row(&o, "tg_embedding_forward", "n 0");
    on_tape(o, f->t, tg_embedding_forward(f->t, f->emb, (int[]){0}, 0));
    expect(f, TG_ERR_ARG, "tg_embedding_forward: 'emb': n must be >= 1, got 0");

    f = row(&o, "tg_embedding_forward", "index out of range");
    on_tape(o, f->t, tg_embedding_forward(f->t, f->emb, (int[]){1, 5}, 2));
    expect(f, TG_ERR_RANGE, "tg_embedding_forward: 'emb': idx[1] = 5 is out of range 0..4");

    f = row(&o, "tg_embedding_forward", "negative index");
    on_tape(o, f->t, tg_embedding_forward(f->t, f->emb, (int[]){-1}, 1));
    expect(f, TG_ERR_RANGE, "tg_embedding_forward: 'emb': idx[0] = -1 is out of range 0..4");

    f = row(&o, "tg_embedding_forward", "the tape has failed");
    on_tape(o, f->tf, tg_embedding_forward(f->tf, f->emb, (int[]){0}, 1));
    expect(f, TG_ERR_SHAPE, "tg_first: the first error: (2,3)");

    return bad_done("layers/include/tapegrad/tg_embedding.h");
}
