#include "query/planner.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/absl_compat.h"
#include "base/status_macros.h"
#include "query/counter_reads.h"
#include "query/user_resolution.h"
#include "storage/counters.h"
#include "storage/key_codec.h"
#include "storage/rocksdb_status.h"
#include "storage/storage_engine.h"

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

// Probe counts the keys of `specs` in the window, stopping at kProbeKeys.
// A read error is returned, not counted: a stream cut short by one would
// size its candidate as small and make it drive.
absl::StatusOr<int64_t> Probe(const StorageEngine& engine,
                              const rocksdb::Snapshot* snapshot,
                              const std::vector<StreamSpec>& specs,
                              const DateWindow& w) {
  MergedStream stream(engine, snapshot, specs, w.from_ms, w.to_ms);
  int64_t n = 0;
  for (; stream.Valid() && n < kProbeKeys; stream.Next()) ++n;
  SESSIONDB_RETURN_IF_ERROR(stream.status());
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

// TagDriver is a candidate driver of a tag query: one AND-ed condition, or
// the OR group as a whole, with the index streams whose union it matches.
struct TagDriver {
  enum class Source { kAllOf, kAnyOf };
  Source source;
  size_t all_of_index = 0;  // kAllOf: the condition's place in all_of
  std::vector<StreamSpec> streams;
  std::optional<TagRef> single;  // kAllOf: SingleTag of the condition
};

// ChosenDriver is the candidate that drives and how it was sized.
struct ChosenDriver {
  TagDriver driver;
  std::string sized_by;
};

// ListTagDrivers returns every condition (and the OR group) the tag index
// can serve, in the request's order, the OR group last.
absl::StatusOr<std::vector<TagDriver>> ListTagDrivers(
    const StorageEngine& engine, const rocksdb::Snapshot* snapshot,
    const std::vector<uint32_t>& bots, const TagFilter& tags) {
  std::vector<TagDriver> candidates;
  for (size_t i = 0; i < tags.all_of.size(); ++i) {
    SESSIONDB_ASSIGN_OR_RETURN(
        std::optional<std::vector<StreamSpec>> streams,
        TagStreams(engine, snapshot, bots, tags.all_of[i]));
    if (streams.has_value()) {
      candidates.push_back({TagDriver::Source::kAllOf, i, std::move(*streams),
                            SingleTag(tags.all_of[i])});
    }
  }
  if (tags.any_of.empty()) return candidates;
  std::vector<StreamSpec> group;
  for (const TagCondition& c : tags.any_of) {
    SESSIONDB_ASSIGN_OR_RETURN(std::optional<std::vector<StreamSpec>> streams,
                               TagStreams(engine, snapshot, bots, c));
    if (!streams.has_value()) return candidates;
    group.insert(group.end(), streams->begin(), streams->end());
  }
  candidates.push_back(
      {TagDriver::Source::kAnyOf, 0, std::move(group), std::nullopt});
  return candidates;
}

// ChooseTagDriver picks the smallest candidate; ties: the first. One
// candidate needs no measuring. When every candidate is a single tag, its
// counters size it exactly; otherwise each is probed (up to kProbeKeys keys
// in the window). nullopt when there is no candidate.
absl::StatusOr<std::optional<ChosenDriver>> ChooseTagDriver(
    const StorageEngine& engine, const rocksdb::Snapshot* snapshot,
    const Plan& plan, std::vector<TagDriver> candidates) {
  if (candidates.empty()) return std::optional<ChosenDriver>();
  if (candidates.size() == 1) {
    return std::optional<ChosenDriver>(
        ChosenDriver{std::move(candidates.front()), "only candidate"});
  }
  const bool by_counters =
      std::all_of(candidates.begin(), candidates.end(),
                  [](const TagDriver& c) { return c.single.has_value(); });
  std::optional<size_t> best;
  int64_t best_size = std::numeric_limits<int64_t>::max();
  for (size_t i = 0; i < candidates.size(); ++i) {
    int64_t size = 0;
    if (by_counters) {
      SESSIONDB_ASSIGN_OR_RETURN(
          size, TagSize(engine, snapshot, plan.bots, *candidates[i].single,
                        plan.window, plan.residual));
    } else {
      SESSIONDB_ASSIGN_OR_RETURN(
          size, Probe(engine, snapshot, candidates[i].streams, plan.window));
    }
    if (size < best_size) {
      best = i;
      best_size = size;
    }
  }
  if (!best.has_value()) return std::optional<ChosenDriver>();
  return std::optional<ChosenDriver>(ChosenDriver{
      std::move(candidates[*best]),
      absl::StrCat(by_counters ? "counted " : "probe ", best_size)});
}

// PlanEmpty makes `plan` kEmpty, saying why.
Plan PlanEmpty(Plan plan, std::string_view why) {
  plan.kind = Plan::Kind::kEmpty;
  plan.description = absl::StrCat("empty: ", AsAbsl(why));
  return plan;
}

// PlanByUser drives from the by_user entries of (bot, user).
Plan PlanByUser(Plan plan, const std::string& user, const TagFilter& tags) {
  const bool counted = tags.empty();
  plan.kind = counted ? Plan::Kind::kIndexCounted : Plan::Kind::kScanned;
  for (uint32_t bot : plan.bots) {
    plan.driver.push_back({Cf::kByUser, bot, UserIndexPrefix(bot, user)});
    if (counted) plan.counter_scopes.push_back(UserCounterScope(bot, user));
  }
  plan.residual.all_of = tags.all_of;
  plan.residual.any_of = tags.any_of;
  plan.description =
      absl::StrCat(counted ? "counted by_user (" : "scan by_user (",
                   BotsText(plan.bots), ", user ", user, ")");
  return plan;
}

// PlanByTag drives from the tag index of `chosen`; every other condition is
// residual.
Plan PlanByTag(Plan plan, const TagFilter& tags, ChosenDriver chosen) {
  const TagDriver& d = chosen.driver;
  const bool by_group = d.source == TagDriver::Source::kAnyOf;
  plan.kind = Plan::Kind::kScanned;
  plan.driver = std::move(chosen.driver.streams);
  for (size_t i = 0; i < tags.all_of.size(); ++i) {
    if (by_group || i != d.all_of_index)
      plan.residual.all_of.push_back(tags.all_of[i]);
  }
  if (!by_group) plan.residual.any_of = tags.any_of;
  if (!by_group && tags.any_of.empty()) UseTagCounters(tags.all_of, &plan);
  std::string driver_text;
  if (by_group) {
    std::vector<std::string> parts;
    for (const TagCondition& c : tags.any_of) parts.push_back(ConditionText(c));
    driver_text = absl::StrCat("any of [", absl::StrJoin(parts, ", "), "]");
  } else {
    driver_text = ConditionText(tags.all_of[d.all_of_index]);
  }
  plan.description =
      absl::StrCat(plan.kind == Plan::Kind::kIndexCounted ? "counted" : "scan",
                   " by_tag (", BotsText(plan.bots), ", ", driver_text, ", ",
                   plan.driver.size(), " ranges, ", chosen.sized_by, ")");
  return plan;
}

// PlanPrimaryScan scans the records when no tag condition can drive, and
// tests every tag.
Plan PlanPrimaryScan(Plan plan, const TagFilter& tags) {
  plan.kind = Plan::Kind::kScanned;
  plan.driver_is_primary = true;
  for (uint32_t bot : plan.bots) {
    std::string prefix;
    AppendBot(bot, &prefix);
    plan.driver.push_back({Cf::kSessions, bot, prefix});
  }
  plan.residual.all_of = tags.all_of;
  plan.residual.any_of = tags.any_of;
  plan.description = absl::StrCat("scan sessions (", BotsText(plan.bots),
                                  ", every tag residual)");
  return plan;
}

// PlanCounted serves a query with neither userId nor tags from the bot's
// bucket counters.
Plan PlanCounted(Plan plan) {
  plan.kind = Plan::Kind::kCounted;
  plan.description =
      absl::StrCat("counted (", BotsText(plan.bots), ", cells 0x",
                   absl::Hex(plan.residual.cell_mask), ")");
  return plan;
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
      return PlanEmpty(std::move(plan), "the bot has no sessions");
    }
    plan.bots.push_back(*bot);
  } else {
    for (const auto& [no, id] : engine.bots().All()) plan.bots.push_back(no);
  }
  if (plan.bots.empty() || plan.residual.cell_mask == 0 ||
      window.from_ms >= window.to_ms) {
    return PlanEmpty(std::move(plan), "nothing can match");
  }

  if (query.user_id.has_value()) {
    SESSIONDB_ASSIGN_OR_RETURN(std::optional<std::string> user,
                               ResolveUser(engine, snapshot, *query.user_id));
    if (!user.has_value()) {
      return PlanEmpty(std::move(plan),
                       "userId is neither a known user nor an alias");
    }
    return PlanByUser(std::move(plan), *user, query.tags);
  }

  if (query.tags.empty()) return PlanCounted(std::move(plan));

  SESSIONDB_ASSIGN_OR_RETURN(
      std::vector<TagDriver> candidates,
      ListTagDrivers(engine, snapshot, plan.bots, query.tags));
  SESSIONDB_ASSIGN_OR_RETURN(
      std::optional<ChosenDriver> chosen,
      ChooseTagDriver(engine, snapshot, plan, std::move(candidates)));
  if (!chosen.has_value()) return PlanPrimaryScan(std::move(plan), query.tags);
  return PlanByTag(std::move(plan), query.tags, *std::move(chosen));
}

}  // namespace sessiondb
