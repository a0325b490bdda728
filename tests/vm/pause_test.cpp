// tests/vm/pause_test.cpp — pausing the main run (spec §11): `yield` to the
// host and back, suspending step budgets, and the differential check that a
// run suspended every N steps and resumed until done prints, returns and
// allocates exactly what an uninterrupted run does.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "poolvm/poolvm.h"
#include "run_helpers.h"

using poolvm::HostValue;
using poolvm::RunResult;
using poolvm::Status;
using poolvm::Vm;

namespace {

// A VM whose output is collected into `out`.
struct Captured {
  std::string out;
  Vm vm;
  explicit Captured(poolvm::Config c = {}) : vm(with_output(std::move(c), out)) {}
  static poolvm::Config with_output(poolvm::Config c, std::string& out) {
    c.output = [&out](std::string_view s) { out.append(s); };
    return c;
  }
};

// Runs main; with budget > 0, suspends every `budget` steps and resumes
// until the run ends. Every pause must have delivered the output so far.
Outcome run_sliced(const std::string& text, uint64_t budget, std::vector<std::string> args = {}) {
  Captured c;
  Outcome o;
  REQUIRE(c.vm.load_source(text, "t.pasm"));
  c.vm.set_step_budget(budget, true);
  RunResult r = c.vm.run_main(args);
  while (r.status == Status::Suspended || r.status == Status::Yielded) {
    ++o.pauses;
    CHECK(c.vm.paused());
    size_t seen = c.out.size();
    // Nothing is held back: the next slice only appends.
    r = c.vm.resume();
    CHECK(c.out.size() >= seen);
  }
  CHECK_FALSE(c.vm.paused());
  o.out = c.out;
  record_end(o, c.vm, r);
  return o;
}


const char* kSmall = R"(
.pool pair slots=2 blocks=4
.global total
.func main
.local i acc s
    push 0
    store acc
    push 0
    store i
loop:
    load i
    push 6
    lt
    jz done
    load i
    call square
    load acc
    add
    store acc
    load i
    tostr
    store s
    load s
    write
    load s
    pool_free
    pool_malloc pair
    pool_free
    load i
    push 1
    add
    store i
    jmp loop
done:
    push ""
    print
    load acc
    print
    load acc
    gstore total
    push 7
    ret
.end

.func square n
    load n
    load n
    mul
    ret
.end
)";

}  // namespace

TEST_CASE("suspending at every budget from 1 to 50 gives the uninterrupted run") {
  Outcome whole = run_sliced(kSmall, 0);
  CHECK(whole.out == "012345\n55\n");
  CHECK(whole.exit_status == 7);
  CHECK(whole.pauses == 0);
  for (uint64_t n = 1; n <= 50; ++n) {
    CAPTURE(n);
    Outcome sliced = run_sliced(kSmall, n);
    CHECK(sliced.pauses > 0);
    sliced.pauses = 0;
    CHECK(sliced == whole);
  }
}

TEST_CASE("the example programs give the same output and statistics when sliced") {
  for (const char* name : {"fib", "lists", "queue", "records", "strings", "binary_trees"}) {
    CAPTURE(name);
    std::string text = read_file(std::string(POOLVM_SOURCE_DIR) + "/programs/" + name + ".pasm");
    REQUIRE(!text.empty());
    // Small arguments where a program takes them, so budget 1 stays quick.
    std::vector<std::string> args;
    if (std::string(name) == "fib") args = {"12"};
    if (std::string(name) == "binary_trees") args = {"4"};
    Outcome whole = run_sliced(text, 0, args);
    for (uint64_t n : {1, 7, 100, 1000}) {
      CAPTURE(n);
      Outcome sliced = run_sliced(text, n, args);
      sliced.pauses = 0;
      CHECK(sliced == whole);
    }
  }
}

