/* Predicate JSON (spec §6.2) → compiled predicate (predicate_impl.h), parsed with jansson.
 *
 * The one idea: errors are reported in *document order*, and jansson gives us document order
 * for free on a successful parse (objects iterate in insertion order), so validation is one
 * ordered walk of the tree. Three conditions make jansson stop early instead — a duplicate key
 * (JSON_REJECT_DUPLICATES), an integer outside the 64-bit range or a real outside the double
 * range (numeric overflow), and a key containing NUL — and each is an error of ours at a known
 * byte position P. An error of ours before P must win, so we rebuild the document as it was
 * up to P: cut the text just before the offending construct, close the brackets still open
 * there, and walk that. Containers closed artificially are "open": a missing required member
 * of an open object is not reported (its closing brace comes after P), and an overflowing
 * number is replaced by a 0 (or 0.0) placeholder, the last leaf of the cut document, which the
 * walker reports as out of range (or as the wrong type). If the walk finds nothing earlier,
 * the error at P is the first one. */
#include <float.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bindspace/error.h"
#include "fp/predicate_impl.h"
#include "util/error.h"

#define PRED_MAX_TEXT (1u << 20) /* §19.8: our size limit on predicate text */
#define PARSE_FLAGS (JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL)

/* ---- the grammar table (§6.2) ----------------------------------------------------------- */

enum mtype { T_INT, T_NUM, T_BOOL, T_INTARR };

struct member {
    const char *name;
    enum mtype type;
    double lo, hi; /* inclusive; integers are compared exactly as int64 */
    bool required;
    uint32_t bit;  /* PRED_M_* */
};

struct clause {
    const char *name;
    uint32_t bit;  /* PRED_* */
    const struct member *members;
    int nmembers;
};

static const struct member ani_m[] = {
    {"min_level", T_INT, 0, 7, true, PRED_M_ANI_LEVEL},
    {"min_activation", T_INT, 0, 65535, false, PRED_M_ANI_ACTIVATION},
};
static const struct member nars_m[] = {
    {"min_frequency", T_NUM, 0, 1, false, PRED_M_NARS_FREQUENCY},
    {"min_confidence", T_NUM, 0, 1, false, PRED_M_NARS_CONFIDENCE},
    {"min_priority", T_NUM, 0, 1, false, PRED_M_NARS_PRIORITY},
};
static const struct member rl_m[] = {
    {"min_best_q", T_NUM, -1, 1, false, PRED_M_RL_BEST_Q},
    {"min_avg_reward", T_NUM, -1, 1, false, PRED_M_RL_AVG_REWARD},
    {"positive_trend", T_BOOL, 0, 0, false, PRED_M_RL_POSITIVE_TREND},
};
static const struct member graph_m[] = {
    {"min_pagerank", T_INT, 0, 65535, false, PRED_M_GRAPH_PAGERANK},
    {"max_hop", T_INT, 0, 255, false, PRED_M_GRAPH_MAX_HOP},
    {"cluster_id", T_INT, 0, 65535, false, PRED_M_GRAPH_CLUSTER},
    {"min_degree", T_INT, 0, 255, false, PRED_M_GRAPH_DEGREE},
};
static const struct member kind_m[] = {
    {"kinds", T_INTARR, 0, 255, false, PRED_M_KIND_KINDS},
    {"verbs", T_INTARR, 0, 255, false, PRED_M_KIND_VERBS},
};
static const struct member bloom_m[] = {
    /* hi is 2^63 - 1; checked as int64 >= 0, so the double here is only for messages */
    {"node_id", T_INT, 0, 9223372036854775807.0, true, PRED_M_BLOOM_NODE},
};

#define N(a) (int)(sizeof a / sizeof a[0])
static const struct clause clauses[] = {
    {"ani", PRED_ANI, ani_m, N(ani_m)},       {"nars", PRED_NARS, nars_m, N(nars_m)},
    {"rl", PRED_RL, rl_m, N(rl_m)},           {"graph", PRED_GRAPH, graph_m, N(graph_m)},
    {"kind", PRED_KIND, kind_m, N(kind_m)},   {"bloom", PRED_BLOOM, bloom_m, N(bloom_m)},
};

/* ---- exact thresholds in the stored domain ---------------------------------------------- */

