/* The openCypher TCK runner: reads the TCK's Gherkin feature files, runs every scenario on
 * a fresh in-memory graph (bsp_cypher_open(NULL, ...)), compares results the way the TCK
 * specifies, and prints one FAIL line per failing scenario plus a pass count per feature
 * folder, for the target folder set, and in total (docs/tck.md).
 *
 * The one idea: the TCK's pass rate is a progress meter, not a gate, except for the
 * scenarios listed in tests/tck/passing.txt: those once passed, and this test fails when
 * any of them fails again (a regression). `--update` rewrites that list.
 *
 * Each scenario runs in a forked child by default (a crash or a hang in the engine then
 * costs one scenario, reported as such, not the run); `--no-isolate` runs in-process, the
 * default when BSP_SANITIZED is set (fast, and LeakSanitizer then sees every session).
 *
 *   tck_test_tck [--all] [--filter S] [--update] [--verbose] [--no-isolate|--isolate]
 *                [--timeout SECONDS] [--self-test] [--list] [--features DIR]
 * --list prints the selected scenario ids without running them. */
#include <dirent.h>
#include <jansson.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
#include <sanitizer/common_interface_defs.h>
#define TCK_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/common_interface_defs.h>
#define TCK_SANITIZED 1
#endif
#endif

#include "bindspace/cypher.h"
#include "bindspace/error.h"
#include "test.h"
#include "tck_gherkin.h"
#include "tck_value.h"

/* The folders the pass-rate target is measured over. */
static const char *const TARGET_FOLDERS[] = {
    "clauses/match", "clauses/match-where", "clauses/return", "clauses/return-orderby",
    "clauses/return-skip-limit", "clauses/with", "clauses/with-where", "clauses/with-orderBy",
    "clauses/with-skip-limit", "clauses/create", "clauses/unwind", "expressions/comparison",
    "expressions/boolean", "expressions/null", "expressions/aggregation",
    "expressions/literals", "expressions/string",
};
#define NTARGET (sizeof TARGET_FOLDERS / sizeof *TARGET_FOLDERS)

static struct {
    int all, update, verbose, isolate, self_test_only, list;
    unsigned timeout;
    const char *filter, *features;
} opt = {0, 0, 0, -1, 0, 0, 0, NULL, NULL};

static char g_features[PATH_MAX], g_graphs[PATH_MAX];
static int g_features_explicit; /* given by --features or $BSP_TCK_FEATURES */

/* snprintf whose truncation is accepted (paths and messages here are bounded by design). */
static void fmt(char *out, size_t cap, const char *f, ...) {
    va_list ap;
    va_start(ap, f);
    vsnprintf(out, cap, f, ap);
    va_end(ap);
}

/* ---- small string buffer ---- */

typedef struct {
    char *p;
    size_t n, cap;
} sbuf;

static void sb_add(sbuf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char tmp[512];
    int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (k < 0) return;
    size_t len = (size_t)k;
    const char *src = tmp;
    char *big = NULL;
    if (len >= sizeof tmp) {
        big = malloc(len + 1);
        if (!big) return;
        va_start(ap, fmt);
        vsnprintf(big, len + 1, fmt, ap);
        va_end(ap);
        src = big;
    }
    if (b->n + len + 1 > b->cap) {
        size_t nc = (b->n + len + 1) * 2;
        char *np = realloc(b->p, nc);
        if (!np) { free(big); return; }
        b->p = np;
        b->cap = nc;
    }
    memcpy(b->p + b->n, src, len + 1);
    b->n += len;
    free(big);
}

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    sbuf b = {0};
    char chunk[8192];
    size_t k;
    b.p = malloc(1);
    if (!b.p) { fclose(f); return NULL; }
    b.p[0] = 0;
    b.cap = 1;
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b.n + k + 1 > b.cap) {
            size_t nc = (b.n + k + 1) * 2;
            char *np = realloc(b.p, nc);
            if (!np) { free(b.p); fclose(f); return NULL; }
            b.p = np;
            b.cap = nc;
        }
        memcpy(b.p + b.n, chunk, k);
        b.n += k;
        b.p[b.n] = 0;
    }
    fclose(f);
    return b.p;
}

/* One line, at most max bytes, newlines shown as \n (for FAIL lines). */
static void one_line(const char *s, char *out, size_t max) {
    size_t n = 0;
    for (; *s && n + 3 < max; s++) {
        if (*s == '\n') { out[n++] = '\\'; out[n++] = 'n'; }
        else if (*s == '\r' || *s == '\t') out[n++] = ' ';
        else out[n++] = *s;
    }
    if (*s && max > 4) { n = n > max - 4 ? max - 4 : n; memcpy(out + n, "...", 3); n += 3; }
    out[n] = 0;
}

/* ---- running one scenario ---- */

typedef struct {
    bsp_cypher_session *s;
    bsp_cypher_param params[64];
    size_t nparams;
    bsp_cypher_result *res; /* of the last query (main or control) */
    int ran, failed;        /* a query ran; it failed (errmsg) */
    char errmsg[1024];
    bsp_cypher_stats stats; /* of the last main query */
    int have_stats;
} sc_state;

typedef struct {
    int ok;
    int weak; /* passed an error step on the class word alone: the detail code was not in
               * the engine's message (such passes are not added to passing.txt) */
    char reason[1024];
} sc_outcome;

static int fail(sc_outcome *o, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char tmp[4096];
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    one_line(tmp, o->reason, sizeof o->reason);
    o->ok = 0;
    return -1;
}

/* --verbose: show what the engine returned. */
static void dump_result(const bsp_cypher_result *r) {
    size_t nc = bsp_cypher_result_ncols(r), nr = bsp_cypher_result_nrows(r);
    printf("    result (%zu rows):", nr);
    for (size_t c = 0; c < nc; c++) printf(" %s%s", c ? "| " : "| ", bsp_cypher_result_colname(r, c));
    printf("%s\n", nc ? " |" : "");
    for (size_t i = 0; i < nr && i < 50; i++) {
        printf("      ");
        for (size_t c = 0; c < nc; c++) {
            const char *cell = bsp_cypher_result_cell(r, i, c);
            char shown[240];
            one_line(cell ? cell : "(no cell)", shown, sizeof shown);
            printf("| %s ", shown);
        }
        printf("|\n");
    }
    if (nr > 50) printf("      ...\n");
}

