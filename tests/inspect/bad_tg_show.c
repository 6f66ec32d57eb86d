/* bad_tg_show.c — the bad-input rows of <tapegrad/tg_show.h>: every function it declares,
 * called with the mistakes a caller makes (bad_input.h). */
#include <stdlib.h>
#include <string.h>
#include "bad_input.h"

static const tg_real hand6[6] = {0};
static tg_tensor *jac_sq(tg_tape *t, tg_tensor *x, void *u) { (void)u; return tg_square(t, x); }
static tg_tensor *jac_bad(tg_tape *t, tg_tensor *x, void *u) { (void)u; return tg_matmul(t, x, x); }

int main(int argc, char **argv) {
    fx *f;
    out *o;
    bad_begin(argc, argv);

    f = row(&o, "tg_show_defaults", "no arguments");
    {
        tg_show_opts d = tg_show_defaults();
        on_value(o, d.precision > 0 && d.max_elems > 0, "positive");
    }
    expect(f, TG_OK, "");

    f = row(&o, "tg_tape_print", "out NULL");
    on_status(o, tg_tape_print(NULL, f->t, NULL, NULL));
    expect(f, TG_ERR_ARG, "tg_tape_print: out is NULL");

    f = row(&o, "tg_tape_print", "tape NULL");
    on_status(o, tg_tape_print(f->out, NULL, NULL, NULL));
    expect(f, TG_ERR_ARG, "tg_tape_print: tape is NULL");

    f = row(&o, "tg_tape_print", "root from before tg_tape_reset");
    on_status(o, tg_tape_print(f->out, f->t, f->stale, NULL));
    expect(f, TG_ERR_STATE, "tg_tape_print: root belongs to another tape or to a step before the last tg_tape_reset");

    f = row(&o, "tg_tape_dot", "out NULL");
    on_status(o, tg_tape_dot(NULL, f->t, NULL, NULL));
    expect(f, TG_ERR_ARG, "tg_tape_dot: out is NULL");

    f = row(&o, "tg_tape_dot", "tape NULL");
    on_status(o, tg_tape_dot(f->out, NULL, NULL, NULL));
    expect(f, TG_ERR_ARG, "tg_tape_dot: tape is NULL");

    f = row(&o, "tg_tape_dot", "root of another tape");
    on_status(o, tg_tape_dot(f->out, f->t, f->other, NULL));
    expect(f, TG_ERR_STATE, "tg_tape_dot: root belongs to another tape or to a step before the last tg_tape_reset");

    f = row(&o, "tg_tape_dot", "opts->mark names a node the tape does not have");
    {
        tg_locate_result lr = {.found = true, .node_id = 1000000};
        tg_show_opts so = {.mark = &lr};
        char *buf = NULL;
        size_t n = 0;
        FILE *m = open_memstream(&buf, &n);
        on_status(o, tg_tape_dot(m, f->t, NULL, &so));
        fclose(m);
        on_value(o, buf && n > 0 && !strstr(buf, "#d00000"), "a picture with nothing in red");
        free(buf);
    }
    expect(f, TG_OK, "");

    f = row(&o, "tg_backward_trace", "out NULL");
    on_status(o, tg_backward_trace(NULL, f->t, f->y, NULL, NULL));
    expect(f, TG_ERR_ARG, "tg_backward_trace: out is NULL");

    f = row(&o, "tg_backward_trace", "tape NULL");
    on_status(o, tg_backward_trace(f->out, NULL, f->y, NULL, NULL));
    expect(f, TG_ERR_ARG, "tg_backward_trace: tape is NULL");

    f = row(&o, "tg_backward_trace", "y NULL");
    on_status(o, tg_backward_trace(f->out, f->t, NULL, NULL, NULL));
    expect_named(f, TG_ERR_ARG, "tg_backward: argument 1 (y) is NULL", "tg_backward");

    f = row(&o, "tg_backward_trace", "the tape has failed");
    on_status(o, tg_backward_trace(f->out, f->tf, f->onf, NULL, NULL));
    expect(f, TG_ERR_SHAPE, "tg_first: the first error: (2,3)");

    f = row(&o, "tg_handcheck_defaults", "no arguments");
    {
        tg_handcheck_opts d = tg_handcheck_defaults();
        on_value(o, d.fd.eps > 0 && d.rtol > 0, "positive");
    }
    expect(f, TG_OK, "");

    f = row(&o, "tg_handcheck", "f NULL");
    {
        tg_hand h = {"p", hand6, 6, NULL, NULL};
        on_status(o, tg_handcheck(NULL, NULL, NULL, &f->P, 1, &h, 1, NULL, NULL, NULL));
    }
    expect(f, TG_ERR_ARG, "tg_handcheck: f is NULL");

    f = row(&o, "tg_handcheck", "a parameter without gradient buffer");
    {
        tg_hand h = {"p", hand6, 6, NULL, NULL};
        on_status(o, tg_handcheck(NULL, bad_loss_ok, NULL, &f->C, 1, &h, 1, NULL, NULL, NULL));
    }
    expect(f, TG_ERR_ARG, "tg_handcheck: params[0] must be a long-lived tensor with a gradient buffer (tg_param_new)");

    f = row(&o, "tg_handcheck", "a hand without grad and fn");
    {
        tg_hand h = {"p", NULL, 6, NULL, NULL};
        on_status(o, tg_handcheck(NULL, bad_loss_ok, NULL, &f->P, 1, &h, 1, NULL, NULL, NULL));
    }
    expect(f, TG_ERR_ARG, "tg_handcheck: hands[0] needs a name and grad or fn");

    f = row(&o, "tg_handcheck", "no tensor of that name");
    {
        tg_hand h = {"zz", hand6, 6, NULL, NULL};
        on_status(o, tg_handcheck(NULL, bad_loss_ok, NULL, &f->P, 1, &h, 1, NULL, NULL, NULL));
    }
    expect(f, TG_ERR_ARG, "tg_handcheck: no tensor named 'zz'");

    f = row(&o, "tg_handcheck", "5 hand values for 6 elements");
    {
        tg_hand h = {"p", hand6, 5, NULL, NULL};
        on_status(o, tg_handcheck(NULL, bad_loss_ok, NULL, &f->P, 1, &h, 1, NULL, NULL, NULL));
    }
    expect(f, TG_ERR_SHAPE, "tg_handcheck: 'p' has shape (2,3) (6 elements); 5 hand values given");

    f = row(&o, "tg_handcheck", "eps negative");
    {
        tg_hand h = {"p", hand6, 6, NULL, NULL};
        tg_handcheck_opts d = tg_handcheck_defaults();
        d.fd.eps = -1;
        on_status(o, tg_handcheck(NULL, bad_loss_ok, NULL, &f->P, 1, &h, 1, &d, NULL, NULL));
    }
    expect(f, TG_ERR_VALUE, "tg_handcheck: eps must be > 0, got -1");

    f = row(&o, "tg_handcheck", "f fails");
    {
        tg_hand h = {"p", hand6, 6, NULL, NULL};
        on_status(o, tg_handcheck(NULL, bad_loss_fail, NULL, &f->P, 1, &h, 1, NULL, NULL, NULL));
    }
    expect(f, TG_ERR_SHAPE, "tg_handcheck: the function failed: tg_matmul: inner dimensions differ: (2,3) x (2,3)");

    f = row(&o, "tg_jacobian_view", "f NULL");
    {
        tg_jacobian j;
        on_status(o, tg_jacobian_view(NULL, "J", NULL, NULL, f->a, NULL, &j));
    }
    expect(f, TG_ERR_ARG, "tg_jacobian_view: f is NULL");

    f = row(&o, "tg_jacobian_view", "x NULL");
    {
        tg_jacobian j;
        on_status(o, tg_jacobian_view(NULL, "J", jac_sq, NULL, NULL, NULL, &j));
    }
    expect(f, TG_ERR_ARG, "tg_jacobian_view: x is NULL");

    f = row(&o, "tg_jacobian_view", "res NULL");
    on_status(o, tg_jacobian_view(NULL, "J", jac_sq, NULL, f->a, NULL, NULL));
    expect(f, TG_ERR_ARG, "tg_jacobian_view: res is NULL");

    f = row(&o, "tg_jacobian_view", "x has 120 elements");
    {
        tg_jacobian j;
        on_status(o, tg_jacobian_view(NULL, "J", jac_sq, NULL, f->r4, NULL, &j));
    }
    expect(f, TG_ERR_SHAPE, "tg_jacobian_view: x has 120 elements; at most 16 are shown");

    f = row(&o, "tg_jacobian_view", "f fails");
    {
        tg_jacobian j;
        on_status(o, tg_jacobian_view(NULL, "J", jac_bad, NULL, f->a, NULL, &j));
    }
    expect(f, TG_ERR_SHAPE, "tg_jacobian_view: f failed: tg_matmul: inner dimensions differ: (2,3) x (2,3)");

    f = row(&o, "tg_jacobian_view", "u of another shape");
    {
        tg_jacobian j;
        on_status(o, tg_jacobian_view(NULL, "J", jac_sq, NULL, f->a, f->v3, &j));
    }
    expect(f, TG_ERR_SHAPE, "tg_jacobian_view: u must have as many elements as y");

    f = row(&o, "tg_tape_html", "tape NULL");
    on_status(o, tg_tape_html(NULL, "/dev/null", NULL));
    expect(f, TG_ERR_ARG, "tg_tape_html: tape is NULL");

    f = row(&o, "tg_tape_html", "path NULL");
    on_status(o, tg_tape_html(f->t, NULL, NULL));
    expect(f, TG_ERR_ARG, "tg_tape_html: path is NULL");

    f = row(&o, "tg_tape_html", "the tape has failed");
    on_status(o, tg_tape_html(f->tf, "/dev/null", NULL));
    expect(f, TG_ERR_SHAPE, "tg_tape_html: the tape has failed earlier: " FIRST);

    f = row(&o, "tg_tape_html", "root from before tg_tape_reset");
    {
        tg_html_opts ho = {.root = f->stale};
        on_status(o, tg_tape_html(f->t, "/dev/null", &ho));
    }
    expect(f, TG_ERR_STATE, "tg_tape_html: root belongs to another tape or to a step before the last tg_tape_reset");

    f = row(&o, "tg_tape_html", "a directory that does not exist");
    on_status(o, tg_tape_html(f->t, "/nonexistent-dir/page.html", NULL));
    expect(f, TG_ERR_IO, "tg_tape_html: cannot open '/nonexistent-dir/page.html' for writing");

    f = row(&o, "tg_tape_dot", "opts->from of another tape");
    {
        tg_show_opts so = {.from = f->other};
        on_status(o, tg_tape_dot(f->out, f->t, NULL, &so));
    }
    expect(f, TG_ERR_STATE, "tg_tape_dot: opts->from belongs to another tape or to a step before the last tg_tape_reset");

    return bad_done("autodiff/inspect/include/tapegrad/tg_show.h");
}
