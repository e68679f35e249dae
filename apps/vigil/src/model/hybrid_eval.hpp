#pragma once
// Detection quality of rules alone and of the hybrid decision (rules + threat model) on the same
// labelled lines (`vigil gen --labelled`, or bench/vigil/crs_corpus.py's labels pasted before each
// line), for `vigil eval --model`. "Rules" are vigil's own and, when given, CRS: a line CRS flags
// counts as a rule hit of its CRS category at the severity its score gives.
//
// Judged per line, for the signature categories and "benign"; behaviour-labelled lines are skipped
// (the behaviour windows judge those per client: plain `vigil eval`). For a category C: tp = a line
// labelled C that raised an alert; fn = one that did not; fp = an alert on a line of another label
// that carries a rule hit of category C. Labels are read through label_category (train/dataset.hpp). Alerts on benign lines with no rule hit (the model alone)
// count in `model_only_fp`. Overall precision/recall are attack lines vs benign lines.
#include <istream>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "eval/quality.hpp"
#include "crs/detector.hpp"
#include "model/threat_scorer.hpp"
#include "rules/rule_set.hpp"

namespace vigil {

struct mode_quality {
  std::map<std::string, confusion> categories;
  confusion overall;            // attack lines vs benign lines
  std::uint64_t model_only_fp = 0;
  nlohmann::json to_json() const;
};

// Lines CRS flags (ModSecurity's verdict, which the CRS engine reproduces) and how many of them the
// hybrid decision still alerts on, split by label: what the model vetoes of CRS.
struct crs_coverage {
  std::uint64_t attack_flagged = 0, attack_kept = 0, benign_flagged = 0, benign_kept = 0;
  nlohmann::json to_json() const;
};

struct hybrid_report {
  std::uint64_t lines = 0, malformed = 0, behaviour_skipped = 0, benign_lines = 0, unscored = 0;
  mode_quality rules, hybrid;
  crs_coverage crs;
  nlohmann::json to_json() const;
};

// Scores every line with `scorer` (lines scored while no version is serving count in `unscored` and
// are judged in rules mode for the hybrid figures too).
hybrid_report evaluate_hybrid(std::istream& labelled, std::shared_ptr<const rule_set> rules,
                              const threat_scorer& scorer, std::shared_ptr<const crs::crs_rules> crs = nullptr);

// `vigil eval FILE --model ROOT`: loads the newest version of `model` from ROOT through a models
// manager, then prints evaluate_hybrid's report. Returns the process exit code (2 on errors).
int run_hybrid_eval(const std::string& path, const std::string& rules_path, const std::string& root,
                    const std::string& model, const crs::crs_options& crs, const scorer_options& options = {});

}  // namespace vigil
