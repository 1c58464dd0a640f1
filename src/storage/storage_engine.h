// StorageEngine owns the RocksDB instance of a store: its column families,
// the bot dictionary and the serialized write path.
#ifndef SESSIONDB_STORAGE_STORAGE_ENGINE_H_
#define SESSIONDB_STORAGE_STORAGE_ENGINE_H_

#include <array>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "session_generated.h"
#include "sessiondb/bulk_load.h"
#include "sessiondb/options.h"
#include "sessiondb/session.h"
#include "storage/bot_dictionary.h"
#include "storage/change_log.h"
#include "storage/column_families.h"

namespace sessiondb {

// The on-disk format this code reads and writes. A writer's Open upgrades an
// older one it can (format_upgrade.h); every other is refused.
inline constexpr int kFormatVersion = 4;
inline constexpr std::string_view kFormatVersionKey = "format_version";
// The key cursors are signed with (query/page_cursor.h): kCursorKeyBytes
// random bytes, written by the first writer that opens the store without
// one and never changed, so a cursor stays valid across reopens and is
// refused by every other store.
inline constexpr std::string_view kCursorKeyKey = "cursor_key";
inline constexpr size_t kCursorKeyBytes = 32;
// A default-CF key each close writes and single-deletes in one batch, never
// present after a flush (see StorageEngine::FlushMemtables).
inline constexpr std::string_view kCloseMarkerKey = "close_marker";

class StorageEngine;

// RepairWriter stages the writes of a consistency repair
// (StorageEngine::Repair); each Put or Delete may write the batch so far.
class RepairWriter {
 public:
  RepairWriter(const RepairWriter&) = delete;
  RepairWriter& operator=(const RepairWriter&) = delete;

  absl::Status Put(Cf cf, std::string_view key, std::string_view value);
  absl::Status Delete(Cf cf, std::string_view key);
  // RestoreBot adds `bot_id` = `bot_no`, which the store's dictionary holds
  // or this repair writes, to the in-memory dictionary after the repair.
  void RestoreBot(std::string bot_id, uint32_t bot_no);

 private:
  friend class StorageEngine;
  RepairWriter(StorageEngine& engine, int batch_ops);
  absl::Status Added();
  absl::Status Flush();

  StorageEngine& engine_;
  const int batch_ops_;
  rocksdb::WriteBatch batch_;
  int64_t writes_ = 0;
  std::vector<std::pair<std::string, uint32_t>> restored_bots_;
};

// Thread-safe. The engine is the one writer of its store: every change goes
// through a method below under write_mu_ (UpsertSessions, BulkLoad, the
// deletes, aliases, Repair); the layers above read through Get, MultiGet and
// NewIterator and never see the RocksDB handle.
class StorageEngine {
 public:
  // Open opens or creates the store at `path`; see Store::Open for errors.
  // `env`, when not null, is the RocksDB Env all file access goes through
  // (tests inject disk faults with one); it must outlive the engine.
  static absl::StatusOr<std::unique_ptr<StorageEngine>> Open(
      const Options& options, std::string_view path,
      rocksdb::Env* env = nullptr);
  // OpenReader opens the store at `path` as a RocksDB secondary instance
  // (its own files in a temporary directory, removed at close) caught up
  // with the writer; see Store::OpenReader. Writes return
  // FailedPrecondition. `env` as for Open (tests interleave a writer's
  // flushes with the reader's file reads through one).
  static absl::StatusOr<std::unique_ptr<StorageEngine>> OpenReader(
      const Options& options, std::string_view path,
      rocksdb::Env* env = nullptr);
  // Destroying a writer's engine flushes every memtable (FlushMemtables), so
  // the next open replays no write-ahead log, then closes RocksDB.
  ~StorageEngine();
  StorageEngine(const StorageEngine&) = delete;
  StorageEngine& operator=(const StorageEngine&) = delete;

