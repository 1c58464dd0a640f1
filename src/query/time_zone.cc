#include "query/time_zone.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/absl_compat.h"

namespace sessiondb {
namespace {

bool IsIanaShaped(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  if (name == "localtime" || name.substr(0, 6) == "Fixed/") return false;
  for (absl::string_view part : absl::StrSplit(AsAbsl(name), '/')) {
    if (part.empty() || part[0] == '.' || part[0] == '-') return false;
    for (char c : part) {
      const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                      (c >= '0' && c <= '9') || c == '_' || c == '+' ||
                      c == '-';
      if (!ok) return false;
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<absl::TimeZone> LoadRequestTimeZone(std::string_view name) {
  if (name.empty() || name == "UTC") return absl::UTCTimeZone();
  absl::TimeZone tz;
  if (!IsIanaShaped(name) || !absl::LoadTimeZone(std::string(name), &tz)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "timeZone: unknown time zone \"", AsAbsl(name),
        "\" (an IANA name such as \"America/New_York\" is expected)"));
  }
  return tz;
}

int64_t LocalDayStartMs(absl::CivilDay day, const absl::TimeZone& tz) {
  const absl::TimeZone::TimeInfo info = tz.At(absl::CivilSecond(day));
  return absl::ToUnixMillis(
      info.kind == absl::TimeZone::TimeInfo::SKIPPED ? info.trans : info.pre);
}

absl::CivilDay LocalDayOf(int64_t ms, const absl::TimeZone& tz) {
  return absl::ToCivilDay(absl::FromUnixMillis(ms), tz);
}

}  // namespace sessiondb
