// vm/specialize.h — superinstructions for the plain interpreter loop.
#pragma once

#include <vector>

#include "compiler/module.h"
#include "vm/divisor.h"

namespace poolvm {

struct Specialized {
  std::vector<Instr> code;               // m.code with superinstructions written in
  std::vector<ConstDivisor> divisors;    // per constant index, for ModK's constants
};

// m must be verified.
Specialized specialize(const Module& m);

}  // namespace poolvm
