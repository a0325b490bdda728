// vm/trace.cpp — the --trace renderers (see poolvm/trace.h). Everything here
// is built from public Observer events and Vm queries only.
#include "poolvm/trace.h"

#include <algorithm>
#include <map>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace poolvm {

bool parse_trace_kinds(std::string_view kinds, TraceOptions& out, std::string& bad) {
  if (kinds.empty()) {
    out.summary = true;
    return true;
  }
  while (!kinds.empty()) {
    size_t comma = kinds.find(',');
    std::string_view k = kinds.substr(0, comma);
    if (k == "summary") out.summary = true;
    else if (k == "alloc") out.alloc = true;
    else if (k == "exec") out.exec = true;
    else if (k == "map") out.map = true;
    else {
      bad = std::string(k);
      return false;
    }
    if (comma == std::string_view::npos) break;
    kinds.remove_prefix(comma + 1);
  }
  return true;
}

namespace {

struct Site {
  std::string function;
  uint32_t line;
  bool operator<(const Site& o) const { return std::tie(function, line) < std::tie(o.function, o.line); }
};

std::string json_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\', out += c;
    else if (static_cast<unsigned char>(c) < 0x20) out += fmt::format("\\u{:04x}", c);
    else out += c;
  }
  return out;
}

}  // namespace

struct Tracer::State {
  TraceOptions opt;
  // Live blocks the program allocated, by (pool << 32 | block), with their site.
  std::unordered_map<uint64_t, uint32_t> live;
  std::vector<Site> sites;
  std::map<Site, uint32_t> site_ids;
  std::vector<std::string> pool_names;  // by pool index, learned from events
  bool json_first = true;

  uint32_t site_id(std::string_view function, uint32_t line) {
    Site s{std::string(function), line};
    auto [it, added] = site_ids.emplace(s, static_cast<uint32_t>(sites.size()));
    if (added) sites.push_back(s);
    return it->second;
  }
  void json_event(const std::string& body) {
    if (opt.json == nullptr || json_closed) return;
    fmt::print(opt.json, "{}\n{}", json_first ? "" : ",", body);
    json_first = false;
  }
  // Ends the JSON document: at the summary, or when the tracer goes away
  // without one (the program never ran: it did not load), so the file is
  // valid JSON whatever happened.
  bool json_closed = false;
  void close_json() {
    if (opt.json == nullptr || json_closed) return;
    fmt::print(opt.json, "\n]}}\n");
    std::fflush(opt.json);
    json_closed = true;
  }
};

Tracer::Tracer(TraceOptions options) : s_(std::make_unique<State>()) {
  s_->opt = options;
  if (s_->opt.json != nullptr) fmt::print(s_->opt.json, "{{\"displayTimeUnit\":\"ns\",\"traceEvents\":[");
}

Tracer::~Tracer() {
  if (s_) s_->close_json();
}

bool Tracer::wants_instructions() const { return s_->opt.exec; }

void Tracer::on_pool_event(const PoolEvent& e) {
  State& s = *s_;
  if (s.pool_names.size() <= e.pool) s.pool_names.resize(e.pool + 1u);
  if (s.pool_names[e.pool].empty()) s.pool_names[e.pool] = std::string(e.pool_name);
  const char* what = e.kind == PoolEventKind::Alloc ? "alloc" : e.kind == PoolEventKind::Free ? "free" : "fail";
  uint64_t key = (uint64_t{e.pool} << 32) | e.block;
  if (e.kind == PoolEventKind::Alloc && e.pool_name != "frame") s.live[key] = s.site_id(e.function, e.line);
  if (e.kind == PoolEventKind::Free) s.live.erase(key);
  if (s.opt.alloc) {
    std::string block = e.kind == PoolEventKind::AllocFailed ? std::string(e.pool_name)
                                                              : fmt::format("{}#{}", e.pool_name, e.block);
    std::string where = e.line != 0 ? fmt::format("{}:{}", e.function, e.line) : std::string(e.function);
    fmt::print(s.opt.out, "alloc {:>10}  {:<5}  {:<14} {:>10}  {}\n", e.step, what, block,
               fmt::format("{}/{}", e.in_use, e.capacity), where);
  }
  // Formatted only when wanted: a summary-only trace sees an event per call.
  if (e.kind != PoolEventKind::AllocFailed && s.opt.json != nullptr)
    s.json_event(fmt::format("{{\"name\":\"{}\",\"ph\":\"C\",\"ts\":{},\"pid\":1,\"tid\":1,\"args\":{{\"in use\":{}}}}}",
                             json_escape(e.pool_name), e.step, e.in_use));
}

