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

TEST(IndexValue, SplitsIntoThePayloadAndTheRecordCopy) {
  Session s = MakeSession("s", "b", 0);
  s.session_tags = {{"intent", "billing"}};
  const std::string record = EncodeRecordToString(s);
  std::string value;
  EncodeIndexValue(*fb::GetSession(record.data()), record, &value);
  std::string_view payload, copy;
  ASSERT_TRUE(SplitIndexValue(value, &payload, &copy));
  EXPECT_EQ(payload, PayloadOf(s));
  EXPECT_EQ(copy, record);
}

TEST(IndexValue, APayloadSizePastTheEndIsMalformed) {
  std::string_view payload, copy;
  EXPECT_FALSE(SplitIndexValue("", &payload, &copy));
  EXPECT_FALSE(SplitIndexValue(std::string("\x05") + "ab", &payload, &copy));
  EXPECT_FALSE(SplitIndexValue("\xff\xff\xff\xff\xff\xff", &payload, &copy));
  const std::string value = std::string("\x02") + "abXYZ";
  ASSERT_TRUE(SplitIndexValue(value, &payload, &copy));
  EXPECT_EQ(payload, "ab");
  EXPECT_EQ(copy, "XYZ");
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
      EXPECT_EQ(filter.MatchesPayload(payload, &malformed),
                filter.Matches(record))
          << c.name << " mask " << int{mask};
      EXPECT_FALSE(malformed);
    }
  }
}

}  // namespace
}  // namespace sessiondb
