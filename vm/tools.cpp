// vm/tools.cpp — asm, dis (plain, or with the superinstructions of
// vm/specialize.cpp) and check over read_program.
#include "poolvm/tools.h"

#include "compiler/disassembler.h"
#include "compiler/pbc.h"
#include "vm/program_input.h"
#include "vm/specialize.h"

namespace poolvm {

namespace {
ToolResult failed(ProgramInput& in) {
  ToolResult r;
  r.diagnostics = std::move(in.diagnostics);
  r.diagnostics_text = std::move(in.diagnostics_text);
  return r;
}
}  // namespace

ToolResult assemble_program(std::string_view input, std::string_view file_name, bool strip) {
  ProgramInput in = read_program(input, file_name);
  if (!in.ok) return failed(in);
  std::vector<std::byte> bytes = write_pbc(in.module, strip);
  ToolResult r;
  r.ok = true;
  r.output.assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return r;
}

ToolResult disassemble_program(std::string_view input, std::string_view file_name, bool fused) {
  ProgramInput in = read_program(input, file_name);
  if (!in.ok) return failed(in);
  ToolResult r;
  r.ok = true;
  r.output = fused ? disassemble_fused(in.module, specialize(in.module).code) : disassemble(in.module);
  return r;
}

ToolResult check_program(std::string_view input, std::string_view file_name) {
  ProgramInput in = read_program(input, file_name);
  if (!in.ok) return failed(in);
  ToolResult r;
  r.ok = true;
  return r;
}

}  // namespace poolvm
