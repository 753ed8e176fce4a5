/* SPDX-License-Identifier: Apache-2.0 */
/* norm.c — normalisation of issuing states, document numbers and types (see norm.h). */
#include "norm.h"
#include "error.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
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

int sltd__norm_state_known(const char *code)
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

char sltd__norm_type_family(const char *type)
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

int sltd__norm_err(int code, const char *state, const char *number, const char *type)
{
    char why[192];

    switch (code) {
    case SLTD_ESTATE: return sltd__err(code, "state %s", sltd__norm_why(why, sizeof why, code, state, SIZE_MAX));
    case SLTD_ENUMBER: return sltd__err(code, "number %s", sltd__norm_why(why, sizeof why, code, number, SIZE_MAX));
    case SLTD_ETYPE: return sltd__err(code, "type %s", sltd__norm_why(why, sizeof why, code, type, SIZE_MAX));
    default: return code;
    }
}

static int normalize_state_body(char out[SLTD_STATE_MAX + 1], const char *in)
{
    if (out == NULL || in == NULL)
        return SLTD_EINVAL;
    return sltd__norm_err(sltd__norm_state(out, in, SIZE_MAX), in, NULL, NULL);
}

int sltd_state_normalize(char out[SLTD_STATE_MAX + 1], const char *in)
{
    sltd__err_clear();
    return sltd__err_leave(normalize_state_body(out, in), "sltd_state_normalize");
}

static int normalize_type_body(char out[SLTD_TYPE_MAX + 1], const char *in)
{
    if (out == NULL || in == NULL)
        return SLTD_EINVAL;
    return sltd__norm_err(sltd__norm_type(out, in, strlen(in)), NULL, NULL, in);
}

int sltd_type_normalize(char out[SLTD_TYPE_MAX + 1], const char *in)
{
    sltd__err_clear();
    return sltd__err_leave(normalize_type_body(out, in), "sltd_type_normalize");
}

static int normalize_number_body(char out[SLTD_NUMBER_MAX + 1], const char *in)
{
    if (out == NULL || in == NULL)
        return SLTD_EINVAL;
    return sltd__norm_err(sltd__norm_number(out, NULL, in, SIZE_MAX), NULL, in, NULL);
}

int sltd_number_normalize(char out[SLTD_NUMBER_MAX + 1], const char *in)
{
    sltd__err_clear();
    return sltd__err_leave(normalize_number_body(out, in), "sltd_number_normalize");
}

/* ---- why a value was refused (no value repeated) ---- */

static const char *bad_char(char *out, size_t cap, size_t i, unsigned char ch, const char *allowed)
{
    if (ch > 0x20 && ch < 0x7f && ch != '\'')
        snprintf(out, cap, "character %zu is '%c'; %s", i + 1, ch, allowed);
    else
        snprintf(out, cap, "character %zu is byte 0x%02X; %s", i + 1, ch, allowed);
    return out;
}

/* The codes people write for a state that ICAO 9303 codes otherwise (ISO 3166 two-letter codes, old
 * or national habits), and the code to use: the hint of a refused state. */
static const struct {
    char wrong[4];
    const char *hint;
} state_hints[] = {
    { "DEU", "Germany is D in ICAO 9303" },
    { "GER", "Germany is D in ICAO 9303" },
    { "DE", "Germany is D in ICAO 9303" },
    { "UK", "the United Kingdom is GBR in ICAO 9303 (GBD, GBN, GBO, GBP, GBS for other British nationals)" },
    { "GB", "the United Kingdom is GBR in ICAO 9303 (GBD, GBN, GBO, GBP, GBS for other British nationals)" },
    { "ENG", "the United Kingdom is GBR in ICAO 9303" },
    { "US", "the United States is USA in ICAO 9303" },
    { "FR", "France is FRA in ICAO 9303" },
    { "IT", "Italy is ITA in ICAO 9303" },
    { "ES", "Spain is ESP in ICAO 9303" },
    { "NL", "the Netherlands is NLD in ICAO 9303" },
    { "CH", "Switzerland is CHE in ICAO 9303" },
    { "KOS", "Kosovo is RKS in ICAO 9303" },
    { "ROM", "Romania is ROU in ICAO 9303 (ROM until 2002)" },
};

/* The hint for a refused state written as the letters l[0..n), or NULL. */
static const char *state_hint(const char *l, size_t n)
{
    size_t i;

    for (i = 0; i < sizeof state_hints / sizeof state_hints[0]; i++)
        if (strlen(state_hints[i].wrong) == n && memcmp(state_hints[i].wrong, l, n) == 0)
            return state_hints[i].hint;
    return NULL;
}

