#include "backends/clickhouse/clickhouse_query_sql.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "backends/clickhouse/sql_literal.h"
#include "base/absl_compat.h"

namespace sessiondb {
namespace {

// KindSql: a session carries a tag named `name` (with one of `values`, when
// any) among the tags of one kind, whose names and values are the parallel
// arrays `names_column` and `values_column`.
std::string KindSql(const char* names_column, const char* values_column,
                    const TagCondition& c) {
  if (c.values.empty()) {
    return absl::StrCat("has(", names_column, ", ", SqlString(c.name), ")");
  }
  std::string values = "[";
  AppendSqlList(c.values, &values);
  values += ']';
  return absl::StrCat("arrayExists((n, v) -> n = ", SqlString(c.name),
                      " AND has(", values, ", v), ", names_column, ", ",
                      values_column, ")");
}

std::string TagSql(const TagCondition& c) {
  switch (c.kind) {
    case TagKind::kUser:
      return KindSql("user_tag_names", "user_tag_values", c);
    case TagKind::kSession:
      return KindSql("session_tag_names", "session_tag_values", c);
    case TagKind::kAny:
      break;
  }
  return absl::StrCat(
      "(", KindSql("user_tag_names", "user_tag_values", c), " OR ",
      KindSql("session_tag_names", "session_tag_values", c), ")");
}

}  // namespace

std::string SessionMatchSql(const SessionQuery& query,
                            const std::optional<std::string>& user_id,
                            const DateWindow& window) {
  std::string sql = "deleted = 0";
  if (query.bot_id.has_value()) {
    absl::StrAppend(&sql, " AND bot = ", SqlString(*query.bot_id));
  }
  absl::StrAppend(&sql, " AND start_ms >= ", window.from_ms, " AND start_ms < ",
                  window.to_ms);
  if (query.containment.has_value()) {
    absl::StrAppend(
        &sql, " AND containment = ", static_cast<int>(*query.containment));
  }
  if (query.session_type.has_value()) {
    absl::StrAppend(
        &sql, " AND session_type = ", static_cast<int>(*query.session_type));
  }
  if (user_id.has_value()) {
    absl::StrAppend(&sql, " AND user_id = ", SqlString(*user_id));
  }
  for (const TagCondition& c : query.tags.all_of) {
    absl::StrAppend(&sql, " AND ", TagSql(c));
  }
  if (!query.tags.any_of.empty()) {
    sql += " AND (";
    for (size_t i = 0; i < query.tags.any_of.size(); ++i) {
      if (i > 0) sql += " OR ";
      sql += TagSql(query.tags.any_of[i]);
    }
    sql += ')';
  }
  return sql;
}

std::string AfterPositionSql(const OrderPosition& after) {
  return absl::StrCat("start_ms <= ", after.start_ms,
                      " AND (start_ms, session_id) < (", after.start_ms, ", ",
                      SqlString(after.session_id), ")");
}

std::optional<int64_t> LatestSpanStart(
    const DateWindow& window, const std::optional<OrderPosition>& after,
    int64_t span_ms) {
  // AfterPositionSql keeps start_ms <= after's: the end is one past it.
  int64_t end = window.to_ms;
  if (after.has_value() && after->start_ms < end) end = after->start_ms + 1;
  if (end - window.from_ms <= span_ms) return std::nullopt;
  return end - span_ms;
}

std::string DayBucketSql(const std::vector<int64_t>& day_starts_ms) {
  if (day_starts_ms.empty()) return "toUInt32(0)";
  std::string sql = "toUInt32(multiIf(";
  for (size_t i = 0; i < day_starts_ms.size(); ++i) {
    absl::StrAppend(&sql, "start_ms < ", day_starts_ms[i], ", ", i, ", ");
  }
  absl::StrAppend(&sql, day_starts_ms.size(), "))");
  return sql;
}

std::string OnePassSql(std::string_view from,
                       const std::optional<OrderPosition>& after,
                       int64_t keys) {
  // Each column's matches (after the position, with one), in one order.
  std::string condition;
  if (after.has_value()) {
    condition = absl::StrCat(", (start_ms, session_id) < (", after->start_ms,
                             ", ", SqlString(after->session_id), ")");
  }
  const char* group_array = after.has_value() ? "groupArrayIf(" : "groupArray(";
  std::string sql =
      absl::StrCat("WITH ", group_array, "start_ms", condition,
                   ") AS page_starts, arrayReverseSort(page_starts)[least(",
                   keys, ", length(page_starts))] AS page_last_start SELECT ");
  // Only the keys starting at or after the keys-th start are sorted.
  absl::StrAppend(
      &sql,
      "count(), arraySlice(arrayReverseSort(arrayMap((s, i, b) -> (s, i, b), "
      "arrayFilter(s -> s >= page_last_start, page_starts), "
      "arrayFilter((i, s) -> s >= page_last_start, ",
      group_array, "session_id", condition,
      "), page_starts), arrayFilter((b, s) -> s >= page_last_start, ",
      group_array, "bot", condition, "), page_starts))), 1, ", keys, ")",
      AsAbsl(from), " FORMAT RowBinary");
  return sql;
}

bool RowBinaryReader::ReadInt64(int64_t* v) {
  uint64_t u = 0;
  if (!ReadUInt64(&u)) return false;
  *v = static_cast<int64_t>(u);
  return true;
}

template <typename T>
bool RowBinaryReader::ReadLittleEndian(T* v) {
  if (data_.size() - pos_ < sizeof(T)) return false;
  T u = 0;
  for (size_t i = sizeof(T); i-- > 0;) {
    u = static_cast<T>((u << 8) | static_cast<uint8_t>(data_[pos_ + i]));
  }
  pos_ += sizeof(T);
  *v = u;
  return true;
}

bool RowBinaryReader::ReadUInt64(uint64_t* v) { return ReadLittleEndian(v); }

bool RowBinaryReader::ReadUInt32(uint32_t* v) { return ReadLittleEndian(v); }

bool RowBinaryReader::ReadUInt8(uint8_t* v) {
  if (pos_ >= data_.size()) return false;
  *v = static_cast<uint8_t>(data_[pos_++]);
  return true;
}

bool RowBinaryReader::ReadVarUInt(uint64_t* v) {
  uint64_t value = 0;
  for (int shift = 0;; shift += 7) {
    uint8_t byte = 0;
    if (shift > 63 || !ReadUInt8(&byte)) return false;
    value |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) break;
  }
  *v = value;
  return true;
}

bool RowBinaryReader::ReadString(std::string_view* v) {
  uint64_t length = 0;
  if (!ReadVarUInt(&length) || data_.size() - pos_ < length) return false;
  *v = data_.substr(pos_, length);
  pos_ += length;
  return true;
}

}  // namespace sessiondb
