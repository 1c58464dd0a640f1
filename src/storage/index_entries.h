// The derived keys one session record owns: its secondary index entries and
// the counters it adds one to. Writing a record writes exactly these;
// removing or replacing it removes (or subtracts) exactly these, so no stale
// entry or count can answer a query.
#ifndef SESSIONDB_STORAGE_INDEX_ENTRIES_H_
#define SESSIONDB_STORAGE_INDEX_ENTRIES_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "session_generated.h"
#include "storage/column_families.h"

namespace sessiondb {

// RecordCell is the record's cell (containment x sessionType, key_codec.h).
uint8_t RecordCell(const fb::Session& record);

// ForEachIndexKey calls `fn(cf, key)` for the key of every secondary index
// entry of `record` stored under bot `bot_no` (what removing it deletes).
void ForEachIndexKey(uint32_t bot_no, const fb::Session& record,
                     absl::FunctionRef<void(Cf, const std::string&)> fn);

// ForEachIndexEntry calls `fn(cf, key, value)` for every secondary index
// entry of `record` (whose encoded bytes are `record_bytes`) stored under
// bot `bot_no` (the keys of ForEachIndexKey): by_cell, valued with a copy of
// the record (a page of a cell filter is one contiguous scan); by_user and
// one by_tag entry per distinct (kind, name, value), valued with the
// record's bounded payload (index_payload.h). So a session writes two copies
// of its record (sessions and by_cell), whatever its tags.
void ForEachIndexEntry(
    uint32_t bot_no, const fb::Session& record, std::string_view record_bytes,
    absl::FunctionRef<void(Cf, const std::string&, const std::string&)> fn);

// ForEachDistinctTag calls `fn(kind, name, value)` once per distinct
// (kind, name, value) of the record's tags: userTags first, then
// sessionTags, each in record order (a repeated tag is reported once).
void ForEachDistinctTag(
    const fb::Session& record,
    absl::FunctionRef<void(uint8_t, std::string_view, std::string_view)> fn);

// ForEachCounterKey calls `fn(key)` for every counter (counters.h) whose
// count in the record's cell includes the record: the bot scope's minute,
// quarter-hour, hour and day buckets and the bot total; the hour and day
// buckets of the (bot, userId) scope, of each distinct tag and of each pair of
// distinct tags (or, past kMaxPairedTags tags, of the bot's many-tags scope).
// `key` is valid during the call only.
void ForEachCounterKey(uint32_t bot_no, const fb::Session& record,
                       absl::FunctionRef<void(std::string_view key)> fn);

}  // namespace sessiondb

#endif  // SESSIONDB_STORAGE_INDEX_ENTRIES_H_
