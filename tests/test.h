/* Minimal test harness: checks that count and report, a deterministic PRNG for property
 * tests, and helpers for temporary directories. A test file defines test functions, lists
 * them in main() with RUN(fn), and ends with `return test_finish();`. Each executable prints
 * "N passed, N failed" and exits non-zero on any failure. */
#ifndef BSP_TEST_H
#define BSP_TEST_H

#include <dirent.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int test_checks_failed_;
static int test_passed_, test_failed_;
static const char *test_current_ = "";

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "  FAIL %s:%d [%s]: %s\n", __FILE__, __LINE__, test_current_, \
                    #cond);                                                               \
            test_checks_failed_++;                                                        \
        }                                                                                 \
    } while (0)

#define CHECK_EQ_U(a, b)                                                                   \
    do {                                                                                   \
        uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                                   \
        if (a_ != b_) {                                                                    \
            fprintf(stderr, "  FAIL %s:%d [%s]: %s == %s (0x%" PRIx64 " = %" PRIu64        \
                            " vs 0x%" PRIx64 " = %" PRIu64 ")\n",                         \
                    __FILE__, __LINE__, test_current_, #a, #b, a_, a_, b_, b_);            \
            test_checks_failed_++;                                                         \
        }                                                                                  \
    } while (0)

#define CHECK_EQ_I(a, b)                                                                   \
    do {                                                                                   \
        int64_t a_ = (int64_t)(a), b_ = (int64_t)(b);                                      \
        if (a_ != b_) {                                                                    \
            fprintf(stderr, "  FAIL %s:%d [%s]: %s == %s (%" PRId64 " vs %" PRId64 ")\n", \
                    __FILE__, __LINE__, test_current_, #a, #b, a_, b_);                    \
            test_checks_failed_++;                                                         \
        }                                                                                  \
    } while (0)

#define CHECK_STR(a, b)                                                                    \
    do {                                                                                   \
        const char *a_ = (a), *b_ = (b);                                                   \
        if (!a_ || !b_ || strcmp(a_, b_) != 0) {                                           \
            fprintf(stderr, "  FAIL %s:%d [%s]: %s == %s (\"%s\" vs \"%s\")\n", __FILE__,  \
                    __LINE__, test_current_, #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
            test_checks_failed_++;                                                         \
        }                                                                                  \
    } while (0)

/* The call must return rc (a BSP_* code) and, if substr is non-NULL, bsp_errmsg() must
 * contain it. */
#define CHECK_ERR(call, rc, substr)                                                        \
    do {                                                                                   \
        int got_ = (call);                                                                 \
        const char *want_ = (substr);                                                      \
        if (got_ != (rc)) {                                                                \
            fprintf(stderr, "  FAIL %s:%d [%s]: %s returned %d, want %d (%s)\n", __FILE__, \
                    __LINE__, test_current_, #call, got_, (int)(rc), bsp_errmsg());        \
            test_checks_failed_++;                                                         \
        } else if (want_ && !strstr(bsp_errmsg(), want_)) {                                \
            fprintf(stderr, "  FAIL %s:%d [%s]: message \"%s\" lacks \"%s\"\n", __FILE__,  \
                    __LINE__, test_current_, bsp_errmsg(), want_);                         \
            test_checks_failed_++;                                                         \
        }                                                                                  \
    } while (0)

#define CHECK_OK(call)                                                                     \
    do {                                                                                   \
        int got_ = (call);                                                                 \
        if (got_ != 0) {                                                                   \
            fprintf(stderr, "  FAIL %s:%d [%s]: %s returned %d: %s\n", __FILE__, __LINE__, \
                    test_current_, #call, got_, bsp_errmsg());                             \
            test_checks_failed_++;                                                         \
        }                                                                                  \
    } while (0)

#define RUN(fn)                                                                            \
    do {                                                                                   \
        test_current_ = #fn;                                                               \
        int before_ = test_checks_failed_;                                                 \
        fn();                                                                              \
        if (test_checks_failed_ == before_) {                                              \
            test_passed_++;                                                                \
        } else {                                                                           \
            test_failed_++;                                                                \
            fprintf(stderr, "FAILED %s\n", #fn);                                           \
        }                                                                                  \
    } while (0)

static inline int test_finish(void)
{
    printf("%d passed, %d failed\n", test_passed_, test_failed_);
    return test_failed_ ? 1 : 0;
}

/* xoshiro256** seeded through splitmix64: deterministic across platforms. */
typedef struct test_rng { uint64_t s[4]; } test_rng;
static inline uint64_t test_rng_sm64_(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static inline void test_rng_seed(test_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++) r->s[i] = test_rng_sm64_(&seed);
}
static inline uint64_t test_rng_next(test_rng *r)
{
    uint64_t *s = r->s;
    uint64_t x = s[1] * 5, result = ((x << 7) | (x >> 57)) * 9, t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return result;
}
static inline uint64_t test_rng_below(test_rng *r, uint64_t n) { return n ? test_rng_next(r) % n : 0; }

/* Make a fresh temporary directory (mkdtemp under $TMPDIR or /tmp); path is malloc'd. */
static inline char *test_tmpdir(const char *tag)
{
    const char *base = getenv("TMPDIR");
    char buf[512];
    snprintf(buf, sizeof buf, "%s/bsp-%s-XXXXXX", base && *base ? base : "/tmp", tag);
    char *p = strdup(buf);
    if (!p || !mkdtemp(p)) { perror("mkdtemp"); exit(2); }
    return p;
}

/* rm -rf path (test clean-up only). */
static inline void test_rmtree(const char *path)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    if (system(cmd) != 0) fprintf(stderr, "warning: could not remove %s\n", path);
}

/* Call fn(bytes, len) for every file in $BSP_SOURCE_DIR/fuzz/seeds/<name> (so the fuzz seeds
 * also run under the sanitizers); returns how many were replayed (0 without BSP_SOURCE_DIR). */
static inline int test_replay_seeds(const char *name, void (*fn)(const char *bytes, size_t len))
{
    const char *src = getenv("BSP_SOURCE_DIR");
    if (!src) return 0;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/fuzz/seeds/%s", src, name);
    DIR *dh = opendir(dir);
    CHECK(dh != NULL);
    if (!dh) return 0;
    int count = 0;
    struct dirent *e;
    static char buf[1 << 16];
    while ((e = readdir(dh)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f) continue;
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        fn(buf, n);
        count++;
    }
    closedir(dh);
    return count;
}

#endif
