#include "sqlite_peer.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"

namespace sessiondb::bench {
namespace {

// Debian's Abseil has its own string_view type.
absl::string_view A(std::string_view s) { return {s.data(), s.size()}; }

constexpr const char* kTables = R"sql(
CREATE TABLE IF NOT EXISTS bots(id INTEGER PRIMARY KEY, bot_id TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS sessions(
  id INTEGER PRIMARY KEY,
  sid TEXT NOT NULL UNIQUE,
  bot INTEGER NOT NULL,
  start INTEGER NOT NULL,
  cont INTEGER NOT NULL,
  stype INTEGER NOT NULL,
  user TEXT NOT NULL,
  json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tags(
  sess INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  bot INTEGER NOT NULL,
  start INTEGER NOT NULL,
  sid TEXT NOT NULL,
  PRIMARY KEY (sess, kind, name, value)) WITHOUT ROWID;
)sql";

constexpr const char* kIndexes = R"sql(
CREATE INDEX IF NOT EXISTS s_bot ON sessions(bot, start DESC, sid DESC);
CREATE INDEX IF NOT EXISTS s_bot_cont ON sessions(bot, cont, start DESC, sid DESC);
CREATE INDEX IF NOT EXISTS s_bot_stype ON sessions(bot, stype, start DESC, sid DESC);
CREATE INDEX IF NOT EXISTS s_bot_user ON sessions(bot, user, start DESC, sid DESC);
CREATE INDEX IF NOT EXISTS s_start ON sessions(start DESC, sid DESC);
CREATE INDEX IF NOT EXISTS t_tag ON tags(bot, kind, name, value, start DESC, sid DESC);
)sql";

// Tag kinds as sessiondb numbers them (1 = userTags, 2 = sessionTags).
int TagKind(bool user_tag) { return user_tag ? 1 : 2; }

absl::Status Bind(sqlite3* db, sqlite3_stmt* stmt, const char* name,
                  int64_t value) {
  const int i = sqlite3_bind_parameter_index(stmt, name);
  if (i == 0 || sqlite3_bind_int64(stmt, i, value) != SQLITE_OK) {
    return SqliteError(db, absl::StrCat("bind ", name));
  }
  return absl::OkStatus();
}

// The bound text must outlive the statement's use (SQLITE_STATIC): it lives
// in the PreparedQuery's shape.
absl::Status Bind(sqlite3* db, sqlite3_stmt* stmt, const char* name,
                  const std::string& value) {
  const int i = sqlite3_bind_parameter_index(stmt, name);
  if (i == 0 ||
      sqlite3_bind_text(stmt, i, value.data(), static_cast<int>(value.size()),
                        SQLITE_STATIC) != SQLITE_OK) {
    return SqliteError(db, absl::StrCat("bind ", name));
  }
  return absl::OkStatus();
}

std::string ExplainPlan(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  const std::string explain = "EXPLAIN QUERY PLAN " + sql;
  if (sqlite3_prepare_v2(db, explain.c_str(), -1, &stmt, nullptr) !=
      SQLITE_OK) {
    return absl::StrCat("(explain failed: ", sqlite3_errmsg(db), ")");
  }
  std::vector<std::string> steps;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    steps.push_back(
        reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3)));
  }
  sqlite3_finalize(stmt);
  return absl::StrJoin(steps, "; ");
}

}  // namespace

absl::Status SqliteError(sqlite3* db, std::string_view what) {
  return absl::InternalError(
      absl::StrCat("sqlite: ", A(what), ": ", sqlite3_errmsg(db)));
}

