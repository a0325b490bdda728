// tests/vm/boundary_test.cpp — the host boundary (spec §10): references
// checked on every host use (stale, from before a reset, from another VM),
// host-side data, handles, globals, libraries, interrupts that are never
// lost, reclaiming after an aborted call, a moved-from Vm.
#include <doctest/doctest.h>

#include <array>
#include <atomic>
#include <cstring>
#include <thread>

#include "run_helpers.h"

using poolvm::HostCall;
using poolvm::HostValue;
using poolvm::Status;

namespace {
// A library (no main) of small functions a host calls.
const char* kLib = R"(
.pool node slots=3 blocks=8
.global counter
.global keep
.func make_pair a b
    load a
    load b
    cons
    ret
.end
.func first p
    load p
    car
    ret
.end
.func bump
    gload counter
    push 1
    add
    dup
    gstore counter
    ret
.end
.func show n
    load n
    tostr
    ret
.end
.func sum xs
.local acc
    push 0
    store acc
loop:
    load xs
    jz done
    load acc
    load xs
    car
    add
    store acc
    load xs
    cdr
    store xs
    jmp loop
done:
    load acc
    ret
.end
.func greet s
    push "hello, "
    load s
    concat
    ret
.end
.func leak_then_fail n
loop:
    load n
    push nil
    cons
    pop
    load n
    push 1
    sub
    dup
    store n
    jnz loop
    push 1
    push 0
    div
    ret
.end
.func spin
loop:
    jmp loop
.end
)";

struct Lib {
  std::string out;
  poolvm::Vm vm;
  explicit Lib(poolvm::Config c = {}) : vm(with_output(std::move(c), out)) {
    REQUIRE_MESSAGE(vm.load_source(kLib, "lib.pasm"), vm.diagnostics_text());
  }
  static poolvm::Config with_output(poolvm::Config c, std::string& out) {
    c.output = [&out](std::string_view s) { out.append(s); };
    return c;
  }
  HostValue call(std::string_view f, std::initializer_list<HostValue> args) {
    poolvm::RunResult r = vm.call(f, std::span<const HostValue>(args.begin(), args.size()));
    REQUIRE_MESSAGE(r.ok(), (r.error ? r.error->text() : std::string()));
    return r.value;
  }
  uint32_t in_use(const char* pool) {
    for (size_t i = 0; i < vm.pool_count(); ++i) {
      poolvm::PoolInfo p;
      REQUIRE(vm.pool_info(i, p) == Status::Ok);
      if (p.name == pool) return p.in_use;
    }
    FAIL("no pool " << pool);
    return 0;
  }
};
}  // namespace

TEST_CASE("a library without main loads; run_main says there is no main") {
  Lib lib;
  poolvm::RunResult r = lib.vm.run_main();
  CHECK(r.status == Status::BadArgument);
  REQUIRE(r.error);
  CHECK(r.error->message == "the program has no function 'main'");
}

TEST_CASE("a reference kept across reset() is stale forever, never the block that took its place") {
  Lib lib;
  HostValue old = lib.call("make_pair", {HostValue::integer(1), HostValue::integer(2)});
  CHECK(lib.call("first", {old}).as_int() == 1);
  lib.vm.reset();
  CHECK_FALSE(lib.vm.is_live(old));
  HostValue fresh = lib.call("make_pair", {HostValue::integer(99), HostValue::integer(100)});
  CHECK(lib.vm.is_live(fresh));
  // The same block (reset hands out the lowest first), a newer generation.
  poolvm::RunResult r = lib.vm.call("first", std::array{old});
  CHECK(r.status == Status::BadArgument);
  REQUIRE(r.error);
  CHECK(r.error->message == "argument 1 of 'first': stale reference: cons#0 was freed");
  HostValue car;
  CHECK(lib.vm.get(old, 0, car) == Status::BadArgument);
  CHECK(lib.vm.last_error() == "get: stale reference: cons#0 was freed");
  CHECK(lib.vm.release(old) == Status::BadArgument);
  CHECK(lib.vm.get(fresh, 0, car) == Status::Ok);
  CHECK(car.as_int() == 99);
  // Many resets later, still never valid.
  for (int i = 0; i < 100; ++i) {
    lib.vm.reset();
    lib.call("make_pair", {HostValue::integer(i), HostValue()});
    CHECK_FALSE(lib.vm.is_live(old));
    CHECK_FALSE(lib.vm.is_live(fresh));
  }
}

