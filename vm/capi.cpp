// vm/capi.cpp — the C API (<poolvm/capi.h>): a thin layer over poolvm::Vm.
// It converts values bit for bit, maps Status to pvm_status one to one,
// keeps the text pvm_error() returns, and routes pvm_raise to the host call
// in progress. No exception crosses it: the C++ API throws none but
// std::bad_alloc, which is caught here where it can happen (creation,
// registration, loading, error text) and reported as PVM_NO_MEMORY.
#include "poolvm/capi.h"

#include <cstdio>
#include <cstring>
#include <memory>
#include <new>
#include <string>

#include <fmt/format.h>

#include "poolvm/poolvm.h"
#include "vm/small_buffer.h"

static_assert(sizeof(pvm_value) == sizeof(poolvm::HostValue), "pvm_value is a HostValue's 16 bytes");
static_assert(static_cast<int>(poolvm::Status::NoMemory) == PVM_NO_MEMORY &&
                  static_cast<int>(poolvm::Status::BadArgument) == PVM_BAD_ARGUMENT &&
                  static_cast<int>(poolvm::Status::Suspended) == PVM_SUSPENDED,
              "Status and pvm_status agree value for value");
static_assert(static_cast<int>(poolvm::HostValue::Type::Record) == PVM_RECORD);

struct pvm_vm {
  explicit pvm_vm(poolvm::Config c) : vm(std::move(c)) {}
  poolvm::Vm vm;
  std::string error_text;  // a load's diagnostics or a runtime error's backtrace
  const char* error = "";  // what pvm_error returns: error_text or the Vm's last_error
  poolvm::HostCall* current = nullptr;  // the host call in progress, for pvm_raise
};

namespace {

poolvm::HostValue in(const pvm_value& v) {
  poolvm::HostValue h;
  std::memcpy(static_cast<void*>(&h), &v, sizeof v);
  return h;
}
pvm_value out(const poolvm::HostValue& h) {
  pvm_value v;
  std::memcpy(&v, &h, sizeof v);
  return v;
}
pvm_status status(poolvm::Status s) { return static_cast<pvm_status>(s); }

// Records the Vm's message for a failing call.
pvm_status api(const pvm_vm* vm, poolvm::Status s) {
  if (s != poolvm::Status::Ok) const_cast<pvm_vm*>(vm)->error = vm->vm.last_error().data();
  return status(s);
}

pvm_status bad(pvm_vm* vm, const char* message) {
  vm->error = message;
  return PVM_BAD_ARGUMENT;
}

// Parses "cons=1000,str=200,node=64".
bool parse_pools(const char* text, std::vector<poolvm::PoolOverride>& pools) {
  std::string_view s(text);
  while (!s.empty()) {
    size_t comma = s.find(',');
    std::string_view item = s.substr(0, comma);
    s = comma == std::string_view::npos ? std::string_view() : s.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    size_t eq = item.find('=');
    if (eq == 0 || eq == std::string_view::npos || eq + 1 == item.size()) return false;
    uint64_t n = 0;
    for (char c : item.substr(eq + 1)) {
      if (c < '0' || c > '9') return false;
      n = n * 10 + static_cast<uint64_t>(c - '0');
      if (n > UINT32_MAX) return false;
    }
    pools.push_back({std::string(item.substr(0, eq)), static_cast<uint32_t>(n)});
  }
  return true;
}

// Copies C arguments into HostValues: on the C stack for common arities.
template <class Fn>
auto with_host_args(const pvm_value* args, size_t n, Fn&& fn) {
  poolvm::SmallBuffer<poolvm::HostValue> storage(n);
  poolvm::HostValue* h = storage.data();
  for (size_t i = 0; i < n; ++i) new (h + i) poolvm::HostValue(in(args[i]));
  return fn(std::span<const poolvm::HostValue>(h, n));
}

}  // namespace

