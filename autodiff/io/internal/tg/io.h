/* tg/io.h — file helpers of the io room for the rooms above it (data/). In-tree only,
 * not installed. */
#ifndef TG_INTERNAL_IO_H
#define TG_INTERNAL_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <tg/core.h>

/* Reads the whole file at path into a tg__malloc'd buffer (*out, *n; one extra NUL
 * byte after the data, not counted). With gunzip set, a file starting with the gzip
 * magic (1f 8b) is read through `gzip -dc` instead. Errors name fn and path:
 * TG_ERR_IO (cannot open / read, gzip cannot run), TG_ERR_FORMAT (gzip rejects the
 * data), TG_ERR_NOMEM. On error *out is NULL. */
tg_status tg__read_file(const char *fn, const char *path, bool gunzip, unsigned char **out,
                        size_t *n);

#endif
