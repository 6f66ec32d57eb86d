/* bad_tg_data.c — the bad-input rows of <tapegrad/tg_data.h>: every function it declares,
 * called with the mistakes a caller makes (bad_input.h). */
#include "bad_input.h"

int main(int argc, char **argv) {
    fx *f;
    out *o;
    bad_begin(argc, argv);

    f = row(&o, "tg_idx_parse", "out NULL");
    on_status(o, tg_idx_parse("", 0, "x", NULL));
    expect(f, TG_ERR_ARG, "tg_idx_parse: out is NULL");

    f = row(&o, "tg_idx_parse", "buf NULL with n 4");
    {
        tg_idx x;
        on_status(o, tg_idx_parse(NULL, 4, "x", &x));
    }
    expect(f, TG_ERR_ARG, "tg_idx_parse: x: buf is NULL");

    f = row(&o, "tg_idx_parse", "truncated data");
    {
        tg_idx x;
        on_status(o, tg_idx_parse("\0\0\x08\x02\0\0\0\x02\0\0\0\x03" "abc", 15, NULL, &x));
    }
    expect(f, TG_ERR_FORMAT, "tg_idx_parse: <memory>: truncated: shape (2,3) needs more data than the 3 bytes present");

    f = row(&o, "tg_idx_parse", "9 dimensions");
    {
        tg_idx x;
        on_status(o, tg_idx_parse("\0\0\x08\x09", 4, "x", &x));
    }
    expect(f, TG_ERR_FORMAT, "tg_idx_parse: x: 9 dimensions (must be 1..8)");

    f = row(&o, "tg_idx_read", "path NULL");
    {
        tg_idx x;
        on_status(o, tg_idx_read(NULL, &x));
    }
    expect(f, TG_ERR_ARG, "tg_idx_read: path is NULL");

    f = row(&o, "tg_idx_read", "out NULL");
    on_status(o, tg_idx_read(f->idx, NULL));
    expect(f, TG_ERR_ARG, "tg_idx_read: out is NULL");

    f = row(&o, "tg_idx_read", "no such file");
    {
        tg_idx x;
        on_status(o, tg_idx_read(f->missing, &x));
    }
    expect(f, TG_ERR_IO, "tg_idx_read: $DIR/missing: No such file or directory");

    f = row(&o, "tg_idx_read", "truncated file");
    {
        tg_idx x;
        on_status(o, tg_idx_read(f->idx, &x));
    }
    expect(f, TG_ERR_FORMAT, "tg_idx_read: $DIR/x.idx: truncated: shape (5) needs more data than the 2 bytes present");

    f = row(&o, "tg_idx_free", "NULL");
    tg_idx_free(NULL);
    on_value(o, true, "");
    expect(f, TG_OK, "");

    f = row(&o, "tg_fashion_mnist_load", "images NULL");
    {
        tg_idx l;
        on_status(o, tg_fashion_mnist_load(NULL, "train", NULL, &l));
    }
    expect(f, TG_ERR_ARG, "tg_fashion_mnist_load: images is NULL");

    f = row(&o, "tg_fashion_mnist_load", "split NULL");
    {
        tg_idx i, l;
        on_status(o, tg_fashion_mnist_load(NULL, NULL, &i, &l));
    }
    expect(f, TG_ERR_ARG, "tg_fashion_mnist_load: split is NULL");

    f = row(&o, "tg_fashion_mnist_load", "unknown split");
    {
        tg_idx i, l;
        on_status(o, tg_fashion_mnist_load(NULL, "val", &i, &l));
    }
    expect(f, TG_ERR_ARG, "tg_fashion_mnist_load: split is 'val' (must be \"train\", \"t10k\" or \"test\")");

    f = row(&o, "tg_fashion_mnist_load", "no such folder");
    {
        tg_idx i, l;
        on_status(o, tg_fashion_mnist_load(f->missing, "train", &i, &l));
    }
    expect(f, TG_ERR_IO, "tg_fashion_mnist_load: $DIR/missing/train-images-idx3-ubyte.gz: no such file (nor without .gz); install the Debian package dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or give the directory that holds the files");

    f = row(&o, "tg_csv_parse", "out NULL");
    on_status(o, tg_csv_parse("x\n1\n", 4, "c", NULL, 0, NULL));
    expect(f, TG_ERR_ARG, "tg_csv_parse: out is NULL");

    f = row(&o, "tg_csv_parse", "buf NULL with n 4");
    {
        tg_csv c;
        on_status(o, tg_csv_parse(NULL, 4, "c", NULL, 0, &c));
    }
    expect(f, TG_ERR_ARG, "tg_csv_parse: c: buf is NULL");

    f = row(&o, "tg_csv_parse", "columns with n_columns 0");
    {
        tg_csv c;
        on_status(o, tg_csv_parse("x\n1\n", 4, "c", (const char *[]){"x"}, 0, &c));
    }
    expect(f, TG_ERR_ARG, "tg_csv_parse: c: n_columns is 0 (must be >= 1 with columns)");

    f = row(&o, "tg_csv_parse", "a NULL column name");
    {
        tg_csv c;
        on_status(o, tg_csv_parse("x\n1\n", 4, "c", (const char *[]){"x", NULL}, 2, &c));
    }
    expect(f, TG_ERR_ARG, "tg_csv_parse: c: columns[1] is NULL");

    f = row(&o, "tg_csv_parse", "columns NULL with n_columns 2");
    {
        tg_csv c;
        on_status(o, tg_csv_parse("x\n1\n", 4, "c", NULL, 2, &c));
    }
    expect(f, TG_ERR_ARG, "tg_csv_parse: c: columns is NULL but n_columns is 2");

    f = row(&o, "tg_csv_parse", "no such column");
    {
        tg_csv c;
        on_status(o, tg_csv_parse("x,y\n1,2\n", 8, "c", (const char *[]){"z"}, 1, &c));
    }
    expect(f, TG_ERR_FORMAT, "tg_csv_parse: c: line 1: no column 'z' in the header 'x,y'");

    f = row(&o, "tg_csv_parse", "a line with another number of fields");
    {
        tg_csv c;
        on_status(o, tg_csv_parse("x,y\n1,2,3\n", 10, "c", NULL, 0, &c));
    }
    expect(f, TG_ERR_FORMAT, "tg_csv_parse: c: line 2: 3 fields, the header has 2");

    f = row(&o, "tg_csv_read", "path NULL");
    {
        tg_csv c;
        on_status(o, tg_csv_read(NULL, NULL, 0, &c));
    }
    expect(f, TG_ERR_ARG, "tg_csv_read: path is NULL");

    f = row(&o, "tg_csv_read", "no such file");
    {
        tg_csv c;
        on_status(o, tg_csv_read(f->missing, NULL, 0, &c));
    }
    expect(f, TG_ERR_IO, "tg_csv_read: $DIR/missing: No such file or directory");

    f = row(&o, "tg_csv_read", "a bad number");
    {
        tg_csv c;
        on_status(o, tg_csv_read(f->csv, NULL, 0, &c));
    }
    expect(f, TG_ERR_FORMAT, "tg_csv_read: $DIR/x.csv: line 3, column 2 ('y'): 'oops' is not a number");

    f = row(&o, "tg_csv_read", "out NULL");
    on_status(o, tg_csv_read(f->csv, NULL, 0, NULL));
    expect(f, TG_ERR_ARG, "tg_csv_read: out is NULL");

    f = row(&o, "tg_csv_column", "NULL, and an empty struct");
    {
        tg_csv z = {0};
        on_value(o, tg_csv_column(NULL, "x") == -1 && tg_csv_column(&z, "x") == -1, "-1");
    }
    expect(f, TG_OK, "");

    f = row(&o, "tg_csv_free", "NULL");
    tg_csv_free(NULL);
    on_value(o, true, "");
    expect(f, TG_OK, "");

    f = row(&o, "tg_text_from", "out NULL");
    on_status(o, tg_text_from("a", 1, "t", NULL));
    expect(f, TG_ERR_ARG, "tg_text_from: out is NULL");

    f = row(&o, "tg_text_from", "no bytes");
    {
        tg_text x;
        on_status(o, tg_text_from("", 0, "t", &x));
    }
    expect(f, TG_ERR_FORMAT, "tg_text_from: t: the text is empty");

    f = row(&o, "tg_text_from", "buf NULL with n 3");
    {
        tg_text x;
        on_status(o, tg_text_from(NULL, 3, NULL, &x));
    }
    expect(f, TG_ERR_ARG, "tg_text_from: <memory>: buf is NULL");

    f = row(&o, "tg_text_read", "path NULL");
    {
        tg_text x;
        on_status(o, tg_text_read(NULL, &x));
    }
    expect(f, TG_ERR_ARG, "tg_text_read: path is NULL");

    f = row(&o, "tg_text_read", "no such file");
    {
        tg_text x;
        on_status(o, tg_text_read(f->missing, &x));
    }
    expect(f, TG_ERR_IO, "tg_text_read: $DIR/missing: No such file or directory");

    f = row(&o, "tg_text_read", "an empty file");
    {
        tg_text x;
        on_status(o, tg_text_read(f->txt, &x));
    }
    expect(f, TG_ERR_FORMAT, "tg_text_read: $DIR/empty.txt: the text is empty");

    f = row(&o, "tg_text_free", "NULL");
    tg_text_free(NULL);
    on_value(o, true, "");
    expect(f, TG_OK, "");

    return bad_done("data/include/tapegrad/tg_data.h");
}