/* States and types: letters, '<' fillers only after them, spaces (and for states tabs) dropped. */
static const char *why_code(char *out, size_t cap, const unsigned char *p, size_t len, int state)
{
    const char *allowed = state ? "a state code has letters only" : "a document type has letters only";
    size_t i, n = 0;
    int filler = 0;
    char letters[3];
    const char *hint;

    for (i = 0; i < len; i++) {
        const unsigned char c = (unsigned char)upper((char)p[i]);
        if (c == ' ' || (state && c == '\t'))
            continue;
        if (c == '<') {
            filler = 1;
            continue;
        }
        if (c < 'A' || c > 'Z')
            return bad_char(out, cap, i, p[i], allowed);
        if (filler) {
            snprintf(out, cap, "character %zu is a letter after a '<' filler", i + 1);
            return out;
        }
        if (n < sizeof letters)
            letters[n] = (char)c;
        n++;
    }
    if (state && n <= sizeof letters && (hint = state_hint(letters, n)) != NULL)
        snprintf(out, cap, "is not an ICAO 9303 state code: %s", hint);
    else if (!state)
        snprintf(out, cap, "has %zu letters; a document type has one or two", n);
    else if (n == 0)
        snprintf(out, cap, "%s", len == 0 ? "is empty" : "has no letter");
    else if (n == 3)
        snprintf(out, cap, "is not an ICAO 9303 state code (3 letters, not a known code)");
    else
        snprintf(out, cap, "has %zu letter%s; an ICAO 9303 state code has 3 (or is D)", n, n == 1 ? "" : "s");
    return out;
}

const char *sltd__norm_why(char *out, size_t cap, int what, const char *in, size_t len)
{
    const unsigned char *p = (const unsigned char *)in;
    size_t i, kept = 0;

    if (cap == 0)
        return out;
    if (in == NULL) {
        snprintf(out, cap, "is missing");
        return out;
    }
    if (len == SIZE_MAX)
        len = strlen(in);
    if (what == SLTD_ESTATE || what == SLTD_ETYPE)
        return why_code(out, cap, p, len, what == SLTD_ESTATE);
    for (i = 0; i < len; i++) {
        const unsigned char c = number_class[p[i]];
        if (c == NUM_BAD || c == NUM_END)
            return bad_char(out, cap, i, p[i], "only A-Z and 0-9 are allowed (spaces, '-', '/' and '<' are dropped)");
        kept += c > NUM_END;
    }
    if (kept == 0)
        snprintf(out, cap, "%s",
                 len == 0 ? "is empty (a document number is required)"
                          : "has no letter or digit (spaces, '-', '/' and '<' are dropped)");
    else
        snprintf(out, cap, "has %zu letters and digits, more than %d", kept, SLTD_NUMBER_MAX);
    return out;
}

int sltd__norm_could_be_number(const char *in, size_t len)
{
    char tmp[SLTD_NUMBER_MAX + 1];

    return sltd__norm_number(tmp, NULL, in, len) == SLTD_OK;
}

/* ---- the digest input ---- */

/* The layout: the state at 0, the '<' after it, the number after that. Returns where the number goes. */
static size_t number_at(uint8_t *out, size_t slen)
{
    out[slen] = '<';
    return slen + 1;
}

int sltd__norm_key_input(uint8_t out[SLTD__KEY_INPUT], size_t *len, const char *state, size_t slen, const char *number,
                    size_t nlen)
{
    size_t at, nl;
    int rc;

    if (state == NULL || number == NULL)
        return SLTD_EINVAL;
    memset(out, 0, SLTD__KEY_INPUT);
    if ((rc = sltd__norm_state((char *)out, state, slen)) != SLTD_OK)
        return rc;
    at = number_at(out, out[1] == '\0' ? 1 : 3); /* a valid state is "D" or three letters */
    if ((rc = sltd__norm_number((char *)out + at, &nl, number, nlen)) != SLTD_OK)
        return rc;
    *len = at + nl;
    return SLTD_OK;
}

size_t sltd__norm_key_compose(uint8_t out[SLTD__KEY_INPUT], const char *state, size_t slen, const char *number,
                         size_t nlen)
{
    size_t at;

    memset(out, 0, SLTD__KEY_INPUT);
    memcpy(out, state, slen);
    at = number_at(out, slen);
    memcpy(out + at, number, nlen);
    return at + nlen;
}
