// tests/vm/snapshot_test.cpp — snapshots (spec §12): a run paused every N
// steps, saved, restored into a fresh VM and resumed there ends exactly as
// the uninterrupted run; sizes follow blocks in use, not capacity; other
// programs and shapes are refused; every truncation and byte flip is refused
// or restores a state that runs safely (the sanitizer build watches).
#include <doctest/doctest.h>


#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include "poolvm/poolvm.h"
#include "run_helpers.h"

using poolvm::HostValue;
using poolvm::RunResult;
using poolvm::Status;
using poolvm::Vm;

namespace {

std::string program(const char* name) {
  std::string text = read_file(std::string(POOLVM_SOURCE_DIR) + "/programs/" + name + ".pasm");
  REQUIRE(!text.empty());
  return text;
}

std::vector<std::byte> take(const Vm& vm) {
  size_t need = 0;
  CHECK(vm.snapshot({}, need) == Status::NoMemory);
  std::vector<std::byte> bytes(need);
  size_t len = 0;
  REQUIRE(vm.snapshot(bytes, len) == Status::Ok);
  REQUIRE(len == need);
  return bytes;
}

// A VM with its output appended to a string that outlives it.
std::unique_ptr<Vm> make_vm(const std::string& text, std::string& out, poolvm::Config c = {}) {
  c.output = [&out](std::string_view s) { out.append(s); };
  auto vm = std::make_unique<Vm>(std::move(c));
  REQUIRE(vm->load_source(text, "t.pasm"));
  return vm;
}

// Runs main; with budget > 0, suspends every `budget` steps and, at every
// pause (budget or yield), snapshots the VM, restores the bytes into a
// fresh VM and goes on there. `moves` counts the restores.
Outcome run_moved(const std::string& text, uint64_t budget, const std::vector<std::string>& args,
                  size_t* moves = nullptr) {
  Outcome o;
  auto vm = make_vm(text, o.out);
  vm->set_step_budget(budget, budget != 0);
  RunResult r = vm->run_main(args);
  while (r.status == Status::Suspended || r.status == Status::Yielded) {
    HostValue sent = r.status == Status::Yielded ? HostValue::integer(42) : HostValue();
    std::vector<std::byte> snap = take(*vm);
    auto next = make_vm(text, o.out);
    REQUIRE_MESSAGE(next->restore(snap) == Status::Ok, next->last_error());
    next->set_program_args(args);
    CHECK(next->paused());
    // The old VM may go away: the new one holds everything.
    vm = std::move(next);
    if (moves != nullptr) ++*moves;
    r = vm->resume(sent);
  }
  record_end(o, *vm, r);
  return o;
}

Outcome run_whole(const std::string& text, uint64_t budget, const std::vector<std::string>& args) {
  Outcome o;
  auto vm = make_vm(text, o.out);
  vm->set_step_budget(budget, budget != 0);
  RunResult r = vm->run_main(args);
  while (r.status == Status::Suspended || r.status == Status::Yielded)
    r = vm->resume(r.status == Status::Yielded ? HostValue::integer(42) : HostValue());
  record_end(o, *vm, r);
  return o;
}

// Yields from main, from a call and from coroutines at several depths;
// conses, records and strings live across the pauses.
const char* kMixed = R"(
.pool node slots=3 blocks=16
.global keep
.func gen n
.local i
    push 0
    store i
top:
    load i
    load n
    lt
    jz done
    load i
    tostr
    push "g"
    concat
    yield
    pop
    load i
    push 1
    add
    store i
    jmp top
done:
    push "end"
    ret
.end

.func deep co
    load co
    push nil
    coresume
    ret
.end

.func main
.local co r k rec
    push 3
    cocreate gen
    store co
    pool_malloc node
    store rec
    load rec
    push 1
    setf 0
    push 5
    push nil
    cons
    gstore keep
loop:
    load co
    call deep
    store r
    load r
    print
    load r
    yield
    pop
    load co
    costatus
    push 3
    eq
    jz loop
    load co
    pool_free
    load rec
    getf 0
    gload keep
    car
    add
    print
    push 9
    ret
.end
)";

}  // namespace

