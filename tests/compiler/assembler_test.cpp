// tests/compiler/assembler_test.cpp — .pasm text to Module: the whole
// language of spec §4–5, and every diagnostic with its exact position.
#include <doctest/doctest.h>

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fmt/format.h>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "compiler/assembler.h"
#include "compiler/suggest.h"
#include "runtime/value.h"

using namespace poolvm;

namespace {

Module ok(std::string_view src) {
  auto r = assemble(src, "t.pasm");
  for (const auto& d : r.diagnostics) FAIL_CHECK(d.line << ":" << d.column << ": " << d.message);
  REQUIRE(r.ok());
  CHECK(r.diagnostics.empty());
  return std::move(*r.module);
}

// Every diagnostic as "LINE:COL+LEN: MESSAGE".
std::vector<std::string> errors(std::string_view src) {
  auto r = assemble(src, "t.pasm");
  CHECK(!r.ok());
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics) {
    CHECK(d.file == "t.pasm");
    out.push_back(fmt::format("{}:{}+{}: {}", d.line, d.column, d.length, d.message));
  }
  return out;
}

// The one diagnostic of a body placed in `.func main` (body starts on line 2).
std::string error_in_main(std::string_view body) {
  auto es = errors(fmt::format(".func main\n{}\n.end\n", body));
  REQUIRE(es.size() == 1);
  return es[0];
}

Constant push_constant(std::string_view literal) {
  Module m = ok(fmt::format(".func main\n  push {}\n  ret\n.end\n", literal));
  REQUIRE(m.code.size() == 2);
  REQUIRE(m.code[0].op == Op::Push);
  REQUIRE(m.code[0].a >= 0);
  REQUIRE(static_cast<size_t>(m.code[0].a) < m.constants.size());
  return m.constants[m.code[0].a];
}

Constant int_c(int64_t i) { Constant c; c.kind = Constant::Kind::Int; c.i = i; return c; }
Constant str_c(std::string s) { Constant c; c.kind = Constant::Kind::Str; c.s = std::move(s); return c; }

}  // namespace

TEST_CASE("the spec's example program") {
  Module m = ok(R"(; a comment runs from ';' to the end of the line
.pool   node slots=2 blocks=300000      ; a record pool
.global counter                         ; globals start as nil
.extern clock 0                         ; a host function taking 0 arguments

.func add3 a b c                        ; parameters are the first locals
.local sum                              ; more locals, before the first instruction
    load a
    load b
    add
    load c
    add
    ret
.end

.func main
    push 1
    push 2
    push 3
    call add3
    print                               ; 6
    push 0
    ret                                 ; main's int result is the exit status
.end
)");
  CHECK(m.source_name == "t.pasm");
  REQUIRE(m.pools.size() == 5);
  CHECK(m.pools[kFirstRecordPool].name == "node");
  CHECK(m.pools[kFirstRecordPool].kind == PoolKind::Record);
  CHECK(m.pools[kFirstRecordPool].size == 2);
  CHECK(m.pools[kFirstRecordPool].blocks == 300000);
  CHECK(m.pool_declared == std::vector<bool>{false, false, false, false, true});
  CHECK(m.globals == std::vector<std::string>{"counter"});
  REQUIRE(m.externs.size() == 1);
  CHECK(m.externs[0].name == "clock");
  CHECK(m.externs[0].arity == 0);

  REQUIRE(m.functions.size() == 2);
  const Function& add3 = m.functions[0];
  CHECK(add3.name == "add3");
  CHECK(add3.arity == 3);
  CHECK(add3.num_locals == 4);
  CHECK(add3.local_names == std::vector<std::string>{"a", "b", "c", "sum"});
  CHECK(add3.start == 0);
  CHECK(add3.end == 6);
  CHECK(add3.line == 6);
  const Function& main = m.functions[1];
  CHECK(main.name == "main");
  CHECK(main.arity == 0);
  CHECK(main.num_locals == 0);
  CHECK(main.start == 6);
  CHECK(main.end == 13);
  CHECK(main.line == 16);
  CHECK(m.main == -1);  // the verifier's to fill

  REQUIRE(m.code.size() == 13);
  CHECK(m.code[0].op == Op::Load);
  CHECK(m.code[0].a == 0);
  CHECK(m.code[3].op == Op::Load);
  CHECK(m.code[3].a == 2);
  CHECK(m.code[9].op == Op::Call);
  CHECK(m.code[9].a == 0);
  CHECK(m.lines == std::vector<uint32_t>{8, 9, 10, 11, 12, 13, 17, 18, 19, 20, 21, 22, 23});
  CHECK(m.constants == std::vector<Constant>{int_c(1), int_c(2), int_c(3), int_c(0)});
}

