/* The bounded top-k heap of one query (§7.1): a binary max-heap on (key, position) holding
 * the best k hits seen so far, so its root is the current k-th entry. When the root changes
 * the query's pruning limits are recomputed from the root key. */
#include <stdlib.h>

#include "search/search_internal.h"

void search_query_reset_limits(const search_ctx *c, search_query *sq)
{
    sq->dlimit = c->maxd;
    sq->nlimit = c->maxd;
}

static void update_limits(const search_ctx *c, search_query *sq)
{
    double kth = sq->heap[0].score;
    if (c->rank == BSP_RANK_DISTANCE || c->rank == BSP_RANK_BLOOM) {
        uint32_t l = (uint32_t)kth;  /* integral keys */
        sq->dlimit = l < c->maxd ? l : c->maxd;
        if (sq->shared) {
            uint32_t cur = atomic_load_explicit(sq->shared, memory_order_relaxed);
            while (sq->dlimit < cur &&
                   !atomic_compare_exchange_weak_explicit(sq->shared, &cur, sq->dlimit,
                                                          memory_order_relaxed,
                                                          memory_order_relaxed)) {
            }
            if (cur < sq->dlimit) sq->dlimit = cur;
        }
        if (c->rank == BSP_RANK_BLOOM) {
            int64_t n = search_bloom_limit(c->bloom_m, kth);
            uint32_t nl = n < 0 ? 0 : (uint32_t)n;
            sq->nlimit = nl < c->maxd ? nl : c->maxd;
        }
    }
}

void search_heap_offer(const search_ctx *c, search_query *sq, const bsp_search_hit *h)
{
    bsp_search_hit *a = sq->heap;
    size_t n = sq->size, k = c->k;
    if (k == 0) return;
    if (n < k) {
        size_t i = n;
        while (i > 0) {
            size_t p = (i - 1) / 2;
            if (!search_hit_less(&a[p], h)) break;
            a[i] = a[p];
            i = p;
        }
        a[i] = *h;
        sq->size = n + 1;
        if (sq->size == k) update_limits(c, sq);
        return;
    }
    if (!search_hit_less(h, &a[0])) return;
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        const bsp_search_hit *big = h;
        if (l < n && search_hit_less(big, &a[l])) { m = l; big = &a[l]; }
        if (r < n && search_hit_less(big, &a[r])) { m = r; }
        if (m == i) break;
        a[i] = a[m];
        i = m;
    }
    a[i] = *h;
    update_limits(c, sq);
}

static int hit_cmp(const void *x, const void *y)
{
    const bsp_search_hit *a = x, *b = y;
    if (search_hit_less(a, b)) return -1;
    if (search_hit_less(b, a)) return 1;
    return 0;
}

void search_hits_sort(bsp_search_hit *h, size_t n)
{
    if (n > 1) qsort(h, n, sizeof *h, hit_cmp);
}
