#!/usr/bin/env bash
# tests/embed/check_shared_library.sh SOURCE_DIR
# Builds poolvm with -DBUILD_SHARED_LIBS=ON, installs it, checks that
# libpoolvm.so exports exactly the pvm_ symbols (spec §13), and runs the C
# example host against the installed shared library.
set -euo pipefail
src=$1
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cmake -S "$src" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON \
  -DPOOLVM_BUILD_TESTS=OFF >/dev/null
cmake --build "$work/build" >/dev/null
cmake --install "$work/build" --prefix "$work/prefix" >/dev/null
lib=$(find "$work/prefix" -name 'libpoolvm.so' | head -n 1)
[[ -n $lib ]] || { echo "no libpoolvm.so installed"; exit 1; }
others=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^pvm_' || true)
[[ -z $others ]] || { echo "libpoolvm.so exports more than pvm_ symbols:"; echo "$others" | head -n 20; exit 1; }
count=$(nm -D --defined-only "$lib" | grep -c ' pvm_')
echo "libpoolvm.so exports $count symbols, all pvm_"
cmake -S "$src/vm/examples/c_host" -B "$work/host" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/host" >/dev/null
# Not `grep -q`: it stops reading at the first match, ldd may then die of
# SIGPIPE, and under pipefail the check fails at random.
ldd "$work/host/example_c_host" | grep libpoolvm.so >/dev/null || { echo "the C host did not link the shared library"; exit 1; }
LD_LIBRARY_PATH="$work/prefix/lib:$work/prefix/lib64" "$work/host/example_c_host" "$src/vm/examples/host/script.pasm" >"$work/out"
diff -u "$src/vm/examples/host/expected.out" "$work/out"
echo "shared library ok"
