#!/usr/bin/env bash
# tests/fuzz/run_fuzzers.sh BUILD_DIR SECONDS [TARGET...]
# Runs each libFuzzer target (default: assembler pbc run restore) for SECONDS, seeded
# with the programs in programs/ and tests/, and with their .pbc encodings
# (made here with BUILD_DIR/poolvm asm), so mutations start from real
# modules (tests/compiler/golden/names.pasm and the record programs carry
# .const and fields=); restore is seeded with real snapshots its target
# writes at start-up (POOLVM_FUZZ_SNAPSHOT_SEEDS). Findings land in BUILD_DIR/fuzz-findings; the run
# fails if any.
set -euo pipefail
build=$1 seconds=$2; shift 2
targets=("${@:-assembler}")
[[ $# -eq 0 ]] && targets=(assembler pbc run restore)
src=$(cd "$(dirname "$0")/../.." && pwd)
seeds=$(mktemp -d); trap 'rm -rf "$seeds"' EXIT
mkdir -p "$seeds/pasm" "$seeds/pbc" "$seeds/snap" "$build/fuzz-findings"
for p in "$src"/programs/*.pasm "$src"/tests/compiler/golden/*.pasm "$src"/tests/programs/*/*.pasm; do
  name=$(echo "$p" | tr / _)
  cp "$p" "$seeds/pasm/$name"
  "$build/poolvm" asm "$p" -o "$seeds/pbc/$name.pbc" 2>/dev/null || true
done
for t in "${targets[@]}"; do
  corpus="$build/fuzz-corpus/$t"; mkdir -p "$corpus"
  case $t in
    assembler) seed_dirs=("$seeds/pasm") ;;
    pbc) seed_dirs=("$seeds/pbc") ;;
    run) seed_dirs=("$seeds/pasm" "$seeds/pbc") ;;
    restore) seed_dirs=("$seeds/snap") ;;
  esac
  echo "+ fuzz_$t for ${seconds}s"
  POOLVM_FUZZ_SNAPSHOT_SEEDS="$seeds/snap" "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -artifact_prefix="$build/fuzz-findings/$t-" -print_final_stats=1 "$corpus" "${seed_dirs[@]}" 2>&1 |
    grep -E "^#[0-9]+ +(DONE|INITED)|stat::number_of_executed_units|stat::peak_rss|ERROR|SUMMARY|cov:" | tail -n 6
done
if compgen -G "$build/fuzz-findings/*" >/dev/null; then
  echo "fuzzing found inputs that crash poolvm:"; ls "$build/fuzz-findings"; exit 1
fi
echo "fuzzing: no findings"
