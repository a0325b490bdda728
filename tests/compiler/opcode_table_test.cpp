// tests/compiler/opcode_table_test.cpp — the instruction table is consistent.
#include <doctest/doctest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <vector>
#include <string>

#include "compiler/opcodes.h"

using namespace poolvm;

TEST_CASE("source mnemonics are unique and internal ones shadow a source one") {
  std::set<std::string_view> source;
  for (const auto& info : kOpInfo)
    if (!(info.flags & kInternal)) CHECK(source.insert(info.mnemonic).second);
  for (const auto& info : kOpInfo)
    if (info.flags & kInternal) CHECK(source.count(info.mnemonic) == 1);
}

TEST_CASE("stack effects are fixed except for calls") {
  for (const auto& info : kOpInfo) {
    bool call = info.operand == OperandKind::Func || info.operand == OperandKind::Extern;
    CHECK((info.pops == kVar) == call);
    CHECK(info.pops >= kVar);
    CHECK(info.pushes <= 3);
  }
  CHECK(op_info(Op::Over).pops == 2);
  CHECK(op_info(Op::Over).pushes == 3);
  CHECK((op_info(Op::Jmp).flags & kEnd) != 0);
  CHECK((op_info(Op::Jz).flags & kEnd) == 0);
}

TEST_CASE("opcode numbers are unique, dense and pinned as released") {
  std::set<int> numbers;
  for (int i = 0; i < kNumOps; ++i) numbers.insert(static_cast<int>(static_cast<Op>(i)));
  CHECK(numbers.size() == static_cast<size_t>(kNumOps));
  CHECK(*numbers.rbegin() == kNumOps - 1);
  // Every number released keeps its instruction; new rows may only append.
  std::ifstream golden(std::string(POOLVM_SOURCE_DIR) + "/tests/compiler/golden/opcode_numbers.txt");
  REQUIRE(golden);
  std::string line;
  int released = 0;
  while (std::getline(golden, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    int number = -1;
    std::string name;
    fields >> number >> name;
    CAPTURE(line);
    REQUIRE(number >= 0);
    REQUIRE(number < kNumOps);
    CHECK(kOpInfo[number].name == name);
    CHECK(number == released++);
  }
  CHECK(released > 0);
}

TEST_CASE("superinstructions declare sequences of plain instructions, each sequence once") {
  std::set<std::vector<Op>> seen;
  for (int i = 0; i < kNumOps; ++i) {
    const OpSequence& seq = fused_sequence(static_cast<Op>(i));
    CHECK((seq.length > 0) == ((kOpInfo[i].flags & kFused) != 0));
    if (seq.length == 0) continue;
    CHECK(seq.length >= 2);
    CHECK(seen.insert(std::vector<Op>(seq.ops, seq.ops + seq.length)).second);
    // The row looks like its first instruction from outside.
    CHECK(kOpInfo[i].mnemonic == op_info(seq.ops[0]).mnemonic);
    CHECK(kOpInfo[i].operand == op_info(seq.ops[0]).operand);
  }
}
