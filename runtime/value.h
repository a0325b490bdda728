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

  static Value nil() { Value v; std::memset(&v, 0, sizeof v); return v; }
  static Value boolean(bool x) { Value v = nil(); v.tag = Tag::Bool; v.b = x; return v; }
  static Value integer(int64_t x) { Value v = nil(); v.tag = Tag::Int; v.i = x; return v; }
  static Value real(double x) { Value v = nil(); v.tag = Tag::Float; v.f = x; return v; }
  static Value ref(Tag t, uint16_t pool, uint32_t block, uint32_t gen) {
    Value v = nil();
    v.tag = t;
    v.pool = pool;
    v.gen = gen;
    v.block = block;
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
