// vm/vm.cpp — the public Vm: loading (assemble, verify, reserve pools,
// materialize constants), running main, statistics and reset.
#include <algorithm>
#include <map>

#include "vm/program_input.h"
#include "vm/specialize.h"
#include "poolvm/poolvm.h"
#include "vm/machine.h"

namespace poolvm {

std::string_view version() { return "0.1.0"; }

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

bool Machine::materialize_constants(std::string& why) {
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
        if (first == Pool::kNoBlock) {
          why = fmt::format("pool 'str' ({} blocks of {} bytes) is too small for the program's string constants",
                            str_pool.capacity(), s.bytes_per_block());
          return false;
        }
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
  return true;
}

struct Vm::Impl {
  Config config;
  Output output;
  std::vector<LoadDiagnostic> diagnostics;
  std::string diagnostics_text;
  std::unique_ptr<Machine> machine;
  std::map<std::string, std::pair<uint32_t, HostFunction>, std::less<>> host_functions;
  uint64_t max_steps = 0;

  explicit Impl(Config c) : config(std::move(c)), output(config.output), max_steps(config.max_steps) {
    // Reserved once, so printing during a run does not allocate (unless one
    // printed value alone is larger than this).
    output.buffer().reserve(kOutputReserve);
  }
  static constexpr size_t kOutputReserve = (1 << 16) + (1 << 12);

  // Takes a verified module: applies overrides, reserves pools and stack,
  // resolves externs, materializes constants.
  bool install(Module module);
  RunResult run(uint32_t func, std::span<const Value> args);

  bool fail_load(std::string file, std::string message, bool config_error) {
    diagnostics.push_back({file, 0, 0, message, config_error});
    diagnostics_text += fmt::format("{}: error: {}\n", file, message);
    machine.reset();
    return false;
  }
};

Vm::Vm(Config config) : impl_(std::make_unique<Impl>(std::move(config))) {}
Vm::~Vm() = default;
Vm::Vm(Vm&&) noexcept = default;
Vm& Vm::operator=(Vm&&) noexcept = default;

const std::vector<LoadDiagnostic>& Vm::diagnostics() const { return impl_->diagnostics; }
std::string Vm::diagnostics_text() const { return impl_->diagnostics_text; }
void Vm::flush_output() { impl_->output.flush(); }

bool Vm::load_source(std::string_view text, std::string_view file_name) {
  Impl& d = *impl_;
  d.diagnostics.clear();
  d.diagnostics_text.clear();
  d.machine.reset();
  std::string file(file_name);

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
      return d.fail_load(file, fmt::format("--pool {}={}: the program has no pool named '{}'", o.name, o.blocks, o.name), true);
    it->blocks = o.blocks;
  }

