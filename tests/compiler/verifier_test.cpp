// tests/compiler/verifier_test.cpp — owns the verifier's tests: each rule of
// spec §7 broken in a hand-built module (not only in assembler output, since
// .pbc modules never went through the assembler) and rejected with its
// message; well-formed modules accepted with the right max_stack; and random
// and mutated modules, which it must survive whatever they hold.
#include "compiler/verifier.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <string>

#include "compiler/assembler.h"
#include "compiler/disassembler.h"
#include "runtime/value.h"

using namespace poolvm;

namespace {

Instr I(Op op, int32_t a = 0) { return Instr{op, 0, 0, a}; }

Constant int_const(int64_t v) {
  Constant c;
  c.kind = Constant::Kind::Int;
  c.i = v;
  return c;
}

// Builds modules function by function. Instruction pc is on line pc + 10 and
// function i on line i + 1, so a test can tell which line a message took.
struct Builder {
  Module m = empty_module("v.pasm");
  Builder() { m.constants.push_back(int_const(0)); }
  Builder& func(std::string name, uint32_t arity, uint32_t locals, std::vector<Instr> code) {
    Function f;
    f.name = std::move(name);
    f.arity = arity;
    f.num_locals = locals;
    f.start = static_cast<uint32_t>(m.code.size());
    f.end = f.start + static_cast<uint32_t>(code.size());
    f.line = static_cast<uint32_t>(m.functions.size() + 1);
    m.functions.push_back(std::move(f));
    for (const Instr& in : code) {
      m.lines.push_back(static_cast<uint32_t>(m.code.size() + 10));
      m.code.push_back(in);
    }
    return *this;
  }
  Builder& main(std::vector<Instr> code, uint32_t locals = 0) { return func("main", 0, locals, std::move(code)); }
};

Module with_main(std::vector<Instr> code, uint32_t locals = 0) { return Builder().main(std::move(code), locals).m; }

std::string first_error(Module m) {
  auto ds = verify(m);
  return ds.empty() ? std::string() : ds[0].message;
}

// verify() on a temporary.
std::vector<Diagnostic> check(Module m) { return verify(m); }

std::vector<std::string> messages(Module m) {
  std::vector<std::string> out;
  for (const Diagnostic& d : verify(m)) out.push_back(d.message);
  return out;
}

const std::vector<Instr> kReturnZero = {I(Op::Push), I(Op::Ret)};

}  // namespace

// ---- well-formed modules ----

TEST_CASE("a well-formed module passes, with its maximum stack height and main") {
  Module m = with_main({I(Op::Push), I(Op::Push), I(Op::Push), I(Op::Add), I(Op::Add), I(Op::Ret)});
  CHECK(verify(m).empty());
  CHECK(m.functions[0].max_stack == 3);
  CHECK(m.main == 0);
}

TEST_CASE("max_stack is the highest height on any path, at least 1, per function") {
  Builder b;
  // g(a b), heights: 1 2 3 4 3 2 1 2 1, ret
  b.func("g", 2, 2,
         {I(Op::Load, 0), I(Op::Load, 1), I(Op::Over), I(Op::Over), I(Op::Add), I(Op::Add), I(Op::Add), I(Op::Dup),
          I(Op::Pop), I(Op::Ret)});
  // main at 10: one branch goes higher than the other before they join at 19.
  //   [10] push 1 [11] jz 18 0 [12] push 1 [13] push 2 [14] push 3 [15] pop 2 [16] pop 1 [17] jmp 19
  //   [18] push 1 [19] push 2 [20] call g 1 [21] ret
  b.main({I(Op::Push), I(Op::Jz, 18), I(Op::Push), I(Op::Push), I(Op::Push), I(Op::Pop), I(Op::Pop), I(Op::Jmp, 19),
          I(Op::Push), I(Op::Push), I(Op::Call, 0), I(Op::Ret)});
  b.func("h", 0, 0, {I(Op::Nop), I(Op::Push), I(Op::Halt)});
  b.func("k", 0, 0, {I(Op::Push), I(Op::Push), I(Op::TailCall, 0)});
  Module m = b.m;
  REQUIRE(verify(m).empty());
  CHECK(m.functions[0].max_stack == 4);
  CHECK(m.functions[1].max_stack == 3);
  CHECK(m.functions[2].max_stack == 1);
  CHECK(m.functions[3].max_stack == 2);
  CHECK(m.main == 1);
}

TEST_CASE("a function that only halts or tail-calls still gets max_stack of at least 1") {
  Builder b;
  b.func("f", 0, 0, {I(Op::TailCall, 1)});
  b.main({I(Op::Push), I(Op::Halt)});
  Module m = b.m;
  REQUIRE(verify(m).empty());
  CHECK(m.functions[0].max_stack == 1);
}

TEST_CASE("loops whose heights agree on every path are accepted") {
  // main: n = 10; while n: n = n - 1; return n
  Module m = with_main({I(Op::Push, 1), I(Op::Store, 0), I(Op::Load, 0), I(Op::Jz, 9), I(Op::Load, 0), I(Op::Push, 2),
                        I(Op::Sub), I(Op::Store, 0), I(Op::Jmp, 2), I(Op::Load, 0), I(Op::Ret)},
                       1);
  m.constants.push_back(int_const(10));
  m.constants.push_back(int_const(1));
  CHECK(verify(m).empty());
  CHECK(m.functions[0].max_stack == 2);
}

