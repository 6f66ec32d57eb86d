/* tg/tape.h — what the rooms above the tape (ops, inspect, layers) use of it besides
 * the public tg_tape.h. In-tree only, not installed. */
#ifndef TG_INTERNAL_TAPE_H
#define TG_INTERNAL_TAPE_H

#include <stdbool.h>
#include <tapegrad/tg_tape.h>

/* A tensor is "live" on t if it is long-lived or belongs to t's current step. */
bool tg__tensor_live(const tg_tape *t, const tg_tensor *x);

#endif
