#include "storage/storage_engine.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "base/absl_compat.h"
#include "base/crypto.h"
#include "base/status_macros.h"
#include "rocksdb/metadata.h"
#include "storage/bulk_loader.h"
#include "storage/counters.h"
#include "storage/format_upgrade.h"
#include "storage/info_log.h"
#include "storage/key_codec.h"
#include "storage/rocksdb_status.h"
#include "storage/session_batch.h"

namespace sessiondb {

namespace {

// A store directory holds CURRENT from its first open on. Checking for it
// first keeps an open that must not create a store from creating anything:
// RocksDB makes the directory and its LOCK file before it finds no store.
absl::Status RequireStore(rocksdb::Env* env, std::string_view path) {
  rocksdb::Status s = env->FileExists(absl::StrCat(AsAbsl(path), "/CURRENT"));
  if (s.IsNotFound()) {
    return absl::NotFoundError(
        absl::StrCat("opening ", AsAbsl(path), ": no sessiondb store there"));
  }
  return FromRocksStatus(s, absl::StrCat("opening ", AsAbsl(path)));
}

// CloseDb closes `db` as it is, with its column family `handles`.
void CloseDb(std::unique_ptr<rocksdb::DB> db,
             const std::array<rocksdb::ColumnFamilyHandle*, kNumCfs>& handles) {
  for (rocksdb::ColumnFamilyHandle* h : handles) {
    if (h != nullptr) db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  }
  // Close's status only reports background errors that the next Open would
  // see again.
  db->Close().PermitUncheckedError();
}

// NewReaderDir makes the directory a secondary instance keeps its own files
// in (its LOG), under $TMPDIR: a reader writes nothing into the store.
absl::StatusOr<std::string> NewReaderDir() {
  const char* base = std::getenv("TMPDIR");
  std::string dir = absl::StrCat(base != nullptr && *base ? base : "/tmp",
                                 "/sessiondb-reader-XXXXXX");
  if (::mkdtemp(dir.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("making a reader's directory ", dir,
                                            ": ", std::strerror(errno)));
  }
  return dir;
}

// UnknownColumnFamilies lists the column families of the store at `path`
// that are not among `descriptors`. RocksDB refuses such a store with an
// InvalidArgument whose only detail is its text; reading the names tells a
// store of another format from other invalid arguments. Empty when the
// names cannot be read.
std::vector<std::string> UnknownColumnFamilies(
    const rocksdb::DBOptions& db_options, std::string_view path,
    const std::vector<rocksdb::ColumnFamilyDescriptor>& descriptors) {
  std::vector<std::string> names;
  if (!rocksdb::DB::ListColumnFamilies(db_options, std::string(path), &names)
           .ok()) {
    return {};
  }
  std::vector<std::string> unknown;
  for (const std::string& name : names) {
    const bool known =
        std::any_of(descriptors.begin(), descriptors.end(),
                    [&](const rocksdb::ColumnFamilyDescriptor& d) {
                      return d.name == name;
                    });
    if (!known) unknown.push_back(name);
  }
  return unknown;
}

// StoreLockHeld tells whether the store's LOCK file is held (by another
// process, or by another open in this one), by trying to take it.
// RocksDB 7.8 reports a held lock as a plain IOError, with no subcode, the
// errno only in its text (env/fs_posix.cc LockFile); asking the same lock
// again identifies it without reading that text. A LOCK file that cannot be
// opened at all (a read-only directory) also counts as held: the open could
// not take it either, and the message RocksDB gave names the cause.
bool StoreLockHeld(rocksdb::Env* env, std::string_view path) {
  rocksdb::FileLock* lock = nullptr;
  rocksdb::Status s = env->LockFile(absl::StrCat(AsAbsl(path), "/LOCK"), &lock);
  if (!s.ok()) return true;
  env->UnlockFile(lock).PermitUncheckedError();
  return false;
}

}  // namespace

absl::StatusOr<std::unique_ptr<StorageEngine>> StorageEngine::Open(
    const Options& options, std::string_view path, rocksdb::Env* env) {
  std::unique_ptr<StorageEngine> engine(new StorageEngine());
  engine->options_ = options;
  engine->path_ = std::string(path);
  engine->env_ = env;
  engine->write_options_.sync = options.sync_writes;
  if (!options.create_if_missing) {
    SESSIONDB_RETURN_IF_ERROR(
        RequireStore(env != nullptr ? env : rocksdb::Env::Default(), path));
  }
  SESSIONDB_RETURN_IF_ERROR(engine->OpenDb(path, env));
  SESSIONDB_RETURN_IF_ERROR(engine->CheckFormat(path));
  SESSIONDB_RETURN_IF_ERROR(engine->LoadBots());
  SESSIONDB_RETURN_IF_ERROR(engine->LoadCursorKey());
  SESSIONDB_RETURN_IF_ERROR(engine->LoadChangeLog());
  // Holding the store's lock, the writer owns what a crashed load left.
  RemoveBulkLoadLeftovers(path);
  engine->opened_ = true;
  // A SHIPPED file the writer cannot read trims nothing; writes go on.
  engine->TrimChangeLog().IgnoreError();
  return engine;
}

absl::StatusOr<std::unique_ptr<StorageEngine>> StorageEngine::OpenReader(
    const Options& options, std::string_view path, rocksdb::Env* env) {
  SESSIONDB_RETURN_IF_ERROR(
      RequireStore(env != nullptr ? env : rocksdb::Env::Default(), path));
  std::unique_ptr<StorageEngine> engine(new StorageEngine());
  engine->options_ = options;
  engine->path_ = std::string(path);
  engine->env_ = env;
  SESSIONDB_ASSIGN_OR_RETURN(engine->secondary_dir_, NewReaderDir());
  SESSIONDB_RETURN_IF_ERROR(engine->OpenDb(path, env));
  // Opening replays the writer's MANIFEST and WALs as they were; catching
  // up once more takes in what the writer did meanwhile.
  SESSIONDB_RETURN_IF_ERROR(engine->CatchUpWithWriter());
  SESSIONDB_RETURN_IF_ERROR(engine->CheckFormat(path));
  SESSIONDB_RETURN_IF_ERROR(engine->LoadBots());
  SESSIONDB_RETURN_IF_ERROR(engine->LoadCursorKey());
  engine->opened_ = true;
  return engine;
}

absl::Status StorageEngine::OpenDb(std::string_view path, rocksdb::Env* env) {
  // A reader's reopen (CatchUpWithWriter) keeps the blocks it cached: their
  // keys derive from each table file's own identity.
  if (cache_ == nullptr) cache_ = NewBudgetCache(options_);
  const std::shared_ptr<rocksdb::Cache>& cache = cache_;
  rocksdb::DBOptions db_options = BuildDbOptions(options_, cache);
  if (env != nullptr) db_options.env = env;
  // Not RocksDB's own LOG writer: it aborts the process on the write after a
  // failed one (a full disk); see info_log.h.
  db_options.info_log =
      NewInfoLog(is_reader() ? std::string_view(secondary_dir_) : path);
  db_options.create_if_missing = options_.create_if_missing;
  // A secondary instance keeps every table file open (RocksDB requires it),
  // so files the writer's compactions delete stay readable until it catches
  // up.
  if (is_reader()) db_options.max_open_files = -1;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors =
      BuildCfDescriptors(options_, cache);

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      is_reader() ? rocksdb::DB::OpenAsSecondary(db_options, std::string(path),
                                                 secondary_dir_, descriptors,
                                                 &handles, &raw)
                  : rocksdb::DB::Open(db_options, std::string(path),
                                      descriptors, &handles, &raw);
  if (!s.ok()) {
    if (s.IsInvalidArgument()) {
      std::vector<std::string> unknown =
          UnknownColumnFamilies(db_options, path, descriptors);
      if (!unknown.empty()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "opening ", AsAbsl(path), ": not a sessiondb store of format ",
            kFormatVersion, " (column families ", absl::StrJoin(unknown, ", "),
            "; ", s.ToString(), ")"));
      }
    }
    if (!is_reader() && s.IsIOError() && !s.IsPathNotFound() &&
        StoreLockHeld(db_options.env, path)) {
      return absl::UnavailableError(
          absl::StrCat("opening ", AsAbsl(path), ": ", s.ToString(),
                       " (is another process using this store?)"));
    }
    return FromRocksStatus(s, absl::StrCat("opening ", AsAbsl(path)));
  }
  db_.reset(raw);
  for (size_t i = 0; i < handles.size(); ++i) handles_[i] = handles[i];
  return absl::OkStatus();
}

