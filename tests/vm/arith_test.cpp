// tests/vm/arith_test.cpp — arithmetic, comparison and printed forms of numbers.
#include <doctest/doctest.h>

#include <string>
#include <vector>

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

// The plain loop runs fused code, and so does a run with a step limit; a
// traced run (any observer) runs the original instructions. All must print
// the same, end the same, and fail with the same error at the same line,
// whatever the operand types.
static void check_fused_matches_unfused(const std::string& program) {
  CAPTURE(program);
  Ran fused = run_text(program);
  poolvm::Config counted;
  counted.max_steps = 1'000'000;
  Ran fused_counted = run_text(program, counted);
  static poolvm::Observer ignore_all;
  poolvm::Config traced;
  traced.observer = &ignore_all;
  Ran plain = run_text(program, traced);
  REQUIRE(fused.loaded);
  for (const Ran* r : {&fused, &fused_counted}) {
    CHECK(r->out == plain.out);
    CHECK(r->status == plain.status);
    CHECK(r->error == plain.error);
  }
}

TEST_CASE("every superinstruction behaves like the sequence it replaces") {
  // Operand values that take the fast path (ints, live cons) and each way out
  // of it (float, string, nil, a freed cons).
  const std::vector<std::string> values = {"push 5", "push -3", "push 2.5", "push \"s\"", "push nil",
                                           "push 1\n push 2\n cons", "push 1\n push 2\n cons\n dup\n pool_free"};
  // Sequences, with x and y set from the values above.
  const std::vector<std::string> bodies = {
      "load x\n load y\n add\n print",                    // LoadLoad, LoadAdd
      "load x\n load y\n sub\n print",                    // LoadSub
      "load x\n load y\n mul\n print",                    // LoadMul
      "load x\n push 7\n mul\n push 3\n add\n print",     // LoadPush, MulK, AddK
      "load x\n dup\n push 4\n sub\n print\n print",      // SubK
      "load x\n push 4\n mod\n print",                    // ModK
      "load x\n push -1\n mod\n print",                   // not fused: K = -1
      "load x\n load y\n add\n store z\n load z\n print", // AddStore, StoreLoad
      "load x\n dup\n store z\n print\n load z\n print",  // DupStore
      "load x\n push 2\n add\n store x\n load x\n print", // IncLocal
      "load x\n push 2\n sub\n store x\n load x\n print", // DecLocal
      "load x\n car\n print",                             // LoadCar
      "load x\n cdr\n print",                             // LoadCdr
      "load x\n getf 1\n print",                          // LoadGetF
      "load x\n getf 2\n print",                          // LoadGetF out of range
      "load x\n push 3\n lt\n jz a\n push \"lt\"\n print\na:\n load x\n push 3\n ge\n jnz b\n"
      " push \"not ge\"\n print\nb:\n load x\n push 5\n eq\n jz c\n push \"eq\"\n print\nc:\n"
      " load x\n push 5\n ne\n jnz d\n push \"not ne\"\n print\nd:\n load x\n push 0\n le\n jnz e\n"
      " push \"gt0\"\n print\ne:\n load x\n push 0\n gt\n jz f\n push \"pos\"\n print\nf:",  // LoadK*J*
      "load x\n load y\n lt\n jnz g\n push \"not lt\"\n print\ng:",  // LoadLoadLtJnz
      "load x\n load y\n le\n jz a\n push \"le\"\n print\na:\n load x\n load y\n gt\n jnz b\n"
      " push \"not gt\"\n print\nb:\n load x\n load y\n eq\n jz c\n push \"eq\"\n print\nc:\n"
      " load x\n load y\n ne\n jz d\n push \"ne\"\n print\nd:\n load x\n load y\n ge\n jz e\n"
      " push \"ge\"\n print\ne:\n load y\n load x\n lt\n jz f\n push \"y<x\"\n print\nf:\n"
      " load x\n load y\n eq\n jnz g\n push \"not eq\"\n print\ng:\n load x\n load y\n ne\n jnz h\n"
      " push \"not ne\"\n print\nh:\n load x\n load y\n lt\n jz i\n push \"lt\"\n print\ni:\n"
      " load x\n load y\n gt\n jz j\n push \"gt\"\n print\nj:\n load x\n load y\n le\n jnz k\n"
      " push \"not le\"\n print\nk:\n load x\n load y\n ge\n jnz l\n push \"not ge\"\n print\nl:",  // LoadLoad{cmp}{jz,jnz}
      "load x\n load y\n add\n store z\n load z\n print",  // AddLocals
      "load x\n load y\n geti\n print",                     // LoadLoadGetI
      "load x\n load y\n geti\n store z\n load z\n print",  // GetIToLocal
      "load x\n load y\n load x\n seti\n load x\n car\n print\n load x\n cdr\n print",  // SetILocals
      "load x\n push 1\n load y\n seti\n load x\n print\n load x\n cdr\n print",  // LoadSetI
      "load x\n load y\n push 9\n seti\n load x\n car\n print",                   // PushSetI
  };
  for (const std::string& body : bodies) {
    for (const std::string& vx : values) {
      for (const std::string& vy : {values[0], values[1], values[2], values[3], std::string("push 1"), std::string("push 0")}) {
        check_fused_matches_unfused(main_of(vx + "\n store x\n" + vy + "\n store y\n" + body + "\n push 0\n ret",
                                            "x y z"));
      }
    }
  }
  // LoadRet returns a local from a called function; an error two calls deep
  // names the same lines, whichever code (threaded or not) ran.
  for (const std::string& vx : values) {
    check_fused_matches_unfused(".func f x\n load x\n ret\n.end\n" +
                                main_of(vx + "\n call f\n print\n push 0\n ret"));
    check_fused_matches_unfused(".func g x\n load x\n push 1\n add\n ret\n.end\n"
                                ".func f x\n push 0\n pop\n load x\n call g\n ret\n.end\n" +
                                main_of(vx + "\n call f\n print\n push 0\n ret"));
  }
  Ran deep = run_text(".func g x\n load x\n push 1\n add\n ret\n.end\n"
                      ".func f x\n push 0\n pop\n load x\n call g\n ret\n.end\n" +
                      main_of("push \"s\"\n call f\n print\n push 0\n ret"));
  CHECK(deep.error.find("at g (t.pasm:4)\n  at f (t.pasm:11)\n  at main (t.pasm:16)") != std::string::npos);
}