void Tracer::on_call(const CallEvent& e) {
  if (s_->opt.json == nullptr) return;
  s_->json_event(fmt::format("{{\"name\":\"{}\",\"cat\":\"call\",\"ph\":\"{}\",\"ts\":{},\"pid\":1,\"tid\":1}}",
                             json_escape(e.function), e.enter ? "B" : "E", e.step));
}

void Tracer::on_pause(const PauseEvent& e) {
  State& s = *s_;
  const char* what = e.kind == PauseEvent::Kind::Yield ? "yield" : e.kind == PauseEvent::Kind::Suspend ? "suspend" : "resume";
  if (s.opt.alloc) {
    // The alloc columns, with "run" for the pool: a pause holds the run's blocks.
    std::string where = e.line != 0 ? fmt::format("{}:{}", e.function, e.line) : std::string(e.function);
    fmt::print(s.opt.out, "alloc {:>10}  {:<5}  {:<14} {:>10}  {}\n", e.step, what, "run", "-", where);
  }
  if (s.opt.json != nullptr)
    s.json_event(fmt::format("{{\"name\":\"{}\",\"ph\":\"i\",\"s\":\"g\",\"ts\":{},\"pid\":1,\"tid\":1}}", what, e.step));
}

void Tracer::on_coroutine(const CoroutineEvent& e) {
  State& s = *s_;
  const char* what = e.kind == CoroutineEvent::Kind::Resume  ? "resume"
                     : e.kind == CoroutineEvent::Kind::Yield ? "yield"
                     : e.kind == CoroutineEvent::Kind::Return ? "return"
                                                              : "died";
  if (s.opt.alloc) {
    // The alloc columns, with the coroutine's block: its stack and frames stay put while it waits.
    std::string where = e.line != 0 ? fmt::format("{}:{}", e.function, e.line) : std::string(e.function);
    fmt::print(s.opt.out, "alloc {:>10}  {:<5}  {:<14} {:>10}  {}\n", e.step, what, fmt::format("co#{}", e.coroutine), "-",
               where);
  }
  // An async span per stretch a coroutine runs, keyed by its block: it
  // interleaves with the call spans of its resumer, which B/E spans cannot.
  if (s.opt.json != nullptr)
    s.json_event(fmt::format("{{\"name\":\"co#{}\",\"cat\":\"coroutine\",\"ph\":\"{}\",\"id\":{},\"ts\":{},\"pid\":1,\"tid\":1}}",
                             e.coroutine, e.kind == CoroutineEvent::Kind::Resume ? "b" : "e", e.coroutine, e.step));
}

void Tracer::on_instruction(const InstructionEvent& e) {
  std::string line = e.line != 0 ? fmt::format("{}", e.line) : std::string("-");
  fmt::print(s_->opt.out, "exec {:>10}  {:<12} {:>5}  line {:>4}  {:<24} [{}]\n", e.step, e.function, e.pc, line,
             e.instruction, e.stack_top);
}

