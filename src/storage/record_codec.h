// Session <-> FlatBuffers record (schema/session.fbs), the value stored in
// column family `sessions`.
#ifndef SESSIONDB_STORAGE_RECORD_CODEC_H_
#define SESSIONDB_STORAGE_RECORD_CODEC_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "flatbuffers/flatbuffers.h"
#include "session_generated.h"
#include "sessiondb/session.h"

namespace sessiondb {

// EncodeRecord serializes `session` into `builder` (cleared first) with
// defaults resolved: sessionStatus is always written.
// REQUIRES: ValidateSession(session).ok().
void EncodeRecord(const Session& session,
                  flatbuffers::FlatBufferBuilder* builder);

// EncodeRecordToString is EncodeRecord into a fresh string.
std::string EncodeRecordToString(const Session& session);

// VerifyRecord runs the FlatBuffers verifier over `bytes` and returns the
// record. DataLoss naming `key_for_errors` (as DebugKey'd by the caller) when
// the bytes are not a valid record.
// FlatBuffers need the buffer aligned to 8 bytes; values read from RocksDB
// often are not. Aligned bytes are read in place and the record points into
// `bytes`; misaligned ones are first copied into a thread-local buffer, and
// then the record is valid only until the next Verify* call on this thread.
// A caller that keeps a record longer keeps its own copy of the bytes (a
// std::string's heap buffer is aligned).
absl::StatusOr<const fb::Session*> VerifyRecord(
    std::string_view bytes, std::string_view key_for_errors);

// VerifyStoredRecord is VerifyRecord for the record stored under `key`; the
// key is rendered with DebugKey only when verification fails (hot path).
absl::StatusOr<const fb::Session*> VerifyStoredRecord(std::string_view bytes,
                                                      std::string_view key);

// DecodeRecord copies a verified record into a Session.
Session DecodeRecord(const fb::Session& record);

}  // namespace sessiondb

#endif  // SESSIONDB_STORAGE_RECORD_CODEC_H_
