#include "storage/key_codec.h"

#include <limits>

namespace sessiondb {
namespace {

constexpr uint64_t kSignBit = uint64_t{1} << 63;

}  // namespace

void AppendVarint32(uint32_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

bool ReadVarint32(std::string_view bytes, size_t* pos, uint32_t* v) {
  uint32_t result = 0;
  for (int shift = 0; shift <= 28 && *pos < bytes.size(); shift += 7) {
    uint8_t b = static_cast<uint8_t>(bytes[(*pos)++]);
    result |= static_cast<uint32_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

void AppendBigEndian32(uint32_t v, std::string* out) {
  char buf[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                 static_cast<char>(v >> 8), static_cast<char>(v)};
  out->append(buf, 4);
}

void AppendBigEndian64(uint64_t v, std::string* out) {
  char buf[8];
  for (int i = 7; i >= 0; --i) {
    buf[i] = static_cast<char>(v & 0xFF);
    v >>= 8;
  }
  out->append(buf, 8);
}

uint32_t DecodeBigEndian32(const char* p) {
  const auto* u = reinterpret_cast<const uint8_t*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) |
         (uint32_t{u[2]} << 8) | uint32_t{u[3]};
}

uint64_t DecodeBigEndian64(const char* p) {
  const auto* u = reinterpret_cast<const uint8_t*>(p);
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | u[i];
  return v;
}

void AppendBot(uint32_t bot_no, std::string* out) {
  AppendBigEndian32(bot_no, out);
}

void AppendDescTime(int64_t ms, std::string* out) {
  AppendBigEndian64(~(static_cast<uint64_t>(ms) ^ kSignBit), out);
}

int64_t DecodeDescTime(const char* p) {
  return static_cast<int64_t>(~DecodeBigEndian64(p) ^ kSignBit);
}

void AppendAscString(std::string_view s, std::string* out) {
  for (char c : s) {
    out->push_back(c);
    if (c == '\0') out->push_back('\xFF');
  }
  out->push_back('\0');
  out->push_back('\x01');
}

void AppendDescString(std::string_view s, std::string* out) {
  size_t start = out->size();
  AppendAscString(s, out);
  for (size_t i = start; i < out->size(); ++i)
    (*out)[i] = static_cast<char>(~(*out)[i]);
}

void AppendOrder(int64_t start_ms, std::string_view session_id,
                 std::string* out) {
  AppendDescTime(start_ms, out);
  AppendDescString(session_id, out);
}

std::string SessionKey(uint32_t bot_no, int64_t start_ms,
                       std::string_view session_id) {
  std::string key;
  key.reserve(kBotBytes + kTimeBytes + session_id.size() + 2);
  AppendBot(bot_no, &key);
  AppendOrder(start_ms, session_id, &key);
  return key;
}

std::string CellIndexPrefix(uint32_t bot_no, uint8_t cell) {
  std::string key;
  AppendBot(bot_no, &key);
  key.push_back(static_cast<char>(cell));
  return key;
}

std::string UserIndexPrefix(uint32_t bot_no, std::string_view user_id) {
  std::string key;
  AppendBot(bot_no, &key);
  AppendAscString(user_id, &key);
  return key;
}

std::string TagNamePrefix(uint32_t bot_no, uint8_t kind,
                          std::string_view name) {
  std::string key;
  AppendBot(bot_no, &key);
  key.push_back(static_cast<char>(kind));
  AppendAscString(name, &key);
  return key;
}

std::string TagIndexPrefix(uint32_t bot_no, uint8_t kind, std::string_view name,
                           std::string_view value) {
  std::string key = TagNamePrefix(bot_no, kind, name);
  AppendAscString(value, &key);
  return key;
}

std::string OrderLowerBound(std::string_view prefix, int64_t to_ms) {
  std::string key(prefix);
  // Keys with start_ms <= to_ms - 1 sort at or after desc_ts(to_ms - 1).
  AppendDescTime(
      to_ms == std::numeric_limits<int64_t>::min() ? to_ms : to_ms - 1, &key);
  return key;
}

std::string OrderUpperBound(std::string_view prefix, int64_t from_ms) {
  std::string key(prefix);
  if (from_ms == std::numeric_limits<int64_t>::min()) {
    // Past every time under this prefix.
    key.append(kTimeBytes, '\xFF');
    key.push_back('\xFF');
    return key;
  }
  // desc_ts(from_ms - 1) > desc_ts(from_ms): every key with start_ms >=
  // from_ms sorts before it, whatever its sessionId.
  AppendDescTime(from_ms - 1, &key);
  return key;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::optional<std::string> ParseAscString(std::string_view key, size_t* pos) {
  std::string out;
  size_t i = *pos;
  while (i < key.size()) {
    char c = key[i++];
    if (c != '\0') {
      out.push_back(c);
      continue;
    }
    if (i >= key.size()) return std::nullopt;
    char next = key[i++];
    if (next == '\x01') {
      *pos = i;
      return out;
    }
    if (next != '\xFF') return std::nullopt;
    out.push_back('\0');
  }
  return std::nullopt;
}

std::string DebugKey(std::string_view key) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : key) {
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

}  // namespace sessiondb
