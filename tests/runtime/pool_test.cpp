// tests/runtime/pool_test.cpp — one pool: exhaustion, free orders, reference
// checks, the generation wrap policy, statistics, and a 1,000,000-block pool.
#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <set>
#include <vector>

#include "runtime/pool_set.h"
#include "runtime/value.h"

using namespace poolvm;

namespace {

// Ids of the pools in the sets below: their positions in the config list.
constexpr uint16_t kCons = 0, kStr = 1, kFrame = 2;

// A standalone pool over its own memory.
struct TestPool {
  std::vector<std::byte> memory;
  Pool pool;
  TestPool(uint32_t capacity, size_t stride = 32, bool refs = true) {
    memory.resize(Pool::bytes_needed(capacity, stride) + 64);
    auto addr = reinterpret_cast<uintptr_t>(memory.data());
    pool.init("test", capacity, stride, static_cast<uint32_t>(stride), refs, memory.data() + (64 - addr % 64) % 64);
  }
};

void free_in_order(Pool& p, std::vector<uint32_t> blocks) {
  for (uint32_t b : blocks) p.release(b);
}

}  // namespace

TEST_CASE("allocation to exhaustion and back, in LIFO, FIFO and random free orders") {
  const uint32_t n = 1000;
  TestPool t(n);
  Pool& p = t.pool;
  std::mt19937 rng(42);
  for (int order = 0; order < 3; ++order) {
    CAPTURE(order);
    std::vector<uint32_t> got;
    for (uint32_t i = 0; i < n; ++i) {
      uint32_t b = p.alloc();
      REQUIRE(b != Pool::kNoBlock);
      got.push_back(b);
    }
    CHECK(std::set<uint32_t>(got.begin(), got.end()).size() == n);  // each block once
    CHECK(*std::max_element(got.begin(), got.end()) == n - 1);
    CHECK(p.available() == 0);
    CHECK(p.alloc() == Pool::kNoBlock);
    CHECK(p.stats().in_use == n);
    if (order == 0) std::reverse(got.begin(), got.end());
    if (order == 2) std::shuffle(got.begin(), got.end(), rng);
    free_in_order(p, got);
    CHECK(p.stats().in_use == 0);
    CHECK(p.available() == n);
  }
  CHECK(p.stats().failed == 3);
  CHECK(p.stats().allocations == 3 * n);
  CHECK(p.stats().frees == 3 * n);
  CHECK(p.stats().peak == n);
}

TEST_CASE("freed blocks are reused most recently freed first") {
  TestPool t(8);
  uint32_t a = t.pool.alloc(), b = t.pool.alloc();
  t.pool.release(a);
  t.pool.release(b);
  CHECK(t.pool.alloc() == b);
  CHECK(t.pool.alloc() == a);
  CHECK(t.pool.alloc() == 2);  // then the bump cursor
}

TEST_CASE("stale, double-free and foreign references are told apart in O(1)") {
  TestPool t(4);
  Pool& p = t.pool;
  uint32_t b = p.alloc();
  uint32_t gen = p.generation(b);
  CHECK(gen % 2 == 1);
  CHECK(p.check(b, gen) == Pool::Check::Live);
  p.release(b);
  CHECK(p.check(b, gen) == Pool::Check::Stale);  // use after free, or double free when freeing
  CHECK_FALSE(p.is_live(b));
  uint32_t again = p.alloc();
  CHECK(again == b);
  CHECK(p.check(b, gen) == Pool::Check::Stale);  // reuse does not revive the old reference
  CHECK(p.check(b, p.generation(b)) == Pool::Check::Live);
  CHECK(p.check(3, 1) == Pool::Check::Foreign);               // never handed out
  CHECK(p.check(b, gen + 1) == Pool::Check::Foreign);         // even: never a live generation
  CHECK(p.check(b, p.generation(b) + 2) == Pool::Check::Foreign);  // from the future
  CHECK(p.check(1000, 1) == Pool::Check::Foreign);            // outside the pool
}

