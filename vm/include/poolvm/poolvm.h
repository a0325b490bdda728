// poolvm/poolvm.h — the public C++ embedding API: create a VM from a
// configuration, load a program, call its functions through handles, make
// and read its data from the host, read its pool statistics.
// <poolvm/capi.h> is the same API for C; both are one implementation.
//
// Error handling: nothing here throws except std::bad_alloc when the system
// heap is exhausted outside a run. Loading returns false with diagnostics;
// running returns a RunResult that carries a structured RuntimeError; every
// other fallible call returns a Status and describes a failure in
// Vm::last_error() (a fixed buffer: failing does not allocate either).
//
// Ownership and lifetimes (docs/embedding.md has the whole story):
// - A HostValue is 16 plain bytes, copied freely. A reference in it (string,
//   cons, record) names one block of one VM's pools and is checked on every
//   use: after the block is freed, after reset() and after another load it
//   is stale; given to another VM it is foreign. Either is an error, never a
//   read of another block.
// - Strings, conses and records the host makes or receives are the
//   program's blocks: free them with release() or let the program do so.
// - A function handle (find()) is good until the next load.
// - Only interrupt() may be called from another thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace poolvm {

// Process exit statuses (spec §6), shared by the CLI and hosts that mirror it.
inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 64;
inline constexpr int kExitInvalidProgram = 65;
inline constexpr int kExitNoInput = 66;
inline constexpr int kExitRuntimeError = 70;
inline constexpr int kExitCantCreate = 73;  // an output file cannot be written (sysexits' EX_CANTCREAT)

std::string_view version();

// What a fallible call returned (the C API's pvm_status, value for value).
enum class Status : uint8_t {
  Ok = 0,
  Yielded,       // the main run executed `yield` (spec §11)
  Suspended,     // a suspending step budget ran out (spec §11)
  RuntimeError,  // RunResult::error describes it; the run is over
  LoadError,     // diagnostics() describe it
  BadArgument,   // stale, foreign or wrongly typed value, unknown name, wrong arity, wrong state
  NoMemory,      // a pool is exhausted, or a buffer is too small
};

// A value crossing the host boundary: 16 bytes, the VM's own value plus, in
// a reference, the identity of the VM (and load) that made it. Strings,
// conses and records are references: read them through the Vm.
class HostValue {
 public:
  enum class Type : uint8_t { Nil, Bool, Int, Float, String, Cons, Record, Coroutine };

  HostValue() = default;  // nil
  static HostValue boolean(bool b) { return make(Type::Bool, b ? 1 : 0); }
  static HostValue integer(int64_t i) { uint64_t u; std::memcpy(&u, &i, 8); return make(Type::Int, u); }
  static HostValue real(double d) { uint64_t u; std::memcpy(&u, &d, 8); return make(Type::Float, u); }

  bool is_ref() const { return type() >= Type::String && type() <= Type::Coroutine; }
  Type type() const { return static_cast<Type>(bits_[0]); }
  bool is_nil() const { return type() == Type::Nil; }
  bool as_bool() const { return type() == Type::Bool && bits_[kPayload] != 0; }  // false unless a Bool
  int64_t as_int() const { return type() == Type::Int ? payload<int64_t>() : 0; }  // 0 unless an Int
  double as_float() const {  // an Int converted, a Float, else 0
    return type() == Type::Int ? static_cast<double>(payload<int64_t>()) : type() == Type::Float ? payload<double>() : 0.0;
  }
  bool truthy() const {  // false, nil and 0 are false
    return type() == Type::Bool ? bits_[kPayload] != 0 : type() == Type::Int ? payload<int64_t>() != 0 : !is_nil();
  }

 private:
  // The layout of the VM's Value (checked by static_asserts in vm/host.cpp):
  // type in byte 0, payload in bytes 8..15.
  static constexpr size_t kPayload = 8;
  static HostValue make(Type t, uint64_t payload) {
    HostValue h;
    h.bits_[0] = static_cast<unsigned char>(t);
    std::memcpy(h.bits_ + kPayload, &payload, 8);
    return h;
  }
  template <class T>
  T payload() const {
    T v;
    std::memcpy(&v, bits_ + kPayload, sizeof v);
    return v;
  }
  alignas(8) unsigned char bits_[16] = {};
  friend struct HostValueAccess;
};
static_assert(sizeof(HostValue) == 16);

class HostCall;
class Vm;
// A host function for a `.extern`: receives the arguments, returns the result.
// To fail with a runtime error, call HostCall::fail and return anything.
using HostFunction = std::function<HostValue(HostCall&)>;

