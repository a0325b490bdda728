// tests/fuzz/fuzz_restore.cpp — libFuzzer: any bytes restored as a snapshot
// (spec §12) into a VM of one fixed program. Bytes are refused, or restore a
// state that runs safely (a budget bounds it) and snapshots again into bytes
// that restore. Seeds are real snapshots of that program, paused at every
// step: with POOLVM_FUZZ_SNAPSHOT_SEEDS=DIR set, LLVMFuzzerInitialize writes
// them into DIR before libFuzzer reads its corpus (run_fuzzers.sh does so).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "poolvm/poolvm.h"

namespace {

// Coroutines resumed from calls, yields from main and from a call, strings,
// conses and records live across pauses: every part of the format.
const char* kProgram = R"(
.pool node slots=3 blocks=8
.pool cons blocks=64
.pool str blocks=64
.pool frame blocks=32
.pool co slots=16 blocks=4
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
.func pass v
    load v
    yield
    ret
.end
.func main
.local co r rec
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
    call pass
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
    ret
.end
)";

poolvm::Config quiet() {
  poolvm::Config c;
  c.stack_values = 256;
  c.output = [](std::string_view) {};
  return c;
}

std::vector<std::byte> snapshot_of(const poolvm::Vm& vm) {
  size_t len = 0;
  vm.snapshot({}, len);
  std::vector<std::byte> bytes(len);
  if (vm.snapshot(bytes, len) != poolvm::Status::Ok) __builtin_trap();
  return bytes;
}

void write_seeds(const char* dir) {
  int n = 0;
  for (uint64_t budget = 1; budget < 120; ++budget) {
    poolvm::Vm vm(quiet());
    if (!vm.load_source(kProgram, "fuzz.pasm")) __builtin_trap();
    vm.set_step_budget(budget, true);
    poolvm::RunResult r = vm.run_main();
    for (int k = 0; k < 3 && (r.status == poolvm::Status::Suspended || r.status == poolvm::Status::Yielded); ++k) {
      std::vector<std::byte> s = snapshot_of(vm);
      std::string path = std::string(dir) + "/seed-" + std::to_string(n++);
      if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
        std::fwrite(s.data(), 1, s.size(), f);
        std::fclose(f);
      }
      r = vm.resume();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* dir = std::getenv("POOLVM_FUZZ_SNAPSHOT_SEEDS")) write_seeds(dir);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static poolvm::Vm* vm = [] {
    auto* v = new poolvm::Vm(quiet());
    if (!v->load_source(kProgram, "fuzz.pasm")) __builtin_trap();
    return v;
  }();
  std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  if (vm->restore(bytes) != poolvm::Status::Ok) return 0;
  // What restored snapshots again into bytes that restore.
  std::vector<std::byte> again = snapshot_of(*vm);
  if (vm->restore(again) != poolvm::Status::Ok) __builtin_trap();
  vm->set_step_budget(5000, false);
  for (int k = 0; k < 8 && vm->paused(); ++k) vm->resume(poolvm::HostValue::integer(k));
  // Idle snapshots hold suspended coroutines: run main over them too.
  if (!vm->paused()) vm->run_main();
  vm->reset();
  return 0;
}
