// runtime/value.cpp — names of value types, for error messages.
#include "runtime/value.h"

namespace poolvm {

const char* tag_name(Tag t) {
  switch (t) {
    case Tag::Nil: return "nil";
    case Tag::Bool: return "bool";
    case Tag::Int: return "int";
    case Tag::Float: return "float";
    case Tag::Str: return "string";
    case Tag::Cons: return "cons";
    case Tag::Rec: return "record";
    case Tag::Co: return "coroutine";
  }
  return "?";
}

}  // namespace poolvm
