#include "storage/index_entries.h"

#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/counters.h"
#include "storage/index_payload.h"
#include "storage/key_codec.h"
#include "storage/record_fields.h"

namespace sessiondb {
uint8_t RecordCell(const fb::Session& record) {
  return CellOf(static_cast<uint8_t>(record.containment_type()),
                static_cast<uint8_t>(record.session_type()));
}

void ForEachIndexKey(uint32_t bot_no, const fb::Session& record,
                     absl::FunctionRef<void(Cf, const std::string&)> fn) {
  std::string order;
  AppendOrder(record.start_time_ms(), View(record.session_id()), &order);
  fn(Cf::kByCell, CellIndexPrefix(bot_no, RecordCell(record)) + order);
  fn(Cf::kByUser, UserIndexPrefix(bot_no, View(record.user_id())) + order);
  ForEachDistinctTag(
      record, [&](uint8_t kind, std::string_view name, std::string_view value) {
        fn(Cf::kByTag, TagIndexPrefix(bot_no, kind, name, value) + order);
      });
}

void ForEachIndexEntry(
    uint32_t bot_no, const fb::Session& record, std::string_view record_bytes,
    absl::FunctionRef<void(Cf, const std::string&, const std::string&)> fn) {
  const std::string record_copy(record_bytes);
  std::string payload;
  EncodeIndexPayload(record, &payload);
  ForEachIndexKey(bot_no, record, [&](Cf cf, const std::string& key) {
    fn(cf, key, cf == Cf::kByCell ? record_copy : payload);
  });
}

void ForEachDistinctTag(
    const fb::Session& record,
    absl::FunctionRef<void(uint8_t, std::string_view, std::string_view)> fn) {
  std::set<std::pair<std::string_view, std::string_view>> seen;
  auto tags = [&](const flatbuffers::Vector<flatbuffers::Offset<fb::Tag>>* list,
                  uint8_t kind) {
    if (list == nullptr) return;
    seen.clear();
    for (const fb::Tag* t : *list) {
      if (!seen.emplace(View(t->name()), View(t->value())).second) continue;
      fn(kind, View(t->name()), View(t->value()));
    }
  };
  tags(record.user_tags(), kTagKindUser);
  tags(record.session_tags(), kTagKindSession);
}

void ForEachCounterKey(uint32_t bot_no, const fb::Session& record,
                       absl::FunctionRef<void(std::string_view)> fn) {
  const int64_t start_ms = record.start_time_ms();
  // Every key is built in `key`: a scope, then each level in turn.
  std::string key;
  key.reserve(256);
  auto levels = [&](int min_level) {
    const size_t scope_size = key.size();
    for (int level = min_level; level < kCounterLevels; ++level) {
      key.resize(scope_size);
      AppendCounterLevel(level, start_ms, &key);
      fn(key);
    }
  };
  key.assign(BotCounterScope(bot_no));
  levels(kBotScopeMinLevel);
  fn(BotTotalCounterKey(bot_no));
  key.assign(UserCounterScope(bot_no, View(record.user_id())));
  levels(kIndexScopeMinLevel);
  std::vector<std::string> tags;  // EncodeTagRef of each distinct tag
  ForEachDistinctTag(
      record, [&](uint8_t kind, std::string_view name, std::string_view value) {
        tags.push_back(EncodeTagRef({kind, name, value}));
        key.clear();
        AppendTagScope(bot_no, tags.back(), &key);
        levels(kIndexScopeMinLevel);
      });
  if (tags.size() > static_cast<size_t>(kMaxPairedTags)) {
    key.assign(ManyTagsCounterScope(bot_no));
    levels(kIndexScopeMinLevel);
    return;
  }
  for (size_t i = 0; i < tags.size(); ++i) {
    for (size_t j = i + 1; j < tags.size(); ++j) {
      key.clear();
      AppendTagPairScope(bot_no, tags[i], tags[j], &key);
      levels(kIndexScopeMinLevel);
    }
  }
}

}  // namespace sessiondb
