// vm/vm.cpp — the public Vm: loading (assemble, verify, reserve pools,
// materialize constants), runs through names or handles, globals, host-side
// data, reclaiming, statistics and reset.
#include <algorithm>
#include <map>

#include "vm/program_input.h"
#include "vm/specialize.h"
#include "poolvm/poolvm.h"
#include "vm/machine.h"
#include "vm/small_buffer.h"
#include "vm/snapshot.h"
#include "compiler/pbc.h"

namespace poolvm {

std::string_view version() { return POOLVM_VERSION; }

std::string RuntimeError::text() const {
  std::string s = fmt::format("error: {}\n", message);
  // Like Lua, a deep stack shows its innermost and outermost calls only.
  constexpr size_t kHead = 10, kTail = 10;
  for (size_t i = 0; i < stack.size(); ++i) {
    if (stack.size() > kHead + kTail + 1 && i == kHead) {
      s += fmt::format("  ... ({} more calls)\n", stack.size() - kHead - kTail);
      i = stack.size() - kTail - 1;
      continue;
    }
    const StackEntry& e = stack[i];
    if (e.line != 0) s += fmt::format("  at {} ({}:{})\n", e.function, e.file, e.line);
    else s += fmt::format("  at {} ({})\n", e.function, e.file);
  }
  return s;
}

std::optional<Fault> Machine::materialize_constants() {
  constants.clear();
  constants.reserve(module.constants.size());
  Pool& str_pool = (*pools)[kStrPool];
  StrPool s(str_pool);
  for (const Constant& c : module.constants) {
    switch (c.kind) {
      case Constant::Kind::Nil: constants.push_back(Value::nil()); break;
      case Constant::Kind::Bool: constants.push_back(Value::boolean(c.b)); break;
      case Constant::Kind::Int: constants.push_back(Value::integer(c.i)); break;
      case Constant::Kind::Float: constants.push_back(Value::real(c.f)); break;
      case Constant::Kind::Str: {
        uint32_t first = s.alloc(static_cast<uint32_t>(c.s.size()));
        if (first == Pool::kNoBlock)
          return Fault{"out of memory",
                       fmt::format("pool 'str' ({} blocks of {} bytes) is too small for the program's string constants",
                                   str_pool.capacity(), s.bytes_per_block())};
        StrPool::Writer w(s, first);
        w.put(c.s);
        for (uint32_t b = first; b != Pool::kNoBlock;) {
          uint32_t next = reinterpret_cast<const StrBlockHeader*>(str_pool.block(b))->next;
          str_pool.make_constant(b);
          b = next;
        }
        constants.push_back(Value::ref(Tag::Str, kStrPool, first, Pool::kConstantGen));
        break;
      }
    }
  }
  return std::nullopt;
}

void Machine::build_indexes() {
  function_index.clear();
  global_index.clear();
  for (uint32_t i = 0; i < module.functions.size(); ++i) function_index.emplace_back(module.functions[i].name, i);
  for (uint32_t i = 0; i < module.globals.size(); ++i) global_index.emplace_back(module.globals[i], i);
  std::sort(function_index.begin(), function_index.end());
  std::sort(global_index.begin(), global_index.end());
}

int Machine::lookup(const std::vector<std::pair<std::string_view, uint32_t>>& index, std::string_view name) {
  auto it = std::lower_bound(index.begin(), index.end(), name,
                             [](const auto& e, std::string_view n) { return e.first < n; });
  return it != index.end() && it->first == name ? static_cast<int>(it->second) : -1;
}

namespace {
// Process-wide, so a reference is never accepted by another VM or load.
std::atomic<uint32_t> next_machine_id{1};
uint32_t new_machine_id() {
  uint32_t id = next_machine_id.fetch_add(1, std::memory_order_relaxed);
  return id != 0 ? id : next_machine_id.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

struct Vm::Impl {
  Config config;
  Output output;
  std::vector<LoadDiagnostic> diagnostics;
  std::string diagnostics_text;
  std::unique_ptr<Machine> machine;
  std::map<std::string, std::pair<uint32_t, HostFunction>, std::less<>> host_functions;
  uint64_t max_steps = 0;
  bool suspend = false;  // a spent budget suspends the outermost run instead of failing it
  std::atomic<bool> interrupted{false};
  uint32_t runs_in_progress = 0;  // > 1 while a host function has called back in
  Vm* self = nullptr;
  // The last API failure's message: fixed, so failing allocates nothing.
  char error[512] = {};

  explicit Impl(Config c) : config(std::move(c)), output(config.output), max_steps(config.max_steps) {
    // Reserved once, so printing during a run does not allocate (unless one
    // printed value alone is larger than this).
    output.buffer().reserve(kOutputReserve);
  }
  static constexpr size_t kOutputReserve = (1 << 16) + (1 << 12);

  // Takes a verified module: applies overrides, reserves pools and stack,
  // resolves externs, materializes constants.
  bool install(Module module);
  Machine::Outcome execute(uint32_t func, std::span<const Value> args, Value& result, int64_t& halt_code);
  Machine::Outcome execute_nested(uint32_t func, std::span<const Value> args, Value& result, int64_t& halt_code);
  RunResult run(uint32_t func, std::span<const Value> args);
  std::optional<RuntimeError> last_run_error;
  RunResult resume(const HostValue& sent);
  // Traces a pause, records a failure's message, delivers the output: every
  // run and resume ends here. Inline for the common end of a host call: it
  // returned and printed nothing.
  Machine::Outcome settle(Machine::Outcome outcome) {
    if ((outcome == Machine::Outcome::Returned || outcome == Machine::Outcome::Halted) && output.buffer().size() == 0)
      return outcome;
    return settle_slow(outcome);
  }
  Machine::Outcome settle_slow(Machine::Outcome outcome);
  RunResult to_result(Machine::Outcome outcome, const Value& result, int64_t halt_code);
  void trace_pause(PauseEvent::Kind kind);

  bool fail_load(std::string file, std::string message, bool config_error) {
    diagnostics.push_back({file, 0, 0, message, config_error});
    diagnostics_text += fmt::format("{}: error: {}\n", file, message);
    machine.reset();
    return false;
  }

  template <class... Args>
  Status fail(Status s, fmt::format_string<Args...> format, Args&&... args) {
    auto r = fmt::format_to_n(error, sizeof error - 1, format, std::forward<Args>(args)...);
    error[std::min(r.size, sizeof error - 1)] = '\0';
    return s;
  }
  Status no_program() { return fail(Status::BadArgument, "no program is loaded"); }
  // Imports a value from the host, or records why it was refused.
  Status import(const HostValue& h, Value& out, std::string_view what) {
    Machine::Import verdict = machine->import_value(h, out);
    if (verdict == Machine::Import::Ok) return Status::Ok;
    char why[200];
    return fail(Status::BadArgument, "{}: {}", what, machine->describe_refused(why, h, verdict));
  }
  // A live reference of the wanted kinds, imported.
  Status import_ref(const HostValue& h, Value& out, std::string_view what, bool strings, bool slots) {
    if (Status s = import(h, out, what); s != Status::Ok) return s;
    bool ok = (strings && out.tag == Tag::Str) || (slots && (out.tag == Tag::Cons || out.tag == Tag::Rec));
    if (!ok)
      return fail(Status::BadArgument, "{}: expected {}, got {}", what,
                  strings ? (slots ? "a string, cons or record" : "a string") : "a cons or record", tag_name(out.tag));
    return Status::Ok;
  }
  RunResult bad_call(std::string_view message) {
    RunResult r;
    r.status = Status::BadArgument;
    r.exit_status = kExitRuntimeError;
    if (message.data() != error) fail(Status::BadArgument, "{}", message);
    r.error = RuntimeError{"bad argument", std::string(message), {}};
    return r;
  }
  // Checks a call's handle, arity and arguments and imports the arguments
  // into `values` (room for args.size()). Inline: a host calls per tick.
  Status prepare_call(int function, std::span<const HostValue> args, Value* values) {
    if (machine && function >= 0 && static_cast<size_t>(function) < machine->module.functions.size() &&
        machine->module.functions[function].arity == args.size()) [[likely]] {
      size_t i = 0;
      while (i < args.size() && machine->import_value(args[i], values[i]) == Machine::Import::Ok) ++i;
      if (i == args.size()) [[likely]] return Status::Ok;
    }
    return refuse_call(function, args);
  }
  // Says why prepare_call refused, as BadArgument: out of line, off the call path.
  [[gnu::cold, gnu::noinline]] Status refuse_call(int function, std::span<const HostValue> args);
  RunResult call(int function, std::span<const HostValue> args);
  Status call(int function, std::span<const HostValue> args, HostValue& result);
};

Vm::Vm(Config config) : impl_(std::make_unique<Impl>(std::move(config))) { impl_->self = this; }
Vm::~Vm() = default;
Vm::Vm(Vm&& other) noexcept : impl_(std::move(other.impl_)) {
  if (impl_) {
    impl_->self = this;
    if (impl_->machine) impl_->machine->vm = this;
  }
}
Vm& Vm::operator=(Vm&& other) noexcept {
  impl_ = std::move(other.impl_);
  if (impl_) {
    impl_->self = this;
    if (impl_->machine) impl_->machine->vm = this;
  }
  return *this;
}

// A moved-from Vm has no Impl: every call answers as a Vm with nothing loaded.
namespace {
const std::vector<LoadDiagnostic> kNoDiagnostics;
}

const std::vector<LoadDiagnostic>& Vm::diagnostics() const { return impl_ ? impl_->diagnostics : kNoDiagnostics; }
std::string Vm::diagnostics_text() const { return impl_ ? impl_->diagnostics_text : std::string(); }
void Vm::flush_output() {
  if (impl_) impl_->output.flush();
}
std::string_view Vm::last_error() const {
  return impl_ ? std::string_view(impl_->error) : std::string_view("this Vm was moved from");
}

bool Vm::load_source(std::string_view text, std::string_view file_name) {
  if (!impl_) return false;
  Impl& d = *impl_;
  d.diagnostics.clear();
  d.diagnostics_text.clear();
  if (d.runs_in_progress != 0) {
    d.diagnostics.push_back({std::string(file_name), 0, 0, "cannot load while a run is in progress", true});
    d.diagnostics_text = fmt::format("{}: error: cannot load while a run is in progress\n", file_name);
    return false;
  }
  d.machine.reset();

  ProgramInput input = read_program(text, file_name);
  if (!input.ok) {
    d.diagnostics = std::move(input.diagnostics);
    d.diagnostics_text = std::move(input.diagnostics_text);
    return false;
  }
  return d.install(std::move(input.module));
}

namespace {
constexpr size_t stack_bytes(uint32_t values) { return (static_cast<size_t>(values) * sizeof(Value) + 63) & ~size_t{63}; }
}  // namespace

bool Vm::Impl::install(Module module) {
  Impl& d = *this;
  std::string file = module.source_name;
  // The program's identity for snapshots: its code and data as declared,
  // without debug names or the overrides below.
  std::vector<std::byte> stripped = write_pbc(module, true);
  const uint64_t hash = content_hash(stripped);
  for (const Extern& e : module.externs) {
    auto it = d.host_functions.find(e.name);
    if (it == d.host_functions.end())
      return d.fail_load(file, fmt::format("extern '{}' ({} argument{}) is not provided by the host", e.name,
                                           e.arity, e.arity == 1 ? "" : "s"), false);
    if (it->second.first != e.arity)
      return d.fail_load(file, fmt::format("extern '{}' is declared with {} argument{} but the host registered it with {}",
                                           e.name, e.arity, e.arity == 1 ? "" : "s", it->second.first), false);
  }
  for (const auto& o : d.config.pools) {
    auto it = std::find_if(module.pools.begin(), module.pools.end(),
                           [&](const PoolConfig& p) { return p.name == o.name; });
    if (it == module.pools.end())
      return d.fail_load(file, fmt::format("pool capacity {}={}: the program has no pool named '{}'", o.name, o.blocks, o.name), true);
    it->blocks = o.blocks;
  }

  auto m = std::make_unique<Machine>();
  m->stack_size = std::max<uint32_t>(d.config.stack_values, 1);
  try {
    std::span<std::byte> host = d.config.memory;
    if (!host.empty()) {
      // The host's buffer holds the operand stack first, then the pools.
      size_t pools_need = PoolSet::bytes_needed(module.pools, kBlockHeaders);
      if (pools_need == SIZE_MAX)
        return d.fail_load(file, fmt::format("the pools are too large to reserve (more than {} bytes)", kMaxReservation),
                           true);
      size_t need = stack_bytes(m->stack_size) + pools_need + 128;
      if (host.size() < need)
        return d.fail_load(file, fmt::format("host memory too small: {} bytes needed, {} given", need, host.size()), true);
      auto addr = reinterpret_cast<uintptr_t>(host.data());
      size_t skip = (64 - addr % 64) % 64;
      m->stack = reinterpret_cast<Value*>(host.data() + skip);
      m->pools = std::make_unique<PoolSet>(module.pools, kBlockHeaders, host.subspan(skip + stack_bytes(m->stack_size)));
    } else {
      m->pools = std::make_unique<PoolSet>(module.pools, kBlockHeaders);
      // Not value-initialized: the verifier proves no slot is read before it
      // is written, and untouched pages cost no memory (1 MiB by default).
      m->owned_stack = std::make_unique_for_overwrite<Value[]>(m->stack_size);
      m->stack = m->owned_stack.get();
    }
  } catch (const PoolSetError& e) {  // PoolSet's constructor: the memory could not be had
    return d.fail_load(file, e.what(), true);
  }
  for (const Extern& e : module.externs) m->host_functions.push_back(&d.host_functions.find(e.name)->second.second);
  m->slots.resize(module.pools.size());
  for (size_t i = 0; i < module.pools.size(); ++i) m->slots[i] = module.pools[i].size;
  m->globals.assign(module.globals.size(), Value::nil());
  m->max_steps = d.max_steps;
  m->scratch.reserve(4096);
  m->observer = d.config.observer;
  m->out = &d.output;
  m->interrupted = &d.interrupted;
  m->vm = d.self;
  m->id = new_machine_id();
  m->content_hash = hash;
  m->snapshot_scratch.reserve(*m->pools);
  m->stack_top = m->stack;
  m->module = std::move(module);
  m->build_indexes();
  // The threaded code holds a constant's and a global's byte offset, 16 *
  // index, and a branch's, 16 * distance, in an int32_t operand
  // (threaded_operand in vm/interpreter.cpp); a module this large is
  // refused rather than wrapped.
  constexpr size_t kMaxThreadedIndex = (size_t{1} << 27) - 1;
  if (m->module.constants.size() > kMaxThreadedIndex || m->module.globals.size() > kMaxThreadedIndex)
    return d.fail_load(file, fmt::format("too many constants or globals: at most {} of each", kMaxThreadedIndex), false);
  if (m->module.code.size() > kMaxThreadedIndex)
    return d.fail_load(file, fmt::format("too many instructions: at most {}", kMaxThreadedIndex), false);
  Specialized fast = specialize(m->module);
  m->fast_code = std::move(fast.code);
  m->divisors = std::move(fast.divisors);
  m->thread_code();
  if (auto fault = m->materialize_constants()) return d.fail_load(file, std::move(fault->message), true);
  d.machine = std::move(m);
  return true;
}

// The one way a run starts. `result` is the function's or the yield's value.
// The outermost run starts from an idle machine (no run in progress, none
// paused: steps 0, not pausable, no coroutine running), so it saves nothing
// and leaves the machine idle again unless it paused.
inline Machine::Outcome Vm::Impl::execute(uint32_t func, std::span<const Value> args, Value& result, int64_t& halt_code) {
  if (runs_in_progress != 0) return execute_nested(func, args, result, halt_code);
  Machine& m = *machine;
  m.steps = 0;
  m.max_steps = max_steps;
  m.can_pause = true;
  m.suspend = suspend;
  runs_in_progress = 1;
  result = Value::nil();
  Machine::Outcome outcome = m.execute(func, args, result, halt_code, last_run_error);
  runs_in_progress = 0;
  m.steps = 0;
  m.suspend = false;
  m.can_pause = false;
  // A run suspended inside a coroutine continues in it.
  if (outcome != Machine::Outcome::Suspended) m.current_co = nullptr;
  return settle(outcome);
}

// A run nested in a host function keeps its own count and budget, and
// cannot pause: below it is a host function's C++ frame.
Machine::Outcome Vm::Impl::execute_nested(uint32_t func, std::span<const Value> args, Value& result,
                                          int64_t& halt_code) {
  Machine& m = *machine;
  uint64_t saved_steps = m.steps;
  bool saved_suspend = m.suspend, saved_can_pause = m.can_pause;
  // A run nested in a host function called from a coroutine is not in it.
  CoHeader* saved_co = m.current_co;
  m.current_co = nullptr;
  m.steps = 0;
  m.max_steps = max_steps;
  m.can_pause = false;
  m.suspend = false;
  ++runs_in_progress;
  result = Value::nil();
  Machine::Outcome outcome = m.execute(func, args, result, halt_code, last_run_error);
  --runs_in_progress;
  m.steps = saved_steps;
  m.suspend = saved_suspend;
  m.can_pause = saved_can_pause;
  m.current_co = saved_co;
  return settle(outcome);
}

Machine::Outcome Vm::Impl::settle_slow(Machine::Outcome outcome) {
  if (outcome == Machine::Outcome::Yielded) trace_pause(PauseEvent::Kind::Yield);
  if (outcome == Machine::Outcome::Suspended) trace_pause(PauseEvent::Kind::Suspend);
  if (outcome == Machine::Outcome::Failed) fail(Status::RuntimeError, "{}", last_run_error->message);
  // Every pause delivers the output so far: the host sees only what runs after it.
  output.flush();
  return outcome;
}

RunResult Vm::Impl::to_result(Machine::Outcome outcome, const Value& result, int64_t halt_code) {
  RunResult r;
  switch (outcome) {
    case Machine::Outcome::Returned:
      r.value = machine->export_value(result);
      r.exit_status = result.tag == Tag::Int ? static_cast<int>(static_cast<uint64_t>(result.i) & 255) : 0;
      break;
    case Machine::Outcome::Halted:
      r.halted = true;
      r.exit_status = static_cast<int>(static_cast<uint64_t>(halt_code) & 255);
      break;
    case Machine::Outcome::Yielded:
      r.status = Status::Yielded;
      r.value = machine->export_value(result);
      break;
    case Machine::Outcome::Suspended: r.status = Status::Suspended; break;
    case Machine::Outcome::Failed:
      r.status = Status::RuntimeError;
      r.exit_status = kExitRuntimeError;
      r.error = last_run_error;
      break;
  }
  return r;
}

void Vm::Impl::trace_pause(PauseEvent::Kind kind) {
  Machine& m = *machine;
  if (m.observer == nullptr || !m.paused.active) return;
  const Function& f = m.module.functions[m.paused.frame->func];
  // Where the run stands: after a yield, the yield itself.
  uint32_t at = m.paused.pc - (m.paused.yielded && m.paused.pc > 0 ? 1 : 0);
  m.observer->on_pause(PauseEvent{kind, m.paused.steps, f.name, m.module.line_at(at)});
}

RunResult Vm::Impl::run(uint32_t func, std::span<const Value> args) {
  if (machine->paused.active) return bad_call("a run is paused: resume it or reset the VM first");
  Value result;
  int64_t halt_code = 0;
  Machine::Outcome outcome = execute(func, args, result, halt_code);
  return to_result(outcome, result, halt_code);
}

RunResult Vm::Impl::resume(const HostValue& sent) {
  if (!machine) return bad_call("no program is loaded");
  Machine& m = *machine;
  if (runs_in_progress != 0) return bad_call("resume: a run is in progress");
  if (!m.paused.active) return bad_call("resume: no run is paused");
  Value v = Value::nil();
  if (m.paused.yielded) {
    Machine::Import verdict = m.import_value(sent, v);
    if (verdict != Machine::Import::Ok) {
      char why[200];
      return bad_call(fmt::format("resume: the value sent: {}", m.describe_refused(why, sent, verdict)));
    }
  }
  trace_pause(PauseEvent::Kind::Resume);
  m.max_steps = max_steps;
  m.can_pause = true;
  m.suspend = suspend;
  ++runs_in_progress;
  Value result = Value::nil();
  int64_t halt_code = 0;
  Machine::Outcome outcome = m.resume(v, result, halt_code, last_run_error);
  --runs_in_progress;
  m.steps = 0;
  m.suspend = false;
  m.can_pause = false;
  return to_result(settle(outcome), result, halt_code);
}

RunResult Vm::resume(const HostValue& sent) {
  if (!impl_) return run_main();  // the moved-from answer
  return impl_->resume(sent);
}

bool Vm::paused() const { return impl_ && impl_->machine && impl_->machine->paused.active; }

RunResult Vm::run_main(const std::vector<std::string>& args) {
  if (!impl_) return RunResult{Status::BadArgument, kExitRuntimeError, {}, false, RuntimeError{"bad argument", "this Vm was moved from", {}}};
  Impl& d = *impl_;
  if (!d.machine) return d.bad_call("no program is loaded");
  if (d.machine->module.main < 0) return d.bad_call("the program has no function 'main'");
  d.machine->args = args;
  return d.run(static_cast<uint32_t>(d.machine->module.main), {});
}

Status Vm::Impl::refuse_call(int function, std::span<const HostValue> args) {
  if (!machine) return no_program();
  if (function < 0 || static_cast<size_t>(function) >= machine->module.functions.size())
    return fail(Status::BadArgument, "bad function handle {}", function);
  const Function& fn = machine->module.functions[function];
  if (fn.arity != args.size())
    return fail(Status::BadArgument, "'{}' takes {} argument{}, given {}", fn.name, fn.arity, fn.arity == 1 ? "" : "s",
                args.size());
  for (size_t i = 0; i < args.size(); ++i) {
    Value v;
    Machine::Import verdict = machine->import_value(args[i], v);
    if (verdict != Machine::Import::Ok) {
      char why[200];
      return fail(Status::BadArgument, "argument {} of '{}': {}", i + 1, fn.name,
                  machine->describe_refused(why, args[i], verdict));
    }
  }
  // Unreachable while prepare_call and this agree; never an Ok without the arguments imported.
  return fail(Status::BadArgument, "the call to '{}' was refused", fn.name);
}

// Runs fn(values) with room for the imported arguments: on the C++ stack
// for common arities, so a call allocates nothing.
template <class Fn>
auto with_imported(std::span<const HostValue> args, Fn&& fn) {
  SmallBuffer<Value> values(args.size());
  return fn(values.data());
}

RunResult Vm::Impl::call(int function, std::span<const HostValue> args) {
  return with_imported(args, [&](Value* values) {
    if (prepare_call(function, args, values) != Status::Ok) return bad_call(error);
    return run(static_cast<uint32_t>(function), std::span<const Value>(values, args.size()));
  });
}

inline Status Vm::Impl::call(int function, std::span<const HostValue> args, HostValue& result) {
  return with_imported(args, [&](Value* values) {
    if (Status s = prepare_call(function, args, values); s != Status::Ok) return s;
    if (machine->paused.active) return fail(Status::BadArgument, "a run is paused: resume it or reset the VM first");
    Value r;
    int64_t halt_code = 0;
    switch (execute(static_cast<uint32_t>(function), std::span<const Value>(values, args.size()), r, halt_code)) {
      case Machine::Outcome::Returned: result = machine->export_value(r); return Status::Ok;
      case Machine::Outcome::Halted: return Status::Ok;
      case Machine::Outcome::Yielded: result = machine->export_value(r); return Status::Yielded;
      case Machine::Outcome::Suspended: return Status::Suspended;
      case Machine::Outcome::Failed: break;
    }
    return Status::RuntimeError;
  });
}

RunResult Vm::call(std::string_view function, std::span<const HostValue> args) {
  if (!impl_) return run_main();  // the moved-from answer
  Impl& d = *impl_;
  if (!d.machine) return d.bad_call("no program is loaded");
  int f = Machine::lookup(d.machine->function_index, function);
  if (f < 0) return d.bad_call(fmt::format("no function '{}'", function));
  return d.call(f, args);
}

RunResult Vm::call(int function, std::span<const HostValue> args) {
  if (!impl_) return run_main();
  return impl_->call(function, args);
}

Status Vm::call(int function, std::span<const HostValue> args, HostValue& result) {
  result = HostValue();
  if (!impl_) return Status::BadArgument;
  return impl_->call(function, args, result);
}

namespace {
const std::optional<RuntimeError> kNoRunError;
}

const std::optional<RuntimeError>& Vm::last_run_error() const { return impl_ ? impl_->last_run_error : kNoRunError; }

int Vm::find(std::string_view function) const {
  if (!impl_ || !impl_->machine) return -1;
  return Machine::lookup(impl_->machine->function_index, function);
}

int Vm::arity(int function) const {
  if (!impl_ || !impl_->machine || function < 0 ||
      static_cast<size_t>(function) >= impl_->machine->module.functions.size())
    return -1;
  return static_cast<int>(impl_->machine->module.functions[function].arity);
}

Status Vm::global(std::string_view name, HostValue& out) const {
  if (!impl_) return Status::BadArgument;
  Impl& d = *impl_;
  if (!d.machine) return d.no_program();
  int g = Machine::lookup(d.machine->global_index, name);
  if (g < 0) return d.fail(Status::BadArgument, "no global '{}'", name);
  out = d.machine->export_value(d.machine->globals[g]);
  return Status::Ok;
}

Status Vm::set_global(std::string_view name, const HostValue& v) {
  if (!impl_) return Status::BadArgument;
  Impl& d = *impl_;
  if (!d.machine) return d.no_program();
  int g = Machine::lookup(d.machine->global_index, name);
  if (g < 0) return d.fail(Status::BadArgument, "no global '{}'", name);
  Value value;
  if (Status s = d.import(v, value, "set_global"); s != Status::Ok) return s;
  d.machine->globals[g] = value;
  return Status::Ok;
}

Status Vm::make_string(std::string_view bytes, HostValue& out) {
  if (!impl_) return Status::BadArgument;
  Impl& d = *impl_;
  if (!d.machine) return d.no_program();
  StrRefs s = d.machine->strings();
  uint32_t first = bytes.size() > UINT32_MAX ? Pool::kNoBlock : s.alloc(static_cast<uint32_t>(bytes.size()));
  if (first == Pool::kNoBlock)
    return d.fail(Status::NoMemory, "out of memory: pool 'str' capacity ({} blocks of {} bytes) is exhausted",
                  s.pool().capacity(), s.bytes_per_block());
  StrPool::Writer w(s, first);
  w.put(bytes);
  out = d.machine->export_value(s.value(first));
  return Status::Ok;
}

Status Vm::make_cons(const HostValue& car, const HostValue& cdr, HostValue& out) {
  if (!impl_) return Status::BadArgument;
  Impl& d = *impl_;
  if (!d.machine) return d.no_program();
  Value a, b;
  if (Status s = d.import(car, a, "make_cons car"); s != Status::Ok) return s;
  if (Status s = d.import(cdr, b, "make_cons cdr"); s != Status::Ok) return s;
  Pool& cons = (*d.machine->pools)[kConsPool];
  uint32_t blk = cons.alloc();
  if (blk == Pool::kNoBlock)
    return d.fail(Status::NoMemory, "out of memory: pool 'cons' capacity ({} blocks) is exhausted", cons.capacity());
  Value* cell = reinterpret_cast<Value*>(cons.block(blk));
  cell[0] = a;
  cell[1] = b;
  out = d.machine->export_value(Value::ref(Tag::Cons, kConsPool, blk, cons.generation(blk)));
  return Status::Ok;
}

Status Vm::make_record(std::string_view pool, HostValue& out) {
  if (!impl_) return Status::BadArgument;
  Impl& d = *impl_;
  if (!d.machine) return d.no_program();
  int id = d.machine->pools->find(pool);
  if (id < 0) return d.fail(Status::BadArgument, "no pool '{}'", pool);
  if (id < kFirstRecordPool)
    return d.fail(Status::BadArgument, "pool '{}' is not a record pool{}", pool,
                  id == kConsPool ? " (make conses with make_cons)" : "");
  Pool& p = (*d.machine->pools)[static_cast<uint16_t>(id)];
  uint32_t blk = p.alloc();
  if (blk == Pool::kNoBlock)
    return d.fail(Status::NoMemory, "out of memory: pool '{}' capacity ({} blocks) is exhausted", pool, p.capacity());
  std::memset(static_cast<void*>(p.block(blk)), 0, p.stride());  // every slot nil
  out = d.machine->export_value(Value::ref(Tag::Rec, static_cast<uint16_t>(id), blk, p.generation(blk)));
  return Status::Ok;
}

Status Vm::read_string(const HostValue& s, std::span<char> buf, size_t& length) const {
  if (!impl_) return Status::BadArgument;
  Impl& d = *impl_;
  if (!d.machine) return d.no_program();
  Value v;
  if (Status st = d.import_ref(s, v, "read_string", true, false); st != Status::Ok) return st;
  StrPool strings = d.machine->strings();
  length = strings.length(v.block);
  size_t at = 0;
  strings.for_each_chunk(v.block, [&](std::string_view c) {
    size_t n = std::min(c.size(), buf.size() - std::min(buf.size(), at));
    if (n != 0) std::memcpy(buf.data() + at, c.data(), n);
    at += c.size();
  });
  if (buf.size() < length)
    return d.fail(Status::NoMemory, "read_string: the buffer holds {} bytes, the string has {}", buf.size(), length);
  return Status::Ok;
}

Status Vm::get(const HostValue& ref, uint32_t slot, HostValue& out) const {
  if (!impl_) return Status::BadArgument;
  Impl& d = *impl_;
  if (!d.machine) return d.no_program();
  Value v;
  if (Status s = d.import_ref(ref, v, "get", false, true); s != Status::Ok) return s;
  uint32_t slots = d.machine->slots[v.pool];
  if (slot >= slots)
    return d.fail(Status::BadArgument, "get: slot {} of {}#{} is out of range (it has {})", slot,
                  (*d.machine->pools)[v.pool].name(), v.block, slots);
  out = d.machine->export_value(reinterpret_cast<const Value*>((*d.machine->pools)[v.pool].block(v.block))[slot]);
  return Status::Ok;
}

Status Vm::set(const HostValue& ref, uint32_t slot, const HostValue& value) {
  if (!impl_) return Status::BadArgument;
  Impl& d = *impl_;
  if (!d.machine) return d.no_program();
  Value v, x;
  if (Status s = d.import_ref(ref, v, "set", false, true); s != Status::Ok) return s;
  if (Status s = d.import(value, x, "set value"); s != Status::Ok) return s;
  uint32_t slots = d.machine->slots[v.pool];
  if (slot >= slots)
    return d.fail(Status::BadArgument, "set: slot {} of {}#{} is out of range (it has {})", slot,
                  (*d.machine->pools)[v.pool].name(), v.block, slots);
  reinterpret_cast<Value*>((*d.machine->pools)[v.pool].block(v.block))[slot] = x;
  return Status::Ok;
}

Status Vm::release(const HostValue& ref) {
  if (!impl_) return Status::BadArgument;
  Impl& d = *impl_;
  if (!d.machine) return d.no_program();
  if (ref.is_nil()) return Status::Ok;
  Value v;
  Machine::Import verdict = d.machine->import_value(ref, v);
  if (verdict == Machine::Import::Stale)
    return d.fail(Status::BadArgument, "double free: {}#{} was already freed", (*d.machine->pools)[v.pool].name(), v.block);
  if (Status s = d.import_ref(ref, v, "release", true, true); s != Status::Ok) return s;
  Pool& p = (*d.machine->pools)[v.pool];
  if (p.is_constant(v.block)) return d.fail(Status::BadArgument, "release: a constant string cannot be freed");
  if (v.tag == Tag::Str) d.machine->strings().release(v.block);
  else p.release(v.block);
  return Status::Ok;
}

bool Vm::is_live(const HostValue& v) const {
  if (!impl_ || !impl_->machine) return !v.is_ref();
  Value out;
  return impl_->machine->import_value(v, out) == Machine::Import::Ok;
}

uint64_t Vm::mark() const {
  if (!impl_ || !impl_->machine) return 0;
  return impl_->machine->pools->mark();
}

Status Vm::release_since(uint64_t mark) {
  if (!impl_) return Status::BadArgument;
  Impl& d = *impl_;
  if (!d.machine) return d.no_program();
  uint32_t now = (*d.machine->pools)[kConsPool].epoch();
  if (mark == 0 || mark > now) return d.fail(Status::BadArgument, "release_since: {} is not a mark of this VM", mark);
  d.machine->pools->release_born_since(static_cast<uint32_t>(mark));
  return Status::Ok;
}

Status Vm::register_function(std::string name, uint32_t arity, HostFunction fn) {
  if (!impl_) return Status::BadArgument;
  Impl& d = *impl_;
  if (d.runs_in_progress != 0)
    return d.fail(Status::BadArgument, "register_function '{}': a run is in progress", name);
  if (d.machine) {
    for (const Extern& e : d.machine->module.externs)
      if (e.name == name && e.arity != arity)
        return d.fail(Status::BadArgument, "register_function '{}': the loaded program's extern takes {} argument{}",
                      name, e.arity, e.arity == 1 ? "" : "s");
  }
  // The loaded machine points at the map's entry: assign in place.
  auto& entry = d.host_functions[std::move(name)];
  entry.first = arity;
  entry.second = std::move(fn);
  return Status::Ok;
}

Status Vm::snapshot(std::span<std::byte> buf, size_t& length) const {
  length = 0;
  if (!impl_) return Status::BadArgument;
  Impl& d = *impl_;
  if (!d.machine) return d.no_program();
  if (d.runs_in_progress != 0) return d.fail(Status::BadArgument, "snapshot: a run is in progress");
  length = write_snapshot(*d.machine, SnapshotBudget{d.max_steps, d.suspend}, buf);
  if (length > buf.size())
    return d.fail(Status::NoMemory, "snapshot: the buffer holds {} bytes, {} are needed", buf.size(), length);
  return Status::Ok;
}

Status Vm::restore(std::span<const std::byte> bytes) {
  if (!impl_) return Status::BadArgument;
  Impl& d = *impl_;
  if (!d.machine) return d.no_program();
  if (d.runs_in_progress != 0) return d.fail(Status::BadArgument, "restore: a run is in progress");
  char why[400];
  SnapshotBudget budget;
  if (!restore_snapshot(*d.machine, bytes, budget, why)) return d.fail(Status::BadArgument, "restore: {}", why);
  d.max_steps = budget.max_steps;
  d.suspend = budget.suspend;
  // References the host took before are foreign now, never aliases of
  // restored blocks.
  d.machine->id = new_machine_id();
  return Status::Ok;
}

void Vm::set_program_args(std::vector<std::string> args) {
  if (impl_ && impl_->machine) impl_->machine->args = std::move(args);
}

void Vm::set_step_budget(uint64_t max_steps, bool suspend) {
  if (!impl_) return;
  impl_->max_steps = max_steps;
  impl_->suspend = suspend && max_steps != 0;
}

void Vm::interrupt() {
  if (impl_) impl_->interrupted.store(true, std::memory_order_relaxed);
}

std::string Vm::text(const HostValue& v) const {
  if (!impl_ || !impl_->machine) return std::string();
  Value value;
  if (impl_->machine->import_value(v, value) != Machine::Import::Ok) return std::string();
  return impl_->machine->text_of(value);
}

size_t Vm::memory_needed() const {
  if (!impl_ || !impl_->machine) return 0;
  return stack_bytes(impl_->machine->stack_size) + impl_->machine->pools->reserved_bytes() + 128;
}

size_t Vm::pool_count() const { return impl_ && impl_->machine ? impl_->machine->pools->size() : 0; }

Status Vm::pool_info(size_t index, PoolInfo& out) const {
  if (!impl_) return Status::BadArgument;
  Impl& d = *impl_;
  if (!d.machine) return d.no_program();
  const PoolSet& ps = *d.machine->pools;
  if (index >= ps.size()) return d.fail(Status::BadArgument, "no pool {} (the program has {})", index, ps.size());
  const Pool& p = ps[static_cast<uint16_t>(index)];
  const PoolStats& s = p.stats();
  out.name = p.name();
  static_cast<PoolCounts&>(out) = PoolCounts{s.block_bytes, s.capacity, s.in_use, s.peak, s.allocations,
                                             s.frees, s.failed, s.reserved_bytes, s.constants};
  return Status::Ok;
}

void Vm::reset_peaks() {
  if (!impl_ || !impl_->machine) return;
  PoolSet& ps = *impl_->machine->pools;
  for (uint16_t i = 0; i < ps.size(); ++i) ps[i].reset_peak();
}

std::vector<PoolStatistics> Vm::pool_statistics() const {
  std::vector<PoolStatistics> out;
  for (size_t i = 0; i < pool_count(); ++i) {
    PoolInfo p;
    pool_info(i, p);
    PoolStatistics& st = out.emplace_back();
    static_cast<PoolCounts&>(st) = p;
    st.name = p.name;
    st.fields = impl_->machine->module.fields_of(i);
  }
  return out;
}

std::vector<BlockState> Vm::block_states(size_t pool) const {
  std::vector<BlockState> out;
  if (!impl_ || !impl_->machine || pool >= impl_->machine->pools->size()) return out;
  const Pool& p = (*impl_->machine->pools)[static_cast<uint16_t>(pool)];
  out.resize(p.capacity(), BlockState::Free);
  for (uint32_t b = 0; b < p.capacity(); ++b) {
    if (!p.is_live(b)) continue;  // stops being true past the bump cursor
    out[b] = p.is_constant(b) ? BlockState::Constant : BlockState::Used;
  }
  return out;
}

std::string Vm::source_name() const {
  return impl_ && impl_->machine ? impl_->machine->module.source_name : std::string();
}

void Vm::reset() {
  if (!impl_ || !impl_->machine) return;
  Impl& d = *impl_;
  if (d.runs_in_progress != 0) {
    d.fail(Status::BadArgument, "reset: a run is in progress");
    return;
  }
  Machine& m = *d.machine;
  // The paused run's frames go with every other block; forget where it was.
  m.paused = Machine::Paused{};
  m.current_co = nullptr;
  // Constants (string literals) stay where they are: they are immutable and
  // live as long as the program, so a reference to one stays good.
  m.pools->free_all();
  std::fill(m.globals.begin(), m.globals.end(), Value::nil());
  m.steps = 0;
}

}  // namespace poolvm
