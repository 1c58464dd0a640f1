// The API's error shape and the one table from status codes to HTTP codes.
#ifndef SESSIONDB_CODEC_ERROR_JSON_H_
#define SESSIONDB_CODEC_ERROR_JSON_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "sessiondb/query.h"

namespace sessiondb {

// HttpStatusFor maps a status to the HTTP code of API.md §4:
// InvalidArgument/OutOfRange -> 400, Unauthenticated -> 401,
// PermissionDenied -> 403, NotFound -> 404, Unimplemented -> 405,
// Unavailable -> 503 (retryable), everything else -> 500 (the HTTP layer
// answers 413 itself).
int HttpStatusFor(const absl::Status& status);

// ErrorJson writes {"errors":[{"msg":"<message>","code":<http>}]}.
std::string ErrorJson(const absl::Status& status);

// ErrorResponse (sessiondb/query.h) is ErrorJson with its HTTP status.

// HttpErrorResponse answers an error that has no status code of its own (the
// HTTP layer's 413) in the same shape: {"errors":[{"msg":…,"code":http}]}.
ApiResponse HttpErrorResponse(int http_status, std::string_view message);

}  // namespace sessiondb

#endif  // SESSIONDB_CODEC_ERROR_JSON_H_
