// vm/host.cpp — the host boundary: HostValue (the VM's Value seen from
// outside), HostCall (what a host function may do) and the call into it.
#include <cstring>
#include <exception>

#include "vm/machine.h"

namespace poolvm {

static_assert(sizeof(HostValue) == sizeof(Value), "a HostValue is a Value, bit for bit");
static_assert(static_cast<int>(HostValue::Type::String) == static_cast<int>(Tag::Str) &&
                  static_cast<int>(HostValue::Type::Record) == static_cast<int>(Tag::Rec),
              "HostValue::Type mirrors Tag");

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
};

Value to_value(const HostValue& h) { return HostValueAccess::get(h); }
HostValue to_host(const Value& v) { return HostValueAccess::make(v); }

HostValue HostValue::boolean(bool b) { return to_host(Value::boolean(b)); }
HostValue HostValue::integer(int64_t i) { return to_host(Value::integer(i)); }
HostValue HostValue::real(double d) { return to_host(Value::real(d)); }
bool HostValue::as_bool() const { Value v = to_value(*this); return v.tag == Tag::Bool && v.b; }
int64_t HostValue::as_int() const { Value v = to_value(*this); return v.tag == Tag::Int ? v.i : 0; }
double HostValue::as_float() const { Value v = to_value(*this); return v.is_number() ? v.as_double() : 0.0; }
bool HostValue::truthy() const { return to_value(*this).truthy(); }

std::string Machine::text_of(const Value& v) const {
  std::string out;
  if (v.tag != Tag::Str || check_live(v)) return out;
  StrPool s((*pools)[kStrPool]);
  s.for_each_chunk(v.block, [&](std::string_view c) { out.append(c); });
  return out;
}

struct HostCallAccess {
  static HostCall make(Machine* m, std::span<const HostValue> args, std::string_view name) {
    HostCall c;
    c.machine_ = m;
    c.args_ = args;
    c.function_ = name;
    return c;
  }
  static Machine& machine(const HostCall& c) { return *static_cast<Machine*>(c.machine_); }
  static std::string& message(HostCall& c) { return c.message_; }
};

std::string HostCall::text(const HostValue& v) const {
  return HostCallAccess::machine(*this).text_of(to_value(v));
}

HostValue HostCall::make_string(std::string_view bytes) {
  Machine& m = HostCallAccess::machine(*this);
  StrPool s = m.strings();
  uint32_t first = bytes.size() > UINT32_MAX ? Pool::kNoBlock : s.alloc(static_cast<uint32_t>(bytes.size()));
  if (first == Pool::kNoBlock) {
    fail(fmt::format("out of memory: pool 'str' is exhausted ({} blocks)", s.pool().capacity()));
    return {};
  }
  StrPool::Writer w(s, first);
  w.put(bytes);
  return to_host(s.value(first));
}

HostValue HostCall::make_cons(const HostValue& car, const HostValue& cdr) {
  Machine& m = HostCallAccess::machine(*this);
  Pool& cons = (*m.pools)[kConsPool];
  uint32_t b = cons.alloc();
  if (b == Pool::kNoBlock) {
    fail(fmt::format("out of memory: pool 'cons' is exhausted ({} blocks)", cons.capacity()));
    return {};
  }
  Value* cell = reinterpret_cast<Value*>(cons.block(b));
  cell[0] = to_value(car);
  cell[1] = to_value(cdr);
  return to_host(Value::ref(Tag::Cons, kConsPool, b, cons.generation(b)));
}

void HostCall::fail(std::string message) {
  if (failed_) return;  // the first failure is the one reported
  failed_ = true;
  message_ = std::move(message);
}

std::optional<Fault> Machine::call_host(uint32_t index, const Value* args, Value& result) {
  const Extern& e = module.externs[index];
  std::span<const HostValue> host_args(reinterpret_cast<const HostValue*>(args), e.arity);
  HostCall call = HostCallAccess::make(this, host_args, e.name);
  try {
    result = to_value((*host_functions[index])(call));
  } catch (const std::exception& ex) {
    return Fault{"host error", fmt::format("host error: '{}' threw: {}", e.name, ex.what())};
  } catch (...) {
    return Fault{"host error", fmt::format("host error: '{}' threw an exception", e.name)};
  }
  if (call.failed()) return Fault{"host error", fmt::format("host error: {}", HostCallAccess::message(call))};
  return std::nullopt;
}

}  // namespace poolvm
