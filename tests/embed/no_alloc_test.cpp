// tests/embed/no_alloc_test.cpp — proves that a VM over host-supplied memory
// makes no system heap allocation while it runs a loaded program: global
// operator new is replaced and malloc & co. are wrapped at link time
// (-Wl,--wrap), and both count while a window is open around run_main.
#include <doctest/doctest.h>

#include <atomic>
#include <cstring>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "poolvm/capi.h"
#include "poolvm/poolvm.h"

namespace {
std::atomic<bool> counting{false};
std::atomic<long> allocations{0};
void note() {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

extern "C" {
void* __real_malloc(size_t);
void* __real_calloc(size_t, size_t);
void* __real_realloc(void*, size_t);
void* __real_aligned_alloc(size_t, size_t);
void* __wrap_malloc(size_t n) { note(); return __real_malloc(n); }
void* __wrap_calloc(size_t n, size_t k) { note(); return __real_calloc(n, k); }
void* __wrap_realloc(void* p, size_t n) { note(); return __real_realloc(p, n); }
void* __wrap_aligned_alloc(size_t a, size_t n) { note(); return __real_aligned_alloc(a, n); }
}

void* operator new(size_t n) {
  note();
  if (void* p = __real_malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }

TEST_CASE("a run over host memory allocates nothing from the system heap") {
  // Calls, conses, records, strings, printing: every kind of pool traffic.
  const std::string program = R"(
.pool point slots=2 blocks=16
.func build n
.local acc
    push nil
    store acc
loop:
    load n
    jz done
    load n
    load acc
    cons
    store acc
    load n
    push 1
    sub
    store n
    jmp loop
done:
    load acc
    ret
.end
.func free_all xs
.local next
loop:
    load xs
    jz done
    load xs
    cdr
    store next
    load xs
    pool_free
    load next
    store xs
    jmp loop
done:
    push nil
    ret
.end
.func main
.local xs p s i
    push 0
    store i
again:
    push 50
    call build
    store xs
    load xs
    print
    load xs
    call free_all
    pop
    pool_malloc point
    store p
    load p
    push 1.5
    setf 0
    load p
    print
    load p
    pool_free
    push "pool"
    load i
    tostr
    concat
    store s
    load s
    print
    load s
    pool_free
    load i
    push 1
    add
    dup
    store i
    push 200
    lt
    jnz again
    push 0
    ret
.end
)";
  std::vector<std::byte> memory(4 << 20);
  size_t printed = 0;
  poolvm::Config config;
  config.memory = memory;
  config.pools = {{"cons", 1024}, {"str", 256}, {"frame", 64}};
  config.stack_values = 1024;
  config.output = [&](std::string_view s) { printed += s.size(); };
  poolvm::Vm vm(config);
  REQUIRE_MESSAGE(vm.load_source(program, "alloc.pasm"), vm.diagnostics_text());

  allocations = 0;
  counting = true;
  poolvm::RunResult r = vm.run_main();
  counting = false;

  CHECK(r.ok());
  CHECK(printed > 200 * 100);  // the program really ran and printed
  CHECK(allocations.load() == 0);

  // The counter works: the same window around a heap allocation counts it.
  counting = true;
  auto* probe = new std::string(100, 'x');
  counting = false;
  CHECK(allocations.load() >= 1);
  delete probe;
}

TEST_CASE("the host API over host memory allocates nothing: handles, host-made data, string reads, globals, "
          "statistics, reclaim, reset, and the C API") {
  const std::string program = R"(
.pool point slots=2 blocks=16
.global last
.extern shout 1
.func label n
    push "n="
    load n
    tostr
    concat
    call shout
    ret
.end
.func length xs
.local n
    push 0
    store n
loop:
    load xs
    jz done
    load n
    push 1
    add
    store n
    load xs
    cdr
    store xs
    jmp loop
done:
    load xs
    gstore last
    load n
    ret
.end
.func litter k
loop:
    load k
    push nil
    cons
    pop
    load k
    push 1
    sub
    dup
    store k
    jnz loop
    push nil
    ret
.end
)";
  std::vector<std::byte> memory(4 << 20);
  poolvm::Config config;
  config.memory = memory;
  config.pools = {{"cons", 1024}, {"str", 256}, {"frame", 64}};
  config.stack_values = 1024;
  config.output = [](std::string_view) {};
  poolvm::Vm vm(config);
  // A host function that reads its string argument into a buffer of its own
  // and answers with a new string.
  vm.register_function("shout", 1, [](poolvm::HostCall& call) {
    char buf[64];
    size_t len = 0;
    if (call.vm().read_string(call.args()[0], buf, len) != poolvm::Status::Ok) call.fail("not a short string");
    for (size_t i = 0; i < len; ++i) buf[i] = static_cast<char>(buf[i] >= 'a' && buf[i] <= 'z' ? buf[i] - 32 : buf[i]);
    call.vm().release(call.args()[0]);
    return call.make_string(std::string_view(buf, len));
  });
  REQUIRE_MESSAGE(vm.load_source(program, "host.pasm"), vm.diagnostics_text());

  allocations = 0;
  counting = true;
  int label = vm.find("label");
  int length = vm.find("length");
  int litter = vm.find("litter");
  bool all_ok = label >= 0 && vm.arity(length) == 1;
  char buf[64];
  size_t len = 0;
  for (int tick = 0; tick < 100; ++tick) {
    poolvm::HostValue n = poolvm::HostValue::integer(tick);
    poolvm::RunResult r = vm.call(label, std::span(&n, 1));
    all_ok &= r.ok() && vm.read_string(r.value, buf, len) == poolvm::Status::Ok && len >= 3 && buf[0] == 'N';
    all_ok &= vm.release(r.value) == poolvm::Status::Ok;

    poolvm::HostValue list, s, rec, got;
    all_ok &= vm.make_string("host", s) == poolvm::Status::Ok;
    all_ok &= vm.make_cons(s, poolvm::HostValue(), list) == poolvm::Status::Ok;
    all_ok &= vm.make_cons(poolvm::HostValue::real(1.5), list, list) == poolvm::Status::Ok;
    r = vm.call(length, std::span(&list, 1));
    all_ok &= r.ok() && r.value.as_int() == 2;
    all_ok &= vm.make_record("point", rec) == poolvm::Status::Ok;
    all_ok &= vm.set(rec, 0, list) == poolvm::Status::Ok && vm.get(rec, 0, got) == poolvm::Status::Ok;
    all_ok &= vm.get(got, 0, got) == poolvm::Status::Ok && got.as_float() == 1.5;
    all_ok &= vm.set_global("last", rec) == poolvm::Status::Ok && vm.global("last", got) == poolvm::Status::Ok;
    all_ok &= vm.is_live(got) && vm.release(rec) == poolvm::Status::Ok && !vm.is_live(got);
    all_ok &= vm.release(got) == poolvm::Status::BadArgument;  // misuse fails without allocating too

    uint64_t mark = vm.mark();
    poolvm::HostValue k = poolvm::HostValue::integer(5);
    all_ok &= vm.call(litter, std::span(&k, 1)).ok();
    all_ok &= vm.release_since(mark) == poolvm::Status::Ok;

    poolvm::PoolInfo info;
    for (size_t i = 0; i < vm.pool_count(); ++i) all_ok &= vm.pool_info(i, info) == poolvm::Status::Ok;
    vm.reset_peaks();
    if (tick % 10 == 9) vm.reset();
  }
  counting = false;
  CHECK(all_ok);
  CHECK(allocations.load() == 0);
}

TEST_CASE("the C API over host memory allocates nothing once the VM is loaded") {
  static unsigned char arena[4 << 20];
  pvm_config config{};
  config.pools = "cons=256,str=64,frame=32";
  config.stack_values = 512;
  config.memory = arena;
  config.memory_bytes = sizeof arena;
  config.write = [](void*, const char*, size_t) {};
  pvm_vm* vm = pvm_new(&config);
  REQUIRE(vm != nullptr);
  REQUIRE(pvm_register(vm, "host_add", 2,
                       [](pvm_vm*, void*, const pvm_value* a, size_t, pvm_value* r) {
                         *r = pvm_int(pvm_as_int(a[0]) + pvm_as_int(a[1]));
                         return PVM_OK;
                       },
                       nullptr) == PVM_OK);
  const char* text = ".extern host_add 2\n.func f a b\n load a\n load b\n call host_add\n load a\n cons\n ret\n.end\n";
  REQUIRE(pvm_load(vm, "c.pasm", text, std::strlen(text)) == PVM_OK);

  allocations = 0;
  counting = true;
  int f = pvm_find(vm, "f");
  bool all_ok = pvm_arity(vm, f) == 2;
  for (int i = 0; i < 100; ++i) {
    pvm_value args[2] = {pvm_int(i), pvm_int(1)}, r, car, s;
    all_ok &= pvm_call(vm, f, args, 2, &r) == PVM_OK;
    all_ok &= pvm_get(vm, r, 0, &car) == PVM_OK && pvm_as_int(car) == i + 1;
    all_ok &= pvm_release(vm, r) == PVM_OK && pvm_is_live(vm, r) == 0;
    all_ok &= pvm_string(vm, "abc", 3, &s) == PVM_OK;
    char buf[8];
    size_t len;
    all_ok &= pvm_read_string(vm, s, buf, sizeof buf, &len) == PVM_OK && len == 3;
    all_ok &= pvm_release(vm, s) == PVM_OK;
    all_ok &= pvm_release(vm, s) == PVM_BAD_ARGUMENT;
    pvm_pool_info info;
    all_ok &= pvm_pool_stats(vm, 0, &info) == PVM_OK;
    uint64_t mark = pvm_mark(vm);
    all_ok &= pvm_cons(vm, pvm_nil(), pvm_nil(), &r) == PVM_OK;
    all_ok &= pvm_release_since(vm, mark) == PVM_OK;
    pvm_reset(vm);
  }
  counting = false;
  CHECK(all_ok);
  CHECK(allocations.load() == 0);
  pvm_free(vm);
}

TEST_CASE("yield, suspension and resume over host memory allocate nothing") {
  static unsigned char arena[4 << 20];
  pvm_config config{};
  config.pools = "cons=256,str=64,frame=32";
  config.stack_values = 512;
  config.memory = arena;
  config.memory_bytes = sizeof arena;
  static std::string printed;
  printed.reserve(1 << 16);
  config.write = [](void*, const char* b, size_t n) { printed.append(b, n); };
  pvm_vm* vm = pvm_new(&config);
  REQUIRE(vm != nullptr);
  // A script that waits for each tick with `yield`, prints, and does some
  // work in a call, so suspensions land in nested frames too.
  const char* text =
      ".func main\n.local t sum\n push 0\n store sum\ntop:\n push nil\n yield\n dup\n store t\n jz done\n"
      " load t\n write\n load sum\n load t\n call work\n add\n store sum\n jmp top\n"
      "done:\n load sum\n ret\n.end\n"
      ".func work n\n.local i acc\n push 0\n store acc\n push 0\n store i\nloop:\n load i\n load n\n lt\n jz end\n"
      " load acc\n load i\n add\n store acc\n load i\n push 1\n add\n store i\n jmp loop\nend:\n load acc\n ret\n.end\n";
  REQUIRE(pvm_load(vm, "tick.pasm", text, std::strlen(text)) == PVM_OK);
  int main_fn = pvm_find(vm, "main");

  allocations = 0;
  counting = true;
  bool all_ok = true;
  int64_t want = 0;
  for (int round = 0; round < 20; ++round) {
    pvm_set_budget(vm, round % 2 == 0 ? 0 : 5 + static_cast<uint64_t>(round), 1);
    pvm_value r;
    pvm_status st = pvm_call(vm, main_fn, nullptr, 0, &r);
    int tick = 1;
    while (st == PVM_YIELDED || st == PVM_SUSPENDED) {
      // A yield gets the next tick (0 ends the script); a suspension ignores it.
      pvm_value sent = pvm_int(tick <= 10 ? tick : 0);
      if (st == PVM_YIELDED) ++tick;
      st = pvm_resume(vm, sent, &r);
    }
    all_ok &= st == PVM_OK;
    want = 0;
    for (int t = 1; t <= 10; ++t) want += static_cast<int64_t>(t) * (t - 1) / 2;
    all_ok &= pvm_as_int(r) == want;
    pvm_reset(vm);
  }
  counting = false;
  CHECK(all_ok);
  CHECK(allocations.load() == 0);
  CHECK(printed.size() == 20 * std::string("12345678910").size());
  pvm_free(vm);
}

TEST_CASE("coroutines created, resumed, yielding and freed over host memory allocate nothing") {
  static unsigned char arena[4 << 20];
  pvm_config config{};
  config.pools = "cons=16,str=16,frame=16";
  config.stack_values = 256;
  config.memory = arena;
  config.memory_bytes = sizeof arena;
  static std::string printed;
  printed.reserve(1 << 16);
  config.write = [](void*, const char* b, size_t n) { printed.append(b, n); };
  pvm_vm* vm = pvm_new(&config);
  REQUIRE(vm != nullptr);
  // Each tick the script resumes a generator coroutine (its yields go to
  // main), then yields the value to the host; a budget slices it as well.
  const char* text =
      ".pool co slots=16 blocks=2\n"
      ".func squares\n.local i\n push 1\n store i\ntop:\n load i\n load i\n mul\n yield\n pop\n"
      " load i\n push 1\n add\n store i\n jmp top\n.end\n"
      ".func main\n.local co sum v\n push 0\n store sum\n cocreate squares\n store co\nloop:\n"
      " load co\n push nil\n coresume\n store v\n load sum\n load v\n add\n store sum\n"
      " load v\n write\n load v\n yield\n jnz loop\n load co\n pool_free\n load sum\n ret\n.end\n";
  REQUIRE(pvm_load(vm, "co.pasm", text, std::strlen(text)) == PVM_OK);
  int main_fn = pvm_find(vm, "main");

  allocations = 0;
  counting = true;
  bool all_ok = true;
  for (int round = 0; round < 20; ++round) {
    pvm_set_budget(vm, round % 2 == 0 ? 0 : 3 + static_cast<uint64_t>(round), 1);
    pvm_value r;
    pvm_status st = pvm_call(vm, main_fn, nullptr, 0, &r);
    int ticks = 0;
    while (st == PVM_YIELDED || st == PVM_SUSPENDED) {
      if (st == PVM_YIELDED) ++ticks;
      st = pvm_resume(vm, pvm_int(ticks < 5 ? 1 : 0), &r);  // 0: stop after the 5th square
    }
    all_ok &= st == PVM_OK;
    all_ok &= pvm_as_int(r) == 1 + 4 + 9 + 16 + 25;
    pvm_reset(vm);
  }
  counting = false;
  CHECK(all_ok);
  CHECK(allocations.load() == 0);
  CHECK(printed == [] {
    std::string once = "1491625", all;
    for (int i = 0; i < 20; ++i) all += once;
    return all;
  }());
  pvm_free(vm);
}

TEST_CASE("snapshots into a host buffer and restores over host memory allocate nothing") {
  static unsigned char arena_a[4 << 20], arena_b[4 << 20];
  static std::string printed;
  printed.reserve(1 << 16);
  auto make = [](unsigned char* arena, size_t bytes) {
    pvm_config config{};
    config.pools = "cons=256,str=64,frame=32";
    config.stack_values = 512;
    config.memory = arena;
    config.memory_bytes = bytes;
    config.write = [](void*, const char* b, size_t n) { printed.append(b, n); };
    return pvm_new(&config);
  };
  pvm_vm* vms[2] = {make(arena_a, sizeof arena_a), make(arena_b, sizeof arena_b)};
  REQUIRE(vms[0] != nullptr);
  REQUIRE(vms[1] != nullptr);
  // Each pause moves the run to the other VM; conses and strings live across.
  const char* text =
      ".func main\n.local t l\n push nil\n store l\ntop:\n push nil\n yield\n dup\n store t\n jz done\n"
      " load t\n tostr\n write\n load t\n load l\n cons\n store l\n jmp top\n"
      "done:\n load l\n car\n ret\n.end\n";
  for (pvm_vm* vm : vms) REQUIRE(pvm_load(vm, "move.pasm", text, std::strlen(text)) == PVM_OK);
  static unsigned char snap[1 << 16];

  allocations = 0;
  counting = true;
  bool all_ok = true;
  int at = 0;
  pvm_set_budget(vms[0], 3, 1);
  pvm_value r;
  pvm_status st = pvm_call(vms[0], pvm_find(vms[0], "main"), nullptr, 0, &r);
  int tick = 1;
  while (st == PVM_YIELDED || st == PVM_SUSPENDED) {
    size_t len = 0;
    all_ok &= pvm_snapshot(vms[at], snap, sizeof snap, &len) == PVM_OK;
    all_ok &= pvm_restore(vms[1 - at], snap, len - 1) == PVM_BAD_ARGUMENT;  // refused: allocates nothing either
    all_ok &= pvm_restore(vms[1 - at], snap, len) == PVM_OK;
    at = 1 - at;
    pvm_value sent = pvm_int(tick <= 10 ? tick : 0);
    if (st == PVM_YIELDED) ++tick;
    st = pvm_resume(vms[at], sent, &r);
  }
  counting = false;
  CHECK(all_ok);
  CHECK(st == PVM_OK);
  CHECK(pvm_as_int(r) == 10);
  CHECK(allocations.load() == 0);
  CHECK(printed == "12345678910");
  for (pvm_vm* vm : vms) pvm_free(vm);
}
