/* Cypher lexer: turns statement text into tokens with 1-based line:column positions.
 * Keywords are not tokens of their own: they lex as identifiers and the parser matches
 * them case-insensitively, so keywords stay usable as property keys and map keys. A
 * backquoted identifier is flagged so it never matches a keyword. */
#ifndef BSP_CYPHER_LEXER_H
#define BSP_CYPHER_LEXER_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    TK_EOF, TK_IDENT, TK_PARAM, TK_STRING, TK_INT, TK_FLOAT,
    TK_LPAREN, TK_RPAREN, TK_LBRACK, TK_RBRACK, TK_LBRACE, TK_RBRACE,
    TK_COMMA, TK_DOT, TK_DOTDOT, TK_COLON, TK_SEMI, TK_PIPE,
    TK_EQ, TK_NE, TK_LT, TK_GT, TK_LE, TK_GE,
    TK_PLUS, TK_MINUS, TK_STAR, TK_SLASH, TK_PERCENT, TK_CARET, TK_PLUSEQ,
    TK_BADNUM /* a number run into letters: an error wherever it stands */
} cy_tok_kind;

typedef struct {
    cy_tok_kind kind;
    const char *start; /* in the source text */
    size_t len;        /* source length */
    char *text;        /* IDENT/PARAM name, STRING value (unescaped, malloc'd) */
    size_t text_len;
    uint64_t u;        /* INT (may be 2^63, for -9223372036854775808) */
    double f;
    int quoted;        /* backquoted identifier */
    int line, col;
} cy_token;

typedef struct {
    const char *src;
    size_t len, pos;
    int line;
    size_t line_start;
} cy_lexer;

void cy_lex_init(cy_lexer *lx, const char *src, size_t len);
/* Next token into *t (t->text malloc'd or NULL; caller frees). BSP_EINVAL with
 * "line:col: ..." on a lexical error. */
int cy_lex_next(cy_lexer *lx, cy_token *t);

#endif
