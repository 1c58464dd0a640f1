// The response's "facets" value (SPEC §7): the asked facets in the order
// containmentType, sessionType, day, every enum value present.
#ifndef SESSIONDB_CODEC_FACETS_JSON_H_
#define SESSIONDB_CODEC_FACETS_JSON_H_

#include <string>

#include "sessiondb/query.h"

namespace sessiondb {

// AppendFacetsJson appends `facets` as a JSON object, e.g.
//   {"containmentType":{"selfService":3,"agent":1,"dropOff":0},
//    "sessionType":{"interactive":4,"non-interactive":0},
//    "day":[{"date":"2026-01-20","selfService":3,"agent":1,"dropOff":0}]}
// with only the facets that are present.
void AppendFacetsJson(const FacetCounts& facets, std::string* out);

}  // namespace sessiondb

#endif  // SESSIONDB_CODEC_FACETS_JSON_H_
