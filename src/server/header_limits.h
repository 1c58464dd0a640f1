// HeaderLimits: how large a request header may be (SPEC §5); beyond either
// limit the answer is 431 and the connection is closed.
#ifndef SESSIONDB_SERVER_HEADER_LIMITS_H_
#define SESSIONDB_SERVER_HEADER_LIMITS_H_

#include <cstddef>

namespace sessiondb {

struct HeaderLimits {
  // Bytes from the first byte of the request line to the blank line.
  // Default: 64 KiB.
  size_t max_bytes = size_t{64} << 10;
  // Header field lines (the request line not counted). Default: 100.
  size_t max_lines = 100;
};

}  // namespace sessiondb

#endif  // SESSIONDB_SERVER_HEADER_LIMITS_H_
