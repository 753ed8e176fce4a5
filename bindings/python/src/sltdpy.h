/* SPDX-License-Identifier: Apache-2.0 */
/* sltdpy.h — the C side of the Python binding: the declarations the cffi module is built with. */
#ifndef SLTDPY_H
#define SLTDPY_H

#include <stddef.h>
#include <stdint.h>

#include <sltd.h>

/* Look up n documents given as packed strings — NUL-terminated, one after the other, `width` per
 * document: state, number [, type] — through sltd_db_lookup_batch, with out[i] the answer of document i
 * and verdicts[i] its sltd_verdict; the indices of the documents whose verdict is not CLEAR go to
 * not_clear (ascending, *nnot_clear of them), so that the caller touches only those. width is 2 (no type
 * filter) or 3 (an empty type is no filter). queries and not_clear have room for n. Returns 0,
 * SLTD_EINVAL when the buffer does not hold exactly n * width strings or width is neither 2 nor 3
 * (nothing is looked up then), or sltd_db_lookup_batch's code (every verdict ERROR then). */
int sltdpy_lookup_packed(sltd_result *out, uint8_t *verdicts, size_t *not_clear, size_t *nnot_clear,
                         sltd_query *queries, sltd_db *db, size_t n, unsigned int width, const char *packed,
                         size_t len);

/* Output structs initialised as the header says (their version fields set). */
void sltdpy_result_init(sltd_result *r);
void sltdpy_mrz_answer_init(sltd_mrz_answer *a, sltd_mrz_evidence *e);
void sltdpy_mrz_init(sltd_mrz *m, sltd_mrz_evidence *e);
void sltdpy_options_init(sltd_options *o);
void sltdpy_screen_options_init(sltd_screen_options *o);

#endif