namespace {

void print_summary(std::FILE* out, const std::vector<PoolStatistics>& stats) {
  fmt::print(out, "{:<10} {:>11} {:>10} {:>10} {:>10} {:>12} {:>12} {:>8} {:>14}\n", "pool", "block bytes",
             "capacity", "in use", "peak", "allocations", "frees", "failed", "reserved bytes");
  for (const auto& p : stats)
    fmt::print(out, "{:<10} {:>11} {:>10} {:>10} {:>10} {:>12} {:>12} {:>8} {:>14}\n", p.name, p.block_bytes,
               p.capacity, p.in_use, p.peak, p.allocations, p.frees, p.failed, p.reserved_bytes);
}

// One character for a run of blocks: how full the run is.
char fullness(size_t used, size_t constants, size_t total) {
  if (used + constants == 0) return '.';
  if (used == 0) return 'c';
  if (used + constants == total) return '#';
  size_t tenths = (used + constants) * 10 / total;
  return static_cast<char>('1' + std::min<size_t>(tenths, 8));
}

void print_map(std::FILE* out, const PoolStatistics& pool, const std::vector<BlockState>& blocks) {
  const std::string& name = pool.name;
  constexpr size_t kPerLine = 64, kMaxLines = 64;
  size_t n = blocks.size();
  size_t used = static_cast<size_t>(std::count(blocks.begin(), blocks.end(), BlockState::Used));
  size_t consts = static_cast<size_t>(std::count(blocks.begin(), blocks.end(), BlockState::Constant));
  size_t per_char = std::max<size_t>(1, (n + kPerLine * kMaxLines - 1) / (kPerLine * kMaxLines));
  fmt::print(out, "pool {}: {} blocks, {} in use, {} constant", name, n, used, consts);
  // The same spelling as the .pool directive, so the layout reads back.
  if (!pool.fields.empty()) fmt::print(out, "; fields={}", fmt::join(pool.fields, ","));
  fmt::print(out, "\n");
  if (per_char > 1)
    fmt::print(out, "  (scaled: each character stands for {} blocks; . free, 1-9 tenths in use, # all in use, c constants only)\n",
               per_char);
  std::string line;
  size_t folded = 0;
  auto flush_folded = [&] {
    if (folded != 0) fmt::print(out, "  ({} lines all free)\n", folded);
    folded = 0;
  };
  for (size_t start = 0; start < n; start += kPerLine * per_char) {
    line.clear();
    for (size_t c = 0; c < kPerLine; ++c) {
      size_t lo = start + c * per_char;
      if (lo >= n) break;
      size_t hi = std::min(n, lo + per_char), u = 0, k = 0;
      for (size_t b = lo; b < hi; ++b) {
        u += blocks[b] == BlockState::Used;
        k += blocks[b] == BlockState::Constant;
      }
      line += per_char == 1 ? (u ? '#' : k ? 'c' : '.') : fullness(u, k, hi - lo);
    }
    if (line.find_first_not_of('.') == std::string::npos && start != 0) {
      ++folded;
      continue;
    }
    flush_folded();
    fmt::print(out, "  {:>8}: {}\n", start, line);
  }
  flush_folded();
}

}  // namespace

void Tracer::finish(const Vm& vm) {
  State& s = *s_;
  std::vector<PoolStatistics> stats = vm.pool_statistics();
  if (s.opt.summary) {
    print_summary(s.opt.out, stats);
    // Leaks: blocks still live that the program allocated, by allocation site.
    std::map<std::pair<uint32_t, uint32_t>, uint32_t> by_site;  // (site, pool) -> blocks
    for (const auto& [key, site] : s.live) ++by_site[{site, static_cast<uint32_t>(key >> 32)}];
    if (by_site.empty()) {
      fmt::print(s.opt.out, "leaks: none\n");
    } else {
      size_t total = 0;
      for (const auto& [k, n] : by_site) total += n;
      fmt::print(s.opt.out, "leaks: {} block{} still in use\n", total, total == 1 ? "" : "s");
      std::vector<std::pair<std::pair<uint32_t, uint32_t>, uint32_t>> rows(by_site.begin(), by_site.end());
      std::stable_sort(rows.begin(), rows.end(), [&](const auto& a, const auto& b) {
        const Site& sa = s.sites[a.first.first];
        const Site& sb = s.sites[b.first.first];
        return std::tie(sa.line, a.first.second) < std::tie(sb.line, b.first.second);
      });
      std::string file = vm.source_name();
      for (const auto& [k, n] : rows) {
        const Site& site = s.sites[k.first];
        std::string pool = k.second < s.pool_names.size() ? s.pool_names[k.second] : "?";
        std::string where = site.line != 0 ? fmt::format("{}:{}", file, site.line) : file;
        fmt::print(s.opt.out, "  {} {} block{} allocated at {} ({})\n", n, pool, n == 1 ? "" : "s",
                   site.function, where);
      }
    }
  }
  if (s.opt.map)
    for (size_t i = 0; i < stats.size(); ++i) print_map(s.opt.out, stats[i], vm.block_states(i));
  s.close_json();
  std::fflush(s.opt.out);
}

}  // namespace poolvm
