// tests/runtime/strings_test.cpp — strings as chains of `str` blocks:
// block counts, contents, comparison, all-or-nothing allocation.
#include <doctest/doctest.h>

#include <string>

#include "runtime/pool_set.h"
#include "runtime/strings.h"
#include "runtime/value.h"

using namespace poolvm;

namespace {
// Ids of the pools in the sets below: their positions in the config list.
constexpr uint16_t kStr = 1, kRecord = 3;
PoolSet make_set(uint32_t str_blocks) {
  return PoolSet({{"cons", PoolKind::Cons, 2, 1}, {"str", PoolKind::Str, 32, str_blocks}, {"frame", PoolKind::Frame, 4, 1}}, BlockHeaders{});
}
uint32_t make(StrPool& s, const std::string& text) {
  uint32_t b = s.alloc(static_cast<uint32_t>(text.size()));
  REQUIRE(b != Pool::kNoBlock);
  StrPool::Writer w(s, b);
  w.put(text);
  return b;
}
std::string contents(StrPool& s, uint32_t b) {
  std::string out;
  s.for_each_chunk(b, [&](std::string_view c) { out.append(c); });
  return out;
}
}  // namespace

TEST_CASE("a string of L bytes takes max(1, ceil(L/32)) blocks and reads back") {
  PoolSet set = make_set(100);
  StrPool s(set[kStr]);
  for (uint32_t len : {0u, 1u, 31u, 32u, 33u, 64u, 65u, 200u}) {
    CAPTURE(len);
    std::string text;
    for (uint32_t i = 0; i < len; ++i) text += static_cast<char>('a' + i % 26);
    uint32_t before = set[kStr].stats().in_use;
    uint32_t b = make(s, text);
    CHECK(set[kStr].stats().in_use - before == std::max(1u, (len + 31) / 32));
    CHECK(s.length(b) == len);
    CHECK(contents(s, b) == text);
    for (uint32_t i = 0; i < len; ++i) CHECK(s.byte_at(b, i) == static_cast<uint8_t>(text[i]));
    s.release(b);
    CHECK(set[kStr].stats().in_use == before);
  }
}

TEST_CASE("allocation at the exhaustion boundary is all or nothing") {
  PoolSet set = make_set(4);
  StrPool s(set[kStr]);
  Pool& p = set[kStr];
  uint32_t one = make(s, "x");
  CHECK(p.available() == 3);
  CHECK(s.alloc(97) == Pool::kNoBlock);  // needs 4 blocks, 3 free
  CHECK(p.available() == 3);
  CHECK(p.stats().in_use == 1);
  CHECK(p.stats().failed == 1);
  uint32_t big = s.alloc(96);  // exactly 3 blocks
  REQUIRE(big != Pool::kNoBlock);
  CHECK(p.available() == 0);
  s.release(big);
  s.release(one);
  CHECK(p.stats().in_use == 0);
  CHECK(p.stats().frees == 4);
}

TEST_CASE("comparison is bytewise across block boundaries; writers append other strings") {
  PoolSet set = make_set(40);
  StrPool s(set[kStr]);
  std::string long_a(70, 'a'), long_b = long_a;
  long_b[69] = 'b';
  uint32_t a = make(s, long_a), b = make(s, long_b), a2 = make(s, long_a), shorter = make(s, long_a.substr(0, 40));
  CHECK(s.compare(a, b) < 0);
  CHECK(s.compare(b, a) > 0);
  CHECK(s.equal(a, a2));
  CHECK_FALSE(s.equal(a, b));
  CHECK(s.compare(shorter, a) < 0);
  uint32_t joined = s.alloc(s.length(a) + s.length(shorter));
  StrPool::Writer w(s, joined);
  w.put_from(a);
  w.put_from(shorter);
  CHECK(contents(s, joined) == long_a + long_a.substr(0, 40));
}

TEST_CASE("a pool set over a host buffer lives inside it; too small says how much is needed") {
  std::vector<PoolConfig> configs = {{"cons", PoolKind::Cons, 2, 4},
                                     {"str", PoolKind::Str, 32, 8},
                                     {"frame", PoolKind::Frame, 4, 2},
                                     {"node", PoolKind::Record, 3, 10}};
  const BlockHeaders headers{32, 0};
  size_t need = PoolSet::bytes_needed(configs, headers);
  std::vector<std::byte> small(need / 2);
  try {
    PoolSet bad(configs, headers, small);
    FAIL("a too-small buffer was accepted");
  } catch (const PoolSetError& e) {
    CHECK(std::string(e.what()).find("bytes needed") != std::string::npos);
  }
  std::vector<std::byte> buffer(need + 64);
  PoolSet set(configs, headers, buffer);
  CHECK(set.size() == 4);
  CHECK(set.find("node") == kRecord);
  CHECK(set.find("nope") == -1);
  uint32_t b = set[kRecord].alloc();
  std::byte* block = set[kRecord].block(b);
  CHECK(block >= buffer.data());
  CHECK(block < buffer.data() + buffer.size());
  CHECK(set[kRecord].stats().block_bytes == 48);
  CHECK(set.reserved_bytes() == need);
}

