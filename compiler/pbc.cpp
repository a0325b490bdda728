// compiler/pbc.cpp — .pbc encoding and the defensive decoder.
#include "compiler/pbc.h"

#include <cstring>

#include <fmt/format.h>

namespace poolvm {

namespace {

enum Flags : uint16_t { kHasLines = 1, kHasNames = 2 };

class Writer {
 public:
  std::vector<std::byte> out;
  void byte(uint8_t b) { out.push_back(static_cast<std::byte>(b)); }
  void u16(uint16_t v) { byte(v & 0xff); byte(v >> 8); }
  void varint(uint64_t v) {
    while (v >= 0x80) {
      byte(static_cast<uint8_t>(v) | 0x80);
      v >>= 7;
    }
    byte(static_cast<uint8_t>(v));
  }
  void svarint(int64_t v) { varint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) byte(static_cast<uint8_t>(v >> (8 * i)));
  }
  void str(std::string_view s) {
    varint(s.size());
    for (char c : s) byte(static_cast<uint8_t>(c));
  }
};

class Reader {
 public:
  Reader(std::span<const std::byte> b) : b_(b) {}
  std::string error;
  size_t pos() const { return pos_; }
  size_t left() const { return b_.size() - pos_; }
  bool ok() const { return error.empty(); }

  bool fail(std::string message) {
    if (error.empty()) error = std::move(message);
    return false;
  }
  bool byte(uint8_t& v, const char* what) {
    if (left() < 1) return fail(fmt::format("truncated .pbc: {} at byte {} is past the end", what, pos_));
    v = static_cast<uint8_t>(b_[pos_++]);
    return true;
  }
  bool u16(uint16_t& v, const char* what) {
    uint8_t lo, hi;
    if (!byte(lo, what) || !byte(hi, what)) return false;
    v = static_cast<uint16_t>(lo | (hi << 8));
    return true;
  }
  bool varint(uint64_t& v, const char* what) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b;
      if (!byte(b, what)) return false;
      if (shift == 63 && b > 1) break;
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return true;
    }
    return fail(fmt::format("corrupt .pbc: {} at byte {} is not a valid varint", what, pos_));
  }
  bool u32(uint32_t& v, const char* what) {
    uint64_t x;
    if (!varint(x, what)) return false;
    if (x > UINT32_MAX) return fail(fmt::format("corrupt .pbc: {} {} out of range", what, x));
    v = static_cast<uint32_t>(x);
    return true;
  }
  bool svarint(int64_t& v, const char* what) {
    uint64_t x;
    if (!varint(x, what)) return false;
    v = static_cast<int64_t>(x >> 1) ^ -static_cast<int64_t>(x & 1);
    return true;
  }
  bool u64(uint64_t& v, const char* what) {
    if (left() < 8) return fail(fmt::format("truncated .pbc: {} needs 8 bytes, {} left", what, left()));
    v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(b_[pos_ + i])) << (8 * i);
    pos_ += 8;
    return true;
  }
  bool str(std::string& s, const char* what) {
    uint64_t n;
    if (!varint(n, what)) return false;
    if (n > left()) return fail(fmt::format("corrupt .pbc: {} length {} exceeds the {} bytes left", what, n, left()));
    s.assign(reinterpret_cast<const char*>(b_.data() + pos_), static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
    return true;
  }
  // A count of items each at least `min_bytes` long must fit in what is left.
  bool count(uint32_t& n, size_t min_bytes, const char* what) {
    if (!u32(n, what)) return false;
    if (static_cast<uint64_t>(n) * min_bytes > left())
      return fail(fmt::format("corrupt .pbc: {} count {} needs at least {} bytes, {} left", what, n,
                              static_cast<uint64_t>(n) * min_bytes, left()));
    return true;
  }

 private:
  std::span<const std::byte> b_;
  size_t pos_ = 0;
};

void write_constant(Writer& w, const Constant& c) {
  w.byte(static_cast<uint8_t>(c.kind));
  switch (c.kind) {
    case Constant::Kind::Nil: break;
    case Constant::Kind::Bool: w.byte(c.b ? 1 : 0); break;
    case Constant::Kind::Int: w.svarint(c.i); break;
    case Constant::Kind::Float: {
      uint64_t bits;
      std::memcpy(&bits, &c.f, 8);
      w.u64(bits);
      break;
    }
    case Constant::Kind::Str: w.str(c.s); break;
  }
}

