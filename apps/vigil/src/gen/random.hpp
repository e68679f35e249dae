#pragma once
// A seeded random source whose results depend only on the seed (not on the standard library's
// distribution implementations), so `vigil gen --seed N` writes the same bytes everywhere.
#include <cmath>
#include <cstdint>
#include <random>
#include <string_view>
#include <vector>

namespace vigil {

class seeded_random {
 public:
  explicit seeded_random(std::uint64_t seed) : engine_(seed) {}

  std::uint64_t next() { return engine_(); }
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : engine_() % n; }
  std::int64_t between(std::int64_t lo, std::int64_t hi) {  // inclusive
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo + 1)));
  }
  double unit() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  bool chance(double p) { return unit() < p; }
  double exponential(double mean) { return -std::log(1.0 - unit()) * mean; }
  template <typename T>
  const T& pick(const std::vector<T>& items) { return items[below(items.size())]; }
  std::string_view pick(std::initializer_list<std::string_view> items) { return items.begin()[below(items.size())]; }
  // Index drawn with the given (not necessarily normalised) weights.
  std::size_t weighted(const std::vector<double>& weights) {
    double total = 0;
    for (double w : weights) total += w;
    double x = unit() * total;
    for (std::size_t i = 0; i < weights.size(); ++i) {
      if (x < weights[i]) return i;
      x -= weights[i];
    }
    return weights.size() - 1;
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace vigil
