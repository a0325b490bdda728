#!/usr/bin/env bash
# tests/bench/fused/check_fused.sh POOLVM PROGRAM.pasm GOLDEN.dis
# Golden test of the superinstructions the VM makes for one bench program:
# `poolvm dis --fused` must print GOLDEN.dis exactly, so a pattern that stops
# firing (or starts firing somewhere new) on the program it was made for
# fails here. After a deliberate change to the matcher, regenerate with
#   for f in tests/bench/programs/*.pasm; do
#     build/poolvm dis --fused "$f" > tests/bench/fused/$(basename "$f" .pasm).dis; done
# and review the diff.
set -u
poolvm=$1 prog=$2 golden=$3
"$poolvm" dis --fused "$prog" | diff -u "$golden" - || {
  echo "dis --fused of $prog differs from $golden" >&2
  exit 1
}
# The listing is still assembly: it reassembles to the program it shows.
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cp "$golden" "$tmp/listing.pasm"
"$poolvm" dis "$tmp/listing.pasm" | diff -u <("$poolvm" dis "$prog") - || {
  echo "the fused listing of $prog does not reassemble to it" >&2
  exit 1
}
