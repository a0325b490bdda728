// vm/specialize.cpp — writes superinstructions (the kFused rows of the
// instruction table) over the first instruction of hot sequences, in the
// copy of the code the plain interpreter loop runs. The rest of each
// sequence stays in place: a jump into its middle still finds the original
// instructions, and no index changes, so lines and backtraces are untouched.
// Counting and traced runs use the original code, so steps stay exact.
//
// The matcher is generated from the sequences the table declares: at each
// instruction, of the declared sequences that match and whose operands fit
// the handler (operands_fit below), the one that leaves the fewest
// dispatches to the function's end wins; among equals the longest (then
// table order).
// It runs once, at load; the dispatch loop never sees it.
//
// It also makes the copy's branch operands relative to the branch, and
// precomputes the magic numbers of `push K; mod` (vm/divisor.h).
//
// Every fused handler has an int (or live-reference) fast path and otherwise
// falls back to the handler of its first instruction, so a fused sequence
// behaves exactly like the instructions it covers, errors included.
#include "vm/specialize.h"

#include <array>
#include <cstdint>
#include <vector>

namespace poolvm {

namespace {

consteval int count_fused() {
  int n = 0;
  for (int i = 0; i < kNumOps; ++i) n += fused_length(static_cast<Op>(i)) > 0;
  return n;
}

// Every kFused row, longest sequence first; rows of equal length keep table order.
constexpr auto kPatterns = [] {
  std::array<Op, count_fused()> rows{};
  size_t n = 0;
  for (int len = kMaxFusedLength; len >= 2; --len)
    for (int i = 0; i < kNumOps; ++i)
      if (fused_length(static_cast<Op>(i)) == len) rows[n++] = static_cast<Op>(i);
  return rows;
}();

// Reads the sequence at one pc of a function, never past its end.
struct Window {
  const Module& m;
  uint32_t pc, end;
  int32_t arg(uint32_t k) const { return m.code[pc + k].a; }
  bool int_const(uint32_t k) const { return m.constants[arg(k)].kind == Constant::Kind::Int; }
  int64_t int_value(uint32_t k) const { return m.constants[arg(k)].i; }
};

bool matches(const OpSequence& s, const Window& w) {
  if (w.end - w.pc < s.length) return false;
  for (int k = 0; k < s.length; ++k)
    if (w.m.code[w.pc + k].op != s.ops[k]) return false;
  return true;
}

// An instruction whose int fast path uses its operands' int values.
bool takes_ints(Op op) {
  switch (op) {
    case Op::Add: case Op::Sub: case Op::Mul: case Op::Mod:
    case Op::Lt: case Op::Le: case Op::Gt: case Op::Ge: case Op::Eq: case Op::Ne:
      return true;
    default:
      return false;
  }
}

Op fuse(const Window& w);

// The operand conditions the rows' docs name; the sequence already matched.
bool operands_fit(Op fused, const Window& w) {
  const OpSequence& s = fused_sequence(fused);
  // A constant the handler computes with inline must be an int (the
  // handlers read constants[K].i without looking at its kind).
  for (int k = 0; k + 1 < s.length; ++k)
    if (s.ops[k] == Op::Push && takes_ints(s.ops[k + 1]) && !w.int_const(k)) return false;
  switch (fused) {
    case Op::ModK:  // const_rem needs a divisor whose remainder is defined (vm/divisor.h)
      return w.int_value(0) != 0 && w.int_value(0) != -1;
    case Op::IncLocal:
    case Op::DecLocal:
    case Op::IncLocalJmp:  // updates the local in place
      return w.arg(3) == w.arg(0);
    case Op::IncLocalLtJnz:  // updates the local in place and tests it
      return w.arg(3) == w.arg(0) && w.arg(4) == w.arg(0);
    case Op::StoreLoad:
      // StoreLoad would take the load away from a superinstruction of its own.
      return fuse(Window{w.m, w.pc + 1, w.end}) == Op::Nop;
    default:
      return true;
  }
}

// The superinstruction for the sequence starting at w.pc; Nop when there is none.
Op fuse(const Window& w) {
  for (Op fused : kPatterns)
    if (matches(fused_sequence(fused), w) && operands_fit(fused, w)) return fused;
  return Op::Nop;
}

}  // namespace

Specialized specialize(const Module& m) {
  Specialized s{m.code, std::vector<ConstDivisor>(m.constants.size())};
  // Which row to write at each pc: the one that leaves the fewest dispatches
  // from there to the function's end when control falls through (dynamic
  // programming from the end), so `load s; load a; load i; geti` is
  // `load s` and LoadLoadGetI rather than LoadLoad, `load i` and `geti`.
  // Ties go to the longest row at this pc, which is the greedy choice, so
  // the choice only changes where it saves a dispatch.
  std::vector<uint32_t> cost;
  std::vector<Op> choice;
  for (const Function& f : m.functions) {
    const uint32_t n = f.end - f.start;
    cost.assign(n + 1, 0);
    choice.assign(n, Op::Nop);
    for (uint32_t i = n; i-- > 0;) {
      const Window w{m, f.start + i, f.end};
      uint32_t best = UINT32_MAX;
      for (Op fused : kPatterns) {  // longest first: ties go to the longest
        if (!matches(fused_sequence(fused), w) || !operands_fit(fused, w)) continue;
        const uint32_t c = 1 + cost[i + fused_length(fused)];
        if (c < best) best = c, choice[i] = fused;
      }
      if (1 + cost[i + 1] < best) best = 1 + cost[i + 1], choice[i] = Op::Nop;
      cost[i] = best;
    }
    for (uint32_t i = 0; i < n; ++i) {
      const Op fused = choice[i];
      if (fused == Op::Nop) continue;
      const uint32_t pc = f.start + i;
      s.code[pc].op = fused;
      if (fused == Op::ModK) s.divisors[m.code[pc].a] = make_divisor(m.constants[m.code[pc].a].i);
    }
  }
  // Branch targets relative to the branch (see JUMP_VIA in the interpreter).
  // A branch only ends a sequence (opcodes.h checks), so each is still at its own index.
  for (size_t pc = 0; pc < s.code.size(); ++pc)
    if (op_info(m.code[pc].op).flags & kBranch)
      s.code[pc].a = static_cast<int32_t>(static_cast<int64_t>(m.code[pc].a) - static_cast<int64_t>(pc));
  return s;
}

}  // namespace poolvm
