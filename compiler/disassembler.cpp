// compiler/disassembler.cpp — owns disassemble(), format_instruction() and
// format_constant(): a Module back to .pasm text that reassembles to the same
// module (`poolvm dis`), and single instructions for traces. Operand spelling
// is driven by the instruction table's operand kinds, never by opcode lists.
//
// Meant for verified modules (whose names are identifiers, labels sorted and
// code ranges in order); on any other module it still never reads out of
// bounds, it just may print text that does not reassemble.
#include "compiler/disassembler.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <span>

namespace poolvm {

std::string format_constant(const Constant& c) {
  switch (c.kind) {
    case Constant::Kind::Nil:
      return "nil";
    case Constant::Kind::Bool:
      return c.b ? "true" : "false";
    case Constant::Kind::Int:
      return fmt::format("{}", c.i);
    case Constant::Kind::Float: {
      if (std::isnan(c.f)) return std::signbit(c.f) ? "-nan" : "nan";
      // fmt's shortest round-trip form; an integral value ("2") needs ".0" to
      // stay a float when read back. "inf" already reads as a float.
      std::string s = fmt::format("{}", c.f);
      if (s.find_first_of(".en") == std::string::npos) s += ".0";
      return s;
    }
    case Constant::Kind::Str: {
      std::string s = "\"";
      for (unsigned char ch : c.s) {
        switch (ch) {
          case '\n':
            s += "\\n";
            break;
          case '\t':
            s += "\\t";
            break;
          case '\r':
            s += "\\r";
            break;
          case '\\':
            s += "\\\\";
            break;
          case '"':
            s += "\\\"";
            break;
          case '\0':
            s += "\\0";
            break;
          default:
            // Bytes >= 0x7f too: the text stays ASCII whatever the string holds.
            if (ch < 0x20 || ch >= 0x7f)
              fmt::format_to(std::back_inserter(s), "\\x{:02x}", ch);
            else
              s += static_cast<char>(ch);
        }
      }
      return s + "\"";
    }
  }
  return "nil";
}

namespace {

bool valid_op(Op op) { return static_cast<unsigned>(op) < static_cast<unsigned>(kNumOps); }

// The module's labels with pc in [lo, hi): Module::labels is sorted by pc.
std::span<const Label> labels_in(const Module& m, uint32_t lo, uint32_t hi) {
  auto first = std::partition_point(m.labels.begin(), m.labels.end(), [&](const Label& l) { return l.pc < lo; });
  auto last = std::partition_point(first, m.labels.end(), [&](const Label& l) { return l.pc < hi; });
  return {first, last};
}

// The function whose code holds pc, or nullptr. Verified functions are laid
// out in order, so a binary search finds it; the range check keeps any other
// module safe.
const Function* function_at(const Module& m, uint32_t pc) {
  auto it =
      std::partition_point(m.functions.begin(), m.functions.end(), [&](const Function& f) { return f.end <= pc; });
  if (it == m.functions.end() || pc < it->start || pc >= it->end) return nullptr;
  return &*it;
}

std::string local_name(const Function& f, uint32_t i) {
  if (f.local_names.size() == f.num_locals && i < f.local_names.size() && !f.local_names[i].empty())
    return f.local_names[i];
  return fmt::format("{}{}", i < f.arity ? 'p' : 'l', i);
}

// A jump target's name: the module's own when it has one, else L<offset in
// the function>, with '_' appended while a named label of the function
// already has it. Generated names differ in their digits, so never clash
// with each other.
std::string label_name(const Module& m, const Function& f, uint32_t target) {
  auto at = labels_in(m, target, target + 1);
  if (!at.empty()) return at.front().name;
  if (target < f.start || target >= f.end) return fmt::format("{}", target);  // an unverified module
  auto own = labels_in(m, f.start, f.end);
  std::string name = fmt::format("L{}", target - f.start);
  while (std::any_of(own.begin(), own.end(), [&](const Label& l) { return l.name == name; })) name += '_';
  return name;
}

// How the source named pc's operand (`LIMIT`, `body.mass`), or "" when it
// used no name or the name does not fit the operand (an unverified module).
std::string source_name_of(const Module& m, uint32_t pc, const Instr& in) {
  const OperandName* n = m.operand_name_at(pc);
  if (n == nullptr) return "";
  switch (n->kind) {
    case OperandName::Kind::Constant:
      return n->index < m.named_constants.size() ? m.named_constants[n->index].name : "";
    case OperandName::Kind::Field: {
      const auto& fields = m.fields_of(n->index);
      const auto slot = static_cast<uint32_t>(in.a);
      if (in.a < 0 || slot >= fields.size() || n->index >= m.pools.size()) return "";
      return fmt::format("{}.{}", m.pools[n->index].name, fields[slot]);
    }
  }
  return "";
}

std::string operand_text(const Module& m, const Function* f, uint32_t pc, const Instr& in) {
  if (std::string name = source_name_of(m, pc, in); !name.empty()) return name;
  const int32_t a = in.a;
  const auto u = static_cast<uint32_t>(a);
  auto name_or_index = [&](const auto& items, auto name) {
    return a >= 0 && u < items.size() ? std::string(name(items[u])) : fmt::format("{}", a);
  };
  switch (op_info(in.op).operand) {
    case OperandKind::None:
      return a == 0 ? "" : fmt::format("{}", a);
    case OperandKind::Const:
      return a >= 0 && u < m.constants.size() ? format_constant(m.constants[u]) : fmt::format("<constant {}>", a);
    case OperandKind::Local:
      // Locals may always be written by index; a name only when it exists.
      return f != nullptr && a >= 0 && u < f->num_locals ? local_name(*f, u) : fmt::format("{}", a);
    case OperandKind::Global:
      return name_or_index(m.globals, [](const std::string& g) { return g; });
    case OperandKind::Label:
      return f != nullptr ? label_name(m, *f, u) : fmt::format("{}", a);
    case OperandKind::Func:
      return name_or_index(m.functions, [](const Function& x) { return x.name; });
    case OperandKind::Extern:
      return name_or_index(m.externs, [](const Extern& x) { return x.name; });
    case OperandKind::RecPool:
    case OperandKind::AnyPool:
      return name_or_index(m.pools, [](const PoolConfig& x) { return x.name; });
    case OperandKind::Slot:
      return fmt::format("{}", a);
  }
  return fmt::format("{}", a);
}

std::string instruction_text(const Module& m, const Function* f, uint32_t pc) {
  const Instr& in = m.code[pc];
  if (!valid_op(in.op)) return fmt::format("<invalid opcode {}>", static_cast<unsigned>(in.op));
  std::string operand = operand_text(m, f, pc, in);
  std::string_view mnemonic = op_info(in.op).mnemonic;
  return operand.empty() ? std::string(mnemonic) : fmt::format("{} {}", mnemonic, operand);
}

void pool_lines(const Module& m, std::string& out) {
  auto it = std::back_inserter(out);
  const auto defaults = default_pool_configs();
  for (size_t i = 0; i < m.pools.size(); ++i) {
    const PoolConfig& p = m.pools[i];
    if (p.kind == PoolKind::Record) {
      const auto& fields = m.fields_of(static_cast<uint32_t>(i));
      if (fields.size() == p.size)
        fmt::format_to(it, ".pool {} fields={} blocks={}\n", p.name, fmt::join(fields, ","), p.blocks);
      else
        fmt::format_to(it, ".pool {} slots={} blocks={}\n", p.name, p.size, p.blocks);
      continue;
    }
    // A built-in is printed only when it differs from its default or its
    // .pool line was there, so that pool_declared reassembles too.
    const bool declared = i < m.pool_declared.size() && m.pool_declared[i];
    const bool changed = i >= defaults.size() || p.size != defaults[i].size || p.blocks != defaults[i].blocks;
    if (!declared && !changed) continue;
    switch (p.kind) {
      case PoolKind::Cons:
        fmt::format_to(it, ".pool cons blocks={}\n", p.blocks);
        break;
      case PoolKind::Str:
        fmt::format_to(it, ".pool str bytes={} blocks={}\n", p.size, p.blocks);
        break;
      case PoolKind::Frame:
        fmt::format_to(it, ".pool frame slots={} blocks={}\n", p.size, p.blocks);
        break;
      case PoolKind::Co:
        fmt::format_to(it, ".pool co slots={} blocks={}\n", p.size, p.blocks);
        break;
      case PoolKind::Record:
        break;
    }
  }
}

// " ; LoadKLtJz = load push lt jz" after an instruction the VM fused, padded
// so the comments of a function line up.
std::string fused_comment(std::span<const Instr> run_code, uint32_t pc, size_t width) {
  if (pc >= run_code.size() || !valid_op(run_code[pc].op)) return "";
  const Op op = run_code[pc].op;
  if (!(op_info(op).flags & kFused)) return "";
  std::string text = fmt::format("{:{}} ; {} =", "", width, op_info(op).name);
  const OpSequence& seq = fused_sequence(op);
  for (int k = 0; k < seq.length; ++k) fmt::format_to(std::back_inserter(text), " {}", op_info(seq.ops[k]).mnemonic);
  return text;
}

void function_text(const Module& m, const Function& f, std::string& out, std::span<const Instr> run_code) {
  auto it = std::back_inserter(out);
  fmt::format_to(it, ".func {}", f.name);
  for (uint32_t i = 0; i < f.arity; ++i) fmt::format_to(it, " {}", local_name(f, i));
  out += '\n';
  if (f.num_locals > f.arity) {
    out += ".local";
    for (uint32_t i = f.arity; i < f.num_locals; ++i) fmt::format_to(it, " {}", local_name(f, i));
    out += '\n';
  }
  const uint32_t end = static_cast<uint32_t>(std::min<size_t>(f.end, m.code.size()));
  const uint32_t start = std::min(f.start, end);
  // Jump targets without a name of their own get a generated label line.
  std::vector<bool> target(end - start, false);
  for (uint32_t pc = start; pc < end; ++pc) {
    const Instr& in = m.code[pc];
    if (!valid_op(in.op) || op_info(in.op).operand != OperandKind::Label) continue;
    const auto t = static_cast<uint32_t>(in.a);
    if (t >= start && t < end) target[t - start] = true;
  }
  auto named = labels_in(m, start, end);
  auto next = named.begin();
  for (uint32_t pc = start; pc < end; ++pc) {
    bool has_name = false;
    for (; next != named.end() && next->pc == pc; ++next) {
      fmt::format_to(it, "{}:\n", next->name);
      has_name = true;
    }
    if (target[pc - start] && !has_name) fmt::format_to(it, "{}:\n", label_name(m, f, pc));
    const std::string text = instruction_text(m, &f, pc);
    constexpr size_t kCommentColumn = 24;
    const size_t pad = text.size() < kCommentColumn ? kCommentColumn - text.size() : 0;
    fmt::format_to(it, "    {}{}\n", text, fused_comment(run_code, pc, pad));
  }
  out += ".end\n";
}

}  // namespace

std::string format_instruction(const Module& m, uint32_t pc) {
  if (pc >= m.code.size()) return fmt::format("<no instruction at {}>", pc);
  return instruction_text(m, function_at(m, pc), pc);
}

std::string disassemble(const Module& m) { return disassemble_fused(m, {}); }

std::string disassemble_fused(const Module& m, std::span<const Instr> run_code) {
  std::string out;
  auto it = std::back_inserter(out);
  // Constants first: a constant is defined before its first use.
  for (const NamedConstant& c : m.named_constants)
    fmt::format_to(it, ".const {} {}\n", c.name, format_constant(c.value));
  pool_lines(m, out);
  for (const auto& g : m.globals) fmt::format_to(it, ".global {}\n", g);
  for (const auto& e : m.externs) fmt::format_to(it, ".extern {} {}\n", e.name, e.arity);
  for (size_t i = 0; i < m.functions.size(); ++i) {
    if (!out.empty()) out += '\n';
    function_text(m, m.functions[i], out, run_code);
  }
  return out;
}

}  // namespace poolvm
