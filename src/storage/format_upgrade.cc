#include "storage/format_upgrade.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "rocksdb/write_batch.h"
#include "storage/counters.h"
#include "storage/key_codec.h"
#include "storage/rocksdb_status.h"
#include "storage/storage_engine.h"

namespace sessiondb {
namespace {

constexpr size_t kBotBytes = 4;
constexpr size_t kBucketBytes = 8;
constexpr uint64_t kBucketSignBit = uint64_t{1} << 63;

// AddQuarterHours stages, for every bot, the sum of each quarter hour's
// minute counters (keys: bot, level byte of the minute, bucket).
absl::Status AddQuarterHours(rocksdb::DB& db,
                             rocksdb::ColumnFamilyHandle* counts,
                             rocksdb::WriteBatch* batch) {
  const char minute_byte = static_cast<char>(kLevelKeyByte[kMinuteLevel]);
  std::map<std::string, CellCounts> quarters;
  std::unique_ptr<rocksdb::Iterator> it(
      db.NewIterator(rocksdb::ReadOptions(), counts));
  it->SeekToFirst();
  while (it->Valid()) {
    if (it->key().size() < kBotBytes) {  // no counter key is this short
      it->Next();
      continue;
    }
    const uint32_t bot_no = DecodeBigEndian32(it->key().data());
    std::string minutes = BotCounterScope(bot_no);
    minutes.push_back(minute_byte);
    for (it->Seek(minutes); it->Valid() && it->key().starts_with(minutes) &&
                            it->key().size() == minutes.size() + kBucketBytes;
         it->Next()) {
      const int64_t minute = static_cast<int64_t>(
          DecodeBigEndian64(it->key().data() + minutes.size()) ^
          kBucketSignBit);
      const CellCounts cells = DecodeCellCounts(
          std::string_view(it->value().data(), it->value().size()));
      CellCounts& sum = quarters[CounterKey(
          bot_no, kQuarterHourLevel, minute * kLevelWidthMs[kMinuteLevel])];
      for (int cell = 0; cell < kCells; ++cell) sum[cell] += cells[cell];
    }
    if (!it->status().ok() || bot_no == UINT32_MAX) break;
    std::string next_bot;
    AppendBot(bot_no + 1, &next_bot);
    it->Seek(next_bot);
  }
  SESSIONDB_RETURN_IF_ERROR(
      FromRocksStatus(it->status(), "reading the minute counters"));
  for (const auto& [key, cells] : quarters) {
    bool zero = true;
    for (int64_t c : cells) zero = zero && c == 0;
    if (zero) continue;
    SESSIONDB_RETURN_IF_ERROR(FromRocksStatus(
        batch->Put(counts, key, EncodeCellCounts(cells)), "staging a counter"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status UpgradeFormat(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* meta,
                           rocksdb::ColumnFamilyHandle* counts, int from) {
  if (from < kOldestUpgradableFormat || from >= kFormatVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no upgrade from store format version ", from, " to ", kFormatVersion));
  }
  rocksdb::WriteBatch batch;
  // 3 -> 4 is the only step so far; a later one adds its own here, in order.
  SESSIONDB_RETURN_IF_ERROR(AddQuarterHours(db, counts, &batch));
  SESSIONDB_RETURN_IF_ERROR(
      FromRocksStatus(batch.Put(meta, std::string(kFormatVersionKey),
                                std::to_string(kFormatVersion)),
                      "staging the format version"));
  rocksdb::WriteOptions options;
  options.sync = true;
  return FromRocksStatus(
      db.Write(options, &batch),
      absl::StrCat("upgrading the store from format version ", from, " to ",
                   kFormatVersion));
}

}  // namespace sessiondb
