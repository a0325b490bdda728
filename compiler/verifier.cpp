// compiler/verifier.cpp — owns verify(): proves what the interpreter relies on
// (spec §7) so that it can run without per-instruction checks. Modules may be
// decoded from hostile .pbc bytes, so the checks run in an order where each
// one only indexes what an earlier one proved in range: pools, constants and
// names, then the functions' code layout, then each function's operands, and
// only then its stack heights, by abstract interpretation. Every pass is
// linear (or n log n) in the module's size, so no input can make it hang.
#include "compiler/verifier.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <string_view>
#include <unordered_set>

#include "compiler/lexer.h"
#include "runtime/pool.h"
#include "runtime/value.h"

namespace poolvm {

namespace {

constexpr int64_t kMaxSlotOperand = int64_t{kMaxSlots} - 1;
// Pool ids are 16 bits, and PoolSet::size() returns a uint16_t: 65536 pools
// would read as 0.
constexpr size_t kMaxPoolCount = 65535;
// Pool::kNoBlock must never be a real block index.
constexpr uint32_t kMaxPoolBlocks = Pool::kNoBlock - 1;
constexpr int64_t kUnseen = -1;

// A name for a message. Names from a .pbc can hold anything, and must not
// garble the terminal or flood it.
std::string escaped(std::string_view s) {
  constexpr size_t kMax = 64;
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i == kMax) {
      out += "...";
      break;
    }
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c >= 0x7f || c == '\'' || c == '\\')
      out += fmt::format("\\x{:02x}", c);
    else
      out += static_cast<char>(c);
  }
  return out;
}
std::string quoted(std::string_view s) { return fmt::format("'{}'", escaped(s)); }

