/* cli.h — the one command-line parser of the programs in the tree (examples,
 * benchmarks, resume_check); not part of the library. A program describes its options
 * in a table, and every program then behaves like a Unix tool the same way:
 *
 *   -h, --help        usage with every option and its default on stdout, exit 0
 *   --version         "<prog> (tapegrad X.Y.Z, tg_real float)" on stdout, exit 0
 *   an unknown option, a missing or bad value, too many arguments:
 *                     "<prog>: <what>" and the usage on stderr, exit 2
 *
 * Options are spelt "--name VALUE" or "--name=VALUE"; "--" ends them. A program takes
 * positional arguments only when its table says so (max_pos, named in `args`).
 *
 *   static bool dot;
 *   static const cli_opt opts[] = {
 *       {"--dot", NULL, CLI_FLAG, &dot, 0, 0, "print the graph as Graphviz DOT", NULL, NULL},
 *       {0}};
 *   cli c = {"neuron", "", "Builds one neuron and prints its gradients.", opts, 0, NULL, 0, 0};
 *   int rc = cli_parse(&c, argc, argv);
 *   if (rc != CLI_RUN) return rc;
 *
 * Defaults are printed from the variables as they are before cli_parse, so a program
 * sets its defaults first and the usage cannot disagree with them.
 */
#ifndef CLI_H
#define CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef enum {
    CLI_FLAG,    /* bool *: set to true; takes no value */
    CLI_INT,     /* int *: an integer in [lo, hi] */
    CLI_U64,     /* uint64_t *: a non-negative integer */
    CLI_DOUBLE,  /* double *: a number in [lo, hi] */
    CLI_STR,     /* const char **: a non-empty string (argv's own, not copied) */
    CLI_FN,      /* anything: fn(prog, name, value, out) parses it, 0 or -1 after an error */
} cli_type;

typedef struct cli_opt {
    const char *name;  /* "--epochs" */
    const char *arg;   /* the value in the usage, "N"; NULL for a flag */
    cli_type type;
    void *out;
    double lo, hi;     /* the range of CLI_INT and CLI_DOUBLE */
    const char *help;  /* what it does, one line */
    const char *def;   /* the default in words; NULL: printed from *out */
    int (*fn)(const char *prog, const char *name, const char *value, void *out);
} cli_opt;

typedef struct cli {
    const char *prog;
    const char *args;     /* the positional arguments in the usage line, "[FILE]" or "" */
    const char *about;    /* what the program does and writes (lines end with \n) */
    const cli_opt *opts;  /* ends with a row whose name is NULL */
    int max_pos;          /* positional arguments taken (0: none) */
    const char **pos;     /* receives them, max_pos entries */
    int npos;             /* how many were given (set by cli_parse) */
    bool stop_at_pos;     /* the first positional argument ends the options (the rest
                             are another program's command line) */
} cli;

/* The table of a program without options of its own (it still answers --help and
 * --version). */
extern const cli_opt cli_no_options[];

/* cli_parse's result when the program should go on. */
#define CLI_RUN (-1)
/* The exit code of a bad command line. */
#define CLI_EXIT_USAGE 2

/* Parses argv into the table's variables: CLI_RUN, or the exit code the program
 * should return at once (0 after --help or --version, 2 after a usage error, which
 * has been printed with the usage). */
int cli_parse(cli *c, int argc, char **argv);
/* The usage text (with the defaults captured by the last cli_parse, or the current
 * values before it). */
void cli_usage(const cli *c, FILE *f);
/* A usage error found after parsing (two options that conflict, ...): prints
 * "<prog>: <message>" and the usage on stderr; returns 2. */
int cli_error(const cli *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* An output that could not be written: "<prog>: cannot write <path>: <strerror(errno)>"
 * on stderr; returns 1, the exit code. Call it right after the failing call. */
int cli_write_failed(const char *prog, const char *path);

#endif
