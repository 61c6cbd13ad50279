/* Crash safety: a writer process appends, deletes and compacts in a loop and is SIGKILLed at
 * random moments (fixed seed, many iterations). After every kill the table must open at its
 * last complete version, every version must scan cleanly, and the rows of the latest
 * version must be exactly what the recorded operations imply.
 *
 * The writer's operation for version v is a function of v alone, so the expected content is
 * replayed from the version list: Append adds ids 1000+10v .. +9; Delete removes the first
 * three ids appended by version v-1; Rewrite (compaction) changes nothing. */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bindspace/error.h"
#include "bindspace/lance.h"
#include "tablegen.h"
#include "test.h"

#define ITERATIONS 80
#define BASE_ROWS 100

static uint64_t app_first(uint64_t v) { return 1000 + v * 10; }

static void writer(const char *path)
{
    bsp_schema s;
    tg_schema(&s);
    for (;;) {
        bsp_dataset *ds;
        if (bsp_dataset_open(path, 0, &ds)) _exit(3);
        uint64_t v = bsp_dataset_version(ds) + 1;
        bsp_dataset_free(ds);
        int rc = 0;
        uint64_t nv = 0;
        if (v % 4 == 0) {
            uint64_t del;
            rc = bsp_dataset_delete_range(path, "id", (int64_t)app_first(v - 1),
                                          (int64_t)app_first(v - 1) + 2, &del, &nv);
        } else if (v % 10 == 5) {
            bsp_compact_options co = {1u << 20, 0, NULL};
            rc = bsp_dataset_compact(path, &co, &nv);
        }
        if (!rc && nv != v) { /* appends, and compactions that found nothing to do */
            bsp_batch b;
            tg_batch(app_first(v), 10, &b);
            bsp_write_options o = {BSP_WRITE_APPEND, 0, false, NULL};
            rc = bsp_dataset_write(path, &s, &b, &o, &nv);
            bsp_batch_free(&b);
        }
        if (rc || nv != v) {
            fprintf(stderr, "writer: version %" PRIu64 ": rc %d (%s)\n", v, rc, bsp_errmsg());
            _exit(4);
        }
    }
}

static int cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Expected sorted ids of the latest version, replayed from the recorded operations. */
static uint64_t *expected(const bsp_version_info *vi, size_t nv, uint64_t *n, int *bad)
{
    size_t cap = BASE_ROWS + nv * 10 + 1;
    uint64_t *ids = malloc(cap * 8);
    uint64_t k = 0;
    for (uint64_t i = 0; i < BASE_ROWS; i++) ids[k++] = i;
    for (size_t i = 1; i < nv; i++) {
        uint64_t v = vi[i].version;
        if (!strcmp(vi[i].operation, "Append")) {
            if (v % 4 == 0) (*bad)++;
            for (uint64_t j = 0; j < 10; j++) ids[k++] = app_first(v) + j;
        } else if (!strcmp(vi[i].operation, "Delete")) {
            if (v % 4 != 0) (*bad)++;
            uint64_t w = 0;
            for (uint64_t j = 0; j < k; j++)
                if (ids[j] < app_first(v - 1) || ids[j] > app_first(v - 1) + 2) ids[w++] = ids[j];
            k = w;
        } else if (!strcmp(vi[i].operation, "Rewrite")) {
            if (v % 10 != 5) (*bad)++;
        } else {
            (*bad)++;
        }
    }
    qsort(ids, k, 8, cmp);
    *n = k;
    return ids;
}

static void test_kill_loop(void)
{
    char *dir = test_tmpdir("crash");
    char path[600];
    snprintf(path, sizeof path, "%s/t.lance", dir);
    bsp_schema s;
    tg_schema(&s);
    bsp_batch b;
    tg_batch(0, BASE_ROWS, &b);
    bsp_write_options o = {BSP_WRITE_CREATE, 0, false, NULL};
    CHECK_OK(bsp_dataset_write(path, &s, &b, &o, NULL));
    bsp_batch_free(&b);
    test_rng r;
    test_rng_seed(&r, 20261121);
    uint64_t last_version = 1;
    int failures = 0;
    for (int it = 0; it < ITERATIONS && failures < 3; it++) {
        pid_t pid = fork();
        if (pid == 0) writer(path);
        struct timespec ts = {0, (long)(1000000 + test_rng_below(&r, 150000000))};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int st = 0;
        waitpid(pid, &st, 0);
        if (!(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)) {
            fprintf(stderr, "iteration %d: writer exited with status %d\n", it, st);
            failures++;
        }
        bsp_version_info *vi;
        size_t nv;
        if (bsp_dataset_versions(path, &vi, &nv)) {
            fprintf(stderr, "iteration %d: %s\n", it, bsp_errmsg());
            failures++;
            continue;
        }
        bool contiguous = true;
        for (size_t i = 0; i < nv; i++) contiguous &= vi[i].version == i + 1;
        CHECK(contiguous);
        CHECK(vi[nv - 1].version >= last_version);
        last_version = vi[nv - 1].version;
        int bad = 0;
        uint64_t ne, ng;
        uint64_t *want = expected(vi, nv, &ne, &bad);
        uint64_t *got = tg_scan_ids(path, 0, &ng, &bad);
        if (bad || ne != ng || (ng && memcmp(want, got, ng * 8))) {
            fprintf(stderr, "iteration %d: version %" PRIu64 " has %" PRIu64 " rows, want %"
                    PRIu64 " (bad %d)\n", it, last_version, ng, ne, bad);
            failures++;
        }
        free(want);
        free(got);
        free(vi);
    }
    CHECK_EQ_I(failures, 0);
    CHECK(last_version > 10);
    printf("%d kills, table reached version %" PRIu64 "\n", ITERATIONS, last_version);
    /* Every version ever committed still scans cleanly. */
    for (uint64_t v = 1; v <= last_version; v++) {
        uint64_t n;
        int bad;
        free(tg_scan_ids(path, v, &n, &bad));
        CHECK_EQ_I(bad, 0);
    }
    test_rmtree(dir);
    free(dir);
}

int main(void)
{
    RUN(test_kill_loop);
    return test_finish();
}
