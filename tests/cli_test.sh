#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# CLI tests: every command, its --help, and each exit status, against real databases.
#   cli_test.sh SLTD_BINARY DATA_DIR WORK_DIR
# Steps share a shape on purpose (write an input, expect an exit status, look for a message): each
# its own input and message.
set -u
sltd=$1 data=$2 work=$3
rm -rf "$work"; mkdir -p "$work"
. "$(dirname "$0")/cli_helpers.sh"

db=$work/db
cat > "$work/feed.csv" <<'CSV'
state,number,type,status,reported,reporting_state,reference
UTO,L898902C3,P,stolen,2023-04-01,UTO,UTO-0001
D,C01X00T47,P,lost,2022-12-24,D,DE-LOST-77
XXA,AB-123 456,ID,revoked,2024-01-31,,
CSV
printf 'state,number\nUTO,OK1\nQQQ,X1\nUTO,A.B\n' > "$work/bad.csv"

expect 0 "sltd --help" -- "$sltd" --help;                 contains "usage: sltd" "main help"
expect 2 "sltd (no command)" -- "$sltd"
expect 2 "unknown command" -- "$sltd" frobnicate
expect 0 "--version" -- "$sltd" --version;                contains "sltd 0." "version"
for c in init import check stats verify screen mrz; do
    expect 0 "$c --help" -- "$sltd" $c --help;            contains "usage: sltd $c" "$c help"
done

