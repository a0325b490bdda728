// vm/interpreter.cpp — the dispatch loop. It trusts the verifier: operands
// are in range, stack heights are proven, so no instruction checks bounds or
// decodes operands; only the dynamic facts (types, liveness of references,
// pool exhaustion) are checked. pc, sp and the frame pointer live in locals
// of execute_loop. Computed goto on GCC/Clang, a switch elsewhere. The loop is
// instantiated three times — plain, step-counting, and traced (counting plus
// observer hooks) — so neither --max-steps nor --trace costs anything, not even
// a branch per instruction, when it is off; with computed goto the counting
// loop runs the fused, threaded code too and charges steps per run of code
// (a basic block, extended through forward branches: straight_line_runs), at
// the run's first instruction, so a budget costs a subtract and a branch per
// run, not per dispatch; the run a budget ends in is stepped exactly, one
// instruction at a time (see exact_step). Its count also polls the host's
// interrupt, in place of the checks at calls and backward jumps.
// The plain loop runs the fused code of vm/specialize.cpp, direct-threaded
// (each instruction holds its handler's address); docs/performance.md
// measures each of these choices.
#include <cmath>
#include <functional>
#include <cstring>
#include <type_traits>

#include "compiler/opcodes.h"
#include "vm/machine.h"

// -DPOOLVM_COMPUTED_GOTO=0 forces the switch, to test it on GCC/Clang too.
#ifndef POOLVM_COMPUTED_GOTO
#if defined(__GNUC__) || defined(__clang__)
#define POOLVM_COMPUTED_GOTO 1
#else
#define POOLVM_COMPUTED_GOTO 0
#endif
#endif

namespace poolvm {

namespace {


std::string operand_types(const Value& a, const Value& b) {
  return fmt::format("{} and {}", tag_name(a.tag), tag_name(b.tag));
}

// Integer division and remainder with the spec's edge cases.
inline int64_t int_div(int64_t a, int64_t b) {
  if (b == -1) return static_cast<int64_t>(0 - static_cast<uint64_t>(a));
  return a / b;
}
inline int64_t int_mod(int64_t a, int64_t b) { return b == -1 ? 0 : a % b; }

// Copies a Value as two 8-byte words in general registers. Handlers often
// write only a Value's payload (8 bytes), and the next handler copies the
// whole Value: a 16-byte SSE load cannot take data forwarded from the smaller
// store and stalls until it retires. 8-byte loads are forwarded. On the
// machine in docs/performance.md this took loop.pasm from 1.12 s to 0.77 s.
inline void copy_value(Value& dst, const Value& src) {
  uint64_t lo, hi;
  std::memcpy(&lo, &src, 8);
  std::memcpy(&hi, reinterpret_cast<const std::byte*>(&src) + 8, 8);
#if defined(__GNUC__) || defined(__clang__)
  asm("" : "+r"(lo), "+r"(hi));  // keeps the words out of one SSE register
#endif
  std::memcpy(&dst, &lo, 8);
  std::memcpy(reinterpret_cast<std::byte*>(&dst) + 8, &hi, 8);
}

// The slot of a live record or cons at an int index within it: the whole
// fast path of geti/seti; false (slot untouched) sends the handler to its
// slow path, which names the error. The pool's slot count answers the bounds
// check, and it sits in the cache line the liveness check reads anyway
// (runtime/pool.h). A bool, not a pointer that is null on failure: the
// compiler cannot prove data + offset non-null and tested the sum again.
static_assert(Pool::kSlotBytes == sizeof(Value));
inline bool indexed_slot(Pool* pools, const Value& ref, const Value& index, Value*& slot) {
  static_assert(static_cast<int>(Tag::Rec) == static_cast<int>(Tag::Cons) + 1);
  if (static_cast<unsigned>(ref.tag) - static_cast<unsigned>(Tag::Cons) > 1u || index.tag != Tag::Int)
    return false;
  const Pool& p = pools[ref.pool];
  if (static_cast<uint64_t>(index.i) >= p.slots() || p.check(ref.block, ref.gen) != Pool::Check::Live)
    return false;
  slot = reinterpret_cast<Value*>(p.block(ref.block)) + index.i;
  return true;
}

// The same for getf/setf's constant slot number.
inline bool field_slot(Pool* pools, const Value& ref, uint32_t n, Value*& slot) {
  if (static_cast<unsigned>(ref.tag) - static_cast<unsigned>(Tag::Cons) > 1u) return false;
  const Pool& p = pools[ref.pool];
  if (n >= p.slots() || p.check(ref.block, ref.gen) != Pool::Check::Live) return false;
  slot = reinterpret_cast<Value*>(p.block(ref.block)) + n;
  return true;
}

// Takes a run's steps off the budget left; true (and `left` wrapped) when
// the budget has no room for them. On x86-64 the count stays in memory, one
// subtract from the stack slot and a branch on the borrow, so that the
// counting loop needs no more registers than the plain one.
[[maybe_unused]] inline bool charge_borrows(uint64_t& left, uint64_t run) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  bool borrow;
  asm("subq %2, %0" : "+m"(left), "=@ccb"(borrow) : "r"(run) : "cc");
  return borrow;
#else
  const bool borrow = run > left;
  left -= run;
  return borrow;
#endif
}

// How many steps a budgeted run takes between two reads of the interrupt
// flag (at most; see `beyond` in execute_loop). More than any run's length,
// so that one refill always makes room for a run when the budget has it.
constexpr uint64_t kPollEvery = uint64_t{1} << 16;
static_assert(kPollEvery > UINT16_MAX, "a run's rest is a uint16_t");

}  // namespace

// Where a superinstruction's handler finds the operand of the k-th
// instruction of its sequence: k itself, once the table confirms that
// instruction is `of`. A handler reading the wrong place fails to compile.
template <Op kFused, int k, Op of>
consteval int fused_operand() {
  static_assert(k >= 0 && k < fused_length(kFused), "no such instruction in the declared sequence");
  static_assert(fused_sequence(kFused).ops[k] == of, "the declared sequence has another instruction there");
  return k;
}
// How far a superinstruction's handler advances: its sequence's length,
// a constant the compiler folds whatever the optimization level.
template <Op kFused>
consteval int fused_advance() {
  static_assert(fused_length(kFused) >= 2, "only a superinstruction advances past one instruction");
  return fused_length(kFused);
}
// The branch of a compare-and-branch superinstruction: its last instruction.
template <Op kFused>
consteval int fused_branch() {
  constexpr int last = fused_length(kFused) - 1;
  static_assert(last >= 1 && (op_info(fused_sequence(kFused).ops[last]).flags & kBranch),
                "a fused jump needs a declared sequence that ends in a branch");
  return last;
}

enum Mode { kFast, kCounted, kTraced };

// In the threaded code (plain and counting loops) the operand of a load or
// a store (OperandKind::Local) is the local's byte offset from its frame,
// kFrameHeaderBytes + 16 * index, so the handler adds it to the frame
// pointer: no shift and add per local access. Locals are at most 2^24 (a
// frame's slots), so the offset fits the int32_t operand. Superinstructions
// keep their first instruction's operand, so this applies by the module's
// op at each index, which fused handlers read through ARG as that op.
// Constants and globals likewise: their operand is the byte offset of the
// value in its array (16 * index; a module's constants and globals are
// counted in int32_t operands, each far below 2^27).
inline int32_t threaded_operand(Op original, int32_t a) {
  switch (op_info(original).operand) {
    case OperandKind::Local:
      return static_cast<int32_t>(kFrameHeaderBytes + static_cast<size_t>(a) * sizeof(Value));
    case OperandKind::Const:
    case OperandKind::Global:
      return static_cast<int32_t>(static_cast<size_t>(a) * sizeof(Value));
    case OperandKind::Label:
      // fast_code's branch operand is relative to the branch, in
      // instructions (specialize()); here it is in bytes, so a jump adds it
      // to the branch's address with no shift (see JUMP_VIA).
      return static_cast<int32_t>(static_cast<int64_t>(a) * static_cast<int64_t>(sizeof(ThreadedInstr)));
    default:
      return a;
  }
}
template <class Code, class T>
inline T* element_at(T* base, int32_t operand) {
  if constexpr (std::is_same_v<Code, ThreadedInstr>)
    return reinterpret_cast<T*>(reinterpret_cast<std::conditional_t<std::is_const_v<T>, const std::byte, std::byte>*>(base) + operand);
  else
    return base + operand;
}
// ModK's divisor is per constant: at twice the constant's byte offset.
static_assert(sizeof(ConstDivisor) == 2 * sizeof(Value));
template <class Code>
inline const ConstDivisor* divisor_at(const ConstDivisor* base, int32_t operand) {
  if constexpr (std::is_same_v<Code, ThreadedInstr>)
    return reinterpret_cast<const ConstDivisor*>(reinterpret_cast<const std::byte*>(base) + static_cast<ptrdiff_t>(operand) * 2);
  else
    return base + operand;
}
// Where the branch at `at` jumps: in threaded code its operand is a byte
// offset from the branch (threaded_operand), in the plain loop's switch
// build an offset in instructions (specialize()), in the other loops the
// module's absolute target.
template <int kMode, class Code>
inline const Code* branch_target(const Code* at, const Code* code) {
  if constexpr (std::is_same_v<Code, ThreadedInstr>)
    return reinterpret_cast<const Code*>(reinterpret_cast<const std::byte*>(at) + at->a);
  else if constexpr (kMode == kFast)
    return at + at->a;
  else
    return code + at->a;
}
template <class Code>
inline Value* local_at(FrameHeader* frame, int32_t operand) {
  if constexpr (std::is_same_v<Code, ThreadedInstr>)
    return reinterpret_cast<Value*>(reinterpret_cast<std::byte*>(frame) + operand);
  else
    return frame_locals(frame) + operand;
}

// With computed goto the plain loop runs direct-threaded code: each
// instruction holds its handler's address. So does the counting loop, over
// the fused code too, so that a step budget costs little: the first
// instruction of each run carries the run's steps.
template <int kMode>
using CodeOf = std::conditional_t<(kMode == kFast || kMode == kCounted) && POOLVM_COMPUTED_GOTO, ThreadedInstr, Instr>;

