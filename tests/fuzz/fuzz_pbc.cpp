// tests/fuzz/fuzz_pbc.cpp — libFuzzer: any bytes through the .pbc reader and
// the verifier. Seeded with real modules (tests/fuzz/corpus/pbc), so mutations
// reach the sections and the verifier, not only the header checks.
#include <cstddef>
#include <cstdint>
#include <span>

#include "compiler/disassembler.h"
#include "compiler/pbc.h"
#include "compiler/verifier.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  poolvm::PbcResult r = poolvm::read_pbc(bytes, "fuzz.pbc");
  if (r.module && poolvm::verify(*r.module).empty()) {
    (void)poolvm::disassemble(*r.module);
    // Re-encoding a module that read and verified must read back.
    auto again = poolvm::write_pbc(*r.module, false);
    if (!poolvm::read_pbc(again, "again.pbc").module) __builtin_trap();
  }
  return 0;
}
