#include "storage/stored_versions.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/absl_compat.h"
#include "base/status_macros.h"
#include "rocksdb/options.h"
#include "storage/key_codec.h"
#include "storage/rocksdb_status.h"
#include "storage/storage_engine.h"

namespace sessiondb {
namespace {

absl::Status CheckMappedKey(std::string_view session_id,
                            std::string_view primary_key) {
  if (primary_key.size() >= kBotBytes + kTimeBytes) return absl::OkStatus();
  return absl::DataLossError(absl::StrCat("sessionId map entry of ",
                                          AsAbsl(DebugKey(session_id)),
                                          " is too short"));
}

absl::Status MissingRecordError(std::string_view session_id,
                                std::string_view primary_key) {
  return absl::DataLossError(
      absl::StrCat("sessionId ", AsAbsl(DebugKey(session_id)),
                   " maps to a missing record ", DebugKey(primary_key)));
}

}  // namespace

absl::StatusOr<std::optional<StoredVersion>> ReadStoredVersion(
    const StorageEngine& engine, std::string_view session_id) {
  StoredVersion version;
  rocksdb::Status s = engine.Get(rocksdb::ReadOptions(), Cf::kSessionIds,
                                 session_id, &version.primary_key);
  if (s.IsNotFound()) return std::nullopt;
  SESSIONDB_RETURN_IF_ERROR(FromRocksStatus(s, "reading the sessionId map"));
  SESSIONDB_RETURN_IF_ERROR(CheckMappedKey(session_id, version.primary_key));
  // A string, not a pinned slice: FlatBuffers reads it in place, aligned.
  s = engine.Get(rocksdb::ReadOptions(), Cf::kSessions, version.primary_key,
                 &version.record);
  if (s.IsNotFound())
    return MissingRecordError(session_id, version.primary_key);
  SESSIONDB_RETURN_IF_ERROR(FromRocksStatus(s, "reading a session record"));
  return version;
}

absl::StatusOr<size_t> ReadStoredVersions(
    const StorageEngine& engine, absl::Span<const std::string_view> session_ids,
    std::vector<std::optional<StoredVersion>>* versions) {
  // The map in id order, for the first sorted MultiGet (RocksDB trusts
  // sorted_input; it only asserts in debug builds).
  std::vector<size_t> by_id(session_ids.size());
  for (size_t i = 0; i < by_id.size(); ++i) by_id[i] = i;
  std::sort(by_id.begin(), by_id.end(), [&](size_t a, size_t b) {
    return session_ids[a] < session_ids[b];
  });
  for (size_t k = 1; k < by_id.size(); ++k) {
    if (session_ids[by_id[k - 1]] == session_ids[by_id[k]]) {
      return absl::InternalError(
          absl::StrCat("ReadStoredVersions: sessionId ",
                       AsAbsl(DebugKey(session_ids[by_id[k]])), " repeated"));
    }
  }
  versions->assign(session_ids.size(), std::nullopt);
  std::vector<rocksdb::Slice> keys;
  keys.reserve(by_id.size());
  for (size_t i : by_id) keys.emplace_back(session_ids[i]);
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  engine.MultiGet(rocksdb::ReadOptions(), Cf::kSessionIds, keys, values.data(),
                  statuses.data(), /*sorted_input=*/true);
  std::vector<size_t> held;  // indexes of the sessions the store holds
  for (size_t k = 0; k < by_id.size(); ++k) {
    const size_t i = by_id[k];
    if (statuses[k].IsNotFound()) continue;
    SESSIONDB_RETURN_IF_ERROR(
        FromRocksStatus(statuses[k], "reading the sessionId map"));
    SESSIONDB_RETURN_IF_ERROR(
        CheckMappedKey(session_ids[i], values[k].ToStringView()));
    (*versions)[i].emplace().primary_key = values[k].ToString();
    held.push_back(i);
  }
  // The records in key order, for the second sorted MultiGet.
  std::sort(held.begin(), held.end(), [&](size_t a, size_t b) {
    return (*versions)[a]->primary_key < (*versions)[b]->primary_key;
  });
  keys.clear();
  for (size_t i : held) keys.emplace_back((*versions)[i]->primary_key);
  values = std::vector<rocksdb::PinnableSlice>(keys.size());
  statuses.assign(keys.size(), rocksdb::Status());
  engine.MultiGet(rocksdb::ReadOptions(), Cf::kSessions, keys, values.data(),
                  statuses.data(), /*sorted_input=*/true);
  size_t bytes = 0;
  for (size_t k = 0; k < held.size(); ++k) {
    StoredVersion& version = *(*versions)[held[k]];
    if (statuses[k].IsNotFound())
      return MissingRecordError(session_ids[held[k]], version.primary_key);
    SESSIONDB_RETURN_IF_ERROR(
        FromRocksStatus(statuses[k], "reading a session record"));
    version.record.assign(values[k].data(), values[k].size());
    bytes += version.record.size();
  }
  return bytes;
}

}  // namespace sessiondb
