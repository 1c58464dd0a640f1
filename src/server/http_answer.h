// HttpAnswer: what the endpoint answers one request with, before the
// transport adds its framing (Content-Length, Connection, Keep-Alive).
#ifndef SESSIONDB_SERVER_HTTP_ANSWER_H_
#define SESSIONDB_SERVER_HTTP_ANSWER_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sessiondb/query.h"

namespace sessiondb {

// HeaderField is a response header; both views point into static storage.
using HeaderField = std::pair<std::string_view, std::string_view>;

// HttpAnswer is the API's JSON (ApiResponse) or one of the explorer's files,
// with its Content-Type and any further header fields.
struct HttpAnswer {
  int status = 200;
  std::string body;
  std::string_view content_type = "application/json";
  std::vector<HeaderField> headers;
};

// JsonAnswer wraps the JSON front door's answer (a page or an error).
inline HttpAnswer JsonAnswer(ApiResponse response) {
  return HttpAnswer{
      response.status, std::move(response.body), "application/json", {}};
}

}  // namespace sessiondb

#endif  // SESSIONDB_SERVER_HTTP_ANSWER_H_
