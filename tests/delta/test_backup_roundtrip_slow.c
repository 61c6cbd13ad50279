/* Long random walks for the XOR backup (label slow): many versions of random creates,
 * modifies and deletes (appends, update_rows with mixes, delete_rows), backed up in chunks of
 * random length with a small snapshot interval; every version is restored forward and
 * backward and compared with the model and with the original table; then random single-byte
 * flips anywhere in the chain must all be caught by verify. */
#include <sys/stat.h>

#include "bindspace/backup.h"
#include "delta/backup_model.h"
#include "test.h"

static char *join(const char *a, const char *b)
{
    char *p = malloc(strlen(a) + strlen(b) + 2);
    sprintf(p, "%s/%s", a, b);
    return p;
}

static void walk(uint64_t seed, int versions, uint32_t interval, size_t changes)
{
    char *dir = test_tmpdir("bk-walk");
    char *t = join(dir, "nodes.lance");
    char *chain = join(dir, "nodes.backup.lance");
    bm_model m;
    bm_init(&m, t);
    test_rng r;
    test_rng_seed(&r, seed);
    bsp_backup_options o = {.snapshot_interval = interval};
    uint64_t backed = 0;
    bool started = false;
    for (int i = 0; i < versions; i++) {
        uint64_t v = bm_step(&m, &r, 1 + (size_t)test_rng_below(&r, changes));
        CHECK(v == (uint64_t)i + 1);
        if (test_rng_below(&r, 4) == 0 || i == versions - 1) {
            CHECK_OK(bsp_backup_create(t, started ? BSP_BACKUP_CHAIN_END : 0, v, chain, &o, NULL));
            started = true;
            backed = v;
        }
    }
    CHECK_EQ_U(backed, (uint64_t)versions);
    bsp_backup_report rep;
    CHECK_OK(bsp_backup_verify(chain, NULL, &rep));
    CHECK_EQ_U(rep.records, (uint64_t)versions);
    CHECK_EQ_U(rep.snapshots, 1 + (uint64_t)versions / interval);
    bsp_backup_report_free(&rep);
    size_t failures = 0;
    for (uint64_t v = 0; v <= (uint64_t)versions; v++) {
        if (v > 0) CHECK_EQ_U(bm_compare(t, v, &m.ver[v]), 0);
        for (int d = 1; d <= 2; d++) {
            char name[64];
            snprintf(name, sizeof name, "r%llu-%d.lance", (unsigned long long)v, d);
            char *out = join(dir, name);
            bsp_restore_options ro = {.direction = (bsp_restore_direction)d};
            int rc = bsp_backup_restore(chain, v, out, &ro, NULL);
            /* Backward needs a snapshot after v: every version before the last snapshot has one. */
            uint64_t last_snap = (uint64_t)versions / interval * interval;
            if (d == 2 && v >= last_snap) {
                CHECK_EQ_I(rc, BSP_ENOTFOUND);
            } else {
                CHECK_OK(rc);
                if (!rc && bm_compare(out, 0, &m.ver[v]) != 0) failures++;
            }
            test_rmtree(out);
            free(out);
        }
    }
    CHECK_EQ_U(failures, 0);

    /* Random flips anywhere (the version hint excepted: Lance treats it as a hint). */
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cd '%s' && find . -type f ! -name latest_version_hint.json | sort", chain);
    FILE *f = popen(cmd, "r");
    char line[1024];
    char **files = NULL;
    size_t nf = 0;
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        files = realloc(files, (nf + 1) * sizeof *files);
        files[nf++] = join(chain, line + 2);
    }
    if (f) pclose(f);
    int caught = 0, tried = 0;
    for (int k = 0; k < 150 && nf; k++) {
        const char *p = files[test_rng_below(&r, nf)];
        struct stat st;
        if (stat(p, &st) != 0 || st.st_size == 0) continue;
        long off = (long)test_rng_below(&r, (uint64_t)st.st_size);
        FILE *fp = fopen(p, "r+b");
        fseek(fp, off, SEEK_SET);
        int c = fgetc(fp);
        int bit = 1 << test_rng_below(&r, 8);
        fseek(fp, off, SEEK_SET);
        fputc(c ^ bit, fp);
        fclose(fp);
        int rc = bsp_backup_verify(chain, NULL, &rep);
        tried++;
        if (rc == BSP_ECORRUPT && rep.nproblems) caught++;
        else fprintf(stderr, "  flip not caught: %s @%ld\n", p, off);
        bsp_backup_report_free(&rep);
        fp = fopen(p, "r+b");
        fseek(fp, off, SEEK_SET);
        fputc(c, fp);
        fclose(fp);
    }
    CHECK_EQ_U(caught, tried);
    CHECK_OK(bsp_backup_verify(chain, NULL, &rep));
    bsp_backup_report_free(&rep);
    for (size_t i = 0; i < nf; i++) free(files[i]);
    free(files);
    bm_free(&m);
    free(t);
    free(chain);
    test_rmtree(dir);
    free(dir);
}

static void test_walk_many_versions(void) { walk(2024, 60, 7, 120); }
static void test_walk_default_interval(void) { walk(77, 50, BSP_BACKUP_DEFAULT_INTERVAL, 300); }

int main(void)
{
    RUN(test_walk_many_versions);
    RUN(test_walk_default_interval);
    return test_finish();
}
