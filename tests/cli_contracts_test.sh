#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The CLI's contracts with the people and scripts that use it: one option parser (every error names
# the option), the environment, --version/--quiet everywhere, a write error is exit 3, output files
# written whole or not at all, errors a person can act on, sltd repair. Real databases, real processes.
#   cli_contracts_test.sh SLTD_BINARY SLTD_BENCH_BINARY|none WORK_DIR
set -u
sltd=$1 bench=$2 work=$3
rm -rf "$work"; mkdir -p "$work"
. "$(dirname "$0")/cli_helpers.sh"

db=$work/db
printf 'state,number,type,status,reference\nUTO,L898902C3,P,stolen,UTO-0001\nD,C01X00T47,P,lost,DE-77\n' > "$work/feed.csv"
"$sltd" init --db "$db" >/dev/null 2>&1 && "$sltd" import --db "$db" "$work/feed.csv" >/dev/null 2>&1 ||
    { echo "FAIL: cannot make the test database"; exit 1; }

# ---- one parser: every error names the option ----
expect 2 "unknown option" -- "$sltd" init --db "$work/x" --frob;    contains "unknown option '--frob'" "named"
expect 2 "unknown option, screen" -- "$sltd" screen --db "$db" --frob "$work/feed.csv"; contains "unknown option '--frob'" "named in screen"
expect 2 "unknown option, pack" -- "$sltd" pack --frob;             contains "unknown option '--frob'" "named in pack"
expect 2 "unknown option, sync" -- "$sltd" sync --frob;             contains "unknown option '--frob'" "named in sync"
expect 2 "an option of another command" -- "$sltd" init --db "$work/x" --json
contains "'--json' does not apply to 'sltd init'" "which option, which command"
expect 2 "an option without its value" -- "$sltd" check --db;       contains "'--db' needs a value" "missing value named"
expect 2 "a flag with a value" -- "$sltd" check --db "$db" --json=yes UTO X1; contains "'--json' takes no value" "flag value"
expect 2 "an option given twice" -- "$sltd" check --db "$db" --db "$db" UTO X1; contains "'--db' is given twice" "twice"
expect 2 "--threads 0" -- "$sltd" screen --db "$db" --threads 0 "$work/feed.csv"; contains "'--threads' must be a whole number from 1 to 64" "range"
expect 2 "--threads 65" -- "$sltd" screen --db "$db" --threads 65 "$work/feed.csv"
expect 2 "--bits-per-key 3" -- "$sltd" init --db "$work/x" --bits-per-key 3; contains "from 4 to 64" "bits range"
expect 2 "--expires 3651" -- "$sltd" pack --key "$db.key" --sign x.sec --seq 1 --expires 3651 -o b "$work/feed.csv"
expect 2 "--retries 11" -- "$sltd" sync --db "$db" --trust x.pub --from x --retries 11
expect 2 "--seq 0" -- "$sltd" pack --key "$db.key" --sign x.sec --seq 0 -o b "$work/feed.csv"
expect 2 "--threads -1" -- "$sltd" screen --db "$db" --threads -1 "$work/feed.csv"
expect 1 "--threads=2, options after the arguments" -- "$sltd" screen "$work/feed.csv" --db "$db" --threads=2
expect 0 "init --help" -- "$sltd" init --help;                      lacks "%%" "no printf escape in the help"
for c in init import check stats verify repair screen mrz keygen pack apply publish sync certify revoke; do
    expect 0 "$c -h" -- "$sltd" $c -h;                              contains "usage: sltd $c" "$c -h"
    expect 0 "$c --version" -- "$sltd" $c --version;                contains "^sltd [0-9]" "$c --version"
done
expect 0 "sltd -V" -- "$sltd" -V;                                   contains "^sltd [0-9]" "-V"
if [ "$bench" != none ]; then # a build without the benchmark (-DSLTD_BUILD_BENCH=OFF) passes "none"
    expect 0 "sltd-bench --version" -- "$bench" --version;          contains "^sltd-bench [0-9]" "bench --version"
    expect 0 "sltd-bench -V" -- "$bench" -V;                        contains "^sltd-bench [0-9]" "bench -V"
    expect 2 "sltd-bench, unknown option" -- "$bench" --frob;       contains "frob" "bench names it"
