// compiler/disassembler.cpp — a Module back to .pasm that reassembles to the
// same module, and single instructions for traces. Operand spelling is driven
// by the instruction table's operand kinds.
#include "compiler/disassembler.h"

#include <cmath>
#include <set>

#include <fmt/format.h>

namespace poolvm {

std::string format_constant(const Constant& c) {
  switch (c.kind) {
    case Constant::Kind::Nil: return "nil";
    case Constant::Kind::Bool: return c.b ? "true" : "false";
    case Constant::Kind::Int: return fmt::format("{}", c.i);
    case Constant::Kind::Float: {
      if (std::isnan(c.f)) return std::signbit(c.f) ? "-nan" : "nan";
      std::string s = fmt::format("{}", c.f);
      if (s.find_first_of(".en") == std::string::npos) s += ".0";
      return s;
    }
    case Constant::Kind::Str: {
      std::string s = "\"";
      for (unsigned char ch : c.s) {
        switch (ch) {
          case '\n': s += "\\n"; break;
          case '\t': s += "\\t"; break;
          case '\r': s += "\\r"; break;
          case '\\': s += "\\\\"; break;
          case '"': s += "\\\""; break;
          case '\0': s += "\\0"; break;
          default:
            if (ch < 0x20 || ch >= 0x7f) s += fmt::format("\\x{:02x}", ch);
            else s += static_cast<char>(ch);
        }
      }
      return s + "\"";
    }
  }
  return "nil";
}

namespace {

std::string local_name(const Function& f, uint32_t i) {
  if (i < f.local_names.size() && !f.local_names[i].empty()) return f.local_names[i];
  return i < f.arity ? fmt::format("p{}", i) : fmt::format("l{}", i);
}

// Label name for a jump target: the module's own name if it has one.
std::string label_name(const Module& m, uint32_t pc) {
  for (const Label& l : m.labels)
    if (l.pc == pc) return l.name;
  int f = m.function_at(pc);
  return fmt::format("L{}", f < 0 ? pc : pc - m.functions[f].start);
}

std::string operand_text(const Module& m, const Function* f, const Instr& in) {
  const uint32_t a = static_cast<uint32_t>(in.a);
  switch (op_info(in.op).operand) {
    case OperandKind::None: return "";
    case OperandKind::Const: return a < m.constants.size() ? format_constant(m.constants[a]) : "?";
    case OperandKind::Local: return f != nullptr ? local_name(*f, a) : fmt::format("{}", a);
    case OperandKind::Global: return a < m.globals.size() ? m.globals[a] : "?";
    case OperandKind::Label: return label_name(m, a);
    case OperandKind::Func: return a < m.functions.size() ? m.functions[a].name : "?";
    case OperandKind::Extern: return a < m.externs.size() ? m.externs[a].name : "?";
    case OperandKind::RecPool:
    case OperandKind::AnyPool: return a < m.pools.size() ? m.pools[a].name : "?";
    case OperandKind::Slot: return fmt::format("{}", in.a);
  }
  return "?";
}

}  // namespace

std::string format_instruction(const Module& m, uint32_t pc) {
  const Instr& in = m.code[pc];
  int fi = m.function_at(pc);
  std::string operand = operand_text(m, fi < 0 ? nullptr : &m.functions[fi], in);
  std::string_view mn = op_info(in.op).mnemonic;
  return operand.empty() ? std::string(mn) : fmt::format("{} {}", mn, operand);
}

std::string disassemble(const Module& m) {
  std::string out;
  auto it = std::back_inserter(out);
  const auto defaults = default_pool_configs();
  for (size_t i = 0; i < m.pools.size(); ++i) {
    const PoolConfig& p = m.pools[i];
    bool declared = i < m.pool_declared.size() && m.pool_declared[i];
    if (p.kind == PoolKind::Record) {
      fmt::format_to(it, ".pool {} slots={} blocks={}\n", p.name, p.size, p.blocks);
    } else if (declared || (i < defaults.size() && (p.size != defaults[i].size || p.blocks != defaults[i].blocks))) {
      if (p.kind == PoolKind::Cons) fmt::format_to(it, ".pool cons blocks={}\n", p.blocks);
      if (p.kind == PoolKind::Str) fmt::format_to(it, ".pool str bytes={} blocks={}\n", p.size, p.blocks);
      if (p.kind == PoolKind::Frame) fmt::format_to(it, ".pool frame slots={} blocks={}\n", p.size, p.blocks);
    }
  }
  for (const auto& g : m.globals) fmt::format_to(it, ".global {}\n", g);
  for (const auto& e : m.externs) fmt::format_to(it, ".extern {} {}\n", e.name, e.arity);
  if (!out.empty()) out += '\n';

  for (size_t fi = 0; fi < m.functions.size(); ++fi) {
    const Function& f = m.functions[fi];
    // Every jump target in this function gets a label line.
    std::set<uint32_t> targets;
    for (uint32_t pc = f.start; pc < f.end && pc < m.code.size(); ++pc)
      if (op_info(m.code[pc].op).operand == OperandKind::Label) targets.insert(static_cast<uint32_t>(m.code[pc].a));
    for (const Label& l : m.labels)
      if (l.pc >= f.start && l.pc < f.end) targets.insert(l.pc);

    fmt::format_to(it, ".func {}", f.name);
    for (uint32_t i = 0; i < f.arity; ++i) fmt::format_to(it, " {}", local_name(f, i));
    out += '\n';
    if (f.num_locals > f.arity) {
      out += ".local";
      for (uint32_t i = f.arity; i < f.num_locals; ++i) fmt::format_to(it, " {}", local_name(f, i));
      out += '\n';
    }
    for (uint32_t pc = f.start; pc < f.end && pc < m.code.size(); ++pc) {
      if (targets.count(pc)) {
        bool named = false;
        for (const Label& l : m.labels)
          if (l.pc == pc) {
            fmt::format_to(it, "{}:\n", l.name);
            named = true;
          }
        if (!named) fmt::format_to(it, "{}:\n", label_name(m, pc));
      }
      fmt::format_to(it, "    {}\n", format_instruction(m, pc));
    }
    out += ".end\n";
    if (fi + 1 < m.functions.size()) out += '\n';
  }
  return out;
}

}  // namespace poolvm
