#!/usr/bin/env bash
# tests/embed/check_example_host.sh SOURCE_DIR BUILD_DIR MODE HOST
# Builds an example host outside the project, the way a host would, and runs
# it on vm/examples/host/script.pasm; its output must be expected.out there.
#   HOST=host:   the C++ host (vm/examples/host, no C++ standard set by it)
#   HOST=c_host: the C host (vm/examples/c_host, project(x C CXX))
#   MODE=install:      cmake --install the project's build into a temporary
#                      prefix, then find_package(poolvm) from it;
#   MODE=subdirectory: add_subdirectory(poolvm source tree).
set -euo pipefail
src=$1 build=$2 mode=$3 host=${4:-host}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
example=$src/vm/examples/$host
if [[ $mode == install ]]; then
  cmake --install "$build" --prefix "$work/prefix" >/dev/null
  cmake -S "$example" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
else
  cmake -S "$example" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPOOLVM_SOURCE_DIR="$src" >/dev/null
fi
cmake --build "$work/build" >/dev/null
binary=$work/build/example_$host
[[ $host == host ]] || binary=$work/build/example_c_host
"$binary" "$src/vm/examples/host/script.pasm" >"$work/out"
cat "$work/out"
diff -u "$src/vm/examples/host/expected.out" "$work/out" || { echo "example $host output differs"; exit 1; }
echo "example $host ok ($mode)"
