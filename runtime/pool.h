// runtime/pool.h — one fixed-size block pool: O(1) alloc and free, generations
// for stale-reference detection, and always-on statistics.
//
// Free blocks are kept on a side stack of block indices, not threaded through
// the blocks themselves. Measured on this machine, an intrusive list costs
// ~90 ns per alloc+free pair when frees come in random order (each free writes
// a cold block), while the side stack stays ~1 ns in any order: a free touches
// only the generation word and the top of the stack. Blocks never handed out
// yet come from a bump cursor, so creating a pool does no per-block work and
// touches no page it does not use.
//
// Generations: a block's generation is odd while it is live and even while it
// is free, so every alloc and every free advances it by one. A reference keeps
// the generation it was given; it is live exactly when the two are equal.
// Wrap policy: in pools that hand out references (cons, str, records) a block
// whose generation would reach kRetiredGen is retired — never reused — so no
// old reference can ever match it again (after ~2^31 reuses of that block; the
// pool's capacity shrinks by one, counted in Stats::retired). Frame blocks are
// never referenced by values, so the frame pool wraps to 0 instead.
// Generations never restart: a reset frees every block (advancing its
// generation) instead of rewinding the pool, so no reference taken before a
// reset can match a block again.
//
// Epochs: every allocation records the pool's current epoch beside the block.
// A host marks the pools (all epochs advance together) before a call and can
// later free every block born since the mark: reclaiming what an aborted call
// left behind without a full reset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace poolvm {

struct PoolStats {
  uint32_t block_bytes = 0;      // payload bytes of one block (slots*16, or text bytes for str)
  uint32_t capacity = 0;         // blocks reserved
  uint32_t in_use = 0;           // blocks live now (constants included)
  uint32_t peak = 0;             // most blocks live at once since creation or reset_peak()
  uint64_t allocations = 0;      // successful block allocations
  uint64_t frees = 0;            // blocks given back
  uint64_t failed = 0;           // allocations refused because the pool was exhausted
  uint64_t reserved_bytes = 0;   // bytes reserved for the pool: blocks plus bookkeeping
  uint32_t constants = 0;        // blocks held by load-time constants (string literals)
  uint32_t retired = 0;          // blocks retired by the generation wrap policy
};

class alignas(256) Pool {
 public:
  static constexpr uint32_t kNoBlock = UINT32_MAX;
  static constexpr uint32_t kRetiredGen = 0xFFFFFFFEu;
  static constexpr uint32_t kConstantGen = 0xFFFFFFFFu;  // odd: reads as live, never freed

  // Bytes of memory a pool of `capacity` blocks of `stride` bytes occupies,
  // blocks and bookkeeping, each part 64-byte aligned.
  static size_t bytes_needed(uint32_t capacity, size_t stride);

  Pool() = default;
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  Pool(Pool&&) = default;
  Pool& operator=(Pool&&) = default;

  // `memory` must hold bytes_needed(capacity, stride) bytes, 64-byte aligned;
  // the pool does not own it. No block memory is touched here.
  void init(std::string_view name, uint32_t capacity, size_t stride, uint32_t block_bytes,
            bool hands_out_refs, std::byte* memory);

#ifdef POOLVM_FAULT_INJECTION
  // Test builds only (Lua's ltests style): when set to N, the N-th allocation
  // from now, across all pools of this thread, fails as if its pool were full.
  static inline thread_local uint64_t fault_countdown = 0;
  static bool inject_fault() { return fault_countdown != 0 && --fault_countdown == 0; }
#else
  static constexpr bool inject_fault() { return false; }
#endif

  // O(1). Returns the block index, or kNoBlock when exhausted (counted as failed).
  uint32_t alloc() {
    if (inject_fault()) {
      ++stats_.failed;
      return kNoBlock;
    }
    return alloc_unchecked();
  }

  // alloc() without fault injection, for callers that made their own
  // all-or-nothing decision (multi-block strings).
  uint32_t alloc_unchecked() {
    uint32_t idx;
    if (free_top_ != 0) {
      idx = free_[--free_top_];
    } else if (bump_ < capacity_) {
      idx = bump_++;
      gens_[idx] = 0;
    } else {
      ++stats_.failed;
      return kNoBlock;
    }
    ++gens_[idx];  // even -> odd: live
    born_[idx] = epoch_;
    ++stats_.allocations;
    if (++stats_.in_use > stats_.peak) stats_.peak = stats_.in_use;
    return idx;
  }

  // Counts an allocation refused by a caller that checked available() first.
  void note_failure() { ++stats_.failed; }

  // Free blocks left, without allocating.
  uint32_t available() const { return free_top_ + (capacity_ - bump_); }