/* Smallest q in [lo, hi] with decode(q) >= t, or hi + 1; decode is monotone in q. */
#define LOWER_BOUND(lo_, hi_, decode_expr)                         \
    do {                                                           \
        int64_t a_ = (lo_), b_ = (int64_t)(hi_) + 1;               \
        while (a_ < b_) {                                          \
            int64_t q = a_ + (b_ - a_) / 2;                        \
            if ((decode_expr) >= t) b_ = q; else a_ = q + 1;       \
        }                                                          \
        return a_;                                                 \
    } while (0)

static int64_t u16_min(float t) { LOWER_BOUND(0, 65535, (float)q / 65535.0f); }
static int64_t q8_min(float t) { LOWER_BOUND(-128, 127, (float)q / 127.0f); }
/* Σ of 8 i16 rewards is in [-262144, 262136]; average = ((f32)Σ / 8) / 32767 (§4.3) */
static int64_t reward_sum_min(float t) { LOWER_BOUND(-262144, 262136, ((float)q / 8.0f) / 32767.0f); }

static void pred_defaults(bsp_predicate *p)
{
    memset(p, 0, sizeof *p);
    p->rl_best_q_min = -128;
    p->rl_sum_min = INT32_MIN;
    p->graph_hop_max = 255;
    for (int i = 0; i < 4; i++) p->kinds[i] = p->verbs[i] = ~0ull;
}

/* ---- messages ---------------------------------------------------------------------------- */

struct walk {
    const json_t *open[2];  /* root and its last member's value, if closed artificially */
    int nopen;
    const json_t *marker;   /* placeholder of an overflowing number, or NULL */
    bool marker_real;       /* the overflowing token was a real (fraction or exponent) */
    char path[160];         /* dotted path of the key being checked */
};

/* Append key bytes to a path, escaping control bytes and truncating long keys. */
static void path_append(char *path, size_t cap, const char *key, size_t len)
{
    size_t n = strlen(path);
    if (n && n + 1 < cap) path[n++] = '.';
    for (size_t i = 0; i < len && n + 8 < cap; i++) {
        unsigned char c = (unsigned char)key[i];
        if (i == 48 && len > 56) {
            n += (size_t)snprintf(path + n, cap - n, "...");
            break;
        }
        if (c < 0x20 || c == 0x7f)
            n += (size_t)snprintf(path + n, cap - n, "\\u%04x", c);
        else
            path[n++] = (char)c;
    }
    path[n] = '\0';
}

/* Shortest "%.*g" that reads back as the same double; integral values get ".0". */
static void fmt_real(char *buf, size_t cap, double v)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, cap, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) break;
    }
    if (!strpbrk(buf, ".eEni")) strncat(buf, ".0", cap - strlen(buf) - 1);
}

static const char *describe(const struct walk *w, const json_t *v, char *buf, size_t cap)
{
    if (v == w->marker)
        return w->marker_real ? "a number beyond the range of a double"
                              : "an integer beyond the 64-bit range";
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_TRUE: return "true";
    case JSON_FALSE: return "false";
    case JSON_NULL: return "null";
    case JSON_INTEGER: snprintf(buf, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(v)); return buf;
    case JSON_REAL: fmt_real(buf, cap, json_real_value(v)); return buf;
    case JSON_STRING: {
        char s[64] = "";
        path_append(s, 60, json_string_value(v), json_string_length(v));
        snprintf(buf, cap, "a string \"%s\"", s);
        return buf;
    }
    }
    return "a value";
}

static void fmt_range(char *buf, size_t cap, const struct member *m)
{
    if (m->type == T_NUM)
        snprintf(buf, cap, "a number in %g..%g", m->lo, m->hi);
    else if (m->type == T_BOOL)
        snprintf(buf, cap, "a boolean");
    else if (m->bit == PRED_M_BLOOM_NODE)
        snprintf(buf, cap, "an integer in 0..9223372036854775807");
    else
        snprintf(buf, cap, "%s in %.0f..%.0f", m->type == T_INTARR ? "an array of integers" : "an integer",
                 m->lo, m->hi);
}

/* ---- the ordered walk ---------------------------------------------------------------------- */

static bool is_open(const struct walk *w, const json_t *v)
{
    for (int i = 0; i < w->nopen; i++)
        if (w->open[i] == v) return true;
    return false;
}