// What a host function is given. Everything the Vm offers (making and reading
// data, calling back into the program) is reachable through vm().
class HostCall {
 public:
  std::span<const HostValue> args() const { return args_; }
  Vm& vm() const { return *vm_; }
  // The bytes of a string argument (empty for other types or stale strings).
  std::string text(const HostValue& v) const;
  // A new string in the `str` pool (the program frees it); nil and a failure
  // when the pool is exhausted.
  HostValue make_string(std::string_view bytes);
  // A new cons cell; nil and a failure when `cons` is exhausted or an
  // argument is stale or foreign.
  HostValue make_cons(const HostValue& car, const HostValue& cdr);
  // Ends the call with a runtime error ("host error: MESSAGE") that carries
  // the backtrace of the program. The first failure is the one reported.
  void fail(std::string_view message);
  bool failed() const { return failed_; }
  std::string_view function() const { return function_; }

 private:
  friend struct HostCallAccess;
  HostCall() {}  // user-provided: message_ is written only when a call fails
  Vm* vm_ = nullptr;
  std::span<const HostValue> args_;
  std::string_view function_;
  bool failed_ = false;
  char message_[240];  // a failure's message; fixed, so failing does not allocate
};

// What --trace is built on: a host sees every allocation and free, every call
// and (when it asks) every instruction. With no observer the interpreter runs
// a loop instantiation that has no hooks at all.
enum class PoolEventKind : uint8_t { Alloc, Free, AllocFailed };

struct PoolEvent {
  PoolEventKind kind;
  uint64_t step;               // instructions executed so far in this run
  uint16_t pool;               // pool index, as in pool_statistics()
  std::string_view pool_name;
  uint32_t block;              // block index (AllocFailed: none, UINT32_MAX)
  uint32_t in_use;             // the pool's blocks in use after the event
  uint32_t capacity;
  std::string_view function;   // the function executing the instruction
  uint32_t line;               // its source line, 0 if unknown
};

struct InstructionEvent {
  uint64_t step;
  std::string_view function;
  uint32_t pc;                 // offset of the instruction in its function
  uint32_t line;
  std::string_view instruction;  // disassembled, e.g. "load n"
  std::string_view stack_top;    // the top few values, printed, top last
};

struct CallEvent {
  bool enter;                  // false: the call returned (or was unwound)
  uint64_t step;
  std::string_view function;
};
// The main run paused (by `yield` or a suspending budget) or is resumed.
struct PauseEvent {
  enum class Kind : uint8_t { Yield, Suspend, Resume };
  Kind kind;
  uint64_t step;               // instructions executed so far in this run
  std::string_view function;   // where the run stands
  uint32_t line;
};
// Control passed into or out of a coroutine (spec §11): `coresume` entered
// it, or it gave control back to its resumer by `yield` or by returning, or
// the run ended inside it (an error, or `halt`) and it died with it.
struct CoroutineEvent {
  enum class Kind : uint8_t { Resume, Yield, Return, Died };
  Kind kind;
  uint64_t step;
  uint32_t coroutine;          // its block in the co pool
  std::string_view function;   // where: the coresume, the yield, the ret
  uint32_t line;
};

class Observer {
 public:
  virtual ~Observer() = default;
  virtual void on_pool_event(const PoolEvent&) {}
  virtual void on_call(const CallEvent&) {}
  virtual void on_instruction(const InstructionEvent&) {}
  virtual void on_pause(const PauseEvent&) {}
  virtual void on_coroutine(const CoroutineEvent&) {}
  // Instruction events cost a disassembly each: only sent when this is true.
  virtual bool wants_instructions() const { return false; }
};

enum class BlockState : uint8_t { Free, Used, Constant };

struct PoolOverride {
  std::string name;  // cons, str, frame or a record pool of the program
  uint32_t blocks;   // capacity; wins over the program's .pool directive
};

struct Config {
  std::vector<PoolOverride> pools;
  uint32_t stack_values = 65536;  // operand stack size, in values
  uint64_t max_steps = 0;         // 0: no limit; else a runtime error after that many instructions
  // Where print/write go. Unset: the process's stdout, buffered, flushed at
  // the end of a run and before an error is returned.
  std::function<void(std::string_view)> output;
  Observer* observer = nullptr;  // not owned; must outlive the runs
  // Host-supplied memory for the pools and the operand stack. When set, the
  // VM allocates nothing from the system heap while it runs a loaded program
  // (loading still builds the module on the heap). Too small: load fails with
  // the number of bytes needed.
  std::span<std::byte> memory;
};

