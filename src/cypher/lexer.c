/* Cypher lexer (see lexer.h). Handles // and block comments, both string quote styles
 * with backslash escapes (\uXXXX and \UXXXXXXXX encode UTF-8), backquoted identifiers
 * (`` inside stands for one backquote), $name and $0 parameters, decimal, hex (0x) and
 * octal (0o) integers, and floats (any number of digits; one that overflows a double is an
 * error). An empty backquoted identifier is the empty name ({``: 1} has the key "").
 * "1..3" lexes as INT DOTDOT INT so ranges work. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cypher/lexer.h"
#include "util/error.h"

void cy_lex_init(cy_lexer *lx, const char *src, size_t len)
{
    lx->src = src;
    lx->len = len;
    lx->pos = 0;
    lx->line = 1;
    lx->line_start = 0;
}

static int col_of(const cy_lexer *lx, size_t pos) { return (int)(pos - lx->line_start) + 1; }

static int lex_err(const cy_lexer *lx, size_t pos, const char *what)
{
    return bsp_err(BSP_EINVAL, "%d:%d: %s", lx->line, col_of(lx, pos), what);
}

static int is_ident_start(unsigned char c) { return isalpha(c) || c == '_' || c >= 0x80; }
static int is_ident_char(unsigned char c) { return isalnum(c) || c == '_' || c >= 0x80; }

/* U+2000..U+206F (General Punctuation: dashes, typographic quotes, ...) and U+2212 (minus
 * sign): look like operators, so they may not be part of an unquoted name (TCK
 * InvalidUnicodeCharacter for `42 — 41`). */
static int is_punct_utf8(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    if (n < 3 || u[0] != 0xE2) return 0;
    return u[1] == 0x80 || (u[1] == 0x81 && u[2] <= 0xAF) || (u[1] == 0x88 && u[2] == 0x92);
}

static int skip_space(cy_lexer *lx)
{
    for (;;) {
        if (lx->pos >= lx->len) return BSP_OK;
        char c = lx->src[lx->pos];
        if (c == '\n') {
            lx->pos++;
            lx->line++;
            lx->line_start = lx->pos;
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
            lx->pos++;
        } else if (c == '/' && lx->pos + 1 < lx->len && lx->src[lx->pos + 1] == '/') {
            while (lx->pos < lx->len && lx->src[lx->pos] != '\n') lx->pos++;
        } else if (c == '/' && lx->pos + 1 < lx->len && lx->src[lx->pos + 1] == '*') {
            size_t start = lx->pos;
            int line = lx->line;
            size_t ls = lx->line_start;
            lx->pos += 2;
            for (;;) {
                if (lx->pos + 1 >= lx->len) {
                    lx->line = line;
                    lx->line_start = ls;
                    return lex_err(lx, start, "UnexpectedSyntax: unterminated comment");
                }
                if (lx->src[lx->pos] == '*' && lx->src[lx->pos + 1] == '/') {
                    lx->pos += 2;
                    break;
                }
                if (lx->src[lx->pos] == '\n') {
                    lx->line++;
                    lx->line_start = lx->pos + 1;
                }
                lx->pos++;
            }
        } else return BSP_OK;
    }
}

