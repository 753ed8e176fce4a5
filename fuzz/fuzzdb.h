/* SPDX-License-Identifier: Apache-2.0 */
/* fuzzdb.h — the small database the manifest fuzz targets screen against: made once per process in
 * $TMPDIR (or /tmp), removed at exit. It lists UTO L898902C3 (type P, the ICAO specimen), D C01X00T47,
 * UTO D23145890 (type I) and UTO Q1. */
#ifndef SLTD_FUZZDB_H
#define SLTD_FUZZDB_H

#include "sltd.h"

/* The database (opened on the first call); a failure aborts with a message naming `who`. */
sltd_db *fuzzdb_get(const char *who);

#endif
