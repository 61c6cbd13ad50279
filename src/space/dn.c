/* DN addressing inside the space (spec §15): write_dn_path, dn_get, dn_set, dn_mget, dn_scan.
 *
 * The DN index maps a canonical path to its address. Because an indexed path always lives
 * at its hashed address (dn_path_to_addr), the index is stored per address (sp->dn_path):
 * a lookup hashes the path and compares the text stored there. write_dn_path checks every
 * ancestor and the leaf first and only then writes, so an error writes nothing. */
#include <stdlib.h>
#include <string.h>

#include "bindspace/sidecar.h"
#include "space/space_internal.h"
#include "util/error.h"

/* The record of a DN node: words 0..207 from base_words, sidecar from sc with depth, rung
 * and components set (§15). */
static int dn_record(uint64_t out[BSP_WORDS], const uint64_t *base_words, bsp_sidecar *sc, const bsp_dn *dn,
                     uint8_t rung)
{
    memset(out, 0, BSP_BYTES);
    memcpy(out, base_words, BSP_SEM_WORDS * 8);
    sc->dn_depth = dn->depth;
    sc->rung = rung;
    memset(sc->dn, 0, sizeof sc->dn);
    memcpy(sc->dn, dn->index, dn->depth);
    return bsp_sidecar_pack(out, sc);
}

/* The sidecar fields of fp: its own if version 1, else all zero. */
static void fp_sidecar(const uint64_t fp[BSP_WORDS], bsp_sidecar *sc)
{
    if (bsp_schema_version(fp) == 1)
        bsp_sidecar_unpack(fp, sc);
    else
        memset(sc, 0, sizeof *sc);
}

#define MAX_CHAIN (BSP_DN_MAX_DEPTH + 1)

/* With wmu held: plan and perform write_dn_path. */
static int write_dn_locked(bsp_space *sp, const bsp_dn *leaf, const uint64_t fp[BSP_WORDS], uint8_t rung,
                           uint16_t *addr_out, uint64_t *seq)
{
    bsp_dn chain[MAX_CHAIN];
    uint16_t addrs[MAX_CHAIN];
    int action[MAX_CHAIN]; /* 0 keep, 1 create, 2 rewrite the indexed leaf */
    size_t n = (size_t)leaf->depth + 1;
    chain[n - 1] = *leaf;
    for (size_t k = n - 1; k > 0; k--)
        if (bsp_dn_parent(&chain[k], &chain[k - 1]) < 0) return bsp_err(BSP_EINVAL, "DN %s: no parent", chain[k].canonical);
    for (size_t k = 0; k < n; k++) {
        addrs[k] = bsp_dn_addr(&chain[k]);
        for (size_t j = 0; j < k; j++)
            if (addrs[j] == addrs[k])
                return bsp_err(BSP_EEXIST, "DN collision: %s and %s both hash to 0x%02x:%02x", chain[j].canonical,
                               chain[k].canonical, addrs[k] >> 8, addrs[k] & 0xFF);
        const char *idx = sp->dn_path[addrs[k]];
        bool same = idx && !strcmp(idx, chain[k].canonical);
        if (same)
            action[k] = k + 1 == n ? 2 : 0;
        else if (bit_get(sp->occ, addrs[k]))
            return bsp_err(BSP_EEXIST, "DN collision: %s hashes to 0x%02x:%02x, which holds %s%s", chain[k].canonical,
                           addrs[k] >> 8, addrs[k] & 0xFF, idx ? "the record of " : "a record not indexed under it",
                           idx ? idx : "");
        else
            action[k] = 1;
    }
    /* build every record before writing any */
    uint64_t(*recs)[BSP_WORDS] = aligned_alloc(64, n * BSP_BYTES);
    if (!recs) return bsp_err(BSP_ENOMEM, "DN: out of memory");
    int rc = BSP_OK;
    for (size_t k = 0; k < n && rc == BSP_OK; k++) {
        bsp_sidecar sc;
        if (k + 1 == n) {
            fp_sidecar(fp, &sc);
            rc = dn_record(recs[k], fp, &sc, &chain[k], rung);
        } else if (action[k] == 1) {
            uint64_t lab[BSP_WORDS];
            bsp_label_fp(lab, chain[k].canonical, chain[k].canonical_len);
            memset(&sc, 0, sizeof sc);
            rc = dn_record(recs[k], lab, &sc, &chain[k], rung);
        }
    }
    for (size_t k = 0; k < n && rc == BSP_OK; k++) {
        if (action[k] == 1) {
            rc = space_do_write_at(sp, addrs[k], recs[k], seq);
            if (rc == BSP_OK) rc = space_do_dnbind(sp, addrs[k], chain[k].canonical, chain[k].canonical_len, seq);
        } else if (action[k] == 2) {
            _Alignas(64) uint64_t vis[BSP_WORDS];
            bsp_delta d;
            pthread_rwlock_rdlock(&sp->cache.rw);
            cache_visible(&sp->cache, addrs[k], vis);
            pthread_rwlock_unlock(&sp->cache.rw);
            bsp_delta_compute(&d, vis, recs[k]);
            rc = space_do_delta(sp, addrs[k], &d, seq);
        }
    }
    free(recs);
    if (rc == BSP_OK && addr_out) *addr_out = addrs[n - 1];
    return rc;
}

