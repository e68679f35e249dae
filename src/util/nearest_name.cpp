#include "lifespan/util/nearest_name.hpp"

#include <algorithm>
#include <numeric>
#include <vector>

namespace lifespan {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      diagonal = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitution});
    }
  }
  return row[b.size()];
}

std::optional<std::string> nearest_name(std::string_view wanted, std::span<const std::string> candidates) {
  const std::size_t limit = std::clamp<std::size_t>(wanted.size() / 3, 1, 3);
  std::optional<std::string> best;
  std::size_t best_distance = limit + 1;
  for (const auto& candidate : candidates) {
    const std::size_t d = edit_distance(wanted, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}

std::string did_you_mean(std::string_view wanted, std::span<const std::string> candidates) {
  auto best = nearest_name(wanted, candidates);
  return best ? " (did you mean '" + *best + "'?)" : std::string{};
}

}  // namespace lifespan
