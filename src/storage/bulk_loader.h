// BulkLoader: the engine side of Store::BulkLoad.
//
// Every key the loaded sessions own (records, the sessionId map, index
// entries, counters, user counts, new bots' dictionary entries — the same
// derivation SessionBatch writes, index_entries.h) is sorted in memory,
// spilled as sorted runs when the memory budget is full, merged into sorted
// table files per column family and added with one atomic
// IngestExternalFiles: no WAL, no memtable. Counters and user counts are
// summed in memory. Into a store with no session they are written as
// values, exact because the store has none yet (a store whose sessions
// were all deleted keeps zero counts; the ingested values are newer and
// replace them), and the files land in the bottommost level. Into a store
// with sessions they are merge operands the counters' operator adds to the
// stored counts, and the files land above the stored ones. A session the
// store holds is rewritten as SessionBatch would: the files also delete the
// keys of its stored version that the new one does not put again (the
// stored version read before the load changes anything) and subtract its
// counts; every other key carries a sessionId the store does not hold.
//
// From the first sessionId the source repeats (an upsert of a session the
// files already hold), the loader writes SessionBatch upserts instead,
// which are exact in any state.
#ifndef SESSIONDB_STORAGE_BULK_LOADER_H_
#define SESSIONDB_STORAGE_BULK_LOADER_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "sessiondb/bulk_load.h"

namespace sessiondb {

class StorageEngine;

// RunBulkLoad loads `source` into `engine`.
// REQUIRES: the caller holds the engine's write lock.
absl::StatusOr<BulkLoadSummary> RunBulkLoad(StorageEngine& engine,
                                            SessionSource& source,
                                            const BulkLoadOptions& options);

// RemoveBulkLoadLeftovers removes the temporary files a load killed midway
// left in the store at `path` (nothing of them reached the store).
// REQUIRES: the caller holds the store open for writing.
void RemoveBulkLoadLeftovers(std::string_view path);

}  // namespace sessiondb

#endif  // SESSIONDB_STORAGE_BULK_LOADER_H_
