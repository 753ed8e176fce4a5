/* SPDX-License-Identifier: Apache-2.0 */
/* cli_outfile.c — output files written whole or not at all: a temporary file beside the target,
 * renamed over it on success; removed on failure and when SIGINT, SIGTERM, SIGHUP or SIGPIPE (the
 * reader of standard output went away) ends the program first. A target that exists and is not a
 * regular file (a FIFO, a device: /dev/stdout, /dev/full) is written to directly, as standard output
 * is: renamed over, it would be replaced by a file. A target that is a symbolic link is written through:
 * the temporary file goes beside the file it resolves to and is renamed over that file. Several outputs
 * of one command commit together (cli_outfile_commit_all): all are written and synced before the
 * first is renamed. Public API only. */
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

/* A command writes at most two files this way (screen: -o and --rejects), so four slots always
 * suffice; a fifth open is refused (an error, never a reuse of a slot in use). */
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
    const char *slash, *target = path;
    struct stat st;
    mode_t mask;
    int fd, n, dirlen;

    memset(o, 0, sizeof o[0]);
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return open_direct(o, cmd, path);
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        /* write through the link: the file it names is replaced, the link stays */
        if ((o->real = realpath(path, NULL)) == NULL) {
            fprintf(stderr, "sltd %s: %s: a symbolic link to a file that cannot be reached: %s\n", cmd, path,
                    strerror(errno));
            return CLI_SYSTEM;
        }
        target = o->real;
    }
    for (o->slot = 0; o->slot < SLOTS && pending[o->slot][0] != '\0'; o->slot++)
        ;
    if (o->slot == SLOTS) {
        fprintf(stderr, "sltd %s: %s: more than %d output files at once\n", cmd, path, SLOTS);
        goto fail;
    }
    slash = strrchr(target, '/');
    dirlen = slash == NULL ? 0 : (int)(slash - target + 1);
    n = snprintf(pending[o->slot], PATH_MAX, "%.*s.%s.tmp.XXXXXX", dirlen, target, target + dirlen);
    if (n < 0 || n >= PATH_MAX) {
        pending[o->slot][0] = '\0';
        fprintf(stderr, "sltd %s: %s: the name is too long\n", cmd, path);
        free(o->real);
        o->real = NULL;
        return CLI_USAGE;
    }
    catch_signals();
    if ((fd = mkstemp(pending[o->slot])) < 0) {
        fprintf(stderr, "sltd %s: %s: cannot create a file beside it: %s\n", cmd, target, strerror(errno));
        pending[o->slot][0] = '\0';
        goto fail;
    }
    /* the mode a plain creation would give (mkstemp makes 0600) */
    mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0 || (o->f = fdopen(fd, "w")) == NULL) {
        fprintf(stderr, "sltd %s: %s: %s\n", cmd, path, strerror(errno));
        close(fd);
        unlink(pending[o->slot]);
        pending[o->slot][0] = '\0';
        goto fail;
    }
    o->path = target;
    return 0;
fail:
    free(o->real);
    o->real = NULL;
    return CLI_SYSTEM;
}

/* Drop a temporary file or, for a direct output, the stream. */
static void drop(cli_outfile *o)
{
    if (o->f != NULL)
        fclose(o->f);
    o->f = NULL;
    if (!o->direct && o->path != NULL && pending[o->slot][0] != '\0') {
        unlink(pending[o->slot]);
        pending[o->slot][0] = '\0';
    }
    o->path = NULL;
    free(o->real);
    o->real = NULL;
}

/* The message for a failed write to `path` (err: its errno, or 0 when none was left). */
static void cannot_write(const char *cmd, const char *path, int err)
{
    fprintf(stderr, "sltd %s: cannot write %s: %s\n", cmd, path, err != 0 ? strerror(err) : "a write failed");
}

/* Flush, sync (a temporary file) and close one output: 0, or CLI_SYSTEM after a message. */
static int finish(cli_outfile *o, const char *cmd)
{
    int failed;

    errno = 0;
    failed = fflush(o->f) != 0 || ferror(o->f) || (!o->direct && fsync(fileno(o->f)) != 0);
    if (fclose(o->f) != 0)
        failed = 1;
    o->f = NULL;
    if (failed)
        cannot_write(cmd, o->path, errno);
    return failed ? CLI_SYSTEM : 0;
}

