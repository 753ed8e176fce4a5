/* SPDX-License-Identifier: Apache-2.0 */
/* simd.c — which vector instructions the batch paths may use (see simd.h). */
#include "simd.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

int sltd__simd_hardware(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") ? SLTD__SIMD_AVX512
           : __builtin_cpu_supports("avx2")  ? SLTD__SIMD_AVX2
                                              : SLTD__SIMD_NONE;
#else
    return SLTD__SIMD_NONE;
#endif
}

int sltd__simd_level(void)
{
    static _Atomic int cached = -1; /* benign race: every thread computes the same answer */
    int v = atomic_load_explicit(&cached, memory_order_relaxed);

    if (v < 0) {
        const char *cap = getenv("SLTD_SIMD");
        int c = SLTD__SIMD_AVX512;
        if (cap != NULL)
            c = strcmp(cap, "none") == 0 ? SLTD__SIMD_NONE : strcmp(cap, "avx2") == 0 ? SLTD__SIMD_AVX2 : c;
        v = sltd__simd_hardware();
        v = v < c ? v : c;
        atomic_store_explicit(&cached, v, memory_order_relaxed);
    }
    return v;
}
