#include "ndjson_loader.h"

#include <cstdio>
#include <istream>
#include <ostream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "codec/session_json.h"
#include "progress_line.h"

namespace sessiondb {
namespace {

// NdjsonSessions yields the valid sessions of an NDJSON stream and reports
// every other non-blank line to `errors`.
class NdjsonSessions : public SessionSource {
 public:
  NdjsonSessions(std::istream& in, std::ostream& errors,
                 ProgressLine& progress_line)
      : in_(in), errors_(errors), progress_line_(progress_line) {}

  absl::StatusOr<bool> Next(Session* session) override {
    while (std::getline(in_, line_)) {
      ++line_no_;
      if (absl::StripAsciiWhitespace(line_).empty()) continue;
      absl::StatusOr<Session> parsed = parser_.ParseSession(line_);
      if (parsed.ok()) {
        *session = *std::move(parsed);
        return true;
      }
      progress_line_.Clear();
      errors_ << "line " << line_no_ << ": " << parsed.status().message()
              << "\n";
      ++rejected_;
    }
    return false;
  }
  int64_t rejected() const { return rejected_; }

 private:
  std::istream& in_;
  std::ostream& errors_;
  ProgressLine& progress_line_;
  SessionJsonParser parser_;
  std::string line_;
  int64_t line_no_ = 0;
  int64_t rejected_ = 0;
};

}  // namespace

absl::StatusOr<LoadSummary> LoadNdjson(Store& store, LoadKind kind,
                                       std::istream& in, std::ostream& errors,
                                       bool progress) {
  LoadSummary summary;
  ProgressLine progress_line(errors, progress);
  auto update = [&](int64_t loaded, int64_t rejected) {
    const double seconds = progress_line.Seconds();
    progress_line.Update(absl::StrFormat(
        "%d loaded, %d rejected, %.0f sessions/s", loaded, rejected,
        seconds > 0 ? loaded / seconds : 0.0));
  };
  if (kind == LoadKind::kSessions) {
    NdjsonSessions sessions(in, errors, progress_line);
    BulkLoadOptions options;
    options.progress = [&](int64_t n) { update(n, sessions.rejected()); };
    absl::StatusOr<BulkLoadSummary> loaded = store.BulkLoad(sessions, options);
    if (!loaded.ok()) return loaded.status();
    progress_line.Clear();
    summary.loaded = loaded->sessions;
    summary.rejected = sessions.rejected();
    summary.seconds = progress_line.Seconds();
    return summary;
  }

  SessionJsonParser parser;
  std::string line;
  int64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    absl::StatusOr<UserIdentity> identity = parser.ParseUserIdentity(line);
    absl::Status s =
        identity.ok() ? store.LinkUserAliases(*identity) : identity.status();
    if (s.ok()) {
      ++summary.loaded;
      update(summary.loaded, summary.rejected);
      continue;
    }
    progress_line.Clear();
    errors << "line " << line_no << ": " << s.message() << "\n";
    ++summary.rejected;
  }
  progress_line.Clear();
  summary.seconds = progress_line.Seconds();
  return summary;
}

}  // namespace sessiondb
