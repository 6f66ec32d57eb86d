/* test_data.c — the data readers: IDX (raw and gzipped), the Fashion-MNIST loader,
 * CSV and text. Small generated files for every valid and malformed case with its
 * exact message; truncation and corruption at every offset (no crash, no leak);
 * allocation failure at every point. When the real data sets are installed
 * (dataset-fashion-mnist, python3-vega-datasets) their sizes are checked too;
 * otherwise a note is printed and those checks are skipped.
 */
#include <dirent.h>
#include <errno.h>
#include <locale.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"
#include "tmpdir.h"
#include <tapegrad/tg_data.h>
#include <tg/core.h>





/* Writes b gzip-compressed to p (through the gzip program). */
static bool spit_gz(const char *p, const void *b, size_t n) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "gzip -c > \"%s\"", p);
    FILE *f = popen(cmd, "w");
    if (!f) return false;
    fwrite(b, 1, n, f);
    return pclose(f) == 0;
}

/* Gzip bombs: a few KiB that inflate to 64 MiB. One declares (1000,1000,1000), more
 * than the file can inflate to: refused from its first bytes. One declares (10,10)
 * and goes on: reading stops just past the declared 112 bytes. Neither may inflate
 * the whole stream into memory (the reader's allocations are counted). */
static void gzip_bombs(void) {
    size_t big = (size_t)64 << 20;
    unsigned char *b = calloc(big, 1);
    if (!b) return;
    const uint32_t huge[3] = {1000, 1000, 1000}, small[2] = {10, 10};
    unsigned char *p = b;
    *p++ = 0, *p++ = 0, *p++ = 8, *p++ = 3;
    for (int d = 0; d < 3; d++)
        *p++ = (unsigned char)(huge[d] >> 24), *p++ = (unsigned char)(huge[d] >> 16),
        *p++ = (unsigned char)(huge[d] >> 8), *p++ = (unsigned char)huge[d];
    tg_idx x;
    if (spit_gz(tmp_path("bomb1.gz"), b, big)) {
        CHECK(tg_idx_read(tmp_path("bomb1.gz"), &x) == TG_ERR_FORMAT && x.data == NULL, "bomb declaring 1e9 bytes");
        CHECK_ERR(NULL, TG_ERR_FORMAT, "bomb1.gz: the header declares shape (1000,1000,1000) (1000000016 bytes), more than this gzip file can inflate to (");
    }
    p = b;
    *p++ = 0, *p++ = 0, *p++ = 8, *p++ = 2;
    for (int d = 0; d < 2; d++)
        *p++ = (unsigned char)(small[d] >> 24), *p++ = (unsigned char)(small[d] >> 16),
        *p++ = (unsigned char)(small[d] >> 8), *p++ = (unsigned char)small[d];
    if (spit_gz(tmp_path("bomb2.gz"), b, big)) {
        size_t count = tg_alloc_count();
        CHECK(tg_idx_read(tmp_path("bomb2.gz"), &x) == TG_ERR_FORMAT && x.data == NULL, "bomb declaring 112 bytes");
        CHECK_ERR(NULL, TG_ERR_FORMAT, "bomb2.gz: the inflated data is longer than the 112 bytes its header declares");
        CHECK(tg_alloc_count() - count <= 3, "one buffer (and the command), not a growing one: %zu allocations",
              tg_alloc_count() - count);
    }
    free(b);
}

/* An IDX image: type, dims, data (count bytes, value i for byte i). */
static size_t make_idx(unsigned char *out, int type, int rank, const uint32_t *dims, size_t count) {
    size_t k = 0;
    out[k++] = 0, out[k++] = 0, out[k++] = (unsigned char)type, out[k++] = (unsigned char)rank;
    for (int d = 0; d < rank; d++) {
        out[k++] = (unsigned char)(dims[d] >> 24), out[k++] = (unsigned char)(dims[d] >> 16);
        out[k++] = (unsigned char)(dims[d] >> 8), out[k++] = (unsigned char)dims[d];
    }
    for (size_t i = 0; i < count; i++) out[k++] = (unsigned char)(i % 10);
    return k;
}

static bool idx_zero(const tg_idx *x) { return x->rank == 0 && x->size == 0 && x->data == NULL; }

#define IDX_ERR(buf, n, sub)                                                      \
    do {                                                                          \
        tg_idx x_;                                                                \
        tg_status st_ = tg_idx_parse((buf), (n), "t.idx", &x_);                   \
        CHECK(st_ == TG_ERR_FORMAT, "expected TG_ERR_FORMAT for \"%s\", got %s", (sub), tg_status_name(st_)); \
        CHECK_ERR(NULL, TG_ERR_FORMAT, (sub));                                    \
        CHECK(idx_zero(&x_), "out left zeroed on error");                         \
    } while (0)

