#include "api/rocksdb_backend.h"

#include <utility>

#include "base/status_macros.h"
#include "codec/record_json.h"
#include "query/executor.h"
#include "query/planner.h"
#include "storage/key_codec.h"
#include "storage/record_codec.h"

namespace sessiondb {
namespace {

// StoredSession is a page session read from a verified fb::Session record:
// the JSON is written from the record itself.
class StoredSession final : public PageSession {
 public:
  explicit StoredSession(const fb::Session& record) : record_(record) {}
  int64_t start_ms() const override { return record_.start_time_ms(); }
  std::string_view session_id() const override {
    return record_.session_id()->string_view();
  }
  void AppendJson(std::string* out) const override {
    AppendRecordJson(record_, out);
  }
  absl::StatusOr<Session> ToSession() const override {
    return DecodeRecord(record_);
  }

 private:
  const fb::Session& record_;
};

}  // namespace

absl::StatusOr<LookupOutcome> RocksDbBackend::Lookup(
    const std::optional<std::string>& bot_id,
    const std::vector<std::string>& session_ids, PageSink sink,
    ExecutionStats* stats) {
  ReadView snapshot(engine_);
  SESSIONDB_ASSIGN_OR_RETURN(
      LookupResult lookup,
      LookupSessions(
          engine_, snapshot.snapshot(), bot_id, session_ids,
          [&](const fb::Session& r) { sink(StoredSession(r)); }, stats));
  LookupOutcome out;
  out.found = lookup.found;
  out.invalid = std::move(lookup.invalid);
  return out;
}

absl::StatusOr<PageOutcome> RocksDbBackend::RunPage(const SessionQuery& query,
                                                    const PageRequest& page,
                                                    PageSink sink,
                                                    ExecutionStats* stats,
                                                    FacetTally* facets) {
  ReadView snapshot(engine_);
  SESSIONDB_ASSIGN_OR_RETURN(
      Plan plan, PlanQuery(engine_, snapshot.snapshot(), query, page.window));
  PageSpec spec;
  spec.skip = page.skip;
  spec.limit = page.limit;
  if (page.after.has_value()) {
    AppendOrder(page.after->start_ms, page.after->session_id,
                &spec.after_order);
  }
  SESSIONDB_ASSIGN_OR_RETURN(
      PageResult result,
      ExecutePlan(
          engine_, snapshot.snapshot(), plan, spec,
          [&](const fb::Session& r) { sink(StoredSession(r)); }, stats,
          facets));
  PageOutcome out;
  out.total = result.total;
  out.returned = result.returned;
  out.more = result.more;
  out.plan = std::move(plan.description);
  return out;
}

absl::StatusOr<std::string> RocksDbBackend::CursorKey() {
  return engine_.cursor_key();
}

}  // namespace sessiondb