/* Check an integer value against [lo, hi]; element >= 0 names an array element. */
static int check_int(struct walk *w, const struct member *m, const json_t *v, long element,
                     int64_t *out)
{
    char range[64], got[96], at[32] = "";
    if (element >= 0) snprintf(at, sizeof at, "element %ld: ", element);
    fmt_range(range, sizeof range, m);
    if (m->type == T_INTARR) snprintf(range, sizeof range, "an integer in 0..255");
    if (v == w->marker && !w->marker_real)
        return bsp_err(BSP_ERANGE, "%s: %sexpected %s, got %s", w->path, at, range,
                       describe(w, v, got, sizeof got));
    if (!json_is_integer(v)) {
        const char *why = json_is_real(v) || v == w->marker
                              ? " (a number with a fraction or exponent is not an integer)"
                              : "";
        return bsp_err(BSP_EINVAL, "%s: %sexpected %s, got %s%s", w->path, at, range,
                       describe(w, v, got, sizeof got), why);
    }
    json_int_t x = json_integer_value(v);
    int64_t hi = m->bit == PRED_M_BLOOM_NODE ? INT64_MAX : (int64_t)m->hi;
    if (x < (int64_t)m->lo || x > hi)
        return bsp_err(BSP_ERANGE, "%s: %sexpected %s, got %s", w->path, at, range,
                       describe(w, v, got, sizeof got));
    *out = (int64_t)x;
    return BSP_OK;
}

static int check_member(struct walk *w, const struct member *m, const json_t *v, bsp_predicate *p)
{
    char range[64], got[96];
    int64_t x;
    int rc;
    switch (m->type) {
    case T_INT:
        if ((rc = check_int(w, m, v, -1, &x)) < 0) return rc;
        switch (m->bit) {
        case PRED_M_ANI_LEVEL:
            p->ani_word = (uint32_t)x / 4;
            p->ani_shift = 16 * ((uint32_t)x % 4);
            break;
        case PRED_M_ANI_ACTIVATION: p->ani_min = (uint32_t)x; break;
        case PRED_M_GRAPH_PAGERANK: p->graph_pagerank_min = (uint32_t)x; break;
        case PRED_M_GRAPH_MAX_HOP: p->graph_hop_max = (uint32_t)x; break;
        case PRED_M_GRAPH_CLUSTER:
            p->graph_cluster = (uint64_t)x;
            p->graph_cluster_mask = 0xFFFF;
            break;
        case PRED_M_GRAPH_DEGREE: p->graph_degree_min = (uint32_t)x; break;
        case PRED_M_BLOOM_NODE: {
            p->node_id = (uint64_t)x;
            uint64_t h = bsp_splitmix64(p->node_id);
            for (int i = 0; i < 3; i++) {
                unsigned bit = (unsigned)(h >> (8 * i)) & 255;
                p->bloom[bit / 64] |= 1ull << (bit % 64);
            }
            break;
        }
        }
        return BSP_OK;
    case T_NUM: {
        fmt_range(range, sizeof range, m);
        if (v == w->marker)
            return bsp_err(BSP_ERANGE, "%s: expected %s, got %s", w->path, range,
                           describe(w, v, got, sizeof got));
        if (!json_is_number(v))
            return bsp_err(BSP_EINVAL, "%s: expected %s, got %s", w->path, range,
                           describe(w, v, got, sizeof got));
        double d = json_number_value(v); /* the nearest f64 (integers convert exactly or round) */
        if (!(d >= m->lo && d <= m->hi))
            return bsp_err(BSP_ERANGE, "%s: expected %s, got %s", w->path, range,
                           describe(w, v, got, sizeof got));
        float t = (float)d; /* §6.1: nearest f64, then rounded to f32 */
        switch (m->bit) {
        case PRED_M_NARS_FREQUENCY: p->min_frequency = t; p->nars_f_min = (uint32_t)u16_min(t); break;
        case PRED_M_NARS_CONFIDENCE: p->min_confidence = t; p->nars_c_min = (uint32_t)u16_min(t); break;
        case PRED_M_NARS_PRIORITY: p->min_priority = t; p->nars_p_min = (uint32_t)u16_min(t); break;
        case PRED_M_RL_BEST_Q: p->min_best_q = t; p->rl_best_q_min = (int32_t)q8_min(t); break;
        case PRED_M_RL_AVG_REWARD: p->min_avg_reward = t; p->rl_sum_min = (int32_t)reward_sum_min(t); break;
        }
        return BSP_OK;
    }
    case T_BOOL:
        if (!json_is_boolean(v))
            return bsp_err(BSP_EINVAL, "%s: expected a boolean, got %s", w->path,
                           describe(w, v, got, sizeof got));
        p->rl_positive_trend = json_is_true(v);
        return BSP_OK;
    case T_INTARR: {
        fmt_range(range, sizeof range, m);
        if (!json_is_array(v))
            return bsp_err(BSP_EINVAL, "%s: expected %s, got %s", w->path, range,
                           describe(w, v, got, sizeof got));
        uint64_t set[4] = {0, 0, 0, 0};
        size_t n = json_array_size(v);
        for (size_t i = 0; i < n; i++) {
            if ((rc = check_int(w, m, json_array_get(v, i), (long)i, &x)) < 0) return rc;
            set[x >> 6] |= 1ull << (x & 63);
        }
        if (n) memcpy(m->bit == PRED_M_KIND_KINDS ? p->kinds : p->verbs, set, sizeof set);
        return BSP_OK;
    }
    }
    return BSP_OK;
}