static void test_idx(void) {
    unsigned char b[4096];
    tg_idx x;
    size_t n = make_idx(b, 0x08, 2, (uint32_t[]){2, 3}, 6);
    CHECK(tg_idx_parse(b, n, "t.idx", &x) == TG_OK, "valid idx: %s", tg_last_error());
    CHECK(x.rank == 2 && x.shape[0] == 2 && x.shape[1] == 3 && x.shape[2] == 1 && x.size == 6 &&
          x.data[0] == 0 && x.data[5] == 5, "idx contents");
    tg_idx_free(&x);
    CHECK(idx_zero(&x), "free zeroes");
    tg_idx_free(&x);
    tg_idx_free(NULL);

    IDX_ERR(b, 3, "tg_idx_parse: t.idx: truncated: the 4-byte header has only 3 bytes");
    b[0] = 1;
    IDX_ERR(b, n, "tg_idx_parse: t.idx: bad magic 01 00 08 02 (an IDX file starts with two zero bytes)");
    b[0] = 0;
    n = make_idx(b, 0x0D, 1, (uint32_t[]){2}, 8);
    IDX_ERR(b, n, "tg_idx_parse: t.idx: type 0x0D (float32) is not supported (only 0x08, unsigned byte)");
    n = make_idx(b, 0x05, 1, (uint32_t[]){2}, 2);
    IDX_ERR(b, n, "tg_idx_parse: t.idx: unknown type code 0x05");
    n = make_idx(b, 0x08, 0, NULL, 0);
    IDX_ERR(b, n, "tg_idx_parse: t.idx: 0 dimensions (must be 1..8)");
    n = make_idx(b, 0x08, 9, (uint32_t[]){1, 1, 1, 1, 1, 1, 1, 1, 1}, 1);
    IDX_ERR(b, n, "tg_idx_parse: t.idx: 9 dimensions (must be 1..8)");
    n = make_idx(b, 0x08, 3, (uint32_t[]){2, 3, 4}, 0);
    IDX_ERR(b, 10, "tg_idx_parse: t.idx: truncated: the 3 dimension sizes need 16 bytes, the file has 10");
    n = make_idx(b, 0x08, 2, (uint32_t[]){3, 0}, 0);
    IDX_ERR(b, n, "tg_idx_parse: t.idx: dimension 1 is 0 (must be 1..2147483647)");
    n = make_idx(b, 0x08, 1, (uint32_t[]){0x80000000u}, 0);
    IDX_ERR(b, n, "tg_idx_parse: t.idx: dimension 0 is 2147483648 (must be 1..2147483647)");
    n = make_idx(b, 0x08, 2, (uint32_t[]){2, 3}, 5);
    IDX_ERR(b, n, "tg_idx_parse: t.idx: truncated: shape (2,3) needs more data than the 5 bytes present");
    n = make_idx(b, 0x08, 4, (uint32_t[]){60000, 60000, 60000, 60000}, 1);
    IDX_ERR(b, n, "truncated: shape (60000,60000,60000,60000) needs more data than the 1 bytes present");
    n = make_idx(b, 0x08, 2, (uint32_t[]){2, 3}, 7);
    IDX_ERR(b, n, "tg_idx_parse: t.idx: 1 unexpected bytes after the 6 data bytes of shape (2,3)");
    CHECK(tg_idx_parse(b, n, NULL, NULL) == TG_ERR_ARG, "NULL out");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_idx_parse: out is NULL");
    CHECK(tg_idx_parse(NULL, 3, NULL, &x) == TG_ERR_ARG, "NULL buf");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_idx_parse: <memory>: buf is NULL");
    IDX_ERR(NULL, 0, "tg_idx_parse: t.idx: truncated: the 4-byte header has only 0 bytes");

    /* Truncation at every offset, a corrupted byte at every offset: no crash, no leak,
     * truncation always an error. */
    n = make_idx(b, 0x08, 3, (uint32_t[]){2, 2, 3}, 12);
    size_t live = tg_alloc_live();
    int cut_ok = 0;
    for (size_t k = 0; k < n; k++) {
        tg_status st = tg_idx_parse(b, k, "cut", &x);
        cut_ok += st == TG_ERR_FORMAT && idx_zero(&x);
    }
    CHECK(cut_ok == (int)n, "IDX truncated at every offset fails (%d of %zu)", cut_ok, n);
    for (size_t k = 0; k < n; k++)
        for (int m = 1; m < 256; m += 37) {
            b[k] ^= (unsigned char)m;
            if (tg_idx_parse(b, n, "bad", &x) == TG_OK) tg_idx_free(&x);
            b[k] ^= (unsigned char)m;
        }
    CHECK(tg_alloc_live() == live, "no leak");

    /* Files: raw, gzipped (any name), a name with a quote, corrupt gzip, missing. */
    n = make_idx(b, 0x08, 2, (uint32_t[]){2, 3}, 6);
    tmp_write(tmp_path("raw.idx"), b, n);
    CHECK(tg_idx_read(tmp_path("raw.idx"), &x) == TG_OK && x.size == 6 && x.data[4] == 4, "raw file");
    tg_idx_free(&x);
    if (spit_gz(tmp_path("it's here.idx.gz"), b, n)) {
        CHECK(tg_idx_read(tmp_path("it's here.idx.gz"), &x) == TG_OK && x.size == 6 && x.data[5] == 5,
              "gzipped file with a quote in its name: %s", tg_last_error());
        tg_idx_free(&x);
        unsigned char bad[64] = {0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5};
        tmp_write(tmp_path("bad.gz"), bad, sizeof bad);
        CHECK(tg_idx_read(tmp_path("bad.gz"), &x) == TG_ERR_FORMAT && idx_zero(&x), "corrupt gzip");
        CHECK_ERR(NULL, TG_ERR_FORMAT, "bad.gz: gzip -dc failed with exit status 1 (corrupt or truncated gzip data)");
        /* A gzipped file whose contents are not IDX: the IDX error, with the path. */
        spit_gz(tmp_path("text.gz"), "hello", 5);
        CHECK(tg_idx_read(tmp_path("text.gz"), &x) == TG_ERR_FORMAT, "gzipped non-IDX");
        CHECK_ERR(NULL, TG_ERR_FORMAT, "tg_idx_read: ");
        CHECK_ERR(NULL, TG_ERR_FORMAT, "text.gz: bad magic 68 65 6c 6c (an IDX file starts with two zero bytes)");
        gzip_bombs();
    } else {
        printf("note: gzip not available; gzip cases skipped\n");
    }
    CHECK(tg_idx_read(tmp_path("missing.idx"), &x) == TG_ERR_IO, "missing file");
    CHECK_ERR(NULL, TG_ERR_IO, "tg_idx_read: ");
    CHECK_ERR(NULL, TG_ERR_IO, "missing.idx: No such file or directory");
    CHECK(tg_idx_read(tmp_dir, &x) == TG_ERR_IO, "a directory");
    CHECK_ERR(NULL, TG_ERR_IO, "read error: Is a directory");
    CHECK(tg_idx_read(NULL, &x) == TG_ERR_ARG, "NULL path");

    /* Allocation failure at every point of a read. */
    live = tg_alloc_live();
    int fails = 0;
    for (size_t k = 1; k < 10; k++) {
        tg__alloc_fail_after(k);
        tg_status st = tg_idx_read(tmp_path("raw.idx"), &x);
        tg__alloc_fail_after(0);
        if (st == TG_OK) {
            tg_idx_free(&x);
            break;
        }
        fails++;
        CHECK(st == TG_ERR_NOMEM && idx_zero(&x), "allocation %zu: %s", k, tg_last_error());
    }
    CHECK(fails == 2 && tg_alloc_live() == live, "idx read: %d allocation failures, no leak", fails);
}