fi

# ---- --quiet: no summary on stderr; errors still ----
expect 0 "import -q" -- "$sltd" import -q --db "$db" "$work/feed.csv"
ok test ! -s "$work/err"
expect 0 "sltd --quiet import" -- "$sltd" --quiet import --db "$db" "$work/feed.csv"
ok test ! -s "$work/err"
expect 1 "screen --quiet" -- "$sltd" screen --quiet --db "$db" "$work/feed.csv"
ok test ! -s "$work/err"
expect 3 "check -q, an error is still said" -- "$sltd" check -q --db "$work/none" UTO X1
ok test -s "$work/err"

# ---- SLTD_DB and SLTD_KEY; the flags win ----
expect 1 "SLTD_DB" -- env SLTD_DB="$db" "$sltd" check UTO L898902C3
expect 1 "SLTD_DB and SLTD_KEY" -- env SLTD_DB="$db" SLTD_KEY="$db.key" "$sltd" check UTO L898902C3
expect 1 "--db wins over SLTD_DB" -- env SLTD_DB="$work/none" "$sltd" check --db "$db" UTO L898902C3
expect 3 "SLTD_KEY names the key" -- env SLTD_DB="$db" SLTD_KEY="$work/none.key" "$sltd" check UTO L898902C3
expect 1 "--key wins over SLTD_KEY" -- env SLTD_KEY="$work/none.key" "$sltd" check --db "$db" --key "$db.key" UTO L898902C3
expect 2 "no --db, no SLTD_DB" -- env -u SLTD_DB "$sltd" check UTO L898902C3; contains "SLTD_DB" "the variable is named"

# ---- keygen on an existing key says what exists ----
expect 0 "keygen" -- "$sltd" keygen --out "$work/auth"
expect 2 "keygen again" -- "$sltd" keygen --out "$work/auth"; contains "auth.sec: already exists" "the key file named"
lacks "database" "not a database message"

# ---- sltd mrz - and check --mrz - read standard input ----
l1='P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<' l2='L898902C36UTO7408122F1204159ZE184226B<<<<<10'
printf '%s\n%s\n' "$l1" "$l2" > "$work/one.mrz"
expect 0 "mrz -" -- sh -c "'$sltd' mrz - < '$work/one.mrz'";       contains "result           valid" "parsed from stdin"
expect 1 "check --mrz -" -- sh -c "'$sltd' check --db '$db' --mrz - < '$work/one.mrz'"; contains "LISTED" "looked up from stdin"
expect 2 "check --mrz --json, nothing to look up: still an answer" -- "$sltd" check --db "$work/none" --json --mrz \
    'P<QQQERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<' 'L898902C37QQQ74O8122Q1204159ZE184226B<<<<<10'
contains '^{"verdict":"invalid","state":null,"number":null' "the answer shape" "$work/stdout"
expect 2 "check --type, bad: exit 2 whatever the database" -- "$sltd" check --db "$work/none" --json --type 1 UTO X1
contains '^{"verdict":"invalid","state":"UTO",.*"sequence":null' "an invalid answer, no database asked" "$work/stdout"
contains "--type: type character 1 is '1'" "the reason"
expect 1 "check --type, spelled loosely" -- "$sltd" check --db "$db" --type ' p<' UTO L898902C3
head -c 5000 /dev/zero | tr '\0' 'A' > "$work/big.mrz"
expect 2 "mrz -, too long" -- sh -c "'$sltd' mrz - < '$work/big.mrz'"; contains "more than 4096 bytes" "bounded"

# ---- a write error on any output is exit 3, with a message ----
expect 3 "check > /dev/full" -- sh -c "'$sltd' check --db '$db' UTO L898902C3 > /dev/full"; contains "cannot write" "said"
expect 3 "check (not listed) > /dev/full" -- sh -c "'$sltd' check --db '$db' UTO Q1 > /dev/full"
expect 3 "stats --json > /dev/full" -- sh -c "'$sltd' stats --db '$db' --json > /dev/full"; contains "cannot write" "stats said"
expect 3 "screen > /dev/full" -- sh -c "'$sltd' screen --db '$db' '$work/feed.csv' > /dev/full"
expect 3 "mrz --json > /dev/full" -- sh -c "'$sltd' mrz --json '$l1' '$l2' > /dev/full"
expect 3 "check --mrz --json > /dev/full" -- sh -c "'$sltd' check --db '$db' --json --mrz '$l1' '$l2' > /dev/full"
expect 3 "--help > /dev/full" -- sh -c "'$sltd' --help > /dev/full"
expect 3 "verify --json > /dev/full" -- sh -c "'$sltd' verify --db '$db' --json > /dev/full"

