#include "backends/clickhouse/clickhouse_follow.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/absl_compat.h"
#include "base/status_macros.h"
#include "codec/record_json.h"
#include "storage/change_log.h"
#include "storage/key_codec.h"
#include "storage/record_codec.h"
#include "storage/rocksdb_status.h"
#include "storage/storage_engine.h"
#include "utilities/engine_access.h"

namespace sessiondb {
namespace {

// What the entries after the position say about one session.
struct Touched {
  uint64_t version = 0;  // the last entry that touched it
  std::vector<SessionChange::Key> previous;
};

// AliasSince is an alias's state after the last entry that changed it.
struct AliasSince {
  uint64_t version = 0;                // that entry's number
  std::optional<std::string> user_id;  // absent: the alias was removed
};

// Round is one pass over the change log at one state of the reader.
struct Round {
  ChangeLogState state;
  bool reship = false;
  uint64_t entries_behind = 0;
  double seconds_behind = 0;
  absl::flat_hash_map<std::string, Touched> sessions;
  absl::flat_hash_map<std::string, AliasSince> aliases;
};

// ReadSession reads session `id` at `ro`: false when the store has none.
absl::StatusOr<bool> ReadSession(StorageEngine& engine,
                                 const rocksdb::ReadOptions& ro,
                                 const std::string& id, Session* session,
                                 std::string* json) {
  std::string key;
  rocksdb::Status s = engine.Get(ro, Cf::kSessionIds, id, &key);
  if (s.IsNotFound()) return false;
  SESSIONDB_RETURN_IF_ERROR(FromRocksStatus(s, "reading the sessionId map"));
  std::string bytes;
  s = engine.Get(ro, Cf::kSessions, key, &bytes);
  if (s.IsNotFound()) {
    return absl::DataLossError(absl::StrCat("sessionId ", DebugKey(id),
                                            " maps to a missing record ",
                                            DebugKey(key)));
  }
  SESSIONDB_RETURN_IF_ERROR(FromRocksStatus(s, "reading a session record"));
  SESSIONDB_ASSIGN_OR_RETURN(const fb::Session* record,
                             VerifyStoredRecord(bytes, key));
  *session = DecodeRecord(*record);
  json->clear();
  AppendRecordJson(*record, json);
  return true;
}

// Collect reads the entries after `position` at `view` into `round`.
absl::Status Collect(StorageEngine& engine, const ReadView& view,
                     uint64_t position, int64_t max_sessions, Round* round) {
  SESSIONDB_ASSIGN_OR_RETURN(round->state,
                             ReadChangeLogState(engine, view.snapshot()));
  if (round->state.sequence < position) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the store's change sequence is ", round->state.sequence,
        ", below the ", position,
        " already shipped: a store restored from an older copy? Ship it "
        "into a fresh --database"));
  }
  round->entries_behind = round->state.sequence - position;
  if (round->entries_behind == 0) return absl::OkStatus();
  if (position < round->state.trimmed_through) {
    round->reship = true;  // the entries after the position are gone
    return absl::OkStatus();
  }
  uint64_t expected = position + 1;
  ChangeLogIterator it(engine, view.snapshot(), position);
  for (; it.Valid(); it.Next()) {
    const ChangeEntry& entry = it.entry();
    if (entry.number != expected) break;  // a gap: never written so
    if (expected == position + 1) {
      round->seconds_behind = std::max(
          0.0, (absl::ToUnixMillis(absl::Now()) - entry.time_ms) / 1000.0);
    }
    ++expected;
    if (entry.everything) {
      round->reship = true;
      return absl::OkStatus();
    }
    for (const SessionChange& s : entry.sessions) {
      Touched& t = round->sessions[s.session_id];
      t.version = entry.number;
      if (s.previous.has_value() &&
          std::find(t.previous.begin(), t.previous.end(), *s.previous) ==
              t.previous.end()) {
        t.previous.push_back(*s.previous);
      }
    }
    for (const AliasChange& a : entry.aliases) {
      round->aliases[a.alias] = AliasSince{entry.number, a.user_id};
    }
    if (static_cast<int64_t>(round->sessions.size()) > max_sessions) {
      round->reship = true;
      return absl::OkStatus();
    }
  }
  SESSIONDB_RETURN_IF_ERROR(it.status());
  if (expected != round->state.sequence + 1) {
    return absl::DataLossError(
        absl::StrCat("the change log has no entry ", expected, " (sequence ",
                     round->state.sequence, ", trimmed through ",
                     round->state.trimmed_through, ")"));
  }
  return absl::OkStatus();
}

