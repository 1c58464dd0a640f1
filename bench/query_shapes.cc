#include "query_shapes.h"

#include "absl/strings/str_cat.h"
#include "base/absl_compat.h"
#include "codec/wire_names.h"

namespace sessiondb::bench {

std::string QueryShape::RequestBody() const {
  // The ids and tag strings of the shapes are plain ASCII: no escaping.
  std::string body =
      absl::StrCat("{\"limit\":", limit, ",\"dateFrom\":\"", kWindowDateFrom,
                   "\",\"dateTo\":\"", kWindowDateTo, "\"");
  if (skip > 0) absl::StrAppend(&body, ",\"skip\":", skip);
  if (session_type.has_value()) {
    absl::StrAppend(&body, ",\"sessionType\":\"",
                    AsAbsl(WireName(*session_type)), "\"");
  }
  if (user_id.has_value()) {
    absl::StrAppend(&body, ",\"userId\":\"", *user_id, "\"");
  }
  if (!tags.empty()) {
    body += ",\"tags\":{\"and\":[";
    for (size_t i = 0; i < tags.size(); ++i) {
      absl::StrAppend(&body, i > 0 ? "," : "", "{\"name\":\"", tags[i].name,
                      "\",\"values\":[\"", tags[i].value, "\"],\"type\":\"",
                      tags[i].user_tag ? "user" : "session", "\"}");
    }
    body += "]}";
  }
  body += "}";
  return body;
}

std::optional<std::string> QueryShape::ContainmentParam() const {
  if (!containment.has_value()) return std::nullopt;
  return std::string(WireName(*containment));
}

std::string QueryShape::Describe() const {
  std::string out =
      bot_id.has_value()
          ? absl::StrCat("POST /api/public/bot/", *bot_id, "/getSessions")
          : std::string("POST /api/public/getSessions");
  if (containment.has_value()) {
    absl::StrAppend(&out, "?containmentType=", AsAbsl(WireName(*containment)));
  }
  absl::StrAppend(&out, " ", RequestBody());
  return out;
}

std::vector<QueryShape> StandardShapes(const DatasetFacts& facts) {
  std::vector<QueryShape> shapes;
  auto bot_week = [&](std::string name) {
    QueryShape s;
    s.name = std::move(name);
    s.bot_id = facts.busiest_bot;
    return s;
  };
  shapes.push_back(bot_week("BotWeek"));
  shapes.push_back(bot_week("BotWeekAgent"));
  shapes.back().containment = ContainmentType::kAgent;
  shapes.push_back(bot_week("BotWeekNonInteractive"));
  shapes.back().session_type = SessionType::kNonInteractive;
  shapes.push_back(bot_week("BotWeekHeavyUser"));
  shapes.back().user_id = facts.heavy_user;
  shapes.push_back(bot_week("BotWeekRareUser"));
  shapes.back().user_id = facts.rare_user;
  // intent=billing: 1 session in 24; tier=gold: 1 in 9.
  const TagTerm billing{false, "intent", "billing"};
  const TagTerm gold{true, "tier", "gold"};
  shapes.push_back(bot_week("BotWeekOneTag"));
  shapes.back().tags = {billing};
  shapes.push_back(bot_week("BotWeekTwoTags"));
  shapes.back().tags = {billing, gold};
  QueryShape account;
  account.name = "AccountWeek";
  shapes.push_back(account);
  shapes.push_back(bot_week("BotWeekSkip50k"));
  shapes.back().skip = 50000;
  shapes.push_back(bot_week("BotWeekSkip90k"));
  shapes.back().skip = 90000;
  return shapes;
}

}  // namespace sessiondb::bench
