#include "codec/error_json.h"

#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "base/utf8.h"
#include "codec/json_escape.h"

namespace sessiondb {
namespace {

// ValidUtf8Or replaces every byte that is not part of well-formed UTF-8 with
// '?': messages may quote bytes from anywhere (RocksDB, the OS), and
// AppendJsonString passes bytes through unchanged.
std::string ValidUtf8Or(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t n = c < 0x80             ? 1
                     : (c & 0xE0) == 0xC0 ? 2
                     : (c & 0xF0) == 0xE0 ? 3
                     : (c & 0xF8) == 0xF0 ? 4
                                          : 0;
    if (n > 0 && i + n <= s.size() && IsValidUtf8(s.substr(i, n))) {
      out.append(s.data() + i, n);
      i += n;
    } else {
      out.push_back('?');
      ++i;
    }
  }
  return out;
}

std::string ErrorJsonWithCode(int http_status, std::string_view message) {
  std::string out = "{\"errors\":[{\"msg\":";
  if (IsValidUtf8(message)) {
    AppendJsonString(message, &out);
  } else {
    AppendJsonString(ValidUtf8Or(message), &out);
  }
  absl::StrAppend(&out, ",\"code\":", http_status, "}]}");
  return out;
}

}  // namespace

int HttpStatusFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kUnimplemented:
      return 405;
    // Busy or locked: the same request may succeed later. 503 is the status
    // a client (or a load balancer) retries; a 500 says retrying is futile.
    case absl::StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

std::string ErrorJson(const absl::Status& status) {
  return ErrorJsonWithCode(
      HttpStatusFor(status),
      std::string_view(status.message().data(), status.message().size()));
}

ApiResponse ErrorResponse(const absl::Status& status) {
  return ApiResponse{HttpStatusFor(status), ErrorJson(status)};
}

ApiResponse HttpErrorResponse(int http_status, std::string_view message) {
  return ApiResponse{http_status, ErrorJsonWithCode(http_status, message)};
}

}  // namespace sessiondb
