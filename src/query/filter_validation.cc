#include "query/filter_validation.h"

namespace sessiondb {

absl::Status ValidateUserAndTags(const std::optional<std::string>& user_id,
                                 const TagFilter& tags) {
  if (user_id.has_value() && user_id->empty()) {
    return absl::InvalidArgumentError("userId: must not be empty");
  }
  for (const auto* list : {&tags.all_of, &tags.any_of}) {
    for (const TagCondition& c : *list) {
      if (c.name.empty()) {
        return absl::InvalidArgumentError("tags: a condition has no name");
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace sessiondb