absl::Status StorageEngine::CheckFormat(std::string_view path) {
  // The format version: written by the first open, checked by every other.
  std::string version;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), handle(Cf::kDefault),
                               std::string(kFormatVersionKey), &version);
  if (s.IsNotFound() && is_reader()) {
    return absl::FailedPreconditionError(
        absl::StrCat("opening ", AsAbsl(path),
                     ": not a sessiondb store (it has no format version)"));
  }
  if (s.IsNotFound()) {
    s = db_->Put(rocksdb::WriteOptions(), handle(Cf::kDefault),
                 std::string(kFormatVersionKey),
                 std::to_string(kFormatVersion));
    return FromRocksStatus(s, "writing the format version");
  }
  SESSIONDB_RETURN_IF_ERROR(FromRocksStatus(s, "reading the format version"));
  int found = 0;
  const bool parsed = absl::SimpleAtoi(version, &found);
  if (parsed && found == kFormatVersion) return absl::OkStatus();
  if (parsed && found >= kOldestUpgradableFormat && found < kFormatVersion) {
    if (is_reader()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "opening ", AsAbsl(path), ": store format version ", found,
          " is older than this code's ", kFormatVersion,
          "; open it once for writing (e.g. `sessiondb compact`) to upgrade "
          "it"));
    }
    return UpgradeFormat(*db_, handle(Cf::kDefault), handle(Cf::kCounts),
                         found);
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "opening ", AsAbsl(path), ": store format version \"", version,
      "\" is not the supported version ", kFormatVersion));
}