bool read_constant(Reader& r, Constant& c) {
  uint8_t kind = 0;
  if (!r.byte(kind, "constant kind")) return false;
  switch (kind) {
    case static_cast<uint8_t>(Constant::Kind::Nil): c.kind = Constant::Kind::Nil; return true;
    case static_cast<uint8_t>(Constant::Kind::Bool): {
      uint8_t b = 0;
      c.kind = Constant::Kind::Bool;
      if (!r.byte(b, "bool constant")) return false;
      c.b = b == 1;
      return b <= 1 || r.fail("corrupt .pbc: bool constant");
    }
    case static_cast<uint8_t>(Constant::Kind::Int):
      c.kind = Constant::Kind::Int;
      return r.svarint(c.i, "int constant");
    case static_cast<uint8_t>(Constant::Kind::Float): {
      uint64_t bits = 0;
      c.kind = Constant::Kind::Float;
      if (!r.u64(bits, "float constant")) return false;
      std::memcpy(&c.f, &bits, 8);
      return true;
    }
    case static_cast<uint8_t>(Constant::Kind::Str):
      c.kind = Constant::Kind::Str;
      return r.str(c.s, "string constant");
    default: return r.fail(fmt::format("corrupt .pbc: constant kind {}", kind));
  }
}

// Version 2's names of spec §14 (docs/pbc-format.md, "symbols"): field names,
// named constants and the operands written with them. Names only, like the
// labels they follow: the code never depends on them.
void write_symbols(Writer& w, const Module& m) {
  size_t pools = 0;
  for (const auto& f : m.field_names) pools += !f.empty();
  w.varint(pools);
  for (size_t i = 0; i < m.field_names.size(); ++i) {
    if (m.field_names[i].empty()) continue;
    w.varint(i);
    w.varint(m.field_names[i].size());
    for (const auto& f : m.field_names[i]) w.str(f);
  }
  w.varint(m.named_constants.size());
  for (const NamedConstant& c : m.named_constants) {
    w.str(c.name);
    write_constant(w, c.value);
  }
  w.varint(m.operand_names.size());
  for (const OperandName& o : m.operand_names) {
    w.varint(o.pc);
    w.byte(static_cast<uint8_t>(o.kind));
    w.varint(o.index);
  }
}

bool read_symbols(Reader& r, Module& m) {
  uint32_t n = 0;
  bool ok = r.count(n, 2, "field list");
  for (uint32_t i = 0; ok && i < n; ++i) {
    uint32_t pool = 0, k = 0;
    ok = r.u32(pool, "field pool") && r.count(k, 1, "field name");
    if (!ok) break;
    // Field lists name pools in increasing order, which also bounds the table by the pools read.
    if (pool >= m.pools.size() || (!m.field_names.empty() && pool < m.field_names.size()))
      return r.fail(fmt::format("corrupt .pbc: field list of pool {} out of order or range", pool));
    m.field_names.resize(pool + 1);
    for (uint32_t j = 0; ok && j < k; ++j) ok = r.str(m.field_names[pool].emplace_back(), "field name");
  }
  if (ok && !m.field_names.empty()) m.field_names.resize(m.pools.size());
  if (ok) ok = r.count(n, 2, "named constant");
  for (uint32_t i = 0; ok && i < n; ++i) {
    NamedConstant& c = m.named_constants.emplace_back();
    ok = r.str(c.name, "constant name") && read_constant(r, c.value);
  }
  if (ok) ok = r.count(n, 3, "operand name");
  for (uint32_t i = 0; ok && i < n; ++i) {
    OperandName& o = m.operand_names.emplace_back();
    uint8_t kind = 0;
    ok = r.u32(o.pc, "operand name pc") && r.byte(kind, "operand name kind") && r.u32(o.index, "operand name");
    if (ok && kind > static_cast<uint8_t>(OperandName::Kind::Field))
      ok = r.fail(fmt::format("corrupt .pbc: operand name kind {}", kind));
    o.kind = static_cast<OperandName::Kind>(kind);
  }
  return ok;
}

}  // namespace

bool is_pbc(std::span<const std::byte> bytes) {
  return bytes.size() >= 4 && std::memcmp(bytes.data(), kPbcMagic, 4) == 0;
}

