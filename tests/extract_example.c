/* extract_example.c — build-time tool: copies example code out of the docs into C
 * files that tests/meson.build compiles and runs, so no documented example can rot.
 *   extract_example include/tapegrad/tapegrad.h out.c   the example in the header's opening comment
 *       (the text after "#include <tapegrad/tapegrad.h>" up to the closing comment line, each
 *       line without its leading " * "), wrapped as int header_example(void);
 *   extract_example README.md out.c --readme [HEADING]   the first ```c block after
 *       the line HEADING (default "## A program that trains something"), copied as it
 *       is. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc != 3 && !((argc == 4 || argc == 5) && strcmp(argv[3], "--readme") == 0)) {
        fprintf(stderr, "usage: extract_example include/tapegrad/tapegrad.h out.c | README.md out.c --readme [HEADING]\n");
        return 2;
    }
    FILE *in = fopen(argv[1], "r"), *out = fopen(argv[2], "w");
    if (!in || !out) {
        fprintf(stderr, "extract_example: cannot open %s\n", !in ? argv[1] : argv[2]);
        return 2;
    }
    char line[1024];
    int state = 0, lines = 0; /* 0 before, 1 inside, 2 after */
    if (argc >= 4) { /* README: heading, then ```c ... ``` */
        const char *heading = argc == 5 ? argv[4] : "## A program that trains something";
        size_t hlen = strlen(heading);
        int seen = 0;
        fprintf(out, "/* generated from README.md by extract_example.c: do not edit */\n");
        while (state < 2 && fgets(line, sizeof line, in)) {
            if (state == 0) {
                if (strncmp(line, heading, hlen) == 0 && (line[hlen] == '\n' || line[hlen] == '\0')) seen = 1;
                else if (seen && strncmp(line, "```c", 4) == 0) state = 1;
            } else if (strncmp(line, "```", 3) == 0) {
                state = 2;
            } else {
                fputs(line, out);
                lines++;
            }
        }
        fclose(in);
        if (fclose(out) != 0 || state != 2 || lines < 5) {
            fprintf(stderr, "extract_example: no program found in %s\n", argv[1]);
            return 1;
        }
        return 0;
    }
    fprintf(out, "/* generated from tapegrad.h by extract_example.c: do not edit */\n"
                 "#include <tapegrad/tapegrad.h>\n#include <stdio.h>\n"
                 "int header_example(void);\nint header_example(void) {\n");
    while (state < 2 && fgets(line, sizeof line, in)) {
        if (state == 0) {
            if (strstr(line, "#include <tapegrad/tapegrad.h>")) state = 1;
            continue;
        }
        if (strncmp(line, " */", 3) == 0) {
            state = 2;
            break;
        }
        const char *s = line;
        if (strncmp(s, " * ", 3) == 0) s += 3;
        else if (strncmp(s, " *", 2) == 0) s += 2;
        fputs(s, out);
        lines++;
    }
    fprintf(out, "    return 0;\n}\n");
    fclose(in);
    if (fclose(out) != 0 || state != 2 || lines < 5) {
        fprintf(stderr, "extract_example: no example found in %s\n", argv[1]);
        return 1;
    }
    return 0;
}
