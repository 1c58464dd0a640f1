#include "backends/clickhouse/sql_literal.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "base/absl_compat.h"

namespace sessiondb {

void AppendSqlString(std::string_view bytes, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->reserve(out->size() + bytes.size() + 2);
  out->push_back('\'');
  for (char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\\' || c == '\'') {
      out->push_back('\\');
      out->push_back(ch);
    } else if (c < 0x20 || c == 0x7F) {
      // \xHH rather than \n, \t, …: one rule for every control byte, and
      // one ClickHouse's lexer has read since its first releases.
      out->append({'\\', 'x', kHex[c >> 4], kHex[c & 15]});
    } else {
      out->push_back(ch);
    }
  }
  out->push_back('\'');
}

std::string SqlString(std::string_view bytes) {
  std::string out;
  AppendSqlString(bytes, &out);
  return out;
}

absl::StatusOr<std::string> SqlIdentifier(std::string_view name,
                                          std::string_view field) {
  constexpr size_t kMaxIdentifierBytes = 64;
  bool ok = !name.empty() && name.size() <= kMaxIdentifierBytes &&
            !absl::ascii_isdigit(static_cast<unsigned char>(name.front()));
  for (char c : name) {
    ok = ok && (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_');
  }
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        AsAbsl(field),
        ": must be a plain identifier ([A-Za-z_][A-Za-z0-9_]*, at most ",
        kMaxIdentifierBytes, " bytes), got \"", absl::CEscape(AsAbsl(name)),
        "\""));
  }
  return std::string(name);
}

}  // namespace sessiondb
