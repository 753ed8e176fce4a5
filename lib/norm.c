/* SPDX-License-Identifier: Apache-2.0 */
/* norm.c — normalisation of issuing states, document numbers and types (see norm.h). */
#include "norm.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

/* ISO 3166-1 alpha-3 codes and the ICAO 9303 (Part 3) special codes, sorted for bsearch.
 * Germany is the single letter "D" (written "D<<" in an MRZ) and is handled apart. */
static const char known_states[][4] = {
    "ABW", "AFG", "AGO", "AIA", "ALA", "ALB", "AND", "ARE", "ARG", "ARM", "ASM", "ATA", "ATF", "ATG",
    "AUS", "AUT", "AZE", "BDI", "BEL", "BEN", "BES", "BFA", "BGD", "BGR", "BHR", "BHS", "BIH", "BLM",
    "BLR", "BLZ", "BMU", "BOL", "BRA", "BRB", "BRN", "BTN", "BVT", "BWA", "CAF", "CAN", "CCK", "CHE",
    "CHL", "CHN", "CIV", "CMR", "COD", "COG", "COK", "COL", "COM", "CPV", "CRI", "CUB", "CUW", "CXR",
    "CYM", "CYP", "CZE", "DJI", "DMA", "DNK", "DOM", "DZA", "ECU", "EGY", "ERI", "ESH", "ESP", "EST",
    "ETH", "EUE", "FIN", "FJI", "FLK", "FRA", "FRO", "FSM", "GAB", "GBD", "GBN", "GBO", "GBP", "GBR",
    "GBS", "GEO", "GGY", "GHA", "GIB", "GIN", "GLP", "GMB", "GNB", "GNQ", "GRC", "GRD", "GRL", "GTM",
    "GUF", "GUM", "GUY", "HKG", "HMD", "HND", "HRV", "HTI", "HUN", "IDN", "IMN", "IND", "IOT", "IRL",
    "IRN", "IRQ", "ISL", "ISR", "ITA", "JAM", "JEY", "JOR", "JPN", "KAZ", "KEN", "KGZ", "KHM", "KIR",
    "KNA", "KOR", "KWT", "LAO", "LBN", "LBR", "LBY", "LCA", "LIE", "LKA", "LSO", "LTU", "LUX", "LVA",
    "MAC", "MAF", "MAR", "MCO", "MDA", "MDG", "MDV", "MEX", "MHL", "MKD", "MLI", "MLT", "MMR", "MNE",
    "MNG", "MNP", "MOZ", "MRT", "MSR", "MTQ", "MUS", "MWI", "MYS", "MYT", "NAM", "NCL", "NER", "NFK",
    "NGA", "NIC", "NIU", "NLD", "NOR", "NPL", "NRU", "NZL", "OMN", "PAK", "PAN", "PCN", "PER", "PHL",
    "PLW", "PNG", "POL", "PRI", "PRK", "PRT", "PRY", "PSE", "PYF", "QAT", "REU", "RKS", "ROU", "RUS",
    "RWA", "SAU", "SDN", "SEN", "SGP", "SGS", "SHN", "SJM", "SLB", "SLE", "SLV", "SMR", "SOM", "SPM",
    "SRB", "SSD", "STP", "SUR", "SVK", "SVN", "SWE", "SWZ", "SXM", "SYC", "SYR", "TCA", "TCD", "TGO",
    "THA", "TJK", "TKL", "TKM", "TLS", "TON", "TTO", "TUN", "TUR", "TUV", "TWN", "TZA", "UGA", "UKR",
    "UMI", "UNA", "UNK", "UNO", "URY", "USA", "UTO", "UZB", "VAT", "VCT", "VEN", "VGB", "VIR", "VNM",
    "VUT", "WLF", "WSM", "XBA", "XCC", "XCE", "XCO", "XDC", "XEC", "XES", "XIM", "XMP", "XOM", "XPO",
    "XXA", "XXB", "XXC", "XXX", "YEM", "ZAF", "ZMB", "ZWE",
};

/* known[(a * 26 + b)] has bit c set when the code of letters a, b, c (0-25) is known: one load and one
 * bit test per lookup. Built once from the sorted list (constant afterwards). */
static uint32_t known[26 * 26];
static pthread_once_t known_once = PTHREAD_ONCE_INIT;

static void build_known(void)
{
    size_t i;

    for (i = 0; i < sizeof known_states / sizeof known_states[0]; i++)
        known[(known_states[i][0] - 'A') * 26 + (known_states[i][1] - 'A')] |= 1u << (known_states[i][2] - 'A');
}

static _Atomic int known_built;

static int known3(const char *c)
{
    if (!atomic_load_explicit(&known_built, memory_order_acquire)) {
        pthread_once(&known_once, build_known);
        atomic_store_explicit(&known_built, 1, memory_order_release);
    }
    return (known[(c[0] - 'A') * 26 + (c[1] - 'A')] >> (c[2] - 'A')) & 1;
}

