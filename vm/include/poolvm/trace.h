// poolvm/trace.h — the --trace renderers as a reusable Observer: a summary
// table with a leak report, alloc/free lines, instruction lines, block maps,
// and a Chrome Trace Event JSON file (Perfetto, chrome://tracing).
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "poolvm/poolvm.h"

namespace poolvm {

struct TraceOptions {
  bool summary = false;  // table per pool at the end, then leaks by allocation site
  bool alloc = false;    // a line per allocation and free
  bool exec = false;     // a line per instruction
  bool map = false;      // a character per block at the end
  std::FILE* out = stderr;  // where text goes (not owned)
  std::FILE* json = nullptr;  // Chrome Trace Event JSON goes here when set (not owned)
};

// Parses "summary,alloc,exec,map" (empty: summary). false on an unknown kind,
// with its name in `bad`.
bool parse_trace_kinds(std::string_view kinds, TraceOptions& out, std::string& bad);

class Tracer final : public Observer {
 public:
  explicit Tracer(TraceOptions options);
  ~Tracer() override;

  void on_pool_event(const PoolEvent& e) override;
  void on_call(const CallEvent& e) override;
  void on_instruction(const InstructionEvent& e) override;
  void on_pause(const PauseEvent& e) override;
  void on_coroutine(const CoroutineEvent& e) override;
  bool wants_instructions() const override;

  // Writes what comes at the end (summary, leaks, maps) and closes the JSON
  // document. Call once after the run, also after a runtime error.
  void finish(const Vm& vm);

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace poolvm