# ---- screen -o and --rejects: whole or not at all ----
printf 'state,number,seat\nUTO,L898902C3,1A\nZZZ,Q1,1B\nUTO,Q2,1C\n' > "$work/m.csv"
expect 1 "screen -o --rejects" -- "$sltd" screen --db "$db" -o "$work/hits.csv" --rejects "$work/rej.csv" "$work/m.csv"
contains "^2,listed,UTO,L898902C3" "the hit in -o" "$work/hits.csv"; lacks "ZZZ" "no reject among the hits" "$work/hits.csv"
contains "^3,invalid,ZZZ" "the reject in --rejects" "$work/rej.csv"; contains "m.csv:3: field 'state'" "reason" "$work/rej.csv"
lacks "L898902C3" "no hit among the rejects" "$work/rej.csv"
ok test "$(ls -a "$work" | grep -c '\.tmp\.')" -eq 0
echo old > "$work/keep.csv"
: > "$work/empty.csv"
expect 2 "a failed screening leaves -o as it was" -- "$sltd" screen --db "$db" -o "$work/keep.csv" "$work/empty.csv"
contains "keep.csv was not written" "-o named as not written"
ok test "$(cat "$work/keep.csv")" = old
ok test "$(ls -a "$work" | grep -c '\.tmp\.')" -eq 0
expect 3 "-o into a missing directory" -- "$sltd" screen --db "$db" -o "$work/nodir/out.csv" "$work/m.csv"
# -o naming something that is not a regular file (a FIFO, a device: /dev/stdout, /dev/full) is written
# to, as standard output is, never replaced by a file (as root, the rename would replace a device node)
rm -f "$work/outfifo" "$work/fromfifo"; mkfifo "$work/outfifo"
cat "$work/outfifo" > "$work/fromfifo" & catpid=$!
expect 1 "-o a FIFO" -- "$sltd" screen --db "$db" -o "$work/outfifo" "$work/m.csv"
ok test -p "$work/outfifo"
if [ -p "$work/outfifo" ]; then wait "$catpid"; else kill "$catpid"; wait "$catpid"; fi
contains "^2,listed,UTO,L898902C3" "the hit through the FIFO" "$work/fromfifo"
ok test "$(ls -a "$work" | grep -c '\.tmp\.')" -eq 0
rm -f "$work/full"
if mknod "$work/full" c 1 7 2>/dev/null; then # a /dev/full of our own (root only)
    expect 3 "-o a full device" -- "$sltd" screen --db "$db" -o "$work/full" "$work/m.csv"
    contains "cannot write" "said"; ok test -c "$work/full"
    ok test "$(ls -a "$work" | grep -c '\.tmp\.')" -eq 0
