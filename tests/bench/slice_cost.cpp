// tests/bench/slice_cost.cpp — what a step budget costs a host, in one
// process: `slice_cost PROGRAM.pasm [ROUNDS [SLICE_STEPS...]]` runs the
// program's `main` through the C API without a budget, under a failing
// budget it never reaches, and one slice per "tick" under suspending budgets
// of each SLICE_STEPS (default 100000 10000 1000), pvm_resume after each
// pause (and after each yield, with nil, as `poolvm run` does) until it ends. Each round runs every
// configuration back to back in a fresh VM, in an order reversed every other
// round; it prints the median CPU time of each and the median of the rounds'
// own ratios to the unbudgeted run, which cancels what drifts on a shared
// machine. Every configuration must print exactly what the unbudgeted run
// printed, or the tool exits 1. A benchmark, never a test: it asserts no time.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "poolvm/capi.h"

namespace {

struct Config {
  std::string name;
  uint64_t budget;  // 0: none
  int suspend;
};

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

void collect(void* user, const char* bytes, size_t n) { static_cast<std::string*>(user)->append(bytes, n); }

struct Outcome {
  double seconds = 0;
  uint64_t slices = 0;
  std::string output;
  bool ok = false;
};

Outcome run(const std::string& name, const std::string& text, const Config& c) {
  Outcome o;
  pvm_config cfg{};
  cfg.write = collect;
  cfg.user = &o.output;
  pvm_vm* vm = pvm_new(&cfg);
  if (vm == nullptr || pvm_load(vm, name.c_str(), text.data(), text.size()) != PVM_OK) {
    std::fprintf(stderr, "slice_cost: cannot load %s: %s\n", name.c_str(), vm ? pvm_error(vm) : "no VM");
    pvm_free(vm);
    return o;
  }
  const int main_fn = pvm_find(vm, "main");
  if (main_fn < 0 || pvm_arity(vm, main_fn) != 0) {
    std::fprintf(stderr, "slice_cost: %s has no main of arity 0\n", name.c_str());
    pvm_free(vm);
    return o;
  }
  pvm_set_budget(vm, c.budget, c.suspend);
  pvm_value result;
  const double start = cpu_seconds();
  pvm_status s = pvm_call(vm, main_fn, nullptr, 0, &result);
  o.slices = 1;
  while (s == PVM_SUSPENDED || s == PVM_YIELDED) {
    s = pvm_resume(vm, pvm_nil(), &result);
    ++o.slices;
  }
  o.seconds = cpu_seconds() - start;
  o.ok = s == PVM_OK;
  if (!o.ok) std::fprintf(stderr, "slice_cost: %s under '%s': %s\n", name.c_str(), c.name.c_str(), pvm_error(vm));
  pvm_free(vm);
  return o;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: slice_cost PROGRAM.pasm [ROUNDS [SLICE_STEPS...]]\n");
    return 64;
  }
  const std::string name = argv[1];
  const int rounds = argc >= 3 ? std::max(1, std::atoi(argv[2])) : 11;
  std::ifstream in(name, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "slice_cost: cannot read %s\n", name.c_str());
    return 66;
  }
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<uint64_t> slice_steps;
  for (int i = 3; i < argc; ++i) {
    const long long n = std::atoll(argv[i]);
    if (n < 1) {
      std::fprintf(stderr, "slice_cost: a slice is at least 1 step, not '%s'\n", argv[i]);
      return 64;
    }
    slice_steps.push_back(static_cast<uint64_t>(n));
  }
  if (slice_steps.empty()) slice_steps = {100000, 10000, 1000};
  std::vector<Config> configs = {{"no budget", 0, 0}, {"failing budget, never reached", 100000000000ull, 0}};
  for (uint64_t n : slice_steps)
    configs.push_back({"slices of " + std::to_string(n) + (n == 1 ? " step" : " steps"), n, 1});
  std::vector<std::vector<double>> seconds(configs.size()), ratios(configs.size());
  std::vector<uint64_t> slices(configs.size());
  std::string expected;
  for (int r = 0; r < rounds; ++r) {
    std::vector<double> now(configs.size());
    for (size_t k = 0; k < configs.size(); ++k) {
      const size_t i = r % 2 ? configs.size() - 1 - k : k;
      Outcome o = run(name, text, configs[i]);
      if (!o.ok) return 1;
      if (r == 0 && i == 0) expected = o.output;
      if (o.output != expected) {
        std::fprintf(stderr, "slice_cost: '%s' printed something other than the unbudgeted run\n", configs[i].name.c_str());
        return 1;
      }
      now[i] = o.seconds;
      seconds[i].push_back(o.seconds);
      slices[i] = o.slices;
    }
    for (size_t i = 0; i < configs.size(); ++i) ratios[i].push_back(now[i] / std::max(now[0], 1e-9));
  }
  std::printf("%s, %d rounds, CPU time of pvm_call + every pvm_resume:\n\n", name.c_str(), rounds);
  std::printf("| configuration | calls + resumes | median s | median of rounds' ratios to no budget |\n|---|---:|---:|---:|\n");
  for (size_t i = 0; i < configs.size(); ++i)
    std::printf("| %s | %llu | %.4f | %.3f× |\n", configs[i].name.c_str(), static_cast<unsigned long long>(slices[i]),
                median(seconds[i]), median(ratios[i]));
  return 0;
}
