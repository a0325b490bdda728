// tests/vm/memory_test.cpp — pools as the program sees them: cons, records,
// strings across blocks, frames, and every misuse reported as an error.
#include <doctest/doctest.h>

#include "run_helpers.h"

namespace {
Ran ok(const std::string& program, poolvm::Config config = {}) {
  Ran r = run_text(program, config);
  REQUIRE_MESSAGE(r.loaded, r.error);
  REQUIRE_MESSAGE(r.status == 0, r.error);
  return r;
}
}  // namespace

TEST_CASE("cons lists print as lists and dotted pairs") {
  CHECK(ok(main_of("push 1\n push 2\n push nil\n cons\n cons\n print\n push 0\n ret")).out == "(1 2)\n");
  CHECK(ok(main_of("push 1\n push 2\n cons\n print\n push 0\n ret")).out == "(1 . 2)\n");
  CHECK(ok(main_of("push 1\n push nil\n cons\n push nil\n cons\n print\n push 0\n ret")).out == "((1))\n");
  CHECK(ok(main_of("push \"a\"\n push 2.5\n cons\n print\n push 0\n ret")).out == "(a . 2.5)\n");
}

TEST_CASE("printing a deeply nested structure stops at depth 64") {
  // 70 nested single-element lists: ((((...))))
  std::string body = "push nil\n store x\n push 70\n store i\nloop:\n load i\n jz done\n load x\n push nil\n cons\n"
                     " store x\n load i\n push 1\n sub\n store i\n jmp loop\ndone:\n load x\n print\n push 0\n ret";
  std::string out = ok(main_of(body, "x i")).out;
  CHECK(out == std::string(64, '(') + "..." + std::string(64, ')') + "\n");
}

TEST_CASE("use after free, double free and constant free are located errors") {
  Ran r = run_text(main_of("push 1\n push 2\n cons\n dup\n pool_free\n car\n ret"));
  CHECK(r.status == 70);
  CHECK(r.error == "error: use after free: cons#0 was freed\n  at main (t.pasm:7)\n");
  r = run_text(main_of("push 1\n push 2\n cons\n dup\n pool_free\n pool_free\n push 0\n ret"));
  CHECK(r.error == "error: double free: cons#0 was already freed\n  at main (t.pasm:7)\n");
  r = run_text(main_of("push \"k\"\n pool_free\n push 0\n ret"));
  CHECK(r.error.find("cannot free a string constant") != std::string::npos);
  r = run_text(main_of("push 1\n push 2\n cons\n dup\n pool_free\n print\n push 0\n ret"));
  CHECK(r.error.find("use after free") != std::string::npos);
  r = run_text(main_of("push 1\n push 2\n cons\n dup\n pool_free\n push 0\n setcar\n push 0\n ret"));
  CHECK(r.error.find("use after free") != std::string::npos);
}

TEST_CASE("a reused block does not revive an old reference") {
  Ran r = run_text(main_of("push 1\n push 2\n cons\n store a\n load a\n pool_free\n push 3\n push 4\n cons\n"
                           " store b\n load a\n load b\n eq\n print\n load a\n car\n ret",
                           "a b"));
  CHECK(r.out == "false\n");
  CHECK(r.error.find("use after free: cons#0 was freed") != std::string::npos);
}

TEST_CASE("records: fresh slots are nil, slots are bounds-checked, exhaustion gives nil") {
  std::string prog = ".pool pt slots=2 blocks=1\n" +
                     main_of("pool_malloc pt\n dup\n getf 1\n print\n pool_malloc pt\n print\n"
                             " dup\n len\n print\n push 2\n geti\n ret");
  Ran r = run_text(prog);
  CHECK(r.out == "nil\nnil\n2\n");
  CHECK(r.error.find("index out of range: slot 2 of pt#0 (2 slots)") != std::string::npos);
  CHECK(r.status == 70);
}

TEST_CASE("a one-block record pool serves as a large array") {
  std::string prog = ".pool arr slots=100000 blocks=1\n" +
                     main_of("pool_malloc arr\n store a\n load a\n push 99999\n push 7\n seti\n"
                             " load a\n push 99999\n geti\n print\n load a\n len\n print\n push 0\n ret",
                             "a");
  CHECK(ok(prog).out == "7\n100000\n");
}

TEST_CASE("strings span blocks and come back whole") {
  std::string prog = main_of(
      "pool_used str\n store base\n"
      "push \"0123456789012345678901234567890123456789\"\n push \"abcdefghijklmnopqrstuvwxyz\"\n concat\n store s\n"
      "load s\n len\n print\n pool_used str\n load base\n sub\n print\n"
      "load s\n push 30\n push 15\n substr\n dup\n print\n pool_free\n"
      "load s\n push 65\n byte\n print\n"
      "load s\n pool_free\n pool_used str\n load base\n sub\n print\n push 0\n ret",
      "s base");
  CHECK(ok(prog).out == "66\n3\n0123456789abcde\n122\n0\n");
}

TEST_CASE("string exhaustion is an error naming the pool and leaves the pool intact") {
  poolvm::Config c;
  c.pools.push_back({"str", 3});
  Ran r = run_text(main_of("push \"0123456789012345678901234567890123456789\"\n push \"x\"\n concat\n"
                           " pool_used str\n print\n ret"),
                   c);
  CHECK(r.status == 70);
  CHECK(r.error.find("out of memory: pool 'str' is exhausted") != std::string::npos);
}