extern "C" {

pvm_vm* pvm_new(const pvm_config* config) {
  try {
    poolvm::Config c;
    if (config != nullptr) {
      if (config->stack_values != 0) {
        if (config->stack_values > UINT32_MAX) return nullptr;
        c.stack_values = static_cast<uint32_t>(config->stack_values);
      }
      if (config->pools != nullptr && !parse_pools(config->pools, c.pools)) return nullptr;
      if (config->memory != nullptr)
        c.memory = std::span<std::byte>(static_cast<std::byte*>(config->memory), config->memory_bytes);
      if (config->write != nullptr) {
        auto write = config->write;
        void* user = config->user;
        c.output = [write, user](std::string_view s) { write(user, s.data(), s.size()); };
      }
    }
    return new pvm_vm(std::move(c));
  } catch (...) {
    return nullptr;
  }
}

void pvm_free(pvm_vm* vm) { delete vm; }

pvm_status pvm_register(pvm_vm* vm, const char* name, size_t arity, pvm_host_fn fn, void* user) {
  if (vm == nullptr) return PVM_BAD_ARGUMENT;
  if (name == nullptr || fn == nullptr) return bad(vm, "pvm_register: name and function must not be NULL");
  if (arity > UINT32_MAX) return bad(vm, "pvm_register: arity too large");
  try {
    auto call = [vm, fn, user](poolvm::HostCall& hc) -> poolvm::HostValue {
      poolvm::HostCall* outer = vm->current;
      vm->current = &hc;
      std::span<const poolvm::HostValue> args = hc.args();
      poolvm::SmallBuffer<pvm_value> storage(args.size());
      pvm_value* a = storage.data();
      for (size_t i = 0; i < args.size(); ++i) new (a + i) pvm_value(out(args[i]));
      pvm_value result = pvm_nil();  // a host function's result defaults to nil
      pvm_status s = fn(vm, user, a, args.size(), &result);
      vm->current = outer;
      if (s != PVM_OK && !hc.failed()) {
        char message[96];
        auto r = fmt::format_to_n(message, sizeof message - 1, "'{}' returned status {}", hc.function(), static_cast<int>(s));
        hc.fail(std::string_view(message, std::min(r.size, sizeof message - 1)));
      }
      return hc.failed() ? poolvm::HostValue() : in(result);
    };
    return api(vm, vm->vm.register_function(name, static_cast<uint32_t>(arity), call));
  } catch (const std::bad_alloc&) {
    vm->error = "out of memory";
    return PVM_NO_MEMORY;
  }
}

pvm_status pvm_load(pvm_vm* vm, const char* name, const void* bytes, size_t n) {
  if (vm == nullptr) return PVM_BAD_ARGUMENT;
  if (bytes == nullptr && n != 0) return bad(vm, "pvm_load: bytes is NULL");
  try {
    std::string_view text(static_cast<const char*>(bytes), n);
    if (vm->vm.load_source(text, name != nullptr ? name : "")) return PVM_OK;
    vm->error_text = vm->vm.diagnostics_text();
    vm->error = vm->error_text.c_str();
    return PVM_LOAD_ERROR;
  } catch (const std::bad_alloc&) {
    vm->error = "out of memory while loading";
    return PVM_NO_MEMORY;
  }
}

const char* pvm_error(const pvm_vm* vm) { return vm == nullptr ? "" : vm->error; }

pvm_status pvm_raise(pvm_vm* vm, const char* message) {
  if (vm == nullptr) return PVM_BAD_ARGUMENT;
  if (vm->current == nullptr) return bad(vm, "pvm_raise: no host function is running");
  vm->current->fail(message != nullptr ? message : "");
  return PVM_RUNTIME_ERROR;
}

int pvm_find(const pvm_vm* vm, const char* function) {
  return vm == nullptr || function == nullptr ? -1 : vm->vm.find(function);
}

int pvm_arity(const pvm_vm* vm, int function) { return vm == nullptr ? -1 : vm->vm.arity(function); }

namespace {
// A run's status, with its value (a result or a yielded value) or its error text.
pvm_status finish_run(pvm_vm* vm, poolvm::Status st, const poolvm::HostValue& r, pvm_value* result) {
  if (st == poolvm::Status::Ok || st == poolvm::Status::Yielded || st == poolvm::Status::Suspended) {
    if (result != nullptr) *result = out(r);
    return status(st);
  }
  const auto& error = vm->vm.last_run_error();
  if (st == poolvm::Status::RuntimeError && error) {
    try {
      vm->error_text = error->text();
      vm->error = vm->error_text.c_str();
    } catch (const std::bad_alloc&) {
      vm->error = vm->vm.last_error().data();
    }
  } else {
    vm->error = vm->vm.last_error().data();
  }
  return status(st);
}
}  // namespace

pvm_status pvm_call(pvm_vm* vm, int function, const pvm_value* args, size_t nargs, pvm_value* result) {
  if (vm == nullptr) return PVM_BAD_ARGUMENT;
  if (result != nullptr) *result = out(poolvm::HostValue());
  if (args == nullptr && nargs != 0) return bad(vm, "pvm_call: args is NULL");
  poolvm::HostValue r;
  poolvm::Status st = with_host_args(args, nargs, [&](std::span<const poolvm::HostValue> a) {
    return vm->vm.call(function, a, r);
  });
  if (st == poolvm::Status::Ok) [[likely]] {
    if (result != nullptr) *result = out(r);
    return PVM_OK;
  }
  return finish_run(vm, st, r, result);
}

pvm_status pvm_resume(pvm_vm* vm, pvm_value sent, pvm_value* result) {
  if (vm == nullptr) return PVM_BAD_ARGUMENT;
  if (result != nullptr) *result = pvm_nil();
  poolvm::RunResult r = vm->vm.resume(in(sent));
  return finish_run(vm, r.status, r.value, result);
}

void pvm_set_budget(pvm_vm* vm, uint64_t steps, int suspend) {
  if (vm != nullptr) vm->vm.set_step_budget(steps, suspend != 0);
}

void pvm_interrupt(pvm_vm* vm) {
  if (vm != nullptr) vm->vm.interrupt();
}

void pvm_reset(pvm_vm* vm) {
  if (vm != nullptr) vm->vm.reset();
}

pvm_value pvm_nil(void) { return out(poolvm::HostValue()); }
pvm_value pvm_bool(int b) { return out(poolvm::HostValue::boolean(b != 0)); }
pvm_value pvm_int(int64_t i) { return out(poolvm::HostValue::integer(i)); }
pvm_value pvm_float(double d) { return out(poolvm::HostValue::real(d)); }

pvm_type pvm_typeof(pvm_value v) {
  auto t = static_cast<int>(in(v).type());
  return t <= PVM_COROUTINE ? static_cast<pvm_type>(t) : PVM_NIL;
}

int pvm_is_live(const pvm_vm* vm, pvm_value v) {
  poolvm::HostValue h = in(v);
  if (vm == nullptr) return !h.is_ref();
  return vm->vm.is_live(h) ? 1 : 0;
}

int64_t pvm_as_int(pvm_value v) { return in(v).as_int(); }
double pvm_as_float(pvm_value v) { return in(v).as_float(); }
int pvm_truthy(pvm_value v) { return in(v).truthy() ? 1 : 0; }

pvm_status pvm_string(pvm_vm* vm, const char* bytes, size_t n, pvm_value* result) {
  if (vm == nullptr) return PVM_BAD_ARGUMENT;
  if ((bytes == nullptr && n != 0) || result == nullptr) return bad(vm, "pvm_string: NULL bytes or out");
  poolvm::HostValue h;
  poolvm::Status s = vm->vm.make_string(std::string_view(bytes, n), h);
  *result = out(h);
  return api(vm, s);
}

pvm_status pvm_read_string(const pvm_vm* vm, pvm_value s, char* buf, size_t cap, size_t* len) {
  if (vm == nullptr) return PVM_BAD_ARGUMENT;
  if ((buf == nullptr && cap != 0) || len == nullptr)
    return bad(const_cast<pvm_vm*>(vm), "pvm_read_string: NULL buf (with cap > 0) or len");
  *len = 0;
  return api(vm, vm->vm.read_string(in(s), std::span<char>(buf, cap), *len));
}

pvm_status pvm_cons(pvm_vm* vm, pvm_value car, pvm_value cdr, pvm_value* result) {
  if (vm == nullptr) return PVM_BAD_ARGUMENT;
  if (result == nullptr) return bad(vm, "pvm_cons: out is NULL");
  poolvm::HostValue h;
  poolvm::Status s = vm->vm.make_cons(in(car), in(cdr), h);
  *result = out(h);
  return api(vm, s);
}

pvm_status pvm_record(pvm_vm* vm, const char* pool, pvm_value* result) {
  if (vm == nullptr) return PVM_BAD_ARGUMENT;
  if (pool == nullptr || result == nullptr) return bad(vm, "pvm_record: NULL pool or out");
  poolvm::HostValue h;
  poolvm::Status s = vm->vm.make_record(pool, h);
  *result = out(h);
  return api(vm, s);
}

pvm_status pvm_get(const pvm_vm* vm, pvm_value ref, uint32_t slot, pvm_value* result) {
  if (vm == nullptr) return PVM_BAD_ARGUMENT;
  if (result == nullptr) return bad(const_cast<pvm_vm*>(vm), "pvm_get: out is NULL");
  poolvm::HostValue h;
  poolvm::Status s = vm->vm.get(in(ref), slot, h);
  *result = out(h);
  return api(vm, s);
}

pvm_status pvm_set(pvm_vm* vm, pvm_value ref, uint32_t slot, pvm_value v) {
  if (vm == nullptr) return PVM_BAD_ARGUMENT;
  return api(vm, vm->vm.set(in(ref), slot, in(v)));
}

pvm_status pvm_release(pvm_vm* vm, pvm_value ref) {
  if (vm == nullptr) return PVM_BAD_ARGUMENT;
  return api(vm, vm->vm.release(in(ref)));
}

pvm_status pvm_global(const pvm_vm* vm, const char* name, pvm_value* result) {
  if (vm == nullptr) return PVM_BAD_ARGUMENT;
  if (name == nullptr || result == nullptr) return bad(const_cast<pvm_vm*>(vm), "pvm_global: NULL name or out");
  poolvm::HostValue h;
  poolvm::Status s = vm->vm.global(name, h);
  *result = out(h);
  return api(vm, s);
}

pvm_status pvm_set_global(pvm_vm* vm, const char* name, pvm_value v) {
  if (vm == nullptr) return PVM_BAD_ARGUMENT;
  if (name == nullptr) return bad(vm, "pvm_set_global: name is NULL");
  return api(vm, vm->vm.set_global(name, in(v)));
}

uint64_t pvm_mark(const pvm_vm* vm) { return vm == nullptr ? 0 : vm->vm.mark(); }

pvm_status pvm_release_since(pvm_vm* vm, uint64_t mark) {
  if (vm == nullptr) return PVM_BAD_ARGUMENT;
  return api(vm, vm->vm.release_since(mark));
}

size_t pvm_pool_count(const pvm_vm* vm) { return vm == nullptr ? 0 : vm->vm.pool_count(); }

pvm_status pvm_pool_stats(const pvm_vm* vm, size_t index, pvm_pool_info* result) {
  if (vm == nullptr) return PVM_BAD_ARGUMENT;
  if (result == nullptr) return bad(const_cast<pvm_vm*>(vm), "pvm_pool_stats: out is NULL");
  poolvm::PoolInfo p;
  poolvm::Status s = vm->vm.pool_info(index, p);
  if (s != poolvm::Status::Ok) return api(vm, s);
  // The name views a std::string of the VM's: its data() is NUL-terminated.
  *result = pvm_pool_info{p.name.data(), p.block_bytes, p.capacity, p.in_use, p.peak,
                          p.allocations, p.frees, p.failed};
  return PVM_OK;
}

pvm_status pvm_snapshot(const pvm_vm* vm, void* buf, size_t cap, size_t* len) {
  if (vm == nullptr) return PVM_BAD_ARGUMENT;
  if (len != nullptr) *len = 0;
  if (len == nullptr) return bad(const_cast<pvm_vm*>(vm), "pvm_snapshot: len is NULL");
  if (buf == nullptr && cap != 0) return bad(const_cast<pvm_vm*>(vm), "pvm_snapshot: buf is NULL");
  std::span<std::byte> out(static_cast<std::byte*>(buf), buf == nullptr ? 0 : cap);
  return api(vm, vm->vm.snapshot(out, *len));
}

pvm_status pvm_restore(pvm_vm* vm, const void* bytes, size_t n) {
  if (vm == nullptr) return PVM_BAD_ARGUMENT;
  if (bytes == nullptr && n != 0) return bad(vm, "pvm_restore: bytes is NULL");
  std::span<const std::byte> in(static_cast<const std::byte*>(bytes), bytes == nullptr ? 0 : n);
  return api(vm, vm->vm.restore(in));
}

}  // extern "C"