absl::Status StorageEngine::LoadBots() {
  // The bot dictionary is small (one entry per bot): keep it in memory.
  // Numbers are never reused, so reloading only adds entries.
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), handle(Cf::kDefault)));
  const std::string prefix(BotDictionary::kStoragePrefix);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    if (it->value().size() != kBotBytes) {
      return absl::DataLossError(absl::StrCat(
          "bot dictionary entry ", DebugKey(it->key().ToStringView()),
          " has a malformed number"));
    }
    bots_.Insert(it->key().ToString().substr(prefix.size()),
                 DecodeBigEndian32(it->value().data()));
  }
  return FromRocksStatus(it->status(), "loading the bot dictionary");
}

absl::Status StorageEngine::LoadCursorKey() {
  absl::MutexLock lock(&cursor_key_mu_);
  if (cursor_key_stored_) return absl::OkStatus();  // never changes
  std::string key;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), handle(Cf::kDefault),
                               std::string(kCursorKeyKey), &key);
  if (s.ok()) {
    if (key.size() != kCursorKeyBytes) {
      return absl::DataLossError(
          absl::StrCat("the cursor key ", AsAbsl(kCursorKeyKey), " is ",
                       key.size(), " bytes, not ", kCursorKeyBytes));
    }
    cursor_key_ = std::move(key);
    cursor_key_stored_ = true;
    return absl::OkStatus();
  }
  if (!s.IsNotFound()) return FromRocksStatus(s, "reading the cursor key");
  // A store written before cursors existed. A reader cannot write one: it
  // signs with a key of its own meanwhile (cursor_key()).
  if (!cursor_key_.empty()) return absl::OkStatus();
  SESSIONDB_ASSIGN_OR_RETURN(cursor_key_, RandomBytes(kCursorKeyBytes));
  if (is_reader()) return absl::OkStatus();
  rocksdb::WriteOptions wo = write_options_;
  wo.sync = true;  // cursors handed out must verify after a crash too
  SESSIONDB_RETURN_IF_ERROR(
      FromRocksStatus(db_->Put(wo, handle(Cf::kDefault),
                               std::string(kCursorKeyKey), cursor_key_),
                      "writing the cursor key"));
  cursor_key_stored_ = true;
  return absl::OkStatus();
}

std::string StorageEngine::cursor_key() const {
  absl::MutexLock lock(&cursor_key_mu_);
  return cursor_key_;
}

absl::Status StorageEngine::CatchUp() {
  if (!is_reader()) return absl::OkStatus();
  std::unique_lock<std::mutex> lock(views_mu_);
  no_views_.wait(lock, [this] { return views_ == 0; });
  SESSIONDB_RETURN_IF_ERROR(CatchUpWithWriter());
  SESSIONDB_RETURN_IF_ERROR(LoadBots());
  return LoadCursorKey();
}