TEST_CASE("a suspended run resumed without a budget finishes on the plain loop") {
  // The frames' return addresses were made by the counting loop; the plain
  // loop runs another code array, so this checks they are carried over.
  Captured c;
  REQUIRE(c.vm.load_source(kSmall, "t.pasm"));
  c.vm.set_step_budget(23, true);
  RunResult r = c.vm.run_main();
  // Until the pause lands inside `square`, so a return address is pending.
  while (r.status == Status::Suspended && c.out.size() < 3) r = c.vm.resume();
  REQUIRE(r.status == Status::Suspended);
  c.vm.set_step_budget(0);
  r = c.vm.resume();
  CHECK(r.status == Status::Ok);
  CHECK(r.exit_status == 7);
  CHECK(c.out == "012345\n55\n");
  poolvm::PoolInfo frame;
  REQUIRE(c.vm.pool_info(2, frame) == Status::Ok);
  CHECK(frame.name == "frame");
  CHECK(frame.in_use == 0);
}

TEST_CASE("a failing budget still fails; a suspending one pauses at the same step") {
  Captured a, b;
  std::string loop = main_of("top:\n    jmp top");
  REQUIRE(a.vm.load_source(loop, "t.pasm"));
  REQUIRE(b.vm.load_source(loop, "t.pasm"));
  a.vm.set_step_budget(10);
  b.vm.set_step_budget(10, true);
  RunResult ra = a.vm.run_main();
  CHECK(ra.status == Status::RuntimeError);
  CHECK(ra.error->kind == "step limit");
  RunResult rb = b.vm.run_main();
  CHECK(rb.status == Status::Suspended);
  CHECK(rb.value.is_nil());
  // An endless loop stays paused slice after slice; reset ends it.
  CHECK(b.vm.resume().status == Status::Suspended);
  b.vm.reset();
  CHECK_FALSE(b.vm.paused());
  CHECK(b.vm.resume().status == Status::BadArgument);
}

TEST_CASE("yield hands values to the host and the host's values back") {
  const char* prog = R"(
.func main
.local got
    push 10
    yield
    store got
    load got
    push 1
    add
    call twice
    print
    push "done"
    ret
.end
.func twice n
    load n
    yield
    load n
    add
    ret
.end
)";
  Captured c;
  REQUIRE(c.vm.load_source(prog, "t.pasm"));
  RunResult r = c.vm.run_main();
  REQUIRE(r.status == Status::Yielded);
  CHECK(r.value.as_int() == 10);
  r = c.vm.resume(HostValue::integer(41));
  REQUIRE(r.status == Status::Yielded);
  CHECK(r.value.as_int() == 42);  // from inside `twice`
  // `twice` adds n to what its yield is sent: -100 + 42.
  r = c.vm.resume(HostValue::integer(-100));
  CHECK(r.status == Status::Ok);
  CHECK(c.out == "-58\n");
  CHECK(c.vm.text(r.value) == "done");
}

TEST_CASE("a string sent by the host is the program's; a stale one is refused and the run stays paused") {
  const char* prog = R"(
.func main
    push nil
    yield
    dup
    print
    pool_free
    push 0
    ret
.end
)";
  Captured c;
  REQUIRE(c.vm.load_source(prog, "t.pasm"));
  REQUIRE(c.vm.run_main().status == Status::Yielded);
  HostValue s;
  REQUIRE(c.vm.make_string("from the host", s) == Status::Ok);
  HostValue gone;
  REQUIRE(c.vm.make_string("gone", gone) == Status::Ok);
  REQUIRE(c.vm.release(gone) == Status::Ok);
  RunResult bad = c.vm.resume(gone);
  CHECK(bad.status == Status::BadArgument);
  CHECK(c.vm.paused());
  RunResult r = c.vm.resume(s);
  CHECK(r.status == Status::Ok);
  CHECK(c.out == "from the host\n");
  CHECK_FALSE(c.vm.is_live(s));
}

TEST_CASE("output printed before a pause reaches the host at the pause") {
  Captured c;
  REQUIRE(c.vm.load_source(main_of("push \"tick\"\nprint\npush nil\nyield\npop\npush \"tock\"\nprint\npush 0\nret"),
                           "t.pasm"));
  REQUIRE(c.vm.run_main().status == Status::Yielded);
  CHECK(c.out == "tick\n");
  REQUIRE(c.vm.resume().status == Status::Ok);
  CHECK(c.out == "tick\ntock\n");
}

