// tests/bench/pool_bench.cpp — alloc+free pairs of 32-byte blocks (a cons):
// the pool against malloc/free, new/delete and
// std::pmr::unsynchronized_pool_resource, with 1,000,000 blocks live, in LIFO
// order (free what was just taken) and in random order (free a random live
// block, take a replacement). Run: build with -DPOOLVM_BUILD_BENCH=ON, then
//   build/tests/bench/pool_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <memory_resource>
#include <random>
#include <vector>

#include "runtime/pool_set.h"
#include "runtime/value.h"

namespace {

constexpr uint32_t kLive = 1000000;
constexpr size_t kBytes = 32;

// Random slots, drawn once outside the timed loops.
const std::vector<uint32_t>& random_slots() {
  static const std::vector<uint32_t> slots = [] {
    std::vector<uint32_t> v(1 << 20);
    std::mt19937 rng(12345);
    for (auto& s : v) s = rng() % kLive;
    return v;
  }();
  return slots;
}

struct PoolAlloc {
  poolvm::PoolSet set{{{"cons", poolvm::PoolKind::Cons, 2, kLive + 1},
                       {"str", poolvm::PoolKind::Str, 32, 1},
                       {"frame", poolvm::PoolKind::Frame, 1, 1}},
                      poolvm::BlockHeaders{}};
  poolvm::Pool& p = set[0];  // cons: first in the list
  using Handle = uint32_t;
  Handle alloc() { return p.alloc(); }
  void free(Handle h) { p.release(h); }
  void touch(Handle h) { *reinterpret_cast<volatile char*>(p.block(h)) = 1; }
};

struct MallocAlloc {
  using Handle = void*;
  Handle alloc() { return std::malloc(kBytes); }
  void free(Handle h) { std::free(h); }
  void touch(Handle h) { *static_cast<volatile char*>(h) = 1; }
};

struct NewAlloc {
  struct Cell { char bytes[kBytes]; };
  using Handle = Cell*;
  Handle alloc() { return new Cell; }
  void free(Handle h) { delete h; }
  void touch(Handle h) { *reinterpret_cast<volatile char*>(h) = 1; }
};

struct PmrAlloc {
  std::pmr::unsynchronized_pool_resource r;
  using Handle = void*;
  Handle alloc() { return r.allocate(kBytes, 16); }
  void free(Handle h) { r.deallocate(h, kBytes, 16); }
  void touch(Handle h) { *static_cast<volatile char*>(h) = 1; }
};

template <class A>
void lifo(benchmark::State& state) {
  A a;
  std::vector<typename A::Handle> live(kLive);
  for (auto& h : live) { h = a.alloc(); a.touch(h); }
  for (auto _ : state) {
    auto h = a.alloc();
    a.touch(h);
    a.free(h);
  }
  for (auto& h : live) a.free(h);
  state.SetItemsProcessed(state.iterations());
}

template <class A>
void random_order(benchmark::State& state) {
  A a;
  std::vector<typename A::Handle> live(kLive);
  for (auto& h : live) { h = a.alloc(); a.touch(h); }
  const auto& slots = random_slots();
  size_t i = 0;
  for (auto _ : state) {
    uint32_t s = slots[i++ & (slots.size() - 1)];
    a.free(live[s]);
    live[s] = a.alloc();
    a.touch(live[s]);
  }
  for (auto& h : live) a.free(h);
  state.SetItemsProcessed(state.iterations());
}

// Batch form: free all 1,000,000 live blocks in a random permutation, then
// take 1,000,000 again. Each pair's cost with the misses free to overlap;
// this is the shape of a program dropping a large structure in arbitrary order.
template <class A>
void random_batch(benchmark::State& state) {
  A a;
  std::vector<typename A::Handle> live(kLive);
  for (auto& h : live) h = a.alloc();
  std::vector<uint32_t> perm(kLive);
  for (uint32_t i = 0; i < kLive; ++i) perm[i] = i;
  std::shuffle(perm.begin(), perm.end(), std::mt19937(99));
  for (auto _ : state) {
    for (uint32_t s : perm) a.free(live[s]);
    for (auto& h : live) h = a.alloc();
  }
  for (auto& h : live) a.free(h);
  state.SetItemsProcessed(state.iterations() * kLive);
}

}  // namespace

BENCHMARK(random_batch<PoolAlloc>)->Name("random_batch/pool")->Unit(benchmark::kMillisecond);
BENCHMARK(random_batch<MallocAlloc>)->Name("random_batch/malloc")->Unit(benchmark::kMillisecond);
BENCHMARK(random_batch<NewAlloc>)->Name("random_batch/new")->Unit(benchmark::kMillisecond);
BENCHMARK(random_batch<PmrAlloc>)->Name("random_batch/pmr_unsync_pool")->Unit(benchmark::kMillisecond);
BENCHMARK(lifo<PoolAlloc>)->Name("lifo/pool");
BENCHMARK(lifo<MallocAlloc>)->Name("lifo/malloc");
BENCHMARK(lifo<NewAlloc>)->Name("lifo/new");
BENCHMARK(lifo<PmrAlloc>)->Name("lifo/pmr_unsync_pool");
BENCHMARK(random_order<PoolAlloc>)->Name("random/pool");
BENCHMARK(random_order<MallocAlloc>)->Name("random/malloc");
BENCHMARK(random_order<NewAlloc>)->Name("random/new");
BENCHMARK(random_order<PmrAlloc>)->Name("random/pmr_unsync_pool");
BENCHMARK_MAIN();
