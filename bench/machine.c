/* SPDX-License-Identifier: Apache-2.0 */
/* machine.c — what the machine is (CPU, memory, kernel, clock source) and how loaded it was during the
 * run (1-minute load average at start and end, the share of CPU time stolen by a hypervisor). */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench.h"

/* The first line of `path` (or the value after the ':' of the first line starting with `prefix`). */
static void read_line(char *out, size_t cap, const char *path, const char *prefix)
{
    char line[512];
    FILE *f = fopen(path, "r");
    const size_t pl = prefix ? strlen(prefix) : 0;
    size_t len;

    out[0] = '\0';
    if (f == NULL)
        return;
    while (fgets(line, sizeof line, f) != NULL) {
        const char *p = line;
        if (prefix != NULL) {
            if (strncmp(line, prefix, pl) != 0 || (p = strchr(line, ':')) == NULL)
                continue;
            for (p++; *p == ' ' || *p == '\t'; p++)
                ;
        }
        len = strcspn(p, "\n");
        if (len >= cap)
            len = cap - 1;
        memcpy(out, p, len);
        out[len] = '\0';
        break;
    }
    fclose(f);
}

/* Jiffies of the whole machine from /proc/stat: total and stolen by the hypervisor. */
static void cpu_jiffies(uint64_t *total, uint64_t *steal)
{
    unsigned long long v[8] = { 0 };
    FILE *f = fopen("/proc/stat", "r");
    int i;

    *total = *steal = 0;
    if (f == NULL)
        return;
    if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
               &v[7]) == 8) {
        for (i = 0; i < 8; i++)
            *total += v[i];
        *steal = v[7];
    }
    fclose(f);
}

static double loadavg1(void)
{
    double l = -1;
    FILE *f = fopen("/proc/loadavg", "r");

    if (f != NULL) {
        if (fscanf(f, "%lf", &l) != 1)
            l = -1;
        fclose(f);
    }
    return l;
}

void machine_describe(machine *m)
{
    struct utsname un;

    memset(m, 0, sizeof *m);
    m->load_start = loadavg1();
    cpu_jiffies(&m->jiffies0, &m->steal0);
    m->ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    read_line(m->cpu, sizeof m->cpu, "/proc/cpuinfo", "model name");
    if (m->cpu[0] == '\0') /* (aarch64 kernels name no model) */
        read_line(m->cpu, sizeof m->cpu, "/proc/cpuinfo", "CPU part");
    read_line(m->clocksource, sizeof m->clocksource,
              "/sys/devices/system/clocksource/clocksource0/current_clocksource", NULL);
    if (uname(&un) == 0)
        snprintf(m->kernel, sizeof m->kernel, "%s %s", un.release, un.machine);
    m->mem_bytes = (uint64_t)sysconf(_SC_PHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE);
}

void machine_finish(machine *m)
{
    uint64_t j1, s1;

    m->load_end = loadavg1();
    cpu_jiffies(&j1, &s1);
    m->steal_pct = j1 > m->jiffies0 ? 100.0 * (double)(s1 - m->steal0) / (double)(j1 - m->jiffies0) : 0.0;
}
