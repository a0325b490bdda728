// compiler/module.h — a loaded program: pools, globals, externs, constants,
// functions and their code, plus the debug information (line table, local
// and label names) that errors, traces and the disassembler use.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/opcodes.h"
#include "runtime/pool_set.h"

namespace poolvm {

struct Constant {
  enum class Kind : uint8_t { Nil, Bool, Int, Float, Str } kind = Kind::Nil;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string s;
  bool operator==(const Constant&) const = default;
};

struct Function {
  std::string name;
  uint32_t arity = 0;
  uint32_t num_locals = 0;               // parameters included
  std::vector<std::string> local_names;  // empty or num_locals names
  uint32_t start = 0;                    // code range [start, end) in Module::code
  uint32_t end = 0;
  uint32_t max_stack = 0;  // filled by the verifier
  uint32_t line = 0;       // line of `.func`, 0 if unknown
};

struct Extern {
  std::string name;
  uint32_t arity = 0;
};

struct Label {
  uint32_t pc;  // absolute code index
  std::string name;
};

// `.const NAME LITERAL` (spec §14). Debug information only: the code holds
// the values themselves, so a stripped module runs the same without these.
struct NamedConstant {
  std::string name;
  Constant value;
  bool operator==(const NamedConstant&) const = default;
};

// An operand the source wrote by a name the code does not keep: `push LIMIT`,
// `getf WIDTH` (a named constant) or `getf body.mass` (a field). Only `dis`
// and traces read it, to spell the operand the way the author did.
struct OperandName {
  enum class Kind : uint8_t { Constant, Field } kind = Kind::Constant;
  uint32_t pc = 0;
  uint32_t index = 0;  // Constant: into Module::named_constants; Field: the pool id
  bool operator==(const OperandName&) const = default;
};

inline constexpr uint32_t kNoHeight = UINT32_MAX;

// A module's pool table starts with the built-ins at these fixed ids (spec
// §3, §11); record pools follow in declaration order. Operands of
// pool_malloc, pool_used and pool_cap are these ids, so they are the module
// format's, and .pbc files depend on them: never renumber.
inline constexpr uint16_t kConsPool = 0;
inline constexpr uint16_t kStrPool = 1;
inline constexpr uint16_t kFramePool = 2;
inline constexpr uint16_t kCoPool = 3;
inline constexpr uint16_t kFirstRecordPool = 4;

// The built-ins' sizes when a module does not declare them (spec §3, §11).
inline constexpr uint32_t kDefaultConsBlocks = 262144;
inline constexpr uint32_t kDefaultStrBytes = 32;
inline constexpr uint32_t kDefaultStrBlocks = 65536;
inline constexpr uint32_t kDefaultFrameSlots = 32;
inline constexpr uint32_t kDefaultFrameBlocks = 4096;
inline constexpr uint32_t kDefaultCoSlots = 256;
inline constexpr uint32_t kDefaultCoBlocks = 64;

// The built-ins with their default sizes, in id order.
std::vector<PoolConfig> default_pool_configs();

struct Module {
  std::string source_name;          // for messages: "prog.pasm"
  std::vector<PoolConfig> pools;    // [0..3] = cons, str, frame, co; then record pools
  std::vector<bool> pool_declared;  // per pool: a .pool directive named it
  std::vector<std::string> globals;
  std::vector<Extern> externs;
  std::vector<Constant> constants;
  std::vector<Function> functions;
  std::vector<Instr> code;
  std::vector<uint32_t> lines;  // source line per instruction; empty when stripped
  std::vector<Label> labels;    // optional names of jump targets, sorted by pc
  // Debug names of spec §14, all dropped by --strip:
  std::vector<std::vector<std::string>> field_names;  // empty, or per pool: none or one per slot
  std::vector<NamedConstant> named_constants;          // in definition order
  std::vector<OperandName> operand_names;              // sorted by pc, at most one per pc
  int32_t main = -1;            // index of `main`, filled by the verifier
  // Per instruction: the operand stack height before it that the verifier
  // proved, or kNoHeight where no path reaches it. Filled by the verifier.
  std::vector<uint32_t> stack_heights;

  // Source line of instruction pc, or 0 when unknown.
  uint32_t line_at(uint32_t pc) const { return pc < lines.size() ? lines[pc] : 0; }
  // Index of the function whose code holds pc, or -1.
  int function_at(uint32_t pc) const;
  int find_function(std::string_view name) const;
  // The field names of pool `pool` (empty when its slots are only numbered).
  const std::vector<std::string>& fields_of(uint32_t pool) const;
  // How the source named pc's operand, or nullptr.
  const OperandName* operand_name_at(uint32_t pc) const;
};

// A module with just the built-in pools at their defaults.
Module empty_module(std::string source_name);

}  // namespace poolvm
