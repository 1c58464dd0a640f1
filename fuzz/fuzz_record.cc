// Fuzz target: reading a stored record from arbitrary bytes at any alignment
// — what a corrupt `sessions` value would hand the read path. VerifyRecord must
// reject bad bytes with DataLoss, never crash; whatever it accepts must be
// safe to decode, to write as response JSON and to derive index entries from.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "codec/record_json.h"
#include "fuzz_input.h"
#include "storage/index_entries.h"
#include "storage/record_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A copy at an offset of size % 8: values RocksDB hands back are often
  // misaligned, and FlatBuffers reads scalars in place (VerifyRecord reads
  // those through an aligned copy).
  std::string storage(size + 8, '\0');
  char* at = storage.data() + size % 8;
  if (size > 0) std::memcpy(at, data, size);
  const std::string_view bytes(at, size);
  absl::StatusOr<const sessiondb::fb::Session*> record =
      sessiondb::VerifyRecord(bytes, "fuzz-key");
  if (!record.ok()) {
    FUZZ_CHECK(record.status().code() == absl::StatusCode::kDataLoss);
    return 0;
  }
  const sessiondb::fb::Session& r = **record;
  std::string json;
  sessiondb::AppendRecordJson(r, &json);
  FUZZ_CHECK(json.size() >= 2 && json.front() == '{' && json.back() == '}');
  const sessiondb::Session s = sessiondb::DecodeRecord(r);
  FUZZ_CHECK(s.session_id == r.session_id()->str());
  FUZZ_CHECK(sessiondb::RecordCell(r) < 6);
  int entries = 0;
  sessiondb::ForEachIndexEntry(
      7, r, bytes,
      [&](sessiondb::Cf, const std::string& key, const std::string&) {
        FUZZ_CHECK(key.size() > 4);
        ++entries;
      });
  FUZZ_CHECK(entries >= 2);
  return 0;
}