// ShipRound ships what `round` collected, as of `view`.
absl::Status ShipRound(StorageEngine& engine, const ReadView& view,
                       const Round& round, ClickHouseShipper& shipper,
                       FollowProgress* progress) {
  rocksdb::ReadOptions ro;
  ro.snapshot = view.snapshot();
  Session session;
  std::string json;
  for (const auto& [id, touched] : round.sessions) {
    SESSIONDB_ASSIGN_OR_RETURN(bool exists,
                               ReadSession(engine, ro, id, &session, &json));
    if (exists) {
      SESSIONDB_RETURN_IF_ERROR(
          shipper.AddSession(session, json, touched.version));
      ++progress->sessions;
    }
    for (const SessionChange::Key& key : touched.previous) {
      std::optional<std::string> bot = engine.bots().IdOf(key.bot_no);
      if (!bot.has_value()) {
        return absl::DataLossError(
            absl::StrCat("change log: bot number ", key.bot_no, " of session ",
                         DebugKey(id), " is not in the bot dictionary"));
      }
      if (exists && *bot == session.bot_id &&
          key.start_ms == session.start_time_ms) {
        continue;  // its row at that key was just replaced
      }
      SESSIONDB_RETURN_IF_ERROR(shipper.AddTombstone(
          SessionRowKey{*std::move(bot), key.start_ms, id}, touched.version));
      ++progress->tombstones;
    }
  }
  SESSIONDB_RETURN_IF_ERROR(shipper.Flush());

  // Aliases go one version per alias: the last entry that changed it, with
  // the value that entry wrote (the change log is the alias map's history,
  // so nothing is read back from the map).
  absl::flat_hash_map<
      uint64_t, std::vector<std::pair<std::string, std::optional<std::string>>>>
      by_version;
  for (const auto& [alias, since] : round.aliases) {
    by_version[since.version].emplace_back(alias, since.user_id);
    ++progress->aliases;
  }
  for (const auto& [version, aliases] : by_version) {
    SESSIONDB_RETURN_IF_ERROR(shipper.WriteAliases(aliases, version));
  }
  return absl::OkStatus();
}

// WaitOrStop sleeps `d` in short steps; true when stop() said so.
bool WaitOrStop(absl::Duration d, const std::function<bool()>& stop) {
  const absl::Time until = absl::Now() + d;
  while (absl::Now() < until) {
    if (stop()) return true;
    absl::SleepFor(std::min(absl::Milliseconds(50), until - absl::Now()));
  }
  return stop();
}

// RefreshUntilWhole refreshes `reader` until its last catch-up ended whole
// (StorageEngine::caught_up_whole): a state torn across column families,
// once shipped, would stay in ClickHouse. False when stop() said so first.
absl::StatusOr<bool> RefreshUntilWhole(Store& reader,
                                       const StorageEngine& engine,
                                       const FollowOptions& options) {
  SESSIONDB_RETURN_IF_ERROR(reader.Refresh());
  while (!engine.caught_up_whole()) {
    if (WaitOrStop(options.poll, options.stop)) return false;
    SESSIONDB_RETURN_IF_ERROR(reader.Refresh());
  }
  return true;
}

}  // namespace

