// Large buffers in memory advised for transparent huge pages.
//
// Why: on this project's (virtualized) machines a page fault is expensive,
// and fresh heap is faulted in one 4 KiB page at a time. `load` of 200k
// sessions took 186,000 faults, ~15% of its CPU, nearly all in a few large
// buffers (the counters' hash tables as they grow, the sorted runs' blocks);
// with those on huge pages, one fault maps 2 MiB (docs/PERFORMANCE.md,
// "Bulk load"). The advice is scoped to each mapping: nothing process-wide
// changes, so an embedding program's own memory is untouched.
#ifndef SESSIONDB_STORAGE_HUGE_PAGE_MEMORY_H_
#define SESSIONDB_STORAGE_HUGE_PAGE_MEMORY_H_

#include <cstddef>
#include <memory>
#include <new>

namespace sessiondb {

// The size of a (transparent) huge page, and the alignment of every mapping.
inline constexpr size_t kHugePageBytes = size_t{2} << 20;

// MapHugePages returns `bytes` (rounded up to a multiple of kHugePageBytes)
// of zeroed memory aligned to kHugePageBytes and advised for huge pages
// (MADV_HUGEPAGE: the kernel may still map small pages), or nullptr when the
// mapping fails. `noreserve` maps without reserving swap, for address space
// reserved ahead of use.
void* MapHugePages(size_t bytes, bool noreserve = false);

// UnmapHugePages returns what MapHugePages(bytes) mapped to the OS.
void UnmapHugePages(void* p, size_t bytes);

// Under AddressSanitizer the buffers below come from the heap instead, so
// that its checks (overflow, use after free, leaks) cover the code that
// fills them; mapped memory is invisible to it.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kLargeBuffersOnHeap = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kLargeBuffersOnHeap = true;
#else
inline constexpr bool kLargeBuffersOnHeap = false;
#endif
#else
inline constexpr bool kLargeBuffersOnHeap = false;
#endif

// AllocateLargeBuffer is MapHugePages(bytes), or operator new under
// AddressSanitizer; nullptr on failure. FreeLargeBuffer frees it.
void* AllocateLargeBuffer(size_t bytes);
void FreeLargeBuffer(void* p, size_t bytes);

// HugePageBuffer owns AllocateLargeBuffer(size) bytes. Move-only.
class HugePageBuffer {
 public:
  // Throws std::bad_alloc when the memory cannot be mapped, as new would.
  explicit HugePageBuffer(size_t size)
      : data_(static_cast<char*>(AllocateLargeBuffer(size))), size_(size) {
    if (data_ == nullptr) throw std::bad_alloc();
  }
  HugePageBuffer(HugePageBuffer&& other) noexcept
      : data_(other.data_), size_(other.size_) {
    other.data_ = nullptr;
  }
  HugePageBuffer& operator=(HugePageBuffer&& other) noexcept {
    if (this != &other) {
      FreeLargeBuffer(data_, size_);
      data_ = other.data_;
      size_ = other.size_;
      other.data_ = nullptr;
    }
    return *this;
  }
  ~HugePageBuffer() { FreeLargeBuffer(data_, size_); }

  char* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  char* data_;
  size_t size_;
};

// HugePageAllocator is a standard allocator that maps allocations of at
// least kMinBytes with AllocateLargeBuffer and leaves smaller ones to
// std::allocator. For containers that grow to many megabytes.
template <typename T>
class HugePageAllocator {
 public:
  using value_type = T;
  static constexpr size_t kMinBytes = size_t{1} << 20;

  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) {}  // NOLINT: rebinding

  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kMinBytes) return std::allocator<T>().allocate(n);
    void* p = AllocateLargeBuffer(bytes);
    if (p == nullptr) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kMinBytes) {
      std::allocator<T>().deallocate(p, n);
    } else {
      FreeLargeBuffer(p, bytes);
    }
  }

  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const {
    return true;
  }
  template <typename U>
  bool operator!=(const HugePageAllocator<U>&) const {
    return false;
  }
};

}  // namespace sessiondb

#endif  // SESSIONDB_STORAGE_HUGE_PAGE_MEMORY_H_
