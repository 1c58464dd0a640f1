// The change sequence and the change log: what lets a consumer outside the
// store (`sessiondb ship`, ClickHouse, SPEC §9) version what it copies and
// follow later writes, including the ones that remove or move sessions.
//
// Every committed write batch that changes sessions or aliases (upserts,
// deletes, purges, forget-user, alias links, a bulk load, a repair) takes the
// next CHANGE NUMBER (1, 2, ...; 0 = no change yet) and, in the same
// WriteBatch (or, for a bulk load's table files, in the same atomic ingest),
// writes
//   default: "change_seq"                -> number(8, big-endian): the last
//                                           committed number
//   default: "changes/" number(8, BE)    -> the change entry (below)
// so a snapshot that sees a write sees its entry and its number, and one
// that does not sees neither. Numbers strictly increase across batches and
// reopens; they are not RocksDB sequence numbers (those count operations,
// and a bulk load's ingest takes one).
//
// A change entry lists, per session the batch touched, its sessionId, the
// primary key it had BEFORE the batch (bot, start_ms) when it existed, and
// whether it exists after the batch; per alias the batch set or removed,
// the alias key and its user id now (or removed). An entry may instead say
// `everything`: a bulk load into an empty store and a repair do, and a
// consumer then copies the whole snapshot again.
//
// Trimming: the writer removes entries <= a mark with one DeleteRange and
// records the mark as
//   default: "changes_trimmed"           -> number(8, BE): every entry <= it
//                                           is gone
// A consumer whose position P (it has shipped everything <= P) is below the
// trimmed mark has lost entries and must copy the snapshot again. The mark
// comes from the SHIPPED file a consumer writes into the store directory
// (ReadShippedMark/WriteShippedMark): entries after it are kept (up to
// ChangeLogLimits::keep_max); without one the log keeps the last
// ChangeLogLimits::keep_unshipped entries.
#ifndef SESSIONDB_STORAGE_CHANGE_LOG_H_
#define SESSIONDB_STORAGE_CHANGE_LOG_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "rocksdb/db.h"

namespace sessiondb {

class StorageEngine;

inline constexpr std::string_view kChangeSeqKey = "change_seq";
inline constexpr std::string_view kChangeLogPrefix = "changes/";
inline constexpr std::string_view kChangeLogTrimmedKey = "changes_trimmed";
// The file a consumer records its position in, in the store directory.
inline constexpr std::string_view kShippedFileName = "SHIPPED";

// How much of the log the writer keeps (StorageEngine::TrimChangeLog).
struct ChangeLogLimits {
  // Without a SHIPPED file: the newest entries kept.
  uint64_t keep_unshipped = 10000;
  // With one: entries after its mark are kept, but never more than this
  // many (a consumer stopped for that long reships the snapshot).
  uint64_t keep_max = 1000000;
  // The writer checks the SHIPPED file and trims every this many numbers
  // (besides at open and on Compact).
  uint64_t trim_every = 1024;
};

// One session a change touched.
struct SessionChange {
  std::string session_id;
  // The session's key before the change; nullopt when it did not exist.
  struct Key {
    uint32_t bot_no = 0;
    int64_t start_ms = 0;
    bool operator==(const Key& o) const {
      return bot_no == o.bot_no && start_ms == o.start_ms;
    }
  };
  std::optional<Key> previous;
  bool exists = false;  // after the change
};

// One alias a change set (user_id) or removed (nullopt).
struct AliasChange {
  std::string alias;  // ascii-lowered, as stored
  std::optional<std::string> user_id;
};

struct ChangeEntry {
  uint64_t number = 0;
  // Wall clock of the writer when it committed (a bulk load's entries: when
  // its files were finished, seconds before the commit).
  int64_t time_ms = 0;
  bool everything = false;  // reship the snapshot; the lists may be empty
  std::vector<SessionChange> sessions;
  std::vector<AliasChange> aliases;
};

std::string ChangeKey(uint64_t number);
// EncodeChangeEntry writes `entry` (not its number: that is the key).
std::string EncodeChangeEntry(const ChangeEntry& entry);
// SetEncodedChangeTime sets the time_ms of an entry EncodeChangeEntry wrote
// (a bulk load stages its entries before it knows when it commits); false,
// and nothing changed, when `encoded` is no such entry.
bool SetEncodedChangeTime(int64_t time_ms, std::string* encoded);
// DecodeChangeEntry reads the entry stored under `key`; DataLoss if either is
// malformed.
absl::StatusOr<ChangeEntry> DecodeChangeEntry(std::string_view key,
                                              std::string_view value);
// DecodeNumber reads an 8-byte big-endian number value; DataLoss otherwise.
absl::StatusOr<uint64_t> DecodeChangeNumber(std::string_view what,
                                            std::string_view value);

// Where the log stands at one read state.
struct ChangeLogState {
  uint64_t sequence = 0;         // the last committed change number
  uint64_t trimmed_through = 0;  // every entry <= it is gone
};

// ReadChangeLogState reads the state at `snapshot` (a ReadView's; null on a
// reader, which reads at its last Refresh).
absl::StatusOr<ChangeLogState> ReadChangeLogState(
    const StorageEngine& engine, const rocksdb::Snapshot* snapshot);

// ChangeLogIterator walks the entries numbered > `after` at `snapshot`, in
// number order. A consumer at position `after` must first check
// after >= ReadChangeLogState(...).trimmed_through: below it entries are
// missing. Must not outlive the engine or the snapshot's ReadView.
class ChangeLogIterator {
 public:
  ChangeLogIterator(const StorageEngine& engine,
                    const rocksdb::Snapshot* snapshot, uint64_t after);
  bool Valid() const { return valid_; }
  const ChangeEntry& entry() const { return entry_; }
  void Next();
  // OK unless reading or decoding failed (Valid() is then false).
  absl::Status status() const { return status_; }

 private:
  void Load();

  std::unique_ptr<rocksdb::Iterator> it_;
  ChangeEntry entry_;
  bool valid_ = false;
  absl::Status status_;
};

// The SHIPPED file of the store at `store_dir`: one decimal change number
// and a newline, everything <= which the consumer has shipped. nullopt when
// there is none; an error when it is unreadable or malformed.
absl::StatusOr<std::optional<uint64_t>> ReadShippedMark(
    std::string_view store_dir);
// WriteShippedMark replaces it atomically (a temporary file, fsync, rename).
absl::Status WriteShippedMark(std::string_view store_dir, uint64_t number);

}  // namespace sessiondb

#endif  // SESSIONDB_STORAGE_CHANGE_LOG_H_
