// vm/host.cpp — the host boundary: HostValue (the VM's Value seen from
// outside, stamped with the load that made it), the checks every value
// coming in passes, HostCall (what a host function may do) and the call
// into a host function.
#include <atomic>
#include <cstring>
#include <exception>
#include <new>

#include "vm/machine.h"
#include "vm/small_buffer.h"

namespace poolvm {

static_assert(sizeof(HostValue) == sizeof(Value), "a HostValue is a Value's 16 bytes");
static_assert(static_cast<int>(HostValue::Type::String) == static_cast<int>(Tag::Str) &&
                  static_cast<int>(HostValue::Type::Record) == static_cast<int>(Tag::Rec),
              "HostValue::Type mirrors Tag");


static_assert(offsetof(Value, i) == 8, "HostValue reads the payload at byte 8");

Machine::Import Machine::import_slow(const HostValue& h, Value& into) const {
  Value raw = to_value(h);
  switch (raw.tag) {
    // Plain values are rebuilt from their payload, so stray bits (a C
    // host's uninitialized padding) never reach the VM.
    case Tag::Nil: into = Value::nil(); return Import::Ok;
    case Tag::Bool: {
      uint8_t b;
      std::memcpy(&b, reinterpret_cast<const unsigned char*>(&h) + 8, 1);
      into = Value::boolean(b != 0);
      return Import::Ok;
    }
    case Tag::Int: into = Value::integer(raw.i); return Import::Ok;
    case Tag::Float: into = Value::real(raw.f); return Import::Ok;
    case Tag::Str:
    case Tag::Cons:
    case Tag::Rec:
    case Tag::Co: break;
    default: return Import::Malformed;
  }
  if (HostValueAccess::stamp(h) != id) return Import::Foreign;
  uint16_t want = raw.tag == Tag::Str ? kStrPool : kConsPool;
  if (raw.tag == Tag::Co) want = kCoPool;
  if (raw.tag == Tag::Rec ? raw.pool < kFirstRecordPool || raw.pool >= pools->size() : raw.pool != want)
    return Import::Malformed;
  uint32_t block = raw.block;
  into = Value::ref(raw.tag, raw.pool, block, raw.gen);
  switch ((*pools)[raw.pool].check(block, raw.gen)) {
    case Pool::Check::Live: return Import::Ok;
    case Pool::Check::Stale: return Import::Stale;
    case Pool::Check::Foreign: return Import::Foreign;
  }
  return Import::Malformed;
}

std::string_view Machine::describe_refused(std::span<char> buf, const HostValue& h, Import why) const {
  Value raw = to_value(h);
  fmt::format_to_n_result<char*> r{buf.data(), 0};
  size_t cap = buf.size();
  switch (why) {
    case Import::Ok: r = fmt::format_to_n(buf.data(), cap, "no error"); break;
    case Import::Malformed: r = fmt::format_to_n(buf.data(), cap, "not a value of this VM (malformed bits)"); break;
    case Import::Foreign:
      r = fmt::format_to_n(buf.data(), cap, "foreign reference: a {} made by another VM or an earlier load",
                           tag_name(raw.tag));
      break;
    case Import::Stale:
      r = fmt::format_to_n(buf.data(), cap, "stale reference: {}#{} was freed", (*pools)[raw.pool].name(),
                           raw.block);
      break;
  }
  return std::string_view(buf.data(), std::min(r.size, cap));
}

std::string Machine::text_of(const Value& v) const {
  std::string text;
  if (v.tag != Tag::Str || check_live(v)) return text;
  StrPool s((*pools)[kStrPool]);
  s.for_each_chunk(v.block, [&](std::string_view c) { text.append(c); });
  return text;
}

struct HostCallAccess {
  static HostCall make() { return HostCall(); }
  static void init(HostCall& c, Vm* vm, std::span<const HostValue> args, std::string_view name) {
    c.vm_ = vm;
    c.args_ = args;
    c.function_ = name;
  }
  static std::string_view message(const HostCall& c) { return c.message_; }
};

std::string HostCall::text(const HostValue& v) const { return vm_->text(v); }

HostValue HostCall::make_string(std::string_view bytes) {
  HostValue out;
  if (vm_->make_string(bytes, out) != Status::Ok) fail(vm_->last_error());
  return out;
}

HostValue HostCall::make_cons(const HostValue& car, const HostValue& cdr) {
  HostValue out;
  if (vm_->make_cons(car, cdr, out) != Status::Ok) fail(vm_->last_error());
  return out;
}

void HostCall::fail(std::string_view message) {
  if (failed_) return;  // the first failure is the one reported
  failed_ = true;
  size_t n = std::min(message.size(), sizeof message_ - 1);
  std::memcpy(message_, message.data(), n);
  message_[n] = '\0';
}

std::optional<Fault> Machine::call_host(uint32_t index, const Value* arg_values, Value& result) {
  const Extern& e = module.externs[index];
  // The arguments as the host sees them: exported copies, so the operand
  // stack is never reinterpreted as another type.
  SmallBuffer<HostValue> storage(e.arity);
  HostValue* host_args = storage.data();
  for (uint32_t i = 0; i < e.arity; ++i) new (host_args + i) HostValue(export_value(arg_values[i]));
  HostCall call = HostCallAccess::make();
  HostCallAccess::init(call, vm, std::span<const HostValue>(host_args, e.arity), e.name);

  Value* saved_top = stack_top;
  stack_top = const_cast<Value*>(arg_values) + e.arity;  // a nested run starts above this call's arguments
  // In a coroutine, the arguments are in its segment: a nested run goes on
  // the main stack, above the outermost coresume's result slot.
  if (current_co != nullptr) {
    CoHeader* c = current_co;
    while (c->resumer_co != nullptr) c = c->resumer_co;
    stack_top = c->resumer_sp + 1;
  }
  HostValue r;
  std::optional<Fault> fault;
  try {
    r = (*host_functions[index])(call);
  } catch (const std::exception& ex) {
    fault = Fault{"host error", fmt::format("host error: '{}' threw: {}", e.name, ex.what())};
  } catch (...) {
    fault = Fault{"host error", fmt::format("host error: '{}' threw an exception", e.name)};
  }
  stack_top = saved_top;
  if (fault) return fault;
  if (call.failed()) return Fault{"host error", fmt::format("host error: {}", HostCallAccess::message(call))};
  Import verdict = import_value(r, result);
  if (verdict != Import::Ok) {
    char buf[160];
    return Fault{"host error", fmt::format("host error: '{}' returned a bad value: {}", e.name,
                                           describe_refused(buf, r, verdict))};
  }
  return std::nullopt;
}

}  // namespace poolvm
