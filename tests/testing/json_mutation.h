// MutateJson damages a valid JSON document the way a fuzzer's first steps do,
// for tests that check a parser answers every input without crashing.
#ifndef SESSIONDB_TESTS_TESTING_JSON_MUTATION_H_
#define SESSIONDB_TESTS_TESTING_JSON_MUTATION_H_

#include <random>
#include <string>

namespace sessiondb::testing {

// MutateJson applies 1-4 edits to `s`: a byte replaced or bit-flipped, a
// JSON-ish byte (a bracket, a quote, a digit, a letter of true/false/null, a
// date's T) inserted, a byte erased, or a truncation.
inline std::string MutateJson(std::string s, std::mt19937_64& rng) {
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits && !s.empty(); ++e) {
    const size_t at = rng() % s.size();
    switch (rng() % 5) {
      case 0:
        s[at] = static_cast<char>(rng());
        break;
      case 1:
        s[at] ^= static_cast<char>(1 << (rng() % 8));
        break;
      case 2: {
        static constexpr char kJsonish[] = "{}[]\":,0123456789-.eEtfnul\\ T";
        s.insert(at, 1, kJsonish[rng() % (sizeof(kJsonish) - 1)]);
        break;
      }
      case 3:
        s.erase(at, 1);
        break;
      default:
        s.resize(at);
        break;
    }
  }
  return s;
}

}  // namespace sessiondb::testing

#endif  // SESSIONDB_TESTS_TESTING_JSON_MUTATION_H_
