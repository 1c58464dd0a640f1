// The SQL of getSessions over the shipped tables (clickhouse_schema.h), and
// the RowBinary answers it reads back. Every value from a request is
// pasted only through SqlString (sql_literal.h).
#ifndef SESSIONDB_BACKENDS_CLICKHOUSE_CLICKHOUSE_QUERY_SQL_H_
#define SESSIONDB_BACKENDS_CLICKHOUSE_CLICKHOUSE_QUERY_SQL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backends/clickhouse/sql_literal.h"
#include "query/date_window.h"
#include "query/session_backend.h"
#include "sessiondb/query.h"

namespace sessiondb {

// SessionMatchSql is the WHERE condition of the sessions a query matches in
// `window`: `deleted = 0` (read with FINAL), the bot (none: account-wide),
// containment, sessionType, `user_id` (already resolved, API.md §2) and the
// tags. Tag conditions use arrayExists with lambdas over their own
// arguments and constants only (18.16 allows no outer column in them).
std::string SessionMatchSql(const SessionQuery& query,
                            const std::optional<std::string>& user_id,
                            const DateWindow& window);

// AppendSqlList appends `values` as SqlString literals separated by ", "
// (the inside of an IN list or an array).
template <typename Strings>
void AppendSqlList(const Strings& values, std::string* out) {
  bool first = true;
  for (const auto& v : values) {
    if (!first) *out += ", ";
    first = false;
    AppendSqlString(v, out);
  }
}

// AfterPositionSql restricts to sessions strictly after `after` in the API's
// order: `(start_ms, session_id) < (S, 'id')`, plus `start_ms <= S` for the
// primary key.
std::string AfterPositionSql(const OrderPosition& after);

// LatestSpanStart: where the page's keys are first looked for, the last
// `span_ms` of the window before `after` (or of the window), as the lower
// bound of start_ms: the matches there are the first ones in the API's
// order, so when they hold skip + limit + 1 the page read from them alone is
// exact. nullopt when that span is the whole window (read it at once).
std::optional<int64_t> LatestSpanStart(
    const DateWindow& window, const std::optional<OrderPosition>& after,
    int64_t span_ms);

// DayBucketSql numbers the local day of start_ms: 0 for the first day, i
// for a start at or after day_starts_ms[i - 1] (the later days' first
// milliseconds, ascending).
std::string DayBucketSql(const std::vector<int64_t>& day_starts_ms);

// OnePassSql is one FINAL statement over `from` (" FROM T FINAL WHERE M")
// answering both the count and the page's keys: per row `count()` of every
// match, then the first `keys` of the matches in the API's order (start_ms,
// then session_id as unsigned bytes, descending) as an array of
// `(start_ms, session_id, bot)` tuples. It collects every match's start_ms,
// session_id and bot (groupArray), finds the keys-th largest start_ms
// (an Int64 sort), and sorts as tuples only the matches starting at or
// after it (ties included: exact). With `after`, groupArrayIf keeps only
// the keys strictly after it: the count stays every match's. One row (per
// shard with distributed_group_by_no_merge). It holds every match's key in
// memory: run it under a bound on the rows read
// (clickhouse_session_backend.h). Facets keep their own GROUP BY statement:
// one pass per facet group measured no clear gain (docs/PERFORMANCE.md).
std::string OnePassSql(std::string_view from,
                       const std::optional<OrderPosition>& after, int64_t keys);

// RowBinaryReader reads a RowBinary answer (little-endian integers,
// strings as a LEB128 length and bytes, arrays as a LEB128 length and
// their elements). Each read fails (false) past the end or on a malformed
// length.
class RowBinaryReader {
 public:
  explicit RowBinaryReader(std::string_view data) : data_(data) {}
  bool done() const { return pos_ == data_.size(); }
  bool ReadInt64(int64_t* v);
  bool ReadUInt64(uint64_t* v);
  bool ReadUInt32(uint32_t* v);
  bool ReadUInt8(uint8_t* v);
  bool ReadString(std::string_view* v);
  // ReadVarUInt reads a LEB128 integer (an array's length).
  bool ReadVarUInt(uint64_t* v);

 private:
  template <typename T>
  bool ReadLittleEndian(T* v);

  std::string_view data_;
  size_t pos_ = 0;
};

}  // namespace sessiondb

#endif  // SESSIONDB_BACKENDS_CLICKHOUSE_CLICKHOUSE_QUERY_SQL_H_
