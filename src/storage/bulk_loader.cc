#include "storage/bulk_loader.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/absl_compat.h"
#include "base/status_macros.h"
#include "flatbuffers/flatbuffers.h"
#include "rocksdb/db.h"
#include "rocksdb/metadata.h"
#include "rocksdb/sst_file_writer.h"
#include "storage/bot_dictionary.h"
#include "storage/change_log.h"
#include "storage/counters.h"
#include "storage/huge_page_memory.h"
#include "storage/index_entries.h"
#include "storage/key_codec.h"
#include "storage/record_codec.h"
#include "storage/rocksdb_status.h"
#include "storage/session_batch.h"
#include "storage/sorted_run.h"
#include "storage/storage_engine.h"
#include "storage/stored_versions.h"

namespace sessiondb {
namespace {

// The upsert path's batch size. 4,000 sessions: 200k upserts into the 1M
// store took 7.54/7.39 s at 1,000, 7.00/6.85 s at 4,000 (15% less CPU:
// counter deltas summed over more sessions, fewer WAL writes), 7.30/8.12 s
// at 8,000 and 8.8 s at 16,000; peak RSS 225 -> 244 MB
// (docs/PERFORMANCE.md, "Writes").
constexpr size_t kUpsertBatch = 4000;
constexpr int64_t kProgressEvery = 10000;
// Bytes a counter in the in-memory maps costs beyond its key (estimated).
constexpr size_t kCounterOverhead = 96;

// Counter and user-count values add up when two runs hold the same key.
bool Sums(Cf cf) { return cf == Cf::kCounts || cf == Cf::kUsers; }

// AddValues adds `b` into `a`, both values of the summing column family cf.
void AddValues(Cf cf, std::string* a, std::string_view b) {
  if (cf == Cf::kUsers) {
    *a = EncodeCount(DecodeCount(*a) + DecodeCount(b));
    return;
  }
  CellCounts sum = DecodeCellCounts(*a);
  const CellCounts more = DecodeCellCounts(b);
  for (int i = 0; i < kCells; ++i) sum[i] += more[i];
  *a = EncodeCellCounts(sum);
}

// KeyValueArena holds key-values in large blocks (no allocation per entry)
// and sorts them by key.
class KeyValueArena {
 public:
  struct Entry {
    // The key's first 16 bytes, big-endian (zero-padded): most compares and
    // equality tests end here (bot + time + the start of a sessionId).
    uint64_t prefix_hi;
    uint64_t prefix_lo;
    const char* data;  // key bytes, then value bytes
    uint32_t key_size;
    uint32_t value_size;
    std::string_view key() const { return {data, key_size}; }
    bool KeyEquals(const Entry& other) const {
      return prefix_hi == other.prefix_hi && prefix_lo == other.prefix_lo &&
             key() == other.key();
    }
    std::string_view value() const { return {data + key_size, value_size}; }
  };

  // Add copies the entry in; returns the bytes it costs.
  size_t Add(std::string_view key, std::string_view value) {
    const size_t size = key.size() + value.size();
    if (block_ < 0 || block_used_ + size > block_size_) NextBlock(size);
    char* dest = blocks_[block_].data() + block_used_;
    // An empty view's data() may be null, which memcpy must not get (a
    // deletion's value is empty).
    if (!key.empty()) std::memcpy(dest, key.data(), key.size());
    if (!value.empty())
      std::memcpy(dest + key.size(), value.data(), value.size());
    block_used_ += size;
    entries_.push_back({BigEndianPrefix(key, 0), BigEndianPrefix(key, 8), dest,
                        static_cast<uint32_t>(key.size()),
                        static_cast<uint32_t>(value.size())});
    return size + sizeof(Entry);
  }

  void Sort() {
    std::sort(entries_.begin(), entries_.end(),
              [](const Entry& a, const Entry& b) {
                if (a.prefix_hi != b.prefix_hi)
                  return a.prefix_hi < b.prefix_hi;
                if (a.prefix_lo != b.prefix_lo)
                  return a.prefix_lo < b.prefix_lo;
                return a.key() < b.key();
              });
  }
  const std::vector<Entry, HugePageAllocator<Entry>>& entries() const {
    return entries_;
  }
  bool empty() const { return entries_.empty(); }
  // Clear forgets every entry; the blocks stay for the next ones (a spill is
  // followed by as many entries again).
  void Clear() {
    entries_.clear();
    block_ = -1;
    block_used_ = block_size_ = 0;
  }

 private:
  // Blocks are kept across spills (fresh memory costs page faults), so a
  // shard holds up to one block per arena (a column family's runs, and the
  // deletions of those a rewrite deletes from) beyond its budget; each is
  // one huge page (huge_page_memory.h).
  static constexpr size_t kBlockBytes = kHugePageBytes;

  static uint64_t BigEndianPrefix(std::string_view key, size_t from) {
    uint64_t v = 0;
    for (size_t i = from; i < from + 8; ++i) {
      v = (v << 8) |
          (i < key.size() ? static_cast<uint8_t>(key[i]) : uint64_t{0});
    }
    return v;
  }

  void NextBlock(size_t at_least) {
    ++block_;
    if (static_cast<size_t>(block_) == blocks_.size()) {
      blocks_.emplace_back(std::max(kBlockBytes, at_least));
    } else if (blocks_[block_].size() < at_least) {
      blocks_[block_] = HugePageBuffer(at_least);
    }
    block_size_ = blocks_[block_].size();
    block_used_ = 0;
  }

  // Not zeroed by us: every byte is written before it is read.
  std::vector<HugePageBuffer> blocks_;
  int block_ = -1;  // the block being filled
  size_t block_used_ = 0;
  size_t block_size_ = 0;
  std::vector<Entry, HugePageAllocator<Entry>> entries_;
};

// SortedFileSink writes the key-values of one column family, in key order,
// into one table file of the store: as values, or all as merge operands.
class SortedFileSink {
 public:
  SortedFileSink(const rocksdb::Options& options,
                 rocksdb::ColumnFamilyHandle* handle, std::string path,
                 bool merge)
      : writer_(rocksdb::EnvOptions(), options, handle,
                /*invalidate_page_cache=*/true),
        path_(std::move(path)),
        merge_(merge) {}

  absl::Status Open() {
    return FromRocksStatus(writer_.Open(path_), "opening a bulk-load file");
  }
  absl::Status Add(std::string_view key, std::string_view value) {
    ++entries_;
    const rocksdb::Slice k(key.data(), key.size());
    const rocksdb::Slice v(value.data(), value.size());
    return FromRocksStatus(merge_ ? writer_.Merge(k, v) : writer_.Put(k, v),
                           "writing a bulk-load file");
  }
  absl::Status Delete(std::string_view key) {
    ++entries_;
    return FromRocksStatus(
        writer_.Delete(rocksdb::Slice(key.data(), key.size())),
        "writing a bulk-load file");
  }
  absl::Status Finish() {
    return FromRocksStatus(writer_.Finish(), "finishing a bulk-load file");
  }
  int64_t entries() const { return entries_; }
  uint64_t FileSize() { return writer_.FileSize(); }
  const std::string& path() const { return path_; }

