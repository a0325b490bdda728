// example_host — a host application embedding poolvm: registers two host
// functions, runs a script, and prints the pool statistics afterwards.
//   example_host SCRIPT.pasm
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include <poolvm/poolvm.h>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: example_host SCRIPT.pasm\n");
    return 64;
  }
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "example_host: cannot read %s\n", argv[1]);
    return 66;
  }
  std::stringstream text;
  text << in.rdbuf();

  poolvm::Config config;
  config.pools = {{"cons", 1000}, {"str", 100}, {"frame", 64}};  // small and fixed
  config.output = [](std::string_view s) { std::cout << "[script] " << s; };
  poolvm::Vm vm(config);

  vm.register_function("log", 1, [](poolvm::HostCall& call) {
    std::cout << "[log] " << call.text(call.args()[0]) << "\n";
    return poolvm::HostValue();
  });
  auto start = std::chrono::steady_clock::now();
  vm.register_function("now_ms", 0, [start](poolvm::HostCall&) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    return poolvm::HostValue::integer(ms.count());
  });

  if (!vm.load_source(text.str(), argv[1])) {
    std::cerr << vm.diagnostics_text();
    return poolvm::kExitInvalidProgram;
  }
  poolvm::RunResult result = vm.run_main();
  if (result.error) std::cerr << result.error->text();

  std::cout << "pool     in use  peak  capacity\n";
  for (const auto& p : vm.pool_statistics())
    std::printf("%-8s %6u %5u %9u\n", p.name.c_str(), p.in_use, p.peak, p.capacity);
  return result.exit_status;
}
