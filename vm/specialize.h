// vm/specialize.h — superinstructions for the plain interpreter loop.
#pragma once

#include <vector>

#include "compiler/module.h"

namespace poolvm {

// A copy of m.code with superinstructions written in; m must be verified.
std::vector<Instr> specialize(const Module& m);

}  // namespace poolvm