TEST_CASE("a run snapshotted and moved to a fresh VM at every pause ends as the uninterrupted run") {
  Outcome whole = run_whole(kMixed, 0, {});
  CHECK(whole.exit_status == 9);
  for (uint64_t n : {0, 1, 2, 3, 5, 8, 13}) {
    CAPTURE(n);
    size_t moves = 0;
    Outcome moved = run_moved(kMixed, n, {}, &moves);
    CHECK(moves > 0);
    CHECK(moved == whole);
  }
}

TEST_CASE("the example programs moved between VMs every N steps give the same output and statistics") {
  for (const char* name : {"fib", "lists", "queue", "records", "strings", "binary_trees", "generators", "hello"}) {
    CAPTURE(name);
    std::string text = program(name);
    std::vector<std::string> args;
    if (std::string(name) == "fib") args = {"12"};
    if (std::string(name) == "binary_trees") args = {"4"};
    if (std::string(name) == "generators") args = {"8"};
    Outcome whole = run_whole(text, 0, args);
    CHECK(whole.error.empty());
    for (uint64_t n : {7, 100, 1000}) {
      CAPTURE(n);
      Outcome moved = run_moved(text, n, args);
      CHECK(moved == whole);
    }
  }
}

TEST_CASE("an idle VM's snapshot carries globals, live blocks and suspended coroutines") {
  const char* text = R"(
.global g c
.func counter
.local i
    push 0
    store i
top:
    load i
    yield
    pop
    load i
    push 1
    add
    store i
    jmp top
.end
.func setup
    push "hello"
    push " world"
    concat
    gstore g
    cocreate counter
    gstore c
    gload c
    push nil
    coresume
    ret
.end
.func next
    gload c
    push nil
    coresume
    ret
.end
)";
  std::string out1, out2;
  auto a = make_vm(text, out1);
  HostValue r;
  REQUIRE(a->call(a->find("setup"), {}, r) == Status::Ok);
  REQUIRE(a->call(a->find("next"), {}, r) == Status::Ok);
  CHECK(r.as_int() == 1);
  std::vector<std::byte> snap = take(*a);
  auto b = make_vm(text, out2);
  REQUIRE_MESSAGE(b->restore(snap) == Status::Ok, b->last_error());
  CHECK_FALSE(b->paused());
  HostValue g;
  REQUIRE(b->global("g", g) == Status::Ok);
  CHECK(b->text(g) == "hello world");
  // The coroutine continues where it was in both.
  for (int i = 2; i < 5; ++i) {
    HostValue ra, rb;
    REQUIRE(a->call(a->find("next"), {}, ra) == Status::Ok);
    REQUIRE(b->call(b->find("next"), {}, rb) == Status::Ok);
    CHECK(ra.as_int() == i);
    CHECK(rb.as_int() == i);
  }
  // A reference taken from the VM before the restore is foreign after it.
  auto c = make_vm(text, out2);
  HostValue before;
  REQUIRE(c->make_string("x", before) == Status::Ok);
  REQUIRE(c->restore(snap) == Status::Ok);
  CHECK_FALSE(c->is_live(before));
  size_t len = 0;
  char buf[4];
  CHECK(c->read_string(before, buf, len) == Status::BadArgument);
}

TEST_CASE("snapshot size grows with blocks in use, not with capacity") {
  const char* text = R"(
.func main
.local i l
    push nil
    store l
    push 0
    store i
top:
    load i
    push 3000
    lt
    jz done
    load i
    load l
    cons
    store l
    load i
    push 1
    add
    store i
    jmp top
done:
    load l
    yield
    ret
.end
)";
  auto size_with = [&](uint32_t cons_blocks) {
    std::string out;
    poolvm::Config c;
    c.pools = {{"cons", cons_blocks}};
    auto vm = make_vm(text, out, c);
    RunResult r = vm->run_main();
    REQUIRE(r.status == Status::Yielded);
    return take(*vm).size();
  };
  size_t small = size_with(5000), large = size_with(4000000);
  MESSAGE("3000 live conses: " << small << " bytes with 5000 blocks, " << large << " with 4000000");
  CHECK(large == small);
  // 3000 cells of two 16-byte values, plus a generation and an epoch each.
  CHECK(small < 3000 * (32 + 8) + 16384);
  CHECK(small > 3000 * 32);
}

