// tests/vm/arith_test.cpp — arithmetic, comparison and printed forms of numbers.
#include <doctest/doctest.h>

#include "run_helpers.h"

namespace {
std::string eval(const std::string& body) {
  Ran r = run_text(main_of(body + "\n print\n push 0\n ret"));
  REQUIRE_MESSAGE(r.loaded, r.error);
  REQUIRE_MESSAGE(r.status == 0, r.error);
  return r.out;
}
std::string fails(const std::string& body) {
  Ran r = run_text(main_of(body + "\n print\n push 0\n ret"));
  REQUIRE_MESSAGE(r.loaded, r.error);
  CHECK(r.status == 70);
  return r.error;
}
}  // namespace

TEST_CASE("int arithmetic wraps and divides toward zero") {
  CHECK(eval("push 0x7fffffffffffffff\n push 1\n add") == "-9223372036854775808\n");
  CHECK(eval("push -9223372036854775808\n push 1\n sub") == "9223372036854775807\n");
  CHECK(eval("push -9223372036854775808\n push -1\n div") == "-9223372036854775808\n");
  CHECK(eval("push -9223372036854775808\n push -1\n mod") == "0\n");
  CHECK(eval("push -7\n push 2\n div") == "-3\n");
  CHECK(eval("push -7\n push 2\n mod") == "-1\n");
  CHECK(eval("push 7\n push -2\n mod") == "1\n");
  CHECK(eval("push 3037000500\n push 3037000500\n mul") == "-9223372036709301616\n");
  CHECK(eval("push -9223372036854775808\n neg") == "-9223372036854775808\n");
}

TEST_CASE("bit operations take shift counts mod 64") {
  CHECK(eval("push 1\n push 65\n shl") == "2\n");
  CHECK(eval("push -16\n push 2\n shr") == "-4\n");
  CHECK(eval("push 0\n bnot") == "-1\n");
  CHECK(eval("push 12\n push 10\n bxor") == "6\n");
  CHECK(eval("push 12\n push 10\n bor") == "14\n");
}

TEST_CASE("floats print in the shortest form that reads back, always looking like floats") {
  CHECK(eval("push 2.0") == "2.0\n");
  CHECK(eval("push 0.1") == "0.1\n");
  CHECK(eval("push 1e100") == "1e+100\n");
  CHECK(eval("push 1.0\n push 0.0\n div") == "inf\n");
  CHECK(eval("push -1.0\n push 0.0\n div") == "-inf\n");
  CHECK(eval("push 0.0\n push 0.0\n div") == "nan\n");
  CHECK(eval("push 10\n push 4.0\n div") == "2.5\n");
  CHECK(eval("push -2.0e3") == "-2000.0\n");
  CHECK(eval("push 9\n sqrt") == "3.0\n");
  CHECK(eval("push 3\n itof") == "3.0\n");
  CHECK(eval("push -7.9\n ftoi") == "-7\n");
}

TEST_CASE("comparisons across ints and floats, strings by content") {
  CHECK(eval("push 1\n push 1.0\n eq") == "true\n");
  CHECK(eval("push 1\n push \"1\"\n eq") == "false\n");
  CHECK(eval("push nil\n push nil\n eq") == "true\n");
  CHECK(eval("push true\n push false\n ne") == "true\n");
  CHECK(eval("push \"abc\"\n push \"abd\"\n lt") == "true\n");
  CHECK(eval("push \"ab\"\n push \"abc\"\n lt") == "true\n");
  CHECK(eval("push 2\n push 2.5\n ge") == "false\n");
  CHECK(eval("push 0\n not") == "true\n");
  CHECK(eval("push \"\"\n not") == "false\n");
}

TEST_CASE("arithmetic errors are runtime errors with the line") {
  CHECK(fails("push 1\n push 0\n div").find("error: division by zero\n  at main (t.pasm:4)") != std::string::npos);
  CHECK(fails("push 1\n push 0\n mod").find("division by zero") != std::string::npos);
  CHECK(fails("push 1\n push \"x\"\n add").find("type error: 'add' expects numbers, got int and string") !=
        std::string::npos);
  CHECK(fails("push 1.5\n push 1\n mod").find("type error") != std::string::npos);
  CHECK(fails("push 1e300\n ftoi").find("range error") != std::string::npos);
  CHECK(fails("push 0.0\n push 0.0\n div\n ftoi").find("nan") != std::string::npos);
  CHECK(fails("push 1\n push \"a\"\n lt").find("type error") != std::string::npos);
}

TEST_CASE("superinstructions take their int fast paths and fall back for other types") {
  // Each sequence below is fused by the VM (load+push+add/sub, load+push,
  // compare+jz/jnz, load+jz/jnz); the non-int cases take the fallback path.
  auto run = [](const std::string& x) {
    return run_text(main_of("push " + x + "\n store x\n load x\n push 1\n add\n print\n load x\n push 1\n sub\n print\n"
                            " load x\n push 2\n lt\n jz big\n push \"small\"\n print\nbig:\n load x\n push 2\n ge\n jnz done\n"
                            " push \"lt2\"\n print\ndone:\n load x\n jz zero\n push \"nonzero\"\n print\nzero:\n"
                            " load x\n push 1\n eq\n jnz one\n push 0\n ret\none:\n push 1\n ret",
                            "x"));
  };
  Ran i = run("1");
  CHECK(i.out == "2\n0\nsmall\nlt2\nnonzero\n");
  CHECK(i.status == 1);
  Ran f = run("1.5");
  CHECK(f.out == "2.5\n0.5\nsmall\nlt2\nnonzero\n");
  CHECK(f.status == 0);
  Ran z = run("0");
  CHECK(z.out == "1\n-1\nsmall\nlt2\n");
  Ran s = run("\"s\"");
  CHECK(s.status == 70);
  CHECK(s.error.find("type error: 'add' expects numbers, got string and int\n  at main (t.pasm:7)") != std::string::npos);
  Ran c = run_text(main_of("push \"a\"\n push \"b\"\n lt\n jz no\n push 7\n ret\nno:\n push 8\n ret"));
  CHECK(c.status == 7);
}
