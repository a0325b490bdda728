// tests/vm/divisor_test.cpp — const_rem must equal C's % for every divisor
// ModK can be fused for and every kind of dividend, edges included.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "vm/divisor.h"

using poolvm::const_rem;
using poolvm::make_divisor;

TEST_CASE("remainder by a load-time constant equals the % instruction's") {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  std::vector<int64_t> divisors = {1, 2, 3, 5, 6, 7, 10, 11, 13, 64, 100, 641, 1000, 65537, 1'000'000'007,
                                   (int64_t{1} << 32) - 1, int64_t{1} << 32, (int64_t{1} << 62) + 1, kMax,
                                   kMin, -2, -3, -7, -1000, kMin + 1};
  std::vector<int64_t> dividends = {0, 1, -1, 2, -2, 6, 7, 8, -7, -8, 90'000'000, kMax, kMin, kMax - 1, kMin + 1,
                                    int64_t{1} << 62, -(int64_t{1} << 62)};
  std::mt19937_64 rng(42);
  for (int i = 0; i < 2000; ++i) dividends.push_back(static_cast<int64_t>(rng()));
  for (int i = 0; i < 200; ++i) {
    auto d = static_cast<int64_t>(rng() >> (rng() % 63));
    if (d != 0 && d != -1) divisors.push_back(d);
  }
  int checked = 0;
  for (int64_t k : divisors) {
    const auto c = make_divisor(k);
    for (int64_t a : dividends) {
      CAPTURE(k);
      CAPTURE(a);
      // kMin % -1 is undefined in C; ModK is never fused for -1.
      REQUIRE(const_rem(a, c) == a % k);
      ++checked;
    }
  }
  CHECK(checked > 400'000);
#if defined(__SIZEOF_INT128__)
  CHECK(make_divisor(7).magic != 0);  // the fast path is the one tested above
#endif
}
