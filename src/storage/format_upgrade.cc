#include "storage/format_upgrade.h"

#include <cstdint>
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

constexpr int64_t kMinuteMs = kLevelWidthMs[kMinuteLevel];
// Quarter-hour counters per batch: bounds the upgrade's memory whatever the
// store's number of bots and days.
constexpr int kUpgradeBatchKeys = 100'000;

// QuarterHourWriter puts quarter-hour counters in synced batches.
class QuarterHourWriter {
 public:
  QuarterHourWriter(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* counts)
      : db_(db), counts_(counts) {}

  // Add puts `cells` (zero too: a put replaces what an interrupted upgrade
  // wrote) as the counter of `key`.
  absl::Status Add(const std::string& key, const CellCounts& cells) {
    SESSIONDB_RETURN_IF_ERROR(
        FromRocksStatus(batch_.Put(counts_, key, EncodeCellCounts(cells)),
                        "staging a counter"));
    return batch_.Count() >= kUpgradeBatchKeys ? Write() : absl::OkStatus();
  }
  rocksdb::WriteBatch& batch() { return batch_; }
  absl::Status Write() {
    rocksdb::WriteOptions options;
    options.sync = true;
    SESSIONDB_RETURN_IF_ERROR(FromRocksStatus(db_.Write(options, &batch_),
                                              "writing quarter-hour counters"));
    batch_.Clear();
    return absl::OkStatus();
  }

 private:
  rocksdb::DB& db_;
  rocksdb::ColumnFamilyHandle* const counts_;
  rocksdb::WriteBatch batch_;
};

// AddQuarterHours puts, for every bot, each quarter hour's sum of its
// minute counters (keys: bot, the minute's level byte, bucket; in time
// order, so a quarter's minutes are adjacent).
absl::Status AddQuarterHours(rocksdb::DB& db,
                             rocksdb::ColumnFamilyHandle* counts,
                             QuarterHourWriter* writer) {
  const char minute_byte = static_cast<char>(kLevelKeyByte[kMinuteLevel]);
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
    std::string quarter;  // the key being summed, empty before the first
    CellCounts sum{};
    for (it->Seek(minutes); it->Valid() && it->key().starts_with(minutes);
         it->Next()) {
      const std::string_view key(it->key().data(), it->key().size());
      if (key.size() != minutes.size() + kCounterBucketBytes) {
        return absl::DataLossError(absl::StrCat(
            "upgrading: malformed minute counter ", DebugKey(key)));
      }
      const int64_t minute = DecodeCounterBucket(key);
      if (minute > INT64_MAX / kMinuteMs || minute < INT64_MIN / kMinuteMs) {
        return absl::DataLossError(absl::StrCat(
            "upgrading: minute counter out of range ", DebugKey(key)));
      }
      std::string next =
          CounterKey(bot_no, kQuarterHourLevel, minute * kMinuteMs);
      if (next != quarter) {
        if (!quarter.empty())
          SESSIONDB_RETURN_IF_ERROR(writer->Add(quarter, sum));
        quarter = std::move(next);
        sum = CellCounts{};
      }
      const CellCounts cells = DecodeCellCounts(
          std::string_view(it->value().data(), it->value().size()));
      for (int cell = 0; cell < kCells; ++cell) sum[cell] += cells[cell];
    }
    if (!quarter.empty()) SESSIONDB_RETURN_IF_ERROR(writer->Add(quarter, sum));
    if (!it->status().ok() || bot_no == UINT32_MAX) break;
    std::string next_bot;
    AppendBot(bot_no + 1, &next_bot);
    it->Seek(next_bot);
  }
  return FromRocksStatus(it->status(), "reading the minute counters");
}

}  // namespace

absl::Status UpgradeFormat(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* meta,
                           rocksdb::ColumnFamilyHandle* counts, int from) {
  if (from < kOldestUpgradableFormat || from >= kFormatVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no upgrade from store format version ", from, " to ", kFormatVersion));
  }
  QuarterHourWriter writer(db, counts);
  // 3 -> 4 is the only step so far; a later one adds its own here, in order.
  SESSIONDB_RETURN_IF_ERROR(AddQuarterHours(db, counts, &writer));
  SESSIONDB_RETURN_IF_ERROR(
      FromRocksStatus(writer.batch().Put(meta, std::string(kFormatVersionKey),
                                         std::to_string(kFormatVersion)),
                      "staging the format version"));
  absl::Status written = writer.Write();
  if (!written.ok()) {
    return absl::Status(
        written.code(),
        absl::StrCat("upgrading the store from format version ", from, " to ",
                     kFormatVersion, ": ", written.message()));
  }
  return absl::OkStatus();
}

}  // namespace sessiondb