namespace {
// Ends a run that stops for good (halt, or an error) from `frame`: gives
// every frame back, innermost first, calling on_free(frame, at) after each
// (its header is still readable: a release writes no block memory), and
// when the run is inside coroutines, marks each dead, calling
// on_dead(co, top, at) with its innermost frame, and goes on with its
// resumer's frames, up to the main run. `at` is the module instruction the
// run stood at in that stretch, for trace events: where it stopped, then
// each resumer's coresume (only a traced run has one: pass nullptr otherwise).
template <class OnFree, class OnDead>
void unwind_all(Machine& m, FrameHeader* frame, const Instr* at, OnFree&& on_free, OnDead&& on_dead) {
  Pool& frame_pool = (*m.pools)[kFramePool];
  for (;;) {
    FrameHeader* const top = frame;
    while (frame != nullptr) {
      FrameHeader* up = frame->caller;
      frame_pool.release(frame->block);
      on_free(frame, at);
      frame = up;
    }
    if (m.current_co == nullptr) return;
    CoHeader* co = m.current_co;
    on_dead(co, top, at);
    if (at != nullptr) at = m.module.code.data() + co->resumer_pc - 1;  // its coresume
    co->state = kCoDead;
    co->frame = nullptr;
    frame = co->resumer_frame;
    m.current_co = co->resumer_co;
  }
}

// The runs of the module's code that the counting loop charges at once. A
// run begins at a function's start, at a jump target and after any
// instruction that transfers control (a branch, a path's end, a resume, a
// yield, a host call) but a forward conditional branch and a call: control
// enters a run only at its first instruction (or, at a call's continuation,
// by a return) and goes on through it unless it stops for good (an error)
// or takes one of those forward branches, which then gives
// back the steps of the run after it (`refund`; a conditional branch out of
// a loop or an if rarely jumps, so most of the time the charge it saves is
// the whole saving, and a taken one costs an add in place of a charge).
// A backward conditional branch, usually taken, still ends its run. `rest`
// is how many steps remain from an instruction to its run's end; a run
// longer than a uint16_t is cut in two, and a branch is not run through
// when its refund would not fit in a byte.
#if POOLVM_COMPUTED_GOTO  // the switch loop counts every dispatch
struct Runs {
  std::vector<uint8_t> leader;
  std::vector<uint16_t> rest;
  std::vector<uint8_t> refund;
};
[[maybe_unused]] Runs straight_line_runs(const Module& module) {
  const size_t n = module.code.size();
  Runs r{std::vector<uint8_t>(n, 0), std::vector<uint16_t>(n, 1), std::vector<uint8_t>(n, 0)};
  auto forward_conditional = [&](size_t i) {
    const uint8_t flags = op_info(module.code[i].op).flags;
    return (flags & kBranch) && !(flags & (kEnd | kLeaves)) && static_cast<size_t>(module.code[i].a) > i;
  };
  // A call does not end its run: the caller's continuation is charged with
  // the call (see give_back_continuations).
  auto transfers = [&](size_t i) {
    if (module.code[i].op == Op::Call) return false;
    return (op_info(module.code[i].op).flags & (kBranch | kEnd | kLeaves)) != 0 && !forward_conditional(i);
  };
  for (const Function& f : module.functions)
    if (f.start < n) r.leader[f.start] = 1;
  for (size_t i = 0; i < n; ++i) {
    const Instr& in = module.code[i];
    if ((op_info(in.op).flags & kBranch) && static_cast<size_t>(in.a) < n) r.leader[static_cast<size_t>(in.a)] = 1;
    if (transfers(i) && i + 1 < n) r.leader[i + 1] = 1;
  }
  for (size_t i = n; i-- > 0;) {
    if (i + 1 == n || r.leader[i + 1] || transfers(i)) continue;  // rest stays 1
    if (r.rest[i + 1] == UINT16_MAX || (forward_conditional(i) && r.rest[i + 1] > UINT8_MAX)) {
      r.leader[i + 1] = 1;
      continue;
    }
    if (forward_conditional(i)) r.refund[i] = static_cast<uint8_t>(r.rest[i + 1]);
    r.rest[i] = static_cast<uint16_t>(r.rest[i + 1] + 1);
  }
  return r;
}

// A run goes on through a `call`, so the steps of the caller's continuation
// (from the instruction after the call to its run's end) are charged before
// the callee runs: one charge per call fewer than if each continuation were
// a run of its own. While a frame returns to such an instruction in the
// charging copy (not a run's start), those steps are charged and not yet
// taken. Wherever the count must be exact with frames still on a stack (a
// stop of any kind, and a coroutine's yield, after which it may be resumed
// by another run, and a budget ending inside a callee), this gives them
// back: it returns the steps and points each such frame's return into the
// re-charging copy, whose entry charges what is left of the run when
// control comes back there. `fr` is a stack's top frame.
[[maybe_unused, gnu::cold]] uint64_t give_back_chain(Machine& m, FrameHeader* fr) {
  const ThreadedInstr* const code = m.threaded_counted.data();
  const ThreadedInstr* const exact = m.threaded_exact.data();
  const ThreadedInstr* const recharge = m.threaded_recharge.data();
  const size_t n = m.threaded_counted.size();
  std::less<const void*> before;
  uint64_t steps = 0;
  for (; fr != nullptr && fr->caller != nullptr; fr = fr->caller) {
    auto* r = static_cast<const ThreadedInstr*>(fr->return_pc);
    if (!before(r, code) && before(r, code + n)) {
      const size_t i = static_cast<size_t>(r - code);
      if (m.run_leader[i]) continue;  // a run of its own: charged when it starts
      steps += r->rest;
      fr->return_pc = recharge + i;
    } else if ((!before(r, recharge) && before(r, recharge + n)) || (!before(r, exact) && before(r, exact + n))) {
      // Given back already, or made by exact stepping, which only runs
      // once everything below was given back: so was every frame below.
      // A pause walks only the frames made since the last one.
      break;
    }
  }
  return steps;
}

// The same for a whole run at a stop: its stack, then every resumer's (a
// nested run starts with no coroutine, so these are all this run's).
[[maybe_unused, gnu::cold]] uint64_t give_back_continuations(Machine& m, FrameHeader* top) {
  uint64_t steps = give_back_chain(m, top);
  for (CoHeader* co = m.current_co; co != nullptr; co = co->resumer_co) steps += give_back_chain(m, co->resumer_frame);
  return steps;
}
#endif
}  // namespace