int bsp_space_write_dn_path(bsp_space *sp, const char *path, const uint64_t fp[BSP_WORDS], uint8_t rung,
                            uint16_t *addr)
{
    if (sp->read_only) return bsp_err(BSP_EPERM, "%s: the space is open read-only", sp->dir);
    if (rung > 2) return bsp_err(BSP_EINVAL, "DN %s: rung %u is not 0..2", path, rung);
    bsp_dn dn;
    int rc = bsp_dn_parse(path, strlen(path), &dn);
    if (rc < 0) return rc;
    uint64_t seq = 0;
    pthread_mutex_lock(&sp->wmu);
    rc = write_dn_locked(sp, &dn, fp, rung, addr, &seq);
    pthread_mutex_unlock(&sp->wmu);
    return rc < 0 ? rc : space_after_write(sp, seq);
}

/* The address of an indexed path, with the shared lock held; -1 if not indexed. */
static int lookup(bsp_space *sp, const bsp_dn *dn)
{
    uint16_t a = bsp_dn_addr(dn);
    const char *p = sp->dn_path[a];
    return p && !strcmp(p, dn->canonical) ? a : -1;
}

int bsp_space_dn_get(bsp_space *sp, const char *path, uint64_t out[BSP_WORDS], uint16_t *addr)
{
    bsp_dn dn;
    int rc = bsp_dn_parse(path, strlen(path), &dn);
    if (rc < 0) return rc;
    pthread_rwlock_rdlock(&sp->cache.rw);
    int a = lookup(sp, &dn);
    if (a >= 0) cache_visible(&sp->cache, (uint16_t)a, out);
    pthread_rwlock_unlock(&sp->cache.rw);
    if (a < 0) return bsp_err(BSP_ENOTFOUND, "DN %s is not indexed", dn.canonical);
    if (addr) *addr = (uint16_t)a;
    return BSP_OK;
}

int bsp_space_dn_set(bsp_space *sp, const char *path, const uint64_t v[BSP_WORDS], uint16_t *addr)
{
    if (sp->read_only) return bsp_err(BSP_EPERM, "%s: the space is open read-only", sp->dir);
    bsp_dn dn;
    int rc = bsp_dn_parse(path, strlen(path), &dn);
    if (rc < 0) return rc;
    uint64_t seq = 0;
    pthread_mutex_lock(&sp->wmu);
    int a = lookup(sp, &dn); /* wmu: the index cannot change under us */
    if (a < 0) {
        rc = write_dn_locked(sp, &dn, v, 0, addr, &seq);
    } else {
        _Alignas(64) uint64_t vis[BSP_WORDS], rec[BSP_WORDS];
        pthread_rwlock_rdlock(&sp->cache.rw);
        cache_visible(&sp->cache, (uint16_t)a, vis);
        pthread_rwlock_unlock(&sp->cache.rw);
        bsp_sidecar cur, sc;
        fp_sidecar(vis, &cur);
        fp_sidecar(v, &sc);
        rc = dn_record(rec, v, &sc, &dn, cur.rung);
        if (rc == BSP_OK) {
            bsp_delta d;
            bsp_delta_compute(&d, vis, rec);
            rc = space_do_delta(sp, (uint16_t)a, &d, &seq);
        }
        if (rc == BSP_OK && addr) *addr = (uint16_t)a;
    }
    pthread_mutex_unlock(&sp->wmu);
    return rc < 0 ? rc : space_after_write(sp, seq);
}

