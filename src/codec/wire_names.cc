#include "codec/wire_names.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace sessiondb {

std::string WireNameList(absl::Span<const std::string_view> names,
                         bool quoted) {
  std::string out;
  const size_t n = names.size();
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) absl::StrAppend(&out, i + 1 == n ? " or " : ", ");
    absl::StrAppend(
        &out,
        AsAbsl(quoted ? names[i] : wire_names_internal::Unquoted(names[i])));
  }
  return out;
}

absl::StatusOr<ContainmentType> ParseContainmentType(std::string_view text,
                                                     std::string_view field) {
  if (std::optional<ContainmentType> c = ContainmentTypeFromWire(text)) {
    return *c;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      AsAbsl(field), ": must be ", WireNameList(kContainmentTypeJson),
      ", got \"", AsAbsl(text.substr(0, 64)), "\""));
}

}  // namespace sessiondb
