#include "query/executor.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "base/absl_compat.h"
#include "base/status_macros.h"
#include "query/counter_reads.h"
#include "query/local_day_pieces.h"
#include "query/session_streams.h"
#include "storage/counters.h"
#include "storage/index_entries.h"
#include "storage/index_payload.h"
#include "storage/key_codec.h"
#include "storage/record_codec.h"
#include "storage/rocksdb_status.h"
#include "storage/storage_engine.h"

namespace sessiondb {
namespace {

// Executes one request; holds what every step shares.
class Execution {
 public:
  Execution(const StorageEngine& engine, const rocksdb::Snapshot* snapshot,
            const Plan& plan, std::string_view after_order,
            ExecutionStats* stats, FacetTally* facets)
      : engine_(engine),
        plan_(plan),
        stats_(stats),
        facets_(facets),
        after_(after_order),
        on_index_(plan.kind == Plan::Kind::kIndexCounted),
        min_level_(on_index_ ? kIndexScopeMinLevel : kBotScopeMinLevel) {
    read_options_.snapshot = snapshot;
    if (on_index_) {
      counter_scopes_ = plan.counter_scopes;
    } else {
      for (uint32_t bot : plan.bots)
        counter_scopes_.push_back(BotCounterScope(bot));
    }
  }

  // RunCounted serves kCounted (bot scopes; page from the records) and
  // kIndexCounted (the plan's scopes; page from the driver index).
  absl::StatusOr<int64_t> RunCounted(int64_t skip, int64_t limit,
                                     RecordSink sink);
  absl::StatusOr<int64_t> RunScanned(int64_t skip, int64_t limit,
                                     RecordSink sink);
  // more_after_page: cursor paging only, whether a match follows the page.
  bool more_after_page() const { return more_after_page_; }

 private:
  bool cursor() const { return !after_.empty(); }
  // CountPieces returns, per piece, the counts summed over the scopes.
  absl::StatusOr<std::vector<RangeCount>> CountPieces(
      const std::vector<WindowPiece>& pieces);
  // GuardsAreZero: the plan's guard scopes count no session in any hour the
  // window touches, so its counter scopes are exact.
  absl::StatusOr<bool> GuardsAreZero();
  // ReadCounters sums the counters of `scopes` per aligned piece into
  // `counts` (pieces of level -1 are skipped).
  absl::Status ReadCounters(const std::vector<std::string>& scopes,
                            const std::vector<WindowPiece>& pieces,
                            std::vector<RangeCount>* counts);
  // CountByScan counts a partial piece by iterating it: the records
  // (kCounted) or the driver's entries (kIndexCounted).
  absl::StatusOr<RangeCount> CountByScan(int64_t lo_ms, int64_t hi_ms);
  absl::StatusOr<RangeCount> CountIndexByScan(int64_t lo_ms, int64_t hi_ms);
  // CountedPieces covers the window with pieces for the counters: the
  // fewest aligned buckets, or with day facets the fewest within each local
  // day (so every piece's counts belong to one day).
  std::vector<WindowPiece> CountedPieces() const;
  // The page of a counted plan: `remaining` matches are skipped below
  // start_hi, then up to `limit` go to the sink.
  absl::Status ReadRecordPage(int64_t start_hi, int64_t remaining,
                              int64_t limit, RecordSink sink);
  // ReadIndexPage also tells whether it read the window to its end
  // (*exhausted): the page then holds every remaining match.
  // With `tally`, every match it reads is counted there.
  absl::Status ReadIndexPage(int64_t start_hi, int64_t remaining, int64_t limit,
                             RecordSink sink, int64_t* emitted, bool* exhausted,
                             FacetTally* tally = nullptr);
  // FindSkipStart locates the `skip`-th match (0-based, newest first): the
  // scan starts below *start_hi and skips *remaining more matches.
  absl::Status FindSkipStart(const std::vector<WindowPiece>& pieces,
                             const std::vector<RangeCount>& counts,
                             int64_t skip, int64_t* start_hi,
                             int64_t* remaining);
  // EntryMatches tests the residual filter on an index entry's payload
  // (index_payload.h), or on the session's record when the payload left out
  // tags a condition needs. DataLoss for a malformed value.
  absl::StatusOr<bool> EntryMatches(const KeyRangeStream& entry);
  // EmitPage reads the records of `page` (primary keys, in the API's order)
  // with one MultiGet and hands them to the sink in that order.
  absl::Status EmitPage(const std::vector<std::string>& page, RecordSink sink);
  std::vector<StreamSpec> PrimaryStreams() const;