TEST_CASE("generation wrap: a reference-handing pool retires the block, the frame pool reuses it") {
  TestPool refs(2);
  uint32_t b = refs.pool.alloc();
  refs.pool.set_generation_for_test(b, 0xFFFFFFFDu);  // the last live generation
  CHECK(refs.pool.check(b, 0xFFFFFFFDu) == Pool::Check::Live);
  refs.pool.release(b);
  CHECK(refs.pool.stats().retired == 1);
  CHECK(refs.pool.check(b, 0xFFFFFFFDu) == Pool::Check::Stale);
  uint32_t next = refs.pool.alloc();
  CHECK(next != b);  // never handed out again
  CHECK(refs.pool.alloc() == Pool::kNoBlock);
  CHECK(refs.pool.stats().in_use == 1);

  TestPool frames(1, 32, /*refs=*/false);
  uint32_t f = frames.pool.alloc();
  frames.pool.set_generation_for_test(f, 0xFFFFFFFDu);
  frames.pool.release(f);
  CHECK(frames.pool.stats().retired == 0);
  CHECK(frames.pool.alloc() == f);
  CHECK(frames.pool.generation(f) == 1);
}

TEST_CASE("constants stay live, are counted, and are never the same as a fresh block") {
  TestPool t(4);
  uint32_t b = t.pool.alloc();
  t.pool.make_constant(b);
  CHECK(t.pool.is_constant(b));
  CHECK(t.pool.check(b, Pool::kConstantGen) == Pool::Check::Live);
  CHECK(t.pool.stats().constants == 1);
  CHECK(t.pool.stats().in_use == 1);
}

TEST_CASE("every statistic after each kind of operation") {
  TestPool t(2, 48);
  Pool& p = t.pool;
  const PoolStats& s = p.stats();
  CHECK(s.block_bytes == 48);
  CHECK(s.capacity == 2);
  CHECK(s.reserved_bytes == Pool::bytes_needed(2, 48));
  CHECK(s.in_use == 0);
  uint32_t a = p.alloc();
  CHECK((s.in_use == 1 && s.peak == 1 && s.allocations == 1 && s.frees == 0 && s.failed == 0));
  uint32_t b = p.alloc();
  CHECK((s.in_use == 2 && s.peak == 2 && s.allocations == 2));
  CHECK(p.alloc() == Pool::kNoBlock);
  CHECK((s.in_use == 2 && s.allocations == 2 && s.failed == 1));
  p.release(a);
  CHECK((s.in_use == 1 && s.peak == 2 && s.frees == 1));
  p.reset_peak();
  CHECK(s.peak == 1);
  p.note_failure();
  CHECK(s.failed == 2);
  p.release(b);
  p.free_all();
  CHECK((s.in_use == 0 && s.peak == 0 && s.allocations == 0 && s.frees == 0 && s.failed == 0));
  CHECK(s.capacity == 2);
  CHECK(s.reserved_bytes == Pool::bytes_needed(2, 48));
  CHECK(p.available() == 2);
}

TEST_CASE("a 1,000,000-block pool is created without touching it, then used in full") {
  PoolSet set({{"cons", PoolKind::Cons, 2, 1000000}, {"str", PoolKind::Str, 32, 1}, {"frame", PoolKind::Frame, 4, 1}}, BlockHeaders{});
  Pool& p = set[kCons];
  CHECK(p.capacity() == 1000000);
  std::vector<uint32_t> blocks(1000000);
  for (auto& b : blocks) {
    b = p.alloc();
    reinterpret_cast<Value*>(p.block(b))[0] = Value::integer(b);
  }
  CHECK(p.alloc() == Pool::kNoBlock);
  std::shuffle(blocks.begin(), blocks.end(), std::mt19937(7));
  for (uint32_t b : blocks) {
    CHECK_EQ(reinterpret_cast<Value*>(p.block(b))[0].i, static_cast<int64_t>(b));
    p.release(b);
  }
  CHECK(p.stats().in_use == 0);
  std::set<uint32_t> again;
  for (int i = 0; i < 1000000; ++i) again.insert(p.alloc());
  CHECK(again.size() == 1000000);
  CHECK(p.stats().peak == 1000000);
}

