#!/usr/bin/env bash
# tests/embed/check_example_host.sh SOURCE_DIR BUILD_DIR MODE
# Builds vm/examples/host outside the project, the way a host would, and runs it:
#   MODE=install:      cmake --install the project's build into a temporary
#                      prefix, then find_package(poolvm) from it;
#   MODE=subdirectory: add_subdirectory(poolvm source tree).
set -euo pipefail
src=$1 build=$2 mode=$3
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
example=$src/vm/examples/host
if [[ $mode == install ]]; then
  cmake --install "$build" --prefix "$work/prefix" >/dev/null
  cmake -S "$example" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
else
  cmake -S "$example" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPOOLVM_SOURCE_DIR="$src" >/dev/null
fi
cmake --build "$work/build" >/dev/null
out=$("$work/build/example_host" "$example/script.pasm")
echo "$out"
expected='[log] building squares
[script] (1 4 9 16 25 36 49 64 81 100)
pool     in use  peak  capacity
cons          9    10      1000
str           1     1       100
frame         0     2        64'
[[ $out == "$expected" ]] || { echo "example host output differs from:"; echo "$expected"; exit 1; }
echo "example host ok ($mode)"