TEST_CASE("a reference made by one VM is foreign to every other, and to a later load of the same VM") {
  Lib a, b;
  HostValue pa = a.call("make_pair", {HostValue::integer(7), HostValue()});
  HostValue pb = b.call("make_pair", {HostValue::integer(8), HostValue()});
  CHECK(a.vm.is_live(pa));
  CHECK_FALSE(b.vm.is_live(pa));
  poolvm::RunResult r = b.vm.call("first", std::array{pa});
  REQUIRE(r.error);
  CHECK(r.error->message == "argument 1 of 'first': foreign reference: a cons made by another VM or an earlier load");
  HostValue out;
  CHECK(b.vm.get(pa, 0, out) == Status::BadArgument);
  CHECK(b.vm.set(pb, 1, pa) == Status::BadArgument);  // cannot plant it either
  CHECK(b.vm.set_global("keep", pa) == Status::BadArgument);
  CHECK(b.vm.release(pa) == Status::BadArgument);
  CHECK(b.vm.text(pa).empty());
  CHECK(b.call("first", {pb}).as_int() == 8);

  REQUIRE(a.vm.load_source(kLib, "lib.pasm"));  // a new load: new identity
  CHECK_FALSE(a.vm.is_live(pa));
}

TEST_CASE("malformed values from the host are refused, plain values are normalized") {
  Lib lib;
  HostValue bogus = HostValue::integer(5);
  unsigned char tag = 0x2a;  // no such type
  std::memcpy(static_cast<void*>(&bogus), &tag, 1);
  HostValue out;
  CHECK(lib.vm.set_global("keep", bogus) == Status::BadArgument);
  CHECK(lib.vm.last_error() == "set_global: not a value of this VM (malformed bits)");
  // A forged record reference naming the frame pool.
  HostValue pair = lib.call("make_pair", {HostValue(), HostValue()});
  HostValue forged = pair;
  unsigned char bytes[16];
  std::memcpy(bytes, static_cast<const void*>(&forged), 16);
  bytes[0] = 6;  // Rec
  bytes[2] = 2;  // pool frame
  std::memcpy(static_cast<void*>(&forged), bytes, 16);
  CHECK(lib.vm.get(forged, 0, out) == Status::BadArgument);
  CHECK_FALSE(lib.vm.is_live(forged));
}

TEST_CASE("function handles: found once, O(1) calls, arity and existence") {
  Lib lib;
  int make = lib.vm.find("make_pair");
  int sum = lib.vm.find("sum");
  CHECK(make >= 0);
  CHECK(lib.vm.find("nope") == -1);
  CHECK(lib.vm.arity(make) == 2);
  CHECK(lib.vm.arity(lib.vm.find("spin")) == 0);
  CHECK(lib.vm.arity(-1) == -1);
  CHECK(lib.vm.arity(1000) == -1);
  HostValue list;
  REQUIRE(lib.vm.make_cons(HostValue::integer(3), HostValue(), list) == Status::Ok);
  REQUIRE(lib.vm.make_cons(HostValue::integer(4), list, list) == Status::Ok);
  poolvm::RunResult r = lib.vm.call(sum, std::array{list});
  REQUIRE(r.ok());
  CHECK(r.value.as_int() == 7);
  r = lib.vm.call(sum, {});
  CHECK(r.status == Status::BadArgument);
  CHECK(r.error->message == "'sum' takes 1 argument, given 0");
  r = lib.vm.call(99, {});
  CHECK(r.status == Status::BadArgument);
  CHECK(r.error->message == "bad function handle 99");
  r = lib.vm.call("nope");
  CHECK(r.error->message == "no function 'nope'");
  (void)make;
}

