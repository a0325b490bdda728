// vm/observe.cpp — turns the traced loop's hooks into the public Observer
// events: names, lines and printed values are worked out here, off the hot path.
#include "compiler/disassembler.h"
#include "vm/machine.h"

namespace poolvm {

namespace {
// Source line of the instruction at pc (0 when there is none: a run's first frame).
uint32_t line_of(const Module& m, const Instr* pc) {
  return pc == nullptr ? 0 : m.line_at(static_cast<uint32_t>(pc - m.code.data()));
}
}  // namespace

void Machine::trace_pool(PoolEventKind kind, uint16_t pool, uint32_t block, const Instr* pc,
                         const FrameHeader* frame, uint64_t step) {
  const Pool& p = (*pools)[pool];
  uint32_t line = pc == nullptr ? module.functions[frame->func].line : line_of(module, pc);
  PoolEvent e{kind, step, pool, p.name(), kind == PoolEventKind::AllocFailed ? Pool::kNoBlock : block,
              p.stats().in_use, p.capacity(), module.functions[frame->func].name, line};
  observer->on_pool_event(e);
}

void Machine::trace_string(PoolEventKind kind, uint32_t first, const Instr* pc, const FrameHeader* frame,
                           uint64_t step) {
  Pool& p = (*pools)[kStrPool];
  if (kind == PoolEventKind::AllocFailed) {
    trace_pool(kind, kStrPool, first, pc, frame, step);
    return;
  }
  // Alloc events come after the whole chain was taken, Free events before it
  // is given back; report the in-use count each single block would have made.
  uint32_t n = 0;
  for (uint32_t b = first; b != Pool::kNoBlock; b = reinterpret_cast<const StrBlockHeader*>(p.block(b))->next) ++n;
  uint32_t in_use = p.stats().in_use;
  uint32_t i = 0;
  for (uint32_t b = first; b != Pool::kNoBlock; b = reinterpret_cast<const StrBlockHeader*>(p.block(b))->next, ++i) {
    uint32_t shown = kind == PoolEventKind::Alloc ? in_use - (n - 1 - i) : in_use - (i + 1);
    PoolEvent e{kind, step, kStrPool, p.name(), b, shown, p.capacity(),
                module.functions[frame->func].name, line_of(module, pc)};
    observer->on_pool_event(e);
  }
}

void Machine::trace_call(bool enter, uint32_t func, uint64_t step) {
  observer->on_call(CallEvent{enter, step, module.functions[func].name});
}

void Machine::trace_co(CoroutineEvent::Kind kind, uint32_t block, const Instr* pc, const FrameHeader* frame,
                       uint64_t step) {
  std::string_view where = frame != nullptr ? std::string_view(module.functions[frame->func].name) : std::string_view();
  observer->on_coroutine(CoroutineEvent{kind, step, block, where, line_of(module, pc)});
}

void Machine::trace_exec(const Instr* pc, const FrameHeader* frame, const Value* sp, uint64_t step) {
  constexpr ptrdiff_t kShown = 4;
  constexpr size_t kWidth = 24;
  uint32_t at = static_cast<uint32_t>(pc - module.code.data());
  const Function& f = module.functions[frame->func];
  std::string text = format_instruction(module, at);
  trace_scratch.clear();
  ptrdiff_t height = sp - frame->base;
  if (height > kShown) fmt::format_to(std::back_inserter(trace_scratch), "... ");
  for (const Value* v = sp - std::min(height, kShown); v < sp; ++v) {
    size_t mark = trace_scratch.size();
    if (auto fault = append_printed(*v, trace_scratch))
      fmt::format_to(std::back_inserter(trace_scratch), "<freed {}>", block_name(*v));
    if (trace_scratch.size() - mark > kWidth) {
      trace_scratch.resize(mark + kWidth - 3);
      fmt::format_to(std::back_inserter(trace_scratch), "...");
    }
    if (v + 1 < sp) trace_scratch.push_back(' ');
  }
  InstructionEvent e{step, f.name, at - f.start, module.line_at(at), text,
                     std::string_view(trace_scratch.data(), trace_scratch.size())};
  observer->on_instruction(e);
}

}  // namespace poolvm
