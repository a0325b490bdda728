// vm/snapshot.h — saving a Machine's whole state to bytes and restoring it
// (spec §12). The format is documented byte by byte in docs/snapshots.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace poolvm {

struct Machine;
class PoolSet;

inline constexpr unsigned char kSnapshotMagic[8] = {'P', 'V', 'M', 'S', 'N', 'A', 'P', 0x1a};
inline constexpr uint32_t kSnapshotVersion = 1;
inline constexpr size_t kSnapshotHeaderBytes = 64;

// Where one pool's parts lie in the snapshot being restored (filled while
// validating, read again when applying).
struct SnapshotPoolView {
  size_t gens = 0;    // offset of the generations of blocks [0, bump)
  size_t free = 0;    // offset of the free stack, bottom first
  size_t blocks = 0;  // offset of the live blocks' records
  uint32_t bump = 0, free_top = 0, epoch = 0;
  uint32_t in_use = 0, peak = 0, constants = 0, retired = 0;
  uint64_t allocations = 0, frees = 0, failed = 0;
};

// Memory restore needs to validate untrusted bytes without allocating,
// reserved when a program is loaded (untouched until a restore uses it):
// bitmaps and, for the pools whose blocks link to each other (str chains,
// frames, coroutines), each block's record offset in the snapshot.
struct SnapshotScratch {
  std::unique_ptr<uint64_t[]> bits;
  size_t bits_words = 0;
  std::unique_ptr<size_t[]> offsets;
  std::vector<SnapshotPoolView> pools;
  void reserve(const PoolSet& pools);
};

// The step budget, which lives in the Vm rather than the Machine.
struct SnapshotBudget {
  uint64_t max_steps = 0;
  bool suspend = false;
};

// FNV-1a 64 of the stripped .pbc of a module: the program's identity.
uint64_t content_hash(std::span<const std::byte> pbc);

// Writes the snapshot into `out` when it fits; returns the bytes it takes
// either way. The Machine must be idle or paused (no run in progress).
size_t write_snapshot(const Machine& m, const SnapshotBudget& budget, std::span<std::byte> out);

// Validates `bytes` completely, then replaces the Machine's state with it.
// false: nothing was changed and `why` holds the reason (NUL-terminated,
// truncated to fit). Allocates nothing.
bool restore_snapshot(Machine& m, std::span<const std::byte> bytes, SnapshotBudget& budget, std::span<char> why);

}  // namespace poolvm
