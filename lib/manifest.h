/* SPDX-License-Identifier: Apache-2.0 */
/* manifest.h — passenger manifests for screening (internal): the readers of each format behind one
 * interface (sltd__mf_format: CSV in manifest_csv.c, MRZ text in manifest_mrz.c, JSON Lines in
 * manifest_jsonl.c), the batch of documents they fill (sltd__mf_chunk, manifest.c) and the one rule
 * that turns the answers of a row's keys into its verdict (sltd__mf_decide, manifest.c). The pipeline
 * that runs them — ring of chunks, threads, input order, callbacks — is screen.c.
 *
 * The life of a row:
 *  1. read (the calling thread, rows in input order): the format's reader takes the next row off the
 *     text input (textin.h) and adds it to the chunk as a document: its raw text to be parsed later
 *     (MRZ, JSON, and a CSV row that lies on its line alone), or its pass-through fields and keys (any
 *     other CSV row), or why it is invalid;
 *  2. prep (any thread): the format parses a document's text into fields and keys, or marks it invalid;
 *  3. the pipeline looks up every key of the chunk with one sltd_db_lookup_batch();
 *  4. decide (any thread): one verdict per document from the answers of its keys.
 *
 * A key is one identity a row claims: (issuing state, number[, type]). A JSON Lines object with both
 * an `mrz` member and `state`/`number` members, or a CSV row with an `mrz` cell and state and number
 * cells, has two keys, and both are checked: a hit on either is
 * a hit; otherwise the row is clear only when every key was checked, is valid and not listed, and the
 * keys name the same document (the same digest input, sltd__norm_key_input). Messages name the file, the
 * line and the field, never a value. */
#ifndef SLTD_MANIFEST_H
#define SLTD_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "sltd.h"
#include "textin.h"

#define SLTD__MF_NONE UINT32_MAX
#define SLTD__MF_ROWS SLTD_SCREEN_CHUNK_ROWS /* documents a chunk holds at most */
#define SLTD__MF_BYTES (1u << 20)             /* a chunk is closed once its text reaches this */
#define SLTD__MF_KEYS 2                       /* keys one row holds at most */
#define SLTD__MF_FIELDS 64                    /* pass-through fields of a row (as SLTD__CSV_FIELDS_MAX) */
#define SLTD__MF_MSG 512                      /* longest message */
#define SLTD__MF_MRZ_MAX 1023                 /* longest "mrz" field (CSV cell, JSON Lines member), bytes */

/* One identity to look up. Strings are arena offsets (SLTD__MF_NONE: absent). */
typedef struct sltd__mf_key {
    uint32_t state, number, type; /* type SLTD__MF_NONE: any type */
    const char *state_field;      /* names for messages: "state", "issuing_state", "mrz", ... (static) */
    const char *number_field;
    const char *type_field;
    int qi;           /* position in the chunk's batch; -1: not looked up there */
    int error;        /* 0, or why the key cannot be checked (its message in msg) */
    uint32_t msg;
    int unlisted;     /* the key's answer when looked up and not listed: 0 (clear) or the code that stands
                         instead (an invalid MRZ document), its message in unlisted_msg */
    uint32_t unlisted_msg;
    int answered;     /* looked up already (an MRZ with OCR variants: the chunk's ans[] of the document) */
    int listed;       /* the answer, once known */
    uint32_t variant; /* the listed OCR variant of an MRZ number, or NONE */
} sltd__mf_key;

typedef struct sltd__mf_doc {
    unsigned long line;      /* the row's line (MRZ: its first line) */
    unsigned long lines[3];  /* MRZ text: the line of each MRZ line; else line three times */
    unsigned long torn;      /* MRZ text: the line of an upper line left without its lower line just
                                before this document (which lines belong to it is then uncertain), or 0 */
    int error;               /* the verdict: 0 (checked) or why the row could not be (message in msg) */
    uint32_t msg;
    uint32_t note;           /* a remark on a checked row, or NONE */
    int listed;              /* error == 0: 1 when a key is listed */
    int hit;                 /* the key that answers for the row (the listed one, else the first); -1 none */
    uint32_t text, text_len; /* MRZ, JSON: the raw text, for prep */
    uint32_t first, nfields; /* pass-through values foff[first, first + nfields); own_names: then as many names */
    int own_names;
    int csv_line;            /* CSV: text is the row's line, split into fields in prep (csvread.h,
                                sltd__csv_take_line) */
    unsigned nkeys;
    sltd__mf_key key[SLTD__MF_KEYS];
} sltd__mf_doc;

