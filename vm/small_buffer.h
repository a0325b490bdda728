// vm/small_buffer.h — raw room for n values of a trivially destructible
// type: on the C++ stack when n is small (the common arities of calls and
// host functions, so the host boundary allocates nothing), on the heap
// otherwise. Elements are constructed by the caller (placement new), once.
#pragma once

#include <cstddef>
#include <memory>
#include <type_traits>

namespace poolvm {

template <class T, size_t kInline = 16>
class SmallBuffer {
  static_assert(std::is_trivially_destructible_v<T>, "elements are never destroyed");

 public:
  explicit SmallBuffer(size_t n) {
    if (n > kInline) {
      heap_ = std::make_unique_for_overwrite<unsigned char[]>(n * sizeof(T));
      data_ = heap_.get();
    }
  }
  SmallBuffer(const SmallBuffer&) = delete;
  SmallBuffer& operator=(const SmallBuffer&) = delete;
  T* data() { return reinterpret_cast<T*>(data_); }

 private:
  alignas(T) unsigned char inline_[kInline * sizeof(T)];
  std::unique_ptr<unsigned char[]> heap_;
  unsigned char* data_ = inline_;
};

}  // namespace poolvm
