/* Quantisation of sidecar fields (spec §4.1) against every value of §18.1, including the
 * two where f32 arithmetic differs from f64 (R16 0.897, sigma_q 0.251), plus the Hebbian
 * raw values of §4.3. */
#include <math.h>

#include "bindspace/error.h"
#include "bindspace/sidecar.h"
#include "test.h"

static void fmt9(char *buf, size_t n, float x) { snprintf(buf, n, "%.9g", (double)x); }

#define CHECK_F9(x, want)                     \
    do {                                      \
        char b_[64];                          \
        fmt9(b_, sizeof b_, (x));             \
        CHECK_STR(b_, want);                  \
    } while (0)

static void test_u16(void)
{
    CHECK_EQ_U(bsp_q_u16(0.8), 52428);
    CHECK_EQ_U(bsp_q_u16(0.6), 39321);
    CHECK_EQ_U(bsp_q_u16(0.9), 58981);
    CHECK_EQ_U(bsp_q_u16(0.5), 32767);
    CHECK_EQ_U(bsp_q_u16(0.7), 45874);
    CHECK_EQ_U(bsp_q_u16(0.3), 19660);
    CHECK_EQ_U(bsp_q_u16(1.0), 65535);
    CHECK_EQ_U(bsp_q_u16(0.99999), 65534);
    CHECK_EQ_U(bsp_q_u16(-0.1), 0);
    CHECK_EQ_U(bsp_q_u16(NAN), 0);
    CHECK_EQ_U(bsp_q_u16(INFINITY), 65535);
    CHECK_EQ_U(bsp_q_u16(-INFINITY), 0);
    CHECK_EQ_U(bsp_q_u16(7.5), 65535);
    CHECK_EQ_U(bsp_q_u16(0.0), 0);
}

static void test_c16(void)
{
    CHECK_EQ_U(bsp_q_c16(1.0), 65528);
    CHECK_EQ_U(bsp_q_c16(0.99999), 65528);
    CHECK_EQ_U(bsp_q_c16(0.99), 64879);
    CHECK_EQ_U(bsp_q_c16(NAN), 0);
    CHECK_EQ_U(bsp_q_c16(-3), 0);
}

static void test_decode(void)
{
    CHECK_F9(bsp_dq_u16(52428), "0.800000012");
    CHECK_F9(bsp_dq_u16(39321), "0.600000024");
    CHECK_F9(bsp_dq_u16(58981), "0.899992347");
    CHECK_F9(bsp_dq_u16(65528), "0.999893188");
    CHECK_F9(bsp_dq_u16(0), "0");
    CHECK_F9(bsp_dq_u16(65535), "1");
    /* decode is exactly q / 65535 in f32 */
    float d = bsp_dq_u16(52428);
    CHECK(d == (float)52428 / 65535.0f);
}

static void test_q8(void)
{
    CHECK_EQ_I(bsp_q_q8(0.75), 95);
    CHECK_F9(bsp_dq_q8(95), "0.748031497");
    CHECK_EQ_I(bsp_q_q8(-0.5), -63);
    CHECK_EQ_I(bsp_q_q8(0.9), 114);
    CHECK_EQ_I(bsp_q_q8(0.7), 88);
    CHECK_EQ_I(bsp_q_q8(2.0), 127);
    CHECK_EQ_I(bsp_q_q8(-1.0), -127);
    CHECK_EQ_I(bsp_q_q8(-0.999), -126);
    CHECK_EQ_I(bsp_q_q8(NAN), 0);
    CHECK_EQ_I(bsp_q_q8(-INFINITY), -127);
    CHECK_EQ_I(bsp_q_q8(-0.2), -25);
    CHECK_F9(bsp_dq_q8(-127), "-1");
}

static void test_r16(void)
{
    CHECK_EQ_I(bsp_q_r16(0.5), 16383);
    CHECK_EQ_I(bsp_q_r16(-1.0), -32767);
    CHECK_EQ_I(bsp_q_r16(0.25), 8191);
    CHECK_EQ_I(bsp_q_r16(-0.3), -9830);
    CHECK_EQ_I(bsp_q_r16(0.897), 29392);
    /* the f64 formula gives 29391: the implementation must not compute in f64 */
    CHECK_EQ_I((int)trunc(0.897 * 32767.0), 29391);
    CHECK_EQ_I(bsp_q_r16(5), 32767);
    CHECK_EQ_I(bsp_q_r16(NAN), 0);
}

static void test_sigma(void)
{
    CHECK_EQ_U(bsp_q_sigma(12.5), 12500);
    CHECK_EQ_U(bsp_q_sigma(100), 65535);
    CHECK_EQ_U(bsp_q_sigma(0.251), 250);
    CHECK_EQ_I((int)trunc(0.251 * 1000.0), 251);
    CHECK_EQ_U(bsp_q_sigma(-1), 0);
    CHECK_EQ_U(bsp_q_sigma(NAN), 0);
    CHECK_F9(bsp_dq_sigma(12500), "12.5");
}

static void test_hebbian_raw(void)
{
    bsp_sidecar s;
    memset(&s, 0, sizeof s);
    s.hebbian[2] = 557;
    bsp_sidecar_hebbian_strengthen(&s, 2, 0.2);
    CHECK_EQ_U(s.hebbian[2], 13664);
    s.hebbian[5] = 650;
    bsp_sidecar_hebbian_decay(&s, 0.7);
    CHECK_EQ_U(s.hebbian[5], 455);
    /* decay applies to every weight: 13664 * 0.7f = 9564.8 -> 9564 */
    CHECK_EQ_U(s.hebbian[2], 9564);
    /* out-of-range index is ignored; strengthen saturates at 65535 */
    bsp_sidecar t = s;
    bsp_sidecar_hebbian_strengthen(&t, 8, 0.5);
    bsp_sidecar_hebbian_strengthen(&t, -1, 0.5);
    CHECK(memcmp(&t, &s, sizeof s) == 0);
    bsp_sidecar_hebbian_strengthen(&t, 0, 3.0);
    CHECK_EQ_U(t.hebbian[0], 65535);
    bsp_sidecar_hebbian_decay(&t, NAN);
    for (int i = 0; i < 8; i++) CHECK_EQ_U(t.hebbian[i], 0);
    t.hebbian[1] = 1000;
    bsp_sidecar_hebbian_decay(&t, 4.0); /* clamped to 1: unchanged */
    CHECK_EQ_U(t.hebbian[1], 1000);
}

int main(void)
{
    RUN(test_u16);
    RUN(test_c16);
    RUN(test_decode);
    RUN(test_q8);
    RUN(test_r16);
    RUN(test_sigma);
    RUN(test_hebbian_raw);
    return test_finish();
}
