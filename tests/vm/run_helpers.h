// tests/vm/run_helpers.h — runs .pasm text through the public API and
// captures what it printed, for the vm tests.
#pragma once

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "poolvm/poolvm.h"

// The whole of a file (a program under programs/, say), or "" when unreadable.
inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// What a paused-and-continued run leaves to compare with an uninterrupted
// one: output, exit status, result, error, pool figures, and how often it paused.
struct Outcome {
  std::string out;
  int exit_status = -1;
  std::string value;
  std::string error;
  std::vector<std::string> pools;
  uint64_t pauses = 0;
  bool operator==(const Outcome&) const = default;
};

// Fills everything but `out` and `pauses` from a finished run.
inline void record_end(Outcome& o, poolvm::Vm& vm, const poolvm::RunResult& r) {
  o.exit_status = r.exit_status;
  switch (r.value.type()) {
    case poolvm::HostValue::Type::Int: o.value = std::to_string(r.value.as_int()); break;
    case poolvm::HostValue::Type::String:  // appended, not "\"" + s: GCC 12's -Wrestrict misfires on that
      o.value = '"';
      o.value += vm.text(r.value);
      o.value += '"';
      break;
    default: o.value = std::to_string(static_cast<int>(r.value.type()));
  }
  if (r.error) o.error = r.error->text();
  for (const auto& p : vm.pool_statistics())
    o.pools.push_back(p.name + " in_use=" + std::to_string(p.in_use) + " peak=" + std::to_string(p.peak) +
                      " allocs=" + std::to_string(p.allocations) + " frees=" + std::to_string(p.frees) +
                      " failed=" + std::to_string(p.failed));
}

struct Ran {
  bool loaded = false;
  std::string out;
  int status = -1;
  std::string error;  // RuntimeError::text() or the diagnostics
};

inline Ran run_text(const std::string& text, poolvm::Config config = {},
                    const std::vector<std::string>& args = {}) {
  Ran r;
  config.output = [&r](std::string_view s) { r.out.append(s); };
  poolvm::Vm vm(config);
  r.loaded = vm.load_source(text, "t.pasm");
  if (!r.loaded) {
    r.error = vm.diagnostics_text();
    return r;
  }
  poolvm::RunResult res = vm.run_main(args);
  r.status = res.exit_status;
  if (res.error) r.error = res.error->text();
  return r;
}

// Wraps instruction lines into `.func main` ... `.end`.
inline std::string main_of(const std::string& body, const std::string& locals = "") {
  return ".func main\n" + (locals.empty() ? "" : ".local " + locals + "\n") + body + "\n.end\n";
}
