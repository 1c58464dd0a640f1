#include "ndjson_loader.h"

#include <cstdio>
#include <istream>
#include <ostream>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "progress_line.h"
#include "sessiondb/session_json_parser.h"

namespace sessiondb {
namespace {

// NdjsonSessions yields the valid sessions of an NDJSON stream, in order,
// and reports every other non-blank line to `errors`. Lines are read in
// batches and parsed by two threads (JSON parsing is the serial part of a
// bulk load, which sorts on other threads).
class NdjsonSessions : public SessionSource {
 public:
  NdjsonSessions(std::istream& in, std::ostream& errors,
                 ProgressLine& progress_line)
      : in_(in), errors_(errors), progress_line_(progress_line) {}

  absl::StatusOr<bool> Next(Session* session) override {
    while (true) {
      if (next_ == batch_.size() && !FillBatch()) return false;
      ParsedLine& parsed = batch_[next_++];
      if (parsed.session.ok()) {
        *session = *std::move(parsed.session);
        return true;
      }
      progress_line_.Clear();
      errors_ << "line " << parsed.line_no << ": "
              << parsed.session.status().message() << "\n";
      ++rejected_;
    }
  }
  int64_t rejected() const { return rejected_; }

 private:
  static constexpr size_t kBatchLines = 2048;
  static constexpr int kParsers = 2;

  struct ParsedLine {
    int64_t line_no = 0;
    std::string text;
    absl::StatusOr<Session> session;
  };

  // FillBatch reads up to kBatchLines non-blank lines and parses them;
  // false at the end of the input.
  bool FillBatch() {
    batch_.resize(kBatchLines);
    size_t n = 0;
    while (n < kBatchLines && std::getline(in_, batch_[n].text)) {
      ++line_no_;
      if (absl::StripAsciiWhitespace(batch_[n].text).empty()) continue;
      batch_[n++].line_no = line_no_;
    }
    batch_.resize(n);
    next_ = 0;
    if (n == 0) return false;
    auto parse = [&](int part) {
      for (size_t i = n * part / kParsers; i < n * (part + 1) / kParsers; ++i)
        batch_[i].session = parsers_[part].ParseSession(batch_[i].text);
    };
    std::thread helper(parse, 1);
    parse(0);
    helper.join();
    return true;
  }

  std::istream& in_;
  std::ostream& errors_;
  ProgressLine& progress_line_;
  SessionJsonParser parsers_[kParsers];
  std::vector<ParsedLine> batch_;
  size_t next_ = 0;
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
    progress_line.Update(
        absl::StrFormat("%d loaded, %d rejected, %.0f sessions/s", loaded,
                        rejected, seconds > 0 ? loaded / seconds : 0.0));
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