  const StorageEngine& engine_;
  const Plan& plan_;
  ExecutionStats* stats_;
  FacetTally* const facets_;  // null: no facets asked
  // Cursor paging: the page starts after this order suffix; empty: skip
  // paging.
  const std::string_view after_;
  bool more_after_page_ = false;
  const bool on_index_;
  const int min_level_;
  std::vector<std::string> counter_scopes_;
  rocksdb::ReadOptions read_options_;
};

std::vector<StreamSpec> Execution::PrimaryStreams() const {
  std::vector<StreamSpec> specs;
  for (uint32_t bot : plan_.bots) {
    std::string prefix;
    AppendBot(bot, &prefix);
    specs.push_back({Cf::kSessions, bot, std::move(prefix)});
  }
  return specs;
}

absl::Status MissingRecord(std::string_view entry_key,
                           std::string_view primary_key) {
  return absl::DataLossError(absl::StrCat("index entry ", DebugKey(entry_key),
                                          " has no record ",
                                          DebugKey(primary_key)));
}

// TallyEntry counts a matching index entry: its time from the key, its cell
// from the payload (validated by EntryMatches).
void TallyEntry(const KeyRangeStream& entry, FacetTally* tally) {
  tally->Add(DecodeDescTime(entry.order().data()),
             IndexPayloadView(entry.value()).cell());
}

absl::StatusOr<bool> Execution::EntryMatches(const KeyRangeStream& entry) {
  bool malformed = false;
  const RecordFilter::PayloadMatch match =
      plan_.residual.MatchesPayload(entry.value(), &malformed);
  // A payload found malformed is DataLoss even when a condition matched
  // before the damaged bytes.
  if (malformed) {
    return absl::DataLossError(absl::StrCat(
        "index entry ", DebugKey(entry.key()), " has a malformed value"));
  }
  if (match != RecordFilter::PayloadMatch::kNeedsRecord) {
    return match == RecordFilter::PayloadMatch::kYes;
  }
  const std::string primary_key = entry.PrimaryKey();
  rocksdb::PinnableSlice bytes;
  rocksdb::Status s =
      engine_.Get(read_options_, Cf::kSessions, primary_key, &bytes);
  if (s.IsNotFound()) return MissingRecord(entry.key(), primary_key);
  SESSIONDB_RETURN_IF_ERROR(FromRocksStatus(s, "reading a session record"));
  ++stats_->records_read;
  SESSIONDB_ASSIGN_OR_RETURN(
      const fb::Session* record,
      VerifyStoredRecord(std::string_view(bytes.data(), bytes.size()),
                         primary_key));
  return plan_.residual.Matches(*record);
}

absl::Status Execution::EmitPage(const std::vector<std::string>& page,
                                 RecordSink sink) {
  if (page.empty()) return absl::OkStatus();
  std::vector<rocksdb::Slice> keys(page.begin(), page.end());
  std::vector<rocksdb::PinnableSlice> values(page.size());
  std::vector<rocksdb::Status> statuses(page.size());
  // A one-bot page is in key order already (order ascends within a bot):
  // RocksDB then skips its own sort.
  const bool sorted = std::is_sorted(page.begin(), page.end());
  engine_.MultiGet(read_options_, Cf::kSessions, keys, values.data(),
                   statuses.data(), sorted);
  for (size_t i = 0; i < page.size(); ++i) {
    if (statuses[i].IsNotFound()) {
      return absl::DataLossError(absl::StrCat(
          "an index entry names the missing record ", DebugKey(page[i])));
    }
    SESSIONDB_RETURN_IF_ERROR(
        FromRocksStatus(statuses[i], "reading a page record"));
    SESSIONDB_ASSIGN_OR_RETURN(
        const fb::Session* verified,
        VerifyStoredRecord(std::string_view(values[i].data(), values[i].size()),
                           page[i]));
    ++stats_->records_read;
    sink(*verified);
  }
  return absl::OkStatus();
}

absl::StatusOr<RangeCount> Execution::CountIndexByScan(int64_t lo_ms,
                                                       int64_t hi_ms) {
  RangeCount count;
  MergedStream stream(engine_, read_options_.snapshot, plan_.driver, lo_ms,
                      hi_ms);
  for (; stream.Valid(); stream.Next()) {
    ++count.all;
    SESSIONDB_ASSIGN_OR_RETURN(bool matches, EntryMatches(stream.current()));
    if (!matches) continue;
    ++count.matching;
    // EntryMatches has validated the payload, whose cell byte is present.
    ++count.cells[IndexPayloadView(stream.current().value()).cell()];
  }
  stats_->keys_visited += stream.keys_visited();
  SESSIONDB_RETURN_IF_ERROR(stream.status());
  return count;
}

absl::StatusOr<RangeCount> Execution::CountByScan(int64_t lo_ms,
                                                  int64_t hi_ms) {
  if (on_index_) return CountIndexByScan(lo_ms, hi_ms);
  RangeCount count;
  // Without a cell filter every key matches; only facets need the cells.
  const bool all_cells =
      plan_.residual.cell_mask == kAllCells && facets_ == nullptr;
  MergedStream stream(engine_, read_options_.snapshot, PrimaryStreams(), lo_ms,
                      hi_ms);
  for (; stream.Valid(); stream.Next()) {
    ++count.all;
    if (all_cells) {
      ++count.matching;
      continue;
    }
    const KeyRangeStream& cur = stream.current();
    SESSIONDB_ASSIGN_OR_RETURN(const fb::Session* record,
                               VerifyStoredRecord(cur.value(), cur.key()));
    ++stats_->records_read;
    const uint8_t cell = RecordCell(*record);
    if (!plan_.residual.MatchesCell(cell)) continue;
    ++count.matching;
    ++count.cells[cell];
  }
  stats_->keys_visited += stream.keys_visited();
  SESSIONDB_RETURN_IF_ERROR(stream.status());
  return count;
}

std::vector<WindowPiece> Execution::CountedPieces() const {
  const DateWindow& w = plan_.window;
  if (facets_ == nullptr || !facets_->request().day) {
    return DecomposeWindow(w.from_ms, w.to_ms, min_level_);
  }
  std::vector<WindowPiece> pieces;
  for (const LocalDay& day : facets_->days()) {
    std::vector<WindowPiece> part =
        DecomposeWindow(day.lo_ms, day.hi_ms, min_level_);
    pieces.insert(pieces.end(), part.begin(), part.end());
  }
  return pieces;
}

absl::StatusOr<std::vector<RangeCount>> Execution::CountPieces(
    const std::vector<WindowPiece>& pieces) {
  std::vector<RangeCount> counts(pieces.size());
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (pieces[i].level < 0) {
      SESSIONDB_ASSIGN_OR_RETURN(counts[i],
                                 CountByScan(pieces[i].lo_ms, pieces[i].hi_ms));
    }
  }
  SESSIONDB_RETURN_IF_ERROR(ReadCounters(counter_scopes_, pieces, &counts));
  return counts;
}

absl::StatusOr<bool> Execution::GuardsAreZero() {
  if (plan_.guard_scopes.empty()) return true;
  const std::vector<WindowPiece> hours =
      CoveringBuckets(plan_.window.from_ms, plan_.window.to_ms, min_level_);
  std::vector<RangeCount> counts(hours.size());
  SESSIONDB_RETURN_IF_ERROR(ReadCounters(plan_.guard_scopes, hours, &counts));
  for (const RangeCount& c : counts)
    if (c.all != 0) return false;
  return true;
}

absl::Status Execution::ReadCounters(const std::vector<std::string>& scopes,
                                     const std::vector<WindowPiece>& pieces,
                                     std::vector<RangeCount>* counts) {
  SESSIONDB_ASSIGN_OR_RETURN(int64_t read,
                             SumCounters(engine_, read_options_, scopes, pieces,
                                         plan_.residual, counts));
  stats_->counters_read += read;
  return absl::OkStatus();
}

absl::Status Execution::FindSkipStart(const std::vector<WindowPiece>& pieces,
                                      const std::vector<RangeCount>& counts,
                                      int64_t skip, int64_t* start_hi,
                                      int64_t* remaining) {
  const int64_t requested_skip = skip;
  std::vector<WindowPiece> level_pieces = pieces;
  std::vector<RangeCount> level_counts = counts;
  while (true) {
    size_t i = level_pieces.size();
    while (i-- > 0) {  // newest piece first
      if (skip < level_counts[i].matching) break;
      skip -= level_counts[i].matching;
    }
    if (i == static_cast<size_t>(-1)) {
      // A bucket's children count less than it (damaged counters; never at
      // one snapshot of a consistent store): scan the whole window from its
      // end, skipping the whole request's skip, to keep the page exact.
      *start_hi = plan_.window.to_ms;
      *remaining = requested_skip;
      return absl::OkStatus();
    }
    const WindowPiece target = level_pieces[i];
    if (target.level <= min_level_) {
      *start_hi = target.hi_ms;
      *remaining = skip;
      return absl::OkStatus();
    }
    level_pieces = SplitPiece(target);
    SESSIONDB_ASSIGN_OR_RETURN(level_counts, CountPieces(level_pieces));
  }
}

absl::StatusOr<int64_t> Execution::RunCounted(int64_t skip, int64_t limit,
                                              RecordSink sink) {
  SESSIONDB_ASSIGN_OR_RETURN(bool exact, GuardsAreZero());
  if (!exact) {
    SESSIONDB_ASSIGN_OR_RETURN(int64_t total, RunScanned(skip, limit, sink));
    absl::StrAppend(&stats_->page_path,
                    " (counters inexact here: sessions with many tags)");
    return total;
  }
  const DateWindow& w = plan_.window;
  int64_t emitted = 0;
  bool exhausted = false;
  if (on_index_ && skip == 0) {
    // Page first: when it reaches the window's end (a rare user, a rare
    // tag), the page is the total and no counter is read; the page's
    // entries are then every match, and the facets are theirs. A cursor
    // page starts at the cursor (a Seek): its total and facets need the
    // counters.
    SESSIONDB_RETURN_IF_ERROR(ReadIndexPage(w.to_ms, 0, limit, sink, &emitted,
                                            &exhausted,
                                            cursor() ? nullptr : facets_));
    if (exhausted && !cursor()) {
      if (facets_ != nullptr) stats_->facets_path = "the page's index entries";
      return emitted;
    }
    if (facets_ != nullptr) facets_->Clear();
  } else if (cursor()) {
    SESSIONDB_RETURN_IF_ERROR(ReadRecordPage(w.to_ms, 0, limit, sink));
  }
  // With day facets and no skip, each local day is counted by differences
  // of few buckets (local_day_pieces.h) and the total is their sum; a skip
  // needs pieces that tile the window (FindSkipStart), cut at local
  // midnights.
  const bool by_differences =
      facets_ != nullptr && facets_->request().day && skip == 0;
  LocalDayPieces day_pieces;
  std::vector<WindowPiece> pieces;
  if (by_differences) {
    day_pieces = DecomposeLocalDays(facets_->days(), min_level_);
    pieces = day_pieces.pieces;
  } else {
    pieces = CountedPieces();
  }
  const int64_t counters_before = stats_->counters_read;
  SESSIONDB_ASSIGN_OR_RETURN(std::vector<RangeCount> counts,
                             CountPieces(pieces));
  RangeCount total;
  int64_t partial = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    if (pieces[i].level < 0) ++partial;
    if (by_differences) continue;
    total.matching += counts[i].matching;
    total.all += counts[i].all;
    if (facets_ != nullptr) facets_->AddCells(pieces[i].lo_ms, counts[i].cells);
  }
  if (by_differences) {
    for (const LocalDayPieces::Contribution& c : day_pieces.contributions) {
      facets_->AddDayCells(c.day, counts[c.piece].cells, c.sign);
    }
    total.matching = facets_->Sum();
  }
  if (facets_ != nullptr) {
    stats_->facets_path = absl::StrCat(
        "the counters that count the total (", pieces.size() - partial,
        " buckets",
        by_differences           ? ", local days as differences of UTC days"
        : facets_->request().day ? " cut at local midnights"
                                 : "",
        ", ", stats_->counters_read - counters_before, " counters read",
        partial > 0 ? absl::StrCat(", ", partial, " partial pieces scanned")
                    : std::string(),
        ")");
  }
  // The page is read already.
  if (cursor() || (on_index_ && skip == 0)) return total.matching;
  if (skip >= total.matching || limit <= 0) {
    stats_->page_path = "none (skip past total)";
    return total.matching;
  }

