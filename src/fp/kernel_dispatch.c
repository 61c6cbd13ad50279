/* Choosing the kernel table (kernels.h) once per process.
 *
 * The one idea: a SIMD table is usable only if the CPU has the instructions (cpuid) *and* the
 * OS saves the wider registers on context switch (OSXSAVE + xgetbv: XMM|YMM for AVX2, plus
 * opmask|ZMM_Hi256|Hi16_ZMM for AVX-512). The choice is made under pthread_once and published
 * through an atomic pointer; BSP_KERNEL=portable|avx2|avx512 may force a lower table (asking
 * for one the machine cannot run, or an unknown name, falls back to the best one). */
#include "fp/kernels.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#ifdef FP_HAVE_X86
#include <cpuid.h>

static uint64_t xgetbv0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (uint64_t)hi << 32 | lo;
}

/* 0 = portable only, 1 = AVX2 usable, 2 = AVX-512 F/BW/VL/VPOPCNTDQ usable too. */
static int x86_level(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int osxsave = c >> 27 & 1, avx = c >> 28 & 1, popcnt = c >> 23 & 1;
    if (!osxsave || !avx || !popcnt) return 0;
    uint64_t xcr0 = xgetbv0();
    if ((xcr0 & 0x6) != 0x6) return 0; /* OS does not save XMM and YMM state */
    if (__get_cpuid_max(0, NULL) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    int avx2 = b >> 5 & 1;
    if (!avx2) return 0;
    int f = b >> 16 & 1, bw = b >> 30 & 1, vl = b >> 31 & 1, vpopcntdq = c >> 14 & 1;
    if (f && bw && vl && vpopcntdq && (xcr0 & 0xE6) == 0xE6) return 2;
    return 1;
}
#endif

/* Best first. */
static const fp_kernel *candidates(int i, int *supported)
{
#ifdef FP_HAVE_X86
    int level = x86_level();
    switch (i) {
    case 0: *supported = level >= 2; return &fp_kernel_avx512;
    case 1: *supported = level >= 1; return &fp_kernel_avx2;
    case 2: *supported = 1; return &fp_kernel_portable;
    default: return NULL;
    }
#else
    if (i == 0) { *supported = 1; return &fp_kernel_portable; }
    return NULL;
#endif
}

static int name_matches(const fp_kernel *k, const char *name)
{
    if (!strcmp(k->name, name)) return 1;
    return !strcmp(name, "avx512") && !strncmp(k->name, "avx512", 6);
}

const fp_kernel *fp_kernel_by_name(const char *name)
{
    int ok;
    const fp_kernel *k;
    for (int i = 0; (k = candidates(i, &ok)); i++)
        if (name_matches(k, name)) return ok ? k : NULL;
    return NULL;
}

size_t fp_kernel_list(const fp_kernel **out, size_t cap)
{
    size_t n = 0;
    int ok;
    const fp_kernel *k;
    for (int i = 0; (k = candidates(i, &ok)); i++) {
        if (!ok) continue;
        if (n < cap) out[n] = k;
        n++;
    }
    return n;
}

static _Atomic(const fp_kernel *) active;
static pthread_once_t active_once = PTHREAD_ONCE_INIT;

static void choose(void)
{
    const fp_kernel *best[4];
    size_t n = fp_kernel_list(best, 4);
    const fp_kernel *k = best[0];
    const char *want = getenv("BSP_KERNEL");
    if (want && *want) {
        /* Only a table at or below the best is accepted; the list is ordered best first. */
        for (size_t i = 0; i < n && i < 4; i++)
            if (name_matches(best[i], want)) k = best[i];
    }
    atomic_store_explicit(&active, k, memory_order_release);
}

const fp_kernel *fp_kernel_active(void)
{
    const fp_kernel *k = atomic_load_explicit(&active, memory_order_acquire);
    if (k) return k;
    pthread_once(&active_once, choose);
    return atomic_load_explicit(&active, memory_order_acquire);
}
