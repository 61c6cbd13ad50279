/* Gherkin, the subset the openCypher TCK uses: read a .feature file into scenarios made of
 * steps, each step with its text and an optional doc string or table.
 *
 * The one idea: a Scenario Outline is expanded here, once, into one plain scenario per
 * Examples row (<name> replaced in step text, doc strings and table cells), and the
 * Background steps are copied in front of every scenario, so the runner only ever sees
 * flat lists of steps.
 *
 * Understood: '#' comment lines, @tags (ignored), Feature:, Background:, Scenario:,
 * Scenario Outline: / Scenario Template:, Examples: / Scenarios:, steps (Given, When, Then,
 * And, But, *), """ doc strings (indentation of the opening quotes removed) and | tables |
 * with Gherkin's cell escapes (\| is |, \\ is \, \n is a newline). */
#ifndef BSP_TCK_GHERKIN_H
#define BSP_TCK_GHERKIN_H

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char **cells;
    size_t n;
} gk_row;

typedef struct {
    gk_row *rows;
    size_t n;
} gk_table;

typedef struct {
    char *keyword; /* Given / When / Then / And / But / * */
    char *text;    /* after the keyword, trimmed */
    char *doc;     /* doc string or NULL */
    gk_table table;
    int line;
} gk_step;

typedef struct {
    char *name; /* for outlines: the outline's name + " #k" (k = 1-based example row) */
    gk_step *steps;
    size_t n;
    int line;
} gk_scenario;

typedef struct {
    char *name;
    gk_scenario *sc;
    size_t n;
    char err[200]; /* set when parsing failed */
} gk_feature;

static char *gk_strdup(const char *s) {
    char *d = strdup(s ? s : "");
    if (!d) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return d;
}

static void *gk_grow(void *p, size_t n, size_t elem) {
    void *q = realloc(p, (n + 1) * elem);
    if (!q) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    memset((char *)q + n * elem, 0, elem);
    return q;
}

static void gk_row_free(gk_row *r) {
    for (size_t c = 0; c < r->n; c++) free(r->cells[c]);
    free(r->cells);
    memset(r, 0, sizeof *r);
}

static void gk_table_free(gk_table *t) {
    for (size_t r = 0; r < t->n; r++) {
        for (size_t c = 0; c < t->rows[r].n; c++) free(t->rows[r].cells[c]);
        free(t->rows[r].cells);
    }
    free(t->rows);
    memset(t, 0, sizeof *t);
}

static void gk_steps_free(gk_step *s, size_t n) {
    for (size_t j = 0; j < n; j++) {
        free(s[j].keyword);
        free(s[j].text);
        free(s[j].doc);
        gk_table_free(&s[j].table);
    }
    free(s);
}

static void gk_feature_free(gk_feature *f) {
    for (size_t j = 0; j < f->n; j++) {
        free(f->sc[j].name);
        gk_steps_free(f->sc[j].steps, f->sc[j].n);
    }
    free(f->sc);
    free(f->name);
    memset(f, 0, sizeof *f);
}

/* Trim in place; returns the start. */
static char *gk_trim(char *s) {
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = 0;
    return s;
}

/* Split "| a | b\|c |" into unescaped, trimmed cells. */
static void gk_parse_row(const char *line, gk_row *row) {
    const char *p = strchr(line, '|');
    if (!p) return;
    p++;
    size_t cap = strlen(p) + 1;
    char *cell = malloc(cap);
    if (!cell) exit(2);
    size_t n = 0;
    while (*p && *p != '\n') {
        if (*p == '\\' && p[1]) {
            char e = p[1];
            if (e == '|') cell[n++] = '|';
            else if (e == '\\') cell[n++] = '\\';
            else if (e == 'n') cell[n++] = '\n';
            else { cell[n++] = '\\'; cell[n++] = e; }
            p += 2;
            continue;
        }
        if (*p == '|') {
            cell[n] = 0;
            /* trim the cell (escaped spaces do not exist in Gherkin) */
            char *s = cell;
            while (*s == ' ' || *s == '\t') s++;
            size_t len = strlen(s);
            while (len && (s[len - 1] == ' ' || s[len - 1] == '\t')) len--;
            row->cells = gk_grow(row->cells, row->n, sizeof *row->cells);
            row->cells[row->n] = strndup(s, len);
            if (!row->cells[row->n]) exit(2);
            row->n++;
            n = 0;
            p++;
            continue;
        }
        cell[n++] = *p++;
    }
    free(cell);
}