  // Reads. Pass a ReadView's snapshot in `ro` when the read is part of an
  // operation that must see one state of the store.
  rocksdb::Status Get(const rocksdb::ReadOptions& ro, Cf cf,
                      std::string_view key, std::string* value) const;
  rocksdb::Status Get(const rocksdb::ReadOptions& ro, Cf cf,
                      std::string_view key,
                      rocksdb::PinnableSlice* value) const;
  // MultiGet reads keys.size() keys into values/statuses (as many each);
  // `sorted_input`: the keys are in the column family's order already.
  void MultiGet(const rocksdb::ReadOptions& ro, Cf cf,
                absl::Span<const rocksdb::Slice> keys,
                rocksdb::PinnableSlice* values, rocksdb::Status* statuses,
                bool sorted_input = false) const;
  std::unique_ptr<rocksdb::Iterator> NewIterator(const rocksdb::ReadOptions& ro,
                                                 Cf cf) const;
  const rocksdb::Comparator* comparator(Cf cf) const;
  // ApproximateBytes: table files plus memtables of every column family.
  int64_t ApproximateBytes() const;

  const BotDictionary& bots() const { return bots_; }
  // cursor_key is the store's key for signing cursors (kCursorKeyKey). A
  // reader of a store no writer has given one yet uses a random key of its
  // own until a CatchUp finds the store's (its cursors then stop verifying).
  std::string cursor_key() const;
  const Options& options() const { return options_; }
  bool is_reader() const { return !secondary_dir_.empty(); }
  // path is the store's directory, as opened.
  const std::string& path() const { return path_; }
  // RefuseOnReader is FailedPrecondition naming `what` on a reader, OK on a
  // writer. Every write checks it first.
  absl::Status RefuseOnReader(std::string_view what) const;

  // UpsertSessions writes every session in one WriteBatch, replacing any
  // session with the same sessionId and its index entries and counts.
  // REQUIRES: every session passed ValidateSession.
  absl::Status UpsertSessions(absl::Span<const Session> sessions);

  // BulkLoad upserts every session of `source` (Store::BulkLoad), through
  // sorted files until the source repeats a sessionId (bulk_loader.h).
  absl::StatusOr<BulkLoadSummary> BulkLoad(SessionSource& source,
                                           const BulkLoadOptions& options);

  // DeleteSession removes a session; NotFound if absent.
  absl::Status DeleteSession(std::string_view session_id);

  // PutAliases maps every alias of `identity` to its user id.
  absl::Status PutAliases(const UserIdentity& identity);

  // DeleteSessionsIf removes, in one WriteBatch, each listed session whose
  // current record satisfies `condition` (tested under the write lock, so a
  // session an upsert moved out of the caller's selection since it was
  // chosen stays). Absent ids are skipped. Returns how many were removed.
  absl::StatusOr<int64_t> DeleteSessionsIf(
      absl::Span<const std::string> session_ids,
      absl::FunctionRef<bool(const fb::Session&)> condition);

  // ForgetUserIdentity removes, in one WriteBatch, each alias key
  // (ascii-lowered, as stored) that still maps to `user_id`, and the
  // per-user session count of `user_id` if no session has it any more.
  // Returns how many aliases were removed.
  absl::StatusOr<int64_t> ForgetUserIdentity(
      std::string_view user_id, absl::Span<const std::string> alias_keys);

  // FlushMemtables writes every column family's memtable to a table file and
  // makes every older write-ahead log obsolete (RocksDB deletes it), even
  // when nothing was written since the last flush.
  absl::Status FlushMemtables();

  // CompactAll flushes, then compacts every column family fully, its
  // bottommost level included: deleted and replaced data leaves the files.
  // Writes go on meanwhile.
  absl::Status CompactAll();