static int exec_query(sc_state *st, const char *q, int main_query) {
    if (st->res) {
        bsp_cypher_result_free(st->res);
        st->res = NULL;
    }
    st->ran = 1;
    st->failed = 0;
    st->errmsg[0] = 0;
    int rc = bsp_cypher_exec(st->s, q, st->params, st->nparams, &st->res);
    if (rc) {
        st->failed = 1;
        snprintf(st->errmsg, sizeof st->errmsg, "%s", bsp_errmsg());
        st->res = NULL;
        if (opt.verbose) printf("    error: %s\n", st->errmsg);
        return rc;
    }
    if (opt.verbose) dump_result(st->res);
    if (main_query) {
        bsp_cypher_result_stats(st->res, &st->stats);
        st->have_stats = 1;
    }
    return 0;
}

/* Run a setup statement; its result is dropped. */
static int exec_setup(sc_state *st, const char *q, sc_outcome *o, const char *what) {
    bsp_cypher_result *r = NULL;
    if (bsp_cypher_exec(st->s, q, st->params, st->nparams, &r))
        return fail(o, "%s failed: %s", what, bsp_errmsg());
    bsp_cypher_result_free(r);
    return 0;
}

/* "Given the binary-tree-1 graph": run the scripts its metadata file lists. */
static int load_named_graph(sc_state *st, const char *name, sc_outcome *o) {
    char path[PATH_MAX + 256];
    fmt(path, sizeof path, "%s/%s/%s.json", g_graphs, name, name);
    json_error_t jerr;
    json_t *meta = json_load_file(path, 0, &jerr);
    json_t *scripts = meta ? json_object_get(meta, "scripts") : NULL;
    if (!json_is_array(scripts)) {
        json_decref(meta);
        return fail(o, "named graph '%s': cannot read %s", name, path);
    }
    int rc = 0;
    for (size_t j = 0; j < json_array_size(scripts) && !rc; j++) {
        const char *sname = json_string_value(json_array_get(scripts, j));
        if (!sname) { rc = fail(o, "named graph '%s': bad scripts entry", name); break; }
        snprintf(path, sizeof path, "%s/%s/%s.cypher", g_graphs, name, sname);
        char *text = read_file(path);
        if (!text) { rc = fail(o, "named graph '%s': cannot read %s", name, path); break; }
        rc = exec_setup(st, text, o, "named graph script");
        free(text);
    }
    json_decref(meta);
    return rc;
}

static const char *result_cell(const bsp_cypher_result *r, size_t row, size_t col) {
    const char *c = bsp_cypher_result_cell(r, row, col);
    return c ? c : "(no cell)";
}

static void row_text(const bsp_cypher_result *r, size_t row, const size_t *map, size_t ncols,
                     sbuf *b) {
    sb_add(b, "|");
    for (size_t c = 0; c < ncols; c++) sb_add(b, " %s |", result_cell(r, row, map[c]));
}

static void exp_row_text(const gk_row *row, sbuf *b) {
    sb_add(b, "|");
    for (size_t c = 0; c < row->n; c++) sb_add(b, " %s |", row->cells[c]);
}

/* Compare the last result with the expected table (header row first). */
static int check_result(sc_state *st, const gk_table *t, int ordered, int lists_unordered,
                        sc_outcome *o) {
    if (!st->ran) return fail(o, "a result step without a query");
    if (st->failed) return fail(o, "query failed: %s", st->errmsg);
    if (t->n == 0) return fail(o, "expected table has no header");
    const gk_row *hdr = &t->rows[0];
    const bsp_cypher_result *r = st->res;
    size_t ncols = bsp_cypher_result_ncols(r), nrows = bsp_cypher_result_nrows(r);
    size_t nexp = t->n - 1;
    size_t map[64];
    if (hdr->n > 64) return fail(o, "too many columns");
    int cols_ok = ncols == hdr->n;
    for (size_t c = 0; c < hdr->n && cols_ok; c++) {
        size_t k;
        for (k = 0; k < ncols; k++)
            if (!strcmp(bsp_cypher_result_colname(r, k), hdr->cells[c])) break;
        if (k == ncols) cols_ok = 0;
        else map[c] = k;
    }
    if (!cols_ok) {
        sbuf b = {0};
        sb_add(&b, "columns [");
        for (size_t k = 0; k < ncols; k++)
            sb_add(&b, "%s%s", k ? ", " : "", bsp_cypher_result_colname(r, k));
        sb_add(&b, "], expected [");
        for (size_t c = 0; c < hdr->n; c++) sb_add(&b, "%s%s", c ? ", " : "", hdr->cells[c]);
        sb_add(&b, "]");
        fail(o, "%s", b.p);
        free(b.p);
        return -1;
    }
    /* parse every cell, both sides */
    size_t nc = hdr->n;
    tv *exp = calloc(nexp * nc + 1, sizeof *exp), *got = calloc(nrows * nc + 1, sizeof *got);
    char *used = calloc(nrows + 1, 1);
    int rc = 0;
    char err[200];
    if (!exp || !got || !used) { rc = fail(o, "out of memory"); goto out; }
    for (size_t i = 0; i < nexp && !rc; i++) {
        const gk_row *row = &t->rows[i + 1];
        if (row->n != nc) { rc = fail(o, "expected row %zu has %zu cells, header %zu", i + 1, row->n, nc); break; }
        for (size_t c = 0; c < nc && !rc; c++)
            if (tv_parse(row->cells[c], strlen(row->cells[c]), &exp[i * nc + c], err, sizeof err))
                rc = fail(o, "runner cannot read expected cell '%s': %s", row->cells[c], err);
    }
    for (size_t i = 0; i < nrows && !rc; i++)
        for (size_t c = 0; c < nc && !rc; c++) {
            const char *cell = result_cell(r, i, map[c]);
            if (tv_parse(cell, strlen(cell), &got[i * nc + c], err, sizeof err))
                rc = fail(o, "engine cell '%s' (row %zu, %s) is not a TCK value: %s", cell, i + 1,
                          hdr->cells[c], err);
        }
    if (rc) goto out;
    if (nrows != nexp) {
        sbuf b = {0};
        sb_add(&b, "%zu rows, expected %zu", nrows, nexp);
        if (nrows) { sb_add(&b, "; got "); row_text(r, 0, map, nc, &b); if (nrows > 1) sb_add(&b, " ..."); }
        if (nexp) { sb_add(&b, "; expected "); exp_row_text(&t->rows[1], &b); if (nexp > 1) sb_add(&b, " ..."); }
        rc = fail(o, "%s", b.p);
        free(b.p);
        goto out;
    }
    for (size_t i = 0; i < nexp && !rc; i++) {
        size_t found = SIZE_MAX;
        for (size_t j = ordered ? i : 0; j < (ordered ? i + 1 : nrows); j++) {
            if (used[j]) continue;
            size_t c;
            for (c = 0; c < nc; c++)
                if (!tv_equal(&exp[i * nc + c], &got[j * nc + c], lists_unordered)) break;
            if (c == nc) { found = j; break; }
        }
        if (found == SIZE_MAX) {
            sbuf b = {0};
            if (ordered) {
                sb_add(&b, "row %zu is ", i + 1);
                row_text(r, i, map, nc, &b);
                sb_add(&b, ", expected ");
                exp_row_text(&t->rows[i + 1], &b);
            } else {
                sb_add(&b, "expected row ");
                exp_row_text(&t->rows[i + 1], &b);
                sb_add(&b, " not in the result");
                for (size_t j = 0; j < nrows; j++)
                    if (!used[j]) {
                        sb_add(&b, "; unmatched: ");
                        row_text(r, j, map, nc, &b);
                        break;
                    }
            }
            rc = fail(o, "%s", b.p);
            free(b.p);
        } else {
            used[found] = 1;
        }
    }
out:
    if (exp) for (size_t k = 0; k < nexp * nc; k++) tv_free(&exp[k]);
    if (got) for (size_t k = 0; k < nrows * nc; k++) tv_free(&got[k]);
    free(exp);
    free(got);
    free(used);
    return rc;
}

