// tests/compiler/disassembler_test.cpp — owns the disassembler's tests: golden
// text for hand-built modules (recursion and labels, records and pools,
// literals with escapes, externs, generated names) and for a program using
// every instruction; the round trip module → text → module, for those and
// every program in programs/; and literals that read back exactly.
#include "compiler/disassembler.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <bit>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>

#include "compiler/assembler.h"
#include "compiler/verifier.h"
#include "runtime/value.h"

using namespace poolvm;
using namespace std::string_literals;

namespace {

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Module must_assemble(const std::string& text, const std::string& name) {
  AssembleResult r = assemble(text, name);
  INFO(text);
  INFO(render_diagnostics(r.diagnostics, text));
  REQUIRE(r.ok());
  return std::move(*r.module);
}

Instr I(Op op, int32_t a = 0) { return Instr{op, 0, 0, a}; }

Constant K(Constant::Kind kind) {
  Constant c;
  c.kind = kind;
  return c;
}
Constant Kint(int64_t v) {
  Constant c = K(Constant::Kind::Int);
  c.i = v;
  return c;
}
Constant Kfloat(double v) {
  Constant c = K(Constant::Kind::Float);
  c.f = v;
  return c;
}
Constant Kstr(std::string v) {
  Constant c = K(Constant::Kind::Str);
  c.s = std::move(v);
  return c;
}
Constant Kbool(bool v) {
  Constant c = K(Constant::Kind::Bool);
  c.b = v;
  return c;
}

// Appends a function holding `code`.
void add_function(Module& m, std::string name, uint32_t arity, std::vector<std::string> locals, std::vector<Instr> code,
                  uint32_t unnamed_locals = 0) {
  Function f;
  f.name = std::move(name);
  f.arity = arity;
  f.num_locals = static_cast<uint32_t>(locals.size()) + unnamed_locals;
  f.local_names = std::move(locals);
  f.start = static_cast<uint32_t>(m.code.size());
  f.end = f.start + static_cast<uint32_t>(code.size());
  m.functions.push_back(std::move(f));
  m.code.insert(m.code.end(), code.begin(), code.end());
}

// A constant by value (NaN equal to NaN).
std::string literal(const Constant& c) { return fmt::format("{}:{}", static_cast<int>(c.kind), format_constant(c)); }

// The constant an instruction pushes.
std::string pushed(const Module& m, const Instr& in) { return literal(m.constants.at(static_cast<size_t>(in.a))); }

// Same program: everything but line numbers. Constants are compared by value
// where they are used (a module's constant table may be in any order);
// names (locals and labels) only when `names`.
void check_same(const Module& a, const Module& b, bool names = true) {
  REQUIRE(a.pools.size() == b.pools.size());
  for (size_t i = 0; i < a.pools.size(); ++i) {
    CAPTURE(i);
    CHECK(a.pools[i].name == b.pools[i].name);
    CHECK(a.pools[i].kind == b.pools[i].kind);
    CHECK(a.pools[i].size == b.pools[i].size);
    CHECK(a.pools[i].blocks == b.pools[i].blocks);
    const bool da = i < a.pool_declared.size() && a.pool_declared[i];
    const bool db = i < b.pool_declared.size() && b.pool_declared[i];
    CHECK(da == db);
  }
  CHECK(a.globals == b.globals);
  REQUIRE(a.externs.size() == b.externs.size());
  for (size_t i = 0; i < a.externs.size(); ++i) {
    CHECK(a.externs[i].name == b.externs[i].name);
    CHECK(a.externs[i].arity == b.externs[i].arity);
  }
  REQUIRE(a.functions.size() == b.functions.size());
  for (size_t i = 0; i < a.functions.size(); ++i) {
    const Function &x = a.functions[i], &y = b.functions[i];
    CHECK(x.name == y.name);
    CHECK(x.arity == y.arity);
    CHECK(x.num_locals == y.num_locals);
    CHECK(x.start == y.start);
    CHECK(x.end == y.end);
    if (names) CHECK(x.local_names == y.local_names);
  }
  REQUIRE(a.code.size() == b.code.size());
  for (size_t pc = 0; pc < a.code.size(); ++pc) {
    CAPTURE(pc);
    CHECK(a.code[pc].op == b.code[pc].op);
    if (op_info(a.code[pc].op).operand == OperandKind::Const)
      CHECK(pushed(a, a.code[pc]) == pushed(b, b.code[pc]));
    else
      CHECK(a.code[pc].a == b.code[pc].a);
  }
  if (names) {
    CHECK(a.field_names == b.field_names);
    CHECK(a.operand_names == b.operand_names);
    REQUIRE(a.named_constants.size() == b.named_constants.size());
    for (size_t i = 0; i < a.named_constants.size(); ++i) {
      CHECK(a.named_constants[i].name == b.named_constants[i].name);
      CHECK(literal(a.named_constants[i].value) == literal(b.named_constants[i].value));
    }
    REQUIRE(a.labels.size() == b.labels.size());
    for (size_t i = 0; i < a.labels.size(); ++i) {
      CHECK(a.labels[i].pc == b.labels[i].pc);
      CHECK(a.labels[i].name == b.labels[i].name);
    }
  }
}

// disassemble(m) is `golden`, verifies, and reads back as the same module,
// whose own disassembly is the same text.
void check_golden(Module m, const std::string& golden, bool names = true) {
  auto ds = verify(m);
  INFO(render_diagnostics(ds, ""));
  REQUIRE(ds.empty());
  const std::string text = disassemble(m);
  CHECK(text == golden);
  Module back = must_assemble(text, "dis.pasm");
  CHECK(verify(back).empty());
  check_same(m, back, names);
  CHECK(disassemble(back) == text);
}

// A recursive function with a named label, as the assembler would make it.
Module fib_module() {
  Module m = empty_module("fib.pasm");
  m.constants = {Kint(2), Kint(1), Kint(20), Kint(0)};
  add_function(m, "fib", 1, {"n"},
               {I(Op::Load, 0), I(Op::Push, 0), I(Op::Lt), I(Op::Jz, 6), I(Op::Load, 0), I(Op::Ret), I(Op::Load, 0),
                I(Op::Push, 1), I(Op::Sub), I(Op::Call, 0), I(Op::Load, 0), I(Op::Push, 0), I(Op::Sub), I(Op::Call, 0),
                I(Op::Add), I(Op::Ret)});
  add_function(m, "main", 0, {}, {I(Op::Push, 2), I(Op::Call, 0), I(Op::Print), I(Op::Push, 3), I(Op::Ret)});
  m.labels = {Label{6, "recur"}};
  return m;
}

}  // namespace

