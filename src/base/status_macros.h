// Early-return helpers for absl::Status (Debian's Abseil 20220623 has none).
#ifndef SESSIONDB_BASE_STATUS_MACROS_H_
#define SESSIONDB_BASE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define SESSIONDB_RETURN_IF_ERROR(expr)                    \
  do {                                                     \
    ::absl::Status _sessiondb_status = (expr);             \
    if (!_sessiondb_status.ok()) return _sessiondb_status; \
  } while (0)

#define SESSIONDB_CONCAT_INNER_(a, b) a##b
#define SESSIONDB_CONCAT_(a, b) SESSIONDB_CONCAT_INNER_(a, b)

#define SESSIONDB_ASSIGN_OR_RETURN(lhs, expr) \
  SESSIONDB_ASSIGN_OR_RETURN_IMPL_(           \
      SESSIONDB_CONCAT_(_sessiondb_or_, __LINE__), lhs, expr)

#define SESSIONDB_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                     \
  if (!tmp.ok()) return std::move(tmp).status();         \
  lhs = std::move(tmp).value()

#endif  // SESSIONDB_BASE_STATUS_MACROS_H_
