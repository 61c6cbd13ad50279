/* Internal side of the error convention: raise an error with a formatted message.
 * Usage: return bsp_err(BSP_ECORRUPT, "%s: footer magic is not LANC", path); */
#ifndef BSP_UTIL_ERROR_H
#define BSP_UTIL_ERROR_H

#include "bindspace/error.h"

#if defined(__GNUC__)
#define BSP_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define BSP_PRINTF(a, b)
#endif

/* Sets the thread's message and returns code (so it can be returned directly). */
int bsp_err(int code, const char *fmt, ...) BSP_PRINTF(2, 3);

/* Prefix the current message with context: "ctx: <old message>". Returns code. */
int bsp_err_prefix(int code, const char *fmt, ...) BSP_PRINTF(2, 3);

#endif
