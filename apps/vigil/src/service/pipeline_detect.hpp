#pragma once
// A detect worker's state: the order-free part of the pipeline (pipeline.hpp). One per worker thread,
// never shared: its own parser, Hyperscan matcher and CRS detector (their scratch space is per
// thread). A raw batch in, a detected_batch out: lines parsed, clients resolved (trusted proxies),
// allow-listed clients dropped, vigil's signatures and CRS run, rule alerts built, and in hybrid mode
// each line's feature vector. Nothing here depends on other lines, so workers may run any batches in
// any order; what does (behaviour windows) is left to the windows stage as line facts.
//
// Rule sets: refreshed at the start of each batch (vigil's set, CRS, the allow-list), so a line is
// matched against exactly one set. Around a reload two workers may use different sets for
// neighbouring batches; each batch still sees one complete set.
//
// Lifetimes: the rules component outlives the pipeline's threads (the pipeline depends on it).
#include <cstdint>
#include <memory>
#include <optional>

#include "crs/detector.hpp"
#include "parse/client_address.hpp"
#include "parse/line_parser.hpp"
#include "rules/analyze.hpp"
#include "rules/rule_engine.hpp"
#include "service/pipeline.hpp"
#include "service/pipeline_batch.hpp"
#include "service/scorer.hpp"

namespace vigil::service {

class line_detector {
 public:
  line_detector(const pipeline::options& options, rules_component& rules);

  // Detects every line of `batch` (moved into the result as its text). `model`: the scorer in force
  // for this batch; the batch is in hybrid mode, with candidates, while it is available.
  detected_batch run(raw_batch batch, const std::shared_ptr<scorer>& model);

  // Lines that did not parse since the previous call.
  std::uint64_t take_malformed();

 private:
  void refresh();
  void add_rule_alert(detected_batch& out, std::string_view proxy, std::uint64_t offset, const crs::crs_result* crs);

  const pipeline::options& options_;
  rules_component& rules_;
  line_parser parser_;
  engine_matcher matcher_;
  std::shared_ptr<const address_set> allowed_;  // rules.allow_clients in force for the batch
  std::shared_ptr<const crs::crs_rules> crs_rules_;
  std::optional<crs::crs_detector> crs_;
  const address_set trusted_;
  log_record record_;
  analysis result_;
  std::uint64_t malformed_seen_ = 0;
};

}  // namespace vigil::service