// With frame == nullptr, only fills m.threaded (the handler addresses are
// known only inside this function) and returns. Execution starts at code
// index `entry` (a function's start, or where a paused run stopped).
template <int kMode>
static Machine::Outcome execute_loop(Machine& m, FrameHeader* frame, Value* sp, uint32_t entry, Value& result,
                                     int64_t& halt_code, Failure& failure) {
  using Code = CodeOf<kMode>;
#if POOLVM_COMPUTED_GOTO
  static void* const kLabels[] = {
#define POOLVM_X(name, ...) &&entry_##name,
      POOLVM_OPCODES(POOLVM_X)
#undef POOLVM_X
  };
  if constexpr (std::is_same_v<CodeOf<kMode>, ThreadedInstr>) {
    if (frame == nullptr) {
      const size_t n = m.fast_code.size();
      if constexpr (kMode == kFast) {
        m.threaded.resize(n);
        for (size_t i = 0; i < n; ++i) {
          int op = static_cast<uint8_t>(m.fast_code[i].op);
          m.threaded[i] = ThreadedInstr{kLabels[op], threaded_operand(m.module.code[i].op, m.fast_code[i].a), m.fast_code[i].op, 0, 1};
        }
      } else {
        // Where a run's first instruction enters: charges the run, then runs
        // the handler. Only here, so the plain loop takes no label's address
        // more than before.
        static void* const kCharges[] = {
#define POOLVM_X(name, ...) &&charge_##name,
            POOLVM_OPCODES(POOLVM_X)
#undef POOLVM_X
        };
        static void* const kRecharges[] = {
#define POOLVM_X(name, ...) &&recharge_##name,
            POOLVM_OPCODES(POOLVM_X)
#undef POOLVM_X
        };
        const Runs runs = straight_line_runs(m.module);
        m.threaded_counted.resize(n);
        m.threaded_exact.resize(n);
        m.threaded_recharge.resize(n);
        for (size_t i = 0; i < n; ++i) {
          Op op = m.fast_code[i].op;
          // A superinstruction reaching into the next run would skip that
          // run's charge: it runs as its plain first instruction instead.
          for (int k = 1; k < fused_length(op); ++k)
            if (i + k >= n || runs.leader[i + k]) op = m.module.code[i].op;
          const int o = static_cast<uint8_t>(op);
          // A superinstruction holds its branch's refund: read at pc, not at
          // pc + k, GCC computes no address for it ahead of the branch.
          m.threaded_counted[i] = ThreadedInstr{runs.leader[i] ? kCharges[o] : kLabels[o], threaded_operand(m.module.code[i].op, m.fast_code[i].a), op,
                                                runs.refund[i + static_cast<size_t>(std::max(fused_length(op), 1)) - 1], runs.rest[i]};
          // fast_code's operands: its branches are relative, as the handlers
          // expect. Nothing was charged ahead here, so nothing is refunded.
          m.threaded_recharge[i] = m.threaded_counted[i];
          m.threaded_recharge[i].handler = kRecharges[o];
          m.threaded_exact[i] = ThreadedInstr{&&exact_step, threaded_operand(m.module.code[i].op, m.fast_code[i].a), m.module.code[i].op, 0, runs.rest[i]};
        }
        m.run_leader = runs.leader;
      }
      return Machine::Outcome::Returned;
    }
  }
#endif
  // The plain loop runs the copy with superinstructions, and so does the
  // counting loop when threaded; the traced loop runs the original, so every
  // instruction is one trace line.
  const Code* code;
  if constexpr (std::is_same_v<Code, ThreadedInstr>) code = kMode == kFast ? m.threaded.data() : m.threaded_counted.data();
  else code = kMode == kFast ? m.fast_code.data() : m.module.code.data();
  // Budgeted runs charge steps per straight-line run (see straight_line_runs).
  constexpr bool kRuns = kMode == kCounted && std::is_same_v<Code, ThreadedInstr>;
  [[maybe_unused]] const Code* const exact = kRuns ? reinterpret_cast<const Code*>(m.threaded_exact.data()) : nullptr;
  [[maybe_unused]] const Code* const recharge = kRuns ? reinterpret_cast<const Code*>(m.threaded_recharge.data()) : nullptr;
  const Function* const funcs = m.module.functions.data();
  const Value* const constants = m.constants.data();
  const ConstDivisor* const divisors = m.divisors.data();
  Value* const globals = m.globals.data();
  Value* stack_end = m.stack_limit();  // moves when a coroutine is resumed or left
  // The pools never move during a run: index them directly, not through the PoolSet.
  Pool* const pools = &(*m.pools)[0];
  Pool& cons_pool = pools[kConsPool];
  Pool& str_pool = pools[kStrPool];
  Pool& frame_pool = pools[kFramePool];
  StrRefs strings(pools[kStrPool]);
  uint64_t steps = m.steps;
  const uint64_t max_steps = m.max_steps;
  // Per run or resume: a resumed run's count goes on from where it paused.
  const uint64_t step_cap = max_steps != 0 && max_steps <= UINT64_MAX - steps ? steps + max_steps : UINT64_MAX;
  // The run-charging loop counts down the steps left instead (steps is then
  // step_cap - left, worked out only where a run stops), and keeps the count
  // in memory: held in a register it pushed the frame pointer and the
  // constants out of theirs, which cost every handler an extra load or two
  // (a quarter more instructions on loop.pasm), far more than the charge.
  //
  // The same count polls the host's interrupt: `left` holds at most
  // kPollEvery steps, the rest of the budget waits in `beyond`, and each time
  // `left` runs out (a charge borrows) the interrupt flag is read and `left`
  // refilled. So the counting loop needs no interrupt check of its own at
  // calls and backward jumps, where the plain loop has one: that check cost
  // as much as a charge, and an interrupt now stops a budgeted run within
  // kPollEvery steps (exact stepping reads the flag before every step).
  [[maybe_unused]] uint64_t left = step_cap - steps;
  [[maybe_unused]] uint64_t beyond = 0;
  if constexpr (kRuns) {
    beyond = left - std::min(left, kPollEvery);
    left -= beyond;
  }
#define STEPS_NOW() (kRuns ? step_cap - left - beyond : steps)
  // Before the count is read with frames still on a stack: the steps charged
  // ahead for their callers' continuations go back (give_back_continuations).
#if POOLVM_COMPUTED_GOTO
#define GIVE_BACK(top) \
  if constexpr (kRuns) beyond += give_back_continuations(m, top)
#define GIVE_BACK_COROUTINE(top) \
  if constexpr (kRuns) beyond += give_back_chain(m, top)
#else
#define GIVE_BACK(top) (void)0
#define GIVE_BACK_COROUTINE(top) (void)0
#endif
  [[maybe_unused]] const bool exec_wanted = kMode == kTraced && m.observer->wants_instructions();

  const Code* pc = code + entry;
  // Locals are addressed from the frame pointer rather than kept in a
  // variable of their own: one register less for the compiler to spill.
#define locals (frame_locals(frame))
  // A load's or store's local, from its operand: in threaded code the
  // operand is already the local's byte offset from the frame (see
  // threaded_operand), so the address is one add, not a shift and an add.
#define LOCAL(operand) (*local_at<Code>(frame, (operand)))
  // The same for a constant (push) and a global: a byte offset into the
  // array in threaded code.
#define CONSTANT(operand) (*element_at<Code>(constants, (operand)))
#define GLOBAL(operand) (*element_at<Code>(globals, (operand)))
#define DIVISOR(operand) (*divisor_at<Code>(divisors, (operand)))
  Value* a = nullptr;  // scratch pointer into the stack for handlers
  CoHeader* leaving = nullptr;  // the coroutine co_leave returns from, with co_value
  Value co_value;

#define FAIL(kind, ...)                                                        \
  do {                                                                         \
    failure.pc = pc;                                                           \
    failure.frame = frame;                                                     \
    failure.fault = Fault{kind, fmt::format(__VA_ARGS__)};                     \
    goto failed;                                                               \
  } while (0)
#define FAIL_FAULT(f)          \
  do {                         \
    failure.pc = pc;           \
    failure.frame = frame;     \
    failure.fault = *(f);      \
    goto failed;               \
  } while (0)
#define TYPE_ERROR1(what, v) \
  FAIL("type error", "type error: '{}' expects {}, got {}", op_info(pc->op).mnemonic, what, tag_name((v).tag))
#define TYPE_ERROR2(what, x, y)                                                                   \
  FAIL("type error", "type error: '{}' expects {}, got {}", op_info(pc->op).mnemonic, what, \
       operand_types(x, y))
// `v` is live in `pool`. Inline: the fast path is one compare; only a dead
// reference goes out of line to build its message.
#define REQUIRE_LIVE_IN(pool, v)                                                        \
  do {                                                                                  \
    if ((pool).check((v).block, (v).gen) != Pool::Check::Live) [[unlikely]]            \
      FAIL_FAULT(m.check_live(v));                                                      \
  } while (0)
// A live reference of the given tag in `pool`, else a type error or a
// use-after-free.
#define REQUIRE_REF(v, wanted_tag, what, pool)        \
  do {                                                \
    if ((v).tag != (wanted_tag)) TYPE_ERROR1(what, v); \
    REQUIRE_LIVE_IN(pool, v);                         \
  } while (0)
// A string reference always names the str pool, and a cons reference the
// cons pool (constants, new strings, pool_malloc and cons make them there;
// host imports and snapshots refuse any other), so their liveness is checked
// in str_pool and cons_pool, at fixed addresses, not in pools[v.pool].
#define REQUIRE_SLOTS_REF(v)                                                          \
  do {                                                                                \
    if ((v).tag != Tag::Cons && (v).tag != Tag::Rec) TYPE_ERROR1("a record or cons", v); \
    REQUIRE_LIVE_IN(pools[(v).pool], v);                                              \
  } while (0)
// Checked at calls and backward jumps only: enough to bound the time to
// notice. The run that notices a request consumes it (exchange), so exactly
// one run, nested or not, stops for it.
#define INTERRUPT_PENDING() \
  (m.interrupted->load(std::memory_order_relaxed) && m.interrupted->exchange(false, std::memory_order_acq_rel))
// At calls and backward jumps; the run-charging loop polls at its refills.
#define CHECK_INTERRUPT()                                                          \
  do {                                                                             \
    if (!kRuns && m.interrupted->load(std::memory_order_relaxed)) [[unlikely]] {  \
      if (m.interrupted->exchange(false, std::memory_order_acq_rel))              \
        FAIL("interrupted", "interrupted by the host");                            \
    }                                                                              \
  } while (0)
// Inside a coroutine the stack that overflows is its segment in the co pool.
#define CO_STACK_OVERFLOW(f)                                                                            \
  FAIL("stack overflow",                                                                               \
       "stack overflow: calling '{}' needs more than the {} values of a coroutine's stack (.pool co slots=)", \
       (f).name, m.slots[kCoPool])
#define SLOT_PTR(v) (reinterpret_cast<Value*>(pools[(v).pool].block((v).block)))
#define TRACE(...)                       \
  do {                                   \
    if constexpr (kMode == kTraced) {    \
      __VA_ARGS__;                       \
    }                                    \
  } while (0)
#define NEW_STRING(var, len)                                                                  \
  uint32_t var = strings.alloc(len);                                                          \
  TRACE(m.trace_string(var == Pool::kNoBlock ? PoolEventKind::AllocFailed : PoolEventKind::Alloc, \
                       var, pc, frame, steps));                                               \
  if (var == Pool::kNoBlock)                                                                  \
    FAIL("out of memory", "out of memory: pool 'str' is exhausted ({} blocks of {} bytes)",   \
         pools[kStrPool].capacity(), strings.bytes_per_block());

#if POOLVM_COMPUTED_GOTO
// charge_X is where the first instruction of a straight-line run enters in
// the counting loop: the whole run is charged at once, or, when the budget
// has no room for all of it, the run is stepped exactly. A superinstruction
// falls back to op_X; dispatch enters at entry_X.
#define CASE(name)                                                     \
  recharge_##name: __attribute__((unused));                            \
  if constexpr (kRuns) pc = code + (pc - recharge);                    \
  charge_##name: __attribute__((unused));                              \
  if constexpr (kRuns) {                                               \
    if (charge_borrows(left, pc->rest)) [[unlikely]] {                 \
      left += pc->rest;                                                \
      goto refill;                                                     \
    }                                                                  \
  }                                                                    \
  op_##name: __attribute__((unused));                                  \
  entry_##name:
#define DISPATCH()                                                     \
  do {                                                                 \
    if constexpr (kMode != kFast && !kRuns) {                          \
      if (++steps > step_cap) [[unlikely]] goto step_limit;            \
    }                                                                  \
    if constexpr (kMode == kTraced) {                                  \
      if (exec_wanted) m.trace_exec(pc, frame, sp, steps);             \
    }                                                                  \
    if constexpr (std::is_same_v<Code, ThreadedInstr>) goto* pc->handler; \
    else goto* kLabels[static_cast<uint8_t>(pc->op)];                  \
  } while (0)
#else
// Only the superinstructions' fallbacks jump to these labels.
#if defined(__GNUC__) || defined(__clang__)
#define CASE(name) \
  case Op::name:   \
  op_##name: __attribute__((unused));
#else
#define CASE(name) \
  case Op::name:   \
  op_##name:
#endif
#define DISPATCH() goto dispatch
#endif
#define NEXT() \
  do {         \
    ++pc;      \
    DISPATCH(); \
  } while (0)

#if POOLVM_COMPUTED_GOTO
  if constexpr (kRuns) {
    // Entering mid-run (a suspended run resumes where it stopped): charge
    // what is left of the run, then run the instruction without charging again.
    if (pc->rest > left) {
      pc = exact + entry;
      goto exact_step;
    }
    left -= pc->rest;
    goto* kLabels[static_cast<uint8_t>(pc->op)];
  }
  DISPATCH();
#else
dispatch:
  if constexpr (kMode != kFast) {
    if (++steps > step_cap) goto step_limit;
  }
  if constexpr (kMode == kTraced) {
    if (exec_wanted) m.trace_exec(pc, frame, sp, steps);
  }
  switch (pc->op) {
#endif

  CASE(Push) { copy_value(sp[0], CONSTANT(pc->a)); ++sp; NEXT(); }
  CASE(Pop) { --sp; NEXT(); }
  CASE(Dup) { copy_value(sp[0], sp[-1]); ++sp; NEXT(); }
  CASE(Swap) {
    Value t;
    copy_value(t, sp[-1]);
    copy_value(sp[-1], sp[-2]);
    copy_value(sp[-2], t);
    NEXT();
  }
  CASE(Over) { copy_value(sp[0], sp[-2]); ++sp; NEXT(); }
  CASE(Load) { copy_value(sp[0], LOCAL(pc->a)); ++sp; NEXT(); }
  CASE(Store) { copy_value(LOCAL(pc->a), *--sp); NEXT(); }
  CASE(GLoad) { copy_value(sp[0], GLOBAL(pc->a)); ++sp; NEXT(); }
  CASE(GStore) { copy_value(GLOBAL(pc->a), *--sp); NEXT(); }

#define ARITH(name, int_expr, float_expr)                                       \
  CASE(name) {                                                                  \
    a = sp - 2;                                                                 \
    const Value& b = sp[-1];                                                    \
    if (a->tag == Tag::Int && b.tag == Tag::Int) [[likely]] {                   \
      uint64_t x = static_cast<uint64_t>(a->i), y = static_cast<uint64_t>(b.i); \
      a->i = static_cast<int64_t>(int_expr);                                    \
    } else if (a->tag == Tag::Float && b.tag == Tag::Float) {                   \
      /* the tag stays Float: no conversions, no rebuilt value */               \
      double x = a->f, y = b.f;                                                 \
      a->f = float_expr;                                                        \
    } else if (a->is_number() && b.is_number()) {                               \
      double x = a->as_double(), y = b.as_double();                             \
      *a = Value::real(float_expr);                                             \
    } else {                                                                    \
      TYPE_ERROR2("numbers", *a, b);                                            \
    }                                                                           \
    --sp;                                                                       \
    NEXT();                                                                     \
  }
  ARITH(Add, x + y, x + y)
  ARITH(Sub, x - y, x - y)
  ARITH(Mul, x * y, x * y)
#undef ARITH

  CASE(Div) {
    a = sp - 2;
    const Value& b = sp[-1];
    if (a->tag == Tag::Int && b.tag == Tag::Int) {
      if (b.i == 0) FAIL("division by zero", "division by zero");
      a->i = int_div(a->i, b.i);
    } else if (a->tag == Tag::Float && b.tag == Tag::Float) {
      a->f = a->f / b.f;
    } else if (a->is_number() && b.is_number()) {
      *a = Value::real(a->as_double() / b.as_double());
    } else {
      TYPE_ERROR2("numbers", *a, b);
    }
    --sp;
    NEXT();
  }
  CASE(Mod) {
    a = sp - 2;
    const Value& b = sp[-1];
    if (a->tag != Tag::Int || b.tag != Tag::Int) TYPE_ERROR2("ints", *a, b);
    if (b.i == 0) FAIL("division by zero", "division by zero");
    a->i = int_mod(a->i, b.i);
    --sp;
    NEXT();
  }
  CASE(Neg) {
    a = sp - 1;
    if (a->tag == Tag::Int) a->i = static_cast<int64_t>(0 - static_cast<uint64_t>(a->i));
    else if (a->tag == Tag::Float) a->f = -a->f;
    else TYPE_ERROR1("a number", *a);
    NEXT();
  }

#define BITS(name, expr)                                         \
  CASE(name) {                                                   \
    a = sp - 2;                                                  \
    const Value& b = sp[-1];                                     \
    if (a->tag != Tag::Int || b.tag != Tag::Int) TYPE_ERROR2("ints", *a, b); \
    uint64_t x = static_cast<uint64_t>(a->i), y = static_cast<uint64_t>(b.i); \
    a->i = static_cast<int64_t>(expr);                           \
    --sp;                                                        \
    NEXT();                                                      \
  }
  BITS(BAnd, x & y)
  BITS(BOr, x | y)
  BITS(BXor, x ^ y)
  BITS(Shl, x << (y & 63))
  BITS(Shr, static_cast<uint64_t>(static_cast<int64_t>(x) >> (y & 63)))
#undef BITS

  CASE(BNot) {
    if (sp[-1].tag != Tag::Int) TYPE_ERROR1("an int", sp[-1]);
    sp[-1].i = ~sp[-1].i;
    NEXT();
  }
  CASE(IToF) {
    if (sp[-1].tag == Tag::Int) sp[-1] = Value::real(static_cast<double>(sp[-1].i));
    else if (sp[-1].tag != Tag::Float) TYPE_ERROR1("a number", sp[-1]);
    NEXT();
  }
  CASE(FToI) {
    a = sp - 1;
    if (a->tag == Tag::Float) {
      double d = std::trunc(a->f);
      // [-2^63, 2^63) is exactly the doubles that convert without overflow.
      if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) {
        fmt::memory_buffer shown;
        append_float(a->f, shown);
        FAIL("range error", "range error: 'ftoi' cannot represent {} as an int", fmt::to_string(shown));
      }
      *a = Value::integer(static_cast<int64_t>(d));
    } else if (a->tag != Tag::Int) {
      TYPE_ERROR1("a number", *a);
    }
    NEXT();
  }
  CASE(Sqrt) {
    if (sp[-1].tag == Tag::Float) [[likely]] {
      sp[-1].f = std::sqrt(sp[-1].f);
      NEXT();
    }
    if (!sp[-1].is_number()) TYPE_ERROR1("a number", sp[-1]);
    sp[-1] = Value::real(std::sqrt(sp[-1].as_double()));
    NEXT();
  }

#define EQUALITY(name, negate)                                                      \
  CASE(name) {                                                                      \
    a = sp - 2;                                                                     \
    const Value& b = sp[-1];                                                        \
    bool eq;                                                                        \
    if (a->tag == Tag::Int && b.tag == Tag::Int) {                                  \
      eq = a->i == b.i;                                                             \
    } else if (a->is_number() && b.is_number()) {                                   \
      eq = a->as_double() == b.as_double();                                         \
    } else if (a->tag != b.tag) {                                                   \
      eq = false;                                                                   \
    } else if (a->tag == Tag::Str) {                                                \
      REQUIRE_LIVE_IN(str_pool, *a);                                                \
      REQUIRE_LIVE_IN(str_pool, b);                                                 \
      eq = strings.equal(a->block, b.block);                                        \
    } else if (a->is_ref()) {                                                       \
      eq = same_ref(*a, b);                                                         \
    } else if (a->tag == Tag::Bool) {                                               \
      eq = a->b == b.b;                                                             \
    } else {                                                                        \
      eq = true; /* nil */                                                          \
    }                                                                               \
    *a = Value::boolean(eq != (negate));                                            \
    --sp;                                                                           \
    NEXT();                                                                         \
  }
  EQUALITY(Eq, false)
  EQUALITY(Ne, true)
#undef EQUALITY

#define ORDER(name, cmp)                                                        \
  CASE(name) {                                                                  \
    a = sp - 2;                                                                 \
    const Value& b = sp[-1];                                                    \
    bool r;                                                                     \
    if (a->tag == Tag::Int && b.tag == Tag::Int) [[likely]] {                   \
      r = a->i cmp b.i;                                                         \
    } else if (a->is_number() && b.is_number()) {                               \
      r = a->as_double() cmp b.as_double();                                     \
    } else if (a->tag == Tag::Str && b.tag == Tag::Str) {                       \
      REQUIRE_LIVE_IN(str_pool, *a);                                            \
      REQUIRE_LIVE_IN(str_pool, b);                                             \
      r = strings.compare(a->block, b.block) cmp 0;                             \
    } else {                                                                    \
      TYPE_ERROR2("two numbers or two strings", *a, b);                         \
    }                                                                           \
    *a = Value::boolean(r);                                                     \
    --sp;                                                                       \
    NEXT();                                                                     \
  }
  ORDER(Lt, <)
  ORDER(Le, <=)
  ORDER(Gt, >)
  ORDER(Ge, >=)
#undef ORDER

  CASE(Not) { sp[-1] = Value::boolean(!sp[-1].truthy()); NEXT(); }

// The branch at pc[k] jumps. In the plain loop's code specialize() made
// branch operands relative to their own instruction, so no code base pointer
// has to stay live in a register; the other loops run the module's absolute
// targets. A conditional branch forward in the run-charging loop gives back
// what its run was charged for after it (see straight_line_runs).
#define JUMP_VIA(k, conditional)                                            \
  do {                                                                      \
    const Code* target = branch_target<kMode, Code>(pc + (k), code);       \
    if (target <= pc) CHECK_INTERRUPT();                                    \
    else if constexpr (kRuns && (conditional)) left += pc->refund;           \
    pc = target;                                                            \
    DISPATCH();                                                             \
  } while (0)
  CASE(Jmp) { JUMP_VIA(0, false); }
  CASE(Jz) {
    if (!(--sp)->truthy()) JUMP_VIA(0, true);
    NEXT();
  }
  CASE(Jnz) {
    if ((--sp)->truthy()) JUMP_VIA(0, true);
    NEXT();
  }

  // Superinstructions: a fast path for ints; anything else falls back to the
  // first instruction's own handler, and the rest of the sequence, still in
  // place after it, runs as usual. Where each operand sits, how far a handler
  // advances and where its branch is all come from the row's declared
  // sequence (compiler/opcodes.h), checked at compile time, never from a
  // number written here.
#define ARG(name, k, of) (pc[fused_operand<Op::name, k, Op::of>()].a)
#define FUSED_NEXT(name)                 \
  do {                                   \
    pc += fused_advance<Op::name>();     \
    DISPATCH();                          \
  } while (0)
#define FUSED_JUMP(name) \
  JUMP_VIA(fused_branch<Op::name>(), !(op_info(fused_sequence(Op::name).ops[fused_branch<Op::name>()]).flags & kEnd))
#define FALLBACK(name, first)                                          \
  do {                                                                 \
    static_assert(fused_sequence(Op::name).ops[0] == Op::first,        \
                  "a superinstruction falls back to its first instruction"); \
    goto op_##first;                                                   \
  } while (0)
  CASE(LoadJz) {
    if (!LOCAL(ARG(LoadJz, 0, Load)).truthy()) FUSED_JUMP(LoadJz);
    FUSED_NEXT(LoadJz);
  }
  CASE(LoadJnz) {
    if (LOCAL(ARG(LoadJnz, 0, Load)).truthy()) FUSED_JUMP(LoadJnz);
    FUSED_NEXT(LoadJnz);
  }
#define LOAD_CONST_ARITH(name, expr)                                                         \
  CASE(name) {                                                                               \
    const Value& x = LOCAL(ARG(name, 0, Load));                                             \
    if (x.tag != Tag::Int) FALLBACK(name, Load);                                             \
    const uint64_t v = static_cast<uint64_t>(x.i), k = static_cast<uint64_t>(CONSTANT(ARG(name, 1, Push)).i); \
    sp[0] = Value::integer(static_cast<int64_t>(expr));                                      \
    ++sp;                                                                                    \
    FUSED_NEXT(name);                                                                        \
  }
  LOAD_CONST_ARITH(LoadAddK, v + k)
  LOAD_CONST_ARITH(LoadSubK, v - k)
#undef LOAD_CONST_ARITH
  CASE(LoadPush) {
    copy_value(sp[0], LOCAL(ARG(LoadPush, 0, Load)));
    copy_value(sp[1], CONSTANT(ARG(LoadPush, 1, Push)));
    sp += 2;
    FUSED_NEXT(LoadPush);
  }
#define COMPARE_BRANCH(name, base, cmp, jump_when)                        \
  CASE(name) {                                                            \
    if (sp[-2].tag != Tag::Int || sp[-1].tag != Tag::Int) FALLBACK(name, base); \
    bool r = sp[-2].i cmp sp[-1].i;                                       \
    sp -= 2;                                                              \
    if (r == (jump_when)) FUSED_JUMP(name);                               \
    FUSED_NEXT(name);                                                     \
  }
  COMPARE_BRANCH(LtJz, Lt, <, false)
  COMPARE_BRANCH(LeJz, Le, <=, false)
  COMPARE_BRANCH(GtJz, Gt, >, false)
  COMPARE_BRANCH(GeJz, Ge, >=, false)
  COMPARE_BRANCH(EqJz, Eq, ==, false)
  COMPARE_BRANCH(NeJz, Ne, !=, false)
  COMPARE_BRANCH(LtJnz, Lt, <, true)
  COMPARE_BRANCH(LeJnz, Le, <=, true)
  COMPARE_BRANCH(GtJnz, Gt, >, true)
  COMPARE_BRANCH(GeJnz, Ge, >=, true)
  COMPARE_BRANCH(EqJnz, Eq, ==, true)
  COMPARE_BRANCH(NeJnz, Ne, !=, true)
#undef COMPARE_BRANCH

  CASE(LoadLoad) {
    copy_value(sp[0], LOCAL(ARG(LoadLoad, 0, Load)));
    copy_value(sp[1], LOCAL(ARG(LoadLoad, 1, Load)));
    sp += 2;
    FUSED_NEXT(LoadLoad);
  }
  // Two floats have their own path after the ints' (the tag stays Float),
  // as in the plain arithmetic handlers; mixed operands fall back.
#define LOCAL_ARITH(name, expr)                                                    \
  CASE(name) {                                                                     \
    const Value& y = LOCAL(ARG(name, 0, Load));                                   \
    if (sp[-1].tag == Tag::Int && y.tag == Tag::Int) [[likely]] {                  \
      uint64_t x = static_cast<uint64_t>(sp[-1].i), k = static_cast<uint64_t>(y.i); \
      sp[-1].i = static_cast<int64_t>(expr);                                       \
    } else if (sp[-1].tag == Tag::Float && y.tag == Tag::Float) {                  \
      double x = sp[-1].f, k = y.f;                                                \
      sp[-1].f = expr;                                                             \
    } else {                                                                       \
      FALLBACK(name, Load);                                                        \
    }                                                                              \
    FUSED_NEXT(name);                                                              \
  }
  LOCAL_ARITH(LoadAdd, x + k)
  LOCAL_ARITH(LoadSub, x - k)
  LOCAL_ARITH(LoadMul, x * k)
#undef LOCAL_ARITH
  // The constant is an int: specialize() only fuses int constants.
#define CONST_ARITH(name, expr)                                                              \
  CASE(name) {                                                                               \
    if (sp[-1].tag != Tag::Int) FALLBACK(name, Push);                                        \
    uint64_t x = static_cast<uint64_t>(sp[-1].i), k = static_cast<uint64_t>(CONSTANT(ARG(name, 0, Push)).i); \
    sp[-1].i = static_cast<int64_t>(expr);                                                   \
    FUSED_NEXT(name);                                                                        \
  }
  CONST_ARITH(AddK, x + k)
  CONST_ARITH(SubK, x - k)
  CONST_ARITH(MulK, x * k)
#undef CONST_ARITH
  CASE(ModK) {
    // K is neither 0 nor -1, so the remainder is defined and matches int_mod.
    if (sp[-1].tag != Tag::Int) FALLBACK(ModK, Push);
    sp[-1].i = const_rem(sp[-1].i, DIVISOR(ARG(ModK, 0, Push)));
    FUSED_NEXT(ModK);
  }
  CASE(AddStore) {
    if (sp[-2].tag == Tag::Int && sp[-1].tag == Tag::Int) [[likely]]
      LOCAL(ARG(AddStore, 1, Store)) =
          Value::integer(static_cast<int64_t>(static_cast<uint64_t>(sp[-2].i) + static_cast<uint64_t>(sp[-1].i)));
    else if (sp[-2].tag == Tag::Float && sp[-1].tag == Tag::Float)
      LOCAL(ARG(AddStore, 1, Store)) = Value::real(sp[-2].f + sp[-1].f);
    else
      FALLBACK(AddStore, Add);
    sp -= 2;
    FUSED_NEXT(AddStore);
  }
  CASE(StoreLoad) {
    copy_value(LOCAL(ARG(StoreLoad, 0, Store)), sp[-1]);
    copy_value(sp[-1], LOCAL(ARG(StoreLoad, 1, Load)));
    FUSED_NEXT(StoreLoad);
  }
  CASE(DupStore) {
    copy_value(LOCAL(ARG(DupStore, 1, Store)), sp[-1]);
    FUSED_NEXT(DupStore);
  }
  // The store names the same local as the load: specialize() checks.
#define LOCAL_UPDATE(name, expr)                                                             \
  CASE(name) {                                                                               \
    Value& x = LOCAL(ARG(name, 0, Load));                                                   \
    if (x.tag != Tag::Int) FALLBACK(name, Load);                                             \
    const uint64_t v = static_cast<uint64_t>(x.i), k = static_cast<uint64_t>(CONSTANT(ARG(name, 1, Push)).i); \
    x.i = static_cast<int64_t>(expr);                                                        \
    FUSED_NEXT(name);                                                                        \
  }
  LOCAL_UPDATE(IncLocal, v + k)
  LOCAL_UPDATE(DecLocal, v - k)
#undef LOCAL_UPDATE
#define LOAD_CONS_FIELD(name, index, field)                                             \
  CASE(name) {                                                                          \
    static_assert(fused_sequence(Op::name).ops[1] == Op::field);                        \
    const Value& x = LOCAL(ARG(name, 0, Load));                                        \
    if (x.tag != Tag::Cons || cons_pool.check(x.block, x.gen) != Pool::Check::Live)     \
      FALLBACK(name, Load);                                                             \
    copy_value(sp[0], reinterpret_cast<Value*>(cons_pool.block(x.block))[index]);       \
    ++sp;                                                                               \
    FUSED_NEXT(name);                                                                   \
  }
  LOAD_CONS_FIELD(LoadCar, 0, Car)
  LOAD_CONS_FIELD(LoadCdr, 1, Cdr)
#undef LOAD_CONS_FIELD
  CASE(LoadGetF) {
    Value* slot;
    if (!field_slot(pools, LOCAL(ARG(LoadGetF, 0, Load)), static_cast<uint32_t>(ARG(LoadGetF, 1, GetF)), slot)) FALLBACK(LoadGetF, Load);
    copy_value(sp[0], *slot);
    ++sp;
    FUSED_NEXT(LoadGetF);
  }
  CASE(LoadRet) {
    copy_value(*sp++, LOCAL(ARG(LoadRet, 0, Load)));
    // At the ret, where a traced run would be: the backtrace names its line.
    pc += fused_operand<Op::LoadRet, fused_length(Op::LoadRet) - 1, Op::Ret>();
    goto return_top;
  }
#define LOCAL_CONST_BRANCH(name, cmp, jump_when)                                 \
  CASE(name) {                                                                   \
    const Value& x = LOCAL(ARG(name, 0, Load));                                 \
    if (x.tag != Tag::Int) FALLBACK(name, Load);                                 \
    if ((x.i cmp CONSTANT(ARG(name, 1, Push)).i) == (jump_when)) FUSED_JUMP(name); \
    FUSED_NEXT(name);                                                            \
  }
  LOCAL_CONST_BRANCH(LoadKLtJz, <, false)
  LOCAL_CONST_BRANCH(LoadKLeJz, <=, false)
  LOCAL_CONST_BRANCH(LoadKGtJz, >, false)
  LOCAL_CONST_BRANCH(LoadKGeJz, >=, false)
  LOCAL_CONST_BRANCH(LoadKEqJz, ==, false)
  LOCAL_CONST_BRANCH(LoadKNeJz, !=, false)
  LOCAL_CONST_BRANCH(LoadKLtJnz, <, true)
  LOCAL_CONST_BRANCH(LoadKLeJnz, <=, true)
  LOCAL_CONST_BRANCH(LoadKGtJnz, >, true)
  LOCAL_CONST_BRANCH(LoadKGeJnz, >=, true)
  LOCAL_CONST_BRANCH(LoadKEqJnz, ==, true)
  LOCAL_CONST_BRANCH(LoadKNeJnz, !=, true)
#undef LOCAL_CONST_BRANCH
#define LOCALS_BRANCH(name, cmp, jump_when)                                 \
  CASE(name) {                                                              \
    const Value& x = LOCAL(ARG(name, 0, Load));                            \
    const Value& y = LOCAL(ARG(name, 1, Load));                            \
    if (x.tag != Tag::Int || y.tag != Tag::Int) FALLBACK(name, Load);       \
    if ((x.i cmp y.i) == (jump_when)) FUSED_JUMP(name);                     \
    FUSED_NEXT(name);                                                       \
  }
  LOCALS_BRANCH(LoadLoadLtJz, <, false)
  LOCALS_BRANCH(LoadLoadLeJz, <=, false)
  LOCALS_BRANCH(LoadLoadGtJz, >, false)
  LOCALS_BRANCH(LoadLoadGeJz, >=, false)
  LOCALS_BRANCH(LoadLoadEqJz, ==, false)
  LOCALS_BRANCH(LoadLoadNeJz, !=, false)
  LOCALS_BRANCH(LoadLoadLtJnz, <, true)
  LOCALS_BRANCH(LoadLoadLeJnz, <=, true)
  LOCALS_BRANCH(LoadLoadGtJnz, >, true)
  LOCALS_BRANCH(LoadLoadGeJnz, >=, true)
  LOCALS_BRANCH(LoadLoadEqJnz, ==, true)
  LOCALS_BRANCH(LoadLoadNeJnz, !=, true)
#undef LOCALS_BRANCH
  CASE(AddLocals) {
    const Value& x = LOCAL(ARG(AddLocals, 0, Load));
    const Value& y = LOCAL(ARG(AddLocals, 1, Load));
    if (x.tag != Tag::Int || y.tag != Tag::Int) FALLBACK(AddLocals, Load);
    LOCAL(ARG(AddLocals, 3, Store)) =
        Value::integer(static_cast<int64_t>(static_cast<uint64_t>(x.i) + static_cast<uint64_t>(y.i)));
    FUSED_NEXT(AddLocals);
  }
  CASE(LoadLoadGetI) {
    Value* slot;
    if (!indexed_slot(pools, LOCAL(ARG(LoadLoadGetI, 0, Load)), LOCAL(ARG(LoadLoadGetI, 1, Load)), slot)) FALLBACK(LoadLoadGetI, Load);
    copy_value(sp[0], *slot);
    ++sp;
    FUSED_NEXT(LoadLoadGetI);
  }
  CASE(GetIToLocal) {
    Value* slot;
    if (!indexed_slot(pools, LOCAL(ARG(GetIToLocal, 0, Load)), LOCAL(ARG(GetIToLocal, 1, Load)), slot)) FALLBACK(GetIToLocal, Load);
    copy_value(LOCAL(ARG(GetIToLocal, 3, Store)), *slot);
    FUSED_NEXT(GetIToLocal);
  }
  CASE(SetILocals) {
    Value* slot;
    if (!indexed_slot(pools, LOCAL(ARG(SetILocals, 0, Load)), LOCAL(ARG(SetILocals, 1, Load)), slot)) FALLBACK(SetILocals, Load);
    copy_value(*slot, LOCAL(ARG(SetILocals, 2, Load)));
    FUSED_NEXT(SetILocals);
  }
  CASE(SetILocalsK) {
    Value* slot;
    if (!indexed_slot(pools, LOCAL(ARG(SetILocalsK, 0, Load)), LOCAL(ARG(SetILocalsK, 1, Load)), slot)) FALLBACK(SetILocalsK, Load);
    copy_value(*slot, CONSTANT(ARG(SetILocalsK, 2, Push)));
    FUSED_NEXT(SetILocalsK);
  }
  CASE(LoadLoadMul) {
    const Value& x = LOCAL(ARG(LoadLoadMul, 0, Load));
    const Value& y = LOCAL(ARG(LoadLoadMul, 1, Load));
    if (x.tag == Tag::Int && y.tag == Tag::Int) [[likely]]
      *sp = Value::integer(static_cast<int64_t>(static_cast<uint64_t>(x.i) * static_cast<uint64_t>(y.i)));
    else if (x.tag == Tag::Float && y.tag == Tag::Float)
      *sp = Value::real(x.f * y.f);
    else
      FALLBACK(LoadLoadMul, Load);
    ++sp;
    FUSED_NEXT(LoadLoadMul);
  }
  // A counted loop's step and test: the store and both loads name the same
  // local (specialize() checks), K and N are ints.
  CASE(IncLocalLtJnz) {
    Value& x = LOCAL(ARG(IncLocalLtJnz, 0, Load));
    if (x.tag != Tag::Int) FALLBACK(IncLocalLtJnz, Load);
    const int64_t v = static_cast<int64_t>(static_cast<uint64_t>(x.i) +
                                           static_cast<uint64_t>(CONSTANT(ARG(IncLocalLtJnz, 1, Push)).i));
    x.i = v;
    if (v < CONSTANT(ARG(IncLocalLtJnz, 5, Push)).i) FUSED_JUMP(IncLocalLtJnz);
    FUSED_NEXT(IncLocalLtJnz);
  }
  CASE(IncLocalJmp) {
    Value& x = LOCAL(ARG(IncLocalJmp, 0, Load));
    if (x.tag != Tag::Int) FALLBACK(IncLocalJmp, Load);
    x.i = static_cast<int64_t>(static_cast<uint64_t>(x.i) + static_cast<uint64_t>(CONSTANT(ARG(IncLocalJmp, 1, Push)).i));
    FUSED_JUMP(IncLocalJmp);
  }
  CASE(LoadSetI) {
    Value* slot;
    if (!indexed_slot(pools, sp[-2], sp[-1], slot)) FALLBACK(LoadSetI, Load);
    copy_value(*slot, LOCAL(ARG(LoadSetI, 0, Load)));
    sp -= 2;
    FUSED_NEXT(LoadSetI);
  }
  CASE(PushSetI) {
    Value* slot;
    if (!indexed_slot(pools, sp[-2], sp[-1], slot)) FALLBACK(PushSetI, Push);
    copy_value(*slot, CONSTANT(ARG(PushSetI, 0, Push)));
    sp -= 2;
    FUSED_NEXT(PushSetI);
  }
#undef ARG
#undef FUSED_NEXT
#undef FUSED_JUMP
#undef FALLBACK
#undef JUMP_VIA

  CASE(Call) {
    CHECK_INTERRUPT();
    const Function& f = funcs[pc->a];
    Value* args = sp - f.arity;
    if (args + f.max_stack > stack_end) [[unlikely]] {
      if (m.current_co != nullptr) CO_STACK_OVERFLOW(f);
      FAIL("stack overflow", "stack overflow: calling '{}' needs more than the {} values of the operand stack",
           f.name, m.stack_size);
    }
    uint32_t blk = frame_pool.alloc();
    if (blk == Pool::kNoBlock) [[unlikely]] {
      TRACE(m.trace_pool(PoolEventKind::AllocFailed, kFramePool, blk, pc, frame, steps));
      FAIL("out of memory", "out of memory: pool 'frame' is exhausted ({} blocks): calls nested too deep",
           frame_pool.capacity());
    }
    TRACE(m.trace_pool(PoolEventKind::Alloc, kFramePool, blk, pc, frame, steps);
          m.trace_call(true, static_cast<uint32_t>(pc->a), steps));
    auto* nf = reinterpret_cast<FrameHeader*>(frame_pool.block(blk));
    nf->return_pc = pc + 1;
    nf->caller = frame;
    nf->base = args;
    nf->func = static_cast<uint32_t>(pc->a);
    nf->block = blk;
    Value* nl = frame_locals(nf);
    // Arities are small: a plain loop beats a memcpy call here.
    for (uint32_t i = 0; i < f.arity; ++i) copy_value(nl[i], args[i]);
    for (uint32_t i = f.arity; i < f.num_locals; ++i) nl[i] = Value::nil();
    sp = args;
    frame = nf;
    pc = code + f.start;
    DISPATCH();
  }
  CASE(TailCall) {
    CHECK_INTERRUPT();
    const Function& f = funcs[pc->a];
    Value* args = sp - f.arity;
    if (frame->base + f.max_stack > stack_end) [[unlikely]] {
      if (m.current_co != nullptr) CO_STACK_OVERFLOW(f);
      FAIL("stack overflow", "stack overflow: calling '{}' needs more than the {} values of the operand stack",
           f.name, m.stack_size);
    }
    for (uint32_t i = 0; i < f.arity; ++i) copy_value(locals[i], args[i]);
    for (uint32_t i = f.arity; i < f.num_locals; ++i) locals[i] = Value::nil();
    sp = frame->base;
    TRACE(m.trace_call(false, frame->func, steps); m.trace_call(true, static_cast<uint32_t>(pc->a), steps));
    frame->func = static_cast<uint32_t>(pc->a);
    pc = code + f.start;
    DISPATCH();
  }
  CASE(CallExtern) {
    CHECK_INTERRUPT();
    Value* args = sp - m.module.externs[pc->a].arity;
    Value r;
    if (auto f = m.call_host(static_cast<uint32_t>(pc->a), args, r)) FAIL_FAULT(f);
    sp = args;
    *sp++ = r;
    NEXT();
  }
  CASE(TailCallExtern) {
    CHECK_INTERRUPT();
    Value* args = sp - m.module.externs[pc->a].arity;
    Value r;
    if (auto f = m.call_host(static_cast<uint32_t>(pc->a), args, r)) FAIL_FAULT(f);
    sp = args;
    *sp++ = r;
    goto return_top;
  }
  CASE(Ret) {
  return_top:
    Value v;
    copy_value(v, sp[-1]);
    FrameHeader* done = frame;
    frame = done->caller;
    TRACE(m.trace_call(false, done->func, steps));
    frame_pool.release(done->block);
    TRACE(m.trace_pool(PoolEventKind::Free, kFramePool, done->block, pc, done, steps));
    if (frame == nullptr) {
      if (m.current_co != nullptr) {
        // The coroutine's function returned: it is dead, r is its result.
        leaving = m.current_co;
        leaving->state = kCoDead;
        leaving->frame = nullptr;
        copy_value(co_value, v);
        TRACE(m.trace_co(CoroutineEvent::Kind::Return, leaving->block, pc, done, steps));
        goto co_leave;
      }
      result = v;
      m.steps = STEPS_NOW();
      return Machine::Outcome::Returned;
    }
    sp = done->base;
    copy_value(sp[0], v);
    ++sp;
    pc = static_cast<const Code*>(done->return_pc);
    DISPATCH();
  }
  CASE(Halt) {
    if (sp[-1].tag != Tag::Int) TYPE_ERROR1("an int exit status", sp[-1]);
    halt_code = sp[-1].i;
    const Instr* at = nullptr;
    if constexpr (kMode == kTraced) at = pc;
    GIVE_BACK(frame);
    unwind_all(
        m, frame, at,
        [&]([[maybe_unused]] FrameHeader* freed, [[maybe_unused]] const Instr* where) {
          TRACE(m.trace_call(false, freed->func, steps);
                m.trace_pool(PoolEventKind::Free, kFramePool, freed->block, where, freed, steps));
        },
        [&]([[maybe_unused]] CoHeader* co, [[maybe_unused]] FrameHeader* top, [[maybe_unused]] const Instr* where) {
          TRACE(m.trace_co(CoroutineEvent::Kind::Died, co->block, where, top, steps));
        });
    m.steps = STEPS_NOW();
    return Machine::Outcome::Halted;
  }

  CASE(PoolMalloc) {
    Pool& p = pools[static_cast<uint16_t>(pc->a)];
    uint32_t blk = p.alloc();
    TRACE(m.trace_pool(blk == Pool::kNoBlock ? PoolEventKind::AllocFailed : PoolEventKind::Alloc,
                       static_cast<uint16_t>(pc->a), blk, pc, frame, steps));
    if (blk == Pool::kNoBlock) {
      *sp++ = Value::nil();
    } else {
      // Most record pools are small (a tree node, a pair): a libc memset call
      // per allocation cost more than the stores themselves.
      Value* slots = reinterpret_cast<Value*>(p.block(blk));
      switch (p.stride()) {
        case 4 * sizeof(Value): slots[3] = Value::nil(); [[fallthrough]];
        case 3 * sizeof(Value): slots[2] = Value::nil(); [[fallthrough]];
        case 2 * sizeof(Value): slots[1] = Value::nil(); [[fallthrough]];
        case 1 * sizeof(Value): slots[0] = Value::nil(); break;
        default: std::memset(static_cast<void*>(slots), 0, p.stride());
      }
      *sp++ = Value::ref(pc->a == kConsPool ? Tag::Cons : Tag::Rec, static_cast<uint16_t>(pc->a), blk,
                         p.generation(blk));
    }
    NEXT();
  }
  CASE(PoolFree) {
    const Value& v = *--sp;
    if (v.tag == Tag::Nil) NEXT();
    if (!v.is_ref()) TYPE_ERROR1("a reference", v);
    Pool& p = pools[v.pool];
    switch (p.check(v.block, v.gen)) {
      case Pool::Check::Live: break;
      case Pool::Check::Stale: FAIL("double free", "double free: {} was already freed", m.block_name(v));
      case Pool::Check::Foreign: FAIL_FAULT(m.check_live(v));
    }
    if (v.tag == Tag::Co) {
      if (auto f = m.free_coroutine(v.block)) FAIL_FAULT(f);
      TRACE(m.trace_pool(PoolEventKind::Free, kCoPool, v.block, pc, frame, steps));
    } else if (v.tag == Tag::Str) {
      if (p.is_constant(v.block))
        FAIL("constant", "cannot free a string constant ({})", m.block_name(v));
      TRACE(m.trace_string(PoolEventKind::Free, v.block, pc, frame, steps));
      strings.release(v.block);
    } else {
      p.release(v.block);
      TRACE(m.trace_pool(PoolEventKind::Free, v.pool, v.block, pc, frame, steps));
    }
    NEXT();
  }
  CASE(PoolUsed) { *sp++ = Value::integer(pools[static_cast<uint16_t>(pc->a)].stats().in_use); NEXT(); }
  CASE(PoolCap) { *sp++ = Value::integer(pools[static_cast<uint16_t>(pc->a)].capacity()); NEXT(); }

  CASE(GetF) {
    a = sp - 1;
    if (Value* slot; field_slot(pools, *a, static_cast<uint32_t>(pc->a), slot)) [[likely]] {
      copy_value(*a, *slot);
      NEXT();
    }
    REQUIRE_SLOTS_REF(*a);
    uint32_t n = m.slots[a->pool];
    if (static_cast<uint32_t>(pc->a) >= n)
      FAIL("index error", "index out of range: slot {} of {} ({})", pc->a, m.block_name(*a), m.slots_text(a->pool));
    copy_value(*a, SLOT_PTR(*a)[pc->a]);
    NEXT();
  }
  CASE(SetF) {
    a = sp - 2;
    if (Value* slot; field_slot(pools, *a, static_cast<uint32_t>(pc->a), slot)) [[likely]] {
      copy_value(*slot, sp[-1]);
      sp -= 2;
      NEXT();
    }
    REQUIRE_SLOTS_REF(*a);
    uint32_t n = m.slots[a->pool];
    if (static_cast<uint32_t>(pc->a) >= n)
      FAIL("index error", "index out of range: slot {} of {} ({})", pc->a, m.block_name(*a), m.slots_text(a->pool));
    copy_value(SLOT_PTR(*a)[pc->a], sp[-1]);
    sp -= 2;
    NEXT();
  }
  CASE(GetI) {
    a = sp - 2;
    if (Value* slot; indexed_slot(pools, *a, sp[-1], slot)) [[likely]] {
      copy_value(*a, *slot);
      --sp;
      NEXT();
    }
    REQUIRE_SLOTS_REF(*a);
    if (sp[-1].tag != Tag::Int) TYPE_ERROR1("an int index", sp[-1]);
    uint32_t n = m.slots[a->pool];
    int64_t i = sp[-1].i;
    if (i < 0 || i >= n) FAIL("index error", "index out of range: slot {} of {} ({})", i, m.block_name(*a), m.slots_text(a->pool));
    copy_value(*a, SLOT_PTR(*a)[i]);
    --sp;
    NEXT();
  }
  CASE(SetI) {
    a = sp - 3;
    if (Value* slot; indexed_slot(pools, *a, sp[-2], slot)) [[likely]] {
      copy_value(*slot, sp[-1]);
      sp -= 3;
      NEXT();
    }
    REQUIRE_SLOTS_REF(*a);
    if (sp[-2].tag != Tag::Int) TYPE_ERROR1("an int index", sp[-2]);
    uint32_t n = m.slots[a->pool];
    int64_t i = sp[-2].i;
    if (i < 0 || i >= n) FAIL("index error", "index out of range: slot {} of {} ({})", i, m.block_name(*a), m.slots_text(a->pool));
    copy_value(SLOT_PTR(*a)[i], sp[-1]);
    sp -= 3;
    NEXT();
  }
  CASE(Len) {
    a = sp - 1;
    if (a->tag == Tag::Str) {
      REQUIRE_LIVE_IN(str_pool, *a);
      *a = Value::integer(strings.length(a->block));
    } else {
      if (a->tag != Tag::Cons && a->tag != Tag::Rec) TYPE_ERROR1("a string, record or cons", *a);
      REQUIRE_SLOTS_REF(*a);
      *a = Value::integer(m.slots[a->pool]);
    }
    NEXT();
  }

  CASE(Cons) {
    uint32_t blk = cons_pool.alloc();
    TRACE(m.trace_pool(blk == Pool::kNoBlock ? PoolEventKind::AllocFailed : PoolEventKind::Alloc, kConsPool,
                       blk, pc, frame, steps));
    if (blk == Pool::kNoBlock) [[unlikely]]
      FAIL("out of memory", "out of memory: pool 'cons' is exhausted ({} blocks)", cons_pool.capacity());
    Value* cell = reinterpret_cast<Value*>(cons_pool.block(blk));
    copy_value(cell[0], sp[-2]);
    copy_value(cell[1], sp[-1]);
    sp[-2] = Value::ref(Tag::Cons, kConsPool, blk, cons_pool.generation(blk));
    --sp;
    NEXT();
  }
  CASE(Car) {
    a = sp - 1;
    REQUIRE_REF(*a, Tag::Cons, "a cons", cons_pool);
    copy_value(*a, reinterpret_cast<Value*>(cons_pool.block(a->block))[0]);
    NEXT();
  }
  CASE(Cdr) {
    a = sp - 1;
    REQUIRE_REF(*a, Tag::Cons, "a cons", cons_pool);
    copy_value(*a, reinterpret_cast<Value*>(cons_pool.block(a->block))[1]);
    NEXT();
  }
  CASE(SetCar) {
    a = sp - 2;
    REQUIRE_REF(*a, Tag::Cons, "a cons", cons_pool);
    copy_value(reinterpret_cast<Value*>(cons_pool.block(a->block))[0], sp[-1]);
    sp -= 2;
    NEXT();
  }
  CASE(SetCdr) {
    a = sp - 2;
    REQUIRE_REF(*a, Tag::Cons, "a cons", cons_pool);
    copy_value(reinterpret_cast<Value*>(cons_pool.block(a->block))[1], sp[-1]);
    sp -= 2;
    NEXT();
  }

  CASE(Concat) {
    a = sp - 2;
    const Value& b = sp[-1];
    if (a->tag != Tag::Str || b.tag != Tag::Str) TYPE_ERROR2("two strings", *a, b);
    REQUIRE_LIVE_IN(str_pool, *a);
    REQUIRE_LIVE_IN(str_pool, b);
    uint64_t len = uint64_t{strings.length(a->block)} + strings.length(b.block);
    if (len > UINT32_MAX) FAIL("range error", "range error: string of {} bytes is too long", len);
    NEW_STRING(s, static_cast<uint32_t>(len));
    strings.concat_into(a->block, b.block, s);
    *a = strings.value(s);
    --sp;
    NEXT();
  }
  CASE(ToStr) {
    a = sp - 1;
    if (a->tag == Tag::Int) {  // the common case, without the general printer
      fmt::format_int digits(a->i);
      NEW_STRING(s, static_cast<uint32_t>(digits.size()));
      StrPool::Writer w(strings, s);
      w.put(std::string_view(digits.data(), digits.size()));
      *a = strings.value(s);
      NEXT();
    }
    m.scratch.clear();
    if (auto f = m.append_printed(*a, m.scratch)) FAIL_FAULT(f);
    NEW_STRING(s, static_cast<uint32_t>(m.scratch.size()));
    StrPool::Writer w(strings, s);
    w.put(std::string_view(m.scratch.data(), m.scratch.size()));
    *a = strings.value(s);
    NEXT();
  }
  CASE(Substr) {
    a = sp - 3;
    if (a->tag != Tag::Str) TYPE_ERROR1("a string", *a);
    if (sp[-2].tag != Tag::Int || sp[-1].tag != Tag::Int) TYPE_ERROR2("int start and length", sp[-2], sp[-1]);
    REQUIRE_LIVE_IN(str_pool, *a);
    int64_t start = sp[-2].i, n = sp[-1].i;
    uint32_t len = strings.length(a->block);
    if (start < 0 || n < 0 || start > len || n > len - start)
      FAIL("index error", "index out of range: substr {} {} of a string of {} bytes", start, n, len);
    NEW_STRING(s, static_cast<uint32_t>(n));
    strings.copy_range(a->block, a->gen, static_cast<uint32_t>(start), static_cast<uint32_t>(n), s);
    *a = strings.value(s);
    sp -= 2;
    NEXT();
  }
  CASE(Byte) {
    a = sp - 2;
    if (a->tag != Tag::Str) TYPE_ERROR1("a string", *a);
    if (sp[-1].tag != Tag::Int) TYPE_ERROR1("an int index", sp[-1]);
    REQUIRE_LIVE_IN(str_pool, *a);
    int64_t i = sp[-1].i;
    uint32_t len = strings.length(a->block);
    if (i < 0 || i >= len) FAIL("index error", "index out of range: byte {} of a string of {} bytes", i, len);
    *a = Value::integer(strings.byte_at(a->block, a->gen, static_cast<uint32_t>(i)));
    --sp;
    NEXT();
  }
  CASE(ToInt) {
    a = sp - 1;
    if (a->tag != Tag::Str) TYPE_ERROR1("a string", *a);
    REQUIRE_LIVE_IN(str_pool, *a);
    // Decimal digits with an optional sign, nothing else; nil when out of int64 range.
    bool neg = false, ok = true, any = false, first = true;
    uint64_t mag = 0;
    strings.for_each_chunk(a->block, [&](std::string_view c) {
      for (char ch : c) {
        if (first && (ch == '-' || ch == '+')) {
          neg = ch == '-';
        } else if (ch >= '0' && ch <= '9') {
          any = true;
          if (mag > (UINT64_MAX - 9) / 10) ok = false;
          else mag = mag * 10 + static_cast<uint64_t>(ch - '0');
        } else {
          ok = false;
        }
        first = false;
      }
    });
    if (ok && any && mag <= (neg ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1))
      *a = Value::integer(static_cast<int64_t>(neg ? 0 - mag : mag));
    else
      *a = Value::nil();
    NEXT();
  }

  CASE(Print) {
    if (auto f = m.append_printed(sp[-1], m.out->buffer())) FAIL_FAULT(f);
    m.out->buffer().push_back('\n');
    m.out->maybe_flush();
    --sp;
    NEXT();
  }
  CASE(Write) {
    if (auto f = m.append_printed(sp[-1], m.out->buffer())) FAIL_FAULT(f);
    m.out->maybe_flush();
    --sp;
    NEXT();
  }
  CASE(Argc) { *sp++ = Value::integer(static_cast<int64_t>(m.args.size())); NEXT(); }
  CASE(Argv) {
    a = sp - 1;
    if (a->tag != Tag::Int) TYPE_ERROR1("an int index", *a);
    if (a->i < 0 || static_cast<uint64_t>(a->i) >= m.args.size())
      FAIL("index error", "index out of range: argv {} ({} arguments)", a->i, m.args.size());
    const std::string& arg = m.args[static_cast<size_t>(a->i)];
    NEW_STRING(s, static_cast<uint32_t>(arg.size()));
    StrPool::Writer w(strings, s);
    w.put(arg);
    *a = strings.value(s);
    NEXT();
  }
  CASE(Assert) {
    if (!(--sp)->truthy()) FAIL("assertion failed", "assertion failed");
    NEXT();
  }
  CASE(Nop) { NEXT(); }
  CASE(Yield) {
    if (m.current_co != nullptr) {
      // To whoever resumed this coroutine; it continues after the yield.
      leaving = m.current_co;
      copy_value(co_value, *--sp);
      leaving->frame = frame;
      leaving->sp = sp;
      leaving->pc = static_cast<uint32_t>(pc + 1 - code);
      leaving->state = kCoSuspended;
      // Suspended, it may next be resumed by another run.
      GIVE_BACK_COROUTINE(frame);
      TRACE(m.trace_co(CoroutineEvent::Kind::Yield, leaving->block, pc, frame, steps));
      goto co_leave;
    }
    // A host function's C++ frame is below a nested run: it cannot wait.
    if (!m.can_pause) FAIL("yield", "cannot yield across a host function call");
    copy_value(result, *--sp);
    GIVE_BACK(frame);
    m.paused = Machine::Paused{true, true, frame, sp, static_cast<uint32_t>(pc + 1 - code), STEPS_NOW()};
    m.steps = STEPS_NOW();
    return Machine::Outcome::Yielded;
  }
  CASE(CoCreate) {
    const Function& f = funcs[pc->a];
    Pool& co_pool = pools[kCoPool];
    const uint32_t slots = m.slots[kCoPool];
    if (f.arity > slots)
      FAIL("stack overflow", "stack overflow: the {} arguments of '{}' do not fit a coroutine's {} values (.pool co slots=)",
           f.arity, f.name, slots);
    uint32_t blk = co_pool.alloc();
    TRACE(m.trace_pool(blk == Pool::kNoBlock ? PoolEventKind::AllocFailed : PoolEventKind::Alloc, kCoPool, blk, pc,
                       frame, steps));
    Value* args = sp - f.arity;
    if (blk == Pool::kNoBlock) {
      sp = args;
      *sp++ = Value::nil();
      NEXT();
    }
    auto* co = reinterpret_cast<CoHeader*>(co_pool.block(blk));
    *co = CoHeader{nullptr, nullptr, nullptr, nullptr, nullptr, 0, 0, static_cast<uint32_t>(pc->a), f.arity, blk,
                   kCoSuspended};
    // The arguments wait in its segment until the first resume.
    for (uint32_t i = 0; i < f.arity; ++i) copy_value(co_stack(co)[i], args[i]);
    sp = args;
    *sp++ = Value::ref(Tag::Co, kCoPool, blk, co_pool.generation(blk));
    NEXT();
  }
  CASE(CoStatus) {
    a = sp - 1;
    REQUIRE_REF(*a, Tag::Co, "a coroutine", pools[a->pool]);
    *a = Value::integer(reinterpret_cast<CoHeader*>(pools[kCoPool].block(a->block))->state);
    NEXT();
  }
  CASE(CoResume) {
    a = sp - 2;
    REQUIRE_REF(*a, Tag::Co, "a coroutine", pools[a->pool]);
    auto* co = reinterpret_cast<CoHeader*>(pools[kCoPool].block(a->block));
    if (co->state != kCoSuspended)
      FAIL("coroutine", "cannot resume a {} coroutine ({})",
           co->state == kCoDead ? "dead" : co->state == kCoRunning ? "running" : "normal", m.block_name(*a));
    Value* seg = co_stack(co);
    FrameHeader* next_frame = co->frame;
    if (next_frame == nullptr) {
      // The first resume: F's frame, its arguments from the segment.
      const Function& f = funcs[co->func];
      if (f.max_stack > m.slots[kCoPool])
        FAIL("stack overflow", "stack overflow: coroutine '{}' needs more than the {} values of its stack (.pool co slots=)",
             f.name, m.slots[kCoPool]);
      uint32_t fb = frame_pool.alloc();
      if (fb == Pool::kNoBlock) [[unlikely]] {
        TRACE(m.trace_pool(PoolEventKind::AllocFailed, kFramePool, fb, pc, frame, steps));
        FAIL("out of memory", "out of memory: pool 'frame' is exhausted ({} blocks): calls nested too deep",
             frame_pool.capacity());
      }
      TRACE(m.trace_pool(PoolEventKind::Alloc, kFramePool, fb, pc, frame, steps); m.trace_call(true, co->func, steps));
      next_frame = reinterpret_cast<FrameHeader*>(frame_pool.block(fb));
      *next_frame = FrameHeader{nullptr, nullptr, seg, co->func, fb};
      Value* nl = frame_locals(next_frame);
      for (uint32_t i = 0; i < f.num_locals; ++i) nl[i] = i < f.arity ? seg[i] : Value::nil();
      co->sp = seg;
      co->pc = f.start;
    } else {
      copy_value(*co->sp++, sp[-1]);  // what its yield gets
    }
    co->resumer_frame = frame;
    co->resumer_sp = a;
    co->resumer_pc = static_cast<uint32_t>(pc + 1 - code);
    co->resumer_co = m.current_co;
    if (m.current_co != nullptr) m.current_co->state = kCoNormal;
    co->state = kCoRunning;
    TRACE(m.trace_co(CoroutineEvent::Kind::Resume, co->block, pc, frame, steps));
    m.current_co = co;
    stack_end = seg + m.slots[kCoPool];
    frame = next_frame;
    sp = co->sp;
    pc = code + co->pc;
    DISPATCH();
  }
  co_leave: {
    // Back in the resumer, with co_value as the result of its coresume.
    CoHeader* co = leaving;
    m.current_co = co->resumer_co;
    if (m.current_co != nullptr) m.current_co->state = kCoRunning;
    stack_end = m.stack_limit();
    frame = co->resumer_frame;
    sp = co->resumer_sp;
    copy_value(*sp++, co_value);
    pc = code + co->resumer_pc;
    DISPATCH();
  }

#if !POOLVM_COMPUTED_GOTO
  }
