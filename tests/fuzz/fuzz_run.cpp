// tests/fuzz/fuzz_run.cpp — libFuzzer: any bytes (.pasm text or .pbc) loaded
// into a VM with small pools and a step budget, and run if they verify:
// whatever a program does, the VM reports it; it never crashes or hangs.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "poolvm/poolvm.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  poolvm::Config config;
  config.max_steps = 5000;
  config.stack_values = 256;
  config.pools = {{"cons", 64}, {"str", 64}, {"frame", 32}};
  config.output = [](std::string_view) {};
  poolvm::Vm vm(config);
  if (!vm.load_source(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz")) return 0;
  // Programs may declare large pools of their own. A 5000-step budget of
  // pool_malloc/pool_free of 64 MiB blocks would be slow but correct; keep
  // the memory small so a timeout means a real hang.
  if (vm.memory_needed() > (4u << 20)) return 0;
  poolvm::RunResult r = vm.run_main({"a", "12"});
  if (!r.ok() && r.exit_status != poolvm::kExitRuntimeError) __builtin_trap();
  vm.reset();
  (void)vm.run_main();
  return 0;
}
