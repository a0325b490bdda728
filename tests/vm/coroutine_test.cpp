// tests/vm/coroutine_test.cpp — coroutines (spec §11): values both ways
// through coresume and yield, nesting, yields from nested calls, states,
// errors with their backtrace through the resumer, every misuse, `co`
// exhaustion, freeing, and suspension inside a coroutine.
#include <doctest/doctest.h>

#include "poolvm/poolvm.h"
#include "run_helpers.h"

using poolvm::RunResult;
using poolvm::Status;

namespace {

// An accumulator coroutine: each resume sends a number, each yield gives the
// running total; it yields from inside a nested call.
const char* kAccumulator = R"(
.func acc start
.local total
    load start
    store total
top:
    load total
    call give
    dup
    jz done
    load total
    add
    store total
    jmp top
done:
    pop
    load total
    push 1000
    add
    ret
.end
.func give v
    load v
    yield
    ret
.end
.func main
.local co
    push 5
    cocreate acc
    store co
    load co
    push nil
    coresume
    print
    load co
    push 10
    coresume
    print
    load co
    push 20
    coresume
    print
    load co
    costatus
    print
    load co
    push 0
    coresume
    print
    load co
    costatus
    print
    pool_used frame
    print
    load co
    pool_free
    pool_used co
    print
    push 0
    ret
.end
)";

}  // namespace

TEST_CASE("values go both ways through coresume and yield, also from a nested call") {
  Ran r = run_text(kAccumulator);
  CHECK(r.error == "");
  // 5, +10, +20, then 0 ends it: 35 + 1000; states 0 then 3; only main's frame left.
  CHECK(r.out == "5\n15\n35\n0\n1035\n3\n1\n0\n");
  CHECK(r.status == 0);
}

TEST_CASE("nesting: a coroutine resumes another; states running and normal") {
  Ran r = run_text(R"(
.global outer
.func inner
    gload outer
    costatus
    yield
    ret
.end
.func outer_body
.local co
    cocreate inner
    store co
    gload outer
    costatus
    print
    load co
    push nil
    coresume
    print
    load co
    costatus
    print
    push 9
    ret
.end
.func main
    cocreate outer_body
    gstore outer
    gload outer
    push nil
    coresume
    print
    gload outer
    costatus
    print
    push 0
    ret
.end
)");
  CHECK(r.error == "");
  CHECK(r.out == "1\n2\n0\n9\n3\n");
}

TEST_CASE("an error in a coroutine is its resumer's, with both in the backtrace") {
  Ran r = run_text(R"(.func boom x
    load x
    push 0
    div
    ret
.end
.func main
.local co
    push 1
    cocreate boom
    store co
    load co
    push nil
    coresume
    ret
.end
)");
  CHECK(r.status == 70);
  CHECK(r.error == "error: division by zero\n  at boom (t.pasm:4)\n  at main (t.pasm:14)\n");
}

TEST_CASE("misuse: resuming dead, running or normal coroutines; freeing a running one; stale; wrong type") {
  auto err = [](const std::string& body, const std::string& extra = "") {
    Ran r = run_text(extra + main_of(body, "co"));
    CHECK(r.status == 70);
    return r.error;
  };
  CHECK(err("push nil\npush nil\ncoresume\nret").find("'coresume' expects a coroutine, got nil") != std::string::npos);
  CHECK(err("push 1\ncostatus\nret").find("expects a coroutine, got int") != std::string::npos);
  const std::string self = ".global me\n.func selfish\n gload me\n push nil\n coresume\n ret\n.end\n";
  CHECK(err("cocreate selfish\ngstore me\ngload me\npush nil\ncoresume\nret", self)
            .find("cannot resume a running coroutine") != std::string::npos);
  const std::string up = ".global top\n.func a\n cocreate b\n push nil\n coresume\n ret\n.end\n"
                         ".func b\n gload top\n push nil\n coresume\n ret\n.end\n";
  CHECK(err("cocreate a\ngstore top\ngload top\npush nil\ncoresume\nret", up)
            .find("cannot resume a normal coroutine") != std::string::npos);
  const std::string freer = ".global me\n.func f\n gload me\n pool_free\n push 0\n ret\n.end\n";
  CHECK(err("cocreate f\ngstore me\ngload me\npush nil\ncoresume\nret", freer)
            .find("cannot free a running coroutine") != std::string::npos);
  const std::string once = ".func once\n push 1\n ret\n.end\n";
  CHECK(err("cocreate once\nstore co\nload co\npool_free\nload co\npool_free\npush 0\nret", once)
            .find("double free: co#0 was already freed") != std::string::npos);
  CHECK(err("cocreate once\nstore co\nload co\npool_free\nload co\ncostatus\nret", once)
            .find("use after free: co#0 was freed") != std::string::npos);
}

