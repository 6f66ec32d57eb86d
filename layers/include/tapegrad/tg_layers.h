/* tg_layers.h — neural-network layers built ONLY from the primitive ops of tg_ops.h.
 *
 * No layer computes a gradient by hand: each is an ordinary C function that records
 * primitive ops on the tape, and its gradients come out of the tape's one reverse
 * sweep. One header per topic:
 *   - tg_activation.h  activations chosen by value (tg_act, tg_activate)
 *   - tg_init.h        Glorot / He / PyTorch-style initialisation from a tg_rng
 *   - tg_neuron.h      perceptron (step) and sigmoid neuron, with their training rules
 *   - tg_linear.h      Linear (y = x W + b) and MLP
 *   - tg_rnn.h         Elman RNN, LSTM, GRU (notes' and PyTorch's variants): cells and
 *                      stacked sequence layers over (T,B,F)
 *   - tg_embedding.h   token embedding (gather rows)
 *   - tg_conv.h        1-D and 2-D convolution, max and average pooling (unfold)
 *   - tg_norm.h        layer normalisation
 *
 * Common conventions:
 *   - Every layer owns named parameter tensors "<prefix>.<...>" (prefix given by the
 *     caller, 1..32 characters) and appends them to a caller's tg_params with
 *     tg_<layer>_params, so optimizers and checkpoints treat any model alike.
 *   - Weights multiply rows from the right: x (N,in) W (in,out), the transpose of
 *     PyTorch's (out,in) storage; each header states the mapping.
 *   - Constructors return NULL with tg_last_error() on bad configuration; forward
 *     functions return NULL (or the tape's status) with the error on the tape, naming
 *     the function and the layer: "tg_linear_forward: 'mlp.0': x must have last
 *     dimension 3, got (4,2)". *_free accepts NULL.
 */
#ifndef TG_LAYERS_H
#define TG_LAYERS_H

#include <tapegrad/tg_activation.h>
#include <tapegrad/tg_init.h>
#include <tapegrad/tg_neuron.h>
#include <tapegrad/tg_linear.h>
#include <tapegrad/tg_rnn.h>
#include <tapegrad/tg_embedding.h>
#include <tapegrad/tg_conv.h>
#include <tapegrad/tg_norm.h>
#include <tapegrad/tg_attention.h>
#include <tapegrad/tg_transformer.h>

#endif
