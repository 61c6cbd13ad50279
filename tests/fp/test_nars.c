/* NARS truth functions (spec §8) against all of §18.10: stored u16 inputs, the four
 * functions on decoded sidecar values (printed %.9g) and their stored u16 results, the
 * confidence cap, the zero case, and the scalar results. */
#include <math.h>

#include "bindspace/error.h"
#include "bindspace/sidecar.h"
#include "test.h"

static void f9(char *buf, size_t n, double x) { snprintf(buf, n, "%.9g", x); }
#define CHECK_F9(x, want)          \
    do {                           \
        char b_[64];               \
        f9(b_, sizeof b_, (x));    \
        CHECK_STR(b_, want);       \
    } while (0)
/* Some §18.10 values are written with 9 decimals rather than 9 significant digits. */
#define CHECK_D9(x, want)                              \
    do {                                               \
        char b_[64];                                   \
        snprintf(b_, sizeof b_, "%.9f", (double)(x));  \
        CHECK_STR(b_, want);                           \
    } while (0)

/* A version-1 record whose truth is (U16(f), C16(c)). */
static void truth_record(uint64_t r[BSP_WORDS], double f, double c, uint16_t *fq, uint16_t *cq)
{
    bsp_sidecar s;
    memset(r, 0, BSP_BYTES);
    memset(&s, 0, sizeof s);
    s.nars_f = bsp_q_u16((float)f);
    s.nars_c = bsp_q_c16((float)c);
    *fq = s.nars_f;
    *cq = s.nars_c;
    CHECK_OK(bsp_sidecar_pack(r, &s));
}

static void stored(bsp_truth t, uint16_t *f, uint16_t *c)
{
    *f = bsp_q_u16((float)t.f);
    *c = bsp_q_c16((float)t.c);
}

static void test_sidecar_inputs(void)
{
    uint64_t a[BSP_WORDS], b[BSP_WORDS];
    uint16_t af, ac, bf, bc, f, c;
    truth_record(a, 0.8, 0.5, &af, &ac);
    truth_record(b, 0.6, 0.3, &bf, &bc);
    CHECK_EQ_U(af, 52428);
    CHECK_EQ_U(ac, 32767);
    CHECK_EQ_U(bf, 39321);
    CHECK_EQ_U(bc, 19660);
    bsp_truth ta = bsp_fp_truth(a), tb = bsp_fp_truth(b);
    CHECK(ta.f == (double)(52428.0f / 65535.0f));

    bsp_truth t = bsp_nars_revision(ta, tb);
    CHECK_F9(t.f, "0.740000257");
    CHECK_D9(t.f, "0.740000257");
    CHECK_F9(t.c, "0.588227484");
    stored(t, &f, &c);
    CHECK_EQ_U(f, 48495);
    CHECK_EQ_U(c, 38549);

    t = bsp_nars_deduction(ta, tb);
    CHECK_F9(t.f, "0.480000026");
    CHECK_D9(t.c, "0.071997077");
    stored(t, &f, &c);
    CHECK_EQ_U(f, 31456);
    CHECK_EQ_U(c, 4718);

    t = bsp_nars_induction(ta, tb);
    CHECK_F9(t.f, "0.600000024");
    CHECK_D9(t.c, "0.107138970");
    stored(t, &f, &c);
    CHECK_EQ_U(f, 39321);
    CHECK_EQ_U(c, 7021);

    t = bsp_nars_abduction(ta, tb);
    CHECK_F9(t.f, "0.800000012");
    CHECK_D9(t.c, "0.082565731");
    stored(t, &f, &c);
    CHECK_EQ_U(f, 52428);
    CHECK_EQ_U(c, 5410);

    /* deduction_inline reads the same stored truths */
    bsp_truth d = bsp_schema_nars_deduction_inline(a, b);
    bsp_truth d2 = bsp_nars_deduction(ta, tb);
    CHECK(memcmp(&d, &d2, sizeof d) == 0);
}

