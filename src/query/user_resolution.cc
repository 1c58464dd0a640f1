#include "query/user_resolution.h"

#include "storage/counters.h"
#include "storage/key_codec.h"
#include "storage/rocksdb_status.h"
#include "storage/storage_engine.h"

namespace sessiondb {

absl::StatusOr<std::optional<std::string>> ResolveUser(
    const StorageEngine& engine, const rocksdb::Snapshot* snapshot,
    const std::string& value) {
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  std::string count;
  rocksdb::Status s = engine.Get(ro, Cf::kUsers, value, &count);
  if (s.ok()) {
    const int64_t n = count.size() >= kCountBytes ? DecodeCount(count) : 0;
    if (n > 0) return std::optional<std::string>(value);
  } else if (!s.IsNotFound()) {
    return FromRocksStatus(s, "reading the user map");
  }
  std::string user_id;
  s = engine.Get(ro, Cf::kAliases, AsciiLower(value), &user_id);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocksStatus(s, "reading the alias map");
  return std::optional<std::string>(std::move(user_id));
}

}  // namespace sessiondb
