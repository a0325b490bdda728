// poolvm/tools.h — what `poolvm asm`, `dis` and `check` do, for hosts and the
// CLI alike. Input is a program file's bytes: .pasm text or .pbc, told apart
// by content. Nothing here runs a program or throws.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "poolvm/poolvm.h"

namespace poolvm {

struct ToolResult {
  bool ok = false;
  std::string output;  // asm: the .pbc bytes; dis: .pasm text; check: empty
  std::vector<LoadDiagnostic> diagnostics;
  std::string diagnostics_text;
};

// Assembles (or re-encodes) and verifies; strip leaves out line information
// and local and label names.
ToolResult assemble_program(std::string_view input, std::string_view file_name, bool strip);
// Assembly text that reassembles to the same module. With fused, each
// instruction the VM replaces by a superinstruction at load is annotated
// with it (a comment), showing the code as the interpreter will run it.
ToolResult disassemble_program(std::string_view input, std::string_view file_name, bool fused = false);
// Assembles or decodes, and verifies.
ToolResult check_program(std::string_view input, std::string_view file_name);

}  // namespace poolvm
