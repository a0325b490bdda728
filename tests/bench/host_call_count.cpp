// tests/bench/host_call_count.cpp — the host → script call of
// host_call_bench without the benchmark harness, for counting instructions:
// `host_call_count pvm|lua N` calls f(x) = x + 1 N times through pvm_call or
// lua_pcall. Under callgrind, the difference between N = 200000 and
// N = 100000, divided by 100000, is the exact cost of one call (see
// docs/performance.md, "The host boundary"); timing on a shared machine is not.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
}

#include "poolvm/capi.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: host_call_count pvm|lua N\n");
    return 64;
  }
  long n = std::atol(argv[2]);
  long sum = 0;
  if (std::strcmp(argv[1], "pvm") == 0) {
    pvm_vm* vm = pvm_new(nullptr);
    std::string text = ".func f x\n load x\n push 1\n add\n ret\n.end\n";
    if (pvm_load(vm, "count.pasm", text.data(), text.size()) != PVM_OK) return 1;
    int f = pvm_find(vm, "f");
    pvm_value arg = pvm_int(1), r;
    for (long i = 0; i < n; ++i) {
      if (pvm_call(vm, f, &arg, 1, &r) != PVM_OK) return 1;
      sum += pvm_as_int(r);
    }
    pvm_free(vm);
  } else {
    lua_State* L = luaL_newstate();
    luaL_openlibs(L);
    if (luaL_dostring(L, "function f(x) return x + 1 end") != LUA_OK) return 1;
    lua_getglobal(L, "f");
    int ref = luaL_ref(L, LUA_REGISTRYINDEX);
    for (long i = 0; i < n; ++i) {
      lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
      lua_pushinteger(L, 1);
      if (lua_pcall(L, 1, 1, 0) != LUA_OK) return 1;
      sum += lua_tointeger(L, -1);
      lua_pop(L, 1);
    }
    lua_close(L);
  }
  std::printf("%ld\n", sum);
  return sum == 2 * n ? 0 : 1;
}
