// compiler/verifier.cpp — proves what the interpreter relies on (spec §7):
// structure and operand ranges first, then each function's stack heights by
// abstract interpretation. It must survive any Module, including ones decoded
// from hostile .pbc bytes, so every index is checked before it is used.
#include "compiler/verifier.h"

#include <fmt/format.h>

#include <algorithm>

#include "runtime/value.h"

namespace poolvm {

namespace {

constexpr uint32_t kMaxSlotOperand = 16777215;
constexpr int64_t kUnseen = -1;

class Verifier {
 public:
  explicit Verifier(Module& m) : m_(m) {}

  std::vector<Diagnostic> run() {
    if (!check_pools()) return std::move(out_);
    if (!check_layout()) return std::move(out_);
    for (size_t f = 0; f < m_.functions.size(); ++f) check_function(static_cast<uint32_t>(f));
    check_main();
    return std::move(out_);
  }

 private:
  Module& m_;
  std::vector<Diagnostic> out_;

  void error(uint32_t line, std::string message) {
    out_.push_back(Diagnostic{m_.source_name, line, 0, 1, std::move(message)});
  }
  uint32_t line_at(uint32_t pc) const { return pc < m_.lines.size() ? m_.lines[pc] : 0; }

  bool check_pools() {
    const auto& p = m_.pools;
    if (p.size() < 3 || p[0].kind != PoolKind::Cons || p[0].name != "cons" || p[1].kind != PoolKind::Str ||
        p[1].name != "str" || p[2].kind != PoolKind::Frame || p[2].name != "frame") {
      error(0, "the module's first pools must be the built-ins cons, str and frame");
      return false;
    }
    if (p.size() > 65535) {
      error(0, fmt::format("too many pools: {} (at most 65535)", p.size()));
      return false;
    }
    if (!m_.pool_declared.empty() && m_.pool_declared.size() != p.size()) {
      error(0, "pool declaration flags do not match the pools");
      return false;
    }
    bool ok = true;
    for (size_t i = 0; i < p.size(); ++i) {
      const PoolConfig& c = p[i];
      if (i >= 3 && c.kind != PoolKind::Record) {
        error(0, fmt::format("pool '{}' must be a record pool", c.name));
        ok = false;
      } else if (c.kind == PoolKind::Cons && c.size != 2) {
        error(0, "pool 'cons' must have 2 slots");
        ok = false;
      } else if (c.size < 1 || c.size > kMaxSlots) {
        error(0, fmt::format("pool '{}' has {} {}; it must be 1 to {}", c.name, c.size,
                             c.kind == PoolKind::Str ? "bytes" : "slots", kMaxSlots));
        ok = false;
      }
      for (size_t j = 0; j < i; ++j)
        if (p[j].name == c.name) {
          error(0, fmt::format("duplicate pool '{}'", c.name));
          ok = false;
        }
    }
    return ok;
  }

  bool check_layout() {
    const uint32_t n = static_cast<uint32_t>(m_.code.size());
    bool ok = true;
    std::vector<std::pair<uint32_t, uint32_t>> ranges;
    for (const Function& f : m_.functions) {
      if (f.start >= f.end || f.end > n) {
        error(f.line, fmt::format("function '{}' has no code or a code range outside the module", f.name));
        ok = false;
        continue;
      }
      if (f.arity > f.num_locals) {
        error(f.line, fmt::format("function '{}' has more parameters than locals", f.name));
        ok = false;
      }
      if (!f.local_names.empty() && f.local_names.size() != f.num_locals) {
        error(f.line, fmt::format("function '{}' has {} local names for {} locals", f.name, f.local_names.size(),
                                  f.num_locals));
        ok = false;
      }
      if (f.num_locals > m_.pools[kFramePool].size) {
        error(f.line, fmt::format("function '{}' needs {} locals but a frame block holds {} (use `.pool frame "
                                  "slots={}`)",
                                  f.name, f.num_locals, m_.pools[kFramePool].size, f.num_locals));
        ok = false;
      }
      ranges.emplace_back(f.start, f.end);
    }
    if (!ok) return false;
    std::sort(ranges.begin(), ranges.end());
    uint32_t covered = 0;
    for (const auto& [s, e] : ranges) {
      if (s != covered) {
        error(0, s < covered ? "function code ranges overlap" : "code outside every function");
        return false;
      }
      covered = e;
    }
    if (covered != n) {
      error(0, "code outside every function");
      return false;
    }
    return true;
  }

