// tests/compiler/opcode_table_test.cpp — the instruction table is consistent.
#include <doctest/doctest.h>

#include <set>
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
