/* gemm.c — the GEMM driver: choice of micro-kernel, beta, the direct path for thin
 * products, and the split of large products across the thread pool.
 *
 * The algorithm is the classic one of GotoBLAS/BLIS (Goto & van de Geijn, "Anatomy of
 * high-performance matrix multiplication", 2008), for one block of C:
 *
 *   for jc in steps of NC over N          columns of C and op(B)
 *     for pc in steps of KC over K        one rank-KC update
 *       pack op(B)[pc:pc+KC, jc:jc+NC] into Bp: NR-wide column panels   (L2)
 *       for ic in steps of MC over M
 *         pack alpha op(A)[ic:ic+MC, pc:pc+KC] into Ap: MR-tall panels  (L2)
 *         for jr in steps of NR, ir in steps of MR
 *           C[ir:ir+MR, jr:jr+NR] += Ap_panel * Bp_panel   (registers; the KC x NR
 *                                                           panel of B stays in L1)
 * Packing makes the micro-kernel's loads contiguous whatever the transposes and
 * strides, and pads edge panels with zeros so the micro-kernel always computes a full
 * MR x NR tile (the zeros keep stale values, possibly NaN, out of the lanes that are
 * written); only the valid part of an edge tile is written back. A product with
 * op(A) = A, alpha == 1 and short rows skips packing A: its tiles broadcast from the
 * rows of A in place, which packing would only have copied (same values, same bits;
 * gemm_body.h, unpacked_a). The kernels
 * are one body (gemm_body.h) compiled for each instruction set, chosen at run time
 * below. A block of at most MC rows (a batch of 32 or 64) packs each panel of B just
 * before its tiles instead, where it stays in L1: there is no second block of A to
 * reuse Bp.
 *
 * Panels live in the scratch area of the thread that computes a block (threads.c,
 * 2 MiB: B blocks of up to 1 MiB, NC = 1024 floats, so A is packed once per 1024
 * columns), or, for a product run outside the pool, on the stack
 * (TG__GEMM_STACK_BYTES, NC = 128).
 *
 * Thin products — fewer than DIRECT_M rows, or K <= DIRECT_K (batch-1 RNN steps,
 * rank-few updates) — skip packing, which would cost as much as the product: the
 * `direct` kernels work on the rows of C.
 *
 * Threads and determinism: a product of at least PAR_MIN_FMAS multiply-adds is split
 * across the pool by blocks of C. Wide products (more NR-columns than MR-rows, and
 * the direct path) split along N, at multiples of NR (or of 64 for the direct path),
 * one task per thread, each running the code above on its columns. Tall and square
 * ones split along M, at multiples of MR, with rows handed out as threads come free
 * (split_rows below). An element's value is a function of its row of op(A), its
 * column of op(B), the K-blocking (the same for every block and buffer) and its lane
 * in the tile (the same, since blocks start at multiples of MR and NR); in the direct
 * path every element is one chain of explicit fma (or multiply then add in the
 * generic kernels). So results are bit-identical for any thread count. They do
 * depend on the kernel: FMA rounds once where multiply-add rounds twice.
 */
#include <stdatomic.h>
#include <string.h>
#include <tg/gemm.h>
#include "gemm_kernels.h"
#include <tg/threads.h>

static inline size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }

/* ---- choice of kernel ----
 * The CPU checks are compiled for the baseline, here, so that nothing built for AVX
 * runs before they have passed. */

#if TG_GEMM_AVX2
static bool has_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#endif
#if TG_GEMM_AVX512
static bool has_avx512(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") &&
           __builtin_cpu_supports("fma");
}
#endif
static bool yes(void) { return true; }

/* Best first; the last one ("generic") runs everywhere. */
static const struct {
    const tg__gemm_kernels *k;
    bool (*supported)(void);
} isas[] = {
#if TG_GEMM_AVX512
    {&tg__gemm_avx512, has_avx512},
#endif
#if TG_GEMM_AVX2
    {&tg__gemm_avx2, has_avx2},
#endif
    {&tg__gemm_generic, yes},
};
enum { N_ISAS = (int)(sizeof isas / sizeof isas[0]) };

static _Atomic(const tg__gemm_kernels *) active;

static const tg__gemm_kernels *current_isa(void) {
    const tg__gemm_kernels *g = atomic_load_explicit(&active, memory_order_acquire);
    if (g) return g;
    for (int k = 0; k < N_ISAS; k++)
        if (isas[k].supported()) {
            g = isas[k].k;
            break;
        }
    atomic_store(&active, g);
    return g;
}

