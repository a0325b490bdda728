// tests/bench/host_call_bench.cpp — the host boundary against Lua 5.4's C
// API, in one process: (1) a host calling a trivial script function (x + 1)
// — poolvm through a handle (pvm_call) and by name, Lua through a registry
// reference (lua_rawgeti + lua_pcall) — with 1 and 500 functions defined;
// (2) a script calling a trivial host function 1000 times in a loop.
// Build with -DPOOLVM_BUILD_BENCH=ON (needs liblua5.4-dev), then
//   build/tests/bench/host_call_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstring>
#include <string>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
}

#include "poolvm/capi.h"
#include "poolvm/poolvm.h"

namespace {

std::string pasm_library(int functions) {
  std::string s = ".extern host_inc 1\n";
  for (int i = 0; i < functions; ++i) s += ".func f" + std::to_string(i) + " x\n load x\n push 1\n add\n ret\n.end\n";
  s += ".func loop n\n.local acc\n push 0\n store acc\nagain:\n load acc\n call host_inc\n store acc\n"
       " load n\n push 1\n sub\n dup\n store n\n jnz again\n load acc\n ret\n.end\n";
  return s;
}

std::string lua_library(int functions) {
  std::string s;
  for (int i = 0; i < functions; ++i) s += "function f" + std::to_string(i) + "(x) return x + 1 end\n";
  s += "function loop(n) local acc = 0 for i = 1, n do acc = host_inc(acc) end return acc end\n";
  return s;
}

pvm_status host_inc(pvm_vm*, void*, const pvm_value* args, size_t, pvm_value* result) {
  *result = pvm_int(pvm_as_int(args[0]) + 1);
  return PVM_OK;
}

int lua_host_inc(lua_State* L) {
  lua_pushinteger(L, lua_tointeger(L, 1) + 1);
  return 1;
}

pvm_vm* new_pvm(int functions) {
  pvm_vm* vm = pvm_new(nullptr);
  pvm_register(vm, "host_inc", 1, host_inc, nullptr);
  std::string text = pasm_library(functions);
  if (pvm_load(vm, "bench.pasm", text.data(), text.size()) != PVM_OK) std::abort();
  return vm;
}

lua_State* new_lua(int functions) {
  lua_State* L = luaL_newstate();
  luaL_openlibs(L);
  lua_register(L, "host_inc", lua_host_inc);
  if (luaL_dostring(L, lua_library(functions).c_str()) != LUA_OK) std::abort();
  return L;
}

void load_cxx(poolvm::Vm& vm, int functions) {
  vm.register_function("host_inc", 1, [](poolvm::HostCall& c) {
    return poolvm::HostValue::integer(c.args()[0].as_int() + 1);
  });
  if (!vm.load_source(pasm_library(functions), "bench.pasm")) std::abort();
}

// The function the host calls: the last one defined, so a linear lookup
// would pay for every function before it.
std::string last_function(int functions) { return "f" + std::to_string(functions - 1); }

void BM_PoolvmCallHandle(benchmark::State& state) {
  int functions = static_cast<int>(state.range(0));
  pvm_vm* vm = new_pvm(functions);
  int f = pvm_find(vm, last_function(functions).c_str());
  int64_t x = 0;
  for (auto _ : state) {
    pvm_value arg = pvm_int(x), r;
    if (pvm_call(vm, f, &arg, 1, &r) != PVM_OK) std::abort();
    x = pvm_as_int(r);
  }
  benchmark::DoNotOptimize(x);
  pvm_free(vm);
}

void BM_PoolvmCallHandleCxx(benchmark::State& state) {
  int functions = static_cast<int>(state.range(0));
  poolvm::Vm vm;
  load_cxx(vm, functions);
  int f = vm.find(last_function(functions));
  int64_t x = 0;
  for (auto _ : state) {
    poolvm::HostValue arg = poolvm::HostValue::integer(x), r;
    if (vm.call(f, std::span(&arg, 1), r) != poolvm::Status::Ok) std::abort();
    x = r.as_int();
  }
  benchmark::DoNotOptimize(x);
}

// The convenience form that builds a RunResult.
void BM_PoolvmCallHandleRunResult(benchmark::State& state) {
  int functions = static_cast<int>(state.range(0));
  poolvm::Vm vm;
  load_cxx(vm, functions);
  int f = vm.find(last_function(functions));
  int64_t x = 0;
  for (auto _ : state) {
    poolvm::HostValue arg = poolvm::HostValue::integer(x);
    x = vm.call(f, std::span(&arg, 1)).value.as_int();
  }
  benchmark::DoNotOptimize(x);
}

void BM_PoolvmCallByName(benchmark::State& state) {
  int functions = static_cast<int>(state.range(0));
  poolvm::Vm vm;
  load_cxx(vm, functions);
  std::string name = last_function(functions);
  int64_t x = 0;
  for (auto _ : state) {
    poolvm::HostValue arg = poolvm::HostValue::integer(x);
    x = vm.call(std::string_view(name), std::span(&arg, 1)).value.as_int();
  }
  benchmark::DoNotOptimize(x);
}

void BM_LuaPcallRegistryRef(benchmark::State& state) {
  int functions = static_cast<int>(state.range(0));
  lua_State* L = new_lua(functions);
  lua_getglobal(L, last_function(functions).c_str());
  int ref = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_Integer x = 0;
  for (auto _ : state) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    lua_pushinteger(L, x);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) std::abort();
    x = lua_tointeger(L, -1);
    lua_pop(L, 1);
  }
  benchmark::DoNotOptimize(x);
  lua_close(L);
}

constexpr int kHostCalls = 1000;

void BM_PoolvmHostFunctionFromScript(benchmark::State& state) {
  pvm_vm* vm = new_pvm(1);
  int loop = pvm_find(vm, "loop");
  for (auto _ : state) {
    pvm_value n = pvm_int(kHostCalls), r;
    if (pvm_call(vm, loop, &n, 1, &r) != PVM_OK || pvm_as_int(r) != kHostCalls) std::abort();
  }
  state.SetItemsProcessed(state.iterations() * kHostCalls);
  pvm_free(vm);
}

void BM_LuaHostFunctionFromScript(benchmark::State& state) {
  lua_State* L = new_lua(1);
  lua_getglobal(L, "loop");
  int ref = luaL_ref(L, LUA_REGISTRYINDEX);
  for (auto _ : state) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    lua_pushinteger(L, kHostCalls);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK || lua_tointeger(L, -1) != kHostCalls) std::abort();
    lua_pop(L, 1);
  }
  state.SetItemsProcessed(state.iterations() * kHostCalls);
  lua_close(L);
}

}  // namespace

BENCHMARK(BM_PoolvmCallHandle)->Arg(1)->Arg(500);
BENCHMARK(BM_PoolvmCallHandleCxx)->Arg(1)->Arg(500);
BENCHMARK(BM_PoolvmCallHandleRunResult)->Arg(1)->Arg(500);
BENCHMARK(BM_PoolvmCallByName)->Arg(1)->Arg(500);
BENCHMARK(BM_LuaPcallRegistryRef)->Arg(1)->Arg(500);
BENCHMARK(BM_PoolvmHostFunctionFromScript);
BENCHMARK(BM_LuaHostFunctionFromScript);
BENCHMARK_MAIN();
