#include "storage/block_allocator.h"

#include <sanitizer/asan_interface.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <vector>

#include "storage/huge_page_memory.h"

namespace sessiondb {
namespace {

// Every block carries a header before the pointer Allocate returns: its size
// class, and while the block is free the next block of its free list. 16
// bytes keep the returned pointer as aligned as malloc's.
constexpr size_t kHeader = 16;
struct Header {
  uint32_t size_class;
  char* next_free;
};
static_assert(sizeof(Header) <= kHeader);

// The region is populated, and its huge pages come, in steps of this.
constexpr size_t kStep = kHugePageBytes;

// ClassSizes are the slot sizes (header included): 1 KiB steps up to 64 KiB,
// where data blocks (16 KiB target) fall with at most 1 KiB lost, then steps
// of an eighth (index and filter blocks), up to 4 MiB.
const std::vector<size_t>& ClassSizes() {
  static const std::vector<size_t>* sizes = [] {
    auto* v = new std::vector<size_t>;
    for (size_t s = 1 << 10; s <= (size_t{64} << 10); s += 1 << 10) {
      v->push_back(s);
    }
    for (size_t s = v->back(); s < (size_t{4} << 20);) {
      s += (s / 8 + 4095) / 4096 * 4096;
      v->push_back(s);
    }
    return v;
  }();
  return *sizes;
}

class BlockAllocator : public rocksdb::MemoryAllocator {
 public:
  explicit BlockAllocator(size_t capacity)
      : free_(ClassSizes().size(), nullptr) {
    // Under the lock so that ThreadSanitizer orders these writes before any
    // use on RocksDB's threads (every method locks mu_ first).
    std::lock_guard<std::mutex> lock(mu_);
    const size_t size = capacity / kStep * kStep;
    if (size == 0) return;
    void* region = MapHugePages(size, /*noreserve=*/true);
    if (region == nullptr) return;  // Every block comes from malloc.
    base_ = static_cast<char*>(region);
    size_ = size;
    // Under AddressSanitizer a block is addressable only while it is
    // allocated, as a malloc'd one would be (no-ops otherwise).
    ASAN_POISON_MEMORY_REGION(base_, size_);
  }
  ~BlockAllocator() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (base_ == nullptr) return;
    // The address range goes back to the OS and may be mapped again (a
    // thread's stack, malloc's arenas): AddressSanitizer's shadow must not
    // call it poisoned then.
    ASAN_UNPOISON_MEMORY_REGION(base_, size_);
    UnmapHugePages(base_, size_);
  }

  const char* Name() const override { return "SessiondbBlockAllocator"; }

  void* Allocate(size_t size) override {
    const std::vector<size_t>& classes = ClassSizes();
    const size_t total = size + kHeader;
    if (total > classes.back()) return std::malloc(size);
    const uint32_t size_class = static_cast<uint32_t>(
        std::lower_bound(classes.begin(), classes.end(), total) -
        classes.begin());
    const size_t slot_size = classes[size_class];
    char* slot = nullptr;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (base_ == nullptr) {
        // No region: every block comes from malloc.
      } else if (free_[size_class] != nullptr) {
        slot = free_[size_class];
        ASAN_UNPOISON_MEMORY_REGION(slot, slot_size);
        free_[size_class] = reinterpret_cast<Header*>(slot)->next_free;
      } else if (slot_size <= size_ - used_) {
        slot = base_ + used_;
        used_ += slot_size;
        ASAN_UNPOISON_MEMORY_REGION(slot, slot_size);
        PopulateTo(used_);
      }
      if (slot != nullptr)
        reinterpret_cast<Header*>(slot)->size_class = size_class;
    }
    if (slot == nullptr) return std::malloc(size);  // The region is full.
    return slot + kHeader;
  }

  void Deallocate(void* p) override {
    std::unique_lock<std::mutex> lock(mu_);
    if (!InRegion(p)) {
      lock.unlock();
      std::free(p);
      return;
    }
    char* slot = static_cast<char*>(p) - kHeader;
    Header* header = reinterpret_cast<Header*>(slot);
    uint32_t size_class = header->size_class;
    header->next_free = free_[size_class];
    free_[size_class] = slot;
    // Poisoned under the lock: once it is released the slot may be handed
    // out (and unpoisoned) again.
    ASAN_POISON_MEMORY_REGION(slot, ClassSizes()[size_class]);
  }

  size_t UsableSize(void* p, size_t allocation_size) const override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!InRegion(p)) return allocation_size;
    const char* slot = static_cast<const char*>(p) - kHeader;
    return ClassSizes()[reinterpret_cast<const Header*>(slot)->size_class] -
           kHeader;
  }

 private:
  // REQUIRES: mu_ held.
  bool InRegion(const void* p) const {
    const char* c = static_cast<const char*>(p);
    return base_ != nullptr && c >= base_ && c < base_ + size_;
  }

  // PopulateTo faults in the region up to `end` a step at a time: one call
  // per 2 MiB (one huge page where the kernel has them) instead of a fault
  // per 4 KiB page on first touch. Where MADV_POPULATE_WRITE is missing
  // (Linux < 5.14) the pages are faulted on first touch as before.
  // REQUIRES: mu_ held.
  void PopulateTo(size_t end) {
    while (populated_ < end) {
#ifdef MADV_POPULATE_WRITE
      madvise(base_ + populated_, kStep, MADV_POPULATE_WRITE);
#endif
      populated_ += kStep;
    }
  }

  char* base_ = nullptr;
  size_t size_ = 0;

  // A std::mutex, not absl::Mutex: Debian's libabsl is not built for
  // ThreadSanitizer, which then sees no ordering through an absl::Mutex
  // (tests/tsan_suppressions.txt); through std::mutex it checks this class.
  mutable std::mutex mu_;
  // Guarded by mu_ (the region's bounds too: set under it, read under it):
  size_t used_ = 0;
  size_t populated_ = 0;
  std::vector<char*> free_;
};

}  // namespace

std::shared_ptr<rocksdb::MemoryAllocator> NewBlockAllocator(size_t capacity) {
  return std::make_shared<BlockAllocator>(capacity);
}

}  // namespace sessiondb