static void test_fashion_mnist(void) {
    tg_idx im, lb;
    /* A fake data set in a directory: images gzipped, labels raw. */
    char fd[128];
    snprintf(fd, sizeof fd, "%s/fm", tmp_dir);
    mkdir(fd, 0755);
    static unsigned char b[4 * 28 * 28 + 64];
    char p[256];
    size_t n = make_idx(b, 0x08, 3, (uint32_t[]){3, 28, 28}, 3 * 784);
    snprintf(p, sizeof p, "%s/train-images-idx3-ubyte.gz", fd);
    bool gz = spit_gz(p, b, n);
    if (!gz) {
        snprintf(p, sizeof p, "%s/train-images-idx3-ubyte", fd);
        tmp_write(p, b, n);
    }
    n = make_idx(b, 0x08, 1, (uint32_t[]){3}, 3);
    b[8] = 0, b[9] = 9, b[10] = 4;
    snprintf(p, sizeof p, "%s/train-labels-idx1-ubyte", fd);
    tmp_write(p, b, n);
    CHECK(tg_fashion_mnist_load(fd, "train", &im, &lb) == TG_OK, "fake set loads: %s", tg_last_error());
    CHECK(im.rank == 3 && im.shape[0] == 3 && im.shape[1] == 28 && lb.size == 3 && lb.data[1] == 9,
          "fake set contents");
    tg_idx_free(&im);
    tg_idx_free(&lb);
    b[10] = 10;
    tmp_write(p, b, n);
    CHECK(tg_fashion_mnist_load(fd, "train", &im, &lb) == TG_ERR_FORMAT && idx_zero(&im) && idx_zero(&lb),
          "label 10");
    CHECK_ERR(NULL, TG_ERR_FORMAT, "train-labels-idx1-ubyte: label 2 is 10 (must be 0..9)");
    n = make_idx(b, 0x08, 1, (uint32_t[]){2}, 2);
    tmp_write(p, b, n);
    CHECK(tg_fashion_mnist_load(fd, "train", &im, &lb) == TG_ERR_FORMAT, "N differs");
    CHECK_ERR(NULL, TG_ERR_FORMAT, "holds 3 images but ");
    CHECK_ERR(NULL, TG_ERR_FORMAT, "train-labels-idx1-ubyte 2 labels");
    n = make_idx(b, 0x08, 2, (uint32_t[]){2, 1}, 2);
    tmp_write(p, b, n);
    CHECK(tg_fashion_mnist_load(fd, "train", &im, &lb) == TG_ERR_FORMAT, "labels rank 2");
    CHECK_ERR(NULL, TG_ERR_FORMAT, "train-labels-idx1-ubyte: labels have shape (2,1), expected (N)");
    n = make_idx(b, 0x08, 3, (uint32_t[]){2, 28, 27}, 2 * 28 * 27);
    snprintf(p, sizeof p, "%s/t10k-images-idx3-ubyte", fd);
    tmp_write(p, b, n);
    n = make_idx(b, 0x08, 1, (uint32_t[]){2}, 2);
    snprintf(p, sizeof p, "%s/t10k-labels-idx1-ubyte", fd);
    tmp_write(p, b, n);
    CHECK(tg_fashion_mnist_load(fd, "test", &im, &lb) == TG_ERR_FORMAT, "image shape");
    CHECK_ERR(NULL, TG_ERR_FORMAT, "t10k-images-idx3-ubyte: images have shape (2,28,27), expected (N,28,28)");
    CHECK(tg_fashion_mnist_load(tmp_path("nowhere"), "t10k", &im, &lb) == TG_ERR_IO, "missing dir");
    CHECK_ERR(NULL, TG_ERR_IO, "tg_fashion_mnist_load: ");
    CHECK_ERR(NULL, TG_ERR_IO,
              "nowhere/t10k-images-idx3-ubyte.gz: no such file (nor without .gz); install the Debian package dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or give the directory that holds the files");
    CHECK(tg_fashion_mnist_load(fd, "valid", &im, &lb) == TG_ERR_ARG, "bad split");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_fashion_mnist_load: split is 'valid' (must be \"train\", \"t10k\" or \"test\")");
    CHECK(tg_fashion_mnist_load(fd, NULL, &im, &lb) == TG_ERR_ARG, "NULL split");
    CHECK(tg_fashion_mnist_load(fd, "train", NULL, &lb) == TG_ERR_ARG, "NULL images");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_fashion_mnist_load: images is NULL");

    /* The real data set, when installed. */
    snprintf(p, sizeof p, "%s/train-images-idx3-ubyte.gz", TG_FASHION_MNIST_DIR);
    if (access(p, R_OK) != 0) {
        printf("note: %s absent (Debian package dataset-fashion-mnist); real-data checks skipped\n", p);
        return;
    }
    static const struct { const char *split; int n; } sets[2] = {{"train", 60000}, {"t10k", 10000}};
    for (int s = 0; s < 2; s++) {
        tg_status st = tg_fashion_mnist_load(NULL, sets[s].split, &im, &lb);
        CHECK(st == TG_OK, "real %s set: %s", sets[s].split, tg_last_error());
        if (st != TG_OK) continue;
        CHECK(im.rank == 3 && im.shape[0] == sets[s].n && im.shape[1] == 28 && im.shape[2] == 28 &&
              lb.rank == 1 && lb.shape[0] == sets[s].n,
              "%s: %d images of 28x28", sets[s].split, im.shape[0]);
        int count[10] = {0};
        for (size_t i = 0; i < lb.size; i++) count[lb.data[i]]++;
        bool balanced = true;
        for (int c = 0; c < 10; c++) balanced = balanced && count[c] == sets[s].n / 10;
        CHECK(balanced, "%s: every class has %d images", sets[s].split, sets[s].n / 10);
        tg_idx_free(&im);
        tg_idx_free(&lb);
    }
}

