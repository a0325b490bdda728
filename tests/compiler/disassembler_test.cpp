// tests/compiler/disassembler_test.cpp — golden disassembly, and the round
// trip assemble → disassemble → assemble giving the same module, over every
// program in programs/ and a program that uses every instruction.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "compiler/assembler.h"
#include "compiler/disassembler.h"
#include "compiler/verifier.h"

using namespace poolvm;

namespace {

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Module must_assemble(const std::string& text, const std::string& name) {
  AssembleResult r = assemble(text, name);
  INFO(render_diagnostics(r.diagnostics, text));
  REQUIRE(r.ok());
  return std::move(*r.module);
}

// Everything but debug information (lines, label names) must match.
void check_same(const Module& a, const Module& b) {
  REQUIRE(a.pools.size() == b.pools.size());
  for (size_t i = 0; i < a.pools.size(); ++i) {
    CHECK(a.pools[i].name == b.pools[i].name);
    CHECK(a.pools[i].kind == b.pools[i].kind);
    CHECK(a.pools[i].size == b.pools[i].size);
    CHECK(a.pools[i].blocks == b.pools[i].blocks);
  }
  CHECK(a.globals == b.globals);
  REQUIRE(a.externs.size() == b.externs.size());
  for (size_t i = 0; i < a.externs.size(); ++i) {
    CHECK(a.externs[i].name == b.externs[i].name);
    CHECK(a.externs[i].arity == b.externs[i].arity);
  }
  REQUIRE(a.constants.size() == b.constants.size());
  for (size_t i = 0; i < a.constants.size(); ++i) {
    CHECK(a.constants[i].kind == b.constants[i].kind);
    CHECK(format_constant(a.constants[i]) == format_constant(b.constants[i]));
  }
  REQUIRE(a.functions.size() == b.functions.size());
  for (size_t i = 0; i < a.functions.size(); ++i) {
    CHECK(a.functions[i].name == b.functions[i].name);
    CHECK(a.functions[i].arity == b.functions[i].arity);
    CHECK(a.functions[i].num_locals == b.functions[i].num_locals);
    CHECK(a.functions[i].local_names == b.functions[i].local_names);
    CHECK(a.functions[i].start == b.functions[i].start);
    CHECK(a.functions[i].end == b.functions[i].end);
  }
  REQUIRE(a.code.size() == b.code.size());
  for (size_t pc = 0; pc < a.code.size(); ++pc) {
    CHECK(a.code[pc].op == b.code[pc].op);
    CHECK(a.code[pc].a == b.code[pc].a);
  }
}

const std::filesystem::path kSource = POOLVM_SOURCE_DIR;

}  // namespace

TEST_CASE("golden disassembly of a program that uses every instruction") {
  auto dir = kSource / "tests/compiler/golden";
  Module m = must_assemble(read(dir / "every_op.pasm"), "every_op.pasm");
  CHECK(disassemble(m) == read(dir / "every_op.dis"));
  // Every source instruction of the table appears in it.
  for (int op = 0; op < kNumOps; ++op) {
    if (kOpInfo[op].flags & kFused) continue;  // made by the VM, never in a module
    bool used = false;
    for (const Instr& in : m.code) used = used || static_cast<int>(in.op) == op;
    CHECK_MESSAGE(used, kOpInfo[op].mnemonic);
  }
}

TEST_CASE("dis output reassembles to the same module, for every program") {
  std::vector<std::filesystem::path> files{kSource / "tests/compiler/golden/every_op.pasm"};
  for (const auto& e : std::filesystem::directory_iterator(kSource / "programs"))
    if (e.path().extension() == ".pasm") files.push_back(e.path());
  CHECK(files.size() >= 8);
  for (const auto& f : files) {
    CAPTURE(f);
    Module a = must_assemble(read(f), f.filename().string());
    std::string text = disassemble(a);
    Module b = must_assemble(text, "dis.pasm");
    check_same(a, b);
    CHECK(disassemble(b) == text);
    CHECK(verify(a).empty());
    CHECK(verify(b).empty());
  }
}

TEST_CASE("a module without names disassembles with generated names that reassemble") {
  Module m = must_assemble(".func f x\n.local y\n load x\n jz z\n load 1\n ret\nz:\n load x\n ret\n.end\n"
                           ".func main\n push 0\n call f\n ret\n.end\n",
                           "n.pasm");
  m.labels.clear();
  for (auto& f : m.functions) f.local_names.clear();
  std::string text = disassemble(m);
  CHECK(text ==
        ".func f p0\n.local l1\n    load p0\n    jz L4\n    load l1\n    ret\nL4:\n    load p0\n    ret\n.end\n\n"
        ".func main\n    push 0\n    call f\n    ret\n.end\n");
  Module back = must_assemble(text, "n2.pasm");
  CHECK(back.code.size() == m.code.size());
}

TEST_CASE("constants print as literals that read back exactly") {
  CHECK(format_constant(Constant{Constant::Kind::Int, false, INT64_MIN, 0, ""}) == "-9223372036854775808");
  CHECK(format_constant(Constant{Constant::Kind::Float, false, 0, 2.0, ""}) == "2.0");
  CHECK(format_constant(Constant{Constant::Kind::Float, false, 0, 0.1, ""}) == "0.1");
  CHECK(format_constant(Constant{Constant::Kind::Float, false, 0, 1e100, ""}) == "1e+100");
  CHECK(format_constant(Constant{Constant::Kind::Str, false, 0, 0, std::string("a\0b\x7f\"", 5)}) == "\"a\\0b\\x7f\\\"\"");
}
