// compiler/diagnostic.cpp — owns the clang-style rendering of diagnostics:
// location, message, the quoted source line and a caret under the column.
#include "compiler/diagnostic.h"

#include <algorithm>
#include <fmt/format.h>

namespace poolvm {

namespace {

// Line `n` (1-based) of `source` without its newline (or '\r'), if it exists.
bool source_line(std::string_view source, uint32_t n, std::string_view& out) {
  size_t start = 0;
  for (uint32_t i = 1; i < n; ++i) {
    size_t nl = source.find('\n', start);
    if (nl == std::string_view::npos) return false;
    start = nl + 1;
  }
  if (start >= source.size() && (n > 1 || source.empty())) return false;  // past the end
  size_t end = source.find('\n', start);
  out = source.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
  if (!out.empty() && out.back() == '\r') out.remove_suffix(1);
  return true;
}

bool is_control(unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; }
bool is_utf8_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

}  // namespace

std::string render_diagnostic(const Diagnostic& d, std::string_view source) {
  std::string out = d.file;
  if (d.line != 0) {
    out += fmt::format(":{}", d.line);
    if (d.column != 0) out += fmt::format(":{}", d.column);
  }
  out += out.empty() ? "error: " : ": error: ";
  out += d.message;
  out += '\n';

  std::string_view text;
  if (d.line == 0 || d.column == 0 || !source_line(source, d.line, text)) return out;

  // Control bytes would garble the terminal; a space keeps every column in place.
  std::string shown(text);
  for (char& c : shown)
    if (is_control(static_cast<unsigned char>(c))) c = ' ';
  std::string number = fmt::format("{}", d.line);
  size_t width = std::max<size_t>(5, number.size());
  out += fmt::format("{:>{}} | {}\n", number, width, shown);

  // Tabs are copied so the caret lines up whatever the tab width; UTF-8
  // continuation bytes take no column on the terminal.
  size_t column = std::min<size_t>(d.column, text.size() + 1);
  std::string pad;
  for (size_t i = 0; i + 1 < column; ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '\t') pad += '\t';
    else if (!is_utf8_continuation(c)) pad += ' ';
  }
  size_t rest = text.size() + 1 - column;  // columns left from the caret to the line end
  size_t tildes = std::min<size_t>(d.length == 0 ? 0 : d.length - 1, rest > 0 ? rest - 1 : 0);
  out += fmt::format("{:>{}} | {}^{}\n", "", width, pad, std::string(tildes, '~'));
  return out;
}

void add_columns(std::vector<Diagnostic>& ds, std::string_view source) {
  auto blank = [](char c) { return c == ' ' || c == '\t'; };
  auto ident = [](char c) {
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  for (Diagnostic& d : ds) {
    std::string_view text;
    if (d.line == 0 || d.column != 0 || !source_line(source, d.line, text)) continue;
    size_t i = 0;
    while (i < text.size() && blank(text[i])) ++i;
    // A label may share the line with its instruction: the caret goes to the instruction.
    size_t j = i;
    while (j < text.size() && ident(text[j])) ++j;
    if (j > i && j < text.size() && text[j] == ':') {
      i = j + 1;
      while (i < text.size() && blank(text[i])) ++i;
    }
    size_t end = i;
    while (end < text.size() && !blank(text[end]) && text[end] != ';') ++end;
    if (end == i) continue;  // nothing to point at
    d.column = static_cast<uint32_t>(i + 1);
    d.length = static_cast<uint32_t>(end - i);
  }
}

std::string render_diagnostics(const std::vector<Diagnostic>& ds, std::string_view source,
                               size_t limit) {
  std::string out;
  size_t shown = std::min(limit, ds.size());
  for (size_t i = 0; i < shown; ++i) out += render_diagnostic(ds[i], source);
  if (size_t more = ds.size() - shown; more > 0)
    out += fmt::format("error: {} more error{} not shown\n", more, more == 1 ? "" : "s");
  return out;
}

}  // namespace poolvm
