// tests/compiler/names_test.cpp — spec §14 in the assembler: `.const` and
// named record fields, what they assemble to (the same code as numbers and
// literals, plus the names kept for dis and traces), and every diagnostic
// with its exact position.
#include <doctest/doctest.h>

#include <fmt/format.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "compiler/assembler.h"
#include "compiler/verifier.h"
#include "runtime/value.h"

using namespace poolvm;

namespace {

Module ok(std::string_view src) {
  auto r = assemble(src, "t.pasm");
  for (const auto& d : r.diagnostics) FAIL_CHECK(d.line << ":" << d.column << ": " << d.message);
  REQUIRE(r.ok());
  CHECK(verify(*r.module).empty());
  return std::move(*r.module);
}

// Every diagnostic as "LINE:COL+LEN: MESSAGE".
std::vector<std::string> errors(std::string_view src) {
  auto r = assemble(src, "t.pasm");
  CHECK(!r.ok());
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics) out.push_back(fmt::format("{}:{}+{}: {}", d.line, d.column, d.length, d.message));
  return out;
}

// The one diagnostic of `top` lines followed by a main holding `body`.
std::string error_with(std::string_view top, std::string_view body) {
  auto es = errors(fmt::format("{}\n.func main\n{}\n  push 0\n  ret\n.end\n", top, body));
  REQUIRE(es.size() == 1);
  return es[0];
}

// A main of `body` then `push 0; ret`, after `top`.
Module program(std::string_view top, std::string_view body) {
  return ok(fmt::format("{}\n.func main\n{}\n  push 0\n  ret\n.end\n", top, body));
}

}  // namespace

TEST_CASE("push NAME assembles to the constant's literal, shared with the same literal written out") {
  Module named = program(".const LIMIT 100\n.const PI 3.25\n.const GREETING \"hi\\n\"\n.const YES true\n.const NONE nil",
                         "  push LIMIT\n  pop\n  push 100\n  pop\n  push PI\n  pop\n  push GREETING\n  pop\n"
                         "  push YES\n  pop\n  push NONE\n  pop");
  Module plain = program("", "  push 100\n  pop\n  push 100\n  pop\n  push 3.25\n  pop\n  push \"hi\\n\"\n  pop\n"
                             "  push true\n  pop\n  push nil\n  pop");
  CHECK(named.constants == plain.constants);
  REQUIRE(named.code.size() == plain.code.size());
  for (size_t pc = 0; pc < named.code.size(); ++pc) {
    CHECK(named.code[pc].op == plain.code[pc].op);
    CHECK(named.code[pc].a == plain.code[pc].a);
  }
  REQUIRE(named.named_constants.size() == 5);
  CHECK(named.named_constants[0].name == "LIMIT");
  CHECK(named.named_constants[0].value.i == 100);
  CHECK(named.named_constants[2].value.s == "hi\n");
  // Only the pushes written with a name are named; `push 100` stays a number.
  std::vector<uint32_t> pcs;
  for (const OperandName& o : named.operand_names) {
    CHECK(o.kind == OperandName::Kind::Constant);
    pcs.push_back(o.pc);
  }
  CHECK(pcs == std::vector<uint32_t>{0, 4, 6, 8, 10});
  CHECK(named.operand_names[1].index == 1);
  CHECK(plain.named_constants.empty());
  CHECK(plain.operand_names.empty());
}