  // Operand in range for its kind; false with a diagnostic otherwise.
  bool check_operand(const Function& f, uint32_t pc) {
    const Instr& in = m_.code[pc];
    const OpInfo& info = op_info(in.op);
    const int64_t a = in.a;
    auto bad = [&](std::string what) {
      error(line_at(pc), fmt::format("in function '{}': '{}' {}", f.name, info.mnemonic, what));
      return false;
    };
    switch (info.operand) {
      case OperandKind::None: return a == 0 || bad("takes no operand");
      case OperandKind::Const:
        return (a >= 0 && a < static_cast<int64_t>(m_.constants.size())) || bad(fmt::format("constant {} out of range", a));
      case OperandKind::Local:
        return (a >= 0 && a < f.num_locals) || bad(fmt::format("local {} out of range ({} locals)", a, f.num_locals));
      case OperandKind::Global:
        return (a >= 0 && a < static_cast<int64_t>(m_.globals.size())) || bad(fmt::format("global {} out of range", a));
      case OperandKind::Label:
        return (a >= f.start && a < f.end) || bad(fmt::format("jumps to {}, outside the function", a));
      case OperandKind::Func:
        return (a >= 0 && a < static_cast<int64_t>(m_.functions.size())) || bad(fmt::format("function {} out of range", a));
      case OperandKind::Extern:
        return (a >= 0 && a < static_cast<int64_t>(m_.externs.size())) || bad(fmt::format("extern {} out of range", a));
      case OperandKind::RecPool:
        if (a < 0 || a >= static_cast<int64_t>(m_.pools.size())) return bad(fmt::format("pool {} out of range", a));
        if (m_.pools[a].kind != PoolKind::Cons && m_.pools[a].kind != PoolKind::Record)
          return bad(fmt::format("cannot take blocks of '{}'", m_.pools[a].name));
        return true;
      case OperandKind::AnyPool:
        return (a >= 0 && a < static_cast<int64_t>(m_.pools.size())) || bad(fmt::format("pool {} out of range", a));
      case OperandKind::Slot:
        return (a >= 0 && a <= kMaxSlotOperand) || bad(fmt::format("slot {} out of range", a));
    }
    return bad("has an unknown operand kind");
  }

  void check_function(uint32_t fi) {
    Function& f = m_.functions[fi];
    bool ok = true;
    for (uint32_t pc = f.start; pc < f.end; ++pc) {
      if (static_cast<uint8_t>(m_.code[pc].op) >= kNumOps) {
        error(line_at(pc), fmt::format("in function '{}': invalid opcode {}", f.name,
                                       static_cast<unsigned>(m_.code[pc].op)));
        ok = false;
        continue;
      }
      if (op_info(m_.code[pc].op).flags & kFused) {
        error(line_at(pc), fmt::format("in function '{}': opcode {} is a superinstruction the VM makes itself; it "
                                       "cannot appear in a module",
                                       f.name, static_cast<unsigned>(m_.code[pc].op)));
        ok = false;
        continue;
      }
      ok = check_operand(f, pc) && ok;
    }
    if (!ok) return;

    // Abstract interpretation over stack heights: one pass over a worklist,
    // each instruction visited once with the height every path must agree on.
    std::vector<int64_t> height(f.end - f.start, kUnseen);
    std::vector<uint32_t> work{f.start};
    height[0] = 0;
    int64_t max_height = 0;
    auto reach = [&](uint32_t from, uint32_t to, int64_t h) {
      if (to >= f.end) {
        error(line_at(from), fmt::format("in function '{}': control runs off the end of the function", f.name));
        return false;
      }
      int64_t& slot = height[to - f.start];
      if (slot == kUnseen) {
        slot = h;
        work.push_back(to);
      } else if (slot != h) {
        error(line_at(to), fmt::format("in function '{}': stack height differs where paths join ({} on one path, "
                                       "{} on another)",
                                       f.name, slot, h));
        return false;
      }
      return true;
    };
    while (!work.empty()) {
      uint32_t pc = work.back();
      work.pop_back();
      const Instr& in = m_.code[pc];
      const OpInfo& info = op_info(in.op);
      int64_t h = height[pc - f.start];
      int64_t pops = info.pops, pushes = info.pushes;
      if (info.operand == OperandKind::Func) pops = m_.functions[in.a].arity;
      if (info.operand == OperandKind::Extern) pops = m_.externs[in.a].arity;
      if (pushes == kVar) pushes = 1;
      if (h < pops) {
        error(line_at(pc), fmt::format("in function '{}': stack underflow at '{}': needs {} value{}, has {}", f.name,
                                       info.mnemonic, pops, pops == 1 ? "" : "s", h));
        return;
      }
      if (in.op == Op::Ret && h != 1) {
        error(line_at(pc), fmt::format("in function '{}': 'ret' needs exactly one value on the stack, has {}",
                                       f.name, h));
        return;
      }
      int64_t after = h - pops + ((info.flags & kEnd) ? 0 : pushes);
      max_height = std::max({max_height, h, after});
      if (info.flags & kBranch)
        if (!reach(pc, static_cast<uint32_t>(in.a), after)) return;
      if (!(info.flags & kEnd))
        if (!reach(pc, pc + 1, after)) return;
    }
    f.max_stack = static_cast<uint32_t>(std::max<int64_t>(max_height, 1));
  }

  void check_main() {
    int found = -1;
    for (size_t i = 0; i < m_.functions.size(); ++i)
      if (m_.functions[i].name == "main") found = static_cast<int>(i);
    if (found < 0) {
      error(0, "no function 'main'");
      return;
    }
    if (m_.functions[found].arity != 0) {
      error(m_.functions[found].line, "'main' must take no parameters");
      return;
    }
    m_.main = found;
  }
};

}  // namespace

std::vector<Diagnostic> verify(Module& m) { return Verifier(m).run(); }

}  // namespace poolvm