absl::Status StorageEngine::CatchUpWithWriter() {
  // Catching up reads the writer's MANIFEST, then replays its write-ahead
  // logs, and skips a log that is gone by then. A log vanishes once the
  // writer flushed every column family it held; if some of those flushes
  // came after the MANIFEST was read, the instance holds one column
  // family's part of a batch without another's (a change log entry without
  // its alias, a session's index entry without its record) until it
  // catches up again: the MANIFEST it reads then records them. Log numbers
  // only grow and a log is retired only once a newer one exists, so a log
  // lost during a catch-up leaves the list of logs different after it
  // (a new log appearing makes it differ too: one more catch-up, harmless).
  // One listing per attempt: the list after one is the list before the
  // next.
  SESSIONDB_ASSIGN_OR_RETURN(std::vector<uint64_t> wals_before, WriterWals());
  for (int attempt = 1;; ++attempt) {
    SESSIONDB_RETURN_IF_ERROR(CatchUpOnce());
    SESSIONDB_ASSIGN_OR_RETURN(std::vector<uint64_t> wals_after, WriterWals());
    const bool whole = wals_after == wals_before;
    // After max_catch_ups_, each overlapping a change of the logs, keep the
    // state RocksDB gave rather than spin; caught_up_whole() says so, and
    // the next Refresh tries again.
    if (whole || attempt >= max_catch_ups_) {
      caught_up_whole_.store(whole, std::memory_order_relaxed);
      return absl::OkStatus();
    }
    wals_before = std::move(wals_after);
  }
}

absl::StatusOr<std::vector<uint64_t>> StorageEngine::WriterWals() const {
  rocksdb::Env* env = env_ != nullptr ? env_ : rocksdb::Env::Default();
  std::vector<std::string> names;
  SESSIONDB_RETURN_IF_ERROR(FromRocksStatus(
      env->GetChildren(path_, &names),
      absl::StrCat("listing the write-ahead logs of ", AsAbsl(path_))));
  std::vector<uint64_t> wals;
  for (const std::string& name : names) {
    uint64_t number = 0;
    if (absl::EndsWith(name, ".log") &&
        absl::SimpleAtoi(absl::string_view(name).substr(0, name.size() - 4),
                         &number)) {
      wals.push_back(number);
    }
  }
  std::sort(wals.begin(), wals.end());
  return wals;
}

absl::Status StorageEngine::CatchUpOnce() {
  const std::array<uint64_t, kNumCfs> before = NewestTableFiles();
  SESSIONDB_RETURN_IF_ERROR(FromRocksStatus(
      db_->TryCatchUpWithPrimary(),
      absl::StrCat("catching up with the writer of ", AsAbsl(path_))));
  // RocksDB 7.8's secondary instance keeps what it replayed from a WAL in
  // its memtables after the writer flushed that WAL, until more WAL data
  // for the column family arrives, and a read looks in the memtables
  // first: the flushed table's newer versions (the writes after the
  // replay, up to the flush) stay hidden, the older ones readable (RocksDB
  // issue 15051; fixed upstream in 2026); a merge operand read twice,
  // from the memtable and from the table, counts twice. A column family
  // that gained a table file (a flush, an ingest, or a compaction, which
  // may hide a flush: its output's sequence numbers are zeroed) while its
  // memtables hold entries may be such a one: reopening rebuilds the
  // memtables from the WALs the writer still has.
  const std::array<uint64_t, kNumCfs> after = NewestTableFiles();
  bool may_be_stale = false;
  for (int i = 0; i < kNumCfs; ++i) {
    uint64_t active = 0, immutable = 0;
    db_->GetIntProperty(handles_[i],
                        rocksdb::DB::Properties::kNumEntriesActiveMemTable,
                        &active);
    db_->GetIntProperty(handles_[i],
                        rocksdb::DB::Properties::kNumEntriesImmMemTables,
                        &immutable);
    if (after[i] > before[i] && active + immutable > 0) may_be_stale = true;
  }
  if (!may_be_stale) return absl::OkStatus();
  // The new instance first: if it fails to open, the reader keeps the one
  // it has (behind, but whole) and Refresh reports the error.
  std::unique_ptr<rocksdb::DB> previous = std::move(db_);
  const std::array<rocksdb::ColumnFamilyHandle*, kNumCfs> previous_handles =
      handles_;
  absl::Status reopened = OpenDb(path_, env_);
  if (!reopened.ok()) {
    db_ = std::move(previous);
    handles_ = previous_handles;
    return reopened;
  }
  CloseDb(std::move(previous), previous_handles);
  return absl::OkStatus();
}

std::array<uint64_t, kNumCfs> StorageEngine::NewestTableFiles() const {
  std::array<uint64_t, kNumCfs> newest{};
  for (int i = 0; i < kNumCfs; ++i) {
    rocksdb::ColumnFamilyMetaData meta;
    db_->GetColumnFamilyMetaData(handles_[i], &meta);
    for (const rocksdb::LevelMetaData& level : meta.levels) {
      for (const rocksdb::SstFileMetaData& file : level.files) {
        newest[i] = std::max<uint64_t>(newest[i], file.file_number);
      }
    }
  }
  return newest;
}