  auto m = std::make_unique<Machine>();
  m->stack_size = std::max<uint32_t>(d.config.stack_values, 1);
  try {
    std::span<std::byte> host = d.config.memory;
    if (!host.empty()) {
      // The host's buffer holds the operand stack first, then the pools.
      size_t pools_need = PoolSet::bytes_needed(module.pools);
      if (pools_need == SIZE_MAX) throw PoolSetError("the pools are too large to reserve");
      size_t need = stack_bytes(m->stack_size) + pools_need + 128;
      if (host.size() < need)
        return d.fail_load(file, fmt::format("host memory too small: {} bytes needed, {} given", need, host.size()), true);
      auto addr = reinterpret_cast<uintptr_t>(host.data());
      size_t skip = (64 - addr % 64) % 64;
      m->stack = reinterpret_cast<Value*>(host.data() + skip);
      m->pools = std::make_unique<PoolSet>(module.pools, host.subspan(skip + stack_bytes(m->stack_size)));
    } else {
      m->pools = std::make_unique<PoolSet>(module.pools);
      // Not value-initialized: the verifier proves no slot is read before it
      // is written, and untouched pages cost no memory (1 MiB by default).
      m->owned_stack = std::make_unique_for_overwrite<Value[]>(m->stack_size);
      m->stack = m->owned_stack.get();
    }
  } catch (const PoolSetError& e) {
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
  m->module = std::move(module);
  Specialized fast = specialize(m->module);
  m->fast_code = std::move(fast.code);
  m->divisors = std::move(fast.divisors);
  m->thread_code();
  std::string why;
  if (!m->materialize_constants(why)) return d.fail_load(file, why, true);
  d.machine = std::move(m);
  return true;
}

RunResult Vm::Impl::run(uint32_t func, std::span<const Value> args) {
  RunResult r;
  Machine& m = *machine;
  m.steps = 0;
  m.max_steps = max_steps;
  m.interrupted.store(false, std::memory_order_relaxed);
  Value result = Value::nil();
  int64_t halt_code = 0;
  RuntimeError error;
  switch (m.execute(func, args, result, halt_code, error)) {
    case Machine::Outcome::Returned:
      r.value = to_host(result);
      r.exit_status = result.tag == Tag::Int ? static_cast<int>(static_cast<uint64_t>(result.i) & 255) : 0;
      break;
    case Machine::Outcome::Halted:
      r.halted = true;
      r.exit_status = static_cast<int>(static_cast<uint64_t>(halt_code) & 255);
      break;
    case Machine::Outcome::Failed:
      r.exit_status = kExitRuntimeError;
      r.error = std::move(error);
      break;
  }
  output.flush();
  return r;
}

namespace {
RunResult usage_error(std::string message) {
  RunResult r;
  r.exit_status = kExitRuntimeError;
  r.error = RuntimeError{"usage", std::move(message), {}};
  return r;
}
}  // namespace

RunResult Vm::run_main(const std::vector<std::string>& args) {
  Impl& d = *impl_;
  if (!d.machine) return usage_error("no program is loaded");
  d.machine->args = args;
  return d.run(static_cast<uint32_t>(d.machine->module.main), {});
}

RunResult Vm::call(std::string_view function, std::span<const HostValue> args) {
  Impl& d = *impl_;
  if (!d.machine) return usage_error("no program is loaded");
  int f = d.machine->module.find_function(function);
  if (f < 0) return usage_error(fmt::format("no function '{}'", function));
  const Function& fn = d.machine->module.functions[f];
  if (fn.arity != args.size())
    return usage_error(fmt::format("'{}' takes {} argument{}, given {}", function, fn.arity, fn.arity == 1 ? "" : "s",
                                   args.size()));
  static_assert(sizeof(HostValue) == sizeof(Value));
  return d.run(static_cast<uint32_t>(f), std::span<const Value>(reinterpret_cast<const Value*>(args.data()), args.size()));
}

void Vm::register_function(std::string name, uint32_t arity, HostFunction fn) {
  impl_->host_functions[std::move(name)] = {arity, std::move(fn)};
}

void Vm::set_step_budget(uint64_t max_steps) { impl_->max_steps = max_steps; }

void Vm::interrupt() {
  if (impl_->machine) impl_->machine->interrupted.store(true, std::memory_order_relaxed);
}

std::string Vm::text(const HostValue& v) const {
  return impl_->machine ? impl_->machine->text_of(to_value(v)) : std::string();
}

size_t Vm::memory_needed() const {
  if (!impl_->machine) return 0;
  return stack_bytes(impl_->machine->stack_size) + impl_->machine->pools->reserved_bytes() + 128;
}

std::vector<PoolStatistics> Vm::pool_statistics() const {
  std::vector<PoolStatistics> out;
  if (!impl_->machine) return out;
  const PoolSet& ps = *impl_->machine->pools;
  for (uint16_t i = 0; i < ps.size(); ++i) {
    const PoolStats& s = ps[i].stats();
    out.push_back({ps[i].name(), s.block_bytes, s.capacity, s.in_use, s.peak, s.allocations, s.frees,
                   s.failed, s.reserved_bytes, s.constants, impl_->machine->module.fields_of(i)});
  }
  return out;
}

std::vector<BlockState> Vm::block_states(size_t pool) const {
  std::vector<BlockState> out;
  if (!impl_->machine || pool >= impl_->machine->pools->size()) return out;
  const Pool& p = (*impl_->machine->pools)[static_cast<uint16_t>(pool)];
  out.resize(p.capacity(), BlockState::Free);
  for (uint32_t b = 0; b < p.capacity(); ++b) {
    if (!p.is_live(b)) continue;  // stops being true past the bump cursor
    out[b] = p.is_constant(b) ? BlockState::Constant : BlockState::Used;
  }
  return out;
}

std::string Vm::source_name() const { return impl_->machine ? impl_->machine->module.source_name : std::string(); }

void Vm::reset() {
  Impl& d = *impl_;
  if (!d.machine) return;
  Machine& m = *d.machine;
  m.pools->clear();
  std::fill(m.globals.begin(), m.globals.end(), Value::nil());
  m.steps = 0;
  std::string why;
  if (!m.materialize_constants(why)) d.machine.reset();  // cannot happen: it fit at load
}

}  // namespace poolvm