TEST_CASE("verify is repeatable, and main is only set when the module verifies") {
  Module m = with_main(kReturnZero);
  CHECK(verify(m).empty());
  CHECK(verify(m).empty());
  CHECK(m.main == 0);
  m.code[1] = I(Op::Pop);
  CHECK_FALSE(verify(m).empty());
  CHECK(m.main == -1);
}

// ---- pools ----

TEST_CASE("pools: the first four are the built-ins cons, str, frame and co") {
  const std::string msg = "the module's first pools must be the built-ins cons, str, frame and co";
  Module m = with_main(kReturnZero);
  m.pools.resize(2);
  CHECK(first_error(m) == msg);
  m = with_main(kReturnZero);
  m.pools[1].name = "strings";
  CHECK(first_error(m) == msg);
  m = with_main(kReturnZero);
  m.pools[2].kind = PoolKind::Record;
  CHECK(first_error(m) == msg);
  m = with_main(kReturnZero);
  m.pools[kCoPool].kind = PoolKind::Record;
  CHECK(first_error(m) == msg);
  m = with_main(kReturnZero);
  m.pools.clear();
  m.pool_declared.clear();
  CHECK(first_error(m) == msg);
}

TEST_CASE("pools: later ones are record pools, with identifier names that are unique") {
  Module m = with_main(kReturnZero);
  m.pools.push_back(PoolConfig{"blob", PoolKind::Str, 8, 1});
  m.pool_declared.push_back(true);
  CHECK(first_error(m) == "pool 'blob' must be a record pool: only pools 0 to 3 are built-ins");
  m.pools.back() = PoolConfig{"cons", PoolKind::Record, 2, 1};
  CHECK(first_error(m) == "duplicate pool 'cons'");
  m.pools.back() = PoolConfig{"a b\n", PoolKind::Record, 2, 1};
  CHECK(first_error(m) == "pool name 'a b\\x0a' is not an identifier");
  m.pools.back() = PoolConfig{"node", PoolKind::Record, 2, 1};
  CHECK(verify(m).empty());
}

TEST_CASE("pools: sizes: cons 2 slots, str at least 1 byte, slots 1 .. 2^24, blocks below Pool::kNoBlock") {
  Module m = with_main(kReturnZero);
  m.pools[kConsPool].size = 3;
  CHECK(first_error(m) == "pool 'cons' must have 2 slots, not 3");
  m = with_main(kReturnZero);
  m.pools[kStrPool].size = 0;
  CHECK(first_error(m) == "pool 'str' has 0 bytes; it must be 1 to 16777216");
  m = with_main(kReturnZero);
  m.pools[kFramePool].size = 16777217;
  CHECK(first_error(m) == "pool 'frame' has 16777217 slots; it must be 1 to 16777216");
  m.pools[kFramePool].size = 16777216;
  CHECK(verify(m).empty());
  m.pools.push_back(PoolConfig{"node", PoolKind::Record, 0, 1});
  m.pool_declared.push_back(true);
  CHECK(first_error(m) == "pool 'node' has 0 slots; it must be 1 to 16777216");
  m.pools.back().size = 16777216;
  m.pools.back().blocks = 4294967295u;
  CHECK(first_error(m) == "pool 'node' has 4294967295 blocks (at most 4294967294)");
  m.pools.back().blocks = 0;  // a pool that can never give a block is legal: pool_malloc returns nil
  CHECK(verify(m).empty());
}

TEST_CASE("pools: at most 65535, checked quickly even at the limit, and pool_declared matches") {
  Module m = with_main(kReturnZero);
  for (int i = kFirstRecordPool; i < 65535; ++i) m.pools.push_back(PoolConfig{fmt::format("p{}", i), PoolKind::Record, 1, 1});
  m.pool_declared.assign(m.pools.size(), true);
  CHECK(verify(m).empty());
  m.pools.push_back(PoolConfig{"one_more", PoolKind::Record, 1, 1});
  m.pool_declared.push_back(true);
  CHECK(first_error(m) == "too many pools: 65536 (at most 65535)");

  Module d = with_main(kReturnZero);
  d.pool_declared.clear();  // empty is allowed: nothing was declared
  CHECK(verify(d).empty());
  d.pool_declared.assign(2, false);
  CHECK(first_error(d) == "the module has 4 pools but 2 pool declaration flags");
}

// ---- constants and names ----

TEST_CASE("constants of an unknown kind are rejected") {
  Module m = with_main(kReturnZero);
  Constant c;
  c.kind = static_cast<Constant::Kind>(9);
  m.constants.push_back(c);
  CHECK(first_error(m) == "constant 1 has an unknown kind 9");
}

