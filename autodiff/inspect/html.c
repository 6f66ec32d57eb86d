/* html.c — the sweep viewer (tg_tape_html): one self-contained HTML page, the graph as
 * inline SVG (layout.c), the traced sweep as data, and a small script to step through
 * it. See tg_show.h. The page loads nothing: no network, no other file.
 *
 * The file is written in one pass: the page and the drawing first (forward values
 * are known), then, while tg_backward runs with the trace hook, one record per node
 * it visits (the trace's text, trace.c, and the first values of each contribution),
 * and last the script, which adds the contributions up to show the running gradient
 * of every tensor. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <tapegrad/tg_grad.h>
#include "inspect_private.h"

/* At most this many values per tensor travel to the page (the rest are elided). */
#define VALS 16

/* Writes s as the inside of a JavaScript string literal ("</" cannot end the script,
 * as '<' is escaped). */
static void js_str(FILE *out, const char *s) {
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(out, "\\%c", c);
        else if (c == '\n') fputs("\\n", out);
        else if (c == '<' || c == '>' || c == '&' || c < 0x20) fprintf(out, "\\u%04x", c);
        else fputc(c, out);
    }
}

/* Writes s as HTML text. */
static void html_str(FILE *out, const char *s) {
    for (; *s; s++) {
        if (*s == '<') fputs("&lt;", out);
        else if (*s == '>') fputs("&gt;", out);
        else if (*s == '&') fputs("&amp;", out);
        else if (*s == '"') fputs("&quot;", out);
        else fputc(*s, out);
    }
}

/* "[v0,v1,...]" of the first VALS values as JSON numbers (non-finite as null). */
static void js_vals(FILE *out, const tg_real *v, size_t n) {
    fputc('[', out);
    for (size_t i = 0; v && i < n && i < VALS; i++) {
        double d = (double)v[i];
        if (isfinite(d)) fprintf(out, "%s%.9g", i ? "," : "", d);
        else fprintf(out, "%snull", i ? "," : "");
    }
    fputc(']', out);
}

typedef struct viewer {
    FILE *out;
    tg__trace_ctx c;
    const tg_node *current;
    char *buf;
    bool any;
} viewer;

static void close_step(viewer *v) {
    if (v->current) fprintf(v->out, "]},\n");
    v->current = NULL;
}

static void on_contrib(const tg_node *n, int input, const tg_real *contrib, void *user) {
    viewer *v = user;
    FILE *out = v->out;
    char id[32];
    if (v->current != n) {
        close_step(v);
        tg__trace_header(&v->c, n, v->buf, TG__TRACE_BUF);
        fprintf(out, "{n:%zu,h:\"", tg__layout_item(v->c.m, n->out));
        js_str(out, v->buf);
        fprintf(out, "\",id:\"%s\",c:[", tg__show_id(v->c.m, n->out, id, sizeof id));
        v->current = n;
        v->any = false;
    }
    tg__trace_line(&v->c, n, input, contrib, v->buf, TG__TRACE_BUF);
    fprintf(out, "%s{x:%zu,l:\"", v->any ? "," : "", tg__layout_item(v->c.m, n->in[input]));
    js_str(out, v->buf);
    fprintf(out, "\",v:");
    js_vals(out, contrib, n->in[input]->size);
    fprintf(out, "}");
    v->any = true;
}

static const char style[] =
    "body{font:14px Helvetica,Arial,sans-serif;margin:12px;color:#222}"
    "#bar button{font-size:14px;margin-right:6px}"
    "#info{white-space:pre;font:13px monospace;background:#f6f6f6;padding:8px;min-height:4em}"
    "svg text{font:11px Helvetica,Arial,sans-serif}"
    ".it rect{fill:#fff;stroke:#555}.it.param rect{fill:#cfe2ff}"
    ".it.input rect{stroke-dasharray:4 3;stroke:#777}"
    ".it.done rect{fill:#eef7ee}.it.cur rect{fill:#ffe08a;stroke:#c60;stroke-width:2.5}"
    ".it.inp rect{stroke:#c60;stroke-width:2}"
    ".it.rec rect{fill:#f3ecff}.it.wrong rect{stroke:#d00000;stroke-width:3;fill:#ffd6d6}"
    ".it.wrong text{fill:#b00000}.it.wrong.cur rect{fill:#ffe08a;stroke:#d00000;stroke-width:4}"
    ".band rect{fill:none;stroke:#bbb;stroke-dasharray:6 4}.band.rec rect{fill:#faf7ff;stroke:#86c}"
    ".band text{font:bold 13px Helvetica,Arial,sans-serif;fill:#555}"
    ".gh{font-size:9px;fill:#777}#pane{overflow:auto;max-height:80vh;border:1px solid #ddd}"
    ".g{fill:#a33}path{fill:none;stroke:#888}\n";

