// tests/vm/host_test.cpp — embedding: host functions, calling functions by
// name, step budgets, interrupts, reset after each kind of error.
#include <doctest/doctest.h>

#include <stdexcept>
#include <thread>

#include "run_helpers.h"

using poolvm::HostCall;
using poolvm::HostValue;

namespace {
struct Host {
  std::string out;
  poolvm::Vm vm;
  explicit Host(poolvm::Config c = {}) : vm(with_output(c, out)) {}
  static poolvm::Config with_output(poolvm::Config c, std::string& out) {
    c.output = [&out](std::string_view s) { out.append(s); };
    return c;
  }
};
}  // namespace

TEST_CASE("host functions receive arguments, return values and make strings and conses") {
  Host h;
  std::vector<std::string> logged;
  h.vm.register_function("log", 1, [&](HostCall& c) {
    logged.push_back(c.text(c.args()[0]));
    return HostValue();
  });
  h.vm.register_function("scale", 2, [](HostCall& c) {
    return HostValue::integer(c.args()[0].as_int() * c.args()[1].as_int());
  });
  h.vm.register_function("greet", 1, [](HostCall& c) {
    return c.make_string("hello, " + c.text(c.args()[0]));
  });
  h.vm.register_function("pair", 0, [](HostCall& c) {
    return c.make_cons(HostValue::integer(1), HostValue::real(2.5));
  });
  std::string prog = ".extern log 1\n.extern scale 2\n.extern greet 1\n.extern pair 0\n" +
                     main_of("push \"from pasm\"\n call log\n pop\n push 6\n push 7\n call scale\n print\n"
                             " push \"world\"\n call greet\n dup\n print\n pool_free\n call pair\n dup\n print\n"
                             " pool_free\n push 0\n ret");
  REQUIRE_MESSAGE(h.vm.load_source(prog, "host.pasm"), h.vm.diagnostics_text());
  poolvm::RunResult r = h.vm.run_main();
  CHECK_MESSAGE(r.ok(), (r.error ? r.error->text() : std::string()));
  CHECK(h.out == "42\nhello, world\n(1 . 2.5)\n");
  REQUIRE(logged.size() == 1);
  CHECK(logged[0] == "from pasm");
  CHECK(h.vm.pool_statistics()[0].in_use == 0);
}

TEST_CASE("a host function's failure becomes a runtime error with the program's backtrace") {
  Host h;
  h.vm.register_function("check", 1, [](HostCall& c) {
    if (c.args()[0].as_int() < 0) c.fail("negative input");
    return HostValue::boolean(true);
  });
  h.vm.register_function("boom", 0, [](HostCall&) -> HostValue { throw std::runtime_error("kaput"); });
  std::string prog = ".extern check 1\n.extern boom 0\n.func f x\n load x\n call check\n ret\n.end\n" +
                     main_of("push -1\n call f\n ret");
  REQUIRE(h.vm.load_source(prog, "h.pasm"));
  poolvm::RunResult r = h.vm.run_main();
  REQUIRE(r.error);
  CHECK(r.error->kind == "host error");
  CHECK(r.error->text() == "error: host error: negative input\n  at f (h.pasm:5)\n  at main (h.pasm:10)\n");
  CHECK(h.vm.pool_statistics()[2].in_use == 0);

  REQUIRE(h.vm.load_source(".extern boom 0\n" + main_of("call boom\n ret"), "b.pasm"));
  r = h.vm.run_main();
  REQUIRE(r.error);
  CHECK(r.error->message == "host error: 'boom' threw: kaput");
}

TEST_CASE("an extern the host did not register fails at load, naming it") {
  Host h;
  h.vm.register_function("two", 2, [](HostCall&) { return HostValue(); });
  CHECK_FALSE(h.vm.load_source(".extern clock 0\n" + main_of("push 0\n ret"), "x.pasm"));
  CHECK(h.vm.diagnostics_text().find("extern 'clock' (0 arguments) is not provided by the host") != std::string::npos);
  CHECK_FALSE(h.vm.load_source(".extern two 1\n" + main_of("push 0\n ret"), "x.pasm"));
  CHECK(h.vm.diagnostics_text().find("declared with 1 argument but the host registered it with 2") != std::string::npos);
}

