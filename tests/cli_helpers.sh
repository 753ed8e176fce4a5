# SPDX-License-Identifier: Apache-2.0
# cli_helpers.sh — what the CLI test scripts share (sourced, with $work set): run a command and
# check its exit status and output; count passes and failures in $pass and $fail.
pass=0 fail=0

# expect STATUS DESCRIPTION -- COMMAND...   (stdout in $work/stdout, stderr in $work/err, both in $work/out)
expect() {
    want=$1 what=$2; shift 3
    "$@" >"$work/stdout" 2>"$work/err"; got=$?
    cat "$work/stdout" "$work/err" > "$work/out"
    if [ "$got" -eq "$want" ]; then pass=$((pass + 1)); else
        fail=$((fail + 1)); echo "FAIL: $what: exit $got, want $want"; sed 's/^/    /' "$work/out" | head -n 20; fi
}
# contains TEXT DESCRIPTION [FILE]: the last command's output (or FILE) has TEXT (a grep pattern)
contains() {
    if grep -q -- "$1" "${3:-$work/out}"; then pass=$((pass + 1)); else
        fail=$((fail + 1)); echo "FAIL: $2: output lacks '$1'"; sed 's/^/    /' "${3:-$work/out}" | head -n 20; fi
}
# lacks TEXT DESCRIPTION [FILE]: ... has no TEXT
lacks() {
    if grep -q -- "$1" "${3:-$work/out}"; then fail=$((fail + 1)); echo "FAIL: $2: output has '$1'"
        sed 's/^/    /' "${3:-$work/out}" | head -n 20; else pass=$((pass + 1)); fi
}
# ok COMMAND...: the command succeeds
ok() { if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $*"; fi; }
