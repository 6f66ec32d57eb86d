/* cli.c — the programs' command-line parser (cli.h). */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <tapegrad/tapegrad.h>

const cli_opt cli_no_options[] = {{0}};

/* The defaults as text, captured before any option changes a variable. */
#define CLI_MAX_OPTS 48
#define CLI_DEF_LEN 48
static char defaults[CLI_MAX_OPTS][CLI_DEF_LEN];
static bool captured;

static void format_value(const cli_opt *o, char *buf, size_t n) {
    if (o->def) {
        snprintf(buf, n, "%s", o->def);
        return;
    }
    switch (o->type) {
    case CLI_FLAG: snprintf(buf, n, "%s", *(const bool *)o->out ? "on" : "off"); break;
    case CLI_INT: snprintf(buf, n, "%d", *(const int *)o->out); break;
    case CLI_U64: snprintf(buf, n, "%" PRIu64, *(const uint64_t *)o->out); break;
    case CLI_DOUBLE: snprintf(buf, n, "%g", *(const double *)o->out); break;
    case CLI_STR: {
        const char *s = *(const char *const *)o->out;
        snprintf(buf, n, "%s", s ? s : "none");
        break;
    }
    case CLI_FN: snprintf(buf, n, "?"); break;
    }
}

static void capture(const cli *c) {
    for (int i = 0; i < CLI_MAX_OPTS && c->opts[i].name; i++)
        format_value(&c->opts[i], defaults[i], CLI_DEF_LEN);
    captured = true;
}

void cli_usage(const cli *c, FILE *f) {
    fprintf(f, "usage: %s [options]%s%s\n", c->prog, c->args && c->args[0] ? " " : "",
            c->args ? c->args : "");
    if (c->about) fputs(c->about, f);
    fprintf(f, "options (default in brackets):\n");
    fprintf(f, "  %-24s %s\n", "-h, --help", "print this help and exit");
    fprintf(f, "  %-24s %s\n", "--version", "print the version and exit");
    for (int i = 0; c->opts[i].name; i++) {
        const cli_opt *o = &c->opts[i];
        char left[64], def[CLI_DEF_LEN];
        snprintf(left, sizeof left, "%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        if (captured && i < CLI_MAX_OPTS) snprintf(def, sizeof def, "%s", defaults[i]);
        else format_value(o, def, sizeof def);
        fprintf(f, "  %-24s %s [%s]\n", left, o->help ? o->help : "", def);
    }
}

int cli_error(const cli *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", c->prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    cli_usage(c, stderr);
    return CLI_EXIT_USAGE;
}

int cli_write_failed(const char *prog, const char *path) {
    int e = errno;
    fprintf(stderr, "%s: cannot write %s: %s\n", prog, path, strerror(e ? e : EIO));
    return 1;
}

/* The option row named by a ("--name" or "--name=value"), or NULL. */
static const cli_opt *find(const cli *c, const char *a, const char **inline_value) {
    size_t len = strcspn(a, "=");
    *inline_value = a[len] == '=' ? a + len + 1 : NULL;
    for (int i = 0; c->opts[i].name; i++)
        if (strlen(c->opts[i].name) == len && strncmp(c->opts[i].name, a, len) == 0)
            return &c->opts[i];
    return NULL;
}

static int set_value(const cli *c, const cli_opt *o, const char *v) {
    char *end;
    switch (o->type) {
    case CLI_FLAG: *(bool *)o->out = true; return 0;
    case CLI_INT: {
        errno = 0;
        long x = strtol(v, &end, 10);
        if (errno || end == v || *end || x < o->lo || x > o->hi)
            return cli_error(c, "%s: '%s' is not an integer in %.0f..%.0f", o->name, v, o->lo, o->hi);
        *(int *)o->out = (int)x;
        return 0;
    }
    case CLI_U64: {
        errno = 0;
        unsigned long long x = strtoull(v, &end, 10);
        if (errno || end == v || *end || v[0] == '-')
            return cli_error(c, "%s: '%s' is not a non-negative integer", o->name, v);
        *(uint64_t *)o->out = (uint64_t)x;
        return 0;
    }
    case CLI_DOUBLE: {
        errno = 0;
        double x = strtod(v, &end);
        if (errno || end == v || *end || !(x >= o->lo && x <= o->hi))
            return cli_error(c, "%s: '%s' is not a number in [%g, %g]", o->name, v, o->lo, o->hi);
        *(double *)o->out = x;
        return 0;
    }
    case CLI_STR:
        if (!v[0]) return cli_error(c, "%s: the value must not be empty", o->name);
        *(const char **)o->out = v;
        return 0;
    case CLI_FN:
        if (o->fn(c->prog, o->name, v, o->out) != 0) {
            cli_usage(c, stderr);
            return CLI_EXIT_USAGE;
        }
        return 0;
    }
    return cli_error(c, "%s: unknown option type", o->name);
}

/* One walk over argv. With apply false it only looks for --help and --version and
 * checks every argument's shape (known option, value present, count of positional
 * arguments); with apply true it stores the values. */
static int walk(cli *c, int argc, char **argv, bool apply) {
    int npos = 0;
    bool options = true;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (options && strcmp(a, "--") == 0) {
            options = false;
            continue;
        }
        if (options && a[0] == '-' && a[1] != '\0') {
            if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
                if (!apply) {
                    cli_usage(c, stdout);
                    return 0;
                }
                continue;
            }
            if (strcmp(a, "--version") == 0) {
                if (!apply) {
                    printf("%s (tapegrad %s, tg_real %s)\n", c->prog, tg_version(), TG_REAL_NAME);
                    return 0;
                }
                continue;
            }
            const char *v;
            const cli_opt *o = find(c, a, &v);
            if (!o) return cli_error(c, "unknown option '%s'", a);
            if (o->type == CLI_FLAG && v) return cli_error(c, "%s takes no value", o->name);
            if (o->type != CLI_FLAG && !v) {
                if (i + 1 >= argc) return cli_error(c, "%s needs a value (%s)", o->name, o->arg);
                v = argv[++i];
            }
            if (apply) {
                int rc = set_value(c, o, v);
                if (rc != 0) return rc;
            }
            continue;
        }
        if (npos >= c->max_pos) {
            if (c->max_pos == 0) return cli_error(c, "takes no arguments, got '%s'", a);
            return cli_error(c, "too many arguments: '%s'", a);
        }
        if (c->stop_at_pos) { /* everything from here on belongs to their owner */
            if (argc - i > c->max_pos) return cli_error(c, "too many arguments (at most %d)", c->max_pos);
            if (apply) {
                for (int j = i; j < argc; j++) c->pos[npos++] = argv[j];
                c->npos = npos;
            }
            return CLI_RUN;
        }
        if (apply) c->pos[npos] = a;
        npos++;
    }
    if (apply) c->npos = npos;
    return CLI_RUN;
}

int cli_parse(cli *c, int argc, char **argv) {
    capture(c);
    int rc = walk(c, argc, argv, false);
    if (rc != CLI_RUN) return rc;
    return walk(c, argc, argv, true);
}
