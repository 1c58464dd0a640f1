#include "storage/huge_page_memory.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "gtest/gtest.h"

namespace sessiondb {
namespace {

constexpr size_t kMiB = size_t{1} << 20;

bool IsHugePageAligned(const void* p) {
  return reinterpret_cast<uintptr_t>(p) % kHugePageBytes == 0;
}

TEST(HugePageMemoryTest, MappingsAreAlignedZeroedAndWritableToTheRoundedSize) {
  for (size_t bytes : {size_t{1}, kHugePageBytes, 3 * kMiB, 5 * kMiB + 1}) {
    char* p = static_cast<char*>(MapHugePages(bytes));
    ASSERT_NE(p, nullptr) << bytes;
    EXPECT_TRUE(IsHugePageAligned(p)) << bytes;
    const size_t rounded =
        (bytes + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
    for (size_t i = 0; i < rounded; i += 4096) {
      ASSERT_EQ(p[i], 0) << bytes << " at " << i;
    }
    EXPECT_EQ(p[rounded - 1], 0);
    std::memset(p, 0x5a, rounded);  // the whole rounded size is ours
    EXPECT_EQ(static_cast<unsigned char>(p[rounded - 1]), 0x5a);
    UnmapHugePages(p, bytes);
  }
}

TEST(HugePageMemoryTest, AbsurdSizesFailInsteadOfWrapping) {
  EXPECT_EQ(MapHugePages(SIZE_MAX), nullptr);
  EXPECT_EQ(MapHugePages(SIZE_MAX - kHugePageBytes), nullptr);
}

TEST(HugePageMemoryTest, BufferMovesOwnership) {
  HugePageBuffer a(3 * kMiB);
  ASSERT_NE(a.data(), nullptr);
  a.data()[3 * kMiB - 1] = 'x';
  char* const data = a.data();
  HugePageBuffer b(std::move(a));
  EXPECT_EQ(b.data(), data);
  EXPECT_EQ(b.size(), 3 * kMiB);
  EXPECT_EQ(b.data()[3 * kMiB - 1], 'x');
  HugePageBuffer c(kMiB);
  c = std::move(b);  // c's own mapping is released, b's taken
  EXPECT_EQ(c.data(), data);
  EXPECT_EQ(c.data()[3 * kMiB - 1], 'x');
}

TEST(HugePageMemoryTest, VectorKeepsItsElementsAsItGrowsOntoHugePages) {
  std::vector<uint64_t, HugePageAllocator<uint64_t>> v;
  constexpr uint64_t kN = 1 << 20;  // 8 MiB: past kMinBytes
  for (uint64_t i = 0; i < kN; ++i) v.push_back(i * 2654435761u);
  if (!kLargeBuffersOnHeap) {
    EXPECT_TRUE(IsHugePageAligned(v.data()));
  }
  for (uint64_t i = 0; i < kN; ++i) ASSERT_EQ(v[i], i * 2654435761u) << i;
  v.clear();
  v.shrink_to_fit();
  v.push_back(7);  // small again: from std::allocator
  EXPECT_EQ(v[0], 7u);
}

TEST(HugePageMemoryTest, HashMapFindsEveryKeyAfterRehashing) {
  absl::flat_hash_map<std::string, int64_t, absl::Hash<std::string>,
                      std::equal_to<std::string>,
                      HugePageAllocator<std::pair<const std::string, int64_t>>>
      map;
  constexpr int kN = 200'000;
  for (int i = 0; i < kN; ++i) map[std::to_string(i) + "-key"] += i;
  ASSERT_EQ(map.size(), static_cast<size_t>(kN));
  for (int i = 0; i < kN; ++i) {
    auto it = map.find(std::to_string(i) + "-key");
    ASSERT_NE(it, map.end()) << i;
    ASSERT_EQ(it->second, i);
  }
  const size_t n = map.size();
  map.clear();
  map.reserve(n);
  EXPECT_TRUE(map.empty());
  map["again"] = 1;
  EXPECT_EQ(map.at("again"), 1);
}

}  // namespace
}  // namespace sessiondb
