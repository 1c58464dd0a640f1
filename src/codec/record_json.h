// Response JSON written straight from stored records (no DOM, no copies).
#ifndef SESSIONDB_CODEC_RECORD_JSON_H_
#define SESSIONDB_CODEC_RECORD_JSON_H_

#include <string>

#include "session_generated.h"

namespace sessiondb {

// AppendRecordJson appends one session object exactly as API.md §4 shows it:
// keys in the order sessionId, botId, channel, userId, start_time,
// end_time (omitted when absent), session_lang, sessionType,
// containmentType, isDeveloper, sessionStatus, tags {userTags, sessionTags}
// with tag objects {"value", "name"}, noOfMessagesExchanged,
// noOfTasksExecuted. No whitespace.
// REQUIRES: `record` passed the FlatBuffers verifier.
void AppendRecordJson(const fb::Session& record, std::string* out);

}  // namespace sessiondb

#endif  // SESSIONDB_CODEC_RECORD_JSON_H_