TEST_CASE("globals, externs and functions have identifier names, unique; functions and externs share them") {
  Module m = with_main(kReturnZero);
  m.globals = {"a", "a"};
  CHECK(first_error(m) == "duplicate global 'a'");
  m.globals = {"1a"};
  CHECK(first_error(m) == "global name '1a' is not an identifier");
  m.globals = {};
  m.externs = {Extern{"clock", 0}, Extern{"clock", 1}};
  CHECK(first_error(m) == "duplicate extern 'clock'");
  m.externs = {Extern{"", 0}};
  CHECK(first_error(m) == "extern name '' is not an identifier");
  m.externs = {Extern{"main", 0}};
  CHECK(first_error(m) == "function 'main' has the name of an extern");
  m.externs = {};
  m.functions[0].name = "ma-in";
  CHECK(messages(m) == std::vector<std::string>{"function name 'ma-in' is not an identifier"});

  Builder b;
  b.main(kReturnZero).func("main", 0, 0, kReturnZero);
  auto ds = verify(b.m);
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].message == "duplicate function 'main'");
  CHECK(ds[0].line == 2);  // the second one's .func line
}

TEST_CASE("messages quote hostile names safely") {
  Module m = with_main(kReturnZero);
  m.globals = {std::string("\x1b[2J") + std::string(100, 'x')};
  std::string e = first_error(m);
  CHECK(e.find('\x1b') == std::string::npos);
  CHECK(e.find("\\x1b[2J") != std::string::npos);
  CHECK(e.find("...") != std::string::npos);
  CHECK(e.size() < 120);
}

// ---- functions: layout and locals ----

TEST_CASE("functions: a non-empty code range inside the code") {
  Module m = with_main(kReturnZero);
  m.functions[0].end = 10;
  CHECK(first_error(m) == "function 'main' has no code or a code range outside the module ([0, 10) of 2 instructions)");
  m.functions[0].end = 0;
  CHECK(first_error(m) == "function 'main' has no code or a code range outside the module ([0, 0) of 2 instructions)");
  m.functions[0].start = 4000000000u;
  m.functions[0].end = 4000000001u;
  CHECK(first_error(m).find("has no code or a code range outside the module") != std::string::npos);
}

TEST_CASE("functions: every instruction belongs to exactly one, in function order") {
  Module m = with_main(kReturnZero);
  m.code.push_back(I(Op::Nop));
  CHECK(first_error(m) == "instructions 2..2 belong to no function");

  Builder b;
  b.func("f", 0, 0, kReturnZero).main(kReturnZero);
  Module gap = b.m;
  gap.functions[1].start = 3;
  gap.functions[1].end = 4;
  gap.code.resize(4, I(Op::Nop));
  CHECK(first_error(gap) == "instructions 2..2 belong to no function");
  Module lead = b.m;
  lead.functions[0].start = 1;
  CHECK(first_error(lead) == "instructions 0..0 belong to no function");

  Module overlap = b.m;
  overlap.functions[1].start = 1;
  CHECK(first_error(overlap) ==
        "function 'main' overlaps function 'f', or comes before it in the code: functions' code must follow one "
        "another in order");
  Module swapped = b.m;
  std::swap(swapped.functions[0].start, swapped.functions[1].start);
  std::swap(swapped.functions[0].end, swapped.functions[1].end);
  CHECK(first_error(swapped) == "instructions 0..1 belong to no function");

  Module none = empty_module("e.pasm");
  CHECK(messages(none).empty());  // a library: nothing at all is fine
  none.code.push_back(I(Op::Nop));
  CHECK(first_error(none) == "instructions 0..0 belong to no function");
}

TEST_CASE("functions: parameters are locals, and local names are one identifier per local") {
  Module m = with_main(kReturnZero, 1);
  m.functions[0].arity = 2;
  CHECK(first_error(m) == "function 'main' has 2 parameters but only 1 local");
  m = with_main(kReturnZero, 1);
  m.functions[0].local_names = {"a", "b"};
  CHECK(first_error(m) == "function 'main' has 2 local names for 1 locals");
  m = with_main(kReturnZero, 2);
  m.functions[0].local_names = {"a", "a"};
  CHECK(first_error(m) == "function 'main' has two locals named 'a'");
  m.functions[0].local_names = {"a", ""};
  CHECK(first_error(m) == "function 'main' has a local name '' that is not an identifier");
  m.functions[0].local_names = {"a", "b"};
  CHECK(verify(m).empty());
}

TEST_CASE("functions: locals must fit a frame block, naming the .pool frame slots= to use") {
  Module m = with_main(kReturnZero, 40);
  auto ds = verify(m);
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].message == "function 'main' needs 40 locals but a frame block holds 32 (use `.pool frame slots=40`)");
  CHECK(ds[0].line == 1);
  m.pools[kFramePool].size = 40;
  CHECK(verify(m).empty());
}

TEST_CASE("main: optional (a library has none), but takes no parameters when present") {
  Module m = with_main(kReturnZero);
  m.functions[0].name = "start";
  CHECK(verify(m).empty());
  CHECK(m.main == -1);
  m.functions[0].name = "main";
  CHECK(verify(m).empty());
  CHECK(m.main == 0);
  m.functions[0].arity = m.functions[0].num_locals = 1;
  CHECK(first_error(m) == "'main' must take no parameters");
}

// ---- labels (debug information) ----