/* Replace every <key> of the examples header by the row's value. */
static char *gk_subst(const char *text, const gk_row *hdr, const gk_row *vals) {
    if (!text) return NULL;
    size_t cap = strlen(text) + 1, n = 0;
    for (size_t c = 0; c < hdr->n && c < vals->n; c++) cap += strlen(vals->cells[c]) * 8;
    char *out = malloc(cap + 64);
    if (!out) exit(2);
    const char *p = text;
    while (*p) {
        if (*p == '<') {
            int done = 0;
            for (size_t c = 0; c < hdr->n && c < vals->n && !done; c++) {
                size_t kl = strlen(hdr->cells[c]);
                if (!strncmp(p + 1, hdr->cells[c], kl) && p[1 + kl] == '>') {
                    size_t vl = strlen(vals->cells[c]);
                    if (n + vl + 1 > cap) {
                        cap = (n + vl + 1) * 2;
                        char *o2 = realloc(out, cap);
                        if (!o2) exit(2);
                        out = o2;
                    }
                    memcpy(out + n, vals->cells[c], vl);
                    n += vl;
                    p += kl + 2;
                    done = 1;
                }
            }
            if (done) continue;
        }
        if (n + 2 > cap) {
            cap = (n + 2) * 2;
            char *o2 = realloc(out, cap);
            if (!o2) exit(2);
            out = o2;
        }
        out[n++] = *p++;
    }
    out[n] = 0;
    return out;
}

static void gk_copy_steps(gk_scenario *dst, const gk_step *src, size_t n, const gk_row *hdr,
                          const gk_row *vals) {
    for (size_t j = 0; j < n; j++) {
        dst->steps = gk_grow(dst->steps, dst->n, sizeof *dst->steps);
        gk_step *d = &dst->steps[dst->n++];
        const gk_step *s = &src[j];
        d->keyword = gk_strdup(s->keyword);
        d->line = s->line;
        d->text = hdr ? gk_subst(s->text, hdr, vals) : gk_strdup(s->text);
        d->doc = s->doc ? (hdr ? gk_subst(s->doc, hdr, vals) : gk_strdup(s->doc)) : NULL;
        for (size_t r = 0; r < s->table.n; r++) {
            d->table.rows = gk_grow(d->table.rows, d->table.n, sizeof *d->table.rows);
            gk_row *dr = &d->table.rows[d->table.n++];
            for (size_t c = 0; c < s->table.rows[r].n; c++) {
                dr->cells = gk_grow(dr->cells, dr->n, sizeof *dr->cells);
                const char *cell = s->table.rows[r].cells[c];
                dr->cells[dr->n++] = hdr ? gk_subst(cell, hdr, vals) : gk_strdup(cell);
            }
        }
    }
}

static int gk_starts(const char *s, const char *prefix) {
    return !strncmp(s, prefix, strlen(prefix));
}