int tg__gemm_isa_count(void) { return N_ISAS; }
const char *tg__gemm_isa_name(int k) { return k >= 0 && k < N_ISAS ? isas[k].k->name : NULL; }
const char *tg__gemm_isa(void) { return current_isa()->name; }
bool tg__gemm_use_isa(const char *name) {
    if (!name) {
        atomic_store(&active, (const tg__gemm_kernels *)NULL);
        return true;
    }
    for (int k = 0; k < N_ISAS; k++)
        if (strcmp(isas[k].k->name, name) == 0 && isas[k].supported()) {
            atomic_store(&active, isas[k].k);
            return true;
        }
    return false;
}

double tg__gemm_fma_loop(long iters) { return current_isa()->fma_loop(iters); }

/* The kernels for a product of N columns under g: AVX-512's wide tiles (6 x 64) when
 * N rounded up to 64 is at most 10 % more than N rounded up to 32 (64-wide tiles
 * would otherwise compute padding: a convolution's 16 or 32 channels), else g. The
 * same bits either way. */
static const tg__gemm_kernels *for_cols(const tg__gemm_kernels *g, size_t N) {
#if TG_GEMM_AVX512
    if (g == &tg__gemm_avx512 && N <= SIZE_MAX - 64 && 10 * ((N + 63) / 64 * 64) <= 11 * ((N + 31) / 32 * 32))
        return &tg__gemm_avx512w;
#endif
    (void)N;
    return g;
}

/* ---- blocks and tasks ---- */

enum { NC_STACK = 128 };
#define AP_BYTES ((size_t)TG__GEMM_MC * TG__GEMM_KC_BYTES) /* packed A: MC x KC */
#define NC_BYTES ((size_t)1 << 20)
_Static_assert(NC_BYTES + AP_BYTES <= TG__SCRATCH_BYTES, "panels fit the scratch area");

typedef struct {
    const tg__gemm_kernels *g;
    tg__gemm_args args;
    bool direct, split_n;
    size_t M, N;
    tg_real beta;
    const tg_real *A, *B;
    tg_real *C;
    size_t unit, units; /* the split: `units` pieces of `unit` columns (or rows) */
    int tasks;
} gemm_job;

/* Outside the pool: panels on this thread's stack. */
static void packed_on_stack(const tg__gemm_kernels *g, const tg__gemm_args *a, size_t M,
                            size_t N, const tg_real *A, const tg_real *B, tg_real *C,
                            size_t m0, size_t n0) {
    _Alignas(64) tg_real buf[TG__GEMM_STACK_BYTES / sizeof(tg_real)];
    _Static_assert((AP_BYTES + (size_t)TG__GEMM_KC_BYTES * NC_STACK) <= TG__GEMM_STACK_BYTES,
                   "MC x KC and KC x NC_STACK panels fit the stack bound");
    g->packed(a, M, N, A, B, C, buf, NC_STACK, m0, n0);
}

/* C := beta C on a block, except where the packed path's first rank-KC update
 * overwrites C (beta == 0: C is never read, so NaN in it does not leak). */
static void scale_c(const gemm_job *jb, size_t M, size_t N, tg_real *C) {
    if (jb->beta == 1 || (!jb->direct && jb->args.overwrite)) return;
    for (size_t i = 0; i < M; i++) {
        tg_real *c = C + i * jb->args.ldc;
        if (jb->beta == 0) memset(c, 0, N * sizeof *c);
        else for (size_t j = 0; j < N; j++) c[j] *= jb->beta;
    }
}

/* The columns of a packed B block for N columns: at most NC_BYTES (the block stays in
 * L2 while the A blocks pass), as even as possible (N = 1100 is two blocks of 576,
 * not 1024 + 76), a multiple of NR. */
static size_t block_cols(const tg__gemm_kernels *g, size_t N) {
    size_t KC = (size_t)g->kc, NR = (size_t)g->nr;
    size_t nc_max = NC_BYTES / sizeof(tg_real) / KC / NR * NR;
    size_t blocks = (N + nc_max - 1) / nc_max;
    return ((N + blocks - 1) / blocks + NR - 1) / NR * NR;
}

