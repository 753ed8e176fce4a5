/* SPDX-License-Identifier: Apache-2.0 */
/* simd.h — which vector instructions the batch paths (prf.c's hashing, bloom.c's probing) may use. */
#ifndef SLTD_SIMD_H
#define SLTD_SIMD_H

#define SLTD__SIMD_NONE 0   /* portable C */
#define SLTD__SIMD_AVX2 1   /* x86-64 AVX2 */
#define SLTD__SIMD_AVX512 2 /* x86-64 AVX-512F */

/* The widest level this CPU has, capped by the environment variable SLTD_SIMD ("avx512", "avx2" or
 * "none"), read once: every level gives the same answers, and the cap is there to measure a narrower
 * path on a CPU that has a wider one. */
int sltd__simd_level(void);
/* The widest level this CPU has, whatever SLTD_SIMD says (for tests that run every level). */
int sltd__simd_hardware(void);

#endif