absl::Status StorageEngine::RefuseOnReader(std::string_view what) const {
  if (!is_reader()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat(AsAbsl(what),
                   ": the store is open as a reader (Store::OpenReader), "
                   "which never writes; open it with Store::Open to write"));
}

ReadView::ReadView(StorageEngine& engine, BetweenWrites) : engine_(engine) {
  std::lock_guard<std::mutex> lock(engine_.write_mu_);
  Begin();
}

ReadView::ReadView(StorageEngine& engine) : engine_(engine) { Begin(); }

void ReadView::Begin() {
  if (engine_.is_reader()) {
    std::lock_guard<std::mutex> lock(engine_.views_mu_);
    ++engine_.views_;
  } else {
    snapshot_ = engine_.db_->GetSnapshot();
  }
}

ReadView::~ReadView() {
  if (engine_.is_reader()) {
    std::lock_guard<std::mutex> lock(engine_.views_mu_);
    if (--engine_.views_ == 0) engine_.no_views_.notify_all();
  } else {
    engine_.db_->ReleaseSnapshot(snapshot_);
  }
}

StorageEngine::~StorageEngine() {
  if (db_ != nullptr) Close();
  if (is_reader()) {
    std::error_code ignored;  // a leftover temporary directory is harmless
    std::filesystem::remove_all(secondary_dir_, ignored);
  }
}

void StorageEngine::Close() {
  // Without this flush the next open replays the whole WAL into memtables
  // (10.9 s after loading 200k sessions). A failed flush loses nothing: the
  // WAL still holds the data and the next open replays it. A store Open
  // refused (an unknown format) is left as it was.
  if (opened_ && !is_reader()) FlushMemtables().IgnoreError();
  CloseDb(std::move(db_), handles_);
  handles_.fill(nullptr);
}

absl::Status StorageEngine::FlushMemtables() {
  SESSIONDB_RETURN_IF_ERROR(RefuseOnReader("flushing memtables"));
  // Waits for the flushes already running too: afterwards every column
  // family's memtables are empty.
  std::vector<rocksdb::ColumnFamilyHandle*> all(handles_.begin(),
                                                handles_.end());
  SESSIONDB_RETURN_IF_ERROR(FromRocksStatus(
      db_->Flush(rocksdb::FlushOptions(), all), "flushing memtables"));
  // RocksDB 7.8 advances the oldest WAL it keeps only when a flush writes
  // data, and every open starts a new WAL: a session that wrote nothing
  // would leave its empty WAL behind forever (one file per open; fixed
  // upstream in RocksDB 8.3, PR 11409), and a column family whose flush was
  // still running when the flush above switched WALs would keep the
  // previous one alive. The marker gives the default column family data to
  // flush; that flush starts a new WAL and, every memtable being empty by
  // now, makes every older one obsolete. The SingleDelete cancels the Put
  // inside the flush, so it writes no table file and the key never reaches
  // disk.
  rocksdb::WriteBatch marker;
  const rocksdb::Slice key(kCloseMarkerKey.data(), kCloseMarkerKey.size());
  rocksdb::Status s = marker.Put(handle(Cf::kDefault), key, "");
  if (s.ok()) s = marker.SingleDelete(handle(Cf::kDefault), key);
  SESSIONDB_RETURN_IF_ERROR(FromRocksStatus(s, "staging the close marker"));
  {
    std::lock_guard<std::mutex> lock(write_mu_);
    SESSIONDB_RETURN_IF_ERROR(Write(&marker, "writing the close marker"));
  }
  return FromRocksStatus(
      db_->Flush(rocksdb::FlushOptions(), handle(Cf::kDefault)),
      "flushing the close marker");
}

absl::Status StorageEngine::CompactAll() {
  SESSIONDB_RETURN_IF_ERROR(RefuseOnReader("compacting"));
  // Trimmed entries then leave the files with the rest.
  TrimChangeLog().IgnoreError();
  SESSIONDB_RETURN_IF_ERROR(FlushMemtables());
  rocksdb::CompactRangeOptions options;
  // Rewrite the bottommost level too: that is where deletes' tombstones and
  // replaced records wait for a compaction that may never come, and where
  // ZSTD (column_families.cc) applies.
  options.bottommost_level_compaction =
      rocksdb::BottommostLevelCompaction::kForce;
  for (int i = 0; i < kNumCfs; ++i) {
    const Cf cf = static_cast<Cf>(i);
    SESSIONDB_RETURN_IF_ERROR(FromRocksStatus(
        db_->CompactRange(options, handle(cf), nullptr, nullptr),
        absl::StrCat("compacting column family ", CfName(cf))));
  }
  return absl::OkStatus();
}

