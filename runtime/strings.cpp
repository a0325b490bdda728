// runtime/strings.cpp — chained strings in the `str` pool.
#include "runtime/strings.h"

#include <algorithm>
#include <cstring>

namespace poolvm {

uint32_t StrPool::alloc_chain(uint32_t len) {
  uint32_t n = blocks_for(len);
  if (pool_.available() < n || Pool::inject_fault()) {
    pool_.note_failure();
    return Pool::kNoBlock;
  }
  uint32_t first = pool_.alloc_unchecked();
  header(first)->len = len;
  uint32_t prev = first;
  bool up = true, down = true;
  for (uint32_t i = 1; i < n; ++i) {
    uint32_t b = pool_.alloc_unchecked();
    header(prev)->next = b;
    up = up && b == prev + 1;
    down = down && b + 1 == prev;
    prev = b;
  }
  header(prev)->next = Pool::kNoBlock;
  if (n > 1) header(header(first)->next)->len = up ? kRunUp : down ? kRunDown : kRunNone;
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

uint32_t StrPool::walk(uint32_t first, uint32_t gen, uint32_t k) const {
  uint32_t b = header(first)->next, at = 1;
  if (cursor_.first == first && cursor_.gen == gen && cursor_.k <= k) {
    b = cursor_.block;
    at = cursor_.k;
  }
  for (; at < k; ++at) b = header(b)->next;
  cursor_ = Cursor{first, gen, k, b};
  return b;
}

void StrPool::copy_range(uint32_t src, uint32_t src_gen, uint32_t start, uint32_t n, uint32_t dst) const {
  if (n == 0) return;
  uint32_t k = chunk_of(start);
  uint32_t b = block_of(src, src_gen, k);
  uint32_t off = start - k * bytes_;
  if (n <= bytes_ - off) {  // one source block: the common short substring
    std::memcpy(text(dst), text(b) + off, n);
    return;
  }
  Writer w(const_cast<StrPool&>(*this), dst);
  while (n != 0) {
    uint32_t take = std::min(n, bytes_ - off);
    w.put(std::string_view(text(b) + off, take));
    n -= take;
    off = 0;
    b = header(b)->next;
  }
}

void StrPool::concat_into(uint32_t a, uint32_t b, uint32_t dst) const {
  uint32_t la = length(a), lb = length(b);
  if (la + lb <= bytes_) {  // everything in one block
    std::memcpy(text(dst), text(a), la);
    std::memcpy(text(dst) + la, text(b), lb);
    return;
  }
  Writer w(const_cast<StrPool&>(*this), dst);
  w.put_from(a);
  w.put_from(b);
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
