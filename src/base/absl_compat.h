// Debian's Abseil 20220623 is built with its own absl::string_view (and
// absl::optional): ABSL_OPTION_USE_STD_STRING_VIEW is 0. StrCat and friends
// therefore do not take a std::string_view; AsAbsl adapts one.
#ifndef SESSIONDB_BASE_ABSL_COMPAT_H_
#define SESSIONDB_BASE_ABSL_COMPAT_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace sessiondb {

inline absl::string_view AsAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

}  // namespace sessiondb

#endif  // SESSIONDB_BASE_ABSL_COMPAT_H_
