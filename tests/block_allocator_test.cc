#include "storage/block_allocator.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace sessiondb {
namespace {

constexpr size_t kMiB = size_t{1} << 20;

TEST(BlockAllocatorTest, BlocksAreWritableAlignedAndDistinct) {
  auto allocator = NewBlockAllocator(8 * kMiB);
  std::vector<std::pair<char*, size_t>> blocks;
  for (size_t size : {1, 15, 16, 1000, 4096, 16 * 1024, 17000, 70000, 300000,
                      5 * 1024 * 1024}) {
    char* p = static_cast<char*>(allocator->Allocate(size));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 16, 0u) << size;
    EXPECT_GE(allocator->UsableSize(p, size), size);
    std::memset(p, static_cast<int>(size & 0xff), size);
    blocks.emplace_back(p, size);
  }
  for (auto [p, size] : blocks) {
    for (size_t i = 0; i < size; i += 997) {
      ASSERT_EQ(static_cast<unsigned char>(p[i]), size & 0xff) << size;
    }
    allocator->Deallocate(p);
  }
}

// Under AddressSanitizer the region is poisoned while its blocks are free;
// once the allocator is gone its addresses are the OS's again, and whatever
// is mapped there next (a thread stack, a malloc arena) must be usable. This
// maps the region's first page again and writes to it: with the poison left
// behind, ASan reports use-after-poison here.
TEST(BlockAllocatorTest, TheRegionIsUsableMemoryAgainAfterDestruction) {
  auto allocator = NewBlockAllocator(8 * kMiB);
  char* block = static_cast<char*>(allocator->Allocate(1000));
  ASSERT_NE(block, nullptr);
  const long page_size = sysconf(_SC_PAGESIZE);
  char* page = reinterpret_cast<char*>(reinterpret_cast<uintptr_t>(block) /
                                       page_size * page_size);
  allocator->Deallocate(block);
  allocator.reset();
  void* again = mmap(page, page_size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (again == MAP_FAILED) GTEST_SKIP() << "the address was taken meanwhile";
  ASSERT_EQ(again, page);
  std::memset(page, 0x5a, page_size);
  EXPECT_EQ(page[page_size - 1], 0x5a);
  munmap(page, page_size);
}

TEST(BlockAllocatorTest, FreedBlocksAreReused) {
  auto allocator = NewBlockAllocator(8 * kMiB);
  void* a = allocator->Allocate(16 * 1024);
  allocator->Deallocate(a);
  void* b = allocator->Allocate(16 * 1024 - 8);  // The same size class.
  EXPECT_EQ(a, b);
  allocator->Deallocate(b);
}

TEST(BlockAllocatorTest, FullRegionFallsBackToMalloc) {
  // A 2 MiB region holds 120 slots of 17 KiB (16 KiB and the header).
  auto allocator = NewBlockAllocator(2 * kMiB);
  std::vector<char*> blocks;
  for (int i = 0; i < 300; ++i) {
    char* p = static_cast<char*>(allocator->Allocate(16 * 1024));
    ASSERT_NE(p, nullptr);
    std::memset(p, i, 16 * 1024);
    blocks.push_back(p);
  }
  for (int i = 0; i < 300; ++i) {
    ASSERT_EQ(blocks[i][16 * 1024 - 1], static_cast<char>(i));
    allocator->Deallocate(blocks[i]);
  }
}

TEST(BlockAllocatorTest, CapacityBelowOneStepUsesMalloc) {
  auto allocator = NewBlockAllocator(64 * 1024);
  void* p = allocator->Allocate(1000);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(allocator->UsableSize(p, 1000), 1000u);
  allocator->Deallocate(p);
}

TEST(BlockAllocatorTest, ConcurrentAllocateAndFree) {
  auto allocator = NewBlockAllocator(16 * kMiB);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&allocator, t] {
      std::mt19937 rng(t);
      std::vector<std::pair<char*, size_t>> live;
      for (int i = 0; i < 20000; ++i) {
        if (live.size() > 64 || (!live.empty() && rng() % 2 == 0)) {
          size_t k = rng() % live.size();
          auto [p, size] = live[k];
          ASSERT_EQ(p[0], static_cast<char>(t));
          ASSERT_EQ(p[size - 1], static_cast<char>(t));
          allocator->Deallocate(p);
          live[k] = live.back();
          live.pop_back();
        } else {
          size_t size = 1 + rng() % (40 * 1024);
          char* p = static_cast<char*>(allocator->Allocate(size));
          ASSERT_NE(p, nullptr);
          p[0] = p[size - 1] = static_cast<char>(t);
          live.emplace_back(p, size);
        }
      }
      for (auto [p, size] : live) allocator->Deallocate(p);
    });
  }
  for (std::thread& thread : threads) thread.join();
}

}  // namespace
}  // namespace sessiondb