static int walk_clause(struct walk *w, const struct clause *c, const json_t *obj, bsp_predicate *p)
{
    char got[96];
    if (!json_is_object(obj))
        return bsp_err(BSP_EINVAL, "%s: expected an object, got %s", w->path,
                       describe(w, obj, got, sizeof got));
    size_t base = strlen(w->path);
    uint32_t seen = 0;
    p->clauses |= c->bit;
    if (c->bit == PRED_ANI) p->ani_min = 1; /* default min_activation (§6.2) */
    for (void *it = json_object_iter((json_t *)obj); it; it = json_object_iter_next((json_t *)obj, it)) {
        const char *key = json_object_iter_key(it);
        size_t klen = json_object_iter_key_len(it);
        w->path[base] = '\0';
        path_append(w->path, sizeof w->path, key, klen);
        const struct member *m = NULL;
        for (int i = 0; i < c->nmembers; i++)
            if (strlen(c->members[i].name) == klen && !memcmp(c->members[i].name, key, klen))
                m = &c->members[i];
        if (!m) {
            char names[128] = "";
            for (int i = 0; i < c->nmembers; i++) {
                if (i) strcat(names, ", ");
                strcat(names, c->members[i].name);
            }
            return bsp_err(BSP_EINVAL, "%s: unknown key (%s takes %s)", w->path, c->name, names);
        }
        int rc = check_member(w, m, json_object_iter_value(it), p);
        if (rc < 0) return rc;
        seen |= m->bit;
        p->members |= m->bit;
    }
    if (!is_open(w, obj)) {
        for (int i = 0; i < c->nmembers; i++) {
            if (c->members[i].required && !(seen & c->members[i].bit)) {
                w->path[base] = '\0';
                path_append(w->path, sizeof w->path, c->members[i].name, strlen(c->members[i].name));
                return bsp_err(BSP_EINVAL, "%s: required member is missing", w->path);
            }
        }
    }
    w->path[base] = '\0';
    return BSP_OK;
}

static int walk_root(struct walk *w, const json_t *root, bsp_predicate *p)
{
    char got[96];
    if (!json_is_object(root))
        return bsp_err(BSP_EINVAL, "predicate: not a JSON object (got %s)",
                       describe(w, root, got, sizeof got));
    for (void *it = json_object_iter((json_t *)root); it; it = json_object_iter_next((json_t *)root, it)) {
        const char *key = json_object_iter_key(it);
        size_t klen = json_object_iter_key_len(it);
        w->path[0] = '\0';
        path_append(w->path, sizeof w->path, key, klen);
        const struct clause *c = NULL;
        for (int i = 0; i < N(clauses); i++)
            if (strlen(clauses[i].name) == klen && !memcmp(clauses[i].name, key, klen)) c = &clauses[i];
        if (!c)
            return bsp_err(BSP_EINVAL,
                           "%s: unknown key (clauses are ani, nars, rl, graph, kind, bloom)", w->path);
        int rc = walk_clause(w, c, json_object_iter_value(it), p);
        if (rc < 0) return rc;
    }
    return BSP_OK;
}

/* ---- early stops: duplicate key, NUL in a key, numeric overflow --------------------------- */