std::string plural(int64_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

class Verifier {
 public:
  explicit Verifier(Module& m) : m_(m) {}

  std::vector<Diagnostic> run() {
    m_.main = -1;
    // Pools and layout are what everything after them indexes: stop on them.
    if (!check_pools()) return std::move(out_);
    check_constants();
    check_names();
    if (!check_layout()) return std::move(out_);
    m_.stack_heights.assign(m_.code.size(), kNoHeight);
    check_labels();
    for (uint32_t f = 0; f < m_.functions.size(); ++f) check_function(f);
    check_symbols();
    int main = check_main();
    if (out_.empty()) m_.main = main;
    return std::move(out_);
  }

 private:
  Module& m_;
  std::vector<Diagnostic> out_;
  std::vector<int64_t> height_;  // per pc of the function being checked
  std::vector<uint32_t> work_;

  void error(uint32_t line, std::string message) {
    out_.push_back(Diagnostic{m_.source_name, line, 0, 1, std::move(message)});
  }
  // At pc's line; without one (a stripped .pbc), at the function's.
  void error_in(const Function& f, uint32_t pc, std::string message) {
    const uint32_t line = m_.line_at(pc);
    error(line != 0 ? line : f.line, fmt::format("in function {}: {}", quoted(f.name), message));
  }

  bool check_pools() {
    const auto& p = m_.pools;
    if (p.size() < kFirstRecordPool || p[0].kind != PoolKind::Cons || p[0].name != "cons" || p[1].kind != PoolKind::Str ||
        p[1].name != "str" || p[2].kind != PoolKind::Frame || p[2].name != "frame" || p[kCoPool].kind != PoolKind::Co ||
        p[kCoPool].name != "co") {
      error(0, "the module's first pools must be the built-ins cons, str, frame and co");
      return false;
    }
    if (p.size() > kMaxPoolCount) {
      error(0, fmt::format("too many pools: {} (at most {})", p.size(), kMaxPoolCount));
      return false;
    }
    if (!m_.pool_declared.empty() && m_.pool_declared.size() != p.size()) {
      error(0, fmt::format("the module has {} pools but {} pool declaration flags", p.size(), m_.pool_declared.size()));
      return false;
    }
    bool ok = true;
    std::unordered_set<std::string_view> names;
    for (size_t i = 0; i < p.size(); ++i) {
      const PoolConfig& c = p[i];
      if (i >= kFirstRecordPool && c.kind != PoolKind::Record) {
        error(0, fmt::format("pool {} must be a record pool: only pools 0 to 3 are built-ins", quoted(c.name)));
        ok = false;
      } else if (c.kind == PoolKind::Cons && c.size != 2) {
        error(0, fmt::format("pool 'cons' must have 2 slots, not {}", c.size));
        ok = false;
      } else if (c.size < 1 || c.size > kMaxSlots) {
        error(0, fmt::format("pool {} has {} {}; it must be 1 to {}", quoted(c.name), c.size,
                             c.kind == PoolKind::Str ? "bytes" : "slots", kMaxSlots));
        ok = false;
      }
      if (c.blocks > kMaxPoolBlocks) {
        error(0, fmt::format("pool {} has {} blocks (at most {})", quoted(c.name), c.blocks, kMaxPoolBlocks));
        ok = false;
      }
      if (i >= kFirstRecordPool && !is_identifier(c.name)) {
        error(0, fmt::format("pool name {} is not an identifier", quoted(c.name)));
        ok = false;
      }
      if (!names.insert(c.name).second) {
        error(0, fmt::format("duplicate pool {}", quoted(c.name)));
        ok = false;
      }
    }
    return ok;
  }

  void check_constants() {
    for (size_t i = 0; i < m_.constants.size(); ++i)
      if (static_cast<uint8_t>(m_.constants[i].kind) > static_cast<uint8_t>(Constant::Kind::Str))
        error(0, fmt::format("constant {} has an unknown kind {}", i, static_cast<unsigned>(m_.constants[i].kind)));
  }

  // Names matter for the disassembler (its output must reassemble) and for
  // calling functions by name from a host: the assembler's rules, for every
  // module. Functions and externs share one namespace, as in `call F`.
  void check_names() {
    std::unordered_set<std::string_view> seen;
    for (const std::string& g : m_.globals) {
      if (!is_identifier(g))
        error(0, fmt::format("global name {} is not an identifier", quoted(g)));
      else if (!seen.insert(g).second)
        error(0, fmt::format("duplicate global {}", quoted(g)));
    }
    seen.clear();
    for (const Extern& e : m_.externs) {
      if (!is_identifier(e.name))
        error(0, fmt::format("extern name {} is not an identifier", quoted(e.name)));
      else if (!seen.insert(e.name).second)
        error(0, fmt::format("duplicate extern {}", quoted(e.name)));
    }
    std::unordered_set<std::string_view> functions;
    for (const Function& f : m_.functions) {
      if (!is_identifier(f.name)) {
        error(f.line, fmt::format("function name {} is not an identifier", quoted(f.name)));
      } else if (!functions.insert(f.name).second) {
        error(f.line, fmt::format("duplicate function {}", quoted(f.name)));
      } else if (seen.count(f.name) != 0) {
        error(f.line, fmt::format("function {} has the name of an extern", quoted(f.name)));
      }
    }
  }

  // The names of spec §14 are debug information, but dis prints them and
  // errors and traces show them, so they must be true of the code: a field
  // list per record pool that matches its slots, identifiers without
  // duplicates, and every named operand naming what its instruction holds.
  void check_symbols() {
    const auto& fields = m_.field_names;
    if (!fields.empty() && fields.size() != m_.pools.size()) {
      error(0, fmt::format("the module has {} pools but {} field lists", m_.pools.size(), fields.size()));
      return;
    }
    for (size_t p = 0; p < fields.size(); ++p) {
      if (fields[p].empty()) continue;
      const PoolConfig& pool = m_.pools[p];
      if (pool.kind != PoolKind::Record || fields[p].size() != pool.size) {
        error(0, fmt::format("pool {} has {} field names for {}", quoted(pool.name), fields[p].size(),
                             pool.kind == PoolKind::Record ? plural(pool.size, "slot", "slots") : "a built-in pool"));
        continue;
      }
      std::unordered_set<std::string_view> seen;
      for (const std::string& f : fields[p])
        if (!is_identifier(f) || !seen.insert(f).second)
          error(0, fmt::format("pool {} has a bad or duplicate field name {}", quoted(pool.name), quoted(f)));
    }
    std::unordered_set<std::string_view> names;
    for (const NamedConstant& c : m_.named_constants) {
      if (!is_identifier(c.name) || !names.insert(c.name).second)
        error(0, fmt::format("bad or duplicate constant name {}", quoted(c.name)));
      if (static_cast<uint8_t>(c.value.kind) > static_cast<uint8_t>(Constant::Kind::Str))
        error(0, fmt::format("constant {} has an unknown kind", quoted(c.name)));
    }
    int64_t last = -1;
    for (const OperandName& o : m_.operand_names) {
      if (static_cast<int64_t>(o.pc) <= last || o.pc >= m_.code.size()) {
        error(0, fmt::format("operand name at instruction {} is out of order or range", o.pc));
        return;
      }
      last = o.pc;
      if (!operand_name_fits(o)) error(m_.line_at(o.pc), fmt::format("operand name at instruction {} does not fit it", o.pc));
    }
  }

  // Constants as the assembler interns them: a NaN is itself, -0.0 is not 0.0.
  static bool same_bits(const Constant& a, const Constant& b) {
    if (a.kind != b.kind) return false;
    if (a.kind == Constant::Kind::Float) return std::memcmp(&a.f, &b.f, sizeof a.f) == 0;
    return a == b;
  }

  bool operand_name_fits(const OperandName& o) const {
    const Instr& in = m_.code[o.pc];
    if (static_cast<unsigned>(in.op) >= static_cast<unsigned>(kNumOps)) return false;
    const OperandKind kind = op_info(in.op).operand;
    const auto a = static_cast<uint32_t>(in.a);
    switch (o.kind) {
      case OperandName::Kind::Constant: {
        if (o.index >= m_.named_constants.size()) return false;
        const Constant& c = m_.named_constants[o.index].value;
        if (kind == OperandKind::Const) return in.a >= 0 && a < m_.constants.size() && same_bits(m_.constants[a], c);
        return kind == OperandKind::Slot && c.kind == Constant::Kind::Int && c.i == in.a;
      }
      case OperandName::Kind::Field:
        return kind == OperandKind::Slot && in.a >= 0 && a < m_.fields_of(o.index).size();
    }
    return false;
  }

  bool check_layout() {
    const uint64_t n = m_.code.size();
    const uint32_t frame_slots = m_.pools[kFramePool].size;
    bool ok = true;
    for (const Function& f : m_.functions) {
      const std::string name = quoted(f.name);
      if (f.start >= f.end || f.end > n) {
        error(f.line,
              fmt::format("function {} has no code or a code range outside the module "
                          "([{}, {}) of {})",
                          name, f.start, f.end, plural(static_cast<int64_t>(n), "instruction", "instructions")));
        ok = false;
      }
      if (f.arity > f.num_locals) {
        error(f.line, fmt::format("function {} has {} but only {}", name, plural(f.arity, "parameter", "parameters"),
                                  plural(f.num_locals, "local", "locals")));
        ok = false;
      }
      if (f.num_locals > frame_slots) {
        error(f.line, fmt::format("function {} needs {} locals but a frame block holds {} "
                                  "(use `.pool frame slots={}`)",
                                  name, f.num_locals, frame_slots, f.num_locals));
        ok = false;
      }
      if (!f.local_names.empty()) {
        if (f.local_names.size() != f.num_locals) {
          error(f.line,
                fmt::format("function {} has {} local names for {} locals", name, f.local_names.size(), f.num_locals));
          ok = false;
        } else {
          std::unordered_set<std::string_view> seen;
          for (const std::string& l : f.local_names) {
            if (!is_identifier(l)) {
              error(f.line, fmt::format("function {} has a local name {} that is not an identifier", name, quoted(l)));
              ok = false;
            } else if (!seen.insert(l).second) {
              error(f.line, fmt::format("function {} has two locals named {}", name, quoted(l)));
              ok = false;
            }
          }
        }
      }
    }
    if (!ok) return false;
    // Functions' code follows one another in function order, as the
    // assembler lays it out: then every instruction belongs to exactly one
    // function, and the disassembly (which prints functions in order)
    // reassembles to the same code.
    uint32_t covered = 0;
    for (size_t i = 0; i < m_.functions.size(); ++i) {
      const Function& f = m_.functions[i];
      if (f.start > covered) {
        error(f.line, fmt::format("instructions {}..{} belong to no function", covered, f.start - 1));
        return false;
      }
      if (f.start < covered) {
        error(f.line, fmt::format("function {} overlaps function {}, or comes before it in the code: "
                                  "functions' code must follow one another in order",
                                  quoted(f.name), quoted(m_.functions[i - 1].name)));
        return false;
      }
      covered = f.end;
    }
    if (covered != n) {
      error(0, fmt::format("instructions {}..{} belong to no function", covered, n - 1));
      return false;
    }
    return true;
  }

  // Label names are debug information, but the disassembler and traces look
  // them up by binary search, and the disassembly must reassemble.
  void check_labels() {
    const auto& labels = m_.labels;
    size_t fi = 0;
    std::unordered_set<std::string_view> names;  // of the current function
    for (size_t i = 0; i < labels.size(); ++i) {
      const Label& l = labels[i];
      if (l.pc >= m_.code.size()) {
        error(0, fmt::format("label {} is at {}, outside the code", quoted(l.name), l.pc));
        return;
      }
      if (i > 0 && l.pc < labels[i - 1].pc) {
        error(0, "the label table is not sorted by pc");
        return;
      }
      if (!is_identifier(l.name)) {
        error(m_.line_at(l.pc), fmt::format("label name {} is not an identifier", quoted(l.name)));
        return;
      }
      // Layout holds, so some function holds l.pc; labels are sorted, so it is
      // this one or a later one.
      bool moved = false;
      while (l.pc >= m_.functions[fi].end) ++fi, moved = true;
      if (moved) names.clear();
      if (!names.insert(l.name).second) {
        error(m_.line_at(l.pc),
              fmt::format("in function {}: duplicate label {}", quoted(m_.functions[fi].name), quoted(l.name)));
        return;
      }
    }
  }

  // Operand in range for its kind; false with a diagnostic otherwise.
  bool check_operand(const Function& f, uint32_t pc) {
    const Instr& in = m_.code[pc];
    const OpInfo& info = op_info(in.op);
    const int64_t a = in.a;
    auto bad = [&](std::string what) {
      error_in(f, pc, fmt::format("'{}' {}", info.mnemonic, what));
      return false;
    };
    auto below = [&](size_t n) { return a >= 0 && a < static_cast<int64_t>(n); };
    switch (info.operand) {
      case OperandKind::None:
        return a == 0 || bad("takes no operand");
      case OperandKind::Const:
        return below(m_.constants.size()) || bad(fmt::format("constant {} out of range", a));
      case OperandKind::Local:
        return below(f.num_locals) || bad(fmt::format("local {} out of range ({} locals)", a, f.num_locals));
      case OperandKind::Global:
        return below(m_.globals.size()) || bad(fmt::format("global {} out of range", a));
      case OperandKind::Label:
        // Every instruction is one slot, so any index in the range starts one.
        return (a >= f.start && a < f.end) || bad(fmt::format("jumps to {}, outside the function", a));
      case OperandKind::Func:
        return below(m_.functions.size()) || bad(fmt::format("function {} out of range", a));
      case OperandKind::Extern:
        return below(m_.externs.size()) || bad(fmt::format("extern {} out of range", a));
      case OperandKind::RecPool:
        if (!below(m_.pools.size())) return bad(fmt::format("pool {} out of range", a));
        if (m_.pools[a].kind != PoolKind::Cons && m_.pools[a].kind != PoolKind::Record)
          return bad(fmt::format("cannot take blocks of {}", quoted(m_.pools[a].name)));
        return true;
      case OperandKind::AnyPool:
        return below(m_.pools.size()) || bad(fmt::format("pool {} out of range", a));
      case OperandKind::Slot:
        return (a >= 0 && a <= kMaxSlotOperand) || bad(fmt::format("slot {} out of range (0..{})", a, kMaxSlotOperand));
    }
    return bad("has an unknown operand kind");
  }

  void check_function(uint32_t fi) {
    Function& f = m_.functions[fi];
    bool ok = true;
    for (uint32_t pc = f.start; pc < f.end; ++pc) {
      const auto byte = static_cast<unsigned>(m_.code[pc].op);
      // A file cannot bring these (read_pbc refuses them) and the assembler
      // cannot make them; a module built in memory (tests, fuzzers, a
      // tool) still could. Kept as one test per instruction at load, off
      // the run's path: a superinstruction the specializer did not choose
      // skips its operand conditions (ModK's divisor not 0, an int K).
      if (byte >= static_cast<unsigned>(kNumOps)) {
        error_in(f, pc, fmt::format("invalid opcode {}", byte));
        ok = false;
      } else if (!is_module_opcode(byte)) {
        error_in(f, pc,
                 fmt::format("opcode {} is a superinstruction the VM makes itself; it cannot appear in a "
                             "module",
                             byte));
        ok = false;
      } else {
        ok = check_operand(f, pc) && ok;
      }
    }
    // Heights computed over bad operands would only add noise.
    if (ok) check_stack(f);
  }

  // Abstract interpretation over stack heights: a worklist in which every
  // instruction enters once, with the height all paths into it must agree
  // on. Locals live in the frame, so the entry height is 0. Stops at the
  // first problem: what follows it would be measured from a wrong height.
  void check_stack(Function& f) {
    height_.assign(f.end - f.start, kUnseen);
    work_.assign(1, f.start);
    height_[0] = 0;
    int64_t max_height = 0;
    auto reach = [&](uint32_t from, uint32_t to, int64_t h) {
      if (to >= f.end) {
        error_in(f, from, "control runs off the end of the function");
        return false;
      }
      int64_t& seen = height_[to - f.start];
      if (seen == kUnseen) {
        seen = h;
        work_.push_back(to);
        return true;
      }
      if (seen == h) return true;
      error_in(f, to, fmt::format("stack height differs where paths join ({} on one path, {} on another)", seen, h));
      return false;
    };
    while (!work_.empty()) {
      const uint32_t pc = work_.back();
      work_.pop_back();
      const Instr& in = m_.code[pc];
      const OpInfo& info = op_info(in.op);
      const int64_t h = height_[pc - f.start];
      int64_t pops = info.pops, pushes = info.pushes;
      if (info.operand == OperandKind::Func) pops = m_.functions[in.a].arity;
      if (info.operand == OperandKind::Extern) pops = m_.externs[in.a].arity;
      if (pushes == kVar) pushes = 1;  // a call's result
      if (h < pops) {
        std::string callee;
        if (info.operand == OperandKind::Func) callee = fmt::format(" {}", escaped(m_.functions[in.a].name));
        if (info.operand == OperandKind::Extern) callee = fmt::format(" {}", escaped(m_.externs[in.a].name));
        error_in(f, pc,
                 fmt::format("stack underflow at '{}{}': needs {}, has {}", info.mnemonic, callee,
                             plural(pops, "value", "values"), h));
        return;
      }
      if (in.op == Op::Ret && h != 1) {
        error_in(f, pc, fmt::format("'ret' needs exactly one value on the stack, has {}", h));
        return;
      }
      const int64_t after = h - pops + ((info.flags & kEnd) ? 0 : pushes);
      max_height = std::max({max_height, h, after});
      if ((info.flags & kBranch) && !reach(pc, static_cast<uint32_t>(in.a), after)) return;
      if (!(info.flags & kEnd) && !reach(pc, pc + 1, after)) return;
    }
    f.max_stack = static_cast<uint32_t>(std::max<int64_t>(max_height, 1));
    // Kept for restoring snapshots (vm/snapshot.cpp): a saved frame's pc and
    // stack height are checked against what this proof established.
    for (uint32_t pc = f.start; pc < f.end; ++pc)
      if (height_[pc - f.start] != kUnseen) m_.stack_heights[pc] = static_cast<uint32_t>(height_[pc - f.start]);
  }

  // A library has no `main`: only `poolvm run` requires one (spec §10).
  int check_main() {
    // Names were checked unique, so the first `main` is the only one.
    int found = m_.find_function("main");
    if (found < 0) return -1;
    if (m_.functions[found].arity != 0) {
      error(m_.functions[found].line, "'main' must take no parameters");
      return -1;
    }
    return found;
  }
};

}  // namespace

std::vector<Diagnostic> verify(Module& m) { return Verifier(m).run(); }

}  // namespace poolvm
