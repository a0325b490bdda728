// tests/vm/api_test.cpp — the public Vm: exit statuses, output, step budget,
// statistics, reset after an error, several VMs side by side.
#include <doctest/doctest.h>

#include "run_helpers.h"

TEST_CASE("exit status: main's int mod 256, 0 for a non-int, halt's code") {
  CHECK(run_text(main_of("push 3\n ret")).status == 3);
  CHECK(run_text(main_of("push 257\n ret")).status == 1);
  CHECK(run_text(main_of("push -1\n ret")).status == 255);
  CHECK(run_text(main_of("push \"x\"\n ret")).status == 0);
  CHECK(run_text(main_of("push 9\n halt")).status == 9);
  Ran r = run_text(main_of("push 1.5\n halt"));
  CHECK(r.status == 70);
  CHECK(r.error.find("type error") != std::string::npos);
}

TEST_CASE("argc and argv give the program's arguments as new strings") {
  Ran r = run_text(main_of("argc\n print\n push 1\n argv\n dup\n print\n pool_free\n push 0\n ret"), {},
                   {"a", "-x", "ccc"});
  CHECK(r.out == "3\n-x\n");
  r = run_text(main_of("push 5\n argv\n ret"), {}, {"a"});
  CHECK(r.error.find("index out of range: argv 5 (1 arguments)") != std::string::npos);
}

TEST_CASE("the step budget stops an endless loop") {
  poolvm::Config c;
  c.max_steps = 100;
  Ran r = run_text(main_of("loop:\n jmp loop"), c);
  CHECK(r.status == 70);
  CHECK(r.error.find("step limit reached: the step budget of 100 instructions") != std::string::npos);
  c.max_steps = 3;
  CHECK(run_text(main_of("push 1\n pop\n push 0\n ret"), c).status == 70);
  c.max_steps = 4;
  CHECK(run_text(main_of("push 1\n pop\n push 0\n ret"), c).status == 0);
}

TEST_CASE("statistics follow allocations; reset empties the pools and runs again") {
  std::string out;
  poolvm::Config c;
  c.output = [&](std::string_view s) { out.append(s); };
  poolvm::Vm vm(c);
  REQUIRE(vm.load_source(main_of("push 1\n push 2\n cons\n push 3\n push 4\n cons\n pool_free\n car\n ret"),
                         "t.pasm"));
  auto stats = vm.pool_statistics();
  REQUIRE(stats.size() == 4);  // cons, str, frame, co
  CHECK(stats[0].name == "cons");
  CHECK(stats[0].in_use == 0);
  poolvm::RunResult r = vm.run_main();
  CHECK(r.ok());
  CHECK(r.exit_status == 1);
  stats = vm.pool_statistics();
  CHECK(stats[0].allocations == 2);
  CHECK(stats[0].frees == 1);
  CHECK(stats[0].in_use == 1);
  CHECK(stats[0].peak == 2);
  CHECK(stats[2].name == "frame");
  CHECK(stats[2].in_use == 0);
  CHECK(stats[2].allocations == 1);
  vm.reset();
  stats = vm.pool_statistics();
  CHECK(stats[0].in_use == 0);
  CHECK(stats[0].allocations == 0);
  CHECK(vm.run_main().exit_status == 1);
}

TEST_CASE("after a runtime error the frames are back and the VM runs again") {
  poolvm::Vm vm;
  REQUIRE(vm.load_source(".func f x\n load x\n push 0\n div\n ret\n.end\n" + main_of("push 1\n call f\n ret"),
                         "t.pasm"));
  poolvm::RunResult r = vm.run_main();
  REQUIRE(r.error);
  CHECK(r.error->kind == "division by zero");
  REQUIRE(r.error->stack.size() == 2);
  CHECK(r.error->stack[0].function == "f");
  CHECK(r.error->stack[0].line == 4);
  CHECK(r.error->stack[1].function == "main");
  CHECK(r.error->stack[1].line == 9);
  CHECK(vm.pool_statistics()[2].in_use == 0);
  vm.reset();
  CHECK(vm.run_main().exit_status == 70);
}

TEST_CASE("two VMs side by side keep separate pools") {
  std::string out1, out2;
  poolvm::Config c1, c2;
  c1.output = [&](std::string_view s) { out1.append(s); };
  c2.output = [&](std::string_view s) { out2.append(s); };
  c2.pools.push_back({"cons", 1});
  poolvm::Vm a(c1), b(c2);
  std::string prog =
      main_of("push 1\n push 2\n cons\n pop\n push 1\n push 2\n cons\n pop\n pool_used cons\n print\n push 0\n ret");
  REQUIRE(a.load_source(prog, "a.pasm"));
  REQUIRE(b.load_source(prog, "b.pasm"));
  CHECK(a.run_main().exit_status == 0);
  poolvm::RunResult rb = b.run_main();
  CHECK(rb.exit_status == 70);
  CHECK(out1 == "2\n");
  CHECK(out2.empty());
  CHECK(rb.error->message == "out of memory: pool 'cons' is exhausted (1 blocks)");
}

TEST_CASE("load errors: diagnostics, unknown --pool names") {
  poolvm::Vm vm;
  CHECK_FALSE(vm.load_source(".func main\n lod 1\n.end\n", "bad.pasm"));
  REQUIRE_FALSE(vm.diagnostics().empty());
  CHECK(vm.diagnostics()[0].line == 2);
  CHECK(vm.diagnostics_text().find("bad.pasm:2:2: error: unknown instruction 'lod'") != std::string::npos);
  poolvm::Config c;
  c.pools.push_back({"nosuch", 3});
  poolvm::Vm vm2(c);
  CHECK_FALSE(vm2.load_source(main_of("push 0\n ret"), "t.pasm"));
  REQUIRE(vm2.diagnostics().size() == 1);
  CHECK(vm2.diagnostics()[0].config_error);
}

TEST_CASE("output is buffered, not lost: a million lines arrive whole") {
  Ran r = run_text(main_of("push 0\n store i\nloop:\n load i\n push 1000000\n ge\n jnz done\n load i\n print\n"
                           " load i\n push 1\n add\n store i\n jmp loop\ndone:\n push 0\n ret",
                           "i"));
  CHECK(r.status == 0);
  CHECK(r.out.size() == 6888890);
  CHECK(r.out.substr(r.out.size() - 7) == "999999\n");
}
