// runtime/pool_set.cpp — reserving and carving the pools' memory.
#include "runtime/pool_set.h"

#include <cstdlib>
#include <fmt/format.h>

#include "runtime/value.h"

namespace poolvm {

size_t pool_stride(const PoolConfig& c, const BlockHeaders& headers) {
  switch (c.kind) {
    case PoolKind::Str:
      return sizeof(StrBlockHeader) + ((static_cast<size_t>(c.size) + 7) & ~size_t{7});
    case PoolKind::Frame:
      return headers.frame + static_cast<size_t>(c.size) * sizeof(Value);
    case PoolKind::Co:
      return headers.co + static_cast<size_t>(c.size) * sizeof(Value);
    case PoolKind::Cons:
    case PoolKind::Record:
      return static_cast<size_t>(c.size == 0 ? 1 : c.size) * sizeof(Value);
  }
  return 0;
}

size_t PoolSet::bytes_needed(const std::vector<PoolConfig>& configs, const BlockHeaders& headers) {
  // Saturates instead of wrapping: a hostile module may declare absurd pools.
  size_t total = 0;
  for (const auto& c : configs) {
    size_t stride = pool_stride(c, headers);
    if (stride != 0 && c.blocks > kMaxReservation / stride) return SIZE_MAX;
    size_t n = Pool::bytes_needed(c.blocks, stride);
    if (n > kMaxReservation - total) return SIZE_MAX;
    total += n;
  }
  return total;
}

PoolSet::PoolSet(std::vector<PoolConfig> configs, const BlockHeaders& headers, std::span<std::byte> host)
    : configs_(std::move(configs)) {
  bytes_ = bytes_needed(configs_, headers);
  if (bytes_ == SIZE_MAX)
    throw PoolSetError(fmt::format("the pools are too large to reserve (more than {} bytes)", kMaxReservation));
  if (host.empty()) {
    // Large requests are served by fresh mappings: pages stay untouched until used.
    memory_ = static_cast<std::byte*>(std::aligned_alloc(64, bytes_ == 0 ? 64 : bytes_));
    if (memory_ == nullptr)
      throw PoolSetError(fmt::format("cannot reserve {} bytes for the pools", bytes_));
    owned_ = true;
  } else {
    auto addr = reinterpret_cast<uintptr_t>(host.data());
    size_t skip = (64 - addr % 64) % 64;
    if (host.size() < skip + bytes_)
      throw PoolSetError(fmt::format("host memory too small for the pools: {} bytes needed, {} given",
                                     bytes_ + 63, host.size()));
    memory_ = host.data() + skip;
  }
  pools_.resize(configs_.size());
  std::byte* p = memory_;
  for (size_t i = 0; i < configs_.size(); ++i) {
    const auto& c = configs_[i];
    size_t stride = pool_stride(c, headers);
    uint32_t block_bytes = c.kind == PoolKind::Str ? c.size
                           : c.kind == PoolKind::Frame || c.kind == PoolKind::Co
                               ? static_cast<uint32_t>(c.size * sizeof(Value))
                               : static_cast<uint32_t>(stride);
    pools_[i].init(c.name, c.blocks, stride, block_bytes, c.kind != PoolKind::Frame, p);
    p += Pool::bytes_needed(c.blocks, stride);
  }
}

PoolSet::~PoolSet() {
  if (owned_) std::free(memory_);
}

int PoolSet::find(std::string_view name) const {
  for (size_t i = 0; i < configs_.size(); ++i)
    if (configs_[i].name == name) return static_cast<int>(i);
  return -1;
}

void PoolSet::free_all() {
  for (auto& p : pools_) p.free_all();
}

uint32_t PoolSet::mark() {
  uint32_t next = pools_.empty() ? 1 : pools_[0].epoch() + 1;
  if (next == UINT32_MAX) {
    // Once in 2^32 marks: every block so far counts as old. Marks taken
    // before this free less than they could, never more.
    for (auto& p : pools_) p.rebase_epochs();
    next = 1;
  }
  for (auto& p : pools_) p.set_epoch(next);
  return next;
}

void PoolSet::release_born_since(uint32_t epoch) {
  for (size_t i = 0; i < pools_.size(); ++i)
    if (configs_[i].kind != PoolKind::Frame) pools_[i].release_born_since(epoch);
}

}  // namespace poolvm
