/* tg/io.h — file helpers of the io room, for its own files and the rooms above it
 * (data/, and any other writer of files). In-tree only, not installed. */
#ifndef TG_INTERNAL_IO_H
#define TG_INTERNAL_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tg/core.h>

/* ---- whole-file reads ---- */

/* Flags of tg__read_file. The wording flags let each caller keep the messages its
 * users (and tests) know. */
enum {
    /* A file starting with the gzip magic (1f 8b) is read through `gzip -dc`. */
    TG__READ_GUNZIP = 1u << 0,
    /* An open failure reads "fn: path: cannot open: <reason>" instead of
     * "fn: path: <reason>". */
    TG__READ_SAY_OPEN = 1u << 1,
    /* Running out of memory while the buffer grows adds "(N bytes so far)" to
     * "fn: path: out of memory reading the file". */
    TG__READ_SAY_SO_FAR = 1u << 2
};

/* Reads the whole file at path into a tg__malloc'd buffer (*out, *n; one extra NUL
 * byte after the data, not counted). A regular file is read in one allocation sized
 * from fstat; anything else (a pipe, a /proc file that reports size 0) grows the
 * buffer by doubling from 64 KiB. Errors name fn and path: TG_ERR_IO (cannot open,
 * "read error: <reason>", gzip cannot run), TG_ERR_FORMAT (gzip rejects the data),
 * TG_ERR_NOMEM. On error *out is NULL, *n 0. */
tg_status tg__read_file(const char *fn, const char *path, unsigned flags, unsigned char **out,
                        size_t *n);

/* A format's look at the first bytes of a compressed stream, before the rest is
 * inflated: head holds the first n >= `want` bytes (the `want` given to
 * tg__read_file_checked); can_hold is the most bytes
 * the compressed file can inflate to. Returns an error (its own message) to stop at
 * once, or TG_OK with *limit = the most bytes the format's header allows. Not called
 * when the whole stream is shorter than `want` (the caller then parses it whole). */
typedef tg_status (*tg__read_head_fn)(void *user, const unsigned char *head, size_t n,
                                      uint64_t can_hold, size_t *limit);

/* tg__read_file, and if the file is gzip data (TG__READ_GUNZIP), check() sees the
 * first `want` bytes of the inflated stream before more is read; inflating stops
 * with TG_ERR_FORMAT "fn: path: the inflated data is longer than the N bytes its
 * header declares" as soon as the stream passes *limit. So a small file that
 * inflates to gigabytes (a gzip bomb) costs at most what its header declares, and a
 * header declaring more than the file can hold is refused before anything else is
 * read. Uncompressed files are read as by tg__read_file (their size is their own). */
tg_status tg__read_file_checked(const char *fn, const char *path, unsigned flags, size_t want,
                                tg__read_head_fn check, void *user, unsigned char **out,
                                size_t *n);

/* Deflate's largest compression ratio (a long run of one byte): a gzip file of s
 * bytes inflates to at most about 1032 s bytes. */
#define TG__GZIP_MAX_RATIO 1032u

/* ---- atomic writes ---- */

/* Writes the n bytes at data to path so that a reader, or a crash, sees the old file
 * or the new one, never part of one: to a temporary "<path>.tmp.<10 random
 * characters>" created with O_CREAT | O_EXCL | O_NOFOLLOW (nothing planted in the
 * directory is followed or overwritten), with the existing file's permission bits
 * (0666 less the umask for a new file), fsync'ed, renamed over path, then the parent
 * directory fsync'ed (best effort). On failure the temporary file is removed and path
 * is left as it was. Errors name fn and path: TG_ERR_IO "fn: path: <step> <tmp>:
 * <reason>" with step "cannot create temporary file" (tmp then shows the template
 * "<path>.tmp.XXXXXXXXXX"), "cannot set the mode of", "cannot write", "cannot sync",
 * "cannot close" or "cannot rename"; TG_ERR_NOMEM "fn: path: out of memory" (the one
 * allocation, the temporary name). Threads may save the same path at once: each has
 * its own temporary file, and the last rename wins. */
tg_status tg__write_atomic(const char *fn, const char *path, const void *data, size_t n);

#endif