/* The directory holding `path` ("." or "/" included) into dir: 0, or -1 with errno ENAMETOOLONG. */
static int dir_of(char dir[PATH_MAX], const char *path)
{
    const char *slash = strrchr(path, '/');

    if (slash == NULL)
        snprintf(dir, PATH_MAX, ".");
    else if (snprintf(dir, PATH_MAX, "%.*s", slash == path ? 1 : (int)(slash - path), path) >= PATH_MAX)
        return errno = ENAMETOOLONG, -1;
    return 0;
}

/* fsync the directory holding `path` (its rename is then on disk): 0, or -1 with errno set. */
static int sync_dir_of(const char *path)
{
    char dir[PATH_MAX];
    int fd, rc, saved;

    if (dir_of(dir, path) != 0)
        return -1;
    if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return -1;
    rc = fsync(fd);
    saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

/* The name a file yet to be created would have: its directory's real path, "/", its last component
 * (out[0] = NUL when the directory cannot be resolved). */
#define FUTURE_MAX (2 * PATH_MAX + 2)
static void future_name(char out[FUTURE_MAX], const char *path)
{
    const char *slash = strrchr(path, '/'), *base = slash != NULL ? slash + 1 : path;
    char dir[PATH_MAX], real[PATH_MAX];

    out[0] = '\0';
    if (dir_of(dir, path) == 0 && realpath(dir, real) != NULL)
        snprintf(out, FUTURE_MAX, "%s/%s", strcmp(real, "/") == 0 ? "" : real, base);
}

int cli_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    char na[FUTURE_MAX], nb[FUTURE_MAX];
    const int ea = stat(a, &sa) == 0, eb = stat(b, &sb) == 0;

    if (strcmp(a, "-") == 0 || strcmp(b, "-") == 0)
        return 0;
    if (ea && eb)
        return S_ISREG(sa.st_mode) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    if (ea || eb) /* one exists and the other does not: two files */
        return 0;
    future_name(na, a);
    future_name(nb, b);
    return na[0] != '\0' ? strcmp(na, nb) == 0 : strcmp(a, b) == 0;
}

/* Name every file output among n that will not be written. */
static void not_written(cli_outfile *const *files, size_t n, const char *cmd)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (files[i]->path != NULL && !files[i]->direct)
            fprintf(stderr, "sltd %s: %s was not written\n", cmd, files[i]->path);
}

void cli_outfile_abandon_all(cli_outfile *const *files, size_t n, const cli_outfile *failed, int err,
                             const char *cmd)
{
    size_t i;

    if (failed != NULL && failed->path != NULL)
        cannot_write(cmd, failed->path, err);
    not_written(files, n, cmd);
    for (i = 0; i < n; i++)
        drop(files[i]);
}

int cli_outfile_commit_all(cli_outfile *const *files, size_t n, const char *cmd)
{
    size_t i, renamed = 0;
    int failed = 0;

    /* every output written and synced before any is renamed: one failure, and no target changes */
    for (i = 0; i < n; i++)
        if (files[i]->f != NULL && finish(files[i], cmd) != 0)
            failed = 1;
    if (failed) {
        not_written(files, n, cmd);
        goto cleanup;
    }
    for (i = 0; i < n; i++) {
        cli_outfile *const o = files[i];
        if (o->path == NULL || o->direct)
            continue;
        if (rename(pending[o->slot], o->path) != 0) {
            /* rare (the directory became unwritable or was removed meanwhile): a rename done cannot be
             * undone, so say exactly which targets were replaced and which were not */
            size_t j;
            fprintf(stderr, "sltd %s: cannot rename into %s: %s; it was not written\n", cmd, o->path, strerror(errno));
            for (j = 0; j < i && renamed > 0; j++)
                if (files[j]->path != NULL && !files[j]->direct)
                    fprintf(stderr, "sltd %s: %s was already replaced\n", cmd, files[j]->path);
            failed = 1;
            goto cleanup;
        }
        pending[o->slot][0] = '\0';
        renamed++;
    }
    /* the renames made durable: each target's directory synced (a crash now keeps the new files) */
    for (i = 0; i < n; i++)
        if (files[i]->path != NULL && !files[i]->direct && sync_dir_of(files[i]->path) != 0) {
            fprintf(stderr, "sltd %s: %s was written, but its directory could not be synced: %s\n", cmd,
                    files[i]->path, strerror(errno));
            failed = 1;
        }
cleanup:
    for (i = 0; i < n; i++) /* a temporary file not renamed is removed; a renamed one has nothing left */
        drop(files[i]);
    return failed ? CLI_SYSTEM : 0;
}
