#include "storage/storage_engine.h"

#include <cstring>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "storage/bulk_loader.h"
#include "storage/info_log.h"
#include "storage/key_codec.h"
#include "storage/rocksdb_status.h"
#include "storage/session_batch.h"
#include "util/absl_compat.h"
#include "util/status_macros.h"

namespace sessiondb {

absl::StatusOr<std::unique_ptr<StorageEngine>> StorageEngine::Open(
    const Options& options, std::string_view path, rocksdb::Env* env) {
  std::unique_ptr<StorageEngine> engine(new StorageEngine());
  engine->options_ = options;
  engine->write_options_.sync = options.sync_writes;

  rocksdb::DBOptions db_options = BuildDbOptions(options);
  if (env != nullptr) db_options.env = env;
  // Not RocksDB's own LOG writer: it aborts the process on the write after a
  // failed one (a full disk); see info_log.h.
  db_options.info_log = NewInfoLog(path);
  db_options.create_if_missing = options.create_if_missing;
  std::shared_ptr<rocksdb::Cache> cache =
      rocksdb::NewLRUCache(options.block_cache_bytes);
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors =
      BuildCfDescriptors(options, cache);

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, std::string(path),
                                        descriptors, &handles, &raw);
  if (!s.ok()) {
    if (s.IsInvalidArgument() &&
        s.ToString().find("Column famil") != std::string::npos) {
      return absl::FailedPreconditionError(absl::StrCat(
          "opening ", AsAbsl(path), ": not a sessiondb store of format ",
          kFormatVersion, " (", s.ToString(), ")"));
    }
    return FromRocksStatus(s, absl::StrCat("opening ", AsAbsl(path)));
  }
  engine->db_.reset(raw);
  for (size_t i = 0; i < handles.size(); ++i) engine->handles_[i] = handles[i];

  // The format version: written by the first open, checked by every other.
  std::string version;
  s = raw->Get(rocksdb::ReadOptions(), engine->handle(Cf::kDefault),
               std::string(kFormatVersionKey), &version);
  if (s.IsNotFound()) {
    s = raw->Put(rocksdb::WriteOptions(), engine->handle(Cf::kDefault),
                 std::string(kFormatVersionKey),
                 std::to_string(kFormatVersion));
    SESSIONDB_RETURN_IF_ERROR(FromRocksStatus(s, "writing the format version"));
  } else if (!s.ok()) {
    return FromRocksStatus(s, "reading the format version");
  } else {
    int found = 0;
    if (!absl::SimpleAtoi(version, &found) || found != kFormatVersion) {
      return absl::FailedPreconditionError(absl::StrCat(
          "opening ", AsAbsl(path), ": store format version \"", version,
          "\" is not the supported version ", kFormatVersion));
    }
  }

  // The bot dictionary is small (one entry per bot): keep it in memory.
  std::unique_ptr<rocksdb::Iterator> it(
      raw->NewIterator(rocksdb::ReadOptions(), engine->handle(Cf::kDefault)));
  const std::string prefix(BotDictionary::kStoragePrefix);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    if (it->value().size() != kBotBytes) {
      return absl::DataLossError(absl::StrCat(
          "bot dictionary entry ", DebugKey(it->key().ToStringView()),
          " has a malformed number"));
    }
    engine->bots_.Insert(it->key().ToString().substr(prefix.size()),
                         DecodeBigEndian32(it->value().data()));
  }
  SESSIONDB_RETURN_IF_ERROR(
      FromRocksStatus(it->status(), "loading the bot dictionary"));
  return engine;
}

StorageEngine::~StorageEngine() {
  if (db_ == nullptr) return;
  for (rocksdb::ColumnFamilyHandle* h : handles_) {
    if (h != nullptr) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  }
  // Close flushes nothing the WAL does not already hold; its status only
  // reports background errors that the next Open would see again.
  db_->Close().PermitUncheckedError();
}

absl::Status StorageEngine::Write(rocksdb::WriteBatch* batch,
                                  std::string_view what) {
  return FromRocksStatus(db_->Write(write_options_, batch), what);
}

