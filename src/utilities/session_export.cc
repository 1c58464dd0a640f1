// Export walks the same key streams the executor pages over: one stream per
// bot, merged by the shared `order` suffix (query/session_streams.h), so its
// order is the API's order across bots too. Only two drivers: a userId filter
// walks the user's `by_user` entries (a user's sessions are few); everything
// else walks the records themselves, since an export reads every record it
// emits anyway and a containment or tag filter keeps a large share of them.
// Every predicate is then tested on the record (RecordFilter).
#include "sessiondb/utilities/session_export.h"

#include <chrono>
#include <limits>
#include <optional>
#include <ostream>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "codec/record_json.h"
#include "query/filter_validation.h"
#include "query/record_filter.h"
#include "query/session_streams.h"
#include "query/user_resolution.h"
#include "storage/key_codec.h"
#include "storage/record_codec.h"
#include "storage/rocksdb_status.h"
#include "utilities/csv_row.h"
#include "utilities/engine_access.h"

namespace sessiondb {
namespace {

absl::Status ValidateFilter(const ExportFilter& filter) {
  if (filter.from_ms.has_value() && filter.to_ms.has_value() &&
      *filter.from_ms > *filter.to_ms) {
    return absl::InvalidArgumentError(absl::StrCat(
        "from: ", *filter.from_ms, " ms is after to: ", *filter.to_ms, " ms"));
  }
  if (filter.bot_id.has_value() && filter.bot_id->empty()) {
    return absl::InvalidArgumentError("botId: must not be empty");
  }
  return ValidateSessionFilter(filter);
}

class ExportIterator final : public SessionExportIterator {
 public:
  explicit ExportIterator(StorageEngine& engine)
      : engine_(engine), snapshot_(engine) {}

  // Init chooses the streams at the snapshot and moves to the first match.
  absl::Status Init(const ExportFilter& filter);

  bool Valid() const override { return record_ != nullptr; }
  void Next() override {
    stream_->Next();
    SeekMatch();
  }
  const Session& session() override {
    if (!session_.has_value()) session_ = DecodeRecord(*record_);
    return *session_;
  }
  std::string_view json() override {
    if (json_.empty()) AppendRecordJson(*record_, &json_);
    return json_;
  }
  std::string_view csv() override {
    if (csv_.empty()) {
      absl::Status s = csv_writer_.Append(json(), &csv_);
      if (!s.ok()) status_ = s;
    }
    return csv_;
  }
  absl::Status status() const override { return status_; }

 private:
  // SeekMatch moves from the stream's position to the first matching record
  // (record_ stays null past the end or on an error).
  void SeekMatch();

  StorageEngine& engine_;
  ReadView snapshot_;
  rocksdb::ReadOptions read_options_;
  std::optional<MergedStream> stream_;
  bool driver_is_primary_ = true;
  RecordFilter filter_;