#endif

#if POOLVM_COMPUTED_GOTO
refill:
  __attribute__((unused));
  // The run starting at pc did not fit in `left`: poll the interrupt, move
  // up to kPollEvery more steps from `beyond`, and charge it again. Whatever
  // beyond held, a run that still does not fit is where the budget ends.
  if constexpr (kRuns) {
    if (INTERRUPT_PENDING()) [[unlikely]] goto interrupted_uncharged;
    const uint64_t more = std::min(beyond, kPollEvery);
    left += more;
    beyond -= more;
    if (pc->rest <= left) {
      left -= pc->rest;
      goto* kLabels[static_cast<uint8_t>(pc->op)];
    }
    // Before the budget is taken to end here, the steps charged ahead for
    // the callers' continuations come back, and the run is tried again.
    if (const uint64_t back = give_back_continuations(m, frame)) {
      beyond += back;
      goto refill;
    }
  }
to_exact:
  __attribute__((unused));
  // The budget has no room for the whole run starting at pc: it ends inside
  // this run, so step it one instruction at a time, over the unfused code.
  if constexpr (kRuns) pc = exact + (pc - code);
exact_step:
  __attribute__((unused));
  if constexpr (kRuns) {
    const size_t i = static_cast<size_t>(pc - exact);
    // What is left of this run has room after all: back to charging runs,
    // as a resume mid-run does. Control came back to a run's start, after a
    // return say, or into the middle of one, to a continuation whose charge
    // was given back. A run's last instruction (rest 1) always goes back
    // here, as `left` is above 0 past this point: it may jump, resume or
    // yield, storing where it is as an index into the charging code, so it
    // runs from there. A call in the middle of a run, stepped below, stores
    // a return into this copy, which is what give_back_chain expects.
    if (pc->rest <= left) {
      pc = code + i;
      left -= pc->rest;
      goto* kLabels[static_cast<uint8_t>(pc->op)];
    }
    if (left == 0) goto exact_limit;
    if (INTERRUPT_PENDING()) [[unlikely]] {
      pc = code + i;
      goto interrupted_uncharged;
    }
    --left;
    goto* kLabels[static_cast<uint8_t>(pc->op)];
  }
