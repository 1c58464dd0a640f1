// The API's names of the session enums (API.md §1, §3), one table each. The
// parsers (records, requests) match a name ignoring ASCII case; the writers
// write it as listed. Tables are indexed by the enum's value, which is also
// its frozen FlatBuffers value (schema/session.fbs).
#ifndef SESSIONDB_CODEC_WIRE_NAMES_H_
#define SESSIONDB_CODEC_WIRE_NAMES_H_

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "absl/strings/match.h"
#include "absl/types/span.h"
#include "base/absl_compat.h"
#include "sessiondb/session.h"

namespace sessiondb {

// Each name is kept as a JSON string, quotes included: the record writer
// copies it whole (record_json.cc).
inline constexpr std::array<std::string_view, 2> kSessionTypeJson = {
    "\"interactive\"", "\"non-interactive\""};
inline constexpr std::array<std::string_view, 3> kContainmentTypeJson = {
    "\"dropOff\"", "\"selfService\"", "\"agent\""};
inline constexpr std::array<std::string_view, 2> kSessionStatusJson = {
    "\"active\"", "\"closed\""};

namespace wire_names_internal {

template <typename Enum, size_t N>
constexpr std::string_view Quoted(const std::array<std::string_view, N>& table,
                                  Enum value) {
  const size_t i = static_cast<size_t>(value);
  return i < N ? table[i] : std::string_view("\"unknown\"");
}

constexpr std::string_view Unquoted(std::string_view quoted) {
  return quoted.substr(1, quoted.size() - 2);
}

template <typename Enum, size_t N>
std::optional<Enum> Find(const std::array<std::string_view, N>& table,
                         std::string_view text) {
  for (size_t i = 0; i < N; ++i) {
    if (absl::EqualsIgnoreCase(AsAbsl(Unquoted(table[i])), AsAbsl(text)))
      return static_cast<Enum>(i);
  }
  return std::nullopt;
}

}  // namespace wire_names_internal

// QuotedWireName is the value's name as a JSON string ("\"dropOff\""), or
// "\"unknown\"" for a value outside the table.
constexpr std::string_view QuotedWireName(SessionType value) {
  return wire_names_internal::Quoted(kSessionTypeJson, value);
}
constexpr std::string_view QuotedWireName(ContainmentType value) {
  return wire_names_internal::Quoted(kContainmentTypeJson, value);
}
constexpr std::string_view QuotedWireName(SessionStatus value) {
  return wire_names_internal::Quoted(kSessionStatusJson, value);
}

// WireName is the value's name without quotes ("dropOff").
template <typename Enum>
constexpr std::string_view WireName(Enum value) {
  return wire_names_internal::Unquoted(QuotedWireName(value));
}

// WireNameList lists a table's names for a message: dropOff, selfService or
// agent (quoted: "dropOff", "selfService" or "agent").
std::string WireNameList(absl::Span<const std::string_view> table,
                         bool quoted = false);

// The value a name (any ASCII case) stands for; nullopt for any other text.
inline std::optional<SessionType> SessionTypeFromWire(std::string_view text) {
  return wire_names_internal::Find<SessionType>(kSessionTypeJson, text);
}
inline std::optional<ContainmentType> ContainmentTypeFromWire(
    std::string_view text) {
  return wire_names_internal::Find<ContainmentType>(kContainmentTypeJson, text);
}
inline std::optional<SessionStatus> SessionStatusFromWire(
    std::string_view text) {
  return wire_names_internal::Find<SessionStatus>(kSessionStatusJson, text);
}

}  // namespace sessiondb

#endif  // SESSIONDB_CODEC_WIRE_NAMES_H_