static int put_utf8(char *out, size_t *n, uint32_t cp)
{
    if (cp < 0x80) out[(*n)++] = (char)cp;
    else if (cp < 0x800) {
        out[(*n)++] = (char)(0xC0 | (cp >> 6));
        out[(*n)++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        if (cp >= 0xD800 && cp <= 0xDFFF) return -1;
        out[(*n)++] = (char)(0xE0 | (cp >> 12));
        out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*n)++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp <= 0x10FFFF) {
        out[(*n)++] = (char)(0xF0 | (cp >> 18));
        out[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*n)++] = (char)(0x80 | (cp & 0x3F));
    } else return -1;
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* A string literal starting at the quote; escapes decoded into t->text. */
static int lex_string(cy_lexer *lx, cy_token *t)
{
    char q = lx->src[lx->pos];
    size_t start = lx->pos;
    int line = lx->line;
    size_t ls = lx->line_start;
    /* decoded text is never longer than the source */
    char *out = malloc(lx->len - lx->pos + 1);
    if (!out) return bsp_err(BSP_ENOMEM, "cypher: out of memory");
    size_t n = 0;
    lx->pos++;
    for (;;) {
        if (lx->pos >= lx->len) {
            free(out);
            lx->line = line;
            lx->line_start = ls;
            return lex_err(lx, start, "UnexpectedSyntax: unterminated string literal");
        }
        char c = lx->src[lx->pos];
        if (c == q) {
            lx->pos++;
            break;
        }
        if (c == '\n') {
            lx->line++;
            lx->line_start = lx->pos + 1;
        }
        if (c != '\\') {
            out[n++] = c;
            lx->pos++;
            continue;
        }
        size_t esc = lx->pos;
        if (lx->pos + 1 >= lx->len) {
            free(out);
            return lex_err(lx, esc, "UnexpectedSyntax: unterminated string literal");
        }
        char e = lx->src[lx->pos + 1];
        lx->pos += 2;
        switch (e) {
        case '\\': out[n++] = '\\'; break;
        case '\'': out[n++] = '\''; break;
        case '"': out[n++] = '"'; break;
        case 'n': out[n++] = '\n'; break;
        case 't': out[n++] = '\t'; break;
        case 'r': out[n++] = '\r'; break;
        case 'b': out[n++] = '\b'; break;
        case 'f': out[n++] = '\f'; break;
        case 'u':
        case 'U': {
            int digits = e == 'u' ? 4 : 8;
            uint32_t cp = 0;
            for (int i = 0; i < digits; i++) {
                int h = lx->pos < lx->len ? hexval(lx->src[lx->pos]) : -1;
                if (h < 0) {
                    free(out);
                    return lex_err(lx, esc, e == 'u' ? "InvalidUnicodeLiteral: \\u needs 4 hex digits"
                                                     : "InvalidUnicodeLiteral: \\U needs 8 hex digits");
                }
                cp = cp * 16 + (uint32_t)h;
                lx->pos++;
            }
            /* \uXXXX is 6 source bytes and at most 3 UTF-8 bytes; \U is 10 and at most 4 */
            if (put_utf8(out, &n, cp) != 0) {
                free(out);
                return lex_err(lx, esc, "InvalidUnicodeLiteral: escape is not a valid code point");
            }
            break;
        }
        default:
            free(out);
            return lex_err(lx, esc, "UnexpectedSyntax: unknown escape sequence in string literal");
        }
    }
    out[n] = 0;
    t->kind = TK_STRING;
    t->text = out;
    t->text_len = n;
    return BSP_OK;
}

/* A number run into letters (12abc, 0x1G): one TK_BADNUM token up to the end of the word.
 * The parser reports it where it expected something else (`{1a: 1}`: a map key), and as
 * InvalidNumberLiteral where a literal may stand. t->u = 1 for a hex/octal integer. */
static int bad_number(cy_lexer *lx, cy_token *t, size_t p, int integer)
{
    while (p < lx->len && is_ident_char((unsigned char)lx->src[p])) p++;
    t->kind = TK_BADNUM;
    t->u = (uint64_t)integer;
    lx->pos = p;
    return BSP_OK;
}