  int64_t start_hi = w.to_ms;
  int64_t remaining = skip;
  if (skip > 0) {
    SESSIONDB_RETURN_IF_ERROR(
        FindSkipStart(pieces, counts, skip, &start_hi, &remaining));
  }
  SESSIONDB_RETURN_IF_ERROR(
      on_index_ ? ReadIndexPage(start_hi, remaining, limit, sink, &emitted,
                                &exhausted)
                : ReadRecordPage(start_hi, remaining, limit, sink));
  return total.matching;
}

absl::Status Execution::ReadIndexPage(int64_t start_hi, int64_t remaining,
                                      int64_t limit, RecordSink sink,
                                      int64_t* emitted, bool* exhausted,
                                      FacetTally* tally) {
  const DateWindow& w = plan_.window;
  stats_->page_path =
      cursor() ? "index entries from the cursor's position (one Seek), then "
                 "the page's records by one MultiGet"
               : absl::StrCat(
                     "index entries, then the page's records by one "
                     "MultiGet, starting ",
                     w.to_ms - start_hi,
                     " ms below the window's end, skipping ", remaining);
  MergedStream stream(engine_, read_options_.snapshot, plan_.driver, w.from_ms,
                      start_hi, after_);
  std::vector<std::string> page;
  for (; stream.Valid() && static_cast<int64_t>(page.size()) < limit;
       stream.Next()) {
    const KeyRangeStream& cur = stream.current();
    SESSIONDB_ASSIGN_OR_RETURN(bool matches, EntryMatches(cur));
    if (!matches) continue;
    if (tally != nullptr) TallyEntry(cur, tally);
    if (remaining > 0) {
      --remaining;
      continue;
    }
    page.push_back(cur.PrimaryKey());
  }
  if (cursor() && static_cast<int64_t>(page.size()) == limit) {
    // moreAvailable of a cursor page: is there a match past it?
    for (; stream.Valid(); stream.Next()) {
      SESSIONDB_ASSIGN_OR_RETURN(more_after_page_,
                                 EntryMatches(stream.current()));
      if (more_after_page_) break;
    }
  }
  stats_->keys_visited += stream.keys_visited();
  SESSIONDB_RETURN_IF_ERROR(stream.status());
  *exhausted = !stream.Valid();
  *emitted = static_cast<int64_t>(page.size());
  return EmitPage(page, sink);
}

