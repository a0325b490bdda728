// compiler/assembler.cpp — owns assemble(): .pasm text to an unverified
// Module. One pass over the lines builds pools, globals, externs, constants,
// functions and code; names that may be used before their declaration
// (functions and every other top-level name, `POOL.FIELD` included) are
// patched after the last line, labels when their function's `.end` is
// reached. Named constants are the exception: like a Forth word, a constant
// is defined before it is used, so its value is known where it is written. Stack discipline, `main` and frame fit
// are the verifier's business, not this file's.
#include "compiler/assembler.h"

#include <algorithm>
#include <fmt/format.h>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "compiler/lexer.h"
#include "compiler/suggest.h"
#include "runtime/value.h"

namespace poolvm {

namespace {

// A fuzzed file can hold millions of bad lines; past this many errors the
// rest would only cost memory and nobody reads them.
constexpr size_t kMaxErrors = 1000;
constexpr uint32_t kMaxExternArity = 65535;
constexpr int64_t kMaxSlot = 16777215;  // getf/setf operand: slots are 0 .. 2^24-1
constexpr int64_t kMaxBlocks = 4294967294;
constexpr size_t kMaxPools = 65536;  // pool ids are 16 bits

using Tokens = std::span<const Token>;

struct SourceOps {
  std::unordered_map<std::string_view, Op> by_mnemonic;  // source (non-internal) ops
  std::vector<std::string_view> mnemonics;
};

const SourceOps& source_ops() {
  static const SourceOps ops = [] {
    SourceOps s;
    for (int i = 0; i < kNumOps; ++i)
      if (!(kOpInfo[i].flags & kInternal)) {
        s.by_mnemonic.emplace(kOpInfo[i].mnemonic, static_cast<Op>(i));
        s.mnemonics.push_back(kOpInfo[i].mnemonic);
      }
    return s;
  }();
  return ops;
}

// The internal op a `call`-like source op becomes when its callee is an
// extern: same mnemonic, Extern operand. Found in the table, not hard-coded.
std::optional<Op> extern_variant(Op op) {
  for (int i = 0; i < kNumOps; ++i)
    if ((kOpInfo[i].flags & kInternal) && kOpInfo[i].operand == OperandKind::Extern &&
        kOpInfo[i].mnemonic == op_info(op).mnemonic)
      return static_cast<Op>(i);
  return std::nullopt;
}

std::string_view describe(OperandKind k) {
  switch (k) {
    case OperandKind::None: return "nothing";
    case OperandKind::Const: return "a literal (int, float, string, true, false or nil)";
    case OperandKind::Local: return "a local (a name or an index)";
    case OperandKind::Global: return "a global";
    case OperandKind::Label: return "a label";
    case OperandKind::Func:
    case OperandKind::Extern: return "a function or extern";
    case OperandKind::RecPool: return "a record pool or cons";
    case OperandKind::AnyPool: return "a pool";
    case OperandKind::Slot: return "a slot number";  // or an int constant, or POOL.FIELD
  }
  return "an operand";
}

std::string found(const Token& t) {
  return t.kind == Token::Kind::String ? std::string("a string") : quote_word(t.text);
}

constexpr std::string_view kDirectives[] = {".pool", ".const", ".global", ".extern", ".func", ".local", ".end"};

// Identifiers that read as literals, so they can never name a constant.
constexpr std::string_view kLiteralWords[] = {"true", "false", "nil", "inf", "nan"};
bool is_literal_word(std::string_view w) {
  return std::find(std::begin(kLiteralWords), std::end(kLiteralWords), w) != std::end(kLiteralWords);
}

std::string_view type_of(const Constant& c) {
  switch (c.kind) {
    case Constant::Kind::Nil: return "nil";
    case Constant::Kind::Bool: return "a bool";
    case Constant::Kind::Int: return "an int";
    case Constant::Kind::Float: return "a float";
    case Constant::Kind::Str: return "a string";
  }
  return "a value";
}

// Key for constant interning: kind byte plus exact payload bits, so that 0.0
// and -0.0 stay distinct and equal NaNs share one entry.
std::string constant_key(const Constant& c) {
  std::string key(1, static_cast<char>(c.kind));
  switch (c.kind) {
    case Constant::Kind::Nil: break;
    case Constant::Kind::Bool: key.push_back(c.b ? '1' : '0'); break;
    case Constant::Kind::Int: key.append(reinterpret_cast<const char*>(&c.i), sizeof c.i); break;
    case Constant::Kind::Float: key.append(reinterpret_cast<const char*>(&c.f), sizeof c.f); break;
    case Constant::Kind::Str: key += c.s; break;
  }
  return key;
}

struct Where {
  uint32_t line = 0, column = 0, length = 0;
};

struct Decl {
  uint32_t index = 0;
  uint32_t line = 0;  // 0: built in
};

// A name to resolve after the last line (kind says which table).
struct Fixup {
  uint32_t pc;
  OperandKind kind;
  std::string name;
  Where at;
};

// A constant name not defined when it was read: reported after the last line,
// as unknown or as defined too late.
struct ConstUse {
  std::string name;
  Where at;
  bool slot;  // written as a slot number: a field of that name is a good suggestion
};

struct OpenFunction {
  uint32_t index = 0;
  Where at;  // the `.func` token
  bool has_code = false;
  std::unordered_map<std::string, Decl> locals;
  std::unordered_map<std::string, Decl> labels;  // index = pc
  std::vector<std::pair<std::string, Where>> pending_labels;  // waiting for an instruction
  std::vector<Fixup> label_uses;
};

class Assembler {
 public:
  Assembler(std::string_view source, std::string_view file)
      : source_(source), file_(file), m_(empty_module(std::string(file))) {
    for (size_t i = 0; i < m_.pools.size(); ++i)
      pools_.emplace(m_.pools[i].name, Decl{static_cast<uint32_t>(i), 0});
  }

