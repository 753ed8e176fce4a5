/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file sltd.h
 * @brief sltd — is this travel document listed as stolen, lost, revoked or invalid?
 *
 * @mainpage sltd
 *
 * libsltd answers one question at a border, offline and in microseconds: is the travel document
 * (issuing state, document number) on the local copy of a stolen/lost travel documents list?
 *
 * The list is stored as keyed digests (SipHash-2-4, 128-bit output, keyed from a 32-byte master key
 * kept in a file of its own) in an LMDB environment; no document number is ever stored in clear.
 * A cache-line-blocked Bloom filter, persisted in a file beside the environment and mapped shared by
 * every process, answers the vast majority of checks (misses) without touching LMDB.
 *
 * @section rules Threads, processes and ownership
 *  - One ::sltd_db handle may be used by any number of threads at once for lookups, screening, stats,
 *    verification and digests. Updates (::sltd_db_import_feed, ::sltd_bundle_apply) may run on one thread
 *    while other threads look up; the library serialises writers (one writer at a time per database,
 *    across all processes) and readers never wait for them.
 *  - The library starts no thread of its own, except inside ::sltd_db_screen and ::sltd_db_import_feed_ex
 *    (and ::sltd_db_import_feed) when more than one thread is asked for or the default allows it; those
 *    are joined before the call returns.
 *  - Many processes may open the same database at once; lookups in every process see each update as
 *    soon as it is committed (no false negative: the filter bits of new records are set before the
 *    commit that adds them).
 *  - **Never open the same database directory twice in one process** (LMDB's rule): open it once and
 *    share the handle. A second open in the same process is refused with ::SLTD_EBUSY.
 *  - **Never use a handle after fork()** in the child: open a new one there. A handle used in a
 *    child process returns ::SLTD_EFORK.
 *  - Everything returned through a `T **out` belongs to the caller and is released by its own
 *    `sltd_*_close()`, which accepts NULL. Results are copied into caller-owned structs; no function
 *    returns a pointer into the database.
 *  - A miss is an answer, not an error: lookups return 0 and set `listed` to 0 or 1. Every error is
 *    reported as a negative code, never as "not listed" (fail closed).
 *  - Every answer carries a ::sltd_verdict (`verdict` of ::sltd_result, ::sltd_mrz_answer and
 *    ::sltd_screen_row): decide on it alone. ::SLTD_VERDICT_CLEAR is the only clear answer.
 *
 * @section key The key
 * The master key is a 32-byte random file created by ::SLTD_OPEN_CREATE with mode 0600. It is refused
 * when group- or world-accessible (::SLTD_EKEYPERM). By default it lives beside, not inside, the
 * database directory: `DIR.key` for the database `DIR`, so copying `DIR` to a kiosk does not copy the
 * key. Opening with the wrong key is refused (::SLTD_EWRONGKEY), never answered with misses.
 */
#ifndef SLTD_H
#define SLTD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @name Version (the build reads it from here) */
/**@{*/
#define SLTD_VERSION_MAJOR 0
#define SLTD_VERSION_MINOR 2
#define SLTD_VERSION_PATCH 0
#define SLTD_VERSION_NUMBER (SLTD_VERSION_MAJOR * 10000 + SLTD_VERSION_MINOR * 100 + SLTD_VERSION_PATCH)
#define SLTD_VERSION_QUOTE_(x) #x
#define SLTD_VERSION_EXPAND_(x) SLTD_VERSION_QUOTE_(x)
/** "MAJOR.MINOR.PATCH", made from the three numbers above (the only place the version is written) */
#define SLTD_VERSION_STRING SLTD_VERSION_EXPAND_(SLTD_VERSION_MAJOR.SLTD_VERSION_MINOR.SLTD_VERSION_PATCH)
/**@}*/

#if defined(SLTD_BUILDING) && defined(__GNUC__)
#define SLTD_API __attribute__((visibility("default")))
#else
#define SLTD_API
#endif

#if defined(__GNUC__)
#define SLTD_NODISCARD __attribute__((warn_unused_result))
#else
#define SLTD_NODISCARD
#endif

/* The 0.1 names, kept for one minor version (see the end of this header): a build that uses one is
 * warned. Define SLTD_NO_DEPRECATED_WARNINGS to silence the warnings while moving over. */
#if defined(SLTD_BUILDING) || defined(SLTD_NO_DEPRECATED_WARNINGS) || !defined(__GNUC__)
#define SLTD_DEPRECATED(use)
#else
#define SLTD_DEPRECATED(use) __attribute__((deprecated("use " use)))
#endif

/** @name Sizes */
/**@{*/
#define SLTD_STATE_MAX 3      /**< longest normalised issuing-state code */
#define SLTD_NUMBER_MAX 22    /**< longest normalised document number */
#define SLTD_TYPE_MAX 2       /**< longest document type code (ICAO 9303 8th ed.: two letters) */
#define SLTD_REFERENCE_MAX 32 /**< longest record reference, bytes */
#define SLTD_RECORDS_MAX 8    /**< most records returned for one document */
#define SLTD_DIGEST_SIZE 16   /**< bytes of a keyed document digest */
#define SLTD_KEY_SIZE 32      /**< bytes of a master key */
/**@}*/

/**
 * @brief Result codes. 0 is success; errors are negative. Values are pinned: new codes are only
 * ever appended.
 */
typedef enum sltd_error {
    SLTD_OK = 0,
    SLTD_EINVAL = -1,      /**< bad argument (NULL pointer, unknown flag, bad option) */
    SLTD_ESTATE = -2,      /**< issuing state is not a valid ICAO 9303 code */
    SLTD_ENUMBER = -3,     /**< document number is empty, too long, or has a character outside [A-Z0-9] */
    SLTD_ETYPE = -4,       /**< document type is not one or two letters */
    SLTD_ENOMEM = -5,      /**< out of memory */
    SLTD_EIO = -6,         /**< an operating-system I/O call failed */
    SLTD_ENOENT = -7,      /**< database, key or input file does not exist */
    SLTD_EEXIST = -8,      /**< database already exists (create) */
    SLTD_EKEY = -9,        /**< key file unreadable or not a key */
    SLTD_EKEYPERM = -10,   /**< key file is readable or writable by group or others */
    SLTD_EWRONGKEY = -11,  /**< key does not belong to this database */
    SLTD_ECORRUPT = -12,   /**< database file damaged or not an sltd database */
    SLTD_EVERSION = -13,   /**< database format version not supported by this library */
    SLTD_EFULL = -14,      /**< database map or disk full */
    SLTD_EREADERS = -15,   /**< too many concurrent readers */
    SLTD_EBUSY = -16,      /**< database already open in this process */
    SLTD_EREADONLY = -17,  /**< write attempted on a read-only handle */
    SLTD_EFORK = -18,      /**< handle used in a child process after fork() */
    SLTD_EFORMAT = -19,    /**< malformed input (feed, manifest, bundle); details in sltd_error_detail() */
    SLTD_ETOOMANY = -20,   /**< too many records for one document (more than SLTD_RECORDS_MAX) */
    SLTD_EMRZ = -21,       /**< MRZ text is malformed (length, character set, structure) */
    SLTD_ECHECKDIGIT = -22, /**< an MRZ check digit that protects the lookup key is wrong */
    SLTD_ESIGNATURE = -23,  /**< update bundle: bad signature, or signed by a key that is not trusted */
    SLTD_EEXPIRED = -24,    /**< update bundle expired, or (when asked to refuse it) stale data */
    SLTD_ESEQUENCE = -25,   /**< update bundle replayed, rolled back, or made for another base sequence */
    SLTD_ECHECKSUM = -26,   /**< the state after an update does not have the checksum it must have */
    SLTD_ENETWORK = -27,    /**< sync: the source could not be reached or failed, after every retry */
    SLTD_EMIRROR = -28,     /**< sync: the source served something other than what the signed index names
                                 (size, content hash, more bytes than announced, a redirect) */
    SLTD_ELIMIT = -29       /**< sync: the update needs more bytes than the caller allows (max_bytes) */
} sltd_error;

/**
 * @brief The answer to one document, as one value: what a host decides on. Every lookup path sets it
 * (::sltd_db_lookup, ::sltd_db_lookup_batch, ::sltd_db_lookup_mrz, ::sltd_db_screen). Values are pinned.
 *
 * ::SLTD_VERDICT_CLEAR is only ever a positive statement: the document was checked and is not listed.
 * Every other value means "do not let this document through unchecked". 0 is ::SLTD_VERDICT_UNSET and
 * is never an answer, so a zeroed struct never reads as clear.
 */
typedef enum sltd_verdict {
    SLTD_VERDICT_UNSET = 0,      /**< not an answer (a struct the library did not fill) */
    SLTD_VERDICT_CLEAR = 1,      /**< checked, and not listed */
    SLTD_VERDICT_LISTED = 2,     /**< the document, as read, is listed */
    SLTD_VERDICT_VARIANT = 3,    /**< an OCR variant of the number as read is listed (MRZ with
                                      ::SLTD_MRZ_OCR_VARIANTS): treat as a hit, show the variant */
    SLTD_VERDICT_UNREADABLE = 4, /**< a check digit that protects the number failed (::SLTD_ECHECKDIGIT):
                                      re-read the document */
    SLTD_VERDICT_INVALID = 5,    /**< the document itself is invalid: issuing state, number or type is
                                      not valid, an MRZ field breaks ICAO 9303, a malformed manifest row
                                      (::SLTD_ESTATE, ::SLTD_ENUMBER, ::SLTD_ETYPE, ::SLTD_EMRZ,
                                      ::SLTD_EFORMAT) */
    SLTD_VERDICT_ERROR = 6       /**< the document could not be checked: database, system or argument
                                      error (any other code) */
} sltd_verdict;

/**
 * @name Output structs grow without breaking the ABI
 *
 * A struct the library fills for a caller starts with `version`, which the **caller** sets before the
 * call — the `*_INIT` macros do — to the version of the header it was built with: ::sltd_result,
 * ::sltd_mrz_answer, ::sltd_stats, ::sltd_verify_report, ::sltd_import_report, ::sltd_screen_report,
 * ::sltd_bundle_report, ::sltd_keylist_info, ::sltd_publish_report, ::sltd_sync_report,
 * ::sltd_sync_state, ::sltd_mrz and ::sltd_mrz_evidence. The library writes that version's members and
 * nothing after them, so a program built against an older header keeps working when a struct grows
 * (new members are only ever added at the end, and the `*_VERSION` macro goes up). A version newer
 * than the library's gets the members the library knows, and `version` says which it wrote; the
 * others keep their initial values (a verdict stays ::SLTD_VERDICT_UNSET) — except an array of
 * ::sltd_result for ::sltd_db_lookup_batch, whose later elements the library cannot place, and
 * ::sltd_mrz_answer, whose members move when a struct it embeds grows: those calls refuse a newer
 * version like an unset one. `version` 0 (not set) is refused with ::SLTD_EINVAL, a detail naming
 * the struct, and the call does nothing: no struct written, nothing imported, packed, applied,
 * published or synced. A struct passed as NULL where the function allows it needs no version.
 *
 * Two kinds of call never read `version`, because their callers were built before it was the
 * caller's to set (0.1 programs did not set it, so it holds anything): the 0.1 names (see the end of
 * this header) and ::sltd_mrz_parse, whose name is unchanged since 0.1. They write version 1, the
 * layout 0.1 declared, whatever `version` holds; a program that wants a later member calls the new
 * name (::sltd_db_lookup, ::sltd_mrz_parse_ex, …). Structs the library hands to a callback
 * (::sltd_screen_row, ::sltd_screen_progress, ::sltd_screen_audit, ::sltd_sync_event) carry the
 * library's version for the reader to check.
 */
/**@{*/
/**@}*/

/** @brief Record status. Values are stored on disk and pinned. */
typedef enum sltd_status {
    SLTD_STATUS_STOLEN = 1,
    SLTD_STATUS_LOST = 2,
    SLTD_STATUS_REVOKED = 3,
    SLTD_STATUS_INVALID = 4,
    SLTD_STATUS_STOLEN_BLANK = 5
} sltd_status;

/** @brief Flags for ::sltd_options.flags. */
enum sltd_open_flags {
    SLTD_OPEN_READONLY = 1u << 0, /**< no updates through this handle; the filter is never rebuilt */
    SLTD_OPEN_CREATE = 1u << 1,   /**< create the database (it must not exist) and the key file if absent */
    SLTD_OPEN_REFUSE_STALE = 1u << 2 /**< lookups on data past its expiry fail with SLTD_EEXPIRED instead
                                          of answering with `stale` set */
};

#define SLTD_OPTIONS_VERSION 1
/** @brief Options for ::sltd_db_open. Initialise with ::SLTD_OPTIONS_INIT, then set what you need. */
typedef struct sltd_options {
    unsigned int version;      /**< SLTD_OPTIONS_VERSION */
    unsigned int flags;        /**< sltd_open_flags */
    const char *key_path;      /**< master key file; NULL: "DIR.key" */
    size_t map_size;           /**< initial LMDB map size in bytes; 0: 64 MiB. It grows as needed. */
    unsigned int max_readers;  /**< LMDB reader slots; 0: 512 */
    unsigned int bits_per_key; /**< filter size when it is (re)built; 0: 20 (about 0.026 % false positives) */
} sltd_options;
#define SLTD_OPTIONS_INIT { SLTD_OPTIONS_VERSION, 0, NULL, 0, 0, 0 }

/** @brief One listing of a document. */
typedef struct sltd_record {
    char type[SLTD_TYPE_MAX + 1];           /**< document type ("P", "ID", …), "" when not given */
    char reporting_state[SLTD_STATE_MAX + 1]; /**< state that reported it, "" when not given */
    uint8_t status;                         /**< sltd_status */
    uint32_t reported;                      /**< date reported as YYYYMMDD, 0 when not given */
    uint32_t expires;                       /**< expiry or review date as YYYYMMDD, 0 when none */
    char reference[SLTD_REFERENCE_MAX + 1]; /**< reference to quote to the issuing authority (NUL-terminated) */
} sltd_record;

#define SLTD_RESULT_VERSION 2
/** @brief The answer to one lookup. */
typedef struct sltd_result {
    unsigned int version;  /**< set by the caller (::SLTD_RESULT_INIT): the layout it was built with;
                                a batch reads it from out[0] for the whole array */
    int error;             /**< batch lookups: this document's code (0, or a negative sltd_error) */
    int listed;            /**< 1: listed; 0: not listed. Meaningful only when error is 0. */
    unsigned int nrecords; /**< records in `records` (those matching the type filter) */
    sltd_record records[SLTD_RECORDS_MAX];
    uint64_t data_sequence; /**< sequence of the data that answered (0: never updated from a bundle) */
    int64_t data_produced;  /**< when that data was produced, Unix seconds (0: unknown) */
    int64_t data_expires;   /**< when it expires, Unix seconds (0: never) */
    int stale;              /**< 1: the data was past its expiry when the lookup ran (a freeze?) */
    int verdict;            /**< sltd_verdict: the answer to decide on (version 2); never
                                 SLTD_VERDICT_CLEAR unless error is 0 and listed is 0 */
} sltd_result;
#define SLTD_RESULT_INIT { SLTD_RESULT_VERSION, 0, 0, 0, { { "", "", 0, 0, 0, "" } }, 0, 0, 0, 0, 0 }

/** @brief One document of a batch. Strings are borrowed for the duration of the call. */
typedef struct sltd_query {
    const char *state;  /**< issuing state (normalised by the library) */
    const char *number; /**< document number (normalised by the library) */
    const char *type;   /**< document type filter, or NULL */
} sltd_query;

/** Opaque database handle. */
typedef struct sltd_db sltd_db;

/** @brief Filter state reported by ::sltd_stats. */
enum sltd_filter_state {
    SLTD_FILTER_OK = 0,    /**< the shared filter is in use */
    SLTD_FILTER_BYPASS = 1 /**< filter missing or untrusted on a read-only handle, or another process was
                                writing it when it was needed: lookups go to LMDB until the next commit */
};

#define SLTD_STATS_VERSION 1
/** @brief Database statistics. */
typedef struct sltd_stats {
    unsigned int version;        /**< set by the caller (::SLTD_STATS_INIT): the layout it was built with */
    unsigned int format_version; /**< on-disk format version */
    uint64_t records;            /**< listings */
    uint64_t documents;          /**< distinct (state, number) digests */
    uint64_t sequence;           /**< data sequence number (0: never updated from a bundle) */
    int64_t produced;            /**< when the data was produced, Unix seconds, 0 unknown */
    int64_t expires;             /**< when the data expires, Unix seconds, 0 never */
    uint8_t checksum[16];        /**< state checksum (sum of XXH3-128 of each key+record), big-endian */
    int filter_state;            /**< sltd_filter_state */
    uint64_t filter_bytes;       /**< size of the filter file */
    uint64_t filter_capacity;    /**< documents the filter is sized for */
    unsigned int filter_bits_per_key; /**< bits per document at capacity */
    double filter_fill;          /**< fraction of filter bits set */
    double filter_fpr_estimate;  /**< false-positive rate estimated from the actual fill */
    double filter_fpr_target;    /**< false-positive rate the filter was configured for at capacity */
    uint64_t map_size;           /**< LMDB map size in bytes */
    uint64_t data_bytes;         /**< bytes used by the LMDB data file */
} sltd_stats;
#define SLTD_STATS_INIT { SLTD_STATS_VERSION, 0, 0, 0, 0, 0, 0, { 0 }, 0, 0, 0, 0, 0, 0, 0, 0, 0 }

/**
 * @brief Name of a verdict: "clear", "listed", "variant", "unreadable", "invalid", "error", or "unset"
 * (for ::SLTD_VERDICT_UNSET and any value that is not a verdict); static storage.
 */
SLTD_API const char *sltd_verdict_name(int verdict);

/** @brief Library version as "MAJOR.MINOR.PATCH"; static storage. */
SLTD_API const char *sltd_version(void);

/** @brief Library version as SLTD_VERSION_NUMBER, to compare with the header a host was built with. */
SLTD_API int sltd_version_number(void);

/**
 * @brief Static description of a result code, starting with the code's name
 * (e.g. "SLTD_EKEYPERM: key file is accessible by group or others").
 * @param[in] code a value returned by this library
 * @return static text; never NULL (unknown codes give "SLTD_E?: unknown error").
 */
SLTD_API const char *sltd_error_text(int code);

/**
 * @brief Detail of the last call's error in this thread (file, line, field, cause), or "".
 *
 * Like errno, the detail is kept per thread, not per handle (a handle is shared by threads, and some
 * calls fail before there is a handle). Every call of this library that returns a code forgets the
 * previous detail when it starts, and leaves a detail on every error return; after a call that
 * succeeded it is "". Read it right after the failing call (::sltd_db_close and the name and version
 * functions leave it as it is).
 * @return thread-local text, valid until the next call from this thread that returns a code.
 */
SLTD_API const char *sltd_error_detail(void);


/**
 * @brief Open (or create) a database.
 * @param[out] out the new handle; NULL on failure. Free with ::sltd_db_close.
 * @param[in] dir database directory
 * @param[in] opts options, or NULL for defaults
 * @return 0, or SLTD_EINVAL, SLTD_ENOENT, SLTD_EEXIST, SLTD_EKEY, SLTD_EKEYPERM, SLTD_EWRONGKEY,
 *         SLTD_ECORRUPT, SLTD_EVERSION, SLTD_EBUSY, SLTD_EREADERS, SLTD_EFULL, SLTD_ENOMEM, SLTD_EIO.
 */
SLTD_API SLTD_NODISCARD int sltd_db_open(sltd_db **out, const char *dir, const sltd_options *opts);

/** @brief Close a handle and wipe its key material. Accepts NULL. No lookup may be running on it. */
SLTD_API void sltd_db_close(sltd_db *db);

/**
 * @brief Is this document listed?
 * @param[out] out the answer: `listed`, and the matching records (copied)
 * @param[in] db handle
 * @param[in] state issuing state, e.g. "UTO", "D<<", "d"; normalised (::sltd_state_normalize)
 * @param[in] number document number; spaces, '-', '/' and '<' are dropped, letters upper-cased
 * @param[in] type document type filter ("P", "ID", …) or NULL for any type: a record matches when
 *            its type is unknown or has the same first-letter family (P; I/A/C; V; other letters alone)
 * @return 0 (then out->listed is 0 or 1, and out->data_* say how fresh the answer is), or SLTD_EINVAL,
 *         SLTD_ESTATE, SLTD_ENUMBER, SLTD_ETYPE, SLTD_EEXPIRED (stale data on a handle opened with
 *         SLTD_OPEN_REFUSE_STALE), SLTD_ECORRUPT, SLTD_EREADERS, SLTD_EFORK, SLTD_EIO, SLTD_ENOMEM.
 */
SLTD_API SLTD_NODISCARD int sltd_db_lookup(sltd_result *out, sltd_db *db, const char *state,
                                        const char *number, const char *type);

/**
 * @brief Look up many documents at once (faster per document than ::sltd_db_lookup).
 *
 * Each out[i] gets its own code in out[i].error: bad input for one document does not fail the
 * others. All n answers come from one committed state of the database (one snapshot, whose freshness
 * every out[i].data_* gives), even when an update commits during the call: never half an update. The
 * documents are hashed side by side and their filter blocks probed with the widest vector instructions
 * the CPU has (AVX-512, AVX2, else portable C), chosen at run time; the environment variable SLTD_SIMD
 * ("avx2" or "none"), read once, caps them, to measure a narrower path. Every path gives the same
 * answers.
 * @param[out] out n results, all of the layout out[0].version states
 * @param[in] db handle
 * @param[in] queries n documents
 * @param[in] n number of documents
 * @return 0 when every document was checked or rejected individually; a negative code (and then
 *         every out[i].error is set to it) when the database could not be read: SLTD_EINVAL,
 *         SLTD_ECORRUPT, SLTD_EREADERS, SLTD_EFORK, SLTD_EIO, SLTD_ENOMEM. SLTD_EINVAL with nothing
 *         written when out[0].version is 0, or newer than the library's ::SLTD_RESULT_VERSION (a
 *         larger struct: the library does not know where the later elements of the array are).
 */
SLTD_API SLTD_NODISCARD int sltd_db_lookup_batch(sltd_result *out, sltd_db *db, const sltd_query *queries,
                                              size_t n);

/**
 * @brief The keyed digest under which a document is stored (for tools and benchmarks).
 * @param[out] out SLTD_DIGEST_SIZE bytes
 * @return 0, SLTD_EINVAL, SLTD_ESTATE, SLTD_ENUMBER.
 */
SLTD_API SLTD_NODISCARD int sltd_db_digest(uint8_t out[SLTD_DIGEST_SIZE], const sltd_db *db, const char *state,
                                        const char *number);

/**
 * @brief Normalise an issuing state: ASCII upper-case, spaces and trailing '<' fillers dropped;
 * the result must be an ICAO 9303 code of 1-3 letters (a known country or a special code).
 * @param[out] out SLTD_STATE_MAX + 1 bytes, NUL-terminated
 * @param[in] in text
 * @return 0 or SLTD_ESTATE (nothing is "fixed" silently), SLTD_EINVAL.
 */
SLTD_API SLTD_NODISCARD int sltd_state_normalize(char out[SLTD_STATE_MAX + 1], const char *in);

/**
 * @brief Normalise a document number: ASCII upper-case; spaces, '-', '/' and '<' dropped; the result
 * must match [A-Z0-9]{1,22}.
 * @param[out] out SLTD_NUMBER_MAX + 1 bytes, NUL-terminated
 * @return 0, SLTD_ENUMBER, SLTD_EINVAL.
 */
SLTD_API SLTD_NODISCARD int sltd_number_normalize(char out[SLTD_NUMBER_MAX + 1], const char *in);

/**
 * @brief Normalise a document type as ::sltd_db_lookup reads its `type` filter: ASCII upper-case,
 * spaces and trailing '<' fillers dropped; the result must be one or two letters, or empty (no
 * filter: any type matches).
 * @param[out] out SLTD_TYPE_MAX + 1 bytes, NUL-terminated
 * @return 0, SLTD_ETYPE (sltd_error_detail() says why), SLTD_EINVAL.
 */
SLTD_API SLTD_NODISCARD int sltd_type_normalize(char out[SLTD_TYPE_MAX + 1], const char *in);

/**
 * @brief Statistics of the committed state.
 * @return 0, SLTD_EINVAL, SLTD_ECORRUPT, SLTD_EREADERS, SLTD_EFORK, SLTD_EIO.
 */
SLTD_API SLTD_NODISCARD int sltd_db_stats_get(sltd_stats *out, sltd_db *db);

#define SLTD_VERIFY_REPORT_VERSION 1
/** @brief What ::sltd_db_verify found. */
typedef struct sltd_verify_report {
    unsigned int version;    /**< set by the caller (::SLTD_VERIFY_REPORT_INIT): the layout it was built with */
    uint64_t records;        /**< listings found by the scan */
    uint64_t documents;      /**< digests found by the scan */
    uint8_t checksum[16];    /**< state checksum recomputed from the records */
    int counts_ok;           /**< the stored counts equal the scan's */
    int checksum_ok;         /**< the stored checksum equals the recomputed one */
    int filter_checked;      /**< 1 if the filter was checked (0: bypass, nothing to check) */
    uint64_t filter_missing; /**< stored digests the filter does not cover (must be 0) */
} sltd_verify_report;
#define SLTD_VERIFY_REPORT_INIT { SLTD_VERIFY_REPORT_VERSION, 0, 0, { 0 }, 0, 0, 0, 0 }

/**
 * @brief Full integrity check of the committed state: every record decoded, the counts and the state
 * checksum recomputed from scratch and compared with the stored ones, and every digest tested against
 * the filter (no false negative possible).
 * @param[out] out what was found (may be NULL)
 * @return 0 when everything agrees; SLTD_ECORRUPT (detail in sltd_error_detail) when anything does not;
 *         SLTD_EINVAL, SLTD_EREADERS, SLTD_EFORK, SLTD_EIO.
 */
SLTD_API SLTD_NODISCARD int sltd_db_verify(sltd_verify_report *out, sltd_db *db);

/** @brief Flags for ::sltd_db_import_feed. */
enum sltd_import_flags {
    SLTD_IMPORT_IGNORE_UNKNOWN = 1u << 0, /**< unknown columns are ignored instead of refused */
    SLTD_IMPORT_SKIP_INVALID = 1u << 1    /**< import the valid rows and report the invalid ones, instead of
                                               importing nothing when any row is invalid */
};

/** @brief Progress of a long operation: `done` of `total` units (total 0: unknown). */
typedef void (*sltd_progress_fn)(void *ctx, const char *phase, uint64_t done, uint64_t total);

#define SLTD_IMPORT_OPTIONS_VERSION 2
/** @brief Options for ::sltd_db_import_feed_ex. Initialise with ::SLTD_IMPORT_OPTIONS_INIT. */
typedef struct sltd_import_options {
    unsigned int version;      /**< SLTD_IMPORT_OPTIONS_VERSION (1 is accepted: it has no `threads`) */
    unsigned int flags;        /**< sltd_import_flags */
    size_t memory_budget;      /**< rows held in memory before sorted runs are spilled to temporary
                                    files in the database directory (digests only); 0: 2,000,000.
                                    Memory holds at most 2 x this many rows of 72 bytes (about 300 MB
                                    at the default) with one thread, 3 x (about 430 MB) with two */
    sltd_progress_fn progress; /**< called now and then from the calling thread ("read" rows, "write"
                                    documents), or NULL */
    void *progress_ctx;
    unsigned int threads;      /**< (version 2) threads: 1 none is started; 2 or more, one more thread
                                    sorts and writes spilled rows while the calling thread reads the
                                    feed (the database is the same byte for byte); 0: two when the
                                    machine has more than one online core */
} sltd_import_options;
#define SLTD_IMPORT_OPTIONS_INIT { SLTD_IMPORT_OPTIONS_VERSION, 0, 0, NULL, NULL, 0 }

#define SLTD_IMPORT_REPORT_VERSION 1
/** @brief What an import did. */
typedef struct sltd_import_report {
    unsigned int version; /**< set by the caller (::SLTD_IMPORT_REPORT_INIT): the layout it was built with */
    uint64_t rows;        /**< rows read (a serial-range row counts once per number) */
    uint64_t added;       /**< listings added */
    uint64_t updated;     /**< listings whose details changed */
    uint64_t unchanged;   /**< rows that were already listed identically */
    uint64_t removed;     /**< listings removed */
    uint64_t not_found;   /**< removals of listings that were not there */
    uint64_t invalid;     /**< invalid rows (each one is reported; any makes the import fail) */
} sltd_import_report;
#define SLTD_IMPORT_REPORT_INIT { SLTD_IMPORT_REPORT_VERSION, 0, 0, 0, 0, 0, 0, 0 }

/**
 * @brief Apply a feed CSV (see README "Feed CSV") to the database, all or nothing.
 *
 * Every invalid row is reported through sltd_error_detail() as "FILE:LINE: field 'F': reason" (the first
 * few of them) and nothing is written.
 * @param[out] out counts (may be NULL)
 * @param[in] db handle opened without SLTD_OPEN_READONLY
 * @param[in] path feed file, or "-" for standard input
 * @param[in] flags sltd_import_flags
 * @return 0, or SLTD_EFORMAT (bad feed; nothing written), SLTD_ENOENT, SLTD_EIO, SLTD_EFULL,
 *         SLTD_EREADONLY, SLTD_ETOOMANY, SLTD_ENOMEM, SLTD_ECORRUPT, SLTD_EFORK, SLTD_EINVAL.
 */
SLTD_API SLTD_NODISCARD int sltd_db_import_feed(sltd_import_report *out, sltd_db *db, const char *path,
                                             unsigned int flags);

/**
 * @brief ::sltd_db_import_feed with options: a memory budget (any feed size imports in bounded memory),
 * a progress callback, and SLTD_IMPORT_SKIP_INVALID (then invalid rows are reported through
 * sltd_error_detail() and counted in out->invalid, the valid ones imported, and 0 returned).
 * @return as ::sltd_db_import_feed.
 */
SLTD_API SLTD_NODISCARD int sltd_db_import_feed_ex(sltd_import_report *out, sltd_db *db, const char *path,
                                                const sltd_import_options *opts);

/**
 * @name Screening manifests
 *
 * ::sltd_db_screen checks every document of a passenger manifest — CSV, MRZ text or JSON Lines — through
 * the batch lookup. It streams with bounded memory (a fixed number of chunks of at most
 * ::SLTD_SCREEN_CHUNK_ROWS documents in flight), runs the lookups on `threads` threads that it starts
 * and joins before it returns (no thread outlives the call), and calls every callback from the
 * calling thread only, one call at a time, rows strictly in input order.
 *
 * Manifest formats (::sltd_screen_format):
 *  - **CSV** (RFC 4180, strict; read as feeds are: UTF-8 with or without BOM; LF, CRLF or CR line
 *    ends, mixed, with exact line numbers; a bad row costs only itself): a header naming the issuing
 *    state — `state` or `issuing_state`, not both; `nationality` only when neither is there — and
 *    `number`, optionally `type`; other columns are passed through. A column named twice is refused.
 *    Values are trimmed of spaces and tabs. A field is at most 4096 bytes, a row at most 64 fields.
 *  - **MRZ**: the 2 or 3 lines of each document's machine-readable zone, one document after the
 *    other; blank lines between documents are optional (a document ends after 3 lines of 30
 *    characters or 2 of 36/44, at a blank line, where the line length changes, or at a line that can
 *    only be the first line of a document: the reader realigns there, so an orphan line costs only
 *    itself). Each document is decided as ::sltd_db_lookup_mrz decides it: a wrong number or composite
 *    check digit makes the row invalid (::SLTD_ECHECKDIGIT), never "clear". Lines are at most 256
 *    bytes; a line of no MRZ length is an invalid row of its own.
 *  - **JSON Lines**: one object a line (at most 64 KiB), with string members `state` or
 *    `issuing_state` (not both; `nationality` only when neither) and `number` [and `type`], and/or
 *    `mrz` (the lines joined by "\n", or an array of the lines); every member is passed through
 *    (strings as they are, other values as compact JSON). Blank lines are skipped. An object with an
 *    MRZ and fields has both checked: a hit on either is a hit (::sltd_screen_row.note says what is
 *    wrong with the other, or that they name different documents); not listed, the row is clear only
 *    when both are valid and name the same document, else invalid. A shape that cannot be checked is
 *    an invalid row.
 * A bad row never stops the screening: it is counted as invalid and handed to the row callback with
 * its reason as "FILE:LINE: ...", which names the field and what is wrong but never repeats a value.
 */
/**@{*/

/** @brief Flags for ::sltd_screen_options.flags. */
enum sltd_screen_flags {
    SLTD_SCREEN_ALL = 1u << 0,          /**< call back for every row, not only hits and invalid rows */
    SLTD_SCREEN_OCR_VARIANTS = 1u << 1, /**< MRZ documents: also look up the OCR variants of the number
                                             (as ::sltd_db_lookup_mrz with ::SLTD_MRZ_OCR_VARIANTS) */
    SLTD_SCREEN_AUDIT_NUMBERS = 1u << 2, /**< audit lines carry the plaintext document number (off by
                                             default: the log then holds no document number) */
    SLTD_SCREEN_MRZ_STRICT = 1u << 3     /**< MRZ documents: ICAO 9303 rules only, no national variant
                                             (as ::sltd_db_lookup_mrz with ::SLTD_MRZ_STRICT) */
};

/** @brief Manifest formats (::sltd_screen_options.format). */
typedef enum sltd_screen_format {
    SLTD_SCREEN_AUTO = 0,  /**< by the file name: `.mrz` MRZ, `.jsonl`/`.ndjson` JSON Lines, else CSV */
    SLTD_SCREEN_CSV = 1,   /**< CSV with a header */
    SLTD_SCREEN_MRZ = 2,   /**< MRZ text */
    SLTD_SCREEN_JSONL = 3  /**< JSON Lines */
} sltd_screen_format;

/** Most documents in one chunk of work (the unit handed to a thread). */
#define SLTD_SCREEN_CHUNK_ROWS 1024
/** Most threads ::sltd_db_screen runs. */
#define SLTD_SCREEN_THREADS_MAX 64

#define SLTD_SCREEN_ROW_VERSION 3
/** @brief One screened row, as passed to the row callback. Everything is borrowed for the duration of
 * the callback only. */
typedef struct sltd_screen_row {
    unsigned int version;      /**< SLTD_SCREEN_ROW_VERSION (set by the library) */
    uint64_t index;            /**< 0-based position of the document in the input (invalid ones counted) */
    unsigned long line;        /**< input line of the row (MRZ: of the document's first line) */
    int error;                 /**< 0, or why the row could not be checked (SLTD_EFORMAT, SLTD_ESTATE,
                                    SLTD_ENUMBER, SLTD_ETYPE, SLTD_EMRZ, SLTD_ECHECKDIGIT) */
    const char *error_msg;     /**< "FILE:LINE: reason" when error != 0, else "" */
    const char *state;         /**< issuing state as written (MRZ: as parsed), "" when unknown */
    const char *number;        /**< document number as written (MRZ: as parsed), "" when unknown */
    int listed;                /**< 1: the document (or, with SLTD_SCREEN_OCR_VARIANTS, an OCR variant of
                                    its number) is listed; only when error == 0 */
    const sltd_result *result; /**< the answer when error == 0, else NULL */
    const char *variant_number; /**< the listed OCR variant of an MRZ number, or "" */
    const sltd_result *variant_result; /**< its records, or NULL */
    size_t nfields;            /**< the row's columns, to pass through (MRZ: none) */
    const char *const *names;  /**< column names (CSV: the header; JSON Lines: the member names) */
    const char *const *fields; /**< the row's values */
    const char *note;          /**< a remark on a checked row, "FILE:LINE: ...", else "" (version 2): on a hit
                                    from a JSON Lines object that gives both an MRZ and fields, what is wrong
                                    with the other identity, or that the two name different documents */
    int verdict;               /**< sltd_verdict of the row (version 3): CLEAR, LISTED, VARIANT (only an
                                    OCR variant of an MRZ number is listed), UNREADABLE (::SLTD_ECHECKDIGIT),
                                    INVALID (any other row error) */
} sltd_screen_row;

/** @brief Called in input order for each hit and each invalid row (every row with SLTD_SCREEN_ALL).
 * Return 0 to go on, anything else to stop screening (::sltd_db_screen then returns that value). */
typedef int (*sltd_screen_fn)(void *ctx, const sltd_screen_row *row);

#define SLTD_SCREEN_PROGRESS_VERSION 1
/** @brief Where a screening is, for a progress display. */
typedef struct sltd_screen_progress {
    unsigned int version;  /**< SLTD_SCREEN_PROGRESS_VERSION (set by the library) */
    uint64_t documents;    /**< rows checked so far */
    uint64_t hits;         /**< rows found listed so far */
    uint64_t invalid;      /**< rows that could not be checked so far */
    uint64_t bytes_read;   /**< input bytes read so far */
    uint64_t bytes_total;  /**< size of the input when known (a regular file), else 0 */
    double seconds;        /**< since the screening started */
    int done;              /**< 1 on the last call (the input was read to its end) */
} sltd_screen_progress;

/** @brief Progress callback: called about every `progress_ms` milliseconds and once at the end. */
typedef void (*sltd_screen_progress_fn)(void *ctx, const sltd_screen_progress *p);

#define SLTD_SCREEN_AUDIT_VERSION 1
/** @brief One audit event: a listed document was found. Borrowed for the duration of the callback. */
typedef struct sltd_screen_audit {
    unsigned int version;     /**< SLTD_SCREEN_AUDIT_VERSION (set by the library) */
    const char *json;         /**< the whole event as one line of JSON (no newline): time (UTC, ISO 8601),
                                   data_sequence, input ("FILE:LINE"), document (index), state, status,
                                   reference, listings [{status, type, reference, reporting_state}],
                                   variant (1 when an OCR variant matched), and "number" only with
                                   SLTD_SCREEN_AUDIT_NUMBERS */
    int64_t time;             /**< when the hit was found, Unix seconds */
    uint64_t data_sequence;   /**< sequence of the data that answered */
    const char *input;        /**< "FILE:LINE" */
    const sltd_record *record; /**< the first matching listing (status, reference, ...) */
    const char *number;       /**< the plaintext number with SLTD_SCREEN_AUDIT_NUMBERS, else NULL */
} sltd_screen_audit;

/** @brief Audit callback: called for each hit, in input order, before the row callback sees it.
 * Return 0 to go on; anything else stops the screening (a hit that cannot be logged must not go
 * unnoticed) and ::sltd_db_screen returns that value. */
typedef int (*sltd_screen_audit_fn)(void *ctx, const sltd_screen_audit *a);

#define SLTD_SCREEN_OPTIONS_VERSION 1
/** @brief Options for ::sltd_db_screen. Initialise with ::SLTD_SCREEN_OPTIONS_INIT, then set what you need. */
typedef struct sltd_screen_options {
    unsigned int version;     /**< SLTD_SCREEN_OPTIONS_VERSION */
    unsigned int flags;       /**< sltd_screen_flags */
    int format;               /**< sltd_screen_format; SLTD_SCREEN_AUTO by default */
    unsigned int threads;     /**< threads looking up, the calling thread included; 0: every online
                                   core; 1: no thread is started; at most SLTD_SCREEN_THREADS_MAX */
    sltd_screen_fn row_fn;    /**< row callback, or NULL (counts only) */
    void *row_ctx;            /**< passed to row_fn */
    sltd_screen_progress_fn progress_fn; /**< progress callback, or NULL */
    void *progress_ctx;       /**< passed to progress_fn */
    unsigned int progress_ms; /**< interval between progress calls; 0: 250 ms */
    sltd_screen_audit_fn audit_fn; /**< audit callback, or NULL */
    void *audit_ctx;          /**< passed to audit_fn */
} sltd_screen_options;
#define SLTD_SCREEN_OPTIONS_INIT \
    { SLTD_SCREEN_OPTIONS_VERSION, 0, SLTD_SCREEN_AUTO, 0, NULL, NULL, NULL, NULL, 0, NULL, NULL }

#define SLTD_SCREEN_REPORT_VERSION 1
/** @brief What a screening did. */
typedef struct sltd_screen_report {
    unsigned int version; /**< set by the caller (::SLTD_SCREEN_REPORT_INIT): the layout it was built with */
    uint64_t documents;   /**< rows checked (valid rows) */
    uint64_t hits;        /**< rows whose document is listed */
    uint64_t invalid;     /**< rows that could not be checked (each passed to the callback) */
} sltd_screen_report;
#define SLTD_SCREEN_REPORT_INIT { SLTD_SCREEN_REPORT_VERSION, 0, 0, 0 }

/**
 * @brief Screen a passenger manifest: every document through ::sltd_db_lookup_batch, on several threads,
 * results handed to the callbacks in input order.
 * @param[out] out counts (may be NULL); filled also when the screening stops early
 * @param[in] db handle
 * @param[in] path manifest file, or "-" for standard input
 * @param[in] opts options, or NULL for the defaults (CSV by extension, all cores, counts only)
 * @return 0 when every row was read (invalid rows are counted and passed to the row callback, not
 *         fatal); SLTD_EFORMAT when a CSV header is unusable (empty input, no state or number column,
 *         a column named twice, both `state` and `issuing_state`), an MRZ or JSON Lines manifest holds
 *         no row at all (empty, or blank lines only), or `path` is a directory;
 *         SLTD_ENOENT (no such file), SLTD_EIO, SLTD_ENOMEM, SLTD_EEXPIRED (stale data on a handle opened
 *         with SLTD_OPEN_REFUSE_STALE), SLTD_ECORRUPT, SLTD_EREADERS, SLTD_EFORK, SLTD_EINVAL (NULL
 *         argument, unknown flag or format, options version); or a callback's non-zero value.
 */
SLTD_API SLTD_NODISCARD int sltd_db_screen(sltd_screen_report *out, sltd_db *db, const char *path,
                                        const sltd_screen_options *opts);

/**
 * @brief The manifest format ::sltd_db_screen reads `path` as: `format` when it is not
 * ::SLTD_SCREEN_AUTO, else by the file name (`.mrz` MRZ, `.jsonl`/`.ndjson` JSON Lines, else CSV;
 * "-" is CSV). For a program that lays out its output by format before the screening starts.
 * @param[in] path manifest file name, or "-"
 * @param[in] format a ::sltd_screen_format
 * @return ::SLTD_SCREEN_CSV, ::SLTD_SCREEN_MRZ or ::SLTD_SCREEN_JSONL; SLTD_EINVAL (NULL path,
 *         unknown format).
 */
SLTD_API int sltd_screen_format_detect(const char *path, int format);
/**@}*/

/** @brief Name of a status ("stolen", "lost", "revoked", "invalid", "stolen_blank"), or "?". */
SLTD_API const char *sltd_status_name(int status);

/* ---- Signed update bundles ---- */
/**
 * @name Signed update bundles
 *
 * An authority turns a feed into a bundle (::sltd_bundle_pack): the documents as keyed digests (never
 * in clear) with their records, the sequence number, the base sequence of a delta, creation and expiry
 * times, the record count and state checksum the database must have afterwards, signed with Ed25519.
 * Kiosks apply it (::sltd_bundle_apply), which verifies the signature against pinned public keys
 * before it reads anything else, and applies all or nothing. The byte layout is in docs/BUNDLE.md.
 *
 * Signing keys are a pair of files made by ::sltd_signing_key_create: `PREFIX.sec` (mode 0600, the
 * authority's) and `PREFIX.pub` (to pin on every kiosk).
 */
/**@{*/
#define SLTD_BUNDLE_MAX ((uint64_t)1 << 30) /**< largest bundle file accepted, bytes (1 GiB) */
#define SLTD_BUNDLE_SKEW 600                /**< seconds a bundle's creation time may lie in the future */
#define SLTD_BUNDLE_DAYS_MAX 3650           /**< longest validity a bundle may be packed with, days */
#define SLTD_KEYID_SIZE 8                   /**< bytes of a signing key id (BLAKE2b-256 of the public key, first 8 bytes) */

/** @brief Bundle kinds (::sltd_bundle_report.kind). Values are stored in bundles and pinned. */
enum sltd_bundle_kind {
    SLTD_BUNDLE_FULL = 1, /**< replaces the whole record set */
    SLTD_BUNDLE_DELTA = 2 /**< additions and removals on top of the state at sequence `base` */
};

#define SLTD_BUNDLE_REPORT_VERSION 1
/** @brief What a bundle holds and what packing or applying it did. The bundle's fields are set only
 * once its signature has been verified (apply) or it has been written (pack); else they are 0. */
typedef struct sltd_bundle_report {
    unsigned int version;   /**< set by the caller (::SLTD_BUNDLE_REPORT_INIT): the layout it was built with */
    int kind;               /**< sltd_bundle_kind; 0 when not known */
    uint64_t sequence;      /**< the bundle's sequence number */
    uint64_t base;          /**< delta: the sequence it applies to; full: 0 */
    int64_t created;        /**< creation time, Unix seconds */
    int64_t expires;        /**< expiry time, Unix seconds (the database's `expires` after apply) */
    uint64_t entries;       /**< entries in the bundle */
    uint64_t records;       /**< record count the database has after applying it */
    uint8_t checksum[16];   /**< state checksum the database has after applying it */
    uint8_t key_id[SLTD_KEYID_SIZE]; /**< id of the signing key */
    uint64_t added;         /**< apply: listings added */
    uint64_t updated;       /**< apply: listings whose details changed */
    uint64_t unchanged;     /**< apply: entries that were already there identically */
    uint64_t removed;       /**< apply: listings removed */
    uint64_t not_found;     /**< apply: removals of listings that were not there */
} sltd_bundle_report;
#define SLTD_BUNDLE_REPORT_INIT { SLTD_BUNDLE_REPORT_VERSION, 0, 0, 0, 0, 0, 0, 0, { 0 }, { 0 }, 0, 0, 0, 0, 0 }

/**
 * @brief Create an Ed25519 signing key pair: `PREFIX.sec` (mode 0600) and `PREFIX.pub`.
 * Neither file may exist (nothing is overwritten).
 * @param[out] out the new key's id (may be NULL)
 * @param[in] prefix path prefix of the two files
 * @return 0, or SLTD_EEXIST (a file exists), SLTD_EINVAL, SLTD_EIO, SLTD_ENOMEM.
 */
SLTD_API SLTD_NODISCARD int sltd_signing_key_create(uint8_t out[SLTD_KEYID_SIZE], const char *prefix);

#define SLTD_PACK_OPTIONS_VERSION 1
/** @brief Options for ::sltd_bundle_pack. Initialise with ::SLTD_PACK_OPTIONS_INIT. */
typedef struct sltd_pack_options {
    unsigned int version;     /**< SLTD_PACK_OPTIONS_VERSION */
    const char *key_path;     /**< the deployment's master key file; used (and required) when no database
                                   is given; with a database, its key is used */
    const char *sign_path;    /**< the signing key, `PREFIX.sec` (required) */
    uint64_t sequence;        /**< the bundle's sequence number, >= 1 */
    int delta;                /**< 0: a full bundle; 1: a delta on top of sequence `base` */
    uint64_t base;            /**< delta: the sequence it applies to */
    unsigned int valid_days;  /**< validity from creation, days (0: already expired), at most
                                   SLTD_BUNDLE_DAYS_MAX; default 7 */
    int64_t created;          /**< creation time, Unix seconds; 0: now */
    unsigned int flags;       /**< sltd_import_flags for reading the feed */
} sltd_pack_options;
#define SLTD_PACK_OPTIONS_INIT { SLTD_PACK_OPTIONS_VERSION, NULL, NULL, 0, 0, 0, 7, 0, 0 }

/**
 * @brief Make a signed bundle from a feed CSV (the feed format of ::sltd_db_import_feed).
 *
 * A full bundle holds the state the feed describes when applied to an empty database (repeated
 * listings merged, removals applied); its checksum follows from its entries alone, so no database is
 * needed (give `db` anyway to check that `sequence` is newer than its own). A delta's resulting
 * checksum depends on the state it is applied to, so a delta needs `db`: the authority's own replica,
 * which must be at sequence `base`. The delta is applied to it as a dry run (nothing changes) to learn
 * the checksum; the authority then applies the bundle to its replica like any kiosk.
 * The bundle is written to a temporary file beside `bundle_path` and renamed over it when complete.
 * @param[out] out what was packed (may be NULL)
 * @param[in] db the authority's replica (opened writable), or NULL for a full bundle
 * @param[in] feed_path feed CSV, or "-" for standard input
 * @param[in] bundle_path the bundle file to write (replaced if it exists)
 * @param[in] opts options (required)
 * @return 0, or SLTD_EINVAL (bad option; a delta without db), SLTD_EFORMAT (invalid feed rows; details
 *         in sltd_error_detail()), SLTD_ETOOMANY, SLTD_ESEQUENCE (the replica is not at `base`, or `sequence`
 *         is not newer than its own), SLTD_ENOENT, SLTD_EKEY, SLTD_EKEYPERM, SLTD_EREADONLY,
 *         SLTD_ECORRUPT, SLTD_EFULL, SLTD_EFORK, SLTD_EIO, SLTD_ENOMEM. Nothing is written on failure.
 */
SLTD_API SLTD_NODISCARD int sltd_bundle_pack(sltd_bundle_report *out, sltd_db *db, const char *feed_path,
                                             const char *bundle_path, const sltd_pack_options *opts);

/** @brief Flags for ::sltd_bundle_apply. */
enum sltd_apply_flags {
    SLTD_APPLY_DRY_RUN = 1u << 0 /**< verify and check everything, including the resulting checksum, then
                                      change nothing */
};

/**
 * @brief Verify a signed bundle, then apply it in one transaction, all or nothing.
 *
 * In order: the file's size is bounded (at most SLTD_BUNDLE_MAX) and its magic checked; the signature
 * is verified against the trusted public keys (before anything else in the file is read); then the
 * header and every entry are parsed with explicit bounds; the bundle must have been made with this
 * database's deployment key, must not have expired, nor been created more than SLTD_BUNDLE_SKEW
 * seconds in the future; its sequence must be newer than the database's, and a delta's base must be
 * the database's sequence (checked inside the write transaction); after the update the state checksum
 * must be the bundle's. The database's sequence, produced (= the bundle's creation) and expires are set
 * in the same transaction. On any failure the database is unchanged.
 * @param[out] out what the bundle holds and what was done (may be NULL)
 * @param[in] db handle opened without SLTD_OPEN_READONLY
 * @param[in] path the bundle file
 * @param[in] trusted paths of trusted `PREFIX.pub` files
 * @param[in] ntrusted number of trusted keys, >= 1
 * @param[in] flags sltd_apply_flags
 * @return 0, or SLTD_ESIGNATURE (bad signature, or not signed by a trusted key),
 *         SLTD_EFORMAT (not a bundle, too short or too large, unsupported format version, malformed
 *         header or entry, entry count inconsistent with the size), SLTD_EWRONGKEY (made with another
 *         deployment key), SLTD_EEXPIRED (expired, or created in the future), SLTD_ESEQUENCE (replay,
 *         rollback, or a delta for another base), SLTD_ECHECKSUM (the resulting state is not the one
 *         the bundle promises), SLTD_ETOOMANY, SLTD_ENOENT (bundle or trusted key file missing),
 *         SLTD_EKEY (a trusted key file is not a public key), SLTD_EREADONLY, SLTD_EFULL,
 *         SLTD_ECORRUPT, SLTD_EFORK, SLTD_EINVAL, SLTD_EIO, SLTD_ENOMEM.
 */
SLTD_API SLTD_NODISCARD int sltd_bundle_apply(sltd_bundle_report *out, sltd_db *db, const char *path,
                                              const char *const *trusted, size_t ntrusted, unsigned int flags);
/**@}*/
/* ---- end bundles ---- */

/* ---- Fleet updates: publish to a static repository, sync kiosks from it ---- */
/**
 * @name Fleet updates (docs/FLEET.md)
 *
 * An authority publishes into a **repository**: a directory any static HTTP(S) server, CDN, object
 * store, `rsync` mirror or USB stick can serve. It holds immutable, content-addressed bundle files
 * (`bundles/HASH.sltd`, HASH the BLAKE2b-256 of the file) and one small **signed, expiring index**
 * (`index.sltd`) that names the current sequence and state checksum and lists the newest full bundle
 * and a chain of deltas, each with its size and hash. The index carries the **key list**: the signing
 * keys certified, with validity periods, by an offline **root key** that kiosks pin. New signing keys
 * and revocations thereby reach every kiosk through sync.
 *
 * A kiosk syncs (::sltd_sync): it fetches the index, verifies the key list under its pinned root and
 * the index under a certified signing key, refuses an expired index (freeze), an older one (rollback),
 * one absurdly far ahead (fast-forward), picks the cheapest path from its own sequence (a delta chain
 * or a full bundle), downloads every file of that path with its size capped and its hash checked
 * before applying any, then applies each bundle all or nothing. Lookups keep answering throughout
 * from the last committed state.
 *
 * One sync or publish at a time per database (or repository): a second one waits for the first.
 */
/**@{*/
#define SLTD_KEYLIST_MAX 64            /**< most signing keys in a key list (revoked ones included) */
#define SLTD_SYNC_AHEAD_MAX (1u << 20) /**< most sequences an index may lie ahead of the kiosk (fast-forward bound) */
#define SLTD_SYNC_RETRIES_MAX 10       /**< most retries ::sltd_sync_options.retries may ask for */
#define SLTD_INDEX_MAX (1u << 20)      /**< largest index file accepted, bytes */
#define SLTD_FILEHASH_SIZE 32          /**< bytes of a repository file's hash (BLAKE2b-256) */
/** The slowest average transfer rate a sync accepts, bytes/s: a transfer of B bytes is abandoned after
 * timeout_s + B / SLTD_SYNC_MIN_RATE seconds (a mirror that drips bytes cannot hold a kiosk for ever). */
#define SLTD_SYNC_MIN_RATE 16384

/** @brief One signing key of a key list. */
typedef struct sltd_key_info {
    uint8_t key_id[SLTD_KEYID_SIZE]; /**< the key's id (as in bundles) */
    int64_t not_before;              /**< the key may sign from this time (Unix seconds) */
    int64_t not_after;               /**< ... until this time (exclusive) */
    int revoked;                     /**< 1: revoked; nothing it signed is trusted any more */
} sltd_key_info;

#define SLTD_KEYLIST_INFO_VERSION 1
/** @brief A key list, as ::sltd_key_certify and ::sltd_key_revoke leave it. */
typedef struct sltd_keylist_info {
    unsigned int version;           /**< set by the caller (::SLTD_KEYLIST_INFO_INIT): the layout it was built with */
    uint64_t list_version;          /**< increases with every change; kiosks refuse an older list */
    int64_t created;                /**< when the list was signed */
    int64_t expires;                /**< when it stops being accepted: the latest not_after of its active keys */
    uint8_t root_id[SLTD_KEYID_SIZE]; /**< id of the root key that signed it */
    unsigned int nkeys;             /**< keys in `keys` */
    sltd_key_info keys[SLTD_KEYLIST_MAX];
} sltd_keylist_info;
#define SLTD_KEYLIST_INFO_INIT { SLTD_KEYLIST_INFO_VERSION, 0, 0, 0, { 0 }, 0, { { { 0 }, 0, 0, 0 } } }

/**
 * @brief Certify a signing key in a key list, signed by the root key (the root ceremony,
 * docs/FLEET.md). The list file is created when absent (list version 1); else it must verify under
 * this root, and its version is increased by one. A key already in the list gets its new validity;
 * a revoked key cannot be certified again. The file is replaced atomically.
 * @param[out] out the resulting list (may be NULL)
 * @param[in] keylist_path the key list file (e.g. `REPO/keys.sltd`)
 * @param[in] root_sec the root key, `ROOT.sec`
 * @param[in] key_pub the signing key to certify, `PREFIX.pub`
 * @param[in] not_before start of validity, Unix seconds; 0: now
 * @param[in] valid_days validity from not_before, 1 to SLTD_BUNDLE_DAYS_MAX days
 * @return 0, or SLTD_EINVAL (bad argument; the key is revoked; the list is full), SLTD_ESIGNATURE
 *         (the existing list does not verify under this root), SLTD_EFORMAT (the existing file is not a
 *         key list), SLTD_ENOENT, SLTD_EKEY, SLTD_EKEYPERM, SLTD_EIO, SLTD_EFULL, SLTD_ENOMEM.
 */
SLTD_API SLTD_NODISCARD int sltd_key_certify(sltd_keylist_info *out, const char *keylist_path, const char *root_sec,
                                             const char *key_pub, int64_t not_before, unsigned int valid_days);

/**
 * @brief Revoke a signing key in a key list (a leaked or retired key), signed by the root key. The key
 * stays in the list marked revoked, so that kiosks can say why they refuse it; its version increases.
 * @param[out] out the resulting list (may be NULL)
 * @param[in] keylist_path an existing key list file
 * @param[in] root_sec the root key, `ROOT.sec`
 * @param[in] key_pub the signing key to revoke, `PREFIX.pub`
 * @return 0, or SLTD_EINVAL (the key is not in the list), SLTD_ESIGNATURE, SLTD_EFORMAT, SLTD_ENOENT,
 *         SLTD_EKEY, SLTD_EKEYPERM, SLTD_EIO, SLTD_EFULL, SLTD_ENOMEM.
 */
SLTD_API SLTD_NODISCARD int sltd_key_revoke(sltd_keylist_info *out, const char *keylist_path, const char *root_sec,
                                            const char *key_pub);

#define SLTD_PUBLISH_OPTIONS_VERSION 1
/** @brief Options for ::sltd_publish. Initialise with ::SLTD_PUBLISH_OPTIONS_INIT. */
typedef struct sltd_publish_options {
    unsigned int version;      /**< SLTD_PUBLISH_OPTIONS_VERSION */
    const char *sign_path;     /**< the signing key, `PREFIX.sec` (required); certified and active in the key list */
    const char *keys_path;     /**< the root-signed key list; NULL: `REPO/keys.sltd` */
    unsigned int valid_days;   /**< validity of the new bundles and of the index, days (0: already
                                    expired), at most SLTD_BUNDLE_DAYS_MAX; default 7 */
    unsigned int full_every;   /**< a full bundle when the newest one is this many sequences old; 0: 30 */
    unsigned int keep;         /**< deltas listed in the index (the chain back from the newest); 0: 60 */
    unsigned int grace_hours;  /**< a bundle file dropped from the index is deleted after this long; 0: 24 */
    int full;                  /**< 1: write a full bundle now, and restart the delta chain when the
                                    replica and the index disagree (see ::sltd_publish) */
    unsigned int flags;        /**< sltd_import_flags for reading the feed (SLTD_IMPORT_IGNORE_UNKNOWN) */
} sltd_publish_options;
#define SLTD_PUBLISH_OPTIONS_INIT { SLTD_PUBLISH_OPTIONS_VERSION, NULL, NULL, 7, 0, 0, 0, 0, 0 }

#define SLTD_PUBLISH_REPORT_VERSION 1
/** @brief What ::sltd_publish did. */
typedef struct sltd_publish_report {
    unsigned int version;        /**< set by the caller (::SLTD_PUBLISH_REPORT_INIT): the layout it was built with */
    uint64_t sequence;           /**< the repository's (and the replica's) sequence now */
    uint64_t records;            /**< records at that sequence */
    uint8_t checksum[16];        /**< state checksum at that sequence */
    uint64_t recovered_sequence; /**< not 0: an interrupted publish of this sequence was completed first */
    uint64_t delta_bytes;        /**< size of the new delta bundle */
    uint64_t full_bytes;         /**< size of the new full bundle; 0 when none was written */
    uint64_t full_sequence;      /**< sequence of the newest full bundle listed */
    unsigned int deltas_listed;  /**< deltas in the new index */
    uint64_t index_bytes;        /**< size of the new index */
    int64_t expires;             /**< when the new index expires */
    unsigned int pruned;         /**< bundle files deleted by the pruning rule */
    uint64_t added, updated, unchanged, removed, not_found; /**< what the feed did to the replica */
} sltd_publish_report;
#define SLTD_PUBLISH_REPORT_INIT { SLTD_PUBLISH_REPORT_VERSION, 0, 0, { 0 }, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }

/**
 * @brief Publish a feed: apply it to the authority's replica, write the next bundles and a new signed
 * index into a repository directory, prune old bundle files.
 *
 * The repository is created when absent. The feed becomes a delta on the replica's sequence (written
 * and applied to the replica); a full bundle of the new state is written when asked, when none is
 * listed yet, when the newest one is `full_every` sequences old, or when it was signed by a key that
 * is no longer active. The new index lists the newest full and the chain of deltas back from the new
 * sequence (at most `keep`, each signed by an active key), and is replaced atomically: a kiosk or
 * mirror sees the old repository or the new one. Bundle files are never rewritten (their names are
 * their hashes); a file dropped from the index is deleted once it has been out of it for
 * `grace_hours`.
 *
 * All or nothing: a failure leaves the old index in place. If it struck after the replica took the
 * delta (the replica is then one sequence ahead of the index), the next publish finds that delta in
 * the repository and completes the interrupted publish first. A replica that disagrees with the index
 * in any other way is refused (::SLTD_ESEQUENCE) unless `full` is set: then the delta chain restarts
 * from a full bundle, at a sequence above both.
 * @param[out] out what was done (may be NULL)
 * @param[in] replica the authority's replica, opened writable (its key is the deployment key)
 * @param[in] repo the repository directory
 * @param[in] feed_path feed CSV (the ::sltd_db_import_feed format; a header alone publishes an empty
 *            delta, which refreshes the index's expiry), or "-" for standard input
 * @param[in] opts options (required)
 * @return 0, or SLTD_EINVAL (bad option), SLTD_EFORMAT (invalid feed rows; a damaged index or key
 *         list in the repository), SLTD_ESIGNATURE (the signing key is not certified, or revoked or
 *         out of its validity, in the key list), SLTD_ESEQUENCE (the replica disagrees with the
 *         index; the key list is older than the one the repository publishes), SLTD_ETOOMANY, SLTD_ENOENT, SLTD_EKEY, SLTD_EKEYPERM, SLTD_EREADONLY, SLTD_ECORRUPT,
 *         SLTD_EFULL, SLTD_EFORK, SLTD_EIO, SLTD_ENOMEM.
 */
SLTD_API SLTD_NODISCARD int sltd_publish(sltd_publish_report *out, sltd_db *replica, const char *repo,
                                         const char *feed_path, const sltd_publish_options *opts);

/** @brief What a sync event reports (::sltd_sync_event.kind). */
enum sltd_sync_event_kind {
    SLTD_SYNC_EVENT_INDEX = 1, /**< the index was fetched and verified */
    SLTD_SYNC_EVENT_PLAN = 2,  /**< the path was chosen (bytes: the total to fetch) */
    SLTD_SYNC_EVENT_FETCH = 3, /**< a bundle is downloaded and its hash checked (bytes fetched, resumed) */
    SLTD_SYNC_EVENT_RETRY = 4, /**< a transfer failed and will be retried after `wait_ms` */
    SLTD_SYNC_EVENT_APPLY = 5  /**< a bundle was applied (sequence, base, bundle_kind) */
};

#define SLTD_SYNC_EVENT_VERSION 1
/** @brief One step of a sync, for a log. Borrowed for the duration of the callback. */
typedef struct sltd_sync_event {
    unsigned int version;  /**< SLTD_SYNC_EVENT_VERSION (set by the library) */
    int kind;              /**< sltd_sync_event_kind */
    const char *message;   /**< one line of text for a log (no newline) */
    int bundle_kind;       /**< FETCH, APPLY: sltd_bundle_kind */
    uint64_t sequence;     /**< INDEX: the index's; FETCH, APPLY: the bundle's */
    uint64_t base;         /**< FETCH, APPLY: a delta's base */
    uint64_t bytes;        /**< PLAN: bytes to fetch; FETCH: the bundle's size */
    uint64_t resumed;      /**< FETCH: bytes that were already there from an interrupted transfer */
    unsigned int attempt;  /**< RETRY: the attempt that failed (1-based) */
    unsigned int wait_ms;  /**< RETRY: the wait before the next attempt */
} sltd_sync_event;

/** @brief Sync event callback, called from the syncing thread. */
typedef void (*sltd_sync_event_fn)(void *ctx, const sltd_sync_event *e);

#define SLTD_SYNC_OPTIONS_VERSION 1
/** @brief Options for ::sltd_sync. Initialise with ::SLTD_SYNC_OPTIONS_INIT, then set the roots. */
typedef struct sltd_sync_options {
    unsigned int version;      /**< SLTD_SYNC_OPTIONS_VERSION */
    const char *const *roots;  /**< pinned root public key files (`ROOT.pub`) */
    size_t nroots;             /**< how many (1 to 8; two while a root is being replaced) */
    const char *ca_file;       /**< https: a PEM file of the CA certificates to trust instead of the system's */
    uint64_t max_bytes;        /**< most bytes this sync may download in all; 0: no limit but each file's
                                    SLTD_BUNDLE_MAX */
    unsigned int retries;      /**< retries of a failed transfer, at most SLTD_SYNC_RETRIES_MAX; waits
                                    1, 2, 4 ... s (at most 60 s) between attempts; default 4 */
    unsigned int timeout_s;    /**< a transfer that connects or moves no byte for this long fails (checked
                                    about every second); 0: 30. See also SLTD_SYNC_MIN_RATE. */
    sltd_sync_event_fn event_fn; /**< called for each step, or NULL */
    void *event_ctx;           /**< passed to event_fn */
} sltd_sync_options;
#define SLTD_SYNC_OPTIONS_INIT { SLTD_SYNC_OPTIONS_VERSION, NULL, 0, NULL, 0, 4, 0, NULL, NULL }

#define SLTD_SYNC_REPORT_VERSION 1
/** @brief What ::sltd_sync did. Filled as far as the sync got, also when it fails. */
typedef struct sltd_sync_report {
    unsigned int version;     /**< set by the caller (::SLTD_SYNC_REPORT_INIT): the layout it was built with */
    int updated;              /**< 1: bundles were applied; 0: the database was already current (or nothing
                                   was applied because of an error) */
    int key_recovery;         /**< 1: the data had been signed by a key since revoked, and was replaced by a
                                   full bundle whatever its sequence */
    uint64_t from_sequence;   /**< the database's sequence before */
    uint64_t to_sequence;     /**< ... and after */
    uint64_t index_sequence;  /**< the index's sequence (0: no valid index was read) */
    int64_t index_published;  /**< when the index was published */
    int64_t index_expires;    /**< when it expires */
    uint64_t keys_version;    /**< the key list's version */
    unsigned int fulls;       /**< full bundles applied */
    unsigned int deltas;      /**< deltas applied */
    uint64_t bytes_planned;   /**< bytes of the chosen path */
    uint64_t bytes_fetched;   /**< bytes transferred by this sync (index included) */
    uint64_t bytes_resumed;   /**< bytes of the path that an interrupted earlier sync had already fetched */
    unsigned int retries;     /**< transfers retried */
    uint64_t records;         /**< records after the sync */
    uint8_t checksum[16];     /**< state checksum after the sync */
} sltd_sync_report;
#define SLTD_SYNC_REPORT_INIT { SLTD_SYNC_REPORT_VERSION, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, { 0 } }

/**
 * @brief Bring a database to the state a repository publishes (see the group's description).
 *
 * The source is an `http://` or `https://` URL (libcurl; redirects are refused, the system's CA store
 * or `ca_file` is trusted), a `file://` URL or a directory (removable media). Partial downloads are
 * kept in `DIR/sync/` and resumed (HTTP Range) by the next sync; every file is checked against its
 * size and hash in the index before any bundle is applied. Network failures are retried with
 * exponential backoff. The time of the sync, the index's publication and expiry times, the key list's
 * version and the signing key of the data are stored in the database's meta in the transaction that
 * applies the last bundle (or, when already current, in a transaction of their own): see
 * ::sltd_sync_state_get.
 * @param[out] out what was done (may be NULL)
 * @param[in] db handle opened without SLTD_OPEN_READONLY
 * @param[in] source URL or directory of the repository
 * @param[in] opts options, with at least one root (required)
 * @return 0 (synced, or already current), or
 *         refusals — SLTD_ESIGNATURE (the key list does not verify under a pinned root; the index or a
 *         bundle is not signed by an active certified key; a revoked key), SLTD_EEXPIRED (the index or
 *         key list expired — a freeze —, or was published in the future or before the index already
 *         accepted), SLTD_ESEQUENCE (rollback: the index is older than the database; fast-forward: more
 *         than SLTD_SYNC_AHEAD_MAX ahead; an older key list; no path to the current state),
 *         SLTD_ECHECKSUM (the database differs from the published state at the same sequence, or a
 *         result is not the published one), SLTD_EMIRROR (size or hash not the index's, too many bytes,
 *         a redirect), SLTD_ELIMIT (the path needs more than max_bytes), SLTD_EFORMAT (a malformed
 *         index, key list or bundle), SLTD_EWRONGKEY (published for another deployment key),
 *         SLTD_ETOOMANY;
 *         errors — SLTD_ENETWORK (after every retry), SLTD_EINVAL, SLTD_ENOENT, SLTD_EKEY (a root file),
 *         SLTD_EREADONLY, SLTD_ECORRUPT, SLTD_EFULL, SLTD_EFORK, SLTD_EIO, SLTD_ENOMEM.
 *         On any failure every bundle either was applied whole or not at all; with a refusal, none.
 */
SLTD_API SLTD_NODISCARD int sltd_sync(sltd_sync_report *out, sltd_db *db, const char *source,
                                      const sltd_sync_options *opts);

#define SLTD_SYNC_STATE_VERSION 1
/** @brief What the last successful sync left in the database (all 0 before the first one). */
typedef struct sltd_sync_state {
    unsigned int version;     /**< set by the caller (::SLTD_SYNC_STATE_INIT): the layout it was built with */
    int64_t last_sync;        /**< when the last sync succeeded, Unix seconds (0: never) */
    uint64_t index_sequence;  /**< the sequence of the index it accepted */
    int64_t index_published;  /**< when that index was published */
    int64_t index_expires;    /**< when it expires: past this time with no newer sync, updates are not
                                   arriving (a frozen mirror, a broken link: raise the alarm) */
    uint64_t keys_version;    /**< the newest key list accepted (an older one is refused) */
    uint8_t signer[SLTD_KEYID_SIZE]; /**< the key that signed the bundle the data comes from */
} sltd_sync_state;
#define SLTD_SYNC_STATE_INIT { SLTD_SYNC_STATE_VERSION, 0, 0, 0, 0, 0, { 0 } }

/**
 * @brief The sync state stored in the database's meta (read in one snapshot with the data).
 * @return 0, SLTD_EINVAL, SLTD_ECORRUPT, SLTD_EREADERS, SLTD_EFORK, SLTD_EIO.
 */
SLTD_API SLTD_NODISCARD int sltd_sync_state_get(sltd_sync_state *out, sltd_db *db);
/**@}*/
/* ---- end fleet ---- */

/* ---- MRZ (ICAO Doc 9303) ---- */
/**
 * @name Machine-readable zones (ICAO Doc 9303, 8th edition, Parts 3-7)
 *
 * ::sltd_mrz_parse reads the 2 or 3 OCR-B lines of a passport (TD3), identity card (TD1, TD2) or visa
 * (MRV-A, MRV-B), checks their structure strictly and reports every field and every check digit.
 * It is pure: no I/O, no allocation, no global state (it sets only the calling thread's error detail,
 * as every call does); safe from any number of threads.
 */
/**@{*/

/** @brief MRZ formats (::sltd_mrz.kind). */
typedef enum sltd_mrz_kind {
    SLTD_MRZ_TD1 = 1, /**< 3 lines of 30: identity cards (Part 5) */
    SLTD_MRZ_TD2,     /**< 2 lines of 36, document code not starting with V (Part 6) */
    SLTD_MRZ_TD3,     /**< 2 lines of 44, document code not starting with V: passports (Part 4) */
    SLTD_MRZ_MRVA,    /**< 2 lines of 44, document code starting with V: visa format A (Part 7) */
    SLTD_MRZ_MRVB     /**< 2 lines of 36, document code starting with V: visa format B (Part 7) */
} sltd_mrz_kind;

/** @brief Outcome of one check digit (::sltd_mrz_check.status). 0 means "not evaluated" and is
 * never valid, so a zeroed struct fails closed. */
enum sltd_mrz_check_status {
    SLTD_MRZ_CHECK_OK = 1,    /**< the printed digit is right (or a permitted `<` over an empty field) */
    SLTD_MRZ_CHECK_BAD = 2,   /**< the printed character is not the computed digit */
    SLTD_MRZ_CHECK_ABSENT = 3 /**< this format has no such check digit */
};

#define SLTD_MRZ_NAME_MAX 39      /**< longest primary or secondary identifier (TD3/MRV-A name field) */
#define SLTD_MRZ_OPTIONAL_MAX 16  /**< longest first optional-data field (MRV-A) */
#define SLTD_MRZ_OPTIONAL2_MAX 11 /**< longest second optional-data field (TD1 line 2) */

/**
 * @brief Rule under which the document number's check digit holds (::sltd_mrz_evidence.number_rule).
 *
 * ICAO 9303 computes a TD1/TD2 long number's check digit over the 9 principal characters and the
 * continuation. Some issuers also count the filler that stands between them (TD1 upper line,
 * position 15): Belgian and Portuguese identity cards (the README lists the series). That digit still
 * protects the number, so it is accepted as a named national variant, never silently; the number
 * (the lookup key) is the same under both rules. ::SLTD_MRZ_STRICT turns every variant off.
 */
typedef enum sltd_mrz_rule {
    SLTD_MRZ_RULE_NONE = 0,  /**< no accepted rule holds (number_check is BAD), or nothing was parsed */
    SLTD_MRZ_RULE_ICAO = 1,  /**< ICAO 9303 (tried first) */
    SLTD_MRZ_RULE_FILLER = 2 /**< national variant: a TD1 long number issued by BEL or PRT, digit computed
                                  over the principal part, the filler at upper-line position 15 and the
                                  continuation */
} sltd_mrz_rule;

/** @brief The fields an MRZ problem can be in (::sltd_mrz_problem.field). */
typedef enum sltd_mrz_field {
    SLTD_MRZ_FIELD_STRUCTURE = 1, /**< number of lines, line lengths, character set (nothing else is read) */
    SLTD_MRZ_FIELD_DOC_CODE,      /**< document code (TD1/TD2: A, C or I, second not V; TD3: P; visas: V) */
    SLTD_MRZ_FIELD_ISSUING_STATE, /**< issuing state or organisation */
    SLTD_MRZ_FIELD_NUMBER,        /**< document number (empty, too long, long number without continuation) */
    SLTD_MRZ_FIELD_NATIONALITY,   /**< nationality */
    SLTD_MRZ_FIELD_BIRTH,         /**< date of birth */
    SLTD_MRZ_FIELD_SEX,           /**< sex */
    SLTD_MRZ_FIELD_EXPIRY,        /**< date of expiry */
    SLTD_MRZ_FIELD_NAME           /**< name of the holder */
} sltd_mrz_field;

/** Most problems one parse reports (every field can hold at most one; there are fewer fields). */
#define SLTD_MRZ_PROBLEMS_MAX 12

/** @brief One field that breaks ICAO 9303, where it is. */
typedef struct sltd_mrz_problem {
    int code;        /**< SLTD_EMRZ, SLTD_ESTATE or SLTD_ENUMBER (SLTD_EINVAL: no text) */
    int field;       /**< sltd_mrz_field */
    int line;        /**< 1-based MRZ line (blank lines not counted) */
    int pos;         /**< 1-based character position in that line */
    const char *msg; /**< static text */
} sltd_mrz_problem;

/** @brief One check digit as printed and as computed. */
typedef struct sltd_mrz_check {
    char found;    /**< character printed in the check-digit position; 0 when ABSENT */
    char expected; /**< digit computed over the field ('0'-'9'); 0 when ABSENT */
    int status;    /**< sltd_mrz_check_status */
} sltd_mrz_check;

#define SLTD_MRZ_VERSION 1
/**
 * @brief A parsed MRZ. Strings are NUL-terminated; filler characters `<` are removed as described.
 * Filled by ::sltd_mrz_parse (always version 1) and ::sltd_mrz_parse_ex (the caller's version), which
 * set every member of that version.
 * The rule the number's check digit holds under and every problem are in ::sltd_mrz_evidence.
 */
typedef struct sltd_mrz {
    unsigned int version;                         /**< set by the caller (::SLTD_MRZ_INIT): the layout it
                                                       was built with */
    int kind;                                     /**< sltd_mrz_kind, 0 when the lines were not an MRZ */
    char doc_code[SLTD_TYPE_MAX + 1];             /**< 1-2 letters, fillers dropped ("P", "PP", "I", "ID",
                                                       "V"); "" when not letters */
    char issuing_state[SLTD_STATE_MAX + 1];       /**< normalised: "UTO", "D" (printed `D<<`); "" when not a code */
    char number[SLTD_NUMBER_MAX + 1];             /**< full document number, fillers dropped, long-number rule applied */
    char nationality[SLTD_STATE_MAX + 1];         /**< normalised like issuing_state */
    char birth[7];                                /**< YYMMDD as printed; `<` marks unknown parts */
    char sex;                                     /**< 'M', 'F', 'X' or '<' (unspecified); as printed */
    char expiry[7];                               /**< YYMMDD as printed */
    char optional1[SLTD_MRZ_OPTIONAL_MAX + 1];    /**< TD1 line-1 optional data (after a long number's
                                                       continuation), TD2/MRV optional data, TD3 personal
                                                       number; trailing fillers dropped, inner ones kept */
    char optional2[SLTD_MRZ_OPTIONAL2_MAX + 1];   /**< TD1 line-2 optional data; "" for other formats */
    char primary_name[SLTD_MRZ_NAME_MAX + 1];     /**< primary identifier (surname): text before the first
                                                       `<<`, each `<` turned into a space */
    char secondary_name[SLTD_MRZ_NAME_MAX + 1];   /**< secondary identifier (given names), same rules,
                                                       trailing fillers dropped; "" when absent */
    int name_truncated;                           /**< 1 when the name field ends in a letter (ICAO truncation) */
    int long_number;                              /**< 1 when the TD1/TD2 long-number rule was applied */
    sltd_mrz_check number_check;                  /**< document number, under ICAO 9303 or an accepted
                                                       national variant (::sltd_mrz_evidence.number_rule) */
    sltd_mrz_check birth_check;                   /**< date of birth */
    sltd_mrz_check expiry_check;                  /**< date of expiry */
    sltd_mrz_check optional_check;                /**< TD3 personal number; ABSENT for the other formats */
    sltd_mrz_check composite_check;               /**< TD1/TD2/TD3 composite; ABSENT for MRV-A/MRV-B */
    int error_line;                               /**< on failure: 1-based MRZ line of the first problem
                                                       (blank lines not counted) */
    int error_pos;                                /**< on failure: 1-based character position in that line */
    const char *error_msg;                        /**< on failure: the first problem's static text; NULL on success */
} sltd_mrz;
#define SLTD_MRZ_INIT                                                                                     \
    { SLTD_MRZ_VERSION, 0, "", "", "", "", "", 0, "", "", "", "", "", 0, 0, { 0, 0, 0 }, { 0, 0, 0 },     \
      { 0, 0, 0 }, { 0, 0, 0 }, { 0, 0, 0 }, 0, 0, NULL }

#define SLTD_MRZ_EVIDENCE_VERSION 1
/**
 * @brief What checking an MRZ found beyond its fields: the rule the number's check digit holds under,
 * every problem with its place, and (from ::sltd_db_lookup_mrz_ex) whether the number was looked up.
 * Filled by ::sltd_mrz_parse_ex and ::sltd_db_lookup_mrz_ex (every member of the caller's version).
 */
typedef struct sltd_mrz_evidence {
    unsigned int version;     /**< set by the caller (::SLTD_MRZ_EVIDENCE_INIT): the layout it was built with */
    unsigned int flags;       /**< the parse flags used (::SLTD_MRZ_STRICT or 0) */
    int number_rule;          /**< sltd_mrz_rule under which sltd_mrz.number_check is OK;
                                   SLTD_MRZ_RULE_NONE when it is BAD or nothing was read */
    int error;                /**< 0, or the code the parse returned (the first problem's) */
    unsigned int nproblems;   /**< problems found, at most SLTD_MRZ_PROBLEMS_MAX */
    sltd_mrz_problem problems[SLTD_MRZ_PROBLEMS_MAX]; /**< every problem, in line and position order */
    int number_checked;       /**< ::sltd_db_lookup_mrz_ex: 1 when the read (issuing state, number) was looked
                                   up (its check digits protect it, even in an invalid document); 0 from
                                   ::sltd_mrz_parse_ex */
} sltd_mrz_evidence;
#define SLTD_MRZ_EVIDENCE_INIT { SLTD_MRZ_EVIDENCE_VERSION, 0, 0, 0, 0, { { 0, 0, 0, 0, NULL } }, 0 }

/**
 * @brief Parse and check a machine-readable zone (ICAO 9303 and the national variants sltd accepts).
 *
 * `text` holds the 2 or 3 lines separated by LF, CRLF or CR. Spaces and tabs around a line and blank
 * lines anywhere are ignored; inside a line only `[A-Z0-9<]` is accepted (lower case is refused).
 * Lines of 30 (3 lines), 36 or 44 characters (2 lines) select TD1, TD2/MRV-B or TD3/MRV-A; a first
 * character `V` selects the visa formats. For TD1 and TD2 a `<` in the document number's check-digit
 * position means the number continues in the optional data up to the next `<`, its last character
 * there being the check digit (computed over the whole number; see ::sltd_mrz_rule for the variant).
 *
 * Every field is checked strictly (ICAO 9303 Parts 3-7): the document code per format (TD1, TD2: A,
 * C or I, then a letter other than V or a filler; TD3: P; visas: V), issuing state and nationality
 * (ICAO codes), sex (M, F, X or `<`), names (A-Z and `<` only), dates (YYMMDD that exists in 19YY or
 * 20YY; a date of birth may give an unknown YY, MM or DD as `<<`; an identity card (TD1, TD2) without
 * date of expiry prints `<<<<<<`). A wrong check digit is not an error of this function: it is
 * reported in the struct (see ::sltd_mrz_validate).
 *
 * Once the number of lines, their lengths and the character set are right, every field and every
 * check digit is read and reported even when an earlier field is wrong: `evidence->problems` lists
 * each bad field with its line and position, `error_line`, `error_pos` and `error_msg` name the first
 * one, and ::sltd_mrz_validate returns 0. When the lines themselves are wrong (count, length,
 * character), `kind` is 0 and only that problem is reported.
 * @param[out] out the parsed fields
 * @param[out] evidence the rule used and every problem, or NULL
 * @param[in] text the MRZ text (need not be NUL-terminated)
 * @param[in] len bytes of text
 * @param[in] flags 0, or ::SLTD_MRZ_STRICT (ICAO 9303 only: no national variant is accepted)
 * @return 0 (every field valid), or the first problem's code:
 *         SLTD_EMRZ (wrong number of lines, wrong length, character outside [A-Z0-9<], document code,
 *         date, sex or name field malformed, long document number without its continuation),
 *         SLTD_ESTATE (issuing state or nationality is not an ICAO 9303 code),
 *         SLTD_ENUMBER (document number empty or longer than SLTD_NUMBER_MAX),
 *         SLTD_EINVAL (out or text is NULL, an unknown flag, or `out->version` or `evidence->version`
 *         is 0: then neither is written).
 */
SLTD_API SLTD_NODISCARD int sltd_mrz_parse_ex(sltd_mrz *out, sltd_mrz_evidence *evidence, const char *text,
                                              size_t len, unsigned int flags);

/**
 * @brief ::sltd_mrz_parse_ex without the evidence, flags 0 (ICAO 9303 and the national variants).
 *
 * Unchanged since 0.1, whose programs did not set `out->version`: this call never reads it and always
 * writes version 1 of ::sltd_mrz (members added later stay as the caller left them; use
 * ::sltd_mrz_parse_ex for them).
 * @return as ::sltd_mrz_parse_ex (a version 0 is not refused).
 */
SLTD_API SLTD_NODISCARD int sltd_mrz_parse(sltd_mrz *out, const char *text, size_t len);

/**
 * @brief Is a parsed MRZ valid: every field right and every check digit right?
 * @param[in] m a struct filled by ::sltd_mrz_parse or ::sltd_mrz_parse_ex
 * @return 1 when the parse found no problem (`error_msg` is NULL) and every check digit is
 *         SLTD_MRZ_CHECK_OK or SLTD_MRZ_CHECK_ABSENT; 0 otherwise (also for NULL or a struct that was
 *         not filled).
 */
SLTD_API int sltd_mrz_validate(const sltd_mrz *m);

/** @brief Name of an sltd_mrz_kind ("TD1", "TD2", "TD3", "MRV-A", "MRV-B"), or "?"; static storage. */
SLTD_API const char *sltd_mrz_kind_name(int kind);

/** @brief Name of an sltd_mrz_rule ("none", "icao", "filler_included"), or "?"; static storage. */
SLTD_API const char *sltd_mrz_rule_name(int rule);

/** @brief Name of an sltd_mrz_field ("structure", "document code", "issuing state", "document
 * number", "nationality", "date of birth", "sex", "date of expiry", "name"), or "?"; static storage. */
SLTD_API const char *sltd_mrz_field_name(int field);

/** Most OCR variants of a document number that ::sltd_db_lookup_mrz looks up. */
#define SLTD_MRZ_VARIANTS_MAX 16

/** @brief Flags for ::sltd_db_lookup_mrz. */
enum sltd_mrz_lookup_flags {
    /** Also look up the variants of the document number made by the usual OCR confusions (see
     * ::sltd_db_lookup_mrz); a listed variant is reported as a variant match, never as the read number. */
    SLTD_MRZ_OCR_VARIANTS = 1u << 0,
    /** ICAO 9303 only: the national variants (::sltd_mrz_rule) are refused. Also a flag of
     * ::sltd_mrz_parse_ex. */
    SLTD_MRZ_STRICT = 1u << 1
};

#define SLTD_MRZ_ANSWER_VERSION 2
/**
 * @brief The answer of ::sltd_db_lookup_mrz: the parse evidence, the read number's answer and, with
 * ::SLTD_MRZ_OCR_VARIANTS, what the variant search found.
 */
typedef struct sltd_mrz_answer {
    unsigned int version;  /**< set by the caller (::SLTD_MRZ_ANSWER_INIT): the layout it was built with */
    sltd_mrz mrz;          /**< the parse, with every check digit's evidence (error position on failure) */
    sltd_result result;    /**< the read number's answer. result.error is not 0 when that answer is not
                                "listed" or a true "not listed": SLTD_ECHECKDIGIT when the number or
                                composite check digit failed (the read number was not looked up), or
                                the parse's error when the document is invalid (see
                                sltd_mrz_evidence.number_checked); result.listed is then 0 without
                                meaning "not listed". */
    unsigned int nvariants_tried;   /**< variants looked up (each satisfies the number and composite
                                         check digits), at most SLTD_MRZ_VARIANTS_MAX */
    int variants_truncated;         /**< 1: more variants satisfied the check digits than were looked up */
    unsigned int nvariants_listed;  /**< variants found listed */
    int variant_match;              /**< 1: a variant (not the read number) is listed; the first one is below */
    char variant_number[SLTD_NUMBER_MAX + 1]; /**< that variant, to show to the officer; "" when none */
    unsigned int variant_nsubst;    /**< characters substituted in it (1 or 2); 0 when none */
    unsigned int variant_pos[2];    /**< 1-based positions in mrz.number of the substituted characters
                                         (ascending); 0 when unused */
    sltd_result variant_result;     /**< that variant's records */
    int verdict;                    /**< sltd_verdict of the document (version 2), the one value to decide
                                         on: LISTED (the read number), VARIANT (only a variant is listed),
                                         CLEAR (checked, valid, nothing listed), UNREADABLE
                                         (::SLTD_ECHECKDIGIT), INVALID (::SLTD_EMRZ, ::SLTD_ESTATE,
                                         ::SLTD_ENUMBER, ::SLTD_ETYPE), ERROR (anything else). result.verdict
                                         holds the same value. */
} sltd_mrz_answer;
#define SLTD_MRZ_ANSWER_INIT                                                                              \
    { SLTD_MRZ_ANSWER_VERSION, SLTD_MRZ_INIT, SLTD_RESULT_INIT, 0, 0, 0, 0, "", 0, { 0, 0 }, SLTD_RESULT_INIT, 0 }

/**
 * @brief Parse an MRZ and look up the document it describes: (issuing state, full document number),
 * filtered by the document code's type family (P; I/A/C; V; ...).
 *
 * Fail closed. The read number is looked up only when its own check digit and the composite check
 * digit (TD1, TD2, TD3; the visas have none) are right: they are the ones that protect the number.
 * The birth, expiry and personal-number check digits do not protect the lookup key; a wrong one is
 * reported in out->mrz and does not block the lookup: listed, the answer is "listed"; not listed, the
 * document is invalid — the call returns SLTD_EMRZ (sltd_error_detail() names the check digit), never
 * "not listed" (each of them is also inside the composite of TD1/TD2/TD3, so there it mostly fails
 * the composite first: SLTD_ECHECKDIGIT). Nothing protects the issuing state or the
 * document code: they are used as read. The number's check digit may hold under a national variant
 * (out->mrz.number_rule says which rule; ::SLTD_MRZ_STRICT refuses them).
 *
 * **Invalid documents.** A document with a field that breaks ICAO 9303 (a date that does not exist,
 * a digit in the name, a wrong document code, ...; see ::sltd_mrz_parse_ex) is invalid and is never
 * answered "not listed". When its number is nevertheless protected by right check digits (and its
 * issuing state is a code), the number is looked up (::sltd_mrz_evidence.number_checked is 1), with
 * no type filter when the document code is wrong for its format: listed, the call returns 0 with
 * out->result.listed 1 (a hit is reported whatever else is wrong; out->mrz.error_msg says the document
 * is invalid too); not listed, the call returns the parse's error (SLTD_EMRZ, SLTD_ESTATE or
 * SLTD_ENUMBER), which means "invalid document", and out->result.error holds it too.
 *
 * **OCR variants** (::SLTD_MRZ_OCR_VARIANTS). The candidates are the document numbers made by
 * replacing one, then two, characters of the read number by an OCR-B look-alike: 0 with O, Q, D or C
 * (each of those with 0), 1/I, 2/Z, 4/A, 5/S, 6/G, 8/B. They are enumerated in a fixed order (single
 * substitutions by position, then pairs by positions) and kept only when the printed number check
 * digit, and the printed composite check digit when the format has one, are right for them (both
 * recomputed over the substituted number). The first ::SLTD_MRZ_VARIANTS_MAX kept are looked up in
 * one batch, with the read number when its checks passed. Variants are searched when the number
 * check digit fails and also when the checks pass (a 6/G confusion, or two confusions whose effects
 * cancel, does not change the check digits). A listed variant sets variant_match and is never
 * reported as the read number.
 *
 * @param[out] out the answer (its mrz member is filled even on a parse error)
 * @param[in] db handle
 * @param[in] text the MRZ text, as for ::sltd_mrz_parse (need not be NUL-terminated)
 * @param[in] len bytes of text
 * @param[in] flags sltd_mrz_lookup_flags (::SLTD_MRZ_OCR_VARIANTS, ::SLTD_MRZ_STRICT)
 * @return 0: the read number was checked and the document is valid (out->result.listed is 0 or 1;
 *         out->variant_match says whether a variant is listed as well), or the read number or a
 *         variant is listed (out->result.listed or out->variant_match is 1; out->mrz.error_msg says
 *         whether the document is also invalid, and out->result.error is SLTD_ECHECKDIGIT when only
 *         a variant matched);
 *         SLTD_ECHECKDIGIT: the number or composite check digit is wrong and no listed variant was
 *         found (never "not listed": the number could not be read reliably);
 *         SLTD_EMRZ, SLTD_ESTATE, SLTD_ENUMBER: invalid document, nothing listed: the MRZ could not
 *         be parsed, or a field is invalid (::sltd_db_lookup_mrz_ex lists each problem and says
 *         whether the number was looked up);
 *         SLTD_EINVAL (NULL argument, unknown flag, `out->version` 0 or newer than the library's: nothing
 *         written); or an error of the lookup: SLTD_EEXPIRED (stale data on a handle opened with
 *         SLTD_OPEN_REFUSE_STALE), SLTD_ECORRUPT, SLTD_EREADERS, SLTD_EFORK, SLTD_EIO, SLTD_ENOMEM
 *         (out->result.error holds the same code).
 */
SLTD_API SLTD_NODISCARD int sltd_db_lookup_mrz(sltd_mrz_answer *out, sltd_db *db, const char *text, size_t len,
                                            unsigned int flags);

/**
 * @brief ::sltd_db_lookup_mrz, and the evidence: the rule the number's check digit holds under, every
 * problem of the MRZ with its place, and whether the read number was looked up.
 * @param[out] out the answer, as for ::sltd_db_lookup_mrz
 * @param[out] evidence filled whenever out is (also on errors), or NULL
 * @return as ::sltd_db_lookup_mrz; SLTD_EINVAL also when `evidence->version` is 0 (then neither
 *         struct is written and nothing is looked up), and when `out->version` is 0 or newer than the
 *         library's ::SLTD_MRZ_ANSWER_VERSION (the places of its members are not known to it).
 */
SLTD_API SLTD_NODISCARD int sltd_db_lookup_mrz_ex(sltd_mrz_answer *out, sltd_mrz_evidence *evidence, sltd_db *db,
                                               const char *text, size_t len, unsigned int flags);
/**@}*/
/* ---- end MRZ ---- */

/* ---- Deprecated names ---- */
/**
 * @name The 0.1 names (deprecated)
 *
 * Every public function is now named `sltd_<object>_<verb>` (docs/API-CONVENTIONS.md). The 0.1 names
 * stay for one minor version as exported functions that call the new ones, so that programs built
 * against 0.1 keep running and sources keep building (with a deprecation warning); 0.3 removes them.
 * A 0.1 program did not set `version` in the structs it passes to be filled: these names never read
 * it, and write version 1 of each struct (the 0.1 layout) whatever it holds. So ::sltd_lookup,
 * ::sltd_lookup_batch and ::sltd_lookup_mrz write no verdict (it stays as the caller left it:
 * ::SLTD_VERDICT_UNSET from the `_INIT` macros); the new names do.
 * `sltd_errmsg`'s `db` argument is not used: the detail is per thread (::sltd_error_detail).
 */
/**@{*/
SLTD_API SLTD_DEPRECATED("sltd_db_open") int sltd_open(sltd_db **out, const char *dir, const sltd_options *opts);
SLTD_API SLTD_DEPRECATED("sltd_db_close") void sltd_close(sltd_db *db);
SLTD_API SLTD_DEPRECATED("sltd_db_lookup") int sltd_lookup(sltd_result *out, sltd_db *db, const char *state,
                                                           const char *number, const char *type);
SLTD_API SLTD_DEPRECATED("sltd_db_lookup_batch") int sltd_lookup_batch(sltd_result *out, sltd_db *db,
                                                                       const sltd_query *queries, size_t n);
SLTD_API SLTD_DEPRECATED("sltd_db_lookup_mrz") int sltd_lookup_mrz(sltd_mrz_answer *out, sltd_db *db,
                                                                   const char *text, size_t len, unsigned int flags);
SLTD_API SLTD_DEPRECATED("sltd_db_lookup_mrz_ex") int sltd_lookup_mrz_ex(sltd_mrz_answer *out,
                                                                         sltd_mrz_evidence *evidence, sltd_db *db,
                                                                         const char *text, size_t len,
                                                                         unsigned int flags);
SLTD_API SLTD_DEPRECATED("sltd_db_digest") int sltd_digest(uint8_t out[SLTD_DIGEST_SIZE], const sltd_db *db,
                                                           const char *state, const char *number);
SLTD_API SLTD_DEPRECATED("sltd_db_verify") int sltd_verify(sltd_verify_report *out, sltd_db *db);
SLTD_API SLTD_DEPRECATED("sltd_db_import_feed") int sltd_import_feed(sltd_import_report *out, sltd_db *db,
                                                                     const char *path, unsigned int flags);
SLTD_API SLTD_DEPRECATED("sltd_db_import_feed_ex") int sltd_import_feed_ex(sltd_import_report *out, sltd_db *db,
                                                                           const char *path,
                                                                           const sltd_import_options *opts);
SLTD_API SLTD_DEPRECATED("sltd_db_screen") int sltd_screen(sltd_screen_report *out, sltd_db *db, const char *path,
                                                           const sltd_screen_options *opts);
SLTD_API SLTD_DEPRECATED("sltd_db_stats_get") int sltd_stats_get(sltd_stats *out, sltd_db *db);
SLTD_API SLTD_DEPRECATED("sltd_error_detail") const char *sltd_errmsg(const sltd_db *db);
SLTD_API SLTD_DEPRECATED("sltd_error_text") const char *sltd_strerror(int code);
SLTD_API SLTD_DEPRECATED("sltd_bundle_pack") int sltd_pack_bundle(sltd_bundle_report *out, sltd_db *db,
                                                                  const char *feed_path, const char *bundle_path,
                                                                  const sltd_pack_options *opts);
SLTD_API SLTD_DEPRECATED("sltd_bundle_apply") int sltd_apply_bundle(sltd_bundle_report *out, sltd_db *db,
                                                                    const char *path, const char *const *trusted,
                                                                    size_t ntrusted, unsigned int flags);
SLTD_API SLTD_DEPRECATED("sltd_state_normalize") int sltd_normalize_state(char out[SLTD_STATE_MAX + 1],
                                                                          const char *in);
SLTD_API SLTD_DEPRECATED("sltd_number_normalize") int sltd_normalize_number(char out[SLTD_NUMBER_MAX + 1],
                                                                            const char *in);
SLTD_API SLTD_DEPRECATED("sltd_mrz_validate") int sltd_mrz_valid(const sltd_mrz *m);
/**@}*/
/* ---- end deprecated names ---- */

#ifdef __cplusplus
}
#endif

#endif /* SLTD_H */