 private:
  rocksdb::SstFileWriter writer_;
  std::string path_;
  const bool merge_;  // entries are merge operands
  int64_t entries_ = 0;
};

// SplitFileSink writes the key-values of one column family, in key order,
// into table files of at most kMaxFileEntries entries and about
// kMaxFileBytes each. Why: a table file's filter block grows with its
// entries and its index block with its data, and one file for a whole column
// family made blocks that scale with the store (the 1M store's `counts`
// filter: 4.5 MB, 3.6M entries; ~45 MB at 10M). A block is cached whole,
// and the block cache keeps no entry larger than a shard of it
// (column_families.cc): one too large is read from the file again at every
// point lookup. Capped, every file's filter stays under ~2.6 MB and its
// index under ~1.5 MB, as in the files compaction writes
// (target_file_size_base, 64 MiB). `scale` multiplies both caps (below).
class SplitFileSink {
 public:
  static constexpr int64_t kMaxFileEntries = int64_t{1} << 21;
  static constexpr uint64_t kMaxFileBytes = uint64_t{64} << 20;

  SplitFileSink(const rocksdb::Options& options,
                rocksdb::ColumnFamilyHandle* handle, std::string prefix,
                bool merge, uint64_t scale)
      : options_(options),
        handle_(handle),
        prefix_(std::move(prefix)),
        merge_(merge),
        max_entries_(kMaxFileEntries * static_cast<int64_t>(scale)),
        max_bytes_(kMaxFileBytes * scale) {}

  absl::Status Add(std::string_view key, std::string_view value) {
    SESSIONDB_RETURN_IF_ERROR(Ready());
    return sink_->Add(key, value);
  }
  // Delete writes a deletion of `key` (a key a rewritten session leaves).
  absl::Status Delete(std::string_view key) {
    SESSIONDB_RETURN_IF_ERROR(Ready());
    return sink_->Delete(key);
  }
  absl::Status Finish() {
    return sink_ == nullptr ? absl::OkStatus() : FinishFile();
  }
  // The files written, in key order.
  const std::vector<std::string>& paths() const { return paths_; }

 private:
  // Ready makes sink_ a file with room for the next entry.
  absl::Status Ready() {
    if (sink_ != nullptr &&
        (sink_->entries() >= max_entries_ || sink_->FileSize() >= max_bytes_)) {
      SESSIONDB_RETURN_IF_ERROR(FinishFile());
    }
    if (sink_ == nullptr) {
      sink_ = std::make_unique<SortedFileSink>(
          options_, handle_, absl::StrCat(prefix_, "-", paths_.size(), ".sst"),
          merge_);
      SESSIONDB_RETURN_IF_ERROR(sink_->Open());
    }
    return absl::OkStatus();
  }

  absl::Status FinishFile() {
    SESSIONDB_RETURN_IF_ERROR(sink_->Finish());
    paths_.push_back(sink_->path());
    sink_.reset();
    return absl::OkStatus();
  }

  const rocksdb::Options options_;
  rocksdb::ColumnFamilyHandle* const handle_;
  const std::string prefix_;
  const bool merge_;
  const int64_t max_entries_;
  const uint64_t max_bytes_;
  std::unique_ptr<SortedFileSink> sink_;
  std::vector<std::string> paths_;
};

// FileOptions are the options of the table files for column family `cf`:
// those of the column family, compressed as the level they land in is
// (`bottommost`: its bottommost_compression, ZSTD, which SstFileWriter
// picks when it is set; else its compression, LZ4, as a flush's and the
// upper levels' files are: a fraction of ZSTD's CPU).
rocksdb::Options FileOptions(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* cf,
                             bool bottommost) {
  rocksdb::Options options(db.GetDBOptions(), db.GetOptions(cf));
  if (!bottommost)
    options.bottommost_compression = rocksdb::kDisableCompressionOption;
  return options;
}

absl::Status Combine(Cf cf, std::string_view key, std::string* value,
                     std::string_view more) {
  if (!Sums(cf)) {
    return absl::InternalError(absl::StrCat("bulk load: key ", DebugKey(key),
                                            " of ", CfName(cf),
                                            " written twice"));
  }
  AddValues(cf, value, more);
  return absl::OkStatus();
}

// KeyRange is the smallest and the largest of some keys (bytewise, the
// order of every column family); empty when there are none.
struct KeyRange {
  std::string smallest, largest;
  bool empty = true;

  void Extend(std::string_view low, std::string_view high) {
    if (empty || low < smallest) smallest.assign(low);
    if (empty || high > largest) largest.assign(high);
    empty = false;
  }
  void Extend(const KeyRange& other) {
    if (!other.empty) Extend(other.smallest, other.largest);
  }
  bool Overlaps(std::string_view low, std::string_view high) const {
    return !empty && !(largest < low || high < smallest);
  }
};

// ColumnFamilyRuns collects one column family's key-values in memory and
// spills them, sorted, as runs.
class ColumnFamilyRuns {
 public:
  ColumnFamilyRuns(Cf cf, std::string prefix)
      : cf_(cf), prefix_(std::move(prefix)) {}

  size_t Add(std::string_view key, std::string_view value) {
    return buffer_.Add(key, value);
  }

  // Spill writes the buffer as a sorted run (equal keys summed).
  absl::Status Spill() {
    if (buffer_.empty()) return absl::OkStatus();
    SortedRunWriter sink(
        absl::StrCat(prefix_, CfName(cf_), "-", runs_.size(), ".run"));
    SESSIONDB_RETURN_IF_ERROR(sink.Open());
    buffer_.Sort();
    const auto& entries = buffer_.entries();
    key_range_.Extend(entries.front().key(), entries.back().key());
    std::string sum;
    for (size_t i = 0; i < entries.size();) {
      const std::string_view key = entries[i].key();
      size_t j = i + 1;
      if (j < entries.size() && entries[j].KeyEquals(entries[i])) {
        sum.assign(entries[i].value());
        for (; j < entries.size() && entries[j].KeyEquals(entries[i]); ++j)
          SESSIONDB_RETURN_IF_ERROR(
              Combine(cf_, key, &sum, entries[j].value()));
        SESSIONDB_RETURN_IF_ERROR(sink.Add(key, sum));
      } else {
        SESSIONDB_RETURN_IF_ERROR(sink.Add(key, entries[i].value()));
      }
      i = j;
    }
    buffer_.Clear();
    SESSIONDB_RETURN_IF_ERROR(sink.Finish());
    runs_.push_back(sink.path());
    return absl::OkStatus();
  }
  const std::vector<std::string>& runs() const { return runs_; }
  // The keys of the runs spilled so far.
  const KeyRange& key_range() const { return key_range_; }