TEST_CASE("golden: a recursive function with a label") {
  check_golden(fib_module(),
               ".func fib n\n"
               "    load n\n"
               "    push 2\n"
               "    lt\n"
               "    jz recur\n"
               "    load n\n"
               "    ret\n"
               "recur:\n"
               "    load n\n"
               "    push 1\n"
               "    sub\n"
               "    call fib\n"
               "    load n\n"
               "    push 2\n"
               "    sub\n"
               "    call fib\n"
               "    add\n"
               "    ret\n"
               ".end\n"
               "\n"
               ".func main\n"
               "    push 20\n"
               "    call fib\n"
               "    print\n"
               "    push 0\n"
               "    ret\n"
               ".end\n");
}

TEST_CASE("golden: record pools, resized built-ins, records, conses and globals") {
  Module m = empty_module("rec.pasm");
  m.pools[kConsPool].blocks = 1000;
  m.pools[kFramePool].size = 8;
  m.pools[kFramePool].blocks = 64;
  m.pools.push_back(PoolConfig{"node", PoolKind::Record, 3, 100});
  m.pools.push_back(PoolConfig{"big", PoolKind::Record, 16777216, 1});
  // str keeps its defaults but had a .pool line: that is printed too.
  m.pool_declared = {true, true, true, false, true, true};
  m.globals = {"head"};
  m.constants = {Kint(7), K(Constant::Kind::Nil), Kint(16777215), Kint(0)};
  add_function(m, "main", 0, {"r", "i"},
               {I(Op::PoolMalloc, 4), I(Op::Store, 0),      I(Op::Load, 0),     I(Op::Push, 0),
                I(Op::SetF, 2),       I(Op::Load, 0),       I(Op::GetF, 2),     I(Op::Print),
                I(Op::Load, 0),       I(Op::PoolFree),      I(Op::PoolUsed, 4), I(Op::PoolCap, kFramePool),
                I(Op::Add),           I(Op::GStore, 0),     I(Op::Push, 1),     I(Op::Push, 1),
                I(Op::Cons),          I(Op::Dup),           I(Op::Car),         I(Op::Pop),
                I(Op::PoolFree),      I(Op::PoolMalloc, 5), I(Op::Push, 2),     I(Op::Push, 0),
                I(Op::SetI),          I(Op::Push, 3),       I(Op::Ret)});
  check_golden(m,
               ".pool cons blocks=1000\n"
               ".pool str bytes=32 blocks=65536\n"
               ".pool frame slots=8 blocks=64\n"
               ".pool node slots=3 blocks=100\n"
               ".pool big slots=16777216 blocks=1\n"
               ".global head\n"
               "\n"
               ".func main\n"
               ".local r i\n"
               "    pool_malloc node\n"
               "    store r\n"
               "    load r\n"
               "    push 7\n"
               "    setf 2\n"
               "    load r\n"
               "    getf 2\n"
               "    print\n"
               "    load r\n"
               "    pool_free\n"
               "    pool_used node\n"
               "    pool_cap frame\n"
               "    add\n"
               "    gstore head\n"
               "    push nil\n"
               "    push nil\n"
               "    cons\n"
               "    dup\n"
               "    car\n"
               "    pop\n"
               "    pool_free\n"
               "    pool_malloc big\n"
               "    push 16777215\n"
               "    push 7\n"
               "    seti\n"
               "    push 0\n"
               "    ret\n"
               ".end\n");
}

