/* SPDX-License-Identifier: Apache-2.0 */
/* replay.c — the corpus of a fuzz target replayed as an ordinary test: a main() that feeds every file
 * named on the command line (directories: every file in them) to the target's LLVMFuzzerTestOneInput.
 * Linked with a fuzz/fuzz_*.c by any compiler, without libFuzzer. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0, n;

    if (fp == NULL) {
        perror(path);
        return 1;
    }
    do {
        if (len == cap) {
            uint8_t *nb = realloc(buf, cap = cap ? cap * 2 : 65536);
            if (nb == NULL) {
                free(buf);
                fclose(fp);
                return 1;
            }
            buf = nb;
        }
        n = fread(buf + len, 1, cap - len, fp);
        len += n;
    } while (n > 0);
    fclose(fp);
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    int bad = 0, files = 0, i;

    for (i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            DIR *d = opendir(argv[i]);
            struct dirent *e;
            if (d == NULL) {
                perror(argv[i]);
                return 1;
            }
            while ((e = readdir(d)) != NULL) {
                char p[4096];
                if (e->d_name[0] == '.')
                    continue;
                snprintf(p, sizeof p, "%s/%s", argv[i], e->d_name);
                bad |= replay_file(p);
                files++;
            }
            closedir(d);
        } else {
            bad |= replay_file(argv[i]);
            files++;
        }
    }
    printf("%s: %d inputs replayed\n", argv[0], files);
    return bad || files == 0;
}
