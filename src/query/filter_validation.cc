#include "query/filter_validation.h"

namespace sessiondb {

absl::Status ValidateSessionFilter(const SessionFilter& filter) {
  if (filter.user_id.has_value() && filter.user_id->empty()) {
    return absl::InvalidArgumentError("userId: must not be empty");
  }
  for (const auto* list : {&filter.tags.all_of, &filter.tags.any_of}) {
    for (const TagCondition& c : *list) {
      if (c.name.empty()) {
        return absl::InvalidArgumentError("tags: a condition has no name");
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace sessiondb
