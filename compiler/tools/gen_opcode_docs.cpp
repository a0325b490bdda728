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

// A superinstruction's note: its name, the sequence it runs as one, and any
// operand condition (its doc).
std::string fused_note(poolvm::Op op) {
  const auto& info = poolvm::op_info(op);
  const auto& seq = poolvm::fused_sequence(op);
  std::string text = fmt::format("{}: runs `", info.name);
  for (int k = 0; k < seq.length; ++k)
    text += fmt::format("{}{}", k ? "; " : "", poolvm::op_info(seq.ops[k]).mnemonic);
  text += "` as one instruction";
  if (!info.doc.empty()) text += fmt::format(" ({})", info.doc);
  return text;
}
}  // namespace

int main() {
  fmt::print("# Instructions\n\n");
  fmt::print("Generated from `compiler/opcodes.h` by `gen_opcode_docs`; do not edit by hand.\n");
  fmt::print("Pops and pushes are stack effects; `*` depends on the callee's arity (a call pushes one result).\n");
  fmt::print("Internal opcodes are chosen by the assembler and spelled like the instruction above them.\n");
  fmt::print("Fused opcodes (superinstructions) are made by the VM at load, never stored in a module;\n");
  fmt::print("`poolvm dis --fused FILE` shows where. Opcode numbers are pinned: a `.pbc` stores them.\n\n");
  fmt::print("| opcode | instruction | operand | pops | pushes | notes |\n|---:|---|---|---:|---:|---|\n");
  for (int i = 0; i < poolvm::kNumOps; ++i) {
    const auto& info = poolvm::kOpInfo[i];
    std::string flags;
    if (info.flags & poolvm::kBranch) flags += " (branch)";
    if (info.flags & poolvm::kEnd) flags += " (ends a path)";
    if (info.flags & poolvm::kInternal && !(info.flags & poolvm::kFused)) flags += " (internal)";
    if (info.flags & poolvm::kFused) flags += " (fused)";
    fmt::print("| {} | `{}` | {} | {} | {} | {}{} |\n", i, info.mnemonic, operand_name(info.operand),
               effect(info.pops), effect(info.pushes),
               info.flags & poolvm::kFused ? fused_note(static_cast<poolvm::Op>(i)) : std::string(info.doc), flags);
  }
}