TEST_CASE("restore refuses another program, other capacities and another stack, leaving the VM as it was") {
  std::string out;
  auto a = make_vm(kMixed, out);
  RunResult r = a->run_main();
  REQUIRE(r.status == Status::Yielded);
  std::vector<std::byte> snap = take(*a);

  auto other = make_vm(main_of("push 1\n    ret"), out);
  CHECK(other->restore(snap) == Status::BadArgument);
  CHECK(std::string(other->last_error()).find("another program") != std::string::npos);

  poolvm::Config small;
  small.pools = {{"cons", 100}};
  auto b = make_vm(kMixed, out, small);
  CHECK(b->restore(snap) == Status::BadArgument);
  CHECK(std::string(b->last_error()).find("capacity") != std::string::npos);

  poolvm::Config stack;
  stack.stack_values = 1000;
  auto c = make_vm(kMixed, out, stack);
  CHECK(c->restore(snap) == Status::BadArgument);
  CHECK(std::string(c->last_error()).find("stack") != std::string::npos);

  // The same program text under another name is the same program.
  poolvm::Config plain;
  plain.output = [&out](std::string_view s) { out.append(s); };
  Vm d(plain);
  REQUIRE(d.load_source(kMixed, "elsewhere/renamed.pasm"));
  CHECK(d.restore(snap) == Status::Ok);
}

TEST_CASE("snapshot and restore are refused during a run and without a program") {
  Vm empty;
  size_t len = 0;
  CHECK(empty.snapshot({}, len) == Status::BadArgument);
  std::byte b[1] = {};
  CHECK(empty.restore(b) == Status::BadArgument);

  Vm vm;
  Status inside = Status::Ok, inside_restore = Status::Ok;
  vm.register_function("probe", 0, [&](poolvm::HostCall& call) {
    size_t n = 0;
    inside = call.vm().snapshot({}, n);
    inside_restore = call.vm().restore(b);
    return HostValue();
  });
  REQUIRE(vm.load_source(".extern probe 0\n.func main\n    call probe\n    ret\n.end\n", "t.pasm"));
  vm.run_main();
  CHECK(inside == Status::BadArgument);
  CHECK(inside_restore == Status::BadArgument);
}

namespace {
// A snapshot with everything in it: paused inside a coroutine resumed from
// a call, with a suspended generator, strings, records and conses live.
std::vector<std::byte> rich_snapshot(uint64_t budget) {
  std::string out;
  auto vm = make_vm(kMixed, out);
  vm->set_step_budget(budget, true);
  RunResult r = vm->run_main();
  while (r.status == Status::Yielded) r = vm->resume();
  REQUIRE(r.status == Status::Suspended);
  return take(*vm);
}

// Runs a restored VM to its end with a failing budget, so a flip that made
// a loop endless still ends.
void run_out(Vm& vm) {
  vm.set_step_budget(100000, false);
  RunResult r = vm.resume(HostValue::integer(1));
  for (int i = 0; i < 20 && r.status == Status::Yielded; ++i) r = vm.resume(HostValue::integer(1));
  vm.reset();
}
}  // namespace

TEST_CASE("every truncation of a snapshot is refused and changes nothing") {
  for (uint64_t budget : {9, 20, 24}) {
    std::vector<std::byte> snap = rich_snapshot(budget);
    std::string out;
    auto vm = make_vm(kMixed, out);
    RunResult r = vm->run_main();
    REQUIRE(r.status == Status::Yielded);
    std::vector<std::byte> before = take(*vm);
    for (size_t n = 0; n < snap.size(); ++n) {
      CAPTURE(n);
      REQUIRE(vm->restore(std::span(snap.data(), n)) == Status::BadArgument);
      CHECK(!std::string(vm->last_error()).empty());
    }
    CHECK(take(*vm) == before);
    REQUIRE(vm->restore(snap) == Status::Ok);
  }
}