TEST_CASE("labels: inside the code, sorted by pc, identifiers, unique within their function") {
  Builder b;
  b.func("f", 0, 0, kReturnZero).main(kReturnZero);
  Module m = b.m;
  m.labels = {Label{0, "top"}, Label{2, "top"}, Label{3, "x"}, Label{3, "y"}};  // same name in two functions: fine
  CHECK(verify(m).empty());
  m.labels = {Label{4, "top"}};
  CHECK(first_error(m) == "label 'top' is at 4, outside the code");
  m.labels = {Label{2, "a"}, Label{1, "b"}};
  CHECK(first_error(m) == "the label table is not sorted by pc");
  m.labels = {Label{1, "9x"}};
  CHECK(first_error(m) == "label name '9x' is not an identifier");
  m.labels = {Label{2, "a"}, Label{3, "a"}};
  auto ds = verify(m);
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].message == "in function 'main': duplicate label 'a'");
  CHECK(ds[0].line == 13);
}

// ---- opcodes and operands ----

TEST_CASE("opcodes: a byte past the table, and superinstructions, are rejected") {
  for (int byte : {kNumOps, 200, 255}) {
    Module bad = with_main(kReturnZero);
    bad.code[0].op = static_cast<Op>(byte);
    CHECK(first_error(bad) == fmt::format("in function 'main': invalid opcode {}", byte));
  }
  Module m = with_main({I(Op::Push), I(Op::Push), I(Op::LtJz, 0), I(Op::Jz, 0)});
  CHECK(first_error(m) ==
        fmt::format("in function 'main': opcode {} is a superinstruction the VM makes itself; it cannot appear in a "
                    "module",
                    static_cast<int>(Op::LtJz)));
}

TEST_CASE("operands: instructions without one have 0") {
  CHECK(first_error(with_main({I(Op::Push), I(Op::Dup, 1), I(Op::Add), I(Op::Ret)})) ==
        "in function 'main': 'dup' takes no operand");
  CHECK(first_error(with_main({I(Op::Push), I(Op::Ret, INT32_MIN)})) == "in function 'main': 'ret' takes no operand");
}

TEST_CASE("operands: constants, locals, globals") {
  CHECK(first_error(with_main({I(Op::Push, 1), I(Op::Ret)})) == "in function 'main': 'push' constant 1 out of range");
  CHECK(first_error(with_main({I(Op::Push, -1), I(Op::Ret)})) == "in function 'main': 'push' constant -1 out of range");
  CHECK(first_error(with_main({I(Op::Load, 2), I(Op::Ret)}, 2)) ==
        "in function 'main': 'load' local 2 out of range (2 locals)");
  CHECK(first_error(with_main({I(Op::Push), I(Op::Store, -1), I(Op::Push), I(Op::Ret)}, 2)) ==
        "in function 'main': 'store' local -1 out of range (2 locals)");
  CHECK(first_error(with_main({I(Op::GLoad, 0), I(Op::Ret)})) == "in function 'main': 'gload' global 0 out of range");
  Module m = with_main({I(Op::GLoad, 0), I(Op::GStore, 0), I(Op::Push), I(Op::Ret)});
  m.globals = {"g"};
  CHECK(verify(m).empty());
  m.code[1].a = INT32_MAX;
  CHECK(first_error(m) == "in function 'main': 'gstore' global 2147483647 out of range");
}

TEST_CASE("operands: jump targets are instructions of the same function") {
  CHECK(first_error(with_main({I(Op::Jmp, 7)})) == "in function 'main': 'jmp' jumps to 7, outside the function");
  CHECK(first_error(with_main({I(Op::Jmp, -1)})) == "in function 'main': 'jmp' jumps to -1, outside the function");
  Builder b;
  b.func("f", 0, 0, kReturnZero).main({I(Op::Push), I(Op::Jz, 1), I(Op::Push), I(Op::Ret)});
  CHECK(first_error(b.m) == "in function 'main': 'jz' jumps to 1, outside the function");
  b.m.code[3].a = 2;  // a jump to the function's own first instruction is fine
  b.m.code[2] = I(Op::Push);
  b.m.code[3] = I(Op::Jnz, 2);
  b.m.code[4] = I(Op::Push);
  CHECK(verify(b.m).empty());
}

TEST_CASE("operands: functions and externs") {
  CHECK(first_error(with_main({I(Op::Call, 9), I(Op::Ret)})) == "in function 'main': 'call' function 9 out of range");
  CHECK(first_error(with_main({I(Op::TailCall, -3)})) == "in function 'main': 'tailcall' function -3 out of range");
  CHECK(first_error(with_main({I(Op::CallExtern, 0), I(Op::Ret)})) ==
        "in function 'main': 'call' extern 0 out of range");
  Module m = with_main({I(Op::TailCallExtern, 1)});
  m.externs = {Extern{"clock", 0}};
  CHECK(first_error(m) == "in function 'main': 'tailcall' extern 1 out of range");
  m.code[0].a = 0;
  CHECK(verify(m).empty());
}

