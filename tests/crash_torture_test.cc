// Crash torture: a writer process (this binary, re-executed into the
// CrashTortureChild.Writer case) runs a random mix of inserts, upserts that
// move sessions between bots, times, users, cells and tags, deletes, batches
// (with repeated ids) and rejected batches, acknowledging each completed
// operation through a pipe. The parent SIGKILLs it at a random moment — also
// while it is still opening (recovering) the store — reopens the store and
// verifies:
//   - Store::Check finds no inconsistency;
//   - the store holds exactly the model after the acknowledged operations,
//     or after those plus the one in flight (applied whole, never half);
//   - a full-window query answers the model's sessions in API order.
//   - the change log holds one entry per committed operation of the round,
//     numbered on from the last round's sequence, each listing the sessions
//     the operation touched with their keys before it (src/storage/
//     change_log.h): an entry is committed with its write or not at all.
// Then the next writer continues from that state.
//
// Both processes generate the same operations from (seed, round, the state
// at the round's start), so the pipe carries only a count.
//
// Environment: SESSIONDB_TEST_SEED (default 20261126), SESSIONDB_TORTURE_KILLS
// (default 20; tools/torture.sh runs hundreds, see docs/RELIABILITY.md).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sessiondb/check.h"
#include "sessiondb/store.h"
#include "storage/change_log.h"
#include "storage/storage_engine.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"
#include "testing/test_seed.h"
#include "utilities/engine_access.h"

namespace sessiondb {
namespace {

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kBase = 20'000 * kDay;
constexpr int64_t kSpan = 3 * kDay;  // every session starts in [kBase, +kSpan)
constexpr int kIds = 200;            // sessionIds t0 … t199
constexpr uint64_t kDefaultSeed = 20261126;

using Model = std::map<std::string, Session>;

uint64_t Seed() { return sessiondb::testing::TestSeed(kDefaultSeed); }

int Kills() {
  const char* text = std::getenv("SESSIONDB_TORTURE_KILLS");
  return text != nullptr ? std::atoi(text) : 20;
}

struct Op {
  enum Kind { kPut, kBatch, kDelete } kind = kPut;
  std::vector<Session> sessions;  // kPut: one; kBatch: one or more
  std::string delete_id;
  bool valid = true;   // kBatch: false when one session breaks SPEC §1
  bool found = false;  // kDelete: the model has the session
};

class OpGenerator {
 public:
  OpGenerator(uint64_t seed, int round)
      : rng_(seed * 1'000'003 + static_cast<uint64_t>(round)) {}

  // Next returns the next operation against `model` (not applied).
  Op Next(const Model& model) {
    Op op;
    const int r = Uniform(100);
    if (r < 45) {
      op.kind = Op::kPut;
      op.sessions.push_back(Version(RandomId(), model, {}));
    } else if (r < 75) {
      op.kind = Op::kBatch;
      Model staged;  // later versions in a batch build on earlier ones
      const int n = 1 + Uniform(12);
      for (int i = 0; i < n; ++i) {
        std::string id =
            Uniform(4) == 0 && !op.sessions.empty()
                ? op.sessions[Uniform(op.sessions.size())].session_id
                : RandomId();
        Session s = Version(id, model, staged);
        staged[id] = s;
        op.sessions.push_back(std::move(s));
      }
      if (Uniform(20) == 0) {
        op.valid = false;
        op.sessions[Uniform(op.sessions.size())].channel.clear();
      }
    } else {
      op.kind = Op::kDelete;
      if (!model.empty() && Uniform(10) < 7) {
        auto it = model.begin();
        std::advance(it, Uniform(model.size()));
        op.delete_id = it->first;
      } else {
        op.delete_id = RandomId();
      }
      op.found = model.contains(op.delete_id);
    }
    return op;
  }

  int Uniform(size_t n) {
    return static_cast<int>(
        std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_));
  }

 private:
  std::string RandomId() { return absl::StrCat("t", Uniform(kIds)); }