static int check_side_effects(sc_state *st, const gk_table *t, sc_outcome *o) {
    if (!st->ran) return fail(o, "a side-effects step without a query");
    if (st->failed) return fail(o, "query failed: %s", st->errmsg);
    if (!st->have_stats) return fail(o, "no statistics");
    static const char *const keys[] = {"+nodes", "-nodes", "+relationships", "-relationships",
                                       "+labels", "-labels", "+properties", "-properties"};
    long long want[8] = {0};
    for (size_t r = 0; t && r < t->n; r++) {
        if (t->rows[r].n != 2) return fail(o, "side-effects row with %zu cells", t->rows[r].n);
        size_t k;
        for (k = 0; k < 8; k++)
            if (!strcmp(t->rows[r].cells[0], keys[k])) break;
        if (k == 8) return fail(o, "unknown side effect '%s'", t->rows[r].cells[0]);
        want[k] = atoll(t->rows[r].cells[1]);
    }
    const bsp_cypher_stats *s = &st->stats;
    long long got[8] = {(long long)s->nodes_created, (long long)s->nodes_deleted,
                        (long long)s->rels_created,  (long long)s->rels_deleted,
                        (long long)s->labels_added,  (long long)s->labels_removed,
                        (long long)s->props_set,     want[7] /* not reported: not compared */};
    sbuf b = {0};
    for (int k = 0; k < 8; k++)
        if (got[k] != want[k]) sb_add(&b, "%s%s %lld (expected %lld)", b.n ? ", " : "", keys[k], got[k], want[k]);
    int rc = 0;
    if (b.n) rc = fail(o, "side effects: %s", b.p);
    free(b.p);
    return rc;
}

/* "a SyntaxError should be raised at compile time: InvalidArgumentType": the class word
 * decides (docs/tck.md); when the detail code is missing from the message the pass is
 * weak. The phase is not compared. */
static int check_error(sc_state *st, const char *text, sc_outcome *o) {
    const char *p = text + 2; /* after "a " */
    const char *sp = strstr(p, " should be raised");
    if (!sp) return fail(o, "cannot read the error step '%s'", text);
    char cls[64];
    snprintf(cls, sizeof cls, "%.*s", (int)(sp - p), p);
    if (!st->ran) return fail(o, "an error step without a query");
    if (!st->failed)
        return fail(o, "expected %s (%s), but the query succeeded with %zu rows", cls,
                    sp + strlen(" should be raised at "), bsp_cypher_result_nrows(st->res));
    size_t cl = strlen(cls);
    if (strncmp(st->errmsg, cls, cl) || st->errmsg[cl] != ':')
        return fail(o, "expected %s, got: %s", cls, st->errmsg);
    const char *colon = strchr(sp + strlen(" should be raised at "), ':');
    if (colon) {
        char detail[128];
        snprintf(detail, sizeof detail, "%s", colon + 1);
        char *d = gk_trim(detail);
        if (*d && strcmp(d, "*") && !strstr(st->errmsg + cl, d)) o->weak = 1;
    }
    return 0;
}

static void run_steps(const gk_scenario *sc, sc_outcome *o) {
    sc_state st;
    memset(&st, 0, sizeof st);
    o->ok = 1;
    o->weak = 0;
    o->reason[0] = 0;
    if (bsp_cypher_open(NULL, &st.s)) {
        fail(o, "bsp_cypher_open failed: %s", bsp_errmsg());
        return;
    }
    for (size_t j = 0; j < sc->n && o->ok; j++) {
        const gk_step *step = &sc->steps[j];
        const char *t = step->text;
        char name[128];
        if (!strcmp(t, "an empty graph") || !strcmp(t, "any graph")) {
            /* a fresh session is an empty graph */
        } else if (!strncmp(t, "the ", 4) && strlen(t) > 10 && strlen(t) < 120 &&
                   !strcmp(t + strlen(t) - 6, " graph")) {
            snprintf(name, sizeof name, "%.*s", (int)(strlen(t) - 10), t + 4);
            load_named_graph(&st, name, o);
        } else if (!strcmp(t, "having executed:")) {
            if (!step->doc) fail(o, "'having executed' without a query");
            else exec_setup(&st, step->doc, o, "setup query");
        } else if (!strcmp(t, "parameters are:")) {
            for (size_t r = 0; r < step->table.n && o->ok; r++) {
                const gk_row *row = &step->table.rows[r];
                if (row->n != 2) { fail(o, "a parameter row needs 2 cells"); break; }
                if (st.nparams == sizeof st.params / sizeof *st.params) { fail(o, "too many parameters"); break; }
                st.params[st.nparams].name = row->cells[0];
                st.params[st.nparams].literal = row->cells[1];
                st.nparams++;
            }
        } else if (!strcmp(t, "executing query:") || !strcmp(t, "executing control query:")) {
            if (!step->doc) fail(o, "'%s' without a query", t);
            else exec_query(&st, step->doc, t[10] == 'q');
        } else if (!strcmp(t, "the result should be empty")) {
            if (!st.ran) fail(o, "a result step without a query");
            else if (st.failed) fail(o, "query failed: %s", st.errmsg);
            else if (bsp_cypher_result_nrows(st.res) != 0) {
                sbuf b = {0};
                size_t nc = bsp_cypher_result_ncols(st.res), map[64];
                for (size_t c = 0; c < nc && c < 64; c++) map[c] = c;
                row_text(st.res, 0, map, nc < 64 ? nc : 64, &b);
                fail(o, "%zu rows, expected none; first %s", bsp_cypher_result_nrows(st.res), b.p);
                free(b.p);
            }
        } else if (!strncmp(t, "the result should be", 20)) {
            int ordered = strstr(t, "in order") != NULL;
            int lists_unordered = strstr(t, "ignoring element order for lists") != NULL;
            check_result(&st, &step->table, ordered, lists_unordered, o);
        } else if (!strncmp(t, "a ", 2) && strstr(t, " should be raised at ")) {
            check_error(&st, t, o);
        } else if (!strcmp(t, "no side effects")) {
            check_side_effects(&st, NULL, o);
        } else if (!strcmp(t, "the side effects should be:")) {
            check_side_effects(&st, &step->table, o);
        } else {
            fail(o, "unsupported step '%s %s'", step->keyword, t);
        }
    }
    if (st.res) bsp_cypher_result_free(st.res);
    bsp_cypher_close(st.s);
}