int bsp_space_dn_mget(bsp_space *sp, const char *const *paths, size_t n, uint64_t (*out)[BSP_WORDS], bool *found)
{
    bsp_dn *dns = malloc((n ? n : 1) * sizeof *dns);
    if (!dns) return bsp_err(BSP_ENOMEM, "dn_mget: out of memory");
    for (size_t i = 0; i < n; i++) {
        int rc = bsp_dn_parse(paths[i], strlen(paths[i]), &dns[i]);
        if (rc < 0) {
            free(dns);
            return rc;
        }
    }
    pthread_rwlock_rdlock(&sp->cache.rw);
    for (size_t i = 0; i < n; i++) {
        int a = lookup(sp, &dns[i]);
        found[i] = a >= 0;
        if (a >= 0)
            cache_visible(&sp->cache, (uint16_t)a, out[i]);
        else
            memset(out[i], 0, BSP_BYTES);
    }
    pthread_rwlock_unlock(&sp->cache.rw);
    free(dns);
    return BSP_OK;
}

typedef struct scan_item {
    char *path;
    uint16_t addr;
} scan_item;

static int cmp_item(const void *a, const void *b)
{
    return strcmp(((const scan_item *)a)->path, ((const scan_item *)b)->path); /* unsigned bytes */
}

int bsp_space_dn_scan(bsp_space *sp, const char *pattern, char ***paths, uint16_t **addrs, size_t *n)
{
    *paths = NULL;
    *n = 0;
    if (addrs) *addrs = NULL;
    size_t plen = strlen(pattern);
    int rc = bsp_dn_matches_prefix("", 0, pattern, plen); /* validates the pattern */
    if (rc < 0) return rc;
    scan_item *items = NULL;
    size_t cnt = 0, cap = 0;
    rc = BSP_OK;
    pthread_rwlock_rdlock(&sp->cache.rw);
    for (uint32_t a = 0x8000; a < 65536 && rc == BSP_OK; a++) {
        const char *p = sp->dn_path[a];
        if (!p) continue;
        int m = bsp_dn_matches_prefix(p, strlen(p), pattern, plen);
        if (m < 0) {
            rc = m;
            break;
        }
        if (!m) continue;
        if (cnt == cap) {
            cap = cap ? cap * 2 : 64;
            scan_item *ni = realloc(items, cap * sizeof *ni);
            if (!ni) {
                rc = bsp_err(BSP_ENOMEM, "dn_scan: out of memory");
                break;
            }
            items = ni;
        }
        items[cnt].path = strdup(p);
        items[cnt].addr = (uint16_t)a;
        if (!items[cnt].path) rc = bsp_err(BSP_ENOMEM, "dn_scan: out of memory");
        else cnt++;
    }
    pthread_rwlock_unlock(&sp->cache.rw);
    char **pv = NULL;
    uint16_t *av = NULL;
    if (rc == BSP_OK) {
        if (cnt) qsort(items, cnt, sizeof *items, cmp_item);
        pv = malloc((cnt ? cnt : 1) * sizeof *pv);
        av = malloc((cnt ? cnt : 1) * sizeof *av);
        if (!pv || !av) rc = bsp_err(BSP_ENOMEM, "dn_scan: out of memory");
    }
    if (rc < 0) {
        for (size_t i = 0; i < cnt; i++) free(items[i].path);
        free(items);
        free(pv);
        free(av);
        return rc;
    }
    for (size_t i = 0; i < cnt; i++) {
        pv[i] = items[i].path;
        av[i] = items[i].addr;
    }
    free(items);
    *paths = pv;
    *n = cnt;
    if (addrs)
        *addrs = av;
    else
        free(av);
    return BSP_OK;
}

void bsp_space_dn_paths_free(char **paths, size_t n)
{
    if (!paths) return;
    for (size_t i = 0; i < n; i++) free(paths[i]);
    free(paths);
}