/* C[m0:m0+M, n0:n0+N] := beta C + alpha op(A) op(B) for one block; scratch: the
 * running thread's area (TG__SCRATCH_BYTES) or NULL. (A product of segments has no
 * A and B pointers: its blocks find their rows by m0 and n0.) */
static void gemm_block(const gemm_job *jb, size_t m0, size_t M, size_t n0, size_t N,
                       void *scratch) {
    const tg__gemm_args *a = &jb->args;
    const tg_real *A = a->seg ? NULL : a->trans_a ? jb->A + m0 : jb->A + m0 * a->lda;
    const tg_real *B = a->seg ? NULL : a->trans_b ? jb->B + n0 * a->ldb : jb->B + n0;
    tg_real *C = jb->C + m0 * a->ldc + n0;
    scale_c(jb, M, N, C);
    if (jb->direct) jb->g->direct(a, M, N, A, B, C);
    else if (scratch) jb->g->packed(a, M, N, A, B, C, scratch, block_cols(jb->g, N), m0, n0);
    else packed_on_stack(jb->g, a, M, N, A, B, C, m0, n0);
}

/* Task i: its share of whole units, as even as possible. */
static void gemm_task(void *ctx, int i, void *scratch) {
    const gemm_job *jb = ctx;
    size_t per = jb->units / (size_t)jb->tasks, extra = jb->units % (size_t)jb->tasks;
    size_t lo = ((size_t)i * per + min_sz((size_t)i, extra)) * jb->unit;
    size_t len = (per + ((size_t)i < extra)) * jb->unit;
    if (jb->split_n) {
        if (lo < jb->N) gemm_block(jb, 0, jb->M, lo, min_sz(len, jb->N - lo), scratch);
    } else {
        if (lo < jb->M) gemm_block(jb, lo, min_sz(len, jb->M - lo), 0, jb->N, scratch);
    }
}

/* ---- a split along M, rows handed out as threads come free ----
 * Each rank-KC update of each column block of C is one job. Every task packs the
 * block of op(B) into its own scratch area, then takes chunks of rows, packs them
 * from A and multiplies them by the block, until no rows are left. Chunks are claimed
 * as threads come free and shrink towards the end (guided scheduling), so a core that
 * runs slower (a busy neighbour on a shared machine, a worker that wakes late) takes
 * fewer rows instead of holding the others up. Each task packs the whole block for
 * itself rather than sharing one packed copy: a line written into a shared buffer
 * must first be taken back from the caches of the cores that read it in the job
 * before. The blocking is gemm_block's and chunks start at multiples of MR, so the
 * result is the same to the bit. */
typedef struct {
    const gemm_job *jb;
    size_t jc, nc, pc, kc; /* C[:, jc:jc+nc] (+)= op(A)[:, pc:pc+kc] op(B)[pc:pc+kc, jc:jc+nc] */
    atomic_size_t next_row;
} row_job;

/* Claims the next chunk of rows: 1/(2T) of the rows left, rounded up to a multiple of
 * MR (large chunks first, one tile at the end). */
static bool claim_rows(row_job *s, size_t *lo, size_t *rows) {
    size_t M = s->jb->M, MR = (size_t)s->jb->g->mr, parts = 2 * (size_t)s->jb->tasks;
    size_t next = atomic_load_explicit(&s->next_row, memory_order_relaxed), n;
    do {
        if (next >= M) return false;
        n = ((M - next + parts - 1) / parts + MR - 1) / MR * MR;
    } while (!atomic_compare_exchange_weak_explicit(&s->next_row, &next, next + n,
                                                    memory_order_relaxed, memory_order_relaxed));
    *lo = next;
    *rows = min_sz(n, M - next);
    return true;
}

/* Outside the pool (no scratch area): rows [lo, lo + rows) of this rank-KC update,
 * with the stack's panels; one KC block, so the same arithmetic. */
static void rows_on_stack(const row_job *s, size_t lo, size_t rows) {
    const gemm_job *jb = s->jb;
    tg__gemm_args a = jb->args;
    a.K = s->kc;
    a.overwrite = jb->args.overwrite && s->pc == 0;
    const tg_real *A = a.trans_a ? jb->A + s->pc * a.lda + lo : jb->A + lo * a.lda + s->pc;
    const tg_real *B = a.trans_b ? jb->B + s->jc * a.ldb + s->pc : jb->B + s->pc * a.ldb + s->jc;
    if (a.bp) { /* a pack: its rows pc.. as the whole of this one-block product */
        a.bp += s->pc * a.ldp;
        B = a.bp + s->jc;
    }
    packed_on_stack(jb->g, &a, rows, s->nc, A, B, jb->C + lo * a.ldc + s->jc, 0, 0);
}

