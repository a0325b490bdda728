// vm/output.h — the program's stdout: one growing buffer, flushed in large
// writes (never per line), at the end of a run, and before any error message
// so nothing printed is lost or reordered with it.
#pragma once

#include <cstdio>
#include <functional>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace poolvm {

class Output {
 public:
  explicit Output(std::function<void(std::string_view)> sink = {}) : sink_(std::move(sink)) {}
  ~Output() { flush(); }

  fmt::memory_buffer& buffer() { return buf_; }
  void maybe_flush() {
    if (buf_.size() >= kFlushAt) [[unlikely]] flush();
  }
  void flush() {
    if (buf_.size() == 0) return;
    if (sink_) {
      sink_(std::string_view(buf_.data(), buf_.size()));
    } else {
      std::fwrite(buf_.data(), 1, buf_.size(), stdout);
      std::fflush(stdout);
    }
    buf_.clear();
  }

 private:
  static constexpr size_t kFlushAt = 1 << 16;
  std::function<void(std::string_view)> sink_;
  fmt::memory_buffer buf_;
};

}  // namespace poolvm