exact_limit:
  __attribute__((unused));
  if constexpr (kRuns) {
    // Not yet if steps were charged ahead for the callers' continuations:
    // they come back, and stepping goes on. So it does if `beyond` still
    // holds steps: a coroutine's yield gives its continuations back there.
    if (const uint64_t back = give_back_continuations(m, frame); back != 0 || beyond != 0) {
      beyond += back;
      const uint64_t more = std::min(beyond, kPollEvery);
      left += more;
      beyond -= more;
      goto exact_step;
    }
    const uint32_t at = static_cast<uint32_t>(pc - exact);
    if (m.suspend) {
      // Paused before this instruction ran: resuming dispatches it again.
      m.paused = Machine::Paused{true, false, frame, sp, at, STEPS_NOW()};
      m.steps = STEPS_NOW();
      return Machine::Outcome::Suspended;
    }
    failure.pc = code + at;
    failure.frame = frame;
    failure.fault = Fault{"step limit", fmt::format("step limit reached: the step budget of {} instructions is spent", max_steps)};
    m.steps = STEPS_NOW();
    return Machine::Outcome::Failed;
  }
interrupted_uncharged:
  __attribute__((unused));
  // The budgeted loop read the interrupt before the instruction at pc (in
  // the charging code), with nothing of it charged.
  if constexpr (kRuns) {
    failure.pc = pc;
    failure.frame = frame;
    failure.fault = Fault{"interrupted", "interrupted by the host"};
    goto failed_uncharged;
  }