TEST_CASE("built-in pools are printed only when they differ from the defaults or were declared") {
  Module m = empty_module("p.pasm");
  m.constants = {Kint(0)};
  add_function(m, "main", 0, {}, {I(Op::Push, 0), I(Op::Ret)});
  CHECK(disassemble(m) == ".func main\n    push 0\n    ret\n.end\n");
  m.pools[kStrPool].size = 16;  // changed without a flag (e.g. a hand-built module): still printed
  CHECK(disassemble(m) == ".pool str bytes=16 blocks=65536\n\n.func main\n    push 0\n    ret\n.end\n");
  m.pool_declared.clear();  // no flags at all is allowed
  CHECK(disassemble(m) == ".pool str bytes=16 blocks=65536\n\n.func main\n    push 0\n    ret\n.end\n");
}

TEST_CASE("golden: literals of every kind, strings with escapes, floats that stay floats") {
  Module m = empty_module("lit.pasm");
  m.constants = {Kstr("esc\t\"q\"\n\r\\ \0 \x01\x7f\xc3\xa9 end"s),
                 Kstr(""),
                 Kfloat(2.0),
                 Kfloat(0.1),
                 Kfloat(1e100),
                 Kfloat(-0.0),
                 Kfloat(std::numeric_limits<double>::infinity()),
                 Kfloat(-std::numeric_limits<double>::infinity()),
                 Kfloat(std::numeric_limits<double>::quiet_NaN()),
                 Kfloat(5e-324),
                 Kfloat(123456789.0),
                 Kint(INT64_MIN),
                 Kint(INT64_MAX),
                 Kint(-1),
                 Kbool(true),
                 Kbool(false),
                 K(Constant::Kind::Nil)};
  std::vector<Instr> code;
  for (int32_t i = 0; i < static_cast<int32_t>(m.constants.size()); ++i) {
    code.push_back(I(Op::Push, i));
    code.push_back(I(Op::Pop));
  }
  code.push_back(I(Op::Push, 13));
  code.push_back(I(Op::Ret));
  add_function(m, "main", 0, {}, code);
  check_golden(m,
               ".func main\n"
               "    push \"esc\\t\\\"q\\\"\\n\\r\\\\ \\0 \\x01\\x7f\\xc3\\xa9 end\"\n    pop\n"
               "    push \"\"\n    pop\n"
               "    push 2.0\n    pop\n"
               "    push 0.1\n    pop\n"
               "    push 1e+100\n    pop\n"
               "    push -0.0\n    pop\n"
               "    push inf\n    pop\n"
               "    push -inf\n    pop\n"
               "    push nan\n    pop\n"
               "    push 5e-324\n    pop\n"
               "    push 123456789.0\n    pop\n"
               "    push -9223372036854775808\n    pop\n"
               "    push 9223372036854775807\n    pop\n"
               "    push -1\n    pop\n"
               "    push true\n    pop\n"
               "    push false\n    pop\n"
               "    push nil\n    pop\n"
               "    push -1\n"
               "    ret\n"
               ".end\n");
}

