// tests/vm/pbc_run_test.cpp — corrupted .pbc bytes through the whole VM: any
// mutation either fails to load or loads, verifies and runs within a budget
// without crashing (run this binary under the sanitizer build too).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "poolvm/tools.h"
#include "run_helpers.h"

TEST_CASE("every single-byte change of a .pbc loads and runs safely or is rejected") {
  std::ifstream in(std::filesystem::path(POOLVM_SOURCE_DIR) / "programs/queue.pasm");
  std::stringstream ss;
  ss << in.rdbuf();
  poolvm::ToolResult pbc = poolvm::assemble_program(ss.str(), "queue.pasm", false);
  REQUIRE(pbc.ok);
  size_t ran = 0, rejected = 0;
  for (size_t i = 0; i < pbc.output.size(); ++i) {
    for (int kind = 0; kind < 2; ++kind) {
      std::string bad = pbc.output;
      bad[i] = kind == 0 ? static_cast<char>(bad[i] ^ 0xff) : static_cast<char>(bad[i] + 1);
      poolvm::Config c;
      c.max_steps = 20000;
      c.pools = {{"cons", 64}, {"str", 64}, {"frame", 32}};
      c.output = [](std::string_view) {};
      poolvm::Vm vm(c);
      if (!vm.load_source(bad, "q.pbc")) {
        ++rejected;
        CHECK(!vm.diagnostics().empty());
        continue;
      }
      ++ran;
      poolvm::RunResult r = vm.run_main();
      CHECK((r.ok() || r.exit_status == 70));
    }
  }
  CHECK(ran > 0);
  CHECK(rejected > 0);
}

TEST_CASE("a .pbc runs like its .pasm") {
  std::string text = main_of("push \"a\"\n push 1\n tostr\n concat\n print\n push 3\n ret");
  poolvm::ToolResult pbc = poolvm::assemble_program(text, "t.pasm", false);
  REQUIRE(pbc.ok);
  Ran from_text = run_text(text), from_pbc = run_text(pbc.output);
  CHECK(from_text.out == "a1\n");
  CHECK(from_pbc.out == from_text.out);
  CHECK(from_pbc.status == 3);
}

TEST_CASE("fuzzer finding: printing a cell that is its own car and cdr finishes, bounded") {
  // run-print-shared-structure-timeout.bin made such a cell and printed it:
  // depth 64 × length 10000 per level was exponential. Now a print visits at
  // most a fixed number of values.
  std::ifstream in(std::filesystem::path(POOLVM_SOURCE_DIR) / "tests/fuzz/regressions/run-print-shared-structure-timeout.bin",
                   std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  poolvm::Config c;
  c.max_steps = 5000;
  c.pools = {{"cons", 64}, {"str", 64}, {"frame", 32}};
  size_t printed = 0;
  c.output = [&](std::string_view s) { printed += s.size(); };
  poolvm::Vm vm(c);
  // The file carries the current format version, so it loads and the finding is exercised.
  REQUIRE_MESSAGE(vm.load_source(ss.str(), "r.pbc"), vm.diagnostics_text());
  (void)vm.run_main({"a", "12"});
  CHECK(printed < (64u << 20));

  Ran r = run_text(main_of("push 1\n push nil\n cons\n store c\n load c\n load c\n setcar\n load c\n load c\n setcdr\n"
                           " load c\n print\n load c\n tostr\n len\n print\n push 0\n ret",
                           "c"));
  CHECK(r.status == 0);
  CHECK(r.out.size() < (16u << 20));
  CHECK(r.out.find("...") != std::string::npos);
}
