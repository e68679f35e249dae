#pragma once
// Labelled lines ("label<TAB>line") turned into the threat model's training matrix: one feature_vector
// per line (features.hpp: rule hits and, with CRS in force, its verdict included), target 1 for an
// attack a single request shows, 0 for benign. Labels come from `vigil gen --labelled` (a signature
// category, "benign", or a behaviour kind) or from bench/vigil/crs_corpus.py ("attack:sqli:sqlmap",
// "benign:shop"). Lines labelled with a behaviour kind
// (not_found_burst, failed_logins, flood) are skipped: one such request looks like any other, and the
// behaviour windows judge them per client. Each row keeps its label index, for per-category figures.
//
// The held-out split is a pure function of (seed, line number), so the same file and seed always give
// the same split. Not thread-safe; build one dataset per thread.
#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "crs/detector.hpp"
#include "features/features.hpp"
#include "rules/rule_set.hpp"

namespace vigil {

struct dataset {
  std::vector<float> x;                 // rows * feature_count, row-major
  std::vector<float> y;                 // 1 attack, 0 benign
  std::vector<std::uint16_t> label;     // index into labels
  std::vector<std::string> labels;      // "benign" first, then categories in first-seen order
  std::size_t rows() const { return y.size(); }
  const float* row(std::size_t i) const { return x.data() + i * feature_count; }
};

struct dataset_stats {
  std::uint64_t lines = 0;
  std::uint64_t malformed = 0;          // no tab, or the line does not parse
  std::uint64_t behaviour_skipped = 0;  // behaviour-labelled lines (judged per client, not per line)
};

struct split_dataset {
  dataset train, test;
  dataset_stats stats;
};

// Reads every line of `in`; a line goes to `test` with probability `test_share` (hash of seed and line
// number). Throws std::invalid_argument when test_share is outside [0, 1). `crs` null: the CRS slots
// stay 0.
split_dataset read_labelled(std::istream& in, std::shared_ptr<const rule_set> rules, double test_share,
                            std::uint64_t seed, std::shared_ptr<const crs::crs_rules> crs = nullptr);

// Zeroes the rule-hit slots (rule_hits, max_severity, hits_*, and CRS's crs_*) of every row: a model trained so never
// splits on them (constant columns), so it judges the request's shape alone even when served full
// vectors. For measuring what the model adds beyond the rules.
void mask_rule_features(dataset& d);
// Zeroes the rule-hit slots of a share of the rows (chosen by a hash of seed and row): the model learns
// from rule hits AND from the request's shape, so it still scores attacks the rules miss.
void drop_rule_features(dataset& d, double share, std::uint64_t seed);

// True for labels the model learns as attacks: the generator's signature categories, "attack:...".
bool attack_label(std::string_view label);
// The category a label stands for: "attack:sqli:sqlmap" is sqli, "benign:shop" is benign, a
// generator label is itself.
std::string_view label_category(std::string_view label);

}  // namespace vigil
