// SqlitePeer: the same sessions in SQLite with the strongest indexes we can
// give it for each query shape, answering the same getSessions pages.
//
// Every advantage is given to the peer:
// - each session's response JSON is stored as text, so its output cost is
//   a concatenation (sessiondb writes JSON from FlatBuffers records);
// - composite indexes whose order is the API's order (start DESC, sid DESC)
//   for every filter shape, so both COUNT(*) (covered by the index) and the
//   page (an index range walk, OFFSET skipped inside the index) need no
//   sort; INDEXED BY pins them so the planner cannot go astray;
// - a tag table (WITHOUT ROWID, primary key (sess, kind, name, value)) with
//   an index (bot, kind, name, value, start DESC, sid DESC) for tag filters;
//   a second tag is a primary-key probe;
// - bots as integers (bot ids are ~40 bytes);
// - WAL, synchronous=NORMAL (no fsync per commit, like sessiondb's default),
//   a page cache and an mmap window as large as asked, statements prepared
//   once and reused.
//
// Schema:
//   bots(id INTEGER PRIMARY KEY, bot_id TEXT UNIQUE)
//   sessions(id INTEGER PRIMARY KEY, sid TEXT UNIQUE, bot, start, cont,
//            stype, user, json)
//   tags(sess, kind, name, value, bot, start, sid) WITHOUT ROWID
//   indexes s_bot(bot, start DESC, sid DESC), s_bot_cont(bot, cont, ...),
//           s_bot_stype(bot, stype, ...), s_bot_user(bot, user, ...),
//           s_start(start DESC, sid DESC), t_tag(bot, kind, name, value,
//           start DESC, sid DESC)
//
// Not thread-safe: one connection, used by one thread.
#ifndef SESSIONDB_BENCH_SQLITE_PEER_H_
#define SESSIONDB_BENCH_SQLITE_PEER_H_

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "query_shapes.h"
#include "sessiondb/session.h"

namespace sessiondb::bench {

struct SqliteOptions {
  int64_t cache_bytes = int64_t{1} << 30;  // PRAGMA cache_size
  int64_t mmap_bytes = int64_t{8} << 30;   // PRAGMA mmap_size
};

// Statement: an owned prepared statement.
class Statement {
 public:
  Statement() = default;
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(Statement&& other) noexcept : stmt_(other.stmt_) {
    other.stmt_ = nullptr;
  }
  Statement& operator=(Statement&& other) noexcept {
    std::swap(stmt_, other.stmt_);
    return *this;
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

class SqlitePeer {
 public:
  // Open opens or creates the database file at `path` with the options.
  static absl::StatusOr<std::unique_ptr<SqlitePeer>> Open(
      const std::string& path, const SqliteOptions& options);
  ~SqlitePeer();
  SqlitePeer(const SqlitePeer&) = delete;
  SqlitePeer& operator=(const SqlitePeer&) = delete;

  // CreateTables creates the tables (no secondary indexes).
  absl::Status CreateTables();
  // CreateIndexes creates every secondary index (after a bulk load, or
  // before an ingest benchmark).
  absl::Status CreateIndexes();
  // Finish runs ANALYZE and truncates the WAL into the file.
  absl::Status Finish();

  // UpsertBatch upserts every session (replacing one with the same sid and
  // its tags) in one transaction. json[i] is sessions[i] in the response
  // shape (SessionToJson).
  absl::Status UpsertBatch(absl::Span<const Session> sessions,
                           absl::Span<const std::string> json);

  absl::Status Exec(std::string_view sql);
  absl::StatusOr<Statement> Prepare(std::string_view sql);
  sqlite3* db() const { return db_; }

  // PreparedQuery answers one shape; prepared once, run many times.
  class PreparedQuery {
   public:
    // Run writes the response body (exactly as sessiondb's JSON front door
    // writes it) into *body, cleared first. With `ids`, also the page's
    // sessionIds, and with `total` the total.
    absl::Status Run(std::string* body, std::vector<std::string>* ids = nullptr,
                     int64_t* total = nullptr);
    // Plan is EXPLAIN QUERY PLAN of the count and page statements.
    std::string Plan() const;
    const std::string& count_sql() const { return count_sql_; }
    const std::string& page_sql() const { return page_sql_; }

   private:
    friend class SqlitePeer;
    PreparedQuery() = default;
    sqlite3* db_ = nullptr;
    QueryShape shape_;
    std::string count_sql_, page_sql_;
    Statement begin_, commit_, count_, page_;
  };
  absl::StatusOr<std::unique_ptr<PreparedQuery>> PrepareQuery(
      const QueryShape& shape);

 private:
  explicit SqlitePeer(sqlite3* db) : db_(db) {}
  absl::StatusOr<int64_t> BotNumber(const std::string& bot_id);

  sqlite3* db_;
  Statement upsert_session_, delete_tags_, insert_tag_, insert_bot_, find_bot_;
  absl::flat_hash_map<std::string, int64_t> bots_;
};

// SqliteError converts the connection's last error into a Status naming
// `what`.
absl::Status SqliteError(sqlite3* db, std::string_view what);

}  // namespace sessiondb::bench

#endif  // SESSIONDB_BENCH_SQLITE_PEER_H_
