/* tg_checkpoint.h — save and load named tensors (parameters, optimizer state) in a
 * small versioned binary file with a checksum.
 *
 * Example (resume training bit-identically):
 *
 *   tg_params state = {0};
 *   tg_optim_state(opt, &state);                        // "w.exp_avg", "optim.step", ...
 *   const tg_params *lists[2] = {&ps, &state};
 *   tg_checkpoint_meta meta = {0};
 *   tg_checkpoint_meta_add(&meta, (uint64_t)epoch);
 *   tg_checkpoint_meta_add_rng(&meta, &rng);                  // 6 words
 *   if (tg_checkpoint_save("model.ckpt", lists, 2, &meta) != TG_OK) puts(tg_last_error());
 *   ...  // in a new process, after building the same model and optimizer:
 *   if (tg_checkpoint_load("model.ckpt", lists, 2, &meta) == TG_OK) {
 *       epoch = (int)meta.v[0];  tg_checkpoint_meta_get_rng(&meta, 1, &rng);
 *   }
 *
 * Matching is by name: every tensor of the lists must have a distinct non-empty name,
 * and a file loads only into lists holding exactly the same names with the same
 * shapes (order does not matter). Only ->data is read and written; gradients are
 * neither saved nor touched.
 *
 * File format, version 1. Every integer is little-endian and unsigned; the layout is
 * written byte by byte, so it does not depend on the machine or on struct padding.
 *
 *   offset  bytes  field
 *   0       8      magic "TGCKPT\r\n" (the CR LF catches text-mode mangling)
 *   8       4      version = 1
 *   12      4      n_tensors
 *   16      4      n_meta (0..TG_CHECKPOINT_META_MAX)
 *   20      8*n_meta  meta words (uint64)
 *   then n_tensors records:
 *           2      name length L (1..47)
 *           L      name (bytes, no NUL)
 *           1      dtype: 4 = IEEE-754 binary32, 8 = binary64
 *           1      rank R (0..TG_MAX_RANK)
 *           4*R    dimensions (each 1..INT_MAX)
 *           dtype*size  values, row-major (size = product of dimensions, 1 for rank 0)
 *   end     8      FNV-1a 64 of every byte before it
 *
 * FNV-1a changes its state bijectively for each byte, so any single corrupted byte
 * is always detected; a truncated file is caught by the structure check first.
 *
 * Precision: tensors are written in the build's tg_real (dtype 4 in the float build,
 * 8 in the double build). Loading converts: a float file loads exactly into a double
 * build; a double file loads into a float build rounded to nearest, and is refused
 * (TG_ERR_VALUE, nothing changed) if a finite value does not fit in a float. A
 * bit-identical resume needs the same build for saving and loading.
 *
 * Errors (the thread's tg_last_error() names the function, the path and the problem,
 * e.g. "tg_checkpoint_load: model.ckpt: tensor 'lstm.0.W_x' has shape (5,20) in the
 * file but (5,16) in the model"):
 *   TG_ERR_ARG    NULL or bad arguments; an unnamed or duplicated name in the lists;
 *                 a file whose tensor names differ from the lists' (another model)
 *   TG_ERR_SHAPE  a tensor of the same name with another shape
 *   TG_ERR_IO     the file cannot be opened, read, written, synced or renamed
 *   TG_ERR_FORMAT not a checkpoint, an unknown version, a truncated or corrupted file
 *   TG_ERR_VALUE  a double value outside the float range (float build)
 *   TG_ERR_NOMEM  out of memory
 * A failed load changes nothing (no tensor, no meta); a failed save leaves any
 * previous file at path as it was and no temporary file behind.
 *
 * Threads: saves and loads of different paths may run in parallel; two threads of one
 * process must not save to the same path at once (they would share the temporary
 * file name).
 */
#ifndef TG_CHECKPOINT_H
#define TG_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>
#include <tapegrad/tg_core.h>
#include <tapegrad/tg_params.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TG_CHECKPOINT_VERSION 1
#define TG_CHECKPOINT_META_MAX 32

/* Caller-defined metadata saved with the tensors: up to TG_CHECKPOINT_META_MAX 64-bit words
 * (epoch, step, RNG state, ...), position-keyed. Zero-initialise before adding. */
typedef struct tg_checkpoint_meta {
    int n;                         /* words in use */
    uint64_t v[TG_CHECKPOINT_META_MAX];
} tg_checkpoint_meta;

/* Appends one word. TG_ERR_ARG for NULL, TG_ERR_RANGE when full (or n is invalid). */
tg_status tg_checkpoint_meta_add(tg_checkpoint_meta *m, uint64_t v);
/* Appends an RNG's complete state as TG_CHECKPOINT_RNG_WORDS words (s[0..3], has_spare and
 * the bits of spare), so a resumed run draws the same numbers. */
#define TG_CHECKPOINT_RNG_WORDS 6
tg_status tg_checkpoint_meta_add_rng(tg_checkpoint_meta *m, const tg_rng *r);
/* Restores an RNG from the TG_CHECKPOINT_RNG_WORDS words starting at m->v[at].
 * TG_ERR_ARG for NULL, TG_ERR_RANGE if those words are not all in use. */
tg_status tg_checkpoint_meta_get_rng(const tg_checkpoint_meta *m, int at, tg_rng *r);

/* Saves the tensors of lists[0..n_lists-1] (in list order) and meta (NULL: none) to
 * path, atomically: the file is written to "<path>.tmp.<pid>", flushed to disk with
 * fsync, then renamed over path. On any failure the temporary file is removed and a
 * previous file at path is left intact. Lists may be NULL when n_lists is 0. */
tg_status tg_checkpoint_save(const char *path, const tg_params *const *lists, int n_lists,
                             const tg_checkpoint_meta *meta);

/* Loads path into the tensors of lists[0..n_lists-1] and, if meta is not NULL, the
 * saved words into *meta. The whole file is read into memory and everything is
 * validated (magic, version, structure, sizes, checksum, then every name and shape
 * against the lists) before the first tensor is written. */
tg_status tg_checkpoint_load(const char *path, const tg_params *const *lists, int n_lists,
                             tg_checkpoint_meta *meta);

/* As tg_checkpoint_load, from the n bytes at buf (e.g. for a fuzzer); label names the
 * source in messages (NULL: "<memory>"). buf is only read. */
tg_status tg_checkpoint_load_mem(const void *buf, size_t n, const char *label,
                                 const tg_params *const *lists, int n_lists,
                                 tg_checkpoint_meta *meta);

/* ---- names before 0.2.0 (see NEWS), kept until 0.3.0 ----
 * Define TG_NO_DEPRECATED before including tapegrad to leave them out. */
#ifndef TG_NO_DEPRECATED
#define tg_ckpt_meta tg_checkpoint_meta
#define tg_ckpt_meta_add tg_checkpoint_meta_add
#define tg_ckpt_meta_add_rng tg_checkpoint_meta_add_rng
#define tg_ckpt_meta_get_rng tg_checkpoint_meta_get_rng
#define TG_CKPT_VERSION TG_CHECKPOINT_VERSION
#define TG_CKPT_META_MAX TG_CHECKPOINT_META_MAX
#define TG_CKPT_RNG_WORDS TG_CHECKPOINT_RNG_WORDS
#endif

#ifdef __cplusplus
}
#endif
#endif
