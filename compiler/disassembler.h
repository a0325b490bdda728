// compiler/disassembler.h — a Module back to .pasm text that reassembles to
// the same module; also single instructions for traces.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "compiler/module.h"

namespace poolvm {

// The whole module as valid .pasm: named constants, pools (with their field
// names), globals, externs, functions with parameter and local names (or
// generated ones), labels (named, or L<pc>), and operands spelt as the source
// wrote them when the module kept how (`push LIMIT`, `getf body.mass`).
std::string disassemble(const Module& m);

// The same listing, annotated with the superinstructions the VM wrote over
// m.code in `run_code` (the code the plain loop runs; same indices): each
// fused instruction gets a comment naming the superinstruction and the
// sequence it covers, so the text still reassembles to m.
std::string disassemble_fused(const Module& m, std::span<const Instr> run_code);

// One instruction as source text, e.g. "load n", "push \"a\\n\"", "jz recur",
// "call fib", "pool_malloc node", "getf body.mass".
std::string format_instruction(const Module& m, uint32_t pc);

// A constant as a .pasm literal (strings quoted and escaped, floats that read back exactly).
std::string format_constant(const Constant& c);

}  // namespace poolvm
