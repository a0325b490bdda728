// vm/snapshot.cpp — snapshots (spec §12): writing a Machine's state to
// bytes, and validating untrusted bytes completely before a restore replaces
// the state with them. The format is in docs/snapshots.md.
//
// Pools are saved generically — per pool its bookkeeping (untouched-tail
// cursor, free stack, generations, epochs, statistics) and each live block's
// bytes — so block layouts can change without touching the format. Only the
// blocks holding raw pointers (frames, coroutines) are translated to block
// indices and stack offsets, and the str chains are checked against the
// current chain layout (one function, check_strings).
#include "vm/snapshot.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "vm/machine.h"
#include "poolvm/poolvm.h"

namespace poolvm {

namespace {

constexpr uint32_t kNone = UINT32_MAX;
constexpr size_t kValueBytes = 16;
constexpr size_t kPoolFixedBytes = 52;  // a pool section's counters: see docs/snapshots.md
constexpr size_t kRunBytes = 32;
constexpr size_t kFrameRecordBytes = 24;
constexpr size_t kCoRecordBytes = 48;
enum : uint32_t { kFlagPaused = 1, kFlagYielded = 2, kFlagSuspend = 4 };

// Little-endian whatever the host, written through a cursor that counts
// past the end of a short buffer (so the caller learns the size needed).
class Out {
 public:
  explicit Out(std::span<std::byte> buf) : buf_(buf) {}
  void raw(const void* p, size_t n) {
    if (n <= buf_.size() && pos_ <= buf_.size() - n) std::memcpy(buf_.data() + pos_, p, n);
    pos_ += n;
  }
  void u8(uint8_t v) { raw(&v, 1); }
  void u16(uint16_t v) {
    unsigned char b[2] = {static_cast<unsigned char>(v), static_cast<unsigned char>(v >> 8)};
    raw(b, 2);
  }
  void u32(uint32_t v) {
    unsigned char b[4];
    for (int i = 0; i < 4; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
    raw(b, 4);
  }
  void u64(uint64_t v) {
    unsigned char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
    raw(b, 8);
  }
  // The canonical 16 bytes of a value: tag, 0, pool, generation, payload.
  void value(const Value& v) {
    unsigned char b[kValueBytes] = {};
    b[0] = static_cast<unsigned char>(v.tag);
    uint64_t payload = 0;
    if (v.is_ref()) {
      b[2] = static_cast<unsigned char>(v.pool);
      b[3] = static_cast<unsigned char>(v.pool >> 8);
      for (int i = 0; i < 4; ++i) b[4 + i] = static_cast<unsigned char>(v.gen >> (8 * i));
      payload = v.block;
    } else if (v.tag == Tag::Bool) {
      payload = v.b ? 1 : 0;
    } else if (v.tag == Tag::Int || v.tag == Tag::Float) {
      std::memcpy(&payload, &v.i, 8);
    }
    for (int i = 0; i < 8; ++i) b[8 + i] = static_cast<unsigned char>(payload >> (8 * i));
    raw(b, kValueBytes);
  }
  size_t pos() const { return pos_; }
  // Rewrites a u64 written earlier, when the buffer held it.
  void patch_u64(size_t at, uint64_t v) {
    if (at + 8 > buf_.size()) return;
    for (int i = 0; i < 8; ++i) buf_[at + i] = static_cast<std::byte>(v >> (8 * i));
  }

 private:
  std::span<std::byte> buf_;
  size_t pos_ = 0;
};

uint32_t get32(const std::byte* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}
uint64_t get64(const std::byte* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

// Where a pointer into an operand stack points: the main stack (owner
// kNone) or a coroutine's segment (owner: its co block), and the value index.
struct Loc {
  uint32_t owner;
  uint32_t off;
};
Loc locate(const Machine& m, const Value* p) {
  auto a = reinterpret_cast<uintptr_t>(p);
  auto s = reinterpret_cast<uintptr_t>(m.stack);
  if (a >= s && a <= s + static_cast<uintptr_t>(m.stack_size) * sizeof(Value))
    return {kNone, static_cast<uint32_t>((a - s) / sizeof(Value))};
  const Pool& co = (*m.pools)[kCoPool];
  uintptr_t off = a - reinterpret_cast<uintptr_t>(co.block(0));
  auto blk = static_cast<uint32_t>(off / co.stride());
  return {blk, static_cast<uint32_t>((off - blk * co.stride() - kCoHeaderBytes) / sizeof(Value))};
}

CoHeader* co_at(const Machine& m, uint32_t block) {
  return reinterpret_cast<CoHeader*>((*m.pools)[kCoPool].block(block));
}

// Values in use in a coroutine's segment (see docs/snapshots.md).
uint32_t segment_height(const Machine& m, const CoHeader* co) {
  const Value* seg = co_stack(const_cast<CoHeader*>(co));
  switch (co->state) {
    case kCoSuspended: return co->frame == nullptr ? co->nargs : static_cast<uint32_t>(co->sp - seg);
    case kCoRunning: return static_cast<uint32_t>(m.paused.sp - seg);
    case kCoNormal:
      // The coroutine it resumed knows where the result will go.
      for (const CoHeader* c = m.current_co; c != nullptr; c = c->resumer_co)
        if (c->resumer_co == co) return static_cast<uint32_t>(c->resumer_sp - seg);
      return 0;
    default: return 0;
  }
}

uint32_t main_height(const Machine& m) {
  if (!m.paused.active) return 0;
  if (m.current_co == nullptr) return static_cast<uint32_t>(m.paused.sp - m.stack);
  const CoHeader* c = m.current_co;
  while (c->resumer_co != nullptr) c = c->resumer_co;
  return static_cast<uint32_t>(c->resumer_sp - m.stack);
}

bool is_slot_pool(PoolKind k) { return k == PoolKind::Cons || k == PoolKind::Record; }

}  // namespace

uint64_t content_hash(std::span<const std::byte> pbc) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (std::byte b : pbc) {
    h ^= static_cast<uint8_t>(b);
    h *= 0x100000001b3ull;
  }
  return h;
}

void SnapshotScratch::reserve(const PoolSet& ps) {
  size_t max_cap = 0;
  for (uint16_t i = 0; i < ps.size(); ++i) max_cap = std::max<size_t>(max_cap, ps[i].capacity());
  auto words = [](size_t n) { return (n + 63) / 64; };
  bits_words = words(max_cap) + words(ps[kStrPool].capacity()) + words(ps[kFramePool].capacity());
  // Not value-initialized: a restore clears what it uses.
  bits = std::make_unique_for_overwrite<uint64_t[]>(bits_words);
  offsets = std::make_unique_for_overwrite<size_t[]>(static_cast<size_t>(ps[kStrPool].capacity()) +
                                                     ps[kFramePool].capacity() + ps[kCoPool].capacity());
  pools.assign(ps.size(), SnapshotPoolView{});
}

size_t write_snapshot(const Machine& m, const SnapshotBudget& budget, std::span<std::byte> out) {
  Out o(out);
  const PoolSet& ps = *m.pools;
  o.raw(kSnapshotMagic, sizeof kSnapshotMagic);
  o.u32(kSnapshotVersion);
  o.u32(static_cast<uint32_t>(kSnapshotHeaderBytes));
  const size_t total_at = o.pos();
  o.u64(0);
  o.u64(m.content_hash);
  o.u32(m.stack_size);
  o.u32(ps.size());
  o.u32(static_cast<uint32_t>(m.globals.size()));
  uint32_t flags = 0;
  if (m.paused.active) flags |= kFlagPaused;
  if (m.paused.active && m.paused.yielded) flags |= kFlagYielded;
  if (budget.suspend) flags |= kFlagSuspend;
  o.u32(flags);
  o.u64(budget.max_steps);
  o.u64(0);

  // The run.
  o.u32(m.current_co != nullptr ? m.current_co->block : kNone);
  if (m.paused.active) {
    o.u32(m.paused.frame->block);
    o.u32(m.paused.pc);
    o.u32(locate(m, m.paused.sp).off);
    o.u64(m.paused.steps);
  } else {
    o.u32(kNone);
    o.u32(0);
    o.u32(0);
    o.u64(0);
  }
  const uint32_t stack_height = main_height(m);
  o.u32(stack_height);
  o.u32(0);

  // The pool table first, so a host can configure a VM from it.
  for (uint16_t id = 0; id < ps.size(); ++id) {
    const PoolConfig& c = ps.config(id);
    o.u16(static_cast<uint16_t>(c.name.size()));
    o.raw(c.name.data(), c.name.size());
    o.u32(c.size);
    o.u32(ps[id].capacity());
  }
  for (uint16_t id = 0; id < ps.size(); ++id) {
    const Pool& p = ps[id];
    const PoolConfig& c = ps.config(id);
    const PoolStats& st = p.stats();
    o.u32(p.bump());
    o.u32(p.free_count());
    o.u32(p.epoch());
    o.u32(st.in_use);
    o.u32(st.peak);
    o.u32(st.constants);
    o.u32(st.retired);
    o.u64(st.allocations);
    o.u64(st.frees);
    o.u64(st.failed);
    const uint32_t bump = p.bump();
    for (uint32_t b = 0; b < bump; ++b) o.u32(p.generation(b));
    for (uint32_t i = 0; i < p.free_count(); ++i) o.u32(p.free_entry(i));
    for (uint32_t b = 0; b < bump; ++b) {
      if (!p.is_live(b)) continue;
      o.u32(p.born(b));
      if (is_slot_pool(c.kind)) {
        const auto* v = reinterpret_cast<const Value*>(p.block(b));
        for (size_t i = 0; i < p.stride() / sizeof(Value); ++i) o.value(v[i]);
      } else if (c.kind == PoolKind::Str) {
        o.raw(p.block(b), p.stride());
      } else if (c.kind == PoolKind::Frame) {
        const auto* f = reinterpret_cast<const FrameHeader*>(p.block(b));
        Loc base = locate(m, f->base);
        o.u32(f->func);
        o.u32(f->caller != nullptr ? f->caller->block : kNone);
        o.u32(f->caller != nullptr ? m.code_index(f->return_pc) : 0);
        o.u32(base.owner);
        o.u32(base.off);
        o.u32(0);
        const Value* locals = frame_locals(const_cast<FrameHeader*>(f));
        for (uint32_t i = 0; i < m.module.functions[f->func].num_locals; ++i) o.value(locals[i]);
      } else {  // Co
        const CoHeader* co = co_at(m, b);
        const bool started = co->state == kCoSuspended && co->frame != nullptr;
        const bool resuming = co->state == kCoRunning || co->state == kCoNormal;
        o.u8(co->state);
        o.u8(0);
        o.u16(0);
        o.u32(co->func);
        o.u32(co->nargs);
        o.u32(started ? co->frame->block : kNone);
        o.u32(started ? co->pc : 0);
        o.u32(started ? static_cast<uint32_t>(co->sp - co_stack(const_cast<CoHeader*>(co))) : 0);
        Loc rsp = resuming ? locate(m, co->resumer_sp) : Loc{kNone, 0};
        o.u32(resuming ? co->resumer_frame->block : kNone);
        o.u32(rsp.owner);
        o.u32(rsp.off);
        o.u32(resuming && co->resumer_co != nullptr ? co->resumer_co->block : kNone);
        o.u32(resuming ? co->resumer_pc : 0);
        const uint32_t height = segment_height(m, co);
        o.u32(height);
        const Value* seg = co_stack(const_cast<CoHeader*>(co));
        for (uint32_t i = 0; i < height; ++i) o.value(seg[i]);
      }
    }
  }
  for (const Value& g : m.globals) o.value(g);
  for (uint32_t i = 0; i < stack_height; ++i) o.value(m.stack[i]);
  o.patch_u64(total_at, o.pos());
  return o.pos();
}

namespace {

// Validation, then application. Every check reads only the snapshot, the
// loaded program and the scratch memory; the Machine changes in apply() only.
class Restorer {
 public:
  Restorer(Machine& m, std::span<const std::byte> bytes, std::span<char> why)
      : m_(m), ps_(*m.pools), sc_(m.snapshot_scratch), p_(bytes.data()), n_(bytes.size()), why_(why) {
    const size_t max_words = (static_cast<size_t>(max_capacity()) + 63) / 64;
    pred_ = sc_.bits.get();
    visited_str_ = pred_ + max_words;
    visited_frame_ = visited_str_ + (ps_[kStrPool].capacity() + 63) / 64;
    str_off_ = sc_.offsets.get();
    frame_off_ = str_off_ + ps_[kStrPool].capacity();
    co_off_ = frame_off_ + ps_[kFramePool].capacity();
  }

