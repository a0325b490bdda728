// example_host — a C++ host embedding poolvm the way a game does: loads a
// library script, registers a host function, calls functions through
// handles every tick, makes and reads the script's data, stops a runaway
// call with a step budget and reclaims what it left, then resets.
//   example_host SCRIPT.pasm
// (vm/examples/c_host does exactly the same through the C API.)
#include <array>
#include <cstdio>
#include <fstream>
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
  config.output = [](std::string_view s) { std::printf("[script] %.*s", static_cast<int>(s.size()), s.data()); };
  poolvm::Vm vm(config);
  vm.register_function("log", 1, [](poolvm::HostCall& call) {
    char buf[64];
    size_t len = 0;
    call.vm().read_string(call.args()[0], buf, len);  // into the host's buffer: no allocation
    std::printf("[log] %.*s\n", static_cast<int>(std::min(len, sizeof buf)), buf);
    return poolvm::HostValue();
  });
  if (!vm.load_source(text.str(), argv[1])) {
    std::fputs(vm.diagnostics_text().c_str(), stderr);
    return poolvm::kExitInvalidProgram;
  }

  // Handles: looked up once, called in O(1).
  int spawn = vm.find("spawn"), tick = vm.find("tick"), sum = vm.find("sum"), runaway = vm.find("runaway");
  std::printf("spawn takes %d arguments; 'jump' exists: %s\n", vm.arity(spawn), vm.find("jump") >= 0 ? "yes" : "no");
  vm.set_global("frames", poolvm::HostValue::integer(0));

  poolvm::HostValue name, entity;
  vm.make_string("ship", name);
  std::array spawn_args{name, poolvm::HostValue::integer(10)};
  entity = vm.call(spawn, spawn_args).value;

  for (int frame = 0; frame < 3; ++frame) {
    poolvm::RunResult r = vm.call(tick, std::span(&entity, 1));
    char buf[32];
    size_t len = 0;
    vm.read_string(r.value, buf, len);
    std::printf("tick %d: %.*s\n", frame, static_cast<int>(len), buf);
    vm.release(r.value);  // the host owns the returned string
  }
  poolvm::HostValue frames, x;
  vm.global("frames", frames);
  vm.get(entity, 0, x);
  std::printf("frames = %lld, entity x = %lld, entity name = %s\n", static_cast<long long>(frames.as_int()),
              static_cast<long long>(x.as_int()), vm.text(name).c_str());

  // A list made by the host, passed to the script, then freed by the host.
  poolvm::HostValue list;
  for (int i = 3; i >= 1; --i) vm.make_cons(poolvm::HostValue::integer(i), list, list);
  std::printf("sum of (1 2 3) = %lld\n", static_cast<long long>(vm.call(sum, std::span(&list, 1)).value.as_int()));
  for (poolvm::HostValue cell = list; !cell.is_nil();) {
    poolvm::HostValue next;
    vm.get(cell, 1, next);
    vm.release(cell);
    cell = next;
  }

  // A runaway call: stopped by the budget; what it allocated is reclaimed.
  vm.set_step_budget(1000);
  uint64_t mark = vm.mark();
  poolvm::RunResult r = vm.call(runaway);
  poolvm::PoolInfo cons;
  vm.pool_info(0, cons);
  std::printf("runaway: %s (cons in use: %u)\n", r.error ? r.error->message.c_str() : "returned", cons.in_use);
  vm.release_since(mark);
  vm.pool_info(0, cons);
  std::printf("after release_since: cons in use: %u\n", cons.in_use);
  vm.set_step_budget(0);

  // After a reset every old reference is stale, for good.
  vm.reset();
  poolvm::HostValue again;
  vm.make_record("entity", again);
  std::printf("after reset: old entity live: %s, new entity live: %s\n", vm.is_live(entity) ? "yes" : "no",
              vm.is_live(again) ? "yes" : "no");
  poolvm::HostValue slot;
  if (vm.get(entity, 0, slot) != poolvm::Status::Ok) std::printf("get(old entity): %s\n", vm.last_error().data());

  std::printf("pool     in use  peak  capacity\n");
  for (size_t i = 0; i < vm.pool_count(); ++i) {
    poolvm::PoolInfo p;
    vm.pool_info(i, p);
    std::printf("%-8.*s %6u %5u %9u\n", static_cast<int>(p.name.size()), p.name.data(), p.in_use, p.peak, p.capacity);
  }
  return 0;
}