 private:
  const Cf cf_;
  const std::string prefix_;
  KeyValueArena buffer_;
  std::vector<std::string> runs_;
  KeyRange key_range_;
};

// MergeRunsInto merges sorted runs of column family `cf` into `sink` (a
// SortedRunWriter or a SplitFileSink), summing equal keys.
template <typename Sink>
absl::Status MergeRunsInto(Cf cf, const std::vector<std::string>& runs,
                           Sink* sink) {
  std::vector<std::unique_ptr<SortedRunReader>> readers;
  for (const std::string& run : runs) {
    SESSIONDB_ASSIGN_OR_RETURN(std::unique_ptr<SortedRunReader> reader,
                               SortedRunReader::Open(run));
    readers.push_back(std::move(reader));
  }
  auto greater = [&](size_t a, size_t b) {
    return readers[a]->key() > readers[b]->key();
  };
  std::priority_queue<size_t, std::vector<size_t>, decltype(greater)> heap(
      greater);
  for (size_t i = 0; i < readers.size(); ++i) {
    if (readers[i]->Valid()) heap.push(i);
    SESSIONDB_RETURN_IF_ERROR(readers[i]->status());
  }
  std::string key, value;
  bool pending = false;
  while (!heap.empty()) {
    const size_t i = heap.top();
    heap.pop();
    SortedRunReader& run = *readers[i];
    if (pending && run.key() == key) {
      SESSIONDB_RETURN_IF_ERROR(Combine(cf, key, &value, run.value()));
    } else {
      if (pending) SESSIONDB_RETURN_IF_ERROR(sink->Add(key, value));
      key.assign(run.key());
      value.assign(run.value());
      pending = true;
    }
    run.Next();
    if (run.Valid()) heap.push(i);
    SESSIONDB_RETURN_IF_ERROR(run.status());
  }
  if (pending) SESSIONDB_RETURN_IF_ERROR(sink->Add(key, value));
  return absl::OkStatus();
}

// DamageOr returns the DataLoss of the first damaged run of `runs`, or
// `status` when none is. Why: a run's entries are handed out before the
// checksum of its last piece is checked, so damage can first show as an
// error it causes (a key out of order, a key written twice). The rest of
// every run is read to find it; only on this error path.
absl::Status DamageOr(const std::vector<std::string>& runs,
                      absl::Status status) {
  if (status.ok() || absl::IsDataLoss(status)) return status;
  for (const std::string& run : runs) {
    absl::StatusOr<std::unique_ptr<SortedRunReader>> reader =
        SortedRunReader::Open(run);
    if (!reader.ok()) continue;
    while ((*reader)->Valid()) (*reader)->Next();
    if (absl::IsDataLoss((*reader)->status())) return (*reader)->status();
  }
  return status;
}

// MergeRuns is MergeRunsInto, except that when it fails, a damaged run is
// named as the cause (DamageOr).
template <typename Sink>
absl::Status MergeRuns(Cf cf, const std::vector<std::string>& runs,
                       Sink* sink) {
  return DamageOr(runs, MergeRunsInto(cf, runs, sink));
}

// WithDeletions passes one column family's key-values, in key order, on to
// a SplitFileSink, with the deletions of a sorted run of keys (those the
// stored versions of rewritten sessions leave) in their places between
// them. A key both deleted and put is only put: the put replaces it.
class WithDeletions {
 public:
  WithDeletions(SplitFileSink* sink, std::unique_ptr<SortedRunReader> keys)
      : sink_(sink), keys_(std::move(keys)) {}

  absl::Status Add(std::string_view key, std::string_view value) {
    SESSIONDB_RETURN_IF_ERROR(DeleteBefore(key));
    if (keys_->Valid() && keys_->key() == key) {
      keys_->Next();
      SESSIONDB_RETURN_IF_ERROR(keys_->status());
    }
    return sink_->Add(key, value);
  }
  // Finish writes the deletions after the last key-value.
  absl::Status Finish() { return DeleteBefore(std::nullopt); }

 private:
  // DeleteBefore writes the deletions of the keys before `key` (all of
  // them: nullopt).
  absl::Status DeleteBefore(std::optional<std::string_view> key) {
    while (keys_->Valid() && (!key.has_value() || keys_->key() < *key)) {
      SESSIONDB_RETURN_IF_ERROR(sink_->Delete(keys_->key()));
      keys_->Next();
    }
    return keys_->status();
  }

