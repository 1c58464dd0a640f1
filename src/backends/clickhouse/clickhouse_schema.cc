#include "backends/clickhouse/clickhouse_schema.h"

#include "absl/strings/str_cat.h"
#include "backends/clickhouse/sql_literal.h"
#include "base/absl_compat.h"

namespace sessiondb {

std::vector<std::string> SchemaStatements(
    std::string_view database_name, const std::optional<std::string>& cluster) {
  const absl::string_view database = AsAbsl(database_name);
  std::vector<std::string> out;
  out.push_back(absl::StrCat("CREATE DATABASE IF NOT EXISTS ", database));
  // No PARTITION BY: FINAL merges each partition on its own, which would
  // help only if partitions were pruned; measured in docs/SCALE-OUT.md.
  // A tombstone shares its session's sort key, so any partitioning by a
  // key column would keep it beside the row it replaces.
  out.push_back(absl::StrCat(
      "CREATE TABLE IF NOT EXISTS ", database, ".", kSessionsLocalTable,
      " (bot String, start_ms Int64, session_id String, version UInt64, "
      "deleted UInt8, user_id String, containment UInt8, session_type UInt8, "
      "user_tag_names Array(String), user_tag_values Array(String), "
      "session_tag_names Array(String), session_tag_values Array(String), "
      "json String) ENGINE = ReplacingMergeTree(version) "
      "ORDER BY (bot, start_ms, session_id)"));
  if (cluster.has_value()) {
    out.push_back(absl::StrCat(
        "CREATE TABLE IF NOT EXISTS ", database, ".", kSessionsDistributedTable,
        " AS ", database, ".", kSessionsLocalTable, " ENGINE = Distributed(",
        SqlString(*cluster), ", ", SqlString(database_name), ", ",
        SqlString(kSessionsLocalTable), ", cityHash64(bot))"));
  }
  out.push_back(absl::StrCat(
      "CREATE TABLE IF NOT EXISTS ", database, ".", kAliasesTable,
      " (alias String, user_id String, version UInt64, deleted UInt8) "
      "ENGINE = ReplacingMergeTree(version) ORDER BY alias"));
  out.push_back(
      absl::StrCat("CREATE TABLE IF NOT EXISTS ", database, ".", kMetaTable,
                   " (key String, value String, version UInt64) "
                   "ENGINE = ReplacingMergeTree(version) ORDER BY key"));
  return out;
}

}  // namespace sessiondb