  AssembleResult run() {
    size_t pos = 0;
    line_ = 0;
    while (pos <= source_.size() && !stopped_) {
      size_t nl = source_.find('\n', pos);
      size_t end = nl == std::string_view::npos ? source_.size() : nl;
      ++line_;
      do_line(source_.substr(pos, end - pos));
      if (nl == std::string_view::npos) break;
      pos = nl + 1;
    }
    if (!stopped_) finish();

    AssembleResult r;
    std::stable_sort(diags_.begin(), diags_.end(), [](const Diagnostic& a, const Diagnostic& b) {
      return a.line != b.line ? a.line < b.line : a.column < b.column;
    });
    r.diagnostics = std::move(diags_);
    if (stopped_)
      r.diagnostics.push_back(
          Diagnostic{std::string(file_), 0, 0, 0, fmt::format("too many errors ({}), stopping", kMaxErrors)});
    if (r.diagnostics.empty()) r.module = std::move(m_);
    return r;
  }

 private:
  void error(Where at, std::string message) {
    if (stopped_) return;
    if (diags_.size() >= kMaxErrors) {
      stopped_ = true;
      return;
    }
    diags_.push_back(Diagnostic{std::string(file_), at.line, at.column, at.length, std::move(message)});
  }
  Where at(const Token& t) const {
    return Where{line_, t.column, static_cast<uint32_t>(std::max<size_t>(1, t.text.size()))};
  }
  void error(const Token& t, std::string message) { error(at(t), std::move(message)); }

  // ---- lines ----

  void do_line(std::string_view text) {
    if (auto e = lex_line(text, tokens_)) {
      error(Where{line_, e->column, e->length}, std::move(e->message));
      return;
    }
    Tokens toks(tokens_);
    size_t i = 0;
    while (i + 1 < toks.size() && toks[i].kind == Token::Kind::Word &&
           toks[i + 1].kind == Token::Kind::Colon) {
      if (!define_label(toks[i])) {
        // Labels before the bad one would otherwise also be reported as
        // labelling nothing, for the same mistake.
        if (fn_) fn_->pending_labels.clear();
        return;
      }
      i += 2;
    }
    if (i == toks.size()) return;
    const Token& head = toks[i];
    Tokens rest = toks.subspan(i + 1);
    if (head.kind != Token::Kind::Word) {
      error(head, fmt::format("expected an instruction or directive, found {}", found(head)));
      return;
    }
    if (head.text[0] == '.') directive(head, rest);
    else instruction(head, rest);
  }

  bool define_label(const Token& t) {
    std::string name(t.text);
    if (!fn_) {
      error(t, fmt::format("label {} outside a function", quote_word(t.text)));
      return false;
    }
    if (!is_identifier(t.text)) {
      error(t, fmt::format("invalid label name {}", quote_word(t.text)));
      return false;
    }
    auto [it, fresh] = fn_->labels.emplace(name, Decl{static_cast<uint32_t>(m_.code.size()), line_});
    if (!fresh) {
      // The rest of the line is still good: keep assembling it.
      error(t, fmt::format("duplicate label '{}' (first defined on line {})", name, it->second.line));
      return true;
    }
    m_.labels.push_back(Label{static_cast<uint32_t>(m_.code.size()), name});
    fn_->pending_labels.emplace_back(std::move(name), at(t));
    return true;
  }

  // ---- directives ----

  void directive(const Token& head, Tokens args) {
    std::string_view d = head.text;
    if (d == ".func") return func_directive(head, args);
    if (d == ".end") return end_directive(head, args);
    if (d == ".local") return local_directive(head, args);
    if (d == ".pool" || d == ".global" || d == ".extern" || d == ".const") {
      if (fn_) {
        error(head, fmt::format("'{}' inside function '{}'; declare it outside functions", d,
                                m_.functions[fn_->index].name));
        return;
      }
      if (d == ".pool") return pool_directive(head, args);
      if (d == ".global") return global_directive(head, args);
      if (d == ".const") return const_directive(head, args);
      return extern_directive(head, args);
    }
    std::vector<std::string_view> names(std::begin(kDirectives), std::end(kDirectives));
    error(head, fmt::format("unknown directive {}{}", quote_word(d), did_you_mean(d, names)));
  }

