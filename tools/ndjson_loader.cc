#include "ndjson_loader.h"

#include <chrono>
#include <cstdio>
#include <istream>
#include <ostream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "codec/session_json.h"

namespace sessiondb {
namespace {

constexpr size_t kBatchSize = 1000;

class ProgressLine {
 public:
  ProgressLine(std::ostream& out, bool enabled)
      : out_(out), enabled_(enabled) {}
  void Update(int64_t loaded, int64_t rejected, double seconds) {
    if (!enabled_ || seconds < next_) return;
    next_ = seconds + 0.25;
    out_ << absl::StrFormat("\r%d loaded, %d rejected, %.0f sessions/s   ",
                            loaded, rejected,
                            seconds > 0 ? loaded / seconds : 0.0)
         << std::flush;
    drawn_ = true;
  }
  void Clear() {
    if (drawn_) out_ << "\r\033[K" << std::flush;
  }

 private:
  std::ostream& out_;
  bool enabled_;
  bool drawn_ = false;
  double next_ = 0;
};

}  // namespace

absl::StatusOr<LoadSummary> LoadNdjson(Store& store, LoadKind kind,
                                       std::istream& in, std::ostream& errors,
                                       bool progress) {
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start)
        .count();
  };
  SessionJsonParser parser;
  LoadSummary summary;
  ProgressLine progress_line(errors, progress);
  std::vector<Session> batch;
  batch.reserve(kBatchSize);
  auto flush = [&]() -> absl::Status {
    if (batch.empty()) return absl::OkStatus();
    absl::Status s = store.PutBatch(batch);
    if (!s.ok()) return s;
    summary.loaded += static_cast<int64_t>(batch.size());
    batch.clear();
    progress_line.Update(summary.loaded, summary.rejected, elapsed());
    return absl::OkStatus();
  };

  std::string line;
  int64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    absl::Status s;
    if (kind == LoadKind::kSessions) {
      absl::StatusOr<Session> session = parser.ParseSession(line);
      if (session.ok()) {
        batch.push_back(*std::move(session));
        if (batch.size() == kBatchSize) {
          absl::Status w = flush();
          if (!w.ok()) return w;
        }
        continue;
      }
      s = session.status();
    } else {
      absl::StatusOr<UserIdentity> identity = parser.ParseUserIdentity(line);
      if (identity.ok())
        s = store.LinkUserAliases(*identity);
      else
        s = identity.status();
      if (s.ok()) {
        ++summary.loaded;
        continue;
      }
    }
    progress_line.Clear();
    errors << "line " << line_no << ": " << s.message() << "\n";
    ++summary.rejected;
  }
  absl::Status w = flush();
  if (!w.ok()) return w;
  progress_line.Clear();
  summary.seconds = elapsed();
  return summary;
}

}  // namespace sessiondb
