/* svg_chart.h — a tiny line-chart writer in plain C (examples only; not part of the
 * library). Several named series, axes with "nice" ticks and grid lines, an optional
 * logarithmic y axis, a legend; the output is one standalone .svg file that any
 * browser opens.
 *
 *   svg_chart *c = svg_chart_new("Training loss", "step", "loss");
 *   svg_chart_set_log_y(c, 1);
 *   svg_chart_add(c, "adam", NULL, losses, n);      // x = 0, 1, ..., n-1
 *   if (svg_chart_write(c, "loss.svg") != 0) perror("loss.svg");
 *   svg_chart_free(c);
 *
 * Ownership: the chart copies titles, names and data; the caller keeps its arrays.
 * Points that are NaN or infinite (or <= 0 on a log axis) are skipped and break the
 * line. Errors: functions returning int give 0 on success and -1 on failure (out of
 * memory, or errno from the file); svg_chart_new returns NULL when out of memory.
 */
#ifndef SVG_CHART_H
#define SVG_CHART_H

typedef struct svg_chart svg_chart;

/* A new empty chart, 800 x 500 pixels. Any string may be NULL (no text). */
svg_chart *svg_chart_new(const char *title, const char *xlabel, const char *ylabel);
/* Logarithmic (base 10) y axis when on != 0. */
void svg_chart_set_log_y(svg_chart *c, int on);
/* Image size in pixels (each at least 200). */
void svg_chart_set_size(svg_chart *c, int width, int height);
/* Adds a series of n points (x may be NULL: 0, 1, ..., n-1). Colours follow the order
 * of addition. */
int svg_chart_add(svg_chart *c, const char *name, const double *x, const double *y, int n);
/* Writes the chart to path (replacing the file). */
int svg_chart_write(const svg_chart *c, const char *path);
/* Frees the chart. NULL is fine. */
void svg_chart_free(svg_chart *c);

#endif
