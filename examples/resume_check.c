/* resume_check.c — proves that an example program resumes bit-identically, and that
 * it answers a bad command line with a usage message and exit status 2.
 *
 *   Run:  resume_check PROG [ARGS...]        (meson test runs it with ARGS = --quick)
 *
 * In a fresh temporary directory (the programs' default output files land there):
 *   1. PROG ARGS --epochs 3 --save full.ckpt                      (3 epochs at once)
 *   2. PROG ARGS --epochs 2 --save part.ckpt                      (stop after 2 ...)
 *   3. PROG ARGS --epochs 3 --resume part.ckpt --save resumed.ckpt (... a new process
 *                                                                   trains the 3rd)
 * then full.ckpt and resumed.ckpt must be equal byte for byte. A checkpoint holds the
 * parameters, the optimizer's state, the epoch count and the RNG state (and a checksum
 * over all of it), so equal files mean bit-identical training. part.ckpt must differ
 * from full.ckpt (the third epoch changed something). Then bad arguments must give
 * exit status 2, and resuming from a missing file status 1, never a crash.
 *
 * Exit status: 0 all good, 1 a check failed, 77 PROG reported its data missing
 * (meson: skipped), 2 bad usage of this program.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cli.h"

#define MAX_ARGS 64

static char prog_path[4096];
static char dir[4096];
static int failures;

/* Runs PROG with base[0..nb-1] then extra (NULL-terminated) inside dir; stdout and
 * stderr go to ours unless quiet. Returns the exit status, or -1 if it did not exit
 * normally (a crash). */
static int run(char **base, int nb, const char *const *extra, int quiet) {
    char *argv[MAX_ARGS + 2];
    int n = 0;
    argv[n++] = prog_path;
    for (int i = 0; i < nb; i++) argv[n++] = base[i];
    for (int i = 0; extra[i] && n < MAX_ARGS; i++) argv[n++] = (char *)extra[i];
    argv[n] = NULL;
    printf("$");
    for (int i = 0; i < n; i++) printf(" %s", argv[i]);
    printf("\n");
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return -1;
    }
    if (pid == 0) {
        if (chdir(dir) != 0) _exit(126);
        if (quiet) {
            FILE *f = freopen("/dev/null", "w", stdout);
            (void)f;
        }
        execv(prog_path, argv);
        _exit(127);
    }
    int ws;
    if (waitpid(pid, &ws, 0) != pid) return -1;
    if (WIFSIGNALED(ws)) fprintf(stderr, "resume_check: killed by signal %d\n", WTERMSIG(ws));
    return WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
}

/* Reads a whole file into a malloc'd buffer; NULL if it cannot. */
static unsigned char *slurp(const char *name, size_t *n) {
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char *buf = NULL;
    size_t cap = 0;
    *n = 0;
    for (;;) {
        if (*n == cap) {
            unsigned char *b = realloc(buf, cap = cap ? 2 * cap : 1 << 16);
            if (!b) break;
            buf = b;
        }
        size_t k = fread(buf + *n, 1, cap - *n, f);
        *n += k;
        if (k == 0) break;
    }
    fclose(f);
    return buf;
}

static void check(int ok, const char *what) {
    printf("%s: %s\n", ok ? "ok  " : "FAIL", what);
    failures += !ok;
}

static void cleanup(void) {
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char path[8192];
        while ((e = readdir(d)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
                remove(path);
            }
        closedir(d);
    }
    rmdir(dir);
}

int main(int argc, char **argv) {
    const char *pos[MAX_ARGS - 8];
    cli c = {"resume_check", "PROG [ARGS...]",
             "Runs PROG ARGS (a real-data example) for 3 epochs, and for 2 then a resumed 3rd\n"
             "in a new process, in a temporary folder; checks that the two checkpoints are\n"
             "equal byte for byte, and that bad arguments give exit status 2. Options end at\n"
             "PROG: what follows is PROG's. Exit status 0 all good, 1 a check failed, 77\n"
             "PROG's data set is missing.\n",
             cli_no_options, MAX_ARGS - 8, pos, 0, true};
    int rc = cli_parse(&c, argc, argv);
    if (rc != CLI_RUN) return rc;
    if (c.npos < 1) return cli_error(&c, "PROG is missing");
    /* The child runs in another directory: make PROG's path absolute. */
    if (pos[0][0] == '/') {
        snprintf(prog_path, sizeof prog_path, "%s", pos[0]);
    } else {
        char cwd[2048];
        if (!getcwd(cwd, sizeof cwd)) return 1;
        snprintf(prog_path, sizeof prog_path, "%s/%s", cwd, pos[0]);
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/resume_check.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror(dir);
        return 1;
    }
    char **base = (char **)pos + 1;
    int nb = c.npos - 1;

    int s = run(base, nb, (const char *[]){"--epochs", "3", "--save", "full.ckpt", NULL}, 0);
    if (s == 77) {
        printf("resume_check: the program's data set is missing: skipped\n");
        cleanup();
        return 77;
    }
    check(s == 0, "3 epochs in one run");
    s = run(base, nb, (const char *[]){"--epochs", "2", "--save", "part.ckpt", NULL}, 0);
    check(s == 0, "2 epochs, then stop");
    s = run(base, nb,
            (const char *[]){"--epochs", "3", "--resume", "part.ckpt", "--save", "resumed.ckpt", NULL}, 0);
    check(s == 0, "resume in a new process and train the 3rd epoch");

    size_t nf = 0, np = 0, nr = 0;
    unsigned char *full = slurp("full.ckpt", &nf), *part = slurp("part.ckpt", &np),
                  *resumed = slurp("resumed.ckpt", &nr);
    check(full && resumed && nf == nr && memcmp(full, resumed, nf) == 0,
          "resumed checkpoint == uninterrupted checkpoint, byte for byte");
    check(full && part && (nf != np || memcmp(full, part, nf) != 0),
          "the 3rd epoch changed the model (the check is not vacuous)");
    if (full) printf("checkpoint size: %zu bytes\n", nf);
    free(full);
    free(part);
    free(resumed);

    /* A bad command line is a usage message and status 2, never a crash. */
    static const char *const bad[][3] = {
        {"--epochs", "x", NULL}, {"--epochs", "0", NULL}, {"--epochs", NULL, NULL},
        {"--seed", "-1", NULL},  {"--no-such-option", NULL, NULL}, {"--svg", "", NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char what[128];
        snprintf(what, sizeof what, "'%s%s%s' -> exit status 2", bad[i][0], bad[i][1] ? " " : "",
                 bad[i][1] ? bad[i][1] : "");
        check(run(NULL, 0, bad[i], 1) == 2, what);
    }
    s = run(base, nb, (const char *[]){"--epochs", "1", "--resume", "missing.ckpt", NULL}, 1);
    check(s == 1, "resuming from a missing file -> exit status 1");
    s = run(base, nb, (const char *[]){"--epochs", "1", "--resume", "full.ckpt", "--seed", "9", NULL}, 1);
    check(s == 0, "resuming a finished run (3 of 1 epochs) just evaluates");

    cleanup();
    printf("%d failed\n", failures);
    return failures ? 1 : 0;
}