TEST_CASE("an int constant stands for slot numbers, pool sizes and extern arities") {
  Module m = ok(".const TWO 2\n.const ONE 1\n.const CAP 40\n.pool pair slots=TWO blocks=CAP\n"
                ".pool str bytes=CAP blocks=CAP\n.extern tick ONE\n"
                ".func main\n.local p\n  pool_malloc pair\n  store p\n  load p\n  push 5\n  setf ONE\n"
                "  load p\n  getf ONE\n  pop\n  push 0\n  ret\n.end\n");
  REQUIRE(m.pools.size() == 5);
  CHECK(m.pools[4].size == 2);
  CHECK(m.pools[4].blocks == 40);
  CHECK(m.pools[kStrPool].size == 40);
  CHECK(m.externs[0].arity == 1);
  CHECK(m.code[4].op == Op::SetF);
  CHECK(m.code[4].a == 1);
  CHECK(m.code[6].a == 1);
  // The slot uses are named (dis spells them back); pool sizes keep no name.
  REQUIRE(m.operand_names.size() == 2);
  CHECK(m.operand_names[0].pc == 4);
  CHECK(m.operand_names[0].index == 1);
  CHECK(m.operand_names[1].pc == 6);
}

TEST_CASE("fields= names the slots in order; POOL.FIELD is the slot number, and numbers still work") {
  // The pool is declared after its first use, like every other top-level name.
  Module m = ok(".func main\n.local b\n  pool_malloc body\n  store b\n  load b\n  push 2.5\n  setf body.mass\n"
                "  load b\n  getf body.y\n  pop\n  load b\n  getf 3\n  pop\n  push 0\n  ret\n.end\n"
                ".pool body fields=x,y,z,mass blocks=5\n");
  REQUIRE(m.pools.size() == 5);
  CHECK(m.pools[4].size == 4);
  CHECK(m.pools[4].blocks == 5);
  REQUIRE(m.field_names.size() == m.pools.size());
  CHECK(m.field_names[4] == std::vector<std::string>{"x", "y", "z", "mass"});
  CHECK(m.fields_of(0).empty());
  CHECK(m.code[4].a == 3);
  CHECK(m.code[6].a == 1);
  CHECK(m.code[9].a == 3);
  REQUIRE(m.operand_names.size() == 2);
  CHECK(m.operand_names[0] == OperandName{OperandName::Kind::Field, 4, 4});
  CHECK(m.operand_names[1] == OperandName{OperandName::Kind::Field, 6, 4});
  CHECK(m.operand_name_at(9) == nullptr);
}

TEST_CASE("constant and field names are kept sorted by pc even when fields resolve after the last line") {
  Module m = program(".const S 0\n.pool p fields=a,b blocks=1",
                     ".local r\n  pool_malloc p\n  store r\n  load r\n  getf p.b\n  pop\n  load r\n  getf S\n  pop");
  REQUIRE(m.operand_names.size() == 2);
  CHECK(m.operand_names[0].kind == OperandName::Kind::Field);
  CHECK(m.operand_names[1].kind == OperandName::Kind::Constant);
  CHECK(m.operand_names[0].pc < m.operand_names[1].pc);
}

TEST_CASE(".const diagnostics") {
  CHECK(errors(".func main\n.const X 1\n  push 0\n  ret\n.end\n") ==
        std::vector<std::string>{"2:1+6: '.const' inside function 'main'; declare it outside functions"});
  CHECK(errors(".const\n") == std::vector<std::string>{"1:1+6: '.const' needs a constant name"});
  CHECK(errors(".const X\n") == std::vector<std::string>{"1:1+6: '.const' needs a name and a literal"});
  CHECK(errors(".const 9X 1\n") == std::vector<std::string>{"1:8+2: expected a constant name, found '9X'"});
  CHECK(errors(".const X 1 2\n") == std::vector<std::string>{"1:12+1: '.const' takes a name and a literal; unexpected '2'"});
  CHECK(errors(".const nil 1\n") == std::vector<std::string>{"1:8+3: 'nil' is a literal and cannot name a constant"});
  CHECK(errors(".const inf 1\n") == std::vector<std::string>{"1:8+3: 'inf' is a literal and cannot name a constant"});
  CHECK(errors(".const X Y\n") ==
        std::vector<std::string>{"1:10+1: expected a literal (int, float, string, true, false or nil), found 'Y'"});
  CHECK(errors(".const X 1e999\n") == std::vector<std::string>{"1:10+5: float literal '1e999' out of range"});
  CHECK(errors(".const X 1\n.const X 2\n") ==
        std::vector<std::string>{"2:8+1: duplicate constant 'X' (first defined on line 1)"});
}

