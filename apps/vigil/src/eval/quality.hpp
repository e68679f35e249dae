#pragma once
// Detection quality on labelled lines (as written by `vigil gen --labelled`: "label<TAB>line").
//
// Signatures are judged per line and per category: a line labelled C is a true positive for C
// when some rule of category C matched it, a false negative otherwise; a line with a C hit and
// another label is a false positive for C. Behaviour detection is judged per client: a client is
// positive for kind K when at least K's threshold of its lines carry label K (an episode cut
// short by the end of the input is not counted either way), and predicted positive when the
// tracker raised K for it. Not thread-safe; feed lines in order.
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "behaviour/behaviour.hpp"
#include "parse/line_parser.hpp"
#include "rules/analyze.hpp"
#include "rules/rule_set.hpp"

namespace vigil {

struct confusion {
  std::uint64_t tp = 0, fp = 0, fn = 0;
  double precision() const { return tp + fp == 0 ? 1.0 : static_cast<double>(tp) / static_cast<double>(tp + fp); }
  double recall() const { return tp + fn == 0 ? 1.0 : static_cast<double>(tp) / static_cast<double>(tp + fn); }
};

struct quality_report {
  std::uint64_t lines = 0;
  std::uint64_t benign_lines = 0;
  std::uint64_t benign_flagged = 0;  // benign lines with any rule hit
  std::uint64_t malformed = 0;
  std::map<std::string, confusion> categories;  // signature categories
  std::map<std::string, confusion> behaviour;   // per client
};

class quality_meter {
 public:
  quality_meter(std::shared_ptr<const rule_set> rules, behaviour_options windows = {});

  // `labelled` is "label<TAB>line"; lines without a tab are counted as malformed.
  void add(std::string_view labelled);
  quality_report finish();

 private:
  rule_matcher matcher_;
  line_parser parser_;
  behaviour_tracker tracker_;
  log_record record_;
  analysis analysis_;
  std::vector<behaviour_alert> alerts_;
  quality_report report_;
  std::set<std::string> label_names_;
  behaviour_options windows_;
  std::map<std::string, std::map<std::string, std::uint64_t>> truth_;  // behaviour kind -> client -> lines
  std::map<std::string, std::set<std::string>> predicted_;  // behaviour kind -> clients
};

}  // namespace vigil
