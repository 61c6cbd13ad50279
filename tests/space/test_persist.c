/* Flushing a BindSpace to nodes.lance and opening it again: one commit per flush, rows
 * replaced through a deletion vector, deletes, historical versions read-only, the DN index
 * kept in properties, auto flush at max_bytes, the flush hook, and the crash window between
 * the commit and the WAL truncation (replay must not apply the flushed deltas twice). */
#include "bindspace/bindspace.h"
#include "bindspace/space.h"
#include "test.h"

static bsp_space *open_db(const char *dir, uint64_t version)
{
    bsp_space_options o = {0};
    o.durability = BSP_DURABLE_NONE;
    o.no_auto_flush = true;
    o.version = version;
    bsp_space *sp = NULL;
    CHECK_OK(bsp_space_open(dir, &o, &sp));
    return sp;
}

static void rec_of(uint64_t r[BSP_WORDS], uint64_t v)
{
    for (int i = 0; i < BSP_WORDS; i++) r[i] = v * 0x100 + (uint64_t)i;
}

static uint64_t live_rows(const char *dir)
{
    char p[600];
    snprintf(p, sizeof p, "%s/nodes.lance", dir);
    bsp_dataset *ds;
    if (bsp_dataset_open(p, 0, &ds) < 0) return UINT64_MAX;
    uint64_t n = bsp_dataset_count_rows(ds);
    bsp_dataset_free(ds);
    return n;
}

static void test_flush_reopen_versions(void)
{
    char *dir = test_tmpdir("persist");
    bsp_space *sp = open_db(dir, 0);
    uint64_t r[BSP_WORDS], got[BSP_WORDS], v = 0;
    CHECK_EQ_U(bsp_space_version(sp), 0);
    for (int i = 0; i < 20; i++) {
        rec_of(r, (uint64_t)i);
        CHECK_OK(bsp_space_write_at(sp, (uint16_t)(0x8000 + i), r));
    }
    rec_of(r, 500);
    CHECK_OK(bsp_space_write_at(sp, 0x1234, r)); /* fluid zone persists too */
    CHECK_OK(bsp_space_flush(sp, &v));
    CHECK_EQ_U(v, 1);
    CHECK_EQ_U(live_rows(dir), 21);
    bsp_space_stats st;
    bsp_space_stats_get(sp, &st);
    CHECK_EQ_U(st.unflushed, 0);
    /* modify through the cache, delete, write new */
    rec_of(r, 100);
    CHECK_OK(bsp_space_put(sp, 0x8003, r));
    CHECK_OK(bsp_space_delete(sp, 0x8004));
    rec_of(r, 200);
    CHECK_OK(bsp_space_write_at(sp, 0x9000, r));
    bsp_space_stats_get(sp, &st);
    CHECK_EQ_U(st.unflushed, 3);
    CHECK_EQ_U(st.dirty_count, 1);
    CHECK_OK(bsp_space_flush(sp, &v));
    CHECK_EQ_U(v, 2);
    CHECK_EQ_U(live_rows(dir), 21); /* -1 deleted, +1 new */
    CHECK(!bsp_space_is_dirty(sp, 0x8003));
    CHECK_OK(bsp_space_get(sp, 0x8003, got)); /* visible value unchanged by the flush */
    CHECK_EQ_U(got[5], 100 * 0x100 + 5);
    /* a flush with nothing to do makes no commit */
    CHECK_OK(bsp_space_flush(sp, &v));
    CHECK_EQ_U(v, 2);
    /* and a third version, modifying a row written by the second flush */
    rec_of(r, 300);
    CHECK_OK(bsp_space_put(sp, 0x9000, r));
    CHECK_OK(bsp_space_flush(sp, &v));
    CHECK_EQ_U(v, 3);
    bsp_space_close(sp);

    sp = open_db(dir, 0);
    CHECK_EQ_U(bsp_space_version(sp), 3);
    CHECK_OK(bsp_space_get(sp, 0x8003, got));
    CHECK_EQ_U(got[5], 100 * 0x100 + 5);
    CHECK_ERR(bsp_space_get(sp, 0x8004, got), BSP_ENOTFOUND, NULL);
    CHECK_OK(bsp_space_get(sp, 0x9000, got));
    CHECK_EQ_U(got[0], 300 * 0x100);
    CHECK_OK(bsp_space_get(sp, 0x1234, got));
    CHECK_EQ_U(got[1], 500 * 0x100 + 1);
    CHECK_OK(bsp_space_get(sp, 0x0700, got)); /* the surface is generated, not stored */
    bsp_space_close(sp);

    /* version 1, read-only: the original values */
    sp = open_db(dir, 1);
    CHECK(bsp_space_read_only(sp));
    CHECK_EQ_U(bsp_space_version(sp), 1);
    CHECK_OK(bsp_space_get(sp, 0x8004, got));
    CHECK_EQ_U(got[0], 4 * 0x100);
    CHECK_OK(bsp_space_get(sp, 0x8003, got));
    CHECK_EQ_U(got[0], 3 * 0x100);
    CHECK_ERR(bsp_space_get(sp, 0x9000, got), BSP_ENOTFOUND, NULL);
    CHECK_ERR(bsp_space_put(sp, 0x8003, r), BSP_EPERM, "read-only");
    bsp_space_close(sp);
    test_rmtree(dir);
    free(dir);
}