static void row_task(void *ctx, int i, void *scratch) {
    (void)i; /* every task takes chunks of rows while there are any */
    row_job *s = ctx;
    const gemm_job *jb = s->jb;
    const tg__gemm_args *a = &jb->args;
    tg_real *ap = scratch, *bp = scratch ? ap + AP_BYTES / sizeof(tg_real) : NULL;
    size_t lo, rows;
    bool packed = false;
    const tg_real *panels = a->bp ? a->bp + s->pc * a->ldp + s->jc * s->kc : bp;
    while (claim_rows(s, &lo, &rows)) {
        tg_real *C = jb->C + lo * a->ldc + s->jc;
        if (s->pc == 0) scale_c(jb, rows, s->nc, C);
        if (!scratch) {
            rows_on_stack(s, lo, rows);
            continue;
        }
        if (!packed && !a->bp) { /* the block, once per task that has rows to do */
            const tg_real *B = a->trans_b ? jb->B + s->jc * a->ldb + s->pc
                                          : jb->B + s->pc * a->ldb + s->jc;
            jb->g->pack_b(a, s->kc, s->nc, B, bp);
            packed = true;
        }
        const tg_real *A = a->trans_a ? jb->A + s->pc * a->lda + lo : jb->A + lo * a->lda + s->pc;
        jb->g->rows(a, rows, s->nc, s->kc, s->pc > 0 || !a->overwrite, A, panels, C, ap);
    }
}

static void split_rows(const gemm_job *jb) {
    size_t KC = (size_t)jb->g->kc, nc = block_cols(jb->g, jb->N);
    row_job s = {.jb = jb};
    for (s.jc = 0; s.jc < jb->N; s.jc += nc) {
        s.nc = min_sz(nc, jb->N - s.jc);
        for (s.pc = 0; s.pc < jb->args.K; s.pc += KC) {
            s.kc = min_sz(KC, jb->args.K - s.pc);
            atomic_store(&s.next_row, 0);
            tg__parallel(jb->tasks, row_task, &s);
        }
    }
}

/* Thin products take the direct path. */
enum { DIRECT_M = 4, DIRECT_K = 4 };
/* Products below this many multiply-adds (about 8 us on one core) stay on the calling
 * thread: besides the hand-off (a microsecond to a spinning worker, tens to a sleeping
 * one), the other core must fetch the operands from this one's caches. */
#define PAR_MIN_FMAS ((double)(1 << 20))

/* Splits jb (one task, the whole of C) across the pool when it is large, and runs
 * it. Tall products hand their rows out as threads come free (split_rows), except a
 * product of segments, whose blocks find their rows by number: it splits them
 * evenly (the same bits either way). */
static void run(gemm_job *jb) {
    size_t M = jb->M, N = jb->N;
    int T = tg__threads_max();
    double fmas = (double)M * (double)N * (double)jb->args.K;
    if (T > 1 && fmas >= PAR_MIN_FMAS) {
        size_t MR = (size_t)jb->g->mr, NR = (size_t)jb->g->nr;
        size_t tiles_m = (M + MR - 1) / MR, tiles_n = (N + NR - 1) / NR;
        if (jb->direct) /* direct: columns in chunks of 64 */
            jb->unit = 64, jb->units = (N + 63) / 64;
        else if (tiles_n >= tiles_m)
            jb->unit = NR, jb->units = tiles_n;
        else
            jb->split_n = false, jb->unit = MR, jb->units = tiles_m;
        jb->tasks = jb->units < (size_t)T ? (int)jb->units : T;
    }
    /* Packed products wider than the stack's panels go through the pool even on one
     * thread, for its scratch areas; the rest run here. */
    if (jb->tasks > 1 && !jb->split_n && !jb->args.seg)
        split_rows(jb);
    else if (jb->tasks > 1 || (!jb->direct && N > NC_STACK && fmas >= PAR_MIN_FMAS))
        tg__parallel(jb->tasks, gemm_task, jb);
    else
        gemm_block(jb, 0, M, 0, N, NULL);
}

