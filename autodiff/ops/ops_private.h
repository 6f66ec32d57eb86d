/* ops_private.h — helpers shared by the ops/ source files. */
#ifndef TG_OPS_PRIVATE_H
#define TG_OPS_PRIVATE_H

#include <tg/core.h>
#include <tg/tape.h>
#include <tg/ops.h>

#endif