TEST_CASE("globals are read and written by name") {
  Lib lib;
  HostValue v;
  REQUIRE(lib.vm.global("counter", v) == Status::Ok);
  CHECK(v.is_nil());
  REQUIRE(lib.vm.set_global("counter", HostValue::integer(41)) == Status::Ok);
  CHECK(lib.call("bump", {}).as_int() == 42);
  REQUIRE(lib.vm.global("counter", v) == Status::Ok);
  CHECK(v.as_int() == 42);
  CHECK(lib.vm.global("nope", v) == Status::BadArgument);
  CHECK(lib.vm.last_error() == "no global 'nope'");
  CHECK(lib.vm.set_global("nope", v) == Status::BadArgument);
  lib.vm.reset();
  REQUIRE(lib.vm.global("counter", v) == Status::Ok);
  CHECK(v.is_nil());
}

TEST_CASE("host-side data: strings, conses and records made, read, written and freed outside host functions") {
  Lib lib;
  HostValue s;
  REQUIRE(lib.vm.make_string("world, this is longer than one block of text", s) == Status::Ok);
  CHECK(s.type() == HostValue::Type::String);
  HostValue g = lib.call("greet", {s});
  std::array<char, 8> small{};
  size_t len = 0;
  CHECK(lib.vm.read_string(g, small, len) == Status::NoMemory);
  CHECK(len == 51);
  CHECK(std::string_view(small.data(), 8) == "hello, w");
  std::array<char, 64> big{};
  REQUIRE(lib.vm.read_string(g, big, len) == Status::Ok);
  CHECK(std::string_view(big.data(), len) == "hello, world, this is longer than one block of text");
  CHECK(lib.vm.read_string(HostValue::integer(1), big, len) == Status::BadArgument);
  CHECK(lib.vm.last_error() == "read_string: expected a string, got int");

  uint32_t str_before = lib.in_use("str");
  CHECK(lib.vm.release(g) == Status::Ok);
  CHECK(lib.in_use("str") == str_before - 2);
  CHECK(lib.vm.release(g) == Status::BadArgument);
  CHECK(lib.vm.last_error() == "double free: str#3 was already freed");
  CHECK(lib.vm.read_string(g, big, len) == Status::BadArgument);
  CHECK(lib.vm.release(HostValue()) == Status::Ok);  // nil: a no-op, like pool_free

  HostValue rec;
  REQUIRE(lib.vm.make_record("node", rec) == Status::Ok);
  CHECK(rec.type() == HostValue::Type::Record);
  HostValue slot;
  REQUIRE(lib.vm.get(rec, 2, slot) == Status::Ok);
  CHECK(slot.is_nil());
  REQUIRE(lib.vm.set(rec, 1, s) == Status::Ok);
  REQUIRE(lib.vm.get(rec, 1, slot) == Status::Ok);
  CHECK(lib.vm.text(slot) == "world, this is longer than one block of text");
  CHECK(lib.vm.get(rec, 3, slot) == Status::BadArgument);
  CHECK(lib.vm.last_error() == "get: slot 3 of node#0 is out of range (it has 3)");
  CHECK(lib.vm.set(s, 0, slot) == Status::BadArgument);
  CHECK(lib.vm.make_record("cons", rec) == Status::BadArgument);
  CHECK(lib.vm.make_record("nope", rec) == Status::BadArgument);
  CHECK(lib.vm.make_record("frame", rec) == Status::BadArgument);

  // Exhaustion is NoMemory and counts a failed allocation.
  std::vector<HostValue> nodes;
  Status st;
  while ((st = lib.vm.make_record("node", rec)) == Status::Ok) nodes.push_back(rec);
  CHECK(st == Status::NoMemory);
  CHECK(lib.vm.last_error() == "out of memory: pool 'node' capacity (8 blocks) is exhausted");
  poolvm::PoolInfo info;
  REQUIRE(lib.vm.pool_info(4, info) == Status::Ok);  // after cons, str, frame, co
  CHECK(info.name == "node");
  CHECK(info.failed == 1);
  CHECK(info.in_use == 8);
}

