// compiler/assembler.h — .pasm text to a Module (not yet verified).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "compiler/diagnostic.h"
#include "compiler/module.h"

namespace poolvm {

struct AssembleResult {
  std::optional<Module> module;          // set when there were no errors
  std::vector<Diagnostic> diagnostics;   // every error in the file, in source order
  bool ok() const { return module.has_value(); }
};

// Parses the whole text, reporting every error (not only the first).
// `file_name` is used in diagnostics and stored as Module::source_name.
AssembleResult assemble(std::string_view source, std::string_view file_name);

}  // namespace poolvm