TEST_CASE("golden: globals and externs, called and tail-called by name") {
  Module m = empty_module("ext.pasm");
  m.globals = {"counter", "total"};
  m.externs = {Extern{"clock", 0}, Extern{"put", 2}};
  m.constants = {Kint(1)};
  add_function(m, "tick", 0, {},
               {I(Op::GLoad, 0), I(Op::Push, 0), I(Op::Add), I(Op::GStore, 0), I(Op::CallExtern, 0), I(Op::GLoad, 1),
                I(Op::TailCallExtern, 1)});
  add_function(m, "main", 0, {}, {I(Op::Call, 0), I(Op::CallExtern, 0), I(Op::CallExtern, 1), I(Op::Ret)});
  check_golden(m,
               ".global counter\n"
               ".global total\n"
               ".extern clock 0\n"
               ".extern put 2\n"
               "\n"
               ".func tick\n"
               "    gload counter\n"
               "    push 1\n"
               "    add\n"
               "    gstore counter\n"
               "    call clock\n"
               "    gload total\n"
               "    tailcall put\n"
               ".end\n"
               "\n"
               ".func main\n"
               "    call tick\n"
               "    call clock\n"
               "    call put\n"
               "    ret\n"
               ".end\n");
}

TEST_CASE("golden: a module without names gets generated ones, and generated labels avoid real ones") {
  Module m = empty_module("strip.pasm");
  m.constants = {Kint(0)};
  // f has a real label "L4" at offset 2 and an unnamed jump target at offset 4.
  add_function(m, "f", 2, {},
               {I(Op::Load, 0), I(Op::Jz, 4), I(Op::Load, 1), I(Op::Ret), I(Op::Load, 2), I(Op::Jz, 2), I(Op::Push, 0),
                I(Op::Ret)},
               3);
  add_function(m, "main", 0, {}, {I(Op::Push, 0), I(Op::Push, 0), I(Op::Call, 0), I(Op::Ret)});
  m.labels = {Label{2, "L4"}};
  check_golden(m,
               ".func f p0 p1\n"
               ".local l2\n"
               "    load p0\n"
               "    jz L4_\n"
               "L4:\n"
               "    load p1\n"
               "    ret\n"
               "L4_:\n"
               "    load l2\n"
               "    jz L4\n"
               "    push 0\n"
               "    ret\n"
               ".end\n"
               "\n"
               ".func main\n"
               "    push 0\n"
               "    push 0\n"
               "    call f\n"
               "    ret\n"
               ".end\n",
               false);
  CHECK(format_instruction(m, 1) == "jz L4_");
  CHECK(format_instruction(m, 5) == "jz L4");
  CHECK(format_instruction(m, 4) == "load l2");
}

TEST_CASE("several labels at one instruction are all kept") {
  Module m = must_assemble(".func main\ntop:\nagain: push 0\n    jz again\n    jmp top\n.end\n", "two.pasm");
  // (main never returns, but it verifies: every path ends in a jump.)
  REQUIRE(verify(m).empty());
  const std::string text = disassemble(m);
  // A jump names its target by the first of its labels: the module keeps pcs, not spellings.
  CHECK(text == ".func main\ntop:\nagain:\n    push 0\n    jz top\n    jmp top\n.end\n");
  check_same(m, must_assemble(text, "dis.pasm"));
}

TEST_CASE("format_instruction: one instruction as source text, for traces") {
  Module fib = fib_module();
  REQUIRE(verify(fib).empty());
  CHECK(format_instruction(fib, 0) == "load n");
  CHECK(format_instruction(fib, 1) == "push 2");
  CHECK(format_instruction(fib, 2) == "lt");
  CHECK(format_instruction(fib, 3) == "jz recur");
  CHECK(format_instruction(fib, 9) == "call fib");
  CHECK(format_instruction(fib, 18) == "print");
  Module strs = empty_module("s.pasm");
  strs.constants = {Kstr("a\n")};
  strs.code = {I(Op::Push, 0), I(Op::PoolMalloc, 0), I(Op::GetF, 1)};
  CHECK(format_instruction(strs, 0) == "push \"a\\n\"");
  CHECK(format_instruction(strs, 1) == "pool_malloc cons");
  CHECK(format_instruction(strs, 2) == "getf 1");
}

