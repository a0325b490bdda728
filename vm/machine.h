// vm/machine.h — the state of one loaded program: its module, pools,
// materialized constants, globals and operand stack; and the frame layout
// the interpreter keeps in each `frame` pool block.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "compiler/module.h"
#include "vm/divisor.h"
#include "poolvm/poolvm.h"
#include "runtime/pool_set.h"
#include "runtime/strings.h"
#include "runtime/value.h"
#include "vm/output.h"
#include "vm/snapshot.h"

namespace poolvm {

// A frame block is the interpreter's FrameHeader in its first
// kFrameHeaderBytes, then the locals; a `co` block is a CoHeader in its first
// kCoHeaderBytes, then the coroutine's operand stack segment. The runtime
// reserves these bytes without knowing why (runtime/pool_set.h BlockHeaders).
inline constexpr size_t kFrameHeaderBytes = 32;
inline constexpr size_t kCoHeaderBytes = 80;
inline constexpr BlockHeaders kBlockHeaders{kFrameHeaderBytes, kCoHeaderBytes};

struct FrameHeader {
  const void* return_pc;   // caller's instruction after the call (Instr or ThreadedInstr)
  FrameHeader* caller;     // nullptr for the entry function
  Value* base;             // operand stack base of this function
  uint32_t func;           // Module::functions index
  uint32_t block;          // this frame's block in the frame pool
};
static_assert(sizeof(FrameHeader) <= kFrameHeaderBytes, "frame header fits its reserved bytes");
static_assert(kFrameHeaderBytes % alignof(Value) == 0, "locals stay aligned");

inline Value* frame_locals(FrameHeader* f) {
  return reinterpret_cast<Value*>(reinterpret_cast<std::byte*>(f) + kFrameHeaderBytes);
}

enum CoState : uint8_t { kCoSuspended = 0, kCoRunning = 1, kCoNormal = 2, kCoDead = 3 };
struct CoHeader {
  FrameHeader* frame;          // top frame while suspended after a yield; null before the first resume
  Value* sp;                   // its operand stack top while suspended
  FrameHeader* resumer_frame;  // while running or normal: who resumed it ...
  Value* resumer_sp;           // ... where the result of its coresume goes
  CoHeader* resumer_co;        // ... and in which coroutine (null: the main run)
  uint32_t pc;                 // code index to continue at while suspended
  uint32_t resumer_pc;         // code index after the resumer's coresume
  uint32_t func;
  uint32_t nargs;
  uint32_t block;
  uint8_t state;
};
static_assert(sizeof(CoHeader) <= kCoHeaderBytes, "coroutine header fits its reserved bytes");
static_assert(kCoHeaderBytes % alignof(Value) == 0, "the segment stays aligned");
inline Value* co_stack(CoHeader* c) {
  return reinterpret_cast<Value*>(reinterpret_cast<std::byte*>(c) + kCoHeaderBytes);
}

// The `str` pool as the VM uses it: a string's reference names the pool's
// id, which is the module format's (compiler/module.h), so runtime's StrPool
// cannot make one. kStrPool is a constant here: no member, nothing to load.
class StrRefs : public StrPool {
 public:
  using StrPool::StrPool;
  // The reference value of the string whose chain starts at `first`.
  Value value(uint32_t first) const { return Value::ref(Tag::Str, kStrPool, first, pool().generation(first)); }
};

// The plain loop's instruction with computed goto: the handler's address
// in place of the opcode, so dispatch is one load and one jump.
struct ThreadedInstr {
  const void* handler;
  // The module's operand, except that a local's (load, store), a constant's
  // (push) and a global's (gload, gstore) is a byte offset: from the frame,
  // kFrameHeaderBytes + 16 * index, and into constants or globals, 16 *
  // index, and a branch's is the byte offset of its target from the branch
  // itself, 16 * (target - branch) (threaded_operand in vm/interpreter.cpp).
  int32_t a;
  Op op;  // for messages only
  // For the step-counting loop, which charges a run of code at its first
  // instruction instead of a step per dispatch (see straight_line_runs):
  // what a taken forward branch gives back, the steps of its run after the
  // branch (0 but in threaded_counted, where the branch was charged for them).
  uint8_t refund;
  uint16_t rest;  // steps from this instruction to the end of its run, this one included
};
static_assert(sizeof(ThreadedInstr) == 16, "threaded instructions are 16 bytes");
static_assert(offsetof(ThreadedInstr, a) == 8);

// The VM's one error style (docs/embedding.md, Errors): a function that can
// fail returns std::optional<Fault>, empty on success; other results go
// through out-parameters written on success. Not bool plus a message, not an
// exception. A run's fault becomes a RuntimeError with the same kind; a
// load's becomes a diagnostic. Exceptions to the style, on purpose: a run's
// Outcome (five ways to end, written in place by the dispatch loop) and the
// paths that must not allocate (restore_snapshot, Import), which write into
// a fixed buffer.
struct Fault {
  std::string kind;
  std::string message;
};

// Where and why a run's loop failed; the fault is made only on failure,
// so a run that succeeds builds no strings.
struct Failure {
  const void* pc = nullptr;  // an Instr or a ThreadedInstr
  FrameHeader* frame = nullptr;
  std::optional<Fault> fault;
};

struct Machine {
  Module module;
  std::vector<Instr> fast_code;  // module.code with superinstructions (vm/specialize.h)
  std::vector<ThreadedInstr> threaded;  // fast_code with handler addresses (computed goto only)
  std::vector<ThreadedInstr> threaded_counted;  // the same for the step-counting loop's handlers
  // The counting loop's exact stepping, for the run the budget ends in: the
  // unfused code, every instruction through a handler that counts one step.
  std::vector<ThreadedInstr> threaded_exact;
  // Where a frame whose continuation's charge was given back returns (see
  // give_back_continuations): each entry charges what is left of its run,
  // then runs the charging copy's instruction.
  std::vector<ThreadedInstr> threaded_recharge;
  std::vector<uint8_t> run_leader;  // 1 where a run begins, for exact stepping
  std::vector<ConstDivisor> divisors;  // per constant, for ModK (vm/divisor.h)
  std::unique_ptr<PoolSet> pools;
  std::vector<Value> constants;  // Module::constants as values (strings in `str`, constant)
  std::vector<Value> globals;
  std::vector<uint32_t> slots;   // per pool id: slots of a block (records and cons)
  Value* stack = nullptr;  // owned_stack, or inside the host's memory
  std::unique_ptr<Value[]> owned_stack;
  uint32_t stack_size = 0;
  std::vector<const HostFunction*> host_functions;  // by extern index, resolved at load
  // The Vm's interrupt flag: it outlives loads, so no request is lost.
  std::atomic<bool>* interrupted = nullptr;
  Vm* vm = nullptr;  // what host functions are handed
  // Stamped into every reference handed to the host (never 0, unique per
  // load in the process): a reference from another VM or load is foreign.
  uint32_t id = 0;
  // Where the next run's operand stack starts: `stack`, or above the
  // arguments of the host call in progress, so a host function can call
  // back into the program without overwriting its caller's stack.
  Value* stack_top = nullptr;
  // Names sorted for binary search: find() and globals by name allocate nothing.
  std::vector<std::pair<std::string_view, uint32_t>> function_index, global_index;
  std::vector<std::string> args;
  Output* out = nullptr;
  uint64_t max_steps = 0;
  uint64_t steps = 0;
  Observer* observer = nullptr;  // set: the traced loop runs and calls these hooks
  fmt::memory_buffer trace_scratch;