  // A declared name: an identifier token. Reports and returns nullptr otherwise.
  const Token* name_arg(const Token& head, Tokens args, size_t i, std::string_view what) {
    if (i >= args.size()) {
      error(head, fmt::format("'{}' needs {}", head.text, what));
      return nullptr;
    }
    const Token& t = args[i];
    if (t.kind != Token::Kind::Word || !is_identifier(t.text)) {
      error(t, fmt::format("expected {}, found {}", what, found(t)));
      return nullptr;
    }
    return &t;
  }

  void func_directive(const Token& head, Tokens args) {
    if (fn_) {
      error(head, fmt::format("'.func' inside function '{}' (missing '.end'?)", m_.functions[fn_->index].name));
      close_function();
    }
    // The body is parsed even when the header is bad, so its own errors are
    // reported without a cascade of "instruction outside a function".
    fn_.emplace();
    fn_->index = static_cast<uint32_t>(m_.functions.size());
    fn_->at = at(head);
    Function f;
    f.line = line_;
    f.start = f.end = static_cast<uint32_t>(m_.code.size());
    if (const Token* n = name_arg(head, args, 0, "a function name")) {
      f.name = std::string(n->text);
      auto it = callables_.find(f.name);
      if (it != callables_.end()) {
        error(*n, fmt::format("duplicate function '{}' (first defined{} on line {})", f.name,
                              it->second.is_extern ? " as an extern" : "", it->second.decl.line));
      } else {
        callables_.emplace(f.name, Callable{false, Decl{fn_->index, line_}});
      }
    }
    m_.functions.push_back(std::move(f));
    for (size_t i = 1; i < args.size(); ++i) {
      if (!add_local(args[i], "a parameter name")) continue;
      ++m_.functions[fn_->index].arity;
    }
  }

  bool add_local(const Token& t, std::string_view what) {
    if (t.kind != Token::Kind::Word || !is_identifier(t.text)) {
      error(t, fmt::format("expected {}, found {}", what, found(t)));
      return false;
    }
    Function& f = m_.functions[fn_->index];
    auto [it, fresh] = fn_->locals.emplace(std::string(t.text), Decl{f.num_locals, line_});
    if (!fresh) {
      error(t, fmt::format("duplicate local '{}' (first defined on line {})", t.text, it->second.line));
      return false;
    }
    f.local_names.emplace_back(t.text);
    ++f.num_locals;
    return true;
  }

  void end_directive(const Token& head, Tokens args) {
    if (!fn_) {
      error(head, "'.end' without '.func'");
      return;
    }
    if (!args.empty()) error(args[0], fmt::format("'.end' takes no operand, found {}", found(args[0])));
    close_function();
  }

  void local_directive(const Token& head, Tokens args) {
    if (!fn_) {
      error(head, "'.local' outside a function");
      return;
    }
    if (fn_->has_code) {
      error(head, fmt::format("'.local' must come before the first instruction of '{}'",
                              m_.functions[fn_->index].name));
      return;
    }
    if (args.empty()) {
      error(head, "'.local' needs at least one name");
      return;
    }
    for (const Token& t : args) add_local(t, "a local name");
  }

  void global_directive(const Token& head, Tokens args) {
    if (args.empty()) {
      error(head, "'.global' needs a name");
      return;
    }
    for (const Token& t : args) {
      if (t.kind != Token::Kind::Word || !is_identifier(t.text)) {
        error(t, fmt::format("expected a global name, found {}", found(t)));
        continue;
      }
      auto [it, fresh] = globals_.emplace(std::string(t.text),
                                          Decl{static_cast<uint32_t>(m_.globals.size()), line_});
      if (!fresh) {
        error(t, fmt::format("duplicate global '{}' (first defined on line {})", t.text, it->second.line));
        continue;
      }
      m_.globals.emplace_back(t.text);
    }
  }

  // An integer operand in [lo, hi]; nullopt when it is not one.
  static std::optional<int64_t> int_in(const Token& t, int64_t lo, int64_t hi) {
    if (t.kind != Token::Kind::Word) return std::nullopt;
    Number n;
    if (parse_number(t.text, n) != NumberError::None || n.is_float || n.i < lo || n.i > hi)
      return std::nullopt;
    return n.i;
  }

  void const_directive(const Token& head, Tokens args) {
    const Token* n = name_arg(head, args, 0, "a constant name");
    if (!n) return;
    if (args.size() < 2) {
      error(head, "'.const' needs a name and a literal");
      return;
    }
    if (args.size() > 2) {
      error(args[2], fmt::format("'.const' takes a name and a literal; unexpected {}", found(args[2])));
      return;
    }
    std::string name(n->text);
    if (is_literal_word(name)) {
      error(*n, fmt::format("'{}' is a literal and cannot name a constant", name));
      return;
    }
    auto c = literal(args[1]);
    if (!c) return;
    auto [it, fresh] = consts_.emplace(name, Decl{static_cast<uint32_t>(m_.named_constants.size()), line_});
    if (!fresh) {
      error(*n, fmt::format("duplicate constant '{}' (first defined on line {})", name, it->second.line));
      return;
    }
    m_.named_constants.push_back(NamedConstant{std::move(name), std::move(*c)});
  }