absl::StatusOr<std::unique_ptr<SqlitePeer>> SqlitePeer::Open(
    const std::string& path, const SqliteOptions& options) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(
          path.c_str(), &db,
          SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
          nullptr) != SQLITE_OK) {
    absl::Status s = SqliteError(db, absl::StrCat("open ", path));
    sqlite3_close(db);
    return s;
  }
  std::unique_ptr<SqlitePeer> peer(new SqlitePeer(db));
  SESSIONDB_RETURN_IF_ERROR(peer->Exec(
      absl::StrCat("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                   "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-",
                   options.cache_bytes / 1024,
                   "; PRAGMA mmap_size=", options.mmap_bytes, ";")));
  return peer;
}

SqlitePeer::~SqlitePeer() {
  // Statements first: sqlite3_close refuses while any is unfinalized.
  upsert_session_ = Statement();
  delete_tags_ = Statement();
  insert_tag_ = Statement();
  insert_bot_ = Statement();
  find_bot_ = Statement();
  sqlite3_close(db_);
}

absl::Status SqlitePeer::Exec(std::string_view sql) {
  char* error = nullptr;
  const std::string text(sql);
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    absl::Status s = absl::InternalError(absl::StrCat(
        "sqlite: ", error != nullptr ? error : "?", " in: ", A(sql)));
    sqlite3_free(error);
    return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<Statement> SqlitePeer::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                         SQLITE_PREPARE_PERSISTENT, &stmt,
                         nullptr) != SQLITE_OK) {
    return SqliteError(db_, absl::StrCat("prepare ", A(sql)));
  }
  return Statement(stmt);
}

absl::Status SqlitePeer::CreateTables() { return Exec(kTables); }

absl::Status SqlitePeer::CreateIndexes() { return Exec(kIndexes); }

absl::Status SqlitePeer::Finish() {
  return Exec("ANALYZE; PRAGMA wal_checkpoint(TRUNCATE);");
}

absl::StatusOr<int64_t> SqlitePeer::BotNumber(const std::string& bot_id) {
  auto it = bots_.find(bot_id);
  if (it != bots_.end()) return it->second;
  if (insert_bot_.get() == nullptr) {
    auto insert = Prepare("INSERT OR IGNORE INTO bots(bot_id) VALUES (?1)");
    if (!insert.ok()) return insert.status();
    insert_bot_ = *std::move(insert);
    auto find = Prepare("SELECT id FROM bots WHERE bot_id = ?1");
    if (!find.ok()) return find.status();
    find_bot_ = *std::move(find);
  }
  sqlite3_bind_text(insert_bot_.get(), 1, bot_id.data(),
                    static_cast<int>(bot_id.size()), SQLITE_TRANSIENT);
  if (sqlite3_step(insert_bot_.get()) != SQLITE_DONE) {
    return SqliteError(db_, "insert bot");
  }
  sqlite3_reset(insert_bot_.get());
  sqlite3_bind_text(find_bot_.get(), 1, bot_id.data(),
                    static_cast<int>(bot_id.size()), SQLITE_TRANSIENT);
  if (sqlite3_step(find_bot_.get()) != SQLITE_ROW) {
    return SqliteError(db_, "find bot");
  }
  const int64_t id = sqlite3_column_int64(find_bot_.get(), 0);
  sqlite3_reset(find_bot_.get());
  bots_.emplace(bot_id, id);
  return id;
}

