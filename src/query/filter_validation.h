// The rules a typed filter must meet whoever builds it (a getSessions query,
// an export): one definition, so both refuse the same input with the same
// message.
#ifndef SESSIONDB_QUERY_FILTER_VALIDATION_H_
#define SESSIONDB_QUERY_FILTER_VALIDATION_H_

#include "absl/status/status.h"
#include "sessiondb/query.h"

namespace sessiondb {

// ValidateSessionFilter: a userId, when given, is not empty; every tag
// condition has a name; the filter holds at most kMaxTagConditions conditions
// and kMaxTagValues values in total. InvalidArgument naming the field (and
// the limit) otherwise. Cheap: nothing is read.
absl::Status ValidateSessionFilter(const SessionFilter& filter);

}  // namespace sessiondb

#endif  // SESSIONDB_QUERY_FILTER_VALIDATION_H_