  SplitFileSink* const sink_;
  const std::unique_ptr<SortedRunReader> keys_;
};

// RemoveFiles removes merged runs, ignoring errors (the directory goes at the
// end of the load).
void RemoveFiles(const std::vector<std::string>& paths) {
  std::error_code ignored;
  for (const std::string& path : paths) std::filesystem::remove(path, ignored);
}

// RemoveDir removes a directory of bulk-load files, ignoring errors (a
// leftover directory is removed by the next load or open).
void RemoveDir(const std::string& dir) {
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

absl::StatusOr<bool> HoldsNoSession(const StorageEngine& engine) {
  for (Cf cf : {Cf::kSessions, Cf::kSessionIds}) {
    std::unique_ptr<rocksdb::Iterator> it =
        engine.NewIterator(rocksdb::ReadOptions(), cf);
    it->SeekToFirst();
    SESSIONDB_RETURN_IF_ERROR(
        FromRocksStatus(it->status(), "checking the store is empty"));
    if (it->Valid()) return false;
  }
  return true;
}

absl::Status InvalidSession(int64_t index, const Session& session,
                            const absl::Status& why) {
  return absl::InvalidArgumentError(
      absl::StrCat("sessions[", index, "] (sessionId \"", session.session_id,
                   "\"): ", why.message()));
}

uint64_t IdHash(std::string_view session_id) {
  return absl::HashOf(absl::string_view(session_id.data(), session_id.size()));
}

// A session and the number of its bot, as the dispatcher hands it over.
struct NumberedSession {
  Session session;
  uint32_t bot_no;
  std::optional<StoredVersion> stored;  // nullopt: the store holds none
};
using Chunk = std::vector<NumberedSession>;

// KeyList is a list of keys that keeps its strings' memory from one use to
// the next (a session's few dozen keys, thousands of times over).
class KeyList {
 public:
  void Clear() { size_ = 0; }
  // Add appends `prefix` + `key` as one key.
  void Add(std::string_view prefix, std::string_view key) {
    if (size_ == keys_.size()) keys_.emplace_back();
    keys_[size_].assign(prefix);
    keys_[size_].append(key);
    ++size_;
  }
  void Sort() { std::sort(keys_.begin(), keys_.begin() + size_); }
  // REQUIRES: Sort() since the last Add.
  bool Contains(std::string_view prefix, std::string_view key) {
    probe_.assign(prefix);
    probe_.append(key);
    return std::binary_search(keys_.begin(), keys_.begin() + size_, probe_);
  }
  size_t size() const { return size_; }
  const std::string& operator[](size_t i) const { return keys_[i]; }

 private:
  std::vector<std::string> keys_;  // the first size_ are the list's
  size_t size_ = 0;
  std::string probe_;  // Contains' key
};

// ShardBuilder turns the sessions of its chunks into sorted runs: one of
// the loader's worker threads owns it. Per column family, runs of the keys
// the sessions put, and runs of the keys the stored versions they replace
// leave (deletions).
class ShardBuilder {
 public:
  ShardBuilder(size_t memory_bytes, const std::string& prefix)
      : memory_bytes_(memory_bytes) {
    for (int i = 0; i < kNumCfs; ++i) {
      runs_.push_back(
          std::make_unique<ColumnFamilyRuns>(static_cast<Cf>(i), prefix));
      deletions_.push_back(std::make_unique<ColumnFamilyRuns>(
          static_cast<Cf>(i), prefix + "del-"));
    }
  }

  absl::Status Add(const NumberedSession& numbered) {
    const Session& session = numbered.session;
    const uint32_t bot_no = numbered.bot_no;
    const fb::Session* stored = nullptr;
    if (numbered.stored.has_value()) {
      SESSIONDB_ASSIGN_OR_RETURN(
          stored, VerifyStoredRecord(numbered.stored->record,
                                     numbered.stored->primary_key));
    }
    std::string primary_key =
        SessionKey(bot_no, session.start_time_ms, session.session_id);
    EncodeRecord(session, &builder_);
    const std::string_view record(
        reinterpret_cast<const char*>(builder_.GetBufferPointer()),
        builder_.GetSize());
    // The builder's buffer is aligned for FlatBuffers' in-place reads.
    const fb::Session* view = fb::GetSession(builder_.GetBufferPointer());
    put_keys_.Clear();
    ForEachIndexEntry(
        bot_no, *view, record,
        [&](Cf cf, const std::string& key, const std::string& value) {
          Buffer(cf, key, value);
          if (stored != nullptr) put_keys_.Add(CfPrefix(cf), key);
        });
    if (stored != nullptr) {
      const std::string& stored_key = numbered.stored->primary_key;
      const uint32_t stored_bot_no = DecodeBigEndian32(stored_key.data());
      RemoveStored(stored_key, stored_bot_no, *stored, primary_key);
      CountReplacement(stored_bot_no, *stored, bot_no, *view);
    } else {
      Count(bot_no, *view, +1);
    }
    Buffer(Cf::kSessionIds, session.session_id, primary_key);
    Buffer(Cf::kSessions, primary_key, record);
    if (buffered_bytes_ + counter_bytes_ < memory_bytes_)
      return absl::OkStatus();
    // Counters are summed in memory while they take at most half of it:
    // most sessions add to counters other sessions already have.
    if (counter_bytes_ > memory_bytes_ / 2) MoveCountsToRuns();
    return SpillAll();
  }

  void Buffer(Cf cf, std::string_view key, std::string_view value) {
    buffered_bytes_ += runs_[static_cast<int>(cf)]->Add(key, value);
  }

  // Finish spills everything still in memory.
  absl::Status Finish() {
    MoveCountsToRuns();
    return SpillAll();
  }
  const std::vector<std::string>& runs(Cf cf) const {
    return runs_[static_cast<int>(cf)]->runs();
  }
  const std::vector<std::string>& deletions(Cf cf) const {
    return deletions_[static_cast<int>(cf)]->runs();
  }
  // The keys of `cf`'s runs and deletions.
  KeyRange key_range(Cf cf) const {
    KeyRange range = runs_[static_cast<int>(cf)]->key_range();
    range.Extend(deletions_[static_cast<int>(cf)]->key_range());
    return range;
  }

 private:
  // Count adds `delta` to every counter of `record` (stored under bot
  // `bot_no`) and to its user's count.
  void Count(uint32_t bot_no, const fb::Session& record, int64_t delta) {
    const uint8_t cell = RecordCell(record);
    ForEachCounterKey(bot_no, record, [&](std::string_view key) {
      AddToCounter(key, cell, delta);
    });
    AddToUser(record.user_id()->string_view(), delta);
  }

  // CountReplacement counts `record` (under bot `bot_no`) in place of its
  // stored version, `stored` (under bot `stored_bot_no`): what that does to
  // each counter, without the -1 and +1 of the counters both count in the
  // same cell (most of them, in a rewrite that keeps the session's start,
  // cell and tags), which cancel.
  void CountReplacement(uint32_t stored_bot_no, const fb::Session& stored,
                        uint32_t bot_no, const fb::Session& record) {
    const uint8_t cell = RecordCell(record);
    if (RecordCell(stored) != cell) {
      Count(stored_bot_no, stored, -1);
      Count(bot_no, record, +1);
      return;
    }
    KeyList& removed = removed_counters_;
    KeyList& added = added_counters_;
    removed.Clear();
    added.Clear();
    ForEachCounterKey(stored_bot_no, stored,
                      [&](std::string_view key) { removed.Add({}, key); });
    ForEachCounterKey(bot_no, record,
                      [&](std::string_view key) { added.Add({}, key); });
    removed.Sort();
    added.Sort();
    size_t i = 0, j = 0;
    while (i < removed.size() && j < added.size()) {
      const int order = removed[i].compare(added[j]);
      if (order < 0) {
        AddToCounter(removed[i++], cell, -1);
      } else if (order > 0) {
        AddToCounter(added[j++], cell, +1);
      } else {  // counted by both: unchanged
        ++i;
        ++j;
      }
    }
    for (; i < removed.size(); ++i) AddToCounter(removed[i], cell, -1);
    for (; j < added.size(); ++j) AddToCounter(added[j], cell, +1);
    const std::string_view stored_user = stored.user_id()->string_view();
    const std::string_view user = record.user_id()->string_view();
    if (stored_user != user) {
      AddToUser(stored_user, -1);
      AddToUser(user, +1);
    }
  }

  void AddToCounter(std::string_view key, uint8_t cell, int64_t delta) {
    auto [it, inserted] = counts_.try_emplace(key);
    if (inserted) counter_bytes_ += it->first.size() + kCounterOverhead;
    it->second[cell] += delta;
  }
  void AddToUser(std::string_view user_id, int64_t delta) {
    auto [it, inserted] = users_.try_emplace(user_id, 0);
    if (inserted) counter_bytes_ += it->first.size() + kCounterOverhead;
    it->second += delta;
  }

  // RemoveStored stages what replacing the stored version (`stored`, under
  // `stored_key` and bot `stored_bot_no`) with a version under `primary_key`
  // removes, as SessionBatch does: the deletion of its record and of its
  // index keys the new version does not put again (put_keys_).
  void RemoveStored(const std::string& stored_key, uint32_t stored_bot_no,
                    const fb::Session& stored, const std::string& primary_key) {
    put_keys_.Sort();
    if (stored_key != primary_key) Delete(Cf::kSessions, stored_key);
    ForEachIndexKey(stored_bot_no, stored, [&](Cf cf, const std::string& key) {
      if (!put_keys_.Contains(CfPrefix(cf), key)) Delete(cf, key);
    });
  }

  // CfPrefix: a column family's number as a one-byte prefix (put_keys_).
  static std::string_view CfPrefix(Cf cf) {
    static constexpr std::array<char, kNumCfs> kPrefixes = [] {
      std::array<char, kNumCfs> prefixes{};
      for (int i = 0; i < kNumCfs; ++i) prefixes[i] = static_cast<char>(i);
      return prefixes;
    }();
    return {&kPrefixes[static_cast<int>(cf)], 1};
  }

  void Delete(Cf cf, std::string_view key) {
    buffered_bytes_ += deletions_[static_cast<int>(cf)]->Add(key, {});
  }

  void MoveCountsToRuns() {
    // A sum of zero (a rewrite that keeps a counter) is not written.
    for (auto& [key, counts] : counts_) {
      if (std::any_of(counts.begin(), counts.end(),
                      [](int64_t n) { return n != 0; }))
        Buffer(Cf::kCounts, key, EncodeCellCounts(counts));
    }
    for (auto& [user, n] : users_) {
      if (n != 0) Buffer(Cf::kUsers, user, EncodeCount(n));
    }
    // Not reserved again at the size they reached: a reserved table is
    // resident at once (huge pages) but not in counter_bytes_, and would
    // let the shard overrun its budget.
    counts_.clear();
    users_.clear();
    counter_bytes_ = 0;
  }

  absl::Status SpillAll() {
    for (auto& runs : runs_) SESSIONDB_RETURN_IF_ERROR(runs->Spill());
    for (auto& runs : deletions_) SESSIONDB_RETURN_IF_ERROR(runs->Spill());
    buffered_bytes_ = 0;
    return absl::OkStatus();
  }

  const size_t memory_bytes_;
  std::vector<std::unique_ptr<ColumnFamilyRuns>> runs_;       // by Cf
  std::vector<std::unique_ptr<ColumnFamilyRuns>> deletions_;  // by Cf
  // Looked up by string_view: a key is copied only when it is inserted.
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view key) const {
      return absl::HashOf(absl::string_view(key.data(), key.size()));
    }
  };
  struct KeyEq {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const {
      return a == b;
    }
  };
  // On huge pages: a table of a million counters is ~80 MB, and its growth
  // was half the load's page faults (huge_page_memory.h).
  template <typename Value>
  using SumMap = absl::flat_hash_map<
      std::string, Value, KeyHash, KeyEq,
      HugePageAllocator<std::pair<const std::string, Value>>>;
  SumMap<CellCounts> counts_;
  SumMap<int64_t> users_;
  // Reused by every rewritten session: the index keys the new version puts
  // (each after CfPrefix), and the counters the stored
  // and the new version count.
  KeyList put_keys_, removed_counters_, added_counters_;
  flatbuffers::FlatBufferBuilder builder_{1024};
  size_t buffered_bytes_ = 0;  // in runs_' and deletions_' buffers
  size_t counter_bytes_ = 0;   // in counts_ and users_ (estimated)
};

// ChunkQueue hands chunks from the dispatcher to the workers; bounded, so
// reading the source waits for the workers.
class ChunkQueue {
 public:
  explicit ChunkQueue(size_t capacity) : capacity_(capacity) {}