  // The named constant an identifier stands for, with its index; nullptr when
  // it is not (yet) defined: that is reported after the last line.
  const NamedConstant* constant(const Token& t, bool slot, uint32_t* index = nullptr) {
    auto it = consts_.find(std::string(t.text));
    if (it == consts_.end()) {
      const_uses_.push_back(ConstUse{std::string(t.text), at(t), slot});
      return nullptr;
    }
    if (index) *index = it->second.index;
    return &m_.named_constants[it->second.index];
  }

  // An int constant standing for an int operand: its value when it is an
  // int in [lo, hi], reported otherwise. `what` names the operand.
  std::optional<int64_t> int_constant(const Token& t, int64_t lo, int64_t hi, std::string_view what,
                                      bool slot = false, uint32_t* index = nullptr) {
    const NamedConstant* c = constant(t, slot, index);
    if (!c) return std::nullopt;
    if (c->value.kind != Constant::Kind::Int) {
      error(t, fmt::format("constant '{}' is {}, but {} must be an int {}..{}", t.text, type_of(c->value), what, lo,
                           hi));
      return std::nullopt;
    }
    if (c->value.i < lo || c->value.i > hi) {
      error(t, fmt::format("constant '{}' is {}, out of range for {} ({}..{})", t.text, c->value.i, what, lo, hi));
      return std::nullopt;
    }
    return c->value.i;
  }

  void extern_directive(const Token& head, Tokens args) {
    const Token* n = name_arg(head, args, 0, "a name and an arity");
    if (!n) return;
    if (args.size() < 2) {
      error(head, "'.extern' needs a name and an arity");
      return;
    }
    const bool named = args[1].kind == Token::Kind::Word && is_identifier(args[1].text);
    auto arity = named ? int_constant(args[1], 0, kMaxExternArity, "an extern arity")
                       : int_in(args[1], 0, kMaxExternArity);
    if (!arity) {
      if (named) return;
      error(args[1], fmt::format("extern arity must be an int 0..{}, found {}", kMaxExternArity, found(args[1])));
      return;
    }
    if (args.size() > 2) {
      error(args[2], fmt::format("'.extern' takes a name and an arity; unexpected {}", found(args[2])));
      return;
    }
    std::string name(n->text);
    auto it = callables_.find(name);
    if (it != callables_.end()) {
      error(*n, fmt::format("duplicate extern '{}' (first defined{} on line {})", name,
                            it->second.is_extern ? "" : " as a function", it->second.decl.line));
      return;
    }
    callables_.emplace(name, Callable{true, Decl{static_cast<uint32_t>(m_.externs.size()), line_}});
    m_.externs.push_back(Extern{std::move(name), static_cast<uint32_t>(*arity)});
  }

  void pool_directive(const Token& head, Tokens args) {
    const Token* n = name_arg(head, args, 0, "a pool name");
    if (!n) return;
    std::string name(n->text);
    uint32_t id;
    auto it = pools_.find(name);
    if (it != pools_.end()) {
      id = it->second.index;
      if (m_.pool_declared[id]) {
        error(*n, fmt::format("duplicate pool '{}' (first declared on line {})", name, it->second.line));
        return;
      }
      it->second.line = line_;
    } else {
      if (m_.pools.size() >= kMaxPools) {
        error(*n, fmt::format("too many pools (at most {})", kMaxPools));
        return;
      }
      id = static_cast<uint32_t>(m_.pools.size());
      // Registered before its keys are checked, so that a bad key does not
      // also make every later use of the pool an "unknown pool".
      pools_.emplace(name, Decl{id, line_});
      m_.pools.push_back(PoolConfig{name, PoolKind::Record, 1, 0});
      m_.pool_declared.push_back(false);
    }
    m_.pool_declared[id] = true;
    PoolConfig& pool = m_.pools[id];

    std::vector<std::string_view> keys;  // the ones this pool takes
    switch (pool.kind) {
      case PoolKind::Cons: keys = {"blocks"}; break;
      case PoolKind::Str: keys = {"bytes", "blocks"}; break;
      case PoolKind::Frame:
      case PoolKind::Co: keys = {"slots", "blocks"}; break;
      case PoolKind::Record: keys = {"slots", "fields", "blocks"}; break;
    }
    auto key_list = [&] {
      if (pool.kind == PoolKind::Record) return std::string("'slots=' or 'fields=', and 'blocks='");
      std::string s;
      for (size_t i = 0; i < keys.size(); ++i)
        s += fmt::format("{}'{}='", i == 0 ? "" : " and ", keys[i]);
      return s;
    };

    bool seen_size = false, seen_blocks = false;
    std::string_view size_key;  // "slots" or "fields", whichever came
    for (size_t i = 1; i < args.size(); i += 3) {
      const Token& key = args[i];
      if (key.kind != Token::Kind::Word || !is_identifier(key.text)) {
        error(key, fmt::format("expected KEY=VALUE ({}), found {}", key_list(), found(key)));
        return;
      }
      if (std::find(keys.begin(), keys.end(), key.text) == keys.end()) {
        static const std::vector<std::string_view> all = {"slots", "fields", "bytes", "blocks"};
        if (std::find(all.begin(), all.end(), key.text) != all.end())
          error(key, fmt::format("pool '{}' does not take '{}=' (it takes {})", name, key.text, key_list()));
        else
          error(key, fmt::format("unknown .pool key {}{}", quote_word(key.text), did_you_mean(key.text, keys)));
        return;
      }
      if (i + 1 >= args.size() || args[i + 1].kind != Token::Kind::Equals) {
        error(key, fmt::format("expected '=' and a number after '{}'", key.text));
        return;
      }
      if (i + 2 >= args.size()) {
        error(args[i + 1], fmt::format("expected a number after '{}='", key.text));
        return;
      }
      const Token& value = args[i + 2];
      bool is_blocks = key.text == "blocks";
      bool& seen = is_blocks ? seen_blocks : seen_size;
      if (seen) {
        if (!is_blocks && key.text != size_key)
          error(key, fmt::format("pool '{}' takes 'slots=' or 'fields=', not both", name));
        else
          error(key, fmt::format("duplicate key '{}='", key.text));
        return;
      }
      seen = true;
      if (!is_blocks) size_key = key.text;
      if (key.text == "fields") {
        if (!fields_value(id, value, args.size() > i + 3)) return;
        continue;
      }
      int64_t lo = is_blocks ? 0 : 1, hi = is_blocks ? kMaxBlocks : kMaxSlots;
      const bool named = value.kind == Token::Kind::Word && is_identifier(value.text);
      auto v = named ? int_constant(value, lo, hi, fmt::format("'{}='", key.text)) : int_in(value, lo, hi);
      if (!v) {
        if (!named)
          error(value, fmt::format("'{}=' must be an int {}..{}, found {}", key.text, lo, hi, found(value)));
        return;
      }
      if (is_blocks) pool.blocks = static_cast<uint32_t>(*v);
      else pool.size = static_cast<uint32_t>(*v);
    }
    if (pool.kind == PoolKind::Record && (!seen_size || !seen_blocks))
      error(*n, fmt::format("record pool '{}' needs {}", name,
                            !seen_size && !seen_blocks ? "'slots=' or 'fields=', and 'blocks='"
                            : !seen_size               ? "'slots=' or 'fields='"
                                                       : "'blocks='"));
  }

