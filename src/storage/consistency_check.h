// The full-store verifier behind Store::Check and `sessiondb check` (public
// contract in sessiondb/check.h), in two parts: find (read only) and repair
// (the same pass staging fixes through the engine's one write path).
//
// The records are the truth. One pass at one ReadView:
//   1. the bot dictionary (default CF "bot/" keys): 4-byte numbers, none 0,
//      none shared, the same as the engine's in-memory dictionary;
//   2. every record (CF sessions) passes VerifyRecord and ValidateSession,
//      and its key is SessionKey(dictionary number of its botId, start_time,
//      sessionId); a sessionId is stored once;
//   3. from the records that own their sessionId, the expected derived data
//      is recomputed with the write path's own definitions —
//      ForEachIndexEntry (every secondary index entry, key AND value),
//      ForEachCounterKey / RecordCell (counters of every scope), the userId
//      counts and the sessionId map — and compared both ways, entry by entry,
//      with every column family ForEachIndexEntry writes to and with
//      session_ids, counts and users. All-zero counters and zero user counts
//      (left behind by deletes) are not inconsistencies.
//   4. aliases: keys are ASCII-lowercase, values non-empty userIds.
// Memory: O(records + index entries) for the expected data.
#ifndef SESSIONDB_STORAGE_CONSISTENCY_CHECK_H_
#define SESSIONDB_STORAGE_CONSISTENCY_CHECK_H_

#include "absl/status/statusor.h"
#include "sessiondb/check.h"
#include "storage/storage_engine.h"

namespace sessiondb {

// FindInconsistencies verifies the store at one view (taken between writes)
// and writes nothing; safe while other threads read and write.
// Inconsistencies are results, not errors: the status is non-OK only when the
// store cannot be read (a RocksDB error, e.g. DataLoss for a corrupt file,
// naming the column family).
absl::StatusOr<CheckReport> FindInconsistencies(StorageEngine& engine,
                                                const CheckOptions& options);

// RepairInconsistencies finds as above with writers held out
// (StorageEngine::Repair), stages the fix of each finding — the derived data
// rebuilt from the records, unreadable and repeated records dropped, records
// moved to their key (see CheckOptions) — then finds again. Non-OK also when
// a repair write fails (batches already written stay: each is a fix).
// FailedPrecondition on a reader.
absl::StatusOr<CheckReport> RepairInconsistencies(StorageEngine& engine,
                                                  const CheckOptions& options);

}  // namespace sessiondb

#endif  // SESSIONDB_STORAGE_CONSISTENCY_CHECK_H_