  // The change log (change_log.h). change_sequence is the last change number
  // this writer committed (0 on a reader: readers use ReadChangeLogState).
  uint64_t change_sequence();
  // TrimChangeLog removes the entries the SHIPPED file's mark and `limits`
  // allow (change_log.h); the writer also runs it at open, on CompactAll
  // and every ChangeLogLimits::trim_every numbers. A SHIPPED file it cannot
  // read trims nothing (and is returned as the error).
  absl::Status TrimChangeLog();
  // SetChangeLogLimits replaces the limits (tests use small ones).
  void SetChangeLogLimits(const ChangeLogLimits& limits);

  // CatchUp makes a reader see every write its writer acknowledged so far
  // and reloads the bot dictionary. It waits until no ReadView is alive and
  // holds new ones back while it runs. A writer's engine is always current:
  // OK at once.
  absl::Status CatchUp();
  // caught_up_whole is false when the reader's last catch-up (OpenReader or
  // CatchUp) gave up with the writer still changing its logs: its state may
  // hold part of a batch until the next CatchUp. A consumer that must not
  // act on such a state (ship --follow) waits for the next one.
  bool caught_up_whole() const {
    return caught_up_whole_.load(std::memory_order_relaxed);
  }

  // Repair runs `find_and_fix` with every other write held out; the fixes it
  // stages on its RepairWriter are written in atomic, synced batches (the
  // last one when it returns OK), then the bots it restored join the
  // in-memory dictionary. A ReadView it takes sees no write but its own
  // batches. Returns how many operations were written.
  absl::StatusOr<int64_t> Repair(
      int batch_ops,
      absl::FunctionRef<absl::Status(RepairWriter& writer)> find_and_fix);

 private:
  friend class BulkFileBuilder;
  friend class ReadView;
  friend class RepairWriter;
  friend class SessionBatch;           // the write path: reads and stages under
                                       // write_mu_
  friend class StorageEngineTestPeer;  // tests/testing: raw damage
  friend absl::StatusOr<BulkLoadSummary> RunBulkLoad(
      StorageEngine& engine, SessionSource& source,
      const BulkLoadOptions& options);

  StorageEngine() = default;
  rocksdb::ColumnFamilyHandle* handle(Cf cf) const {
    return handles_[static_cast<int>(cf)];
  }
  // Close flushes (a writer Open accepted) and closes RocksDB.
  void Close();
  // CatchUpWithWriter catches a reader's secondary instance up, repeating
  // CatchUpOnce while the writer's write-ahead logs changed during the last
  // one (a log lost then may leave a batch torn across column families), at
  // most max_catch_ups_ times; sets caught_up_whole_.
  absl::Status CatchUpWithWriter();
  // CatchUpOnce catches up once, reopening the instance when its memtables
  // may hide what the writer flushed since.
  absl::Status CatchUpOnce();
  // WriterWals lists the numbers of the writer's write-ahead logs on disk.
  absl::StatusOr<std::vector<uint64_t>> WriterWals() const;
  // NewestTableFiles is each column family's newest table file's number
  // (0: none); every new file of the store gets a larger one.
  std::array<uint64_t, kNumCfs> NewestTableFiles() const;
  // OpenDb opens RocksDB (OpenAsSecondary when secondary_dir_ is set).
  absl::Status OpenDb(std::string_view path, rocksdb::Env* env);
  // CheckFormat checks (a writer: on a new store, writes; on an older one,
  // upgrades) the format version.
  absl::Status CheckFormat(std::string_view path);
  absl::Status LoadBots();
  // LoadCursorKey reads the cursor key; a writer creates a missing one.
  absl::Status LoadCursorKey();
  absl::Status Write(rocksdb::WriteBatch* batch, std::string_view what);
  // CommitChange adds the next change number and `entry` (its number and
  // time set here) to `batch`, writes it, and on success advances the
  // sequence (and now and then trims the log). Requires write_mu_.
  absl::Status CommitChange(rocksdb::WriteBatch* batch, ChangeEntry entry,
                            std::string_view what);
  // StageChange adds number `number`'s change_seq and entry to `batch`.
  void StageChange(rocksdb::WriteBatch* batch, ChangeEntry* entry,
                   uint64_t number);
  // ChangeCommitted advances the sequence to `number`, whose entry (and the
  // ones before it) were just written, and now and then trims the log.
  // Requires write_mu_.
  void ChangeCommitted(uint64_t number);
  // LoadChangeLog reads the sequence and the trimmed mark (a writer, at
  // open).
  absl::Status LoadChangeLog();
  // TrimChangeLogLocked trims the change log. Requires write_mu_.
  absl::Status TrimChangeLogLocked();
  // WriteUpserts is UpsertSessions under write_mu_, which the caller holds.
  absl::Status WriteUpserts(absl::Span<const Session> sessions);

