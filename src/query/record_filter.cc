#include "query/record_filter.h"

#include <string_view>

#include "storage/index_entries.h"
#include "storage/index_payload.h"
#include "storage/key_codec.h"
#include "storage/record_fields.h"

namespace sessiondb {
namespace {

bool ListMatches(
    const TagCondition& c,
    const flatbuffers::Vector<flatbuffers::Offset<fb::Tag>>* tags) {
  if (tags == nullptr) return false;
  for (const fb::Tag* t : *tags) {
    if (View(t->name()) != c.name) continue;
    if (c.values.empty()) return true;
    std::string_view value = View(t->value());
    for (const std::string& v : c.values) {
      if (v == value) return true;
    }
  }
  return false;
}

bool PayloadMatches(const TagCondition& c, const IndexPayloadView& payload,
                    bool* malformed) {
  size_t pos = 1;
  PayloadTag tag;
  while (payload.NextTag(&pos, &tag, malformed)) {
    if (c.kind == TagKind::kUser && tag.kind != kTagKindUser) continue;
    if (c.kind == TagKind::kSession && tag.kind != kTagKindSession) continue;
    if (tag.name != c.name) continue;
    if (c.values.empty()) return true;
    for (const std::string& v : c.values) {
      if (v == tag.value) return true;
    }
  }
  return false;
}

}  // namespace

uint8_t CellMask(std::optional<ContainmentType> containment,
                 std::optional<SessionType> session_type) {
  uint8_t mask = 0;
  for (uint8_t c = 0; c < 3; ++c) {
    if (containment.has_value() && static_cast<uint8_t>(*containment) != c)
      continue;
    for (uint8_t t = 0; t < 2; ++t) {
      if (session_type.has_value() && static_cast<uint8_t>(*session_type) != t)
        continue;
      mask |= static_cast<uint8_t>(1u << CellOf(c, t));
    }
  }
  return mask;
}

bool TagConditionMatches(const TagCondition& c, const fb::Session& record) {
  if (c.kind != TagKind::kSession && ListMatches(c, record.user_tags()))
    return true;
  if (c.kind != TagKind::kUser && ListMatches(c, record.session_tags()))
    return true;
  return false;
}

bool RecordFilter::Matches(const fb::Session& record) const {
  if (!MatchesCell(RecordCell(record))) return false;
  if (user_id.has_value() && View(record.user_id()) != *user_id) return false;
  for (const TagCondition& c : all_of) {
    if (!TagConditionMatches(c, record)) return false;
  }
  if (any_of.empty()) return true;
  for (const TagCondition& c : any_of) {
    if (TagConditionMatches(c, record)) return true;
  }
  return false;
}

}  // namespace sessiondb

namespace sessiondb {

RecordFilter::PayloadMatch RecordFilter::MatchesPayload(std::string_view bytes,
                                                        bool* malformed) const {
  IndexPayloadView payload(bytes);
  if (!payload.Valid()) {
    *malformed = true;
    return PayloadMatch::kNo;
  }
  if (!MatchesCell(payload.cell())) return PayloadMatch::kNo;
  if (all_of.empty() && any_of.empty()) return PayloadMatch::kYes;
  if (payload.tags_omitted()) return PayloadMatch::kNeedsRecord;
  for (const TagCondition& c : all_of) {
    if (!PayloadMatches(c, payload, malformed)) return PayloadMatch::kNo;
  }
  if (any_of.empty()) return PayloadMatch::kYes;
  for (const TagCondition& c : any_of) {
    if (PayloadMatches(c, payload, malformed)) return PayloadMatch::kYes;
  }
  return PayloadMatch::kNo;
}

}  // namespace sessiondb
