// tests/fuzz/fuzz_run.cpp — libFuzzer: any bytes (.pasm text or .pbc) loaded
// into a VM with small pools and a step budget, and run if they verify:
// whatever a program does, the VM reports it; it never crashes or hangs.
// The reference run is traced (an observer that ignores everything), so it
// runs the module's original instructions; it runs again on the counting
// loop (superinstructions, threaded code), which must stop at the same
// instruction, and, when it ended within the budget, on the plain loop and
// sliced by a suspending budget resumed until done: all must print the same,
// end with the same status and fail with the same error. A `yield` of the
// main run is resumed with nil, as `poolvm run` does, a bounded number of times.
// Last, a sliced run is interrupted between two slices.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "poolvm/poolvm.h"

namespace {

struct Outcome {
  std::string out;
  int status = 0;
  std::string error;
  bool hit_step_limit = false;  // or still yielding after kMaxYields resumes
};

constexpr int kMaxYields = 64;

Outcome run(poolvm::Vm& vm, std::string& out) {
  out.clear();
  poolvm::RunResult r = vm.run_main({"a", "12"});
  int yields = 0;
  bool cut = false;
  for (;;) {
    if (r.status == poolvm::Status::Suspended) {
      r = vm.resume();  // slices of a suspending budget: the run is not over
    } else if (r.status == poolvm::Status::Yielded) {
      if (++yields > kMaxYields) {
        cut = true;
        break;
      }
      r = vm.resume();
    } else {
      break;
    }
  }
  vm.flush_output();
  if (!cut && !r.ok() && r.exit_status != poolvm::kExitRuntimeError) __builtin_trap();
  if (cut) vm.reset();  // drops the paused run
  Outcome o{out, cut ? -1 : r.exit_status, r.error ? r.error->text() : "",
            cut || (r.error && r.error->kind == "step limit")};
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string out;
  static poolvm::Observer ignore_all;
  poolvm::Config config;
  config.observer = &ignore_all;
  config.max_steps = 5000;
  config.stack_values = 256;
  config.pools = {{"cons", 64}, {"str", 64}, {"frame", 32}};
  config.output = [&out](std::string_view s) { out.append(s); };
  poolvm::Vm vm(config);
  if (!vm.load_source(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz")) return 0;
  // Programs may declare large pools of their own. A 5000-step budget of
  // pool_malloc/pool_free of 64 MiB blocks would be slow but correct; keep
  // the memory small so a timeout means a real hang.
  if (vm.memory_needed() > (4u << 20)) return 0;
  Outcome traced = run(vm, out);
  auto same = [&](const Outcome& o) {
    if (o.out != traced.out || o.status != traced.status || o.error != traced.error) __builtin_trap();
  };
  config.observer = nullptr;
  poolvm::Vm fused(config);
  if (!fused.load_source(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz")) __builtin_trap();
  same(run(fused, out));
  if (traced.hit_step_limit) return 0;
  // It ended within 5000 steps, so the same program ends without a budget.
  fused.reset();
  fused.set_step_budget(0);
  same(run(fused, out));
  // Sliced: suspended every n steps (n from the input, so slices land
  // everywhere), resumed until done; the counting loop charges whole
  // straight-line runs and must still stop and resume at exact instructions.
  fused.reset();
  fused.set_step_budget(1 + size % 61, true);
  same(run(fused, out));
  // Sliced again, and interrupted between two slices the input picks: the
  // run ends "interrupted" having printed a prefix of the full output, or,
  // when it ended before reading the request, as the full run did, and the
  // request, never lost, then stops the next run before it starts.
  fused.reset();
  out.clear();
  const size_t ask_at = size % 7;
  bool asked = false;
  poolvm::RunResult r = fused.run_main({"a", "12"});
  for (size_t slice = 0; r.status == poolvm::Status::Suspended || r.status == poolvm::Status::Yielded; ++slice) {
    if (slice > 10000) __builtin_trap();  // 5000 steps and 64 yields at most
    if (slice == ask_at) {
      fused.interrupt();
      asked = true;
    }
    r = fused.resume();
  }
  fused.flush_output();
  if (r.error && r.error->kind == "interrupted") {
    if (!asked || traced.out.compare(0, out.size(), out) != 0) __builtin_trap();
  } else {
    same(Outcome{out, r.exit_status, r.error ? r.error->text() : "", false});
    if (asked) {
      fused.reset();
      r = fused.run_main({"a", "12"});
      if (!r.error || r.error->kind != "interrupted") __builtin_trap();
    }
  }
  return 0;
}