TEST_CASE("any function can be called by name with arguments; its result comes back") {
  Host h;
  REQUIRE(h.vm.load_source(".func add a b\n load a\n load b\n add\n ret\n.end\n"
                           ".func name\n push \"pool\"\n push \"vm\"\n concat\n ret\n.end\n" +
                               main_of("push 0\n ret"),
                           "c.pasm"));
  HostValue args[] = {HostValue::integer(40), HostValue::real(2.5)};
  poolvm::RunResult r = h.vm.call("add", args);
  REQUIRE(r.ok());
  CHECK(r.value.type() == HostValue::Type::Float);
  CHECK(r.value.as_float() == 42.5);
  r = h.vm.call("name");
  REQUIRE(r.ok());
  CHECK(h.vm.text(r.value) == "poolvm");
  CHECK(h.vm.call("add", std::span<const HostValue>(args, 1)).error->message == "'add' takes 2 arguments, given 1");
  CHECK(h.vm.call("nosuch").error->message == "no function 'nosuch'");
}

TEST_CASE("a step budget per run, and reset after each kind of error") {
  Host h;
  REQUIRE(h.vm.load_source(".pool rec slots=1 blocks=1\n.func spin\nloop:\n jmp loop\n.end\n"
                           ".func uaf\n push 1\n push 2\n cons\n dup\n pool_free\n car\n ret\n.end\n"
                           ".func deep n\n load n\n call deep\n ret\n.end\n"
                           ".func fill\n.local acc\nloop:\n push 1\n load acc\n cons\n store acc\n jmp loop\n.end\n"
                           ".func ok\n pool_malloc rec\n ret\n.end\n" +
                               main_of("push 0\n ret"),
                           "e.pasm"));
  h.vm.set_step_budget(1000);
  CHECK(h.vm.call("spin").error->kind == "step limit");
  h.vm.set_step_budget(0);
  for (const char* f : {"uaf", "fill"}) {
    HostValue none[] = {HostValue()};
    poolvm::RunResult r = std::string(f) == "deep" ? h.vm.call(f, none) : h.vm.call(f);
    REQUIRE(r.error);
    h.vm.reset();
    for (const auto& s : h.vm.pool_statistics()) CHECK(s.in_use == s.constants);
    CHECK(h.vm.call("ok").ok());
  }
  HostValue zero[] = {HostValue::integer(0)};
  poolvm::RunResult r = h.vm.call("deep", zero);
  REQUIRE(r.error);
  CHECK(r.error->kind == "out of memory");
  CHECK(h.vm.pool_statistics()[2].in_use == 0);
  h.vm.reset();
  CHECK(h.vm.call("ok").ok());
}

TEST_CASE("a host can interrupt a running program, from a host function or another thread") {
  Host h;
  h.vm.register_function("stop", 0, [&](HostCall&) {
    h.vm.interrupt();
    return HostValue();
  });
  REQUIRE(h.vm.load_source(".extern stop 0\n.func spin\nloop:\n jmp loop\n.end\n" +
                               main_of("call stop\n pop\nloop:\n jmp loop"),
                           "i.pasm"));
  poolvm::RunResult r = h.vm.run_main();
  REQUIRE(r.error);
  CHECK(r.error->message == "interrupted by the host");
  CHECK(r.error->stack[0].line == 10);  // the backward jump after the host call

  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    h.vm.interrupt();
  });
  r = h.vm.call("spin");
  stopper.join();
  REQUIRE(r.error);
  CHECK(r.error->kind == "interrupted");
}