  // `fields=a,b,c`: one word (commas are not token breaks), split here so
  // each bad name is pointed at exactly. `more` says tokens follow it, which
  // after a trailing comma means the list was written with blanks.
  bool fields_value(uint32_t id, const Token& value, bool more) {
    PoolConfig& pool = m_.pools[id];
    // Uses of a pool whose list is bad would only repeat its error.
    bad_fields_.insert(id);
    if (value.kind != Token::Kind::Word) {
      error(value, fmt::format("'fields=' must be a list of field names, found {}", found(value)));
      return false;
    }
    std::vector<std::string> names;
    std::unordered_map<std::string_view, size_t> seen;
    std::string_view list = value.text;
    bool ok = true;
    for (size_t start = 0; start <= list.size();) {
      size_t comma = std::min(list.find(',', start), list.size());
      std::string_view f = list.substr(start, comma - start);
      Where w{line_, value.column + static_cast<uint32_t>(start), static_cast<uint32_t>(std::max<size_t>(1, f.size()))};
      if (f.empty()) {
        error(w, comma == list.size() && more ? "blank in a field list; write the fields as 'fields=a,b,c'"
                                              : "empty field name in 'fields='");
        return false;
      }
      if (!is_identifier(f)) {
        error(w, fmt::format("invalid field name {}", quote_word(f)));
        ok = false;
      } else if (auto [it, fresh] = seen.emplace(f, names.size()); !fresh) {
        error(w, fmt::format("duplicate field '{}' of pool '{}' (slot {})", f, pool.name, it->second));
        ok = false;
      }
      names.emplace_back(f);
      if (names.size() > kMaxSlots) {
        error(value, fmt::format("too many fields (at most {})", kMaxSlots));
        return false;
      }
      start = comma + 1;
    }
    if (!ok) return false;
    bad_fields_.erase(id);
    pool.size = static_cast<uint32_t>(names.size());
    if (m_.field_names.size() <= id) m_.field_names.resize(id + 1);
    m_.field_names[id] = std::move(names);
    return true;
  }

  void close_function() {
    Function& f = m_.functions[fn_->index];
    f.end = static_cast<uint32_t>(m_.code.size());
    for (auto& [name, where] : fn_->pending_labels)
      error(where, fmt::format("label '{}' is not followed by an instruction", name));
    std::vector<std::string_view> names;
    for (Fixup& use : fn_->label_uses) {
      auto it = fn_->labels.find(use.name);
      if (it != fn_->labels.end()) {
        m_.code[use.pc].a = static_cast<int32_t>(it->second.index);
        continue;
      }
      if (names.empty())
        for (auto& [label, decl] : fn_->labels) names.push_back(label);
      error(use.at, fmt::format("unknown label '{}' in function '{}'{}", use.name, f.name,
                                did_you_mean(use.name, names)));
    }
    fn_.reset();
  }

  // ---- instructions ----