  // Observer hooks (cold; only the traced loop calls them). `pc` and `frame`
  // locate the instruction responsible; pc may be null for main's frame.
  void trace_pool(PoolEventKind kind, uint16_t pool, uint32_t block, const Instr* pc,
                  const FrameHeader* frame, uint64_t step);
  // One event per block of the string chain starting at `first`.
  void trace_string(PoolEventKind kind, uint32_t first, const Instr* pc, const FrameHeader* frame,
                    uint64_t step);
  void trace_call(bool enter, uint32_t func, uint64_t step);
  void trace_co(CoroutineEvent::Kind kind, uint32_t block, const Instr* pc, const FrameHeader* frame, uint64_t step);
  void trace_exec(const Instr* pc, const FrameHeader* frame, const Value* sp, uint64_t step);
  fmt::memory_buffer scratch;  // reused by tostr, so the loop does not allocate

  // Allocates the string constants; a fault when `str` cannot hold them.
  [[nodiscard]] std::optional<Fault> materialize_constants();

  StrRefs strings() { return StrRefs((*pools)[kStrPool]); }

  // The bytes of a live string value, else "".
  std::string text_of(const Value& v) const;

  // Name of a referenced block for messages: "cons#17", "node#3".
  std::string block_name(const Value& v) const;
  // A record pool's slots for messages: "fields x..mass" when the program
  // named them, else "7 slots".
  std::string slots_text(uint16_t pool) const;
  // The fault for a reference that is not live, or nullopt when it is.
  std::optional<Fault> check_live(const Value& v) const;

  // Appends v's printed form (spec §5); a fault on a stale reference.
  std::optional<Fault> append_printed(const Value& v, fmt::memory_buffer& buffer) const;

  // Runs function `func` with `argv` as its arguments. On success the result
  // is in `result` (or halt's code in `halt_code`). Yielded: `result` is the
  // yielded value; Yielded and Suspended leave the run in `paused`.
  enum class Outcome { Returned, Halted, Failed, Yielded, Suspended };
  // `error` is made only when the run fails.
  Outcome execute(uint32_t func, std::span<const Value> argv, Value& result, int64_t& halt_code,
                  std::optional<RuntimeError>& error);
  // Continues the paused run; after a yield, `sent` is what the yield gives.
  Outcome resume(const Value& sent, Value& result, int64_t& halt_code, std::optional<RuntimeError>& error);