typedef struct sltd__mf_chunk {
    sltd__mf_doc doc[SLTD__MF_ROWS];
    size_t n;
    char *a;                 /* arena: every string of the chunk, NUL-terminated, addressed by offset */
    size_t used, cap;
    uint32_t *foff;          /* field offsets */
    size_t nf, fcap;
    sltd_query *q;           /* the batch, room for nq keys (sltd__mf_batch_room) */
    sltd_result *res;
    size_t nq;
    sltd_mrz_answer *ans;    /* OCR variants: one answer a document */
    uint64_t first_index, bytes_end;
    int rc;                  /* a fatal error met in prep or decide (message in fatal) */
    int done;
    char fatal[256];
    /* The finished chunk's summary, for the thread that emits it (which then reads only these
     * documents): its checked, listed and invalid documents (screen.c, count_doc), and those a
     * callback may see. */
    uint64_t counts[3];
    uint16_t show[SLTD__MF_ROWS];
    size_t nshow;
} sltd__mf_chunk;
_Static_assert(SLTD__MF_ROWS <= 65536, "a chunk's documents are numbered in 16 bits");

/* What every reader and stage needs; read-only while the screening runs. */
typedef struct sltd__mf_ctx {
    sltd_db *db;
    unsigned flags;   /* sltd_screen_flags */
    const char *name; /* the input's name in messages */
} sltd__mf_ctx;

/* One manifest format. */
typedef struct sltd__mf_format {
    /* Start reading `in` (borrowed for the reader's life); *st gets the reader's state (also on
     * failure: close it). 0, or a fatal code with its detail set (sltd__err): an unusable CSV header. */
    int (*open)(void **st, sltd__text *in, const sltd__mf_ctx *cx);
    /* Add the next row to c: 1 (one or two documents added), 0 at the end of the input, or a fatal
     * code with its detail set. */
    int (*read)(void *st, sltd__mf_chunk *c);
    /* Parse document i's text into keys, or mark it invalid (any thread; st is the reader's state, to
     * be read only); NULL when read does all. */
    void (*prep)(const void *st, const sltd__mf_ctx *cx, sltd__mf_chunk *c, size_t i);
    /* The pass-through column names for every row (the CSV header), or NULL (each row names its own). */
    const char *const *(*names)(const void *st, size_t *n);
    void (*close)(void *st);
} sltd__mf_format;

extern const sltd__mf_format sltd__mf_csv, sltd__mf_mrz, sltd__mf_jsonl;

/* What a CSV column or a JSON Lines member stands for, by its name: the one rule for both formats.
 * Names are matched case-insensitively, spaces and tabs around them ignored (as feed columns are). */
enum {
    SLTD__MF_ROLE_NONE, /* passed through */
    SLTD__MF_ROLE_STATE,
    SLTD__MF_ROLE_ISSUING_STATE,
    SLTD__MF_ROLE_NATIONALITY,
    SLTD__MF_ROLE_NUMBER,
    SLTD__MF_ROLE_TYPE,
    SLTD__MF_ROLE_MRZ, /* the document's MRZ: a key of its own beside the fields' one */
    SLTD__MF_NROLES
};
/* The role of the name s[0, n); *canon gets its canonical name ("state", "number", ...), NULL for none. */
int sltd__mf_role(const char *s, size_t n, const char **canon);

/* The format to read: `format` (sltd_screen_format), or by the path's extension for SLTD_SCREEN_AUTO:
 * .mrz MRZ text, .jsonl/.ndjson JSON Lines, anything else CSV. */
const sltd__mf_format *sltd__mf_format_for(int format, const char *path);