absl::Status Execution::ReadRecordPage(int64_t start_hi, int64_t remaining,
                                       int64_t limit, RecordSink sink) {
  const DateWindow& w = plan_.window;
  // Every entry of the streams matches: with a cell filter they are the
  // by_cell ranges of the wanted cells, whose values are record copies;
  // without one, the records themselves.
  const uint8_t mask = plan_.residual.cell_mask;
  const bool via_cell_index = mask != kAllCells;
  std::vector<StreamSpec> specs;
  if (via_cell_index) {
    for (uint32_t bot : plan_.bots) {
      for (uint8_t cell = 0; cell < kCells; ++cell) {
        if ((mask >> cell) & 1)
          specs.push_back({Cf::kByCell, bot, CellIndexPrefix(bot, cell)});
      }
    }
  } else {
    specs = PrimaryStreams();
  }
  stats_->page_path = absl::StrCat(
      via_cell_index ? "by_cell scan (records in the index)" : "sessions scan",
      cursor()
          ? ", from the cursor's position (one Seek)"
          : absl::StrCat(", starting ", w.to_ms - start_hi,
                         " ms below the window's end, skipping ", remaining));

  MergedStream stream(engine_, read_options_.snapshot, specs, w.from_ms,
                      start_hi, after_);
  int64_t emitted = 0;
  for (; stream.Valid() && emitted < limit; stream.Next()) {
    if (remaining > 0) {
      --remaining;
      continue;
    }
    const KeyRangeStream& cur = stream.current();
    SESSIONDB_ASSIGN_OR_RETURN(const fb::Session* record,
                               VerifyStoredRecord(cur.value(), cur.key()));
    ++stats_->records_read;
    sink(*record);
    ++emitted;
  }
  // Every entry matches: the next one, if any, follows the page.
  more_after_page_ = cursor() && emitted == limit && stream.Valid();
  stats_->keys_visited += stream.keys_visited();
  return stream.status();
}

