/* Argument parsing, error printing and terminal progress shared by the commands. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"

#ifdef BSP_HAVE_LIBEDIT
#include <editline/readline.h>
#endif

int cli_fail(const char *cmd, int rc, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "bindspace %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (rc < 0 && bsp_errmsg()[0]) fprintf(stderr, ": %s", bsp_errmsg());
    fputc('\n', stderr);
    return 1;
}

int cli_parse_fp(const char *cmd, const char *arg, uint64_t out[BSP_WORDS])
{
    int rc = bsp_fp_from_hex(out, arg, strlen(arg));
    if (rc < 0) return cli_fail(cmd, rc, "bad fingerprint argument");
    return 0;
}

int cli_parse_u64(const char *cmd, const char *what, const char *arg, uint64_t max, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    if (!arg || !*arg || *arg == '-') return cli_fail(cmd, 0, "%s: expected a non-negative integer", what);
    unsigned long long v = strtoull(arg, &end, 0);
    if (errno || *end || v > max)
        return cli_fail(cmd, 0, "%s: '%s' is not an integer in 0..%llu", what, arg,
                        (unsigned long long)max);
    *out = v;
    return 0;
}

static struct timespec progress_last;
static int progress_drawn;

static void progress_fn(void *ctx, const char *what, uint64_t done, uint64_t total)
{
    (void)ctx;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double dt = (double)(now.tv_sec - progress_last.tv_sec) +
                (double)(now.tv_nsec - progress_last.tv_nsec) / 1e9;
    if (progress_drawn && dt < 0.1 && done != total) return;
    progress_last = now;
    progress_drawn = 1;
    if (total)
        fprintf(stderr, "\r%s: %llu/%llu (%3.0f%%)\033[K", what, (unsigned long long)done,
                (unsigned long long)total, 100.0 * (double)done / (double)total);
    else
        fprintf(stderr, "\r%s: %llu\033[K", what, (unsigned long long)done);
    fflush(stderr);
}

bsp_progress cli_progress(void)
{
    bsp_progress p = {NULL, NULL};
    if (isatty(STDERR_FILENO)) p.fn = progress_fn;
    return p;
}

void cli_progress_done(void)
{
    if (progress_drawn) fputc('\n', stderr);
    progress_drawn = 0;
}

char *cli_readline(const char *prompt)
{
#ifdef BSP_HAVE_LIBEDIT
    if (isatty(STDIN_FILENO)) {
        char *line = readline(prompt);
        if (line && *line) add_history(line);
        return line;
    }
#endif
    (void)prompt;
    char tmp[65536];
    if (!fgets(tmp, sizeof tmp, stdin)) return NULL;
    tmp[strcspn(tmp, "\n")] = 0;
    return strdup(tmp);
}

bool cli_statement_add(char **buf, size_t *len, char *line)
{
    size_t n = strlen(line);
    char *nb = realloc(*buf, *len + n + 2);
    if (nb) {
        memcpy(nb + *len, line, n);
        *len += n;
        nb[(*len)++] = '\n';
        nb[*len] = 0;
        *buf = nb;
    }
    free(line);
    return nb != NULL;
}