/* The script: state k = steps done; grads[item] = running gradient (first values). */
static const char script[] =
    "(function(){\n"
    "var errs=0;window.addEventListener('error',function(){errs++;document.body.setAttribute('data-errors',errs);});\n"
    "function fmt(a){if(!a)return '-';var s=a.slice(0,P).map(function(x){return x===null?'nan':"
    "String(Number(x.toPrecision(D)));});if(a.length>P)s.push('...');return a.length==1?s[0]:'['+s.join(', ')+']';}\n"
    "var k=0,grads;\n"
    "function init(){grads={};for(var i in G0)grads[i]=G0[i].slice();"
    "if(ROOT>=0){var r=grads[ROOT]||SEED.map(function(){return 0;});grads[ROOT]=r.map(function(x,j){return x+SEED[j];});}}\n"
    "function apply(s){s.c.forEach(function(c){var g=grads[c.x]||c.v.map(function(){return 0;});"
    "grads[c.x]=g.map(function(x,j){return c.v[j]===null||x===null?null:x+c.v[j];});});}\n"
    "function el(i){return document.getElementById('it'+i);}\n"
    "function render(){var cur=k?STEPS[k-1]:null;\n"
    "document.querySelectorAll('.it').forEach(function(e){e.classList.remove('cur','inp');});\n"
    "for(var j=0;j<k;j++){var d=el(STEPS[j].n);if(d)d.classList.add('done');}\n"
    "document.querySelectorAll('.g').forEach(function(t){var i=t.getAttribute('data-i');"
    "t.textContent='grad '+fmt(grads[i]);});\n"
    "var info=document.getElementById('info');\n"
    "if(cur){var e=el(cur.n);if(e){e.classList.add('cur');if(e.scrollIntoView)e.scrollIntoView({block:'nearest',inline:'nearest'});}cur.c.forEach(function(c){var f=el(c.x);if(f)f.classList.add('inp');});"
    "info.textContent='step '+k+' of '+STEPS.length+': '+cur.h+'\\n'+cur.c.map(function(c){return c.l;}).join('\\n');}\n"
    "else info.textContent=k+' of '+STEPS.length+' steps: '+START;\n"
    "document.title='sweep '+k+'/'+STEPS.length+(cur?' '+cur.id:'');\n"
    "document.body.setAttribute('data-step',k);document.body.setAttribute('data-node',cur?cur.id:'');}\n"
    "function go(n){k=0;init();while(k<n&&k<STEPS.length){apply(STEPS[k]);k++;}render();}\n"
    "document.getElementById('step').addEventListener('click',function(){if(k<STEPS.length){apply(STEPS[k]);k++;render();}});\n"
    "document.getElementById('back').addEventListener('click',function(){go(k-1);});\n"
    "document.getElementById('reset').addEventListener('click',function(){go(0);});\n"
    "document.querySelectorAll('.it').forEach(function(e){e.addEventListener('mouseover',function(){"
    "document.getElementById('hover').textContent=e.getAttribute('data-fwd');});});\n"
    "var Z=1,svg=document.getElementById('graph'),W=+svg.getAttribute('data-w'),H=+svg.getAttribute('data-h');\n"
    "function zoom(z){Z=Math.max(0.05,Math.min(4,z));svg.setAttribute('width',Math.round(W*Z));"
    "svg.setAttribute('height',Math.round(H*Z));document.body.setAttribute('data-zoom',Z.toFixed(3));}\n"
    "document.getElementById('zin').addEventListener('click',function(){zoom(Z*1.25);});\n"
    "document.getElementById('zout').addEventListener('click',function(){zoom(Z/1.25);});\n"
    "document.getElementById('zfit').addEventListener('click',function(){"
    "zoom(Math.min(1,(document.getElementById('pane').clientWidth-4)/W));});\n"
    "zoom(1);go(0);\n"
    "if(/fit/.test(location.hash))document.getElementById('zfit').click();\n"
    "var m=/step=(\\d+)/.exec(location.hash);if(m)for(var i=0;i<+m[1];i++)document.getElementById('step').click();\n"
    "})();\n";

