// Store::Check: the full-store consistency verifier and its repair.
//
// The records (column family `sessions`) are the truth; everything else a
// store keeps about them is derived: the sessionId map, every secondary index
// entry, the bucket counters, the per-user session counts and the bot
// dictionary. Check recomputes the derived data from the records and compares
// it, entry by entry, with what the store holds.
//
// Example:
//   absl::StatusOr<sessiondb::CheckReport> report =
//       store->Check(sessiondb::CheckOptions());
//   if (report.ok() && !report->consistent()) {
//     for (const auto& i : report->inconsistencies) LOG(ERROR) << i.ToString();
//   }
#ifndef SESSIONDB_CHECK_H_
#define SESSIONDB_CHECK_H_

#include <cstdint>
#include <string>
#include <vector>

namespace sessiondb {

struct CheckOptions {
  // Rebuild the derived data (sessionId map, secondary indexes, counters,
  // user counts) from the records, then check again. Records that cannot be
  // read (they fail the FlatBuffers verifier) or that repeat a sessionId are
  // removed; a record stored under a key its fields do not produce is moved
  // to the right key. Writes go in batches of at most repair_batch_ops
  // operations, each atomic; concurrent writers wait until the repair is
  // done, concurrent readers may see a partly repaired store. Default: false.
  bool repair = false;

  // How many inconsistencies the report lists (all are counted).
  // Default: 1000.
  int max_reported = 1000;

  // Operations per repair WriteBatch. Default: 10000.
  int repair_batch_ops = 10000;
};

// Inconsistency is one thing wrong with a store: the column family, the key
// (printable, hex-escaped) and what is wrong with it.
struct Inconsistency {
  std::string column_family;
  std::string key;
  std::string problem;

  // ToString: "cf by_user key \x00\x00\x00\x01...: <problem>".
  std::string ToString() const {
    return "cf " + column_family + " key " + key + ": " + problem;
  }
};

// CheckReport is what Check found (and, with repair, what it did).
struct CheckReport {
  // What the first pass read.
  int64_t records = 0;
  int64_t index_entries = 0;  // expected secondary index entries
  int64_t counters = 0;       // expected non-zero bucket counters
  int64_t users = 0;          // distinct userIds of the records
  int64_t bots = 0;           // bot dictionary entries
  // Column families Check does not know how to verify (none today).
  std::vector<std::string> unverified_column_families;

  // Every inconsistency found is counted; the first max_reported are listed.
  int64_t inconsistency_count = 0;
  std::vector<Inconsistency> inconsistencies;

  // Repair only. repaired: a repair ran (it runs only when the first pass
  // found something). repair_writes: operations written. dropped_records:
  // keys of the records removed (unreadable or a repeated sessionId).
  // remaining_*: what the check after the repair still found.
  bool repaired = false;
  int64_t repair_writes = 0;
  std::vector<std::string> dropped_records;
  int64_t remaining_count = 0;
  std::vector<Inconsistency> remaining;

  // consistent: the store is consistent now (after the repair, if one ran).
  bool consistent() const {
    return repaired ? remaining_count == 0 : inconsistency_count == 0;
  }
};

}  // namespace sessiondb

#endif  // SESSIONDB_CHECK_H_