TEST_CASE("every byte flip of a snapshot is refused or restores a state that runs safely") {
  std::vector<std::byte> snap = rich_snapshot(20);
  std::string out;
  auto vm = make_vm(kMixed, out);
  size_t refused = 0, restored = 0;
  for (size_t i = 0; i < snap.size(); ++i) {
    for (unsigned char mask : {0x01, 0x80, 0xFF}) {
      std::vector<std::byte> bad = snap;
      bad[i] ^= std::byte{mask};
      if (vm->restore(bad) != Status::Ok) {
        ++refused;
        continue;
      }
      ++restored;
      run_out(*vm);
    }
  }
  MESSAGE(snap.size() << " bytes, " << refused << " flips refused, " << restored << " restored and ran");
  CHECK(refused > 0);
  CHECK(restored > 0);
  // The header and the shape are always refused when flipped.
  for (size_t i = 0; i < 64; ++i) {
    if (i >= 48 && i < 56) continue;  // the budget: any value is a budget
    std::vector<std::byte> bad = snap;
    bad[i] ^= std::byte{0x01};
    CAPTURE(i);
    CHECK(vm->restore(bad) == Status::BadArgument);
  }
}

TEST_CASE("a string marked as a run of consecutive blocks is refused unless its blocks are that run") {
  // Two 40-byte halves make an 80-byte string of three str blocks, taken
  // from the bump cursor: consecutive and ascending, so marked kRunUp (1) in
  // its second block. A snapshot that says kRunDown (2) instead would make
  // byte reads land in other blocks: restore must refuse it.
  const std::string text =
      ".func main\n.local s\n    push \"0123456789012345678901234567890123456789\"\n"
      "    push \"abcdefghijabcdefghijabcdefghijabcdefghij\"\n    concat\n    store s\n"
      "    push nil\n    yield\n    pop\n    load s\n    push 70\n    byte\n    ret\n.end\n";
  std::string out;
  auto vm = make_vm(text, out);
  REQUIRE(vm->run_main().status == Status::Yielded);
  std::vector<std::byte> snap = take(*vm);
  const std::byte up[4] = {std::byte{1}, std::byte{0}, std::byte{0}, std::byte{0}};
  size_t tried = 0, refused_as_run = 0;
  for (size_t i = 0; i + 4 <= snap.size(); ++i) {
    if (std::memcmp(snap.data() + i, up, 4) != 0) continue;
    std::vector<std::byte> bad = snap;
    bad[i] = std::byte{2};
    ++tried;
    auto fresh = make_vm(text, out);
    if (fresh->restore(bad) != Status::Ok) {
      if (std::string(fresh->last_error()).find("marked as a run") != std::string::npos) ++refused_as_run;
      continue;
    }
    run_out(*fresh);  // whatever else that word was, the state runs safely
  }
  CHECK(tried > 0);
  // The result and both 40-byte constants (two blocks each) are marked runs.
  CHECK(refused_as_run == 3);
  // Unmarked (0) is always a true claim: it restores and reads the same byte.
  auto fresh = make_vm(text, out);
  REQUIRE(fresh->restore(snap) == Status::Ok);
  RunResult r = fresh->resume();
  CHECK(r.status == Status::Ok);
  CHECK(r.value.as_int() == 'a' + 0 + (70 - 40) % 10);
}

TEST_CASE("read_snapshot_shape gives the capacities to configure a VM with") {
  std::string out;
  poolvm::Config c;
  c.pools = {{"cons", 777}, {"node", 20}};
  c.stack_values = 4096;
  auto vm = make_vm(kMixed, out, c);
  REQUIRE(vm->run_main().status == Status::Yielded);
  std::vector<std::byte> snap = take(*vm);
  poolvm::SnapshotShape shape;
  std::string why;
  REQUIRE(poolvm::read_snapshot_shape(snap, shape, why));
  CHECK(shape.stack_values == 4096);
  poolvm::Config d;
  d.pools = shape.pools;
  d.stack_values = shape.stack_values;
  bool found = false;
  for (const auto& p : shape.pools) found |= p.name == "cons" && p.blocks == 777;
  CHECK(found);
  auto again = make_vm(kMixed, out, d);
  CHECK(again->restore(snap) == Status::Ok);
  std::byte junk[100] = {};
  CHECK_FALSE(poolvm::read_snapshot_shape(junk, shape, why));
  CHECK(!why.empty());
}
