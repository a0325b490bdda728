// runtime/strings.h — strings stored in the `str` pool as chains of blocks.
//
// A string of L bytes takes max(1, ceil(L / bytes)) blocks, linked through
// each block's StrBlockHeader; the first block also holds the length. Chains
// instead of contiguous runs mean the pool never fragments externally: any
// free blocks can hold any string. Allocation takes all the blocks or none.
//
// Finding block k of a chain without walking it (docs/runtime.md, Strings):
// - a chain whose blocks happen to be consecutive indices, ascending or
//   descending (the bump cursor hands out ascending runs; LIFO reuse of a
//   freed run hands it back reversed), says so in its second block's `len`
//   field, unused otherwise: block k is then first ± k. The mark lives in
//   the blocks, so whatever copies a pool's blocks copies it too.
// - other chains are walked, from a cursor remembering the last block
//   reached, keyed by the string's first block and generation (strings never
//   change while their generation stands), so a scan from front to back
//   costs O(1) per block. The cursor is a cache in this StrPool object only;
//   it is never needed to read a pool correctly.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "runtime/pool.h"
#include "runtime/pool_set.h"
#include "runtime/value.h"

namespace poolvm {

class StrPool {
 public:
  explicit StrPool(Pool& pool) : pool_(pool), bytes_(pool.stats().block_bytes) {
    // One instruction, not a loop: every run (each host call) builds a StrPool.
    // (Not has_single_bit: without -mpopcnt that is a libgcc call.)
    shift_ = bytes_ != 0 && (bytes_ & (bytes_ - 1)) == 0 ? static_cast<uint32_t>(std::countr_zero(bytes_)) : kNoShift;
  }

  // The second block's `len` field of a chain of two or more blocks.
  static constexpr uint32_t kRunNone = 0, kRunUp = 1, kRunDown = 2;

  uint32_t bytes_per_block() const { return bytes_; }
  uint32_t blocks_for(uint32_t len) const { return len == 0 ? 1 : (len + bytes_ - 1) / bytes_; }

  // Takes the blocks for a string of `len` bytes (contents unset) and returns
  // the first block, or Pool::kNoBlock with the pool untouched (one failed
  // allocation counted) when they are not all free.
  uint32_t alloc(uint32_t len) {
    if (len > bytes_) return alloc_chain(len);
    // One block, the common case: inline.
    uint32_t b = pool_.alloc();
    if (b != Pool::kNoBlock) *header(b) = StrBlockHeader{Pool::kNoBlock, len};
    return b;
  }
  uint32_t alloc_chain(uint32_t len);

  // Frees every block of the chain that starts at `first`.
  void release(uint32_t first);

  uint32_t length(uint32_t first) const { return header(first)->len; }
  // Byte i (< length) of the string whose chain starts at `first`, whose
  // generation is `gen` (it keys the cursor).
  uint8_t byte_at(uint32_t first, uint32_t gen, uint32_t i) const {
    if (i < bytes_) [[likely]]
      return static_cast<uint8_t>(text(first)[i]);
    return static_cast<uint8_t>(text(block_of(first, gen, chunk_of(i)))[i - chunk_of(i) * bytes_]);
  }
  uint8_t byte_at(uint32_t first, uint32_t i) const { return byte_at(first, pool_.generation(first), i); }

  // Block k (< blocks of the string) of the chain.
  uint32_t block_of(uint32_t first, uint32_t gen, uint32_t k) const {
    if (k == 0) return first;
    uint32_t second = header(first)->next;
    uint32_t run = header(second)->len;
    if (run == kRunUp) return first + k;
    if (run == kRunDown) return first - k;
    return walk(first, gen, k);
  }

  // Copies bytes [start, start + n) of string `src` into the fresh chain
  // `dst` (of at least n bytes), from its beginning.
  void copy_range(uint32_t src, uint32_t src_gen, uint32_t start, uint32_t n, uint32_t dst) const;
  // Writes a followed by b into the fresh chain `dst`.
  void concat_into(uint32_t a, uint32_t b, uint32_t dst) const;
  // Whether the chain is marked as a run (tests).
  uint32_t run_mark(uint32_t first) const {
    uint32_t second = header(first)->next;
    return second == Pool::kNoBlock ? kRunNone : header(second)->len;
  }

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
    if (a == b) return true;
    uint32_t la = length(a);
    if (la != length(b)) return false;
    if (la <= bytes_) return std::memcmp(text(a), text(b), la) == 0;
    return compare(a, b) == 0;
  }

  Pool& pool() { return pool_; }
  const Pool& pool() const { return pool_; }

 private:
  StrBlockHeader* header(uint32_t b) const {
    return reinterpret_cast<StrBlockHeader*>(pool_.block(b));
  }
  char* text(uint32_t b) const {
    return reinterpret_cast<char*>(pool_.block(b) + sizeof(StrBlockHeader));
  }
  uint32_t chunk_of(uint32_t i) const { return shift_ != kNoShift ? i >> shift_ : i / bytes_; }
  uint32_t walk(uint32_t first, uint32_t gen, uint32_t k) const;

  static constexpr uint32_t kNoShift = 32;
  Pool& pool_;
  uint32_t bytes_;
  uint32_t shift_ = 0;  // log2(bytes_), or kNoShift when bytes_ is not a power of two
  // Where the last walk ended: block `block` is chunk `k` of the string
  // (first, gen).
  struct Cursor {
    uint32_t first = Pool::kNoBlock, gen = 0, k = 0, block = 0;
  };
  mutable Cursor cursor_;
};

}  // namespace poolvm
