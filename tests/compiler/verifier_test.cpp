// tests/compiler/verifier_test.cpp — the verifier on hand-built modules, not
// only on the assembler's output: each rule of spec §7 rejected with its message.
#include <doctest/doctest.h>

#include <string>

#include "compiler/verifier.h"
#include "runtime/value.h"

using namespace poolvm;

namespace {

// A module with one function `main` holding `code`.
Module with_main(std::vector<Instr> code, uint32_t locals = 0) {
  Module m = empty_module("v.pasm");
  Function f;
  f.name = "main";
  f.num_locals = locals;
  f.start = 0;
  f.end = static_cast<uint32_t>(code.size());
  f.line = 1;
  m.functions.push_back(f);
  m.code = std::move(code);
  for (size_t i = 0; i < m.code.size(); ++i) m.lines.push_back(static_cast<uint32_t>(i + 2));
  m.constants.push_back(Constant{Constant::Kind::Int, false, 0, 0, ""});
  return m;
}
Instr I(Op op, int32_t a = 0) { return Instr{op, 0, 0, a}; }

std::string first_error(Module m) {
  auto ds = verify(m);
  return ds.empty() ? std::string() : ds[0].message;
}

}  // namespace

TEST_CASE("a well-formed module passes, with its maximum stack height and main") {
  Module m = with_main({I(Op::Push), I(Op::Push), I(Op::Push), I(Op::Add), I(Op::Add), I(Op::Ret)});
  CHECK(verify(m).empty());
  CHECK(m.functions[0].max_stack == 3);
  CHECK(m.main == 0);
}

TEST_CASE("stack heights that differ where paths join are rejected, naming function and line") {
  // push; jz L; push; L: push; ret  -- heights 0 and 1 meet at L
  Module m = with_main({I(Op::Push), I(Op::Jz, 3), I(Op::Push), I(Op::Push), I(Op::Ret)});
  auto ds = verify(m);
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].message == "in function 'main': stack height differs where paths join (0 on one path, 1 on another)");
  CHECK(ds[0].line == 5);
  CHECK(ds[0].file == "v.pasm");
}

TEST_CASE("underflow, running off the end, and ret with other than one value") {
  CHECK(first_error(with_main({I(Op::Push), I(Op::Add), I(Op::Ret)})) ==
        "in function 'main': stack underflow at 'add': needs 2 values, has 1");
  CHECK(first_error(with_main({I(Op::Push), I(Op::Pop)})) ==
        "in function 'main': control runs off the end of the function");
  CHECK(first_error(with_main({I(Op::Push), I(Op::Push), I(Op::Ret)})) ==
        "in function 'main': 'ret' needs exactly one value on the stack, has 2");
  CHECK(first_error(with_main({I(Op::Ret)})) == "in function 'main': stack underflow at 'ret': needs 1 value, has 0");
  CHECK(first_error(with_main({I(Op::Halt)})) == "in function 'main': stack underflow at 'halt': needs 1 value, has 0");
}

TEST_CASE("calls need the callee's arity on the stack") {
  Module m = with_main({I(Op::Push), I(Op::Call, 1), I(Op::Ret)});
  Function g;
  g.name = "g";
  g.arity = g.num_locals = 2;
  g.start = 3;
  g.end = 5;
  m.functions.push_back(g);
  m.code.push_back(I(Op::Load, 1));
  m.code.push_back(I(Op::Ret));
  CHECK(first_error(m) == "in function 'main': stack underflow at 'call': needs 2 values, has 1");
  m.code[0] = I(Op::Push);
  m.code.insert(m.code.begin(), I(Op::Push));
  m.functions[0].end = 4;
  m.functions[1].start = 4;
  m.functions[1].end = 6;
  m.lines.assign(6, 1);
  CHECK(verify(m).empty());
}

TEST_CASE("jump targets must be in the same function") {
  Module m = with_main({I(Op::Jmp, 7)});
  CHECK(first_error(m) == "in function 'main': 'jmp' jumps to 7, outside the function");
  CHECK(first_error(with_main({I(Op::Jmp, -1)})) == "in function 'main': 'jmp' jumps to -1, outside the function");
}

