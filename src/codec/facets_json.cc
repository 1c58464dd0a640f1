#include "codec/facets_json.h"

#include <array>
#include <cstdint>

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

// AppendContainmentFields appends "selfService":n,"agent":n,"dropOff":n.
void AppendContainmentFields(const std::array<int64_t, 3>& counts,
                             std::string* out) {
  bool first = true;
  for (ContainmentType c : kContainmentOrder) {
    if (!first) out->push_back(',');
    first = false;
    absl::StrAppend(out, AsAbsl(QuotedWireName(c)), ":",
                    counts[static_cast<size_t>(c)]);
  }
}

}  // namespace

void AppendFacetsJson(const FacetCounts& facets, std::string* out) {
  out->push_back('{');
  bool first = true;
  auto key = [&](std::string_view name) {
    if (!first) out->push_back(',');
    first = false;
    absl::StrAppend(out, "\"", AsAbsl(name), "\":");
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
      absl::StrAppend(out, AsAbsl(QuotedWireName(t)), ":",
                      (*facets.session_type)[static_cast<size_t>(t)]);
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
      absl::StrAppend(out, "{\"date\":\"",
                      absl::StrFormat("%04d-%02d-%02d", day.date.year(),
                                      day.date.month(), day.date.day()),
                      "\",");
      AppendContainmentFields(day.containment, out);
      out->push_back('}');
    }
    out->push_back(']');
  }
  out->push_back('}');
}

}  // namespace sessiondb
