// compiler/lexer.cpp — owns the .pasm line lexer, string escapes and number
// literals (ints, hex, floats), all without exceptions: it is fed fuzzed text.
#include "compiler/lexer.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fmt/format.h>
#include <limits>

namespace poolvm {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

uint32_t col(size_t index) { return static_cast<uint32_t>(index + 1); }

// Decodes the string starting at line[start] == '"'; `end` gets the index past
// the closing quote.
std::optional<LexError> lex_string(std::string_view line, size_t start, size_t& end,
                                   std::string& value) {
  size_t i = start + 1;
  while (i < line.size()) {
    char c = line[i];
    if (c == '"') {
      end = i + 1;
      return std::nullopt;
    }
    if (c != '\\') {
      value.push_back(c);
      ++i;
      continue;
    }
    if (i + 1 >= line.size()) break;  // a backslash at the end of the line: unterminated
    char e = line[i + 1];
    switch (e) {
      case 'n': value.push_back('\n'); break;
      case 't': value.push_back('\t'); break;
      case 'r': value.push_back('\r'); break;
      case '\\': value.push_back('\\'); break;
      case '"': value.push_back('"'); break;
      case '0': value.push_back('\0'); break;
      case 'x': {
        int hi = i + 2 < line.size() ? hex_value(line[i + 2]) : -1;
        int lo = i + 3 < line.size() ? hex_value(line[i + 3]) : -1;
        if (hi < 0 || lo < 0) {
          uint32_t len = 2 + (hi >= 0 ? 1 : 0);
          return LexError{col(i), len, "bad escape: '\\x' takes exactly two hex digits"};
        }
        value.push_back(static_cast<char>(hi * 16 + lo));
        i += 4;
        continue;
      }
      default:
        return LexError{col(i), 2,
                        fmt::format("bad escape {} in string (known: \\n \\t \\r \\\\ \\\" \\0 \\xHH)",
                                    quote_word(line.substr(i, 2)))};
    }
    i += 2;
  }
  return LexError{col(start), 1, "unterminated string: missing closing '\"'"};
}

}  // namespace

std::optional<LexError> lex_line(std::string_view line, std::vector<Token>& tokens) {
  tokens.clear();
  size_t i = 0;
  while (i < line.size()) {
    char c = line[i];
    if (is_blank(c)) {
      ++i;
      continue;
    }
    if (c == ';') break;
    Token t;
    t.column = col(i);
    if (c == '"') {
      size_t end = i;
      if (auto err = lex_string(line, i, end, t.value)) return err;
      t.kind = Token::Kind::String;
      t.text = line.substr(i, end - i);
      i = end;
    } else if (c == ':' || c == '=') {
      t.kind = c == ':' ? Token::Kind::Colon : Token::Kind::Equals;
      t.text = line.substr(i, 1);
      ++i;
    } else {
      size_t start = i;
      while (i < line.size() && !is_blank(line[i]) && line[i] != ';' && line[i] != '"' &&
             line[i] != ':' && line[i] != '=')
        ++i;
      t.kind = Token::Kind::Word;
      t.text = line.substr(start, i - start);
    }
    tokens.push_back(std::move(t));
  }
  return std::nullopt;
}

bool is_identifier(std::string_view s) {
  if (s.empty() || !is_alpha(s[0])) return false;
  for (char c : s)
    if (!is_alpha(c) && !is_digit(c)) return false;
  return true;
}

bool looks_numeric(std::string_view s) {
  if (s.empty()) return false;
  if (is_digit(s[0])) return true;
  if (s[0] == '.') return s.size() > 1 && is_digit(s[1]);
  return (s[0] == '-' || s[0] == '+') && s.size() > 1 && (is_digit(s[1]) || s[1] == '.');
}

NumberError parse_number(std::string_view s, Number& out) {
  out = Number{};
  bool neg = !s.empty() && s[0] == '-';
  std::string_view body = neg ? s.substr(1) : s;
  if (body == "inf" || body == "nan") {
    out.is_float = true;
    out.f = body == "inf" ? std::numeric_limits<double>::infinity()
                          : std::numeric_limits<double>::quiet_NaN();
    if (neg) out.f = -out.f;
    return NumberError::None;
  }
  if (body.empty()) return NumberError::Invalid;

  // Magnitude limit: 2^63 when negative (INT64_MIN), 2^63-1 otherwise.
  const uint64_t limit = neg ? uint64_t{1} << 63 : static_cast<uint64_t>(INT64_MAX);
  auto finish_int = [&](uint64_t mag) {
    out.i = neg ? static_cast<int64_t>(0 - mag) : static_cast<int64_t>(mag);
    return NumberError::None;
  };

  if (body.size() > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X')) {
    uint64_t mag = 0;
    bool overflow = false;
    for (char c : body.substr(2)) {
      int d = hex_value(c);
      if (d < 0) return NumberError::Invalid;
      if (mag > (limit - static_cast<uint64_t>(d)) / 16) overflow = true;
      else mag = mag * 16 + static_cast<uint64_t>(d);
    }
    return overflow ? NumberError::IntRange : finish_int(mag);
  }

  // Validate the decimal grammar ourselves: from_chars would also take
  // forms the language does not have (hex floats, "infinity", "1e").
  size_t i = 0, n = body.size();
  size_t int_digits = 0, frac_digits = 0;
  while (i < n && is_digit(body[i])) ++i, ++int_digits;
  bool is_float = false;
  if (i < n && body[i] == '.') {
    is_float = true;
    ++i;
    while (i < n && is_digit(body[i])) ++i, ++frac_digits;
  }
  if (int_digits == 0 && frac_digits == 0) return NumberError::Invalid;
  if (i < n && (body[i] == 'e' || body[i] == 'E')) {
    is_float = true;
    ++i;
    if (i < n && (body[i] == '+' || body[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < n && is_digit(body[i])) ++i, ++exp_digits;
    if (exp_digits == 0) return NumberError::Invalid;
  }
  if (i != n) return NumberError::Invalid;

  if (!is_float) {
    uint64_t mag = 0;
    for (char c : body) {
      auto d = static_cast<uint64_t>(c - '0');
      if (mag > (limit - d) / 10) return NumberError::IntRange;
      mag = mag * 10 + d;
    }
    return finish_int(mag);
  }

  out.is_float = true;
  double v = 0;
  auto [ptr, ec] = std::from_chars(body.data(), body.data() + body.size(), v);
  if (ec == std::errc::result_out_of_range) {
    // from_chars reports underflow (denormals, tiny values) as out of range
    // too; those must read back, so let strtod tell overflow from underflow.
    std::string copy(body);
    v = std::strtod(copy.c_str(), nullptr);
    if (std::isinf(v)) return NumberError::FloatRange;
  } else if (ec != std::errc() || ptr != body.data() + body.size()) {
    return NumberError::Invalid;
  }
  out.f = neg ? -v : v;
  return NumberError::None;
}

std::string quote_word(std::string_view s) {
  constexpr size_t kMax = 40;
  std::string out = "'";
  size_t shown = 0;
  for (char ch : s) {
    if (shown == kMax) {
      out += "...";
      break;
    }
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7f) out += fmt::format("\\x{:02x}", c);
    else out.push_back(ch);
    ++shown;
  }
  out += "'";
  return out;
}

}  // namespace poolvm
