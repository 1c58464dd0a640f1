// Test-only matchers for absl::Status (Debian's Abseil has none):
//   EXPECT_THAT(s, IsOk());
//   EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument,
//   HasSubstr("limit")));
#ifndef SESSIONDB_TESTS_TESTING_STATUS_MATCHERS_H_
#define SESSIONDB_TESTS_TESTING_STATUS_MATCHERS_H_

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"

namespace sessiondb::testing {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& s = GetStatus(arg);
  if (!s.ok()) *result_listener << "status is " << s.ToString();
  return s.ok();
}

MATCHER_P2(StatusIs, code, message_matcher,
           "has code " + absl::StatusCodeToString(code)) {
  const absl::Status& s = GetStatus(arg);
  *result_listener << "status is " << s.ToString();
  return s.code() == code &&
         ::testing::ExplainMatchResult(
             message_matcher, std::string(s.message()), result_listener);
}

}  // namespace sessiondb::testing

#define ASSERT_OK(expr) ASSERT_THAT((expr), ::sessiondb::testing::IsOk())
#define EXPECT_OK(expr) EXPECT_THAT((expr), ::sessiondb::testing::IsOk())

#endif  // SESSIONDB_TESTS_TESTING_STATUS_MATCHERS_H_