/* ---- the chunk (manifest.c) ---- */
sltd__mf_chunk *sltd__mf_chunk_new(void); /* NULL: out of memory */
void sltd__mf_chunk_reset(sltd__mf_chunk *c, uint64_t first_index);
void sltd__mf_chunk_free(sltd__mf_chunk *c); /* accepts NULL */
/* Room in the batch for nq keys. 0 or SLTD_ENOMEM. */
int sltd__mf_batch_room(sltd__mf_chunk *c, size_t nq);
/* Append s[0, len) and a NUL to the arena; *off gets its offset. s must not point into the arena
 * (growing it frees the old one): copy the arena's own bytes with sltd__mf_copy. 0 or SLTD_ENOMEM. */
int sltd__mf_put(sltd__mf_chunk *c, const void *s, size_t len, uint32_t *off);
/* Append len bytes for the caller to write, and a NUL; *off gets their offset. 0 or SLTD_ENOMEM. */
int sltd__mf_room(sltd__mf_chunk *c, size_t len, uint32_t *off);
/* Append a copy of the arena's bytes [from, from + len) and a NUL; *off gets its offset. 0 or
 * SLTD_ENOMEM. */
int sltd__mf_copy(sltd__mf_chunk *c, uint32_t from, size_t len, uint32_t *off);
/* Append n field offsets base + off[i] (off NULL: n times base). 0 or SLTD_ENOMEM. */
int sltd__mf_push_fields(sltd__mf_chunk *c, uint32_t base, const uint32_t *off, size_t n);
/* The string at an arena offset ("" for SLTD__MF_NONE). Valid until the arena grows. */
const char *sltd__mf_str(const sltd__mf_chunk *c, uint32_t off);
/* A new document of the chunk, on `line`, with no key and no error. */
sltd__mf_doc *sltd__mf_doc_new(sltd__mf_chunk *c, unsigned long line);
/* A new key of document d (at most SLTD__MF_KEYS), with the field names for its messages. */
sltd__mf_key *sltd__mf_key_new(sltd__mf_doc *d, const char *state_field, const char *number_field,
                                const char *type_field);
/* Mark a document, or a key, invalid with code and "FILE:LINE: ..." message. 0 or SLTD_ENOMEM. */
int sltd__mf_doc_fail(sltd__mf_chunk *c, sltd__mf_doc *d, int code, const char *msg);
int sltd__mf_key_fail(sltd__mf_chunk *c, sltd__mf_key *k, int code, const char *msg);
/* Note a fatal error met while working on the chunk (the first one is kept, with sltd_error_detail). */
void sltd__mf_fatal(sltd__mf_chunk *c, int rc);

/* Step 4: the verdict of document i from the answers of its keys (c->res for the keys looked up in the
 * batch). Fatal lookup errors go to c->rc. */
void sltd__mf_decide(const sltd__mf_ctx *cx, sltd__mf_chunk *c, size_t i);

/* ---- shared by the MRZ text and JSON Lines readers (manifest_mrz.c) ---- */
/* Parse an MRZ document and make key k of it: queued for the batch when its number may be looked up
 * (the decision of sltd_db_lookup_mrz: sltd__mrz_query, sltd__mrz_outcome), or looked up at once with
 * its OCR variants (SLTD_SCREEN_OCR_VARIANTS), or failed with the parse's reason. lines: the input
 * line of each MRZ line, for messages. */
void sltd__mf_mrz_key(const sltd__mf_ctx *cx, sltd__mf_chunk *c, size_t i, sltd__mf_key *k, const char *text,
                      size_t len, const unsigned long lines[3]);
/* The same for the value of an "mrz" field of a row (a CSV cell, a JSON Lines member): the rule every
 * such field is read by. text: the MRZ lines separated by LF, CRLF or CR (as sltd_mrz_parse takes
 * them); a text longer than SLTD__MF_MRZ_MAX bytes fails key k, naming the field and lines[0]. */
void sltd__mf_mrz_field(const sltd__mf_ctx *cx, sltd__mf_chunk *c, size_t i, sltd__mf_key *k, const char *text,
                        size_t len, const unsigned long lines[3]);

#endif