absl::StatusOr<int64_t> Execution::RunScanned(int64_t skip, int64_t limit,
                                              RecordSink sink) {
  const RecordFilter& filter = plan_.residual;
  MergedStream stream(engine_, read_options_.snapshot, plan_.driver,
                      plan_.window.from_ms, plan_.window.to_ms);
  int64_t total = 0;
  // Cursor paging: the matches after the cursor's position so far. The
  // whole window is read for the total anyway, so the stream starts at the
  // window's end and the page starts where the order passes the cursor.
  int64_t after_cursor = 0;
  std::vector<std::string> page;  // index driver: the page's primary keys
  for (; stream.Valid(); stream.Next()) {
    const KeyRangeStream& cur = stream.current();
    const bool past_cursor = cursor() && cur.order() > after_;
    const bool in_page = cursor() ? past_cursor && after_cursor < limit
                                  : total >= skip && total - skip < limit;
    if (plan_.driver_is_primary) {
      SESSIONDB_ASSIGN_OR_RETURN(const fb::Session* verified,
                                 VerifyStoredRecord(cur.value(), cur.key()));
      ++stats_->records_read;
      if (!filter.Matches(*verified)) continue;
      if (in_page) sink(*verified);
      if (facets_ != nullptr) {
        facets_->Add(verified->start_time_ms(), RecordCell(*verified));
      }
    } else {
      // The payload decides the match; only the page's records are read.
      SESSIONDB_ASSIGN_OR_RETURN(bool matches, EntryMatches(cur));
      if (!matches) continue;
      if (in_page) page.push_back(cur.PrimaryKey());
      if (facets_ != nullptr) TallyEntry(cur, facets_);
    }
    ++total;
    if (past_cursor) ++after_cursor;
  }
  more_after_page_ = after_cursor > limit;
  stats_->keys_visited += stream.keys_visited();
  stats_->page_path =
      plan_.driver_is_primary
          ? "during the scan"
          : "during the index scan, then the page's records by one MultiGet";
  if (facets_ != nullptr) {
    stats_->facets_path = plan_.driver_is_primary
                              ? "the scan that counts the total (records)"
                              : "the scan that counts the total (index "
                                "entries' cells)";
  }
  SESSIONDB_RETURN_IF_ERROR(stream.status());
  SESSIONDB_RETURN_IF_ERROR(EmitPage(page, sink));
  return total;
}

}  // namespace