static void test_dn_index_persisted(void)
{
    char *dir = test_tmpdir("persist-dn");
    bsp_space *sp = open_db(dir, 0);
    uint64_t fp[BSP_WORDS] = {0}, got[BSP_WORDS];
    fp[0] = 77;
    uint16_t a;
    CHECK_OK(bsp_space_write_dn_path(sp, "graphs:semantic:3:7:42", fp, 1, &a));
    CHECK_OK(bsp_space_flush(sp, NULL));
    bsp_space_close(sp);
    sp = open_db(dir, 0);
    CHECK_OK(bsp_space_dn_get(sp, "graphs:semantic:3", got, &a));
    CHECK_EQ_U(a, 0xE991);
    CHECK_OK(bsp_space_dn_get(sp, "graphs:semantic:3:7:42", got, &a));
    CHECK_EQ_U(got[0], 77);
    char **ps;
    size_t n;
    CHECK_OK(bsp_space_dn_scan(sp, "graphs:*", &ps, NULL, &n));
    CHECK_EQ_U(n, 4);
    bsp_space_dn_paths_free(ps, n);
    bsp_space_close(sp);
    test_rmtree(dir);
    free(dir);
}

static int hook_calls;
static uint64_t hook_old, hook_new;
static void hook(void *ctx, bsp_space *sp, const char *table, uint64_t oldv, uint64_t newv)
{
    (void)sp;
    (void)table;
    CHECK(ctx == &hook_calls);
    hook_calls++;
    hook_old = oldv;
    hook_new = newv;
}

static void test_auto_flush_and_hook(void)
{
    char *dir = test_tmpdir("persist-auto");
    bsp_space_options o = {0};
    o.durability = BSP_DURABLE_NONE;
    o.max_bytes = 4096;
    o.on_flush = hook;
    o.on_flush_ctx = &hook_calls;
    bsp_space *sp;
    CHECK_OK(bsp_space_open(dir, &o, &sp));
    uint64_t r[BSP_WORDS] = {0};
    for (int i = 0; i < 20; i++) CHECK_OK(bsp_space_write_at(sp, (uint16_t)(0x8000 + i), r));
    CHECK_OK(bsp_space_flush(sp, NULL));
    CHECK_EQ_U(hook_calls, 1);
    CHECK_EQ_U(hook_old, 0);
    CHECK_EQ_U(hook_new, 1);
    /* each put changes 40 words of a clean record: 32 + 320 bytes; 12 puts pass 4,096 */
    for (int k = 0; k < 12; k++) {
        for (int w = 0; w < 40; w++) r[w] = (uint64_t)k + 1;
        CHECK_OK(bsp_space_put(sp, (uint16_t)(0x8000 + k), r));
    }
    CHECK(hook_calls >= 2);
    CHECK_EQ_U(hook_new, bsp_space_version(sp));
    bsp_space_stats st;
    bsp_space_stats_get(sp, &st);
    CHECK(st.cached_bytes < 4096);
    bsp_space_close(sp);
    test_rmtree(dir);
    free(dir);
}

/* Copy dir/_bindspace/wal to a backup and back, to simulate a crash after a flush's
 * commit but before the WAL was truncated. */
static void copy_wal(const char *dir, const char *from, const char *to)
{
    char cmd[2000];
    snprintf(cmd, sizeof cmd, "rm -rf '%s/%s' && cp -a '%s/%s' '%s/%s'", dir, to, dir, from, dir, to);
    CHECK(system(cmd) == 0);
}

static void test_crash_between_commit_and_truncate(void)
{
    char *dir = test_tmpdir("persist-crash");
    bsp_space *sp = open_db(dir, 0);
    uint64_t r[BSP_WORDS] = {0}, got[BSP_WORDS];
    CHECK_OK(bsp_space_write_at(sp, 0x8000, r));
    CHECK_OK(bsp_space_flush(sp, NULL));
    r[3] = 0xF0F0;
    CHECK_OK(bsp_space_put(sp, 0x8000, r)); /* a DELTA record: applying it twice would undo it */
    CHECK_OK(bsp_space_sync(sp));
    bsp_space_close(sp);
    copy_wal(dir, "_bindspace/wal", "walcopy");
    sp = open_db(dir, 0);
    CHECK_OK(bsp_space_flush(sp, NULL));
    bsp_space_close(sp);
    copy_wal(dir, "walcopy", "_bindspace/wal"); /* the old log is back */
    sp = open_db(dir, 0);
    CHECK_EQ_U(bsp_space_version(sp), 2);
    CHECK_OK(bsp_space_get(sp, 0x8000, got));
    CHECK_EQ_U(got[3], 0xF0F0);
    CHECK(!bsp_space_is_dirty(sp, 0x8000));
    bsp_space_close(sp);
    test_rmtree(dir);
    free(dir);
}

int main(void)
{
    RUN(test_flush_reopen_versions);
    RUN(test_dn_index_persisted);
    RUN(test_auto_flush_and_hook);
    RUN(test_crash_between_commit_and_truncate);
    return test_finish();
}
