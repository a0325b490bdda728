#!/usr/bin/env bash
# tests/programs/check_pbc_files.sh POOLVM SOURCE_DIR
# Bytecode keeps its meaning: tests/programs/pbc/ holds a .pbc of every
# example program (plain and --strip'd), made by `poolvm asm` of the current
# format version. Each must keep loading and running with exactly the output
# in programs/NAME.out. When the format version changes, these files are
# refused by version instead; make them again with
#   (cd programs && for f in *.pasm; do ../build/poolvm asm $f -o ../tests/programs/pbc/${f%.pasm}.pbc
#      && ../build/poolvm asm $f --strip -o ../tests/programs/pbc/${f%.pasm}.stripped.pbc; done)
set -u
poolvm=$1 src=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0 count=0
for pbc in "$src"/tests/programs/pbc/*.pbc; do
  name=$(basename "$pbc" .pbc) name=${name%.stripped}
  count=$((count + 1))
  "$poolvm" run "$pbc" >"$tmp/out" 2>"$tmp/err" </dev/null
  rc=$?
  if [[ $rc != 0 ]]; then echo "FAIL: $pbc exits $rc"; cat "$tmp/err"; fail=1; continue; fi
  if [[ -s $tmp/err ]]; then echo "FAIL: $pbc wrote to stderr"; cat "$tmp/err"; fail=1; fi
  diff -u "$src/programs/$name.out" "$tmp/out" || { echo "FAIL: $pbc output differs"; fail=1; }
done
# Every example program has its files.
for prog in "$src"/programs/*.pasm; do
  name=$(basename "$prog" .pasm)
  for f in "$name.pbc" "$name.stripped.pbc"; do
    [[ -f $src/tests/programs/pbc/$f ]] || { echo "FAIL: no tests/programs/pbc/$f"; fail=1; }
  done
done
[[ $count -gt 0 ]] || { echo "FAIL: no .pbc files"; fail=1; }
[[ $fail == 0 ]] && echo "$count checked-in .pbc files load and run as before"
exit $fail