  // O(1). `idx` must be live and not a constant (callers check with check()).
  void release(uint32_t idx) {
    uint32_t g = ++gens_[idx];  // odd -> even: free
    ++stats_.frees;
    --stats_.in_use;
    if (g == kRetiredGen) [[unlikely]] {
      if (hands_out_refs_) {
        ++stats_.retired;
        return;
      }
      gens_[idx] = 0;
    }
    free_[free_top_++] = idx;
  }

  enum class Check : uint8_t {
    Live,     // the reference names the block as it is now
    Stale,    // the block was freed (and maybe reused) since the reference was taken
    Foreign,  // no block of this pool ever had that index and generation
  };
  // O(1): one compare on the fast path.
  Check check(uint32_t idx, uint32_t gen) const {
    if (idx < bump_ && gens_[idx] == gen) [[likely]]
      return Check::Live;
    if (idx >= bump_ || (gen & 1u) == 0 || gen > gens_[idx]) return Check::Foreign;
    return Check::Stale;
  }

  // Marks a live block as a load-time constant: readable forever, never freed.
  void make_constant(uint32_t idx) {
    gens_[idx] = kConstantGen;
    ++stats_.constants;
  }
  bool is_constant(uint32_t idx) const { return gens_[idx] == kConstantGen; }
  bool is_live(uint32_t idx) const { return idx < bump_ && (gens_[idx] & 1u) != 0; }
  uint32_t generation(uint32_t idx) const { return gens_[idx]; }

  std::byte* block(uint32_t idx) const { return data_ + static_cast<size_t>(idx) * stride_; }

  const std::string& name() const { return name_; }
  uint32_t capacity() const { return capacity_; }
  size_t stride() const { return stride_; }
  // Blocks counted in 16-byte slots (a VM value's size): stride() / kSlotBytes.
  static constexpr size_t kSlotBytes = 16;
  uint64_t slots() const { return slots_; }
  const PoolStats& stats() const { return stats_; }
  void reset_peak() { stats_.peak = stats_.in_use; }

  // Frees every live block that is not a constant — each generation
  // advances, so every reference taken before becomes stale for good — and
  // zeroes the counters but the constants' (O(blocks ever used)). Free blocks
  // are handed out again lowest first, as in a fresh pool.
  void free_all();

  // The epoch new blocks are born in (see the header comment).
  uint32_t epoch() const { return epoch_; }
  void set_epoch(uint32_t e) { epoch_ = e; }
  // Frees every live, non-constant block born in `epoch` or later; returns
  // how many. O(blocks ever used).
  uint32_t release_born_since(uint32_t epoch);
  // Every live block counts as born in epoch 0 (when epochs would wrap).
  void rebase_epochs();

  // Snapshots (vm/snapshot.cpp) read the bookkeeping as it is and replace
  // it wholesale: blocks [0, bump) were ever handed out, the free stack
  // hands out its top first.
  uint32_t bump() const { return bump_; }
  uint32_t free_count() const { return free_top_; }
  uint32_t free_entry(uint32_t i) const { return free_[i]; }
  uint32_t born(uint32_t idx) const { return born_[idx]; }
  bool hands_out_refs() const { return hands_out_refs_; }
  // Replaces the counters; the caller then fills gens, born and free stack
  // for blocks below `bump` and the live blocks' contents.
  struct Restore {
    uint32_t* gens;
    uint32_t* born;
    uint32_t* free;
  };
  Restore restore(uint32_t bump, uint32_t free_top, uint32_t epoch, const PoolStats& stats) {
    bump_ = bump;
    free_top_ = free_top;
    epoch_ = epoch;
    stats_ = stats;
    return Restore{gens_, born_, free_};
  }

  // Test hook for the wrap policy: sets a live block's generation.
  void set_generation_for_test(uint32_t idx, uint32_t gen) { gens_[idx] = gen; }

 private:
  // What a slot access reads (the interpreter's geti/seti/getf/setf, car,
  // cdr): together at the start of the object, one cache line, each wide
  // enough to be compared or multiplied straight from memory.
  std::byte* data_ = nullptr;
  uint32_t* gens_ = nullptr;
  size_t stride_ = 0;
  uint64_t slots_ = 0;  // stride_ / kSlotBytes
  uint32_t bump_ = 0;
  uint32_t capacity_ = 0;
  // The rest: allocation, statistics, names.
  uint32_t* free_ = nullptr;
  uint32_t* born_ = nullptr;  // per block: the epoch it was allocated in
  uint32_t epoch_ = 0;
  uint32_t free_top_ = 0;
  bool hands_out_refs_ = true;
  PoolStats stats_;
  std::string name_;
};
// An interpreter indexes an array of pools by a reference's pool id: with a
// power-of-two size that is a shift, not a multiply (sizeof was 152), and
// the fields above share one cache line.
static_assert((sizeof(Pool) & (sizeof(Pool) - 1)) == 0, "sizeof(Pool) is a power of two");
static_assert(sizeof(Pool) == alignof(Pool));

}  // namespace poolvm