TEST_CASE("operands out of range are rejected") {
  CHECK(first_error(with_main({I(Op::Push, 5), I(Op::Ret)})) == "in function 'main': 'push' constant 5 out of range");
  CHECK(first_error(with_main({I(Op::Load, 2), I(Op::Ret)}, 2)) ==
        "in function 'main': 'load' local 2 out of range (2 locals)");
  CHECK(first_error(with_main({I(Op::GLoad, 0), I(Op::Ret)})) == "in function 'main': 'gload' global 0 out of range");
  CHECK(first_error(with_main({I(Op::Call, 9), I(Op::Ret)})) == "in function 'main': 'call' function 9 out of range");
  CHECK(first_error(with_main({I(Op::CallExtern, 0), I(Op::Ret)})) == "in function 'main': 'call' extern 0 out of range");
  CHECK(first_error(with_main({I(Op::PoolUsed, 3), I(Op::Ret)})) == "in function 'main': 'pool_used' pool 3 out of range");
  CHECK(first_error(with_main({I(Op::Push), I(Op::GetF, 16777216), I(Op::Ret)})) ==
        "in function 'main': 'getf' slot 16777216 out of range");
  CHECK(first_error(with_main({I(Op::Add, 1), I(Op::Ret)})) == "in function 'main': 'add' takes no operand");
  Module bad = with_main({I(Op::Push), I(Op::Ret)});
  bad.code[0].op = static_cast<Op>(250);
  CHECK(first_error(bad) == "in function 'main': invalid opcode 250");
}

TEST_CASE("pool_malloc names a record pool or cons, never str or frame") {
  CHECK(first_error(with_main({I(Op::PoolMalloc, kStrPool), I(Op::Ret)})) ==
        "in function 'main': 'pool_malloc' cannot take blocks of 'str'");
  CHECK(first_error(with_main({I(Op::PoolMalloc, kFramePool), I(Op::Ret)})) ==
        "in function 'main': 'pool_malloc' cannot take blocks of 'frame'");
  Module ok = with_main({I(Op::PoolMalloc, kConsPool), I(Op::Ret)});
  CHECK(verify(ok).empty());
}

TEST_CASE("locals must fit a frame block, naming the .pool frame slots= to use") {
  Module m = with_main({I(Op::Push), I(Op::Ret)}, 40);
  CHECK(first_error(m) == "function 'main' needs 40 locals but a frame block holds 32 (use `.pool frame slots=40`)");
  m.pools[kFramePool].size = 40;
  CHECK(verify(m).empty());
}

TEST_CASE("main must exist and take no parameters") {
  Module m = with_main({I(Op::Push), I(Op::Ret)});
  m.functions[0].name = "start";
  CHECK(first_error(m) == "no function 'main'");
  m.functions[0].name = "main";
  m.functions[0].arity = m.functions[0].num_locals = 1;
  CHECK(first_error(m) == "'main' must take no parameters");
}

TEST_CASE("structure: code ranges, pools and local names are checked before anything is indexed") {
  Module m = with_main({I(Op::Push), I(Op::Ret)});
  m.functions[0].end = 10;
  CHECK(first_error(m) == "function 'main' has no code or a code range outside the module");
  m = with_main({I(Op::Push), I(Op::Ret)});
  m.code.push_back(I(Op::Nop));
  CHECK(first_error(m) == "code outside every function");
  m = with_main({I(Op::Push), I(Op::Ret)});
  m.functions.push_back(m.functions[0]);
  m.functions[1].name = "twin";
  CHECK(first_error(m) == "function code ranges overlap");
  m = with_main({I(Op::Push), I(Op::Ret)});
  m.pools.resize(2);
  CHECK(first_error(m) == "the module's first pools must be the built-ins cons, str and frame");
  m = with_main({I(Op::Push), I(Op::Ret)});
  m.pools[kConsPool].size = 3;
  CHECK(first_error(m) == "pool 'cons' must have 2 slots");
  m = with_main({I(Op::Push), I(Op::Ret)}, 1);
  m.functions[0].local_names = {"a", "b"};
  CHECK(first_error(m) == "function 'main' has 2 local names for 1 locals");
}

TEST_CASE("unreachable code is range-checked but not height-checked") {
  Module dead = with_main({I(Op::Push), I(Op::Ret), I(Op::Add)});
  CHECK(verify(dead).empty());
  Module bad = with_main({I(Op::Push), I(Op::Ret), I(Op::Load, 3)});
  CHECK(first_error(bad) == "in function 'main': 'load' local 3 out of range (0 locals)");
}

TEST_CASE("superinstructions are the VM's own: a module that contains one is rejected") {
  Module m = with_main({I(Op::Push), I(Op::Push), I(Op::LtJz, 0), I(Op::Jz, 0)});
  CHECK(first_error(m).find("is a superinstruction the VM makes itself") != std::string::npos);
}
