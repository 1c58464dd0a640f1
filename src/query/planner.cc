#include "query/planner.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "query/counter_reads.h"
#include "query/user_resolution.h"
#include "storage/counters.h"
#include "storage/key_codec.h"
#include "storage/rocksdb_status.h"
#include "storage/storage_engine.h"
#include "util/absl_compat.h"
#include "util/status_macros.h"

namespace sessiondb {
namespace {

std::string BotsText(const std::vector<uint32_t>& bots) {
  return bots.size() == 1 ? absl::StrCat("bot #", bots[0])
                          : absl::StrCat(bots.size(), " bots");
}

// DiscoverTagValues lists the distinct values of a tag name under one bot
// and kind by skipping from value to value; nullopt past `limit` values.
absl::StatusOr<std::optional<std::vector<std::string>>> DiscoverTagValues(
    const StorageEngine& engine, const rocksdb::Snapshot* snapshot,
    uint32_t bot_no, uint8_t kind, const std::string& name, int limit) {
  const std::string prefix = TagNamePrefix(bot_no, kind, name);
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  std::unique_ptr<rocksdb::Iterator> it = engine.NewIterator(ro, Cf::kByTag);
  std::vector<std::string> values;
  it->Seek(prefix);
  while (it->Valid() && it->key().starts_with(prefix)) {
    std::string_view key(it->key().data(), it->key().size());
    size_t pos = prefix.size();
    std::optional<std::string> value = ParseAscString(key, &pos);
    if (!value.has_value()) {
      return absl::DataLossError(
          absl::StrCat("malformed tag index key ", DebugKey(key)));
    }
    if (static_cast<int>(values.size()) == limit) {
      return std::optional<std::vector<std::string>>();
    }
    // Every key of this value shares prefix+asc(value), which ends in
    // 0x00 0x01; 0x00 0x02 sorts after all of them and before the next value.
    std::string next(key.substr(0, pos));
    next.back() = '\x02';
    values.push_back(std::move(*value));
    it->Seek(next);
  }
  SESSIONDB_RETURN_IF_ERROR(
      FromRocksStatus(it->status(), "scanning the tag index"));
  return std::optional<std::vector<std::string>>(std::move(values));
}

// TagStreams returns the streams whose union is exactly the sessions that
// match `c` (before the cell filter), or nullopt when it cannot be served
// from the index.
absl::StatusOr<std::optional<std::vector<StreamSpec>>> TagStreams(
    const StorageEngine& engine, const rocksdb::Snapshot* snapshot,
    const std::vector<uint32_t>& bots, const TagCondition& c) {
  std::vector<uint8_t> kinds;
  if (c.kind != TagKind::kSession) kinds.push_back(kTagKindUser);
  if (c.kind != TagKind::kUser) kinds.push_back(kTagKindSession);
  std::vector<StreamSpec> specs;
  const std::set<std::string> listed(c.values.begin(), c.values.end());
  for (uint32_t bot : bots) {
    for (uint8_t kind : kinds) {
      if (!listed.empty()) {
        for (const std::string& v : listed) {
          specs.push_back(
              {Cf::kByTag, bot, TagIndexPrefix(bot, kind, c.name, v)});
        }
        continue;
      }
      SESSIONDB_ASSIGN_OR_RETURN(
          std::optional<std::vector<std::string>> values,
          DiscoverTagValues(engine, snapshot, bot, kind, c.name,
                            kMaxDiscoveredTagValues));
      if (!values.has_value()) return std::optional<std::vector<StreamSpec>>();
      for (const std::string& v : *values) {
        specs.push_back(
            {Cf::kByTag, bot, TagIndexPrefix(bot, kind, c.name, v)});
      }
    }
  }
  return std::optional<std::vector<StreamSpec>>(std::move(specs));
}

// TagSize counts the sessions of a single tag in the cells of `filter`
// over the hours the window touches (an upper bound: partial hours count
// whole), from its (bot, tag) counters.
absl::StatusOr<int64_t> TagSize(const StorageEngine& engine,
                                const rocksdb::Snapshot* snapshot,
                                const std::vector<uint32_t>& bots,
                                const TagRef& tag, const DateWindow& w,
                                const RecordFilter& filter) {
  std::vector<std::string> scopes;
  for (uint32_t bot : bots)
    scopes.push_back(TagCounterScope(bot, tag.kind, tag.name, tag.value));
  const std::vector<WindowPiece> hours =
      CoveringBuckets(w.from_ms, w.to_ms, kIndexScopeMinLevel);
  std::vector<RangeCount> counts(hours.size());
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  SESSIONDB_RETURN_IF_ERROR(
      SumCounters(engine, ro, scopes, hours, filter, &counts).status());
  int64_t size = 0;
  for (const RangeCount& c : counts) size += c.matching;
  return size;
}

int64_t Probe(const StorageEngine& engine, const rocksdb::Snapshot* snapshot,
              const std::vector<StreamSpec>& specs, const DateWindow& w) {
  MergedStream stream(engine, snapshot, specs, w.from_ms, w.to_ms);
  int64_t n = 0;
  for (; stream.Valid() && n < kProbeKeys; stream.Next()) ++n;
  return n;
}

// SingleTag is the one tag a condition matches when it names one kind and
// one value (listed once or more); nullopt otherwise.
std::optional<TagRef> SingleTag(const TagCondition& c) {
  if (c.kind == TagKind::kAny || c.values.empty()) return std::nullopt;
  for (const std::string& v : c.values)
    if (v != c.values.front()) return std::nullopt;
  return TagRef{c.kind == TagKind::kUser ? kTagKindUser : kTagKindSession,
                c.name, c.values.front()};
}

bool SameTag(const TagRef& a, const TagRef& b) {
  return a.kind == b.kind && a.name == b.name && a.value == b.value;
}

// UseTagCounters makes `plan` kIndexCounted when its tag conditions are
// one or two single tags: each scope's counts are then exactly the matches.
// Anything else could count a session twice (a tag in either kind, several
// values) or needs an intersection no scope keeps, and stays scanned.
void UseTagCounters(const std::vector<TagCondition>& all_of, Plan* plan) {
  std::vector<TagRef> tags;
  for (const TagCondition& c : all_of) {
    std::optional<TagRef> tag = SingleTag(c);
    if (!tag.has_value()) return;
    bool repeated = false;
    for (const TagRef& seen : tags) repeated = repeated || SameTag(seen, *tag);
    if (!repeated) tags.push_back(*tag);
  }
  if (tags.empty() || tags.size() > 2) return;
  for (uint32_t bot : plan->bots) {
    if (tags.size() == 1) {
      plan->counter_scopes.push_back(
          TagCounterScope(bot, tags[0].kind, tags[0].name, tags[0].value));
    } else {
      plan->counter_scopes.push_back(
          TagPairCounterScope(bot, tags[0], tags[1]));
      plan->guard_scopes.push_back(ManyTagsCounterScope(bot));
    }
  }
  plan->kind = Plan::Kind::kIndexCounted;
}

std::string ConditionText(const TagCondition& c) {
  const char* kind = c.kind == TagKind::kUser      ? "user"
                     : c.kind == TagKind::kSession ? "session"
                                                   : "any";
  return absl::StrCat(kind, ":", c.name, "=",
                      c.values.empty() ? "*" : absl::StrJoin(c.values, "|"));
}

}  // namespace

absl::StatusOr<Plan> PlanQuery(const StorageEngine& engine,
                               const rocksdb::Snapshot* snapshot,
                               const SessionQuery& query,
                               const DateWindow& window) {
  Plan plan;
  plan.window = window;
  plan.residual.cell_mask = CellMask(query.containment, query.session_type);

  if (query.bot_id.has_value()) {
    std::optional<uint32_t> bot = engine.bots().Find(*query.bot_id);
    if (!bot.has_value()) {
      plan.description = "empty: the bot has no sessions";
      return plan;
    }
    plan.bots.push_back(*bot);
  } else {
    for (const auto& [no, id] : engine.bots().All()) plan.bots.push_back(no);
  }
  if (plan.bots.empty() || plan.residual.cell_mask == 0 ||
      window.from_ms >= window.to_ms) {
    plan.description = "empty: nothing can match";
    return plan;
  }

  if (query.user_id.has_value()) {
    SESSIONDB_ASSIGN_OR_RETURN(std::optional<std::string> user,
                               ResolveUser(engine, snapshot, *query.user_id));
    if (!user.has_value()) {
      plan.description = "empty: userId is neither a known user nor an alias";
      return plan;
    }
    const bool counted = query.tags.empty();
    plan.kind = counted ? Plan::Kind::kIndexCounted : Plan::Kind::kScanned;
    for (uint32_t bot : plan.bots) {
      plan.driver.push_back({Cf::kByUser, bot, UserIndexPrefix(bot, *user)});
      if (counted) plan.counter_scopes.push_back(UserCounterScope(bot, *user));
    }
    plan.residual.all_of = query.tags.all_of;
    plan.residual.any_of = query.tags.any_of;
    plan.description =
        absl::StrCat(counted ? "counted by_user (" : "scan by_user (",
                     BotsText(plan.bots), ", user ", *user, ")");
    return plan;
  }

  if (!query.tags.empty()) {
    // Candidates: each AND-ed condition alone, or the OR group as a whole.
    struct Candidate {
      int id;  // -1: the OR group; i >= 0: all_of[i]
      std::vector<StreamSpec> streams;
      std::optional<TagRef> single;
    };
    std::vector<Candidate> candidates;
    for (size_t i = 0; i < query.tags.all_of.size(); ++i) {
      SESSIONDB_ASSIGN_OR_RETURN(
          std::optional<std::vector<StreamSpec>> streams,
          TagStreams(engine, snapshot, plan.bots, query.tags.all_of[i]));
      if (streams.has_value()) {
        candidates.push_back({static_cast<int>(i), std::move(*streams),
                              SingleTag(query.tags.all_of[i])});
      }
    }
    if (!query.tags.any_of.empty()) {
      std::vector<StreamSpec> group;
      bool usable = true;
      for (const TagCondition& c : query.tags.any_of) {
        SESSIONDB_ASSIGN_OR_RETURN(
            std::optional<std::vector<StreamSpec>> streams,
            TagStreams(engine, snapshot, plan.bots, c));
        if (!streams.has_value()) {
          usable = false;
          break;
        }
        group.insert(group.end(), streams->begin(), streams->end());
      }
      if (usable) candidates.push_back({-1, std::move(group), std::nullopt});
    }
    // One candidate needs no measuring. When every candidate is a single
    // tag, its counters size it exactly; otherwise each is probed (up to
    // kProbeKeys keys in the window). The smallest drives; ties: the first.
    const bool by_counters =
        std::all_of(candidates.begin(), candidates.end(),
                    [](const Candidate& c) { return c.single.has_value(); });
    int best = -2;  // -2: none yet
    int64_t best_size = std::numeric_limits<int64_t>::max();
    std::vector<StreamSpec> best_streams;
    std::string sized_by = "only candidate";
    for (Candidate& c : candidates) {
      int64_t size = 0;
      if (candidates.size() > 1 && by_counters) {
        SESSIONDB_ASSIGN_OR_RETURN(
            size, TagSize(engine, snapshot, plan.bots, *c.single, window,
                          plan.residual));
      } else if (candidates.size() > 1) {
        size = Probe(engine, snapshot, c.streams, window);
      }
      if (size < best_size) {
        best = c.id;
        best_size = size;
        best_streams = std::move(c.streams);
      }
    }
    if (candidates.size() > 1)
      sized_by = absl::StrCat(by_counters ? "counted " : "probe ", best_size);
    if (best != -2) {
      plan.kind = Plan::Kind::kScanned;
      plan.driver = std::move(best_streams);
      for (size_t i = 0; i < query.tags.all_of.size(); ++i) {
        if (static_cast<int>(i) != best)
          plan.residual.all_of.push_back(query.tags.all_of[i]);
      }
      if (best != -1) plan.residual.any_of = query.tags.any_of;
      if (best >= 0 && query.tags.any_of.empty())
        UseTagCounters(query.tags.all_of, &plan);
      std::string driver_text;
      if (best == -1) {
        std::vector<std::string> parts;
        for (const TagCondition& c : query.tags.any_of)
          parts.push_back(ConditionText(c));
        driver_text = absl::StrCat("any of [", absl::StrJoin(parts, ", "), "]");
      } else {
        driver_text = ConditionText(query.tags.all_of[best]);
      }
      plan.description = absl::StrCat(
          plan.kind == Plan::Kind::kIndexCounted ? "counted" : "scan",
          " by_tag (", BotsText(plan.bots), ", ", driver_text, ", ",
          plan.driver.size(), " ranges, ", sized_by, ")");
      return plan;
    }
    // No condition can drive: scan the records and test every tag.
    plan.kind = Plan::Kind::kScanned;
    plan.driver_is_primary = true;
    for (uint32_t bot : plan.bots) {
      std::string prefix;
      AppendBot(bot, &prefix);
      plan.driver.push_back({Cf::kSessions, bot, prefix});
    }
    plan.residual.all_of = query.tags.all_of;
    plan.residual.any_of = query.tags.any_of;
    plan.description = absl::StrCat("scan sessions (", BotsText(plan.bots),
                                    ", every tag residual)");
    return plan;
  }

  plan.kind = Plan::Kind::kCounted;
  plan.description =
      absl::StrCat("counted (", BotsText(plan.bots), ", cells 0x",
                   absl::Hex(plan.residual.cell_mask), ")");
  return plan;
}

}  // namespace sessiondb
