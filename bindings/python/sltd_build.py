# SPDX-License-Identifier: Apache-2.0
"""The cffi build of the extension module sltd._native, in API mode, against the installed libsltd.

API mode (the C compiler reads sltd.h) rather than ABI mode (cffi guesses struct layouts from a copy
of the declarations): the structs below are declared with ``...`` and their layout comes from the
installed header itself, so a field the library appends never shifts what Python reads; the calls are
plain C calls (no libffi marshalling), which matters for single lookups; and the batch and screening
paths run in C (src/sltdpy.c). The price is a C compiler and the Python headers at install time.

The library is found with pkg-config (``sltd.pc``; set PKG_CONFIG_PATH for a private prefix). When its
libdir is not one the dynamic linker searches anyway, the module gets a RUNPATH to it.
"""
import os
import re
import shlex
import subprocess

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))

CDEF = r"""
#define SLTD_VERSION_NUMBER ...
#define SLTD_STATE_MAX ...
#define SLTD_NUMBER_MAX ...
#define SLTD_TYPE_MAX ...
#define SLTD_REFERENCE_MAX ...
#define SLTD_RECORDS_MAX ...
#define SLTD_RESULT_VERSION ...
#define SLTD_STATS_VERSION ...
#define SLTD_IMPORT_REPORT_VERSION ...
#define SLTD_IMPORT_OPTIONS_VERSION ...
#define SLTD_BUNDLE_REPORT_VERSION ...
#define SLTD_VERIFY_REPORT_VERSION ...
#define SLTD_SCREEN_REPORT_VERSION ...
#define SLTD_SCREEN_CHUNK_ROWS ...
#define SLTD_SCREEN_THREADS_MAX ...
#define SLTD_MRZ_PROBLEMS_MAX ...

typedef enum sltd_error {
    SLTD_OK, SLTD_EINVAL, SLTD_ESTATE, SLTD_ENUMBER, SLTD_ETYPE, SLTD_ENOMEM, SLTD_EIO, SLTD_ENOENT,
    SLTD_EEXIST, SLTD_EKEY, SLTD_EKEYPERM, SLTD_EWRONGKEY, SLTD_ECORRUPT, SLTD_EVERSION, SLTD_EFULL,
    SLTD_EREADERS, SLTD_EBUSY, SLTD_EREADONLY, SLTD_EFORK, SLTD_EFORMAT, SLTD_ETOOMANY, SLTD_EMRZ,
    SLTD_ECHECKDIGIT, SLTD_ESIGNATURE, SLTD_EEXPIRED, SLTD_ESEQUENCE, SLTD_ECHECKSUM, SLTD_ENETWORK,
    SLTD_EMIRROR, SLTD_ELIMIT, ...
} sltd_error;
typedef enum sltd_verdict { SLTD_VERDICT_UNSET, SLTD_VERDICT_CLEAR, SLTD_VERDICT_LISTED, SLTD_VERDICT_VARIANT,
    SLTD_VERDICT_UNREADABLE, SLTD_VERDICT_INVALID, SLTD_VERDICT_ERROR, ... } sltd_verdict;
enum sltd_open_flags { SLTD_OPEN_READONLY, SLTD_OPEN_CREATE, SLTD_OPEN_REFUSE_STALE, ... };
enum sltd_import_flags { SLTD_IMPORT_IGNORE_UNKNOWN, SLTD_IMPORT_SKIP_INVALID, ... };
enum sltd_apply_flags { SLTD_APPLY_DRY_RUN, ... };
enum sltd_screen_flags { SLTD_SCREEN_ALL, SLTD_SCREEN_OCR_VARIANTS, SLTD_SCREEN_MRZ_STRICT, ... };
typedef enum sltd_screen_format { SLTD_SCREEN_AUTO, SLTD_SCREEN_CSV, SLTD_SCREEN_MRZ, SLTD_SCREEN_JSONL,
    ... } sltd_screen_format;
enum sltd_filter_state { SLTD_FILTER_OK, SLTD_FILTER_BYPASS, ... };
enum sltd_mrz_lookup_flags { SLTD_MRZ_OCR_VARIANTS, SLTD_MRZ_STRICT, ... };
enum sltd_mrz_check_status { SLTD_MRZ_CHECK_OK, SLTD_MRZ_CHECK_BAD, SLTD_MRZ_CHECK_ABSENT, ... };

typedef struct sltd_db sltd_db;

typedef struct sltd_options {
    unsigned int version; unsigned int flags; const char *key_path; size_t map_size;
    unsigned int max_readers; unsigned int bits_per_key; ...;
} sltd_options;

typedef struct sltd_record {
    char type[...]; char reporting_state[...]; uint8_t status; uint32_t reported; uint32_t expires;
    char reference[...]; ...;
} sltd_record;

typedef struct sltd_result {
    unsigned int version; int error; int listed; unsigned int nrecords; sltd_record records[...];
    uint64_t data_sequence; int64_t data_produced; int64_t data_expires; int stale; int verdict; ...;
} sltd_result;

typedef struct sltd_query { const char *state; const char *number; const char *type; } sltd_query;

typedef struct sltd_stats {
    unsigned int version; unsigned int format_version; uint64_t records; uint64_t documents;
    uint64_t sequence; int64_t produced; int64_t expires; uint8_t checksum[16]; int filter_state;
    uint64_t filter_bytes; uint64_t filter_capacity; unsigned int filter_bits_per_key; double filter_fill;
    double filter_fpr_estimate; double filter_fpr_target; uint64_t map_size; uint64_t data_bytes; ...;
} sltd_stats;

typedef struct sltd_verify_report {
    unsigned int version; uint64_t records; uint64_t documents; uint8_t checksum[16]; int counts_ok;
    int checksum_ok; int filter_checked; uint64_t filter_missing; ...;
} sltd_verify_report;

typedef struct sltd_import_report {
    unsigned int version; uint64_t rows; uint64_t added; uint64_t updated; uint64_t unchanged;
    uint64_t removed; uint64_t not_found; uint64_t invalid; ...;
} sltd_import_report;

typedef struct sltd_bundle_report {
    unsigned int version; int kind; uint64_t sequence; uint64_t base; int64_t created; int64_t expires;
    uint64_t entries; uint64_t records; uint8_t checksum[16]; uint8_t key_id[...]; uint64_t added;
    uint64_t updated; uint64_t unchanged; uint64_t removed; uint64_t not_found; ...;
} sltd_bundle_report;

typedef struct sltd_screen_row {
    unsigned int version; uint64_t index; unsigned long line; int error; const char *error_msg;
    const char *state; const char *number; int listed; const sltd_result *result;
    const char *variant_number; const sltd_result *variant_result; size_t nfields;
    const char *const *names; const char *const *fields; const char *note; int verdict; ...;
} sltd_screen_row;
typedef int (*sltd_screen_fn)(void *ctx, const sltd_screen_row *row);

typedef struct sltd_screen_options {
    unsigned int version; unsigned int flags; int format; unsigned int threads; sltd_screen_fn row_fn;
    void *row_ctx; ...;
} sltd_screen_options;

typedef struct sltd_screen_report {
    unsigned int version; uint64_t documents; uint64_t hits; uint64_t invalid; ...;
} sltd_screen_report;

typedef struct sltd_mrz_check { char found; char expected; int status; } sltd_mrz_check;
typedef struct sltd_mrz_problem { int code; int field; int line; int pos; const char *msg; } sltd_mrz_problem;
typedef struct sltd_mrz {
    unsigned int version; int kind; char doc_code[...]; char issuing_state[...]; char number[...];
    char nationality[...]; char birth[...]; char sex; char expiry[...]; char optional1[...];
    char optional2[...]; char primary_name[...]; char secondary_name[...]; int name_truncated;
    int long_number; sltd_mrz_check number_check; sltd_mrz_check birth_check; sltd_mrz_check expiry_check;
    sltd_mrz_check optional_check; sltd_mrz_check composite_check; int error_line; int error_pos;
    const char *error_msg; ...;
} sltd_mrz;
typedef struct sltd_mrz_evidence {
    unsigned int version; unsigned int flags; int number_rule; int error; unsigned int nproblems;
    sltd_mrz_problem problems[...]; int number_checked; ...;
} sltd_mrz_evidence;
typedef struct sltd_mrz_answer {
    unsigned int version; sltd_mrz mrz; sltd_result result; unsigned int nvariants_tried;
    int variants_truncated; unsigned int nvariants_listed; int variant_match; char variant_number[...];
    unsigned int variant_nsubst; unsigned int variant_pos[2]; sltd_result variant_result; int verdict; ...;
} sltd_mrz_answer;

const char *sltd_version(void);
int sltd_version_number(void);
const char *sltd_error_text(int code);
const char *sltd_error_detail(void);
const char *sltd_status_name(int status);
const char *sltd_verdict_name(int verdict);
const char *sltd_mrz_kind_name(int kind);
const char *sltd_mrz_rule_name(int rule);
const char *sltd_mrz_field_name(int field);
int sltd_db_open(sltd_db **out, const char *dir, const sltd_options *opts);
void sltd_db_close(sltd_db *db);
int sltd_db_lookup(sltd_result *out, sltd_db *db, const char *state, const char *number, const char *type);
int sltd_db_lookup_batch(sltd_result *out, sltd_db *db, const sltd_query *queries, size_t n);
int sltd_db_stats_get(sltd_stats *out, sltd_db *db);
int sltd_db_verify(sltd_verify_report *out, sltd_db *db);
int sltd_db_import_feed(sltd_import_report *out, sltd_db *db, const char *path, unsigned int flags);
int sltd_bundle_apply(sltd_bundle_report *out, sltd_db *db, const char *path, const char *const *trusted,
                      size_t ntrusted, unsigned int flags);
int sltd_db_screen(sltd_screen_report *out, sltd_db *db, const char *path, const sltd_screen_options *opts);
int sltd_mrz_parse_ex(sltd_mrz *out, sltd_mrz_evidence *evidence, const char *text, size_t len,
                      unsigned int flags);
int sltd_mrz_validate(const sltd_mrz *m);
int sltd_db_lookup_mrz_ex(sltd_mrz_answer *out, sltd_mrz_evidence *evidence, sltd_db *db, const char *text,
                       size_t len, unsigned int flags);

extern "Python" int sltdpy_on_row(void *ctx, const sltd_screen_row *row);
"""

