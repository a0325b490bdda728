// tests/runtime/pool_smoke_test.cpp — basic pool life cycle.
#include <doctest/doctest.h>

#include "runtime/pool_set.h"
#include "runtime/value.h"

using namespace poolvm;

TEST_CASE("a pool hands out every block once, then refuses, then reuses") {
  PoolSet set({{"cons", PoolKind::Cons, 2, 4}, {"str", PoolKind::Str, 32, 4}, {"frame", PoolKind::Frame, 8, 4}});
  Pool& p = set[kConsPool];
  uint32_t a = p.alloc(), b = p.alloc(), c = p.alloc(), d = p.alloc();
  CHECK(p.alloc() == Pool::kNoBlock);
  CHECK(p.stats().failed == 1);
  CHECK(p.stats().in_use == 4);
  uint32_t gen_b = p.generation(b);
  p.release(b);
  CHECK(p.check(b, gen_b) == Pool::Check::Stale);
  CHECK(p.alloc() == b);
  CHECK(p.check(b, gen_b) == Pool::Check::Stale);
  CHECK(p.check(b, gen_b + 2) == Pool::Check::Live);
  CHECK(p.check(a, 2) == Pool::Check::Foreign);
  (void)c;
  (void)d;
}