int sltd__state_known(const char *code)
{
    size_t n = strlen(code), i;

    for (i = 0; i < n; i++)
        if (code[i] < 'A' || code[i] > 'Z')
            return 0;
    if (n == 1)
        return code[0] == 'D';
    return n == 3 && known3(code);
}

/* Characters of a document number: the upper-case character, NUM_DROP (space, '-', '/', '<'), NUM_END
 * (the NUL that ends a C string) or NUM_BAD (a character that makes the number invalid). */
enum { NUM_DROP = 0, NUM_BAD = 1, NUM_END = 2 };
#define N_(c) ((c) >= 'a' && (c) <= 'z' ? (c) - 32 : ((c) >= 'A' && (c) <= 'Z') || ((c) >= '0' && (c) <= '9') ? (c) \
              : (c) == ' ' || (c) == '-' || (c) == '/' || (c) == '<' ? NUM_DROP : (c) == 0 ? NUM_END : NUM_BAD)
#define N4_(c) N_(c), N_((c) + 1), N_((c) + 2), N_((c) + 3)
#define N16_(c) N4_(c), N4_((c) + 4), N4_((c) + 8), N4_((c) + 12)
static const unsigned char number_class[256] = {
    N16_(0), N16_(16), N16_(32), N16_(48), N16_(64), N16_(80), N16_(96), N16_(112),
    N16_(128), N16_(144), N16_(160), N16_(176), N16_(192), N16_(208), N16_(224), N16_(240),
};

static char upper(char c)
{
    return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

int sltd__norm_state(char out[SLTD_STATE_MAX + 1], const char *in, size_t len)
{
    size_t n = 0, i;
    int filler = 0;

    if (in == NULL)
        return SLTD_EINVAL;
    /* the common case: three capital letters */
    if ((len == 3 || (len == SIZE_MAX && in[0] && in[1] && in[2] && !in[3])) && (unsigned)(in[0] - 'A') < 26 &&
        (unsigned)(in[1] - 'A') < 26 && (unsigned)(in[2] - 'A') < 26) {
        memcpy(out, in, 3);
        out[3] = '\0';
        return known3(out) ? SLTD_OK : SLTD_ESTATE;
    }
    for (i = 0; i < len && in[i] != '\0'; i++) {
        char c = upper(in[i]);
        if (c == ' ' || c == '\t')
            continue;
        if (c == '<') { /* fillers only after the letters: "D<<" */
            filler = 1;
            continue;
        }
        if (c < 'A' || c > 'Z' || filler || n == SLTD_STATE_MAX)
            return SLTD_ESTATE;
        out[n++] = c;
    }
    out[n] = '\0';
    if (n == 3 ? !known3(out) : !(n == 1 && out[0] == 'D'))
        return SLTD_ESTATE;
    return SLTD_OK;
}

int sltd__norm_number(char out[SLTD_NUMBER_MAX + 1], size_t *outlen, const char *in, size_t len)
{
    const unsigned char *p = (const unsigned char *)in, *end;
    size_t n = 0;
    unsigned char c;

    if (in == NULL)
        return SLTD_EINVAL;
    end = len == SIZE_MAX ? NULL : p + len; /* a C string: only its NUL ends it */
    for (; p != end; p++) {
        c = number_class[*p]; /* one load and one test per character kept */
        if (c > NUM_END) {
            if (n == SLTD_NUMBER_MAX)
                return SLTD_ENUMBER;
            out[n++] = (char)c;
        } else if (c == NUM_END) {
            break;
        } else if (c == NUM_BAD) {
            return SLTD_ENUMBER;
        }
    }
    out[n] = '\0';
    if (outlen != NULL)
        *outlen = n;
    return n == 0 ? SLTD_ENUMBER : SLTD_OK;
}

int sltd__norm_type(char out[SLTD_TYPE_MAX + 1], const char *in, size_t len)
{
    size_t n = 0, i;
    int filler = 0;

    if (in == NULL && len > 0)
        return SLTD_EINVAL;
    for (i = 0; i < len; i++) {
        char c = upper(in[i]);
        if (c == ' ')
            continue;
        if (c == '<') {
            filler = 1;
            continue;
        }
        if (c < 'A' || c > 'Z' || filler || n == SLTD_TYPE_MAX)
            return SLTD_ETYPE;
        out[n++] = c;
    }
    out[n] = '\0';
    return SLTD_OK;
}

char sltd__type_family(const char *type)
{
    switch (type[0]) {
    case 'A':
    case 'C':
    case 'I':
        return 'I';
    default:
        return type[0];
    }
}

int sltd_normalize_state(char out[SLTD_STATE_MAX + 1], const char *in)
{
    if (out == NULL || in == NULL)
        return SLTD_EINVAL;
    return sltd__norm_state(out, in, SIZE_MAX);
}

int sltd_normalize_number(char out[SLTD_NUMBER_MAX + 1], const char *in)
{
    if (out == NULL || in == NULL)
        return SLTD_EINVAL;
    return sltd__norm_number(out, NULL, in, SIZE_MAX);
}