  void instruction(const Token& head, Tokens args) {
    const SourceOps& ops = source_ops();
    auto it = ops.by_mnemonic.find(head.text);
    if (it == ops.by_mnemonic.end()) {
      // Meant as an instruction: its labels are not "followed by nothing".
      if (fn_) {
        fn_->has_code = true;
        fn_->pending_labels.clear();
      }
      error(head, fmt::format("unknown instruction {}{}", quote_word(head.text),
                              did_you_mean(head.text, ops.mnemonics)));
      return;
    }
    if (!fn_) {
      error(head, fmt::format("instruction '{}' outside a function (missing '.func'?)", head.text));
      return;
    }
    Op op = it->second;
    const OpInfo& info = op_info(op);
    fn_->has_code = true;
    fn_->pending_labels.clear();
    // Emitted even when its operand is bad, so that later pcs and labels stay right.
    auto pc = static_cast<uint32_t>(m_.code.size());
    m_.code.push_back(Instr{op, 0, 0, 0});
    m_.lines.push_back(line_);

    if (info.operand == OperandKind::None) {
      if (!args.empty()) error(args[0], fmt::format("'{}' takes no operand, found {}", head.text, found(args[0])));
      return;
    }
    if (args.empty()) {
      error(head, fmt::format("'{}' takes one operand: {}", head.text, describe(info.operand)));
      return;
    }
    if (args.size() > 1) {
      error(args[1], fmt::format("'{}' takes only one operand; unexpected {}", head.text, found(args[1])));
      return;
    }
    const Token& arg = args[0];
    if (auto a = operand(info.operand, arg, pc)) m_.code[pc].a = *a;
  }

  void expected(OperandKind k, const Token& t) {
    error(t, fmt::format("expected {}, found {}", describe(k), found(t)));
  }

  bool number_error(const Token& t, NumberError e) {
    switch (e) {
      case NumberError::None: return false;
      case NumberError::Invalid: error(t, fmt::format("invalid number {}", quote_word(t.text))); break;
      case NumberError::IntRange:
        error(t, fmt::format("int literal {} out of range ({} .. {})", quote_word(t.text), INT64_MIN, INT64_MAX));
        break;
      case NumberError::FloatRange:
        error(t, fmt::format("float literal {} out of range", quote_word(t.text)));
        break;
    }
    return true;
  }

  // An int-looking word as an int; one beyond int64 as INT64_MAX, which every
  // caller then reports as out of its own range.
  static std::optional<int64_t> int_operand(const Token& t) {
    if (t.kind != Token::Kind::Word || !looks_numeric(t.text)) return std::nullopt;
    Number n;
    NumberError e = parse_number(t.text, n);
    if (e == NumberError::IntRange) return INT64_MAX;
    if (e != NumberError::None || n.is_float) return std::nullopt;
    return n.i;
  }

  // A literal operand (`push`, `.const`); nullopt when reported.
  std::optional<Constant> literal(const Token& t) {
    const bool word = t.kind == Token::Kind::Word;
    Constant c;
    if (t.kind == Token::Kind::String) {
      c.kind = Constant::Kind::Str;
      c.s = t.value;
    } else if (word && (t.text == "true" || t.text == "false")) {
      c.kind = Constant::Kind::Bool;
      c.b = t.text == "true";
    } else if (word && t.text == "nil") {
      c.kind = Constant::Kind::Nil;
    } else if (word && (looks_numeric(t.text) || t.text == "inf" || t.text == "-inf" || t.text == "nan" ||
                        t.text == "-nan")) {
      Number n;
      if (number_error(t, parse_number(t.text, n))) return std::nullopt;
      if (n.is_float) {
        c.kind = Constant::Kind::Float;
        c.f = n.f;
      } else {
        c.kind = Constant::Kind::Int;
        c.i = n.i;
      }
    } else {
      expected(OperandKind::Const, t);
      return std::nullopt;
    }
    return c;
  }