absl::StatusOr<PageResult> ExecutePlan(const StorageEngine& engine,
                                       const rocksdb::Snapshot* snapshot,
                                       const Plan& plan, const PageSpec& page,
                                       RecordSink sink, ExecutionStats* stats,
                                       FacetTally* facets) {
  PageResult result;
  auto counting_sink = [&](const fb::Session& record) {
    ++result.returned;
    sink(record);
  };
  Execution execution(engine, snapshot, plan, page.after_order, stats, facets);
  absl::StatusOr<int64_t> total = int64_t{0};
  switch (plan.kind) {
    case Plan::Kind::kEmpty:
      if (facets != nullptr) stats->facets_path = "none (nothing can match)";
      break;
    case Plan::Kind::kCounted:
    case Plan::Kind::kIndexCounted:
      total = execution.RunCounted(page.skip, page.limit, counting_sink);
      break;
    case Plan::Kind::kScanned:
      total = execution.RunScanned(page.skip, page.limit, counting_sink);
      break;
  }
  SESSIONDB_RETURN_IF_ERROR(total.status());
  result.total = *total;
  result.more = page.after_order.empty()
                    // skip + returned < total, without overflowing any skip
                    ? page.skip < result.total &&
                          result.returned < result.total - page.skip
                    : execution.more_after_page();
  return result;
}