  // Constant after Open.
  Options options_;
  std::string secondary_dir_;    // a reader's own directory; empty: a writer
  rocksdb::Env* env_ = nullptr;  // Open's or OpenReader's; null: the default
  int max_catch_ups_ = 16;       // CatchUpWithWriter's bound (tests lower it)
  bool opened_ = false;          // Open or OpenReader succeeded
  std::shared_ptr<rocksdb::Cache> cache_;  // the memory budget's (OpenDb)
  std::unique_ptr<rocksdb::DB> db_;
  std::array<rocksdb::ColumnFamilyHandle*, kNumCfs> handles_{};
  rocksdb::WriteOptions write_options_;
  BotDictionary bots_;  // internally synchronized; changed under write_mu_

  std::string path_;

  // Held by every write, so each upsert reads the state the previous one
  // left, and by a repair from its first read to its last write. A
  // std::mutex rather than absl::Mutex, as views_mu_: TSan sees its order.
  std::mutex write_mu_;
  // Guarded by write_mu_: the last committed change number and the trimmed
  // mark (change_log.h), and when and how the log is trimmed.
  uint64_t change_seq_ = 0;
  uint64_t change_trimmed_ = 0;
  uint64_t last_trim_check_ = 0;
  ChangeLogLimits change_limits_;

  mutable absl::Mutex cursor_key_mu_;
  std::string cursor_key_ ABSL_GUARDED_BY(cursor_key_mu_);
  bool cursor_key_stored_ ABSL_GUARDED_BY(cursor_key_mu_) = false;

  // The reader's last catch-up ended with the writer's logs unchanged.
  std::atomic<bool> caught_up_whole_{true};

  // A reader's live ReadViews: CatchUp waits until there are none, then
  // holds views_mu_ while it catches up so that new ones wait for it.
  // std::mutex rather than absl::Mutex: with Debian's uninstrumented libabsl,
  // TSan would see no order between a reopen and the reads around it
  // (tools/run_tsan.sh checks it).
  std::mutex views_mu_;
  std::condition_variable no_views_;
  int views_ = 0;  // guarded by views_mu_
};

// ReadView is what one read operation (a request, a check pass, an export)
// reads at from its start to its end, so that its reads agree: a RocksDB
// snapshot on a writer; on a reader, whose secondary instance takes no
// snapshots, the state of the last catch-up, which CatchUp does not change
// while a ReadView lives. Pass snapshot() to every ReadOptions of the
// operation. Non-copyable; must not outlive the engine.
class ReadView {
 public:
  explicit ReadView(StorageEngine& engine);
  // BetweenWrites: taken while no write runs (it waits for the one in
  // progress), so the in-memory bot dictionary holds every bot the view
  // sees; writes update it after their batch commits.
  struct BetweenWrites {};
  ReadView(StorageEngine& engine, BetweenWrites);
  ~ReadView();
  ReadView(const ReadView&) = delete;
  ReadView& operator=(const ReadView&) = delete;

  // snapshot is null on a reader.
  const rocksdb::Snapshot* snapshot() const { return snapshot_; }

 private:
  // Begin takes the snapshot (a writer) or counts the view (a reader).
  void Begin();

  StorageEngine& engine_;
  const rocksdb::Snapshot* snapshot_ = nullptr;
};

}  // namespace sessiondb

#endif  // SESSIONDB_STORAGE_STORAGE_ENGINE_H_