absl::Status MarkShipped(Store& store, uint64_t version) {
  SESSIONDB_ASSIGN_OR_RETURN(StorageEngine * engine,
                             StoreInternals::EngineOf(store));
  return WriteShippedMark(engine->path(), version);
}

absl::Status FollowChanges(Store& reader, const ShipTarget& target,
                           const FollowOptions& options) {
  SESSIONDB_ASSIGN_OR_RETURN(StorageEngine * engine,
                             StoreInternals::EngineOf(reader));
  const std::string cursor_key_hex =
      absl::BytesToHexString(engine->cursor_key());
  FollowProgress progress;
  auto reship = [&]() -> absl::Status {
    SESSIONDB_ASSIGN_OR_RETURN(ShipSummary summary,
                               ShipSnapshot(reader, target, options.ship));
    progress.shipped_through = summary.version;
    progress.sessions = summary.sessions;
    progress.tombstones = summary.tombstones;
    progress.aliases = summary.aliases + summary.alias_tombstones;
    progress.reshipped = true;
    ++progress.reships;
    return WriteShippedMark(engine->path(), summary.version);
  };
  SESSIONDB_ASSIGN_OR_RETURN(std::unique_ptr<ClickHouseShipper> shipper,
                             ClickHouseShipper::Open(target, options.ship));
  // A database this store was shipped into holds every change through the
  // number its meta names (rows are written before the meta): follow goes
  // on from there. The first round checks that the store still has the
  // entries after it (else it ships the whole snapshot) and is not behind
  // it (a store restored from an older copy: an error). Meta naming another
  // store gives nullopt, and the full ship refuses it (CheckCursorKey).
  SESSIONDB_ASSIGN_OR_RETURN(std::optional<uint64_t> shipped,
                             shipper->ShippedThrough(cursor_key_hex));
  if (shipped.has_value()) {
    progress.shipped_through = *shipped;
    progress.resumed = true;
  } else {
    SESSIONDB_ASSIGN_OR_RETURN(bool go_on,
                               RefreshUntilWhole(reader, *engine, options));
    if (!go_on) return absl::OkStatus();
    SESSIONDB_RETURN_IF_ERROR(reship());
    progress.total_sessions += progress.sessions;
    progress.total_tombstones += progress.tombstones;
  }
  if (options.progress) options.progress(progress);
  progress.resumed = false;
  while (!options.stop()) {
    SESSIONDB_ASSIGN_OR_RETURN(bool go_on,
                               RefreshUntilWhole(reader, *engine, options));
    if (!go_on) break;
    progress.sessions = progress.tombstones = progress.aliases = 0;
    progress.reshipped = false;
    ++progress.rounds;
    Round round;
    {
      // No ReadView may outlive the round: Refresh waits for none.
      ReadView view(*engine);
      SESSIONDB_RETURN_IF_ERROR(Collect(*engine, view, progress.shipped_through,
                                        options.max_sessions_per_round,
                                        &round));
      progress.entries_behind = round.entries_behind;
      progress.seconds_behind = round.seconds_behind;
      if (!round.reship && round.entries_behind > 0) {
        SESSIONDB_RETURN_IF_ERROR(
            ShipRound(*engine, view, round, *shipper, &progress));
        // Only once ClickHouse acknowledged every row of the round.
        SESSIONDB_RETURN_IF_ERROR(
            shipper->WriteMeta(cursor_key_hex, round.state.sequence));
        SESSIONDB_RETURN_IF_ERROR(
            WriteShippedMark(engine->path(), round.state.sequence));
        progress.shipped_through = round.state.sequence;
      }
    }
    if (round.reship) SESSIONDB_RETURN_IF_ERROR(reship());
    progress.total_sessions += progress.sessions;
    progress.total_tombstones += progress.tombstones;
    if (options.progress) options.progress(progress);
    if (round.entries_behind == 0 && WaitOrStop(options.poll, options.stop)) {
      break;
    }
  }
  return absl::OkStatus();
}

}  // namespace sessiondb
