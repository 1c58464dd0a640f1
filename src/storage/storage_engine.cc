#include "storage/storage_engine.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "storage/key_codec.h"
#include "storage/rocksdb_status.h"
#include "storage/session_batch.h"
#include "util/absl_compat.h"
#include "util/status_macros.h"

namespace sessiondb {

absl::StatusOr<std::unique_ptr<StorageEngine>> StorageEngine::Open(
    const Options& options, std::string_view path) {
  std::unique_ptr<StorageEngine> engine(new StorageEngine());
  engine->options_ = options;
  engine->write_options_.sync = options.sync_writes;

  rocksdb::DBOptions db_options = BuildDbOptions(options);
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

absl::Status StorageEngine::PutAliases(const UserIdentity& identity) {
  rocksdb::WriteBatch batch;
  for (const std::string& alias : identity.aliases) {
    batch.Put(handle(Cf::kAliases), AsciiLower(alias), identity.user_id);
  }
  absl::MutexLock lock(&write_mu_);
  return Write(&batch, "writing user aliases");
}

}  // namespace sessiondb
