// `sessiondb ship --follow` (SPEC §9): after a full ship (or, when the
// database's meta says it holds this store through change P already, from
// P), ship the store's later writes as they come, from its change log
// (storage/change_log.h), reading beside the writer as a Store::OpenReader
// reader.
//
// Each round: Refresh the reader; read the change entries after the
// position P (everything <= P is in ClickHouse) up to the reader's sequence
// M; for every session they touched ship its row as of M at the number of
// the last entry that touched it, and a tombstone at that number at every
// key an entry says it had before that is not its key at M (moved to
// another bot or start time, deleted, purged, forgotten); the aliases they
// changed likewise; then meta shipped_through = M and the store directory's
// SHIPPED file = M (the writer trims the log up to it). An `everything`
// entry, or a P below the log's trimmed mark, ships the whole snapshot again
// (ShipSnapshot), which tombstones whatever ClickHouse holds that the store
// no longer has.
//
// At-least-once and idempotent: ClickHouse acknowledges every row of a
// round before its position is written; a round repeated after a crash
// writes the same rows at the same versions.
#ifndef SESSIONDB_BACKENDS_CLICKHOUSE_CLICKHOUSE_FOLLOW_H_
#define SESSIONDB_BACKENDS_CLICKHOUSE_CLICKHOUSE_FOLLOW_H_

#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "backends/clickhouse/clickhouse_ship.h"
#include "sessiondb/store.h"

namespace sessiondb {

// What a round saw and did.
struct FollowProgress {
  uint64_t shipped_through = 0;  // the position after the round
  // Lag when the round looked: change entries the store had committed past
  // the position, and how long ago the oldest of them was committed.
  uint64_t entries_behind = 0;
  double seconds_behind = 0;
  // This round: sessions shipped, tombstones written, aliases written.
  int64_t sessions = 0;
  int64_t tombstones = 0;
  int64_t aliases = 0;
  bool reshipped = false;  // the round shipped the whole snapshot
  // The first report only: ClickHouse already held the store through
  // shipped_through (an earlier ship or follow), so no whole snapshot.
  bool resumed = false;
  // Since FollowChanges started.
  int64_t rounds = 0;
  int64_t total_sessions = 0;
  int64_t total_tombstones = 0;
  int64_t reships = 0;
};

struct FollowOptions {
  // How long a round that found nothing waits before the next.
  absl::Duration poll = absl::Seconds(1);
  // Rounds stop (after the current one) once this returns true; checked
  // between rounds and while waiting. Required.
  std::function<bool()> stop;
  // Called after every round, and after the first full ship (or resume).
  std::function<void(const FollowProgress&)> progress;
  // More sessions touched since the position than this: ship the whole
  // snapshot instead (bounds a round's memory).
  int64_t max_sessions_per_round = 1'000'000;
  // For the full ships and the rows of every round.
  ShipOptions ship;
};

// MarkShipped writes `version` (a ShipSummary's) into the SHIPPED file of
// the store's directory (storage/change_log.h), which tells the store's
// writer it may trim its change log up to it.
absl::Status MarkShipped(Store& store, uint64_t version);

// FollowChanges ships every session of `reader` (ShipSnapshot) unless the
// target's meta says it holds this store through change P (then it goes on
// from P), then follows its writer until options.stop() returns true. `reader`
// must come from Store::OpenReader (or receive no other writes). The store
// directory must be writable for its SHIPPED file: FollowChanges fails when it
// cannot write it (the writer could not trim what was shipped).
absl::Status FollowChanges(Store& reader, const ShipTarget& target,
                           const FollowOptions& options);

}  // namespace sessiondb

#endif  // SESSIONDB_BACKENDS_CLICKHOUSE_CLICKHOUSE_FOLLOW_H_
