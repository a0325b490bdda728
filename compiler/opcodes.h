// compiler/opcodes.h — THE instruction table. Every instruction of poolvm is
// defined here once; the assembler, disassembler, verifier, interpreter and
// the generated docs (tools/gen_opcode_docs) all expand this X-macro. Do not
// write a list of opcodes anywhere else.
//
// X(Name, number, "mnemonic", Operand, pops, pushes, flags, "doc" [, {sequence}])
//   number: the opcode's number, pinned: it is what a .pbc file stores, so it
//   never changes once released. Rows are in number order and a new row takes
//   the next number (static_asserts below), so inserting a row mid-table is a
//   compile error instead of a silent renumbering of every file on disk.
//   Operand: the kind of the single operand (OperandKind below).
//   pops/pushes: stack effect; kVar where it depends on the callee (call).
//   flags: kBranch (may jump to its label), kEnd (control never falls
//   through), kInternal (produced by the assembler, spelled like another
//   instruction; not accepted by that name in source), kFused (a
//   superinstruction: the VM writes it over the first instruction of a hot
//   sequence after verification, in its own copy of the code, and leaves the
//   rest of the sequence in place, so jumps into the middle still work and
//   nothing is renumbered; never valid in a module), kLeaves (control
//   leaves the straight line of code for another place and comes back after
//   it: a call, a resume, a yield; the step-counting loop charges steps per
//   straight-line run and ends a run there, like at a branch).
//   {sequence}: kFused rows only, the instructions the superinstruction
//   stands for. vm/specialize.cpp matches these, longest first; the handler
//   in vm/interpreter.cpp advances by their count. Its mnemonic, operand and
//   stack effect are those of the first instruction (checked below); the doc
//   names any operand condition (vm/specialize.cpp checks those).
//
// Adding a superinstruction: one kFused row here, one handler in
// vm/interpreter.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string_view>

