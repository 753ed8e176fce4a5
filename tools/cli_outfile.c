/* SPDX-License-Identifier: Apache-2.0 */
/* cli_outfile.c — output files written whole or not at all: a temporary file beside the target,
 * renamed over it on success; removed on failure and when SIGINT, SIGTERM, SIGHUP or SIGPIPE (the
 * reader of standard output went away) ends the program first. A target that exists and is not a
 * regular file (a FIFO, a device: /dev/stdout, /dev/full) is written to directly, as standard output
 * is: renamed over, it would be replaced by a file. Public API only. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define SLOTS 4

/* The temporary files a signal must remove; a slot is in use while its first byte is not NUL. */
static char pending[SLOTS][PATH_MAX];

static void on_signal(int sig)
{
    static const char msg[] = "sltd: interrupted; no output file was written\n";
    int i;

    for (i = 0; i < SLOTS; i++)
        if (pending[i][0] != '\0')
            unlink(pending[i]); /* async-signal-safe */
    if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0) {
        /* nothing more to do: the program ends by the signal below */
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void catch_signals(void)
{
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
    static int done;
    struct sigaction sa, old;
    size_t i;

    if (done)
        return;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        /* a signal ignored when the program started stays ignored (a background job's SIGINT) */
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
            sigaction(sigs[i], &sa, NULL);
    done = 1;
}

/* A target that is not a regular file, opened to be written to as it is: 0, or CLI_SYSTEM after a
 * message. */
static int open_direct(cli_outfile *o, const char *cmd, const char *path)
{
    int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);

    if (fd < 0 || (o->f = fdopen(fd, "w")) == NULL) {
        fprintf(stderr, "sltd %s: %s: %s\n", cmd, path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return CLI_SYSTEM;
    }
    o->path = path;
    o->direct = 1;
    return 0;
}

int cli_outfile_open(cli_outfile *o, const char *cmd, const char *path)
{
    const char *slash = strrchr(path, '/');
    const int dirlen = slash == NULL ? 0 : (int)(slash - path + 1);
    struct stat st;
    mode_t mask;
    int fd, n;

    memset(o, 0, sizeof o[0]);
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return open_direct(o, cmd, path);
    for (o->slot = 0; o->slot < SLOTS && pending[o->slot][0] != '\0'; o->slot++)
        ;
    n = snprintf(pending[o->slot < SLOTS ? o->slot : 0], PATH_MAX, "%.*s.%s.tmp.XXXXXX", dirlen, path,
                 path + dirlen);
    if (o->slot == SLOTS || n < 0 || n >= PATH_MAX) {
        if (o->slot < SLOTS)
            pending[o->slot][0] = '\0';
        fprintf(stderr, "sltd %s: %s: the name is too long\n", cmd, path);
        return CLI_USAGE;
    }
    catch_signals();
    if ((fd = mkstemp(pending[o->slot])) < 0) {
        fprintf(stderr, "sltd %s: %s: cannot create a file beside it: %s\n", cmd, path, strerror(errno));
        pending[o->slot][0] = '\0';
        return CLI_SYSTEM;
    }
    /* the mode a plain creation would give (mkstemp makes 0600) */
    mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0 || (o->f = fdopen(fd, "w")) == NULL) {
        fprintf(stderr, "sltd %s: %s: %s\n", cmd, path, strerror(errno));
        close(fd);
        unlink(pending[o->slot]);
        pending[o->slot][0] = '\0';
        return CLI_SYSTEM;
    }
    o->path = path;
    return 0;
}

void cli_outfile_discard(cli_outfile *o)
{
    if (o->f == NULL)
        return;
    fclose(o->f);
    o->f = NULL;
    if (o->direct)
        return;
    unlink(pending[o->slot]);
    pending[o->slot][0] = '\0';
}

int cli_outfile_commit(cli_outfile *o, const char *cmd)
{
    int failed;

    if (o->f == NULL)
        return 0;
    errno = 0;
    failed = fflush(o->f) != 0 || ferror(o->f) || (!o->direct && fsync(fileno(o->f)) != 0);
    if (fclose(o->f) != 0)
        failed = 1;
    o->f = NULL;
    if (o->direct) {
        if (failed)
            fprintf(stderr, "sltd %s: cannot write %s: %s\n", cmd, o->path,
                    errno != 0 ? strerror(errno) : "a write failed");
        return failed ? CLI_SYSTEM : 0;
    }
    if (failed || rename(pending[o->slot], o->path) != 0) {
        fprintf(stderr, "sltd %s: cannot write %s: %s; nothing written\n", cmd, o->path,
                errno != 0 ? strerror(errno) : "a write failed");
        unlink(pending[o->slot]);
        pending[o->slot][0] = '\0';
        return CLI_SYSTEM;
    }
    pending[o->slot][0] = '\0';
    return 0;
}