#endif
step_limit:
#if defined(__GNUC__) || defined(__clang__)
  __attribute__((unused));
#endif
  if (m.suspend) {
    // Paused before this instruction ran: resuming dispatches it again.
    --steps;
    m.paused = Machine::Paused{true, false, frame, sp, static_cast<uint32_t>(pc - code), steps};
    m.steps = steps;
    return Machine::Outcome::Suspended;
  }
  failure.pc = pc;
  failure.frame = frame;
  failure.fault = Fault{"step limit", fmt::format("step limit reached: the step budget of {} instructions is spent", max_steps)};
  --steps;
failed:
  if constexpr (kRuns) {
    // Charged up to its run's end; the error came at failure.pc.
    const Code* at = static_cast<const Code*>(failure.pc);
    std::less<const Code*> before;
    if (!before(at, exact) && before(at, exact + m.threaded_exact.size())) failure.pc = code + (at - exact);
    else left += at->rest - 1u;
  }
failed_uncharged:
#if defined(__GNUC__) || defined(__clang__)
  __attribute__((unused));
#endif
  GIVE_BACK(static_cast<FrameHeader*>(failure.frame));
  m.steps = STEPS_NOW();
  return Machine::Outcome::Failed;

#undef locals
#undef FAIL
#undef FAIL_FAULT
#undef TYPE_ERROR1
#undef TYPE_ERROR2
#undef REQUIRE_REF
#undef REQUIRE_SLOTS_REF
#undef SLOT_PTR
#undef REQUIRE_LIVE_IN
#undef CO_STACK_OVERFLOW
#undef NEW_STRING
#undef TRACE
#undef CHECK_INTERRUPT
#undef INTERRUPT_PENDING
#undef CASE
#undef DISPATCH
#undef NEXT
#undef STEPS_NOW
#undef GIVE_BACK
#undef GIVE_BACK_COROUTINE
}

