// write_amp: keys and bytes one session writes (its WriteBatch), by number
// of tags, for a new session and for a rewrite of it; and the record's size.
//
//   write_amp [--tag_value_bytes=16]
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "absl/strings/numbers.h"
#include "sessiondb/session.h"
#include "storage/record_codec.h"
#include "storage/session_batch.h"
#include "storage/storage_engine.h"

namespace sessiondb {
namespace {

Session MakeTagged(int tags, size_t value_bytes) {
  Session s;
  s.session_id = "5f0c7a2e-7d2b-4b7e-9f3a-2a1d9c3b8e11";
  s.bot_id = "st-2c9e0d0f-8f8a-5d2c-9a43-1f1e7b7c0a55";
  s.channel = "rtm";
  s.user_id = "u-7d2b4b7e";
  s.start_time_ms = 1710000000000;
  s.end_time_ms = s.start_time_ms + 300000;
  s.session_lang = {"en"};
  s.messages_exchanged = 12;
  for (int i = 0; i < tags; ++i) {
    Tag t{"tag" + std::to_string(i), std::string(value_bytes, 'v')};
    (i % 2 == 0 ? s.session_tags : s.user_tags).push_back(t);
  }
  return s;
}

int Run(size_t value_bytes) {
  const std::string dir = "/tmp/sessiondb-write-amp";
  std::filesystem::remove_all(dir);
  auto engine = StorageEngine::Open(Options(), dir);
  if (!engine.ok()) {
    std::fprintf(stderr, "%s\n", engine.status().ToString().c_str());
    return 1;
  }
  std::printf(
      "| tags (value %zu B) | record B | keys new | bytes new | keys rewrite | "
      "bytes rewrite |\n",
      value_bytes);
  std::printf("|--:|--:|--:|--:|--:|--:|\n");
  for (int tags : {0, 3, 24, 512}) {
    Session s = MakeTagged(tags, value_bytes);
    s.session_id += std::to_string(tags);
    size_t keys[2], bytes[2];
    for (int pass = 0; pass < 2; ++pass) {
      if (pass == 1) s.messages_exchanged += 1;
      SessionBatch batch(**engine);
      absl::Status st = batch.Upsert(s);
      if (!st.ok()) {
        std::fprintf(stderr, "%d tags: %s\n", tags, st.ToString().c_str());
        return 1;
      }
      rocksdb::WriteBatch* wb = batch.Finish();
      keys[pass] = static_cast<size_t>(wb->Count());
      bytes[pass] = wb->GetDataSize();
      // The engine writes it again through its own path (the batch above
      // is only measured).
      if (!(*engine)->UpsertSessions({s}).ok()) return 1;
    }
    std::printf("| %d | %zu | %zu | %zu | %zu | %zu |\n", tags,
                EncodeRecordToString(s).size(), keys[0], bytes[0], keys[1],
                bytes[1]);
  }
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace sessiondb

int main(int argc, char** argv) {
  size_t value_bytes = 16;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--tag_value_bytes=", 18) == 0 &&
        absl::SimpleAtoi(argv[i] + 18, &value_bytes))
      continue;
    std::fprintf(stderr, "usage: write_amp [--tag_value_bytes=N]\n");
    return 2;
  }
  return sessiondb::Run(value_bytes);
}