TEST_CASE("operands: pool_malloc names a record pool or cons, never str or frame; pool_used any pool") {
  CHECK(first_error(with_main({I(Op::PoolMalloc, kStrPool), I(Op::Ret)})) ==
        "in function 'main': 'pool_malloc' cannot take blocks of 'str'");
  CHECK(first_error(with_main({I(Op::PoolMalloc, kFramePool), I(Op::Ret)})) ==
        "in function 'main': 'pool_malloc' cannot take blocks of 'frame'");
  CHECK(first_error(with_main({I(Op::PoolMalloc, kCoPool), I(Op::Ret)})) ==
        "in function 'main': 'pool_malloc' cannot take blocks of 'co'");
  CHECK(first_error(with_main({I(Op::PoolMalloc, 4), I(Op::Ret)})) ==
        "in function 'main': 'pool_malloc' pool 4 out of range");
  CHECK(check(with_main({I(Op::PoolMalloc, kConsPool), I(Op::Ret)})).empty());
  Module rec = with_main({I(Op::PoolMalloc, kFirstRecordPool), I(Op::Ret)});
  rec.pools.push_back(PoolConfig{"node", PoolKind::Record, 3, 10});
  rec.pool_declared.push_back(true);
  CHECK(verify(rec).empty());

  CHECK(first_error(with_main({I(Op::PoolUsed, 4), I(Op::Ret)})) ==
        "in function 'main': 'pool_used' pool 4 out of range");
  CHECK(first_error(with_main({I(Op::PoolCap, -1), I(Op::Ret)})) ==
        "in function 'main': 'pool_cap' pool -1 out of range");
  CHECK(check(with_main({I(Op::PoolCap, kStrPool), I(Op::PoolUsed, kFramePool), I(Op::Add), I(Op::Ret)})).empty());
}

TEST_CASE("operands: record slots are 0 .. 2^24-1") {
  CHECK(first_error(with_main({I(Op::Push), I(Op::GetF, 16777216), I(Op::Ret)})) ==
        "in function 'main': 'getf' slot 16777216 out of range (0..16777215)");
  CHECK(first_error(with_main({I(Op::Push), I(Op::Push), I(Op::SetF, -1), I(Op::Push), I(Op::Ret)})) ==
        "in function 'main': 'setf' slot -1 out of range (0..16777215)");
  CHECK(check(with_main({I(Op::Push), I(Op::GetF, 16777215), I(Op::Ret)})).empty());
}

TEST_CASE("operands are checked in unreachable code too, but its heights are not") {
  Module dead = with_main({I(Op::Push), I(Op::Ret), I(Op::Add)});
  CHECK(verify(dead).empty());
  Module bad = with_main({I(Op::Push), I(Op::Ret), I(Op::Load, 3)});
  CHECK(first_error(bad) == "in function 'main': 'load' local 3 out of range (0 locals)");
}

// ---- stack discipline ----

TEST_CASE("stack: underflow names the instruction, what it needs and what it has") {
  auto ds = check(with_main({I(Op::Push), I(Op::Add), I(Op::Ret)}));
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].message == "in function 'main': stack underflow at 'add': needs 2 values, has 1");
  CHECK(ds[0].line == 11);
  CHECK(ds[0].file == "v.pasm");
  CHECK(ds[0].column == 0);
  CHECK(first_error(with_main({I(Op::Pop), I(Op::Push), I(Op::Ret)})) ==
        "in function 'main': stack underflow at 'pop': needs 1 value, has 0");
  CHECK(first_error(with_main({I(Op::Push), I(Op::Push), I(Op::SetI), I(Op::Push), I(Op::Ret)})) ==
        "in function 'main': stack underflow at 'seti': needs 3 values, has 2");
}

TEST_CASE("stack: ret leaves exactly one value; halt needs at least one") {
  CHECK(first_error(with_main({I(Op::Push), I(Op::Push), I(Op::Ret)})) ==
        "in function 'main': 'ret' needs exactly one value on the stack, has 2");
  CHECK(first_error(with_main({I(Op::Ret)})) == "in function 'main': stack underflow at 'ret': needs 1 value, has 0");
  CHECK(first_error(with_main({I(Op::Halt)})) == "in function 'main': stack underflow at 'halt': needs 1 value, has 0");
  CHECK(check(with_main({I(Op::Push), I(Op::Push), I(Op::Halt)})).empty());
}

TEST_CASE("stack: heights that differ where paths join are rejected, at the join's line") {
  // push; jz L; push; L: push; ret  -- heights 0 and 1 meet at L
  Module m = with_main({I(Op::Push), I(Op::Jz, 3), I(Op::Push), I(Op::Push), I(Op::Ret)});
  auto ds = verify(m);
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].message == "in function 'main': stack height differs where paths join (0 on one path, 1 on another)");
  CHECK(ds[0].line == 13);
  // A loop that grows the stack on every turn.
  CHECK(first_error(with_main({I(Op::Push), I(Op::Push), I(Op::Jnz, 0)})) ==
        "in function 'main': stack height differs where paths join (0 on one path, 1 on another)");
}

TEST_CASE("stack: control must not run off the end of a function") {
  auto ds = check(with_main({I(Op::Push), I(Op::Pop)}));
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].message == "in function 'main': control runs off the end of the function");
  CHECK(ds[0].line == 11);
  // A conditional jump as the last instruction falls through off the end.
  CHECK(first_error(with_main({I(Op::Push), I(Op::Jz, 0)})) ==
        "in function 'main': control runs off the end of the function");
  // The next function's code is not a continuation.
  Builder b;
  b.func("f", 0, 0, {I(Op::Nop)}).main(kReturnZero);
  CHECK(first_error(b.m) == "in function 'f': control runs off the end of the function");
}

