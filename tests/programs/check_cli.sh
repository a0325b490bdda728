#!/usr/bin/env bash
# tests/programs/check_cli.sh POOLVM SOURCE_DIR
# The command line's loose ends (spec §8): --max-steps takes N >= 1 and
# refuses anything else with 64; an unknown command is named; verifier errors
# quote the line with a caret under the instruction, like assembly errors;
# an output file that cannot be written exits 73 whichever it is.
set -u
poolvm=$1 src=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; fi; }
hello=$src/programs/hello.pasm

for bad in -1 -5 0 -0 abc +3 " 3" 1.5 "" 18446744073709551616 99999999999999999999999; do
  timeout 10 "$poolvm" run --max-steps "$bad" "$hello" >"$tmp/out" 2>"$tmp/err"; rc=$?
  check "--max-steps '$bad' exits 64 (got $rc)" "[[ $rc == 64 ]]"
  check "--max-steps '$bad' runs nothing" "[[ ! -s $tmp/out ]]"
  check "--max-steps '$bad' says what it wants" "grep -q 'expects a whole number N >= 1' $tmp/err"
done
timeout 10 "$poolvm" run --max-steps=-1 "$hello" >/dev/null 2>&1; rc=$?
check "--max-steps=-1 exits 64 (got $rc)" "[[ $rc == 64 ]]"
"$poolvm" run --max-steps 1 "$hello" >/dev/null 2>"$tmp/err"; rc=$?
check "--max-steps 1 is a step limit (got $rc)" "[[ $rc == 70 ]] && grep -q 'step limit reached: the step budget of 1 instructions' $tmp/err"
"$poolvm" run --max-steps 18446744073709551615 "$hello" >"$tmp/out" 2>&1; rc=$?
check "--max-steps of 2^64-1 runs (got $rc)" "[[ $rc == 0 ]] && grep -q Hello $tmp/out"

"$poolvm" frob "$hello" >"$tmp/out" 2>"$tmp/err"; rc=$?
check "an unknown command exits 64 (got $rc)" "[[ $rc == 64 ]]"
check "an unknown command is named" "grep -q \"unknown command 'frob'\" $tmp/err"
check "and the commands listed" "grep -q 'run' $tmp/err && grep -q 'dis' $tmp/err"

printf '.func main\n    push 1\nloop:   add\n    ret\n.end\n' >"$tmp/v.pasm"
"$poolvm" check "$tmp/v.pasm" 2>"$tmp/err"; rc=$?
cat >"$tmp/want" <<WANT
$tmp/v.pasm:3:9: error: in function 'main': stack underflow at 'add': needs 2 values, has 1
    3 | loop:   add
      |         ^~~
WANT
check "a verifier error exits 65 (got $rc)" "[[ $rc == 65 ]]"
check "a verifier error has a column, the line and a caret" "diff -u $tmp/want $tmp/err"
# A .pbc has no text to quote: line only, as before.
"$poolvm" asm "$tmp/v.pasm" -o "$tmp/v.pbc" 2>/dev/null
check "asm refuses what does not verify" "[[ ! -e $tmp/v.pbc ]]"

# Every output file that cannot be written is one status, 73, named in the message.
nowhere=$tmp/no-such-dir/out
for args in "asm $hello -o $nowhere" "run --trace-out $nowhere $hello" "run --trace-json $nowhere $hello"; do
  "$poolvm" $args >"$tmp/out" 2>"$tmp/err"; rc=$?
  check "'$args' exits 73 (got $rc)" "[[ $rc == 73 ]]"
  check "'$args' names the file" "grep -q \"cannot write '$nowhere'\" $tmp/err"
  check "'$args' runs nothing" "[[ ! -s $tmp/out ]]"
done

# A program that does not load still leaves a --trace-json file that parses.
printf '.func main\n    cocreate\n.end\n' >"$tmp/unloadable.pasm"
"$poolvm" run --trace-json "$tmp/unloadable.json" "$tmp/unloadable.pasm" >/dev/null 2>&1; rc=$?
check "a program that does not assemble exits 65 (got $rc)" "[[ $rc == 65 ]]"
check "its --trace-json file is valid JSON" \
  "python3 -c 'import json,sys; json.load(open(sys.argv[1]))' $tmp/unloadable.json 2>/dev/null"

# Snapshots (spec §12): `run --snapshot-on-yield DIR` saves DIR/yield-NNNN.snap
# at each yield of the main run; `resume SNAPSHOT FILE [ARGS]` continues one
# in a new process with the output the rest of the original run printed.
cat >"$tmp/y.pasm" <<'PASM'
.func main
.local i s
    push 0
    store i
top:
    load i
    push 3
    lt
    jz done
    load i
    tostr
    push 0
    argv
    concat
    store s
    load s
    print
    load s
    yield
    pop
    load i
    push 1
    add
    store i
    jmp top
done:
    push 5
    ret
.end
PASM
"$poolvm" run --snapshot-on-yield "$tmp/snaps" "$tmp/y.pasm" x >"$tmp/whole" 2>"$tmp/err"; rc=$?
check "run --snapshot-on-yield runs as run does (got $rc)" "[[ $rc == 5 ]] && [[ \$(cat $tmp/whole) == \$(printf '0x\n1x\n2x') ]]"
check "one snapshot per yield" "[[ \$(ls $tmp/snaps | tr '\n' ' ') == 'yield-0001.snap yield-0002.snap yield-0003.snap ' ]]"
"$poolvm" resume "$tmp/snaps/yield-0002.snap" "$tmp/y.pasm" x >"$tmp/rest" 2>"$tmp/err"; rc=$?
check "resume continues the run (got $rc)" "[[ $rc == 5 ]] && [[ \$(cat $tmp/rest) == '2x' ]]"
"$poolvm" asm "$tmp/y.pasm" -o "$tmp/y.pbc" --strip 2>/dev/null
"$poolvm" resume "$tmp/snaps/yield-0001.snap" "$tmp/y.pbc" x >"$tmp/rest" 2>"$tmp/err"; rc=$?
check "resume takes the program as .pbc too (got $rc)" "[[ $rc == 5 ]] && [[ \$(cat $tmp/rest) == \$(printf '1x\n2x') ]]"
"$poolvm" resume "$tmp/snaps/yield-0001.snap" "$hello" >"$tmp/out" 2>"$tmp/err"; rc=$?
check "a snapshot of another program exits 65 (got $rc)" "[[ $rc == 65 ]] && grep -q 'another program' $tmp/err && [[ ! -s $tmp/out ]]"
head -c 200 "$tmp/snaps/yield-0001.snap" >"$tmp/cut.snap"
"$poolvm" resume "$tmp/cut.snap" "$tmp/y.pasm" >"$tmp/out" 2>"$tmp/err"; rc=$?
check "a truncated snapshot exits 65 with a message (got $rc)" "[[ $rc == 65 ]] && grep -q 'cut.snap: error: ' $tmp/err"
"$poolvm" resume "$tmp/missing.snap" "$tmp/y.pasm" >/dev/null 2>"$tmp/err"; rc=$?
check "an unreadable snapshot exits 66 (got $rc)" "[[ $rc == 66 ]]"
"$poolvm" resume "$tmp/snaps/yield-0001.snap" >/dev/null 2>&1; rc=$?
check "resume without FILE is a usage error (got $rc)" "[[ $rc == 64 ]]"

[[ $fail == 0 ]] && echo "cli ok"
exit $fail