rocksdb::Status StorageEngine::Get(const rocksdb::ReadOptions& ro, Cf cf,
                                   std::string_view key,
                                   std::string* value) const {
  return db_->Get(ro, handle(cf), rocksdb::Slice(key.data(), key.size()),
                  value);
}

rocksdb::Status StorageEngine::Get(const rocksdb::ReadOptions& ro, Cf cf,
                                   std::string_view key,
                                   rocksdb::PinnableSlice* value) const {
  return db_->Get(ro, handle(cf), rocksdb::Slice(key.data(), key.size()),
                  value);
}

void StorageEngine::MultiGet(const rocksdb::ReadOptions& ro, Cf cf,
                             absl::Span<const rocksdb::Slice> keys,
                             rocksdb::PinnableSlice* values,
                             rocksdb::Status* statuses,
                             bool sorted_input) const {
  db_->MultiGet(ro, handle(cf), keys.size(), keys.data(), values, statuses,
                sorted_input);
}

std::unique_ptr<rocksdb::Iterator> StorageEngine::NewIterator(
    const rocksdb::ReadOptions& ro, Cf cf) const {
  return std::unique_ptr<rocksdb::Iterator>(db_->NewIterator(ro, handle(cf)));
}

const rocksdb::Comparator* StorageEngine::comparator(Cf cf) const {
  return handle(cf)->GetComparator();
}

int64_t StorageEngine::ApproximateBytes() const {
  uint64_t total = 0;
  for (int i = 0; i < kNumCfs; ++i) {
    for (const char* property :
         {"rocksdb.total-sst-files-size", "rocksdb.cur-size-all-mem-tables"}) {
      uint64_t bytes = 0;
      if (db_->GetIntProperty(handles_[i], property, &bytes)) total += bytes;
    }
  }
  return static_cast<int64_t>(total);
}

RepairWriter::RepairWriter(StorageEngine& engine, int batch_ops)
    : engine_(engine), batch_ops_(std::max(1, batch_ops)) {}

absl::Status RepairWriter::Put(Cf cf, std::string_view key,
                               std::string_view value) {
  SESSIONDB_RETURN_IF_ERROR(FromRocksStatus(
      batch_.Put(engine_.handle(cf), rocksdb::Slice(key.data(), key.size()),
                 rocksdb::Slice(value.data(), value.size())),
      "staging a repair"));
  return Added();
}

absl::Status RepairWriter::Delete(Cf cf, std::string_view key) {
  SESSIONDB_RETURN_IF_ERROR(FromRocksStatus(
      batch_.Delete(engine_.handle(cf), rocksdb::Slice(key.data(), key.size())),
      "staging a repair"));
  return Added();
}

void RepairWriter::RestoreBot(std::string bot_id, uint32_t bot_no) {
  restored_bots_.emplace_back(std::move(bot_id), bot_no);
}

absl::Status RepairWriter::Added() {
  ++writes_;
  if (static_cast<int>(batch_.Count()) >= batch_ops_) return Flush();
  return absl::OkStatus();
}

absl::Status RepairWriter::Flush() {
  if (batch_.Count() == 0) return absl::OkStatus();
  rocksdb::WriteOptions wo;
  wo.sync = true;
  SESSIONDB_RETURN_IF_ERROR(FromRocksStatus(engine_.db_->Write(wo, &batch_),
                                            "writing a repair batch"));
  batch_.Clear();
  return absl::OkStatus();
}

absl::StatusOr<int64_t> StorageEngine::Repair(
    int batch_ops,
    absl::FunctionRef<absl::Status(RepairWriter& writer)> find_and_fix) {
  SESSIONDB_RETURN_IF_ERROR(RefuseOnReader("repairing"));
  std::lock_guard<std::mutex> lock(write_mu_);
  RepairWriter writer(*this, batch_ops);
  SESSIONDB_RETURN_IF_ERROR(find_and_fix(writer));
  if (writer.writes_ > 0) {
    // What a repair changed is not listed: a consumer of the change log
    // copies the snapshot again. Its number goes with the last batch.
    ChangeEntry entry;
    entry.everything = true;
    StageChange(&writer.batch_, &entry, change_seq_ + 1);
    SESSIONDB_RETURN_IF_ERROR(writer.Flush());
    change_seq_ = entry.number;
  }
  for (const auto& [bot_id, bot_no] : writer.restored_bots_) {
    bots_.Insert(bot_id, bot_no);
  }
  return writer.writes_;
}

