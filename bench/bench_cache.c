/* Benchmark of the BindSpace write path and read path, each figure next to a baseline
 * measured in the same run on the same disk / memory.
 *
 *  1. Raw fdatasync rate: pwrite of 64 bytes + fdatasync, appending inside a preallocated
 *     file in the database's WAL directory (the WAL's own pattern, without any bindspace code).
 *  2. Every-write durability: one thread, BSP_DURABLE_SYNC, bsp_space_put of a record that
 *     differs from the visible one in 1-4 words; puts/s and the ratio to (1).
 *  3. Group commit: T writer threads, BSP_DURABLE_SYNC (each put waits for the fdatasync that
 *     covers it; concurrent puts share one), and BSP_DURABLE_INTERVAL (writers do not wait;
 *     one fdatasync every 10 ms covers everything written meanwhile); puts/s.
 *  4. Reads, next to a plain 2 KiB record copy from the same kind of array: read_through of a
 *     clean address inside a held shared lock plus the copy of the CLEAN base (how a scan reads
 *     the space), bsp_space_get_many (one lock for 64 records), bsp_space_get (one lock round
 *     trip per record), and bsp_space_get of a dirty address (PATCHED, entry of 1 word).
 * Usage: bench_cache [dir] (default: a fresh directory under $TMPDIR or /tmp). */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bindspace/bindspace.h"
#include "bindspace/space.h"
#include "space/space_internal.h" /* read_through under a held lock, as a scan uses it */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static char base_dir[512];

static double raw_fdatasync_rate(int n)
{
    char p[600];
    snprintf(p, sizeof p, "%s/raw.bin", base_dir);
    int fd = open(p, O_CREAT | O_TRUNC | O_RDWR, 0644);
    if (fd < 0 || fallocate(fd, 0, 0, 16 << 20) != 0 || fsync(fd) != 0) {
        perror(p);
        exit(1);
    }
    uint8_t buf[64];
    memset(buf, 0xA5, sizeof buf);
    double t0 = now();
    for (int i = 0; i < n; i++) {
        if (pwrite(fd, buf, sizeof buf, 64 + (off_t)i * 64) != 64 || fdatasync(fd) != 0) {
            perror("raw");
            exit(1);
        }
    }
    double t = now() - t0;
    close(fd);
    unlink(p);
    return n / t;
}

static bsp_space *open_db(const char *name, bsp_durability d)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s", base_dir, name);
    bsp_space_options o = {0};
    o.durability = d;
    o.no_auto_flush = true;
    bsp_space *sp;
    if (bsp_space_open(p, &o, &sp) < 0) {
        fprintf(stderr, "open %s: %s\n", p, bsp_errmsg());
        exit(1);
    }
    return sp;
}

typedef struct wargs {
    bsp_space *sp;
    int id, n;
} wargs;

static void *writer(void *p)
{
    wargs *a = p;
    uint64_t rec[BSP_WORDS];
    uint16_t addr = (uint16_t)(0x8000 + a->id);
    bsp_space_get(a->sp, addr, rec);
    uint64_t x = (uint64_t)a->id * 0x9E3779B97F4A7C15ull + 1;
    for (int i = 0; i < a->n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        rec[x & 255] ^= x;
        if (bsp_space_put(a->sp, addr, rec) < 0) {
            fprintf(stderr, "put: %s\n", bsp_errmsg());
            exit(1);
        }
    }
    return NULL;
}

