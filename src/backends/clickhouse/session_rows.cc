#include "backends/clickhouse/session_rows.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace sessiondb {
namespace {

void AppendVarUInt(uint64_t n, std::string* out) {
  while (n >= 0x80) {
    out->push_back(static_cast<char>((n & 0x7F) | 0x80));
    n >>= 7;
  }
  out->push_back(static_cast<char>(n));
}

void AppendString(std::string_view s, std::string* out) {
  AppendVarUInt(s.size(), out);
  out->append(s);
}

void AppendUInt64(uint64_t n, std::string* out) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(n >> (8 * i)));
}

void AppendUInt8(uint8_t n, std::string* out) {
  out->push_back(static_cast<char>(n));
}

void AppendTagColumns(const std::vector<Tag>& tags, std::string* out) {
  AppendVarUInt(tags.size(), out);
  for (const Tag& t : tags) AppendString(t.name, out);
  AppendVarUInt(tags.size(), out);
  for (const Tag& t : tags) AppendString(t.value, out);
}

bool ReadVarUInt(std::string_view* data, uint64_t* n) {
  *n = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (data->empty()) return false;
    const auto byte = static_cast<unsigned char>(data->front());
    data->remove_prefix(1);
    *n |= uint64_t{byte & 0x7Fu} << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

bool ReadStringView(std::string_view* data, std::string_view* s) {
  uint64_t size = 0;
  if (!ReadVarUInt(data, &size) || size > data->size()) return false;
  *s = data->substr(0, size);
  data->remove_prefix(size);
  return true;
}

bool ReadString(std::string_view* data, std::string* s) {
  std::string_view view;
  if (!ReadStringView(data, &view)) return false;
  s->assign(view);
  return true;
}

bool ReadInt64(std::string_view* data, int64_t* n) {
  if (data->size() < 8) return false;
  uint64_t u = 0;
  for (int i = 0; i < 8; ++i) {
    u |= uint64_t{static_cast<unsigned char>((*data)[i])} << (8 * i);
  }
  data->remove_prefix(8);
  *n = static_cast<int64_t>(u);
  return true;
}

// RowKey is the sort key at the start of a sessions_local row, in place.
struct RowKey {
  std::string_view bot;
  int64_t start_ms = 0;
  std::string_view session_id;
};

RowKey ParseRowKey(std::string_view row) {
  RowKey key;
  // The rows were written by Append*Row above: well-formed by construction.
  ReadStringView(&row, &key.bot);
  ReadInt64(&row, &key.start_ms);
  ReadStringView(&row, &key.session_id);
  return key;
}

}  // namespace

void AppendSessionRow(const Session& session, std::string_view json,
                      uint64_t version, std::string* out) {
  AppendString(session.bot_id, out);
  AppendUInt64(static_cast<uint64_t>(session.start_time_ms), out);
  AppendString(session.session_id, out);
  AppendUInt64(version, out);
  AppendUInt8(0, out);
  AppendString(session.user_id, out);
  AppendUInt8(static_cast<uint8_t>(session.containment_type), out);
  AppendUInt8(static_cast<uint8_t>(session.session_type), out);
  AppendTagColumns(session.user_tags, out);
  AppendTagColumns(session.session_tags, out);
  AppendString(json, out);
}

void AppendTombstoneRow(const SessionRowKey& key, uint64_t version,
                        std::string* out) {
  AppendString(key.bot, out);
  AppendUInt64(static_cast<uint64_t>(key.start_ms), out);
  AppendString(key.session_id, out);
  AppendUInt64(version, out);
  AppendUInt8(1, out);
  AppendString("", out);                              // user_id
  AppendUInt8(0, out);                                // containment
  AppendUInt8(0, out);                                // session_type
  for (int i = 0; i < 4; ++i) AppendVarUInt(0, out);  // the tag arrays
  AppendString("", out);                              // json
}

void AppendAliasRow(std::string_view alias, std::string_view user_id,
                    uint64_t version, bool deleted, std::string* out) {
  AppendString(alias, out);
  AppendString(user_id, out);
  AppendUInt64(version, out);
  AppendUInt8(deleted ? 1 : 0, out);
}

void AppendMetaRow(std::string_view key, std::string_view value,
                   uint64_t version, std::string* out) {
  AppendString(key, out);
  AppendString(value, out);
  AppendUInt64(version, out);
}

void SortSessionRows(std::string_view rows, const std::vector<size_t>& starts,
                     std::string* sorted) {
  struct Entry {
    RowKey key;
    std::string_view row;
  };
  std::vector<Entry> entries;
  entries.reserve(starts.size());
  for (size_t i = 0; i < starts.size(); ++i) {
    const size_t end = i + 1 < starts.size() ? starts[i + 1] : rows.size();
    const std::string_view row = rows.substr(starts[i], end - starts[i]);
    entries.push_back({ParseRowKey(row), row});
  }
  // ClickHouse compares String as bytes (memcmp, then length), as
  // std::string_view does.
  std::stable_sort(entries.begin(), entries.end(),
                   [](const Entry& a, const Entry& b) {
                     if (a.key.bot != b.key.bot) return a.key.bot < b.key.bot;
                     if (a.key.start_ms != b.key.start_ms) {
                       return a.key.start_ms < b.key.start_ms;
                     }
                     return a.key.session_id < b.key.session_id;
                   });
  sorted->clear();
  sorted->reserve(rows.size());
  for (const Entry& e : entries) sorted->append(e.row);
}

bool ReadRowBinaryKeys(std::string_view data,
                       std::vector<SessionRowKey>* keys) {
  while (!data.empty()) {
    SessionRowKey key;
    if (!ReadString(&data, &key.bot) || !ReadInt64(&data, &key.start_ms)) {
      return false;
    }
    if (!ReadString(&data, &key.session_id)) return false;
    keys->push_back(std::move(key));
  }
  return true;
}

bool ReadRowBinaryStrings(std::string_view data,
                          std::vector<std::string>* strings) {
  while (!data.empty()) {
    if (!ReadString(&data, &strings->emplace_back())) return false;
  }
  return true;
}

}  // namespace sessiondb
