// ClickHouse RowBinary rows of the tables in clickhouse_schema.h, appended
// to an insert's body. RowBinary carries every byte of a string as is (a
// varint length, then the bytes), so no value needs escaping; integers are
// little-endian; Array(String) is a varint count, then the strings.
#ifndef SESSIONDB_BACKENDS_CLICKHOUSE_SESSION_ROWS_H_
#define SESSIONDB_BACKENDS_CLICKHOUSE_SESSION_ROWS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sessiondb/session.h"

namespace sessiondb {

// SessionRowKey is the sort key of a sessions_local row: where a session
// lives in ClickHouse (its shard follows from `bot`).
struct SessionRowKey {
  std::string bot;
  int64_t start_ms = 0;
  std::string session_id;
  friend bool operator==(const SessionRowKey& a, const SessionRowKey& b) {
    return a.bot == b.bot && a.start_ms == b.start_ms &&
           a.session_id == b.session_id;
  }
};

// AppendSessionRow appends the live row (deleted = 0) of `session`, whose
// getSessions JSON is `json`, at `version`, in kSessionColumns' order.
void AppendSessionRow(const Session& session, std::string_view json,
                      uint64_t version, std::string* out);

// AppendTombstoneRow appends a tombstone (deleted = 1, every other column
// empty) at `key`.
void AppendTombstoneRow(const SessionRowKey& key, uint64_t version,
                        std::string* out);

// AppendAliasRow appends an aliases_local row (alias, user_id, version,
// deleted).
void AppendAliasRow(std::string_view alias, std::string_view user_id,
                    uint64_t version, bool deleted, std::string* out);

// AppendMetaRow appends a meta_local row (key, value, version).
void AppendMetaRow(std::string_view key, std::string_view value,
                   uint64_t version, std::string* out);

// SortSessionRows writes the sessions_local rows of `rows` (each starting
// at an offset of `starts`, in order) to `sorted` ordered by the table's
// ORDER BY (bot, start_ms, session_id): ClickHouse 18.16 skips its own sort
// of a block that arrives sorted, a quarter of its insert CPU here. Rows
// equal in key keep their order.
void SortSessionRows(std::string_view rows, const std::vector<size_t>& starts,
                     std::string* sorted);

// ReadRowBinaryKeys parses the RowBinary answer of
// "SELECT bot, start_ms, session_id …" into keys; false when it is cut
// short or malformed.
bool ReadRowBinaryKeys(std::string_view data, std::vector<SessionRowKey>* keys);

// ReadRowBinaryStrings parses the RowBinary answer of a query of one
// String column; false when it is cut short or malformed.
bool ReadRowBinaryStrings(std::string_view data,
                          std::vector<std::string>* strings);

}  // namespace sessiondb

#endif  // SESSIONDB_BACKENDS_CLICKHOUSE_SESSION_ROWS_H_