static int lex_number(cy_lexer *lx, cy_token *t)
{
    const char *s = lx->src;
    size_t p = lx->pos, start = p;
    if (s[p] == '0' && p + 1 < lx->len && (s[p + 1] == 'x' || s[p + 1] == 'X' || s[p + 1] == 'o' ||
                                           s[p + 1] == 'O')) {
        int base = (s[p + 1] == 'x' || s[p + 1] == 'X') ? 16 : 8;
        p += 2;
        uint64_t v = 0;
        size_t nd = 0;
        while (p < lx->len && is_ident_char((unsigned char)s[p])) {
            int h = hexval(s[p]);
            if (h < 0 || h >= base) return bad_number(lx, t, p, 1);
            if (v > (UINT64_C(1) << 63) / (uint64_t)base) return lex_err(lx, start, "IntegerOverflow: integer literal too large");
            v = v * (uint64_t)base + (uint64_t)h;
            if (v > (UINT64_C(1) << 63)) return lex_err(lx, start, "IntegerOverflow: integer literal too large");
            p++;
            nd++;
        }
        if (!nd) return bad_number(lx, t, p, 1);
        t->kind = TK_INT;
        t->u = v;
        lx->pos = p;
        return BSP_OK;
    }
    int is_float = 0;
    while (p < lx->len && isdigit((unsigned char)s[p])) p++;
    if (p + 1 < lx->len && s[p] == '.' && isdigit((unsigned char)s[p + 1])) {
        is_float = 1;
        p++;
        while (p < lx->len && isdigit((unsigned char)s[p])) p++;
    }
    if (p < lx->len && (s[p] == 'e' || s[p] == 'E')) {
        size_t q = p + 1;
        if (q < lx->len && (s[q] == '+' || s[q] == '-')) q++;
        if (q < lx->len && isdigit((unsigned char)s[q])) {
            is_float = 1;
            p = q;
            while (p < lx->len && isdigit((unsigned char)s[p])) p++;
        }
    }
    if (p < lx->len && is_ident_char((unsigned char)s[p]))
        return bad_number(lx, t, p, 0);
    char small[64], *buf = small;
    if (p - start >= sizeof small) {
        if (!is_float) return lex_err(lx, start, "IntegerOverflow: integer literal too large");
        buf = malloc(p - start + 1); /* floats may have any number of digits */
        if (!buf) return bsp_err(BSP_ENOMEM, "cypher: out of memory");
    }
    memcpy(buf, s + start, p - start);
    buf[p - start] = 0;
    if (is_float) {
        t->kind = TK_FLOAT;
        t->f = strtod(buf, NULL);
        if (buf != small) free(buf);
        if (isinf(t->f)) return lex_err(lx, start, "FloatingPointOverflow: floating point literal too large");
    } else {
        uint64_t v = 0;
        for (size_t i = 0; buf[i]; i++) {
            uint64_t d = (uint64_t)(buf[i] - '0');
            if (v > ((UINT64_C(1) << 63) - d) / 10) return lex_err(lx, start, "IntegerOverflow: integer literal too large");
            v = v * 10 + d;
        }
        t->kind = TK_INT;
        t->u = v;
    }
    lx->pos = p;
    return BSP_OK;
}