static bool direct_path(bool trans_b, size_t M, size_t K) {
    return K == 0 || M < DIRECT_M || (!trans_b && K <= DIRECT_K);
}

bool tg__gemm_packs(bool trans_b, size_t M, size_t K) { return !direct_path(trans_b, M, K); }

void tg__gemm(bool trans_a, bool trans_b, size_t M, size_t N, size_t K, tg_real alpha,
              const tg_real *A, size_t lda, const tg_real *B, size_t ldb, tg_real beta,
              tg_real *C, size_t ldc) {
    if (M == 0 || N == 0) return;
    if (K == 0 || alpha == 0) K = 0, alpha = 0; /* C := beta C only */
    gemm_job jb = {
        .g = for_cols(current_isa(), N),
        .args = {trans_a, trans_b, beta == 0, K, alpha, lda, ldb, ldc},
        .direct = direct_path(trans_b, M, K),
        .split_n = true, .M = M, .N = N, .beta = beta, .A = A, .B = B, .C = C,
        .unit = N, .units = 1, .tasks = 1, /* one task: the whole of C */
    };
    run(&jb);
}

/* ---- packs of op(B) and products over segments (gemm.h) ---- */

/* N rounded up to kernel g's tile width; false on overflow. */
static bool pack_width(const tg__gemm_kernels *g, size_t K, size_t N, size_t *ldp, size_t *reals) {
    size_t NR = (size_t)g->nr;
    if (N > SIZE_MAX - NR) return false;
    *ldp = (N + NR - 1) / NR * NR;
    return !__builtin_mul_overflow(K, *ldp, reals);
}

size_t tg__gemm_pack_reals(size_t K, size_t N) {
    size_t ldp, reals;
    return pack_width(for_cols(current_isa(), N), K, N, &ldp, &reals) ? reals : SIZE_MAX;
}

bool tg__gemm_pack_b(tg__gemm_pack *p, bool trans_b, size_t K, size_t N, const tg_real *B,
                     size_t ldb, tg_real *data, size_t cap) {
    const tg__gemm_kernels *g = for_cols(current_isa(), N);
    size_t ldp = 0, reals;
    bool fits = pack_width(g, K, N, &ldp, &reals) && reals <= cap && K > 0 && N > 0;
    *p = (tg__gemm_pack){fits ? g : NULL, K, N, ldp, trans_b, B, ldb, data};
    if (!fits) return false;
    tg__gemm_args a = {.trans_b = trans_b, .ldb = ldb};
    g->pack_all(&a, K, N, B, data, ldp);
    return true;
}

void tg__gemm_packed_b(bool trans_a, size_t M, tg_real alpha, const tg_real *A, size_t lda,
                       const tg__gemm_pack *p, tg_real beta, tg_real *C, size_t ldc) {
    const tg__gemm_kernels *g = for_cols(current_isa(), p->N);
    if (p->isa != g || alpha == 0 || direct_path(p->trans_b, M, p->K)) { /* B itself */
        tg__gemm(trans_a, p->trans_b, M, p->N, p->K, alpha, A, lda, p->B, p->ldb, beta, C, ldc);
        return;
    }
    if (M == 0) return;
    gemm_job jb = {
        .g = g,
        .args = {trans_a, false, beta == 0, p->K, alpha, lda, 0, ldc, .bp = p->data, .ldp = p->ldp},
        .split_n = true, .M = M, .N = p->N, .beta = beta, .A = A, .B = p->data, .C = C,
        .unit = p->N, .units = 1, .tasks = 1,
    };
    run(&jb);
}

void tg__gemm_segs(size_t M, size_t N, const tg__gemm_seg *first, size_t lda, size_t ldb,
                   tg_real alpha, tg_real beta, tg_real *C, size_t ldc) {
    size_t K = 0;
    for (const tg__gemm_seg *s = first; s; s = s->next) K += s->k;
    if (M == 0 || N == 0) return;
    if (K == 0 || alpha == 0) { /* C := beta C */
        tg__gemm(true, false, M, N, 0, 0, C, lda, C, ldb, beta, C, ldc); /* nothing read */
        return;
    }
    gemm_job jb = {
        .g = for_cols(current_isa(), N),
        .args = {true, false, beta == 0, K, alpha, lda, ldb, ldc, .seg = first},
        .split_n = true, .M = M, .N = N, .beta = beta, .C = C,
        .unit = N, .units = 1, .tasks = 1,
    };
    run(&jb);
}
