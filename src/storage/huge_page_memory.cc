#include "storage/huge_page_memory.h"

#include <sys/mman.h>

#include <cstdint>
#include <new>

namespace sessiondb {
namespace {

size_t RoundUp(size_t bytes) {
  return (bytes + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
}

}  // namespace

void* MapHugePages(size_t bytes, bool noreserve) {
  const size_t size = RoundUp(bytes);
  if (size == 0 || size < bytes || size > SIZE_MAX - kHugePageBytes) {
    return nullptr;  // nothing, or so much that the sizes wrap
  }
  // Map one huge page more, then unmap the unaligned head and the tail.
  const size_t raw_size = size + kHugePageBytes;
  void* raw = mmap(
      nullptr, raw_size, PROT_READ | PROT_WRITE,
      MAP_PRIVATE | MAP_ANONYMOUS | (noreserve ? MAP_NORESERVE : 0), -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  char* const begin = static_cast<char*>(raw);
  char* const aligned =
      reinterpret_cast<char*>(RoundUp(reinterpret_cast<uintptr_t>(begin)));
  if (aligned > begin) munmap(begin, aligned - begin);
  char* const end = begin + raw_size;
  if (end > aligned + size) munmap(aligned + size, end - (aligned + size));
#ifdef MADV_HUGEPAGE
  madvise(aligned, size, MADV_HUGEPAGE);  // Advice: failure is harmless.
#endif
  return aligned;
}

void UnmapHugePages(void* p, size_t bytes) {
  if (p != nullptr) munmap(p, RoundUp(bytes));
}

void* AllocateLargeBuffer(size_t bytes) {
  if (kLargeBuffersOnHeap) return ::operator new(bytes, std::nothrow);
  return MapHugePages(bytes);
}

void FreeLargeBuffer(void* p, size_t bytes) {
  if (kLargeBuffersOnHeap) {
    ::operator delete(p);
  } else {
    UnmapHugePages(p, bytes);
  }
}

}  // namespace sessiondb