/* ---- isolation and time limits ---- */

/* In-process runs name the scenario that crashed: the signal handler (or, under the
 * sanitizers, their death callback) prints it before the process dies. */
static const char *volatile g_current_id;

static void say_current(void) {
    const char *id = g_current_id;
    if (!id) return;
    g_current_id = NULL; /* once, though both the death callback and SIGABRT may call */
    static const char pre[] = "\nCRASH in scenario ";
    ssize_t w = write(2, pre, sizeof pre - 1);
    w = write(2, id, strlen(id));
    w = write(2, "\n", 1);
    (void)w;
}

static void on_crash(int sig) {
    say_current();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install_crash_reporting(void) {
#ifdef TCK_SANITIZED
    __sanitizer_set_death_callback(say_current);
    signal(SIGABRT, on_crash);
#else
    int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (size_t j = 0; j < sizeof sigs / sizeof *sigs; j++) signal(sigs[j], on_crash);
#endif
}

static sigjmp_buf g_alarm_jmp;
static void on_alarm(int sig) {
    (void)sig;
    siglongjmp(g_alarm_jmp, 1);
}

static void run_inprocess(const gk_scenario *sc, sc_outcome *o) {
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, &old);
    if (sigsetjmp(g_alarm_jmp, 1) == 0) {
        alarm(opt.timeout);
        run_steps(sc, o);
        alarm(0);
    } else { /* the abandoned session leaks: a hang is a bug worth the leak */
        o->ok = 0;
        snprintf(o->reason, sizeof o->reason, "timeout after %u s (in-process; state abandoned)", opt.timeout);
    }
    sigaction(SIGALRM, &old, NULL);
}

static void run_isolated(const gk_scenario *sc, sc_outcome *o) {
    int fds[2];
    fflush(stdout);
    fflush(stderr);
    if (pipe(fds)) { run_inprocess(sc, o); return; }
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        run_inprocess(sc, o);
        return;
    }
    if (pid == 0) {
        close(fds[0]);
        signal(SIGALRM, SIG_DFL);
        alarm(opt.timeout);
        run_steps(sc, o);
        fflush(stdout); /* --verbose output; _exit below does not flush */
        char msg[sizeof o->reason + 2];
        int n = snprintf(msg, sizeof msg, "%c%s", o->ok ? (o->weak ? 'W' : 'P') : 'F', o->reason);
        ssize_t w = write(fds[1], msg, (size_t)n);
        (void)w;
        _exit(0); /* no atexit handlers, no stdio flush: the parent owns those */
    }
    close(fds[1]);
    char msg[sizeof o->reason + 2];
    size_t n = 0;
    for (;;) {
        ssize_t k = read(fds[0], msg + n, sizeof msg - 1 - n);
        if (k > 0) { n += (size_t)k; if (n == sizeof msg - 1) break; continue; }
        if (k < 0 && errno == EINTR) continue;
        break;
    }
    close(fds[0]);
    msg[n] = 0;
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (n > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        o->ok = msg[0] == 'P' || msg[0] == 'W';
        o->weak = msg[0] == 'W';
        fmt(o->reason, sizeof o->reason, "%s", msg + 1);
        return;
    }
    o->ok = 0;
    o->weak = 0;
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
        snprintf(o->reason, sizeof o->reason, "timeout after %u s", opt.timeout);
    else if (WIFSIGNALED(status))
        snprintf(o->reason, sizeof o->reason, "CRASH: engine died with signal %d (%s)",
                 WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
        snprintf(o->reason, sizeof o->reason, "CRASH: engine exited with status %d",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* ---- feature discovery ---- */

typedef struct {
    char **p;
    size_t n;
} strlist;

static void sl_add(strlist *l, const char *s) {
    l->p = gk_grow(l->p, l->n, sizeof *l->p);
    l->p[l->n++] = gk_strdup(s);
}
static void sl_free(strlist *l) {
    for (size_t j = 0; j < l->n; j++) free(l->p[j]);
    free(l->p);
    memset(l, 0, sizeof *l);
}
static int sl_has_sorted(const strlist *l, const char *s) {
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(l->p[mid], s);
        if (!c) return 1;
        if (c < 0) lo = mid + 1; else hi = mid;
    }
    return 0;
}

/* Collect feature files under dir (relative paths from the features root). */
static void find_features(const char *root, const char *rel, strlist *out) {
    char path[PATH_MAX];
    fmt(path, sizeof path, "%s%s%s", root, *rel ? "/" : "", rel);
    DIR *d = opendir(path);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char sub[PATH_MAX], full[PATH_MAX * 2];
        snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
        snprintf(full, sizeof full, "%s/%s", root, sub);
        struct stat stt;
        if (stat(full, &stt)) continue;
        if (S_ISDIR(stt.st_mode)) find_features(root, sub, out);
        else if (strlen(sub) > 8 && !strcmp(sub + strlen(sub) - 8, ".feature")) sl_add(out, sub);
    }
    closedir(d);
}

static int is_dir(const char *p) {
    struct stat stt;
    return !stat(p, &stt) && S_ISDIR(stt.st_mode);
}

/* The features folder: --features, $BSP_TCK_FEATURES, else shared/tck/features found by
 * walking up from $BSP_SOURCE_DIR (a worktree may sit deeper than ../) or from this file. */