std::vector<std::byte> write_pbc(const Module& m, bool strip) {
  Writer w;
  for (unsigned char c : kPbcMagic) w.byte(c);
  w.u16(kPbcVersion);
  bool lines = !strip && m.lines.size() == m.code.size();
  w.u16(static_cast<uint16_t>((lines ? kHasLines : 0) | (strip ? 0 : kHasNames)));
  // Stripped, the file names no source: its bytes depend on the program only.
  w.str(strip ? std::string_view{} : std::string_view{m.source_name});
  w.varint(m.pools.size());
  for (size_t i = 0; i < m.pools.size(); ++i) {
    const PoolConfig& p = m.pools[i];
    w.str(p.name);
    w.byte(static_cast<uint8_t>(p.kind));
    w.varint(p.size);
    w.varint(p.blocks);
    w.byte(i < m.pool_declared.size() && m.pool_declared[i] ? 1 : 0);
  }
  w.varint(m.globals.size());
  for (const auto& g : m.globals) w.str(g);
  w.varint(m.externs.size());
  for (const auto& e : m.externs) {
    w.str(e.name);
    w.varint(e.arity);
  }
  w.varint(m.constants.size());
  for (const Constant& c : m.constants) write_constant(w, c);
  w.varint(m.functions.size());
  for (const Function& f : m.functions) {
    w.str(f.name);
    w.varint(f.arity);
    w.varint(f.num_locals);
    w.varint(f.start);
    w.varint(f.end);
    w.varint(strip ? 0 : f.line);
    if (!strip) {
      w.varint(f.local_names.size());
      for (const auto& n : f.local_names) w.str(n);
    }
  }
  w.varint(m.code.size());
  for (const Instr& in : m.code) {
    w.byte(static_cast<uint8_t>(in.op));  // Op's value is the row's pinned number
    w.svarint(in.a);
  }
  if (lines) {
    uint32_t prev = 0;  // deltas: most instructions are on the next line
    for (uint32_t l : m.lines) {
      w.svarint(static_cast<int64_t>(l) - prev);
      prev = l;
    }
  }
  if (!strip) {
    w.varint(m.labels.size());
    for (const Label& l : m.labels) {
      w.varint(l.pc);
      w.str(l.name);
    }
    write_symbols(w, m);
  }
  return std::move(w.out);
}