TEST_CASE("a tick that returns a new string and the host frees it runs forever in a fixed pool") {
  poolvm::Config c;
  c.pools = {{"str", 16}};
  Lib lib(c);
  int show = lib.vm.find("show");
  for (int tick = 0; tick < 1000; ++tick) {
    std::array args{HostValue::integer(tick)};
    poolvm::RunResult r = lib.vm.call(show, args);
    REQUIRE(r.ok());
    CHECK(lib.vm.text(r.value) == std::to_string(tick));
    REQUIRE(lib.vm.release(r.value) == Status::Ok);
  }
}

TEST_CASE("mark and release_since reclaim what an aborted call left, keeping globals") {
  poolvm::Config c;
  c.pools = {{"cons", 100}};
  Lib lib(c);
  HostValue kept = lib.call("make_pair", {HostValue::integer(1), HostValue()});
  REQUIRE(lib.vm.set_global("keep", kept) == Status::Ok);
  REQUIRE(lib.vm.set_global("counter", HostValue::integer(5)) == Status::Ok);
  for (int tick = 0; tick < 50; ++tick) {
    uint64_t mark = lib.vm.mark();
    poolvm::RunResult r = lib.vm.call("leak_then_fail", std::array{HostValue::integer(10)});
    REQUIRE(r.error);
    CHECK(r.error->kind == "division by zero");
    CHECK(lib.in_use("cons") == 11);
    REQUIRE(lib.vm.release_since(mark) == Status::Ok);
    CHECK(lib.in_use("cons") == 1);
  }
  CHECK(lib.vm.is_live(kept));
  HostValue v;
  REQUIRE(lib.vm.global("counter", v) == Status::Ok);
  CHECK(v.as_int() == 5);
  CHECK(lib.vm.release_since(0) == Status::BadArgument);
  CHECK(lib.vm.release_since(1u << 30) == Status::BadArgument);
}

TEST_CASE("the budget also ends a call that allocates; release_since then frees it") {
  Lib lib;
  lib.vm.set_step_budget(50);
  uint64_t mark = lib.vm.mark();
  poolvm::RunResult r = lib.vm.call("leak_then_fail", std::array{HostValue::integer(1000)});
  REQUIRE(r.error);
  CHECK(r.error->kind == "step limit");
  CHECK(r.error->message == "step limit reached: the step budget of 50 instructions is spent");
  CHECK(lib.in_use("cons") > 0);
  REQUIRE(lib.vm.release_since(mark) == Status::Ok);
  CHECK(lib.in_use("cons") == 0);
}

TEST_CASE("an interrupt requested before a call stops that call, and only that one") {
  Lib lib;
  lib.vm.interrupt();
  poolvm::RunResult r = lib.vm.call("spin");
  REQUIRE(r.error);
  CHECK(r.error->kind == "interrupted");
  CHECK(lib.vm.call("first", std::array{r.value}).status == Status::RuntimeError);  // car of nil: it ran
}