TEST_CASE("a loop of fused instructions gives the same sum as the unfused loop") {
  // loop.pasm's shape, small: sum of i*i mod 7 for i below 1000.
  check_fused_matches_unfused(main_of("push 0\n store i\n push 0\n store s\ntop:\n load s\n load i\n load i\n mul\n"
                                      " push 7\n mod\n add\n store s\n load i\n push 1\n add\n store i\n"
                                      " load i\n push 1000\n lt\n jnz top\n load s\n print\n push 0\n ret",
                                      "i s"));
  CHECK(run_text(main_of("push 0\n store i\n push 0\n store s\ntop:\n load s\n load i\n load i\n mul\n"
                         " push 7\n mod\n add\n store s\n load i\n push 1\n add\n store i\n"
                         " load i\n push 1000\n lt\n jnz top\n load s\n print\n push 0\n ret",
                         "i s"))
            .out == "2001\n");
}

TEST_CASE("len's type error names every type it takes") {
  CHECK(fails("push 3\n len").find("type error: 'len' expects a string, record or cons, got int") != std::string::npos);
  CHECK(fails("push nil\n len").find("expects a string, record or cons, got nil") != std::string::npos);
  CHECK(eval("push \"abc\"\n len") == "3\n");
  CHECK(eval("push 1\n push 2\n cons\n len") == "2\n");
}
