/* Fuzz the Cypher lexer and parser: arbitrary bytes must parse or fail with a message,
 * never crash; a parsed statement must print. */
#include <stdint.h>
#include <stdlib.h>

#include "bindspace/cypher.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bsp_cypher_ast *a = NULL;
    if (bsp_cypher_parse((const char *)data, size, &a) == 0) {
        char *s = NULL;
        if (bsp_cypher_ast_sexpr(a, &s) == 0) free(s);
        bsp_cypher_ast_free(a);
    }
    return 0;
}
