// vm/divisor.h — remainder by a divisor known at load time without a divide
// instruction (Granlund & Montgomery, "Division by invariant integers using
// multiplication", 1994): a multiply-high and a shift. A 64-bit idiv costs
// tens of cycles and was the largest single cost of `push K; mod` loops.
#pragma once

#include <cstdint>

namespace poolvm {

// 32 bytes: the threaded ModK finds it at twice its constant's byte offset
// (vm/interpreter.cpp, divisor_at).
struct alignas(32) ConstDivisor {
  uint64_t d = 0;      // |K|
  uint64_t magic = 0;  // 0: no magic number; divide with %
  int shift = 0;
};

// For K other than 0 and -1 (the only divisors ModK is fused for).
inline ConstDivisor make_divisor(int64_t k) {
  ConstDivisor c;
  c.d = k < 0 ? 0 - static_cast<uint64_t>(k) : static_cast<uint64_t>(k);
#if defined(__SIZEOF_INT128__)
  if (c.d >= 2) {
    // Numerators are |a| < 2^63 (N = 63). With l = ceil(log2 d) and
    // m = floor(2^(63+l) / d) + 1, floor(m*n / 2^(63+l)) = floor(n / d).
    const int l = 64 - __builtin_clzll(c.d - 1);
    const unsigned __int128 m = (static_cast<unsigned __int128>(1) << (63 + l)) / c.d + 1;
    if ((m >> 64) == 0) {
      c.magic = static_cast<uint64_t>(m);
      c.shift = l - 1;
    }
  }
#endif
  return c;
}

// a % K with the sign of a, exactly as C's % (K not 0 or -1).
inline int64_t const_rem(int64_t a, const ConstDivisor& c) {
  const uint64_t n = a < 0 ? 0 - static_cast<uint64_t>(a) : static_cast<uint64_t>(a);
  uint64_t r;
#if defined(__SIZEOF_INT128__)
  if (c.magic != 0 && (n >> 63) == 0) [[likely]] {
    const uint64_t q =
        static_cast<uint64_t>((static_cast<unsigned __int128>(n) * c.magic) >> 64) >> c.shift;
    r = n - q * c.d;
  } else
#endif
  {
    r = c.d == 0 ? 0 : n % c.d;  // d is never 0 here; the guard keeps the function total
  }
  return a < 0 ? static_cast<int64_t>(0 - r) : static_cast<int64_t>(r);
}

}  // namespace poolvm
