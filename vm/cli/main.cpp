// vm/cli/main.cpp — the `poolvm` command line (spec §8), a client of the
// public API only. Exit statuses follow spec §6: 64 usage, 65 invalid
// program, 66 unreadable input, 70 runtime error.
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "poolvm/poolvm.h"
#include "poolvm/tools.h"
#include "poolvm/trace.h"

namespace {

std::optional<std::string> read_file(const std::string& path, std::string& why) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    why = std::strerror(EISDIR);
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    why = std::strerror(errno);
    return std::nullopt;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) {
    why = "read error";
    return std::nullopt;
  }
  return ss.str();
}

// Parses "NAME=BLOCKS".
bool parse_pool(const std::string& spec, poolvm::PoolOverride& out) {
  auto eq = spec.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) return false;
  const std::string digits = spec.substr(eq + 1);
  if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 10) return false;
  uint64_t n = std::stoull(digits);
  if (n > 0xFFFFFFFEull) return false;
  out = {spec.substr(0, eq), static_cast<uint32_t>(n)};
  return true;
}

// A count the user writes: decimal digits only (no sign, no spaces), at least
// `min`, within 64 bits. CLI11's own conversion would take "-1" as 2^64-1.
CLI::Validator whole_number(uint64_t min) {
  return CLI::Validator(
      [min](std::string& s) -> std::string {
        const std::string want = fmt::format("a whole number N >= {}", min);
        if (s.empty() || s.size() > 20 || s.find_first_not_of("0123456789") != std::string::npos)
          return fmt::format("expects {}, got '{}'", want, s);
        errno = 0;
        const unsigned long long n = std::strtoull(s.c_str(), nullptr, 10);
        if (errno == ERANGE) return fmt::format("expects {} of at most {}, got '{}'", want, UINT64_MAX, s);
        if (n < min) return fmt::format("expects {}, got '{}'", want, s);
        return "";
      },
      "N");
}

// Everything after the program file belongs to the program, even "-x", so
// the command line is split there before CLI11 sees it. Whether an option
// takes a value is asked of CLI11 itself, so this needs no option list.
size_t program_args_start(CLI::App& run, std::vector<std::string>& args, size_t from) {
  for (size_t i = from; i < args.size(); ++i) {
    // A bare --trace means --trace=summary; it never takes the next argument.
    if (args[i] == "--trace") args[i] = "--trace=summary";
    const std::string& a = args[i];
    if (a == "--") return i + 2 <= args.size() ? i + 2 : args.size();
    if (a.size() > 1 && a[0] == '-') {
      if (a.find('=') != std::string::npos) continue;
      const CLI::Option* opt = run.get_option_no_throw(a);
      if (opt != nullptr && opt->get_expected_min() > 0) ++i;
      continue;
    }
    return i + 1;  // args[i] is FILE
  }
  return args.size();
}

