#include "storage/sorted_run.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace sessiondb {
namespace {

class SortedRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "/sorted_run_test-" +
            std::to_string(getpid()) + ".run";
  }
  void TearDown() override { std::remove(path_.c_str()); }

  void Write(const std::vector<std::pair<std::string, std::string>>& entries) {
    SortedRunWriter writer(path_);
    ASSERT_TRUE(writer.Open().ok());
    for (const auto& [k, v] : entries) ASSERT_TRUE(writer.Add(k, v).ok());
    ASSERT_TRUE(writer.Finish().ok());
    EXPECT_EQ(writer.entries(), static_cast<int64_t>(entries.size()));
  }

  // ReadAll returns the entries and the reader's final status.
  std::pair<std::vector<std::pair<std::string, std::string>>, absl::Status>
  ReadAll() {
    std::vector<std::pair<std::string, std::string>> out;
    auto reader = SortedRunReader::Open(path_);
    if (!reader.ok()) return {out, reader.status()};
    for (; (*reader)->Valid(); (*reader)->Next()) {
      out.emplace_back((*reader)->key(), (*reader)->value());
    }
    return {out, (*reader)->status()};
  }

  std::string ReadFile() {
    std::ifstream in(path_, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  void WriteFile(const std::string& bytes) {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out << bytes;
  }

  std::string path_;
};

TEST_F(SortedRunTest, ReadsBackWhatWasWrittenInOrder) {
  // Keys sharing prefixes of every length, empty keys and values, and
  // entries larger than the 1 MiB pieces the reader reads.
  std::map<std::string, std::string> sorted;
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) {
    std::string key = "bot-" + std::to_string(rng() % 50) + "/" +
                      std::to_string(rng() % 100000);
    sorted[key] = std::string(rng() % 300, static_cast<char>('a' + i % 26));
  }
  sorted[""] = "the empty key";
  sorted["zz-big"] = std::string(3 << 20, 'B');
  sorted["zz-big2"] = "";
  sorted["zz-big3"] = std::string((1 << 20) - 5, 'C');
  std::vector<std::pair<std::string, std::string>> entries(sorted.begin(),
                                                           sorted.end());
  Write(entries);
  auto [read, status] = ReadAll();
  EXPECT_TRUE(status.ok()) << status;
  ASSERT_EQ(read.size(), entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    ASSERT_EQ(read[i].first, entries[i].first) << i;
    ASSERT_EQ(read[i].second, entries[i].second) << entries[i].first;
  }
}

TEST_F(SortedRunTest, AnEmptyRunHasNoEntries) {
  Write({});
  auto [read, status] = ReadAll();
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_TRUE(read.empty());
}

TEST_F(SortedRunTest, AChangedByteIsDataLoss) {
  std::vector<std::pair<std::string, std::string>> entries;
  for (int i = 0; i < 5000; ++i) {
    entries.emplace_back("key-" + std::to_string(100000 + i),
                         "value-" + std::to_string(i));
  }
  Write(entries);
  const std::string good = ReadFile();
  // A value byte: every entry still parses, only the checksum can tell.
  std::string bad = good;
  const size_t at = bad.find("value-2500");
  ASSERT_NE(at, std::string::npos);
  bad[at + 6] = '9';
  WriteFile(bad);
  auto [read, status] = ReadAll();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_NE(std::string(status.message()).find(path_), std::string::npos);
}

TEST_F(SortedRunTest, DamageInALaterPieceIsDataLossAfterEarlierEntries) {
  // ~3 MiB: the damage is in the third 1 MiB piece, after entries of the
  // first two were handed out.
  std::vector<std::pair<std::string, std::string>> entries;
  for (int i = 0; i < 40000; ++i) {
    entries.emplace_back("key-" + std::to_string(100000 + i),
                         std::string(90, static_cast<char>('a' + i % 26)));
  }
  Write(entries);
  std::string bad = ReadFile();
  ASSERT_GT(bad.size(), size_t{3} << 20);
  const size_t at = (size_t{5} << 19) + 1000;  // 2.5 MiB in
  bad[at] = static_cast<char>(bad[at] ^ 0x01);
  WriteFile(bad);
  auto [read, status] = ReadAll();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
}

TEST_F(SortedRunTest, ATrailerCountingOtherEntriesIsDataLoss) {
  Write({{"a", "1"}, {"b", "2"}, {"c", "3"}});
  std::string bad = ReadFile();
  // The count's last byte (big-endian; the checksum does not cover it).
  bad[bad.size() - 9] = 4;
  WriteFile(bad);
  auto [read, status] = ReadAll();
  EXPECT_EQ(read.size(), 3u);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_NE(std::string(status.message()).find("trailer"), std::string::npos);
}

TEST_F(SortedRunTest, ATruncatedRunIsDataLoss) {
  std::vector<std::pair<std::string, std::string>> entries;
  for (int i = 0; i < 1000; ++i) {
    entries.emplace_back("k" + std::to_string(1000 + i), std::string(50, 'v'));
  }
  Write(entries);
  const std::string good = ReadFile();
  for (size_t keep :
       {size_t{0}, size_t{10}, good.size() / 2, good.size() - 1}) {
    WriteFile(good.substr(0, keep));
    auto [read, status] = ReadAll();
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss)
        << "kept " << keep << ": " << status;
  }
}

TEST_F(SortedRunTest, AMissingRunIsAnErrorNamingIt) {
  auto reader = SortedRunReader::Open(path_ + ".absent");
  ASSERT_FALSE(reader.ok());
  EXPECT_NE(std::string(reader.status().message()).find(".absent"),
            std::string::npos);
}

}  // namespace
}  // namespace sessiondb