  // The operand's value, or nullopt when it was reported or is fixed up later.
  std::optional<int32_t> operand(OperandKind kind, const Token& t, uint32_t pc) {
    bool word = t.kind == Token::Kind::Word;
    bool ident = word && is_identifier(t.text);
    switch (kind) {
      case OperandKind::None: return std::nullopt;
      case OperandKind::Const: {
        if (ident && !is_literal_word(t.text)) {
          uint32_t index = 0;
          const NamedConstant* c = constant(t, false, &index);
          if (!c) return std::nullopt;
          m_.operand_names.push_back(OperandName{OperandName::Kind::Constant, pc, index});
          return intern(c->value);
        }
        auto c = literal(t);
        if (!c) return std::nullopt;
        return intern(std::move(*c));
      }
      case OperandKind::Local: {
        const Function& f = m_.functions[fn_->index];
        if (ident) {
          auto it = fn_->locals.find(std::string(t.text));
          if (it != fn_->locals.end()) return static_cast<int32_t>(it->second.index);
          // Constants never stand for a local index: `load N` would read as
          // the local named N, and locals have names of their own.
          if (consts_.count(std::string(t.text)) != 0) {
            error(t, fmt::format("unknown local '{}' in function '{}' ('{}' is a constant; name a local by its "
                                 "own name or its index)",
                                 t.text, f.name, t.text));
            return std::nullopt;
          }
          std::vector<std::string_view> names(f.local_names.begin(), f.local_names.end());
          error(t, fmt::format("unknown local '{}' in function '{}'{}", t.text, f.name, did_you_mean(t.text, names)));
          return std::nullopt;
        }
        if (auto index = int_operand(t)) {
          if (*index >= 0 && static_cast<uint64_t>(*index) < f.num_locals) return static_cast<int32_t>(*index);
          error(t, fmt::format("local index {} out of range: function '{}' has {} local{}", t.text, f.name,
                               f.num_locals, f.num_locals == 1 ? "" : "s"));
          return std::nullopt;
        }
        expected(kind, t);
        return std::nullopt;
      }
      case OperandKind::Slot: {
        if (ident) {
          uint32_t index = 0;
          auto slot = int_constant(t, 0, kMaxSlot, "a slot number", true, &index);
          if (!slot) return std::nullopt;
          m_.operand_names.push_back(OperandName{OperandName::Kind::Constant, pc, index});
          return static_cast<int32_t>(*slot);
        }
        if (auto slot = int_operand(t)) {
          if (*slot >= 0 && *slot <= kMaxSlot) return static_cast<int32_t>(*slot);
          error(t, fmt::format("slot {} out of range (0..{})", t.text, kMaxSlot));
          return std::nullopt;
        }
        if (word && is_field_ref(t.text)) {  // POOL.FIELD: the pool may be declared further down
          fixups_.push_back(Fixup{pc, kind, std::string(t.text), at(t)});
          return std::nullopt;
        }
        error(t, fmt::format("expected a slot number, an int constant or POOL.FIELD, found {}", found(t)));
        return std::nullopt;
      }
      case OperandKind::Label:
        if (!ident) break;
        fn_->label_uses.push_back(Fixup{pc, kind, std::string(t.text), at(t)});
        return std::nullopt;
      case OperandKind::Global:
      case OperandKind::Func:
      case OperandKind::Extern:
      case OperandKind::RecPool:
      case OperandKind::AnyPool:
        if (!ident) break;
        fixups_.push_back(Fixup{pc, kind, std::string(t.text), at(t)});
        return std::nullopt;
    }
    expected(kind, t);
    return std::nullopt;
  }

  static bool is_field_ref(std::string_view w) {
    size_t dot = w.find('.');
    return dot != std::string_view::npos && is_identifier(w.substr(0, dot)) && is_identifier(w.substr(dot + 1));
  }

  int32_t intern(Constant c) {
    auto [it, fresh] = constants_.emplace(constant_key(c), static_cast<int32_t>(m_.constants.size()));
    if (fresh) m_.constants.push_back(std::move(c));
    return it->second;
  }

  // ---- after the last line ----

  void finish() {
    if (fn_) {
      error(fn_->at, fmt::format("function '{}' has no '.end'", m_.functions[fn_->index].name));
      close_function();
    }
    for (Fixup& fx : fixups_) resolve(fx);
    for (const ConstUse& use : const_uses_) report_constant(use);
    if (!m_.field_names.empty()) m_.field_names.resize(m_.pools.size());
    // Field operands were named at their fixup, constants as they were read.
    std::stable_sort(m_.operand_names.begin(), m_.operand_names.end(),
                     [](const OperandName& a, const OperandName& b) { return a.pc < b.pc; });
  }

  void report_constant(const ConstUse& use) {
    auto it = consts_.find(use.name);
    if (it != consts_.end()) {
      error(use.at, fmt::format("constant '{}' is used before its definition on line {}", use.name,
                                it->second.line));
      return;
    }
    std::vector<std::string_view> names = keys_of(consts_);
    names.insert(names.end(), std::begin(kLiteralWords), std::end(kLiteralWords));
    std::string hint = did_you_mean(use.name, names);
    if (hint.empty() && use.slot)  // `getf mass` for `getf body.mass`
      for (size_t p = 0; p < m_.field_names.size() && hint.empty(); ++p)
        for (const std::string& f : m_.field_names[p])
          if (f == use.name) {
            hint = fmt::format(" (did you mean '{}.{}'?)", m_.pools[p].name, f);
            break;
          }
    error(use.at, fmt::format("unknown constant '{}'{}", use.name, hint));
  }

  template <class Map>
  static std::vector<std::string_view> keys_of(const Map& map) {
    std::vector<std::string_view> out;
    out.reserve(map.size());
    for (const auto& [name, v] : map) out.push_back(name);
    std::sort(out.begin(), out.end());  // deterministic suggestions on ties
    return out;
  }

