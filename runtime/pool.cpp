// runtime/pool.cpp — pool setup; the hot paths are inline in pool.h.
#include "runtime/pool.h"

namespace poolvm {

namespace {
constexpr size_t align64(size_t n) { return (n + 63) & ~size_t{63}; }
}  // namespace

size_t Pool::bytes_needed(uint32_t capacity, size_t stride) {
  return align64(static_cast<size_t>(capacity) * stride) +
         2 * align64(static_cast<size_t>(capacity) * sizeof(uint32_t));
}

void Pool::init(std::string_view name, uint32_t capacity, size_t stride, uint32_t block_bytes,
                bool hands_out_refs, std::byte* memory) {
  name_ = std::string(name);
  capacity_ = capacity;
  stride_ = stride;
  hands_out_refs_ = hands_out_refs;
  data_ = memory;
  std::byte* p = memory + align64(static_cast<size_t>(capacity) * stride);
  gens_ = reinterpret_cast<uint32_t*>(p);
  free_ = reinterpret_cast<uint32_t*>(p + align64(static_cast<size_t>(capacity) * sizeof(uint32_t)));
  stats_ = PoolStats{};
  stats_.block_bytes = block_bytes;
  stats_.capacity = capacity;
  stats_.reserved_bytes = bytes_needed(capacity, stride);
  free_top_ = 0;
  bump_ = 0;
}

void Pool::clear() {
  PoolStats fresh;
  fresh.block_bytes = stats_.block_bytes;
  fresh.capacity = stats_.capacity;
  fresh.reserved_bytes = stats_.reserved_bytes;
  stats_ = fresh;
  free_top_ = 0;
  bump_ = 0;
}

}  // namespace poolvm
