/* The error convention: codes, thread-local messages, prefixing. */
#include "test.h"
#include "util/error.h"

#include <pthread.h>

static void test_message_and_code(void)
{
    bsp_errclear();
    CHECK_STR(bsp_errmsg(), "");
    int rc = bsp_err(BSP_ECORRUPT, "%s: footer magic is not LANC", "_versions/3.manifest");
    CHECK_EQ_I(rc, BSP_ECORRUPT);
    CHECK_STR(bsp_errmsg(), "_versions/3.manifest: footer magic is not LANC");
    rc = bsp_err_prefix(BSP_EIO, "table %s", "t.lance");
    CHECK_EQ_I(rc, BSP_EIO);
    CHECK_STR(bsp_errmsg(), "table t.lance: _versions/3.manifest: footer magic is not LANC");
    CHECK(strstr(bsp_strerror(BSP_EINVAL), "BSP_EINVAL") != NULL);
    CHECK(strstr(bsp_strerror(12345), "unknown") != NULL);
}

static void *other_thread(void *arg)
{
    (void)arg;
    bsp_err(BSP_EIO, "from the other thread");
    return NULL;
}

static void test_thread_local(void)
{
    bsp_err(BSP_EINVAL, "mine");
    pthread_t t;
    CHECK(pthread_create(&t, NULL, other_thread, NULL) == 0);
    pthread_join(t, NULL);
    CHECK_STR(bsp_errmsg(), "mine");
}

int main(void)
{
    RUN(test_message_and_code);
    RUN(test_thread_local);
    return test_finish();
}