PbcResult read_pbc(std::span<const std::byte> bytes, std::string_view file_name) {
  PbcResult result;
  auto reject = [&](std::string message) {
    result.diagnostics.push_back(Diagnostic{std::string(file_name), 0, 0, 1, std::move(message)});
    return std::move(result);
  };
  if (!is_pbc(bytes)) return reject("not a poolvm bytecode file (bad magic)");
  Reader r(bytes.subspan(4));
  uint16_t version = 0, flags = 0;
  if (!r.u16(version, "format version")) return reject(r.error);
  // Only the current version: an older file's opcode bytes were never
  // promised a meaning, so it is refused rather than guessed at.
  if (version > kPbcVersion)
    return reject(fmt::format("format version {} is newer than this poolvm reads ({})", version, kPbcVersion));
  if (version < kPbcVersion)
    return reject(fmt::format("format version {} is older than this poolvm reads ({}); assemble the program again",
                              version, kPbcVersion));
  if (!r.u16(flags, "flags")) return reject(r.error);
  if (flags & ~(kHasLines | kHasNames)) return reject(fmt::format("corrupt .pbc: unknown flags {:#x}", flags));

  Module m;
  uint32_t n = 0;
  bool ok = r.str(m.source_name, "source name");
  if (ok) ok = r.count(n, 5, "pool");
  for (uint32_t i = 0; ok && i < n; ++i) {
    PoolConfig p;
    uint8_t kind = 0, declared = 0;
    ok = r.str(p.name, "pool name") && r.byte(kind, "pool kind") && r.u32(p.size, "pool size") &&
         r.u32(p.blocks, "pool blocks") && r.byte(declared, "pool flag");
    if (ok && kind > static_cast<uint8_t>(PoolKind::Co)) ok = r.fail(fmt::format("corrupt .pbc: pool kind {}", kind));
    if (ok && declared > 1) ok = r.fail("corrupt .pbc: pool flag");
    p.kind = static_cast<PoolKind>(kind);
    m.pools.push_back(std::move(p));
    m.pool_declared.push_back(declared == 1);
  }
  if (ok) ok = r.count(n, 1, "global");
  for (uint32_t i = 0; ok && i < n; ++i) ok = r.str(m.globals.emplace_back(), "global name");
  if (ok) ok = r.count(n, 2, "extern");
  for (uint32_t i = 0; ok && i < n; ++i) {
    Extern& e = m.externs.emplace_back();
    ok = r.str(e.name, "extern name") && r.u32(e.arity, "extern arity");
  }
  if (ok) ok = r.count(n, 1, "constant");
  for (uint32_t i = 0; ok && i < n; ++i) ok = read_constant(r, m.constants.emplace_back());
  const bool names = flags & kHasNames;
  if (ok) ok = r.count(n, 6, "function");
  for (uint32_t i = 0; ok && i < n; ++i) {
    Function& f = m.functions.emplace_back();
    ok = r.str(f.name, "function name") && r.u32(f.arity, "arity") && r.u32(f.num_locals, "locals") &&
         r.u32(f.start, "code start") && r.u32(f.end, "code end") && r.u32(f.line, "function line");
    if (ok && names) {
      uint32_t k = 0;
      ok = r.count(k, 1, "local name");
      for (uint32_t j = 0; ok && j < k; ++j) ok = r.str(f.local_names.emplace_back(), "local name");
    }
  }
  if (ok) ok = r.count(n, 2, "instruction");
  for (uint32_t i = 0; ok && i < n; ++i) {
    uint8_t op = 0;
    int64_t a = 0;
    const size_t at = sizeof kPbcMagic + r.pos();  // the opcode's offset in the file
    ok = r.byte(op, "opcode");
    // Only the module instructions have numbers in a file: a superinstruction
    // exists only in the VM's own copy of the code (vm/specialize.cpp), so
    // its number here is as unknown as one past the table.
    if (ok && op >= kNumOps) ok = r.fail(fmt::format("corrupt .pbc: unknown opcode {} at byte {} (instruction {})", op, at, i));
    if (ok && !is_module_opcode(op))
      ok = r.fail(fmt::format("corrupt .pbc: unknown opcode {} at byte {} (instruction {}): {} is {}, a superinstruction "
                              "the VM makes for itself, never stored in a module",
                              op, at, i, op, op_info(static_cast<Op>(op)).name));
    if (ok) ok = r.svarint(a, "operand");
    if (ok && (a < INT32_MIN || a > INT32_MAX)) ok = r.fail(fmt::format("corrupt .pbc: operand {} out of range", a));
    m.code.push_back(Instr{static_cast<Op>(op), 0, 0, static_cast<int32_t>(a)});
  }
  if (ok && (flags & kHasLines)) {
    if (static_cast<uint64_t>(m.code.size()) > r.left()) ok = r.fail("truncated .pbc: line table");
    int64_t line = 0;
    m.lines.reserve(m.code.size());
    for (size_t i = 0; ok && i < m.code.size(); ++i) {
      int64_t delta = 0;
      ok = r.svarint(delta, "line");
      // Bound the delta before adding, so a hostile one cannot overflow.
      if (ok && (delta < -static_cast<int64_t>(UINT32_MAX) || delta > static_cast<int64_t>(UINT32_MAX)))
        ok = r.fail("corrupt .pbc: line number out of range");
      if (ok) line += delta;
      if (ok && (line < 0 || line > UINT32_MAX)) ok = r.fail("corrupt .pbc: line number out of range");
      m.lines.push_back(static_cast<uint32_t>(line));
    }
  }
  if (ok && names) {
    ok = r.count(n, 2, "label");
    for (uint32_t i = 0; ok && i < n; ++i) {
      Label& l = m.labels.emplace_back();
      ok = r.u32(l.pc, "label pc") && r.str(l.name, "label name");
    }
    if (ok) ok = read_symbols(r, m);
  }
  if (ok && r.left() != 0) ok = r.fail(fmt::format("corrupt .pbc: {} unexpected bytes at the end", r.left()));
  if (!ok) return reject(r.error);
  if (m.source_name.empty()) m.source_name = std::string(file_name);
  result.module = std::move(m);
  return result;
}

}  // namespace poolvm