TEST_CASE("while a run is paused, another run is refused; reset drops it and frees its frames") {
  Captured c;
  REQUIRE(c.vm.load_source(R"(
.func main
    call inner
    ret
.end
.func inner
    push 1
    yield
    ret
.end
.func other
    push 5
    ret
.end
)", "t.pasm"));
  REQUIRE(c.vm.run_main().status == Status::Yielded);
  poolvm::PoolInfo frame;
  REQUIRE(c.vm.pool_info(2, frame) == Status::Ok);
  CHECK(frame.in_use == 2);  // main and inner wait in their frames
  RunResult refused = c.vm.call("other");
  CHECK(refused.status == Status::BadArgument);
  CHECK(std::string(c.vm.last_error()).find("paused") != std::string::npos);
  c.vm.reset();
  REQUIRE(c.vm.pool_info(2, frame) == Status::Ok);
  CHECK(frame.in_use == 0);
  RunResult r = c.vm.call("other");
  CHECK(r.status == Status::Ok);
  CHECK(r.value.as_int() == 5);
}

TEST_CASE("resume is refused when nothing is paused") {
  Captured c;
  CHECK(c.vm.resume().status == Status::BadArgument);  // nothing loaded
  REQUIRE(c.vm.load_source(main_of("push 3\nret"), "t.pasm"));
  CHECK(c.vm.resume().status == Status::BadArgument);
  CHECK(c.vm.run_main().exit_status == 3);
  CHECK(c.vm.resume().status == Status::BadArgument);
}

TEST_CASE("a yield inside a run nested in a host function is an error; a nested budget fails") {
  Captured c;
  Vm* vm = &c.vm;
  RunResult nested;
  std::string target = "gen";
  REQUIRE(c.vm.register_function("back", 0, [&](poolvm::HostCall& call) {
    nested = vm->call(target);
    if (!nested.ok()) call.fail(nested.error->message);
    return HostValue();
  }) == Status::Ok);
  REQUIRE(c.vm.load_source(R"(
.extern back 0
.func main
    call back
    ret
.end
.func gen
    push 1
    yield
    ret
.end
.func spin
top:
    jmp top
.end
)", "t.pasm"));
  RunResult r = c.vm.run_main();
  CHECK(r.status == Status::RuntimeError);
  CHECK(nested.error->message == "cannot yield across a host function call");
  CHECK_FALSE(c.vm.paused());
  // A suspending budget is spent inside the nested run: it fails there.
  target = "spin";
  c.vm.set_step_budget(3, true);
  r = c.vm.run_main();
  CHECK(r.status == Status::RuntimeError);
  CHECK(nested.error->kind == "step limit");
}

TEST_CASE("a budget ends at the same instruction on the fused code as on the original") {
  // The counting loop runs superinstructions and charges whole straight-line
  // runs; a traced run (any observer) runs the original instructions.
  static poolvm::Observer ignore_all;
  std::string fib = read_file(std::string(POOLVM_SOURCE_DIR) + "/programs/fib.pasm");
  for (const std::string& text : {std::string(kSmall), fib}) {
    for (uint64_t n = 1; n <= 400; n += (n < 60 ? 1 : 37)) {
      CAPTURE(n);
      poolvm::Config fused, traced;
      fused.max_steps = traced.max_steps = n;
      traced.observer = &ignore_all;
      Ran a = run_text(text, fused, {"9"});
      Ran b = run_text(text, traced, {"9"});
      CHECK(a.out == b.out);
      CHECK(a.status == b.status);
      CHECK(a.error == b.error);
    }
  }
}

namespace {
// Forward conditional branches, taken and not, plain and fused, inside a
// loop: the counting loop charges through them and refunds a taken one. A
// branch with more than 255 steps after it in its run (one taken, one not)
// is not charged through. With `fail`, the run ends with an error a few steps after a
// forward branch not taken.
std::string branchy(bool fail) {
  std::string t = R"(
.func main
.local i acc
    push 0
    store acc
    push 0
    store i
loop:
    load i
    push 12
    lt
    jz done
    load i
    push 3
    mod
    jnz not_three
    load acc
    push 100
    add
    store acc
not_three:
    load acc
    load i
    push 50
    mul
    gt
    jz small
    load acc
    push 1
    sub
    store acc
small:
    load i
    push 1
    add
    store i
    jmp loop
done:
    load acc
    print
    push 0
    store i
again:
    load acc
    push 1000
    lt
    jz far
)";
  for (int k = 0; k < 150; ++k) t += "    push 1\n    pop\n";
  t += "far:\n    load acc\n    push 1000\n    lt\n    jnz farther\n";  // taken
  for (int k = 0; k < 150; ++k) t += "    push 1\n    pop\n";
  t += "farther:\n    load i\n    push 1\n    add\n    dup\n    store i\n    push 3\n    lt\n    jnz again\n";
  t += "    load acc\n    push 2\n    gt\n    jz end\n    load acc\n";
  t += fail ? "    push 0\n    div\n" : "    push 1\n    div\n";
  t += "    print\nend:\n    push 0\n    ret\n.end\n";
  return t;
}
// Calls whose run is charged for the callee's first run too (that run has
// no call in it), after a forward branch in the caller's run and with one in
// the callee's; with `fail`, one of them fails: the frame pool runs out.
std::string calls(bool fail) {
  return std::string(R"(
.pool frame blocks=40
.func main
.local i
    push 0
    store i
loop:
    load i
    push 5
    lt
    jz done
    load i
    push 7
    mul
    call deep
    print
    load i
    push 1
    add
    store i
    jmp loop
done:
    push )") + (fail ? "50" : "30") + R"(
    call deep
    print
    push 0
    ret
.end
.func deep n
    load n
    push 0
    gt
    jnz more
    push 0
    ret
more:
    load n
    push 1
    sub
    call deep
    push 1
    add
    ret
.end
)";
}
}  // namespace

TEST_CASE("a budget charged through forward branches and into callees ends where the original's does") {
  static poolvm::Observer ignore_all;
  for (int k = 0; k < 4; ++k) {
    const bool fail = k % 2 == 1;
    const std::string text = k < 2 ? branchy(fail) : calls(fail);
    poolvm::Config plain;
    Ran whole = run_text(text, plain);
    REQUIRE(whole.loaded);
    CHECK(whole.error.empty() != fail);
    if (k < 2) CHECK(whole.out == (fail ? "397\n" : "397\n397\n"));
    else CHECK(whole.out == (fail ? "0\n7\n14\n21\n28\n" : "0\n7\n14\n21\n28\n30\n"));
    for (uint64_t n = 1; n <= 1300; ++n) {
      CAPTURE(fail);
      CAPTURE(n);
      poolvm::Config fused, traced;
      fused.max_steps = traced.max_steps = n;
      traced.observer = &ignore_all;
      Ran a = run_text(text, fused);
      Ran b = run_text(text, traced);
      CHECK(a.out == b.out);
      CHECK(a.status == b.status);
      CHECK(a.error == b.error);
    }
  }
}

namespace {
// The step of the last event a run reports: its ret of main, its last step.
struct LastStep : poolvm::Observer {
  uint64_t last = 0;
  void on_pool_event(const poolvm::PoolEvent& e) override { last = std::max(last, e.step); }
  void on_call(const poolvm::CallEvent& e) override { last = std::max(last, e.step); }
};
}  // namespace

TEST_CASE("a budget ends after exactly its count of steps, failing or suspending, in every slice") {
  // The counting loop charges a straight-line run of code at once; the traced
  // loop counts one instruction at a time. Both must stop at the same count.
  std::string fib = read_file(std::string(POOLVM_SOURCE_DIR) + "/programs/fib.pasm");
  for (const std::string& text : {std::string(kSmall), fib, branchy(false), calls(false)}) {
    LastStep steps;
    poolvm::Config traced;
    traced.observer = &steps;
    Ran whole = run_text(text, traced, {"9"});
    REQUIRE(whole.error.empty());
    const uint64_t total = steps.last;
    REQUIRE(total > 100);
    // A failing budget of exactly the run's steps is enough; one less is not.
    for (uint64_t n : {total, total - 1, total - 2}) {
      CAPTURE(n);
      poolvm::Config c;
      c.max_steps = n;
      Ran r = run_text(text, c, {"9"});
      CHECK(r.error.empty() == (n == total));
      CHECK(r.out.size() <= whole.out.size());
    }
    // Suspending every n steps pauses exactly ceil(total / n) - 1 times.
    for (uint64_t n = 1; n <= 300; n += (n < 60 ? 1 : 23)) {
      CAPTURE(n);
      Outcome sliced = run_sliced(text, n, {"9"});
      CHECK(sliced.pauses == (total + n - 1) / n - 1);
      CHECK(sliced.error.empty());
    }
  }
}

namespace {
// A coroutine that yields from two calls deep, started by main, which then
// ends with the coroutine suspended; `more` resumes it in later runs. Under a
// budget, the counting loop charges a caller's continuation with its call,
// and gives it back at a yield and wherever a run stops.
const char* kNestedYields = R"(
.global g
.func leaf x
    load x
    yield
    pop
    load x
    push 1
    add
    ret
.end
.func mid x
    load x
    call leaf
    load x
    call leaf
    add
    ret
.end
.func gen
.local i
    push 0
    store i
again:
    load i
    call mid
    print
    load i
    push 1
    add
    store i
    jmp again
.end
.func main
    cocreate gen
    gstore g
    gload g
    push nil
    coresume
    pop
    push 0
    ret
.end
.func more
.local k
    push 0
    store k
loop:
    gload g
    push nil
    coresume
    pop
    load k
    push 1
    add
    store k
    load k
    push 12
    lt
    jnz loop
    push 0
    ret
.end
)";

struct TwoRuns {
  std::string out, error;
  int status = -1;
};

// main without a budget, then `more` under `config`'s budget.
TwoRuns main_then_more(poolvm::Config config) {
  TwoRuns t;
  config.output = [&t](std::string_view s) { t.out.append(s); };
  const uint64_t budget = config.max_steps;
  config.max_steps = 0;
  Vm vm(config);
  REQUIRE(vm.load_source(kNestedYields, "t.pasm"));
  RunResult first = vm.run_main();
  REQUIRE_FALSE(first.error);
  vm.set_step_budget(budget, false);
  RunResult r = vm.call("more");
  t.status = r.exit_status;
  if (r.error) t.error = r.error->text();
  return t;
}
}  // namespace

