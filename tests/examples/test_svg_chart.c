/* test_svg_chart.c — the examples' chart writer (examples/svg_chart.c): a series of one
 * point is drawn (as a dot: a polyline of one point shows nothing), a run of one
 * point between gaps too, and a log axis says "(log scale)" once, whether or not the
 * caller's label already says it. Also the error path: an unwritable file is -1 with
 * errno set, which the programs report with the path. */
#include <errno.h>
#include "check.h"
#include "tmpdir.h"
#include "examples/svg_chart.h"

/* Occurrences of needle in s. */
static int count(const char *s, const char *needle) {
    int n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle)) n++;
    return n;
}

static char *write_read(svg_chart *c, const char *name) {
    CHECK(svg_chart_write(c, tmp_path(name)) == 0, "%s written", name);
    size_t n = 0;
    return (char *)tmp_read(tmp_path(name), &n);
}

int main(void) {
    if (!tmp_dir_make("tg_svg")) return 1;
    double x[5] = {0, 1, 2, 3, 4}, y[5] = {1, NAN, 3, 4, 5}, one = 2;

    svg_chart *c = svg_chart_new("t", "x", "loss (log scale)");
    svg_chart_set_log_y(c, 1);
    svg_chart_add(c, "alone", NULL, &one, 1);
    svg_chart_add(c, "gap", x, y, 5);
    char *s = write_read(c, "a.svg");
    CHECK(s && count(s, "(log scale)") == 1, "\"(log scale)\" once, found %d", s ? count(s, "(log scale)") : -1);
    /* one dot for the series of one point, one for the point before the gap */
    CHECK(s && count(s, "<circle") == 2, "2 dots, found %d", s ? count(s, "<circle") : -1);
    CHECK(s && count(s, "<polyline") == 1, "1 line (x = 2..4), found %d", s ? count(s, "<polyline") : -1);
    free(s);
    svg_chart_free(c);

    c = svg_chart_new("t", "x", "loss");
    svg_chart_set_log_y(c, 1);
    svg_chart_add(c, "line", x + 2, y + 2, 3);
    s = write_read(c, "b.svg");
    CHECK(s && strstr(s, "loss (log scale)") && count(s, "(log scale)") == 1, "the axis says log scale once");
    CHECK(s && count(s, "<circle") == 0, "no dot on a line");
    free(s);

    errno = 0;
    CHECK(svg_chart_write(c, "/nonexistent-dir/x.svg") == -1 && errno == ENOENT,
          "an unwritable path is -1 with errno ENOENT (errno %d)", errno);
    svg_chart_free(c);
    tmp_dir_remove();
    return check_done();
}
