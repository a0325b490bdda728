// tests/vm/fusion_test.cpp — superinstructions, checked from the table's
// declarations: for every kFused row a program is generated from the
// sequence the row declares; the row must fire on it (so a pattern that
// stops matching fails here), and the fused run must behave exactly like the
// unfused one whatever the operand types, which fails when a handler
// advances by anything but its sequence's length. The bench programs'
// fused listings are pinned exactly by the golden tests of `dis --fused`.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <string>
#include <vector>

#include "compiler/opcodes.h"
#include "run_helpers.h"
#include "vm/program_input.h"
#include "vm/specialize.h"

using namespace poolvm;

namespace {

// The declared sequence as source text. Loads take x, y, x...; a store takes
// the first loaded local (IncLocal needs the same one), else z, and a load
// after a store takes the stored local (IncLocalLtJnz tests the one it
// updated); a branch jumps to `skip`.
std::string sequence_text(const OpSequence& seq) {
  std::string text;
  const char* loads[] = {"x", "y", "x"};
  int nloads = 0;
  bool stored = false;
  const bool has_load = seq.ops[0] == Op::Load;
  for (int k = 0; k < seq.length; ++k) {
    const OpInfo& info = op_info(seq.ops[k]);
    std::string_view operand;
    switch (seq.ops[k]) {
      case Op::Load: operand = stored ? (has_load ? "x" : "z") : loads[nloads++ % 3]; break;
      case Op::Store: operand = has_load ? "x" : "z"; stored = true; break;
      case Op::Push: operand = "3"; break;
      case Op::GetF: operand = "1"; break;
      default:
        if (info.flags & kBranch) operand = "skip";
        else REQUIRE_MESSAGE(info.operand == OperandKind::None, "teach sequence_text this operand: ", info.mnemonic);
    }
    text += fmt::format("    {}{}{}\n", info.mnemonic, operand.empty() ? "" : " ", operand);
  }
  return text;
}

// Operand stack depth the sequence needs before it, and has after it.
std::pair<int, int> depths(const OpSequence& seq) {
  int depth = 0, lowest = 0;
  for (int k = 0; k < seq.length; ++k) {
    depth -= op_info(seq.ops[k]).pops;
    lowest = std::min(lowest, depth);
    depth += op_info(seq.ops[k]).pushes;
  }
  return {-lowest, depth - lowest};
}

// f(x, y) runs the sequence after `prefill` values, then prints what it left
// and the locals, on the fall-through path and on the jump path alike.
std::string program_for(Op fused, const std::string& x, const std::string& y, const std::vector<std::string>& prefill) {
  const OpSequence& seq = fused_sequence(fused);
  auto [before, after] = depths(seq);
  REQUIRE(static_cast<size_t>(before) == prefill.size());
  std::string report;
  for (int i = 0; i < after; ++i) report += "    print\n";
  report += "    load x\n    print\n    load y\n    print\n    load z\n    print\n    push 0\n    ret\n";
  std::string f = ".func f x y\n.local z\n";
  for (const std::string& v : prefill) f += "    " + v + "\n";
  // nop on both sides: no other pattern can reach into the sequence.
  f += "    nop\n" + sequence_text(seq);
  const bool ends_function = op_info(seq.ops[seq.length - 1]).flags & kEnd;
  if (!ends_function) f += "    nop\n    push \"fell through\"\n    print\n" + report;
  if (op_info(seq.ops[seq.length - 1]).flags & kBranch) f += "skip:\n    push \"jumped\"\n    print\n" + report;
  f += ".end\n";
  return f + main_of("    " + x + "\n    " + y + "\n    call f\n    print\n    push 0\n    ret");
}

// Where the sequence starts in program_for's code: after the prefill and the nop.
uint32_t sequence_start(const Module& m, size_t prefill_instructions) {
  return m.functions[0].start + static_cast<uint32_t>(prefill_instructions) + 1;
}

const std::vector<std::string> kValues = {"push 1", "push 2", "push 2.5", "push 0\n    push 9\n    cons"};

}  // namespace

TEST_CASE("every superinstruction fires on the sequence its row declares") {
  int rows = 0;
  for (int i = 0; i < kNumOps; ++i) {
    const Op fused = static_cast<Op>(i);
    if (!(op_info(fused).flags & kFused)) continue;
    ++rows;
    const auto [before, after] = depths(fused_sequence(fused));
    const std::string text = program_for(fused, "push 1", "push 0", std::vector<std::string>(before, "push 1"));
    CAPTURE(text);
    ProgramInput in = read_program(text, "t.pasm");
    REQUIRE_MESSAGE(in.ok, in.diagnostics_text);
    const Specialized s = specialize(in.module);
    CHECK_MESSAGE(s.code[sequence_start(in.module, before)].op == fused, "row ", op_info(fused).name, " did not fire");
  }
  CHECK(rows > 0);
}

TEST_CASE("every superinstruction runs like its sequence: same output, same advance") {
  for (int i = 0; i < kNumOps; ++i) {
    const Op fused = static_cast<Op>(i);
    if (!(op_info(fused).flags & kFused)) continue;
    CAPTURE(op_info(fused).name);
    const int before = depths(fused_sequence(fused)).first;
    // Every operand from ints (the fast path), a float and a cons (ways out of it).
    std::vector<std::vector<std::string>> prefills = {{}};
    for (int d = 0; d < before; ++d) {
      std::vector<std::vector<std::string>> longer;
      for (const auto& p : prefills)
        for (const std::string& v : {kValues[0], kValues[3]}) {
          longer.push_back(p);
          longer.back().push_back(v);
        }
      prefills = std::move(longer);
    }
    for (const std::string& x : kValues)
      for (const std::string& y : {kValues[0], kValues[1], kValues[2]})
        for (const auto& prefill : prefills) {
          const std::string text = program_for(fused, x, y, prefill);
          CAPTURE(text);
          Ran fast = run_text(text);
          poolvm::Config counted;
          counted.max_steps = 1'000'000;  // the counting loop runs the unfused code
          Ran plain = run_text(text, counted);
          REQUIRE(fast.loaded);
          CHECK(fast.out == plain.out);
          CHECK(fast.status == plain.status);
          CHECK(fast.error == plain.error);
        }
  }
}