TEST_CASE("free_all: generations continue, so no reference from before matches again") {
  PoolSet set({{"cons", PoolKind::Cons, 2, 4}, {"str", PoolKind::Str, 32, 2}, {"frame", PoolKind::Frame, 4, 2}}, BlockHeaders{});
  Pool& p = set[kCons];
  uint32_t a = p.alloc(), b = p.alloc();
  uint32_t ga = p.generation(a), gb = p.generation(b);
  p.release(b);
  uint32_t gb_freed = p.generation(b);
  set.free_all();
  CHECK(p.check(a, ga) == Pool::Check::Stale);
  CHECK(p.check(b, gb) == Pool::Check::Stale);
  CHECK(p.generation(b) == gb_freed);  // already free: untouched
  // Handed out again lowest first, with generations that never repeat.
  uint32_t a2 = p.alloc(), b2 = p.alloc();
  CHECK(a2 == a);
  CHECK(b2 == b);
  CHECK(p.generation(a2) > ga);
  CHECK(p.check(a, ga) == Pool::Check::Stale);
  CHECK(p.stats().in_use == 2);
  CHECK(p.stats().allocations == 2);
  CHECK(p.stats().frees == 0);
  CHECK(p.available() == 2);
}

TEST_CASE("free_all keeps constants live and counted") {
  PoolSet set({{"cons", PoolKind::Cons, 2, 4}, {"str", PoolKind::Str, 32, 3}, {"frame", PoolKind::Frame, 4, 2}}, BlockHeaders{});
  Pool& s = set[kStr];
  uint32_t c = s.alloc();
  s.make_constant(c);
  uint32_t x = s.alloc();
  set.free_all();
  CHECK(s.check(c, Pool::kConstantGen) == Pool::Check::Live);
  CHECK(!s.is_live(x));
  CHECK((s.stats().in_use == 1 && s.stats().constants == 1 && s.stats().peak == 1));
  CHECK(s.available() == 2);
  CHECK(s.alloc() == x);  // the constant's block is never handed out
  CHECK(s.alloc() == 2);
  CHECK(s.alloc() == Pool::kNoBlock);
}

TEST_CASE("free_all retires a block whose generation reaches the retired value") {
  PoolSet set({{"cons", PoolKind::Cons, 2, 2}, {"str", PoolKind::Str, 32, 1}, {"frame", PoolKind::Frame, 4, 1}}, BlockHeaders{});
  Pool& p = set[kCons];
  uint32_t a = p.alloc();
  p.set_generation_for_test(a, Pool::kRetiredGen - 1);
  set.free_all();
  CHECK(p.stats().retired == 1);
  CHECK(p.available() == 1);
  CHECK(p.alloc() == 1);
  CHECK(p.alloc() == Pool::kNoBlock);
}

TEST_CASE("mark and release_born_since free exactly what was allocated after the mark") {
  PoolSet set({{"cons", PoolKind::Cons, 2, 8}, {"str", PoolKind::Str, 32, 4}, {"frame", PoolKind::Frame, 4, 4}}, BlockHeaders{});
  Pool& cons = set[kCons];
  Pool& frame = set[kFrame];
  uint32_t old1 = cons.alloc(), old2 = cons.alloc();
  uint32_t m = set.mark();
  uint32_t new1 = cons.alloc();
  cons.release(old2);
  uint32_t reused = cons.alloc();  // the old block, born again after the mark
  CHECK(reused == old2);
  uint32_t fr = frame.alloc();
  uint32_t inner = set.mark();
  uint32_t new2 = cons.alloc();
  set.release_born_since(inner);
  CHECK(!cons.is_live(new2));
  CHECK(cons.is_live(new1));
  set.release_born_since(m);
  CHECK(cons.is_live(old1));
  CHECK(!cons.is_live(new1));
  CHECK(!cons.is_live(reused));
  CHECK(frame.is_live(fr));  // frames belong to runs, never reclaimed
  CHECK(cons.stats().in_use == 1);
}

TEST_CASE("a pool's slot count is its stride in values, and pools index by a shift") {
  static_assert(Pool::kSlotBytes == sizeof(Value));
  static_assert((sizeof(Pool) & (sizeof(Pool) - 1)) == 0);
  TestPool seven(4, 7 * sizeof(Value));
  CHECK(seven.pool.slots() == 7);
  TestPool cons(4, 2 * sizeof(Value));
  CHECK(cons.pool.slots() == 2);
  // Pools in a vector (as in a PoolSet) sit a power of two apart.
  std::vector<Pool> pools(3);
  CHECK(reinterpret_cast<uintptr_t>(&pools[0]) % alignof(Pool) == 0);
  CHECK(reinterpret_cast<std::byte*>(&pools[2]) - reinterpret_cast<std::byte*>(&pools[0]) ==
        static_cast<ptrdiff_t>(2 * sizeof(Pool)));
}