static void test_cap(void)
{
    uint64_t a[BSP_WORDS], b[BSP_WORDS];
    uint16_t af, ac, bf, bc, f, c;
    truth_record(a, 0.9, 0.99, &af, &ac);
    truth_record(b, 0.7, 0.98, &bf, &bc);
    CHECK_EQ_U(ac, 64879);
    CHECK_EQ_U(bc, 64224);
    bsp_truth t = bsp_nars_revision(bsp_fp_truth(a), bsp_fp_truth(b));
    CHECK(t.c == 0.99);
    stored(t, &f, &c);
    CHECK_EQ_U(f, 54639);
    CHECK_EQ_U(c, 64879);

    bsp_truth z = {0, 0};
    t = bsp_nars_revision(z, z);
    CHECK(t.f == 0 && t.c == 0);
    stored(t, &f, &c);
    CHECK_EQ_U(f, 0);
    CHECK_EQ_U(c, 0);
    /* w = 0 with different f: the mean */
    bsp_truth p = {0.2, 0}, q = {0.6, 0};
    t = bsp_nars_revision(p, q);
    CHECK(t.f == (0.2 + 0.6) / 2.0 && t.c == 0);
}

static void test_scalars(void)
{
    bsp_truth a = {0.9, 0.8}, b = {0.7, 0.6};
    bsp_truth t = bsp_nars_revision(a, b);
    CHECK_F9(t.f, "0.845454545");
    CHECK_F9(t.c, "0.846153846");
    t = bsp_nars_deduction(a, b);
    CHECK_F9(t.f, "0.63");
    CHECK_F9(t.c, "0.3024");
    t = bsp_nars_induction(a, b);
    CHECK_F9(t.f, "0.7");
    CHECK_F9(t.c, "0.301675978");
    t = bsp_nars_abduction(a, b);
    CHECK_F9(t.f, "0.9");
    CHECK_F9(t.c, "0.251497006");
}

static void test_clamps(void)
{
    /* inputs clamp to f in [0,1], c in [0,0.99]; NaN -> 0 */
    bsp_truth hi = {5.0, 1.0}, lo = {-1.0, -2.0}, nan = {NAN, NAN};
    bsp_truth t = bsp_nars_deduction(hi, hi);
    CHECK(t.f == 1.0);
    CHECK(t.c == 1.0 * 1.0 * 0.99 * 0.99);
    t = bsp_nars_deduction(lo, hi);
    CHECK(t.f == 0.0 && t.c == 0.0);
    t = bsp_nars_revision(nan, hi);
    CHECK(t.f == 1.0); /* w1 = 0, w2 = 99 */
    CHECK(t.c == 0.99);
    CHECK(!isnan(t.f) && !isnan(t.c));
    t = bsp_nars_induction(nan, nan);
    CHECK(t.f == 0.0 && t.c == 0.0);
    t = bsp_nars_abduction(hi, hi);
    CHECK(t.f == 1.0 && t.c < 0.99);
    /* version != 1 reads as (0, 0) */
    uint64_t r[BSP_WORDS];
    memset(r, 0xFF, sizeof r);
    t = bsp_fp_truth(r);
    CHECK(t.f == 0.0 && t.c == 0.0);
}

static void test_truth_json(void)
{
    char buf[80];
    bsp_truth t = {(double)(52428.0f / 65535.0f), (double)(39321.0f / 65535.0f)};
    int n = bsp_fp_truth_json(t, buf, sizeof buf);
    CHECK_STR(buf, "{\"f\":0.800000012,\"c\":0.600000024}");
    CHECK_EQ_I(n, (int)strlen(buf));
    bsp_truth z = {0, 0};
    bsp_fp_truth_json(z, buf, sizeof buf);
    CHECK_STR(buf, "{\"f\":0,\"c\":0}");
}

int main(void)
{
    RUN(test_sidecar_inputs);
    RUN(test_cap);
    RUN(test_scalars);
    RUN(test_clamps);
    RUN(test_truth_json);
    return test_finish();
}
