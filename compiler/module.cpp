// compiler/module.cpp — lookups over a module.
#include "compiler/module.h"

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

Module empty_module(std::string source_name) {
  Module m;
  m.source_name = std::move(source_name);
  m.pools = default_pool_configs();
  m.pool_declared.assign(m.pools.size(), false);
  return m;
}

}  // namespace poolvm
