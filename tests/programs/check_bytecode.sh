#!/usr/bin/env bash
# tests/programs/check_bytecode.sh POOLVM SOURCE_DIR
# The bytecode commands end to end: every program in programs/ gives the same
# stdout, stderr and exit status from its .pasm and from its .pbc (plain and
# --strip'd stdout); dis output reassembles and disassembles to the same text; and bad input
# gets the documented exit statuses and messages.
set -u
poolvm=$1 src=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; fi; }

for prog in "$src"/programs/*.pasm; do
  name=$(basename "$prog" .pasm)
  cp "$prog" "$tmp/$name.pasm"
  (cd "$tmp" && "$poolvm" asm "$name.pasm" && "$poolvm" asm "$name.pasm" -o "$name.stripped.pbc" --strip) ||
    { echo "FAIL: asm $name"; fail=1; continue; }
  args=""; [[ $name == binary_trees ]] && args=6; [[ $name == fib ]] && args=15
  (cd "$tmp" && "$poolvm" run "$name.pasm" $args >a.out 2>a.err; echo $? >a.rc
               "$poolvm" run "$name.pbc" $args >b.out 2>b.err; echo $? >b.rc
               "$poolvm" run "$name.stripped.pbc" $args >c.out 2>/dev/null; echo $? >c.rc)
  check "$name: .pbc stdout" "cmp -s $tmp/a.out $tmp/b.out"
  check "$name: .pbc stderr" "cmp -s $tmp/a.err $tmp/b.err"
  check "$name: .pbc exit" "cmp -s $tmp/a.rc $tmp/b.rc"
  check "$name: stripped stdout" "cmp -s $tmp/a.out $tmp/c.out"
  # dis output reassembles, and disassembles to the same text again.
  (cd "$tmp" && "$poolvm" dis "$name.pbc" >"$name.dis.pasm" && "$poolvm" asm "$name.dis.pasm" -o "$name.dis.pbc" &&
     "$poolvm" dis "$name.dis.pbc" >"$name.dis2.pasm")
  check "$name: dis round trip" "cmp -s $tmp/$name.dis.pasm $tmp/$name.dis2.pasm"
  check "$name: check" "\"$poolvm\" check $tmp/$name.pbc"
  # Stripped, the round trip is byte-exact whatever the files are called.
  mkdir -p "$tmp/elsewhere"
  (cd "$tmp" && "$poolvm" dis "$name.stripped.pbc" >"$name.s.pasm" &&
     "$poolvm" asm --strip "$name.s.pasm" -o "$name.again.pbc" &&
     cp "$name.s.pasm" elsewhere/other-name.pasm &&
     "$poolvm" asm --strip elsewhere/other-name.pasm -o elsewhere/x.pbc)
  check "$name: asm --strip of dis is byte-exact" "cmp -s $tmp/$name.stripped.pbc $tmp/$name.again.pbc"
  check "$name: whatever the file names" "cmp -s $tmp/$name.stripped.pbc $tmp/elsewhere/x.pbc"
done

cd "$tmp"
printf 'garbage' >bad.pasm
"$poolvm" check bad.pasm 2>err; check "check of bad text exits 65" "[[ $? == 65 ]]"
head -c 15 hello.pbc >trunc.pbc
"$poolvm" run trunc.pbc 2>err; rc=$?
check "truncated .pbc exits 65" "[[ $rc == 65 ]]"
check "truncated .pbc says so" "grep -q 'trunc.pbc: error: ' err"
# The format version this poolvm writes, read from a file it made: the
# messages below name it, and the version just before it is refused.
version=$(od -An -tu2 -j4 -N2 hello.pbc | tr -d ' ')
printf "PVM\x1a\\x$(printf %02x $((version + 1)))\x00\x00\x00" >future.pbc
"$poolvm" run future.pbc 2>err; rc=$?
check "future version exits 65" "[[ $rc == 65 ]]"
check "future version message" "grep -q 'format version $((version + 1)) is newer than this poolvm reads ($version)' err"
printf "PVM\x1a\\x$(printf %02x $((version - 1)))\x00\x00\x00" >old.pbc
"$poolvm" run old.pbc 2>err; rc=$?
check "old version exits 65" "[[ $rc == 65 ]]"
check "old version message names both versions" "grep -q 'format version $((version - 1)) is older than this poolvm reads ($version)' err"
"$poolvm" dis missing.pbc 2>err; check "unreadable file exits 66" "[[ $? == 66 ]]"
"$poolvm" run . 2>err; check "a directory exits 66" "[[ $? == 66 ]] && grep -q 'Is a directory' err"
"$poolvm" asm hello.pasm -o /nonexistent/dir/x.pbc 2>err; check "unwritable output exits 73" "[[ $? == 73 ]]"
"$poolvm" asm 2>err; check "missing operand exits 64" "[[ $? == 64 ]]"
"$poolvm" run hello.pasm -x --pool y >out 2>err; check "args after FILE go to the program" "[[ $? == 0 ]] && grep -q Hello out"
printf '.func f\n push 0\n ret\n.end\n' >lib.pasm
"$poolvm" check lib.pasm 2>err; check "a library (no main) checks" "[[ $? == 0 ]]"
"$poolvm" run lib.pasm 2>err; rc=$?
check "running a library exits 65, naming main" "[[ $rc == 65 ]] && grep -q \"lib.pasm: error: no function 'main'\" err"
[[ $fail == 0 ]] && echo "bytecode commands ok"
exit $fail
