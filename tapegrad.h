/* tapegrad.h — reverse-mode automatic differentiation in C, with neural-network
 * layers and optimizers on top. One #include for everything.
 *
 * Overview
 *   - tg_core.h      tensors (tg_tensor), status codes, the seeded RNG
 *   - tg_tape.h      the tape: arena, recording, tg_backward, custom ops
 *   - tg_ops.h       the primitive ops, each with its own local derivative
 *   - tg_gradcheck.h finite-difference gradient checking
 *
 * Example (compiled and run by tests/examples/test_header_example.c):
 *
 *   #include <tapegrad.h>
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
#include <tapegrad/tg_gradcheck.h>
#include <tapegrad/tg_params.h>
#include <tapegrad/tg_show.h>
#include <tapegrad/tg_checkpoint.h>
#include <tapegrad/tg_data.h>
#include <tapegrad/tg_optim.h>
#include <tapegrad/tg_threads.h>
#include <tapegrad/tg_layers.h>

#endif
