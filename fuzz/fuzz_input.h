// FuzzInput splits a fuzzer's byte string into the parts of a call: small
// selectors and strings, each taken from the front, the rest last.
#ifndef SESSIONDB_FUZZ_FUZZ_INPUT_H_
#define SESSIONDB_FUZZ_FUZZ_INPUT_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string_view>

namespace sessiondb::fuzz {

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size)
      : rest_(reinterpret_cast<const char*>(data), size) {}

  // Byte takes one byte (0 when none is left).
  uint8_t Byte() {
    if (rest_.empty()) return 0;
    const uint8_t b = static_cast<uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return b;
  }

  // Line takes the text up to the next '\n' (dropped), or all that is left.
  std::string_view Line() {
    const size_t end = rest_.find('\n');
    std::string_view line = rest_.substr(0, end);
    rest_.remove_prefix(end == std::string_view::npos ? rest_.size() : end + 1);
    return line;
  }

  std::string_view Rest() const { return rest_; }

  // Route is a getSessions route and query parameter.
  struct Route {
    std::optional<std::string_view> bot;          // absent: account-wide
    std::optional<std::string_view> containment;  // the raw parameter
  };
  // TakeRoute reads a Route: a byte picks the account-wide route (0 mod 4)
  // or bots[byte % 4 - 1]; when the next byte is odd, the next line is the
  // containmentType parameter.
  Route TakeRoute(const std::string_view (&bots)[3]) {
    Route route;
    const uint8_t which = Byte();
    if (which % 4 != 0) route.bot = bots[which % 4 - 1];
    if (Byte() % 2 == 1) route.containment = Line();
    return route;
  }

 private:
  std::string_view rest_;
};

// FUZZ_CHECK stops the run (a finding for the fuzzer, a failure for the
// corpus replay) when a property of the code under test does not hold.
#define FUZZ_CHECK(cond)                                               \
  do {                                                                 \
    if (!(cond)) {                                                     \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, \
                   __LINE__, #cond);                                   \
      std::abort();                                                    \
    }                                                                  \
  } while (0)

}  // namespace sessiondb::fuzz

#endif  // SESSIONDB_FUZZ_FUZZ_INPUT_H_
