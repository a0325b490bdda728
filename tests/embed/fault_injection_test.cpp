// tests/embed/fault_injection_test.cpp — Lua ltests-style fault injection:
// for N = 1, 2, 3, ... the N-th pool allocation of a run fails. Each time the
// VM must report it cleanly (a located runtime error, or nil from
// pool_malloc that the program handles), keep every pool's statistics
// consistent, give back every frame, and run correctly again after reset.
#include <doctest/doctest.h>

#include <string>

#include "poolvm/poolvm.h"
#include "runtime/pool.h"

namespace {

// Calls, cons lists, records (checked for nil), strings of several blocks, tostr.
const char* kProgram = R"(
.pool rec slots=3 blocks=8
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
.func sum xs
    load xs
    jz empty
    load xs
    car
    load xs
    cdr
    call sum
    add
    ret
empty:
    push 0
    ret
.end
.func main
.local xs r s t
    push 6
    call build
    store xs
    load xs
    call sum
    print
    pool_malloc rec
    store r
    load r
    jz no_record
    load r
    push 7
    setf 0
    load r
    getf 0
    print
    load r
    pool_free
no_record:
    push "a string that spans two blocks: 0123456789"
    push 42
    tostr
    concat
    store s
    load s
    len
    print
    load s
    pool_free
    push 0
    ret
.end
)";

const std::string kExpected = "21\n7\n44\n";

void check_consistent(poolvm::Vm& vm) {
  for (const auto& p : vm.pool_statistics()) {
    CAPTURE(p.name);
    CHECK(p.allocations - p.frees == p.in_use);
    CHECK(p.in_use <= p.capacity);
    CHECK(p.peak >= p.in_use);
    if (p.name == "frame") CHECK(p.in_use == 0);  // every frame came back
  }
}

}  // namespace

TEST_CASE("the N-th allocation fails, for every N through the program") {
  std::string out;
  poolvm::Config config;
  config.output = [&](std::string_view s) { out.append(s); };
  poolvm::Vm vm(config);
  REQUIRE_MESSAGE(vm.load_source(kProgram, "faults.pasm"), vm.diagnostics_text());

  int errors = 0, handled = 0;
  uint64_t n = 1;
  for (;; ++n) {
    CAPTURE(n);
    REQUIRE(n < 1000);
    out.clear();
    vm.reset();
    poolvm::Pool::fault_countdown = n;
    poolvm::RunResult r = vm.run_main();
    bool fault_hit = poolvm::Pool::fault_countdown == 0;
    poolvm::Pool::fault_countdown = 0;
    check_consistent(vm);
    if (!fault_hit) {
      // N is past the program's last allocation: it ran to the end.
      CHECK(r.ok());
      CHECK(out == kExpected);
      break;
    }
    uint64_t failed = 0;
    for (const auto& p : vm.pool_statistics()) failed += p.failed;
    CHECK(failed == 1);
    if (r.error) {
      ++errors;
      CHECK(r.exit_status == 70);
      CHECK(r.error->kind == "out of memory");
      CHECK(!r.error->stack.empty());
      CHECK(r.error->message.find("pool '") != std::string::npos);
    } else {
      ++handled;  // pool_malloc returned nil and the program went on
      CHECK(out == "21\n44\n");
    }
    // After the injected failure the VM runs the program again, correctly.
    vm.reset();
    out.clear();
    poolvm::RunResult again = vm.run_main();
    CHECK(again.ok());
    CHECK(out == kExpected);
  }
  CHECK(errors >= 10);  // frames, conses and strings each failed somewhere
  CHECK(handled == 1);  // the one pool_malloc
  MESSAGE("allocations in the program: " << n - 1);
}

namespace {
// Coroutines: the co block (cocreate gives nil when it fails), the frame of a
// first resume, and frames of calls made inside a coroutine between yields.
const char* kCoroutines = R"(
.pool co slots=16 blocks=2
.func sq n
    load n
    load n
    mul
    ret
.end
.func gen n
loop:
    load n
    jz done
    load n
    call sq
    yield
    pop
    load n
    push 1
    sub
    store n
    jmp loop
done:
    push -1
    ret
.end
.func main
.local co sum v
    push 0
    store sum
    push 4
    cocreate gen
    store co
    load co
    jz no_co
top:
    load co
    push nil
    coresume
    store v
    load v
    push -1
    eq
    jnz fin
    load sum
    load v
    add
    store sum
    jmp top
fin:
    load co
    pool_free
no_co:
    load sum
    print
    push 0
    ret
.end
)";
}  // namespace

TEST_CASE("the N-th allocation fails inside and around coroutines, for every N") {
  std::string out;
  poolvm::Config config;
  config.output = [&](std::string_view s) { out.append(s); };
  poolvm::Vm vm(config);
  REQUIRE_MESSAGE(vm.load_source(kCoroutines, "co_faults.pasm"), vm.diagnostics_text());
  int errors = 0, handled = 0;
  for (uint64_t n = 1;; ++n) {
    CAPTURE(n);
    REQUIRE(n < 100);
    out.clear();
    vm.reset();
    poolvm::Pool::fault_countdown = n;
    poolvm::RunResult r = vm.run_main();
    bool fault_hit = poolvm::Pool::fault_countdown == 0;
    poolvm::Pool::fault_countdown = 0;
    // Frames of the coroutines an error went through are given back too.
    check_consistent(vm);
    if (!fault_hit) {
      CHECK(r.ok());
      CHECK(out == "30\n");
      break;
    }
    if (r.error) {
      ++errors;
      CHECK(r.error->kind == "out of memory");
      CHECK(r.error->message.find("pool 'frame'") != std::string::npos);
      CHECK(!r.error->stack.empty());
    } else {
      ++handled;  // cocreate gave nil and main went on without it
      CHECK(out == "0\n");
    }
    vm.reset();
    out.clear();
    CHECK(vm.run_main().ok());
    CHECK(out == "30\n");
  }
  CHECK(handled == 1);  // the one co block
  CHECK(errors >= 5);   // main's frame, the first resume's, and each call of sq
}
