// compiler/pbc.h — the .pbc binary module format: writing, and a reader that
// trusts no byte (docs/pbc-format.md documents the layout byte by byte).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "compiler/diagnostic.h"
#include "compiler/module.h"

namespace poolvm {

inline constexpr unsigned char kPbcMagic[4] = {'P', 'V', 'M', 0x1a};
// The one format version this poolvm reads and writes; any other is refused
// with a message naming both (docs/pbc-format.md lists what each changed).
// 2: opcodes are the table's pinned numbers; a stripped file has no source
// name; a symbols section (field names, named constants) may follow the labels.
inline constexpr uint16_t kPbcVersion = 2;

// True when the bytes start with the .pbc magic: how `run` tells .pbc from .pasm.
bool is_pbc(std::span<const std::byte> bytes);

// strip: leave out line information and local and label names (function
// names stay: calls by name and backtraces need them).
std::vector<std::byte> write_pbc(const Module& m, bool strip);

struct PbcResult {
  std::optional<Module> module;
  std::vector<Diagnostic> diagnostics;
};

// Decodes without verifying (run verify() on the module next). Every read is
// bounds-checked and every count checked against the bytes left before
// anything is allocated, so no input can crash it or make it reserve more
// memory than a small multiple of its own size.
PbcResult read_pbc(std::span<const std::byte> bytes, std::string_view file_name);

}  // namespace poolvm