/* The short name on a box: a recorded sweep's node says whose derivative it
 * computes, "bwd n0 tanh" for "backward of tg_tanh (node 0)". */
static void box_name(const tg__show_map *m, const tg_tensor *x, char *nm, size_t cap) {
    tg__show_name(m, x, nm, cap);
    if (!tg__show_recorded(x)) return;
    const char *op = x->name + strlen(TG_GRAD_NAME_PREFIX), *at = strstr(op, " (node ");
    int len = at ? (int)(at - op) : (int)strlen(op);
    if (len > 3 && strncmp(op, "tg_", 3) == 0) op += 3, len -= 3;
    snprintf(nm, cap, "bwd n%d %.*s", at ? atoi(at + 7) : 0, len, op);
}

/* One tensor's box: id and name, op and shape, the running gradient (script). */
static void svg_item(FILE *out, const tg__show_map *m, size_t it, const tg__layout_xy *p,
                     const tg_show_opts *o) {
    const tg_tensor *x = it < m->n_leaves ? m->leaves[it] : m->nodes[it - m->n_leaves]->out;
    char id[32], nm[96], what[160], sh[128], v[TG__SHOW_BUF];
    const char *kind = it < m->n_leaves ? (m->leaf_kind[it] == 'p' ? "param" : "input") : "op";
    if (it < m->n_leaves) snprintf(what, sizeof what, "%s", kind);
    else tg__show_op(x->node, true, o, what, sizeof what);
    tg__show_id(m, x, id, sizeof id);
    box_name(m, x, nm, sizeof nm);
    tg_shape_str(x, sh, sizeof sh);
    bool wrong = it >= m->n_leaves && tg__show_marked(o, x->node);
    fprintf(out, "<g class=\"it %s%s%s\" id=\"it%zu\" data-fwd=\"", kind,
            it >= m->n_leaves && tg__show_second(m, x->node) ? " rec" : "", wrong ? " wrong" : "", it);
    fprintf(out, "%s ", id);
    html_str(out, nm);
    fprintf(out, "%s%s value ", nm[0] ? " " : "", sh);
    html_str(out, tg__show_vals(x->data, x->size, o, v, sizeof v));
    if (wrong) fprintf(out, "; WRONG derivative for input %d (tg_gradcheck_locate)", o->mark->input);
    fprintf(out, "\"><title>");
    html_str(out, id);
    fprintf(out, " value ");
    html_str(out, v);
    fprintf(out, "</title><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"6\"/>", p->x, p->y,
            TG__LAYOUT_W, TG__LAYOUT_H);
    fprintf(out, "<text x=\"%d\" y=\"%d\">", p->x + 6, p->y + 14);
    html_str(out, id);
    if (nm[0]) fputc(' ', out), html_str(out, nm);
    fprintf(out, "</text><text x=\"%d\" y=\"%d\">", p->x + 6, p->y + 29);
    html_str(out, what);
    fprintf(out, " %s%s</text><text class=\"g\" data-i=\"%zu\" x=\"%d\" y=\"%d\">grad</text></g>\n", sh,
            wrong ? " WRONG" : "", it, p->x + 6, p->y + 44);
}

/* An input further than GHOST_SPAN columns before its reader in the same strip, or
 * in another strip of the same band (a parameter read at every time step), is named
 * in small grey text above the reader ("<- W_h") instead of drawn as a long edge
 * across the page. Edges between the two bands are drawn. */
#define GHOST_SPAN 4

