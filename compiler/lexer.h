// compiler/lexer.h — the .pasm line lexer and literal parsing. The language
// is line-oriented (one instruction or directive per line), so the lexer
// works one line at a time; that is also what lets the assembler recover at
// the next line after an error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace poolvm {

struct Token {
  enum class Kind : uint8_t {
    Word,    // a run of anything but blanks, ';', '"', ':' and '='
    String,  // "..." with escapes already decoded into `value`
    Colon,
    Equals,
  } kind = Kind::Word;
  std::string_view text;  // the source text (a string: quotes included)
  uint32_t column = 1;    // 1-based byte column in the line
  std::string value;      // String: the decoded bytes
};

struct LexError {
  uint32_t column = 1;
  uint32_t length = 1;
  std::string message;
};

// Splits one line (no '\n') into tokens, dropping a trailing ';' comment.
// On a malformed string returns the error instead; `tokens` is then partial.
std::optional<LexError> lex_line(std::string_view line, std::vector<Token>& tokens);

// [A-Za-z_][A-Za-z0-9_]*
bool is_identifier(std::string_view s);

// Whether a word is meant as a number (so a bad one is reported as a bad
// number rather than as an unknown name): a digit, '.' then a digit, or a sign
// then a digit or '.'.
bool looks_numeric(std::string_view s);

enum class NumberError : uint8_t { None, Invalid, IntRange, FloatRange };

struct Number {
  bool is_float = false;
  int64_t i = 0;
  double f = 0;
};

// Decimal or 0x-hex int with an optional '-', or a float: digits with a '.'
// and/or an exponent, or inf / -inf / nan / -nan.
NumberError parse_number(std::string_view s, Number& out);

// A word quoted for a message: control and non-ASCII bytes escaped as \xHH,
// long words cut with "...", so a fuzzed line cannot flood the terminal.
std::string quote_word(std::string_view s);

}  // namespace poolvm
