/* arena.c — the tape's memory: a list of chunks kept across resets.
 *
 * Requests are bumped from the current chunk; when it is full we move to the next
 * chunk kept from an earlier step, or allocate a new one (twice the last size, and at
 * least the request). After the first step of a loop the same sequence of requests
 * fits the same chunks, so no allocation happens. */
#include "tape_private.h"

#define ARENA_FIRST_CHUNK ((size_t)1 << 20)

/* A chunk of at least cap bytes: all that tg__malloc_large gives (a multiple of
 * huge pages for large chunks) past the header and the alignment. */
static chunk *chunk_new(size_t cap) {
    size_t total;
    if (!tg__add_size(cap, sizeof(chunk) + 64, &total)) return NULL;
    unsigned char *mem = tg__malloc_large(&total);
    if (!mem) return NULL;
    chunk *c = (chunk *)mem;
    c->next = NULL;
    c->cap = total - sizeof(chunk) - 64;
    c->used = 0;
    c->base = (unsigned char *)(((uintptr_t)(mem + sizeof(chunk)) + 63) & ~(uintptr_t)63);
    return c;
}

void *tg_tape_alloc(tg_tape *t, size_t bytes) {
    if (!t) {
        tg__error(TG_ERR_ARG, "tg_tape_alloc: tape is NULL");
        return NULL;
    }
    if (bytes > TG__MAX_BYTES) {
        tg_tape_fail(t, TG_ERR_NOMEM, "%s: out of memory growing the tape's arena by %zu bytes",
                     t->who ? t->who : "tg_tape_alloc", bytes);
        return NULL;
    }
    bytes = (bytes + 63) & ~(size_t)63;
    for (;;) {
        chunk *c = t->cur;
        if (c && c->cap - c->used >= bytes) {
            void *p = c->base + c->used;
            c->used += bytes;
            return p;
        }
        if (c && c->next) { /* a chunk kept from an earlier step */
            t->cur = c->next;
            t->cur->used = 0;
            continue;
        }
        /* Doubling stops at TG__MAX_BYTES (bytes never exceeds it), so cap + the
         * chunk header cannot wrap. */
        size_t cap = c ? (c->cap <= TG__MAX_BYTES / 2 ? c->cap * 2 : TG__MAX_BYTES) : ARENA_FIRST_CHUNK;
        if (cap < bytes) cap = bytes;
        chunk *n = chunk_new(cap);
        if (!n) {
            tg_tape_fail(t, TG_ERR_NOMEM, "%s: out of memory growing the tape's arena by %zu bytes",
                         t->who ? t->who : "tg_tape_alloc", cap);
            return NULL;
        }
        t->total_cap += n->cap;
        if (c) c->next = n; else t->first = n;
        t->cur = n;
    }
}

size_t tg_tape_arena_bytes(const tg_tape *t) { return t ? t->total_cap : 0; }
size_t tg_tape_arena_used(const tg_tape *t) {
    size_t u = 0;
    if (!t) return 0;
    for (chunk *c = t->first; c; c = c->next) {
        u += c->used;
        if (c == t->cur) break;
    }
    return u;
}