TEST_CASE("stack: calls pass the callee's declared arity, and leave one result") {
  Builder b;
  b.main({I(Op::Push), I(Op::Call, 1), I(Op::Ret)});
  b.func("g", 2, 2, {I(Op::Load, 1), I(Op::Ret)});
  CHECK(first_error(b.m) == "in function 'main': stack underflow at 'call g': needs 2 values, has 1");

  Builder ok;
  ok.main({I(Op::Push), I(Op::Push), I(Op::Call, 1), I(Op::Ret)});
  ok.func("g", 2, 2, {I(Op::Load, 1), I(Op::Ret)});
  REQUIRE(verify(ok.m).empty());
  CHECK(ok.m.functions[0].max_stack == 2);

  Builder two;  // push push call g push ret: the call's one result and one more
  two.main({I(Op::Push), I(Op::Push), I(Op::Call, 1), I(Op::Push), I(Op::Ret)});
  two.func("g", 2, 2, {I(Op::Load, 1), I(Op::Ret)});
  CHECK(first_error(two.m) == "in function 'main': 'ret' needs exactly one value on the stack, has 2");
}

TEST_CASE("stack: tail calls and extern calls pop their callee's arity") {
  Builder b;
  b.main({I(Op::Push), I(Op::TailCall, 1)});
  b.func("g", 2, 2, {I(Op::Load, 1), I(Op::Ret)});
  CHECK(first_error(b.m) == "in function 'main': stack underflow at 'tailcall g': needs 2 values, has 1");
  Builder ok;  // extra values under the arguments are the tail call's to drop
  ok.main({I(Op::Push), I(Op::Push), I(Op::Push), I(Op::TailCall, 1)});
  ok.func("g", 2, 2, {I(Op::Load, 1), I(Op::Ret)});
  CHECK(verify(ok.m).empty());

  Module e = with_main({I(Op::Push), I(Op::CallExtern, 0), I(Op::Ret)});
  e.externs = {Extern{"two", 2}};
  CHECK(first_error(e) == "in function 'main': stack underflow at 'call two': needs 2 values, has 1");
  e.externs[0].arity = 1;
  CHECK(verify(e).empty());
  e.externs[0].arity = 4294967295u;  // any arity from a .pbc: just an underflow
  CHECK(first_error(e) == "in function 'main': stack underflow at 'call two': needs 4294967295 values, has 1");
  Module t = with_main({I(Op::TailCallExtern, 0)});
  t.externs = {Extern{"clock", 0}};
  CHECK(verify(t).empty());
}

TEST_CASE("diagnostics: at least the first problem of every function, none that cascade") {
  Builder b;
  b.func("f", 0, 0, {I(Op::Add), I(Op::Ret)});
  b.func("g", 0, 0, {I(Op::Push), I(Op::Push), I(Op::Ret)});
  b.func("h", 0, 0, {I(Op::Push, 5), I(Op::Load, 1), I(Op::Pop)});  // two bad operands; no height error after
  b.main(kReturnZero);
  CHECK(messages(b.m) == std::vector<std::string>{
                             "in function 'f': stack underflow at 'add': needs 2 values, has 0",
                             "in function 'g': 'ret' needs exactly one value on the stack, has 2",
                             "in function 'h': 'push' constant 5 out of range",
                             "in function 'h': 'load' local 1 out of range (0 locals)",
                         });
}

TEST_CASE("diagnostics: without an instruction's line (stripped, or a short line table), the function's, or 0") {
  Module m = with_main({I(Op::Push), I(Op::Push), I(Op::Ret)});
  m.lines.resize(1);
  auto ds = verify(m);
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].message == "in function 'main': 'ret' needs exactly one value on the stack, has 2");
  CHECK(ds[0].line == 1);
  m.functions[0].line = 0;
  ds = verify(m);
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].line == 0);
  m.lines.clear();
  m.functions[0].num_locals = 99;
  m.functions[0].line = 5;
  ds = verify(m);
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].line == 5);
}

TEST_CASE("the conformance program unbalanced.pasm is rejected, naming file and line") {
  const std::string text =
      "; exit: 65\n; stderr: unbalanced.pasm\n; Two paths reach 'join' with different stack heights.\n"
      ".func main\n    push 1\n    jz join\n    push 2\njoin:\n    push 0\n    ret\n.end\n";
  AssembleResult r = assemble(text, "unbalanced.pasm");
  REQUIRE(r.ok());
  auto ds = verify(*r.module);
  REQUIRE(ds.size() == 1);
  CHECK(render_diagnostics(ds, text) ==
        "unbalanced.pasm:9: error: in function 'main': stack height differs where paths join (0 on one path, 1 on "
        "another)\n");
}