fi
expect 3 "-o a directory" -- "$sltd" screen --db "$db" -o "$work" "$work/m.csv"
expect 2 "-o and --rejects the same file" -- "$sltd" screen --db "$db" -o "$work/x.csv" --rejects "$work/x.csv" "$work/m.csv"
# the same file under other names, the audit log, the manifest itself: refused before anything is
# written (the audit log and the manifest keep their bytes and mode)
cp "$work/m.csv" "$work/m.keep"; ln -sf m.csv "$work/m.link"; ln -sf same.log "$work/log.link"
"$sltd" screen --db "$db" -q --audit "$work/same.log" "$work/m.csv" >/dev/null
cp "$work/same.log" "$work/same.keep"
expect 2 "-o and --rejects, one file by two names" -- "$sltd" screen --db "$db" -o "$work/./y.csv" --rejects "$work/y.csv" "$work/m.csv"
contains "-o and --rejects name the same file" "said"; ok test ! -e "$work/y.csv"
expect 2 "-o over the audit log" -- "$sltd" screen --db "$db" --audit "$work/same.log" -o "$work/same.log" "$work/m.csv"
contains "-o and --audit name the same file" "said"
expect 2 "--rejects over the audit log (a link to it)" -- "$sltd" screen --db "$db" --audit "$work/same.log" --rejects "$work/log.link" "$work/m.csv"
contains "--rejects and --audit name the same file" "said"
expect 2 "-o over the manifest" -- "$sltd" screen --db "$db" -o "$work/m.csv" "$work/m.csv"
contains "-o names the manifest being screened" "said"
expect 2 "-o over the manifest (through a link)" -- "$sltd" screen --db "$db" -o "$work/m.link" "$work/m.csv"
ok cmp "$work/m.csv" "$work/m.keep"; ok cmp "$work/same.log" "$work/same.keep"
ok test "$(stat -c %a "$work/same.log")" = 600
expect 1 "-o and --rejects both /dev/null" -- "$sltd" screen --db "$db" -o /dev/null --rejects /dev/null "$work/m.csv"
# SIGTERM mid-screening (the manifest still open on a FIFO): no output file, no temporary file, the
# program ends by the signal
rm -f "$work/fifo"; mkfifo "$work/fifo"
"$sltd" screen --db "$db" -o "$work/sig.csv" --rejects "$work/sigrej.csv" "$work/fifo" 2>"$work/err" &
pid=$!
exec 3>"$work/fifo"
printf 'state,number\nUTO,L898902C3\n' >&3
sleep 1
kill -TERM "$pid"; wait "$pid"; got=$?
exec 3>&-
ok test "$got" -eq 143
ok test ! -e "$work/sig.csv"
ok test ! -e "$work/sigrej.csv"
ok test "$(ls -a "$work" | grep -c '\.tmp\.')" -eq 0
contains "interrupted" "said" "$work/err"
# SIGPIPE: the reader of standard output goes away (| head) while --rejects is being written
awk 'BEGIN { print "state,number"; for (i = 0; i < 20000; i++) printf "UTO,Q%06d\nZZZ,Q%06d\n", i, i }' > "$work/many.csv"
"$sltd" screen --db "$db" --all --rejects "$work/piperej.csv" "$work/many.csv" 2>/dev/null | head -c 100 >/dev/null
ok test ! -e "$work/piperej.csv"
ok test "$(ls -a "$work" | grep -c '\.tmp\.')" -eq 0

# -o and --rejects commit together: both written and synced before either is renamed, so a failure
# writing one leaves both targets as they were (ulimit -f: a file-size limit makes one of them fail)
awk 'BEGIN { print "state,number,seat"; for (i = 0; i < 20; i++) printf "UTO,Q%04d,1A\nZZZ,Q%04d,1B\n", i, i }' > "$work/few.csv"
awk 'BEGIN { print "state,number"; for (i = 0; i < 40; i++) printf "UTO,Q%04d\n", i; print "ZZZ,Q1" }' > "$work/clear.csv"
keep_both() { printf 'old A\n' > "$work/keepA.csv"; printf 'old B\n' > "$work/keepB.csv"; }
both_kept() {
    ok test "$(cat "$work/keepA.csv")" = "old A"; ok test "$(cat "$work/keepB.csv")" = "old B"
    ok test "$(ls -a "$work" | grep -c '\.tmp\.')" -eq 0
}
# run a command with files limited to one block; its stderr goes through a pipe (not limited) so that
# its messages are seen whole
limited() {
    sh -c '{ trap "" XFSZ; ulimit -f 1; "$@"; echo $? > "$0"; } 2>&1 >/dev/null | cat >&2; exit "$(cat "$0")"' \
        "$work/limited.rc" "$@"
}
keep_both
expect 3 "--rejects fails, -o fine: neither replaced" -- limited "$sltd" screen --db "$db" -o "$work/keepA.csv" \
    --rejects "$work/keepB.csv" "$work/few.csv"
contains "cannot write" "said"; contains "keepA.csv was not written" "-o named as not written"
both_kept
keep_both
expect 3 "-o fails, --rejects fine: neither replaced" -- limited "$sltd" screen --db "$db" --all -o "$work/keepA.csv" \
    --rejects "$work/keepB.csv" "$work/clear.csv"
