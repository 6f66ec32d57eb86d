# apiref.awk — the API reference as one HTML page, from the public headers' comments
# (the comments stay the only source). Usage:
#   awk -v version=0.2.0 -f doc/apiref.awk include/tapegrad/tapegrad.h <room>/include/tapegrad/tg_*.h
# Each header becomes a section: its opening comment, then every declaration with the
# comment above it. Preprocessor lines and extern "C" guards are left out.
function esc(s) { gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s); return s }
function flush_decl() {
    if (code != "") {
        printf "<div class=\"decl\">"
        if (comment != "") printf "<p class=\"doc\">%s</p>", comment
        printf "<pre><code>%s</code></pre></div>\n", code
    } else if (comment != "" && !first_done) {
        printf "<pre class=\"overview\">%s</pre>\n", comment
        first_done = 1
    } else if (comment != "") {
        printf "<p class=\"note\">%s</p>\n", comment
    }
    comment = ""; code = ""
}
BEGIN {
    print "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    printf "<title>tapegrad %s API reference</title>\n", version
    print "<style>body{font-family:sans-serif;max-width:60em;margin:auto;padding:1em}"
    print "pre{background:#f6f6f6;padding:.5em;overflow-x:auto}.doc{white-space:pre-wrap;margin:.8em 0 .2em}"
    print "h2{border-bottom:1px solid #ccc;margin-top:2em}</style></head><body>"
    printf "<h1>tapegrad %s API reference</h1>\n", version
    print "<p>Generated from the comments of the public headers; every header is listed below.</p><ul>"
    for (i = 1; i < ARGC; i++) { n = ARGV[i]; sub(/.*\//, "", n); printf "<li><a href=\"#%s\">&lt;tapegrad/%s&gt;</a></li>\n", n, n }
    print "</ul>"
}
FNR == 1 {
    if (NR > 1) flush_decl()
    n = FILENAME; sub(/.*\//, "", n)
    printf "<h2 id=\"%s\">&lt;tapegrad/%s&gt;</h2>\n", n, n
    first_done = 0; in_comment = 0; comment = ""; code = ""
}
{
    line = $0
    if (in_comment) {
        if (line ~ /\*\//) { sub(/\*\/.*/, "", line); in_comment = 0 }
        sub(/^ \* ?/, "", line); sub(/^ \*$/, "", line)
        comment = comment "\n" esc(line)
        next
    }
    if (line ~ /^[ \t]*\/\*/) {
        if (code != "") flush_decl()
        one = line; sub(/^[ \t]*\/\* ?/, "", one)
        if (one ~ /\*\//) { sub(/ *\*\/.*/, "", one) } else in_comment = 1
        comment = (comment == "" ? "" : comment "\n") esc(one)
        next
    }
    if (line ~ /^[ \t]*#/ || line ~ /^extern "C"/ || line ~ /^}$/ && code == "") next
    if (line ~ /^[ \t]*$/) { flush_decl(); next }
    code = (code == "" ? "" : code "\n") esc(line)
}
END { flush_decl(); print "</body></html>" }