static double run_writers(bsp_space *sp, int threads, int per_thread)
{
    uint64_t rec[BSP_WORDS] = {0};
    for (int t = 0; t < threads; t++) {
        rec[0] = (uint64_t)t;
        bsp_space_write_at(sp, (uint16_t)(0x8000 + t), rec);
    }
    bsp_space_sync(sp);
    pthread_t th[256];
    wargs a[256];
    double t0 = now();
    for (int t = 0; t < threads; t++) {
        a[t] = (wargs){sp, t, per_thread};
        pthread_create(&th[t], NULL, writer, &a[t]);
    }
    for (int t = 0; t < threads; t++) pthread_join(th[t], NULL);
    bsp_space_sync(sp);
    double t = now() - t0;
    return (double)threads * per_thread / t;
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        snprintf(base_dir, sizeof base_dir, "%s", argv[1]);
        mkdir(base_dir, 0755);
    } else {
        const char *tmp = getenv("TMPDIR");
        snprintf(base_dir, sizeof base_dir, "%s/bsp-bench-cache-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(base_dir)) return 1;
    }
    printf("bench_cache in %s\n", base_dir);

    /* 1 and 2, interleaved twice so both see the same disk weather; best of each */
    double raw = 0, every = 0;
    for (int rep = 0; rep < 2; rep++) {
        double r = raw_fdatasync_rate(3000);
        char name[32];
        snprintf(name, sizeof name, "every%d", rep);
        bsp_space *sp = open_db(name, BSP_DURABLE_SYNC);
        double e = run_writers(sp, 1, 3000);
        bsp_space_close(sp);
        if (r > raw) raw = r;
        if (e > every) every = e;
    }
    printf("raw fdatasync (64 B pwrite + fdatasync):  %10.0f /s\n", raw);
    printf("put, every-write durability (1 thread):   %10.0f puts/s   raw/put = %.2fx (target <= 1.5x)\n",
           every, raw / every);

    /* 3 */
    int tcounts[] = {4, 16, 64};
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "group%d", i);
        bsp_space *sp = open_db(name, BSP_DURABLE_SYNC);
        double g = run_writers(sp, tcounts[i], 6000 / tcounts[i] * 4);
        bsp_space_close(sp);
        printf("put, group commit SYNC, %2d threads:      %10.0f puts/s   (%.1f puts per fdatasync at the raw rate)\n",
               tcounts[i], g, g / raw);
    }
    for (int tc = 1; tc <= 4; tc *= 2) {
        char name[32];
        snprintf(name, sizeof name, "interval%d", tc);
        bsp_space *sp = open_db(name, BSP_DURABLE_INTERVAL);
        double g = run_writers(sp, tc, 2000000 / tc);
        bsp_space_close(sp);
        printf("put, group commit INTERVAL 10 ms, %d thr:  %10.0f puts/s   (target >= 1,000,000)\n", tc, g);
    }

    /* 4 */
    bsp_space *sp = open_db("reads", BSP_DURABLE_NONE);
    static _Alignas(64) uint64_t rec[BSP_WORDS], out[BSP_WORDS];
    for (int a = 0; a < 256; a++) {
        for (int i = 0; i < BSP_WORDS; i++) rec[i] = (uint64_t)a * 1000 + (uint64_t)i;
        bsp_space_write_at(sp, (uint16_t)(0x8000 + a), rec);
    }
    bsp_space_get(sp, 0x8001, rec);
    rec[7] ^= 1;
    bsp_space_put(sp, 0x8001, rec); /* 0x80:01 is dirty (PATCHED, nnz 1) */
    static _Alignas(64) uint64_t plain[256][BSP_WORDS];
    for (int a = 0; a < 256; a++) bsp_space_get(sp, (uint16_t)(0x8000 + a), plain[a]);
    const int N = 4000000;
    double best_get = 1e9, best_copy = 1e9, best_patched = 1e9, best_rt = 1e9, best_many = 1e9;
    static uint16_t many_addrs[64];
    static _Alignas(64) uint64_t many_out[64][BSP_WORDS];
    for (int i = 0; i < 64; i++) many_addrs[i] = (uint16_t)(0x8000 + 2 * i);
    uint64_t sink = 0;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = now();
        for (int i = 0; i < N; i++) {
            bsp_space_get(sp, (uint16_t)(0x8000 + ((i * 2) & 255)), out); /* even: clean */
            sink += out[i & 255];
        }
        double tg = (now() - t0) / N;
        t0 = now();
        for (int i = 0; i < N; i++) {
            memcpy(out, plain[(i * 2) & 255], BSP_BYTES);
            __asm__ volatile("" ::"r"(out) : "memory");
            sink += out[i & 255];
        }
        double tc = (now() - t0) / N;
        t0 = now();
        for (int i = 0; i < N / 4; i++) {
            bsp_space_get(sp, 0x8001, out);
            sink += out[i & 255];
        }
        double tp = (now() - t0) / (N / 4);
        t0 = now();
        pthread_rwlock_rdlock(&sp->cache.rw);
        for (int i = 0; i < N; i++) {
            uint16_t a = (uint16_t)(0x8000 + ((i * 2) & 255));
            const uint64_t *src = sp->rec[a];
            if (cache_read_through(&sp->cache, a, out) == CACHE_CLEAN) memcpy(out, src, BSP_BYTES);
            __asm__ volatile("" ::"r"(out) : "memory");
            sink += out[i & 255];
        }
        pthread_rwlock_unlock(&sp->cache.rw);
        double trt = (now() - t0) / N;
        t0 = now();
        for (int i = 0; i < N / 64; i++) {
            bsp_space_get_many(sp, many_addrs, 64, many_out, NULL);
            sink += many_out[i & 63][i & 255];
        }
        double tm = (now() - t0) / ((N / 64) * 64);
        if (trt < best_rt) best_rt = trt;
        if (tm < best_many) best_many = tm;
        if (tg < best_get) best_get = tg;
        if (tc < best_copy) best_copy = tc;
        if (tp < best_patched) best_patched = tp;
    }
    printf("plain 2 KiB record copy:                  %8.1f ns\n", best_copy * 1e9);
    printf("read_through CLEAN + copy, lock held:     %8.1f ns   ratio %.2fx (target <= 1.2x)\n", best_rt * 1e9,
           best_rt / best_copy);
    printf("get_many (64 per shared lock), clean:     %8.1f ns   ratio %.2fx\n", best_many * 1e9, best_many / best_copy);
    printf("get, clean (lock round trip per record):  %8.1f ns   ratio %.2fx\n", best_get * 1e9, best_get / best_copy);
    printf("get, dirty address (PATCHED, nnz 1):      %8.1f ns\n", best_patched * 1e9);
    bsp_space_close(sp);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base_dir);
    if (argc <= 1 && system(cmd) != 0) fprintf(stderr, "could not remove %s\n", base_dir);
    return (int)(sink & 0);
}