contains "keepB.csv was not written" "--rejects named as not written"
both_kept
# the same when the write fails mid-screening (more rows than a stdio buffer holds): the screening
# stops, the failed write is named, and neither target changes
awk 'BEGIN { print "state,number,seat"; for (i = 0; i < 400; i++) printf "UTO,Q%04d,1A\nZZZ,Q%04d,1B\n", i, i }' > "$work/lots.csv"
keep_both
expect 3 "--rejects fails mid-screening: neither replaced" -- limited "$sltd" screen --db "$db" --all \
    -o "$work/keepA.csv" --rejects "$work/keepB.csv" "$work/lots.csv"
contains "cannot write .*keepB.csv: File too large" "said"; contains "keepA.csv was not written" "-o named"
lacks "SLTD_EIO" "no library code for a write error"
both_kept
if [ -c /dev/full ]; then
    keep_both
    expect 3 "standard output fails mid-screening: --rejects not replaced" -- sh -c \
        "'$sltd' screen --db '$db' --all --rejects '$work/keepB.csv' '$work/lots.csv' > /dev/full"
    contains "cannot write to standard output" "said"; contains "keepB.csv was not written" "--rejects named"
    ok test "$(cat "$work/keepB.csv")" = "old B"; ok test "$(ls -a "$work" | grep -c '\.tmp\.')" -eq 0
fi
# exit 2 because of invalid rows is a finished screening: both outputs are written (the rejects are the point)
printf 'state,number\nZZZ,Q1\nQQQ,Q2\n' > "$work/allbad.csv"
keep_both
expect 2 "only invalid rows: exit 2, outputs written" -- "$sltd" screen --db "$db" -o "$work/keepA.csv" \
    --rejects "$work/keepB.csv" "$work/allbad.csv"
contains "^line,verdict," "-o holds the header" "$work/keepA.csv"; lacks "old A" "-o replaced" "$work/keepA.csv"
contains "^3,invalid,QQQ" "the rejects written" "$work/keepB.csv"
ok test "$(ls -a "$work" | grep -c '\.tmp\.')" -eq 0
# -o naming a symbolic link writes through it: the file it names is replaced (the temporary file beside
# that file, in its directory), the link stays a link; a link to nothing is refused, exit 3
mkdir -p "$work/elsewhere"; printf 'old\n' > "$work/elsewhere/real.csv"
rm -f "$work/link.csv" "$work/dangling.csv"; ln -s elsewhere/real.csv "$work/link.csv"; ln -s nowhere.csv "$work/dangling.csv"
expect 1 "-o a symbolic link" -- "$sltd" screen --db "$db" -o "$work/link.csv" "$work/m.csv"
ok test -L "$work/link.csv"; contains "^2,listed,UTO,L898902C3" "written through the link" "$work/elsewhere/real.csv"
ok test "$(ls -a "$work" "$work/elsewhere" | grep -c '\.tmp\.')" -eq 0
expect 3 "-o a dangling symbolic link" -- "$sltd" screen --db "$db" -o "$work/dangling.csv" "$work/m.csv"
contains "dangling.csv: a symbolic link to a file that cannot be reached" "said"
ok test -L "$work/dangling.csv"; ok test ! -e "$work/nowhere.csv"

# sltd pack -o (the library's atomic write): a device is written to, never replaced by a file (a write
# error on it is exit 3, no temporary file); a symbolic link is written through; a link to nothing refused
"$sltd" keygen --out "$work/pk" >/dev/null 2>&1 || echo "FAIL: keygen for pack"
rm -f "$work/pfull"
if mknod "$work/pfull" c 1 7 2>/dev/null; then # a /dev/full of our own (root only)
    expect 3 "pack -o a full device" -- "$sltd" pack --key "$db.key" --sign "$work/pk.sec" --seq 1 -o "$work/pfull" "$work/feed.csv"
    contains "pfull: cannot write" "said"; ok test -c "$work/pfull"
    ok test "$(ls -a "$work" | grep -c '^pfull\.')" -eq 0
fi
rm -f "$work/pnull"
if mknod "$work/pnull" c 1 3 2>/dev/null; then # a /dev/null of our own
    expect 0 "pack -o a null device" -- "$sltd" pack --key "$db.key" --sign "$work/pk.sec" --seq 1 -o "$work/pnull" "$work/feed.csv"
    ok test -c "$work/pnull"