  bool validate();
  void apply(SnapshotBudget& budget);

 private:
  template <class... Args>
  bool refuse(fmt::format_string<Args...> format, Args&&... args) {
    if (why_.empty()) return false;
    auto r = fmt::format_to_n(why_.data(), why_.size() - 1, format, std::forward<Args>(args)...);
    why_[std::min(r.size, why_.size() - 1)] = '\0';
    return false;
  }
  bool need(size_t k, const char* what) {
    if (k <= n_ - pos_) return true;
    return refuse("snapshot truncated at byte {} ({} needed for {}, {} left)", pos_, k, what, n_ - pos_);
  }
  uint32_t u32() {
    uint32_t v = get32(p_ + pos_);
    pos_ += 4;
    return v;
  }
  uint64_t u64() {
    uint64_t v = get64(p_ + pos_);
    pos_ += 8;
    return v;
  }
  uint32_t max_capacity() const {
    uint32_t c = 0;
    for (uint16_t i = 0; i < ps_.size(); ++i) c = std::max(c, ps_[i].capacity());
    return c;
  }
  static bool bit(const uint64_t* b, uint32_t i) { return (b[i / 64] >> (i % 64)) & 1u; }
  static void set_bit(uint64_t* b, uint32_t i) { b[i / 64] |= uint64_t{1} << (i % 64); }
  static void clear_bits(uint64_t* b, uint32_t n) { std::fill(b, b + (n + 63) / 64, uint64_t{0}); }

