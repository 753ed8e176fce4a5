/* SPDX-License-Identifier: Apache-2.0 */
/* relutil.c — see relutil.h. */
#include "relutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

int ru_state_get(ru_state *out, sltd_db *db)
{
    sltd_stats st = SLTD_STATS_INIT;
    int rc = sltd_db_stats_get(&st, db);

    memset(out, 0, sizeof *out);
    if (rc != 0)
        return rc;
    out->records = st.records;
    out->documents = st.documents;
    out->sequence = st.sequence;
    memcpy(out->checksum, st.checksum, 16);
    return 0;
}

int ru_state_eq(const ru_state *a, const ru_state *b)
{
    return a->records == b->records && a->documents == b->documents && a->sequence == b->sequence &&
           memcmp(a->checksum, b->checksum, 16) == 0;
}

const char *ru_state_str(const ru_state *s)
{
    static _Thread_local char buf[128];
    int i, n;

    n = snprintf(buf, sizeof buf, "%llu rec/%llu docs/seq %llu/", (unsigned long long)s->records,
                 (unsigned long long)s->documents, (unsigned long long)s->sequence);
    for (i = 0; i < 16 && n + 2 < (int)sizeof buf; i++)
        n += snprintf(buf + n, sizeof buf - (size_t)n, "%02x", s->checksum[i]);
    return buf;
}

int ru_open(sltd_db **out, const char *dir, const char *key, unsigned flags, size_t map_size)
{
    sltd_options o = SLTD_OPTIONS_INIT;

    o.flags = flags;
    o.key_path = key;
    o.map_size = map_size;
    return sltd_db_open(out, dir, &o);
}

int ru_copy_file(const char *from, const char *to)
{
    char buf[1 << 16];
    int in = open(from, O_RDONLY | O_CLOEXEC), out, rc = 0;
    ssize_t n;

    if (in < 0)
        return -1;
    out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) {
        close(in);
        return -1;
    }
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n) {
            rc = -1;
            break;
        }
    if (n < 0)
        rc = -1;
    close(in);
    if (close(out) != 0)
        rc = -1;
    return rc;
}

int ru_copy_dir(const char *from, const char *to)
{
    char a[4096], b[4096];
    struct dirent *e;
    struct stat st;
    DIR *d;
    int rc = 0;

    if (mkdir(to, 0755) != 0 && errno != EEXIST)
        return -1;
    if ((d = opendir(from)) == NULL)
        return -1;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        snprintf(a, sizeof a, "%s/%s", from, e->d_name);
        snprintf(b, sizeof b, "%s/%s", to, e->d_name);
        if (stat(a, &st) == 0 && S_ISREG(st.st_mode))
            rc = ru_copy_file(a, b);
    }
    closedir(d);
    return rc;
}

void ru_series_prefix(char out[3], unsigned series)
{
    char num[16];

    tu_number(num, series, 0);
    out[0] = num[0];
    out[1] = num[1];
    out[2] = '\0';
}

size_t ru_find_plain(const char *buf, size_t len, const char *prefix)
{
    const char *p = buf, *end = buf + len;
    int i;

    while (end - p >= 9 && (p = memmem(p, (size_t)(end - p), prefix, 2)) != NULL) {
        if (end - p < 9)
            break;
        for (i = 2; i < 9 && p[i] >= '0' && p[i] <= '9'; i++)
            ;
        if (i == 9)
            return (size_t)(p - buf) + 1;
        p++;
    }
    return 0;
}

long ru_scan_dir_plain(const char *dir, const char *prefix, char *who, size_t whocap)
{
    char p[4096];
    struct dirent *e;
    struct stat st;
    long files = 0, sub;
    DIR *d = opendir(dir);

    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (lstat(p, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            if ((sub = ru_scan_dir_plain(p, prefix, who, whocap)) < 0) {
                files = -1;
                break;
            }
            files += sub;
        } else if (S_ISREG(st.st_mode)) {
            size_t len = 0;
            char *buf = tu_load(p, &len);
            size_t at = buf != NULL ? ru_find_plain(buf, len, prefix) : 0;
            free(buf);
            files++;
            if (at != 0) {
                snprintf(who, whocap, "%s (offset %zu)", p, at - 1);
                files = -1;
                break;
            }
        }
    }
    closedir(d);
    return files;
}

pid_t ru_spawn(char *const argv[], const char *log)
{
    pid_t pid = fork();

    if (pid == 0) {
        int fd = open(log != NULL ? log : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

int ru_wait(pid_t pid)
{
    int status;

    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    if (WIFSIGNALED(status))
        return 1000 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

int ru_run(char *const argv[], const char *log)
{
    pid_t pid = ru_spawn(argv, log);

    return pid < 0 ? -1 : ru_wait(pid);
}

double ru_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void ru_sleep(double s)
{
    struct timespec ts;

    if (s <= 0)
        return;
    ts.tv_sec = (time_t)s;
    ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

int ru_feed(const char *path, unsigned series, unsigned long from, unsigned long to, unsigned gen,
            unsigned rm_series, unsigned long rm_from, unsigned long rm_to)
{
    FILE *f = fopen(path, "w");
    char num[16];
    unsigned long i;

    if (f == NULL)
        return -1;
    fputs("state,number,type,status,reported,reference,action\n", f);
    for (i = from; i < to; i++) {
        tu_number(num, series, i);
        fprintf(f, "UTO,%s,P,%s,2024-0%lu-1%lu,G%u-%lu,add\n", num, i % 3 ? "stolen" : "lost", 1 + i % 9, i % 10, gen,
                i);
    }
    for (i = rm_from; i < rm_to; i++) {
        tu_number(num, rm_series, i);
        fprintf(f, "UTO,%s,,,,,remove\n", num);
    }
    return fclose(f) != 0 ? -1 : 0;
}

int ru_first_bundle(sltd_db *db, const char *feed, const char *bundle, const char *key, const char *sec,
                    const char *pub)
{
    sltd_pack_options po = SLTD_PACK_OPTIONS_INIT;
    const char *trusted[1] = { pub };
    int rc;

    po.key_path = key;
    po.sign_path = sec;
    po.sequence = 1;
    if ((rc = sltd_bundle_pack(NULL, NULL, feed, bundle, &po)) != 0)
        return rc;
    return sltd_bundle_apply(NULL, db, bundle, trusted, 1, 0);
}

int ru_env_on(const char *name)
{
    const char *v = getenv(name);

    return v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
}
