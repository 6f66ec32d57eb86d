/* test_checkpoint_edges.c — checkpoints at their edges: a file whose size the system
 * does not report (/proc), a size that overflows size_t, malformed lists, and a save
 * and load with each of their allocations failing in turn (TG_ERR_NOMEM naming the
 * function, nothing leaked, the parameters unchanged). */
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <tg/core.h>
#include "check.h"
#include "tmpdir.h"

/* Files in the scratch directory whose name holds ".tmp.". */
static int temp_files(void) {
    int n = 0;
    DIR *d = opendir(tmp_dir);
    for (struct dirent *e; d && (e = readdir(d));) n += strstr(e->d_name, ".tmp.") != NULL;
    if (d) closedir(d);
    return n;
}

/* Saving in a folder others can write: a symlink planted at the temporary name the
 * save used to take ("<path>.tmp.<pid>") is neither followed nor replaced, the
 * target ends a regular file; a 0600 checkpoint stays 0600; a new one follows the
 * umask; two saves take different temporary names. */
static void checkpoint_file_safety(void) {
    if (!tmp_dir_make("tg_ckpt_safety")) return;
    tg_tensor *w = tg_param_new("w", 1, (int[]){2});
    tg_params ps = {0};
    tg_params_add(&ps, w);
    const tg_params *l[1] = {&ps};
    char path[256], planted[300];
    snprintf(path, sizeof path, "%s", tmp_path("model.ckpt"));
    const char *victim = tmp_path("victim.txt");
    tmp_write(victim, "precious\n", 9);
    snprintf(planted, sizeof planted, "%s.tmp.%ld", path, (long)getpid());
    CHECK(symlink(victim, planted) == 0, "plant a symlink");
    CHECK(tg_checkpoint_save(path, l, 1, NULL) == TG_OK, "save beside a planted symlink: %s", tg_last_error());
    size_t nv;
    char *v = (char *)tmp_read(victim, &nv);
    CHECK(v && nv == 9 && memcmp(v, "precious\n", 9) == 0, "the symlink's target is untouched");
    free(v);
    struct stat sb;
    CHECK(lstat(path, &sb) == 0 && S_ISREG(sb.st_mode), "the checkpoint is a regular file, not a link");
    CHECK(lstat(planted, &sb) == 0 && S_ISLNK(sb.st_mode), "the planted link is left alone");
    unlink(planted);
    CHECK(temp_files() == 0, "no temporary file left");

    /* Modes: a 0600 file stays 0600 when saved again; a new file follows the umask. */
    CHECK(chmod(path, 0600) == 0, "chmod 0600");
    CHECK(tg_checkpoint_save(path, l, 1, NULL) == TG_OK, "re-save");
    CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600, "still 0600: %o", (unsigned)(sb.st_mode & 0777));
    CHECK(chmod(path, 0640) == 0, "chmod 0640");
    CHECK(tg_checkpoint_save(path, l, 1, NULL) == TG_OK, "re-save");
    CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0640, "still 0640: %o", (unsigned)(sb.st_mode & 0777));
    mode_t old = umask(027);
    const char *fresh = tmp_path("fresh.ckpt");
    CHECK(tg_checkpoint_save(fresh, l, 1, NULL) == TG_OK, "new file");
    CHECK(stat(fresh, &sb) == 0 && (sb.st_mode & 0777) == 0640, "umask 027 gives 0640: %o", (unsigned)(sb.st_mode & 0777));
    umask(077);
    unlink(fresh);
    CHECK(tg_checkpoint_save(fresh, l, 1, NULL) == TG_OK, "new file");
    CHECK(stat(fresh, &sb) == 0 && (sb.st_mode & 0777) == 0600, "umask 077 gives 0600: %o", (unsigned)(sb.st_mode & 0777));
    umask(old);

    /* The model loads back from what was saved. */
    w->data[0] = 3;
    CHECK(tg_checkpoint_save(path, l, 1, NULL) == TG_OK, "save 3");
    w->data[0] = 0;
    CHECK(tg_checkpoint_load(path, l, 1, NULL) == TG_OK && w->data[0] == 3, "load 3");
    CHECK(temp_files() == 0, "no temporary file left");
    tg_params_free(&ps);
    tg_tensor_free(w);
    tmp_dir_remove();
}

