/* bad_tg_rnn.c — the bad-input rows of <tapegrad/tg_rnn.h>: every function it declares,
 * called with the mistakes a caller makes (bad_input.h). */
#include "bad_input.h"

static tg_rnn_config cfg_lstm(void) { return (tg_rnn_config){TG_RNN_LSTM, 3, 4, 1, false}; }
static tg_tensor *seq(fx *f, int T, int B, int F) { return tg_tape_full(f->t, 3, (int[]){T, B, F}, (tg_real)0.5); }

int main(int argc, char **argv) {
    fx *f;
    out *o;
    bad_begin(argc, argv);

    f = row(&o, "tg_rnn_kind_name", "kind out of range");
    on_value(o, strcmp(tg_rnn_kind_name((tg_rnn_kind)9), "?") == 0, "\"?\"");
    expect(f, TG_OK, "");

    f = row(&o, "tg_rnn_new", "prefix NULL");
    {
        tg_rnn_config c = cfg_lstm();
        on_null(o, tg_rnn_new(NULL, &c, &f->rng));
    }
    expect(f, TG_ERR_ARG, "tg_rnn_new: prefix is NULL");

    f = row(&o, "tg_rnn_new", "cfg NULL");
    on_null(o, tg_rnn_new("r", NULL, &f->rng));
    expect(f, TG_ERR_ARG, "tg_rnn_new: cfg is NULL");

    f = row(&o, "tg_rnn_new", "rng NULL");
    {
        tg_rnn_config c = cfg_lstm();
        on_null(o, tg_rnn_new("r", &c, NULL));
    }
    expect(f, TG_ERR_ARG, "tg_rnn_new: rng is NULL");

    f = row(&o, "tg_rnn_new", "unknown kind");
    {
        tg_rnn_config c = cfg_lstm();
        c.kind = (tg_rnn_kind)7;
        on_null(o, tg_rnn_new("r", &c, &f->rng));
    }
    expect(f, TG_ERR_ARG, "tg_rnn_new: unknown kind 7");

    f = row(&o, "tg_rnn_new", "input_size 0");
    {
        tg_rnn_config c = cfg_lstm();
        c.input_size = 0;
        on_null(o, tg_rnn_new("r", &c, &f->rng));
    }
    expect(f, TG_ERR_ARG, "tg_rnn_new: input_size must be >= 1, got 0");

    f = row(&o, "tg_rnn_new", "hidden_size negative");
    {
        tg_rnn_config c = cfg_lstm();
        c.hidden_size = -4;
        on_null(o, tg_rnn_new("r", &c, &f->rng));
    }
    expect(f, TG_ERR_ARG, "tg_rnn_new: hidden_size must be >= 1, got -4");

    f = row(&o, "tg_rnn_new", "num_layers 0");
    {
        tg_rnn_config c = cfg_lstm();
        c.num_layers = 0;
        on_null(o, tg_rnn_new("r", &c, &f->rng));
    }
    expect(f, TG_ERR_ARG, "tg_rnn_new: num_layers must be >= 1, got 0");

    f = row(&o, "tg_rnn_new", "hidden_size too large");
    {
        tg_rnn_config c = cfg_lstm();
        c.hidden_size = INT_MAX / 2;
        on_null(o, tg_rnn_new("r", &c, &f->rng));
    }
    expect(f, TG_ERR_ARG, "tg_rnn_new: hidden_size 1073741823 is too large");

    f = row(&o, "tg_rnn_new", "input 2^30, hidden 2^28: W_x's bytes would wrap");
    {
        tg_rnn_config c = cfg_lstm();
        c.input_size = 1 << 30;
        c.hidden_size = 1 << 28;
        char want[300];
        snprintf(want, sizeof want, "tg_rnn_new: cannot make parameter 'r.0.W_x': tg_param_new: out of memory for a tensor of shape (1073741824,1073741824) (1152921504606846976 elements; at most %zu fit the address space)",
                 SIZE_MAX / 4 / sizeof(tg_real));
        on_null(o, tg_rnn_new("r", &c, &f->rng));
        expect(f, TG_ERR_NOMEM, want);
    }

    f = row(&o, "tg_rnn_free", "NULL");
    tg_rnn_free(NULL);
    on_value(o, true, "");
    expect(f, TG_OK, "");

    f = row(&o, "tg_rnn_params", "layer NULL");
    on_status(o, tg_rnn_params(NULL, &f->pa));
    expect(f, TG_ERR_ARG, "tg_rnn_params: layer is NULL");

    f = row(&o, "tg_rnn_params", "ps NULL");
    on_status(o, tg_rnn_params(f->lstm, NULL));
    expect_named(f, TG_ERR_ARG, "tg_params_add: ps is NULL", "tg_params_add");

    f = row(&o, "tg_rnn_forward", "tape NULL");
    on_status(o, tg_rnn_forward(NULL, f->lstm, f->a, NULL, NULL, NULL, NULL, NULL));
    expect(f, TG_ERR_ARG, "tg_rnn_forward: tape is NULL");

    f = row(&o, "tg_rnn_forward", "layer NULL");
    tg_rnn_forward(f->t, NULL, seq(f, 2, 1, 3), NULL, NULL, NULL, NULL, NULL);
    on_tape(o, f->t, NULL);
    expect(f, TG_ERR_ARG, "tg_rnn_forward: layer is NULL");

    f = row(&o, "tg_rnn_forward", "x NULL");
    tg_rnn_forward(f->t, f->lstm, NULL, NULL, NULL, NULL, NULL, NULL);
    on_tape(o, f->t, NULL);
    expect(f, TG_ERR_ARG, "tg_rnn_forward: 'lstm': x is NULL");

    f = row(&o, "tg_rnn_forward", "x of rank 2");
    tg_rnn_forward(f->t, f->lstm, f->a, NULL, NULL, NULL, NULL, NULL);
    on_tape(o, f->t, NULL);
    expect(f, TG_ERR_SHAPE, "tg_rnn_forward: 'lstm': x must have shape (T,B,3), got (2,3)");

    f = row(&o, "tg_rnn_forward", "x of another width");
    tg_rnn_forward(f->t, f->lstm, seq(f, 2, 1, 4), NULL, NULL, NULL, NULL, NULL);
    on_tape(o, f->t, NULL);
    expect(f, TG_ERR_SHAPE, "tg_rnn_forward: 'lstm': x must have shape (T,B,3), got (2,1,4)");

    f = row(&o, "tg_rnn_forward", "x from before tg_tape_reset");
    tg_rnn_forward(f->t, f->lstm, f->stale, NULL, NULL, NULL, NULL, NULL);
    on_tape(o, f->t, NULL);
    expect(f, TG_ERR_STATE, "tg_rnn_forward: 'lstm': x belongs to another tape or to a step before the last tg_tape_reset");

    f = row(&o, "tg_rnn_forward", "h0 of another shape");
    {
        tg_tensor *out_ = (tg_tensor *)1;
        tg_rnn_forward(f->t, f->lstm, seq(f, 2, 1, 3), f->a, NULL, &out_, NULL, NULL);
        on_tape(o, f->t, out_);
    }
    expect(f, TG_ERR_SHAPE, "tg_rnn_forward: 'lstm': h0 must have shape (1,1,4), got (2,3)");

    f = row(&o, "tg_rnn_forward", "h0 of another tape");
    {
        tg_tensor *h0 = tg_tape_full(f->t2, 3, (int[]){1, 1, 4}, 0);
        tg_rnn_forward(f->t, f->lstm, seq(f, 2, 1, 3), h0, NULL, NULL, NULL, NULL);
        on_tape(o, f->t, NULL);
    }
    expect(f, TG_ERR_STATE, "tg_rnn_forward: 'lstm': h0 belongs to another tape or to a step before the last tg_tape_reset");

    f = row(&o, "tg_rnn_forward", "c0 for a GRU");
    {
        tg_tensor *c0 = tg_tape_full(f->t, 3, (int[]){1, 1, 4}, 0);
        tg_rnn_forward(f->t, f->gru, seq(f, 2, 1, 3), NULL, c0, NULL, NULL, NULL);
        on_tape(o, f->t, NULL);
    }
    expect(f, TG_ERR_ARG, "tg_rnn_forward: 'gru': c0 is only used by LSTM layers, this is gru");

    f = row(&o, "tg_rnn_forward", "the tape has failed");
    {
        /* returns the tape's status (tg_rnn.h); the first error stays on the tape */
        tg_status st = tg_rnn_forward(f->tf, f->lstm, f->onf, NULL, NULL, NULL, NULL, NULL);
        on_tape(o, f->tf, NULL);
        if (st != o->st) o->bad = "the tape's status";
    }
    expect(f, TG_ERR_SHAPE, "tg_first: the first error: (2,3)");

    f = row(&o, "tg_rnn_cell", "tape NULL");
    {
        tg_tensor *h = NULL;
        on_status(o, tg_rnn_cell(NULL, f->lstm, 0, f->a, NULL, NULL, &h, NULL));
    }
    expect(f, TG_ERR_ARG, "tg_rnn_cell: tape is NULL");

    f = row(&o, "tg_rnn_cell", "layer out of range");
    {
        tg_tensor *h = NULL;
        tg_rnn_cell(f->t, f->lstm, 1, f->a, NULL, NULL, &h, NULL);
        on_tape(o, f->t, h);
    }
    expect(f, TG_ERR_RANGE, "tg_rnn_cell: 'lstm': layer 1 is out of range 0..0");

    f = row(&o, "tg_rnn_cell", "h_out NULL");
    tg_rnn_cell(f->t, f->lstm, 0, f->a, NULL, NULL, NULL, NULL);
    on_tape(o, f->t, NULL);
    expect(f, TG_ERR_ARG, "tg_rnn_cell: 'lstm': h_out is NULL");

    f = row(&o, "tg_rnn_cell", "x of another width");
    {
        tg_tensor *h = NULL;
        tg_rnn_cell(f->t, f->lstm, 0, f->m34, NULL, NULL, &h, NULL);
        on_tape(o, f->t, h);
    }
    expect(f, TG_ERR_SHAPE, "tg_rnn_cell: 'lstm': layer 0: x must have shape (B,3), got (3,4)");

    f = row(&o, "tg_rnn_cell", "h of another shape");
    {
        tg_tensor *h = NULL;
        tg_rnn_cell(f->t, f->lstm, 0, f->a, f->a, NULL, &h, NULL);
        on_tape(o, f->t, h);
    }
    expect(f, TG_ERR_SHAPE, "tg_rnn_cell: 'lstm': h must have shape (2,4), got (2,3)");

    return bad_done("layers/include/tapegrad/tg_rnn.h");
}