static const json_t *last_child(const json_t *v)
{
    if (json_is_array(v)) return json_array_size(v) ? json_array_get(v, json_array_size(v) - 1) : NULL;
    if (!json_is_object(v)) return NULL;
    const json_t *last = NULL;
    for (void *it = json_object_iter((json_t *)v); it; it = json_object_iter_next((json_t *)v, it))
        last = json_object_iter_value(it);
    return last;
}

static const char *last_key(const json_t *obj, size_t *len)
{
    const char *k = NULL;
    *len = 0;
    for (void *it = json_object_iter((json_t *)obj); it; it = json_object_iter_next((json_t *)obj, it)) {
        k = json_object_iter_key(it);
        *len = json_object_iter_key_len(it);
    }
    return k;
}

static int early_stop(const char *text, size_t len, const json_error_t *e, bsp_predicate *p)
{
    enum json_error_code code = json_error_code(e);
    size_t P = e->position > 0 ? (size_t)e->position : 0;
    if (P > len) P = len;
    size_t cut;
    const char *placeholder = "";
    bool real = false;
    json_t *key = NULL;

    if (code == json_error_numeric_overflow) {
        size_t s = P;
        while (s > 0 && strchr("0123456789+-.eE", text[s - 1]) && text[s - 1]) s--;
        for (size_t i = s; i < P; i++) real |= text[i] == '.' || text[i] == 'e' || text[i] == 'E';
        cut = s;
        placeholder = real ? "0.0" : "0";
    } else {
        /* P is just past the key's closing quote; the opening quote is the first '"' to its
         * left that is preceded by an even number of backslashes. */
        if (P < 2 || text[P - 1] != '"') goto unknown;
        size_t q = P - 1;
        for (;;) {
            if (q == 0) goto unknown;
            q--;
            if (text[q] != '"') continue;
            size_t bs = 0;
            while (bs < q && text[q - 1 - bs] == '\\') bs++;
            if (bs % 2 == 0) break;
        }
        key = json_loadb(text + q, P - q, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
        if (!json_is_string(key)) goto unknown;
        size_t j = q;
        while (j > 0 && strchr(" \t\r\n", text[j - 1])) j--;
        if (j == 0) goto unknown;
        cut = text[j - 1] == ',' ? j - 1 : j; /* after '{' if it was the first key */
    }

    /* Bracket stack of text[0, cut): jansson accepted this prefix, so strings and brackets
     * are well formed and a tiny scanner suffices. */
    char *stack = malloc(cut + 1), *doc = NULL;
    size_t depth = 0;
    if (!stack) { json_decref(key); return bsp_err(BSP_ENOMEM, "predicate: out of memory"); }
    for (size_t i = 0, in_str = 0; i < cut; i++) {
        char c = text[i];
        if (in_str) {
            if (c == '\\') i++;
            else if (c == '"') in_str = 0;
        } else if (c == '"') in_str = 1;
        else if (c == '{' || c == '[') stack[depth++] = c;
        else if ((c == '}' || c == ']') && depth) depth--;
    }
    size_t plen = strlen(placeholder);
    doc = malloc(cut + plen + depth + 1);
    if (!doc) { free(stack); json_decref(key); return bsp_err(BSP_ENOMEM, "predicate: out of memory"); }
    memcpy(doc, text, cut);
    memcpy(doc + cut, placeholder, plen);
    for (size_t i = 0; i < depth; i++) doc[cut + plen + i] = stack[depth - 1 - i] == '{' ? '}' : ']';
    size_t dlen = cut + plen + depth;
    free(stack);
    json_t *root = json_loadb(doc, dlen, PARSE_FLAGS, NULL);
    free(doc);
    if (!root) goto unknown; /* not expected: the prefix was accepted once already */

    struct walk w = {.nopen = 0, .marker = NULL, .marker_real = real};
    const json_t *v = root;
    for (size_t d = 0; d < depth && v; d++) {
        if (d < 2) w.open[w.nopen++] = v;
        v = last_child(v);
    }
    if (code == json_error_numeric_overflow) w.marker = depth ? v : root;
    int rc = walk_root(&w, root, p);
    if (rc == BSP_OK) {
        /* nothing earlier: the early stop itself is the first error */
        char path[160] = "";
        size_t kl;
        const char *k;
        if (code == json_error_numeric_overflow) {
            rc = bsp_err(BSP_ERANGE, "predicate: %s at byte %zu is out of range",
                         real ? "number" : "integer", cut);
        } else {
            if (depth >= 2 && (k = last_key(root, &kl)) != NULL) path_append(path, sizeof path, k, kl);
            path_append(path, sizeof path, json_string_value(key), json_string_length(key));
            rc = code == json_error_duplicate_key
                     ? bsp_err(BSP_EINVAL, "%s: duplicate key", path)
                     : bsp_err(BSP_EINVAL, "%s: unknown key (contains a NUL byte)", path);
        }
    }
    json_decref(root);
    json_decref(key);
    return rc;

unknown:
    json_decref(key);
    return bsp_err(BSP_EINVAL, "predicate: not valid JSON: %s (line %d, column %d)", e->text,
                   e->line, e->column);
}

/* ---- public API ------------------------------------------------------------------------------ */

static void build_desc(bsp_predicate *p)
{
    static const char *const names[] = {
        "ani.min_level", "ani.min_activation", "nars.min_frequency", "nars.min_confidence",
        "nars.min_priority", "rl.min_best_q", "rl.min_avg_reward", "rl.positive_trend",
        "graph.min_pagerank", "graph.max_hop", "graph.cluster_id", "graph.min_degree",
        "kind.kinds", "kind.verbs", "bloom.node_id"};
    static const uint32_t clause_members[6] = {0x3, 0x1C, 0xE0, 0xF00, 0x3000, 0x4000};
    size_t n = 0;
    p->desc[0] = '\0';
    for (int c = 0; c < 6; c++) {
        if (!(p->clauses & (1u << c))) continue;
        uint32_t given = p->members & clause_members[c];
        if (!given) {
            n += (size_t)snprintf(p->desc + n, sizeof p->desc - n, "%s%s", n ? "," : "", clauses[c].name);
            continue;
        }
        for (int m = 0; m < 15; m++)
            if (given & (1u << m))
                n += (size_t)snprintf(p->desc + n, sizeof p->desc - n, "%s%s", n ? "," : "", names[m]);
    }
}

int bsp_predicate_compile(const char *json, size_t len, bsp_predicate **out)
{
    *out = NULL;
    if (len > PRED_MAX_TEXT)
        return bsp_err(BSP_ERANGE, "predicate: text is %zu bytes; the limit is %u", len, PRED_MAX_TEXT);
    /* jansson tolerates a raw NUL byte in some places (`{"a":1\0}` loads); JSON never does:
     * it is not whitespace, and inside a string it must be escaped. */
    const char *nul = json ? memchr(json, '\0', len) : NULL;
    if (nul)
        return bsp_err(BSP_EINVAL, "predicate: not valid JSON: NUL byte at offset %zu",
                       (size_t)(nul - json));
    bsp_predicate *p = malloc(sizeof *p);
    if (!p) return bsp_err(BSP_ENOMEM, "predicate: out of memory");
    pred_defaults(p);
    json_error_t e;
    json_t *root = json_loadb(json ? json : "", json ? len : 0, PARSE_FLAGS, &e);
    int rc;
    if (root) {
        struct walk w = {.nopen = 0, .marker = NULL};
        rc = walk_root(&w, root, p);
        json_decref(root);
    } else {
        enum json_error_code code = json_error_code(&e);
        if (code == json_error_duplicate_key || code == json_error_null_byte_in_key ||
            code == json_error_numeric_overflow)
            rc = early_stop(json, len, &e, p);
        else
            rc = bsp_err(BSP_EINVAL, "predicate: not valid JSON: %s (line %d, column %d)", e.text,
                         e.line, e.column);
    }
    if (rc < 0) {
        free(p);
        return rc;
    }
    build_desc(p);
    *out = p;
    return BSP_OK;
}

int bsp_predicate_new_empty(bsp_predicate **out)
{
    *out = malloc(sizeof **out);
    if (!*out) return bsp_err(BSP_ENOMEM, "predicate: out of memory");
    pred_defaults(*out);
    return BSP_OK;
}

void bsp_predicate_free(bsp_predicate *p) { free(p); }

bool bsp_predicate_eval(const bsp_predicate *p, const uint64_t r[BSP_WORDS])
{
    return pred_eval_sidecar(p, r + BSP_SIDECAR_WORD);
}

bool bsp_predicate_is_empty(const bsp_predicate *p) { return p->clauses == 0; }

const char *bsp_predicate_describe(const bsp_predicate *p) { return p->desc; }