static int locate_features(void) {
    const char *explicit_dir = opt.features ? opt.features : getenv("BSP_TCK_FEATURES");
    if (explicit_dir) {
        if (!is_dir(explicit_dir)) return -1;
        g_features_explicit = 1;
        snprintf(g_features, sizeof g_features, "%s", explicit_dir);
    } else {
        const char *starts[2] = {getenv("BSP_SOURCE_DIR"), __FILE__};
        int found = 0;
        for (int s = 0; s < 2 && !found; s++) {
            if (!starts[s] || starts[s][0] != '/') continue;
            char dir[PATH_MAX];
            snprintf(dir, sizeof dir, "%s", starts[s]);
            for (int up = 0; up < 6 && !found; up++) {
                char cand[PATH_MAX + 32];
                snprintf(cand, sizeof cand, "%s/shared/tck/features", dir);
                if (is_dir(cand)) {
                    fmt(g_features, sizeof g_features, "%s", cand);
                    found = 1;
                }
                char *slash = strrchr(dir, '/');
                if (!slash || slash == dir) break;
                *slash = 0;
            }
        }
        if (!found) return -1;
    }
    char tmp[PATH_MAX];
    if (realpath(g_features, tmp)) fmt(g_features, sizeof g_features, "%s", tmp);
    fmt(g_graphs, sizeof g_graphs, "%s/../graphs", g_features);
    return 0;
}

static int cmp_strp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_target_folder(const char *folder) {
    for (size_t k = 0; k < NTARGET; k++)
        if (!strcmp(folder, TARGET_FOLDERS[k])) return 1;
    return 0;
}

/* ---- passing.txt ---- */

static void passing_path(char *out, size_t cap) {
    const char *src = getenv("BSP_SOURCE_DIR");
    if (src) {
        snprintf(out, cap, "%s/tests/tck/passing.txt", src);
    } else { /* next to this source file */
        snprintf(out, cap, "%s", __FILE__);
        char *slash = strrchr(out, '/');
        if (slash) snprintf(slash + 1, cap - (size_t)(slash + 1 - out), "passing.txt");
        else snprintf(out, cap, "passing.txt");
    }
}

static void load_passing(const char *path, strlist *out) {
    char *text = read_file(path);
    if (!text) return;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char *t = gk_trim(line);
        if (*t && *t != '#') sl_add(out, t);
    }
    free(text);
    if (out->n > 1) qsort(out->p, out->n, sizeof *out->p, cmp_strp);
}

/* ---- the run ---- */

typedef struct {
    char folder[256];
    int passed, total;
    int err_passed, err_total; /* of those, scenarios that expect an error */
    int err_weak;              /* error passes without the detail code in the message */
} folder_stat;

/* A query calling rand() (the quantifier property scenarios) may pass or fail by chance
 * on a buggy engine: such scenarios are never added to passing.txt. */
static int nondeterministic(const gk_scenario *sc) {
    for (size_t j = 0; j < sc->n; j++)
        if (sc->steps[j].doc && strcasestr(sc->steps[j].doc, "rand()")) return 1;
    return 0;
}

static int expects_error(const gk_scenario *sc) {
    for (size_t j = 0; j < sc->n; j++)
        if (!strncmp(sc->steps[j].text, "a ", 2) && strstr(sc->steps[j].text, " should be raised at "))
            return 1;
    return 0;
}

static void print_stat_line(const char *label, const folder_stat *f) {
    printf("  %-40s %4d/%-4d (%5.1f%%)   expect-error %d/%d", label, f->passed, f->total,
           f->total ? 100.0 * f->passed / f->total : 0.0, f->err_passed, f->err_total);
    if (f->err_weak) printf(" (%d without the detail code)", f->err_weak);
    printf("\n");
}

static void stat_add(folder_stat *sum, const folder_stat *f) {
    sum->passed += f->passed;
    sum->total += f->total;
    sum->err_passed += f->err_passed;
    sum->err_total += f->err_total;
    sum->err_weak += f->err_weak;
}

static int cmp_folder(const void *a, const void *b) {
    return strcmp(((const folder_stat *)a)->folder, ((const folder_stat *)b)->folder);
}

