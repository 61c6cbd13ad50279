/* Per-record delta chain (spec §10.3): an anchor record plus up to 255 deltas, each
 * computed against the version before it.
 *
 * The one idea: deltas are kept in their wire form (§10.2) back to back in one growing
 * buffer, so a chain of sparse edits costs 32 + 8·nnz bytes per version (not the 2 KiB of
 * a bsp_delta), and compressed_bytes is simply 2048 + the buffer length. The newest
 * version is cached so push needs no reconstruction. */
#include <stdlib.h>
#include <string.h>

#include "bindspace/delta.h"
#include "bindspace/error.h"
#include "util/error.h"

#define CHAIN_MAX_VERSIONS 256

struct bsp_delta_chain {
    uint64_t anchor[BSP_WORDS];
    uint64_t last[BSP_WORDS];            /* the newest version */
    uint32_t ndeltas;
    uint32_t off[CHAIN_MAX_VERSIONS];    /* off[i] = start of delta i in buf */
    uint16_t nnz[CHAIN_MAX_VERSIONS - 1];
    uint8_t *buf;
    size_t len, cap;
};

int bsp_delta_chain_new(bsp_delta_chain **out, const uint64_t anchor[BSP_WORDS])
{
    *out = NULL;
    bsp_delta_chain *c = calloc(1, sizeof *c);
    if (!c) return bsp_err(BSP_ENOMEM, "delta chain: out of memory");
    memcpy(c->anchor, anchor, sizeof c->anchor);
    memcpy(c->last, anchor, sizeof c->last);
    *out = c;
    return BSP_OK;
}

void bsp_delta_chain_free(bsp_delta_chain *c)
{
    if (!c) return;
    free(c->buf);
    free(c);
}

int bsp_delta_chain_push(bsp_delta_chain *c, const uint64_t next[BSP_WORDS])
{
    if (c->ndeltas + 1 >= CHAIN_MAX_VERSIONS)
        return bsp_err(BSP_EFULL, "delta chain: already %d versions (anchor + %d deltas)",
                       CHAIN_MAX_VERSIONS, CHAIN_MAX_VERSIONS - 1);
    bsp_delta d;
    bsp_delta_compute(&d, c->last, next);
    size_t need = bsp_delta_compressed_bytes(&d);
    if (c->cap - c->len < need) {
        size_t cap = c->cap ? c->cap : 256;
        while (cap - c->len < need) cap *= 2;
        uint8_t *b = realloc(c->buf, cap);
        if (!b) return bsp_err(BSP_ENOMEM, "delta chain: out of memory");
        c->buf = b;
        c->cap = cap;
    }
    int n = bsp_delta_encode(&d, c->buf + c->len, c->cap - c->len);
    if (n < 0) return n;
    c->off[c->ndeltas] = (uint32_t)c->len;
    c->nnz[c->ndeltas] = (uint16_t)d.nnz;
    c->len += (size_t)n;
    c->ndeltas++;
    memcpy(c->last, next, sizeof c->last);
    return BSP_OK;
}

size_t bsp_delta_chain_depth(const bsp_delta_chain *c) { return (size_t)c->ndeltas + 1; }

/* Apply one stored wire-form delta to out without materialising a bsp_delta. */
static void apply_wire(uint64_t out[BSP_WORDS], const uint8_t *p)
{
    const uint8_t *payload = p + 32;
    for (int g = 0; g < 4; g++) {
        uint64_t m = 0;
        for (int i = 7; i >= 0; i--) m = (m << 8) | p[8 * g + i];
        for (; m; m &= m - 1) {
            uint64_t x = 0;
            for (int i = 7; i >= 0; i--) x = (x << 8) | payload[i];
            out[64 * g + __builtin_ctzll(m)] ^= x;
            payload += 8;
        }
    }
}

void bsp_delta_chain_reconstruct(const bsp_delta_chain *c, size_t i, uint64_t out[BSP_WORDS])
{
    if (i >= c->ndeltas) {
        memcpy(out, c->last, sizeof c->last);
        return;
    }
    memcpy(out, c->anchor, sizeof c->anchor);
    for (size_t k = 0; k < i; k++) apply_wire(out, c->buf + c->off[k]);
}

size_t bsp_delta_chain_compressed_bytes(const bsp_delta_chain *c) { return BSP_BYTES + c->len; }

double bsp_delta_chain_estimate_compression(const bsp_delta_chain *c)
{
    size_t n = bsp_delta_chain_depth(c);
    if (n < 2) return 1.0;
    double sum = 0.0;
    for (uint32_t k = 0; k < c->ndeltas; k++) sum += 1.0 - (double)c->nnz[k] / (double)BSP_WORDS;
    double avg_sparsity = sum / (double)c->ndeltas;
    return (1.0 + (double)(n - 1) * (1.0 - avg_sparsity)) / (double)n;
}
