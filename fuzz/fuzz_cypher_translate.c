/* Fuzz Cypher translation: every statement that parses must translate to SQL or fail with a
 * "<Class>: ..." message, never crash; translated SQL is prepared (not run) on an in-memory
 * graph, where SQLite must accept it or report an error the engine can classify. Running the
 * statements is left out: a valid query may legitimately take long (range(1, 1e9)). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bindspace/cypher.h"
#include "bindspace/error.h"

static bsp_cypher_session *session;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!session && bsp_cypher_open(NULL, &session) != BSP_OK) abort();
    char *q = malloc(size + 1);
    if (!q) return 0;
    memcpy(q, data, size);
    q[size] = 0;
    if (strlen(q) == size) {  /* statements are C strings */
        char *sql = NULL;
        if (bsp_cypher_explain(session, q, &sql) == BSP_OK) free(sql);
        else if (!strchr(bsp_errmsg(), ':')) abort();  /* every error names its class */
    }
    free(q);
    return 0;
}
