// vm/interpreter_counted.cpp — the step-counting instantiation of the
// dispatch loop (runs with a step budget), alone in this translation unit so
// that it can be compiled without -fgcse (see execute_counted in
// vm/interpreter.cpp and vm/CMakeLists.txt). Everything else in
// interpreter.cpp is compiled there, once.
#define POOLVM_COUNTED_LOOP_TU 1
#include "vm/interpreter.cpp"