absl::Status StorageEngine::Write(rocksdb::WriteBatch* batch,
                                  std::string_view what) {
  return FromRocksStatus(db_->Write(write_options_, batch), what);
}

void StorageEngine::StageChange(rocksdb::WriteBatch* batch, ChangeEntry* entry,
                                uint64_t number) {
  entry->number = number;
  entry->time_ms = absl::ToUnixMillis(absl::Now());
  std::string seq;
  AppendBigEndian64(number, &seq);
  batch->Put(handle(Cf::kDefault), std::string(kChangeSeqKey), seq);
  batch->Put(handle(Cf::kDefault), ChangeKey(number),
             EncodeChangeEntry(*entry));
}

absl::Status StorageEngine::CommitChange(rocksdb::WriteBatch* batch,
                                         ChangeEntry entry,
                                         std::string_view what) {
  StageChange(batch, &entry, change_seq_ + 1);
  SESSIONDB_RETURN_IF_ERROR(Write(batch, what));
  ChangeCommitted(entry.number);
  return absl::OkStatus();
}

void StorageEngine::ChangeCommitted(uint64_t number) {
  change_seq_ = number;
  if (change_seq_ - last_trim_check_ >= change_limits_.trim_every) {
    // The write is committed; a trim that fails waits for the next check.
    TrimChangeLogLocked().IgnoreError();
  }
}

absl::Status StorageEngine::LoadChangeLog() {
  std::lock_guard<std::mutex> lock(write_mu_);
  SESSIONDB_ASSIGN_OR_RETURN(ChangeLogState state,
                             ReadChangeLogState(*this, nullptr));
  change_seq_ = state.sequence;
  change_trimmed_ = state.trimmed_through;
  last_trim_check_ = change_seq_;
  return absl::OkStatus();
}

uint64_t StorageEngine::change_sequence() {
  std::lock_guard<std::mutex> lock(write_mu_);
  return change_seq_;
}

void StorageEngine::SetChangeLogLimits(const ChangeLogLimits& limits) {
  std::lock_guard<std::mutex> lock(write_mu_);
  change_limits_ = limits;
}

absl::Status StorageEngine::TrimChangeLog() {
  SESSIONDB_RETURN_IF_ERROR(RefuseOnReader("trimming the change log"));
  std::lock_guard<std::mutex> lock(write_mu_);
  return TrimChangeLogLocked();
}

absl::Status StorageEngine::TrimChangeLogLocked() {
  last_trim_check_ = change_seq_;
  SESSIONDB_ASSIGN_OR_RETURN(std::optional<uint64_t> shipped,
                             ReadShippedMark(path_));
  const uint64_t keep = shipped.has_value() ? change_limits_.keep_max
                                            : change_limits_.keep_unshipped;
  uint64_t through = change_seq_ > keep ? change_seq_ - keep : 0;
  // A mark past the sequence (a SHIPPED file of another copy of the store)
  // trims no more than the sequence.
  if (shipped.has_value())
    through = std::max(through, std::min(*shipped, change_seq_));
  if (through <= change_trimmed_) return absl::OkStatus();
  rocksdb::WriteBatch batch;
  std::string mark;
  AppendBigEndian64(through, &mark);
  rocksdb::Status s =
      batch.DeleteRange(handle(Cf::kDefault), ChangeKey(change_trimmed_ + 1),
                        ChangeKey(through + 1));
  if (s.ok()) {
    s = batch.Put(handle(Cf::kDefault), std::string(kChangeLogTrimmedKey),
                  mark);
  }
  SESSIONDB_RETURN_IF_ERROR(FromRocksStatus(s, "staging a change-log trim"));
  SESSIONDB_RETURN_IF_ERROR(Write(&batch, "trimming the change log"));
  change_trimmed_ = through;
  return absl::OkStatus();
}

absl::Status StorageEngine::UpsertSessions(absl::Span<const Session> sessions) {
  SESSIONDB_RETURN_IF_ERROR(RefuseOnReader("writing sessions"));
  std::lock_guard<std::mutex> lock(write_mu_);
  return WriteUpserts(sessions);
}

absl::StatusOr<BulkLoadSummary> StorageEngine::BulkLoad(
    SessionSource& source, const BulkLoadOptions& options) {
  SESSIONDB_RETURN_IF_ERROR(RefuseOnReader("bulk loading sessions"));
  std::lock_guard<std::mutex> lock(write_mu_);
  return RunBulkLoad(*this, source, options);
}

