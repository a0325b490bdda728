// vm/vm.cpp — the public Vm: loading (assemble, verify, reserve pools,
// materialize constants), running main, statistics and reset.
#include <algorithm>

#include "compiler/assembler.h"
#include "compiler/verifier.h"
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

  explicit Impl(Config c) : config(std::move(c)), output(config.output) {}

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

  AssembleResult assembled = assemble(text, file_name);
  std::vector<Diagnostic> problems = std::move(assembled.diagnostics);
  if (assembled.ok()) problems = verify(*assembled.module);
  if (!problems.empty()) {
    for (const auto& p : problems) d.diagnostics.push_back({p.file, p.line, p.column, p.message, false});
    d.diagnostics_text = render_diagnostics(problems, text);
    return false;
  }
  Module module = std::move(*assembled.module);

  for (const auto& o : d.config.pools) {
    auto it = std::find_if(module.pools.begin(), module.pools.end(),
                           [&](const PoolConfig& p) { return p.name == o.name; });
    if (it == module.pools.end())
      return d.fail_load(file, fmt::format("--pool {}={}: the program has no pool named '{}'", o.name, o.blocks, o.name), true);
    it->blocks = o.blocks;
  }

  auto m = std::make_unique<Machine>();
  try {
    m->pools = std::make_unique<PoolSet>(module.pools);
  } catch (const PoolSetError& e) {
    return d.fail_load(file, e.what(), true);
  }
  m->slots.resize(module.pools.size());
  for (size_t i = 0; i < module.pools.size(); ++i) m->slots[i] = module.pools[i].size;
  m->globals.assign(module.globals.size(), Value::nil());
  m->stack_size = std::max<uint32_t>(d.config.stack_values, 1);
  m->stack = std::make_unique<Value[]>(m->stack_size);
  m->max_steps = d.config.max_steps;
  m->observer = d.config.observer;
  m->out = &d.output;
  m->module = std::move(module);
  std::string why;
  if (!m->materialize_constants(why)) return d.fail_load(file, why, true);
  d.machine = std::move(m);
  return true;
}

RunResult Vm::run_main(const std::vector<std::string>& args) {
  Impl& d = *impl_;
  RunResult r;
  if (!d.machine) {
    r.exit_status = kExitRuntimeError;
    r.error = RuntimeError{"no program", "no program is loaded", {}};
    return r;
  }
  Machine& m = *d.machine;
  m.args = args;
  m.steps = 0;
  Value result = Value::nil();
  int64_t halt_code = 0;
  RuntimeError error;
  switch (m.execute(static_cast<uint32_t>(m.module.main), {}, result, halt_code, error)) {
    case Machine::Outcome::Returned:
      r.exit_status = result.tag == Tag::Int ? static_cast<int>(static_cast<uint64_t>(result.i) & 255) : 0;
      break;
    case Machine::Outcome::Halted:
      r.exit_status = static_cast<int>(static_cast<uint64_t>(halt_code) & 255);
      break;
    case Machine::Outcome::Failed:
      r.exit_status = kExitRuntimeError;
      r.error = std::move(error);
      break;
  }
  d.output.flush();
  return r;
}

std::vector<PoolStatistics> Vm::pool_statistics() const {
  std::vector<PoolStatistics> out;
  if (!impl_->machine) return out;
  const PoolSet& ps = *impl_->machine->pools;
  for (uint16_t i = 0; i < ps.size(); ++i) {
    const PoolStats& s = ps[i].stats();
    out.push_back({ps[i].name(), s.block_bytes, s.capacity, s.in_use, s.peak, s.allocations, s.frees,
                   s.failed, s.reserved_bytes, s.constants});
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
