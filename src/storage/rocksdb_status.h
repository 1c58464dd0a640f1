// The one table from rocksdb::Status to absl::Status.
#ifndef SESSIONDB_STORAGE_ROCKSDB_STATUS_H_
#define SESSIONDB_STORAGE_ROCKSDB_STATUS_H_

#include <string_view>

#include "absl/status/status.h"
#include "rocksdb/status.h"

namespace sessiondb {

// FromRocksStatus maps `s` by its code and subcode, never its text (OK ->
// OK): Corruption -> DataLoss, a missing file (PathNotFound) -> DataLoss,
// Busy/TryAgain -> Unavailable, NoSpace -> ResourceExhausted, NotFound ->
// NotFound, InvalidArgument -> InvalidArgument, any other IOError ->
// Internal. A LOCK file another open holds is a plain IOError here too:
// StorageEngine's open identifies it and answers Unavailable. The message is
// "<context>: <rocksdb message>".
absl::Status FromRocksStatus(const rocksdb::Status& s,
                             std::string_view context);

}  // namespace sessiondb

#endif  // SESSIONDB_STORAGE_ROCKSDB_STATUS_H_