TEST_CASE("co exhaustion gives nil and counts a failed allocation; freeing a suspended one frees its frames") {
  poolvm::Config c;
  c.pools = {{"co", 2}};
  std::string out;
  c.output = [&out](std::string_view s) { out.append(s); };
  poolvm::Vm vm(c);
  REQUIRE(vm.load_source(R"(
.func gen
    push 1
    call deep
    ret
.end
.func deep x
    load x
    yield
    ret
.end
.func main
.local a b
    cocreate gen
    store a
    cocreate gen
    store b
    cocreate gen
    print
    load a
    push nil
    coresume
    print
    pool_used frame
    print
    load a
    pool_free
    pool_used frame
    print
    load b
    tostr
    print
    push 0
    ret
.end
)", "t.pasm"));
  RunResult r = vm.run_main();
  CHECK(r.status == Status::Ok);
  CHECK(out == "nil\n1\n3\n1\n<co#1>\n");
  poolvm::PoolInfo co;
  REQUIRE(vm.pool_info(3, co) == Status::Ok);
  CHECK(co.name == "co");
  CHECK(co.failed == 1);
  CHECK(co.in_use == 1);  // b was never freed
}

TEST_CASE("a coroutine's stack overflow is 'stack overflow'") {
  poolvm::Config c;
  c.pools = {};
  Ran r = run_text(R"(.pool co slots=2 blocks=4
.func wide
    push 1
    push 2
    push 3
    add
    add
    ret
.end
.func main
    cocreate wide
    push nil
    coresume
    ret
.end
)", c);
  CHECK(r.status == 70);
  CHECK(r.error.find("stack overflow") != std::string::npos);
}

TEST_CASE("a stack overflow at a call inside a coroutine names the coroutine's segment, not the main stack") {
  // A main stack far larger than the segment: the message must quote the segment.
  poolvm::Config c;
  c.stack_values = 1024;
  const std::string text = R"(.pool co slots=6 blocks=4
.func deep n
    load n
    push 1
    add
    dup
    call deep
    add
    ret
.end
.func main
    push 0
    cocreate deep
    push nil
    coresume
    ret
.end
)";
  Ran r = run_text(text, c);
  CHECK(r.status == 70);
  CHECK(r.error.find("stack overflow: calling 'deep' needs more than the 6 values of a coroutine's stack (.pool co slots=)") !=
        std::string::npos);
  CHECK(r.error.find("1024") == std::string::npos);
  // The same program outside a coroutine overflows the main stack, and says so.
  std::string plain = text;
  plain.replace(plain.find("    cocreate deep\n    push nil\n    coresume\n"), 44, "    call deep\n");
  Ran m = run_text(plain, c);
  CHECK(m.status == 70);
  CHECK(m.error.find("values of the operand stack") != std::string::npos);
  CHECK(m.error.find("coroutine") == std::string::npos);
}

TEST_CASE("a run suspended inside a coroutine resumes there, for every budget") {
  Ran whole = run_text(kAccumulator);
  for (uint64_t n = 1; n <= 60; ++n) {
    CAPTURE(n);
    std::string out;
    poolvm::Config c;
    c.output = [&out](std::string_view s) { out.append(s); };
    poolvm::Vm vm(c);
    REQUIRE(vm.load_source(kAccumulator, "t.pasm"));
    vm.set_step_budget(n, true);
    RunResult r = vm.run_main();
    // Alternate budgets on and off, so frames move between code arrays.
    for (int i = 0; r.status == Status::Suspended; ++i) {
      vm.set_step_budget(i % 3 == 2 ? 0 : n, true);
      r = vm.resume();
    }
    CHECK(r.status == Status::Ok);
    CHECK(out == whole.out);
  }
}

TEST_CASE("a coroutine suspended in a nested call continues under whichever loop the next call runs") {
  // The coroutine's frames keep return addresses from the run that made
  // them; each later call may run another loop (a budget turned on or off
  // between calls), whose code array is another. Returning from `inner`
  // must land in the right one every time.
  const char* text =
      ".global c\n"
      ".func inner x\n    load x\n    yield\n    ret\n.end\n"
      ".func body\n.local i\n    push 0\n    store i\ntop:\n    load i\n    call inner\n    pop\n"
      "    load i\n    push 1\n    add\n    store i\n    jmp top\n.end\n"
      ".func setup\n    cocreate body\n    gstore c\n    push 0\n    ret\n.end\n"
      ".func next\n    gload c\n    push nil\n    coresume\n    ret\n.end\n";
  poolvm::Vm vm;
  REQUIRE(vm.load_source(text, "switch.pasm"));
  poolvm::HostValue r;
  REQUIRE(vm.call(vm.find("setup"), {}, r) == Status::Ok);
  const uint64_t budgets[] = {0, 1000, 1000, 0, 0, 5000, 0, 1000, 0, 1000, 1000, 0};
  int64_t want = 0;
  for (uint64_t budget : budgets) {
    CAPTURE(budget);
    vm.set_step_budget(budget, false);
    REQUIRE(vm.call(vm.find("next"), {}, r) == Status::Ok);
    CHECK(r.as_int() == want++);
  }
  // And under a suspending budget small enough to pause inside the calls.
  vm.set_step_budget(2, true);
  for (int i = 0; i < 3; ++i) {
    RunResult rr = vm.call(vm.find("next"), {});
    while (rr.status == Status::Suspended) rr = vm.resume();
    REQUIRE(rr.status == Status::Ok);
    CHECK(rr.value.as_int() == want++);
    vm.set_step_budget(i % 2 == 0 ? 0 : 2, i % 2 != 0);
  }
}
