// Fuzz target: the API's date parser (ParseApiTime, SPEC §3).
// Properties: an error is InvalidArgument naming the field; an accepted time
// lies in years 0000-9999; a date alone is a UTC midnight; formatting an
// accepted time and parsing it back gives the same millisecond.
#include <cstdint>
#include <string>
#include <string_view>

#include "base/timestamp_range.h"
#include "codec/iso_time.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<sessiondb::ParsedTime> t =
      sessiondb::ParseApiTime(text, "dateFrom");
  if (!t.ok()) {
    FUZZ_CHECK(t.status().code() == absl::StatusCode::kInvalidArgument);
    FUZZ_CHECK(t.status().message().substr(0, 9) == "dateFrom:");
    return 0;
  }
  FUZZ_CHECK(t->ms >= sessiondb::kMinTimestampMs &&
             t->ms <= sessiondb::kMaxTimestampMs);
  if (t->date_only) {
    FUZZ_CHECK(t->ms % sessiondb::kMsPerDay == 0);
    FUZZ_CHECK(size == 10);
  }
  const std::string iso = sessiondb::FormatIsoMillis(t->ms);
  absl::StatusOr<sessiondb::ParsedTime> again =
      sessiondb::ParseApiTime(iso, "dateFrom");
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->ms == t->ms && !again->date_only);
  return 0;
}
