// The derived keys one session record owns: its secondary index entries.
// Writing a record writes exactly these; removing or replacing it removes
// exactly these, so no stale entry can answer a query.
#ifndef SESSIONDB_STORAGE_INDEX_ENTRIES_H_
#define SESSIONDB_STORAGE_INDEX_ENTRIES_H_

#include <cstdint>
#include <string>

#include "absl/functional/function_ref.h"
#include "session_generated.h"
#include "storage/column_families.h"

namespace sessiondb {

// RecordCell is the record's cell (containment x sessionType, key_codec.h).
uint8_t RecordCell(const fb::Session& record);

// ForEachIndexEntry calls `fn(cf, key, value)` for every secondary index
// entry of `record` stored under bot `bot_no`: by_cell (empty value),
// by_user and one by_tag entry per distinct (kind, name, value), those two
// valued with the record's IndexPayload (index_payload.h).
void ForEachIndexEntry(
    uint32_t bot_no, const fb::Session& record,
    absl::FunctionRef<void(Cf, const std::string&, const std::string&)> fn);

}  // namespace sessiondb

#endif  // SESSIONDB_STORAGE_INDEX_ENTRIES_H_
