// compiler/tools/gen_opcode_docs.cpp — prints docs/instructions.md from the
// instruction table, so the docs cannot drift from the code (a test diffs them).
#include <fmt/format.h>

#include "compiler/opcodes.h"

namespace {
const char* operand_name(poolvm::OperandKind k) {
  using poolvm::OperandKind;
  switch (k) {
    case OperandKind::None: return "";
    case OperandKind::Const: return "LIT";
    case OperandKind::Local: return "LOCAL";
    case OperandKind::Global: return "GLOBAL";
    case OperandKind::Label: return "LABEL";
    case OperandKind::Func: return "FUNC";
    case OperandKind::Extern: return "EXTERN";
    case OperandKind::RecPool: return "POOL";
    case OperandKind::AnyPool: return "POOL";
    case OperandKind::Slot: return "N";
  }
  return "?";
}
std::string effect(int n) { return n == poolvm::kVar ? "*" : std::to_string(n); }
}  // namespace

int main() {
  fmt::print("# Instructions\n\n");
  fmt::print("Generated from `compiler/opcodes.h` by `gen_opcode_docs`; do not edit by hand.\n");
  fmt::print("Pops and pushes are stack effects; `*` depends on the callee's arity (a call pushes one result).\n");
  fmt::print("Internal opcodes are chosen by the assembler and spelled like the instruction above them.\n\n");
  fmt::print("| opcode | instruction | operand | pops | pushes | notes |\n|---:|---|---|---:|---:|---|\n");
  for (int i = 0; i < poolvm::kNumOps; ++i) {
    const auto& info = poolvm::kOpInfo[i];
    std::string flags;
    if (info.flags & poolvm::kBranch) flags += " (branch)";
    if (info.flags & poolvm::kEnd) flags += " (ends a path)";
    if (info.flags & poolvm::kInternal) flags += " (internal)";
    fmt::print("| {} | `{}` | {} | {} | {} | {}{} |\n", i, info.mnemonic, operand_name(info.operand),
               effect(info.pops), effect(info.pushes), info.doc, flags);
  }
}
