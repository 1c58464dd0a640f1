// The one table from rocksdb::Status to absl::Status.
#ifndef SESSIONDB_STORAGE_ROCKSDB_STATUS_H_
#define SESSIONDB_STORAGE_ROCKSDB_STATUS_H_

#include <string_view>

#include "absl/status/status.h"
#include "rocksdb/status.h"

namespace sessiondb {

// FromRocksStatus maps `s` (OK -> OK): Corruption -> DataLoss,
// Busy/TryAgain/lock held -> Unavailable, NoSpace -> ResourceExhausted,
// NotFound -> NotFound, InvalidArgument -> InvalidArgument, other IOError ->
// Internal. The message is "<context>: <rocksdb message>".
absl::Status FromRocksStatus(const rocksdb::Status& s,
                             std::string_view context);

}  // namespace sessiondb

#endif  // SESSIONDB_STORAGE_ROCKSDB_STATUS_H_
