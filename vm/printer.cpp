// vm/printer.cpp — printed forms of values (spec §5): shortest round-trip
// floats, lists and dotted pairs, <pool#block> records, and the depth and
// length caps that make printing terminate on cyclic structures.
#include <cmath>

#include "vm/machine.h"

namespace poolvm {

namespace {
constexpr int kMaxDepth = 64;
constexpr int kMaxListLength = 10000;
// Depth and length caps alone still allow 10000^64 visits of a structure that
// shares itself (a cell that is its own car and cdr): one print visits at most
// this many values, then prints "..." for the rest.
constexpr long kMaxVisits = 200000;
}  // namespace

void append_float(double d, fmt::memory_buffer& out) {
  if (std::isnan(d)) {
    fmt::format_to(std::back_inserter(out), "nan");
    return;
  }
  size_t start = out.size();
  fmt::format_to(std::back_inserter(out), "{}", d);
  for (size_t i = start; i < out.size(); ++i) {
    char c = out.data()[i];
    if (c == '.' || c == 'e' || c == 'n') return;  // 'n': inf
  }
  fmt::format_to(std::back_inserter(out), ".0");
}

std::string Machine::block_name(const Value& v) const {
  return fmt::format("{}#{}", (*pools)[v.pool].name(), v.block);
}

std::string Machine::slots_text(uint16_t pool) const {
  const auto& fields = module.fields_of(pool);
  if (fields.size() == 1) return fmt::format("field {}", fields[0]);
  if (!fields.empty()) return fmt::format("fields {}..{}", fields.front(), fields.back());
  const uint32_t n = slots[pool];
  return fmt::format("{} slot{}", n, n == 1 ? "" : "s");
}

std::optional<Fault> Machine::check_live(const Value& v) const {
  switch ((*pools)[v.pool].check(v.block, v.gen)) {
    case Pool::Check::Live: return std::nullopt;
    case Pool::Check::Stale:
      return Fault{"use after free", fmt::format("use after free: {} was freed", block_name(v))};
    case Pool::Check::Foreign: break;
  }
  return Fault{"invalid reference", fmt::format("invalid reference: {} was never allocated", block_name(v))};
}

namespace {

struct Printer {
  const Machine& m;
  fmt::memory_buffer& out;
  long visits = 0;

  std::optional<Fault> value(const Value& v, int depth) {
    auto it = std::back_inserter(out);
    if (++visits > kMaxVisits) {
      if (visits == kMaxVisits + 1) fmt::format_to(it, "...");
      return std::nullopt;
    }
    switch (v.tag) {
      case Tag::Nil: fmt::format_to(it, "nil"); return std::nullopt;
      case Tag::Bool: fmt::format_to(it, "{}", v.b ? "true" : "false"); return std::nullopt;
      case Tag::Int: {
        fmt::format_int digits(v.i);  // no format string to parse: ints are most of what is printed
        out.append(digits.data(), digits.data() + digits.size());
        return std::nullopt;
      }
      case Tag::Float: append_float(v.f, out); return std::nullopt;
      case Tag::Str: {
        if (auto f = m.check_live(v)) return f;
        StrPool s((*m.pools)[kStrPool]);
        s.for_each_chunk(v.block, [&](std::string_view c) { out.append(c.data(), c.data() + c.size()); });
        return std::nullopt;
      }
      case Tag::Rec:
      case Tag::Co:
        if (auto f = m.check_live(v)) return f;
        fmt::format_to(it, "<{}>", m.block_name(v));
        return std::nullopt;
      case Tag::Cons: return list(v, depth);
    }
    return std::nullopt;
  }

  std::optional<Fault> list(Value v, int depth) {
    if (depth >= kMaxDepth) {
      fmt::format_to(std::back_inserter(out), "...");
      return std::nullopt;
    }
    out.push_back('(');
    const Pool& cons = (*m.pools)[kConsPool];
    for (int n = 0;; ++n) {
      if (auto f = m.check_live(v)) return f;
      if (n == kMaxListLength || visits > kMaxVisits) {
        fmt::format_to(std::back_inserter(out), " ...)");
        return std::nullopt;
      }
      const Value* cell = reinterpret_cast<const Value*>(cons.block(v.block));
      if (n > 0) out.push_back(' ');
      if (auto f = value(cell[0], depth + 1)) return f;
      const Value& next = cell[1];
      if (next.tag == Tag::Nil) break;
      if (next.tag != Tag::Cons) {
        fmt::format_to(std::back_inserter(out), " . ");
        if (auto f = value(next, depth + 1)) return f;
        break;
      }
      v = next;
    }
    out.push_back(')');
    return std::nullopt;
  }
};

}  // namespace

std::optional<Fault> Machine::append_printed(const Value& v, fmt::memory_buffer& buffer) const {
  Printer p{*this, buffer};
  size_t mark = buffer.size();
  auto fault = p.value(v, 0);
  if (fault) buffer.resize(mark);  // print nothing of a value that could not be read
  return fault;
}

}  // namespace poolvm
