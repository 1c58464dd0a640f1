// Literals and names pasted into ClickHouse SQL. Every value a statement
// carries from the store or a request goes through SqlString; a database
// name through SqlIdentifier. Nothing else is ever pasted into SQL.
#ifndef SESSIONDB_BACKENDS_CLICKHOUSE_SQL_LITERAL_H_
#define SESSIONDB_BACKENDS_CLICKHOUSE_SQL_LITERAL_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace sessiondb {

// SqlString returns `bytes` as a single-quoted ClickHouse string literal
// that reads back as exactly those bytes, whatever they are (ClickHouse
// strings are byte strings: NUL, invalid UTF-8 and control bytes included).
// Backslash and quote are escaped with a backslash, bytes below 0x20 and
// 0x7F as \xHH; every other byte is kept as is.
//
// Example: SqlString("it's") == R"('it\'s')"
std::string SqlString(std::string_view bytes);

// AppendSqlString is SqlString appended to `out`.
void AppendSqlString(std::string_view bytes, std::string* out);

// SqlIdentifier returns `name` when it is a plain identifier
// ([A-Za-z_][A-Za-z0-9_]*, at most 64 bytes) that needs no quoting;
// InvalidArgument naming `field` (e.g. "--database") and the name otherwise.
absl::StatusOr<std::string> SqlIdentifier(std::string_view name,
                                          std::string_view field);

}  // namespace sessiondb

#endif  // SESSIONDB_BACKENDS_CLICKHOUSE_SQL_LITERAL_H_