/* ---- CSV ---- */

#define CSV_ERR(text, cols, ncols, sub)                                           \
    do {                                                                          \
        tg_csv c_;                                                                \
        const char *t_ = (text);                                                  \
        tg_status st_ = tg_csv_parse(t_, strlen(t_), "t.csv", (cols), (ncols), &c_); \
        CHECK(st_ == TG_ERR_FORMAT, "expected TG_ERR_FORMAT for \"%s\", got %s", (sub), tg_status_name(st_)); \
        CHECK_ERR(NULL, TG_ERR_FORMAT, (sub));                                    \
        CHECK(c_.rows == 0 && c_.values == NULL && c_.names == NULL, "out zeroed on error"); \
    } while (0)

static void test_csv(void) {
    tg_csv c;
    const char *t = "a,b,c\n1,2.5,-3e2\n4, 5 ,+6.\n";
    CHECK(tg_csv_parse(t, strlen(t), "t.csv", NULL, 0, &c) == TG_OK, "valid csv: %s", tg_last_error());
    CHECK(c.rows == 2 && c.cols == 3 && !strcmp(c.names[0], "a") && !strcmp(c.names[2], "c"), "shape and names");
    CHECK(c.values[0] == 1 && c.values[1] == 2.5 && c.values[2] == -300 && c.values[4] == 5 &&
          c.values[5] == 6, "values");
    CHECK(tg_csv_column(&c, "b") == 1 && tg_csv_column(&c, "z") == -1 && tg_csv_column(NULL, "a") == -1,
          "tg_csv_column");
    tg_csv_free(&c);
    CHECK(c.values == NULL && c.rows == 0, "free zeroes");
    tg_csv_free(&c);
    tg_csv_free(NULL);

    /* Selection in a given order; text, quotes and anything in unselected columns;
     * CRLF, a byte-order mark, no final newline, trailing blank lines. */
    const char *sel[2] = {"temp", "id"};
    t = "\xEF\xBB\xBF" "date,\"te\"\"mp\",id,\"temp\"\r\n"
        "2010/01/01 00:00,\"x, \"\"y\"\"\",1,39.4\r\n"
        "2010/01/01 01:00,,2,\" 39.25\"\r\n"
        "2010/01/01 02:00,z,3,.5\n\n\r\n";
    CHECK(tg_csv_parse(t, strlen(t), "t.csv", sel, 2, &c) == TG_OK, "selected columns: %s", tg_last_error());
    CHECK(c.rows == 3 && c.cols == 2 && !strcmp(c.names[0], "temp") && !strcmp(c.names[1], "id"), "selection");
    CHECK(c.values[0] == 39.4 && c.values[1] == 1 && c.values[2] == 39.25 && c.values[4] == 0.5 &&
          c.values[5] == 3, "selected values");
    tg_csv_free(&c);
    const char *q[1] = {"te\"mp"};
    CHECK(tg_csv_parse(t, strlen(t), "t.csv", q, 1, &c) == TG_ERR_FORMAT, "quoted header name selected");
    CHECK_ERR(NULL, TG_ERR_FORMAT, "tg_csv_parse: t.csv: line 2, column 2 ('te\"mp'): 'x, \"\"y\"\"' is not a number");
    t = "v\n7"; /* one column, no final newline */
    CHECK(tg_csv_parse(t, strlen(t), NULL, NULL, 0, &c) == TG_OK && c.rows == 1 && c.values[0] == 7, "one cell");
    tg_csv_free(&c);
    /* Many rows (the values grow past their first allocation). */
    static char big[40000];
    size_t k = (size_t)snprintf(big, sizeof big, "x,y\n");
    for (int i = 0; i < 2000; i++) k += (size_t)snprintf(big + k, sizeof big - k, "%d,%d.5\n", i, -i);
    CHECK(tg_csv_parse(big, k, "big", NULL, 0, &c) == TG_OK && c.rows == 2000 && c.values[2 * 1999] == 1999 &&
          c.values[2 * 1999 + 1] == -1999.5, "2000 rows");
    tg_csv_free(&c);

    /* Every malformed case, with its message. */
    const char *ca[1] = {"a"}, *cx[1] = {"x"};
    CSV_ERR("", NULL, 0, "tg_csv_parse: t.csv: empty (no header line)");
    CSV_ERR("\xEF\xBB\xBF", NULL, 0, "tg_csv_parse: t.csv: empty (no header line)");
    CSV_ERR("\n1\n", NULL, 0, "tg_csv_parse: t.csv: line 1: empty header line");
    CSV_ERR("a,b,c\n1,2,3\n", cx, 1, "tg_csv_parse: t.csv: line 1: no column 'x' in the header 'a,b,c'");
    CSV_ERR("a,b,a\n1,2,3\n", ca, 1, "tg_csv_parse: t.csv: line 1: column 'a' appears twice in the header (columns 1 and 3)");
    CSV_ERR("a,b,c\n1,2,3\n4,5\n", NULL, 0, "tg_csv_parse: t.csv: line 3: 2 fields, the header has 3");
    CSV_ERR("a,b\n1,2,3\n", NULL, 0, "tg_csv_parse: t.csv: line 2: 3 fields, the header has 2");
    CSV_ERR("a,b\n1\n", NULL, 0, "tg_csv_parse: t.csv: line 2: 1 field, the header has 2");
    CSV_ERR("a,b\n1,2\n3,4x.0\n", NULL, 0, "tg_csv_parse: t.csv: line 3, column 2 ('b'): '4x.0' is not a number");
    CSV_ERR("a,b\n,2\n", NULL, 0, "tg_csv_parse: t.csv: line 2, column 1 ('a'): empty field, expected a number");
    CSV_ERR("a,b\n1,  \n", NULL, 0, "tg_csv_parse: t.csv: line 2, column 2 ('b'): empty field, expected a number");
    CSV_ERR("a\n1e400\n", NULL, 0, "tg_csv_parse: t.csv: line 2, column 1 ('a'): 1e400 is outside the range of double");
    CSV_ERR("a\n-1e400\n", NULL, 0, "line 2, column 1 ('a'): -1e400 is outside the range of double");
    static const char *const bad[] = {".", "+", "-", "1e", "1e+", "0x10", "nan", "inf", "1..2", "1,5", "e5", "--1", "1 2", "\t"};
    char line[64], msg[128];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(line, sizeof line, "a\n\"%s\"\n", bad[i]);
        if (strcmp(bad[i], "\t") == 0)
            snprintf(msg, sizeof msg, "line 2, column 1 ('a'): empty field, expected a number");
        else
            snprintf(msg, sizeof msg, "line 2, column 1 ('a'): '%s' is not a number", bad[i]);
        CSV_ERR(line, NULL, 0, msg);
    }
    /* Valid numbers longer than 71 characters used to be refused as too long: a
     * 73-digit integer, 0.000...01 with 300 zeros, and a padded field. */
    t = "a\n1234567890123456789012345678901234567890123456789012345678901234567890123\n";
    CHECK(tg_csv_parse(t, strlen(t), "t.csv", NULL, 0, &c) == TG_OK && c.rows == 1 &&
          c.values[0] == 1234567890123456789012345678901234567890123456789012345678901234567890123.0,
          "a 73-digit number: %s", tg_last_error());
    tg_csv_free(&c);
    {
        static char longnum[400];
        size_t k2 = (size_t)snprintf(longnum, sizeof longnum, "a,b\n0.");
        for (int i = 0; i < 300; i++) longnum[k2++] = '0';
        k2 += (size_t)snprintf(longnum + k2, sizeof longnum - k2, "25e300,\"%80s\"\n", "-7.5");
        CHECK(tg_csv_parse(longnum, k2, "t.csv", NULL, 0, &c) == TG_OK && c.rows == 1 &&
              c.values[0] == 0.25 && c.values[1] == -7.5, "a 309-character number and a padded field: %s",
              tg_last_error());
        tg_csv_free(&c);
    }
    CSV_ERR("a\n123456789012345678901234567890123456789012345678901234567890123456789012x\n", NULL, 0,
            "line 2, column 1 ('a'): '1234567890123456789012345678901234567890...' is not a number");
    /* Classic Mac OS line endings (CR only) used to read as one header line. */
    t = "x,y\r1,2\r3,4\r";
    CHECK(tg_csv_parse(t, strlen(t), "t.csv", NULL, 0, &c) == TG_OK && c.rows == 2 && c.cols == 2 &&
          c.values[0] == 1 && c.values[3] == 4, "CR-only lines: %s", tg_last_error());
    tg_csv_free(&c);
    t = "x,y\r\n1,2\r3,4\n5,6"; /* mixed, no final ending */
    CHECK(tg_csv_parse(t, strlen(t), "t.csv", NULL, 0, &c) == TG_OK && c.rows == 3 && c.values[5] == 6,
          "mixed line endings: %s", tg_last_error());
    tg_csv_free(&c);
    CSV_ERR("a,b\r1,2\r\r3,4\r", NULL, 0, "tg_csv_parse: t.csv: line 3: blank line before more data on line 4");
    CSV_ERR("a,b\n1,\"2\n", NULL, 0, "tg_csv_parse: t.csv: line 2, column 2: unterminated quote");
    CSV_ERR("a,b\n\"1\"x,2\n", NULL, 0, "tg_csv_parse: t.csv: line 2, column 1: unexpected character after a closing quote");
    CSV_ERR("a,\"b\n1,2\n", NULL, 0, "tg_csv_parse: t.csv: line 1, column 2: unterminated quote");
    CSV_ERR("a,b\n1,2\n\n3,4\n", NULL, 0, "tg_csv_parse: t.csv: line 3: blank line before more data on line 4");
    CSV_ERR("a,b\n", NULL, 0, "tg_csv_parse: t.csv: no data lines after the header");
    CSV_ERR("a,b\r\n\r\n", NULL, 0, "tg_csv_parse: t.csv: no data lines after the header");
    CSV_ERR("a\n\x01\x7f\n", NULL, 0, "line 2, column 1 ('a'): '?\?' is not a number");
    /* Arguments. */
    CHECK(tg_csv_parse("a\n1\n", 4, "t.csv", NULL, 2, &c) == TG_ERR_ARG, "columns NULL, n 2");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_csv_parse: t.csv: columns is NULL but n_columns is 2");
    CHECK(tg_csv_parse("a\n1\n", 4, "t.csv", ca, 0, &c) == TG_ERR_ARG, "columns, n 0");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_csv_parse: t.csv: n_columns is 0 (must be >= 1 with columns)");
    const char *cn[2] = {"a", NULL};
    CHECK(tg_csv_parse("a\n1\n", 4, "t.csv", cn, 2, &c) == TG_ERR_ARG, "columns[1] NULL");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_csv_parse: t.csv: columns[1] is NULL");
    CHECK(tg_csv_parse("a\n1\n", 4, "t.csv", NULL, 0, NULL) == TG_ERR_ARG, "out NULL");
    CHECK(tg_csv_parse(NULL, 4, NULL, NULL, 0, &c) == TG_ERR_ARG, "buf NULL");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_csv_parse: <memory>: buf is NULL");

    /* The buffer is not NUL-terminated: parse a prefix of a longer string. */
    t = "a,b\n1,2\n3,4999";
    CHECK(tg_csv_parse(t, strlen(t) - 3, "t.csv", NULL, 0, &c) == TG_OK && c.rows == 2 && c.values[3] == 4,
          "length, not NUL, ends the input");
    tg_csv_free(&c);

    /* Truncation and corruption at every offset: no crash, no leak. */
    t = "date,temp\n2010/01/01 00:00,39.4\n\"2010/01/01 01:00\",\"39.2\"\r\n";
    size_t n = strlen(t), live = tg_alloc_live();
    const char *tc[1] = {"temp"};
    char buf[128];
    int ok = 0;
    for (size_t i = 0; i < n; i++) {
        tg_status st = tg_csv_parse(t, i, "cut", tc, 1, &c);
        ok += st == TG_OK || st == TG_ERR_FORMAT;
        tg_csv_free(&c);
    }
    CHECK(ok == (int)n, "csv cut at every offset: OK or FORMAT (%d of %zu)", ok, n);
    memcpy(buf, t, n);
    for (size_t i = 0; i < n; i++)
        for (int m = 1; m < 256; m += 17) {
            buf[i] ^= (char)m;
            if (tg_csv_parse(buf, n, "bad", tc, 1, &c) == TG_OK) tg_csv_free(&c);
            buf[i] ^= (char)m;
        }
    CHECK(tg_alloc_live() == live, "no leak");

    /* Allocation failure at every point. */
    int fails = 0;
    for (size_t a = 1; a < 20; a++) {
        tg__alloc_fail_after(a);
        tg_status st = tg_csv_parse(big, k, "big", NULL, 0, &c);
        tg__alloc_fail_after(0);
        if (st == TG_OK) {
            tg_csv_free(&c);
            break;
        }
        fails++;
        CHECK(st == TG_ERR_NOMEM && c.values == NULL, "allocation %zu: %s", a, tg_last_error());
        CHECK_ERR(NULL, TG_ERR_NOMEM, "tg_csv_parse: big: out of memory");
    }
    CHECK(fails >= 4 && tg_alloc_live() == live, "csv: %d allocation failures, no leak", fails);

    /* A comma-decimal locale in the program does not change the reader. */
    if (setlocale(LC_NUMERIC, "de_DE.UTF-8") || setlocale(LC_NUMERIC, "fr_FR.UTF-8")) {
        t = "a\n39.4\n";
        CHECK(tg_csv_parse(t, strlen(t), "t", NULL, 0, &c) == TG_OK && c.values[0] == 39.4, "locale");
        tg_csv_free(&c);
        setlocale(LC_NUMERIC, "C");
    }

    /* Files. */
    tmp_write(tmp_path("t.csv"), "a,b\n1,2\n", 8);
    CHECK(tg_csv_read(tmp_path("t.csv"), NULL, 0, &c) == TG_OK && c.rows == 1 && c.values[1] == 2, "csv file");
    tg_csv_free(&c);
    tmp_write(tmp_path("bad.csv"), "a,b\n1,x\n", 8);
    CHECK(tg_csv_read(tmp_path("bad.csv"), NULL, 0, &c) == TG_ERR_FORMAT, "bad csv file");
    CHECK_ERR(NULL, TG_ERR_FORMAT, "tg_csv_read: ");
    CHECK_ERR(NULL, TG_ERR_FORMAT, "bad.csv: line 2, column 2 ('b'): 'x' is not a number");
    CHECK(tg_csv_read(tmp_path("none.csv"), NULL, 0, &c) == TG_ERR_IO, "missing csv");
    CHECK_ERR(NULL, TG_ERR_IO, "none.csv: No such file or directory");
    CHECK(tg_csv_read(NULL, NULL, 0, &c) == TG_ERR_ARG, "NULL path");

    if (access(TG_SEATTLE_TEMPS_CSV, R_OK) != 0) {
        printf("note: %s absent (Debian package python3-vega-datasets); real-data checks skipped\n",
               TG_SEATTLE_TEMPS_CSV);
        return;
    }
    CHECK(tg_csv_read(TG_SEATTLE_TEMPS_CSV, tc, 1, &c) == TG_OK, "seattle-temps: %s", tg_last_error());
    CHECK(c.rows == 8759 && c.cols == 1 && c.values[0] == 39.4 && c.values[8758] == 39.6,
          "seattle-temps: %d hourly rows, first 39.4, last 39.6", c.rows);
    double lo = 1e9, hi = -1e9;
    for (int i = 0; i < c.rows; i++) lo = fmin(lo, c.values[i]), hi = fmax(hi, c.values[i]);
    CHECK(lo > 10 && hi < 100, "temperatures in degrees Fahrenheit (%g..%g)", lo, hi);
    tg_csv_free(&c);
    CHECK(tg_csv_read(TG_SEATTLE_TEMPS_CSV, NULL, 0, &c) == TG_ERR_FORMAT, "the date column is not numeric");
    CHECK_ERR(NULL, TG_ERR_FORMAT, "seattle-temps.csv: line 2, column 1 ('date'): '2010/01/01 00:00' is not a number");
}