TEST_CASE("every source instruction of the table assembles to its op") {
  std::string src = ".pool rec slots=3 blocks=1\n.global g\n.extern ext 1\n.func main x\n";
  std::vector<Op> want;
  for (int i = 0; i < kNumOps; ++i) {
    const OpInfo& info = kOpInfo[i];
    if (info.flags & kInternal) continue;
    std::string_view arg;
    switch (info.operand) {
      case OperandKind::None: arg = ""; break;
      case OperandKind::Const: arg = "42"; break;
      case OperandKind::Local: arg = "x"; break;
      case OperandKind::Global: arg = "g"; break;
      case OperandKind::Label: arg = "top"; break;
      case OperandKind::Func: arg = "main"; break;
      case OperandKind::Extern: FAIL("a source mnemonic takes an Extern operand"); break;
      case OperandKind::RecPool: arg = "rec"; break;
      case OperandKind::AnyPool: arg = "str"; break;
      case OperandKind::Slot: arg = "2"; break;
    }
    src += fmt::format("{}    {} {}\n", want.empty() ? "top:" : "", info.mnemonic, arg);
    want.push_back(static_cast<Op>(i));
  }
  src += "    call ext\n    tailcall ext\n.end\n";
  want.push_back(Op::CallExtern);
  want.push_back(Op::TailCallExtern);

  Module m = ok(src);
  REQUIRE(m.code.size() == want.size());
  for (size_t pc = 0; pc < want.size(); ++pc) {
    CAPTURE(op_info(want[pc]).mnemonic);
    CHECK(m.code[pc].op == want[pc]);
    CHECK(m.lines[pc] == pc + 5);
    switch (op_info(want[pc]).operand) {
      case OperandKind::None:
      case OperandKind::Local:   // x is local 0
      case OperandKind::Global:  // g is global 0
      case OperandKind::Label:   // top is pc 0
      case OperandKind::Func:    // main is function 0
      case OperandKind::Extern:  // ext is extern 0
      case OperandKind::Const:   // 42 is the only constant
        CHECK(m.code[pc].a == 0);
        break;
      case OperandKind::RecPool: CHECK(m.code[pc].a == kFirstRecordPool); break;
      case OperandKind::AnyPool: CHECK(m.code[pc].a == kStrPool); break;
      case OperandKind::Slot: CHECK(m.code[pc].a == 2); break;
    }
  }
  CHECK(m.constants == std::vector<Constant>{int_c(42)});
  CHECK(m.labels.size() == 1);
}

TEST_CASE("no source text makes a superinstruction: not by its name, not by spelling out its sequence") {
  int fused = 0;
  for (int i = 0; i < kNumOps; ++i) {
    const OpInfo& info = kOpInfo[i];
    if (!(info.flags & kFused)) continue;
    ++fused;
    CAPTURE(info.name);
    std::string lower;
    for (char c : info.name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const std::string& spelled : {std::string(info.name), lower})
      CHECK(error_in_main(fmt::format("  {} 0", spelled)).find(fmt::format("unknown instruction '{}'", spelled)) !=
            std::string::npos);
    // The sequence it stands for assembles to exactly those plain instructions.
    std::string body;
    const OpSequence& seq = fused_sequence(static_cast<Op>(i));
    for (int k = 0; k < seq.length; ++k) {
      const OpInfo& part = op_info(seq.ops[k]);
      std::string_view arg = part.operand == OperandKind::Const  ? "7"
                             : part.operand == OperandKind::Local ? "x"
                             : part.operand == OperandKind::Label ? "top"
                             : part.operand == OperandKind::Slot  ? "1"
                                                                  : "";
      body += fmt::format("    {} {}\n", part.mnemonic, arg);
    }
    const bool ends = op_info(seq.ops[seq.length - 1]).flags & kEnd;
    Module m = ok(fmt::format(".func main x\ntop:\n{}{}.end\n", body, ends ? "" : "    push 0\n    ret\n"));
    REQUIRE(m.code.size() == static_cast<size_t>(seq.length) + (ends ? 0 : 2));
    for (int k = 0; k < seq.length; ++k) CHECK(m.code[k].op == seq.ops[k]);
    for (const Instr& in : m.code) CHECK(is_module_opcode(static_cast<unsigned>(in.op)));
  }
  CHECK(fused > 0);
}

TEST_CASE("call and tailcall pick the function or the extern by name") {
  Module m = ok(".extern now 0\n.extern put 2\n.func main\n  call f\n  call put\n  call now\n  tailcall f\n.end\n"
                ".func f\n  tailcall put\n.end\n");
  REQUIRE(m.code.size() == 5);
  CHECK(m.code[0].op == Op::Call);
  CHECK(m.code[0].a == 1);  // forward reference to f, function 1
  CHECK(m.code[1].op == Op::CallExtern);
  CHECK(m.code[1].a == 1);
  CHECK(m.code[2].op == Op::CallExtern);
  CHECK(m.code[2].a == 0);
  CHECK(m.code[3].op == Op::TailCall);
  CHECK(m.code[3].a == 1);
  CHECK(m.code[4].op == Op::TailCallExtern);
  CHECK(m.code[4].a == 1);
  CHECK(m.externs[1].arity == 2);
}

TEST_CASE("forward references to globals and pools declared later") {
  Module m = ok(".func main\n  gload late\n  pool_malloc later\n  pool_cap cons\n  ret\n.end\n"
                ".global early late\n.pool later slots=1 blocks=2\n");
  CHECK(m.globals == std::vector<std::string>{"early", "late"});
  CHECK(m.code[0].a == 1);
  CHECK(m.code[1].a == kFirstRecordPool);
  CHECK(m.code[2].a == kConsPool);
}

