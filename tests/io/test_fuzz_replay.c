/* test_fuzz_replay.c — replays the fuzzers' committed corpus (fuzz/corpus/<target>/)
 * through the same entry points and contract checks as the libFuzzer harnesses
 * (fuzz/fuzz_targets.h), so every input a fuzzer ever kept runs in CI, in the float,
 * double and sanitizer builds. A file that crashed a reader or broke a contract once
 * stays in the corpus and guards the fix.
 *
 * Each input is also written to a file and read by the file entry point of the same
 * reader (tg_idx_read, tg_csv_read, tg_text_read, tg_checkpoint_load), which must give
 * the same status as the memory parser.
 */
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"

/* Contract failures count as test failures instead of aborting. */
#define FUZZ_ASSERT(cond, ...) CHECK(cond, __VA_ARGS__)
#include "fuzz/fuzz_targets.h"

#ifndef TG_SOURCE_ROOT
#define TG_SOURCE_ROOT "."
#endif

static char tmp_path[128];

/* The status the file entry point of target gives for these bytes. */
static tg_status via_file(const char *target, const uint8_t *d, size_t n, bool *skip) {
    *skip = strcmp(target, "idx_gz") == 0; /* its target already compares both ways */
    if (*skip) return TG_OK;
    FILE *f = fopen(tmp_path, "wb");
    if (!f) {
        *skip = true;
        return TG_OK;
    }
    fwrite(d, 1, n, f);
    fclose(f);
    size_t live = tg_alloc_live();
    tg_status st;
    if (strcmp(target, "idx") == 0) {
        /* The file reader gunzips data that starts with the gzip magic; the memory
         * parser does not, so those inputs mean different things. */
        if (n >= 2 && d[0] == 0x1f && d[1] == 0x8b) *skip = true;
        tg_idx x;
        st = *skip ? TG_OK : tg_idx_read(tmp_path, &x);
        if (!*skip) tg_idx_free(&x);
    } else if (strcmp(target, "csv") == 0) {
        tg_csv c;
        st = tg_csv_read(tmp_path, NULL, 0, &c);
        tg_csv_free(&c);
    } else if (strcmp(target, "text") == 0) {
        tg_text x;
        st = tg_text_read(tmp_path, &x);
        tg_text_free(&x);
    } else {
        const tg_params *lists[2] = {&fuzz_ckpt_model, &fuzz_ckpt_state};
        fuzz_ckpt_fill();
        st = tg_checkpoint_load(tmp_path, lists, 2, NULL);
    }
    CHECK(tg_alloc_live() == live, "%s: file reader leaked %zu allocations", target, tg_alloc_live() - live);
    return st;
}

static tg_status via_memory(const char *target, const uint8_t *d, size_t n) {
    if (strcmp(target, "idx") == 0) {
        tg_idx x;
        tg_status st = tg_idx_parse(d, n, "m", &x);
        tg_idx_free(&x);
        return st;
    }
    if (strcmp(target, "csv") == 0) {
        tg_csv c;
        tg_status st = tg_csv_parse((const char *)d, n, "m", NULL, 0, &c);
        tg_csv_free(&c);
        return st;
    }
    if (strcmp(target, "text") == 0) {
        tg_text x;
        tg_status st = tg_text_from(d, n, "m", &x);
        tg_text_free(&x);
        return st;
    }
    const tg_params *lists[2] = {&fuzz_ckpt_model, &fuzz_ckpt_state};
    fuzz_ckpt_fill();
    return tg_checkpoint_load_mem(d, n, "m", lists, 2, NULL);
}

static int replay(const char *target, void (*fn)(const uint8_t *, size_t)) {
    char dir[512];
    snprintf(dir, sizeof dir, "%s/fuzz/corpus/%s", TG_SOURCE_ROOT, target);
    DIR *dp = opendir(dir);
    CHECK(dp != NULL, "cannot open %s", dir);
    if (!dp) return 0;
    int files = 0;
    size_t bytes = 0;
    struct dirent *e;
    while ((e = readdir(dp))) {
        if (e->d_name[0] == '.') continue;
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        FILE *f = fopen(p, "rb");
        if (!f) continue;
        fseek(f, 0, SEEK_END);
        long len = ftell(f);
        fseek(f, 0, SEEK_SET);
        uint8_t *d = malloc(len > 0 ? (size_t)len : 1);
        size_t n = len > 0 ? fread(d, 1, (size_t)len, f) : 0;
        fclose(f);
        int failed_before = check_failed;
        fn(d, n);
        bool skip;
        tg_status sm = via_memory(target, d, n), sf = via_file(target, d, n, &skip);
        if (!skip)
            CHECK(sm == sf, "%s: %s: memory parser %s, file reader %s (%s)", target, e->d_name,
                  tg_status_name(sm), tg_status_name(sf), tg_last_error());
        if (check_failed != failed_before) printf("  ^ in %s\n", p);
        free(d);
        files++;
        bytes += n;
    }
    closedir(dp);
    printf("%s: replayed %d inputs (%zu bytes)\n", target, files, bytes);
    CHECK(files > 0, "%s: empty corpus", target);
    return files;
}

int main(void) {
    snprintf(tmp_path, sizeof tmp_path, "/tmp/tg_fuzz_replay_%ld", (long)getpid());
    size_t live = tg_alloc_live();
    fuzz_ckpt_init();
    replay("checkpoint", fuzz_checkpoint);
    replay("idx", fuzz_idx);
    replay("csv", fuzz_csv);
    replay("text", fuzz_text);
    replay("idx_gz", fuzz_idx_gz);
    fuzz_ckpt_free();
    unlink(tmp_path);
    CHECK(tg_alloc_live() == live, "%zu allocations live at the end", tg_alloc_live() - live);
    return check_done();
}
