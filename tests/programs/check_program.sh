#!/usr/bin/env bash
# tests/programs/check_program.sh POOLVM PROGRAM.pasm
# Golden test of one program: runs `POOLVM run [FLAGS] PROGRAM.pasm [ARGS]` in
# the program's folder and compares, exactly,
#   stdout with NAME.out (absent: stdout must be empty),
#   stderr with NAME.err (absent: stderr must be empty),
#   the exit status with the `; exit: N` header (default 0).
# Headers are comment lines at the top: `; args: ...`, `; flags: ...`, `; exit: N`.
set -u
poolvm=$1 prog=$2
dir=$(dirname "$prog") name=$(basename "$prog" .pasm)
header() { sed -n '/^[^;]/q; s/^; *'"$1"': *//p' "$prog" | head -n 1; }
read -r -a args <<<"$(header args)"
read -r -a flags <<<"$(header flags)"
want_exit=$(header exit); want_exit=${want_exit:-0}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$dir" || exit 2
timeout 60 "$poolvm" run "${flags[@]}" "$name.pasm" "${args[@]}" >"$tmp/out" 2>"$tmp/err" </dev/null
got_exit=$?
status=0
if [[ $got_exit != "$want_exit" ]]; then echo "$name: exit $got_exit, want $want_exit"; status=1; fi
for stream in out err; do
  if [[ -f $name.$stream ]]; then
    diff -u "$name.$stream" "$tmp/$stream" >"$tmp/diff" || { echo "$name: std$stream differs:"; cat "$tmp/diff"; status=1; }
  elif [[ -s $tmp/$stream ]]; then
    echo "$name: unexpected std$stream:"; head -c 2000 "$tmp/$stream"; status=1
  fi
done
[[ $status == 0 ]] && echo "$name: ok"
exit $status