fi
printf 'old\n' > "$work/elsewhere/real.sltd"; rm -f "$work/b.sltd"; ln -s elsewhere/real.sltd "$work/b.sltd"
expect 0 "pack -o a symbolic link" -- "$sltd" pack --key "$db.key" --sign "$work/pk.sec" --seq 1 -o "$work/b.sltd" "$work/feed.csv"
ok test -L "$work/b.sltd"; ok test "$(wc -c < "$work/elsewhere/real.sltd")" -gt 100
expect 3 "pack -o a dangling symbolic link" -- "$sltd" pack --key "$db.key" --sign "$work/pk.sec" --seq 1 -o "$work/dangling.csv" "$work/feed.csv"
ok test -L "$work/dangling.csv"; ok test ! -e "$work/nowhere.csv"

# ---- errors a person can act on: every error of a row, and the flag that accepts the input ----
printf 'state,number,status,colour\nUTO,Q1,stolen,red\n' > "$work/unknown.csv"
expect 2 "unknown feed column" -- "$sltd" import --db "$db" "$work/unknown.csv"; contains "--ignore-unknown" "the flag named"
expect 0 "and the flag accepts it" -- "$sltd" import --db "$db" --ignore-unknown "$work/unknown.csv"
printf 'state,number,status\nZZZ,A_1,found\nUTO,Q2,lost\n' > "$work/bad.csv"
expect 2 "a row with three errors" -- "$sltd" import --db "$db" "$work/bad.csv"
contains "bad.csv:2: field 'state'" "first error"; contains "bad.csv:2: field 'number'" "second error"
contains "bad.csv:2: field 'status'" "third error"; contains "skip-invalid imports the valid rows" "the flag named"
printf '%s\n%s\n' "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<" "L898902C36UTO7408122F1204159ZE184226B<<<<<10" > "$work/scan.txt"
expect 2 "an MRZ file read as CSV" -- "$sltd" screen --db "$db" "$work/scan.txt"; contains "format mrz" "the flag named"
expect 1 "and the flag reads it" -- "$sltd" screen --db "$db" --format mrz "$work/scan.txt"

# the library's detail reaches the operator: the ICAO code that was probably meant
expect 2 "check, a state code ICAO 9303 does not use" -- "$sltd" check --db "$db" DEU L2RNTZ576
contains "Germany is D" "the hint"; lacks "L2RNTZ576" "the number not repeated"
expect 2 "check --json, the same" -- "$sltd" check --db "$db" --json GER L2RNTZ576
contains '"verdict":"invalid".*Germany is D' "the hint in the answer" "$work/stdout"
printf 'state,number\nDEU,Q3\n' > "$work/de.csv"
expect 2 "screen, the same" -- "$sltd" screen --db "$db" "$work/de.csv"; contains "de.csv:2: field 'state'.*Germany is D" "in screen"

# ---- sltd repair: the filter after an interruption; stats names it ----
expect 0 "stats, filter ok" -- "$sltd" stats --db "$db";           contains "^filter  *[0-9]" "filter in use"
printf 'damaged' > "$db/sltd.filter"
expect 0 "stats, damaged filter" -- "$sltd" stats --db "$db";      contains "BYPASS" "bypass"
contains "sltd repair --db" "stats names the command"
expect 0 "stats --json, damaged filter" -- "$sltd" stats --db "$db" --json; contains '"repair":"sltd repair --db DIR"' "json names it"
expect 1 "still found while bypassed" -- "$sltd" check --db "$db" UTO L898902C3
expect 0 "repair" -- "$sltd" repair --db "$db";                    contains "filter is in use" "repair says so"
expect 0 "stats after repair" -- "$sltd" stats --db "$db";         lacks "BYPASS" "filter in use again"
expect 1 "found after repair" -- "$sltd" check --db "$db" UTO L898902C3
expect 0 "verify after repair" -- "$sltd" verify --db "$db";       contains "covers every document" "filter complete"
expect 3 "repair, no database" -- "$sltd" repair --db "$work/none"

echo "cli_contracts: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
