/* Exact top-k on 65,536 records (a full BindSpace) equals brute force, single and batched,
 * 1 and 2 threads; planted queries exercise block-wise pruning. */
#include "search_big.h"

static void test_65536(void) { check_big(65536, 4, 21); }

int main(void)
{
    RUN(test_65536);
    return test_finish();
}