TEST_CASE("a budget ends where the original's does when a coroutine yields from nested calls, across runs") {
  static poolvm::Observer ignore_all;
  poolvm::Config none;
  TwoRuns whole = main_then_more(none);
  CHECK(whole.error.empty());
  CHECK(whole.out == "2\n4\n6\n8\n10\n12\n");
  bool some_failed = false, some_finished = false;
  for (uint64_t n = 1; n <= 420; n += (n < 300 ? 1 : 7)) {
    CAPTURE(n);
    poolvm::Config fused, traced;
    fused.max_steps = traced.max_steps = n;
    traced.observer = &ignore_all;
    TwoRuns a = main_then_more(fused);
    TwoRuns b = main_then_more(traced);
    CHECK(a.out == b.out);
    CHECK(a.error == b.error);
    some_failed |= !a.error.empty();
    some_finished |= a.error.empty();
  }
  CHECK(some_failed);
  CHECK(some_finished);
  // The same program sliced by a suspending budget, all in one run.
  std::string one_run = kNestedYields;
  one_run.replace(one_run.find(".func main"), 10, ".func first");
  one_run += ".func main\n    call first\n    pop\n    call more\n    ret\n.end\n";
  for (uint64_t n = 1; n <= 40; ++n) {
    CAPTURE(n);
    Outcome sliced = run_sliced(one_run, n);
    CHECK(sliced.error.empty());
    CHECK(sliced.out == whole.out);
  }
}
