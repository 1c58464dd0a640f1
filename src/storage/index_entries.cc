#include "storage/index_entries.h"

#include <set>
#include <string_view>
#include <utility>

#include "storage/index_payload.h"
#include "storage/key_codec.h"

namespace sessiondb {
namespace {

std::string_view View(const flatbuffers::String* s) {
  return std::string_view(s->c_str(), s->size());
}

}  // namespace

uint8_t RecordCell(const fb::Session& record) {
  return CellOf(static_cast<uint8_t>(record.containment_type()),
                static_cast<uint8_t>(record.session_type()));
}

void ForEachIndexEntry(
    uint32_t bot_no, const fb::Session& record,
    absl::FunctionRef<void(Cf, const std::string&, const std::string&)> fn) {
  const uint8_t cell = RecordCell(record);
  std::string payload;
  EncodeIndexPayload(record, &payload);
  std::string order;
  AppendOrder(record.start_time_ms(), View(record.session_id()), &order);

  fn(Cf::kByCell, CellIndexPrefix(bot_no, cell) + order, std::string());
  fn(Cf::kByUser, UserIndexPrefix(bot_no, View(record.user_id())) + order,
     payload);

  // A tag repeated in the record owns one entry, not two.
  std::set<std::pair<std::string_view, std::string_view>> seen;
  auto tags = [&](const flatbuffers::Vector<flatbuffers::Offset<fb::Tag>>* list,
                  uint8_t kind) {
    if (list == nullptr) return;
    seen.clear();
    for (const fb::Tag* t : *list) {
      if (!seen.emplace(View(t->name()), View(t->value())).second) continue;
      fn(Cf::kByTag,
         TagIndexPrefix(bot_no, kind, View(t->name()), View(t->value())) +
             order,
         payload);
    }
  };
  tags(record.user_tags(), kTagKindUser);
  tags(record.session_tags(), kTagKindSession);
}

}  // namespace sessiondb
