#include "codec/facets_json.h"

#include <array>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "codec/wire_names.h"

namespace sessiondb {
namespace {

// SPEC §7 lists containment as selfService, agent, dropOff.
constexpr std::array<ContainmentType, 3> kContainmentOrder = {
    ContainmentType::kSelfService, ContainmentType::kAgent,
    ContainmentType::kDropOff};
constexpr std::array<SessionType, 2> kSessionTypeOrder = {
    SessionType::kInteractive, SessionType::kNonInteractive};

// AppendCount appends `"name":n`.
void AppendCount(std::string_view quoted_name, int64_t n, std::string* out) {
  out->append(quoted_name);
  out->push_back(':');
  char digits[20];  // INT64_MIN's
  out->append(digits, std::to_chars(digits, digits + sizeof(digits), n).ptr);
}

// AppendContainmentFields appends "selfService":n,"agent":n,"dropOff":n.
void AppendContainmentFields(const std::array<int64_t, 3>& counts,
                             std::string* out) {
  bool first = true;
  for (ContainmentType c : kContainmentOrder) {
    if (!first) out->push_back(',');
    first = false;
    AppendCount(QuotedWireName(c), counts[static_cast<size_t>(c)], out);
  }
}

// AppendDate appends "YYYY-MM-DD" (quoted); a year outside 0..9999 as
// absl::StrFormat("%04d") writes it.
void AppendDate(const absl::CivilDay& date, std::string* out) {
  const int64_t year = date.year();
  if (year < 0 || year > 9999) {
    absl::StrAppend(
        out, "\"",
        absl::StrFormat("%04d-%02d-%02d", year, date.month(), date.day()),
        "\"");
    return;
  }
  const auto two = [](int v, char* p) {
    p[0] = static_cast<char>('0' + v / 10);
    p[1] = static_cast<char>('0' + v % 10);
  };
  char buf[12] = {'"'};
  two(static_cast<int>(year / 100), buf + 1);
  two(static_cast<int>(year % 100), buf + 3);
  buf[5] = '-';
  two(date.month(), buf + 6);
  buf[8] = '-';
  two(date.day(), buf + 9);
  buf[11] = '"';
  out->append(buf, sizeof(buf));
}

}  // namespace

void AppendFacetsJson(const FacetCounts& facets, std::string* out) {
  out->push_back('{');
  bool first = true;
  auto key = [&](std::string_view name) {
    if (!first) out->push_back(',');
    first = false;
    out->push_back('"');
    out->append(name);
    out->append("\":");
  };
  if (facets.containment_type.has_value()) {
    key("containmentType");
    out->push_back('{');
    AppendContainmentFields(*facets.containment_type, out);
    out->push_back('}');
  }
  if (facets.session_type.has_value()) {
    key("sessionType");
    out->push_back('{');
    bool first_type = true;
    for (SessionType t : kSessionTypeOrder) {
      if (!first_type) out->push_back(',');
      first_type = false;
      AppendCount(QuotedWireName(t),
                  (*facets.session_type)[static_cast<size_t>(t)], out);
    }
    out->push_back('}');
  }
  if (facets.day.has_value()) {
    key("day");
    out->push_back('[');
    bool first_day = true;
    for (const DayFacet& day : *facets.day) {
      if (!first_day) out->push_back(',');
      first_day = false;
      out->append("{\"date\":");
      AppendDate(day.date, out);
      out->push_back(',');
      AppendContainmentFields(day.containment, out);
      out->push_back('}');
    }
    out->push_back(']');
  }
  out->push_back('}');
}

}  // namespace sessiondb
