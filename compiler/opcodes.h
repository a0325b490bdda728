// compiler/opcodes.h — THE instruction table. Every instruction of poolvm is
// defined here once; the assembler, disassembler, verifier, interpreter and
// the generated docs (tools/gen_opcode_docs) all expand this X-macro. Do not
// write a list of opcodes anywhere else.
//
// X(Name, "mnemonic", Operand, pops, pushes, flags, "doc")
//   Operand: the kind of the single operand (OperandKind below).
//   pops/pushes: stack effect; kVar where it depends on the callee (call).
//   flags: kBranch (may jump to its label), kEnd (control never falls
//   through), kInternal (produced by the assembler, spelled like another
//   instruction; not accepted by that name in source), kFused (a
//   superinstruction: the VM writes it over the first instruction of a hot
//   sequence after verification, in its own copy of the code, and leaves the
//   rest of the sequence in place, so jumps into the middle still work and
//   nothing is renumbered; never valid in a module).
#pragma once

#include <cstddef>
#include <cstdint>
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
inline constexpr uint8_t kNoFlags = 0, kBranch = 1, kEnd = 2, kInternal = 4, kFused = 8;

#define POOLVM_OPCODES(X)                                                                        \
  X(Push, "push", Const, 0, 1, kNoFlags, "push a literal: int, float, string, true, false, nil") \
  X(Pop, "pop", None, 1, 0, kNoFlags, "drop the top value")                                      \
  X(Dup, "dup", None, 1, 2, kNoFlags, "( v -- v v )")                                            \
  X(Swap, "swap", None, 2, 2, kNoFlags, "( a b -- b a )")                                        \
  X(Over, "over", None, 2, 3, kNoFlags, "( a b -- a b a )")                                      \
  X(Load, "load", Local, 0, 1, kNoFlags, "push a local, by name or index")                      \
  X(Store, "store", Local, 1, 0, kNoFlags, "pop into a local")                                  \
  X(GLoad, "gload", Global, 0, 1, kNoFlags, "push a global")                                    \
  X(GStore, "gstore", Global, 1, 0, kNoFlags, "pop into a global")                              \
  X(Add, "add", None, 2, 1, kNoFlags, "a + b; ints wrap; a float operand gives a float")        \
  X(Sub, "sub", None, 2, 1, kNoFlags, "a - b")                                                   \
  X(Mul, "mul", None, 2, 1, kNoFlags, "a * b")                                                   \
  X(Div, "div", None, 2, 1, kNoFlags, "a / b; ints truncate toward zero; int / 0 is an error")  \
  X(Mod, "mod", None, 2, 1, kNoFlags, "int remainder with the sign of a; 0 divisor is an error") \
  X(Neg, "neg", None, 1, 1, kNoFlags, "-a")                                                      \
  X(BAnd, "band", None, 2, 1, kNoFlags, "bitwise and of ints")                                  \
  X(BOr, "bor", None, 2, 1, kNoFlags, "bitwise or of ints")                                     \
  X(BXor, "bxor", None, 2, 1, kNoFlags, "bitwise xor of ints")                                  \
  X(Shl, "shl", None, 2, 1, kNoFlags, "a << (b mod 64)")                                        \
  X(Shr, "shr", None, 2, 1, kNoFlags, "a >> (b mod 64), arithmetic")                            \
  X(BNot, "bnot", None, 1, 1, kNoFlags, "bitwise not of an int")                                \
  X(IToF, "itof", None, 1, 1, kNoFlags, "int to float")                                         \
  X(FToI, "ftoi", None, 1, 1, kNoFlags, "float to int, truncating; NaN or out of range is an error") \
  X(Sqrt, "sqrt", None, 1, 1, kNoFlags, "square root, as a float")                              \
  X(Eq, "eq", None, 2, 1, kNoFlags, "equal: numbers by value, strings by content, refs by identity") \
  X(Ne, "ne", None, 2, 1, kNoFlags, "not eq")                                                    \
  X(Lt, "lt", None, 2, 1, kNoFlags, "a < b for two numbers or two strings")                     \
  X(Le, "le", None, 2, 1, kNoFlags, "a <= b")                                                    \
  X(Gt, "gt", None, 2, 1, kNoFlags, "a > b")                                                     \
  X(Ge, "ge", None, 2, 1, kNoFlags, "a >= b")                                                    \
  X(Not, "not", None, 1, 1, kNoFlags, "true when v is false, nil or 0")                         \
  X(Jmp, "jmp", Label, 0, 0, kBranch | kEnd, "jump to a label")                                 \
  X(Jz, "jz", Label, 1, 0, kBranch, "pop; jump when false, nil or 0")                           \
  X(Jnz, "jnz", Label, 1, 0, kBranch, "pop; jump when true")                                    \
  X(Call, "call", Func, kVar, kVar, kNoFlags, "call a function with its arity's arguments; takes a frame block") \
  X(CallExtern, "call", Extern, kVar, kVar, kInternal, "call a host function (.extern)")        \
  X(TailCall, "tailcall", Func, kVar, kVar, kEnd, "call in place of this function, reusing its frame") \
  X(TailCallExtern, "tailcall", Extern, kVar, kVar, kEnd | kInternal, "call a host function and return its result") \
  X(Ret, "ret", None, 1, 0, kEnd, "return the only value on the operand stack")                 \
  X(Halt, "halt", None, 1, 0, kEnd, "stop the program with an int exit status")                 \
  X(PoolMalloc, "pool_malloc", RecPool, 0, 1, kNoFlags, "a fresh nil-filled block of a record pool or cons; nil when exhausted") \
  X(PoolFree, "pool_free", None, 1, 0, kNoFlags, "give a block (a string: all its blocks) back; nil is a no-op") \
  X(PoolUsed, "pool_used", AnyPool, 0, 1, kNoFlags, "blocks in use in a pool")                  \
  X(PoolCap, "pool_cap", AnyPool, 0, 1, kNoFlags, "capacity of a pool in blocks")               \
  X(GetF, "getf", Slot, 1, 1, kNoFlags, "slot N of a record or cons")                           \
  X(SetF, "setf", Slot, 2, 0, kNoFlags, "( ref v -- ) set slot N")                              \
  X(GetI, "geti", None, 2, 1, kNoFlags, "( ref i -- v ) slot i")                                \
  X(SetI, "seti", None, 3, 0, kNoFlags, "( ref i v -- ) set slot i")                            \
  X(Len, "len", None, 1, 1, kNoFlags, "slots of a record (2 for a cons), bytes of a string")     \
  X(Cons, "cons", None, 2, 1, kNoFlags, "( a d -- ref ) a cons cell; exhaustion is an error")   \
  X(Car, "car", None, 1, 1, kNoFlags, "first slot of a cons")                                   \
  X(Cdr, "cdr", None, 1, 1, kNoFlags, "second slot of a cons")                                  \
  X(SetCar, "setcar", None, 2, 0, kNoFlags, "( ref v -- ) set the car")                         \
  X(SetCdr, "setcdr", None, 2, 0, kNoFlags, "( ref v -- ) set the cdr")                         \
  X(Concat, "concat", None, 2, 1, kNoFlags, "new string a followed by b")                       \
  X(ToStr, "tostr", None, 1, 1, kNoFlags, "new string: v's printed form")                       \
  X(Substr, "substr", None, 3, 1, kNoFlags, "( s start n -- s2 ) new string")                   \
  X(Byte, "byte", None, 2, 1, kNoFlags, "( s i -- int ) byte i of s")                           \
  X(ToInt, "toint", None, 1, 1, kNoFlags, "decimal integer with optional sign, or nil")         \
  X(Print, "print", None, 1, 0, kNoFlags, "print v and a newline")                              \
  X(Write, "write", None, 1, 0, kNoFlags, "print v without a newline")                          \
  X(Argc, "argc", None, 0, 1, kNoFlags, "number of program arguments")                          \
  X(Argv, "argv", None, 1, 1, kNoFlags, "new string: program argument i (0-based)")             \
  X(Assert, "assert", None, 1, 0, kNoFlags, "runtime error 'assertion failed' when v is false") \
  X(Nop, "nop", None, 0, 0, kNoFlags, "do nothing")                                            \
  X(Yield, "yield", None, 1, 1, kNoFlags, "( v -- sent ) pause: v goes to the resumer (the host, in the main run)") \
  X(CoCreate, "cocreate", Func, kVar, 1, kNoFlags, "( a1 .. an -- co ) a coroutine that will call F; a block of 'co'; nil when exhausted") \
  X(CoResume, "coresume", None, 2, 1, kNoFlags, "( co v -- r ) run co until it yields r or returns r; v is what its yield gets") \
  X(CoStatus, "costatus", None, 1, 1, kNoFlags, "( co -- n ) 0 suspended, 1 running, 2 normal, 3 dead") \
  /* Superinstructions, chosen from profiles of fib, loops and binary_trees. */                \
  X(LoadJz, "load", Local, 0, 1, kInternal | kFused, "load L; jz T")                             \
  X(LoadJnz, "load", Local, 0, 1, kInternal | kFused, "load L; jnz T")                           \
  X(LoadAddK, "load", Local, 0, 1, kInternal | kFused, "load L; push K; add")                    \
  X(LoadSubK, "load", Local, 0, 1, kInternal | kFused, "load L; push K; sub")                    \
  X(LoadPush, "load", Local, 0, 1, kInternal | kFused, "load L; push K")                         \
  X(LtJz, "lt", None, 2, 1, kInternal | kFused, "lt; jz T")                                      \
  X(LeJz, "le", None, 2, 1, kInternal | kFused, "le; jz T")                                      \
  X(GtJz, "gt", None, 2, 1, kInternal | kFused, "gt; jz T")                                      \
  X(GeJz, "ge", None, 2, 1, kInternal | kFused, "ge; jz T")                                      \
  X(EqJz, "eq", None, 2, 1, kInternal | kFused, "eq; jz T")                                      \
  X(NeJz, "ne", None, 2, 1, kInternal | kFused, "ne; jz T")                                      \
  X(LtJnz, "lt", None, 2, 1, kInternal | kFused, "lt; jnz T")                                    \
  X(LeJnz, "le", None, 2, 1, kInternal | kFused, "le; jnz T")                                    \
  X(GtJnz, "gt", None, 2, 1, kInternal | kFused, "gt; jnz T")                                    \
  X(GeJnz, "ge", None, 2, 1, kInternal | kFused, "ge; jnz T")                                    \
  X(EqJnz, "eq", None, 2, 1, kInternal | kFused, "eq; jnz T")                                    \
  X(NeJnz, "ne", None, 2, 1, kInternal | kFused, "ne; jnz T")                                    \
  /* Second round, from profiles of tests/bench (loop, list, sieve, fib). */                    \
  X(LoadLoad, "load", Local, 0, 1, kInternal | kFused, "load L; load M")                         \
  X(LoadAdd, "load", Local, 0, 1, kInternal | kFused, "load L; add")                             \
  X(LoadSub, "load", Local, 0, 1, kInternal | kFused, "load L; sub")                             \
  X(LoadMul, "load", Local, 0, 1, kInternal | kFused, "load L; mul")                             \
  X(AddK, "push", Const, 0, 1, kInternal | kFused, "push K; add")                                \
  X(SubK, "push", Const, 0, 1, kInternal | kFused, "push K; sub")                                \
  X(MulK, "push", Const, 0, 1, kInternal | kFused, "push K; mul")                                \
  X(ModK, "push", Const, 0, 1, kInternal | kFused, "push K; mod (K not 0 or -1)")                \
  X(AddStore, "add", None, 2, 1, kInternal | kFused, "add; store L")                             \
  X(StoreLoad, "store", Local, 1, 0, kInternal | kFused, "store L; load M")                      \
  X(DupStore, "dup", None, 1, 2, kInternal | kFused, "dup; store L")                             \
  X(IncLocal, "load", Local, 0, 1, kInternal | kFused, "load L; push K; add; store L")           \
  X(DecLocal, "load", Local, 0, 1, kInternal | kFused, "load L; push K; sub; store L")           \
  X(LoadCar, "load", Local, 0, 1, kInternal | kFused, "load L; car")                             \
  X(LoadCdr, "load", Local, 0, 1, kInternal | kFused, "load L; cdr")                             \
  X(LoadGetF, "load", Local, 0, 1, kInternal | kFused, "load L; getf N")                         \
  X(LoadRet, "load", Local, 0, 1, kInternal | kFused, "load L; ret")                             \
  X(LoadKLtJz, "load", Local, 0, 1, kInternal | kFused, "load L; push K; lt; jz T")             \
  X(LoadKLeJz, "load", Local, 0, 1, kInternal | kFused, "load L; push K; le; jz T")             \
  X(LoadKGtJz, "load", Local, 0, 1, kInternal | kFused, "load L; push K; gt; jz T")             \
  X(LoadKGeJz, "load", Local, 0, 1, kInternal | kFused, "load L; push K; ge; jz T")             \
  X(LoadKEqJz, "load", Local, 0, 1, kInternal | kFused, "load L; push K; eq; jz T")             \
  X(LoadKNeJz, "load", Local, 0, 1, kInternal | kFused, "load L; push K; ne; jz T")             \
  X(LoadKLtJnz, "load", Local, 0, 1, kInternal | kFused, "load L; push K; lt; jnz T")           \
  X(LoadKLeJnz, "load", Local, 0, 1, kInternal | kFused, "load L; push K; le; jnz T")           \
  X(LoadKGtJnz, "load", Local, 0, 1, kInternal | kFused, "load L; push K; gt; jnz T")           \
  X(LoadKGeJnz, "load", Local, 0, 1, kInternal | kFused, "load L; push K; ge; jnz T")           \
  X(LoadKEqJnz, "load", Local, 0, 1, kInternal | kFused, "load L; push K; eq; jnz T")           \
  X(LoadKNeJnz, "load", Local, 0, 1, kInternal | kFused, "load L; push K; ne; jnz T")           \
  X(AddLocals, "load", Local, 0, 1, kInternal | kFused, "load L; load M; add; store N")         \
  X(LoadLoadGetI, "load", Local, 0, 1, kInternal | kFused, "load L; load M; geti")              \
  X(LoadSetI, "load", Local, 0, 1, kInternal | kFused, "load L; seti")                          \
  X(PushSetI, "push", Const, 0, 1, kInternal | kFused, "push K; seti")                          \
  X(GetIToLocal, "load", Local, 0, 1, kInternal | kFused, "load L; load M; geti; store N")       \
  X(SetILocals, "load", Local, 0, 1, kInternal | kFused, "load L; load M; load N; seti")         \
  X(LoadLoadLtJz, "load", Local, 0, 1, kInternal | kFused, "load L; load M; lt; jz T") \
  X(LoadLoadLeJz, "load", Local, 0, 1, kInternal | kFused, "load L; load M; le; jz T") \
  X(LoadLoadGtJz, "load", Local, 0, 1, kInternal | kFused, "load L; load M; gt; jz T") \
  X(LoadLoadGeJz, "load", Local, 0, 1, kInternal | kFused, "load L; load M; ge; jz T") \
  X(LoadLoadEqJz, "load", Local, 0, 1, kInternal | kFused, "load L; load M; eq; jz T") \
  X(LoadLoadNeJz, "load", Local, 0, 1, kInternal | kFused, "load L; load M; ne; jz T") \
  X(LoadLoadLtJnz, "load", Local, 0, 1, kInternal | kFused, "load L; load M; lt; jnz T") \
  X(LoadLoadLeJnz, "load", Local, 0, 1, kInternal | kFused, "load L; load M; le; jnz T") \
  X(LoadLoadGtJnz, "load", Local, 0, 1, kInternal | kFused, "load L; load M; gt; jnz T") \
  X(LoadLoadGeJnz, "load", Local, 0, 1, kInternal | kFused, "load L; load M; ge; jnz T") \
  X(LoadLoadEqJnz, "load", Local, 0, 1, kInternal | kFused, "load L; load M; eq; jnz T") \
  X(LoadLoadNeJnz, "load", Local, 0, 1, kInternal | kFused, "load L; load M; ne; jnz T")

enum class Op : uint8_t {
#define POOLVM_X(name, mn, operand, pops, pushes, flags, doc) name,
  POOLVM_OPCODES(POOLVM_X)
#undef POOLVM_X
};

struct OpInfo {
  std::string_view mnemonic;
  OperandKind operand;
  int8_t pops;
  int8_t pushes;
  uint8_t flags;
  std::string_view doc;
};

inline constexpr OpInfo kOpInfo[] = {
#define POOLVM_X(name, mn, operand, pops, pushes, flags, doc) \
  {mn, OperandKind::operand, pops, pushes, flags, doc},
    POOLVM_OPCODES(POOLVM_X)
#undef POOLVM_X
};

inline constexpr int kNumOps = static_cast<int>(sizeof(kOpInfo) / sizeof(kOpInfo[0]));
static_assert(kNumOps <= 256, "opcodes are one byte");

inline const OpInfo& op_info(Op op) { return kOpInfo[static_cast<uint8_t>(op)]; }

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