TEST_CASE("int literals") {
  CHECK(push_constant("0") == int_c(0));
  CHECK(push_constant("-7") == int_c(-7));
  CHECK(push_constant("9223372036854775807") == int_c(INT64_MAX));
  CHECK(push_constant("-9223372036854775808") == int_c(INT64_MIN));
  CHECK(push_constant("0x2a") == int_c(42));
  CHECK(push_constant("0X2A") == int_c(42));
  CHECK(push_constant("-0x10") == int_c(-16));
  CHECK(push_constant("0x7fffffffffffffff") == int_c(INT64_MAX));
  CHECK(push_constant("-0x8000000000000000") == int_c(INT64_MIN));
  CHECK(push_constant("007") == int_c(7));

  const std::string range = "out of range (-9223372036854775808 .. 9223372036854775807)";
  CHECK(error_in_main("  push 9223372036854775808") == "2:8+19: int literal '9223372036854775808' " + range);
  CHECK(error_in_main("  push -9223372036854775809") == "2:8+20: int literal '-9223372036854775809' " + range);
  CHECK(error_in_main("  push 0x8000000000000000") == "2:8+18: int literal '0x8000000000000000' " + range);
  CHECK(error_in_main("  push 123456789012345678901234567890") ==
        "2:8+30: int literal '123456789012345678901234567890' " + range);
  CHECK(error_in_main("  push 12abc") == "2:8+5: invalid number '12abc'");
  CHECK(error_in_main("  push 0x") == "2:8+2: invalid number '0x'");
  CHECK(error_in_main("  push 0xg1") == "2:8+4: invalid number '0xg1'");
  CHECK(error_in_main("  push -") == "2:8+1: expected a literal (int, float, string, true, false or nil), found '-'");
  CHECK(error_in_main("  push +5") == "2:8+2: invalid number '+5'");
}

TEST_CASE("float literals") {
  auto f = [](std::string_view lit) {
    Constant c = push_constant(lit);
    CHECK(c.kind == Constant::Kind::Float);
    return c.f;
  };
  CHECK(f("1.5") == 1.5);
  CHECK(f("-2.0e3") == -2000.0);
  CHECK(f("1e10") == 1e10);
  CHECK(f("1E-2") == 0.01);
  CHECK(f("1e+100") == 1e100);
  CHECK(f("2.") == 2.0);
  CHECK(f(".5") == 0.5);
  CHECK(f("0.1") == 0.1);
  CHECK(f("5e-324") == std::numeric_limits<double>::denorm_min());  // underflow to a denormal reads back
  CHECK(f("1.7976931348623157e308") == std::numeric_limits<double>::max());
  CHECK(f("inf") == std::numeric_limits<double>::infinity());
  CHECK(f("-inf") == -std::numeric_limits<double>::infinity());
  CHECK(std::isnan(f("nan")));
  CHECK(std::isnan(f("-nan")));
  double negzero = f("-0.0");
  CHECK(negzero == 0.0);
  CHECK(std::signbit(negzero));

  CHECK(error_in_main("  push 1e999") == "2:8+5: float literal '1e999' out of range");
  CHECK(error_in_main("  push -1e999") == "2:8+6: float literal '-1e999' out of range");
  CHECK(error_in_main("  push 1e") == "2:8+2: invalid number '1e'");
  CHECK(error_in_main("  push 1.5.2") == "2:8+5: invalid number '1.5.2'");
  CHECK(error_in_main("  push 0x1p3") == "2:8+5: invalid number '0x1p3'");
  CHECK(error_in_main("  push infinity") ==
        "2:8+8: unknown constant 'infinity'");
}

