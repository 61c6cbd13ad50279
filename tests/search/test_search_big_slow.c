/* Exact top-k on 300,000 records equals brute force, single and batched,
 * 1 and 2 threads; planted queries exercise block-wise pruning. */
#include "search_big.h"

static void test_300000(void) { check_big(300000, 4, 22); }

int main(void)
{
    RUN(test_300000);
    return test_finish();
}