TEST_CASE("format_instruction and disassemble never read out of bounds, even on unverified modules") {
  Module m = fib_module();
  CHECK(format_instruction(m, 99) == "<no instruction at 99>");
  m.code[2].op = static_cast<Op>(250);
  CHECK(format_instruction(m, 2) == "<invalid opcode 250>");
  m.code[0].a = 7;     // local out of range: printed by index
  m.code[1].a = 99;    // constant out of range
  m.code[3].a = 1000;  // jump out of the function
  m.code[9].a = -5;    // function out of range
  CHECK(format_instruction(m, 0) == "load 7");
  CHECK(format_instruction(m, 1) == "push <constant 99>");
  CHECK(format_instruction(m, 3) == "jz 1000");
  CHECK(format_instruction(m, 9) == "call -5");
  m.functions[0].end = 500;
  m.functions[1].start = 7;
  m.labels.push_back(Label{3, "unsorted"});
  m.pools.clear();
  m.pool_declared.clear();
  (void)disassemble(m);
  m.code.clear();
  (void)disassemble(m);
  CHECK(format_instruction(m, 0) == "<no instruction at 0>");
}

TEST_CASE("format_constant: ints, floats, strings, and the rest") {
  CHECK(format_constant(Kint(INT64_MIN)) == "-9223372036854775808");
  CHECK(format_constant(Kint(42)) == "42");
  CHECK(format_constant(Kfloat(2.0)) == "2.0");
  CHECK(format_constant(Kfloat(-2.0)) == "-2.0");
  CHECK(format_constant(Kfloat(0.1)) == "0.1");
  CHECK(format_constant(Kfloat(1e100)) == "1e+100");
  CHECK(format_constant(Kfloat(1e16)) == "1e+16");
  CHECK(format_constant(Kfloat(1e-7)) == "1e-07");
  CHECK(format_constant(Kfloat(std::numeric_limits<double>::infinity())) == "inf");
  CHECK(format_constant(Kfloat(std::numeric_limits<double>::quiet_NaN())) == "nan");
  CHECK(format_constant(Kstr("a\0b\x7f\""s)) == "\"a\\0b\\x7f\\\"\"");
  CHECK(format_constant(Kbool(true)) == "true");
  CHECK(format_constant(Kbool(false)) == "false");
  CHECK(format_constant(K(Constant::Kind::Nil)) == "nil");
}

TEST_CASE("format_constant: every double reads back bit for bit, and every byte string exactly") {
  std::mt19937_64 rng(99);
  std::vector<double> values = {0.0,
                                -0.0,
                                1.0,
                                0.1,
                                1.0 / 3,
                                1e308,
                                -1e-308,
                                5e-324,
                                2.2250738585072014e-308,
                                9007199254740993.0,
                                1e22,
                                1e23,
                                std::numeric_limits<double>::max(),
                                std::numeric_limits<double>::lowest(),
                                std::numeric_limits<double>::infinity(),
                                -std::numeric_limits<double>::infinity()};
  for (int i = 0; i < 2000; ++i) {
    double d = std::bit_cast<double>(rng());
    if (!std::isnan(d)) values.push_back(d);
  }
  std::string text = ".func main\n";
  for (double d : values) {
    std::string s = format_constant(Kfloat(d));
    CAPTURE(s);
    CHECK(s.find_first_of(".ei") != std::string::npos);  // looks like a float: '.', an exponent, or inf
    text += fmt::format("    push {}\n    pop\n", s);
  }
  std::string all_bytes;
  for (int c = 0; c < 256; ++c) all_bytes += static_cast<char>(c);
  text += fmt::format("    push {}\n    ret\n.end\n", format_constant(Kstr(all_bytes)));
  Module m = must_assemble(text, "floats.pasm");
  for (size_t i = 0; i < values.size(); ++i) {
    const Constant& c = m.constants.at(static_cast<size_t>(m.code.at(2 * i).a));
    REQUIRE(c.kind == Constant::Kind::Float);
    CHECK(std::bit_cast<uint64_t>(c.f) == std::bit_cast<uint64_t>(values[i]));
  }
  const Constant& s = m.constants.at(static_cast<size_t>(m.code.at(2 * values.size()).a));
  CHECK(s.s == all_bytes);
}

