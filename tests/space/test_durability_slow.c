/* Durability under SIGKILL: a child process writes (put, write_at through put on free
 * addresses, delete) with BSP_DURABLE_SYNC and a small cache, so it also flushes often, and
 * reports each acknowledged operation on a pipe. The parent kills it at a random moment,
 * reopens the database and checks that the state is exactly the state after the
 * acknowledged operations, plus at most the one operation that was in flight. Many rounds on
 * the same database, so recovery also starts from recovered states. */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "bindspace/bindspace.h"
#include "bindspace/space.h"
#include "test.h"

#define NADDR 48
#define ROUNDS 60
#define MAXOPS 100000

typedef struct op {
    uint16_t addr;
    bool del;
    uint64_t value;
} op;

typedef struct model {
    bool occ[NADDR];
    uint64_t val[NADDR];
} model;

/* The deterministic operation i of round `round`, given the state before it. */
static op next_op(test_rng *r, const model *m, int round, int i)
{
    op o;
    int k = (int)test_rng_below(r, NADDR);
    o.addr = (uint16_t)(0x8000 + k);
    o.del = m->occ[k] && test_rng_below(r, 8) == 0;
    o.value = ((uint64_t)round << 40) | ((uint64_t)i << 8) | (uint64_t)k;
    return o;
}

static void apply(model *m, const op *o)
{
    int k = o->addr - 0x8000;
    m->occ[k] = !o->del;
    m->val[k] = o->del ? 0 : o->value;
}

static bsp_space_options opts(void)
{
    bsp_space_options o = {0};
    o.durability = BSP_DURABLE_SYNC;
    o.max_bytes = 24 * 1024; /* about a dozen full-record changes per flush */
    return o;
}

static void child(const char *dir, int fd, const model *start, int round)
{
    bsp_space *sp;
    bsp_space_options o = opts();
    if (bsp_space_open(dir, &o, &sp) < 0) {
        fprintf(stderr, "child open: %s\n", bsp_errmsg());
        _exit(3);
    }
    model m = *start;
    test_rng r;
    test_rng_seed(&r, (uint64_t)round * 7919);
    uint64_t rec[BSP_WORDS];
    for (int i = 0; i < MAXOPS; i++) {
        op p = next_op(&r, &m, round, i);
        int rc;
        if (p.del) {
            rc = bsp_space_delete(sp, p.addr);
        } else {
            for (int w = 0; w < BSP_WORDS; w++) rec[w] = p.value;
            rc = bsp_space_put(sp, p.addr, rec);
        }
        if (rc < 0) {
            fprintf(stderr, "child op %d: %s\n", i, bsp_errmsg());
            _exit(4);
        }
        apply(&m, &p);
        uint32_t ack = (uint32_t)i;
        if (write(fd, &ack, 4) != 4) _exit(5);
    }
    bsp_space_close(sp);
    _exit(0);
}

static bool state_is(bsp_space *sp, const model *m)
{
    uint64_t got[BSP_WORDS];
    for (int k = 0; k < NADDR; k++) {
        int rc = bsp_space_get(sp, (uint16_t)(0x8000 + k), got);
        if ((rc == BSP_OK) != m->occ[k]) return false;
        if (rc == BSP_OK)
            for (int w = 0; w < BSP_WORDS; w++)
                if (got[w] != m->val[k]) return false;
    }
    return true;
}

static void test_sigkill_rounds(void)
{
    char *dir = test_tmpdir("durability");
    model m;
    memset(&m, 0, sizeof m);
    test_rng timing;
    test_rng_seed(&timing, 2026);
    int total_acked = 0, inflight_seen = 0, versions = 0;
    for (int round = 1; round <= ROUNDS; round++) {
        int pfd[2];
        CHECK(pipe(pfd) == 0);
        pid_t pid = fork();
        if (pid == 0) {
            close(pfd[0]);
            child(dir, pfd[1], &m, round);
        }
        close(pfd[1]);
        /* most rounds: let the child get going (first ack), then kill within 300 ms; every
         * fifth round: kill at once, during its open and WAL replay */
        uint32_t buf[4096];
        long acked = 0;
        ssize_t n;
        if (round % 5 != 0 && read(pfd[0], buf, 4) == 4) acked = 1;
        struct timespec ts = {0, (long)test_rng_below(&timing, round % 5 ? 300 : 30) * 1000000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        CHECK(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 0));
        while ((n = read(pfd[0], buf, sizeof buf)) > 0) acked += n / 4;
        close(pfd[0]);
        /* replay the round's operations in the model: the first `acked` are certain */
        test_rng r;
        test_rng_seed(&r, (uint64_t)round * 7919);
        model after_acked = m;
        for (long i = 0; i < acked; i++) {
            op p = next_op(&r, &after_acked, round, (int)i);
            apply(&after_acked, &p);
        }
        model plus_one = after_acked;
        op p = next_op(&r, &plus_one, round, (int)acked);
        apply(&plus_one, &p);
        bsp_space *sp;
        bsp_space_options o = opts();
        int rc = bsp_space_open(dir, &o, &sp);
        CHECK_OK(rc);
        if (rc < 0) break;
        if (state_is(sp, &after_acked)) {
            m = after_acked;
        } else if (state_is(sp, &plus_one)) {
            m = plus_one;
            inflight_seen++;
        } else {
            fprintf(stderr, "  round %d: state after %ld acknowledged operations is wrong\n", round, acked);
            CHECK(0);
            bsp_space_close(sp);
            break;
        }
        versions = (int)bsp_space_version(sp);
        bsp_space_close(sp);
        total_acked += (int)acked;
    }
    printf("%d rounds, %d acknowledged operations, %d in-flight operations found durable, table version %d\n",
           ROUNDS, total_acked, inflight_seen, versions);
    CHECK(total_acked > 0);
    CHECK(versions > 1); /* flushes happened, so kills landed around them too */
    test_rmtree(dir);
    free(dir);
}

int main(void)
{
    RUN(test_sigkill_rounds);
    return test_finish();
}
