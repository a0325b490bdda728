// runtime/pool_set.h — the pools of one VM, described by a list of
// PoolConfigs, reserved together in one region that is either taken from the
// system once or supplied by the host. Which pool has which id, and what the
// user keeps in a frame or co block's header, are not the runtime's business
// (compiler/module.h, vm/machine.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/pool.h"

namespace poolvm {

enum class PoolKind : uint8_t { Cons, Str, Frame, Record, Co };

struct PoolConfig {
  std::string name;
  PoolKind kind = PoolKind::Record;
  uint32_t size = 0;    // slots per block (cons: 2, frame, records) or text bytes (str)
  uint32_t blocks = 0;  // capacity
};

inline constexpr uint32_t kMaxSlots = 16777216;  // spec §3
// No pool set reserves more than this (64 TiB of address space); bytes_needed
// returns SIZE_MAX beyond it.
inline constexpr size_t kMaxReservation = size_t{1} << 46;

// Bytes the pools' user keeps in front of the slots of every frame and every
// co block (the interpreter's frame and coroutine headers). The runtime only
// reserves them: their size and layout belong to the user, who passes them in.
struct BlockHeaders {
  size_t frame = 0;
  size_t co = 0;
};
// A str block is this header (next block, string length) followed by its text.
struct StrBlockHeader {
  uint32_t next;  // next block of the chain, or Pool::kNoBlock
  uint32_t len;   // whole string's length; meaningful in the first block only
};
static_assert(sizeof(StrBlockHeader) == 8);

// Bytes of one block in memory, bookkeeping headers included.
size_t pool_stride(const PoolConfig& c, const BlockHeaders& headers);

struct PoolSetError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class PoolSet {
 public:
  // Bytes a PoolSet with these pools needs (for a host-supplied buffer).
  static size_t bytes_needed(const std::vector<PoolConfig>& configs, const BlockHeaders& headers);

  // Pool i is configs[i]. With an empty `host` the memory is reserved from
  // the system (untouched until used); otherwise it lives in `host`. Throws
  // PoolSetError when the memory cannot be had.
  PoolSet(std::vector<PoolConfig> configs, const BlockHeaders& headers, std::span<std::byte> host = {});
  ~PoolSet();
  PoolSet(const PoolSet&) = delete;
  PoolSet& operator=(const PoolSet&) = delete;

  Pool& operator[](uint16_t id) { return pools_[id]; }
  const Pool& operator[](uint16_t id) const { return pools_[id]; }
  uint16_t size() const { return static_cast<uint16_t>(pools_.size()); }
  const PoolConfig& config(uint16_t id) const { return configs_[id]; }
  // Pool id by name, or -1.
  int find(std::string_view name) const;
  size_t reserved_bytes() const { return bytes_; }

  // Every block but the constants freed (generations advance), counters
  // zeroed; see Pool::free_all.
  void free_all();

  // Starts a new allocation epoch in every pool and returns it: blocks
  // allocated from now on are "born since" it (see Pool's header comment).
  uint32_t mark();
  // Frees, in every pool but `frame`, the live blocks born since `epoch`.
  void release_born_since(uint32_t epoch);

 private:
  std::vector<PoolConfig> configs_;
  std::vector<Pool> pools_;
  std::byte* memory_ = nullptr;
  size_t bytes_ = 0;
  bool owned_ = false;
};

}  // namespace poolvm
