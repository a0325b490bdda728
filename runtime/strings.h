// runtime/strings.h — strings stored in the `str` pool as chains of blocks.
//
// A string of L bytes takes max(1, ceil(L / bytes)) blocks, linked through
// each block's StrBlockHeader; the first block also holds the length. Chains
// instead of contiguous runs mean the pool never fragments externally: any
// free blocks can hold any string. Allocation takes all the blocks or none.
#pragma once

#include <cstdint>
#include <string_view>

#include "runtime/pool.h"
#include "runtime/pool_set.h"
#include "runtime/value.h"

namespace poolvm {

class StrPool {
 public:
  explicit StrPool(Pool& pool) : pool_(pool), bytes_(pool.stats().block_bytes) {}

  uint32_t bytes_per_block() const { return bytes_; }
  uint32_t blocks_for(uint32_t len) const { return len == 0 ? 1 : (len + bytes_ - 1) / bytes_; }

  // Takes the blocks for a string of `len` bytes (contents unset) and returns
  // the first block, or Pool::kNoBlock with the pool untouched (one failed
  // allocation counted) when they are not all free.
  uint32_t alloc(uint32_t len);

  // Frees every block of the chain that starts at `first`.
  void release(uint32_t first);

  uint32_t length(uint32_t first) const { return header(first)->len; }
  // The reference value of the string whose chain starts at `first`.
  Value value(uint32_t first) const { return Value::ref(Tag::Str, kStrPool, first, pool_.generation(first)); }
  // Byte i (< length) of the string.
  uint8_t byte_at(uint32_t first, uint32_t i) const;

  // Calls fn(std::string_view chunk) for each block's part of the string.
  template <class Fn>
  void for_each_chunk(uint32_t first, Fn&& fn) const {
    uint32_t left = header(first)->len;
    uint32_t b = first;
    do {
      uint32_t n = left < bytes_ ? left : bytes_;
      fn(std::string_view(text(b), n));
      left -= n;
      b = header(b)->next;
    } while (left != 0);
  }

  // Writes bytes into a freshly allocated chain, block by block.
  class Writer {
   public:
    Writer(StrPool& s, uint32_t first) : s_(s), block_(first) {}
    void put(std::string_view bytes);
    void put_from(uint32_t other_first);  // appends another pool string
   private:
    StrPool& s_;
    uint32_t block_;
    uint32_t used_ = 0;
  };

  // Bytewise comparison: <0, 0, >0.
  int compare(uint32_t a, uint32_t b) const;
  bool equal(uint32_t a, uint32_t b) const {
    return a == b || (length(a) == length(b) && compare(a, b) == 0);
  }

  Pool& pool() { return pool_; }

 private:
  StrBlockHeader* header(uint32_t b) const {
    return reinterpret_cast<StrBlockHeader*>(pool_.block(b));
  }
  char* text(uint32_t b) const {
    return reinterpret_cast<char*>(pool_.block(b) + sizeof(StrBlockHeader));
  }

  Pool& pool_;
  uint32_t bytes_;
};

}  // namespace poolvm
