// ParseIngestBody: the body of POST /api/sessiondb/sessions — an NDJSON
// stream or a JSON array of session records (API.md §1 shape) — as one batch.
#ifndef SESSIONDB_SERVER_INGEST_BODY_H_
#define SESSIONDB_SERVER_INGEST_BODY_H_

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "sessiondb/session.h"

namespace sessiondb {

// ParseIngestBody parses every record. A body whose first non-blank byte is
// `[` is a JSON array; anything else is NDJSON (one object per line, blank
// lines skipped). An empty body is an empty batch. The first invalid record
// fails the whole body with InvalidArgument naming it the way
// Store::PutBatch does — `sessions[i] (sessionId "…"): field: reason` — plus
// its line for NDJSON: `sessions[i] (line 3, sessionId "…"): …`.
absl::StatusOr<std::vector<Session>> ParseIngestBody(std::string_view body);

}  // namespace sessiondb

#endif  // SESSIONDB_SERVER_INGEST_BODY_H_