TEST_CASE("toint accepts an optional sign and decimal digits only") {
  auto toint = [](const std::string& lit) {
    return ok(main_of("push " + lit + "\n toint\n print\n push 0\n ret")).out;
  };
  CHECK(toint("\"42\"") == "42\n");
  CHECK(toint("\"-9223372036854775808\"") == "-9223372036854775808\n");
  CHECK(toint("\"9223372036854775808\"") == "nil\n");
  CHECK(toint("\"+7\"") == "7\n");
  CHECK(toint("\"\"") == "nil\n");
  CHECK(toint("\"-\"") == "nil\n");
  CHECK(toint("\" 1\"") == "nil\n");
  CHECK(toint("\"1.5\"") == "nil\n");
}

TEST_CASE("frames: depth bounded by the frame pool, tailcall reuses the frame") {
  std::string rec = ".pool frame blocks=10\n.func f n\n load n\n push 1\n add\n call f\n ret\n.end\n" +
                    main_of("push 0\n call f\n ret");
  Ran r = run_text(rec);
  CHECK(r.status == 70);
  CHECK(r.error.find("out of memory: pool 'frame' is exhausted (10 blocks)") != std::string::npos);
  std::string tail = ".pool frame blocks=2\n.func f n\n load n\n jz done\n load n\n push 1\n sub\n tailcall f\n"
                     "done:\n pool_used frame\n ret\n.end\n" +
                     main_of("push 100000\n call f\n print\n push 0\n ret");
  CHECK(ok(tail).out == "2\n");
}

TEST_CASE("the operand stack limit is checked once per call") {
  poolvm::Config c;
  c.stack_values = 8;
  std::string prog = ".func f n\n load n\n load n\n load n\n load n\n add\n add\n add\n ret\n.end\n" +
                     main_of("push 1\n push 2\n push 3\n push 4\n push 5\n push 6\n call f\n pop\n pop\n pop\n pop\n pop\n ret");
  Ran r = run_text(prog, c);
  CHECK(r.status == 70);
  CHECK(r.error.find("stack overflow") != std::string::npos);
}

TEST_CASE("index errors name a record's fields when the program named them") {
  const std::string pools = ".pool body fields=x,y,mass blocks=2\n.pool one fields=only blocks=1\n";
  // getf, setf, geti and seti all take the same cold path.
  for (std::string access : {"getf 3\n pop", "push 0\n setf 3", "push 3\n geti\n pop", "push 3\n push 0\n seti"}) {
    CAPTURE(access);
    Ran r = run_text(pools + main_of("pool_malloc body\n " + access + "\n push 0\n ret"));
    CHECK(r.status == 70);
    CHECK(r.error.find("index out of range: slot 3 of body#0 (fields x..mass)") != std::string::npos);
  }
  Ran r = run_text(pools + main_of("pool_malloc one\n getf 1\n ret"));
  CHECK(r.error.find("index out of range: slot 1 of one#0 (field only)") != std::string::npos);
  // Named access assembles to the slot number, so it reads what numbered access wrote.
  r = run_text(pools + main_of("pool_malloc body\n store b\n load b\n push 9\n setf 2\n load b\n getf body.mass\n"
                               " print\n load b\n push 4\n setf body.y\n load b\n push 1\n geti\n print\n push 0\n ret",
                               "b"));
  CHECK(r.out == "9\n4\n");
  CHECK(r.status == 0);
}

TEST_CASE("byte and substr read long strings built piecewise, front to back and back to front") {
  // Freeing each temporary as the string grows scatters its chain over the
  // pool, so reads go through the cursor as well as through run marks.
  std::string want;
  for (int i = 0; i < 200; ++i) want += std::to_string(i * 7919);
  long sum = 0;
  for (size_t j = 0; j < want.size(); ++j) sum += static_cast<unsigned char>(want[j]) * static_cast<long>(j % 7 + 1);
  std::string prog = main_of(
      "push \"\"\n push 0\n push 0\n substr\n store s\n push 0\n store i\n"
      "grow: load i\n push 7919\n mul\n tostr\n store t\n load s\n load t\n concat\n load s\n pool_free\n store s\n"
      " load t\n pool_free\n load i\n push 1\n add\n dup\n store i\n push 200\n lt\n jnz grow\n"
      "push 0\n store sum\n push 0\n store j\n"
      "fwd: load j\n load s\n len\n lt\n jz back\n load sum\n load s\n load j\n byte\n load j\n push 7\n mod\n push 1\n add\n"
      " mul\n add\n store sum\n load j\n push 1\n add\n store j\n jmp fwd\n"
      "back: load sum\n print\n push 0\n store sum\n load s\n len\n store j\n"
      "down: load j\n jz done\n load j\n push 1\n sub\n store j\n load sum\n load s\n load j\n byte\n load j\n push 7\n"
      " mod\n push 1\n add\n mul\n add\n store sum\n jmp down\n"
      "done: load sum\n print\n load s\n push 300\n push 70\n substr\n print\n"
      "load s\n pool_free\n load s\n push 500\n byte\n print\n push 0\n ret",
      "s t i sum j");
  Ran r = run_text(prog);
  CHECK(r.out == std::to_string(sum) + "\n" + std::to_string(sum) + "\n" + want.substr(300, 70) + "\n");
  CHECK(r.status == 70);
  CHECK(r.error.find("use after free") != std::string::npos);
}