TEST_CASE("unknown constants, constants used too early, and constants where their type cannot go") {
  CHECK(error_with(".const LIMIT 5", "  push LIMT\n  pop") == "3:8+4: unknown constant 'LIMT' (did you mean 'LIMIT'?)");
  CHECK(error_with("", "  push True\n  pop") == "3:8+4: unknown constant 'True' (did you mean 'true'?)");
  CHECK(errors(".func main\n  push LATE\n  ret\n.end\n.const LATE 0\n") ==
        std::vector<std::string>{"2:8+4: constant 'LATE' is used before its definition on line 5"});
  CHECK(errors(".pool p slots=1 blocks=N\n.const N 3\n.func main\n  push 0\n  ret\n.end\n") ==
        std::vector<std::string>{"1:24+1: constant 'N' is used before its definition on line 2"});
  CHECK(error_with(".const PI 3.5\n.pool p slots=1 blocks=1", ".local r\n  load r\n  getf PI\n  pop") ==
        "6:8+2: constant 'PI' is a float, but a slot number must be an int 0..16777215");
  CHECK(error_with(".const NEG -1", ".local r\n  load r\n  push 1\n  setf NEG") ==
        "6:8+3: constant 'NEG' is -1, out of range for a slot number (0..16777215)");
  CHECK(errors(".const S \"x\"\n.pool p slots=1 blocks=S\n.func main\n  push 0\n  ret\n.end\n") ==
        std::vector<std::string>{"2:24+1: constant 'S' is a string, but 'blocks=' must be an int 0..4294967294"});
  CHECK(errors(".const Z 0\n.pool p slots=Z blocks=1\n.func main\n  push 0\n  ret\n.end\n") ==
        std::vector<std::string>{"2:15+1: constant 'Z' is 0, out of range for 'slots=' (1..16777216)"});
  CHECK(errors(".const F false\n.extern e F\n.func main\n  push 0\n  ret\n.end\n") ==
        std::vector<std::string>{"2:11+1: constant 'F' is a bool, but an extern arity must be an int 0..65535"});
  CHECK(error_with(".const N nil", ".local r\n  load r\n  getf N\n  pop") ==
        "5:8+1: constant 'N' is nil, but a slot number must be an int 0..16777215");
  // Constants never stand for locals: `load N` means the local named N.
  CHECK(error_with(".const N 0", ".local r\n  load N\n  pop") ==
        "4:8+1: unknown local 'N' in function 'main' ('N' is a constant; name a local by its own name or its index)");
}

TEST_CASE("fields= diagnostics") {
  auto one = [](std::string_view pool_line) {
    auto es = errors(fmt::format("{}\n.func main\n  push 0\n  ret\n.end\n", pool_line));
    REQUIRE(es.size() == 1);
    return es[0];
  };
  CHECK(one(".pool p fields=x,y,x blocks=1") == "1:20+1: duplicate field 'x' of pool 'p' (slot 0)");
  CHECK(one(".pool p fields=x,,y blocks=1") == "1:18+1: empty field name in 'fields='");
  CHECK(one(".pool p blocks=1 fields=x,") == "1:27+1: empty field name in 'fields='");
  CHECK(one(".pool p fields=x, y blocks=1") == "1:18+1: blank in a field list; write the fields as 'fields=a,b,c'");
  CHECK(one(".pool p fields=x,2y blocks=1") == "1:18+2: invalid field name '2y'");
  CHECK(one(".pool p fields=\"x\" blocks=1") == "1:16+3: 'fields=' must be a list of field names, found a string");
  CHECK(one(".pool p slots=2 fields=a,b blocks=1") == "1:17+6: pool 'p' takes 'slots=' or 'fields=', not both");
  CHECK(one(".pool p fields=a fields=b blocks=1") == "1:18+6: duplicate key 'fields='");
  CHECK(one(".pool p fields=a,b") == "1:7+1: record pool 'p' needs 'blocks='");
  CHECK(one(".pool cons fields=car,cdr") == "1:12+6: pool 'cons' does not take 'fields=' (it takes 'blocks=')");
  CHECK(one(".pool frame fields=a blocks=1") ==
        "1:13+6: pool 'frame' does not take 'fields=' (it takes 'slots=' and 'blocks=')");
  CHECK(one(".pool p flelds=a blocks=1") == "1:9+6: unknown .pool key 'flelds' (did you mean 'fields'?)");
}

