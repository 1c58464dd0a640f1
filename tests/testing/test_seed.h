// The seed of a randomized test: fixed by default, replaced from the
// environment to replay a failure.
//
//   const uint64_t seed = TestSeed(/*default_seed=*/20261126);
//   SCOPED_TRACE(::testing::Message() << "SESSIONDB_TEST_SEED=" << seed);
#ifndef SESSIONDB_TESTS_TESTING_TEST_SEED_H_
#define SESSIONDB_TESTS_TESTING_TEST_SEED_H_

#include <cstdint>
#include <cstdlib>

namespace sessiondb::testing {

// TestSeed is SESSIONDB_TEST_SEED (decimal) when it is set and not empty,
// else `default_seed`.
inline uint64_t TestSeed(uint64_t default_seed) {
  const char* env = std::getenv("SESSIONDB_TEST_SEED");
  return env != nullptr && *env != '\0' ? std::strtoull(env, nullptr, 10)
                                        : default_seed;
}

}  // namespace sessiondb::testing

#endif  // SESSIONDB_TESTS_TESTING_TEST_SEED_H_
