/* Concurrent writers in separate processes (fork): appends and deletes racing for the same
 * version numbers must all land (rebased on each other), deletes on the same fragment must
 * be merged with the winner's deletion vector, and every version stays readable. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bindspace/error.h"
#include "bindspace/lance.h"
#include "lance/manifest.h"
#include "tablegen.h"
#include "test.h"

#define WRITERS 3
#define ROUNDS 12
#define BASE_ROWS 120

static int child(const char *path, int c)
{
    bsp_schema s;
    tg_schema(&s);
    for (int r = 0; r < ROUNDS; r++) {
        bsp_batch b;
        uint64_t first = 10000 + (uint64_t)c * 1000 + (uint64_t)r * 10;
        tg_batch(first, 10, &b);
        bsp_write_options o = {BSP_WRITE_APPEND, 0, false, NULL};
        int rc, tries = 0;
        /* A writer starved past the library's retry budget gets BSP_ECONFLICT and may simply
         * try again (nothing was committed); anything else is a failure. */
        while ((rc = bsp_dataset_write(path, &s, &b, &o, NULL)) == BSP_ECONFLICT && ++tries < 5)
            fprintf(stderr, "writer %d append %d: %s (retrying)\n", c, r, bsp_errmsg());
        bsp_batch_free(&b);
        if (rc) {
            fprintf(stderr, "writer %d append %d: %s\n", c, r, bsp_errmsg());
            return 1;
        }
        /* Every writer deletes rows of the shared fragment 0: ids with id % WRITERS == c. */
        int64_t id = (int64_t)(r * WRITERS + c);
        uint64_t del = 0;
        tries = 0;
        while ((rc = bsp_dataset_delete_range(path, "id", id, id, &del, NULL)) == BSP_ECONFLICT &&
               ++tries < 5)
            fprintf(stderr, "writer %d delete %d: %s (retrying)\n", c, r, bsp_errmsg());
        if (rc || del != 1) {
            fprintf(stderr, "writer %d delete %d: rc %d del %" PRIu64 ": %s\n", c, r, rc, del,
                    bsp_errmsg());
            return 1;
        }
    }
    return 0;
}

static void test_racing_writers(void)
{
    char *dir = test_tmpdir("race");
    char path[600];
    snprintf(path, sizeof path, "%s/t.lance", dir);
    bsp_schema s;
    tg_schema(&s);
    bsp_batch b;
    tg_batch(0, BASE_ROWS, &b);
    bsp_write_options o = {BSP_WRITE_CREATE, 0, false, NULL};
    CHECK_OK(bsp_dataset_write(path, &s, &b, &o, NULL));
    bsp_batch_free(&b);
    pid_t pids[WRITERS];
    for (int c = 0; c < WRITERS; c++) {
        pids[c] = fork();
        if (pids[c] == 0) _exit(child(path, c));
    }
    for (int c = 0; c < WRITERS; c++) {
        int st = 0;
        waitpid(pids[c], &st, 0);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    /* Every append and every delete made it: 1 + 2 * WRITERS * ROUNDS versions. */
    bsp_version_info *vi;
    size_t nv;
    CHECK_OK(bsp_dataset_versions(path, &vi, &nv));
    CHECK_EQ_U(nv, 1 + 2 * WRITERS * ROUNDS);
    for (size_t i = 0; i < nv; i++) CHECK_EQ_U(vi[i].version, i + 1);
    free(vi);
    /* How many commits were rebased (read_version < version - 1): informative only. */
    int rebased = 0;
    for (uint64_t v = 2; v <= nv; v++) {
        manifest_file mf;
        CHECK_OK(manifest_read(path, v, &mf));
        CHECK(mf.txn != NULL);
        if (mf.txn && mf.txn->read_version < v - 1) rebased++;
        manifest_file_free(&mf);
    }
    printf("%d of %zu commits were rebased after losing a race\n", rebased, nv - 1);
    uint64_t n;
    int bad;
    uint64_t *ids = tg_scan_ids(path, 0, &n, &bad);
    CHECK_EQ_U(bad, 0);
    CHECK_EQ_U(n, BASE_ROWS - WRITERS * ROUNDS + WRITERS * ROUNDS * 10);
    /* Exactly the right ids: base rows >= WRITERS*ROUNDS, plus all appended ones. */
    uint64_t k = 0;
    bool ok = n == BASE_ROWS - WRITERS * ROUNDS + WRITERS * ROUNDS * 10;
    for (uint64_t id = WRITERS * ROUNDS; id < BASE_ROWS && ok; id++) ok = ids[k++] == id;
    for (int c = 0; c < WRITERS && ok; c++)
        for (uint64_t id = 10000 + (uint64_t)c * 1000; id < 10000 + (uint64_t)c * 1000 + ROUNDS * 10 && ok; id++)
            ok = ids[k++] == id;
    CHECK(ok);
    free(ids);
    /* Every intermediate version opens and scans cleanly. */
    for (uint64_t v = 1; v <= 1 + 2 * WRITERS * ROUNDS; v += 5) {
        ids = tg_scan_ids(path, v, &n, &bad);
        CHECK_EQ_U(bad, 0);
        free(ids);
    }
    test_rmtree(dir);
    free(dir);
}

/* Racing creators: exactly one wins, the others get BSP_EEXIST. */
static void test_racing_creators(void)
{
    char *dir = test_tmpdir("create-race");
    char path[600];
    snprintf(path, sizeof path, "%s/t.lance", dir);
    pid_t pids[WRITERS];
    for (int c = 0; c < WRITERS; c++) {
        pids[c] = fork();
        if (pids[c] == 0) {
            bsp_schema s;
            tg_schema(&s);
            bsp_batch b;
            tg_batch((uint64_t)c * 100, 10, &b);
            bsp_write_options o = {BSP_WRITE_CREATE, 0, false, NULL};
            int rc = bsp_dataset_write(path, &s, &b, &o, NULL);
            _exit(rc == 0 ? 0 : rc == BSP_EEXIST ? 1 : 2);
        }
    }
    int won = 0, lost = 0;
    for (int c = 0; c < WRITERS; c++) {
        int st = 0;
        waitpid(pids[c], &st, 0);
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0) won++;
        if (WIFEXITED(st) && WEXITSTATUS(st) == 1) lost++;
    }
    CHECK_EQ_I(won, 1);
    CHECK_EQ_I(lost, WRITERS - 1);
    uint64_t n;
    int bad;
    uint64_t *ids = tg_scan_ids(path, 0, &n, &bad);
    CHECK_EQ_U(n, 10);
    CHECK_EQ_I(bad, 0);
    free(ids);
    test_rmtree(dir);
    free(dir);
}

int main(void)
{
    RUN(test_racing_creators);
    RUN(test_racing_writers);
    return test_finish();
}
