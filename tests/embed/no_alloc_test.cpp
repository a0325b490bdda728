// tests/embed/no_alloc_test.cpp — proves that a VM over host-supplied memory
// makes no system heap allocation while it runs a loaded program: global
// operator new is replaced and malloc & co. are wrapped at link time
// (-Wl,--wrap), and both count while a window is open around run_main.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

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