static int run_tck(void) {
    if (!opt.isolate) install_crash_reporting();
    strlist files = {0};
    find_features(g_features, "", &files);
    if (files.n > 1) qsort(files.p, files.n, sizeof *files.p, cmp_strp);
    char ppath[PATH_MAX + 64];
    passing_path(ppath, sizeof ppath);
    strlist passing = {0}, ran = {0}, passed_now = {0};
    load_passing(ppath, &passing);

    folder_stat *fs = NULL;
    size_t nfs = 0;
    int regressions = 0, newly = 0, crashes = 0, parse_errors = 0, guard_only = 0;
    time_t t0 = time(NULL);
    for (size_t fi = 0; fi < files.n; fi++) {
        char folder[256];
        snprintf(folder, sizeof folder, "%s", files.p[fi]);
        char *slash = strrchr(folder, '/');
        if (slash) *slash = 0; else folder[0] = 0;
        /* outside the selected folders, only scenarios listed in passing.txt run (the
         * regression guard covers every listed scenario; the table does not count them) */
        int in_scope = opt.all || is_target_folder(folder);
        if (!in_scope) {
            size_t fl = strlen(files.p[fi]), j;
            for (j = 0; j < passing.n; j++)
                if (!strncmp(passing.p[j], files.p[fi], fl) && passing.p[j][fl] == ' ') break;
            if (j == passing.n) continue;
        }
        char path[PATH_MAX * 2];
        snprintf(path, sizeof path, "%s/%s", g_features, files.p[fi]);
        char *text = read_file(path);
        gk_feature f;
        if (!text || gk_parse(text, &f)) {
            printf("ERROR %s: %s\n", files.p[fi], text ? f.err : "cannot read");
            parse_errors++;
            if (text) gk_feature_free(&f);
            free(text);
            continue;
        }
        free(text);
        for (size_t si = 0; si < f.n; si++) {
            char id[1024];
            snprintf(id, sizeof id, "%s %s", files.p[fi], f.sc[si].name);
            for (size_t k = 0; k < si; k++) /* keep ids unique within a file */
                if (!strcmp(f.sc[k].name, f.sc[si].name)) {
                    snprintf(id, sizeof id, "%s %s (line %d)", files.p[fi], f.sc[si].name, f.sc[si].line);
                    break;
                }
            if (opt.filter && !strstr(id, opt.filter)) continue;
            int listed = sl_has_sorted(&passing, id);
            if (!in_scope && !listed) continue;
            size_t k;
            for (k = 0; k < nfs; k++)
                if (!strcmp(fs[k].folder, folder)) break;
            if (k == nfs && in_scope) {
                fs = gk_grow(fs, nfs, sizeof *fs);
                snprintf(fs[nfs++].folder, sizeof fs->folder, "%s", folder);
            }
            if (opt.list) {
                printf("%s\n", id);
                for (size_t j = 0; opt.verbose && j < f.sc[si].n; j++) {
                    const gk_step *stp = &f.sc[si].steps[j];
                    printf("    %s %s\n", stp->keyword, stp->text);
                    if (stp->doc) printf("      \"\"\"\n%s\n      \"\"\"\n", stp->doc);
                    for (size_t r = 0; r < stp->table.n; r++) {
                        printf("      |");
                        for (size_t c = 0; c < stp->table.rows[r].n; c++)
                            printf(" %s |", stp->table.rows[r].cells[c]);
                        printf("\n");
                    }
                }
                if (in_scope) fs[k].total++;
                continue;
            }
            sc_outcome o;
            if (opt.verbose) {
                printf("== %s\n", id);
                fflush(stdout);
            }
            g_current_id = id;
            if (opt.isolate) run_isolated(&f.sc[si], &o);
            else run_inprocess(&f.sc[si], &o);
            g_current_id = NULL;
            int experr = expects_error(&f.sc[si]);
            if (in_scope) {
                fs[k].total++;
                fs[k].err_total += experr;
            } else {
                guard_only++;
            }
            sl_add(&ran, id);
            if (o.ok) {
                if (in_scope) {
                    fs[k].passed++;
                    fs[k].err_passed += experr;
                    fs[k].err_weak += o.weak;
                }
                if (!o.weak && !nondeterministic(&f.sc[si])) {
                    sl_add(&passed_now, id);
                    if (!listed) newly++;
                } else if (opt.verbose) {
                    printf("weak pass (detail code not in the message) %s\n", id);
                }
            } else {
                if (!strncmp(o.reason, "CRASH", 5)) crashes++;
                printf("FAIL %s: %s\n", id, o.reason);
                if (listed) {
                    printf("REGRESSION %s (listed in tests/tck/passing.txt)\n", id);
                    regressions++;
                }
            }
            if (opt.verbose && o.ok) printf("pass %s\n", id);
            fflush(stdout);
        }
        gk_feature_free(&f);
    }

    /* the table */
    if (nfs > 1) qsort(fs, nfs, sizeof *fs, cmp_folder);
    folder_stat all = {{0}, 0, 0, 0, 0, 0}, target = {{0}, 0, 0, 0, 0, 0};
    printf("\nopenCypher TCK (%s), %ld s\n", g_features, (long)(time(NULL) - t0));
    for (size_t k = 0; k < nfs; k++) {
        print_stat_line(fs[k].folder, &fs[k]);
        stat_add(&all, &fs[k]);
        if (is_target_folder(fs[k].folder)) stat_add(&target, &fs[k]);
    }
    print_stat_line("TCK target folders (17, goal 70%)", &target);
    print_stat_line("TCK all run", &all);
    if (guard_only)
        printf("  %d listed scenario(s) outside these folders also ran (regression guard only)\n", guard_only);
    if (crashes) printf("  %d scenario(s) crashed the engine (see CRASH above)\n", crashes);
    if (parse_errors) printf("  %d feature file(s) could not be read (see ERROR above)\n", parse_errors);

    int rc = 0;
    if (opt.update) {
        if (ran.n > 1) qsort(ran.p, ran.n, sizeof *ran.p, cmp_strp);
        strlist out = {0};
        for (size_t j = 0; j < passing.n; j++) /* keep entries this run did not cover */
            if (!sl_has_sorted(&ran, passing.p[j])) sl_add(&out, passing.p[j]);
        for (size_t j = 0; j < passed_now.n; j++) sl_add(&out, passed_now.p[j]);
        if (out.n > 1) qsort(out.p, out.n, sizeof *out.p, cmp_strp);
        FILE *pf = fopen(ppath, "w");
        if (!pf) {
            printf("cannot write %s\n", ppath);
            rc = 1;
        } else {
            fprintf(pf, "# TCK scenarios known to pass (tests/tck/test_tck.c fails if one of them\n"
                        "# fails again). Rewrite with: build/tck_test_tck --update [--all]\n");
            for (size_t j = 0; j < out.n; j++) fprintf(pf, "%s\n", out.p[j]);
            fclose(pf);
            printf("wrote %zu scenario ids to %s\n", out.n, ppath);
        }
        sl_free(&out);
    } else {
        if (newly) printf("  %d passing scenario(s) not yet in tests/tck/passing.txt (run with --update)\n", newly);
        if (regressions) {
            printf("  %d REGRESSION(S): scenarios in tests/tck/passing.txt fail again\n", regressions);
            rc = 1;
        }
    }
    if (parse_errors) rc = 1;
    free(fs);
    sl_free(&files);
    sl_free(&passing);
    sl_free(&ran);
    sl_free(&passed_now);
    return rc;
}

/* ---- self-tests: the parsers and the comparison, no engine needed ---- */

static int veq(const char *a, const char *b, int unordered) {
    tv x, y;
    char err[200];
    if (tv_parse(a, strlen(a), &x, err, sizeof err)) {
        fprintf(stderr, "  cannot parse '%s': %s\n", a, err);
        return -1;
    }
    if (tv_parse(b, strlen(b), &y, err, sizeof err)) {
        fprintf(stderr, "  cannot parse '%s': %s\n", b, err);
        tv_free(&x);
        return -1;
    }
    int eq = tv_equal(&x, &y, unordered);
    tv_free(&x);
    tv_free(&y);
    return eq;
}

static int vbad(const char *a) {
    tv x;
    char err[200];
    if (tv_parse(a, strlen(a), &x, err, sizeof err)) return 1;
    tv_free(&x);
    return 0;
}

static void test_values_scalars(void) {
    CHECK(veq("null", "null", 0) == 1);
    CHECK(veq("true", "true", 0) == 1);
    CHECK(veq("true", "false", 0) == 0);
    CHECK(veq("1", "1", 0) == 1);
    CHECK(veq("1", "1.0", 0) == 0);            /* Integer vs Float */
    CHECK(veq("1.0", "1.00", 0) == 1);
    CHECK(veq("1e3", "1000.0", 0) == 1);
    CHECK(veq("1000", "1e3", 0) == 0);
    CHECK(veq("-0.5", "-.5", 0) == 1);
    CHECK(veq("NaN", "NaN", 0) == 1);
    CHECK(veq("NaN", "1.0", 0) == 0);
    CHECK(veq("Infinity", "inf", 0) == 1);
    CHECK(veq("-Infinity", "Infinity", 0) == 0);
    CHECK(veq("1.2635418652381264e305", "1.2635418652381264E+305", 0) == 1);
    CHECK(veq("-9223372036854775808", "-9223372036854775808", 0) == 1);
    CHECK(veq("0x1F", "31", 0) == 1);
    CHECK(vbad("9223372036854775808"));
    CHECK(veq("'a'", "\"a\"", 0) == 1);
    CHECK(veq("'1'", "1", 0) == 0);
    CHECK(veq("'\\''", "\"'\"", 0) == 1);
    CHECK(veq("'a\\\\b'", "'a\\u005cb'", 0) == 1);
    CHECK(veq("'\\u00e9'", "'\xc3\xa9'", 0) == 1);
    CHECK(veq("'\\ud83e\\uddd0'", "'\xf0\x9f\xa7\x90'", 0) == 1);
    CHECK(veq("'\\n'", "'\n'", 0) == 1);
    CHECK(veq("''", "''", 0) == 1);
    CHECK(veq("'a'", "'A'", 0) == 0);
    CHECK(vbad("'abc"));
    CHECK(vbad("1 2"));
    CHECK(vbad(""));
    CHECK(vbad("nope"));
}

