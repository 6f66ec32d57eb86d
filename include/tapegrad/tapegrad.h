/* tapegrad/tapegrad.h — reverse-mode automatic differentiation in C, with neural-network
 * layers and optimizers on top. One #include for everything.
 *
 * Every public header, by room (installed as <tapegrad/tg_*.h>; README.md, "Layout"):
 *   core     tg_core.h (tensors, status codes, the RNG, tg_name; it includes the
 *            generated tg_config.h: the version, TG_VERSION_STRING and tg_version(),
 *            and the choice of tg_real), tg_params.h (parameter lists)
 *   tape     tg_tape.h (arena, recording, tg_backward, custom ops, tg_find)
 *   kernels  tg_threads.h (the worker-thread pool)
 *   ops      tg_ops.h (the primitive ops with their local derivatives; the op table),
 *            tg_ops_nn.h (the ops of convolutional networks and Transformers)
 *   inspect  tg_gradcheck.h (finite-difference checks),
 *            tg_show.h (table, DOT, trace, hand checks, Jacobians)
 *   io       tg_checkpoint.h (save and load named tensors)
 *   layers   tg_layers.h, which includes tg_activation.h, tg_init.h, tg_neuron.h,
 *            tg_linear.h, tg_rnn.h, tg_embedding.h, tg_conv.h (convolution, pooling)
 *            tg_norm.h (layer norm), tg_attention.h (multi-head attention,
 *            positional embedding) and tg_transformer.h (encoder, decoder blocks)
 *   optim    tg_optim.h (optimizers, clipping, learning-rate schedules)
 *   data     tg_data.h (IDX, CSV and text readers)
 *
 * Example (compiled and run by tests/examples/test_header_example.c):
 *
 *   #include <tapegrad/tapegrad.h>
 *   // Fit y = 2x + 1 with one weight and one bias by gradient descent.
 *   tg_tensor *w = tg_param_new("w", 1, (int[]){1});
 *   tg_tensor *b = tg_param_new("b", 1, (int[]){1});
 *   tg_real xs[4] = {0, 1, 2, 3}, ys[4] = {1, 3, 5, 7};
 *   tg_tape *t = tg_tape_new();
 *   for (int step = 0; step < 500; step++) {
 *       tg_tape_reset(t);                                    // frees the last step
 *       tg_tensor *x = tg_tape_tensor(t, 1, (int[]){4}, xs, 0);
 *       tg_tensor *y = tg_tape_tensor(t, 1, (int[]){4}, ys, 0);
 *       tg_tensor *pred = tg_add(t, tg_mul(t, x, w), b);     // broadcasting (4)*(1)
 *       tg_tensor *loss = tg_mse_loss(t, pred, y);
 *       if (tg_backward(t, loss, NULL) != TG_OK) break;      // one check per step
 *       w->data[0] -= 0.05 * w->grad[0];  b->data[0] -= 0.05 * b->grad[0];
 *       tg_tensor_zero_grad(w);  tg_tensor_zero_grad(b);
 *   }
 *   // w ~ 2, b ~ 1; on error: tg_tape_message(t)
 *   tg_tape_free(t);  tg_tensor_free(w);  tg_tensor_free(b);
 */
#ifndef TAPEGRAD_H
#define TAPEGRAD_H

#include <tapegrad/tg_core.h>
#include <tapegrad/tg_tape.h>
#include <tapegrad/tg_ops.h>
#include <tapegrad/tg_ops_nn.h>
#include <tapegrad/tg_grad.h>
#include <tapegrad/tg_gradcheck.h>
#include <tapegrad/tg_params.h>
#include <tapegrad/tg_show.h>
#include <tapegrad/tg_checkpoint.h>
#include <tapegrad/tg_data.h>
#include <tapegrad/tg_optim.h>
#include <tapegrad/tg_threads.h>
#include <tapegrad/tg_layers.h>

#endif