TEST_CASE("large modules verify in linear time") {
  // One long function: a chain of forward jumps, and a loop back to the top.
  Builder b;
  std::vector<Instr> code;
  const int32_t n = 200000;
  for (int32_t i = 0; i < n; ++i) code.push_back(i % 2 == 0 ? I(Op::Push) : I(Op::Jz, i + 1));
  code.push_back(I(Op::Push));
  code.push_back(I(Op::Jnz, 0));
  code.push_back(I(Op::Push));
  code.push_back(I(Op::Ret));
  b.main(code);
  CHECK(verify(b.m).empty());
  // Many small functions, each calling the next.
  Builder c;
  const int nf = 20000;
  for (int i = 0; i < nf; ++i)
    c.func(fmt::format("f{}", i), 0, 0, {i + 1 < nf ? I(Op::TailCall, i + 1) : I(Op::Push), I(Op::Ret)});
  c.main(kReturnZero);
  CHECK(verify(c.m).empty());
}

// ---- robustness: anything at all ----

namespace {

// A module with fields drawn at random, with a bias towards the boundaries.
// Half of them are "tame": the structure is right and only the code is
// random, from a few instructions, so that some of them verify.
Module random_module(std::mt19937& rng) {
  auto pick = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  auto edgy = [&](int64_t typical) -> int64_t {
    switch (pick(0, 7)) {
      case 0:
        return -1;
      case 1:
        return INT32_MAX;
      case 2:
        return INT32_MIN;
      case 3:
        return typical;
      case 4:
        return typical + 1;
      default:
        return pick(0, std::max<int64_t>(typical, 0));
    }
  };
  const bool tame = pick(0, 1) == 0;
  Module m = empty_module("r.pasm");
  if (!tame) {
    if (pick(0, 9) == 0) m.pools.resize(static_cast<size_t>(pick(0, 4)));
    if (pick(0, 5) == 0 && !m.pools.empty())
      m.pools[static_cast<size_t>(pick(0, static_cast<int64_t>(m.pools.size()) - 1))].size =
          static_cast<uint32_t>(edgy(3));
    for (int64_t i = pick(0, 3); i > 0; --i)
      m.pools.push_back(PoolConfig{fmt::format("p{}", pick(0, 3)), static_cast<PoolKind>(pick(0, 3)),
                                   static_cast<uint32_t>(pick(0, 5)), static_cast<uint32_t>(pick(0, 5))});
    m.pool_declared.assign(pick(0, 5) == 0 ? 0 : m.pools.size(), false);
  } else if (pick(0, 1) == 0) {
    m.pools.push_back(PoolConfig{"node", PoolKind::Record, 2, 8});
    m.pool_declared.push_back(true);
  }
  for (int64_t i = pick(0, 2); i > 0; --i) m.globals.push_back(fmt::format("g{}", tame ? i : pick(0, 2)));
  for (int64_t i = pick(0, 2); i > 0; --i)
    m.externs.push_back(Extern{fmt::format("e{}", tame ? i : pick(0, 2)), static_cast<uint32_t>(pick(0, 3))});
  for (int64_t i = pick(tame ? 1 : 0, 4); i > 0; --i) {
    Constant c;
    c.kind = static_cast<Constant::Kind>(pick(0, tame ? 4 : 5));
    c.i = pick(-3, 3);
    c.f = 0.5;
    c.s = "s\n";
    m.constants.push_back(c);
  }
  const int64_t code_size = pick(tame ? 1 : 0, 24);
  static constexpr Op kTameOps[] = {Op::Push,       Op::Pop,      Op::Dup,        Op::Add,   Op::Jz,    Op::Jmp,
                                    Op::Ret,        Op::Halt,     Op::Load,       Op::Store, Op::GLoad, Op::Call,
                                    Op::CallExtern, Op::TailCall, Op::PoolMalloc, Op::GetF};
  for (int64_t i = 0; i < code_size; ++i) {
    if (tame) {
      Op op = kTameOps[pick(0, std::size(kTameOps) - 1)];
      m.code.push_back(I(op, op_info(op).operand == OperandKind::None ? 0 : static_cast<int32_t>(pick(0, 2))));
    } else {
      Op op = static_cast<Op>(pick(0, 9) == 0 ? pick(0, 255) : pick(0, kNumOps - 1));
      m.code.push_back(I(op, static_cast<int32_t>(edgy(pick(0, code_size)))));
    }
  }
  uint32_t at = 0;
  for (int64_t i = tame ? 1 : pick(0, 4); i > 0 || (tame && at < code_size); --i) {
    Function f;
    f.name = tame              ? (at == 0 ? "main" : fmt::format("f{}", at))
             : pick(0, 3) == 0 ? "main"
                               : fmt::format("f{}", pick(0, 3));
    f.num_locals = static_cast<uint32_t>(pick(0, 3));
    f.arity = tame ? (at == 0 ? 0 : static_cast<uint32_t>(pick(0, f.num_locals))) : static_cast<uint32_t>(pick(0, 3));
    if (pick(0, 3) == 0) f.local_names.assign(static_cast<size_t>(tame ? f.num_locals : pick(0, 3)), "x");
    if (tame) {
      for (uint32_t k = 0; k < f.local_names.size(); ++k) f.local_names[k] = fmt::format("x{}", k);
      f.start = at;
      f.end = static_cast<uint32_t>(std::min<int64_t>(at + pick(1, 8), code_size));
    } else {
      f.start = pick(0, 5) == 0 ? static_cast<uint32_t>(edgy(code_size)) : at;
      f.end = pick(0, 5) == 0 ? static_cast<uint32_t>(edgy(code_size))
                              : static_cast<uint32_t>(std::min<int64_t>(at + pick(1, 8), code_size));
    }
    at = f.end;
    m.functions.push_back(f);
  }
  if (tame) {
    // Jumps land inside their own function, most of the time.
    for (const Function& f : m.functions)
      for (uint32_t pc = f.start; pc < f.end; ++pc)
        if (op_info(m.code[pc].op).operand == OperandKind::Label)
          m.code[pc].a = static_cast<int32_t>(pick(f.start, f.end - 1));
  }
  m.lines.assign(static_cast<size_t>(pick(0, code_size)), 7);
  for (int64_t i = pick(0, 3); i > 0; --i)
    m.labels.push_back(
        Label{static_cast<uint32_t>(edgy(code_size)), pick(0, 3) == 0 ? "9" : fmt::format("l{}", pick(0, 2))});
  if (tame) {
    std::sort(m.labels.begin(), m.labels.end(), [](const Label& a, const Label& b) { return a.pc < b.pc; });
    std::erase_if(m.labels, [&](const Label& l) { return l.pc >= m.code.size() || l.name == "9"; });
  }
  return m;
}

}  // namespace

