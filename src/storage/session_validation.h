// The write rules of API.md §1, checked before anything reaches the store.
#ifndef SESSIONDB_STORAGE_SESSION_VALIDATION_H_
#define SESSIONDB_STORAGE_SESSION_VALIDATION_H_

#include <cstddef>

#include "absl/status/status.h"
#include "sessiondb/session.h"

namespace sessiondb {

// Limits API.md §1 leaves open, chosen here (docs/SPEC-DECISIONS.md).
inline constexpr size_t kMaxTagsPerKind = 256;
inline constexpr size_t kMaxSessionLangs = 64;
inline constexpr size_t kMaxSessionLangBytes = 64;

// ValidateSession is declared in sessiondb/session.h: InvalidArgument with a
// message "<field>: <what is wrong>", the field named as in the API's JSON
// (sessionId, start_time, tags.userTags[2].name, ...).

}  // namespace sessiondb

#endif  // SESSIONDB_STORAGE_SESSION_VALIDATION_H_
