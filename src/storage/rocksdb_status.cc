#include "storage/rocksdb_status.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "base/absl_compat.h"

namespace sessiondb {

absl::Status FromRocksStatus(const rocksdb::Status& s,
                             std::string_view context) {
  if (s.ok()) return absl::OkStatus();
  std::string message = absl::StrCat(AsAbsl(context), ": ", s.ToString());
  if (s.IsCorruption()) return absl::DataLossError(message);
  // A file the store's own metadata names (a MANIFEST, a table file) is
  // gone: the data it held is lost, not an internal fault.
  if (s.IsPathNotFound()) {
    return absl::DataLossError(
        absl::StrCat(message, " (a file of the store is missing)"));
  }
  if (s.IsBusy() || s.IsTryAgain()) return absl::UnavailableError(message);
  if (s.IsNoSpace()) return absl::ResourceExhaustedError(message);
  if (s.IsNotFound()) return absl::NotFoundError(message);
  if (s.IsInvalidArgument()) return absl::InvalidArgumentError(message);
  return absl::InternalError(message);
}

}  // namespace sessiondb
