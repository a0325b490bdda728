// vm/program_input.h — a program file's bytes, .pasm text or .pbc (told apart
// by the magic number, not the name), turned into a verified Module.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "compiler/diagnostic.h"
#include "compiler/module.h"
#include "poolvm/poolvm.h"

namespace poolvm {

struct ProgramInput {
  bool ok = false;
  Module module;
  std::vector<LoadDiagnostic> diagnostics;
  std::string diagnostics_text;  // rendered like a compiler
};

ProgramInput read_program(std::string_view input, std::string_view file_name);

}  // namespace poolvm
