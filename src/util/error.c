/* Thread-local last-error message (see include/bindspace/error.h). The buffer is per
 * thread so concurrent readers never see each other's messages. */
#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define BSP_ERRMSG_MAX 1024

static _Thread_local char errbuf[BSP_ERRMSG_MAX];

const char *bsp_errmsg(void) { return errbuf; }

void bsp_errclear(void) { errbuf[0] = '\0'; }

int bsp_err(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errbuf, sizeof errbuf, fmt, ap);
    va_end(ap);
    return code;
}

int bsp_err_prefix(int code, const char *fmt, ...)
{
    char prefix[BSP_ERRMSG_MAX];
    char old[BSP_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, errbuf, sizeof old);
    size_t n = strlen(prefix);
    if (n > BSP_ERRMSG_MAX - 3) n = BSP_ERRMSG_MAX - 3;
    memcpy(errbuf, prefix, n);
    errbuf[n++] = ':';
    errbuf[n++] = ' ';
    size_t m = strlen(old);
    if (m > BSP_ERRMSG_MAX - 1 - n) m = BSP_ERRMSG_MAX - 1 - n;
    memcpy(errbuf + n, old, m);
    errbuf[n + m] = '\0';
    return code;
}

const char *bsp_strerror(int code)
{
    switch (code) {
    case BSP_OK: return "BSP_OK: success";
    case BSP_EINVAL: return "BSP_EINVAL: invalid argument or input";
    case BSP_ENOMEM: return "BSP_ENOMEM: out of memory";
    case BSP_EIO: return "BSP_EIO: I/O error";
    case BSP_ECORRUPT: return "BSP_ECORRUPT: corrupt data";
    case BSP_ENOTFOUND: return "BSP_ENOTFOUND: not found";
    case BSP_EEXIST: return "BSP_EEXIST: already exists";
    case BSP_ECONFLICT: return "BSP_ECONFLICT: commit conflict";
    case BSP_EUNSUPPORTED: return "BSP_EUNSUPPORTED: not supported";
    case BSP_ERANGE: return "BSP_ERANGE: value out of range";
    case BSP_EPERM: return "BSP_EPERM: operation not permitted";
    case BSP_EFULL: return "BSP_EFULL: capacity exhausted";
    case BSP_EBUSY: return "BSP_EBUSY: busy";
    default: return "BSP_E?: unknown status code";
    }
}
