/* tg_data.h — readers for the data sets of the examples: IDX files (Fashion-MNIST),
 * CSV files with numeric columns (time series), and plain text (character models).
 *
 * Every reader has two entry points: one reads a file, the other parses bytes already
 * in memory (so a fuzzer can call it; the file reader calls it too). A parser only
 * reads its input, never past n bytes, and needs no NUL terminator.
 *
 * Ownership: each reader fills a caller-provided struct whose buffers it allocates;
 * the matching *_free releases them and zeroes the struct (NULL and an already freed
 * or zeroed struct are fine). On error the struct is left zeroed, nothing leaks.
 *
 * Errors follow tg_core.h: a tg_status, and tg_last_error() names the function, the
 * file (or the label given to a parser) and the exact problem, with the line and column
 * for CSV, e.g. "tg_csv_parse: temps.csv: line 7, column 2 ('temp'): '4x.1' is not a
 * number". TG_ERR_ARG (NULL arguments), TG_ERR_IO (cannot open or read; gzip failed to
 * run), TG_ERR_FORMAT (malformed contents), TG_ERR_NOMEM.
 */
#ifndef TG_DATA_H
#define TG_DATA_H

#include <stddef.h>
#include <stdint.h>
#include <tapegrad/tg_core.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- IDX (the MNIST file format) ----
 * Big-endian: two zero bytes, a type code, the number of dimensions D, then D uint32
 * sizes, then the values row-major. Only type 0x08 (unsigned byte) is read, which is
 * what (Fashion-)MNIST uses; D must be 1..TG_MAX_RANK, every size >= 1, and the data
 * exactly the product of the sizes (trailing bytes are an error). */
typedef struct tg_idx {
    int rank;                 /* D */
    int shape[TG_MAX_RANK];   /* shape[0..rank-1]; e.g. (60000,28,28) */
    size_t size;              /* product of shape */
    uint8_t *data;            /* size values, row-major; owned */
} tg_idx;

/* Parses n bytes of IDX at buf; label names the source in messages (NULL: "<memory>"). */
tg_status tg_idx_parse(const void *buf, size_t n, const char *label, tg_idx *out);
/* Reads an IDX file; a gzip-compressed one (first bytes 1f 8b, whatever its name) is
 * decompressed through a pipe from `gzip -dc`. */
tg_status tg_idx_read(const char *path, tg_idx *out);
void tg_idx_free(tg_idx *x);

/* Fashion-MNIST from the Debian package dataset-fashion-mnist. */
#define TG_FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"
/* Reads "<dir>/<split>-images-idx3-ubyte[.gz]" into images (N,28,28) and
 * "<dir>/<split>-labels-idx1-ubyte[.gz]" into labels (N), checking the shapes, that
 * both have the same N and every label is 0..9. dir NULL means TG_FASHION_MNIST_DIR;
 * split is "train" (60000 images) or "t10k" (10000, also accepted as "test").
 * A missing file gives TG_ERR_IO with a message that names the Debian package. On
 * error both structs are left zeroed. */
tg_status tg_fashion_mnist_load(const char *dir, const char *split, tg_idx *images,
                                tg_idx *labels);

/* ---- CSV with a header line ----
 * Fields are separated by ',', lines by "\n" or "\r\n" (the last line may lack one;
 * blank lines are allowed only at the end). A field may be quoted ("a, ""b""") and
 * cannot span lines. Every line has as many fields as the header. The selected
 * columns must hold numbers in C syntax ([+-]digits[.digits][e[+-]digits], spaces
 * around allowed; whatever the program's locale); other columns may hold anything. */
typedef struct tg_csv {
    int rows, cols;           /* data lines, selected columns */
    double *values;           /* rows*cols, row-major: values[r*cols + c]; owned */
    char **names;             /* cols column names, in selection order; owned */
} tg_csv;

/* Parses n bytes of CSV. columns[0..n_columns-1] selects columns by header name, in
 * that order; columns NULL (n_columns 0) selects every column, which must all be
 * numeric. Errors: a selected name missing or not unique in the header, a line with
 * another number of fields, a bad number, no data line (all TG_ERR_FORMAT, with the
 * line and column). */
tg_status tg_csv_parse(const char *buf, size_t n, const char *label,
                       const char *const *columns, int n_columns, tg_csv *out);
tg_status tg_csv_read(const char *path, const char *const *columns, int n_columns, tg_csv *out);
/* Index of a selected column by name, or -1. */
int tg_csv_column(const tg_csv *c, const char *name);
void tg_csv_free(tg_csv *c);

/* seattle-temps.csv ("date,temp", 8759 hourly rows of 2010) from the Debian package
 * python3-vega-datasets. */
#define TG_SEATTLE_TEMPS_CSV "/usr/lib/python3/dist-packages/vega_datasets/_data/seattle-temps.csv"

/* ---- text for character-level models ----
 * The whole file as bytes; the vocabulary is the set of distinct bytes, numbered in
 * increasing byte order (UTF-8 characters beyond ASCII are split into their bytes). */
typedef struct tg_text {
    unsigned char *bytes;     /* n bytes (plus a NUL after them); owned */
    size_t n;
    int *ids;                 /* n ids: ids[i] = index[bytes[i]]; owned */
    int vocab_size;           /* 1..256 */
    unsigned char vocab[256]; /* id -> byte, for id < vocab_size */
    int index[256];           /* byte -> id, or -1 if the byte never occurs */
} tg_text;

/* Builds a text from n >= 1 bytes at buf (copied). TG_ERR_FORMAT if n is 0. */
tg_status tg_text_from(const void *buf, size_t n, const char *label, tg_text *out);
tg_status tg_text_read(const char *path, tg_text *out);
void tg_text_free(tg_text *t);

#ifdef __cplusplus
}
#endif
#endif
