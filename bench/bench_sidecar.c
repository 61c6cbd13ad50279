/* Throughput of the sidecar codec and DN parser: unpack, pack, view + derived values,
 * to_json and dn_parse, in operations per second over a fixed set of random records.
 * Usage: bench_sidecar [iterations]. Prints one line per operation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bindspace/sidecar.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#define NREC 1024
static uint64_t recs[NREC][BSP_WORDS];

static void report(const char *what, long ops, double secs, unsigned sink)
{
    printf("%-22s %10.0f ops/s  %8.1f ns/op  (sink %u)\n", what, (double)ops / secs,
           secs * 1e9 / (double)ops, sink & 1);
}

int main(int argc, char **argv)
{
    long iters = argc > 1 ? atol(argv[1]) : 2000000;
    uint64_t x = 42;
    for (int i = 0; i < NREC; i++)
        for (int w = 0; w < BSP_WORDS; w++) recs[i][w] = bsp_splitmix64(x++);
    for (int i = 0; i < NREC; i++) {
        bsp_sidecar s;
        bsp_sidecar_unpack(recs[i], &s);
        s.rung = 0;
        s.dn_depth = 32;
        memset(s.edge_verbs, 1, sizeof s.edge_verbs);
        recs[i][223] &= 0x00FFFFFFFFFFFFFFull;
        bsp_sidecar_pack(recs[i], &s);
    }
    bsp_sidecar s;
    unsigned sink = 0;
    double t = now();
    for (long i = 0; i < iters; i++) {
        bsp_sidecar_unpack(recs[i & (NREC - 1)], &s);
        sink += s.ani[i & 7];
    }
    report("sidecar_unpack", iters, now() - t, sink);

    t = now();
    for (long i = 0; i < iters; i++) {
        bsp_sidecar_unpack(recs[(i + 1) & (NREC - 1)], &s);
        sink += (unsigned)bsp_sidecar_pack(recs[i & (NREC - 1)], &s);
    }
    report("unpack+pack", iters, now() - t, sink);

    t = now();
    for (long i = 0; i < iters; i++) {
        float v;
        if (bsp_sidecar_view(recs[i & (NREC - 1)], &s))
            sink += (unsigned)bsp_sidecar_ani_dominant(&s) + (unsigned)bsp_sidecar_best_action(&s, &v) +
                    (bsp_sidecar_reward_trend(&s) > 0);
    }
    report("view+derived", iters, now() - t, sink);

    long jn = iters / 20;
    t = now();
    for (long i = 0; i < jn; i++) {
        char *j;
        if (bsp_sidecar_to_json(recs[i & (NREC - 1)], &j) == 0) {
            sink += (unsigned char)j[3];
            free(j);
        }
    }
    report("sidecar_to_json", jn, now() - t, sink);

    const char *paths[4] = {"graphs:semantic:3:7:42", " hdr://mydb:tree:1:2:3 ", "a:b",
                            "domain:tree:1:2:3:4:5:6:7:8:9:10:11:12"};
    t = now();
    for (long i = 0; i < iters; i++) {
        bsp_dn dn;
        const char *p = paths[i & 3];
        if (bsp_dn_parse(p, strlen(p), &dn) == 0) sink += bsp_dn_addr(&dn);
    }
    report("dn_parse+addr", iters, now() - t, sink);
    return 0;
}
