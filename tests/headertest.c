/* SPDX-License-Identifier: Apache-2.0 */
/* The public header must compile alone, as pedantic C99 and as C++. */
#include "sltd.h"

int headertest_dummy(void);
int headertest_dummy(void)
{
    sltd_options o = SLTD_OPTIONS_INIT;
    return (int)o.version + SLTD_VERSION_NUMBER;
}