def _own_declarations():
    """The prototypes of src/sltdpy.h (the binding's own C functions), for the cdef: the header with its
    comments and preprocessor lines taken out, so that they are written once."""
    with open(os.path.join(HERE, "src", "sltdpy.h"), encoding="utf-8") as f:
        text = re.sub(r"/\*.*?\*/", "", f.read(), flags=re.S)
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


# Directories the dynamic linker searches without being told (no RUNPATH needed for them).
_SYSTEM_LIBDIRS = {"/lib", "/usr/lib", "/lib64", "/usr/lib64", "/lib/x86_64-linux-gnu",
                   "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu"}


def _pkg_config(*args):
    try:
        out = subprocess.run(["pkg-config", *args, "sltd"], check=True, capture_output=True, text=True)
    except FileNotFoundError as e:
        raise SystemExit("sltd: pkg-config is needed to find libsltd (apt-get install pkg-config)") from e
    except subprocess.CalledProcessError as e:
        raise SystemExit("sltd: libsltd not found by pkg-config (" + e.stderr.strip() + "). Install the "
                         "library first (cmake --install BUILD), and set PKG_CONFIG_PATH to "
                         "PREFIX/lib/pkgconfig for a prefix pkg-config does not search.") from e
    return shlex.split(out.stdout)


def _flags():
    include_dirs = [f[2:] for f in _pkg_config("--cflags-only-I")] + [os.path.join(HERE, "src")]
    library_dirs = [f[2:] for f in _pkg_config("--libs-only-L")]
    libdir = _pkg_config("--variable=libdir")
    runtime = [d for d in libdir if os.path.realpath(d) not in _SYSTEM_LIBDIRS]
    return include_dirs, library_dirs, runtime


def make_ffi():
    """The FFI object setuptools builds (cffi_modules=["sltd_build.py:ffi"])."""
    include_dirs, library_dirs, runtime = _flags()
    builder = FFI()
    builder.cdef(CDEF + _own_declarations())
    builder.set_source(
        "sltd._native",
        '#include "sltdpy.h"\n',
        sources=[os.path.relpath(os.path.join(HERE, "src", "sltdpy.c"))],
        include_dirs=include_dirs,
        library_dirs=library_dirs,
        runtime_library_dirs=runtime,
        libraries=["sltd"],
        extra_compile_args=["-std=c11", "-Wall", "-Wextra"],
    )
    return builder


ffi = make_ffi()

if __name__ == "__main__":
    ffi.compile(verbose=True)
