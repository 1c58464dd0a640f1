// The ClickHouse schema of SPEC §9 (docs/SCALE-OUT.md, the contract between
// `sessiondb ship` and the ClickHouse query backend): what ship creates on
// every server and what the query side reads.
//
//   DB.sessions_local   ReplacingMergeTree(version), ORDER BY (bot, start_ms,
//                       session_id): one row per session version; deleted=1
//                       rows are tombstones at a key a session left
//   DB.sessions         (with --cluster) Distributed over sessions_local,
//                       sharded by cityHash64(bot)
//   DB.aliases_local    ReplacingMergeTree(version) ORDER BY alias: a full
//                       copy of the store's alias map on every server
//   DB.meta_local       ReplacingMergeTree(version) ORDER BY key: cursor_key,
//                       shipped_through, store_format, on every server
//
// Exact reads: FROM DB.sessions[_local] FINAL WHERE deleted = 0.
#ifndef SESSIONDB_BACKENDS_CLICKHOUSE_CLICKHOUSE_SCHEMA_H_
#define SESSIONDB_BACKENDS_CLICKHOUSE_CLICKHOUSE_SCHEMA_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sessiondb {

inline constexpr char kDefaultClickHouseDatabase[] = "sessiondb";
inline constexpr char kSessionsLocalTable[] = "sessions_local";
inline constexpr char kSessionsDistributedTable[] = "sessions";
inline constexpr char kAliasesTable[] = "aliases_local";
inline constexpr char kMetaTable[] = "meta_local";

// The sessions_local columns in table order, which is the RowBinary row
// order ship writes (session_rows.h).
inline constexpr char kSessionColumns[] =
    "bot, start_ms, session_id, version, deleted, user_id, containment, "
    "session_type, user_tag_names, user_tag_values, session_tag_names, "
    "session_tag_values, json";

// Keys of meta_local.
inline constexpr char kMetaCursorKey[] = "cursor_key";
inline constexpr char kMetaShippedThrough[] = "shipped_through";
inline constexpr char kMetaStoreFormat[] = "store_format";
inline constexpr char kStoreFormatValue[] = "1";

// SchemaStatements returns the CREATE … IF NOT EXISTS statements of one
// server, in order: the database, sessions_local, (with a cluster) the
// Distributed sessions over `cluster`, aliases_local, meta_local.
// REQUIRES: `database` passed SqlIdentifier.
std::vector<std::string> SchemaStatements(
    std::string_view database, const std::optional<std::string>& cluster);

}  // namespace sessiondb

#endif  // SESSIONDB_BACKENDS_CLICKHOUSE_CLICKHOUSE_SCHEMA_H_