// A problem that kept a program from loading (assembly or verification).
struct LoadDiagnostic {
  std::string file;
  uint32_t line = 0;    // 0: unknown
  uint32_t column = 0;  // 0: unknown
  std::string message;
  // The program is fine but this configuration cannot run it (an unknown
  // --pool name, pools too large to reserve, constants that do not fit).
  bool config_error = false;
};

struct StackEntry {
  std::string function;
  std::string file;
  uint32_t line = 0;  // 0: unknown (stripped module)
};

struct RuntimeError {
  std::string kind;     // "use after free", "double free", "type error", "out of memory", ...
  std::string message;  // the whole first line after "error: "
  std::vector<StackEntry> stack;  // innermost first
  // "error: MESSAGE\n  at F (FILE:LINE)\n..." as the CLI prints it.
  std::string text() const;
};

struct RunResult {
  // Ok (returned or halted), RuntimeError, BadArgument (no such function,
  // wrong arity, a stale or foreign argument, a run is paused: nothing ran),
  // or Yielded (value: what `yield` gave) / Suspended: the run is paused.
  Status status = Status::Ok;
  // Exit status as the CLI reports it: main's int result mod 256, halt's
  // code, 0 for a non-int result, 70 after a runtime error.
  int exit_status = 0;
  HostValue value;  // the function's result (nil after halt or an error)
  bool halted = false;
  std::optional<RuntimeError> error;
  bool ok() const { return !error.has_value(); }
};

// A pool's `summary` figures (spec §9).
struct PoolCounts {
  uint32_t block_bytes = 0;
  uint32_t capacity = 0;
  uint32_t in_use = 0;
  uint32_t peak = 0;
  uint64_t allocations = 0;
  uint64_t frees = 0;
  uint64_t failed = 0;
  uint64_t reserved_bytes = 0;
  uint32_t constants = 0;
};

struct PoolStatistics : PoolCounts {
  std::string name;
  std::vector<std::string> fields;  // a record pool's field names, when the program named them
};

// The same figures without allocating: the name points into the VM and is
// good until the next load.
struct PoolInfo : PoolCounts {
  std::string_view name;
};

// What a VM must be configured with to restore a snapshot: the pool
// capacities and operand stack size it was taken with. false and `why`
// when the bytes do not start like a snapshot of this version.
struct SnapshotShape {
  std::vector<PoolOverride> pools;
  uint32_t stack_values = 0;
};
bool read_snapshot_shape(std::span<const std::byte> bytes, SnapshotShape& out, std::string& why);

class Vm {
 public:
  explicit Vm(Config config = {});
  ~Vm();
  Vm(Vm&&) noexcept;
  Vm& operator=(Vm&&) noexcept;

  // Loads a program — .pasm text or .pbc bytes, told apart by content —
  // verifies it and reserves its pools. false: see diagnostics() /
  // diagnostics_text(). A library needs no `main`.
  bool load_source(std::string_view program, std::string_view file_name);
  const std::vector<LoadDiagnostic>& diagnostics() const;
  // Diagnostics rendered like a compiler (file:line:col, quoted line, caret).
  std::string diagnostics_text() const;

  // Registers a host function for the program's `.extern NAME ARITY`. Do it
  // before load_source: loading fails, naming the extern, when a declared
  // extern has no host function or a different arity. Replacing a function
  // of the loaded program takes effect at once (same arity only); during a
  // run, registering is refused (BadArgument).
  Status register_function(std::string name, uint32_t arity, HostFunction fn);

  // Runs `main` with program arguments (for argc/argv).
  RunResult run_main(const std::vector<std::string>& args = {});
  // Runs any function by name with arguments (arity must match).
  RunResult call(std::string_view function, std::span<const HostValue> args = {});

  // Function handles: find() once, call through the handle in O(1). A
  // handle is good until the next load_source.
  int find(std::string_view function) const;  // handle >= 0, or -1
  int arity(int function) const;              // -1 for a bad handle
  RunResult call(int function, std::span<const HostValue> args = {});
  // The same without building a RunResult: the fast path for hosts that call
  // every tick. Ok: `result` is the function's result (nil after halt).
  // RuntimeError: last_run_error() describes it. BadArgument: last_error().
  Status call(int function, std::span<const HostValue> args, HostValue& result);
  // The error of the last run that failed (empty before any).
  const std::optional<RuntimeError>& last_run_error() const;

  // Globals by name: BadArgument for an unknown name or (set) a stale or
  // foreign value.
  Status global(std::string_view name, HostValue& out) const;
  Status set_global(std::string_view name, const HostValue& v);

