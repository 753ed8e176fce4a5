#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Check (or, with --add, write) the SPDX licence line at the top of every source, script and CMake file.
#   sh tools/spdx.sh            list the files without the line; exit 1 if there is any
#   sh tools/spdx.sh --add      add the line where it is missing
#   sh tools/spdx.sh [--add] FILE...   only these files (paths from the repository root)
# The files are the repository's tracked and untracked-but-not-ignored files (git), or every file
# under the source tree outside build*/ when there is no git work tree. A file is checked when it is
# C (.c .h), a linker version script (.map), a script (.sh .py, or a first line starting with #!),
# or CMake (CMakeLists.txt .cmake .cmake.in) or a build template (.pc.in); tests/corpus/ (fuzz and
# parser inputs) is never checked. The line is the first line, or the second after a #! line:
#   C and .map:   /* SPDX-License-Identifier: Apache-2.0 */
#   others:       # SPDX-License-Identifier: Apache-2.0
set -eu
ID="SPDX-License-Identifier: Apache-2.0"
cd "$(dirname "$0")/.."

add=0
if [ "${1:-}" = "--add" ]; then add=1; shift; fi
case "${1:-}" in -*) echo "usage: sh tools/spdx.sh [--add] [FILE...]" >&2; exit 2 ;; esac

# list: the candidate files, one per line (paths relative to the root; no newlines in names here)
list() {
    if [ $# -gt 0 ]; then
        printf '%s\n' "$@"
    elif git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git ls-files --cached --others --exclude-standard
    else
        find . -path './build*' -prune -o -path './.git' -prune -o -type f -print | sed 's|^\./||'
    fi
}

# scan FILE...: one awk pass over every candidate decides which files are checked (by name, or by a
# first line starting with #!) and which of them lack the line. It prints "missing KIND FILE" for
# each (KIND: c or hash), then "checked N".
scan() {
    awk -v id="$ID" '
        function kind(f) {
            if (f ~ /\.(c|h|map)$/) return "c"
            if (f ~ /\.(sh|py|cmake|cmake\.in|pc\.in)$/ || f ~ /(^|\/)CMakeLists\.txt$/) return "hash"
            return "?"                                   # decided by its first line
        }
        function done() {
            if (k == "?") k = (first ~ /^#!/) ? "hash" : ""
            if (k == "") return
            checked++
            line = (first ~ /^#!/) ? second : first
            if (index(line, id) == 0) print "missing", k, name
        }
        FNR == 1 { if (NR > 1) done(); name = FILENAME; k = kind(FILENAME); first = $0; second = "" }
        FNR == 2 { second = $0; nextfile }
        END { if (NR > 0) done(); print "checked", checked + 0 }
    ' "$@"
}

# put FILE KIND: write the line where it belongs, keeping the file's mode
put() {
    if [ "$2" = c ]; then line="/* $ID */"; else line="# $ID"; fi
    tmp="$1.spdx.$$"
    if [ "$(head -c 2 "$1")" = "#!" ]; then
        { sed -n 1p "$1"; printf '%s\n' "$line"; sed 1d "$1"; } > "$tmp"
    else
        { printf '%s\n' "$line"; cat "$1"; } > "$tmp"
    fi
    cat "$tmp" > "$1"   # in place: mode and links stay
    rm -f "$tmp"
    echo "added: $1"
}

list_file=$(mktemp)
scan_file=$(mktemp)
trap 'rm -f "$list_file" "$scan_file"' EXIT
list "$@" > "$list_file"
# regular, non-empty files (an empty file has no first line to read); corpora and binary data left out
set --
while IFS= read -r f; do
    case $f in tests/corpus/* | *.png | *.gz | *.deb) continue ;; esac
    if [ -f "$f" ] && [ -s "$f" ]; then set -- "$@" "$f"; fi
done < "$list_file"
if [ $# -gt 0 ]; then scan "$@" > "$scan_file"; else echo "checked 0" > "$scan_file"; fi

checked=$(sed -n 's/^checked //p' "$scan_file")
missing=0
while read -r what k f; do
    [ "$what" = missing ] || continue
    if [ "$add" -eq 1 ]; then
        put "$f" "$k"
    else
        echo "missing SPDX line: $f"
        missing=$((missing + 1))
    fi
done < "$scan_file"

if [ "$missing" -gt 0 ]; then
    echo "$missing of $checked files have no '$ID' line (add it: sh tools/spdx.sh --add)"
    exit 1
fi
echo "spdx: $checked files checked, every one has '$ID'"