static bool far_apart(const tg__layout *L, const tg__layout_xy *a, const tg__layout_xy *b) {
    if (L->strips[a->strip].recorded != L->strips[b->strip].recorded) return false;
    return a->strip != b->strip || b->col - a->col > GHOST_SPAN;
}

static void svg_edges(FILE *out, const tg__show_map *m, const bool *shown, const tg__layout *L) {
    size_t nl = m->n_leaves;
    for (size_t id = 0; id < m->n_nodes; id++) {
        if (!shown[nl + id]) continue;
        const tg_node *nd = m->nodes[id];
        const tg__layout_xy *b = &L->xy[nl + id];
        int ghosts = 0;
        for (int i = 0; i < nd->n_in; i++) {
            const tg__layout_xy *a = &L->xy[tg__layout_item(m, nd->in[i])];
            if (far_apart(L, a, b)) {
                char nm[96];
                fprintf(out, ghosts++ ? ", " : "<text class=\"gh\" x=\"%d\" y=\"%d\">&#8592; ", b->x + 4, b->y - 4);
                html_str(out, tg__show_short(m, nd->in[i], nm, sizeof nm));
                continue;
            }
            int x0 = a->x + TG__LAYOUT_W, y0 = a->y + TG__LAYOUT_H / 2, x1 = b->x,
                y1 = b->y + TG__LAYOUT_H / 2;
            if (a->strip != b->strip) x0 = a->x + TG__LAYOUT_W / 2, y0 = a->y + TG__LAYOUT_H; /* down */
            fprintf(out, "<path d=\"M%d %d C%d %d %d %d %d %d\" marker-end=\"url(#arr)\"/>\n", x0, y0,
                    x0 + TG__LAYOUT_GAPX / 2, y0 + (a->strip != b->strip) * TG__LAYOUT_GAPS, x1 - TG__LAYOUT_GAPX / 2,
                    y1, x1, y1);
        }
        if (ghosts) fprintf(out, "</text>\n");
    }
}

/* The frame and heading of each band when a recorded sweep makes two. */
static void svg_bands(FILE *out, const tg__layout *L) {
    for (int s = 0; s < L->n_strips; s++) {
        if (!L->strips[s].heading) continue;
        int e = s + 1;
        while (e < L->n_strips && !L->strips[e].heading) e++;
        int y0 = L->strips[s].y - TG__LAYOUT_HEAD + 4, y1 = L->strips[e - 1].y + L->strips[e - 1].h + 8;
        fprintf(out, "<g class=\"band%s\"><rect x=\"4\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"10\"/>"
                     "<text x=\"12\" y=\"%d\">%s</text></g>\n",
                L->strips[s].recorded ? " rec" : "", y0, L->w - 8, y1 - y0, y0 + 16,
                L->strips[s].recorded ? TG__RECORDED_LAYER ": the nodes tg_grad recorded, and what follows them" : "forward pass");
    }
}

/* Writes everything up to the sweep's records; shown[] describes the drawing. */
static tg_status page_head(FILE *out, const tg__show_map *m, const bool *shown, const char *title,
                           const tg_show_opts *o) {
    size_t n = m->n_leaves + m->n_nodes;
    tg__layout L;
    tg_status st = tg__layout_build(m, shown, &L);
    if (st != TG_OK) return st;
    fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>");
    html_str(out, title);
    fprintf(out, "</title>\n<style>%s</style></head>\n<body>\n<h1>", style);
    html_str(out, title);
    fprintf(out, "</h1>\n<div id=\"bar\"><button id=\"reset\">reset</button><button id=\"back\">back</button>"
                 "<button id=\"step\">step</button> <button id=\"zout\">zoom &#8722;</button><button id=\"zin\">"
                 "zoom +</button><button id=\"zfit\">fit width</button> <span id=\"hover\">hover over a tensor "
                 "for its forward value</span></div>\n<div id=\"info\"></div>\n<div id=\"pane\">");
    fprintf(out, "<svg id=\"graph\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                 "data-w=\"%d\" data-h=\"%d\">\n"
                 "<defs><marker id=\"arr\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
                 "markerHeight=\"7\" orient=\"auto\"><path d=\"M0 0L10 5L0 10z\" fill=\"#888\"/></marker></defs>\n",
            L.w, L.h, L.w, L.h, L.w, L.h);
    svg_bands(out, &L);
    svg_edges(out, m, shown, &L);
    for (size_t it = 0; it < n; it++)
        if (shown[it]) svg_item(out, m, it, &L.xy[it], o);
    fprintf(out, "</svg></div>\n");
    tg__layout_free(&L);
    return TG_OK;
}

