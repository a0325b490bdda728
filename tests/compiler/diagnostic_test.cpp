// tests/compiler/diagnostic_test.cpp — the clang-style rendering of diagnostics.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "compiler/assembler.h"
#include "compiler/diagnostic.h"

using namespace poolvm;

TEST_CASE("render: the spec's example, exactly") {
  std::string source;
  for (int i = 1; i < 12; ++i) source += ".func f\n";
  source += "    lod n\n";
  Diagnostic d{"prog.pasm", 12, 5, 3, "unknown instruction 'lod' (did you mean 'load'?)"};
  CHECK(render_diagnostic(d, source) ==
        "prog.pasm:12:5: error: unknown instruction 'lod' (did you mean 'load'?)\n"
        "   12 |     lod n\n"
        "      |     ^~~\n");
}

TEST_CASE("render: what assemble reports for a typo") {
  std::string source = ".func main\n    lod 0\n.end\n";
  auto r = assemble(source, "prog.pasm");
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(render_diagnostic(r.diagnostics[0], source) ==
        "prog.pasm:2:5: error: unknown instruction 'lod' (did you mean 'load'?)\n"
        "    2 |     lod 0\n"
        "      |     ^~~\n");
}

TEST_CASE("render: tabs before the column are kept so the caret lines up") {
  std::string source = "\tpush\t\"a\\q\"\n";
  Diagnostic d{"t.pasm", 1, 9, 2, "bad escape"};
  CHECK(render_diagnostic(d, source) ==
        "t.pasm:1:9: error: bad escape\n"
        "    1 | \tpush\t\"a\\q\"\n"
        "      | \t    \t  ^~\n");
}

TEST_CASE("render: no line, no column, no source") {
  CHECK(render_diagnostic({"m.pbc", 0, 0, 1, "bad magic"}, "x") == "m.pbc: error: bad magic\n");
  CHECK(render_diagnostic({"p.pasm", 3, 0, 1, "in function 'f'"}, "a\nb\nc\n") ==
        "p.pasm:3: error: in function 'f'\n");
  // Line and column but no source text: no quote.
  CHECK(render_diagnostic({"p.pasm", 1, 2, 1, "oops"}, "") == "p.pasm:1:2: error: oops\n");
  // A line past the end of the source: no quote either.
  CHECK(render_diagnostic({"p.pasm", 9, 1, 1, "oops"}, "a\nb\n") == "p.pasm:9:1: error: oops\n");
  CHECK(render_diagnostic({"", 0, 0, 1, "bare"}, "") == "error: bare\n");
}

TEST_CASE("render: wide line numbers widen the gutter; CR is dropped") {
  std::string source;
  for (int i = 1; i < 123456; ++i) source += "\n";
  source += "nop x\r\n";
  Diagnostic d{"p.pasm", 123456, 5, 1, "extra"};
  CHECK(render_diagnostic(d, source) ==
        "p.pasm:123456:5: error: extra\n"
        "123456 | nop x\n"
        "       |     ^\n");
}

TEST_CASE("render: the underline never runs past the end of the line") {
  std::string source = "abc\n";
  CHECK(render_diagnostic({"p", 1, 2, 100, "m"}, source) == "p:1:2: error: m\n    1 | abc\n      |  ^~\n");
  // A column just past the end (a missing operand) points there.
  CHECK(render_diagnostic({"p", 1, 4, 1, "m"}, source) == "p:1:4: error: m\n    1 | abc\n      |    ^\n");
  // An absurd column (from a corrupt module) is clamped instead of allocating.
  CHECK(render_diagnostic({"p", 1, 4000000000u, 4000000000u, "m"}, source) ==
        "p:1:4000000000: error: m\n    1 | abc\n      |    ^\n");
}

TEST_CASE("render: control bytes are shown as spaces; UTF-8 takes one column per character") {
  std::string source = std::string("a\0b \xc3\xa9 x", 8) + "\n";
  // 'x' is byte 8 (column 8); on screen it is the 7th character.
  Diagnostic d{"p", 1, 8, 1, "m"};
  CHECK(render_diagnostic(d, source) ==
        "p:1:8: error: m\n"
        "    1 | a b \xc3\xa9 x\n"
        "      |       ^\n");
}

TEST_CASE("render_diagnostics: every diagnostic, then a count of the rest") {
  std::string source = "a\nb\nc\n";
  std::vector<Diagnostic> ds = {
      {"p", 1, 1, 1, "one"}, {"p", 2, 1, 1, "two"}, {"p", 3, 1, 1, "three"}};
  CHECK(render_diagnostics(ds, source) ==
        "p:1:1: error: one\n    1 | a\n      | ^\n"
        "p:2:1: error: two\n    2 | b\n      | ^\n"
        "p:3:1: error: three\n    3 | c\n      | ^\n");
  CHECK(render_diagnostics(ds, source, 1) ==
        "p:1:1: error: one\n    1 | a\n      | ^\n"
        "error: 2 more errors not shown\n");
  CHECK(render_diagnostics(ds, source, 2) ==
        "p:1:1: error: one\n    1 | a\n      | ^\n"
        "p:2:1: error: two\n    2 | b\n      | ^\n"
        "error: 1 more error not shown\n");
  CHECK(render_diagnostics({}, source) == "");
}

TEST_CASE("add_columns: a verifier error points at the line's instruction, after a label") {
  const std::string source = ".func main\n    push 1\nloop:   add ; two\n    ret\n.end\n";
  std::vector<Diagnostic> ds = {{"v.pasm", 3, 0, 1, "stack underflow"}, {"v.pasm", 2, 0, 1, "x"},
                                {"v.pasm", 0, 0, 1, "no line"}, {"v.pasm", 4, 7, 2, "has a column"}};
  add_columns(ds, source);
  CHECK(ds[0].column == 9);
  CHECK(ds[0].length == 3);
  CHECK(ds[1].column == 5);
  CHECK(ds[1].length == 4);
  CHECK(ds[2].column == 0);  // nothing to point at
  CHECK(ds[3].column == 7);  // an assembler's column stays
  CHECK(render_diagnostic(ds[0], source) ==
        "v.pasm:3:9: error: stack underflow\n    3 | loop:   add ; two\n      |         ^~~\n");
  // A line past the end of the text, or one with only a comment, keeps no column.
  std::vector<Diagnostic> none = {{"v.pasm", 40, 0, 1, "far"}, {"v.pasm", 1, 0, 1, "c"}};
  add_columns(none, "   ; just a comment\n");
  CHECK(none[0].column == 0);
  CHECK(none[1].column == 0);
}
