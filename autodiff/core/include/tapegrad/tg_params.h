/* tg_params.h — a list of parameter tensors: the one currency between layers,
 * optimizers and checkpoints. A model (any set of layers) appends its parameters to a
 * tg_params; an optimizer or a checkpoint takes the list and handles any model alike.
 *
 * Ownership: the list owns only its array of pointers; the tensors belong to whoever
 * created them (a layer struct, or the caller). tg_params_free frees the array.
 */
#ifndef TG_PARAMS_H
#define TG_PARAMS_H

#include <tapegrad/tg_core.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tg_params {
    tg_tensor **items;  /* n entries */
    int n, cap;
} tg_params;

/* Appends p (a long-lived tensor with a gradient buffer, e.g. from tg_param_new).
 * Errors: NULL list or tensor (TG_ERR_ARG), a step tensor or one without gradient
 * (TG_ERR_ARG), a duplicate name or the same tensor twice (TG_ERR_ARG), out of memory. */
tg_status tg_params_add(tg_params *ps, tg_tensor *p);
/* Frees the array (not the tensors) and empties the list. NULL is fine. */
void tg_params_free(tg_params *ps);
/* Sets every gradient to zero. */
void tg_params_zero_grad(const tg_params *ps);
/* The parameter with that name, or NULL. */
tg_tensor *tg_params_find(const tg_params *ps, const char *name);
/* Total number of scalar parameters. */
size_t tg_params_numel(const tg_params *ps);

#ifdef __cplusplus
}
#endif
#endif
