// RecordFilter: the predicates of a getSessions request tested against a
// stored record in place (zero-copy FlatBuffers reads).
#ifndef SESSIONDB_QUERY_RECORD_FILTER_H_
#define SESSIONDB_QUERY_RECORD_FILTER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "session_generated.h"
#include "sessiondb/query.h"

namespace sessiondb {

inline constexpr uint8_t kAllCells = 0x3F;

// CellMask is the set of cells (bit i: cell i) a containment / sessionType
// filter admits.
uint8_t CellMask(std::optional<ContainmentType> containment,
                 std::optional<SessionType> session_type);

// TagConditionMatches: the record carries a tag of the condition's kind,
// name and one of its values (any value when none are listed).
bool TagConditionMatches(const TagCondition& condition,
                         const fb::Session& record);

struct RecordFilter {
  uint8_t cell_mask = kAllCells;
  std::optional<std::string> user_id;
  std::vector<TagCondition> all_of;
  std::vector<TagCondition> any_of;  // empty: no constraint

  bool MatchesCell(uint8_t cell) const { return (cell_mask >> cell) & 1; }
  // Matches tests every predicate, the cell included.
  bool Matches(const fb::Session& record) const;
  // MatchesPayload tests the cell and the tag conditions against an index
  // entry's payload (index_payload.h); user_id is not in a payload and must
  // be guaranteed by the index itself. kNeedsRecord when the payload left
  // out the session's tags and a tag condition must see them: the caller
  // tests Matches on the record. Sets *malformed for bad bytes.
  enum class PayloadMatch { kNo, kYes, kNeedsRecord };
  PayloadMatch MatchesPayload(std::string_view payload, bool* malformed) const;
};

}  // namespace sessiondb

#endif  // SESSIONDB_QUERY_RECORD_FILTER_H_
