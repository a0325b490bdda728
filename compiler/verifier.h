// compiler/verifier.h — proves a module safe to interpret without per-
// instruction checks (spec §7), whatever its origin (text or .pbc bytes).
#pragma once

#include <vector>

#include "compiler/diagnostic.h"
#include "compiler/module.h"

namespace poolvm {

// Checks everything the interpreter relies on; on success fills each
// Function::max_stack and Module::main and returns no diagnostics. Each
// diagnostic names the function and, where the module has lines, the line.
std::vector<Diagnostic> verify(Module& m);

}  // namespace poolvm