/* Parse the text of one feature file (NUL-terminated). Returns 0, or -1 with f->err. */
static int gk_parse(const char *text, gk_feature *f) {
    memset(f, 0, sizeof *f);
    char *buf = gk_strdup(text);
    /* split into lines */
    size_t nlines = 0;
    char **lines = NULL;
    for (char *p = buf; *p;) {
        lines = gk_grow(lines, nlines, sizeof *lines);
        lines[nlines++] = p;
        char *nl = strchr(p, '\n');
        if (!nl) break;
        *nl = 0;
        p = nl + 1;
    }
    enum { NONE, BACKGROUND, SCENARIO, OUTLINE, EXAMPLES } mode = NONE;
    gk_step *bg = NULL, *cur = NULL; /* background steps; current steps (scenario/outline) */
    size_t nbg = 0, ncur = 0;
    char *cur_name = NULL;
    int cur_line = 0, example_no = 0, rc = 0;
    gk_row ex_hdr = {0};
    int have_hdr = 0;

#define GK_FLUSH()                                                                     \
    do {                                                                               \
        if (mode == SCENARIO) {                                                        \
            f->sc = gk_grow(f->sc, f->n, sizeof *f->sc);                               \
            gk_scenario *s_ = &f->sc[f->n++];                                          \
            s_->name = gk_strdup(cur_name);                                            \
            s_->line = cur_line;                                                       \
            gk_copy_steps(s_, bg, nbg, NULL, NULL);                                    \
            gk_copy_steps(s_, cur, ncur, NULL, NULL);                                  \
        }                                                                              \
        if (mode == SCENARIO || mode == OUTLINE || mode == EXAMPLES) {                 \
            gk_steps_free(cur, ncur);                                                  \
            cur = NULL;                                                                \
            ncur = 0;                                                                  \
            free(cur_name);                                                            \
            cur_name = NULL;                                                           \
        }                                                                              \
        if (have_hdr) {                                                                \
            gk_row_free(&ex_hdr);                                    \
            memset(&ex_hdr, 0, sizeof ex_hdr);                                         \
            have_hdr = 0;                                                              \
        }                                                                              \
    } while (0)

    for (size_t li = 0; li < nlines && !rc; li++) {
        char *raw = lines[li];
        char *t = gk_trim(raw);
        if (!*t || *t == '#' || *t == '@') continue;
        if (gk_starts(t, "Feature:")) {
            free(f->name);
            f->name = gk_strdup(gk_trim(t + 8));
            continue;
        }
        if (gk_starts(t, "Background:")) {
            GK_FLUSH();
            mode = BACKGROUND;
            continue;
        }
        if (gk_starts(t, "Scenario Outline:") || gk_starts(t, "Scenario Template:")) {
            GK_FLUSH();
            mode = OUTLINE;
            cur_name = gk_strdup(gk_trim(strchr(t, ':') + 1));
            cur_line = (int)li + 1;
            example_no = 0;
            continue;
        }
        if (gk_starts(t, "Scenario:") || gk_starts(t, "Example:")) {
            GK_FLUSH();
            mode = SCENARIO;
            cur_name = gk_strdup(gk_trim(strchr(t, ':') + 1));
            cur_line = (int)li + 1;
            continue;
        }
        if (gk_starts(t, "Examples:") || gk_starts(t, "Scenarios:")) {
            if (mode != OUTLINE && mode != EXAMPLES) {
                snprintf(f->err, sizeof f->err, "line %zu: Examples outside a Scenario Outline", li + 1);
                rc = -1;
                break;
            }
            if (have_hdr) {
                gk_row_free(&ex_hdr);
                memset(&ex_hdr, 0, sizeof ex_hdr);
                have_hdr = 0;
            }
            mode = EXAMPLES;
            continue;
        }
        if (*t == '|') {
            gk_row row = {0};
            gk_parse_row(t, &row);
            if (mode == EXAMPLES) {
                if (!have_hdr) {
                    ex_hdr = row;
                    have_hdr = 1;
                    continue;
                }
                f->sc = gk_grow(f->sc, f->n, sizeof *f->sc);
                gk_scenario *s = &f->sc[f->n++];
                char nm[64];
                snprintf(nm, sizeof nm, " #%d", ++example_no);
                s->name = malloc(strlen(cur_name) + strlen(nm) + 1);
                if (!s->name) exit(2);
                strcpy(s->name, cur_name);
                strcat(s->name, nm);
                s->line = (int)li + 1;
                gk_copy_steps(s, bg, nbg, &ex_hdr, &row);
                gk_copy_steps(s, cur, ncur, &ex_hdr, &row);
                gk_row_free(&row);
                continue;
            }
            gk_step *st = mode == BACKGROUND ? (nbg ? &bg[nbg - 1] : NULL)
                                             : (ncur ? &cur[ncur - 1] : NULL);
            if (!st) {
                gk_row_free(&row);
                snprintf(f->err, sizeof f->err, "line %zu: a table row outside a step", li + 1);
                rc = -1;
                break;
            }
            st->table.rows = gk_grow(st->table.rows, st->table.n, sizeof *st->table.rows);
            st->table.rows[st->table.n++] = row;
            continue;
        }
        if (gk_starts(t, "\"\"\"") || gk_starts(t, "```")) {
            gk_step *st = mode == BACKGROUND ? (nbg ? &bg[nbg - 1] : NULL)
                                             : (ncur ? &cur[ncur - 1] : NULL);
            char fence[4];
            memcpy(fence, t, 3);
            fence[3] = 0;
            size_t indent = (size_t)(t - raw);
            size_t cap = 256, n = 0;
            char *doc = malloc(cap);
            if (!doc) exit(2);
            size_t lj = li + 1;
            int closed = 0;
            for (; lj < nlines; lj++) {
                char *l = lines[lj];
                const char *lt = l;
                while (*lt == ' ' || *lt == '\t') lt++;
                size_t lt_len = strlen(lt);
                while (lt_len && (lt[lt_len - 1] == '\r' || lt[lt_len - 1] == ' ')) lt_len--;
                if (lt_len == 3 && !strncmp(lt, fence, 3)) { closed = 1; break; }
                size_t skip = 0;
                while (skip < indent && (l[skip] == ' ' || l[skip] == '\t')) skip++;
                const char *body = l + skip;
                size_t bl = strlen(body);
                while (bl && body[bl - 1] == '\r') bl--;
                if (n + bl + 2 > cap) {
                    cap = (n + bl + 2) * 2;
                    char *d2 = realloc(doc, cap);
                    if (!d2) exit(2);
                    doc = d2;
                }
                if (n) doc[n++] = '\n';
                memcpy(doc + n, body, bl);
                n += bl;
            }
            doc[n] = 0;
            if (!closed || !st) {
                free(doc);
                snprintf(f->err, sizeof f->err, "line %zu: %s", li + 1,
                         !closed ? "unterminated doc string" : "a doc string outside a step");
                rc = -1;
                break;
            }
            free(st->doc);
            st->doc = doc;
            li = lj;
            continue;
        }
        static const char *const kws[] = {"Given ", "When ", "Then ", "And ", "But ", "* "};
        size_t k;
        for (k = 0; k < sizeof kws / sizeof *kws; k++)
            if (gk_starts(t, kws[k])) break;
        if (k < sizeof kws / sizeof *kws && (mode == BACKGROUND || mode == SCENARIO || mode == OUTLINE)) {
            gk_step **arr = mode == BACKGROUND ? &bg : &cur;
            size_t *na = mode == BACKGROUND ? &nbg : &ncur;
            *arr = gk_grow(*arr, *na, sizeof **arr);
            gk_step *st = &(*arr)[(*na)++];
            st->keyword = strndup(t, strlen(kws[k]) - 1);
            st->text = gk_strdup(gk_trim(t + strlen(kws[k])));
            st->line = (int)li + 1;
            continue;
        }
        if (mode == NONE || ((mode == SCENARIO || mode == OUTLINE) && !ncur) ||
            (mode == BACKGROUND && !nbg))
            continue; /* description text under Feature:, Scenario: or Background: */
        snprintf(f->err, sizeof f->err, "line %zu: cannot read '%.60s'", li + 1, t);
        rc = -1;
    }
    if (!rc) GK_FLUSH();
#undef GK_FLUSH
    if (rc) {
        gk_steps_free(cur, ncur);
        free(cur_name);
        if (have_hdr) gk_row_free(&ex_hdr);
    }
    gk_steps_free(bg, nbg);
    free(lines);
    free(buf);
    if (!f->name) f->name = gk_strdup("");
    return rc;
}

#endif