TEST_CASE("POOL.FIELD diagnostics: unknown field, a field of another pool, unnamed slots, unknown pool") {
  const std::string pools = ".pool tree fields=left,right,key blocks=4\n.pool body fields=x,mass blocks=2\n"
                            ".pool node slots=2 blocks=2";
  auto in_main = [&](std::string_view instr) { return error_with(pools, fmt::format(".local r\n  load r\n{}\n  pop", instr)); };
  CHECK(in_main("  getf tree.lft") == "7:13+3: unknown field 'lft' of pool 'tree' (did you mean 'left'?)");
  CHECK(in_main("  getf tree.mass") == "7:13+4: 'mass' is a field of pool 'body', not of 'tree'");
  CHECK(in_main("  getf node.next") == "7:8+4: pool 'node' has no field names (declare them with '.pool node fields=...')");
  CHECK(in_main("  getf cons.car") == "7:8+4: pool 'cons' has no field names (declare them with '.pool cons fields=...')");
  CHECK(in_main("  getf bdy.mass") == "7:8+3: unknown pool 'bdy' (did you mean 'body'?)");
  CHECK(in_main("  getf mass") == "7:8+4: unknown constant 'mass' (did you mean 'body.mass'?)");
  CHECK(in_main("  getf tree.left.key") ==
        "7:8+13: expected a slot number, an int constant or POOL.FIELD, found 'tree.left.key'");
  CHECK(in_main("  getf .left") == "7:8+5: expected a slot number, an int constant or POOL.FIELD, found '.left'");
}

TEST_CASE("every error of a file is reported, names included, in line order") {
  // A pool whose field list is bad is not reported again at each use.
  auto es = errors(".const AB 1\n.const AB 2\n.pool p fields=a,a blocks=1\n.func main\n  push AC\n  getf p.c\n"
                   "  getf q.c\n  ret\n.end\n");
  CHECK(es == std::vector<std::string>{"2:8+2: duplicate constant 'AB' (first defined on line 1)",
                                       "3:18+1: duplicate field 'a' of pool 'p' (slot 0)",
                                       "5:8+2: unknown constant 'AC' (did you mean 'AB'?)",
                                       "7:8+1: unknown pool 'q'"});
}

TEST_CASE("the fuzzers' seeds (programs/ and tests/compiler/golden/) hold both directives") {
  // tests/fuzz/run_fuzzers.sh seeds from these folders; without a seed that
  // uses .const and fields=, mutations would rarely reach their code.
  const std::filesystem::path src = POOLVM_SOURCE_DIR;
  bool consts = false, fields = false, field_access = false;
  for (const auto* dir : {"programs", "tests/compiler/golden"})
    for (const auto& e : std::filesystem::directory_iterator(src / dir)) {
      if (e.path().extension() != ".pasm") continue;
      std::ifstream in(e.path());
      std::stringstream ss;
      ss << in.rdbuf();
      const std::string text = ss.str();
      consts = consts || text.find("\n.const ") != std::string::npos;
      fields = fields || text.find(" fields=") != std::string::npos;
      field_access = field_access || text.find("getf tree.") != std::string::npos ||
                     text.find("setf node.") != std::string::npos;
    }
  CHECK(consts);
  CHECK(fields);
  CHECK(field_access);
}