TEST_CASE("frame and co blocks are the caller's header bytes, then the slots; other kinds take no header") {
  const std::vector<PoolConfig> configs = {{"cons", PoolKind::Cons, 2, 1},
                                           {"str", PoolKind::Str, 32, 1},
                                           {"frame", PoolKind::Frame, 4, 1},
                                           {"co", PoolKind::Co, 8, 1},
                                           {"node", PoolKind::Record, 3, 1}};
  PoolSet bare(configs, BlockHeaders{});
  PoolSet headed(configs, BlockHeaders{48, 96});
  CHECK(bare[2].stride() == 4 * sizeof(Value));
  CHECK(headed[2].stride() == 48 + 4 * sizeof(Value));
  CHECK(bare[3].stride() == 8 * sizeof(Value));
  CHECK(headed[3].stride() == 96 + 8 * sizeof(Value));
  // The header is not the user's slot space: block_bytes counts the slots only.
  CHECK(headed[2].stats().block_bytes == 4 * sizeof(Value));
  CHECK(headed[3].stats().block_bytes == 8 * sizeof(Value));
  for (uint16_t id : {0, 1, 4}) CHECK(headed[id].stride() == bare[id].stride());
  CHECK(pool_stride(configs[2], BlockHeaders{48, 96}) == headed[2].stride());
}

namespace {
std::string pattern(uint32_t len) {
  std::string text;
  for (uint32_t i = 0; i < len; ++i) text += static_cast<char>('a' + (i * 7 + i / 26) % 26);
  return text;
}
// Every byte through byte_at, in the given order of indices.
void check_bytes(StrPool& s, uint32_t b, const std::string& text, bool backwards) {
  for (uint32_t n = 0; n < text.size(); ++n) {
    uint32_t i = backwards ? static_cast<uint32_t>(text.size()) - 1 - n : n;
    CAPTURE(i);
    REQUIRE(s.byte_at(b, i) == static_cast<uint8_t>(text[i]));
  }
}
}  // namespace

TEST_CASE("chains of consecutive blocks are marked as runs, up or down, and read without a walk") {
  PoolSet set = make_set(64);
  StrPool s(set[kStr]);
  std::string text = pattern(150);  // 5 blocks
  uint32_t fresh = make(s, text);   // from the bump cursor: ascending
  CHECK(s.run_mark(fresh) == StrPool::kRunUp);
  check_bytes(s, fresh, text, false);
  check_bytes(s, fresh, text, true);
  s.release(fresh);
  uint32_t reused = make(s, text);  // LIFO reuse of the freed run: descending
  CHECK(s.run_mark(reused) == StrPool::kRunDown);
  CHECK(reused == fresh + 4);
  check_bytes(s, reused, text, false);
  check_bytes(s, reused, text, true);
  CHECK(s.run_mark(make(s, "short")) == StrPool::kRunNone);  // one block: no second header
}

TEST_CASE("a chain that is no run reads right in any order, and substrings and concatenations copy it") {
  PoolSet set = make_set(64);
  StrPool s(set[kStr]);
  // Interleave single blocks, free every other one, then take a 6-block
  // string from the scattered free blocks.
  uint32_t blocks[12];
  for (uint32_t& b : blocks) b = make(s, "x");
  for (int i = 0; i < 12; i += 2) s.release(blocks[i]);
  std::string text = pattern(180);
  uint32_t scattered = make(s, text);
  REQUIRE(s.run_mark(scattered) == StrPool::kRunNone);
  check_bytes(s, scattered, text, false);
  check_bytes(s, scattered, text, true);
  // Random order: each read may start from the cursor or from the front.
  for (uint32_t i : {170u, 3u, 64u, 63u, 100u, 31u, 32u, 179u, 0u, 150u}) {
    CAPTURE(i);
    CHECK(s.byte_at(scattered, i) == static_cast<uint8_t>(text[i]));
  }
  // A cursor on a freed string is never used for the string that takes its blocks.
  uint32_t gen = set[kStr].generation(scattered);
  CHECK(s.byte_at(scattered, gen, 150) == static_cast<uint8_t>(text[150]));
  s.release(scattered);
  std::string other = pattern(190).substr(5);
  uint32_t again = make(s, other);
  for (uint32_t i = 0; i < other.size(); ++i) REQUIRE(s.byte_at(again, i) == static_cast<uint8_t>(other[i]));

  for (std::pair<uint32_t, uint32_t> range : {std::pair{0u, 0u}, {0u, 31u}, {5u, 20u}, {30u, 4u}, {31u, 64u}, {33u, 140u}, {0u, 185u}}) {
    // Plain variables, not a structured binding: clang's C++20 cannot
    // capture one in CAPTURE's lambda.
    uint32_t start = range.first, n = range.second;
    CAPTURE(start);
    CAPTURE(n);
    uint32_t sub = s.alloc(n);
    REQUIRE(sub != Pool::kNoBlock);
    s.copy_range(again, set[kStr].generation(again), start, n, sub);
    CHECK(contents(s, sub) == other.substr(start, n));
    s.release(sub);
  }
  uint32_t small = make(s, "abc");
  for (auto [x, y] : {std::pair{small, small}, {small, again}, {again, small}}) {
    std::string want = contents(s, x) + contents(s, y);
    uint32_t c = s.alloc(static_cast<uint32_t>(want.size()));
    REQUIRE(c != Pool::kNoBlock);
    s.concat_into(x, y, c);
    CHECK(contents(s, c) == want);
    s.release(c);
  }
}

TEST_CASE("strings with a block size that is not a power of two") {
  PoolSet set({{"cons", PoolKind::Cons, 2, 1}, {"str", PoolKind::Str, 24, 64}, {"frame", PoolKind::Frame, 4, 1}}, BlockHeaders{});
  StrPool s(set[kStr]);
  REQUIRE(s.bytes_per_block() == 24);
  std::string text = pattern(100);
  uint32_t b = make(s, text);
  check_bytes(s, b, text, false);
  check_bytes(s, b, text, true);
  CHECK(s.equal(b, make(s, text)));
}
