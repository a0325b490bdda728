// tests/vm/run_helpers.h — runs .pasm text through the public API and
// captures what it printed, for the vm tests.
#pragma once

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
