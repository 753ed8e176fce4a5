/* SPDX-License-Identifier: Apache-2.0 */
/* sltdpy.h — the C side of the Python binding: the declarations the cffi module is built with. */
#ifndef SLTDPY_H
#define SLTDPY_H

#include <stddef.h>
#include <stdint.h>

#include <sltd.h>

/* Look up n documents given as packed strings — each one NUL-terminated, one after the other — through
 * sltd_lookup_batch, with out[i] the answer of document i and verdicts[i] its sltd_verdict. `types` may
 * be NULL (no type filter); an empty type is no filter. queries has room for n. Returns 0, SLTD_EINVAL when a packed
 * buffer does not hold exactly n strings (nothing is looked up then), or sltd_lookup_batch's code. */
int sltdpy_lookup_packed(sltd_result *out, uint8_t *verdicts, sltd_query *queries, sltd_db *db, size_t n,
                         const char *states, size_t states_len, const char *numbers, size_t numbers_len,
                         const char *types, size_t types_len);

/* Output structs initialised as the header says (their version fields set). */
void sltdpy_result_init(sltd_result *r);
void sltdpy_mrz_answer_init(sltd_mrz_answer *a, sltd_mrz_evidence *e);
void sltdpy_mrz_init(sltd_mrz *m, sltd_mrz_evidence *e);
void sltdpy_options_init(sltd_options *o);
void sltdpy_screen_options_init(sltd_screen_options *o);

#endif