// ---- over real programs ----

namespace {
const std::filesystem::path kSource = POOLVM_SOURCE_DIR;
}

TEST_CASE("golden disassembly of a program that uses every instruction") {
  auto dir = kSource / "tests/compiler/golden";
  Module m = must_assemble(read(dir / "every_op.pasm"), "every_op.pasm");
  REQUIRE(verify(m).empty());
  CHECK(disassemble(m) == read(dir / "every_op.dis"));
  // Every source instruction of the table appears in it.
  for (int op = 0; op < kNumOps; ++op) {
    if (kOpInfo[op].flags & kFused) continue;  // made by the VM, never in a module
    bool used = false;
    for (const Instr& in : m.code) used = used || static_cast<int>(in.op) == op;
    CHECK_MESSAGE(used, kOpInfo[op].mnemonic);
  }
}

TEST_CASE("golden disassembly of named constants and fields, and of the same module stripped of the names") {
  auto dir = kSource / "tests/compiler/golden";
  Module m = must_assemble(read(dir / "names.pasm"), "names.pasm");
  REQUIRE(verify(m).empty());
  const std::string text = disassemble(m);
  CHECK(text == read(dir / "names.dis"));
  Module back = must_assemble(text, "names.dis");
  check_same(m, back);
  CHECK(disassemble(back) == text);
  // Without the names the same code prints with numbers and literals only.
  Module s = m;
  s.field_names.clear();
  s.named_constants.clear();
  s.operand_names.clear();
  REQUIRE(verify(s).empty());
  const std::string plain = disassemble(s);
  CHECK(plain.find(".const") == std::string::npos);
  CHECK(plain.find(".pool tree slots=3 blocks=3\n") != std::string::npos);
  CHECK(plain.find("    setf 0\n") != std::string::npos);
  CHECK(plain.find("    push \"tree:\\t\\\"x\\\"\\n\"\n") != std::string::npos);
  check_same(s, must_assemble(plain, "plain.pasm"), false);
}

TEST_CASE("traces name what dis names: format_instruction spells fields and constants") {
  Module m = must_assemble(".const N 4\n.pool b fields=x,mass blocks=N\n.func main\n.local r\n  pool_malloc b\n"
                           "  store r\n  load r\n  getf b.mass\n  push N\n  add\n  ret\n.end\n",
                           "t.pasm");
  REQUIRE(verify(m).empty());
  CHECK(format_instruction(m, 3) == "getf b.mass");
  CHECK(format_instruction(m, 4) == "push N");
  // A name that does not fit the operand (an unverified module) falls back to the number.
  m.code[3].a = 5;
  CHECK(format_instruction(m, 3) == "getf 5");
}

TEST_CASE("dis output reassembles to the same module, for every program") {
  std::vector<std::filesystem::path> files{kSource / "tests/compiler/golden/every_op.pasm",
                                           kSource / "tests/compiler/golden/names.pasm"};
  for (const auto& e : std::filesystem::directory_iterator(kSource / "programs"))
    if (e.path().extension() == ".pasm") files.push_back(e.path());
  CHECK(files.size() >= 8);
  for (const auto& f : files) {
    CAPTURE(f);
    Module a = must_assemble(read(f), f.filename().string());
    REQUIRE(verify(a).empty());
    std::string text = disassemble(a);
    Module b = must_assemble(text, "dis.pasm");
    CHECK(verify(b).empty());
    check_same(a, b);
    CHECK(a.constants == b.constants);  // the assembler interns them in the same order, too
    CHECK(disassemble(b) == text);
    // Stripped of names, it still reassembles to the same code.
    Module s = a;
    s.labels.clear();
    s.field_names.clear();
    s.named_constants.clear();
    s.operand_names.clear();
    for (auto& fn : s.functions) fn.local_names.clear();
    REQUIRE(verify(s).empty());
    check_same(s, must_assemble(disassemble(s), "stripped.pasm"), false);
  }
}