static void checkpoint_corners(void) {
    tg_tensor *w = tg_param_new("w", 1, (int[]){2});
    tg_params ps = {0};
    tg_params_add(&ps, w);
    const tg_params *l[1] = {&ps};
    /* /proc files report size 0: the reader must grow its buffer as it reads. */
    CHECK(tg_checkpoint_load("/proc/self/status", l, 1, NULL) == TG_ERR_FORMAT, "a /proc file");
    CHECK_ERR(NULL, TG_ERR_FORMAT, "tg_checkpoint_load: /proc/self/status: bad magic (not a tapegrad checkpoint)");
    /* A tensor whose size could not be written: a header with a huge size (its data
     * is never read, the size check comes first). */
    tg_tensor fake = *w;
    fake.flags = 0;
    fake.size = SIZE_MAX / 2;
    snprintf(fake.name, sizeof fake.name, "huge");
    tg_tensor *items[2] = {w, &fake};
    tg_params two = {items, 2, 2};
    const tg_params *l2[1] = {&two};
    CHECK(tg_checkpoint_save("/tmp/never_written.ckpt", l2, 1, NULL) == TG_ERR_NOMEM, "huge size");
    CHECK_ERR(NULL, TG_ERR_NOMEM, "tg_checkpoint_save: /tmp/never_written.ckpt: checkpoint size overflows size_t");
    CHECK(access("/tmp/never_written.ckpt", F_OK) != 0, "nothing written");
    /* Malformed lists. */
    tg_params neg = {items, -1, 2}, nul = {NULL, 1, 1};
    const tg_params *ln[1] = {&neg}, *lu[1] = {&nul};
    CHECK(tg_checkpoint_save("/tmp/x.ckpt", ln, 1, NULL) == TG_ERR_ARG, "n < 0");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_checkpoint_save: /tmp/x.ckpt: list 0 is invalid (n = -1)");
    CHECK(tg_checkpoint_save("/tmp/x.ckpt", lu, 1, NULL) == TG_ERR_ARG, "items NULL");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_checkpoint_save: /tmp/x.ckpt: list 0 is invalid (n = 1)");
    /* More than INT_MAX tensors in all: refused before any entry of the list is read. */
    tg_params many = {items, INT_MAX, INT_MAX};
    const tg_params *lm[2] = {&ps, &many};
    CHECK(tg_checkpoint_save("/tmp/x.ckpt", lm, 2, NULL) == TG_ERR_ARG, "too many tensors");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_checkpoint_save: /tmp/x.ckpt: too many tensors");
    tg_tensor *withnull[1] = {NULL};
    tg_params en = {withnull, 1, 1};
    const tg_params *le[1] = {&en};
    CHECK(tg_checkpoint_load_mem("x", 1, "m", le, 1, NULL) == TG_ERR_ARG, "a NULL entry");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_checkpoint_load: m: list 0 entry 0 is NULL");
    tg_params_free(&ps);
    tg_tensor_free(w);
}


/* A save and a load of two parameters, every allocation failing in turn. */
static void checkpoint_oom(void) {
    tg_tensor *w = tg_param_new("w", 1, (int[]){3}), *x = tg_param_new("x", 1, (int[]){3});
    tg_rng g;
    tg_rng_seed(&g, 3);
    tg_tensor_uniform(w, &g, -1, 1);
    tg_tensor_uniform(x, &g, -1, 1);
    char path[96];
    snprintf(path, sizeof path, "/tmp/tg_ckpt_oom_%ld.ckpt", (long)getpid());
    tg_real w0 = w->data[0];
    size_t N;
    int failed = 0;
    for (N = 1; N < 10000; N++) {
        size_t live = tg_alloc_live();
        tg_params ps = {0};
        tg__alloc_fail_after(N);
        tg_status st = tg_params_add(&ps, w);
        if (st == TG_OK) st = tg_params_add(&ps, x);
        const tg_params *l[1] = {&ps};
        if (st == TG_OK) st = tg_checkpoint_save(path, l, 1, NULL);
        if (st == TG_OK) st = tg_checkpoint_load(path, l, 1, NULL);
        tg__alloc_fail_after(0);
        tg_params_free(&ps);
        CHECK(tg_alloc_live() == live, "checkpoint, N=%zu: %zu allocations leaked", N, tg_alloc_live() - live);
        CHECK(w->data[0] == w0, "checkpoint, N=%zu: parameter changed", N);
        if (st == TG_OK) break;
        failed++;
        const char *msg = tg_last_error();
        CHECK(st == TG_ERR_NOMEM && strstr(msg, "out of memory") &&
                  (strncmp(msg, "tg_params_add:", 14) == 0 || strncmp(msg, "tg_checkpoint_save:", 19) == 0 ||
                   strncmp(msg, "tg_checkpoint_load:", 19) == 0),
              "checkpoint, N=%zu: %s \"%s\"", N, tg_status_name(st), msg);
    }
    CHECK(failed > 0 && N < 10000, "checkpoint: %d failures before success at N=%zu", failed, N);
    printf("checkpoint      fails cleanly at each of its %zu allocations\n", N - 1);
    unlink(path);
    tg_tensor_free(w);
    tg_tensor_free(x);
}

int main(void) {
    size_t live = tg_alloc_live();
    checkpoint_corners();
    checkpoint_file_safety();
    checkpoint_oom();
    CHECK(tg_alloc_live() == live, "%zu allocations live at the end", tg_alloc_live() - live);
    return check_done();
}
