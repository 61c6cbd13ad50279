/* The fixed surface (spec §14, prefixes 0x00-0x0B): vocabularies generated at open from the
 * label fingerprints (§4.5) of their names, read-only and never persisted.
 *
 * The names the spec fixes are used as given; the ones it leaves open (§19.1: compartments
 * 0x00, 0x01, 0x06, 0x08-0x0B and verbs 0x07:01-0x1A) are chosen here and listed in
 * docs/space.md. Chosen names outside the verb list carry their compartment in the name
 * (SQL_SELECT, CQL_SELECT) so that two compartments never share a fingerprint. */
#include <string.h>

#include "space/space_internal.h"

typedef struct surface_group {
    uint8_t prefix, first_slot;
    const char *const *names; /* NULL-terminated, consecutive slots */
} surface_group;

static const char *const storage_ops[] = {"GET", "PUT", "WRITE", "WRITE_AT", "DELETE", "FLUSH", "SCAN",
                                          "SEARCH", "BIND", "BUNDLE", "DELTA", "SNAPSHOT", NULL};
static const char *const sql_ops[] = {"SQL_SELECT", "SQL_INSERT", "SQL_UPDATE", "SQL_DELETE",
                                      "SQL_CREATE", "SQL_DROP", "SQL_JOIN", "SQL_WHERE",
                                      "SQL_GROUP_BY", "SQL_ORDER_BY", "SQL_LIMIT", "SQL_UNION", NULL};
static const char *const cql_ops[] = {"CQL_SELECT", "CQL_INSERT", "CQL_UPDATE",
                                      "CQL_DELETE", "CQL_BATCH",  "CQL_CREATE_TABLE", NULL};
static const char *const cypher_ops[] = {"MATCH", "CREATE", "MERGE", "RETURN", "WITH", "UNWIND",
                                         "OPTIONAL_MATCH", "DETACH_DELETE", NULL};
static const char *const nars_ops[] = {"DEDUCE", "ABDUCT", "INDUCE", "REVISE", "CHOICE", "EXPECTATION", NULL};
static const char *const causal_ops[] = {"OBSERVE", "INTERVENE", "IMAGINE", "CAUSE", "EFFECT", "CONFOUND", NULL};
static const char *const meta_ops[] = {"META_REFLECT", "META_EVALUATE", "META_PLAN", "META_MONITOR",
                                       "META_EXPLAIN", "META_ABSTRACT", "META_COMPARE", NULL};
/* 0x07:00-0x1B, the 28 relation verbs (CAUSES and SUPPORTS fixed by the spec) */
static const char *const verbs[] = {
    "CAUSES",     "ENABLES",      "PREVENTS",    "REQUIRES",     "IMPLIES",     "CONTRADICTS",
    "SIMILAR_TO", "PART_OF",      "HAS_PART",    "IS_A",         "INSTANCE_OF", "BEFORE",
    "AFTER",      "DURING",       "LOCATED_IN",  "NEAR",         "OWNS",        "CREATES",
    "USES",       "PRODUCES",     "CONSUMES",    "CONTAINS",     "DEPENDS_ON",  "REFERS_TO",
    "DERIVED_FROM", "OPPOSES",    "ASSOCIATED_WITH", "SUPPORTS", NULL};
static const char *const tree_verbs[] = {"PARENT_OF",     "CHILD_OF", "SIBLING_OF",   "ANCESTOR_OF",
                                         "DESCENDANT_OF", "ROOT_OF",  "NEXT_SIBLING", "PREV_SIBLING", NULL};
static const char *const concepts[] = {"CONCEPT_ENTITY", "CONCEPT_EVENT", "CONCEPT_PROPERTY",
                                       "CONCEPT_RELATION", "CONCEPT_STATE", "CONCEPT_PROCESS", NULL};
static const char *const qualia[] = {"QUALIA_FORMAL", "QUALIA_CONSTITUTIVE", "QUALIA_TELIC",
                                     "QUALIA_AGENTIVE", "QUALIA_VALENCE", "QUALIA_AROUSAL", NULL};
static const char *const memory_ops[] = {"MEMORY_ENCODE", "MEMORY_STORE", "MEMORY_RETRIEVE",
                                         "MEMORY_CONSOLIDATE", "MEMORY_FORGET", NULL};
static const char *const learning_ops[] = {"LEARN_REINFORCE", "LEARN_GENERALIZE", "LEARN_DISCRIMINATE",
                                           "LEARN_EXTINGUISH", "LEARN_TRANSFER", NULL};

static const surface_group groups[] = {
    {0x00, 0x00, storage_ops}, {0x01, 0x00, sql_ops},    {0x01, 0x80, cql_ops},
    {0x02, 0x00, cypher_ops},  {0x04, 0x00, nars_ops},   {0x05, 0x00, causal_ops},
    {0x06, 0x00, meta_ops},    {0x07, 0x00, verbs},      {0x07, 0x20, tree_verbs},
    {0x08, 0x00, concepts},    {0x09, 0x00, qualia},     {0x0A, 0x00, memory_ops},
    {0x0B, 0x00, learning_ops},
};

const char *bsp_space_surface_name(uint16_t addr)
{
    uint8_t p = BSP_ADDR_PREFIX(addr), s = BSP_ADDR_SLOT(addr);
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        if (groups[g].prefix != p || s < groups[g].first_slot) continue;
        for (size_t i = 0; groups[g].names[i]; i++)
            if (groups[g].first_slot + i == s) return groups[g].names[i];
    }
    return NULL;
}

void surface_generate(bsp_space *sp)
{
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++)
        for (size_t i = 0; groups[g].names[i]; i++) {
            uint16_t a = BSP_ADDR(groups[g].prefix, groups[g].first_slot + i);
            const char *nm = groups[g].names[i];
            bsp_label_fp(sp->rec[a], nm, strlen(nm));
            bit_set(sp->occ, a);
        }
}