  // A paused run (spec §11): where it continues. Its frames stay in the
  // `frame` pool and its operand stack in [base, sp), so nothing else may run
  // over them until it is resumed or dropped.
  struct Paused {
    bool active = false;
    bool yielded = false;        // by `yield` (resume pushes what is sent), else by the budget
    FrameHeader* frame = nullptr;
    Value* sp = nullptr;
    uint32_t pc = 0;             // code index (the same in all three code arrays)
    uint64_t steps = 0;          // the run's step count so far
  } paused;
  CoHeader* current_co = nullptr;  // the running coroutine, null in the main run
  Failure failure;  // the last failing loop's, until run_loop turns it into a RuntimeError
  // Where the running coroutine's (or the main) operand stack ends.
  Value* stack_limit() const;
  // pool_free of a coroutine: its frames, then its block; a fault when it is running or normal.
  std::optional<Fault> free_coroutine(uint32_t block);
  // Every frame of every coroutine and of the paused or failing chain, for
  // rebasing return addresses to another code array.
  template <class F> void for_each_frame(FrameHeader* top, F&& f);
  bool suspend = false;    // a spent step budget pauses the run instead of failing it
  bool can_pause = false;  // false in runs nested in host functions: their C++ caller cannot wait

  // Fills `threaded` from fast_code (at load: a run must not allocate).
  void thread_code();
  // Index into the module's code of an instruction pointer into any of the
  // three code arrays (module.code, fast_code, threaded).
  uint32_t code_index(const void* pc) const;

  // Calls the host function of extern `index` with `arity` values at args;
  // a fault when it failed, threw, or returned a value that is not live.
  std::optional<Fault> call_host(uint32_t index, const Value* arg_values, Value& result);

  // The host boundary. Every value leaving the VM is exported (references
  // get this load's id); every value entering is imported: checked to be a
  // well-formed value, of this load, and live.
  enum class Import : uint8_t { Ok, Malformed, Foreign, Stale };
  HostValue export_value(const Value& v) const;
  Import import_value(const HostValue& h, Value& into) const;
  Import import_slow(const HostValue& h, Value& into) const;
  // Why `h` was refused (import's verdict), written into buf, truncated to
  // fit: no allocation.
  std::string_view describe_refused(std::span<char> buf, const HostValue& h, Import why) const;

  // Function or global index by name, or -1.
  static int lookup(const std::vector<std::pair<std::string_view, uint32_t>>& index, std::string_view name);
  void build_indexes();

  // Snapshots (spec §12, vm/snapshot.h): the program's identity, computed
  // at load, and the memory restore validates in.
  uint64_t content_hash = 0;
  SnapshotScratch snapshot_scratch;
  // The address of code index `index` in the code array the next run or
  // resume with the current settings executes: for frames made by restore.
  const void* return_address(uint32_t index) const;
  // Which loop the frames' return addresses were made for: 0 the plain
  // loop, 1 the budgeted one, 2 the traced one (each runs its own code
  // array). Frames outlive runs in suspended coroutines and the paused run,
  // so a run whose loop differs (the host changed the budget or observer
  // since) rebases them all first.
  uint8_t frames_loop = 0;
  uint8_t loop_now() const {
#ifndef POOLVM_NO_TRACING
    if (observer != nullptr) return 2;
#endif
    return max_steps != 0 ? 1 : 0;
  }
  // Points every frame's return address (from `top` down, every resumer's,
  // every suspended coroutine's) into the code array of loop_now().
  void rebase_frames(FrameHeader* top);
};

void append_float(double d, fmt::memory_buffer& out);

// A reference uses the low 32 bits of the payload for its block; the high 32
// carry the id of the load that exported it. Inside the VM they are zero.
static_assert(offsetof(Value, block) == 8 && sizeof(Value::block) == 4);
inline constexpr size_t kStampOffset = 12;

struct HostValueAccess {
  static Value get(const HostValue& h) {
    Value v;
    std::memcpy(static_cast<void*>(&v), h.bits_, sizeof v);
    return v;
  }
  static HostValue make(const Value& v) {
    HostValue h;
    std::memcpy(h.bits_, &v, sizeof v);
    return h;
  }
  static uint32_t stamp(const HostValue& h) {
    uint32_t id;
    std::memcpy(&id, h.bits_ + kStampOffset, sizeof id);
    return id;
  }
  static void set_stamp(HostValue& h, uint32_t id) { std::memcpy(h.bits_ + kStampOffset, &id, sizeof id); }
};

// The raw bits of a HostValue, without any check.
inline Value to_value(const HostValue& h) { return HostValueAccess::get(h); }
inline HostValue to_host(const Value& v) { return HostValueAccess::make(v); }

inline Value* Machine::stack_limit() const {
  return current_co != nullptr ? co_stack(current_co) + slots[kCoPool] : stack + stack_size;
}

inline HostValue Machine::export_value(const Value& v) const {
  HostValue h = to_host(v);
  if (v.is_ref()) HostValueAccess::set_stamp(h, id);
  return h;
}

// Ints, the common argument, inline; everything else checked out of line.
inline Machine::Import Machine::import_value(const HostValue& h, Value& into) const {
  Value raw = to_value(h);
  if (raw.tag == Tag::Int) {
    into = Value::integer(raw.i);
    return Import::Ok;
  }
  return import_slow(h, into);
}

}  // namespace poolvm