  // Version is a new version of session `id`: a fresh session, or (mostly)
  // the current one moved to another bot, time, user, cell or tag set.
  Session Version(const std::string& id, const Model& model,
                  const Model& staged) {
    Session s;
    const Session* current = nullptr;
    if (auto it = staged.find(id); it != staged.end()) {
      current = &it->second;
    } else if (auto jt = model.find(id); jt != model.end()) {
      current = &jt->second;
    }
    const bool fresh = current == nullptr || Uniform(5) == 0;
    if (!fresh) s = *current;
    s.session_id = id;
    if (fresh || Uniform(3) == 0) s.bot_id = absl::StrCat("bot-", Uniform(3));
    if (fresh || Uniform(3) == 0) {
      s.start_time_ms = kBase + static_cast<int64_t>(rng_() % kSpan);
      if (Uniform(4) == 0) s.start_time_ms -= s.start_time_ms % 60'000;
    }
    if (fresh || Uniform(3) == 0) s.user_id = absl::StrCat("u-", Uniform(8));
    if (fresh || Uniform(3) == 0) {
      s.containment_type = static_cast<ContainmentType>(Uniform(3));
      s.session_type = static_cast<SessionType>(Uniform(2));
    }
    if (fresh || Uniform(3) == 0) {
      s.user_tags.clear();
      s.session_tags.clear();
      for (int i = Uniform(3); i > 0; --i) {
        s.user_tags.push_back(
            {Uniform(2) ? "plan" : "vip", Uniform(2) ? "gold" : "free"});
      }
      for (int i = Uniform(4); i > 0; --i) {
        s.session_tags.push_back(
            {absl::StrCat("topic", Uniform(3)), absl::StrCat("v", Uniform(3))});
      }
    }
    s.channel = Uniform(2) ? "rtm" : "web";
    s.session_lang = {Uniform(2) ? "en" : "de"};
    s.is_developer = Uniform(10) == 0;
    s.messages_exchanged = Uniform(50);
    s.tasks_executed = Uniform(5);
    if (Uniform(3) == 0) {
      s.end_time_ms.reset();  // live
    } else {
      s.end_time_ms = s.start_time_ms + Uniform(600'000);
    }
    s.session_status.reset();
    if (Uniform(4) == 0) {
      s.session_status =
          Uniform(2) ? SessionStatus::kActive : SessionStatus::kClosed;
    }
    return s;
  }

  std::mt19937_64 rng_;
};

// Stored is `s` as the store answers it: the status default resolved.
Session Stored(Session s) {
  if (!s.session_status.has_value()) {
    s.session_status = s.end_time_ms.has_value() ? SessionStatus::kClosed
                                                 : SessionStatus::kActive;
  }
  return s;
}

void ApplyToModel(const Op& op, Model* model) {
  switch (op.kind) {
    case Op::kPut:
    case Op::kBatch:
      if (!op.valid) return;
      for (const Session& s : op.sessions) (*model)[s.session_id] = Stored(s);
      return;
    case Op::kDelete:
      model->erase(op.delete_id);
      return;
  }
}

absl::Status ApplyToStore(const Op& op, Store& store) {
  switch (op.kind) {
    case Op::kPut:
      return store.Put(op.sessions[0]);
    case Op::kBatch:
      return store.PutBatch(op.sessions);
    case Op::kDelete:
      return store.Delete(op.delete_id);
  }
  return absl::InternalError("unknown op");
}

// A change-log entry's session as the model states it: sessionId, previous
// (botId, start) and whether it exists after.
using ModelChange =
    std::tuple<std::string, std::optional<std::pair<std::string, int64_t>>,
               bool>;

// ExpectedChanges is the entry `op` leaves when applied to `model`; nullopt
// when it commits nothing (a rejected batch, a delete of an absent id).
std::optional<std::vector<ModelChange>> ExpectedChanges(const Op& op,
                                                        const Model& model) {
  auto previous = [&](const std::string& id)
      -> std::optional<std::pair<std::string, int64_t>> {
    auto it = model.find(id);
    if (it == model.end()) return std::nullopt;
    return std::pair(it->second.bot_id, it->second.start_time_ms);
  };
  std::vector<ModelChange> changes;
  switch (op.kind) {
    case Op::kPut:
    case Op::kBatch: {
      if (!op.valid) return std::nullopt;
      std::set<std::string> seen;
      for (const Session& s : op.sessions) {
        if (seen.insert(s.session_id).second)
          changes.emplace_back(s.session_id, previous(s.session_id), true);
      }
      return changes;
    }
    case Op::kDelete:
      if (!model.contains(op.delete_id)) return std::nullopt;
      changes.emplace_back(op.delete_id, previous(op.delete_id), false);
      return changes;
  }
  return std::nullopt;
}

// ReadModel reads every session of the id space with lookups by id.
absl::StatusOr<Model> ReadModel(Store& store) {
  Model model;
  for (int first = 0; first < kIds; first += 50) {
    SessionQuery lookup;
    for (int i = first; i < first + 50 && i < kIds; ++i) {
      lookup.session_ids.push_back(absl::StrCat("t", i));
    }
    absl::StatusOr<SessionPage> page = store.GetSessions(lookup);
    if (!page.ok()) return page.status();
    for (Session& s : page->sessions) model[s.session_id] = std::move(s);
  }
  return model;
}

std::string Describe(const Model& model) {
  std::string out;
  for (const auto& [id, s] : model) {
    absl::StrAppend(&out, id, "@", s.bot_id, "/", s.start_time_ms, "/",
                    s.user_id, " ");
  }
  return out;
}

TEST(CrashTortureChild, Writer) {
  const char* dir = std::getenv("SESSIONDB_TORTURE_DIR");
  const char* fd_text = std::getenv("SESSIONDB_TORTURE_FD");
  const char* round_text = std::getenv("SESSIONDB_TORTURE_ROUND");
  if (dir == nullptr || fd_text == nullptr || round_text == nullptr) {
    GTEST_SKIP() << "only run as the torture parent's child";
  }
  const int fd = std::atoi(fd_text);
  const int round = std::atoi(round_text);
  Options options;
  options.sync_writes = round % 2 == 1;
  auto store = Store::Open(options, dir);
  ASSERT_OK(store);
  absl::StatusOr<Model> model = ReadModel(**store);
  ASSERT_OK(model);
  OpGenerator ops(Seed(), round);
  for (int32_t done = 1;; ++done) {
    const Op op = ops.Next(*model);
    const absl::Status s = ApplyToStore(op, **store);
    if (op.kind == Op::kDelete && !op.found) {
      ASSERT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
    } else if (!op.valid) {
      ASSERT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    } else {
      ASSERT_OK(s);
    }
    ApplyToModel(op, &*model);
    if (write(fd, &done, sizeof(done)) != static_cast<ssize_t>(sizeof(done))) {
      return;  // the parent is gone
    }
  }
}

struct RoundResult {
  int32_t acked = 0;
  bool in_flight_applied = false;
};

// RunRound starts a writer, kills it at a random moment and verifies the
// store against `*model` (the state before the round), which it advances.
void RunRound(const std::string& dir, uint64_t seed, int round,
              std::mt19937_64& killer, Model* model, uint64_t* sequence,
              RoundResult* result) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    setenv("SESSIONDB_TORTURE_DIR", dir.c_str(), 1);
    setenv("SESSIONDB_TORTURE_FD", std::to_string(fds[1]).c_str(), 1);
    setenv("SESSIONDB_TORTURE_ROUND", std::to_string(round).c_str(), 1);
    setenv("SESSIONDB_TEST_SEED", std::to_string(seed).c_str(), 1);
    execl("/proc/self/exe", "crash_torture_child",
          "--gtest_filter=CrashTortureChild.Writer",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  // One round in ten kills during startup (store recovery); the others
  // after 1-300 acknowledged operations plus a random delay.
  const bool early = killer() % 10 == 0;
  const int32_t target = early ? 0 : 1 + static_cast<int32_t>(killer() % 300);
  int32_t acked = 0, value = 0;
  while (acked < target && read(fds[0], &value, sizeof(value)) ==
                               static_cast<ssize_t>(sizeof(value))) {
    acked = value;
  }
  usleep(static_cast<useconds_t>(killer() % (early ? 50'000 : 3'000)));
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  // Acks already in the pipe were sent after their operations returned.
  while (read(fds[0], &value, sizeof(value)) ==
         static_cast<ssize_t>(sizeof(value))) {
    acked = value;
  }
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "the writer ended on its own (status " << status
      << "): see its output";
  result->acked = acked;

  // Replay: the state after the acknowledged operations, and after the one
  // in flight when the writer died.
  OpGenerator ops(seed, round);
  Model acked_model = *model;
  for (int32_t i = 0; i < acked; ++i) {
    ApplyToModel(ops.Next(acked_model), &acked_model);
  }
  Model in_flight_model = acked_model;
  ApplyToModel(ops.Next(in_flight_model), &in_flight_model);

  auto store = Store::Open(Options(), dir);
  ASSERT_OK(store);
  absl::StatusOr<CheckReport> report = (*store)->Check(CheckOptions());
  ASSERT_OK(report);
  for (const Inconsistency& i : report->inconsistencies) {
    ADD_FAILURE() << i.ToString();
  }
  ASSERT_EQ(report->inconsistency_count, 0);

  absl::StatusOr<Model> stored = ReadModel(**store);
  ASSERT_OK(stored);
  if (*stored == acked_model) {
    result->in_flight_applied = false;
  } else if (*stored == in_flight_model) {
    result->in_flight_applied = true;
  } else {
    FAIL() << "after " << acked << " acknowledged operations the store holds\n"
           << Describe(*stored) << "\nexpected\n"
           << Describe(acked_model) << "\nor (with the operation in flight)\n"
           << Describe(in_flight_model);
  }

  // The change log: one entry per committed operation, in order. An
  // operation in flight that rewrote a session with the same fields leaves
  // the model unchanged but may have committed: its entry is then allowed.
  {
    std::vector<std::vector<ModelChange>> expected;
    std::optional<std::vector<ModelChange>> in_flight;
    OpGenerator replay(seed, round);
    Model before = *model;
    for (int32_t i = 0; i <= acked; ++i) {
      const Op op = replay.Next(before);
      std::optional<std::vector<ModelChange>> changes =
          ExpectedChanges(op, before);
      if (i == acked) {
        in_flight = changes;
        if (result->in_flight_applied) {
          ASSERT_TRUE(changes.has_value());
          expected.push_back(*changes);
        }
      } else if (changes.has_value()) {
        expected.push_back(*std::move(changes));
      }
      ApplyToModel(op, &before);
    }
    absl::StatusOr<StorageEngine*> engine = StoreInternals::EngineOf(**store);
    ASSERT_OK(engine);
    absl::StatusOr<ChangeLogState> state =
        ReadChangeLogState(**engine, nullptr);
    ASSERT_OK(state);
    if (!result->in_flight_applied && in_flight.has_value() &&
        state->sequence == *sequence + expected.size() + 1) {
      expected.push_back(*in_flight);
    }
    ASSERT_EQ(state->sequence, *sequence + expected.size())
        << "change numbers: " << acked << " acknowledged operations";
    ChangeLogIterator it(**engine, nullptr, *sequence);
    for (size_t i = 0; i < expected.size(); ++i, it.Next()) {
      ASSERT_TRUE(it.Valid()) << "entry " << *sequence + i + 1 << " missing";
      ASSERT_EQ(it.entry().number, *sequence + i + 1);
      std::vector<ModelChange> got;
      for (const SessionChange& c : it.entry().sessions) {
        std::optional<std::pair<std::string, int64_t>> prev;
        if (c.previous) {
          prev = std::pair((*engine)
                               ->bots()
                               .IdOf(c.previous->bot_no)
                               .value_or("(unknown bot)"),
                           c.previous->start_ms);
        }
        got.emplace_back(c.session_id, prev, c.exists);
      }
      EXPECT_EQ(got, expected[i]) << "entry " << it.entry().number;
    }
    EXPECT_FALSE(it.Valid());
    ASSERT_OK(it.status());
    *sequence = state->sequence;
  }
  *model = *std::move(stored);

  // The index and counter path agrees: the whole span, in API order.
  std::vector<std::string> expected_ids;
  std::vector<const Session*> sorted;
  for (const auto& [id, s] : *model) sorted.push_back(&s);
  std::sort(sorted.begin(), sorted.end(),
            [](const Session* a, const Session* b) {
              return a->start_time_ms != b->start_time_ms
                         ? a->start_time_ms > b->start_time_ms
                         : a->session_id > b->session_id;
            });
  for (const Session* s : sorted) expected_ids.push_back(s->session_id);
  SessionQuery all;
  all.from_ms = kBase;
  all.to_ms = kBase + kSpan;
  all.limit = kMaxPageSize;
  absl::StatusOr<SessionPage> page = (*store)->GetSessions(all);
  ASSERT_OK(page);
  EXPECT_EQ(page->total, static_cast<int64_t>(model->size()));
  std::vector<std::string> ids;
  for (const Session& s : page->sessions) ids.push_back(s.session_id);
  EXPECT_EQ(ids, expected_ids);
}

TEST(CrashTorture, AcknowledgedWritesSurviveSigkillAndNothingIsHalfApplied) {
  const uint64_t seed = Seed();
  const int kills = Kills();
  SCOPED_TRACE(::testing::Message() << "SESSIONDB_TEST_SEED=" << seed
                                    << " SESSIONDB_TORTURE_KILLS=" << kills);
  sessiondb::testing::TempDir dir;
  std::mt19937_64 killer(seed ^ 0x9E3779B97F4A7C15ULL);
  Model model;
  uint64_t sequence = 0;
  int64_t verified_ops = 0;
  int in_flight_applied = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int round = 0; round < kills; ++round) {
    SCOPED_TRACE(::testing::Message() << "round " << round);
    RoundResult result;
    RunRound(dir.path(), seed, round, killer, &model, &sequence, &result);
    if (::testing::Test::HasFatalFailure() || ::testing::Test::HasFailure()) {
      return;
    }
    verified_ops += result.acked;
    in_flight_applied += result.in_flight_applied ? 1 : 0;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  std::cout << "crash torture: seed " << seed << ", " << kills << " kills, "
            << verified_ops << " acknowledged operations verified, "
            << in_flight_applied
            << " kills landed after a write committed but before its ack, "
            << model.size() << " sessions at the end, " << seconds << " s\n";
  RecordProperty("kills", kills);
  RecordProperty("verified_ops", static_cast<int>(verified_ops));
}

}  // namespace
}  // namespace sessiondb