absl::Status StorageEngine::UpsertSessions(absl::Span<const Session> sessions) {
  absl::MutexLock lock(&write_mu_);
  return WriteUpserts(sessions);
}

absl::StatusOr<BulkLoadSummary> StorageEngine::BulkLoad(
    SessionSource& source, const BulkLoadOptions& options) {
  absl::MutexLock lock(&write_mu_);
  return RunBulkLoad(*this, source, options);
}

absl::Status StorageEngine::WriteUpserts(absl::Span<const Session> sessions) {
  SessionBatch batch(*this);
  for (const Session& s : sessions) SESSIONDB_RETURN_IF_ERROR(batch.Upsert(s));
  SESSIONDB_RETURN_IF_ERROR(Write(batch.Finish(), "writing sessions"));
  for (const auto& [bot_id, bot_no] : batch.new_bots())
    bots_.Insert(bot_id, bot_no);
  return absl::OkStatus();
}

absl::Status StorageEngine::DeleteSession(std::string_view session_id) {
  absl::MutexLock lock(&write_mu_);
  SessionBatch batch(*this);
  bool found = false;
  SESSIONDB_RETURN_IF_ERROR(batch.Delete(session_id, &found));
  if (!found) {
    return absl::NotFoundError(
        absl::StrCat("sessionId: no session ", AsAbsl(DebugKey(session_id))));
  }
  return Write(batch.Finish(), "deleting a session");
}

absl::StatusOr<int64_t> StorageEngine::DeleteSessionsIf(
    absl::Span<const std::string> session_ids,
    absl::FunctionRef<bool(const fb::Session&)> condition) {
  absl::MutexLock lock(&write_mu_);
  SessionBatch batch(*this);
  int64_t deleted = 0;
  for (const std::string& id : session_ids) {
    bool one = false;
    SESSIONDB_RETURN_IF_ERROR(batch.DeleteIf(id, condition, &one));
    deleted += one ? 1 : 0;
  }
  if (deleted == 0) return 0;
  SESSIONDB_RETURN_IF_ERROR(Write(batch.Finish(), "deleting sessions"));
  return deleted;
}

absl::StatusOr<int64_t> StorageEngine::ForgetUserIdentity(
    std::string_view user_id, absl::Span<const std::string> alias_keys) {
  absl::MutexLock lock(&write_mu_);
  rocksdb::WriteBatch batch;
  int64_t removed = 0;
  std::string value;
  for (const std::string& key : alias_keys) {
    rocksdb::Status s =
        db_->Get(rocksdb::ReadOptions(), handle(Cf::kAliases), key, &value);
    if (s.IsNotFound()) continue;
    SESSIONDB_RETURN_IF_ERROR(FromRocksStatus(s, "reading the alias map"));
    if (value != user_id) continue;  // re-linked to someone else meanwhile
    batch.Delete(handle(Cf::kAliases), key);
    ++removed;
  }
  // Writers hold write_mu_ too, so a count read as zero stays zero until
  // this batch is written.
  const rocksdb::Slice user_key(user_id.data(), user_id.size());
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), handle(Cf::kUsers), user_key, &value);
  if (s.ok()) {
    int64_t count = 0;
    if (value.size() >= sizeof(count))
      std::memcpy(&count, value.data(), sizeof(count));
    if (count == 0) batch.Delete(handle(Cf::kUsers), user_key);
  } else if (!s.IsNotFound()) {
    return FromRocksStatus(s, "reading the user map");
  }
  if (batch.Count() == 0) return 0;
  SESSIONDB_RETURN_IF_ERROR(Write(&batch, "forgetting a user identity"));
  return removed;
}

absl::Status StorageEngine::PutAliases(const UserIdentity& identity) {
  rocksdb::WriteBatch batch;
  for (const std::string& alias : identity.aliases) {
    batch.Put(handle(Cf::kAliases), AsciiLower(alias), identity.user_id);
  }
  absl::MutexLock lock(&write_mu_);
  return Write(&batch, "writing user aliases");
}

}  // namespace sessiondb
