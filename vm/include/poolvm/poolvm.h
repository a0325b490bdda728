// poolvm/poolvm.h — the public embedding API: create a VM from a
// configuration, load a program, run it, read its pool statistics.
//
// Error handling: nothing here throws except std::bad_alloc when the system
// heap is exhausted outside a run. Loading returns false with diagnostics;
// running returns a RunResult that carries a structured RuntimeError.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
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

std::string_view version();

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
};

class Vm {
 public:
  explicit Vm(Config config = {});
  ~Vm();
  Vm(Vm&&) noexcept;
  Vm& operator=(Vm&&) noexcept;

  // Assembles and verifies .pasm text and reserves the program's pools.
  // false: see diagnostics() / diagnostics_text().
  bool load_source(std::string_view text, std::string_view file_name);
  const std::vector<LoadDiagnostic>& diagnostics() const;
  // Diagnostics rendered like a compiler (file:line:col, quoted line, caret).
  std::string diagnostics_text() const;

  // Runs `main` with program arguments (for argc/argv).
  RunResult run_main(const std::vector<std::string>& args = {});

  std::vector<PoolStatistics> pool_statistics() const;
  // State of every block of pool `pool` (index as in pool_statistics()).
  std::vector<BlockState> block_states(size_t pool) const;
  // Name of the loaded program's source file, as given to load_source.
  std::string source_name() const;

  // Empties every pool, resets globals and rematerializes constants, so the
  // loaded program can run again from a clean state.
  void reset();

  void flush_output();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace poolvm
