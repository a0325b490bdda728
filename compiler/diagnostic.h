// compiler/diagnostic.h — errors found in a program before it runs: assembly
// errors (with a column and the source line) and verification errors.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace poolvm {

struct Diagnostic {
  std::string file;
  uint32_t line = 0;    // 0: no line known (e.g. a stripped .pbc)
  uint32_t column = 0;  // 1-based; 0: no column
  uint32_t length = 1;  // characters to underline from column
  std::string message;
};

// Renders like clang:
//   FILE:LINE:COL: error: MESSAGE
//      LINE |     source text
//           |     ^~~
// `source` is the whole program text (may be empty: then no quote is shown).
std::string render_diagnostic(const Diagnostic& d, std::string_view source);

// Diagnostics that know their line but not their column (the verifier's:
// the module keeps lines, not columns) get the column and length of the
// line's instruction or directive, after any label, so they render quoted
// with a caret like assembly errors. `source` is the program text.
void add_columns(std::vector<Diagnostic>& ds, std::string_view source);

// Renders all of them, at most `limit`, then "N more errors not shown".
std::string render_diagnostics(const std::vector<Diagnostic>& ds, std::string_view source,
                               size_t limit = 20);

}  // namespace poolvm
