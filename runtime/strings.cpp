// runtime/strings.cpp — chained strings in the `str` pool.
#include "runtime/strings.h"

#include <algorithm>
#include <cstring>

namespace poolvm {

uint32_t StrPool::alloc(uint32_t len) {
  uint32_t n = blocks_for(len);
  if (pool_.available() < n || Pool::inject_fault()) {
    pool_.note_failure();
    return Pool::kNoBlock;
  }
  uint32_t first = pool_.alloc_unchecked();
  header(first)->len = len;
  uint32_t prev = first;
  for (uint32_t i = 1; i < n; ++i) {
    uint32_t b = pool_.alloc_unchecked();
    header(prev)->next = b;
    prev = b;
  }
  header(prev)->next = Pool::kNoBlock;
  return first;
}

void StrPool::release(uint32_t first) {
  uint32_t b = first;
  while (b != Pool::kNoBlock) {
    uint32_t next = header(b)->next;
    pool_.release(b);
    b = next;
  }
}

uint8_t StrPool::byte_at(uint32_t first, uint32_t i) const {
  uint32_t b = first;
  for (uint32_t k = i / bytes_; k != 0; --k) b = header(b)->next;
  return static_cast<uint8_t>(text(b)[i % bytes_]);
}

void StrPool::Writer::put(std::string_view bytes) {
  while (!bytes.empty()) {
    if (used_ == s_.bytes_) {
      block_ = s_.header(block_)->next;
      used_ = 0;
    }
    size_t n = std::min<size_t>(bytes.size(), s_.bytes_ - used_);
    std::memcpy(s_.text(block_) + used_, bytes.data(), n);
    used_ += static_cast<uint32_t>(n);
    bytes.remove_prefix(n);
  }
}

void StrPool::Writer::put_from(uint32_t other_first) {
  s_.for_each_chunk(other_first, [&](std::string_view c) { put(c); });
}

int StrPool::compare(uint32_t a, uint32_t b) const {
  uint32_t la = length(a), lb = length(b);
  uint32_t n = std::min(la, lb);
  uint32_t off = 0;
  while (off < n) {
    uint32_t k = std::min(bytes_, n - off);
    int c = std::memcmp(text(a), text(b), k);
    if (c != 0) return c;
    off += k;
    a = header(a)->next;
    b = header(b)->next;
  }
  return la < lb ? -1 : la > lb ? 1 : 0;
}

}  // namespace poolvm
