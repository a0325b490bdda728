// vm/program_input.cpp — assemble or decode, then verify, whatever the origin.
#include "vm/program_input.h"

#include <span>

#include "compiler/assembler.h"
#include "compiler/pbc.h"
#include "compiler/verifier.h"

namespace poolvm {

ProgramInput read_program(std::string_view input, std::string_view file_name) {
  ProgramInput out;
  std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(input.data()), input.size());
  std::optional<Module> module;
  std::vector<Diagnostic> problems;
  bool text = !is_pbc(bytes);
  if (text) {
    AssembleResult r = assemble(input, file_name);
    module = std::move(r.module);
    problems = std::move(r.diagnostics);
  } else {
    PbcResult r = read_pbc(bytes, file_name);
    module = std::move(r.module);
    problems = std::move(r.diagnostics);
  }
  if (module) {
    problems = verify(*module);
    if (text) add_columns(problems, input);
  }
  for (const auto& p : problems) out.diagnostics.push_back({p.file, p.line, p.column, p.message, false});
  if (!problems.empty()) {
    // Quoting source lines only makes sense for text.
    out.diagnostics_text = render_diagnostics(problems, text ? input : std::string_view());
    return out;
  }
  out.module = std::move(*module);
  out.ok = true;
  return out;
}

}  // namespace poolvm