// The step-counting loop is compiled in its own translation unit,
// vm/interpreter_counted.cpp, which includes this file with
// POOLVM_COUNTED_LOOP_TU defined and keeps only the loop: there GCC runs
// without -fgcse, which otherwise hoists address arithmetic out of the
// handlers into every dispatch and spills the constants pointer in that
// loop only (budgeted runs took 1.12-1.16x the plain loop's instructions;
// 1.07x without it). The plain loop is faster with -fgcse, so only the
// counting loop goes without. docs/performance.md has the figures.
Machine::Outcome execute_counted(Machine& m, FrameHeader* frame, Value* sp, uint32_t entry, Value& result,
                                 int64_t& halt_code, Failure& failure)
#ifdef POOLVM_COUNTED_LOOP_TU
{
  return execute_loop<kCounted>(m, frame, sp, entry, result, halt_code, failure);
}
}  // namespace poolvm
#else
    ;

void Machine::thread_code() {
#if POOLVM_COMPUTED_GOTO
  Value result;
  int64_t halt_code = 0;
  execute_loop<kFast>(*this, nullptr, nullptr, 0, result, halt_code, failure);
  execute_counted(*this, nullptr, nullptr, 0, result, halt_code, failure);
#endif
}

uint32_t Machine::code_index(const void* pc) const {
  // All three arrays have the same indices; a return address may be one past the end.
  // std::less gives a total order over pointers into unrelated arrays, where
  // the built-in comparisons are unspecified.
  auto within = [pc](const auto& code) {
    const auto* p = static_cast<const std::remove_reference_t<decltype(code[0])>*>(pc);
    std::less<const void*> before;
    return !before(p, code.data()) && !before(code.data() + code.size(), p);
  };
  if (!threaded.empty() && within(threaded))
    return static_cast<uint32_t>(static_cast<const ThreadedInstr*>(pc) - threaded.data());
  if (!threaded_counted.empty() && within(threaded_counted))
    return static_cast<uint32_t>(static_cast<const ThreadedInstr*>(pc) - threaded_counted.data());
  if (!threaded_exact.empty() && within(threaded_exact))
    return static_cast<uint32_t>(static_cast<const ThreadedInstr*>(pc) - threaded_exact.data());
  if (!threaded_recharge.empty() && within(threaded_recharge))
    return static_cast<uint32_t>(static_cast<const ThreadedInstr*>(pc) - threaded_recharge.data());
  if (within(fast_code)) return static_cast<uint32_t>(static_cast<const Instr*>(pc) - fast_code.data());
  return static_cast<uint32_t>(static_cast<const Instr*>(pc) - module.code.data());
}