int cy_lex_next(cy_lexer *lx, cy_token *t)
{
    memset(t, 0, sizeof *t);
    int rc = skip_space(lx);
    if (rc) return rc;
    t->line = lx->line;
    t->col = col_of(lx, lx->pos);
    t->start = lx->src + lx->pos;
    size_t start = lx->pos;
    if (lx->pos >= lx->len) {
        t->kind = TK_EOF;
        return BSP_OK;
    }
    const char *s = lx->src;
    unsigned char c = (unsigned char)s[lx->pos];
    char c1 = lx->pos + 1 < lx->len ? s[lx->pos + 1] : 0;
    if (is_ident_start(c)) {
        size_t p = lx->pos;
        while (p < lx->len && is_ident_char((unsigned char)s[p])) {
            if (is_punct_utf8(s + p, lx->len - p))
                return lex_err(lx, p, "InvalidUnicodeCharacter: a Unicode punctuation character (such as a dash "
                                      "or a typographic quote) cannot stand in a name; backquote it");
            p++;
        }
        t->kind = TK_IDENT;
        t->text = malloc(p - lx->pos + 1);
        if (!t->text) return bsp_err(BSP_ENOMEM, "cypher: out of memory");
        memcpy(t->text, s + lx->pos, p - lx->pos);
        t->text[p - lx->pos] = 0;
        t->text_len = p - lx->pos;
        lx->pos = p;
    } else if (c == '`') {
        char *out = malloc(lx->len - lx->pos + 1);
        if (!out) return bsp_err(BSP_ENOMEM, "cypher: out of memory");
        size_t n = 0, p = lx->pos + 1;
        for (;;) {
            if (p >= lx->len) {
                free(out);
                return lex_err(lx, start, "UnexpectedSyntax: unterminated backquoted identifier");
            }
            if (s[p] == '`') {
                if (p + 1 < lx->len && s[p + 1] == '`') {
                    out[n++] = '`';
                    p += 2;
                    continue;
                }
                p++;
                break;
            }
            if (s[p] == '\n') {
                free(out);
                return lex_err(lx, start, "UnexpectedSyntax: unterminated backquoted identifier");
            }
            out[n++] = s[p++];
        }
        out[n] = 0;
        t->kind = TK_IDENT;
        t->quoted = 1;
        t->text = out;
        t->text_len = n;
        lx->pos = p;
    } else if (c == '$') {
        size_t p = lx->pos + 1;
        if (p < lx->len && (is_ident_char((unsigned char)s[p]))) {
            while (p < lx->len && is_ident_char((unsigned char)s[p])) p++;
        } else return lex_err(lx, start, "UnexpectedSyntax: expected a parameter name after '$'");
        t->kind = TK_PARAM;
        t->text = malloc(p - lx->pos);
        if (!t->text) return bsp_err(BSP_ENOMEM, "cypher: out of memory");
        memcpy(t->text, s + lx->pos + 1, p - lx->pos - 1);
        t->text[p - lx->pos - 1] = 0;
        t->text_len = p - lx->pos - 1;
        lx->pos = p;
    } else if (c == '\'' || c == '"') {
        rc = lex_string(lx, t);
        if (rc) return rc;
    } else if (isdigit(c) || (c == '.' && isdigit((unsigned char)c1))) {
        rc = lex_number(lx, t);
        if (rc) return rc;
    } else {
        int two = 0;
        switch (c) {
        case '(': t->kind = TK_LPAREN; break;
        case ')': t->kind = TK_RPAREN; break;
        case '[': t->kind = TK_LBRACK; break;
        case ']': t->kind = TK_RBRACK; break;
        case '{': t->kind = TK_LBRACE; break;
        case '}': t->kind = TK_RBRACE; break;
        case ',': t->kind = TK_COMMA; break;
        case ':': t->kind = TK_COLON; break;
        case ';': t->kind = TK_SEMI; break;
        case '|': t->kind = TK_PIPE; break;
        case '=': t->kind = TK_EQ; break;
        case '-': t->kind = TK_MINUS; break;
        case '*': t->kind = TK_STAR; break;
        case '/': t->kind = TK_SLASH; break;
        case '%': t->kind = TK_PERCENT; break;
        case '^': t->kind = TK_CARET; break;
        case '.':
            if (c1 == '.') two = 1, t->kind = TK_DOTDOT;
            else t->kind = TK_DOT;
            break;
        case '+':
            if (c1 == '=') two = 1, t->kind = TK_PLUSEQ;
            else t->kind = TK_PLUS;
            break;
        case '<':
            if (c1 == '>') two = 1, t->kind = TK_NE;
            else if (c1 == '=') two = 1, t->kind = TK_LE;
            else t->kind = TK_LT;
            break;
        case '>':
            if (c1 == '=') two = 1, t->kind = TK_GE;
            else t->kind = TK_GT;
            break;
        case '!':
            if (c1 == '=') {
                two = 1;
                t->kind = TK_NE;
                break;
            }
            /* fall through */
        default:
            return lex_err(lx, start, "UnexpectedSyntax: unexpected character");
        }
        lx->pos += two ? 2 : 1;
    }
    t->len = lx->pos - start;
    return BSP_OK;
}