  // Push returns false when the queue was closed (a worker failed).
  bool Push(Chunk chunk) {
    std::unique_lock<std::mutex> lock(mu_);
    not_full_.wait(lock, [&] { return closed_ || chunks_.size() < capacity_; });
    if (closed_) return false;
    chunks_.push_back(std::move(chunk));
    not_empty_.notify_one();
    return true;
  }
  // Pop returns false once the queue is closed and drained.
  bool Pop(Chunk* chunk) {
    std::unique_lock<std::mutex> lock(mu_);
    not_empty_.wait(lock, [&] { return closed_ || !chunks_.empty(); });
    if (chunks_.empty()) return false;
    *chunk = std::move(chunks_.front());
    chunks_.pop_front();
    not_full_.notify_one();
    return true;
  }
  // Close lets Pop drain what is queued, then return false.
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

 private:
  const size_t capacity_;
  std::mutex mu_;
  std::condition_variable not_empty_, not_full_;
  std::deque<Chunk> chunks_;
  bool closed_ = false;
};

// RunParallel runs fn(i) for i in [0, n) on `threads` threads; the first
// error wins.
absl::Status RunParallel(int n, int threads,
                         const std::function<absl::Status(int)>& fn) {
  std::mutex mu;
  int next = 0;
  absl::Status first_error;
  auto work = [&] {
    while (true) {
      int i;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (next == n || !first_error.ok()) return;
        i = next++;
      }
      absl::Status s = fn(i);
      if (!s.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        if (first_error.ok()) first_error = s;
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  return first_error;
}

}  // namespace

// ChangeTimeStamper passes the default column family's key-values on to a
// sink, with `time_ms` set in every change entry (change_log.h).
class ChangeTimeStamper {
 public:
  ChangeTimeStamper(SplitFileSink* sink, int64_t time_ms)
      : sink_(sink), time_ms_(time_ms) {}
  absl::Status Add(std::string_view key, std::string_view value) {
    if (key.substr(0, kChangeLogPrefix.size()) != kChangeLogPrefix)
      return sink_->Add(key, value);
    entry_.assign(value);
    if (!SetEncodedChangeTime(time_ms_, &entry_)) {
      return absl::InternalError(absl::StrCat("bulk load: change entry ",
                                              DebugKey(key), " malformed"));
    }
    return sink_->Add(key, entry_);
  }

 private:
  SplitFileSink* const sink_;
  const int64_t time_ms_;
  std::string entry_;
};

// The directory of a load's temporary files, inside the store's.
std::string BulkLoadDir(std::string_view store_path) {
  return std::string(store_path) + "/bulk-load.tmp";
}

void RemoveBulkLoadLeftovers(std::string_view path) {
  RemoveDir(BulkLoadDir(path));
}

// The bulk path: sorted files of the loaded sessions. Friend of
// StorageEngine. The calling thread reads the source, numbers bots, spots
// repeated sessionIds and reads the stored versions (a chunk at a time, by
// sorted MultiGets); kWorkers threads encode the sessions and sort their
// keys (and the keys their stored versions leave) into runs; at the end the
// runs of each column family are merged into its files (column families in
// parallel) and every file is ingested at once.
//
// Into a store with no session, counters and user counts are written as
// values (exact: there are none to add to), the files land in the
// bottommost level, and the change entry says `everything`. Into a store
// with sessions, counters and user counts are merge operands the column
// family's operator adds to the stored ones, the keys a rewritten
// session's stored version leaves are deletions, a file lands in the
// lowest level it does not overlap (RocksDB gives one that overlaps
// anything a sequence number newer than every write), and the change
// entries list the sessions (a rewritten one with its previous key),
// kUpsertBatch to an entry, as the upsert path's would.
class BulkFileBuilder {
 public:
  static constexpr int kWorkers = 2;
  static constexpr size_t kChunk = 512;
  static constexpr size_t kMaxMergeWidth = 64;
  static constexpr uint64_t kMaxFilesAboveStore = 8;
  // A smaller BulkLoadOptions::memory_bytes is taken as this.
  static constexpr size_t kMinMemoryBytes = size_t{1} << 20;

  BulkFileBuilder(StorageEngine& engine, const BulkLoadOptions& options,
                  bool into_empty_store)
      : engine_(engine),
        options_(options),
        into_empty_store_(into_empty_store),
        dir_(BulkLoadDir(engine.db_->GetName())),
        memory_bytes_(std::max(options.memory_bytes, kMinMemoryBytes)),
        queue_(2 * kWorkers),
        default_runs_(Cf::kDefault, dir_ + "/default-") {}
  ~BulkFileBuilder() {
    StopWorkers().IgnoreError();  // an error was returned already, or none
    RemoveDir(dir_);
  }

  absl::Status Start() {
    RemoveDir(dir_);
    std::error_code error;
    if (!std::filesystem::create_directories(dir_, error)) {
      return absl::InternalError(
          absl::StrCat("creating ", dir_, ": ", error.message()));
    }
    for (int w = 0; w < kWorkers; ++w) {
      shards_.push_back(
          std::make_unique<ShardBuilder>(memory_bytes_ / 16 * 15 / kWorkers,
                                         absl::StrCat(dir_, "/w", w, "-")));
      shard_status_.emplace_back();
    }
    for (int w = 0; w < kWorkers; ++w)
      workers_.emplace_back([this, w] { Work(w); });
    return absl::OkStatus();
  }

  // Claim takes `session_id` for the files; false when they may hold it
  // already. Ids are kept as 64-bit hashes (8 bytes a session, not the id):
  // a collision only sends the rest of the load to the upsert path, which
  // is exact in any state.
  bool Claim(const std::string& session_id) {
    return id_hashes_.insert(IdHash(session_id)).second;
  }

  // Add adds validated sessions, each claimed, to the files. Their stored
  // versions are read here, on the reading thread, by sorted MultiGets, not
  // in the workers: they touch no RocksDB state, so ThreadSanitizer (which
  // cannot see RocksDB's own synchronization, docs/RELIABILITY.md) checks
  // all they do.
  absl::Status Add(std::vector<Session>* sessions) {
    std::vector<std::optional<StoredVersion>> stored(sessions->size());
    if (!into_empty_store_)
      SESSIONDB_RETURN_IF_ERROR(ReadStored(*sessions, &stored));
    for (size_t i = 0; i < sessions->size(); ++i) {
      SESSIONDB_RETURN_IF_ERROR(
          AddOne(std::move((*sessions)[i]), std::move(stored[i])));
    }
    sessions->clear();
    return absl::OkStatus();
  }

  // Ingest adds every file to the store in one atomic step.
  // REQUIRES: the caller holds the engine's write lock.
  absl::Status Ingest() {
    if (!chunk_.empty() && !queue_.Push(std::move(chunk_)))
      return StopWorkers();
    SESSIONDB_RETURN_IF_ERROR(StopWorkers());
    if (sessions_ == 0) return absl::OkStatus();
    // The load's change entries and its last number go into the default
    // column family's files: atomic with the sessions (change_log.h).
    SESSIONDB_RETURN_IF_ERROR(StageChangeEntry(/*last=*/true));
    std::vector<std::vector<std::string>> files(kNumCfs);
    // The default column family (the change entries) is merged last.
    SESSIONDB_RETURN_IF_ERROR(RunParallel(kNumCfs, kWorkers, [&](int i) {
      const int cf = (i + 1) % kNumCfs;
      return MergeColumnFamily(static_cast<Cf>(cf), &files[cf]);
    }));
    std::vector<rocksdb::IngestExternalFileArg> args;
    for (int i = 0; i < kNumCfs; ++i) {
      if (files[i].empty()) continue;
      rocksdb::IngestExternalFileArg arg;
      arg.column_family = engine_.handle(static_cast<Cf>(i));
      arg.external_files = files[i];
      arg.options.move_files = true;
      arg.options.snapshot_consistency = true;
      args.push_back(std::move(arg));
    }
    SESSIONDB_RETURN_IF_ERROR(FromRocksStatus(
        engine_.db_->IngestExternalFiles(args), "adding bulk-load files"));
    for (const auto& [bot_id, bot_no] : new_bots_)
      engine_.bots_.Insert(bot_id, bot_no);
    engine_.ChangeCommitted(engine_.change_seq_ + change_entries_);
    return absl::OkStatus();
  }

  int64_t sessions() const { return sessions_; }

 private:
  // ReadStored sets (*stored)[i] to the version of sessions[i] the store
  // holds (nullopt: none).
  absl::Status ReadStored(const std::vector<Session>& sessions,
                          std::vector<std::optional<StoredVersion>>* stored) {
    std::vector<std::string_view> ids;  // distinct: each was claimed
    ids.reserve(sessions.size());
    for (const Session& s : sessions) ids.push_back(s.session_id);
    return ReadStoredVersions(engine_, ids, stored).status();
  }

  // AddOne adds a session; `stored` is the version the store holds.
  absl::Status AddOne(Session session, std::optional<StoredVersion> stored) {
    if (!into_empty_store_) {
      // A full entry is staged when the next session comes: the last entry
      // (Ingest) is never empty.
      if (changed_.size() == kUpsertBatch)
        SESSIONDB_RETURN_IF_ERROR(StageChangeEntry(/*last=*/false));
      SessionChange& change = changed_.emplace_back();
      change.session_id = session.session_id;
      change.exists = true;
      if (stored.has_value()) {
        const char* key = stored->primary_key.data();
        change.previous = SessionChange::Key{DecodeBigEndian32(key),
                                             DecodeDescTime(key + kBotBytes)};
      }
    }
    const uint32_t bot_no = BotNumber(session.bot_id);
    chunk_.push_back({std::move(session), bot_no, std::move(stored)});
    ++sessions_;
    if (chunk_.size() < kChunk) return absl::OkStatus();
    const bool pushed = queue_.Push(std::move(chunk_));
    chunk_.clear();
    return pushed ? absl::OkStatus() : StopWorkers();
  }

  void Work(int w) {
    Chunk chunk;
    absl::Status status;
    while (queue_.Pop(&chunk)) {
      for (const NumberedSession& s : chunk) {
        if (status.ok()) status = shards_[w]->Add(s);
      }
      if (!status.ok()) queue_.Close();  // the dispatcher stops pushing
    }
    if (status.ok()) status = shards_[w]->Finish();
    shard_status_[w] = status;
  }

  // StopWorkers closes the queue, joins the workers and returns the first
  // error any of them had.
  absl::Status StopWorkers() {
    queue_.Close();
    for (std::thread& t : workers_) t.join();
    workers_.clear();
    for (const absl::Status& s : shard_status_) SESSIONDB_RETURN_IF_ERROR(s);
    return absl::OkStatus();
  }

  // MergeColumnFamily merges every shard's runs of `cf` (with the deletions
  // its runs of deleted keys make), and for the default column family the
  // new bots' entries, into table files in key order (SplitFileSink; *files
  // stays empty when there is nothing).
  absl::Status MergeColumnFamily(Cf cf, std::vector<std::string>* files) {
    std::vector<std::string> runs, deletions;
    KeyRange key_range;
    for (const auto& shard : shards_) {
      runs.insert(runs.end(), shard->runs(cf).begin(), shard->runs(cf).end());
      deletions.insert(deletions.end(), shard->deletions(cf).begin(),
                       shard->deletions(cf).end());
      key_range.Extend(shard->key_range(cf));
    }
    if (cf == Cf::kDefault) {
      for (const auto& [bot_id, bot_no] : new_bots_) {
        std::string value;
        AppendBigEndian32(bot_no, &value);
        default_runs_.Add(BotDictionary::StorageKey(bot_id), value);
      }
      SESSIONDB_RETURN_IF_ERROR(default_runs_.Spill());
      runs.insert(runs.end(), default_runs_.runs().begin(),
                  default_runs_.runs().end());
      key_range.Extend(default_runs_.key_range());
    }
    if (runs.empty() && deletions.empty()) return absl::OkStatus();
    SESSIONDB_RETURN_IF_ERROR(Narrow(cf, "merge", kMaxMergeWidth, &runs));
    SESSIONDB_RETURN_IF_ERROR(Narrow(cf, "del-merge", 1, &deletions));
    std::vector<std::string> all = runs;
    all.insert(all.end(), deletions.begin(), deletions.end());
    rocksdb::ColumnFamilyHandle* handle = engine_.handle(cf);
    const bool bottommost = !OverlapsStoredKeys(cf, key_range);
    SplitFileSink sink(FileOptions(*engine_.db_, handle, bottommost), handle,
                       absl::StrCat(dir_, "/", CfName(cf)),
                       /*merge=*/Sums(cf) && !into_empty_store_,
                       FileSizeScale(all));
    if (cf == Cf::kDefault) {
      assert(deletions.empty());  // no rewrite deletes a dictionary entry
      // The change entries are stamped now, the last step before the ingest.
      ChangeTimeStamper stamper(&sink, absl::ToUnixMillis(absl::Now()));
      SESSIONDB_RETURN_IF_ERROR(MergeRuns(cf, runs, &stamper));
    } else if (!deletions.empty()) {
      SESSIONDB_ASSIGN_OR_RETURN(std::unique_ptr<SortedRunReader> keys,
                                 SortedRunReader::Open(deletions.front()));
      WithDeletions with_deletions(&sink, std::move(keys));
      absl::Status merged = MergeRuns(cf, runs, &with_deletions);
      if (merged.ok()) merged = with_deletions.Finish();
      // The deletions' run is read along: damage there can show first as
      // a key out of order.
      SESSIONDB_RETURN_IF_ERROR(DamageOr(deletions, std::move(merged)));
    } else {
      SESSIONDB_RETURN_IF_ERROR(MergeRuns(cf, runs, &sink));
    }
    SESSIONDB_RETURN_IF_ERROR(sink.Finish());
    RemoveFiles(all);  // disk: the runs go as soon as their files are made
    *files = sink.paths();
    return absl::OkStatus();
  }

  // OverlapsStoredKeys: a table file or the memtables of `cf` hold keys in
  // `range`. A file that overlaps neither lands in the bottommost level;
  // one that overlaps the memtables in level 0, one that overlaps a table
  // file above the lowest such file. Judged by the whole range of the
  // column family's files, so a file of a split that falls in a gap between
  // stored files lands at the bottom compressed as for above it, and stays
  // so until compaction rewrites it.
  bool OverlapsStoredKeys(Cf cf, const KeyRange& range) const {
    if (range.empty) return false;
    rocksdb::ColumnFamilyHandle* handle = engine_.handle(cf);
    rocksdb::ColumnFamilyMetaData meta;
    engine_.db_->GetColumnFamilyMetaData(handle, &meta);
    for (const rocksdb::LevelMetaData& level : meta.levels) {
      for (const rocksdb::SstFileMetaData& file : level.files) {
        if (range.Overlaps(file.smallestkey, file.largestkey)) return true;
      }
    }
    // [smallest, largest] as the half-open range RocksDB takes.
    const std::string limit = range.largest + '\0';
    uint64_t entries = 0, bytes = 0;
    engine_.db_->GetApproximateMemTableStats(
        handle, rocksdb::Range(range.smallest, limit), &entries, &bytes);
    return entries > 0;
  }

  // Narrow merges runs of `cf`, at most kMaxMergeWidth open at once, into
  // intermediate runs until at most `width` are left (the last merge opens
  // the kMaxMergeWidth runs left and the deletions' one).
  absl::Status Narrow(Cf cf, std::string_view name, size_t width,
                      std::vector<std::string>* runs) {
    for (int step = 0; runs->size() > width; ++step) {
      const size_t n = std::min(runs->size(), kMaxMergeWidth);
      std::vector<std::string> group(runs->begin(), runs->begin() + n);
      SortedRunWriter sink(absl::StrCat(dir_, "/", CfName(cf), "-",
                                        AsAbsl(name), "-", step, ".run"));
      SESSIONDB_RETURN_IF_ERROR(sink.Open());
      SESSIONDB_RETURN_IF_ERROR(MergeRuns(cf, group, &sink));
      SESSIONDB_RETURN_IF_ERROR(sink.Finish());
      RemoveFiles(group);
      runs->erase(runs->begin(), runs->begin() + n);
      runs->push_back(sink.path());
    }
    return absl::OkStatus();
  }

  // FileSizeScale: how much larger than compaction's files this load's
  // files of one column family are made. Into an empty store, not at all:
  // they land in the bottommost level. Into a store with sessions a file
  // lands in level 0 when it overlaps level 0 or the memtables (a store a
  // runtime writes to), and past level0_slowdown_writes_trigger (20) files
  // there RocksDB slows every write until compaction catches up: so a column
  // family's runs make at most about kMaxFilesAboveStore files.
  uint64_t FileSizeScale(const std::vector<std::string>& runs) const {
    if (into_empty_store_) return 1;
    uint64_t run_bytes = 0;
    std::error_code ignored;  // a size unknown counts as 0
    for (const std::string& run : runs) {
      const uintmax_t size = std::filesystem::file_size(run, ignored);
      if (!ignored) run_bytes += size;
    }
    const uint64_t budget = kMaxFilesAboveStore * SplitFileSink::kMaxFileBytes;
    return std::max<uint64_t>(1, (run_bytes + budget - 1) / budget);
  }

  // StageChangeEntry stages the next change entry (`everything` into an
  // empty store, else the sessions added since the last one) in
  // default_runs_; the last one also stages the change sequence.
  absl::Status StageChangeEntry(bool last) {
    ChangeEntry entry;
    entry.everything = into_empty_store_;
    entry.sessions = std::move(changed_);
    changed_.clear();
    ++change_entries_;
    rocksdb::WriteBatch batch;
    engine_.StageChange(&batch, &entry, engine_.change_seq_ + change_entries_);
    struct Handler : rocksdb::WriteBatch::Handler {
      ColumnFamilyRuns* runs;
      bool with_sequence;
      size_t bytes = 0;
      rocksdb::Status PutCF(uint32_t, const rocksdb::Slice& key,
                            const rocksdb::Slice& value) override {
        if (with_sequence || key.ToStringView() != kChangeSeqKey)
          bytes += runs->Add(key.ToStringView(), value.ToStringView());
        return rocksdb::Status::OK();
      }
    } handler;
    handler.runs = &default_runs_;
    handler.with_sequence = last;
    SESSIONDB_RETURN_IF_ERROR(FromRocksStatus(
        batch.Iterate(&handler), "staging the load's change entry"));
    staged_change_bytes_ += handler.bytes;
    // Change entries take a sixteenth of the budget (the shards the rest).
    if (staged_change_bytes_ < memory_bytes_ / 16) return absl::OkStatus();
    staged_change_bytes_ = 0;
    return default_runs_.Spill();
  }

  uint32_t BotNumber(const std::string& bot_id) {
    if (std::optional<uint32_t> no = engine_.bots().Find(bot_id)) return *no;
    auto it = new_bot_numbers_.find(bot_id);
    if (it != new_bot_numbers_.end()) return it->second;
    const uint32_t no =
        engine_.bots().NextNumber() + static_cast<uint32_t>(new_bots_.size());
    new_bot_numbers_.emplace(bot_id, no);
    new_bots_.emplace_back(bot_id, no);
    return no;
  }

  StorageEngine& engine_;
  const BulkLoadOptions& options_;
  const bool into_empty_store_;
  const std::string dir_;
  const size_t memory_bytes_;  // the budget of the runs' buffers
  ChunkQueue queue_;
  std::vector<std::unique_ptr<ShardBuilder>> shards_;
  std::vector<absl::Status> shard_status_;  // written by worker w only
  std::vector<std::thread> workers_;
  Chunk chunk_;
  absl::flat_hash_set<uint64_t> id_hashes_;
  absl::flat_hash_map<std::string, uint32_t> new_bot_numbers_;
  std::vector<std::pair<std::string, uint32_t>> new_bots_;
  int64_t sessions_ = 0;
  // The default column family's entries: change entries as they are staged,
  // new bots at the end.
  ColumnFamilyRuns default_runs_;
  size_t staged_change_bytes_ = 0;      // in default_runs_' buffer
  uint64_t change_entries_ = 0;         // staged so far
  std::vector<SessionChange> changed_;  // since the last staged entry
};

absl::StatusOr<BulkLoadSummary> RunBulkLoad(StorageEngine& engine,
                                            SessionSource& source,
                                            const BulkLoadOptions& options) {
  BulkLoadSummary summary;
  Session session;
  auto next = [&]() -> absl::StatusOr<bool> {
    SESSIONDB_ASSIGN_OR_RETURN(bool more, source.Next(&session));
    if (!more) return false;
    absl::Status valid = ValidateSession(session);
    if (!valid.ok()) return InvalidSession(summary.sessions, session, valid);
    ++summary.sessions;
    if (options.progress && summary.sessions % kProgressEvery == 0)
      options.progress(summary.sessions);
    return true;
  };

  bool more = true;
  SESSIONDB_ASSIGN_OR_RETURN(bool empty, HoldsNoSession(engine));
  {
    BulkFileBuilder files(engine, options, empty);
    SESSIONDB_RETURN_IF_ERROR(files.Start());
    std::vector<Session> claimed;
    while (true) {
      SESSIONDB_ASSIGN_OR_RETURN(more, next());
      if (!more || !files.Claim(session.session_id)) break;
      claimed.push_back(std::move(session));
      if (claimed.size() == BulkFileBuilder::kChunk)
        SESSIONDB_RETURN_IF_ERROR(files.Add(&claimed));
    }
    SESSIONDB_RETURN_IF_ERROR(files.Add(&claimed));
    SESSIONDB_RETURN_IF_ERROR(files.Ingest());
    summary.ingested = files.sessions();
  }

  // The upsert path, from `session` (already read) on.
  std::vector<Session> batch;
  while (more) {
    batch.push_back(std::move(session));
    SESSIONDB_ASSIGN_OR_RETURN(more, next());
    if (batch.size() == kUpsertBatch || !more) {
      SESSIONDB_RETURN_IF_ERROR(engine.WriteUpserts(batch));
      summary.upserted += static_cast<int64_t>(batch.size());
      batch.clear();
    }
  }
  if (options.progress) options.progress(summary.sessions);
  return summary;
}

}  // namespace sessiondb
