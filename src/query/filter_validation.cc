#include "query/filter_validation.h"

#include <cstddef>

#include "absl/strings/str_cat.h"

namespace sessiondb {

absl::Status ValidateSessionFilter(const SessionFilter& filter) {
  if (filter.user_id.has_value() && filter.user_id->empty()) {
    return absl::InvalidArgumentError("userId: must not be empty");
  }
  size_t conditions = 0;
  size_t values = 0;
  for (const auto* list : {&filter.tags.all_of, &filter.tags.any_of}) {
    for (const TagCondition& c : *list) {
      if (c.name.empty()) {
        return absl::InvalidArgumentError("tags: a condition has no name");
      }
      ++conditions;
      values += c.values.size();
    }
  }
  if (conditions > kMaxTagConditions) {
    return absl::InvalidArgumentError(
        absl::StrCat("tags: at most ", kMaxTagConditions,
                     " conditions in total, got ", conditions));
  }
  if (values > kMaxTagValues) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tags: at most ", kMaxTagValues, " values in total, got ", values));
  }
  return absl::OkStatus();
}

}  // namespace sessiondb
