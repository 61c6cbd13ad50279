/* Predicates on the metadata sidecar (spec §6): parse the predicate JSON once into a
 * compiled predicate, then evaluate it per record without allocation. */
#ifndef BINDSPACE_PREDICATE_H
#define BINDSPACE_PREDICATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bindspace/fp.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bsp_predicate bsp_predicate;

/* Compile predicate JSON (len bytes, need not be NUL-terminated). On error returns
 * BSP_EINVAL / BSP_ERANGE with a message containing the dotted key path
 * ("nars.min_confidence") and *out = NULL. */
int bsp_predicate_compile(const char *json, size_t len, bsp_predicate **out);
/* The empty predicate (passes every record). */
int bsp_predicate_new_empty(bsp_predicate **out);
void bsp_predicate_free(bsp_predicate *p);
bool bsp_predicate_eval(const bsp_predicate *p, const uint64_t r[BSP_WORDS]);
bool bsp_predicate_is_empty(const bsp_predicate *p);
/* A short human description of the clauses present ("nars.min_confidence,graph.cluster_id"),
 * for plan names. Returned string is owned by p. */
const char *bsp_predicate_describe(const bsp_predicate *p);

#ifdef __cplusplus
}
#endif
#endif
