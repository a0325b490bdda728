// runtime/value.h — the VM's value: nil, bool, int64, double, or a reference
// to a block of a pool (string, cons or record).
//
// Representation: a 16-byte tagged struct, not NaN-boxing. A reference must
// carry pool (16 bits), block (32 bits) and generation (32 bits) so that
// use-after-free is a single compare; that is 80 bits and does not fit in a
// NaN payload, and ints are full 64-bit, which NaN-boxing cannot hold either.
// 16 bytes copy as two registers, the tag test is one byte compare, and an
// all-zero Value is nil, so a fresh block is nil-filled by memset.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace poolvm {

enum class Tag : uint8_t {
  Nil = 0,  // must stay 0: zeroed memory reads as nil
  Bool,
  Int,
  Float,
  Str,   // reference into the `str` pool (first block of a chain)
  Cons,  // reference into the `cons` pool
  Rec,   // reference into a program-declared record pool
  Co,    // reference into the `co` pool: a coroutine
};

struct Value {
  Tag tag;
  uint8_t reserved;
  uint16_t pool;  // references only
  uint32_t gen;   // references only: generation the block had when taken
  union {
    int64_t i;
    double f;
    uint32_t block;  // references only
    bool b;
  };

  // Built field by field, every byte written (the same bytes as a memset
  // followed by the fields): built on nil()'s memset, GCC kept a dead
  // 16-byte store of the zeroed temporary to the interpreter's stack frame
  // in every handler that makes a value (comparisons, fused arithmetic).
  static Value nil() { return with_word(Tag::Nil, 0, 0); }
  static Value boolean(bool x) {
    Value v = with_word(Tag::Bool, 0, 0);
    v.i = 0;
    v.b = x;
    return v;
  }
  static Value integer(int64_t x) {
    Value v = with_word(Tag::Int, 0, 0);
    v.i = x;
    return v;
  }
  static Value real(double x) {
    Value v = with_word(Tag::Float, 0, 0);
    v.f = x;
    return v;
  }
  static Value ref(Tag t, uint16_t pool, uint32_t block, uint32_t gen) {
    Value v = with_word(t, pool, gen);
    v.i = 0;
    v.block = block;
    return v;
  }

  // The first word; nil()'s payload is zero, the others set theirs.
  // One 8-byte store where the byte order allows (GCC did not merge the
  // four field stores into one).
  static Value with_word(Tag t, uint16_t pool, uint32_t gen) {
    Value v;
    if constexpr (std::endian::native == std::endian::little) {
      const uint64_t w = static_cast<uint64_t>(t) | static_cast<uint64_t>(pool) << 16 | static_cast<uint64_t>(gen) << 32;
      std::memcpy(static_cast<void*>(&v), &w, sizeof w);
    } else {
      v.tag = t;
      v.reserved = 0;
      v.pool = pool;
      v.gen = gen;
    }
    v.i = 0;
    return v;
  }

  bool is_ref() const { return tag >= Tag::Str; }
  bool is_number() const { return tag == Tag::Int || tag == Tag::Float; }
  // False values: false, nil and the int 0 (spec §2).
  bool truthy() const {
    switch (tag) {
      case Tag::Nil: return false;
      case Tag::Bool: return b;
      case Tag::Int: return i != 0;
      default: return true;
    }
  }
  double as_double() const { return tag == Tag::Int ? static_cast<double>(i) : f; }
};

static_assert(sizeof(Value) == 16, "Value is two machine words");
static_assert(alignof(Value) == 8);
static_assert(offsetof(Value, i) == 8);

// Identity of two references (same pool, block and generation); never dereferences.
inline bool same_ref(const Value& a, const Value& b) {
  return a.pool == b.pool && a.block == b.block && a.gen == b.gen;
}

const char* tag_name(Tag t);

}  // namespace poolvm
