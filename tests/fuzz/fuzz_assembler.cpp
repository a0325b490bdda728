// tests/fuzz/fuzz_assembler.cpp — libFuzzer: any text through the assembler,
// the verifier, the disassembler and the diagnostics renderer.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "compiler/assembler.h"
#include "compiler/disassembler.h"
#include "compiler/verifier.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  poolvm::AssembleResult r = poolvm::assemble(text, "fuzz.pasm");
  if (!r.ok()) {
    (void)poolvm::render_diagnostics(r.diagnostics, text);
    return 0;
  }
  if (poolvm::verify(*r.module).empty()) {
    // What verifies must disassemble to text that assembles and verifies again.
    std::string again = poolvm::disassemble(*r.module);
    poolvm::AssembleResult r2 = poolvm::assemble(again, "dis.pasm");
    if (!r2.ok() || !poolvm::verify(*r2.module).empty()) __builtin_trap();
  }
  return 0;
}