// Under a step budget the run-charging loop reads the interrupt flag where
// its count runs out, at least every 65,536 steps (vm/interpreter.cpp,
// kPollEvery), and before every step it takes one at a time.
TEST_CASE("a budgeted run is interrupted too: failing, suspending, and in slices shorter than a run") {
  // The loop counts its passes in n: 13 steps each.
  const std::string prog = ".extern stop 0\n.global n\n" +
                           main_of("push 0\n gstore n\n call stop\n pop\nloop:\n gload n\n push 1\n add\n"
                                   " gstore n\n push 2\n pop\n push 3\n pop\n push 4\n pop\n push 5\n pop\n jmp loop");
  auto passes = [](poolvm::Vm& vm) {
    HostValue n;
    REQUIRE(vm.global("n", n) == poolvm::Status::Ok);
    return n.as_int();
  };
  for (bool suspend : {false, true}) {
    CAPTURE(suspend);
    Host h;
    h.vm.register_function("stop", 0, [&](HostCall&) {
      h.vm.interrupt();
      return HostValue();
    });
    REQUIRE(h.vm.load_source(prog, "i.pasm"));
    // Ten million steps: without reading the flag until the budget's last
    // run, the loop would make some 770,000 passes before stopping.
    h.vm.set_step_budget(10'000'000, suspend);
    poolvm::RunResult r = h.vm.run_main();
    REQUIRE(r.error);
    CHECK(r.error->kind == "interrupted");
    CHECK(r.error->message == "interrupted by the host");
    CHECK(r.error->stack[0].line >= 9);  // in the loop (lines 9-21), after the host call
    CHECK(r.error->stack[0].line <= 21);
    CHECK(passes(h.vm) <= 2 * 65'536 / 13 + 1);
  }
  // Slices of 5 steps, shorter than the loop's run, so that each slice steps
  // one instruction at a time: a request made between two slices stops the
  // run at the first step of the next.
  Host h;
  h.vm.register_function("stop", 0, [](HostCall&) { return HostValue(); });
  REQUIRE(h.vm.load_source(prog, "i.pasm"));
  h.vm.set_step_budget(5, true);
  poolvm::RunResult r = h.vm.run_main();
  for (int slice = 0; slice < 6; ++slice) {  // 35 steps: 4 before the loop, then 2 passes and 5 steps
    REQUIRE(r.status == poolvm::Status::Suspended);
    r = h.vm.resume();
  }
  REQUIRE(r.status == poolvm::Status::Suspended);
  const int64_t before = passes(h.vm);
  h.vm.interrupt();
  r = h.vm.resume();
#if (defined(__GNUC__) || defined(__clang__)) && (!defined(POOLVM_COMPUTED_GOTO) || POOLVM_COMPUTED_GOTO)
  REQUIRE(r.error);
  CHECK(passes(h.vm) == before);
#else
  // The switch loop counts every dispatch and reads the flag at calls and
  // backward jumps, as the plain loop does: the loop's jump is at most 13
  // steps, three slices, away.
  for (int slice = 0; slice < 2 && r.status == poolvm::Status::Suspended; ++slice) r = h.vm.resume();
  REQUIRE(r.error);
  CHECK(passes(h.vm) <= before + 1);
#endif
  CHECK(r.error->kind == "interrupted");
  CHECK_FALSE(h.vm.paused());

  // From another thread, while a budgeted run spins in its charged runs.
  Host t;
  t.vm.register_function("stop", 0, [](HostCall&) { return HostValue(); });
  REQUIRE(t.vm.load_source(prog, "t.pasm"));
  t.vm.set_step_budget(1'000'000'000);
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    t.vm.interrupt();
  });
  r = t.vm.run_main();
  stopper.join();
  REQUIRE(r.error);
  CHECK(r.error->kind == "interrupted");
  CHECK(passes(t.vm) < 1'000'000'000 / 13 / 2);  // stopped long before the budget's end
}

TEST_CASE("host memory: pools and stack live in the host's buffer; too small says how much is needed") {
  std::vector<std::byte> small(1024);
  poolvm::Config c;
  c.memory = small;
  Host tiny(c);
  CHECK_FALSE(tiny.vm.load_source(main_of("push 0\n ret"), "m.pasm"));
  CHECK(tiny.vm.diagnostics_text().find("host memory too small:") != std::string::npos);
  CHECK(tiny.vm.diagnostics()[0].config_error);

  poolvm::Config sized;
  sized.pools = {{"cons", 64}, {"str", 64}, {"frame", 16}};
  sized.stack_values = 256;
  poolvm::Vm probe(sized);
  REQUIRE(probe.load_source(main_of("push 0\n ret"), "m.pasm"));
  std::vector<std::byte> buffer(probe.memory_needed());
  sized.memory = buffer;
  Host h(sized);
  REQUIRE_MESSAGE(h.vm.load_source(main_of("push 1\n push 2\n cons\n print\n push 0\n ret"), "m.pasm"),
                  h.vm.diagnostics_text());
  CHECK(h.vm.run_main().ok());
  CHECK(h.out == "(1 . 2)\n");
}
