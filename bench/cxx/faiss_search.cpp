// FAISS baselines for bench_search: IndexBinaryFlat (the library as shipped by Debian) and
// FAISS's header Hamming kernel (HammingComputerDefault from faiss/utils/hamming-inl.h)
// compiled here with -march=native, run in the loop shape of FAISS's flat search
// (hammings_knn_hc: database in blocks of faiss::hamming_batch_size codes - 65,536 by
// default, so each query makes its own pass over a block - queries in parallel, one max-heap
// of k per query, replace-top when a distance beats the root); the block size is a
// parameter so the bench can also run a cache-blocked variant.
#include <faiss/IndexBinaryFlat.h>
#include <faiss/utils/hamming.h>  // includes hamming-inl.h (HammingComputerDefault)

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

extern "C" void omp_set_num_threads(int);

extern "C" {

void *bfx_flat_new(const uint8_t *codes, size_t n)
{
    auto *idx = new faiss::IndexBinaryFlat(16384);
    idx->add((faiss::Index::idx_t)n, codes);
    return idx;
}

void bfx_flat_free(void *p) { delete static_cast<faiss::IndexBinaryFlat *>(p); }

void bfx_flat_search(void *p, const uint8_t *queries, size_t nq, int k, int threads,
                     int32_t *dist, int64_t *labels)
{
    omp_set_num_threads(threads);
    static_cast<faiss::IndexBinaryFlat *>(p)->search((faiss::Index::idx_t)nq, queries, k, dist,
                                                     (faiss::Index::idx_t *)labels);
}


static void sift_down(int32_t *d, int64_t *l, int k, int32_t nd, int64_t nl)
{
    int i = 0;
    for (;;) {
        int a = 2 * i + 1, b = a + 1, m = i;
        int32_t md = nd;
        if (a < k && d[a] > md) { m = a; md = d[a]; }
        if (b < k && d[b] > md) { m = b; }
        if (m == i) break;
        d[i] = d[m];
        l[i] = l[m];
        i = m;
    }
    d[i] = nd;
    l[i] = nl;
}

size_t bfx_hamming_batch_size(void) { return faiss::hamming_batch_size; }

void bfx_hc_search(const uint8_t *codes, size_t n, const uint8_t *queries, size_t nq, int k,
                   int threads, size_t bs2, int32_t *dist, int64_t *labels)
{
    const size_t cs = 2048;
    for (size_t i = 0; i < nq * (size_t)k; i++) { dist[i] = 0x7fffffff; labels[i] = -1; }
    // Each thread takes a share of the queries (FAISS: omp parallel for over queries inside
    // the loop over database blocks; a single query therefore runs on one thread).
    auto work = [&](size_t q0, size_t q1) {
        for (size_t j0 = 0; j0 < n; j0 += bs2) {
            size_t j1 = std::min(n, j0 + bs2);
            for (size_t q = q0; q < q1; q++) {
                faiss::HammingComputerDefault hc(queries + q * cs, (int)cs);
                int32_t *d = dist + q * k;
                int64_t *l = labels + q * k;
                for (size_t j = j0; j < j1; j++) {
                    int32_t dis = hc.hamming(codes + j * cs);
                    if (dis < d[0]) sift_down(d, l, k, dis, (int64_t)j);
                }
            }
        }
    };
    int nt = (int)std::min<size_t>((size_t)std::max(threads, 1), std::max<size_t>(nq, 1));
    std::vector<std::thread> ts;
    for (int t = 1; t < nt; t++) ts.emplace_back(work, nq * t / nt, nq * (t + 1) / nt);
    work(0, nq / nt);
    for (auto &t : ts) t.join();
}

}  // extern "C"
