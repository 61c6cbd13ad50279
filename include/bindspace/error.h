/* bindspace error convention.
 *
 * Every fallible function returns an int: BSP_OK (0) or a negative BSP_E* code. The
 * message of the last error raised on the calling thread is bsp_errmsg(); it says what
 * was wrong and where ("manifest _versions/3.manifest: footer magic is not LANC").
 * No function aborts on bad input. */
#ifndef BINDSPACE_ERROR_H
#define BINDSPACE_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

enum {
    BSP_OK = 0,
    BSP_EINVAL = -1,       /* bad argument or malformed input (parse errors) */
    BSP_ENOMEM = -2,       /* allocation failed */
    BSP_EIO = -3,          /* operating-system I/O failure */
    BSP_ECORRUPT = -4,     /* stored bytes are damaged or inconsistent */
    BSP_ENOTFOUND = -5,    /* no such file, version, address, key */
    BSP_EEXIST = -6,       /* already exists / occupied */
    BSP_ECONFLICT = -7,    /* concurrent commit that cannot be rebased */
    BSP_EUNSUPPORTED = -8, /* valid but not supported (format version, feature flag) */
    BSP_ERANGE = -9,       /* value out of range */
    BSP_EPERM = -10,       /* operation not allowed (read-only zone, reserved version) */
    BSP_EFULL = -11,       /* capacity exhausted */
    BSP_EBUSY = -12        /* resource locked by another writer */
};

/* The message of the last error set on this thread ("" if none). Valid until the next
 * bindspace call on this thread. */
const char *bsp_errmsg(void);

/* A fixed name for a status code ("BSP_EINVAL: invalid argument"). Never NULL. */
const char *bsp_strerror(int code);

/* Clear the thread's error message. */
void bsp_errclear(void);

#ifdef __cplusplus
}
#endif
#endif
