/* DN paths (spec §15): parsing path text to its canonical form, the hashed address, the
 * parent, the PackedDn u64, prefix patterns and canonical ordering.
 *
 * Path text is `[scheme] domain ":" tree *(":" index)`. Parsing trims the six ASCII
 * whitespace bytes at both ends, removes a `bindspace://` or `hdr://` scheme, and keeps the
 * rest verbatim as the canonical path; every check after that is on the canonical bytes.
 * Implementation limit: the canonical path must fit bsp_dn.canonical (511 bytes). */
#include <string.h>

#include "bindspace/sidecar.h"
#include "util/error.h"

static int is_trim(unsigned char c) { return (c >= 0x09 && c <= 0x0D) || c == 0x20; }

/* Trim and strip the scheme: the canonical path is text[*start .. *start + *len). */
static void canonical_span(const char *text, size_t len, size_t *start, size_t *out_len)
{
    size_t b = 0, e = len;
    while (b < e && is_trim((unsigned char)text[b])) b++;
    while (e > b && is_trim((unsigned char)text[e - 1])) e--;
    static const char *const schemes[] = {"bindspace://", "hdr://"};
    for (int i = 0; i < 2; i++) {
        size_t n = strlen(schemes[i]);
        if (e - b >= n && memcmp(text + b, schemes[i], n) == 0) {
            b += n;
            break;
        }
    }
    *start = b;
    *out_len = e - b;
}

/* Strict UTF-8 (no overlongs, surrogates or code points above U+10FFFF). Returns the
 * offset of the first bad byte, or len if valid. */
static size_t utf8_bad(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        size_t n;
        unsigned min, cp;
        if (c < 0x80) { i++; continue; }
        if (c >= 0xC2 && c <= 0xDF) { n = 1; min = 0x80; cp = c & 0x1F; }
        else if (c >= 0xE0 && c <= 0xEF) { n = 2; min = 0x800; cp = c & 0x0F; }
        else if (c >= 0xF0 && c <= 0xF4) { n = 3; min = 0x10000; cp = c & 0x07; }
        else return i;
        if (len - i - 1 < n) return i;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return i;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
        i += n + 1;
    }
    return len;
}

static int name_part(const char *c, size_t clen, const char *what, const char *p, size_t n)
{
    if (n == 0)
        return bsp_err(BSP_EINVAL, "DN path '%.*s': %s is empty", (int)clen, c, what);
    if (memchr(p, '\0', n))
        return bsp_err(BSP_EINVAL, "DN path '%.*s': %s contains a NUL byte", (int)clen, c, what);
    size_t bad = utf8_bad((const unsigned char *)p, n);
    if (bad != n)
        return bsp_err(BSP_EINVAL, "DN path '%.*s': %s is not valid UTF-8 (byte %zu)", (int)clen,
                       c, what, bad);
    return BSP_OK;
}

int bsp_dn_parse(const char *text, size_t len, bsp_dn *out)
{
    size_t b, n;
    if (!text) return bsp_err(BSP_EINVAL, "DN path is NULL");
    canonical_span(text, len, &b, &n);
    const char *c = text + b;
    if (n == 0) return bsp_err(BSP_EINVAL, "DN path is empty");
    if (n >= sizeof out->canonical)
        return bsp_err(BSP_EINVAL, "DN path '%.40s...': %zu bytes, longer than the limit of %zu",
                       c, n, sizeof out->canonical - 1);
    const char *end = c + n;
    const char *colon = memchr(c, ':', n);
    if (!colon) return bsp_err(BSP_EINVAL, "DN path '%.*s': no tree (need domain:tree)", (int)n, c);
    int rc = name_part(c, n, "domain", c, (size_t)(colon - c));
    if (rc) return rc;
    const char *tree = colon + 1;
    const char *tend = memchr(tree, ':', (size_t)(end - tree));
    if (!tend) tend = end;
    rc = name_part(c, n, "tree", tree, (size_t)(tend - tree));
    if (rc) return rc;
    uint8_t depth = 0;
    uint8_t index[BSP_DN_MAX_DEPTH];
    const char *p = tend;
    while (p < end) { /* *p == ':' */
        const char *s = p + 1;
        const char *e = memchr(s, ':', (size_t)(end - s));
        if (!e) e = end;
        size_t k = (size_t)(e - s);
        if (depth == BSP_DN_MAX_DEPTH)
            return bsp_err(BSP_EINVAL, "DN path '%.*s': more than %d indices", (int)n, c,
                           BSP_DN_MAX_DEPTH);
        if (k == 0)
            return bsp_err(BSP_EINVAL, "DN path '%.*s': index %u is empty", (int)n, c, depth);
        unsigned v = 0;
        for (size_t i = 0; i < k; i++) {
            if (s[i] < '0' || s[i] > '9')
                return bsp_err(BSP_EINVAL, "DN path '%.*s': index %u '%.*s' is not a decimal number",
                               (int)n, c, depth, (int)k, s);
            if (v < 1000) v = v * 10 + (unsigned)(s[i] - '0');
        }
        if (k > 1 && s[0] == '0')
            return bsp_err(BSP_EINVAL, "DN path '%.*s': index %u '%.*s' has a leading zero", (int)n,
                           c, depth, (int)k, s);
        if (v > 254)
            return bsp_err(BSP_EINVAL, "DN path '%.*s': index %u '%.*s' is not in 0..254", (int)n,
                           c, depth, (int)k, s);
        index[depth++] = (uint8_t)v;
        p = e;
    }
    memset(out, 0, sizeof *out);
    memcpy(out->canonical, c, n);
    out->canonical[n] = '\0';
    out->canonical_len = n;
    out->domain_len = (size_t)(colon - c);
    out->tree_len = (size_t)(tend - tree);
    out->depth = depth;
    memcpy(out->index, index, depth);
    return BSP_OK;
}

