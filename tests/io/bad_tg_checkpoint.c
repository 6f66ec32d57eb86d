/* bad_tg_checkpoint.c — the bad-input rows of <tapegrad/tg_checkpoint.h>: every function it declares,
 * called with the mistakes a caller makes (bad_input.h). */
#include "bad_input.h"

static const tg_params *lists_a(fx *f, const tg_params *l[2]) {
    l[0] = &f->pa;
    l[1] = &f->sa;
    return *l;
}

int main(int argc, char **argv) {
    fx *f;
    out *o;
    bad_begin(argc, argv);

    f = row(&o, "tg_checkpoint_meta_add", "m NULL");
    on_status(o, tg_checkpoint_meta_add(NULL, 1));
    expect(f, TG_ERR_ARG, "tg_checkpoint_meta_add: m is NULL");

    f = row(&o, "tg_checkpoint_meta_add", "meta full");
    {
        tg_checkpoint_meta m = {.n = TG_CHECKPOINT_META_MAX};
        on_status(o, tg_checkpoint_meta_add(&m, 1));
    }
    expect(f, TG_ERR_RANGE, "tg_checkpoint_meta_add: meta holds 32 words (at most 32)");

    f = row(&o, "tg_checkpoint_meta_add", "n negative");
    {
        tg_checkpoint_meta m = {.n = -1};
        on_status(o, tg_checkpoint_meta_add(&m, 1));
    }
    expect(f, TG_ERR_RANGE, "tg_checkpoint_meta_add: meta holds -1 words (at most 32)");

    f = row(&o, "tg_checkpoint_meta_add_rng", "m NULL");
    on_status(o, tg_checkpoint_meta_add_rng(NULL, &f->rng));
    expect(f, TG_ERR_ARG, "tg_checkpoint_meta_add_rng: m is NULL");

    f = row(&o, "tg_checkpoint_meta_add_rng", "r NULL");
    {
        tg_checkpoint_meta m = {0};
        on_status(o, tg_checkpoint_meta_add_rng(&m, NULL));
    }
    expect(f, TG_ERR_ARG, "tg_checkpoint_meta_add_rng: r is NULL");

    f = row(&o, "tg_checkpoint_meta_add_rng", "no room for 6 words");
    {
        tg_checkpoint_meta m = {.n = TG_CHECKPOINT_META_MAX - 5};
        on_status(o, tg_checkpoint_meta_add_rng(&m, &f->rng));
    }
    expect(f, TG_ERR_RANGE, "tg_checkpoint_meta_add_rng: meta holds 27 words, no room for 6 more (at most 32)");

    f = row(&o, "tg_checkpoint_meta_get_rng", "m NULL");
    on_status(o, tg_checkpoint_meta_get_rng(NULL, 0, &f->rng));
    expect(f, TG_ERR_ARG, "tg_checkpoint_meta_get_rng: m is NULL");

    f = row(&o, "tg_checkpoint_meta_get_rng", "r NULL");
    {
        tg_checkpoint_meta m = {.n = 6};
        on_status(o, tg_checkpoint_meta_get_rng(&m, 0, NULL));
    }
    expect(f, TG_ERR_ARG, "tg_checkpoint_meta_get_rng: r is NULL");

    f = row(&o, "tg_checkpoint_meta_get_rng", "words past the end");
    {
        tg_checkpoint_meta m = {.n = 7};
        on_status(o, tg_checkpoint_meta_get_rng(&m, 2, &f->rng));
    }
    expect(f, TG_ERR_RANGE, "tg_checkpoint_meta_get_rng: words 2..7 are not in use (meta holds 7)");

    f = row(&o, "tg_checkpoint_meta_get_rng", "negative position");
    {
        tg_checkpoint_meta m = {.n = 7};
        on_status(o, tg_checkpoint_meta_get_rng(&m, -1, &f->rng));
    }
    expect(f, TG_ERR_RANGE, "tg_checkpoint_meta_get_rng: words -1..4 are not in use (meta holds 7)");

    f = row(&o, "tg_checkpoint_save", "path NULL");
    {
        const tg_params *l[2];
        lists_a(f, l);
        on_status(o, tg_checkpoint_save(NULL, l, 2, NULL));
    }
    expect(f, TG_ERR_ARG, "tg_checkpoint_save: path is NULL");

    f = row(&o, "tg_checkpoint_save", "path empty");
    {
        const tg_params *l[2];
        lists_a(f, l);
        on_status(o, tg_checkpoint_save("", l, 2, NULL));
    }
    expect(f, TG_ERR_ARG, "tg_checkpoint_save: path is empty");

    f = row(&o, "tg_checkpoint_save", "n_lists negative");
    on_status(o, tg_checkpoint_save(f->ckpt_a, NULL, -1, NULL));
    expect(f, TG_ERR_ARG, "tg_checkpoint_save: $DIR/a.ckpt: n_lists is -1");

    f = row(&o, "tg_checkpoint_save", "lists NULL with n_lists 2");
    on_status(o, tg_checkpoint_save(f->ckpt_a, NULL, 2, NULL));
    expect(f, TG_ERR_ARG, "tg_checkpoint_save: $DIR/a.ckpt: lists is NULL but n_lists is 2");

    f = row(&o, "tg_checkpoint_save", "a NULL list");
    {
        const tg_params *l[2] = {&f->pa, NULL};
        on_status(o, tg_checkpoint_save(f->ckpt_a, l, 2, NULL));
    }
    expect(f, TG_ERR_ARG, "tg_checkpoint_save: $DIR/a.ckpt: list 1 is NULL");

    f = row(&o, "tg_checkpoint_save", "an unnamed tensor");
    {
        tg_params ps = {0};
        tg_tensor *u = tg_param_new(NULL, 1, (int[]){2});
        tg_params_add(&ps, u);
        const tg_params *l[1] = {&ps};
        on_status(o, tg_checkpoint_save(f->ckpt_a, l, 1, NULL));
        tg_params_free(&ps);
        tg_tensor_free(u);
    }
    expect(f, TG_ERR_ARG, "tg_checkpoint_save: $DIR/a.ckpt: list 0 entry 0 has no name (checkpoints match tensors by name)");

    f = row(&o, "tg_checkpoint_save", "duplicate names");
    {
        const tg_params *l[2] = {&f->pa, &f->pa};
        on_status(o, tg_checkpoint_save(f->ckpt_a, l, 2, NULL));
    }
    expect(f, TG_ERR_ARG, "tg_checkpoint_save: $DIR/a.ckpt: duplicate tensor name 'a.0.W' (list 0 entry 0 and list 1 entry 0)");

    f = row(&o, "tg_checkpoint_save", "a step tensor");
    {
        tg_tensor *items[1] = {f->a};
        tg_params ps = {items, 1, 1};
        snprintf(f->a->name, sizeof f->a->name, "x");
        const tg_params *l[1] = {&ps};
        on_status(o, tg_checkpoint_save(f->ckpt_a, l, 1, NULL));
    }
    expect(f, TG_ERR_ARG, "tg_checkpoint_save: $DIR/a.ckpt: list 0 entry 0 ('x') is a step tensor of a tape; only long-lived tensors can be checkpointed");

    f = row(&o, "tg_checkpoint_save", "meta->n 33");
    {
        const tg_params *l[2];
        lists_a(f, l);
        tg_checkpoint_meta m = {.n = 33};
        on_status(o, tg_checkpoint_save(f->ckpt_a, l, 2, &m));
    }
    expect(f, TG_ERR_ARG, "tg_checkpoint_save: $DIR/a.ckpt: meta->n is 33 (must be 0..32)");

    f = row(&o, "tg_checkpoint_save", "folder does not exist");
    {
        const tg_params *l[2];
        lists_a(f, l);
        char p[160];
        snprintf(p, sizeof p, "%s/no/such/dir/x.ckpt", bad_dir);
        on_status(o, tg_checkpoint_save(p, l, 2, NULL));
    }
    expect(f, TG_ERR_IO, "tg_checkpoint_save: $DIR/no/such/dir/x.ckpt: cannot create temporary file $DIR/no/such/dir/x.ckpt.tmp.XXXXXXXXXX: No such file or directory");

    f = row(&o, "tg_checkpoint_load", "path NULL");
    {
        const tg_params *l[2];
        lists_a(f, l);
        on_status(o, tg_checkpoint_load(NULL, l, 2, NULL));
    }
    expect(f, TG_ERR_ARG, "tg_checkpoint_load: path is NULL");

    f = row(&o, "tg_checkpoint_load", "no such file");
    {
        const tg_params *l[2];
        lists_a(f, l);
        on_status(o, tg_checkpoint_load(f->missing, l, 2, NULL));
    }
    expect(f, TG_ERR_IO, "tg_checkpoint_load: $DIR/missing: cannot open: No such file or directory");

    f = row(&o, "tg_checkpoint_load", "a checkpoint of another model");
    {
        const tg_params *l[2];
        lists_a(f, l);
        on_status(o, tg_checkpoint_load(f->ckpt_b, l, 2, NULL));
    }
    expect(f, TG_ERR_ARG, "tg_checkpoint_load: $DIR/b.ckpt: tensor 'a.0.W' of the model is not in the file");

    f = row(&o, "tg_checkpoint_load", "the file holds more tensors");
    {
        const tg_params *l[1] = {&f->pa}; /* the file also holds the optimizer state */
        on_status(o, tg_checkpoint_load(f->ckpt_a, l, 1, NULL));
    }
    expect(f, TG_ERR_ARG, "tg_checkpoint_load: $DIR/a.ckpt: the file holds 13 tensors, the model 4: 'a.0.W.exp_avg' is not in the model");

    f = row(&o, "tg_checkpoint_load", "same names, other shapes");
    {
        const tg_params *l[1] = {&f->pa};
        char p[160];
        snprintf(p, sizeof p, "%s/a_wide.ckpt", bad_dir);
        on_status(o, tg_checkpoint_load(p, l, 1, NULL));
    }
    expect(f, TG_ERR_SHAPE, "tg_checkpoint_load: $DIR/a_wide.ckpt: tensor 'a.0.W' has shape (3,5) in the file but (3,4) in the model");

    f = row(&o, "tg_checkpoint_load", "a corrupted byte");
    {
        const tg_params *l[2];
        lists_a(f, l);
        on_status(o, tg_checkpoint_load(f->corrupt, l, 2, NULL));
    }
    expect(f, TG_ERR_FORMAT, "tg_checkpoint_load: $DIR/corrupt.ckpt: checksum mismatch (corrupted file): stored 0x*");

    f = row(&o, "tg_checkpoint_load", "a folder");
    {
        const tg_params *l[2];
        lists_a(f, l);
        on_status(o, tg_checkpoint_load(bad_dir, l, 2, NULL));
    }
    expect(f, TG_ERR_IO, "tg_checkpoint_load: $DIR: read error: Is a directory");

    f = row(&o, "tg_checkpoint_load_mem", "buf NULL with n 10");
    {
        const tg_params *l[2];
        lists_a(f, l);
        on_status(o, tg_checkpoint_load_mem(NULL, 10, "buf", l, 2, NULL));
    }
    expect_named(f, TG_ERR_ARG, "tg_checkpoint_load: buf: buf is NULL", "tg_checkpoint_load");

    f = row(&o, "tg_checkpoint_load_mem", "no bytes");
    {
        const tg_params *l[2];
        lists_a(f, l);
        on_status(o, tg_checkpoint_load_mem("", 0, NULL, l, 2, NULL));
    }
    expect_named(f, TG_ERR_FORMAT, "tg_checkpoint_load: <memory>: truncated: the magic at byte 0 needs 8 bytes, the file ends at byte 0", "tg_checkpoint_load");

    f = row(&o, "tg_checkpoint_load_mem", "not a checkpoint");
    {
        const tg_params *l[2];
        lists_a(f, l);
        on_status(o, tg_checkpoint_load_mem("hello, world", 12, "greeting", l, 2, NULL));
    }
    expect_named(f, TG_ERR_FORMAT, "tg_checkpoint_load: greeting: bad magic (not a tapegrad checkpoint)", "tg_checkpoint_load");

    return bad_done("autodiff/io/include/tapegrad/tg_checkpoint.h");
}