template <class F>
void Machine::for_each_frame(FrameHeader* top, F&& f) {
  for (FrameHeader* fr = top; fr != nullptr; fr = fr->caller) f(fr);
  // The resumers of the running coroutine, down to the main run.
  for (CoHeader* co = current_co; co != nullptr; co = co->resumer_co)
    for (FrameHeader* fr = co->resumer_frame; fr != nullptr; fr = fr->caller) f(fr);
  // Suspended coroutines hold frames too.
  Pool& co_pool = (*pools)[kCoPool];
  for (uint32_t b = 0; b < co_pool.capacity(); ++b) {
    if (!co_pool.is_live(b)) continue;
    auto* co = reinterpret_cast<CoHeader*>(co_pool.block(b));
    if (co->state == kCoSuspended)
      for (FrameHeader* fr = co->frame; fr != nullptr; fr = fr->caller) f(fr);
  }
}

namespace {

template <int kMode>
const void* code_address(const Machine& m, uint32_t index) {
  using Code = CodeOf<kMode>;
  // A frame made for the counting loop by a rebase or a restore returns
  // into the re-charging copy: nothing was charged ahead for its
  // continuation (give_back_continuations).
  if constexpr (std::is_same_v<Code, ThreadedInstr>)
    return (kMode == kFast ? m.threaded.data() : m.threaded_recharge.data()) + index;
  else return (kMode == kFast ? m.fast_code.data() : m.module.code.data()) + index;
}

Machine::Outcome fail_run(Machine& m, std::optional<RuntimeError>& error);

// Runs the loop that fits the machine's settings from `entry`; a failure
// becomes `error` with its backtrace, and its frames are unwound. Inline, and
// the failure out of line: a host call passes through here once.
[[gnu::always_inline]] inline Machine::Outcome run_loop(Machine& m, FrameHeader* frame, Value* sp, uint32_t entry,
                                                        Value& result, int64_t& halt_code,
                                                        std::optional<RuntimeError>& error) {
  // The machine's, not a local: a call that succeeds then builds and
  // destroys nothing here (the host-call path counts every instruction).
  Failure& failure = m.failure;
  Machine::Outcome outcome;
#ifndef POOLVM_NO_TRACING
  if (m.observer != nullptr)
    outcome = execute_loop<kTraced>(m, frame, sp, entry, result, halt_code, failure);
  else
#endif
    outcome = m.max_steps != 0 ? execute_counted(m, frame, sp, entry, result, halt_code, failure)
                               : execute_loop<kFast>(m, frame, sp, entry, result, halt_code, failure);
  if (outcome != Machine::Outcome::Failed) [[likely]] return outcome;
  return fail_run(m, error);
}

[[gnu::cold, gnu::noinline]] Machine::Outcome fail_run(Machine& m, std::optional<RuntimeError>& error) {
  Failure& failure = m.failure;
  const Module& module = m.module;
  // The backtrace: the faulting instruction, then every caller's call site;
  // in a coroutine, then its resumer's, and so on to the main run.
  error = RuntimeError{std::move(failure.fault->kind), std::move(failure.fault->message), {}};
  failure.fault.reset();
  uint32_t pc = m.code_index(failure.pc);
  FrameHeader* fr = failure.frame;
  for (CoHeader* co = m.current_co;; co = co->resumer_co) {
    for (; fr != nullptr; fr = fr->caller) {
      error->stack.push_back({module.functions[fr->func].name, module.source_name, module.line_at(pc)});
      if (fr->caller != nullptr) pc = m.code_index(fr->return_pc) - 1;
    }
    if (co == nullptr) break;
    fr = co->resumer_frame;
    pc = co->resumer_pc - 1;
  }
  // Unwind: every active frame goes back to the pool, so the pools stay
  // consistent; the coroutines the error went through are dead.
  // Only the traced loop has an observer, and it runs module.code.
  const Instr* at = m.observer != nullptr ? static_cast<const Instr*>(failure.pc) : nullptr;
  unwind_all(
      m, failure.frame, at,
      [&](FrameHeader* freed, const Instr* where) {
        if (m.observer == nullptr) return;
        m.trace_call(false, freed->func, m.steps);
        m.trace_pool(PoolEventKind::Free, kFramePool, freed->block, where, freed, m.steps);
      },
      [&](CoHeader* co, FrameHeader* top, const Instr* where) {
        if (m.observer != nullptr) m.trace_co(CoroutineEvent::Kind::Died, co->block, where, top, m.steps);
      });
  return Machine::Outcome::Failed;
}

}  // namespace

namespace {
enum class StartFailure { Overflow, Interrupted, NoFrame };

// Why a run could not start, as its error: out of line, so the start of a
// run (once per host call) carries no formatting code.
[[gnu::cold, gnu::noinline]] Machine::Outcome refuse_start(const Machine& m, uint32_t func, StartFailure why,
                                                          std::optional<RuntimeError>& error) {
  const Function& f = m.module.functions[func];
  switch (why) {
    case StartFailure::Overflow:
      error = RuntimeError{"stack overflow",
                           fmt::format("stack overflow: '{}' needs more than the {} values of the operand stack left",
                                       f.name, m.stack + m.stack_size - m.stack_top),
                           {}};
      break;
    case StartFailure::Interrupted: error = RuntimeError{"interrupted", "interrupted by the host", {}}; break;
    case StartFailure::NoFrame:
      error = RuntimeError{"out of memory",
                           fmt::format("out of memory: pool 'frame' is exhausted ({} blocks)",
                                       (*m.pools)[kFramePool].capacity()),
                           {}};
      break;
  }
  error->stack.push_back({f.name, m.module.source_name, f.line});
  return Machine::Outcome::Failed;
}
}  // namespace

Machine::Outcome Machine::execute(uint32_t func, std::span<const Value> argv, Value& result,
                                  int64_t& halt_code, std::optional<RuntimeError>& error) {
  Pool& frame_pool = (*pools)[kFramePool];
  const Function& f = module.functions[func];
  Value* sp = stack_top;
  if (f.max_stack > static_cast<size_t>(stack + stack_size - sp)) [[unlikely]]
    return refuse_start(*this, func, StartFailure::Overflow, error);
  // A request made while no run was in progress stops this one.
  if (interrupted->load(std::memory_order_relaxed) && interrupted->exchange(false, std::memory_order_acq_rel))
    [[unlikely]] return refuse_start(*this, func, StartFailure::Interrupted, error);
  uint32_t blk = frame_pool.alloc();
  if (blk == Pool::kNoBlock) [[unlikely]] return refuse_start(*this, func, StartFailure::NoFrame, error);
  // Suspended coroutines' frames, made by an earlier run, may be another loop's.
  if (loop_now() != frames_loop) [[unlikely]] rebase_frames(nullptr);
  auto* frame = reinterpret_cast<FrameHeader*>(frame_pool.block(blk));
  *frame = FrameHeader{nullptr, nullptr, sp, func, blk};
  Value* locals = frame_locals(frame);
  size_t given = std::min<size_t>(argv.size(), f.num_locals), i = 0;
  for (; i < given; ++i) locals[i] = argv[i];
  for (; i < f.num_locals; ++i) locals[i] = Value::nil();

  if (observer != nullptr) {
    trace_pool(PoolEventKind::Alloc, kFramePool, blk, nullptr, frame, steps);
    trace_call(true, func, steps);
  }
  return run_loop(*this, frame, sp, f.start, result, halt_code, error);
}

Machine::Outcome Machine::resume(const Value& sent, Value& result, int64_t& halt_code,
                                 std::optional<RuntimeError>& error) {
  Paused p = paused;
  paused = Paused{};
  Value* sp = p.sp;
  if (p.yielded) *sp++ = sent;
  steps = p.steps;
  // Only when the host changed the loop (a budget, a trace) since the pause:
  // the walk is O(frames + co pool blocks), and a host resuming once per
  // tick under the same budget would pay it every slice.
  if (loop_now() != frames_loop) [[unlikely]] rebase_frames(p.frame);
  return run_loop(*this, p.frame, sp, p.pc, result, halt_code, error);
}

void Machine::rebase_frames(FrameHeader* top) {
  // The frames' return addresses point into the code array of the loop that
  // made them; the loop that continues may run another array (a budget runs
  // its threaded copy, the plain loop another). Indices are shared.
  frames_loop = loop_now();
  for_each_frame(top, [&](FrameHeader* fr) {
    if (fr->caller != nullptr) fr->return_pc = return_address(code_index(fr->return_pc));
  });
}

const void* Machine::return_address(uint32_t index) const {
#ifndef POOLVM_NO_TRACING
  if (observer != nullptr) return code_address<kTraced>(*this, index);
#endif
  return max_steps != 0 ? code_address<kCounted>(*this, index) : code_address<kFast>(*this, index);
}

std::optional<Fault> Machine::free_coroutine(uint32_t block) {
  Pool& co_pool = (*pools)[kCoPool];
  auto* co = reinterpret_cast<CoHeader*>(co_pool.block(block));
  if (co->state == kCoRunning || co->state == kCoNormal)
    return Fault{"coroutine", fmt::format("cannot free a {} coroutine (co#{})",
                                          co->state == kCoRunning ? "running" : "normal", block)};
  Pool& frame_pool = (*pools)[kFramePool];
  for (FrameHeader* fr = co->frame; fr != nullptr;) {
    FrameHeader* up = fr->caller;
    frame_pool.release(fr->block);
    fr = up;
  }
  co_pool.release(block);
  return std::nullopt;
}

}  // namespace poolvm
#endif  // POOLVM_COUNTED_LOOP_TU
