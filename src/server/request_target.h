// The request-target of an HTTP request (RFC 9112 §3.2, origin form) split
// into the percent-decoded path the routes match and the query parameters.
#ifndef SESSIONDB_SERVER_REQUEST_TARGET_H_
#define SESSIONDB_SERVER_REQUEST_TARGET_H_

#include <string>
#include <string_view>

#include "server/route_handler.h"

namespace sessiondb {

struct RequestTarget {
  std::string path;    // percent-decoded; '+' stays '+'
  QueryParams params;  // names and values percent-decoded, '+' is a space
};

// SplitTarget splits "/path?a=1&b" at the first '?'. A parameter without '='
// has an empty value; an empty name is dropped; a '%' not followed by two
// hex digits is kept as is (as cpp-httplib did).
RequestTarget SplitTarget(std::string_view target);

// PercentDecode decodes %XX; with `plus_is_space`, '+' becomes ' '.
std::string PercentDecode(std::string_view text, bool plus_is_space);

}  // namespace sessiondb

#endif  // SESSIONDB_SERVER_REQUEST_TARGET_H_