  // Data from the host side, inside or outside host functions. Every
  // reference passed in is checked (stale, foreign, wrong type: BadArgument);
  // an exhausted pool is NoMemory (and counts as a failed allocation).
  Status make_string(std::string_view bytes, HostValue& out);
  Status make_cons(const HostValue& car, const HostValue& cdr, HostValue& out);
  Status make_record(std::string_view pool, HostValue& out);  // every slot nil
  // Copies min(buf.size(), length) bytes of string s into buf and sets
  // `length` to the whole length; NoMemory when buf was too small.
  Status read_string(const HostValue& s, std::span<char> buf, size_t& length) const;
  // Slot `slot` of a cons (0 car, 1 cdr) or record.
  Status get(const HostValue& ref, uint32_t slot, HostValue& out) const;
  Status set(const HostValue& ref, uint32_t slot, const HostValue& v);
  // pool_free: nil is a no-op; a stale reference is BadArgument ("double
  // free"), as is a constant string.
  Status release(const HostValue& ref);
  // True for non-references and live references of this VM.
  bool is_live(const HostValue& v) const;

  // Reclaiming what a call left behind (e.g. one that failed or was
  // interrupted) without a reset: mark() before the call, then
  // release_since(mark) frees every block of every pool but `frame` that was
  // allocated after the mark and is still live. Globals are kept, so a
  // global still holding such a block then holds a stale reference.
  uint64_t mark() const;
  Status release_since(uint64_t mark);

  // Instruction budget for each following run and each resume (0: none);
  // overrides Config. When it is spent the run fails with "step limit", or,
  // with `suspend`, pauses: RunResult::status is Suspended and resume()
  // continues it exactly where it stopped, with a fresh budget. Only the
  // outermost run suspends; a run nested in a host function fails instead.
  void set_step_budget(uint64_t max_steps, bool suspend = false);
  // Continues a run that paused (status Yielded or Suspended). After a yield,
  // `sent` is what the program's `yield` gives; after a suspension it is
  // ignored. BadArgument when no run is paused, or from inside a run. While a
  // run is paused, starting another (run_main, call) is BadArgument: its
  // frames and operand stack are still in use. reset() drops it.
  RunResult resume(const HostValue& sent = {});
  bool paused() const;  // a run is paused and waits for resume() or reset()
  // Asks the program to stop with a runtime error "interrupted". Safe from
  // any thread and from host functions. Never lost: it stops the run in
  // progress at its next call or backward jump (under a step budget: within
  // 65,536 steps), or else the next run that starts; exactly one run (nested
  // runs from host functions included) consumes it.
  void interrupt();

  // The bytes of a string value (e.g. a result), "" if not a live string.
  std::string text(const HostValue& v) const;

  // The message of the last call that did not return Ok (a bad argument,
  // an exhausted pool), "" if none. Good until the next failing call.
  std::string_view last_error() const;

  // Pool statistics without allocating: pool_count() pools, index as in
  // pool_statistics(). reset_peaks() sets every peak to the current use.
  size_t pool_count() const;
  Status pool_info(size_t index, PoolInfo& out) const;
  void reset_peaks();

  std::vector<PoolStatistics> pool_statistics() const;
  // State of every block of pool `pool` (index as in pool_statistics()).
  std::vector<BlockState> block_states(size_t pool) const;
  // Name of the loaded program's source file, as given to load_source.
  std::string source_name() const;
  // Bytes the pools and operand stack of the loaded program need, i.e. the
  // size of Config::memory that would hold them (0 when nothing is loaded).
  size_t memory_needed() const;

  // Snapshots (spec §12, format in docs/snapshots.md). snapshot() writes the
  // state of an idle or paused VM — pools, globals, coroutines, frames,
  // operand stacks, the paused run, step budget and statistics — into buf
  // and sets `length` to the bytes written; NoMemory with `length` = bytes
  // needed when buf is too small (buf's contents are then unspecified).
  // BadArgument during a run. Allocates nothing.
  Status snapshot(std::span<std::byte> buf, size_t& length) const;
  // Replaces the VM's state with a snapshot's, which must come from the same
  // program (content hash) with the same pool capacities and stack size;
  // the host registers the same externs. The bytes are untrusted: anything
  // not a consistent snapshot is BadArgument, last_error() says why, and the
  // VM is unchanged. References the host held before become foreign; the
  // step budget is the snapshot's. Allocates nothing.
  Status restore(std::span<const std::byte> bytes);
  // The program arguments argc/argv read, for a restored run (run_main sets
  // them otherwise).
  void set_program_args(std::vector<std::string> args);

  // Frees every block but the string constants, sets globals back to nil,
  // zeroes the statistics: the loaded program can run again from a clean
  // state. Generations continue, so every reference taken before is stale.
  void reset();

  void flush_output();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace poolvm
