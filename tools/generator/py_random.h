// PyRandom: CPython's random.Random (MT19937 and the methods
// ../shared/tools/gen_sessions.py calls), bit for bit, so the C++ generator
// produces exactly the sessions the script does for the same arguments.
//
// Follows CPython 3.11 (Modules/_randommodule.c and Lib/random.py):
// seeding by init_by_array of the seed's 32-bit words, random() from two
// draws (53 bits), getrandbits(k) little-endian words, _randbelow by
// rejection with k = n.bit_length(), normalvariate by Kinderman-Monahan.
// Not thread-safe (it is a sequence).
#ifndef SESSIONDB_TOOLS_GENERATOR_PY_RANDOM_H_
#define SESSIONDB_TOOLS_GENERATOR_PY_RANDOM_H_

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

namespace sessiondb::generator {

class PyRandom {
 public:
  // PyRandom(seed) is random.Random(seed) for a non-negative int seed.
  explicit PyRandom(uint64_t seed) {
    std::vector<uint32_t> key;
    do {
      key.push_back(static_cast<uint32_t>(seed));
      seed >>= 32;
    } while (seed != 0);
    InitByArray(key);
  }

  uint32_t NextUint32() {
    if (index_ >= kN) Twist();
    uint32_t y = state_[index_++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680U;
    y ^= (y << 15) & 0xefc60000U;
    y ^= y >> 18;
    return y;
  }

  // Random is random.random(): a double in [0, 1) with 53 random bits.
  double Random() {
    const uint32_t a = NextUint32() >> 5;
    const uint32_t b = NextUint32() >> 6;
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
  }

  // GetRandBits is random.getrandbits(k) for 1 <= k <= 64.
  uint64_t GetRandBits(int k) {
    if (k <= 32) return NextUint32() >> (32 - k);
    const uint64_t low = NextUint32();
    const uint64_t high = NextUint32() >> (64 - k);
    return low | (high << 32);
  }

  // RandBelow is random._randbelow(n) for n >= 1.
  uint64_t RandBelow(uint64_t n) {
    const int k = std::bit_width(n);
    uint64_t r = GetRandBits(k);
    while (r >= n) r = GetRandBits(k);
    return r;
  }

  // RandInt is random.randint(a, b), both ends included.
  int64_t RandInt(int64_t a, int64_t b) {
    return a +
           static_cast<int64_t>(RandBelow(static_cast<uint64_t>(b - a + 1)));
  }

  // Shuffle is random.shuffle(x).
  template <typename T>
  void Shuffle(std::vector<T>* x) {
    for (size_t i = x->size() - 1; i >= 1; --i) {
      const size_t j = RandBelow(i + 1);
      std::swap((*x)[i], (*x)[j]);
    }
  }

  // NormalVariate is random.normalvariate(mu, sigma).
  double NormalVariate(double mu, double sigma) {
    const double magic = 4 * std::exp(-0.5) / std::sqrt(2.0);
    double z;
    while (true) {
      const double u1 = Random();
      const double u2 = 1.0 - Random();
      z = magic * (u1 - 0.5) / u2;
      const double zz = z * z / 4.0;
      if (zz <= -std::log(u2)) break;
    }
    return mu + z * sigma;
  }

  double LogNormVariate(double mu, double sigma) {
    return std::exp(NormalVariate(mu, sigma));
  }

 private:
  static constexpr int kN = 624;
  static constexpr int kM = 397;

  void InitGenRand(uint32_t s) {
    state_[0] = s;
    for (int i = 1; i < kN; ++i) {
      state_[i] = 1812433253U * (state_[i - 1] ^ (state_[i - 1] >> 30)) +
                  static_cast<uint32_t>(i);
    }
    index_ = kN;
  }

  void InitByArray(const std::vector<uint32_t>& key) {
    InitGenRand(19650218U);
    int i = 1;
    size_t j = 0;
    const int len = static_cast<int>(key.size());
    for (int k = kN > len ? kN : len; k > 0; --k) {
      state_[i] =
          (state_[i] ^ ((state_[i - 1] ^ (state_[i - 1] >> 30)) * 1664525U)) +
          key[j] + static_cast<uint32_t>(j);
      ++i;
      ++j;
      if (i >= kN) {
        state_[0] = state_[kN - 1];
        i = 1;
      }
      if (j >= key.size()) j = 0;
    }
    for (int k = kN - 1; k > 0; --k) {
      state_[i] = (state_[i] ^
                   ((state_[i - 1] ^ (state_[i - 1] >> 30)) * 1566083941U)) -
                  static_cast<uint32_t>(i);
      ++i;
      if (i >= kN) {
        state_[0] = state_[kN - 1];
        i = 1;
      }
    }
    state_[0] = 0x80000000U;
  }

  void Twist() {
    constexpr uint32_t kUpper = 0x80000000U, kLower = 0x7fffffffU;
    for (int i = 0; i < kN; ++i) {
      const uint32_t y = (state_[i] & kUpper) | (state_[(i + 1) % kN] & kLower);
      state_[i] =
          state_[(i + kM) % kN] ^ (y >> 1) ^ ((y & 1U) ? 0x9908b0dfU : 0U);
    }
    index_ = 0;
  }

  std::array<uint32_t, kN> state_{};
  int index_ = kN;
};

}  // namespace sessiondb::generator

#endif  // SESSIONDB_TOOLS_GENERATOR_PY_RANDOM_H_
