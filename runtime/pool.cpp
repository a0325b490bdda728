// runtime/pool.cpp — pool setup; the hot paths are inline in pool.h.
#include "runtime/pool.h"

namespace poolvm {

namespace {
constexpr size_t align64(size_t n) { return (n + 63) & ~size_t{63}; }
}  // namespace

size_t Pool::bytes_needed(uint32_t capacity, size_t stride) {
  return align64(static_cast<size_t>(capacity) * stride) +
         3 * align64(static_cast<size_t>(capacity) * sizeof(uint32_t));
}

void Pool::init(std::string_view name, uint32_t capacity, size_t stride, uint32_t block_bytes,
                bool hands_out_refs, std::byte* memory) {
  name_ = std::string(name);
  capacity_ = capacity;
  stride_ = stride;
  slots_ = stride / kSlotBytes;
  hands_out_refs_ = hands_out_refs;
  data_ = memory;
  std::byte* p = memory + align64(static_cast<size_t>(capacity) * stride);
  gens_ = reinterpret_cast<uint32_t*>(p);
  size_t words = align64(static_cast<size_t>(capacity) * sizeof(uint32_t));
  free_ = reinterpret_cast<uint32_t*>(p + words);
  born_ = reinterpret_cast<uint32_t*>(p + 2 * words);
  epoch_ = 0;
  stats_ = PoolStats{};
  stats_.block_bytes = block_bytes;
  stats_.capacity = capacity;
  stats_.reserved_bytes = bytes_needed(capacity, stride);
  free_top_ = 0;
  bump_ = 0;
}

void Pool::free_all() {
  uint32_t constants = 0;
  free_top_ = 0;
  // From the top down, so the stack hands out the lowest blocks first.
  for (uint32_t idx = bump_; idx-- > 0;) {
    uint32_t g = gens_[idx];
    if (g == kConstantGen) {
      ++constants;
      continue;
    }
    bool was_live = (g & 1u) != 0;
    if (was_live) g = ++gens_[idx];  // live -> free: references to it go stale
    if (g == kRetiredGen) {
      if (hands_out_refs_) {
        stats_.retired += was_live;  // retired now, or already
        continue;
      }
      gens_[idx] = 0;
    }
    free_[free_top_++] = idx;
  }
  PoolStats fresh;
  fresh.block_bytes = stats_.block_bytes;
  fresh.capacity = stats_.capacity;
  fresh.reserved_bytes = stats_.reserved_bytes;
  fresh.retired = stats_.retired;
  fresh.constants = constants;
  fresh.in_use = fresh.peak = constants;
  fresh.allocations = constants;
  stats_ = fresh;
}

uint32_t Pool::release_born_since(uint32_t epoch) {
  uint32_t n = 0;
  for (uint32_t idx = 0; idx < bump_; ++idx) {
    uint32_t g = gens_[idx];
    if ((g & 1u) == 0 || g == kConstantGen || born_[idx] < epoch) continue;
    release(idx);
    ++n;
  }
  return n;
}

void Pool::rebase_epochs() {
  for (uint32_t idx = 0; idx < bump_; ++idx) born_[idx] = 0;
  epoch_ = 0;
}

}  // namespace poolvm
