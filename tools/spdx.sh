#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Check (or, with --add, write) the SPDX licence line at the top of every source, script and CMake file.
#   sh tools/spdx.sh            list the files without the line; exit 1 if there is any
#   sh tools/spdx.sh --add      add the line where it is missing, then check again
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

# kind FILE: "c", "hash" or "" (not checked)
kind() {
    case $1 in
        tests/corpus/*) echo ""; return ;;
        *.c | *.h | *.map) echo c; return ;;
        *.sh | *.py | *.cmake | *.cmake.in | *.pc.in | CMakeLists.txt | */CMakeLists.txt) echo hash; return ;;
    esac
    if [ "$(head -c 2 "$1" 2>/dev/null)" = "#!" ]; then echo hash; else echo ""; fi
}

# has FILE: the line is the first line, or the second after #!
has() {
    if [ "$(head -c 2 "$1")" = "#!" ]; then
        sed -n 2p "$1" | grep -qF "$ID"
    else
        sed -n 1p "$1" | grep -qF "$ID"
    fi
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

missing=0
checked=0
list_file=$(mktemp)
trap 'rm -f "$list_file"' EXIT
list "$@" > "$list_file"
while IFS= read -r f; do
    [ -f "$f" ] || continue
    k=$(kind "$f")
    [ -n "$k" ] || continue
    checked=$((checked + 1))
    has "$f" && continue
    if [ "$add" -eq 1 ]; then
        put "$f" "$k"
    else
        echo "missing SPDX line: $f"
        missing=$((missing + 1))
    fi
done < "$list_file"

if [ "$missing" -gt 0 ]; then
    echo "$missing of $checked files have no '$ID' line (add it: sh tools/spdx.sh --add)"
    exit 1
fi
echo "spdx: $checked files checked, every one has '$ID'"