namespace poolvm {

enum class OperandKind : uint8_t {
  None,
  Const,    // push: index into Module::constants
  Local,    // local or parameter index
  Global,   // global index
  Label,    // absolute code index of an instruction in the same function
  Func,     // index into Module::functions
  Extern,   // index into Module::externs
  RecPool,  // pool id of a record pool or cons (pool_malloc)
  AnyPool,  // any pool id (pool_used, pool_cap)
  Slot,     // record slot number, 0 .. 2^24-1
};

inline constexpr int kVar = -1;
inline constexpr uint8_t kNoFlags = 0, kBranch = 1, kEnd = 2, kInternal = 4, kFused = 8, kLeaves = 16;

#define POOLVM_OPCODES(X)                                                                                \
  X(Push, 0, "push", Const, 0, 1, kNoFlags, "push a literal: int, float, string, true, false, nil")      \
  X(Pop, 1, "pop", None, 1, 0, kNoFlags, "drop the top value")                                           \
  X(Dup, 2, "dup", None, 1, 2, kNoFlags, "( v -- v v )")                                                 \
  X(Swap, 3, "swap", None, 2, 2, kNoFlags, "( a b -- b a )")                                             \
  X(Over, 4, "over", None, 2, 3, kNoFlags, "( a b -- a b a )")                                           \
  X(Load, 5, "load", Local, 0, 1, kNoFlags, "push a local, by name or index")                            \
  X(Store, 6, "store", Local, 1, 0, kNoFlags, "pop into a local")                                        \
  X(GLoad, 7, "gload", Global, 0, 1, kNoFlags, "push a global")                                          \
  X(GStore, 8, "gstore", Global, 1, 0, kNoFlags, "pop into a global")                                    \
  X(Add, 9, "add", None, 2, 1, kNoFlags, "a + b; ints wrap; a float operand gives a float")              \
  X(Sub, 10, "sub", None, 2, 1, kNoFlags, "a - b")                                                       \
  X(Mul, 11, "mul", None, 2, 1, kNoFlags, "a * b")                                                       \
  X(Div, 12, "div", None, 2, 1, kNoFlags, "a / b; ints truncate toward zero; int / 0 is an error")       \
  X(Mod, 13, "mod", None, 2, 1, kNoFlags, "int remainder with the sign of a; 0 divisor is an error")     \
  X(Neg, 14, "neg", None, 1, 1, kNoFlags, "-a")                                                          \
  X(BAnd, 15, "band", None, 2, 1, kNoFlags, "bitwise and of ints")                                       \
  X(BOr, 16, "bor", None, 2, 1, kNoFlags, "bitwise or of ints")                                          \
  X(BXor, 17, "bxor", None, 2, 1, kNoFlags, "bitwise xor of ints")                                       \
  X(Shl, 18, "shl", None, 2, 1, kNoFlags, "a << (b mod 64)")                                             \
  X(Shr, 19, "shr", None, 2, 1, kNoFlags, "a >> (b mod 64), arithmetic")                                 \
  X(BNot, 20, "bnot", None, 1, 1, kNoFlags, "bitwise not of an int")                                     \
  X(IToF, 21, "itof", None, 1, 1, kNoFlags, "int to float")                                              \
  X(FToI, 22, "ftoi", None, 1, 1, kNoFlags, "float to int, truncating; NaN or out of range is an error") \
  X(Sqrt, 23, "sqrt", None, 1, 1, kNoFlags, "square root, as a float")                                   \
  X(Eq, 24, "eq", None, 2, 1, kNoFlags, "equal: numbers by value, strings by content, refs by identity") \
  X(Ne, 25, "ne", None, 2, 1, kNoFlags, "not eq")                                                        \
  X(Lt, 26, "lt", None, 2, 1, kNoFlags, "a < b for two numbers or two strings")                          \
  X(Le, 27, "le", None, 2, 1, kNoFlags, "a <= b")                                                        \
  X(Gt, 28, "gt", None, 2, 1, kNoFlags, "a > b")                                                         \
  X(Ge, 29, "ge", None, 2, 1, kNoFlags, "a >= b")                                                        \
  X(Not, 30, "not", None, 1, 1, kNoFlags, "true when v is false, nil or 0")                              \
  X(Jmp, 31, "jmp", Label, 0, 0, kBranch | kEnd, "jump to a label")                                      \
  X(Jz, 32, "jz", Label, 1, 0, kBranch, "pop; jump when false, nil or 0")                                \
  X(Jnz, 33, "jnz", Label, 1, 0, kBranch, "pop; jump when true")                                         \
  X(Call, 34, "call", Func, kVar, kVar, kLeaves, "call a function with its arity's arguments; takes a frame block") \
  X(CallExtern, 35, "call", Extern, kVar, kVar, kInternal | kLeaves, "call a host function (.extern)")             \
  X(TailCall, 36, "tailcall", Func, kVar, kVar, kEnd, "call in place of this function, reusing its frame") \
  X(TailCallExtern, 37, "tailcall", Extern, kVar, kVar, kEnd | kInternal, "call a host function and return its result") \
  X(Ret, 38, "ret", None, 1, 0, kEnd, "return the only value on the operand stack")                      \
  X(Halt, 39, "halt", None, 1, 0, kEnd, "stop the program with an int exit status")                      \
  X(PoolMalloc, 40, "pool_malloc", RecPool, 0, 1, kNoFlags, "a fresh nil-filled block of a record pool or cons; nil when exhausted") \
  X(PoolFree, 41, "pool_free", None, 1, 0, kNoFlags, "give a block (a string: all its blocks) back; nil is a no-op") \
  X(PoolUsed, 42, "pool_used", AnyPool, 0, 1, kNoFlags, "blocks in use in a pool")                       \
  X(PoolCap, 43, "pool_cap", AnyPool, 0, 1, kNoFlags, "capacity of a pool in blocks")                    \
  X(GetF, 44, "getf", Slot, 1, 1, kNoFlags, "slot N of a record or cons")                                \
  X(SetF, 45, "setf", Slot, 2, 0, kNoFlags, "( ref v -- ) set slot N")                                   \
  X(GetI, 46, "geti", None, 2, 1, kNoFlags, "( ref i -- v ) slot i")                                     \
  X(SetI, 47, "seti", None, 3, 0, kNoFlags, "( ref i v -- ) set slot i")                                 \
  X(Len, 48, "len", None, 1, 1, kNoFlags, "slots of a record (2 for a cons), bytes of a string")         \
  X(Cons, 49, "cons", None, 2, 1, kNoFlags, "( a d -- ref ) a cons cell; exhaustion is an error")        \
  X(Car, 50, "car", None, 1, 1, kNoFlags, "first slot of a cons")                                        \
  X(Cdr, 51, "cdr", None, 1, 1, kNoFlags, "second slot of a cons")                                       \
  X(SetCar, 52, "setcar", None, 2, 0, kNoFlags, "( ref v -- ) set the car")                              \
  X(SetCdr, 53, "setcdr", None, 2, 0, kNoFlags, "( ref v -- ) set the cdr")                              \
  X(Concat, 54, "concat", None, 2, 1, kNoFlags, "new string a followed by b")                            \
  X(ToStr, 55, "tostr", None, 1, 1, kNoFlags, "new string: v's printed form")                            \
  X(Substr, 56, "substr", None, 3, 1, kNoFlags, "( s start n -- s2 ) new string")                        \
  X(Byte, 57, "byte", None, 2, 1, kNoFlags, "( s i -- int ) byte i of s")                                \
  X(ToInt, 58, "toint", None, 1, 1, kNoFlags, "decimal integer with optional sign, or nil")              \
  X(Print, 59, "print", None, 1, 0, kNoFlags, "print v and a newline")                                   \
  X(Write, 60, "write", None, 1, 0, kNoFlags, "print v without a newline")                               \
  X(Argc, 61, "argc", None, 0, 1, kNoFlags, "number of program arguments")                               \
  X(Argv, 62, "argv", None, 1, 1, kNoFlags, "new string: program argument i (0-based)")                  \
  X(Assert, 63, "assert", None, 1, 0, kNoFlags, "runtime error 'assertion failed' when v is false")      \
  X(Nop, 64, "nop", None, 0, 0, kNoFlags, "do nothing")                                                  \
  /* Superinstructions, chosen from profiles of fib, loops and binary_trees. */                          \
  X(LoadJz, 65, "load", Local, 0, 1, kInternal | kFused, "", {Load, Jz})                                 \
  X(LoadJnz, 66, "load", Local, 0, 1, kInternal | kFused, "", {Load, Jnz})                               \
  X(LoadAddK, 67, "load", Local, 0, 1, kInternal | kFused, "K an int", {Load, Push, Add})                \
  X(LoadSubK, 68, "load", Local, 0, 1, kInternal | kFused, "K an int", {Load, Push, Sub})                \
  X(LoadPush, 69, "load", Local, 0, 1, kInternal | kFused, "", {Load, Push})                             \
  X(LtJz, 70, "lt", None, 2, 1, kInternal | kFused, "", {Lt, Jz})                                        \
  X(LeJz, 71, "le", None, 2, 1, kInternal | kFused, "", {Le, Jz})                                        \
  X(GtJz, 72, "gt", None, 2, 1, kInternal | kFused, "", {Gt, Jz})                                        \
  X(GeJz, 73, "ge", None, 2, 1, kInternal | kFused, "", {Ge, Jz})                                        \
  X(EqJz, 74, "eq", None, 2, 1, kInternal | kFused, "", {Eq, Jz})                                        \
  X(NeJz, 75, "ne", None, 2, 1, kInternal | kFused, "", {Ne, Jz})                                        \
  X(LtJnz, 76, "lt", None, 2, 1, kInternal | kFused, "", {Lt, Jnz})                                      \
  X(LeJnz, 77, "le", None, 2, 1, kInternal | kFused, "", {Le, Jnz})                                      \
  X(GtJnz, 78, "gt", None, 2, 1, kInternal | kFused, "", {Gt, Jnz})                                      \
  X(GeJnz, 79, "ge", None, 2, 1, kInternal | kFused, "", {Ge, Jnz})                                      \
  X(EqJnz, 80, "eq", None, 2, 1, kInternal | kFused, "", {Eq, Jnz})                                      \
  X(NeJnz, 81, "ne", None, 2, 1, kInternal | kFused, "", {Ne, Jnz})                                      \
  /* Second round, from profiles of tests/bench (loop, list, sieve, fib). */                             \
  X(LoadLoad, 82, "load", Local, 0, 1, kInternal | kFused, "", {Load, Load})                             \
  X(LoadAdd, 83, "load", Local, 0, 1, kInternal | kFused, "", {Load, Add})                               \
  X(LoadSub, 84, "load", Local, 0, 1, kInternal | kFused, "", {Load, Sub})                               \
  X(LoadMul, 85, "load", Local, 0, 1, kInternal | kFused, "", {Load, Mul})                               \
  X(AddK, 86, "push", Const, 0, 1, kInternal | kFused, "K an int", {Push, Add})                          \
  X(SubK, 87, "push", Const, 0, 1, kInternal | kFused, "K an int", {Push, Sub})                          \
  X(MulK, 88, "push", Const, 0, 1, kInternal | kFused, "K an int", {Push, Mul})                          \
  X(ModK, 89, "push", Const, 0, 1, kInternal | kFused, "K an int, not 0 or -1", {Push, Mod})             \
  X(AddStore, 90, "add", None, 2, 1, kInternal | kFused, "", {Add, Store})                               \
  X(StoreLoad, 91, "store", Local, 1, 0, kInternal | kFused, "only when the load starts no superinstruction of its own", {Store, Load}) \
  X(DupStore, 92, "dup", None, 1, 2, kInternal | kFused, "", {Dup, Store})                               \
  X(IncLocal, 93, "load", Local, 0, 1, kInternal | kFused, "K an int; both the same local", {Load, Push, Add, Store}) \
  X(DecLocal, 94, "load", Local, 0, 1, kInternal | kFused, "K an int; both the same local", {Load, Push, Sub, Store}) \
  X(LoadCar, 95, "load", Local, 0, 1, kInternal | kFused, "", {Load, Car})                               \
  X(LoadCdr, 96, "load", Local, 0, 1, kInternal | kFused, "", {Load, Cdr})                               \
  X(LoadGetF, 97, "load", Local, 0, 1, kInternal | kFused, "", {Load, GetF})                             \
  X(LoadRet, 98, "load", Local, 0, 1, kInternal | kFused, "", {Load, Ret})                               \
  X(LoadKLtJz, 99, "load", Local, 0, 1, kInternal | kFused, "K an int", {Load, Push, Lt, Jz})            \
  X(LoadKLeJz, 100, "load", Local, 0, 1, kInternal | kFused, "K an int", {Load, Push, Le, Jz})           \
  X(LoadKGtJz, 101, "load", Local, 0, 1, kInternal | kFused, "K an int", {Load, Push, Gt, Jz})           \
  X(LoadKGeJz, 102, "load", Local, 0, 1, kInternal | kFused, "K an int", {Load, Push, Ge, Jz})           \
  X(LoadKEqJz, 103, "load", Local, 0, 1, kInternal | kFused, "K an int", {Load, Push, Eq, Jz})           \
  X(LoadKNeJz, 104, "load", Local, 0, 1, kInternal | kFused, "K an int", {Load, Push, Ne, Jz})           \
  X(LoadKLtJnz, 105, "load", Local, 0, 1, kInternal | kFused, "K an int", {Load, Push, Lt, Jnz})         \
  X(LoadKLeJnz, 106, "load", Local, 0, 1, kInternal | kFused, "K an int", {Load, Push, Le, Jnz})         \
  X(LoadKGtJnz, 107, "load", Local, 0, 1, kInternal | kFused, "K an int", {Load, Push, Gt, Jnz})         \
  X(LoadKGeJnz, 108, "load", Local, 0, 1, kInternal | kFused, "K an int", {Load, Push, Ge, Jnz})         \
  X(LoadKEqJnz, 109, "load", Local, 0, 1, kInternal | kFused, "K an int", {Load, Push, Eq, Jnz})         \
  X(LoadKNeJnz, 110, "load", Local, 0, 1, kInternal | kFused, "K an int", {Load, Push, Ne, Jnz})         \
  X(AddLocals, 111, "load", Local, 0, 1, kInternal | kFused, "", {Load, Load, Add, Store})               \
  X(LoadLoadGetI, 112, "load", Local, 0, 1, kInternal | kFused, "", {Load, Load, GetI})                  \
  X(LoadSetI, 113, "load", Local, 0, 1, kInternal | kFused, "", {Load, SetI})                            \
  X(PushSetI, 114, "push", Const, 0, 1, kInternal | kFused, "", {Push, SetI})                            \
  X(GetIToLocal, 115, "load", Local, 0, 1, kInternal | kFused, "", {Load, Load, GetI, Store})            \
  X(SetILocals, 116, "load", Local, 0, 1, kInternal | kFused, "", {Load, Load, Load, SetI})              \
  X(LoadLoadLtJz, 117, "load", Local, 0, 1, kInternal | kFused, "", {Load, Load, Lt, Jz})                \
  X(LoadLoadLeJz, 118, "load", Local, 0, 1, kInternal | kFused, "", {Load, Load, Le, Jz})                \
  X(LoadLoadGtJz, 119, "load", Local, 0, 1, kInternal | kFused, "", {Load, Load, Gt, Jz})                \
  X(LoadLoadGeJz, 120, "load", Local, 0, 1, kInternal | kFused, "", {Load, Load, Ge, Jz})                \
  X(LoadLoadEqJz, 121, "load", Local, 0, 1, kInternal | kFused, "", {Load, Load, Eq, Jz})                \
  X(LoadLoadNeJz, 122, "load", Local, 0, 1, kInternal | kFused, "", {Load, Load, Ne, Jz})                \
  X(LoadLoadLtJnz, 123, "load", Local, 0, 1, kInternal | kFused, "", {Load, Load, Lt, Jnz})              \
  X(LoadLoadLeJnz, 124, "load", Local, 0, 1, kInternal | kFused, "", {Load, Load, Le, Jnz})              \
  X(LoadLoadGtJnz, 125, "load", Local, 0, 1, kInternal | kFused, "", {Load, Load, Gt, Jnz})              \
  X(LoadLoadGeJnz, 126, "load", Local, 0, 1, kInternal | kFused, "", {Load, Load, Ge, Jnz})              \
  X(LoadLoadEqJnz, 127, "load", Local, 0, 1, kInternal | kFused, "", {Load, Load, Eq, Jnz})              \
  X(LoadLoadNeJnz, 128, "load", Local, 0, 1, kInternal | kFused, "", {Load, Load, Ne, Jnz})                \
  /* Pausing (spec §11), appended after the superinstructions: numbers are pinned. */          \
  X(Yield, 129, "yield", None, 1, 1, kLeaves, "( v -- sent ) pause: v goes to the resumer (the host, in the main run)") \
  X(CoCreate, 130, "cocreate", Func, kVar, 1, kNoFlags, "( a1 .. an -- co ) a coroutine that will call F; a block of 'co'; nil when exhausted") \
  X(CoResume, 131, "coresume", None, 2, 1, kLeaves, "( co v -- r ) run co until it yields r or returns r; v is what its yield gets") \
  X(CoStatus, 132, "costatus", None, 1, 1, kNoFlags, "( co -- n ) 0 suspended, 1 running, 2 normal, 3 dead") \
  /* Third round (issue 17), chosen from dynamic counts on the selection set (tests/bench/programs, */    \
  /* the example programs; docs/performance.md): a counted loop's step and test, a constant store into an */  \
  /* array at a local index, the product of two locals. */                                               \
  X(IncLocalLtJnz, 133, "load", Local, 0, 1, kInternal | kFused, "K and N ints; all three the same local", \
    {Load, Push, Add, Store, Load, Push, Lt, Jnz})                                                        \
  X(IncLocalJmp, 134, "load", Local, 0, 1, kInternal | kFused, "K an int; both the same local",           \
    {Load, Push, Add, Store, Jmp})                                                                        \
  X(SetILocalsK, 135, "load", Local, 0, 1, kInternal | kFused, "", {Load, Load, Push, SetI})               \
  X(LoadLoadMul, 136, "load", Local, 0, 1, kInternal | kFused, "", {Load, Load, Mul})

enum class Op : uint8_t {
#define POOLVM_X(name, number, ...) name = number,
  POOLVM_OPCODES(POOLVM_X)
#undef POOLVM_X
};

struct OpInfo {
  std::string_view name;  // the row's name, e.g. "LoadKLtJz" (dis --fused, docs)
  std::string_view mnemonic;
  OperandKind operand;
  int8_t pops;
  int8_t pushes;
  uint8_t flags;
  std::string_view doc;
};

inline constexpr OpInfo kOpInfo[] = {
#define POOLVM_X(name, number, mn, operand, pops, pushes, flags, doc, ...) \
  {#name, mn, OperandKind::operand, pops, pushes, flags, doc},
    POOLVM_OPCODES(POOLVM_X)
#undef POOLVM_X
};

inline constexpr int kNumOps = static_cast<int>(sizeof(kOpInfo) / sizeof(kOpInfo[0]));
static_assert(kNumOps <= 256, "opcodes are one byte");

// Pinned numbers are unique and dense: row k carries number k.
inline constexpr uint8_t kPinnedNumber[] = {
#define POOLVM_X(name, number, ...) number,
    POOLVM_OPCODES(POOLVM_X)
#undef POOLVM_X
};
consteval bool numbers_are_row_positions() {
  for (int i = 0; i < kNumOps; ++i)
    if (kPinnedNumber[i] != i) return false;
  return true;
}
static_assert(numbers_are_row_positions(),
              "opcode numbers are pinned: rows stay in number order, a new row appends with the next number");

// The instructions a superinstruction stands for; length 0 for every other row.
inline constexpr int kMaxFusedLength = 8;
struct OpSequence {
  Op ops[kMaxFusedLength] = {};
  uint8_t length = 0;
};

namespace detail {
consteval OpSequence sequence_of() { return {}; }
consteval OpSequence sequence_of(std::initializer_list<Op> ops) {
  OpSequence s;
  for (Op op : ops) s.ops[s.length++] = op;
  return s;
}
using enum Op;  // so the table's sequences can name instructions unqualified
inline constexpr OpSequence kSequences[] = {
#define POOLVM_X(name, number, mn, operand, pops, pushes, flags, doc, ...) sequence_of(__VA_ARGS__),
    POOLVM_OPCODES(POOLVM_X)
#undef POOLVM_X
};
}  // namespace detail

constexpr const OpSequence& fused_sequence(Op op) { return detail::kSequences[static_cast<uint8_t>(op)]; }
// How many instructions a superinstruction covers: its handler's advance.
constexpr int fused_length(Op op) { return fused_sequence(op).length; }

// A sequence is declared exactly by the kFused rows, has at least two plain
// instructions, and the row looks like its first instruction from outside.
consteval bool sequences_are_well_formed() {
  for (int i = 0; i < kNumOps; ++i) {
    const OpSequence& s = detail::kSequences[i];
    const OpInfo& row = kOpInfo[i];
    if (((row.flags & kFused) != 0) != (s.length > 0)) return false;
    if (s.length == 0) continue;
    if (s.length < 2 || s.length > kMaxFusedLength) return false;
    for (int k = 0; k < s.length; ++k)
      if (kOpInfo[static_cast<uint8_t>(s.ops[k])].flags & (kFused | kInternal)) return false;
    const OpInfo& first = kOpInfo[static_cast<uint8_t>(s.ops[0])];
    if (row.mnemonic != first.mnemonic || row.operand != first.operand || row.pops != first.pops ||
        row.pushes != first.pushes)
      return false;
    // A branch, a call or a yield may only end a sequence: control never leaves from its middle.
    for (int k = 0; k + 1 < s.length; ++k)
      if (kOpInfo[static_cast<uint8_t>(s.ops[k])].flags & (kBranch | kEnd | kLeaves)) return false;
    // Each sequence once: a second row could never be chosen.
    for (int j = 0; j < i; ++j) {
      const OpSequence& t = detail::kSequences[j];
      bool same = t.length == s.length;
      for (int k = 0; same && k < s.length; ++k) same = t.ops[k] == s.ops[k];
      if (same) return false;
    }
  }
  return true;
}
static_assert(sequences_are_well_formed(),
              "a kFused row declares 2..kMaxFusedLength plain instructions, a branch or end only last, a sequence no "
              "other row declares, and copies the first one's mnemonic, operand and stack effect");

constexpr const OpInfo& op_info(Op op) { return kOpInfo[static_cast<uint8_t>(op)]; }

// Whether an opcode number can be in a module: a row of the table that is not
// a superinstruction. The .pbc reader refuses every other number, so a fused
// row never reaches the verifier from a file.
constexpr bool is_module_opcode(unsigned number) {
  return number < static_cast<unsigned>(kNumOps) && !(kOpInfo[number].flags & kFused);
}

// The assembler takes only rows without kInternal by their mnemonic, so no
// source text can name a superinstruction either.
consteval bool fused_rows_are_internal() {
  for (const OpInfo& row : kOpInfo)
    if ((row.flags & kFused) && !(row.flags & kInternal)) return false;
  return true;
}
static_assert(fused_rows_are_internal(), "a kFused row is kInternal: the assembler must not accept it by name");

// One encoded instruction: opcode and one 32-bit operand, decoded at load so
// the interpreter never parses operands.
struct Instr {
  Op op;
  uint8_t reserved0 = 0;
  uint16_t reserved1 = 0;
  int32_t a = 0;
};
static_assert(sizeof(Instr) == 8, "instructions are 8 bytes, 8-aligned");
static_assert(offsetof(Instr, a) == 4);

}  // namespace poolvm
