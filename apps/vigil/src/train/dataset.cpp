#include "train/dataset.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>

#include "gen/payloads.hpp"
#include "parse/line_parser.hpp"
#include "rules/analyze.hpp"

namespace vigil {
namespace {

std::uint64_t mix(std::uint64_t z) {  // splitmix64 finaliser
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint16_t label_index(dataset& d, std::string_view label) {
  if (d.labels.empty()) d.labels.emplace_back("benign");
  for (std::size_t i = 0; i < d.labels.size(); ++i) {
    if (d.labels[i] == label) return static_cast<std::uint16_t>(i);
  }
  d.labels.emplace_back(label);
  return static_cast<std::uint16_t>(d.labels.size() - 1);
}

}  // namespace

void drop_rule_features(dataset& d, double share, std::uint64_t seed) {
  const auto first = static_cast<std::size_t>(
      std::find(feature_names.begin(), feature_names.end(), "rule_hits") - feature_names.begin());
  const auto cut = static_cast<std::uint64_t>(std::clamp(share, 0.0, 1.0) * 18446744073709551615.0);
  const std::uint64_t salt = mix(seed ^ 0x5275'6c65'446f'7000ULL);
  for (std::size_t r = 0; r < d.rows(); ++r) {
    if (share < 1.0 && mix(salt ^ r) >= cut) continue;
    std::fill(d.x.begin() + static_cast<std::ptrdiff_t>(r * feature_count + first),
              d.x.begin() + static_cast<std::ptrdiff_t>((r + 1) * feature_count), 0.0f);
  }
}

void mask_rule_features(dataset& d) { drop_rule_features(d, 1.0, 0); }

std::string_view label_category(std::string_view label) {
  if (label.starts_with("benign:")) return "benign";
  if (label.starts_with("attack:")) {
    label.remove_prefix(7);
    return label.substr(0, label.find(':'));
  }
  return label;
}

bool attack_label(std::string_view label) {
  if (label.starts_with("attack:")) return true;
  const auto& c = attack_categories();
  return std::find(c.begin(), c.end(), label) != c.end();
}

split_dataset read_labelled(std::istream& in, std::shared_ptr<const rule_set> rules, double test_share,
                            std::uint64_t seed, std::shared_ptr<const crs::crs_rules> crs) {
  if (!(test_share >= 0.0 && test_share < 1.0))
    throw std::invalid_argument("test share must be in [0, 1), got " + std::to_string(test_share));
  const auto& behaviour = behaviour_labels();
  split_dataset out;
  out.train.labels = out.test.labels = {"benign"};
  rule_matcher matcher(rules);
  std::optional<crs::crs_detector> detector;
  if (crs) detector.emplace(std::move(crs));
  line_parser parser;
  log_record record;
  analysis result;
  std::string line;
  const auto cut = static_cast<std::uint64_t>(test_share * 18446744073709551615.0);
  const std::uint64_t salt = mix(seed);
  while (std::getline(in, line)) {
    const std::uint64_t number = out.stats.lines++;
    const auto tab = line.find('\t');
    if (tab == std::string::npos) {
      ++out.stats.malformed;
      continue;
    }
    const std::string_view label(line.data(), tab);
    if (std::find(behaviour.begin(), behaviour.end(), label) != behaviour.end()) {
      ++out.stats.behaviour_skipped;
      continue;
    }
    if (!parser.parse(std::string_view(line).substr(tab + 1), record)) {
      ++out.stats.malformed;
      continue;
    }
    analyze(record, matcher, result);
    const auto* verdict = detector ? &detector->detect(record) : nullptr;
    const auto features = extract_features(record, result, matcher.rules(), verdict);
    dataset& d = mix(salt ^ number) < cut ? out.test : out.train;
    d.x.insert(d.x.end(), features.begin(), features.end());
    d.y.push_back(attack_label(label) ? 1.0f : 0.0f);
    d.label.push_back(label_index(d, label_category(label)));
  }
  return out;
}

}  // namespace vigil