absl::StatusOr<LookupResult> LookupSessions(
    const StorageEngine& engine, const rocksdb::Snapshot* snapshot,
    const std::optional<std::string>& bot_id,
    const std::vector<std::string>& session_ids, RecordSink sink,
    ExecutionStats* stats) {
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  LookupResult result;
  absl::flat_hash_set<std::string> seen;
  std::vector<std::pair<std::string, std::string>> found;  // (order, record)
  for (const std::string& id : session_ids) {
    if (!seen.insert(id).second) continue;
    std::string primary_key;
    rocksdb::Status s = engine.Get(ro, Cf::kSessionIds, id, &primary_key);
    ++stats->keys_visited;
    bool exists = false;
    if (s.ok()) {
      std::string record;
      s = engine.Get(ro, Cf::kSessions, primary_key, &record);
      ++stats->records_read;
      if (s.IsNotFound()) {
        return absl::DataLossError(absl::StrCat(
            "sessionId ", AsAbsl(DebugKey(id)), " maps to a missing record"));
      }
      SESSIONDB_RETURN_IF_ERROR(FromRocksStatus(s, "reading a session record"));
      SESSIONDB_ASSIGN_OR_RETURN(const fb::Session* r,
                                 VerifyStoredRecord(record, primary_key));
      exists = !bot_id.has_value() || r->bot_id()->string_view() == *bot_id;
      if (exists)
        found.emplace_back(primary_key.substr(kBotBytes), std::move(record));
    } else if (!s.IsNotFound()) {
      return FromRocksStatus(s, "reading the sessionId map");
    }
    if (!exists) result.invalid.push_back(id);
  }
  std::sort(found.begin(), found.end());
  for (const auto& [order, record] : found)
    sink(*fb::GetSession(record.data()));
  result.found = static_cast<int64_t>(found.size());
  stats->page_path = "sessionId map + Get";
  return result;
}

}  // namespace sessiondb
