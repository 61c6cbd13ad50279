/* Progress reporting for long operations (import, compaction, backup, index build).
 * A library function that can run long takes an optional bsp_progress; it calls fn with
 * the work done so far and the total (0 if unknown). The CLI renders it on a terminal. */
#ifndef BINDSPACE_PROGRESS_H
#define BINDSPACE_PROGRESS_H

#include <stdint.h>

typedef struct bsp_progress {
    void (*fn)(void *ctx, const char *what, uint64_t done, uint64_t total);
    void *ctx;
} bsp_progress;

static inline void bsp_progress_report(const bsp_progress *p, const char *what, uint64_t done,
                                       uint64_t total)
{
    if (p && p->fn) p->fn(p->ctx, what, done, total);
}

#endif