  void resolve(const Fixup& fx) {
    Instr& in = m_.code[fx.pc];
    switch (fx.kind) {
      case OperandKind::Global: {
        auto it = globals_.find(fx.name);
        if (it != globals_.end()) {
          in.a = static_cast<int32_t>(it->second.index);
          return;
        }
        error(fx.at, fmt::format("unknown global '{}'{}", fx.name, did_you_mean(fx.name, keys_of(globals_))));
        return;
      }
      case OperandKind::Func:
      case OperandKind::Extern: {
        auto it = callables_.find(fx.name);
        if (it == callables_.end()) {
          error(fx.at, fmt::format("unknown function '{}'{}", fx.name, did_you_mean(fx.name, keys_of(callables_))));
          return;
        }
        in.a = static_cast<int32_t>(it->second.decl.index);
        if (it->second.is_extern) {
          if (auto ext = extern_variant(in.op)) in.op = *ext;
          else error(fx.at, fmt::format("'{}' cannot take an extern", op_info(in.op).mnemonic));
        }
        return;
      }
      case OperandKind::RecPool:
      case OperandKind::AnyPool: {
        auto it = pools_.find(fx.name);
        if (it == pools_.end()) {
          error(fx.at, fmt::format("unknown pool '{}'{}", fx.name, did_you_mean(fx.name, keys_of(pools_))));
          return;
        }
        uint32_t id = it->second.index;
        if (fx.kind == OperandKind::RecPool && id == kStrPool) {
          error(fx.at, fmt::format("{} cannot take blocks of the built-in 'str' pool; strings are made by "
                                   "literals, concat, tostr, substr and argv",
                                   op_info(in.op).mnemonic));
          return;
        }
        if (fx.kind == OperandKind::RecPool && id == kCoPool) {
          error(fx.at, fmt::format("{} cannot take blocks of the built-in 'co' pool; coroutines are made by cocreate",
                                   op_info(in.op).mnemonic));
          return;
        }
        if (fx.kind == OperandKind::RecPool && id == kFramePool) {
          error(fx.at, fmt::format("{} cannot take blocks of the built-in 'frame' pool; frames are taken by call",
                                   op_info(in.op).mnemonic));
          return;
        }
        in.a = static_cast<int32_t>(id);
        return;
      }
      case OperandKind::Slot: return resolve_field(fx);
      default: return;
    }
  }

  // `getf POOL.FIELD`: the field's slot number, and its name kept for dis and traces.
  void resolve_field(const Fixup& fx) {
    const size_t dot = fx.name.find('.');
    const std::string pool_name = fx.name.substr(0, dot), field = fx.name.substr(dot + 1);
    const Where pool_at{fx.at.line, fx.at.column, static_cast<uint32_t>(pool_name.size())};
    const Where field_at{fx.at.line, fx.at.column + static_cast<uint32_t>(dot + 1), static_cast<uint32_t>(field.size())};
    auto it = pools_.find(pool_name);
    if (it == pools_.end()) {
      error(pool_at, fmt::format("unknown pool '{}'{}", pool_name, did_you_mean(pool_name, keys_of(pools_))));
      return;
    }
    const uint32_t id = it->second.index;
    if (bad_fields_.count(id) != 0) return;
    const std::vector<std::string>& fields = m_.fields_of(id);
    auto f = std::find(fields.begin(), fields.end(), field);
    if (f != fields.end()) {
      m_.code[fx.pc].a = static_cast<int32_t>(f - fields.begin());
      m_.operand_names.push_back(OperandName{OperandName::Kind::Field, fx.pc, id});
      return;
    }
    if (fields.empty()) {
      error(pool_at, fmt::format("pool '{}' has no field names (declare them with '.pool {} fields=...')", pool_name,
                                 pool_name));
      return;
    }
    for (size_t p = 0; p < m_.field_names.size(); ++p) {
      const auto& other = m_.field_names[p];
      if (std::find(other.begin(), other.end(), field) != other.end()) {
        error(field_at, fmt::format("'{}' is a field of pool '{}', not of '{}'", field, m_.pools[p].name, pool_name));
        return;
      }
    }
    std::vector<std::string_view> names(fields.begin(), fields.end());
    error(field_at, fmt::format("unknown field '{}' of pool '{}'{}", field, pool_name, did_you_mean(field, names)));
  }

  struct Callable {
    bool is_extern;
    Decl decl;
  };

  std::string_view source_;
  std::string_view file_;
  Module m_;
  std::vector<Diagnostic> diags_;
  bool stopped_ = false;
  uint32_t line_ = 0;
  std::vector<Token> tokens_;
  std::optional<OpenFunction> fn_;
  std::unordered_map<std::string, Decl> pools_, globals_;
  std::unordered_map<std::string, Callable> callables_;
  std::unordered_map<std::string, int32_t> constants_;
  std::unordered_map<std::string, Decl> consts_;  // named constants: index into Module::named_constants
  std::vector<ConstUse> const_uses_;
  std::unordered_set<uint32_t> bad_fields_;  // pools whose fields= was reported
  std::vector<Fixup> fixups_;
};

}  // namespace

AssembleResult assemble(std::string_view source, std::string_view file_name) {
  // Nothing below throws on bad input; this only turns an allocation failure
  // on absurd input into a diagnostic instead of a crash.
  try {
    return Assembler(source, file_name).run();
  } catch (const std::bad_alloc&) {
    AssembleResult r;
    r.diagnostics.push_back(Diagnostic{std::string(file_name), 0, 0, 0, "out of memory while assembling"});
    return r;
  }
}

}  // namespace poolvm