TEST_CASE("the matcher prefers the longest declared sequence") {
  // load; push; add; store of one local is IncLocal, not LoadAddK or LoadPush.
  ProgramInput in = read_program(main_of("push 1\n store i\n load i\n push 1\n add\n store i\n load i\n ret", "i"),
                                 "t.pasm");
  REQUIRE(in.ok);
  const Specialized s = specialize(in.module);
  CHECK(s.code[2].op == Op::IncLocal);
  // With another local to store to, the longest that fits is LoadAddK.
  ProgramInput other = read_program(
      main_of("push 1\n store i\n load i\n push 1\n add\n store j\n load j\n ret", "i j"), "t.pasm");
  REQUIRE(other.ok);
  CHECK(specialize(other.module).code[2].op == Op::LoadAddK);
}

TEST_CASE("the matcher takes the rows that leave the fewest dispatches, not the first that matches") {
  // s + a[i]: LoadLoad at `load s` would leave `load i` and `geti` (3
  // dispatches); `load s` alone and LoadLoadGetI take 2.
  ProgramInput in = read_program(
      ".pool r slots=2 blocks=1\n" +
          main_of("pool_malloc r\n store a\n push 0\n store i\n push 0\n store s\n"
                  " load s\n load a\n load i\n geti\n add\n ret",
                  "a i s"),
      "t.pasm");
  REQUIRE_MESSAGE(in.ok, in.diagnostics_text);
  const Specialized s = specialize(in.module);
  const uint32_t at = in.module.functions[0].start + 6;
  CHECK(s.code[at].op == Op::Load);
  CHECK(s.code[at + 1].op == Op::LoadLoadGetI);
}

// Runs `text` on the plain loop, the budgeted one (a budget it does not
// reach) and the traced one, which runs the module's original instructions
// with indices and absolute targets; the traced run must print `expected`
// and the other two exactly what it did.
static void check_same_in_every_loop(const std::string& text, uint64_t budget, const std::string& expected) {
  Ran fast = run_text(text);
  poolvm::Config counted;
  counted.max_steps = budget;
  Ran fast_counted = run_text(text, counted);
  static poolvm::Observer ignore_all;
  poolvm::Config traced;  // an observer: the original instructions
  traced.observer = &ignore_all;
  Ran plain = run_text(text, traced);
  REQUIRE(fast.loaded);
  CHECK(plain.out == expected);
  for (const Ran* r : {&fast, &fast_counted}) {
    CHECK(r->out == plain.out);
    CHECK(r->status == plain.status);
    CHECK(r->error == plain.error);
  }
}

// Threaded code holds a branch's target as a byte offset from the branch;
// far ones, forward and backward, plain and fused, land where the module's
// absolute targets do.
TEST_CASE("far branches land in the same place in fused and unfused code") {
  auto nops = [](int n) {
    std::string t;
    for (int i = 0; i < n; ++i) t += "    nop\n";
    return t;
  };
  std::string text = ".func main\n.local i s\n    push 0\n    store i\n    push 0\n    store s\ntop:\n";
  text += "    load s\n    push 100\n    lt\n    jz skip\n";  // LoadKLtJz, far forward
  text += nops(3000);
  text += "    load s\n    push 7\n    add\n    store s\nskip:\n    jmp mid\n";  // a far forward jmp
  text += nops(2000);
  text += "mid:\n    load i\n    push 1\n    add\n    store i\n    load i\n    push 40\n    lt\n    jnz top\n";  // IncLocalLtJnz, far backward
  text += "    load i\n    jz done\n    load s\n    print\ndone:\n    load i\n    print\n    push 0\n    ret\n.end\n";
  check_same_in_every_loop(text, 10'000'000, "105\n40\n");
}

// In the threaded code a local's, a constant's and a global's operand is a
// byte offset (vm/interpreter.cpp, threaded_operand); the traced loop (and
// the switch build) use indices. Far indices, fused and unfused
// accesses and a remainder by a far constant (ModK's divisor sits at twice
// the constant's offset) must read and write the same places in both.
TEST_CASE("far locals, constants and globals read the same in fused and unfused code") {
  std::string text = ".pool frame slots=300\n.global g0 g1 g2\n.func main\n.local";
  for (int i = 0; i < 300; ++i) text += fmt::format(" l{}", i);
  text += "\n";
  for (int i = 0; i < 300; ++i) text += fmt::format("    push {}\n    store l{}\n", 1000 + i, i);
  text +=
      "    load l299\n    push 1\n    add\n    store l299\n"   // IncLocal: 1300
      "    load l298\n    load l299\n    add\n    print\n"      // 2598
      "    load l299\n    push 7\n    mod\n    print\n"         // ModK: 1300 % 7 = 5
      "    load l150\n    push 1299\n    add\n    print\n"      // LoadAddK: 2449
      "    load l10\n    gstore g2\n    gload g2\n    print\n"  // 1010
      "    load l0\n    print\n    push 0\n    ret\n.end\n";
  check_same_in_every_loop(text, 1'000'000, "2598\n5\n2449\n1010\n1000\n");
}
