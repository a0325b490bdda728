// vm/specialize.cpp — writes superinstructions (the kFused entries of the
// instruction table) over the first instruction of hot sequences, in the
// copy of the code the plain interpreter loop runs. The rest of each
// sequence stays in place: a jump into its middle still finds the original
// instructions, and no index changes, so lines and backtraces are untouched.
// Counting and traced runs use the original code, so steps stay exact.
//
// It also makes the copy's branch operands relative to the branch, and
// precomputes the magic numbers of `push K; mod` (vm/divisor.h).
//
// Every fused handler has an int (or live-reference) fast path and otherwise
// falls back to the handler of its first instruction, so a fused sequence
// behaves exactly like the instructions it covers, errors included.
#include "vm/specialize.h"

namespace poolvm {

namespace {

// The fused compare-and-branch opcodes of one family, by comparison (lt, le,
// gt, ge, eq, ne) and then branch (jz, jnz).
using BranchFamily = Op[6][2];
constexpr BranchFamily kCompareBranch = {{Op::LtJz, Op::LtJnz}, {Op::LeJz, Op::LeJnz}, {Op::GtJz, Op::GtJnz},
                                         {Op::GeJz, Op::GeJnz}, {Op::EqJz, Op::EqJnz}, {Op::NeJz, Op::NeJnz}};
constexpr BranchFamily kLocalsCompareBranch = {
    {Op::LoadLoadLtJz, Op::LoadLoadLtJnz}, {Op::LoadLoadLeJz, Op::LoadLoadLeJnz},
    {Op::LoadLoadGtJz, Op::LoadLoadGtJnz}, {Op::LoadLoadGeJz, Op::LoadLoadGeJnz},
    {Op::LoadLoadEqJz, Op::LoadLoadEqJnz}, {Op::LoadLoadNeJz, Op::LoadLoadNeJnz}};
constexpr BranchFamily kLocalConstCompareBranch = {
    {Op::LoadKLtJz, Op::LoadKLtJnz}, {Op::LoadKLeJz, Op::LoadKLeJnz}, {Op::LoadKGtJz, Op::LoadKGtJnz},
    {Op::LoadKGeJz, Op::LoadKGeJnz}, {Op::LoadKEqJz, Op::LoadKEqJnz}, {Op::LoadKNeJz, Op::LoadKNeJnz}};

// The member of `family` for comparison `cmp` followed by `branch` (jz or
// jnz), or Nop when cmp is not a comparison.
Op compare_branch(const BranchFamily& family, Op cmp, Op branch) {
  int row;
  switch (cmp) {
    case Op::Lt: row = 0; break;
    case Op::Le: row = 1; break;
    case Op::Gt: row = 2; break;
    case Op::Ge: row = 3; break;
    case Op::Eq: row = 4; break;
    case Op::Ne: row = 5; break;
    default: return Op::Nop;
  }
  return family[row][branch == Op::Jz ? 0 : 1];
}

// Reads the sequence at one pc of a function, never past its end.
struct Window {
  const Module& m;
  uint32_t pc, end;
  Op op(uint32_t k) const { return pc + k < end ? m.code[pc + k].op : Op::Nop; }
  int32_t arg(uint32_t k) const { return m.code[pc + k].a; }
  bool int_const(uint32_t k) const {
    return op(k) == Op::Push && m.constants[arg(k)].kind == Constant::Kind::Int;
  }
  int64_t int_value(uint32_t k) const { return m.constants[arg(k)].i; }
};

// The superinstruction for the sequence starting at w.pc, longest first;
// Nop when there is none.
Op fuse(const Window& w) {
  const Op a = w.op(0), b = w.op(1), c = w.op(2), d = w.op(3);
  const bool branch_at_3 = d == Op::Jz || d == Op::Jnz;
  switch (a) {
    case Op::Load:
      if (w.int_const(1) && c == Op::Add && d == Op::Store && w.arg(3) == w.arg(0)) return Op::IncLocal;
      if (w.int_const(1) && c == Op::Sub && d == Op::Store && w.arg(3) == w.arg(0)) return Op::DecLocal;
      if (w.int_const(1) && branch_at_3) {
        Op f = compare_branch(kLocalConstCompareBranch, c, d);
        if (f != Op::Nop) return f;
      }
      if (w.int_const(1) && c == Op::Add) return Op::LoadAddK;
      if (w.int_const(1) && c == Op::Sub) return Op::LoadSubK;
      if (b == Op::Load && branch_at_3) {
        Op f = compare_branch(kLocalsCompareBranch, c, d);
        if (f != Op::Nop) return f;
      }
      if (b == Op::Load && c == Op::Add && d == Op::Store) return Op::AddLocals;
      if (b == Op::Load && c == Op::GetI && d == Op::Store) return Op::GetIToLocal;
      if (b == Op::Load && c == Op::Load && d == Op::SetI) return Op::SetILocals;
      if (b == Op::Load && c == Op::GetI) return Op::LoadLoadGetI;
      if (b == Op::Push) return Op::LoadPush;
      if (b == Op::Jz) return Op::LoadJz;
      if (b == Op::Jnz) return Op::LoadJnz;
      if (b == Op::Load) return Op::LoadLoad;
      if (b == Op::Add) return Op::LoadAdd;
      if (b == Op::Sub) return Op::LoadSub;
      if (b == Op::Mul) return Op::LoadMul;
      if (b == Op::Car) return Op::LoadCar;
      if (b == Op::Cdr) return Op::LoadCdr;
      if (b == Op::GetF) return Op::LoadGetF;
      if (b == Op::Ret) return Op::LoadRet;
      if (b == Op::SetI) return Op::LoadSetI;
      return Op::Nop;
    case Op::Push:
      if (b == Op::SetI) return Op::PushSetI;
      if (!w.int_const(0)) return Op::Nop;
      if (b == Op::Add) return Op::AddK;
      if (b == Op::Sub) return Op::SubK;
      if (b == Op::Mul) return Op::MulK;
      if (b == Op::Mod && w.int_value(0) != 0 && w.int_value(0) != -1) return Op::ModK;
      return Op::Nop;
    case Op::Store:
      // Only when the load would not start a superinstruction of its own:
      // StoreLoad would take the load away from it.
      return b == Op::Load && fuse(Window{w.m, w.pc + 1, w.end}) == Op::Nop ? Op::StoreLoad : Op::Nop;
    case Op::Add: return b == Op::Store ? Op::AddStore : Op::Nop;
    case Op::Dup: return b == Op::Store ? Op::DupStore : Op::Nop;
    default:
      return b == Op::Jz || b == Op::Jnz ? compare_branch(kCompareBranch, a, b) : Op::Nop;
  }
}

}  // namespace

Specialized specialize(const Module& m) {
  Specialized s{m.code, std::vector<ConstDivisor>(m.constants.size())};
  for (const Function& f : m.functions) {
    for (uint32_t pc = f.start; pc + 1 < f.end; ++pc) {
      Op fused = fuse(Window{m, pc, f.end});
      if (fused == Op::Nop) continue;
      s.code[pc].op = fused;
      if (fused == Op::ModK) s.divisors[m.code[pc].a] = make_divisor(m.constants[m.code[pc].a].i);
    }
  }
  // Branch targets relative to the branch (see JUMP_VIA in the interpreter).
  // No sequence starts with a branch, so each is still at its own index.
  for (size_t pc = 0; pc < s.code.size(); ++pc)
    if (op_info(m.code[pc].op).flags & kBranch)
      s.code[pc].a = static_cast<int32_t>(static_cast<int64_t>(m.code[pc].a) - static_cast<int64_t>(pc));
  return s;
}

}  // namespace poolvm
