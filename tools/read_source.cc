// ReadSourceFlags: --db or --clickhouse for query, explain and serve.
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "api/backend_store.h"
#include "backends/clickhouse/clickhouse_session_backend.h"
#include "command.h"

namespace sessiondb::tools {

void ReadSourceFlags::AddTo(CLI::App* app) {
  store.AddTo(app, /*with_now=*/true, /*db_required=*/false);
  app->add_option("--clickhouse", clickhouse,
                  "read the sessions `sessiondb ship` copied to ClickHouse: "
                  "HTTP endpoints URL[,URL...], the first that answers is "
                  "used (instead of --db)");
  app->add_option("--cluster", cluster,
                  "with --clickhouse: the cluster's name in remote_servers; "
                  "reads the Distributed table DB.sessions");
  app->add_option("--database", database,
                  "with --clickhouse: the database (default sessiondb)");
  app->add_option("--one-pass-rows", one_pass_rows,
                  "with --clickhouse: the most rows a shard may read to "
                  "answer the total and the page's keys in one FINAL read "
                  "(default 0: always two statements)")
      ->check(CLI::Range(int64_t{0}, std::numeric_limits<int64_t>::max()));
}

std::string ReadSourceFlags::where() const {
  return clickhouse.empty() ? absl::StrCat("store ", store.db)
                            : absl::StrCat("ClickHouse ", clickhouse);
}

absl::StatusOr<std::unique_ptr<Store>> OpenReadSource(
    const ReadSourceFlags& flags, bool as_writer) {
  if (flags.clickhouse.empty() == flags.store.db.empty()) {
    return absl::InvalidArgumentError(
        "give either --db DIR or --clickhouse URL[,URL...]");
  }
  if (flags.clickhouse.empty()) {
    if (!flags.cluster.empty()) {
      return absl::InvalidArgumentError("--cluster needs --clickhouse");
    }
    return as_writer ? OpenStore(flags.store) : OpenStoreReader(flags.store);
  }
  absl::StatusOr<Options> options = OptionsFrom(flags.store);
  if (!options.ok()) return options.status();
  ClickHouseReadOptions read;
  read.urls = absl::StrSplit(flags.clickhouse, ',', absl::SkipWhitespace());
  if (!flags.cluster.empty()) read.cluster = flags.cluster;
  read.database = flags.database;
  read.one_pass_max_rows = flags.one_pass_rows;
  absl::StatusOr<std::unique_ptr<ClickHouseSessionBackend>> backend =
      ClickHouseSessionBackend::Open(read);
  if (!backend.ok()) return backend.status();
  std::string name = absl::StrCat("ClickHouse ", (*backend)->url());
  return std::unique_ptr<Store>(new BackendStore(
      *std::move(backend), std::move(name), std::move(options->clock)));
}

}  // namespace sessiondb::tools