absl::Status StorageEngine::WriteUpserts(absl::Span<const Session> sessions) {
  SessionBatch batch(*this);
  if (sessions.size() > 1) SESSIONDB_RETURN_IF_ERROR(batch.Prefetch(sessions));
  for (const Session& s : sessions) SESSIONDB_RETURN_IF_ERROR(batch.Upsert(s));
  ChangeEntry entry;
  entry.sessions = batch.TakeChanges();
  SESSIONDB_RETURN_IF_ERROR(
      CommitChange(batch.Finish(), std::move(entry), "writing sessions"));
  for (const auto& [bot_id, bot_no] : batch.new_bots())
    bots_.Insert(bot_id, bot_no);
  return absl::OkStatus();
}

absl::Status StorageEngine::DeleteSession(std::string_view session_id) {
  SESSIONDB_RETURN_IF_ERROR(RefuseOnReader("deleting a session"));
  std::lock_guard<std::mutex> lock(write_mu_);
  SessionBatch batch(*this);
  bool found = false;
  SESSIONDB_RETURN_IF_ERROR(batch.Delete(session_id, &found));
  if (!found) {
    return absl::NotFoundError(
        absl::StrCat("sessionId: no session ", AsAbsl(DebugKey(session_id))));
  }
  ChangeEntry entry;
  entry.sessions = batch.TakeChanges();
  return CommitChange(batch.Finish(), std::move(entry), "deleting a session");
}

absl::StatusOr<int64_t> StorageEngine::DeleteSessionsIf(
    absl::Span<const std::string> session_ids,
    absl::FunctionRef<bool(const fb::Session&)> condition) {
  SESSIONDB_RETURN_IF_ERROR(RefuseOnReader("deleting sessions"));
  std::lock_guard<std::mutex> lock(write_mu_);
  SessionBatch batch(*this);
  int64_t deleted = 0;
  for (const std::string& id : session_ids) {
    bool one = false;
    SESSIONDB_RETURN_IF_ERROR(batch.DeleteIf(id, condition, &one));
    deleted += one ? 1 : 0;
  }
  if (deleted == 0) return 0;
  ChangeEntry entry;
  entry.sessions = batch.TakeChanges();
  SESSIONDB_RETURN_IF_ERROR(
      CommitChange(batch.Finish(), std::move(entry), "deleting sessions"));
  return deleted;
}

absl::StatusOr<int64_t> StorageEngine::ForgetUserIdentity(
    std::string_view user_id, absl::Span<const std::string> alias_keys) {
  SESSIONDB_RETURN_IF_ERROR(RefuseOnReader("forgetting a user identity"));
  std::lock_guard<std::mutex> lock(write_mu_);
  rocksdb::WriteBatch batch;
  ChangeEntry entry;
  int64_t removed = 0;
  std::string value;
  for (const std::string& key : alias_keys) {
    rocksdb::Status s =
        db_->Get(rocksdb::ReadOptions(), handle(Cf::kAliases), key, &value);
    if (s.IsNotFound()) continue;
    SESSIONDB_RETURN_IF_ERROR(FromRocksStatus(s, "reading the alias map"));
    if (value != user_id) continue;  // re-linked to someone else meanwhile
    batch.Delete(handle(Cf::kAliases), key);
    entry.aliases.push_back({key, std::nullopt});
    ++removed;
  }
  // Writers hold write_mu_ too, so a count read as zero stays zero until
  // this batch is written.
  const rocksdb::Slice user_key(user_id.data(), user_id.size());
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), handle(Cf::kUsers), user_key, &value);
  if (s.ok()) {
    const int64_t count = value.size() >= kCountBytes ? DecodeCount(value) : 0;
    if (count == 0) batch.Delete(handle(Cf::kUsers), user_key);
  } else if (!s.IsNotFound()) {
    return FromRocksStatus(s, "reading the user map");
  }
  if (batch.Count() == 0) return 0;
  SESSIONDB_RETURN_IF_ERROR(
      CommitChange(&batch, std::move(entry), "forgetting a user identity"));
  return removed;
}

absl::Status StorageEngine::PutAliases(const UserIdentity& identity) {
  SESSIONDB_RETURN_IF_ERROR(RefuseOnReader("writing user aliases"));
  rocksdb::WriteBatch batch;
  ChangeEntry entry;
  for (const std::string& alias : identity.aliases) {
    std::string key = AsciiLower(alias);
    batch.Put(handle(Cf::kAliases), key, identity.user_id);
    entry.aliases.push_back({std::move(key), identity.user_id});
  }
  if (batch.Count() == 0) return absl::OkStatus();
  std::lock_guard<std::mutex> lock(write_mu_);
  return CommitChange(&batch, std::move(entry), "writing user aliases");
}

}  // namespace sessiondb
