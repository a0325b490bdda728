// compiler/module.cpp — lookups over a module.
#include "compiler/module.h"

#include <algorithm>

namespace poolvm {

int Module::function_at(uint32_t pc) const {
  for (size_t i = 0; i < functions.size(); ++i)
    if (pc >= functions[i].start && pc < functions[i].end) return static_cast<int>(i);
  return -1;
}

int Module::find_function(std::string_view name) const {
  for (size_t i = 0; i < functions.size(); ++i)
    if (functions[i].name == name) return static_cast<int>(i);
  return -1;
}

const std::vector<std::string>& Module::fields_of(uint32_t pool) const {
  static const std::vector<std::string> none;
  return pool < field_names.size() ? field_names[pool] : none;
}

const OperandName* Module::operand_name_at(uint32_t pc) const {
  auto it = std::partition_point(operand_names.begin(), operand_names.end(),
                                 [&](const OperandName& o) { return o.pc < pc; });
  return it != operand_names.end() && it->pc == pc ? &*it : nullptr;
}

std::vector<PoolConfig> default_pool_configs() {
  std::vector<PoolConfig> pools(kFirstRecordPool);
  pools[kConsPool] = {"cons", PoolKind::Cons, 2, kDefaultConsBlocks};
  pools[kStrPool] = {"str", PoolKind::Str, kDefaultStrBytes, kDefaultStrBlocks};
  pools[kFramePool] = {"frame", PoolKind::Frame, kDefaultFrameSlots, kDefaultFrameBlocks};
  pools[kCoPool] = {"co", PoolKind::Co, kDefaultCoSlots, kDefaultCoBlocks};
  return pools;
}

Module empty_module(std::string source_name) {
  Module m;
  m.source_name = std::move(source_name);
  m.pools = default_pool_configs();
  m.pool_declared.assign(m.pools.size(), false);
  return m;
}

}  // namespace poolvm