absl::Status SqlitePeer::UpsertBatch(absl::Span<const Session> sessions,
                                     absl::Span<const std::string> json) {
  if (upsert_session_.get() == nullptr) {
    auto upsert = Prepare(
        "INSERT INTO sessions(sid, bot, start, cont, stype, user, json) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(sid) DO UPDATE SET "
        "bot = excluded.bot, start = excluded.start, cont = excluded.cont, "
        "stype = excluded.stype, user = excluded.user, json = excluded.json "
        "RETURNING id");
    if (!upsert.ok()) return upsert.status();
    upsert_session_ = *std::move(upsert);
    auto del = Prepare("DELETE FROM tags WHERE sess = ?1");
    if (!del.ok()) return del.status();
    delete_tags_ = *std::move(del);
    auto tag = Prepare(
        "INSERT OR IGNORE INTO tags(sess, kind, name, value, bot, start, sid) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!tag.ok()) return tag.status();
    insert_tag_ = *std::move(tag);
  }
  SESSIONDB_RETURN_IF_ERROR(Exec("BEGIN"));
  for (size_t i = 0; i < sessions.size(); ++i) {
    const Session& s = sessions[i];
    absl::StatusOr<int64_t> bot = BotNumber(s.bot_id);
    if (!bot.ok()) return bot.status();
    sqlite3_stmt* up = upsert_session_.get();
    sqlite3_bind_text(up, 1, s.session_id.data(),
                      static_cast<int>(s.session_id.size()), SQLITE_STATIC);
    sqlite3_bind_int64(up, 2, *bot);
    sqlite3_bind_int64(up, 3, s.start_time_ms);
    sqlite3_bind_int(up, 4, static_cast<int>(s.containment_type));
    sqlite3_bind_int(up, 5, static_cast<int>(s.session_type));
    sqlite3_bind_text(up, 6, s.user_id.data(),
                      static_cast<int>(s.user_id.size()), SQLITE_STATIC);
    sqlite3_bind_text(up, 7, json[i].data(), static_cast<int>(json[i].size()),
                      SQLITE_STATIC);
    if (sqlite3_step(up) != SQLITE_ROW) return SqliteError(db_, "upsert");
    const int64_t id = sqlite3_column_int64(up, 0);
    while (sqlite3_step(up) == SQLITE_ROW) {
    }
    sqlite3_reset(up);

    sqlite3_bind_int64(delete_tags_.get(), 1, id);
    if (sqlite3_step(delete_tags_.get()) != SQLITE_DONE) {
      return SqliteError(db_, "delete tags");
    }
    sqlite3_reset(delete_tags_.get());
    sqlite3_stmt* tag = insert_tag_.get();
    for (const bool user_tag : {true, false}) {
      for (const Tag& t : user_tag ? s.user_tags : s.session_tags) {
        sqlite3_bind_int64(tag, 1, id);
        sqlite3_bind_int(tag, 2, TagKind(user_tag));
        sqlite3_bind_text(tag, 3, t.name.data(),
                          static_cast<int>(t.name.size()), SQLITE_STATIC);
        sqlite3_bind_text(tag, 4, t.value.data(),
                          static_cast<int>(t.value.size()), SQLITE_STATIC);
        sqlite3_bind_int64(tag, 5, *bot);
        sqlite3_bind_int64(tag, 6, s.start_time_ms);
        sqlite3_bind_text(tag, 7, s.session_id.data(),
                          static_cast<int>(s.session_id.size()), SQLITE_STATIC);
        if (sqlite3_step(tag) != SQLITE_DONE) {
          return SqliteError(db_, "insert tag");
        }
        sqlite3_reset(tag);
      }
    }
  }
  return Exec("COMMIT");
}

absl::StatusOr<std::unique_ptr<SqlitePeer::PreparedQuery>>
SqlitePeer::PrepareQuery(const QueryShape& shape) {
  std::unique_ptr<PreparedQuery> q(new PreparedQuery);
  q->db_ = db_;
  q->shape_ = shape;
  const std::string bot = "(SELECT id FROM bots WHERE bot_id = :bot)";
  std::vector<std::string> where;
  std::string from;
  std::string order;
  // Filters on the session row, when the driving table is the tag index.
  std::vector<std::string> residual;
  if (!shape.tags.empty()) {
    if (!shape.bot_id.has_value()) {
      return absl::UnimplementedError("account-wide tag shapes");
    }
    from = "tags AS t0 INDEXED BY t_tag";
    where = {"t0.bot = " + bot, "t0.kind = :k0",     "t0.name = :n0",
             "t0.value = :v0",  "t0.start >= :from", "t0.start < :to"};
    for (size_t i = 1; i < shape.tags.size(); ++i) {
      const std::string t = absl::StrCat("t", i);
      absl::StrAppend(&from, " CROSS JOIN tags AS ", t);
      for (const char* col : {"kind", "name", "value"}) {
        where.push_back(
            absl::StrCat(t, ".", col, " = :", std::string(1, col[0]), i));
      }
      where.push_back(absl::StrCat(t, ".sess = t0.sess"));
    }
    order = "t0.start DESC, t0.sid DESC";
    if (shape.containment) residual.push_back("s.cont = :cont");
    if (shape.session_type) residual.push_back("s.stype = :stype");
    if (shape.user_id) residual.push_back("s.user = :user");
  } else {
    const char* index = shape.user_id        ? "s_bot_user"
                        : shape.containment  ? "s_bot_cont"
                        : shape.session_type ? "s_bot_stype"
                        : shape.bot_id       ? "s_bot"
                                             : "s_start";
    from = absl::StrCat("sessions AS s INDEXED BY ", index);
    if (shape.bot_id) where.push_back("s.bot = " + bot);
    where.push_back("s.start >= :from");
    where.push_back("s.start < :to");
    if (shape.containment) where.push_back("s.cont = :cont");
    if (shape.session_type) where.push_back("s.stype = :stype");
    if (shape.user_id) where.push_back("s.user = :user");
    order = "s.start DESC, s.sid DESC";
  }
  const bool tag_driven = !shape.tags.empty();
  std::string count_from = from;
  if (tag_driven && !residual.empty()) {
    count_from += " CROSS JOIN sessions AS s";
    where.push_back("s.id = t0.sess");
  }
  std::vector<std::string> all = where;
  all.insert(all.end(), residual.begin(), residual.end());
  q->count_sql_ = absl::StrCat("SELECT count(*) FROM ", count_from, " WHERE ",
                               absl::StrJoin(all, " AND "));
  std::string page_from = from;
  std::vector<std::string> page_where = all;
  if (tag_driven && residual.empty()) {
    page_from += " CROSS JOIN sessions AS s";
    page_where.push_back("s.id = t0.sess");
  } else if (tag_driven) {
    page_from = count_from;
  }
  q->page_sql_ =
      absl::StrCat("SELECT s.sid, s.json FROM ", page_from, " WHERE ",
                   absl::StrJoin(page_where, " AND "), " ORDER BY ", order,
                   " LIMIT :limit OFFSET :offset");

  for (auto [sql, stmt] :
       {std::pair<const char*, Statement*>{"BEGIN", &q->begin_},
        std::pair<const char*, Statement*>{"COMMIT", &q->commit_}}) {
    auto prepared = Prepare(sql);
    if (!prepared.ok()) return prepared.status();
    *stmt = *std::move(prepared);
  }
  for (auto [sql, stmt] : {std::pair{&q->count_sql_, &q->count_},
                           std::pair{&q->page_sql_, &q->page_}}) {
    auto prepared = Prepare(*sql);
    if (!prepared.ok()) return prepared.status();
    *stmt = *std::move(prepared);
    sqlite3_stmt* st = stmt->get();
    const QueryShape& sh = q->shape_;  // bound text points into it
    if (sh.bot_id) SESSIONDB_RETURN_IF_ERROR(Bind(db_, st, ":bot", *sh.bot_id));
    SESSIONDB_RETURN_IF_ERROR(Bind(db_, st, ":from", kWindowFromMs));
    SESSIONDB_RETURN_IF_ERROR(Bind(db_, st, ":to", kWindowToMs));
    if (sh.containment) {
      SESSIONDB_RETURN_IF_ERROR(
          Bind(db_, st, ":cont", static_cast<int64_t>(*sh.containment)));
    }
    if (sh.session_type) {
      SESSIONDB_RETURN_IF_ERROR(
          Bind(db_, st, ":stype", static_cast<int64_t>(*sh.session_type)));
    }
    if (sh.user_id)
      SESSIONDB_RETURN_IF_ERROR(Bind(db_, st, ":user", *sh.user_id));
    for (size_t i = 0; i < sh.tags.size(); ++i) {
      const std::string k = absl::StrCat(":k", i), n = absl::StrCat(":n", i),
                        v = absl::StrCat(":v", i);
      SESSIONDB_RETURN_IF_ERROR(
          Bind(db_, st, k.c_str(), int64_t{TagKind(sh.tags[i].user_tag)}));
      SESSIONDB_RETURN_IF_ERROR(Bind(db_, st, n.c_str(), sh.tags[i].name));
      SESSIONDB_RETURN_IF_ERROR(Bind(db_, st, v.c_str(), sh.tags[i].value));
    }
    if (stmt == &q->page_) {
      SESSIONDB_RETURN_IF_ERROR(Bind(db_, st, ":limit", sh.limit));
      SESSIONDB_RETURN_IF_ERROR(Bind(db_, st, ":offset", sh.skip));
    }
  }
  return q;
}

absl::Status SqlitePeer::PreparedQuery::Run(std::string* body,
                                            std::vector<std::string>* ids,
                                            int64_t* total_out) {
  body->clear();
  if (ids != nullptr) ids->clear();
  // One read transaction: total and page from one snapshot, as the API
  // requires (sessiondb reads both at one RocksDB snapshot).
  if (sqlite3_step(begin_.get()) != SQLITE_DONE) {
    sqlite3_reset(begin_.get());
    return SqliteError(db_, "begin");
  }
  sqlite3_reset(begin_.get());
  sqlite3_stmt* count = count_.get();
  if (sqlite3_step(count) != SQLITE_ROW) {
    absl::Status s = SqliteError(db_, "count");
    sqlite3_reset(count);
    sqlite3_step(commit_.get());
    sqlite3_reset(commit_.get());
    return s;
  }
  const int64_t total = sqlite3_column_int64(count, 0);
  sqlite3_reset(count);
  if (total_out != nullptr) *total_out = total;
  // The page holds min(limit, total - skip) rows (same snapshot), so
  // moreAvailable is known before the rows are read: the body is written in
  // one pass.
  const int64_t expected =
      std::clamp<int64_t>(total - shape_.skip, 0, shape_.limit);
  const bool more = shape_.skip + expected < total;
  absl::StrAppend(body, "{\"total\":", total,
                  ",\"moreAvailable\":", more ? "true" : "false",
                  ",\"sessions\":[");
  sqlite3_stmt* page = page_.get();
  int64_t returned = 0;
  int rc;
  while ((rc = sqlite3_step(page)) == SQLITE_ROW) {
    if (returned++ > 0) body->push_back(',');
    body->append(reinterpret_cast<const char*>(sqlite3_column_text(page, 1)),
                 static_cast<size_t>(sqlite3_column_bytes(page, 1)));
    if (ids != nullptr) {
      ids->emplace_back(
          reinterpret_cast<const char*>(sqlite3_column_text(page, 0)),
          static_cast<size_t>(sqlite3_column_bytes(page, 0)));
    }
  }
  sqlite3_reset(page);
  const int commit_rc = sqlite3_step(commit_.get());
  sqlite3_reset(commit_.get());
  if (commit_rc != SQLITE_DONE) return SqliteError(db_, "commit");
  if (rc != SQLITE_DONE) return SqliteError(db_, "page");
  if (returned != expected) {
    return absl::InternalError(absl::StrCat("sqlite page returned ", returned,
                                            " rows, expected ", expected));
  }
  body->append("]}");
  return absl::OkStatus();
}

std::string SqlitePeer::PreparedQuery::Plan() const {
  return absl::StrCat("count: ", ExplainPlan(db_, count_sql_),
                      " | page: ", ExplainPlan(db_, page_sql_));
}

}  // namespace sessiondb::bench
