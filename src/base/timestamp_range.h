// The timestamps sessiondb stores: those the API's ISO form can write,
// 0000-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z.
#ifndef SESSIONDB_BASE_TIMESTAMP_RANGE_H_
#define SESSIONDB_BASE_TIMESTAMP_RANGE_H_

#include <cstdint>

namespace sessiondb {

inline constexpr int64_t kMinTimestampMs = -62167219200000LL;
inline constexpr int64_t kMaxTimestampMs = 253402300799999LL;
inline constexpr int64_t kMsPerDay = 86400000LL;

}  // namespace sessiondb

#endif  // SESSIONDB_BASE_TIMESTAMP_RANGE_H_