/* ---- text ---- */

static void test_text(void) {
    tg_text t;
    CHECK(tg_text_from("hello", 5, "h", &t) == TG_OK, "text");
    CHECK(t.n == 5 && t.vocab_size == 4 && t.vocab[0] == 'e' && t.vocab[3] == 'o' && t.index['l'] == 2 &&
          t.index['z'] == -1 && t.ids[0] == 1 && t.ids[4] == 3 && t.bytes[5] == '\0',
          "vocabulary in byte order, ids");
    tg_text_free(&t);
    CHECK(t.bytes == NULL && t.n == 0, "free zeroes");
    tg_text_free(&t);
    tg_text_free(NULL);
    unsigned char all[512];
    for (int i = 0; i < 512; i++) all[i] = (unsigned char)(255 - i % 256);
    CHECK(tg_text_from(all, 512, NULL, &t) == TG_OK && t.vocab_size == 256 && t.ids[0] == 255 &&
          t.vocab[0] == 0, "all 256 bytes (NUL included)");
    tg_text_free(&t);
    CHECK(tg_text_from("", 0, "e.txt", &t) == TG_ERR_FORMAT, "empty text");
    CHECK_ERR(NULL, TG_ERR_FORMAT, "tg_text_from: e.txt: the text is empty");
    CHECK(tg_text_from(NULL, 1, NULL, &t) == TG_ERR_ARG, "NULL buf");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_text_from: <memory>: buf is NULL");
    CHECK(tg_text_from("a", 1, NULL, NULL) == TG_ERR_ARG, "NULL out");
    tmp_write(tmp_path("t.txt"), "to be or not to be\n", 19);
    CHECK(tg_text_read(tmp_path("t.txt"), &t) == TG_OK && t.n == 19 && t.vocab_size == 8 && t.vocab[0] == '\n',
          "text file");
    tg_text_free(&t);
    tmp_write(tmp_path("e.txt"), "", 0);
    CHECK(tg_text_read(tmp_path("e.txt"), &t) == TG_ERR_FORMAT, "empty file");
    CHECK_ERR(NULL, TG_ERR_FORMAT, "tg_text_read: ");
    CHECK_ERR(NULL, TG_ERR_FORMAT, "e.txt: the text is empty");
    CHECK(tg_text_read(tmp_path("none.txt"), &t) == TG_ERR_IO, "missing text");
    CHECK_ERR(NULL, TG_ERR_IO, "tg_text_read: ");
    CHECK_ERR(NULL, TG_ERR_IO, "none.txt: No such file or directory");
    size_t live = tg_alloc_live();
    int fails = 0;
    for (size_t a = 1; a < 10; a++) {
        tg__alloc_fail_after(a);
        tg_status st = tg_text_read(tmp_path("t.txt"), &t);
        tg__alloc_fail_after(0);
        if (st == TG_OK) {
            tg_text_free(&t);
            break;
        }
        fails++;
        CHECK(st == TG_ERR_NOMEM && t.bytes == NULL && t.ids == NULL, "allocation %zu", a);
    }
    CHECK(fails == 3 && tg_alloc_live() == live, "text: %d allocation failures, no leak", fails);
    const char *gpl = "/usr/share/common-licenses/GPL-3";
    if (access(gpl, R_OK) == 0) {
        CHECK(tg_text_read(gpl, &t) == TG_OK && t.n > 30000 && t.vocab_size > 60 && t.vocab_size < 100,
              "GPL-3: %zu bytes, %d symbols", t.n, t.vocab_size);
        tg_text_free(&t);
    } else {
        printf("note: %s absent; real-text check skipped\n", gpl);
    }
}

int main(void) {
    if (!tmp_dir_make("tg-data")) return 1;
    size_t live = tg_alloc_live();
    test_idx();
    test_fashion_mnist();
    test_csv();
    test_text();
    CHECK(tg_alloc_live() == live, "all library allocations freed");
    tmp_dir_remove();
    return check_done();
}