TEST_CASE("interrupts during re-entrant runs are consumed by exactly one run each") {
  std::string out;
  poolvm::Config c;
  c.output = [&](std::string_view s) { out.append(s); };
  poolvm::Vm vm(c);
  int nested_interrupted = 0;
  vm.register_function("tick", 0, [&](HostCall& call) {
    // The host calls back into the program; a pending request stops exactly
    // one of the runs: this nested one, or the outer one if it was not seen here.
    poolvm::RunResult r = call.vm().call("leaf");
    if (r.error && r.error->kind == "interrupted") ++nested_interrupted;
    return HostValue();
  });
  REQUIRE(vm.load_source(".extern tick 0\n.func leaf\n push 1\n ret\n.end\n"
                         ".func loop n\nagain:\n call tick\n pop\n load n\n push 1\n sub\n dup\n store n\n jnz again\n"
                         " push 0\n ret\n.end\n",
                         "r.pasm"));
  int outer_interrupted = 0;
  for (int i = 0; i < 20; ++i) {
    vm.interrupt();
    poolvm::RunResult r = vm.call("loop", std::array{HostValue::integer(3)});
    if (r.error) {
      REQUIRE(r.error->kind == "interrupted");
      ++outer_interrupted;
    }
  }
  // Every request stopped exactly one run (here the outer one, at its first
  // call, before any host function ran).
  CHECK(outer_interrupted + nested_interrupted == 20);
  CHECK(vm.call("loop", std::array{HostValue::integer(3)}).ok());
}

TEST_CASE("an interrupt raised inside a host function stops the outer run after nested runs finish") {
  poolvm::Vm vm;
  int nested_ok = 0;
  vm.register_function("tick", 0, [&](HostCall& call) {
    if (call.vm().call("leaf").ok()) ++nested_ok;
    call.vm().interrupt();
    return HostValue();
  });
  REQUIRE(vm.load_source(".extern tick 0\n.func leaf\n push 1\n ret\n.end\n"
                         ".func loop\nagain:\n call tick\n pop\n jmp again\n.end\n",
                         "r.pasm"));
  poolvm::RunResult r = vm.call("loop");
  REQUIRE(r.error);
  CHECK(r.error->kind == "interrupted");
  CHECK(nested_ok == 1);
  CHECK(vm.call("leaf").ok());  // consumed: nothing pending
}

TEST_CASE("interrupts from another thread are never lost") {
  Lib lib;
  for (int i = 0; i < 5; ++i) {
    std::atomic<bool> sent{false};
    std::thread t([&] {
      lib.vm.interrupt();
      sent = true;
    });
    t.join();
    REQUIRE(sent);
    poolvm::RunResult r = lib.vm.call("spin");  // would never end otherwise
    REQUIRE(r.error);
    CHECK(r.error->kind == "interrupted");
  }
}

TEST_CASE("a host function's nested run uses the stack above its caller's") {
  std::string out;
  poolvm::Config c;
  c.output = [&](std::string_view s) { out.append(s); };
  poolvm::Vm vm(c);
  vm.register_function("twice", 1, [](HostCall& call) {
    poolvm::RunResult r = call.vm().call("double", call.args());
    return r.value;
  });
  REQUIRE(vm.load_source(".extern twice 1\n.func double x\n push 100\n push 200\n pop\n pop\n load x\n load x\n add\n ret\n.end\n"
                         ".func main\n push 1\n push 2\n push 3\n push 21\n call twice\n print\n add\n add\n print\n push 0\n ret\n.end\n",
                         "n.pasm"));
  CHECK(vm.run_main().ok());
  CHECK(out == "42\n6\n");
}

TEST_CASE("a host function returning a stale reference fails the call") {
  poolvm::Vm vm;
  HostValue saved;
  vm.register_function("keep", 1, [&](HostCall& c) {
    saved = c.args()[0];
    return HostValue();
  });
  vm.register_function("give", 0, [&](HostCall&) { return saved; });
  REQUIRE(vm.load_source(".extern keep 1\n.extern give 0\n" +
                             main_of(" push 1\n push 2\n cons\n dup\n call keep\n pop\n pool_free\n call give\n print\n push 0\n ret"),
                         "s.pasm"));
  poolvm::RunResult r = vm.run_main();
  REQUIRE(r.error);
  CHECK(r.error->message == "host error: 'give' returned a bad value: stale reference: cons#0 was freed");
}