TEST_CASE("random modules: verify never crashes, and what verifies disassembles and reassembles") {
  std::mt19937 rng(12345);
  int verified = 0;
  for (int i = 0; i < 200000; ++i) {
    Module m = random_module(rng);
    auto ds = verify(m);
    for (const Diagnostic& d : ds) REQUIRE(!d.message.empty());
    // Whatever it said, the disassembler must survive the module too.
    (void)disassemble(m);
    for (uint32_t pc = 0; pc <= m.code.size(); ++pc) (void)format_instruction(m, pc);
    if (!ds.empty()) continue;
    ++verified;
    // main is optional (a library), but when present it is found.
    REQUIRE((m.main >= 0) == (m.find_function("main") >= 0));
    for (const Function& f : m.functions) CHECK(f.max_stack >= 1);
    std::string text = disassemble(m);
    AssembleResult again = assemble(text, "again.pasm");
    INFO(text);
    INFO(render_diagnostics(again.diagnostics, text));
    REQUIRE(again.ok());
    CHECK(verify(*again.module).empty());
    CHECK(again.module->code.size() == m.code.size());
  }
  CHECK(verified > 300);
}

TEST_CASE("mutated real modules: one field changed at a time, verify survives and stays sound") {
  const std::string text =
      ".pool node slots=2 blocks=4\n.global g\n.extern host 1\n"
      ".func f a b\n.local c\n    load a\n    jz z\n    load b\n    pool_malloc node\n    setf 1\n"
      "z:\n    load b\n    ret\n.end\n"
      ".func main\n    push 1\n    push 2\n    call f\n    call host\n    gstore g\n    pool_used node\n"
      "    tailcall host\n.end\n";
  AssembleResult r = assemble(text, "mut.pasm");
  REQUIRE(r.ok());
  Module base = *r.module;
  REQUIRE(verify(base).empty());
  std::mt19937 rng(7);
  auto pick = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  for (int i = 0; i < 20000; ++i) {
    Module m = base;
    switch (pick(0, 6)) {
      case 0:
        m.code[pick(0, m.code.size() - 1)].op = static_cast<Op>(pick(0, 255));
        break;
      case 1:
        m.code[pick(0, m.code.size() - 1)].a = static_cast<int32_t>(pick(-3, 12));
        break;
      case 2:
        m.functions[pick(0, 1)].arity = static_cast<uint32_t>(pick(0, 4));
        break;
      case 3:
        m.functions[pick(0, 1)].num_locals = static_cast<uint32_t>(pick(0, 4));
        break;
      case 4:
        m.functions[pick(0, 1)].start = static_cast<uint32_t>(pick(0, 20));
        break;
      case 5:
        m.externs[0].arity = static_cast<uint32_t>(pick(0, 3));
        break;
      case 6:
        m.pools[pick(0, m.pools.size() - 1)].kind = static_cast<PoolKind>(pick(0, 3));
        break;
    }
    if (!verify(m).empty()) continue;
    // What verifies keeps every guarantee the interpreter relies on.
    for (const Function& f : m.functions) {
      for (uint32_t pc = f.start; pc < f.end; ++pc) {
        const Instr& in = m.code[pc];
        REQUIRE(static_cast<int>(in.op) < kNumOps);
        if (op_info(in.op).operand == OperandKind::Label)
          CHECK((in.a >= static_cast<int64_t>(f.start) && in.a < static_cast<int64_t>(f.end)));
        if (op_info(in.op).operand == OperandKind::Local)
          CHECK((in.a >= 0 && static_cast<uint32_t>(in.a) < f.num_locals));
      }
    }
    std::string dis = disassemble(m);
    AssembleResult again = assemble(dis, "again.pasm");
    INFO(dis);
    REQUIRE(again.ok());
    CHECK(verify(*again.module).empty());
  }
}