TEST_CASE("string, bool and nil literals") {
  CHECK(push_constant(R"("text")") == str_c("text"));
  CHECK(push_constant(R"("")") == str_c(""));
  CHECK(push_constant(R"("a\nb\tc\rd\\e\"f")") == str_c("a\nb\tc\rd\\e\"f"));
  CHECK(push_constant(R"("\0")") == str_c(std::string("\0", 1)));
  CHECK(push_constant(R"("\x41\x62\xfF")") == str_c("Ab\xff"));
  CHECK(push_constant(R"("; not a comment")") == str_c("; not a comment"));
  CHECK(push_constant("\"tab\there\"") == str_c("tab\there"));
  CHECK(push_constant(R"("x" ; a comment after it)") == str_c("x"));
  Constant t = push_constant("true"), fa = push_constant("false"), n = push_constant("nil");
  CHECK(t.kind == Constant::Kind::Bool);
  CHECK(t.b);
  CHECK(fa.kind == Constant::Kind::Bool);
  CHECK(!fa.b);
  CHECK(n.kind == Constant::Kind::Nil);

  CHECK(error_in_main(R"(  push "a\qb")") ==
        R"(2:10+2: bad escape '\q' in string (known: \n \t \r \\ \" \0 \xHH))");
  CHECK(error_in_main(R"(  push "\x4")") == R"(2:9+3: bad escape: '\x' takes exactly two hex digits)");
  CHECK(error_in_main(R"(  push "\xg0")") == R"(2:9+2: bad escape: '\x' takes exactly two hex digits)");
  CHECK(error_in_main(R"(  push "unterminated)") == "2:8+1: unterminated string: missing closing '\"'");
  CHECK(error_in_main(R"(  push "ends in a backslash\)") == "2:8+1: unterminated string: missing closing '\"'");
  CHECK(error_in_main(R"(  push "a" "b")") == "2:12+3: 'push' takes only one operand; unexpected a string");
  CHECK(error_in_main("  push True") ==
        "2:8+4: unknown constant 'True' (did you mean 'true'?)");
}

TEST_CASE("equal constants are interned once; different kinds and -0.0 are not merged") {
  Module m = ok(".func main\n  push 1\n  push \"s\"\n  push 1\n  push 0x1\n  push \"s\"\n  push 1.0\n"
                "  push 0.0\n  push -0.0\n  push 0.0\n  push nil\n  push nil\n  push true\n  push true\n"
                "  push false\n  ret\n.end\n");
  std::vector<int32_t> idx;
  for (const Instr& in : m.code)
    if (in.op == Op::Push) idx.push_back(in.a);
  CHECK(idx == std::vector<int32_t>{0, 1, 0, 0, 1, 2, 3, 4, 3, 5, 5, 6, 6, 7});
  REQUIRE(m.constants.size() == 8);
  CHECK(m.constants[0] == int_c(1));
  CHECK(m.constants[1] == str_c("s"));
  CHECK(m.constants[2].kind == Constant::Kind::Float);
  CHECK(!std::signbit(m.constants[3].f));
  CHECK(std::signbit(m.constants[4].f));
}

TEST_CASE("locals by name and by index") {
  Module m = ok(".func f a b\n.local c\n.local d e\n  load 0\n  load e\n  store 4\n  load 0x2\n  store b\n"
                "  ret\n.end\n");
  const Function& f = m.functions[0];
  CHECK(f.arity == 2);
  CHECK(f.num_locals == 5);
  CHECK(f.local_names == std::vector<std::string>{"a", "b", "c", "d", "e"});
  std::vector<int32_t> a;
  for (uint32_t pc = f.start; pc + 1 < f.end; ++pc) a.push_back(m.code[pc].a);
  CHECK(a == std::vector<int32_t>{0, 4, 4, 2, 1});

  CHECK(error_in_main("  load 0") == "2:8+1: local index 0 out of range: function 'main' has 0 locals");
  CHECK(errors(".func f a\n  load 1\n.end\n") ==
        std::vector<std::string>{"2:8+1: local index 1 out of range: function 'f' has 1 local"});
  CHECK(errors(".func f a\n  load -1\n.end\n") ==
        std::vector<std::string>{"2:8+2: local index -1 out of range: function 'f' has 1 local"});
  CHECK(errors(".func f a\n  load 99999999999999999999999\n.end\n") ==
        std::vector<std::string>{"2:8+23: local index 99999999999999999999999 out of range: function 'f' has 1 local"});
  CHECK(errors(".func f count\n  load cuont\n.end\n") ==
        std::vector<std::string>{"2:8+5: unknown local 'cuont' in function 'f' (did you mean 'count'?)"});
  CHECK(errors(".func f a\n  store 1.5\n.end\n") ==
        std::vector<std::string>{"2:9+3: expected a local (a name or an index), found '1.5'"});
  CHECK(errors(".func f a\n  load \"a\"\n.end\n") ==
        std::vector<std::string>{"2:8+3: expected a local (a name or an index), found a string"});
}

TEST_CASE("labels: on their own line, sharing a line, several on one pc, local to their function") {
  Module m = ok(".func main\ntop:\n  push 1\n  jz end\nmid: again: jmp top\nend: push 0\n  ret\n.end\n"
                ".func g\ntop: push 1\n  jnz top\n  push 2\n  ret\n.end\n");
  REQUIRE(m.code.size() == 9);
  CHECK(m.code[1].op == Op::Jz);
  CHECK(m.code[1].a == 3);  // end
  CHECK(m.code[2].op == Op::Jmp);
  CHECK(m.code[2].a == 0);  // main's top
  CHECK(m.code[6].op == Op::Jnz);
  CHECK(m.code[6].a == 5);  // g's own top
  REQUIRE(m.labels.size() == 5);
  CHECK(m.labels[0].pc == 0);
  CHECK(m.labels[0].name == "top");
  CHECK(m.labels[1].pc == 2);
  CHECK(m.labels[1].name == "mid");
  CHECK(m.labels[2].pc == 2);
  CHECK(m.labels[2].name == "again");
  CHECK(m.labels[3].pc == 3);
  CHECK(m.labels[3].name == "end");
  CHECK(m.labels[4].pc == 5);
  CHECK(m.labels[4].name == "top");
  CHECK(m.lines[2] == 5);

  // A label with a space before its colon still is one.
  CHECK(ok(".func main\nl : jmp l\n.end\n").code[0].a == 0);
}

TEST_CASE("label errors") {
  CHECK(errors(".func main\nx: nop\nx: nop\n  ret\n.end\n") ==
        std::vector<std::string>{"3:1+1: duplicate label 'x' (first defined on line 2)"});
  // The rest of a line with a duplicate label is still assembled (and checked).
  CHECK(errors(".func main\nx: x: lod\n.end\n") ==
        std::vector<std::string>{"2:4+1: duplicate label 'x' (first defined on line 2)",
                                 "2:7+3: unknown instruction 'lod' (did you mean 'load'?)"});
  CHECK(errors(".func main\n  jmp lop\nloop: ret\n.end\n") ==
        std::vector<std::string>{"2:7+3: unknown label 'lop' in function 'main' (did you mean 'loop'?)"});
  CHECK(errors(".func f\nhere: ret\n.end\n.func main\n  jmp here\n.end\n") ==
        std::vector<std::string>{"5:7+4: unknown label 'here' in function 'main'"});
  CHECK(errors(".func main\n  ret\ndone:\n.end\n") ==
        std::vector<std::string>{"3:1+4: label 'done' is not followed by an instruction"});
  CHECK(errors("top: nop\n") == std::vector<std::string>{"1:1+3: label 'top' outside a function"});
  CHECK(errors(".func main\n1x: ret\n.end\n") == std::vector<std::string>{"2:1+2: invalid label name '1x'"});
  CHECK(errors(".func main\n  jmp 3\n.end\n") == std::vector<std::string>{"2:7+1: expected a label, found '3'"});
}

TEST_CASE("record pools and resizing the built-ins") {
  Module m = ok(".pool node slots=2 blocks=300000\n.pool cons blocks=10\n.pool str blocks=7 bytes=64\n"
                ".pool frame slots=100 blocks=5\n.pool arr blocks=1 slots=16777216\n.pool none slots=1 blocks=0\n"
                ".pool big slots = 1 blocks = 4294967294\n");
  REQUIRE(m.pools.size() == 8);
  CHECK(m.pool_declared == std::vector<bool>{true, true, true, false, true, true, true, true});
  CHECK(m.pools[kConsPool].size == 2);
  CHECK(m.pools[kConsPool].blocks == 10);
  CHECK(m.pools[kStrPool].size == 64);
  CHECK(m.pools[kStrPool].blocks == 7);
  CHECK(m.pools[kFramePool].size == 100);
  CHECK(m.pools[kFramePool].blocks == 5);
  CHECK(m.pools[kFirstRecordPool].name == "node");
  CHECK(m.pools[5].name == "arr");
  CHECK(m.pools[5].size == 16777216);
  CHECK(m.pools[5].blocks == 1);
  CHECK(m.pools[6].blocks == 0);
  CHECK(m.pools[7].blocks == 4294967294u);
  for (size_t i = kFirstRecordPool; i < 8; ++i) CHECK(m.pools[i].kind == PoolKind::Record);

  // Keys are optional for the built-ins; an undeclared built-in keeps its default.
  Module d = ok(".pool str\n");
  CHECK(d.pool_declared == std::vector<bool>{false, true, false, false});
  CHECK(d.pools[kStrPool].size == kDefaultStrBytes);
  CHECK(d.pools[kStrPool].blocks == kDefaultStrBlocks);
  CHECK(d.pools[kConsPool].blocks == kDefaultConsBlocks);
}

TEST_CASE(".pool errors") {
  CHECK(errors(".pool node slot=2 blocks=3\n") ==
        std::vector<std::string>{"1:12+4: unknown .pool key 'slot' (did you mean 'slots'?)"});
  CHECK(errors(".pool cons slots=2\n") ==
        std::vector<std::string>{"1:12+5: pool 'cons' does not take 'slots=' (it takes 'blocks=')"});
  CHECK(errors(".pool str slots=2\n") ==
        std::vector<std::string>{"1:11+5: pool 'str' does not take 'slots=' (it takes 'bytes=' and 'blocks=')"});
  CHECK(errors(".pool node bytes=2\n") ==
        std::vector<std::string>{"1:12+5: pool 'node' does not take 'bytes=' (it takes 'slots=' or 'fields=', and 'blocks=')"});
  CHECK(errors(".pool node slots=2\n") == std::vector<std::string>{"1:7+4: record pool 'node' needs 'blocks='"});
  CHECK(errors(".pool node\n") == std::vector<std::string>{"1:7+4: record pool 'node' needs 'slots=' or 'fields=', and 'blocks='"});
  CHECK(errors(".pool node slots=0 blocks=1\n") ==
        std::vector<std::string>{"1:18+1: 'slots=' must be an int 1..16777216, found '0'"});
  CHECK(errors(".pool node slots=16777217 blocks=1\n") ==
        std::vector<std::string>{"1:18+8: 'slots=' must be an int 1..16777216, found '16777217'"});
  CHECK(errors(".pool node slots=1 blocks=4294967295\n") ==
        std::vector<std::string>{"1:27+10: 'blocks=' must be an int 0..4294967294, found '4294967295'"});
  CHECK(errors(".pool node slots=1 blocks=-1\n") ==
        std::vector<std::string>{"1:27+2: 'blocks=' must be an int 0..4294967294, found '-1'"});
  CHECK(errors(".pool node slots=1 blocks=x\n") ==
        std::vector<std::string>{"1:27+1: unknown constant 'x'"});
  CHECK(errors(".pool node slots=1 slots=2 blocks=1\n") ==
        std::vector<std::string>{"1:20+5: duplicate key 'slots='"});
  CHECK(errors(".pool node slots 1\n") ==
        std::vector<std::string>{"1:12+5: expected '=' and a number after 'slots'"});
  CHECK(errors(".pool node slots=\n") == std::vector<std::string>{"1:17+1: expected a number after 'slots='"});
  CHECK(errors(".pool\n") == std::vector<std::string>{"1:1+5: '.pool' needs a pool name"});
  CHECK(errors(".pool 9 slots=1 blocks=1\n") == std::vector<std::string>{"1:7+1: expected a pool name, found '9'"});
  CHECK(errors(".pool a slots=1 blocks=1\n.pool a slots=1 blocks=1\n") ==
        std::vector<std::string>{"2:7+1: duplicate pool 'a' (first declared on line 1)"});
  CHECK(errors(".pool cons blocks=1\n.pool cons blocks=2\n") ==
        std::vector<std::string>{"2:7+4: duplicate pool 'cons' (first declared on line 1)"});
  CHECK(errors(".func main\n.pool a slots=1 blocks=1\n  ret\n.end\n") ==
        std::vector<std::string>{"2:1+5: '.pool' inside function 'main'; declare it outside functions"});
}

TEST_CASE("pool operands") {
  Module m = ok(".pool node slots=2 blocks=3\n.func main\n  pool_malloc cons\n  pool_malloc node\n"
                "  pool_used frame\n  pool_cap node\n  ret\n.end\n");
  CHECK(m.code[0].a == kConsPool);
  CHECK(m.code[1].a == kFirstRecordPool);
  CHECK(m.code[2].a == kFramePool);
  CHECK(m.code[3].a == kFirstRecordPool);

  CHECK(error_in_main("  pool_malloc str") ==
        "2:15+3: pool_malloc cannot take blocks of the built-in 'str' pool; strings are made by literals, "
        "concat, tostr, substr and argv");
  CHECK(error_in_main("  pool_malloc frame") ==
        "2:15+5: pool_malloc cannot take blocks of the built-in 'frame' pool; frames are taken by call");
  CHECK(error_in_main("  pool_used conz") == "2:13+4: unknown pool 'conz' (did you mean 'cons'?)");
  CHECK(error_in_main("  pool_cap") == "2:3+8: 'pool_cap' takes one operand: a pool");
  CHECK(error_in_main("  pool_malloc 3") == "2:15+1: expected a record pool or cons, found '3'");
}

TEST_CASE("getf and setf take a slot number") {
  Module m = ok(".func main\n  getf 0\n  setf 16777215\n  getf 0x10\n.end\n");
  CHECK(m.code[0].a == 0);
  CHECK(m.code[1].a == 16777215);
  CHECK(m.code[2].a == 16);
  CHECK(error_in_main("  getf 16777216") == "2:8+8: slot 16777216 out of range (0..16777215)");
  CHECK(error_in_main("  setf -1") == "2:8+2: slot -1 out of range (0..16777215)");
  CHECK(error_in_main("  getf x") == "2:8+1: unknown constant 'x'");
  CHECK(error_in_main("  getf 1.0") == "2:8+3: expected a slot number, an int constant or POOL.FIELD, found '1.0'");
}

TEST_CASE("globals and externs") {
  Module m = ok(".global a b\n.global c\n.extern put 2\n.func main\n  gload c\n  gstore a\n  ret\n.end\n");
  CHECK(m.globals == std::vector<std::string>{"a", "b", "c"});
  CHECK(m.code[0].a == 2);
  CHECK(m.code[1].a == 0);

  CHECK(errors(".global a\n.global a\n") ==
        std::vector<std::string>{"2:9+1: duplicate global 'a' (first defined on line 1)"});
  CHECK(errors(".global\n") == std::vector<std::string>{"1:1+7: '.global' needs a name"});
  CHECK(errors(".global 1a\n") == std::vector<std::string>{"1:9+2: expected a global name, found '1a'"});
  CHECK(errors(".global count\n.func main\n  gload cuont\n.end\n") ==
        std::vector<std::string>{"3:9+5: unknown global 'cuont' (did you mean 'count'?)"});
  CHECK(errors(".extern put\n") == std::vector<std::string>{"1:1+7: '.extern' needs a name and an arity"});
  CHECK(errors(".extern put x\n") ==
        std::vector<std::string>{"1:13+1: unknown constant 'x'"});
  CHECK(errors(".extern put 65536\n") ==
        std::vector<std::string>{"1:13+5: extern arity must be an int 0..65535, found '65536'"});
  CHECK(errors(".extern put 1 2\n") ==
        std::vector<std::string>{"1:15+1: '.extern' takes a name and an arity; unexpected '2'"});
  CHECK(errors(".extern f 1\n.extern f 1\n") ==
        std::vector<std::string>{"2:9+1: duplicate extern 'f' (first defined on line 1)"});
  CHECK(errors(".extern f 1\n.func f\n  ret\n.end\n") ==
        std::vector<std::string>{"2:7+1: duplicate function 'f' (first defined as an extern on line 1)"});
  CHECK(errors(".func f\n  ret\n.end\n.extern f 1\n") ==
        std::vector<std::string>{"4:9+1: duplicate extern 'f' (first defined as a function on line 1)"});
}

TEST_CASE("functions") {
  CHECK(errors(".func f\n  ret\n.end\n.func f\n  ret\n.end\n") ==
        std::vector<std::string>{"4:7+1: duplicate function 'f' (first defined on line 1)"});
  CHECK(errors(".func main\n  call fib\n.end\n.func fibo n\n  ret\n.end\n") ==
        std::vector<std::string>{"2:8+3: unknown function 'fib' (did you mean 'fibo'?)"});
  CHECK(errors(".func main\n  call 3\n.end\n") ==
        std::vector<std::string>{"2:8+1: expected a function or extern, found '3'"});
  CHECK(errors(".func f a a\n.end\n") ==
        std::vector<std::string>{"1:11+1: duplicate local 'a' (first defined on line 1)"});
  CHECK(errors(".func f a\n.local b a\n.end\n") ==
        std::vector<std::string>{"2:10+1: duplicate local 'a' (first defined on line 1)"});
  CHECK(errors(".func f \"a\"\n.end\n") ==
        std::vector<std::string>{"1:9+3: expected a parameter name, found a string"});
  CHECK(errors(".func\n  ret\n.end\n") == std::vector<std::string>{"1:1+5: '.func' needs a function name"});
  CHECK(errors(".func main\n  nop\n.local x\n  ret\n.end\n") ==
        std::vector<std::string>{"3:1+6: '.local' must come before the first instruction of 'main'"});
  CHECK(errors(".func main\n.local\n.end\n") == std::vector<std::string>{"2:1+6: '.local' needs at least one name"});
  CHECK(errors(".local x\n") == std::vector<std::string>{"1:1+6: '.local' outside a function"});
  CHECK(errors(".end\n") == std::vector<std::string>{"1:1+4: '.end' without '.func'"});
  CHECK(errors(".func main\n  ret\n.end main\n") ==
        std::vector<std::string>{"3:6+4: '.end' takes no operand, found 'main'"});
  CHECK(errors(".func main\n  ret\n") == std::vector<std::string>{"1:1+5: function 'main' has no '.end'"});
  CHECK(errors(".func f\n  ret\n.func main\n  ret\n.end\n") ==
        std::vector<std::string>{"3:1+5: '.func' inside function 'f' (missing '.end'?)"});
  CHECK(errors("  push 1\n") == std::vector<std::string>{"1:3+4: instruction 'push' outside a function (missing '.func'?)"});

  // An empty function and one without `ret` assemble; the verifier judges them.
  Module m = ok(".func e\n.end\n.func main\n  push 1\n.end\n");
  CHECK(m.functions[0].start == 0);
  CHECK(m.functions[0].end == 0);
  CHECK(m.functions[1].start == 0);
  CHECK(m.functions[1].end == 1);
}

TEST_CASE("instruction and operand count errors") {
  CHECK(error_in_main("  lod 0") == "2:3+3: unknown instruction 'lod' (did you mean 'load'?)");
  CHECK(error_in_main("  LOAD 0") == "2:3+4: unknown instruction 'LOAD' (did you mean 'load'?)");
  CHECK(error_in_main("  frobnicate") == "2:3+10: unknown instruction 'frobnicate'");
  CHECK(error_in_main("  load") == "2:3+4: 'load' takes one operand: a local (a name or an index)");
  CHECK(error_in_main("  jmp") == "2:3+3: 'jmp' takes one operand: a label");
  CHECK(error_in_main("  push") == "2:3+4: 'push' takes one operand: a literal (int, float, string, true, false or nil)");
  CHECK(error_in_main("  add 1") == "2:7+1: 'add' takes no operand, found '1'");
  CHECK(error_in_main("  gload a b") == "2:11+1: 'gload' takes only one operand; unexpected 'b'");
  CHECK(error_in_main("  push 1 = 2") == "2:10+1: 'push' takes only one operand; unexpected '='");
  CHECK(error_in_main("  \"str\"") == "2:3+5: expected an instruction or directive, found a string");
  CHECK(error_in_main("  = 1") == "2:3+1: expected an instruction or directive, found '='");
  CHECK(error_in_main(".fucn x") == "2:1+5: unknown directive '.fucn' (did you mean '.func'?)");
  CHECK(error_in_main(".") == "2:1+1: unknown directive '.'");
}

TEST_CASE("the conformance syntax_error.pasm: every error, at its column") {
  auto r = assemble(
      "; exit: 65\n"
      "; stderr: syntax_error.pasm:9:5: error\n"
      "; stderr: syntax_error.pasm:10:10: error\n"
      "; Every error in the file is reported, with line and column.\n"
      ".func main\n"
      "    push 1\n"
      "    print\n"
      "    push 2\n"
      "    lod 0\n"
      "    push \"unterminated\n"
      "    push 0\n"
      "    ret\n"
      ".end\n",
      "syntax_error.pasm");
  CHECK(!r.ok());
  REQUIRE(r.diagnostics.size() == 2);
  CHECK(r.diagnostics[0].file == "syntax_error.pasm");
  CHECK(r.diagnostics[0].line == 9);
  CHECK(r.diagnostics[0].column == 5);
  CHECK(r.diagnostics[0].length == 3);
  CHECK(r.diagnostics[0].message == "unknown instruction 'lod' (did you mean 'load'?)");
  CHECK(r.diagnostics[1].line == 10);
  CHECK(r.diagnostics[1].column == 10);
}

TEST_CASE("many errors in one file are all reported, in source order") {
  // Label and name errors are found late (at `.end` and at the end of the
  // file) but still come out sorted by position.
  auto es = errors(
      ".func main\n"          // 1
      "  jmp nowhere\n"       // 2: unknown label, found at .end
      "  call nobody\n"       // 3: unknown function, found at the end
      "  lod 1\n"             // 4
      "  push 1 2\n"          // 5
      ".global g\n"           // 6: inside a function
      "  push \"\\z\"\n"      // 7
      ".end\n"                // 8
      ".bogus\n"              // 9
      ".func f\n"             // 10
      "  gload nothing\n");   // 11: unknown global; then no .end
  CHECK(es == std::vector<std::string>{
                  "2:7+7: unknown label 'nowhere' in function 'main'",
                  "3:8+6: unknown function 'nobody'",
                  "4:3+3: unknown instruction 'lod' (did you mean 'load'?)",
                  "5:10+1: 'push' takes only one operand; unexpected '2'",
                  "6:1+7: '.global' inside function 'main'; declare it outside functions",
                  "7:9+2: bad escape '\\z' in string (known: \\n \\t \\r \\\\ \\\" \\0 \\xHH)",
                  "9:1+6: unknown directive '.bogus'",
                  "10:1+5: function 'f' has no '.end'",
                  "11:9+7: unknown global 'nothing'",
              });
}

TEST_CASE("line endings, comments, blank lines, tabs") {
  Module m = ok(".func main\r\n\t; comment\r\n\r\n\tpush\t1 ;c\r\n\tret\r\n.end");
  REQUIRE(m.code.size() == 2);
  CHECK(m.lines == std::vector<uint32_t>{4, 5});
  CHECK(ok("").code.empty());
  CHECK(ok("; only a comment").functions.empty());
  // Columns count bytes, a tab as one.
  CHECK(errors(".func main\n\t\tlod 1\n.end\n") ==
        std::vector<std::string>{"2:3+3: unknown instruction 'lod' (did you mean 'load'?)"});
}

TEST_CASE("no crash and a clean error on hostile input") {
  // NULs and control bytes are quoted escaped, not printed raw.
  const char nul_text[] = ".func main\n  \0\x01 1\n.end\n";
  std::string nul(nul_text, sizeof nul_text - 1);
  CHECK(errors(nul) == std::vector<std::string>{"2:3+2: unknown instruction '\\x00\\x01'"});

  std::string long_word(1 << 20, 'a');
  auto es = errors(".func main\n  " + long_word + "\n.end\n");
  REQUIRE(es.size() == 1);
  CHECK(es[0] == fmt::format("2:3+{}: unknown instruction '{}...'", 1 << 20, std::string(40, 'a')));

  std::string huge_number = "  push " + std::string(100000, '9');
  CHECK(error_in_main(huge_number).find("out of range") != std::string::npos);
  std::string huge_float = "  push 0." + std::string(100000, '1') + "e-99999999999999";
  CHECK(push_constant(huge_float.substr(7)).f == 0.0);  // underflow reads as 0, as in C

  // Past a thousand errors assembly stops, with a final note.
  std::string many;
  for (int i = 0; i < 5000; ++i) many += "bad\n";
  auto r = assemble(many, "t.pasm");
  REQUIRE(r.diagnostics.size() == 1001);
  CHECK(r.diagnostics[999].line == 1000);
  CHECK(r.diagnostics.back().line == 0);
  CHECK(r.diagnostics.back().message == "too many errors (1000), stopping");

  // Random bytes and random mixes of the language's own pieces.
  std::mt19937 rng(12345);
  using namespace std::string_view_literals;
  const std::string_view pieces[] = {".func", ".end", ".local", ".pool", ".global", ".extern", "main", "x", ":", "=",
                          "\"", "\\", "\\x", "push", "call", "jmp", "load", "0", "-", "0x", "1e", "slots",
                          "blocks", ";", " ", "\t", "\n", "\r", "\0"sv, "9999999999999999999999"};
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    int n = static_cast<int>(rng() % 200);
    for (int i = 0; i < n; ++i) {
      if (round % 2) text.push_back(static_cast<char>(rng() & 0xff));
      else text += pieces[rng() % std::size(pieces)];
    }
    auto res = assemble(text, "fuzz.pasm");
    CHECK(res.ok() == res.diagnostics.empty());
    for (const auto& d : res.diagnostics) {
      CHECK(d.line >= 1);
      CHECK(d.column >= 1);
      CHECK(!d.message.empty());
    }
    (void)render_diagnostics(res.diagnostics, text, 1000);
  }
}

TEST_CASE("suggestions: close names only") {
  std::vector<std::string_view> names = {"load", "store", "loop", "main"};
  CHECK(closest_name("lod", names) == "load");
  CHECK(closest_name("laod", names) == "load");  // a transposition is one edit
  CHECK(closest_name("MAIN", names) == "main");
  CHECK(closest_name("stroe", names) == "store");
  CHECK(closest_name("zzzz", names) == "");
  CHECK(closest_name("x", {"y"}) == "");  // one letter is not a typo of another letter
  CHECK(closest_name("load", {"load"}) == "");  // not itself
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("ab", "ba") == 1);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(did_you_mean("lod", names) == " (did you mean 'load'?)");
  CHECK(did_you_mean("qqq", names) == "");
}