static void test_values_structures(void) {
    CHECK(veq("[1, 2]", "[1,2]", 0) == 1);
    CHECK(veq("[1, 2]", "[2, 1]", 0) == 0);
    CHECK(veq("[1, 2]", "[2, 1]", 1) == 1);      /* ignoring element order for lists */
    CHECK(veq("[1, 1, 2]", "[1, 2, 2]", 1) == 0); /* multisets, not sets */
    CHECK(veq("[[1, 2], 3]", "[3, [2, 1]]", 1) == 1);
    CHECK(veq("[]", "[ ]", 0) == 1);
    CHECK(veq("[]", "[null]", 0) == 0);
    CHECK(veq("{a: 1, b: 'x'}", "{b: 'x', a: 1}", 0) == 1);
    CHECK(veq("{a: 1}", "{a: 1, b: null}", 0) == 0);
    CHECK(veq("{`a b`: 1}", "{`a b`:1}", 0) == 1);
    CHECK(veq("{}", "{ }", 0) == 1);
    CHECK(vbad("{a: 1, a: 2}"));
    CHECK(veq("(:A:B {num: 1})", "(:B:A {num: 1})", 0) == 1);
    CHECK(veq("(:A)", "(:A {})", 0) == 1);
    CHECK(veq("(:A)", "(:B)", 0) == 0);
    CHECK(veq("(:A)", "(:A {num: 1})", 0) == 0);
    CHECK(veq("()", "( )", 0) == 1);
    CHECK(veq("(n:A)", "(:A)", 0) == 1);
    CHECK(veq("[:T]", "[:T {}]", 0) == 1);
    CHECK(veq("[:T {k: 'v'}]", "[:T {k: 'v'}]", 0) == 1);
    CHECK(veq("[:T]", "[:U]", 0) == 0);
    CHECK(veq("[:T]", "[]", 0) == 0);
    CHECK(veq("[[:T]]", "[[:T]]", 0) == 1);
    CHECK(veq("<(:A)-[:T]->(:B)>", "<(:A) -[:T]-> (:B)>", 0) == 1);
    CHECK(veq("<(:A)-[:T]->(:B)>", "<(:A)<-[:T]-(:B)>", 0) == 0);
    CHECK(veq("<(:A)-[:T]->(:B)<-[:U {x: 1}]-(:C)>", "<(:A)-[:T]->(:B)<-[:U {x: 1}]-(:C)>", 0) == 1);
    CHECK(veq("<()>", "<()>", 0) == 1);
    CHECK(veq("[<(:A)-[:T]->(:B)>]", "[<(:A)-[:T]->(:B)>]", 0) == 1);
    CHECK(veq("{a: [1, {b: (:X)}]}", "{a: [1, {b: (:X)}]}", 0) == 1);
    CHECK(vbad("[1, 2"));
    CHECK(vbad("(:A"));
    CHECK(vbad("<(:A)-[:T]-(:B)>"));
    /* deep nesting is refused, not a stack overflow */
    char deep[401];
    memset(deep, '[', 200);
    memset(deep + 200, ']', 200);
    deep[400] = 0;
    CHECK(vbad(deep));
}

static const char *const SAMPLE =
    "# comment\n"
    "Feature: F1 - sample\n"
    "  Some description.\n"
    "\n"
    "  Background:\n"
    "    Given an empty graph\n"
    "\n"
    "  Scenario: [1] Plain\n"
    "    And having executed:\n"
    "      \"\"\"\n"
    "      CREATE (:A {s: 'x|y'})\n"
    "        , (:B)\n"
    "      \"\"\"\n"
    "    When executing query:\n"
    "      \"\"\"\n"
    "      MATCH (n) RETURN n\n"
    "      \"\"\"\n"
    "    Then the result should be, in any order:\n"
    "      | n                   |\n"
    "      | (:A {s: 'x\\|y'})    |\n"
    "      # a comment between rows\n"
    "      | '\\nFoo\\\\'          |\n"
    "    And no side effects\n"
    "\n"
    "  @tag\n"
    "  Scenario Outline: [2] Outline <x>\n"
    "    When executing query:\n"
    "      \"\"\"\n"
    "      RETURN <x> AS v\n"
    "      \"\"\"\n"
    "    Then a <err> should be raised at compile time: X\n"
    "\n"
    "    Examples:\n"
    "      | x   | err        |\n"
    "      | 1   | TypeError  |\n"
    "      | 'a' | SyntaxError |\n"
    "\n"
    "    Examples:\n"
    "      | x | err |\n"
    "      | [] | ArgumentError |\n";

static void test_gherkin(void) {
    gk_feature f;
    CHECK(gk_parse(SAMPLE, &f) == 0);
    CHECK_STR(f.name, "F1 - sample");
    CHECK_EQ_U(f.n, 4);
    if (f.n != 4) { gk_feature_free(&f); return; }
    const gk_scenario *s = &f.sc[0];
    CHECK_STR(s->name, "[1] Plain");
    CHECK_EQ_U(s->n, 5); /* background + 4 */
    CHECK_STR(s->steps[0].text, "an empty graph");
    CHECK_STR(s->steps[1].text, "having executed:");
    CHECK_STR(s->steps[1].doc, "CREATE (:A {s: 'x|y'})\n  , (:B)");
    CHECK_STR(s->steps[2].doc, "MATCH (n) RETURN n");
    CHECK_STR(s->steps[3].keyword, "Then");
    CHECK_EQ_U(s->steps[3].table.n, 3);
    CHECK_STR(s->steps[3].table.rows[1].cells[0], "(:A {s: 'x|y'})");
    CHECK_STR(s->steps[3].table.rows[2].cells[0], "'\nFoo\\'");
    CHECK_STR(s->steps[4].text, "no side effects");
    CHECK_STR(f.sc[1].name, "[2] Outline <x> #1");
    CHECK_EQ_U(f.sc[1].n, 3);
    CHECK_STR(f.sc[1].steps[1].doc, "RETURN 1 AS v");
    CHECK_STR(f.sc[1].steps[2].text, "a TypeError should be raised at compile time: X");
    CHECK_STR(f.sc[2].steps[1].doc, "RETURN 'a' AS v");
    CHECK_STR(f.sc[3].name, "[2] Outline <x> #3");
    CHECK_STR(f.sc[3].steps[2].text, "a ArgumentError should be raised at compile time: X");
    gk_feature_free(&f);

    CHECK(gk_parse("Feature: x\n  Scenario: s\n    When executing query:\n      \"\"\"\n      RETURN 1\n", &f) == -1);
    CHECK(strstr(f.err, "unterminated") != NULL);
    gk_feature_free(&f);
    CHECK(gk_parse("Feature: x\n  Examples:\n   | a |\n", &f) == -1);
    gk_feature_free(&f);
}

