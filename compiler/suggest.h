// compiler/suggest.h — "did you mean ...?" for misspelt names in diagnostics.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace poolvm {

// Optimal-string-alignment distance (Levenshtein plus adjacent transposition).
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word`, or "" when none is close enough: at most 2
// edits and fewer edits than `word` has characters, so "x" never suggests "y".
// Ties go to the earlier candidate; a case-only difference always wins.
std::string_view closest_name(std::string_view word, const std::vector<std::string_view>& candidates);

// " (did you mean 'NAME'?)" or "", ready to append to a message.
std::string did_you_mean(std::string_view word, const std::vector<std::string_view>& candidates);

}  // namespace poolvm