tg_status tg_tape_html(tg_tape *t, const char *path, const tg_html_opts *opts) {
    const char *fn = "tg_tape_html";
    if (!t || !path) return tg__error(TG_ERR_ARG, "%s: %s is NULL", fn, !t ? "tape" : "path");
    if (tg_tape_status(t) != TG_OK)
        return tg__error(tg_tape_status(t), "%s: the tape has failed earlier: %s", fn, tg_tape_message(t));
    tg_tensor *y = opts && opts->root ? opts->root : NULL;
    if (!y && tg_tape_last(t)) y = tg_tape_last(t)->out;
    if (!y) return tg__error(TG_ERR_STATE, "%s: the tape has no node to sweep from", fn);
    tg__show_map m;
    viewer v = {0};
    tg_status st = tg__trace_begin(&v.c, &m, t, y, opts ? &opts->show : NULL, fn);
    if (st != TG_OK) return st;
    size_t n = m.n_leaves + m.n_nodes;
    bool *shown = tg__calloc(n + 1, sizeof *shown);
    v.buf = tg__malloc(TG__TRACE_BUF);
    FILE *out = shown && v.buf ? fopen(path, "w") : NULL;
    if (!out) {
        st = shown && v.buf ? tg__error(TG_ERR_IO, "%s: cannot open '%s' for writing", fn, path)
                            : tg__error(TG_ERR_NOMEM, "%s: out of memory", fn);
        goto done;
    }
    for (size_t id = 0; id < m.n_nodes; id++) shown[m.n_leaves + id] = m.keep[id];
    for (size_t id = 0; id < m.n_nodes; id++)
        for (int i = 0; m.keep[id] && i < m.nodes[id]->n_in; i++) {
            size_t k = tg__show_leaf_index(&m, m.nodes[id]->in[i]);
            if (k != (size_t)-1) shown[k] = true;
        }
    st = page_head(out, &m, shown, opts && opts->title ? opts->title : "tapegrad: the backward sweep", &v.c.o);
    if (st != TG_OK) goto done;
    /* Gradients before the sweep (parameters accumulate), the seed, then the steps. */
    const tg_tensor *seed = opts ? opts->seed : NULL;
    fprintf(out, "<script>\nvar P=%d,D=%d,ROOT=%zu,START=\"", v.c.o.max_elems, v.c.o.precision,
            tg__layout_item(&m, y));
    js_str(out, "backward sweep from ");
    js_str(out, v.c.root);
    fprintf(out, "\";\nvar SEED=");
    if (seed && seed->size == y->size) js_vals(out, seed->data, seed->size);
    else fprintf(out, "[1]");
    fprintf(out, ";\nvar G0={");
    bool first = true;
    for (size_t k = 0; k < m.n_leaves; k++)
        if (shown[k] && m.leaves[k]->grad) {
            fprintf(out, "%s%zu:", first ? "" : ",", k);
            js_vals(out, m.leaves[k]->grad, m.leaves[k]->size);
            first = false;
        }
    fprintf(out, "};\nvar STEPS=[\n");
    v.out = out;
    tg_tape_set_trace(t, on_contrib, &v);
    st = tg_backward(t, y, seed);
    tg_tape_set_trace(t, NULL, NULL);
    close_step(&v);
    fprintf(out, "];\n%s</script>\n</body></html>\n", script);
    if (st != TG_OK) tg__error(st, "%s: %s", fn, tg_tape_message(t));
done:
    if (out && fclose(out) != 0 && st == TG_OK) st = tg__error(TG_ERR_IO, "%s: writing '%s' failed", fn, path);
    tg__free(shown);
    tg__free(v.buf);
    tg__show_map_free(&m);
    return st;
}
