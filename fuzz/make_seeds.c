/* make_seeds.c — writes a few valid (and nearly valid) inputs per fuzz target, so the
 * fuzzers start from the real formats instead of having to discover a magic number
 * and a checksum. Used by fuzz/run.sh when a target's corpus folder is empty.
 *
 *   make_seeds DIR      writes DIR/checkpoint/, DIR/idx/, DIR/csv/, DIR/text/
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "fuzz_targets.h"

static const char *root;

static void put(const char *target, const char *name, const void *b, size_t n) {
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", root, target);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/%s/%s", root, target, name);
    FILE *f = fopen(p, "wb");
    if (!f) {
        perror(p);
        return;
    }
    fwrite(b, 1, n, f);
    fclose(f);
}

static void put_str(const char *target, const char *name, const char *s) {
    put(target, name, s, strlen(s));
}

/* A checkpoint of fuzz_targets.h's model with dtype 8 (binary64) records, written
 * byte by byte (the saver writes the build's tg_real, float here). */
static size_t ckpt_double(unsigned char *b) {
    static const char *names[3] = {"w", "b", "optim.step"};
    static const int ranks[3] = {2, 1, 0}, shapes[3][2] = {{2, 3}, {3, 0}, {0, 0}};
    size_t p = 0;
    memcpy(b, "TGCKPT\r\n", 8);
    p = 8;
    unsigned v32[3] = {1, 3, 2};
    for (int i = 0; i < 3; i++, p += 4)
        for (int k = 0; k < 4; k++) b[p + k] = (unsigned char)(v32[i] >> (8 * k));
    for (int m = 0; m < 2; m++, p += 8)
        for (int k = 0; k < 8; k++) b[p + k] = (unsigned char)((uint64_t)(m + 7) >> (8 * k));
    for (int t = 0; t < 3; t++) {
        size_t len = strlen(names[t]);
        b[p++] = (unsigned char)len;
        b[p++] = 0;
        memcpy(b + p, names[t], len);
        p += len;
        b[p++] = 8;
        b[p++] = (unsigned char)ranks[t];
        size_t size = 1;
        for (int d = 0; d < ranks[t]; d++, p += 4) {
            size *= (size_t)shapes[t][d];
            for (int k = 0; k < 4; k++) b[p + k] = (unsigned char)((unsigned)shapes[t][d] >> (8 * k));
        }
        for (size_t e = 0; e < size; e++, p += 8) {
            double v = -1.5 + (double)e;
            uint64_t u;
            memcpy(&u, &v, 8);
            for (int k = 0; k < 8; k++) b[p + k] = (unsigned char)(u >> (8 * k));
        }
    }
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < p; i++) h = (h ^ b[i]) * 0x100000001b3u;
    for (int k = 0; k < 8; k++) b[p + k] = (unsigned char)(h >> (8 * k));
    return p + 8;
}

static void seed_checkpoint(void) {
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s/model.ckpt", root);
    fuzz_ckpt_init();
    fuzz_ckpt_fill();
    const tg_params *lists[2] = {&fuzz_ckpt_model, &fuzz_ckpt_state};
    tg_checkpoint_meta meta = {0};
    tg_rng r;
    tg_rng_seed(&r, 1);
    tg_checkpoint_meta_add(&meta, 3);
    tg_checkpoint_meta_add_rng(&meta, &r);
    for (int cfg = 0; cfg < 2; cfg++) {
        if (tg_checkpoint_save(tmp, cfg == 0 ? lists : NULL, cfg == 0 ? 2 : 0, &meta) != TG_OK) {
            fprintf(stderr, "%s\n", tg_last_error());
            continue;
        }
        unsigned char b[4096];
        FILE *f = fopen(tmp, "rb");
        size_t n = f ? fread(b, 1, sizeof b, f) : 0;
        if (f) fclose(f);
        remove(tmp);
        put("checkpoint", cfg == 0 ? "model_float" : "empty_with_meta", b, n);
    }
    unsigned char b[4096];
    put("checkpoint", "model_double", b, ckpt_double(b));
    fuzz_ckpt_free();
}

static void seed_idx(void) {
    unsigned char b[64] = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2};
    for (int i = 0; i < 8; i++) b[16 + i] = (unsigned char)(i * 37);
    put("idx", "images_2x2x2", b, 24);
    unsigned char l[13] = {0, 0, 8, 1, 0, 0, 0, 5, 1, 2, 3, 4, 9};
    put("idx", "labels_5", l, sizeof l);
    unsigned char f[12] = {0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0x80, 0x3f};
    put("idx", "float32_1", f, sizeof f);
    /* The gzip path starts from the same files (the harness compresses them). */
    put("idx_gz", "images_2x2x2", b, 24);
    put("idx_gz", "labels_5", l, sizeof l);
    put("idx_gz", "float32_1", f, sizeof f);
}

static void seed_csv(void) {
    put_str("csv", "xy", "x,y\n1,2\n-3.5e2,+4.25\n");
    put_str("csv", "quoted_crlf_bom", "\xEF\xBB\xBF\"x\",\"y \"\"q\"\"\",z\r\n 1 ,\"2\",a\r\n3,4,\"b,c\"\r\n\r\n");
    put_str("csv", "date_temp", "date,temp\n2010-01-01 00:00:00,39.4\n2010-01-01 01:00:00,39.2\n");
    put_str("csv", "yx_last_no_newline", "y,w,x\n.5,w,5.\n1e-3,,1E+300");
}

static void seed_text(void) {
    put_str("text", "ascii", "hello, world\n");
    put("text", "bytes", "\x00\xff\xc3\xa9\n", 5);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    root = argv[1];
    mkdir(root, 0755);
    seed_checkpoint();
    seed_idx();
    seed_csv();
    seed_text();
    return 0;
}
