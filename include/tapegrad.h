/* tapegrad.h — the same as <tapegrad/tapegrad.h>, for programs that include it by its
 * first name. New code: #include <tapegrad/tapegrad.h>. */
#ifndef TAPEGRAD_SHORT_H
#define TAPEGRAD_SHORT_H
#include <tapegrad/tapegrad.h>
#endif
