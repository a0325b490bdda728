// vm/specialize.cpp — writes superinstructions (the kFused entries of the
// instruction table) over the first instruction of hot sequences, in the
// copy of the code the plain interpreter loop runs. The rest of each
// sequence stays in place: a jump into its middle still finds the original
// instructions, and no index changes, so lines and backtraces are untouched.
// Counting and traced runs use the original code, so steps stay exact.
#include "vm/specialize.h"

namespace poolvm {

namespace {

Op compare_branch(Op cmp, Op branch) {
  const bool jz = branch == Op::Jz;
  switch (cmp) {
    case Op::Lt: return jz ? Op::LtJz : Op::LtJnz;
    case Op::Le: return jz ? Op::LeJz : Op::LeJnz;
    case Op::Gt: return jz ? Op::GtJz : Op::GtJnz;
    case Op::Ge: return jz ? Op::GeJz : Op::GeJnz;
    case Op::Eq: return jz ? Op::EqJz : Op::EqJnz;
    case Op::Ne: return jz ? Op::NeJz : Op::NeJnz;
    default: return cmp;
  }
}

}  // namespace

std::vector<Instr> specialize(const Module& m) {
  std::vector<Instr> code = m.code;
  for (const Function& f : m.functions) {
    for (uint32_t pc = f.start; pc + 1 < f.end; ++pc) {
      const Op a = m.code[pc].op, b = m.code[pc + 1].op;
      const Op c = pc + 2 < f.end ? m.code[pc + 2].op : Op::Nop;
      if (a == Op::Load && b == Op::Push && (c == Op::Add || c == Op::Sub) &&
          m.constants[m.code[pc + 1].a].kind == Constant::Kind::Int) {
        code[pc].op = c == Op::Add ? Op::LoadAddK : Op::LoadSubK;
      } else if (a == Op::Load && b == Op::Push) {
        code[pc].op = Op::LoadPush;
      } else if (a == Op::Load && (b == Op::Jz || b == Op::Jnz)) {
        code[pc].op = b == Op::Jz ? Op::LoadJz : Op::LoadJnz;
      } else if (b == Op::Jz || b == Op::Jnz) {
        code[pc].op = compare_branch(a, b);
      }
    }
  }
  return code;
}

}  // namespace poolvm