TEST_CASE("statistics without allocation; reset_peaks") {
  Lib lib;
  CHECK(lib.vm.pool_count() == 5);
  HostValue a = lib.call("make_pair", {HostValue(), HostValue()});
  lib.call("make_pair", {HostValue(), HostValue()});
  REQUIRE(lib.vm.release(a) == Status::Ok);
  poolvm::PoolInfo p;
  REQUIRE(lib.vm.pool_info(0, p) == Status::Ok);
  CHECK((p.name == "cons" && p.in_use == 1 && p.peak == 2 && p.allocations == 2 && p.frees == 1));
  lib.vm.reset_peaks();
  REQUIRE(lib.vm.pool_info(0, p) == Status::Ok);
  CHECK(p.peak == 1);
  CHECK(lib.vm.pool_info(5, p) == Status::BadArgument);
  CHECK(lib.vm.last_error() == "no pool 5 (the program has 5)");
}

TEST_CASE("a str pool too small for the string constants refuses the load, and the VM stays usable") {
  const char* two_strings = ".func main\n  push \"a string of forty bytes, give or take one\"\n  print\n"
                            "  push \"and another one\"\n  print\n  push 0\n  ret\n.end\n";
  poolvm::Config c;
  c.pools = {{"str", 1}};
  poolvm::Vm vm(c);
  CHECK_FALSE(vm.load_source(two_strings, "s.pasm"));
  CHECK(vm.diagnostics_text() ==
        "s.pasm: error: pool 'str' (1 blocks of 32 bytes) is too small for the program's string constants\n");
  REQUIRE(vm.diagnostics().size() == 1);
  CHECK(vm.diagnostics()[0].config_error);
  CHECK(vm.load_source(".func main\n  push 0\n  ret\n.end\n", "ok.pasm"));
}

TEST_CASE("API errors speak of API concepts, not CLI flags") {
  poolvm::Config c;
  c.pools = {{"nope", 5}};
  poolvm::Vm vm(c);
  CHECK_FALSE(vm.load_source(kLib, "lib.pasm"));
  CHECK(vm.diagnostics_text() == "lib.pasm: error: pool capacity nope=5: the program has no pool named 'nope'\n");
  poolvm::Config small;
  small.stack_values = 1;
  poolvm::Vm v2(small);
  REQUIRE(v2.load_source(kLib, "lib.pasm"));
  poolvm::RunResult r = v2.call("sum", std::array{HostValue()});
  REQUIRE(r.error);
  CHECK(r.error->message.find("--") == std::string::npos);
  CHECK(r.error->message == "stack overflow: 'sum' needs more than the 1 values of the operand stack left");
  // (the CLI names its flags itself; the library never does)
}

TEST_CASE("a moved-from Vm answers every call without crashing") {
  Lib lib;
  REQUIRE(lib.vm.set_global("counter", HostValue::integer(0)) == Status::Ok);
  poolvm::Vm moved = std::move(lib.vm);
  CHECK(moved.call("bump").ok());
  poolvm::Vm& old = lib.vm;
  CHECK_FALSE(old.load_source(kLib, "x.pasm"));
  CHECK(old.run_main().status == Status::BadArgument);
  CHECK(old.call("bump").status == Status::BadArgument);
  CHECK(old.call(0).status == Status::BadArgument);
  CHECK(old.find("bump") == -1);
  CHECK(old.arity(0) == -1);
  HostValue v;
  CHECK(old.global("counter", v) == Status::BadArgument);
  CHECK(old.make_string("x", v) == Status::BadArgument);
  CHECK(old.pool_count() == 0);
  CHECK(old.pool_statistics().empty());
  CHECK(old.last_error() == "this Vm was moved from");
  old.reset();
  old.interrupt();
  CHECK(old.register_function("f", 0, [](HostCall&) { return HostValue(); }) == Status::BadArgument);
  // And the moved-to Vm's host functions see the new Vm.
  CHECK(moved.call("bump").value.as_int() == 2);
}