/* The real feature files all parse, and the counts look like the TCK. */
static void test_gherkin_corpus(void) {
    if (!g_features[0]) return;
    strlist files = {0};
    find_features(g_features, "", &files);
    size_t scenarios = 0;
    for (size_t j = 0; j < files.n; j++) {
        char path[PATH_MAX * 2];
        snprintf(path, sizeof path, "%s/%s", g_features, files.p[j]);
        char *text = read_file(path);
        CHECK(text != NULL);
        if (!text) continue;
        gk_feature f;
        int rc = gk_parse(text, &f);
        if (rc) fprintf(stderr, "  %s: %s\n", files.p[j], f.err);
        CHECK(rc == 0);
        scenarios += f.n;
        for (size_t s = 0; s < f.n; s++) /* every scenario does something */
            CHECK(f.sc[s].n > 0);
        gk_feature_free(&f);
        free(text);
    }
    if (!g_features_explicit) { /* the TCK as stored in shared/ */
        CHECK(files.n > 100);
        CHECK(scenarios > 1000);
    }
    sl_free(&files);
}

/* Every expected cell in the target folders is a readable TCK value. */
static void test_expected_cells_parse(void) {
    if (!g_features[0]) return;
    strlist files = {0};
    find_features(g_features, "", &files);
    int bad = 0;
    for (size_t j = 0; j < files.n; j++) {
        char path[PATH_MAX * 2];
        snprintf(path, sizeof path, "%s/%s", g_features, files.p[j]);
        char *text = read_file(path);
        if (!text) continue;
        gk_feature f;
        if (gk_parse(text, &f) == 0) {
            for (size_t s = 0; s < f.n; s++)
                for (size_t k = 0; k < f.sc[s].n; k++) {
                    const gk_step *st = &f.sc[s].steps[k];
                    if (strncmp(st->text, "the result should be", 20)) continue;
                    for (size_t r = 1; r < st->table.n; r++)
                        for (size_t c = 0; c < st->table.rows[r].n; c++) {
                            const char *cell = st->table.rows[r].cells[c];
                            tv v;
                            char err[200];
                            if (tv_parse(cell, strlen(cell), &v, err, sizeof err)) {
                                if (bad++ < 10)
                                    fprintf(stderr, "  %s [%s]: '%s': %s\n", files.p[j], f.sc[s].name, cell, err);
                            } else {
                                tv_free(&v);
                            }
                        }
                }
        }
        gk_feature_free(&f);
        free(text);
    }
    CHECK(bad == 0);
    sl_free(&files);
}

/* The fuzz seeds (fuzz/seeds/tck) through the same checks as fuzz/fuzz_tck.c, so they also
 * run under the sanitizers. */
static void replay_one(const char *bytes, size_t len) {
    if (len < 1) return;
    char *text = malloc(len);
    if (!text) return;
    memcpy(text, bytes + 1, len - 1);
    text[len - 1] = 0;
    if (bytes[0] & 1) {
        tv v;
        char err[200];
        if (tv_parse(text, len - 1, &v, err, sizeof err) == 0) {
            CHECK(tv_equal(&v, &v, 0) && tv_equal(&v, &v, 1));
            tv_free(&v);
        } else {
            CHECK(err[0] != 0);
        }
    } else {
        gk_feature f;
        if (gk_parse(text, &f)) CHECK(f.err[0] != 0);
        gk_feature_free(&f);
    }
    free(text);
}

static void test_fuzz_seeds(void) {
    if (getenv("BSP_SOURCE_DIR")) CHECK(test_replay_seeds("tck", replay_one) >= 4);
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--all")) opt.all = 1;
        else if (!strcmp(a, "--update")) opt.update = 1;
        else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) opt.verbose = 1;
        else if (!strcmp(a, "--isolate")) opt.isolate = 1;
        else if (!strcmp(a, "--no-isolate")) opt.isolate = 0;
        else if (!strcmp(a, "--self-test")) opt.self_test_only = 1;
        else if (!strcmp(a, "--list")) opt.list = 1;
        else if (!strcmp(a, "--filter") && i + 1 < argc) opt.filter = argv[++i];
        else if (!strcmp(a, "--features") && i + 1 < argc) opt.features = argv[++i];
        else if (!strcmp(a, "--timeout") && i + 1 < argc) opt.timeout = (unsigned)atoi(argv[++i]);
        else {
            fprintf(stderr,
                    "usage: %s [--all] [--filter S] [--update] [--verbose] [--isolate|--no-isolate]\n"
                    "          [--timeout SECONDS] [--features DIR] [--self-test] [--list]\n", argv[0]);
            return 2;
        }
    }
    if (!opt.timeout) opt.timeout = getenv("BSP_SANITIZED") ? 30 : 10;
    /* fork per scenario by default; in-process under the sanitizers (forking an ASan
     * process per scenario costs minutes, and in-process LeakSanitizer checks the engine) */
    if (opt.isolate < 0) opt.isolate = getenv("BSP_SANITIZED") ? 0 : 1;
    int have_features = locate_features() == 0;

    /* the parsers and the comparison first: they need no engine */
    RUN(test_values_scalars);
    RUN(test_values_structures);
    RUN(test_gherkin);
    RUN(test_gherkin_corpus);
    RUN(test_expected_cells_parse);
    RUN(test_fuzz_seeds);
    if (test_failed_ || opt.self_test_only) return test_finish();
    test_finish();

    if (!have_features) {
        printf("skipped: TCK features not found (looked for shared/tck/features above "
               "$BSP_SOURCE_DIR; set BSP_TCK_FEATURES)\n");
        return 0;
    }
    return run_tck();
}