int load(poolvm::Vm& vm, const std::string& path) {
  std::string why;
  auto text = read_file(path, why);
  if (!text) {
    fmt::print(stderr, "poolvm: cannot read '{}': {}\n", path, why);
    return poolvm::kExitNoInput;
  }
  if (!vm.load_source(*text, path)) {
    fmt::print(stderr, "{}", vm.diagnostics_text());
    for (const auto& d : vm.diagnostics())
      if (d.config_error) return poolvm::kExitUsage;
    return poolvm::kExitInvalidProgram;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"poolvm: a stack-based bytecode VM whose memory is fixed-size pools", "poolvm"};
  app.set_version_flag("--version", std::string(poolvm::version()));
  app.require_subcommand(1);

  std::string file;
  std::vector<std::string> pool_specs;
  uint64_t max_steps = 0;
  uint32_t stack = 65536;
  std::string trace_kinds;
  bool trace_given = false;
  std::string trace_out, trace_json;

  CLI::App* run = app.add_subcommand("run", "run a .pasm program");
  run->add_option("FILE", file, "program to run (.pasm or .pbc, told apart by content)")->required();
  run->add_option("--pool", pool_specs, "override a pool's capacity: NAME=BLOCKS (repeatable)")
      ->type_name("NAME=BLOCKS");
  run->add_option("--max-steps", max_steps, "stop with a runtime error after N instructions (N >= 1)")
      ->type_name("N")
      ->check(whole_number(1));
  run->add_option("--stack", stack, "operand stack size in values")
      ->type_name("N")
      ->check(CLI::Range(uint32_t{1}, uint32_t{1} << 28));
  run->add_option("--trace", trace_kinds, "trace the pools: comma list of summary (the default), alloc, exec, map")
      ->type_name("[=KINDS]");
  run->add_option("--trace-out", trace_out, "write the trace to PATH instead of stderr")->type_name("PATH");
  run->add_option("--trace-json", trace_json, "write Chrome Trace Event JSON (Perfetto) to PATH")->type_name("PATH");
  std::string snapshot_dir, snapshot_file;
  run->add_option("--snapshot-on-yield", snapshot_dir, "at each yield of the main run, save a snapshot DIR/yield-NNNN.snap")
      ->type_name("DIR");

  CLI::App* resume = app.add_subcommand("resume", "continue the run saved in a snapshot of FILE");
  resume->add_option("SNAPSHOT", snapshot_file, "a snapshot written by --snapshot-on-yield (or a host)")->required();
  resume->add_option("FILE", file, "the program the snapshot was taken of (.pasm or .pbc)")->required();
  resume->add_option("--snapshot-on-yield", snapshot_dir, "at each yield, save a snapshot DIR/yield-NNNN.snap")
      ->type_name("DIR");
  run->footer("Everything after FILE is passed to the program (argc/argv).");

  CLI::App* check = app.add_subcommand("check", "assemble (or load) and verify a program; run nothing");
  check->add_option("FILE", file, "program to check (.pasm or .pbc)")->required();

  std::string out_path;
  bool strip = false;
  CLI::App* asm_cmd = app.add_subcommand("asm", "assemble a .pasm program into a .pbc bytecode file");
  asm_cmd->add_option("FILE", file, "program to assemble")->required();
  asm_cmd->add_option("-o", out_path, "output file (default: FILE with .pbc in place of .pasm)")->type_name("OUT.pbc");
  asm_cmd->add_flag("--strip", strip, "leave out line information and local and label names");

  CLI::App* dis = app.add_subcommand("dis", "print a program (.pasm or .pbc) as assembly that reassembles");
  dis->add_option("FILE", file, "program to disassemble")->required();
  bool fused = false;
  dis->add_flag("--fused", fused, "show the superinstructions the VM runs, as comments");

  std::vector<std::string> args(argv + 1, argv + argc);
  // The first word that is not an option names the command: an unknown one
  // is named back, not reported as a missing subcommand.
  for (const std::string& a : args) {
    if (a.empty() || a[0] == '-') continue;
    std::vector<std::string> commands;
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
      commands.push_back(sub->get_name());
    if (std::find(commands.begin(), commands.end(), a) == commands.end()) {
      fmt::print(stderr, "poolvm: unknown command '{}' (commands: {}; see --help)\n", a, fmt::join(commands, ", "));
      return poolvm::kExitUsage;
    }
    break;
  }
  std::vector<std::string> program_args;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "run" || args[i] == "resume") {
      // resume takes two words, SNAPSHOT and FILE, before the program's.
      size_t start = program_args_start(args[i] == "run" ? *run : *resume, args, i + 1);
      if (args[i] == "resume") start = program_args_start(*resume, args, start);
      program_args.assign(args.begin() + static_cast<long>(start), args.end());
      args.resize(start);
      break;
    }
    if (args[i].empty() || args[i][0] != '-') break;
  }

  try {
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    app.parse(reversed);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return poolvm::kExitUsage;
  }

  if (check->parsed() || asm_cmd->parsed() || dis->parsed()) {
    std::string why;
    auto input = read_file(file, why);
    if (!input) {
      fmt::print(stderr, "poolvm: cannot read '{}': {}\n", file, why);
      return poolvm::kExitNoInput;
    }
    poolvm::ToolResult r = check->parsed()     ? poolvm::check_program(*input, file)
                           : asm_cmd->parsed() ? poolvm::assemble_program(*input, file, strip)
                                               : poolvm::disassemble_program(*input, file, fused);
    if (!r.ok) {
      fmt::print(stderr, "{}", r.diagnostics_text);
      return poolvm::kExitInvalidProgram;
    }
    if (dis->parsed()) fmt::print("{}", r.output);
    if (asm_cmd->parsed()) {
      if (out_path.empty()) {
        out_path = file;
        if (out_path.size() > 5 && out_path.ends_with(".pasm")) out_path.resize(out_path.size() - 5);
        out_path += ".pbc";
      }
      std::FILE* f = std::fopen(out_path.c_str(), "wb");
      if (f == nullptr || std::fwrite(r.output.data(), 1, r.output.size(), f) != r.output.size() ||
          std::fclose(f) != 0) {
        fmt::print(stderr, "poolvm: cannot write '{}': {}\n", out_path, std::strerror(errno));
        return poolvm::kExitCantCreate;
      }
    }
    return 0;
  }

  poolvm::Config config;
  for (const auto& spec : pool_specs) {
    poolvm::PoolOverride o;
    if (!parse_pool(spec, o)) {
      fmt::print(stderr, "poolvm: --pool expects NAME=BLOCKS (BLOCKS from 0 to 4294967294), got '{}'\n", spec);
      return poolvm::kExitUsage;
    }
    config.pools.push_back(o);
  }
  config.max_steps = max_steps;
  config.stack_values = stack;

  trace_given = run->count("--trace") > 0 || !trace_out.empty();
  poolvm::TraceOptions trace_options;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> trace_file(nullptr, std::fclose);
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> json_file(nullptr, std::fclose);
  std::optional<poolvm::Tracer> tracer;
  if (trace_given || !trace_json.empty()) {
    std::string bad;
    if (trace_given && !poolvm::parse_trace_kinds(trace_kinds, trace_options, bad)) {
      fmt::print(stderr, "poolvm: --trace: unknown kind '{}' (kinds: summary, alloc, exec, map)\n", bad);
      return poolvm::kExitUsage;
    }
    if (!trace_out.empty()) {
      trace_file.reset(std::fopen(trace_out.c_str(), "w"));
      if (!trace_file) {
        fmt::print(stderr, "poolvm: cannot write '{}': {}\n", trace_out, std::strerror(errno));
        return poolvm::kExitCantCreate;
      }
      trace_options.out = trace_file.get();
    }
    if (!trace_json.empty()) {
      json_file.reset(std::fopen(trace_json.c_str(), "w"));
      if (!json_file) {
        fmt::print(stderr, "poolvm: cannot write '{}': {}\n", trace_json, std::strerror(errno));
        return poolvm::kExitCantCreate;
      }
      trace_options.json = json_file.get();
    }
    tracer.emplace(trace_options);
    config.observer = &*tracer;
  }

  std::optional<std::string> snapshot_bytes;
  if (resume->parsed()) {
    // The VM takes the shape (pool capacities, stack) the snapshot was taken with.
    std::string why;
    snapshot_bytes = read_file(snapshot_file, why);
    if (!snapshot_bytes) {
      fmt::print(stderr, "poolvm: cannot read '{}': {}\n", snapshot_file, why);
      return poolvm::kExitNoInput;
    }
    poolvm::SnapshotShape shape;
    auto bytes = std::as_bytes(std::span(snapshot_bytes->data(), snapshot_bytes->size()));
    if (!poolvm::read_snapshot_shape(bytes, shape, why)) {
      fmt::print(stderr, "{}: error: {}\n", snapshot_file, why);
      return poolvm::kExitInvalidProgram;
    }
    config.pools = shape.pools;
    config.stack_values = shape.stack_values;
  }
  if (!snapshot_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(snapshot_dir, ec);
    if (ec || !std::filesystem::is_directory(snapshot_dir)) {
      fmt::print(stderr, "poolvm: cannot write snapshots in '{}': {}\n", snapshot_dir,
                 ec ? ec.message() : std::string("not a directory"));
      return poolvm::kExitCantCreate;
    }
  }

  poolvm::Vm vm(config);
  if (int status = load(vm, file); status != 0) return status;
  poolvm::RunResult result;
  if (resume->parsed()) {
    auto bytes = std::as_bytes(std::span(snapshot_bytes->data(), snapshot_bytes->size()));
    if (vm.restore(bytes) != poolvm::Status::Ok) {
      fmt::print(stderr, "{}: error: {}\n", snapshot_file, vm.last_error());
      return poolvm::kExitInvalidProgram;
    }
    if (!vm.paused()) {
      fmt::print(stderr, "{}: error: the snapshot holds no paused run to resume\n", snapshot_file);
      return poolvm::kExitInvalidProgram;
    }
    vm.set_program_args(program_args);
    // Resumed as `run` resumes a yield: with nil.
    result = vm.resume();
  } else {
    // A library loads without `main` (spec §10); only running needs one.
    if (vm.find("main") < 0) {
      fmt::print(stderr, "{}: error: no function 'main'\n", file);
      return poolvm::kExitInvalidProgram;
    }
    result = vm.run_main(program_args);
  }
  // A yield of the main run goes to the host; here the host has nothing to
  // send, so the run goes on at once (spec §11), after saving it if asked.
  std::vector<std::byte> snap;
  for (unsigned n = 1; result.status == poolvm::Status::Yielded; ++n) {
    if (!snapshot_dir.empty()) {
      size_t len = 0;
      if (vm.snapshot(snap, len) == poolvm::Status::NoMemory) {
        snap.resize(len);
        vm.snapshot(snap, len);
      }
      std::string path = fmt::format("{}/yield-{:04}.snap", snapshot_dir, n);
      std::FILE* f = std::fopen(path.c_str(), "wb");
      if (f == nullptr || std::fwrite(snap.data(), 1, len, f) != len || std::fclose(f) != 0) {
        fmt::print(stderr, "poolvm: cannot write '{}': {}\n", path, std::strerror(errno));
        return poolvm::kExitCantCreate;
      }
    }
    result = vm.resume();
  }
  std::fflush(stdout);
  if (result.error) fmt::print(stderr, "{}", result.error->text());
  if (tracer) tracer->finish(vm);
  return result.exit_status;
}