  uint32_t gen(uint16_t pool, uint32_t block) const { return get32(p_ + sc_.pools[pool].gens + 4 * size_t{block}); }
  bool live(uint16_t pool, uint32_t block) const {
    return block < sc_.pools[pool].bump && (gen(pool, block) & 1u) != 0;
  }
  // A live str block that starts a chain (no block links to it).
  bool str_head(uint32_t block) const { return live(kStrPool, block) && !bit(pred_, block); }

  bool read_pool(uint16_t id);
  bool check_strings();
  bool check_constants();
  bool check_coroutines();
  bool check_frames();
  bool check_values();
  bool check_value(size_t at, const char* where);
  enum class Top { Budget, Yield, CoResume };
  bool walk(uint32_t top, uint32_t owner, uint32_t pc, uint32_t sp, Top kind, const char* what);
  uint32_t limit(uint32_t owner) const { return owner == kNone ? m_.stack_size : m_.slots[kCoPool]; }

  // Fields of the co record at offset `at`.
  struct CoRec {
    uint8_t state;
    uint32_t func, nargs, frame, pc, sp, rframe, rowner, rsp, rco, rpc, height;
  };
  CoRec co_rec(uint32_t block) const {
    const std::byte* r = p_ + co_off_[block];
    return CoRec{static_cast<uint8_t>(r[0]), get32(r + 4),  get32(r + 8),  get32(r + 12),
                 get32(r + 16),              get32(r + 20), get32(r + 24), get32(r + 28),
                 get32(r + 32),              get32(r + 36), get32(r + 40), get32(r + 44)};
  }
  struct FrameRec {
    uint32_t func, caller, ret, owner, off;
  };
  FrameRec frame_rec(uint32_t block) const {
    const std::byte* r = p_ + frame_off_[block];
    return FrameRec{get32(r), get32(r + 4), get32(r + 8), get32(r + 12), get32(r + 16)};
  }
  Value decode(size_t at) const;

  Machine& m_;
  const PoolSet& ps_;
  SnapshotScratch& sc_;
  const std::byte* p_;
  size_t n_;
  size_t pos_ = 0;
  std::span<char> why_;
  uint64_t* pred_;
  uint64_t* visited_str_;
  uint64_t* visited_frame_;
  size_t* str_off_;
  size_t* frame_off_;
  size_t* co_off_;
  uint32_t visited_frames_ = 0;