uint16_t bsp_dn_addr(const bsp_dn *dn)
{
    uint64_t h = bsp_fnv1a64(dn->canonical, dn->canonical_len);
    return (uint16_t)((0x80u | ((h >> 8) & 0x7F)) << 8 | (h & 0xFF));
}

int bsp_dn_parent(const bsp_dn *dn, bsp_dn *out)
{
    if (dn->depth == 0)
        return bsp_err(BSP_ENOTFOUND, "DN path '%s' is a tree root and has no parent",
                       dn->canonical);
    bsp_dn t = *dn;
    size_t i = t.canonical_len;
    while (i > 0 && t.canonical[i - 1] != ':') i--;
    t.canonical_len = i - 1; /* drop ":index" */
    memset(t.canonical + t.canonical_len, 0, sizeof t.canonical - t.canonical_len);
    t.depth--;
    t.index[t.depth] = 0;
    *out = t;
    return BSP_OK;
}

int bsp_dn_pack(const uint8_t *index, uint8_t depth, uint64_t *packed)
{
    if (depth > 7) return bsp_err(BSP_EINVAL, "PackedDn: depth %u exceeds 7", depth);
    uint64_t v = 0;
    for (int i = 0; i < depth; i++) {
        if (index[i] > 254)
            return bsp_err(BSP_EINVAL, "PackedDn: index %d is %u, not in 0..254", i, index[i]);
        v |= (uint64_t)(index[i] + 1u) << (56 - 8 * i);
    }
    *packed = v;
    return BSP_OK;
}

/* Number of non-zero bytes from the top before the first zero byte. */
static int packed_depth(uint64_t v)
{
    int d = 0;
    while (d < 8 && (v >> (56 - 8 * d) & 0xFF) != 0) d++;
    return d;
}

int bsp_dn_unpack(uint64_t packed, uint8_t index[7], uint8_t *depth)
{
    if (packed & 0xFF)
        return bsp_err(BSP_EINVAL, "PackedDn 0x%016llx: bits 0..7 are not zero",
                       (unsigned long long)packed);
    int d = packed_depth(packed);
    /* d <= 7 here; the bytes below the first zero byte must all be zero */
    if (d == 0 ? packed != 0 : (packed << (8 * d)) != 0)
        return bsp_err(BSP_EINVAL, "PackedDn 0x%016llx: non-zero byte below a zero byte",
                       (unsigned long long)packed);
    for (int i = 0; i < 7; i++) index[i] = i < d ? (uint8_t)((packed >> (56 - 8 * i)) - 1) : 0;
    *depth = (uint8_t)d;
    return BSP_OK;
}

uint64_t bsp_dn_packed_parent(uint64_t packed)
{
    int d = packed_depth(packed);
    if (d == 0) return packed;
    return packed & ~((uint64_t)0xFF << (56 - 8 * (d - 1)));
}

int bsp_dn_matches_prefix(const char *key, size_t key_len, const char *pattern, size_t pattern_len)
{
    size_t b, n;
    if (!key) key = "", key_len = 0;
    if (!pattern) pattern = "", pattern_len = 0;
    canonical_span(pattern, pattern_len, &b, &n);
    const char *p = pattern + b;
    if (n == 1 && p[0] == '*') return 1;
    if (n >= 2 && p[n - 2] == ':' && p[n - 1] == '*') {
        size_t pn = n - 2;
        if (memchr(p, '*', pn))
            return bsp_err(BSP_EINVAL, "DN pattern '%.*s': '*' is allowed only as the whole "
                           "pattern or as a final ':*'", (int)n, p);
        if (key_len < pn || (pn && memcmp(key, p, pn) != 0)) return 0;
        return key_len == pn || key[pn] == ':';
    }
    if (n && memchr(p, '*', n))
        return bsp_err(BSP_EINVAL, "DN pattern '%.*s': '*' is allowed only as the whole pattern "
                       "or as a final ':*'", (int)n, p);
    return key_len == n && (n == 0 || memcmp(key, p, n) == 0);
}

int bsp_dn_compare(const char *a, size_t a_len, const char *b, size_t b_len)
{
    size_t n = a_len < b_len ? a_len : b_len;
    int c = n ? memcmp(a, b, n) : 0;
    if (c) return c < 0 ? -1 : 1;
    return a_len < b_len ? -1 : a_len > b_len ? 1 : 0;
}

void bsp_sidecar_set_dn(bsp_sidecar *s, const bsp_dn *dn)
{
    uint8_t d = dn->depth > BSP_DN_MAX_DEPTH ? BSP_DN_MAX_DEPTH : dn->depth;
    memset(s->dn, 0, sizeof s->dn);
    memcpy(s->dn, dn->index, d);
    s->dn_depth = d;
}
