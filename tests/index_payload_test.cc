#include "storage/index_payload.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "query/record_filter.h"
#include "storage/key_codec.h"
#include "storage/record_codec.h"
#include "testing/session_builder.h"

namespace sessiondb {
namespace {

using ::sessiondb::testing::MakeSession;

std::string PayloadOf(const Session& s) {
  std::string record = EncodeRecordToString(s);
  std::string payload;
  EncodeIndexPayload(*fb::GetSession(record.data()), &payload);
  return payload;
}

TEST(IndexPayload, CarriesTheCellAndEveryTagInOrder) {
  Session s = MakeSession("s", "b", 0);
  s.containment_type = ContainmentType::kAgent;
  s.session_type = SessionType::kNonInteractive;
  s.user_tags = {{"tier", "gold"}, {"", ""}};
  s.session_tags = {{"intent", std::string("a\0b", 3)}};
  const std::string bytes = PayloadOf(s);
  IndexPayloadView view(bytes);
  ASSERT_TRUE(view.Valid());
  EXPECT_EQ(view.cell(), 2 * 2 + 1);
  std::vector<std::tuple<int, std::string, std::string>> tags;
  size_t pos = 1;
  PayloadTag tag;
  bool malformed = false;
  while (view.NextTag(&pos, &tag, &malformed)) {
    tags.emplace_back(tag.kind, std::string(tag.name), std::string(tag.value));
  }
  EXPECT_FALSE(malformed);
  EXPECT_THAT(tags, ::testing::ElementsAre(
                        std::make_tuple(int{kTagKindUser}, "tier", "gold"),
                        std::make_tuple(int{kTagKindUser}, "", ""),
                        std::make_tuple(int{kTagKindSession}, "intent",
                                        std::string("a\0b", 3))));
}

TEST(IndexPayload, TruncatedBytesAreMalformedNotARead) {
  Session s = MakeSession("s", "b", 0);
  s.session_tags = {{"intent", "billing"}};
  const std::string bytes = PayloadOf(s);
  for (size_t cut = 2; cut < bytes.size(); ++cut) {
    const std::string truncated = bytes.substr(0, cut);
    IndexPayloadView view(truncated);
    size_t pos = 1;
    PayloadTag tag;
    bool malformed = false;
    while (view.NextTag(&pos, &tag, &malformed)) {
    }
    EXPECT_TRUE(malformed) << "cut at " << cut;
  }
}

TEST(IndexPayload, TagsPastTheBudgetAreLeftOutAndFlagged) {
  Session s = MakeSession("s", "b", 0);
  s.containment_type = ContainmentType::kDropOff;
  for (int i = 0; i < 8; ++i)
    s.session_tags.push_back(
        {"name" + std::to_string(i), std::string(12, 'v')});
  const std::string bytes = PayloadOf(s);  // 8 x 20 bytes > the budget
  EXPECT_EQ(bytes.size(), 1u);
  IndexPayloadView view(bytes);
  ASSERT_TRUE(view.Valid());
  EXPECT_TRUE(view.tags_omitted());
  EXPECT_EQ(view.cell(), CellOf(static_cast<uint8_t>(s.containment_type),
                                static_cast<uint8_t>(s.session_type)));
  s.session_tags.resize(6);  // 6 x 20 bytes fit
  const std::string fits = PayloadOf(s);
  EXPECT_FALSE(IndexPayloadView(fits).tags_omitted());
  EXPECT_EQ(fits.size(), 1u + 6 * 20);
}

TEST(IndexPayload, AFlaggedPayloadWithBytesAfterTheCellIsInvalid) {
  EXPECT_FALSE(IndexPayloadView("").Valid());
  EXPECT_FALSE(IndexPayloadView("\x06").Valid());
  EXPECT_FALSE(IndexPayloadView("\x86").Valid());
  EXPECT_TRUE(IndexPayloadView("\x85").Valid());
  EXPECT_FALSE(IndexPayloadView(std::string("\x85\x01", 2)).Valid());
}

TEST(RecordFilter, APayloadWithoutTagsDefersTagConditionsToTheRecord) {
  using PayloadMatch = RecordFilter::PayloadMatch;
  Session s = MakeSession("s", "b", 0);
  for (int i = 0; i < 20; ++i)
    s.session_tags.push_back({"name" + std::to_string(i), "value"});
  const std::string payload = PayloadOf(s);
  ASSERT_TRUE(IndexPayloadView(payload).tags_omitted());
  bool malformed = false;
  RecordFilter cell_only;
  EXPECT_EQ(cell_only.MatchesPayload(payload, &malformed), PayloadMatch::kYes);
  RecordFilter other_cell;
  const uint8_t cell = CellOf(static_cast<uint8_t>(s.containment_type),
                              static_cast<uint8_t>(s.session_type));
  other_cell.cell_mask = static_cast<uint8_t>(~(1u << cell) & kAllCells);
  EXPECT_EQ(other_cell.MatchesPayload(payload, &malformed), PayloadMatch::kNo);
  RecordFilter tagged;
  tagged.all_of = {{"name3", {"value"}, TagKind::kSession}};
  EXPECT_EQ(tagged.MatchesPayload(payload, &malformed),
            PayloadMatch::kNeedsRecord);
  RecordFilter any_tagged;
  any_tagged.any_of = {{"absent", {}, TagKind::kAny}};
  EXPECT_EQ(any_tagged.MatchesPayload(payload, &malformed),
            PayloadMatch::kNeedsRecord);
  EXPECT_FALSE(malformed);
}

TEST(RecordFilter, PayloadAndRecordAgreeOnEveryTagCondition) {
  Session s = MakeSession("s", "b", 0);
  s.containment_type = ContainmentType::kDropOff;
  s.user_tags = {{"tier", "gold"}};
  s.session_tags = {{"intent", "billing"}, {"tier", "silver"}};
  const std::string record_bytes = EncodeRecordToString(s);
  const fb::Session& record = *fb::GetSession(record_bytes.data());
  const std::string payload = PayloadOf(s);
  std::vector<TagCondition> conditions = {
      {"tier", {"gold"}, TagKind::kUser},
      {"tier", {"gold"}, TagKind::kSession},
      {"tier", {"silver"}, TagKind::kAny},
      {"tier", {}, TagKind::kSession},
      {"intent", {"refund"}, TagKind::kAny},
      {"intent", {"refund", "billing"}, TagKind::kAny},
      {"missing", {}, TagKind::kAny}};
  for (const TagCondition& c : conditions) {
    for (uint8_t mask : {kAllCells, uint8_t{1}, uint8_t{4}}) {
      RecordFilter filter;
      filter.cell_mask = mask;
      filter.all_of = {c};
      bool malformed = false;
      EXPECT_EQ(filter.MatchesPayload(payload, &malformed) ==
                    RecordFilter::PayloadMatch::kYes,
                filter.Matches(record))
          << c.name << " mask " << int{mask};
      EXPECT_FALSE(malformed);
    }
  }
}

}  // namespace
}  // namespace sessiondb