  // Header and run.
  uint32_t flags_ = 0;
  uint64_t max_steps_ = 0;
  uint32_t current_co_ = kNone, paused_frame_ = kNone, paused_pc_ = 0, paused_sp_ = 0;
  uint64_t paused_steps_ = 0;
  uint32_t main_height_ = 0;
  size_t globals_at_ = 0, stack_at_ = 0;
};

bool Restorer::validate() {
  // Header.
  if (!need(kSnapshotHeaderBytes, "the header")) return false;
  if (std::memcmp(p_, kSnapshotMagic, sizeof kSnapshotMagic) != 0) return refuse("not a poolvm snapshot (bad magic)");
  pos_ = 8;
  uint32_t version = u32();
  if (version != kSnapshotVersion)
    return refuse("snapshot format version {} is not supported (this poolvm reads version {})", version, kSnapshotVersion);
  if (u32() != kSnapshotHeaderBytes) return refuse("snapshot header size is not {}", kSnapshotHeaderBytes);
  uint64_t total = u64();
  if (total != n_) return refuse("snapshot length is {} bytes but its header says {}", n_, total);
  if (u64() != m_.content_hash) return refuse("snapshot was taken of another program (content hash differs)");
  uint32_t stack = u32();
  if (stack != m_.stack_size)
    return refuse("snapshot was taken with an operand stack of {} values, this VM has {}", stack, m_.stack_size);
  uint32_t pools = u32();
  if (pools != ps_.size()) return refuse("snapshot has {} pools, the program has {}", pools, ps_.size());
  uint32_t globals = u32();
  if (globals != m_.globals.size())
    return refuse("snapshot has {} globals, the program has {}", globals, m_.globals.size());
  flags_ = u32();
  if ((flags_ & ~uint32_t{7}) != 0 || ((flags_ & kFlagYielded) && !(flags_ & kFlagPaused)))
    return refuse("snapshot header has unknown flags {:#x}", flags_);
  max_steps_ = u64();
  if ((flags_ & kFlagSuspend) && max_steps_ == 0) return refuse("snapshot has a suspending budget of 0 steps");
  if (u64() != 0) return refuse("snapshot header: reserved bytes are not zero");

  // Run.
  if (!need(kRunBytes, "the run")) return false;
  current_co_ = u32();
  paused_frame_ = u32();
  paused_pc_ = u32();
  paused_sp_ = u32();
  paused_steps_ = u64();
  main_height_ = u32();
  if (u32() != 0) return refuse("snapshot run record: reserved bytes are not zero");
  if (!(flags_ & kFlagPaused) && (current_co_ != kNone || paused_frame_ != kNone || paused_pc_ != 0 ||
                                  paused_sp_ != 0 || paused_steps_ != 0 || main_height_ != 0))
    return refuse("snapshot of an idle VM has a run in it");
  if (main_height_ > m_.stack_size) return refuse("snapshot operand stack height {} exceeds the stack", main_height_);

  for (uint16_t id = 0; id < ps_.size(); ++id) {
    if (!need(2, "a pool name")) return false;
    size_t len = static_cast<uint8_t>(p_[pos_]) | (size_t{static_cast<uint8_t>(p_[pos_ + 1])} << 8);
    pos_ += 2;
    if (!need(len + 8, "a pool's shape")) return false;
    std::string_view name(reinterpret_cast<const char*>(p_ + pos_), len);
    pos_ += len;
    const PoolConfig& c = ps_.config(id);
    if (name != c.name) return refuse("snapshot pool {} is '{}', the program's is '{}'", id, name, c.name);
    uint32_t size = u32(), capacity = u32();
    if (size != c.size) return refuse("pool '{}': snapshot block size {}, the program's {}", c.name, size, c.size);
    if (capacity != ps_[id].capacity())
      return refuse("pool '{}': snapshot capacity {} blocks, this VM has {}", c.name, capacity, ps_[id].capacity());
  }
  for (uint16_t id = 0; id < ps_.size(); ++id)
    if (!read_pool(id)) return false;
  if (!need(kValueBytes * (size_t{globals} + main_height_), "globals and operand stack")) return false;
  globals_at_ = pos_;
  stack_at_ = pos_ + kValueBytes * globals;
  pos_ = stack_at_ + kValueBytes * size_t{main_height_};
  if (pos_ != n_) return refuse("snapshot has {} bytes after its end", n_ - pos_);

  return check_strings() && check_constants() && check_coroutines() && check_frames() && check_values();
}

bool Restorer::read_pool(uint16_t id) {
  const Pool& pool = ps_[id];
  const PoolConfig& c = ps_.config(id);
  SnapshotPoolView& v = sc_.pools[id];
  const uint32_t capacity = pool.capacity();
  if (!need(kPoolFixedBytes, "a pool")) return false;
  v.bump = u32();
  v.free_top = u32();
  v.epoch = u32();
  v.in_use = u32();
  v.peak = u32();
  v.constants = u32();
  v.retired = u32();
  v.allocations = u64();
  v.frees = u64();
  v.failed = u64();
  if (v.bump > capacity || v.free_top > v.bump)
    return refuse("pool '{}': {} blocks used and {} free exceed its {} blocks", c.name, v.bump, v.free_top, capacity);
  if (!need(4 * (size_t{v.bump} + v.free_top), "generations and free list")) return false;
  v.gens = pos_;
  pos_ += 4 * size_t{v.bump};
  uint32_t live = 0, constants = 0, retired = 0;
  for (uint32_t b = 0; b < v.bump; ++b) {
    uint32_t g = gen(id, b);
    if (g == Pool::kConstantGen) {
      if (id != kStrPool) return refuse("pool '{}': block {} is a constant, only strings can be", c.name, b);
      ++constants;
    }
    if (g == Pool::kRetiredGen) {
      if (!pool.hands_out_refs()) return refuse("pool '{}': block {} is retired", c.name, b);
      ++retired;
    }
    live += g & 1u;
  }
  if (live != v.in_use || constants != v.constants || retired != v.retired)
    return refuse("pool '{}': counts ({} in use, {} constants, {} retired) do not match its blocks ({}, {}, {})", c.name,
                  v.in_use, v.constants, v.retired, live, constants, retired);
  if (size_t{v.free_top} + live + retired != v.bump)
    return refuse("pool '{}': {} free blocks listed, {} are free", c.name, v.free_top, v.bump - live - retired);
  if (v.peak < v.in_use || v.peak > capacity) return refuse("pool '{}': peak {} is impossible", c.name, v.peak);
  // The free stack: every entry a distinct free block (with the count
  // above, every free block is on it exactly once).
  v.free = pos_;
  clear_bits(pred_, v.bump);
  for (uint32_t i = 0; i < v.free_top; ++i) {
    uint32_t b = u32();
    if (b >= v.bump || (gen(id, b) & 1u) != 0 || gen(id, b) == Pool::kRetiredGen || bit(pred_, b))
      return refuse("pool '{}': free list entry {} (block {}) is not a distinct free block", c.name, i, b);
    set_bit(pred_, b);
  }
  v.blocks = pos_;
  const size_t stride = pool.stride();
  for (uint32_t b = 0; b < v.bump; ++b) {
    if ((gen(id, b) & 1u) == 0) continue;
    if (!need(4, "a block")) return false;
    uint32_t born = u32();
    if (born > v.epoch) return refuse("pool '{}': block {} born in epoch {} after the pool's {}", c.name, b, born, v.epoch);
    size_t rec = 0;
    switch (c.kind) {
      case PoolKind::Cons:
      case PoolKind::Record: rec = stride; break;
      case PoolKind::Str:
        str_off_[b] = pos_;
        rec = stride;
        break;
      case PoolKind::Frame: {
        if (!need(kFrameRecordBytes, "a frame")) return false;
        frame_off_[b] = pos_;
        FrameRec f = frame_rec(b);
        if (f.func >= m_.module.functions.size()) return refuse("frame {}: no function {}", b, f.func);
        if (get32(p_ + pos_ + 20) != 0) return refuse("frame {}: reserved bytes are not zero", b);
        rec = kFrameRecordBytes + kValueBytes * size_t{m_.module.functions[f.func].num_locals};
        break;
      }
      case PoolKind::Co: {
        if (!need(kCoRecordBytes, "a coroutine")) return false;
        co_off_[b] = pos_;
        CoRec r = co_rec(b);
        if (r.height > m_.slots[kCoPool])
          return refuse("coroutine {}: {} values exceed its {}-value stack", b, r.height, m_.slots[kCoPool]);
        rec = kCoRecordBytes + kValueBytes * size_t{r.height};
        break;
      }
    }
    if (!need(rec, "a block")) return false;
    pos_ += rec;
  }
  return true;
}

// The str chains, as runtime/strings.h lays them out: every live block is
// in exactly one chain that starts at a head, holds as many blocks as the
// head's length needs, and ends in kNoBlock; constants chain constants.
bool Restorer::check_strings() {
  const SnapshotPoolView& v = sc_.pools[kStrPool];
  const uint32_t bytes = ps_.config(kStrPool).size;
  clear_bits(pred_, v.bump);
  clear_bits(visited_str_, v.bump);
  auto next_of = [&](uint32_t b) { return get32(p_ + str_off_[b]); };
  for (uint32_t b = 0; b < v.bump; ++b) {
    if (!live(kStrPool, b)) continue;
    uint32_t next = next_of(b);
    if (next == Pool::kNoBlock) continue;
    if (!live(kStrPool, next) || bit(pred_, next) ||
        (gen(kStrPool, b) == Pool::kConstantGen) != (gen(kStrPool, next) == Pool::kConstantGen))
      return refuse("str block {}: its chain continues at block {}, which cannot continue it", b, next);
    set_bit(pred_, next);
  }
  uint32_t covered = 0;
  for (uint32_t b = 0; b < v.bump; ++b) {
    if (!str_head(b)) continue;
    uint32_t len = get32(p_ + str_off_[b] + 4);
    uint64_t blocks = len == 0 ? 1 : (uint64_t{len} + bytes - 1) / bytes;
    uint32_t cur = b;
    // A chain of two or more blocks may say, in its second block's `len`,
    // that its blocks are consecutive (StrPool reads block k as b ± k without
    // walking): the claim must hold, or a read would land in another block.
    uint32_t mark = StrPool::kRunNone;
    for (uint64_t k = 0; k < blocks; ++k) {
      if (cur == Pool::kNoBlock || bit(visited_str_, cur))
        return refuse("str block {}: a string of {} bytes needs {} blocks, its chain is shorter", b, len, blocks);
      if (k == 1) {
        mark = get32(p_ + str_off_[cur] + 4);
        if (mark != StrPool::kRunNone && mark != StrPool::kRunUp && mark != StrPool::kRunDown)
          return refuse("str block {}: its second block has an unknown run mark {}", b, mark);
      }
      if ((mark == StrPool::kRunUp && cur != b + k) || (mark == StrPool::kRunDown && cur != b - k))
        return refuse("str block {}: marked as a run of consecutive blocks, but block {} of it is {}", b, k, cur);
      set_bit(visited_str_, cur);
      ++covered;
      cur = next_of(cur);
    }
    if (cur != Pool::kNoBlock) return refuse("str block {}: the chain is longer than its {} bytes need", b, len);
  }
  if (covered != v.in_use) return refuse("str pool: {} live blocks belong to no string", v.in_use - covered);
  return true;
}

// The program's string constants sit where this load put them.
bool Restorer::check_constants() {
  uint32_t blocks = 0;
  for (size_t i = 0; i < m_.constants.size(); ++i) {
    const Value& c = m_.constants[i];
    if (c.tag != Tag::Str) continue;
    if (!str_head(c.block) || gen(kStrPool, c.block) != Pool::kConstantGen ||
        get32(p_ + str_off_[c.block] + 4) != m_.module.constants[i].s.size())
      return refuse("string constant {} is not at str block {} in the snapshot", i, c.block);
    ++blocks;
  }
  if (sc_.pools[kStrPool].constants != ps_[kStrPool].stats().constants)
    return refuse("snapshot has {} constant str blocks, the program has {}", sc_.pools[kStrPool].constants,
                  ps_[kStrPool].stats().constants);
  return true;
}

bool Restorer::check_coroutines() {
  const SnapshotPoolView& v = sc_.pools[kCoPool];
  uint32_t running = 0, normal = 0;
  for (uint32_t b = 0; b < v.bump; ++b) {
    if (!live(kCoPool, b)) continue;
    CoRec r = co_rec(b);
    const std::byte* raw = p_ + co_off_[b];
    if (r.state > kCoDead || raw[1] != std::byte{0} || raw[2] != std::byte{0} || raw[3] != std::byte{0})
      return refuse("coroutine {}: bad state {}", b, r.state);
    if (r.func >= m_.module.functions.size() || r.nargs != m_.module.functions[r.func].arity ||
        r.nargs > m_.slots[kCoPool])
      return refuse("coroutine {}: bad function {} or argument count {}", b, r.func, r.nargs);
    const bool resuming = r.state == kCoRunning || r.state == kCoNormal;
    if (!resuming && (r.rframe != kNone || r.rowner != kNone || r.rsp != 0 || r.rco != kNone || r.rpc != 0))
      return refuse("coroutine {}: a resumer, but it is not running", b);
    if (r.state != kCoSuspended && (r.frame != kNone || r.pc != 0 || r.sp != 0))
      return refuse("coroutine {}: a suspended position, but it is not suspended", b);
    switch (r.state) {
      case kCoSuspended:
        if (r.frame == kNone) {
          if (r.pc != 0 || r.sp != 0 || r.height != r.nargs)
            return refuse("coroutine {}: not started, yet has a position", b);
        } else {
          if (!live(kFramePool, r.frame)) return refuse("coroutine {}: frame {} is not live", b, r.frame);
          if (r.height != r.sp) return refuse("coroutine {}: stack height {} but top at {}", b, r.height, r.sp);
        }
        break;
      case kCoRunning: ++running; break;
      case kCoNormal: ++normal; break;
      default:
        if (r.height != 0) return refuse("coroutine {}: dead, yet holds values", b);
    }
  }
  if (current_co_ == kNone) {
    if (running != 0 || normal != 0) return refuse("snapshot has running coroutines outside a coroutine");
    return true;
  }
  if ((flags_ & kFlagYielded) || !live(kCoPool, current_co_) || co_rec(current_co_).state != kCoRunning)
    return refuse("snapshot's current coroutine {} is not a running one", current_co_);
  // The chain of resumers: the running coroutine, then normal ones, ending in the main run.
  uint32_t length = 0;
  for (uint32_t x = current_co_; x != kNone; x = co_rec(x).rco) {
    if (++length > v.in_use) return refuse("coroutine {}: its resumers form a cycle", current_co_);
    if (!live(kCoPool, x) || (x != current_co_ && co_rec(x).state != kCoNormal))
      return refuse("coroutine {}: a resumer is not a normal coroutine", x);
    CoRec r = co_rec(x);
    if (r.rowner != r.rco) return refuse("coroutine {}: its resumer's stack is not its resumer's", x);
  }
  if (running != 1 || normal != length - 1) return refuse("snapshot has running or normal coroutines outside the chain");
  return true;
}

// One chain of frames from its top down to its entry frame, each linked to
// its caller by a call the verifier accepted at a matching stack height.
bool Restorer::walk(uint32_t top, uint32_t owner, uint32_t pc, uint32_t sp, Top kind, const char* what) {
  const Module& mod = m_.module;
  if (!live(kFramePool, top)) return refuse("{}: frame {} is not live", what, top);
  FrameRec f = frame_rec(top);
  const Function& fn = mod.functions[f.func];
  uint32_t h = pc >= fn.start && pc < fn.end ? mod.stack_heights[pc] : kNoHeight;
  if (h == kNoHeight) return refuse("{}: pc {} is not an instruction of '{}' the verifier reached", what, pc, fn.name);
  if (kind != Top::Budget) {
    Op want = kind == Top::Yield ? Op::Yield : Op::CoResume;
    if (pc == fn.start || mod.code[pc - 1].op != want)
      return refuse("{}: pc {} does not follow a '{}'", what, pc, kind == Top::Yield ? "yield" : "coresume");
    --h;  // the value sent (or the result) is pushed on resuming
  }
  if (f.owner != owner || uint64_t{f.off} + h != sp)
    return refuse("{}: stack height {} at pc {}, the verifier's is {}", what, uint64_t{sp} - f.off, pc, h);
  uint32_t b = top;
  for (;;) {
    if (bit(visited_frame_, b)) return refuse("frame {} belongs to two chains", b);
    set_bit(visited_frame_, b);
    ++visited_frames_;
    const Function& g = mod.functions[f.func];
    if (f.owner != owner) return refuse("frame {}: its stack is not its chain's", b);
    if (uint64_t{f.off} + g.max_stack > limit(owner))
      return refuse("frame {}: '{}' at stack offset {} overflows the stack", b, g.name, f.off);
    if (f.caller == kNone) {
      if (f.off != 0 || f.ret != 0) return refuse("frame {}: an entry frame above the stack's base", b);
      return true;
    }
    if (!live(kFramePool, f.caller)) return refuse("frame {}: caller frame {} is not live", b, f.caller);
    FrameRec c = frame_rec(f.caller);
    const Function& cf = mod.functions[c.func];
    if (f.ret <= cf.start || f.ret >= cf.end || mod.code[f.ret - 1].op != Op::Call ||
        mod.stack_heights[f.ret] == kNoHeight)
      return refuse("frame {}: return pc {} does not follow a call in '{}'", b, f.ret, cf.name);
    if (c.owner != owner || uint64_t{c.off} + mod.stack_heights[f.ret] - 1 != f.off)
      return refuse("frame {}: its base does not match its caller's stack height", b);
    b = f.caller;
    f = c;
  }
}

bool Restorer::check_frames() {
  clear_bits(visited_frame_, sc_.pools[kFramePool].bump);
  if (flags_ & kFlagPaused) {
    uint32_t owner = current_co_;
    uint32_t height = owner == kNone ? main_height_ : co_rec(owner).height;
    if (height != paused_sp_) return refuse("paused run: stack height {} but top at {}", height, paused_sp_);
    if (!walk(paused_frame_, owner, paused_pc_, paused_sp_, (flags_ & kFlagYielded) ? Top::Yield : Top::Budget,
              "paused run"))
      return false;
    for (uint32_t x = current_co_; x != kNone; x = co_rec(x).rco) {
      CoRec r = co_rec(x);
      uint32_t rheight = r.rco == kNone ? main_height_ : co_rec(r.rco).height;
      if (rheight != r.rsp) return refuse("coroutine {}: its resumer's stack height is {}, not {}", x, rheight, r.rsp);
      if (!walk(r.rframe, r.rco, r.rpc, r.rsp, Top::CoResume, "a coroutine's resumer")) return false;
    }
  }
  const SnapshotPoolView& v = sc_.pools[kCoPool];
  for (uint32_t b = 0; b < v.bump; ++b) {
    if (!live(kCoPool, b)) continue;
    CoRec r = co_rec(b);
    if (r.state == kCoSuspended && r.frame != kNone && !walk(r.frame, b, r.pc, r.sp, Top::Yield, "a coroutine"))
      return false;
  }
  if (visited_frames_ != sc_.pools[kFramePool].in_use)
    return refuse("{} frames belong to no run or coroutine", sc_.pools[kFramePool].in_use - visited_frames_);
  return true;
}

Value Restorer::decode(size_t at) const {
  const std::byte* r = p_ + at;
  auto tag = static_cast<Tag>(r[0]);
  uint64_t payload = get64(r + 8);
  switch (tag) {
    case Tag::Nil: return Value::nil();
    case Tag::Bool: return Value::boolean(payload != 0);
    case Tag::Int: return Value::integer(static_cast<int64_t>(payload));
    case Tag::Float: {
      double d;
      std::memcpy(&d, &payload, 8);
      return Value::real(d);
    }
    default:
      return Value::ref(tag, static_cast<uint16_t>(static_cast<uint8_t>(r[2]) | (static_cast<uint8_t>(r[3]) << 8)),
                        static_cast<uint32_t>(payload), get32(r + 4));
  }
}

// A canonical value whose reference, if any, names a block of the right pool
// that is live (a string's first block) or was live with that generation.
bool Restorer::check_value(size_t at, const char* where) {
  const std::byte* r = p_ + at;
  auto tag = static_cast<uint8_t>(r[0]);
  uint16_t pool = static_cast<uint16_t>(static_cast<uint8_t>(r[2]) | (static_cast<uint8_t>(r[3]) << 8));
  uint32_t g = get32(r + 4);
  uint64_t payload = get64(r + 8);
  if (tag > static_cast<uint8_t>(Tag::Co) || r[1] != std::byte{0})
    return refuse("{}: malformed value at byte {}", where, at);
  auto t = static_cast<Tag>(tag);
  if (t < Tag::Str) {
    bool ok = pool == 0 && g == 0 && (t != Tag::Nil || payload == 0) && (t != Tag::Bool || payload <= 1);
    return ok || refuse("{}: malformed value at byte {}", where, at);
  }
  bool pool_ok = t == Tag::Str    ? pool == kStrPool
                 : t == Tag::Cons ? pool == kConsPool
                 : t == Tag::Co   ? pool == kCoPool
                                  : pool >= kFirstRecordPool && pool < ps_.size();
  if (!pool_ok || payload > UINT32_MAX) return refuse("{}: malformed reference at byte {}", where, at);
  auto block = static_cast<uint32_t>(payload);
  if (block >= sc_.pools[pool].bump || (g & 1u) == 0 || g > gen(pool, block))
    return refuse("{}: reference at byte {} names no block ever allocated", where, at);
  if (g == gen(pool, block) && t == Tag::Str && !str_head(block))
    return refuse("{}: string reference at byte {} names the middle of a string", where, at);
  return true;
}

bool Restorer::check_values() {
  for (uint16_t id = 0; id < ps_.size(); ++id) {
    const PoolConfig& c = ps_.config(id);
    if (c.kind == PoolKind::Str) continue;
    const SnapshotPoolView& v = sc_.pools[id];
    size_t at = v.blocks;
    const size_t stride = ps_[id].stride();
    for (uint32_t b = 0; b < v.bump; ++b) {
      if (!live(id, b)) continue;
      at += 4;
      size_t values = 0;
      if (is_slot_pool(c.kind)) values = stride / sizeof(Value);
      else if (c.kind == PoolKind::Frame) {
        values = m_.module.functions[frame_rec(b).func].num_locals;
        at += kFrameRecordBytes;
      } else {
        values = co_rec(b).height;
        at += kCoRecordBytes;
      }
      for (size_t i = 0; i < values; ++i, at += kValueBytes)
        if (!check_value(at, c.name.c_str())) return false;
    }
  }
  for (size_t at = globals_at_; at < n_; at += kValueBytes)
    if (!check_value(at, at < stack_at_ ? "globals" : "operand stack")) return false;
  return true;
}

void Restorer::apply(SnapshotBudget& budget) {
  Machine& m = m_;
  budget.max_steps = max_steps_;
  budget.suspend = (flags_ & kFlagSuspend) != 0;
  m.max_steps = max_steps_;  // return addresses are for the loop that runs next
  m.frames_loop = m.loop_now();
  PoolSet& ps = *m.pools;
  auto owner_base = [&](uint32_t owner) {
    return owner == kNone ? m.stack : co_stack(co_at(m, owner));
  };
  auto frame_at = [&](uint32_t b) {
    return b == kNone ? nullptr : reinterpret_cast<FrameHeader*>(ps[kFramePool].block(b));
  };
  for (uint16_t id = 0; id < ps.size(); ++id) {
    const SnapshotPoolView& v = sc_.pools[id];
    Pool& pool = ps[id];
    PoolStats st = pool.stats();
    st.in_use = v.in_use;
    st.peak = v.peak;
    st.constants = v.constants;
    st.retired = v.retired;
    st.allocations = v.allocations;
    st.frees = v.frees;
    st.failed = v.failed;
    Pool::Restore r = pool.restore(v.bump, v.free_top, v.epoch, st);
    for (uint32_t b = 0; b < v.bump; ++b) r.gens[b] = gen(id, b);
    for (uint32_t i = 0; i < v.free_top; ++i) r.free[i] = get32(p_ + v.free + 4 * size_t{i});
    const PoolKind kind = ps.config(id).kind;
    const size_t stride = pool.stride();
    size_t at = v.blocks;
    for (uint32_t b = 0; b < v.bump; ++b) {
      if ((r.gens[b] & 1u) == 0) continue;
      r.born[b] = get32(p_ + at);
      at += 4;
      std::byte* block = pool.block(b);
      if (is_slot_pool(kind)) {
        auto* vals = reinterpret_cast<Value*>(block);
        for (size_t i = 0; i < stride / sizeof(Value); ++i, at += kValueBytes) vals[i] = decode(at);
      } else if (kind == PoolKind::Str) {
        std::memcpy(block, p_ + at, stride);
        at += stride;
      } else if (kind == PoolKind::Frame) {
        FrameRec f = frame_rec(b);
        auto* fh = reinterpret_cast<FrameHeader*>(block);
        *fh = FrameHeader{f.caller == kNone ? nullptr : m.return_address(f.ret), frame_at(f.caller),
                          owner_base(f.owner) + f.off, f.func, b};
        at += kFrameRecordBytes;
        Value* locals = frame_locals(fh);
        for (uint32_t i = 0; i < m.module.functions[f.func].num_locals; ++i, at += kValueBytes) locals[i] = decode(at);
      } else {
        CoRec c = co_rec(b);
        auto* co = reinterpret_cast<CoHeader*>(block);
        Value* seg = co_stack(co);
        *co = CoHeader{frame_at(c.frame),
                       c.frame == kNone ? nullptr : seg + c.sp,
                       frame_at(c.rframe),
                       c.rframe == kNone ? nullptr : owner_base(c.rowner) + c.rsp,
                       c.rco == kNone ? nullptr : co_at(m, c.rco),
                       c.pc,
                       c.rpc,
                       c.func,
                       c.nargs,
                       b,
                       c.state};
        at += kCoRecordBytes;
        for (uint32_t i = 0; i < c.height; ++i, at += kValueBytes) seg[i] = decode(at);
      }
    }
  }
  for (size_t i = 0; i < m.globals.size(); ++i) m.globals[i] = decode(globals_at_ + kValueBytes * i);
  for (uint32_t i = 0; i < main_height_; ++i) m.stack[i] = decode(stack_at_ + kValueBytes * size_t{i});
  m.current_co = current_co_ == kNone ? nullptr : co_at(m, current_co_);
  m.paused = Machine::Paused{};
  if (flags_ & kFlagPaused) {
    m.paused.active = true;
    m.paused.yielded = (flags_ & kFlagYielded) != 0;
    m.paused.frame = frame_at(paused_frame_);
    m.paused.sp = owner_base(current_co_) + paused_sp_;
    m.paused.pc = paused_pc_;
    m.paused.steps = paused_steps_;
  }
  m.steps = 0;
  m.stack_top = m.stack;
}

}  // namespace

bool read_snapshot_shape(std::span<const std::byte> bytes, SnapshotShape& out, std::string& why) {
  const std::byte* p = bytes.data();
  const size_t n = bytes.size();
  if (n < kSnapshotHeaderBytes + kRunBytes || std::memcmp(p, kSnapshotMagic, sizeof kSnapshotMagic) != 0) {
    why = "not a poolvm snapshot";
    return false;
  }
  if (get32(p + 8) != kSnapshotVersion) {
    why = fmt::format("snapshot format version {} is not supported (this poolvm reads version {})", get32(p + 8),
                      kSnapshotVersion);
    return false;
  }
  out = SnapshotShape{};
  out.stack_values = get32(p + 32);
  const uint32_t pools = get32(p + 36);
  size_t pos = kSnapshotHeaderBytes + kRunBytes;
  for (uint32_t i = 0; i < pools; ++i) {
    if (n - pos < 2) break;
    size_t len = static_cast<uint8_t>(p[pos]) | (size_t{static_cast<uint8_t>(p[pos + 1])} << 8);
    pos += 2;
    if (n - pos < len + 8) break;
    out.pools.push_back({std::string(reinterpret_cast<const char*>(p + pos), len), get32(p + pos + len + 4)});
    pos += len + 8;
  }
  if (out.pools.size() != pools) {
    why = "snapshot truncated in its pool table";
    return false;
  }
  return true;
}

bool restore_snapshot(Machine& m, std::span<const std::byte> bytes, SnapshotBudget& budget, std::span<char> why) {
  Restorer r(m, bytes, why);
  if (!r.validate()) return false;
  r.apply(budget);
  return true;
}

}  // namespace poolvm