  // The current match and what was derived from it (lazily, once each).
  const fb::Session* record_ = nullptr;  // points into record_bytes_
  std::string record_bytes_;
  rocksdb::PinnableSlice value_;  // the record, when read through an index
  std::string primary_key_;
  std::optional<Session> session_;
  std::string json_;
  std::string csv_;
  CsvRowWriter csv_writer_;
  absl::Status status_;
};

absl::Status ExportIterator::Init(const ExportFilter& filter) {
  read_options_.snapshot = snapshot_.snapshot();
  // A one-pass scan of the whole store must not evict the working set of
  // the requests a runtime serves meanwhile.
  read_options_.fill_cache = false;

  std::vector<uint32_t> bots;
  if (filter.bot_id.has_value()) {
    if (std::optional<uint32_t> no = engine_.bots().Find(*filter.bot_id))
      bots.push_back(*no);
  } else {
    for (const auto& [no, id] : engine_.bots().All()) bots.push_back(no);
  }
  filter_.cell_mask = CellMask(filter.containment, filter.session_type);
  filter_.all_of = filter.tags.all_of;
  filter_.any_of = filter.tags.any_of;

  std::vector<StreamSpec> specs;
  if (filter.user_id.has_value()) {
    SESSIONDB_ASSIGN_OR_RETURN(
        std::optional<std::string> user,
        ResolveUser(engine_, snapshot_.snapshot(), *filter.user_id));
    if (user.has_value()) {
      driver_is_primary_ = false;
      for (uint32_t bot : bots)
        specs.push_back({Cf::kByUser, bot, UserIndexPrefix(bot, *user)});
      filter_.user_id = std::move(user);
    }
  } else {
    for (uint32_t bot : bots) {
      std::string prefix;
      AppendBot(bot, &prefix);
      specs.push_back({Cf::kSessions, bot, std::move(prefix)});
    }
  }
  stream_.emplace(engine_, snapshot_.snapshot(), specs,
                  filter.from_ms.value_or(std::numeric_limits<int64_t>::min()),
                  filter.to_ms.value_or(std::numeric_limits<int64_t>::max()));
  SeekMatch();
  return status_;
}

void ExportIterator::SeekMatch() {
  record_ = nullptr;
  session_.reset();
  json_.clear();
  csv_.clear();
  for (; stream_->Valid(); stream_->Next()) {
    const KeyRangeStream& current = stream_->current();
    std::string_view bytes;
    std::string_view key;
    if (driver_is_primary_) {
      bytes = current.value();
      key = current.key();
    } else {
      primary_key_.clear();  // reused: no allocation per session
      current.AppendPrimaryKey(&primary_key_);
      value_.Reset();
      rocksdb::Status s =
          engine_.Get(read_options_, Cf::kSessions, primary_key_, &value_);
      if (s.IsNotFound()) {
        status_ = absl::DataLossError(
            absl::StrCat("index entry ", DebugKey(current.key()),
                         " has no record ", DebugKey(primary_key_)));
        return;
      }
      if (!s.ok()) {
        status_ = FromRocksStatus(s, "reading a session record");
        return;
      }
      bytes = std::string_view(value_.data(), value_.size());
      key = primary_key_;
    }
    // The record outlives this call (until Next), so it is read from a copy
    // this iterator owns: in place it could be misaligned, and then
    // VerifyRecord's thread-local copy would be reused by any other read.
    record_bytes_.assign(bytes);
    absl::StatusOr<const fb::Session*> record =
        VerifyStoredRecord(record_bytes_, key);
    if (!record.ok()) {
      status_ = record.status();
      return;
    }
    if (filter_.Matches(**record)) {
      record_ = *record;
      return;
    }
  }
  status_ = stream_->status();
}

}  // namespace

absl::StatusOr<std::unique_ptr<SessionExportIterator>> NewSessionExportIterator(
    Store& store, const ExportFilter& filter) {
  SESSIONDB_RETURN_IF_ERROR(ValidateFilter(filter));
  SESSIONDB_ASSIGN_OR_RETURN(StorageEngine * engine,
                             StoreInternals::EngineOf(store));
  auto it = std::make_unique<ExportIterator>(*engine);
  SESSIONDB_RETURN_IF_ERROR(it->Init(filter));
  return std::unique_ptr<SessionExportIterator>(std::move(it));
}

absl::StatusOr<int64_t> ExportSessions(
    Store& store, const ExportFilter& filter,
    absl::FunctionRef<absl::Status(const Session&)> fn) {
  SESSIONDB_ASSIGN_OR_RETURN(std::unique_ptr<SessionExportIterator> it,
                             NewSessionExportIterator(store, filter));
  int64_t n = 0;
  for (; it->Valid(); it->Next()) {
    SESSIONDB_RETURN_IF_ERROR(fn(it->session()));
    ++n;
  }
  SESSIONDB_RETURN_IF_ERROR(it->status());
  return n;
}

std::string_view ExportCsvHeader() { return CsvHeader(); }

absl::StatusOr<ExportSummary> ExportSessionsTo(Store& store,
                                               const ExportFilter& filter,
                                               const ExportOptions& options,
                                               std::ostream& out) {
  constexpr size_t kFlushBytes = size_t{1} << 20;
  const auto start = std::chrono::steady_clock::now();
  ExportSummary summary;
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start)
        .count();
  };
  std::string buffer;
  buffer.reserve(kFlushBytes + 64 * 1024);
  auto flush = [&]() -> absl::Status {
    out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    if (!out) {
      return absl::UnavailableError(absl::StrCat(
          "export: writing the output failed after ", summary.rows, " rows"));
    }
    summary.bytes += static_cast<int64_t>(buffer.size());
    buffer.clear();
    return absl::OkStatus();
  };

  SESSIONDB_ASSIGN_OR_RETURN(std::unique_ptr<SessionExportIterator> it,
                             NewSessionExportIterator(store, filter));
  const bool csv = options.format == ExportFormat::kCsv;
  if (csv) buffer.append(CsvHeader());
  const int64_t every = std::max<int64_t>(1, options.progress_every);
  for (; it->Valid(); it->Next()) {
    if (csv) {
      buffer.append(it->csv());
    } else {
      buffer.append(it->json());
      buffer.push_back('\n');
    }
    ++summary.rows;
    if (buffer.size() >= kFlushBytes) SESSIONDB_RETURN_IF_ERROR(flush());
    if (options.progress && summary.rows % every == 0) {
      ExportSummary running = summary;
      running.bytes += static_cast<int64_t>(buffer.size());
      running.seconds = elapsed();
      options.progress(running);
    }
  }
  SESSIONDB_RETURN_IF_ERROR(it->status());
  SESSIONDB_RETURN_IF_ERROR(flush());
  out.flush();
  if (!out) return absl::UnavailableError("export: flushing the output failed");
  summary.seconds = elapsed();
  return summary;
}

}  // namespace sessiondb