expect 2 "init without --db" -- "$sltd" init
expect 2 "init, bad option" -- "$sltd" init --db "$db" --frob
expect 0 "init" -- "$sltd" init --db "$db"
[ "$(stat -c %a "$db.key")" = 600 ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: key mode is not 600"; }
expect 2 "init over an existing database" -- "$sltd" init --db "$db"
contains "already exists" "init twice"

expect 0 "import" -- "$sltd" import --db "$db" "$work/feed.csv"; contains "3 added" "import counts"
expect 2 "import of a bad feed" -- "$sltd" import --db "$db" "$work/bad.csv"
contains "bad.csv:3: field 'state'" "bad feed names line and field"
contains "bad.csv:4: field 'number'" "bad feed names the second bad line"
expect 0 "import --skip-invalid" -- "$sltd" import --db "$db" --skip-invalid "$work/bad.csv"
contains "invalid rows skipped" "skip-invalid warning"; contains "1 added" "skip-invalid imported the valid row"
expect 1 "the valid row of the bad feed" -- "$sltd" check --db "$db" UTO OK1
printf 'state,number,action\nUTO,OK1,remove\n' > "$work/rm.csv"
expect 0 "remove it again" -- "$sltd" import --db "$db" "$work/rm.csv"
expect 2 "import of a missing feed" -- "$sltd" import --db "$db" "$work/nope.csv"
expect 0 "import from stdin" -- sh -c "printf 'state,number\nUTO,STDIN1\n' | '$sltd' import --db '$db' -"

expect 1 "check a listed document" -- "$sltd" check --db "$db" UTO L898902C3
contains "LISTED stolen" "check output"; contains "UTO-0001" "check reference"
expect 1 "check, normalised input" -- "$sltd" check --db "$db" 'd<<' 'c01x 00t47'
expect 1 "check, stdin import" -- "$sltd" check --db "$db" UTO STDIN1
expect 1 "check, --type family" -- "$sltd" check --db "$db" XXA AB123456 --type I
expect 0 "check, other family" -- "$sltd" check --db "$db" XXA AB123456 --type P
expect 0 "check an unlisted document" -- "$sltd" check --db "$db" UTO X0000000; contains "not listed" "miss output"
expect 0 "bad row not imported" -- "$sltd" check --db "$db" UTO OK1
expect 1 "check --json" -- "$sltd" check --db "$db" --json UTO L898902C3; contains '"verdict":"listed"' "json"
expect 2 "check, bad state" -- "$sltd" check --db "$db" ZZZ 123
expect 2 "check, bad number" -- "$sltd" check --db "$db" UTO 'A_1'
expect 2 "check, missing args" -- "$sltd" check --db "$db" UTO
expect 3 "check, no database" -- "$sltd" check --db "$work/none" UTO 123
chmod 644 "$db.key"
expect 3 "check, key readable by others" -- "$sltd" check --db "$db" UTO 123; contains "chmod 600" "key perms message"
chmod 600 "$db.key"
"$sltd" init --db "$work/other" >/dev/null 2>&1
expect 3 "check, wrong key" -- "$sltd" check --db "$db" --key "$work/other.key" UTO L898902C3
contains "does not belong" "wrong key message"

expect 0 "stats" -- "$sltd" stats --db "$db"; contains "records         4 listings of 4 documents" "stats records"
expect 0 "stats --json" -- "$sltd" stats --db "$db" --json; contains '"records":4' "stats json"
contains '"state":"ok"' "filter state"

# MRZ lookups: the ICAO 9303 TD3 specimen (its number is listed above), then read with an OCR confusion
l1='P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<'
expect 1 "check --mrz, listed" -- "$sltd" check --db "$db" --mrz "$l1" 'L898902C36UTO7408122F1204159ZE184226B<<<<<10'
contains "L898902C3" "mrz check output"
expect 0 "check --mrz, not listed" -- "$sltd" check --db "$db" --mrz "$l1" 'L898902D39UTO7408122F1204159ZE184226B<<<<<14'
expect 2 "check --mrz, OCR misread fails its check digit" -- "$sltd" check --db "$db" --mrz "$l1" 'L8989O2C36UTO7408122F1204159ZE184226B<<<<<10'
expect 1 "check --mrz --ocr-variants finds the variant" -- "$sltd" check --db "$db" --ocr-variants --mrz "$l1" 'L8989O2C36UTO7408122F1204159ZE184226B<<<<<10'
contains "VARIANT MATCH" "variant reported as such"
expect 2 "check --mrz, malformed" -- "$sltd" check --db "$db" --mrz "$l1" 'L898902C36UTO'
expect 2 "check --ocr-variants without --mrz" -- "$sltd" check --db "$db" --ocr-variants UTO L898902C3

expect 0 "verify" -- "$sltd" verify --db "$db"; contains "OK: 4 records of 4 documents" "verify output"
expect 0 "verify --json" -- "$sltd" verify --db "$db" --json; contains '"ok":true' "verify json"
expect 3 "verify, no database" -- "$sltd" verify --db "$work/none"

# screen
printf 'name,state,number,flight\nAnna,UTO,L898902C3,X1\nBob,UTO,Q1234567,X1\n"Carl, Jr",d,c01x00t47,X2\n' > "$work/m.csv"
expect 1 "screen with hits" -- "$sltd" screen --db "$db" "$work/m.csv"
contains "^2,listed,UTO,L898902C3,,stolen" "screen hit line"; contains '"Carl, Jr"' "pass-through quoting"
contains "3 documents, 2 hits, 0 invalid" "screen summary"
expect 1 "screen --json" -- "$sltd" screen --db "$db" --json "$work/m.csv"; contains '"verdict":"listed"' "json hit"
expect 1 "screen --all" -- "$sltd" screen --db "$db" --all "$work/m.csv"; contains "^3,clear,UTO,Q1234567" "all rows"
expect 1 "screen from stdin" -- sh -c "'$sltd' screen --db '$db' - < '$work/m.csv'"
printf 'state,number\nUTO,Q1\nZZZ,Q2\nUTO,Q3,extra\n' > "$work/m2.csv"
expect 2 "screen, invalid rows, no hit" -- "$sltd" screen --db "$db" "$work/m2.csv"
contains "m2.csv:3: field 'state'" "invalid row named"; contains "m2.csv:4: 3 fields" "field count"
printf 'name,flight\nA,B\n' > "$work/m3.csv"
expect 2 "screen, no state/number columns" -- "$sltd" screen --db "$db" "$work/m3.csv"
: > "$work/empty.csv"
expect 2 "screen, empty file" -- "$sltd" screen --db "$db" "$work/empty.csv"
expect 2 "screen, missing file" -- "$sltd" screen --db "$db" "$work/nope.csv"
printf 'state,number\nUTO,Q1\n' > "$work/m4.csv"
expect 0 "screen, all clear" -- "$sltd" screen --db "$db" "$work/m4.csv"
expect 3 "screen, no database" -- "$sltd" screen --db "$work/none" "$work/m4.csv"

# screen: MRZ text and JSON Lines, stdin, threads, audit log, malformed manifests
l2ok='L898902C36UTO7408122F1204159ZE184226B<<<<<10' l2clear='L898902D39UTO7408122F1204159ZE184226B<<<<<14'
l2ocr='L8989O2C36UTO7408122F1204159ZE184226B<<<<<10'
printf '%s\n%s\n\n%s\n%s\n' "$l1" "$l2ok" "$l1" "$l2clear" > "$work/m.mrz"
expect 1 "screen MRZ text" -- "$sltd" screen --db "$db" "$work/m.mrz"; contains "^1,listed,UTO,L898902C3,,stolen" "mrz hit line"
contains "2 documents, 1 hits, 0 invalid" "mrz summary"
printf '%s\n%s\n' "$l1" "$l2clear" > "$work/clear.mrz"
expect 0 "screen MRZ, all clear" -- "$sltd" screen --db "$db" "$work/clear.mrz"
printf '%s\n%s\n%s\n%s\n' "$l1" "$l2clear" "$l1" "$l2ocr" > "$work/ocr.mrz"
expect 2 "screen MRZ, check digit fails closed" -- "$sltd" screen --db "$db" "$work/ocr.mrz"
contains "ocr.mrz:4: mrz: the document number check digit is wrong" "check digit named"
expect 1 "screen MRZ --ocr-variants" -- "$sltd" screen --db "$db" --ocr-variants "$work/ocr.mrz"
contains "^3,variant,UTO,L8989O2C3,L898902C3,stolen" "variant column"
expect 1 "screen MRZ from stdin" -- sh -c "'$sltd' screen --db '$db' --format mrz - < '$work/m.mrz'"
expect 0 "screen MRZ from stdin, --format=mrz" -- sh -c "'$sltd' screen --db '$db' --format=mrz - < '$work/clear.mrz'"
printf '{"state":"UTO","number":"L898902C3","seat":"1A"}\n{"mrz":["%s","%s"]}\n{"state":"UTO"}\n' "$l1" "$l2clear" > "$work/m.jsonl"
expect 1 "screen JSON Lines" -- "$sltd" screen --db "$db" --json --all "$work/m.jsonl"
contains '"line":1,"verdict":"listed"' "jsonl hit"; contains '"seat":"1A"' "jsonl pass-through"
contains '"line":2,"verdict":"clear","state":"UTO","number":"L898902D3"' "jsonl mrz member"
contains "m.jsonl:3: field 'number': missing" "jsonl invalid row"
expect 1 "screen JSON Lines from stdin" -- sh -c "'$sltd' screen --db '$db' --format jsonl - < '$work/m.jsonl'"
printf 'not json\n' > "$work/bad.jsonl"
expect 2 "screen JSON Lines, invalid only" -- "$sltd" screen --db "$db" "$work/bad.jsonl"; contains "bad.jsonl:1: invalid JSON" "json error"
expect 2 "screen, bad --format" -- "$sltd" screen --db "$db" --format xml "$work/m.csv"
expect 2 "screen, bad --threads" -- "$sltd" screen --db "$db" --threads x "$work/m.csv"
expect 2 "screen, --audit-numbers without --audit" -- "$sltd" screen --db "$db" --audit-numbers "$work/m.csv"
# many chunks: the same output, in input order, on 1, 2 and 4 threads
awk 'BEGIN { print "seq,state,number"; for (i = 0; i < 20000; i++) { n = (i % 1999 == 7) ? "L898902C3" : sprintf("Q%07d", i); s = (i % 3001 == 11) ? "ZZZ" : "UTO"; printf "%d,%s,%s\n", i, s, n } }' > "$work/big.csv"
for t in 1 2 4; do
    expect 1 "screen --threads $t" -- "$sltd" screen --db "$db" --threads "$t" -o "$work/big.$t.out" "$work/big.csv"
    contains "19993 documents, 11 hits, 7 invalid" "threads $t summary"
done
if cmp -s "$work/big.1.out" "$work/big.2.out" && cmp -s "$work/big.1.out" "$work/big.4.out" &&
   [ "$(wc -l < "$work/big.1.out")" -eq 12 ]; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL: screen output differs between thread counts"; fi
if [ "$(tail -n +2 "$work/big.4.out" | cut -d, -f1 | sort -n | tr '\n' ' ')" = "$(tail -n +2 "$work/big.4.out" | cut -d, -f1 | tr '\n' ' ')" ]; then
    pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: hits not in input order"; fi
expect 1 "screen --audit" -- "$sltd" screen --db "$db" --audit "$work/audit.log" "$work/m.csv"
[ "$(stat -c %a "$work/audit.log")" = 600 ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: audit log mode is not 600"; }
[ "$(wc -l < "$work/audit.log")" -eq 2 ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: audit log: one line per hit"; cat "$work/audit.log"; }
cp "$work/audit.log" "$work/out"; contains '"input":"[^"]*m.csv:2"' "audit input reference"; contains '"reference":"UTO-0001"' "audit reference"
contains '"status":"stolen"' "audit status"; contains '"sequence":' "audit data sequence"; contains '"time":"20' "audit time"
if grep -q -i -e L898902C3 -e C01X00T47 "$work/audit.log"; then fail=$((fail + 1)); echo "FAIL: plaintext number in the audit log"; else pass=$((pass + 1)); fi
expect 1 "screen --audit --audit-numbers" -- "$sltd" screen --db "$db" --audit "$work/audit2.log" --audit-numbers "$work/m.csv"
cp "$work/audit2.log" "$work/out"; contains '"number":"L898902C3"' "audit numbers when asked"
expect 3 "screen --audit, unwritable" -- "$sltd" screen --db "$db" --audit "$work/nodir/audit.log" "$work/m.csv"
printf 'state,number\nUTO,"Q1"x\nUTO,Q2"\n' > "$work/q.csv"
expect 2 "screen, bad quoting" -- "$sltd" screen --db "$db" "$work/q.csv"; contains "q.csv:2: invalid quoting" "quoting error named"
contains "q.csv:3: invalid quoting" "second quoting error"
{ printf 'state,number\n'; head -c 20000 /dev/urandom; printf '\nUTO,Q1\n'; } > "$work/junk.csv"
expect 2 "screen, binary junk" -- "$sltd" screen --db "$db" "$work/junk.csv"
{ printf 'state,number\nUTO,'; head -c 10000 /dev/zero | tr '\0' 'A'; printf '\n'; } > "$work/long.csv"
expect 2 "screen, very long field" -- "$sltd" screen --db "$db" "$work/long.csv"; contains "long.csv:2: field 2 is longer than 4096 bytes" "long field named"
expect 2 "screen, missing MRZ file" -- "$sltd" screen --db "$db" "$work/nope.mrz"

# Input edges that must never hide a listing (each of these once did)
edb=$work/edges
expect 0 "init edges db" -- "$sltd" init --db "$edb"
printf 'state,number\nUSA,A1000001\nUSA,A1000002\nUTO,L898902C3\n' > "$work/edges.csv"
expect 0 "import edges listings" -- "$sltd" import --db "$edb" "$work/edges.csv"
# a CR-only feed with a quoting error: --skip-invalid skips that row only, lines are exact
printf 'state,number\rUSA,B1\rUSA,B"2\rUSA,B3\rUSA,B4\rUSA,B5\r' > "$work/cr.csv"
expect 0 "CR-only feed, --skip-invalid" -- "$sltd" import --db "$edb" --skip-invalid "$work/cr.csv"
contains "cr.csv:3: invalid quoting" "the error's own line"; contains "5 rows: 4 added" "the rows after it are read"
expect 1 "a row after the quoting error is listed" -- "$sltd" check --db "$edb" USA B4
expect 2 "CR-only feed without --skip-invalid: refused" -- "$sltd" import --db "$edb" "$work/cr.csv"
# the same in a CR-only manifest
printf 'state,number\rUSA,X"1\rUSA,A1000001\rUSA,A1000002\r' > "$work/cr-m.csv"
expect 1 "CR-only manifest after a quoting error" -- "$sltd" screen --db "$edb" "$work/cr-m.csv"
contains "2 documents, 2 hits, 1 invalid" "both listed documents found"; contains "cr-m.csv:2: invalid quoting" "line 2"
contains "^4,listed,USA,A1000002" "exact line of the second hit"
# manifests that could be read two ways are refused, or checked both ways
printf 'state,number,number\nUSA,A1000001,Q9\n' > "$work/dup.csv"
expect 2 "two number columns" -- "$sltd" screen --db "$edb" "$work/dup.csv"
contains "dup.csv:1: duplicate column 'number' (columns 2 and 3)" "columns named"
printf 'state,issuing_state,number\nUSA,USA,A1000001\n' > "$work/dup2.csv"
expect 2 "state and issuing_state" -- "$sltd" screen --db "$edb" "$work/dup2.csv"
contains "both name the issuing state" "two names for one role"
l1='P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<' l2='L898902C36UTO7408122F1204159ZE184226B<<<<<10'
l2c='L898902D39UTO7408122F1204159ZE184226B<<<<<14'
printf '{"mrz":"%s\\n%s","state":"USA","number":"A1000001"}\n' "$l1" "$l2c" > "$work/both.jsonl"
expect 1 "JSON Lines: listed fields beside a clear MRZ" -- "$sltd" screen --db "$edb" "$work/both.jsonl"
contains "both.jsonl:1: the MRZ and the fields 'state'/'number' name different documents" "difference reported"
printf '{"mrz":"%s\\n%s","state":"USA","number":"Q9"}\n' "$l1" "$l2c" > "$work/both2.jsonl"
expect 2 "JSON Lines: two clear identities that differ are not clear" -- "$sltd" screen --db "$edb" "$work/both2.jsonl"
# a CSV manifest's mrz column is a key too (it was passed through: a listed MRZ beside clear fields was clear)
printf 'name,mrz,state,number\nx,"%s\n%s",UTO,ZZ1234567\n' "$l1" "$l2" > "$work/mrzcol.csv"
expect 1 "CSV: a listed MRZ beside clear fields" -- "$sltd" screen --db "$db" "$work/mrzcol.csv"
contains "^2,listed,UTO,L898902C3," "the MRZ's hit, at its line"
printf 'mrz\n"%s\n%s"\n' "$l1" "$l2c" > "$work/mrzonly.csv"
expect 0 "CSV of MRZs only, clear" -- "$sltd" screen --db "$db" "$work/mrzonly.csv"
printf 'mrz,name\r\n"%s\r\n\r\n%s",x\r\n' "$l1" "L898902C36UTO7408122F1204159ZE184226B<<<<<11" > "$work/mrzbad.csv"
expect 2 "CSV: an MRZ cell whose check digit fails is not clear" -- "$sltd" screen --db "$db" "$work/mrzbad.csv"
contains "mrzbad.csv:4: mrz: the composite check digit is wrong" "the MRZ line's own line"
# an orphan MRZ line costs only itself
printf '%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n' "$l1" "$l1" "$l2" "$l1" "$l2" "$l1" "$l2" "$l1" "$l2" > "$work/orphan.mrz"
expect 1 "orphan MRZ line" -- "$sltd" screen --db "$edb" "$work/orphan.mrz"
contains "4 documents, 4 hits, 1 invalid" "the four documents after it are found"
# no plaintext document number in a message
printf 'state,number\nUSA,SECRETY123.\n' > "$work/secret.csv"
expect 2 "bad number, message" -- "$sltd" import --db "$edb" "$work/secret.csv"
contains "secret.csv:2: field 'number': character 11 is '.'" "what is wrong, where"
printf 'state,number_from,number_to\nUSA,A0000000,A1000000\n' > "$work/range.csv"
expect 2 "range too large, message" -- "$sltd" import --db "$edb" "$work/range.csv"
contains "the range holds 1000001 numbers" "range message"
expect 2 "check, bad number argument" -- "$sltd" check --db "$edb" USA SECRETY123.
if grep -q -e SECRETY123 -e A0000000 -e A1000000 "$work/out"; then fail=$((fail + 1)); echo "FAIL: a document number in a message"; else pass=$((pass + 1)); fi
for f in secret range; do "$sltd" import --db "$edb" "$work/$f.csv" > "$work/out" 2>&1
    if grep -q -e SECRETY123 -e A0000000 -e A1000000 "$work/out"; then fail=$((fail + 1)); echo "FAIL: a document number in the $f message"; else pass=$((pass + 1)); fi
done
# exit statuses: a directory is bad input; one table for every command
mkdir -p "$work/adir"
expect 2 "import of a directory" -- "$sltd" import --db "$edb" "$work/adir"; contains "is a directory" "directory named"
expect 2 "screen of a directory" -- "$sltd" screen --db "$edb" "$work/adir"
# the audit log: never through a symbolic link, never readable by others
: > "$work/target.log"; chmod 600 "$work/target.log"; ln -sf "$work/target.log" "$work/link.log"
expect 3 "audit log behind a symbolic link" -- "$sltd" screen --db "$edb" --audit "$work/link.log" "$work/edges.csv"
contains "symbolic link" "link refused"
[ ! -s "$work/target.log" ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: the audit log went through a link"; }
: > "$work/open.log"; chmod 644 "$work/open.log"
expect 3 "audit log readable by others" -- "$sltd" screen --db "$edb" --audit "$work/open.log" --audit-numbers "$work/edges.csv"
contains "mode 644" "mode named"
[ ! -s "$work/open.log" ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: hits written to a world-readable audit log"; }
chmod 600 "$work/open.log"
expect 1 "audit log of ours, mode 600" -- "$sltd" screen --db "$edb" --audit "$work/open.log" "$work/edges.csv"

# MRZs as documents are printed: the national check-digit variant (named, switched off by --strict),
# fields that break ICAO 9303 (a listed number is still a hit, an unlisted one is never clear)
mdb=$work/mrzdb
expect 0 "init for the MRZ tests" -- "$sltd" init --db "$mdb"
printf 'state,number,type\nBEL,000590240601,ID\nUTO,L898902C3,P\n' > "$work/mrz.csv"
expect 0 "import for the MRZ tests" -- "$sltd" import --db "$mdb" "$work/mrz.csv"
b1='IDBEL000590240<6013<<<<<<<<<<<' b2='8512017F1311048BEL851201002007' b3='REINARTZ<<ULRIKE<KATIA<E<<<<<<'
expect 0 "mrz, Belgian filler-included rule" -- "$sltd" mrz "$b1" "$b2" "$b3"
contains "national variant filler_included (ICAO 9303 gives '1')" "variant named in the text output"
expect 0 "mrz --json, the rule" -- "$sltd" mrz --json "$b1" "$b2" "$b3"
contains '"number_rule":"filler_included"' "rule in JSON"; contains '"icao_expected":"1"' "ICAO digit in JSON"
contains '"number":"000590240601"' "number without the filler"
expect 2 "mrz --strict refuses the variant" -- "$sltd" mrz --strict "$b1" "$b2" "$b3"; contains "BAD (expected '1')" "strict evidence"
expect 1 "check --mrz, Belgian card listed" -- "$sltd" check --db "$mdb" --mrz "$b1" "$b2" "$b3"
contains "BEL 000590240601: LISTED" "looked up by the printed number"
expect 2 "check --mrz --strict" -- "$sltd" check --db "$mdb" --strict --mrz "$b1" "$b2" "$b3"
expect 2 "check --strict without --mrz" -- "$sltd" check --db "$mdb" --strict BEL 000590240601
d41ok='L898902C36UTO8809416F1204159ZE184226B<<<<<18' d41no='L898902D39UTO8809416F1204159ZE184226B<<<<<12'
expect 2 "mrz, a day that does not exist" -- "$sltd" mrz "$l1" "$d41ok"
contains "line 2, position 18: date of birth: that day does not exist" "field and position named"
expect 1 "check --mrz, invalid document but listed number" -- "$sltd" check --db "$mdb" --mrz "$l1" "$d41ok"
contains "LISTED (and the document is INVALID" "listed and invalid"
expect 2 "check --mrz, invalid document, number not listed" -- "$sltd" check --db "$mdb" --mrz "$l1" "$d41no"
contains "not listed, but the document is INVALID" "never clear"
expect 2 "check --mrz --json, invalid document" -- "$sltd" check --db "$mdb" --json --mrz "$l1" "$d41no"
contains '"verdict":"invalid"' "invalid verdict"; contains '"number_checked":true' "number was looked up"
qq1='P<QQQERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<' qq2='L898902C37QQQ74O8122Q1204159ZE184226B<<<<<10'
expect 2 "mrz, every problem reported" -- "$sltd" mrz "$qq1" "$qq2"
contains "line 1, position 3: issuing state" "state"; contains "line 2, position 11: nationality" "nationality"
contains "line 2, position 16: date of birth" "birth"; contains "line 2, position 21: sex" "sex"
contains "check '7': BAD (expected '6')" "check digits reported too"
expect 2 "check --mrz, unknown issuing state" -- "$sltd" check --db "$mdb" --mrz "$qq1" "$qq2"
contains "no issuing state and number to look up" "nothing to look up"
printf '%s\n%s\n%s\n' "$b1" "$b2" "$b3" > "$work/bel.mrz"
expect 1 "screen MRZ, Belgian card" -- "$sltd" screen --db "$mdb" "$work/bel.mrz"
expect 2 "screen MRZ --strict" -- "$sltd" screen --db "$mdb" --strict "$work/bel.mrz"
contains "check digit is wrong" "strict screening refuses the variant"

# the demo data: exactly the planted hits
expect 0 "init demo" -- "$sltd" init --db "$work/demo"
expect 0 "import demo feed" -- "$sltd" import --db "$work/demo" "$data/demo-feed.csv"
expect 1 "screen demo manifest" -- "$sltd" screen --db "$work/demo" -o "$work/hits.csv" "$data/manifest.csv"
if tail -n +2 "$work/hits.csv" | cut -d, -f1 | diff - "$data/expected-hits.txt" >/dev/null; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL: demo hits differ from data/expected-hits.txt"; cat "$work/hits.csv"; fi

# signed update bundles: keygen, pack, apply, and the refusals (exit 2, nothing changed)
bk=$work/bundles; mkdir -p "$bk"
for c in keygen pack apply; do
    expect 0 "$c --help" -- "$sltd" $c --help;            contains "usage: sltd $c" "$c help"
done
expect 2 "keygen without --out" -- "$sltd" keygen
expect 0 "keygen" -- "$sltd" keygen --out "$bk/auth";      contains "key id" "keygen names the key id"
[ "$(stat -c %a "$bk/auth.sec")" = 600 ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: signing key mode is not 600"; }
expect 2 "keygen refuses to overwrite" -- "$sltd" keygen --out "$bk/auth"; contains "already exists" "keygen overwrite"
expect 0 "init replica" -- "$sltd" init --db "$bk/auth_db"
expect 0 "init kiosk" -- "$sltd" init --db "$bk/kiosk" --key "$bk/auth_db.key"
expect 2 "pack without --seq" -- "$sltd" pack --key "$bk/auth_db.key" --sign "$bk/auth.sec" -o "$bk/b1.sltd" "$work/feed.csv"
expect 0 "pack full" -- "$sltd" pack --key "$bk/auth_db.key" --sign "$bk/auth.sec" --seq 1 -o "$bk/b1.sltd" "$work/feed.csv"
contains "full bundle, sequence 1" "pack full summary"
if grep -q -e L898902C3 -e C01X00T47 -e AB123456 "$bk/b1.sltd"; then fail=$((fail + 1)); echo "FAIL: plaintext number in a bundle"; else pass=$((pass + 1)); fi
expect 2 "pack of a bad feed" -- "$sltd" pack --key "$bk/auth_db.key" --sign "$bk/auth.sec" --seq 1 -o "$bk/bad.sltd" "$work/bad.csv"
contains "bad.csv:3: field 'state'" "pack names the bad line"
expect 0 "apply full" -- "$sltd" apply --db "$bk/kiosk" --key "$bk/auth_db.key" --trust "$bk/auth.pub" "$bk/b1.sltd"
contains "3 added" "apply counts"
expect 1 "listed after apply" -- "$sltd" check --db "$bk/kiosk" --key "$bk/auth_db.key" UTO L898902C3
expect 2 "replay refused" -- "$sltd" apply --db "$bk/kiosk" --key "$bk/auth_db.key" --trust "$bk/auth.pub" "$bk/b1.sltd"
contains "replay" "replay message"
expect 0 "replica applies it too" -- "$sltd" apply --db "$bk/auth_db" --trust "$bk/auth.pub" "$bk/b1.sltd"
printf 'state,number,action\nUTO,L898902C3,remove\nUTO,NEW00001,add\n' > "$bk/delta.csv"
expect 2 "delta without the replica" -- "$sltd" pack --key "$bk/auth_db.key" --sign "$bk/auth.sec" --seq 2 --base 1 -o "$bk/b2.sltd" "$bk/delta.csv"
expect 2 "delta on the wrong base" -- "$sltd" pack --db "$bk/auth_db" --sign "$bk/auth.sec" --seq 3 --base 2 -o "$bk/b2.sltd" "$bk/delta.csv"
expect 0 "pack delta" -- "$sltd" pack --db "$bk/auth_db" --sign "$bk/auth.sec" --seq 2 --base 1 -o "$bk/b2.sltd" "$bk/delta.csv"
contains "delta bundle, sequence 2 on base 1" "pack delta summary"
cp "$bk/b2.sltd" "$bk/tampered.sltd"; printf 'X' | dd of="$bk/tampered.sltd" bs=1 seek=150 conv=notrunc 2>/dev/null
expect 2 "tampered bundle refused" -- "$sltd" apply --db "$bk/kiosk" --key "$bk/auth_db.key" --trust "$bk/auth.pub" "$bk/tampered.sltd"
contains "signature" "tamper message"
expect 0 "apply --dry-run" -- "$sltd" apply --db "$bk/kiosk" --key "$bk/auth_db.key" --trust "$bk/auth.pub" --dry-run "$bk/b2.sltd"
expect 0 "apply delta" -- "$sltd" apply --db "$bk/kiosk" --key "$bk/auth_db.key" --trust "$bk/auth.pub" "$bk/b2.sltd"
contains "1 added, 0 updated, 0 unchanged, 1 removed" "delta counts"
expect 0 "removed by the delta" -- "$sltd" check --db "$bk/kiosk" --key "$bk/auth_db.key" UTO L898902C3
expect 2 "rollback refused" -- "$sltd" apply --db "$bk/kiosk" --key "$bk/auth_db.key" --trust "$bk/auth.pub" "$bk/b1.sltd"
"$sltd" keygen --out "$bk/rogue" >/dev/null 2>&1
expect 0 "pack with another key" -- "$sltd" pack --key "$bk/auth_db.key" --sign "$bk/rogue.sec" --seq 9 -o "$bk/rogue.sltd" "$work/feed.csv"
expect 2 "untrusted signer refused" -- "$sltd" apply --db "$bk/kiosk" --key "$bk/auth_db.key" --trust "$bk/auth.pub" "$bk/rogue.sltd"
contains "not trusted" "untrusted message"
expect 0 "pack expired" -- "$sltd" pack --key "$bk/auth_db.key" --sign "$bk/auth.sec" --seq 9 --expires 0 -o "$bk/old.sltd" "$work/feed.csv"
expect 2 "expired refused" -- "$sltd" apply --db "$bk/kiosk" --key "$bk/auth_db.key" --trust "$bk/auth.pub" "$bk/old.sltd"
contains "expired" "expired message"
# data past its expiry refused with --refuse-stale: the same exit status as an expired bundle (one table)
expect 0 "pack valid one day" -- "$sltd" pack --key "$bk/auth_db.key" --sign "$bk/auth.sec" --seq 10 --expires 1 -o "$bk/day.sltd" "$work/feed.csv"
expect 0 "init stale kiosk" -- "$sltd" init --db "$bk/stale" --key "$bk/auth_db.key"
expect 0 "apply the one-day bundle" -- "$sltd" apply --db "$bk/stale" --key "$bk/auth_db.key" --trust "$bk/auth.pub" "$bk/day.sltd"
if command -v faketime >/dev/null 2>&1; then
    # faketime preloads its library; an ASan build must be told that this order is fine
    ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}verify_asan_link_order=0"; export ASAN_OPTIONS
    expect 2 "check --refuse-stale, two days later" -- faketime -f +2d "$sltd" check --db "$bk/stale" --key "$bk/auth_db.key" --refuse-stale UTO L898902C3
    contains "SLTD_EEXPIRED" "stale refused"
    contains "the data expired at 20[0-9-]*T[0-9:]*Z" "the time in ISO 8601, as everywhere"
    expect 2 "check --mrz --refuse-stale, two days later" -- faketime -f +2d "$sltd" check --db "$bk/stale" --key "$bk/auth_db.key" --refuse-stale --mrz "$l1" "$l2"
    expect 2 "screen --refuse-stale, two days later" -- faketime -f +2d "$sltd" screen --db "$bk/stale" --key "$bk/auth_db.key" --refuse-stale "$work/feed.csv"
    expect 1 "check without --refuse-stale: listed, with a warning" -- faketime -f +2d "$sltd" check --db "$bk/stale" --key "$bk/auth_db.key" UTO L898902C3
    contains "WARNING" "stale warning"
else
    fail=$((fail + 1)); echo "FAIL: faketime is missing (sh tools/deps.sh installs it)"
fi
expect 2 "apply a missing bundle" -- "$sltd" apply --db "$bk/kiosk" --key "$bk/auth_db.key" --trust "$bk/auth.pub" "$bk/none.sltd"
expect 3 "apply to a missing database" -- "$sltd" apply --db "$bk/none" --key "$bk/auth_db.key" --trust "$bk/auth.pub" "$bk/b2.sltd"
expect 0 "stats after the bundles" -- "$sltd" stats --db "$bk/kiosk" --key "$bk/auth_db.key"
contains "sequence        2" "sequence after the delta"

echo "cli: $pass passed, $fail failed"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
