// poolvm/poolvm.h — the public embedding API: create a VM from a
// configuration, load a program, run it, read its pool statistics.
//
// Error handling: nothing here throws except std::bad_alloc when the system
// heap is exhausted outside a run. Loading returns false with diagnostics;
// running returns a RunResult that carries a structured RuntimeError.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
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

// A value crossing the host boundary: the VM's own 16-byte value, bit for
// bit, so passing arguments and results copies no memory of the pools.
// Strings, conses and records are references: read them through HostCall
// (during a host function) or Vm::text (after a run).
class HostValue {
 public:
  enum class Type : uint8_t { Nil, Bool, Int, Float, String, Cons, Record };

  HostValue() = default;  // nil
  static HostValue boolean(bool b);
  static HostValue integer(int64_t i);
  static HostValue real(double d);

  Type type() const { return static_cast<Type>(bits_[0]); }
  bool is_nil() const { return type() == Type::Nil; }
  bool as_bool() const;      // false unless a Bool
  int64_t as_int() const;    // 0 unless an Int
  double as_float() const;   // an Int converted, a Float, else 0
  bool truthy() const;       // false, nil and 0 are false

 private:
  alignas(8) unsigned char bits_[16] = {};
  friend struct HostValueAccess;
};
static_assert(sizeof(HostValue) == 16);

class HostCall;
// A host function for a `.extern`: receives the arguments, returns the result.
// To fail with a runtime error, call HostCall::fail and return anything.
using HostFunction = std::function<HostValue(HostCall&)>;

class HostCall {
 public:
  std::span<const HostValue> args() const { return args_; }
  // The bytes of a string argument (empty for other types or freed strings).
  std::string text(const HostValue& v) const;
  // A new string in the `str` pool (the program frees it); nil and a failure
  // when the pool is exhausted.
  HostValue make_string(std::string_view bytes);
  // A new cons cell; nil and a failure when `cons` is exhausted.
  HostValue make_cons(const HostValue& car, const HostValue& cdr);
  // Ends the call with a runtime error ("host error: MESSAGE") that carries
  // the backtrace of the program.
  void fail(std::string message);
  bool failed() const { return failed_; }
  std::string_view function() const { return function_; }

 private:
  friend struct HostCallAccess;
  HostCall() = default;
  void* machine_ = nullptr;
  std::span<const HostValue> args_;
  std::string_view function_;
  bool failed_ = false;
  std::string message_;
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

class Observer {
 public:
  virtual ~Observer() = default;
  virtual void on_pool_event(const PoolEvent&) {}
  virtual void on_call(const CallEvent&) {}
  virtual void on_instruction(const InstructionEvent&) {}
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
  // Exit status as the CLI reports it: main's int result mod 256, halt's
  // code, 0 for a non-int result, 70 after a runtime error.
  int exit_status = 0;
  HostValue value;  // the function's result (nil after halt or an error)
  bool halted = false;
  std::optional<RuntimeError> error;
  bool ok() const { return !error.has_value(); }
};

struct PoolStatistics {
  std::string name;
  uint32_t block_bytes = 0;
  uint32_t capacity = 0;
  uint32_t in_use = 0;
  uint32_t peak = 0;
  uint64_t allocations = 0;
  uint64_t frees = 0;
  uint64_t failed = 0;
  uint64_t reserved_bytes = 0;
  uint32_t constants = 0;
  std::vector<std::string> fields;  // a record pool's field names, when the program named them
};

class Vm {
 public:
  explicit Vm(Config config = {});
  ~Vm();
  Vm(Vm&&) noexcept;
  Vm& operator=(Vm&&) noexcept;

  // Loads a program — .pasm text or .pbc bytes, told apart by content —
  // verifies it and reserves its pools. false: see diagnostics() /
  // diagnostics_text().
  bool load_source(std::string_view program, std::string_view file_name);
  const std::vector<LoadDiagnostic>& diagnostics() const;
  // Diagnostics rendered like a compiler (file:line:col, quoted line, caret).
  std::string diagnostics_text() const;

  // Registers a host function for the program's `.extern NAME ARITY`. Do it
  // before load_source: loading fails, naming the extern, when a declared
  // extern has no host function or a different arity.
  void register_function(std::string name, uint32_t arity, HostFunction fn);

  // Runs `main` with program arguments (for argc/argv).
  RunResult run_main(const std::vector<std::string>& args = {});
  // Runs any function by name with arguments (arity must match).
  RunResult call(std::string_view function, std::span<const HostValue> args = {});

  // Instruction budget for the following runs (0: none); overrides Config.
  void set_step_budget(uint64_t max_steps);
  // Asks the running program to stop with a runtime error "interrupted".
  // Safe from any thread and from host functions; noticed at the next call
  // or backward jump. Cleared when the next run starts.
  void interrupt();

  // The bytes of a string value (e.g. a result), "" if not a live string.
  std::string text(const HostValue& v) const;

  std::vector<PoolStatistics> pool_statistics() const;
  // State of every block of pool `pool` (index as in pool_statistics()).
  std::vector<BlockState> block_states(size_t pool) const;
  // Name of the loaded program's source file, as given to load_source.
  std::string source_name() const;
  // Bytes the pools and operand stack of the loaded program need, i.e. the
  // size of Config::memory that would hold them (0 when nothing is loaded).
  size_t memory_needed() const;

  // Empties every pool, resets globals and rematerializes constants, so the
  // loaded program can run again from a clean state.
  void reset();

  void flush_output();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace poolvm
