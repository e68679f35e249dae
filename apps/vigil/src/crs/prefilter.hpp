#pragma once
// The fast path: one Hyperscan scan per line that rules out most @rx and @pm rules before the
// evaluator runs them with PCRE2.
//
// A rule whose first link reads only request variables with a non-negated @rx or @pm is "covered"
// by the database: its pattern joins it (exactly where Hyperscan supports it, else compiled with
// HS_FLAG_PREFILTER, a superset), tagged with the rule's transformation pipeline and variables. Per
// line, each request value is run through every pipeline that covered rules apply to it (a trie,
// so shared prefixes are computed once; with multiMatch the intermediate values too), the distinct
// results are joined with '\n' and scanned once, with MULTILINE so '^' and '$' still hold at each
// value's edges. A rule becomes a candidate when one of its patterns matches inside a value that
// came from its pipeline and one of its variables.
//
// The rules the database cannot take (operators other than @rx/@pm, negated ones, patterns too
// short to be selective or that Hyperscan rejects) are covered by exact checks instead, when their
// operator is a function of the value alone (value_only: no macro): per new value, the operator
// itself runs on the outputs of the rule's pipeline (the same trie nodes), and the rule becomes a
// candidate when it holds (negated: fails) for one of them. libinjection, @validateByteRange, the
// short regexes then run once per distinct value instead of once per line. Only rules the
// evaluator's baseline shortcut probes get a check; others stay uncovered (evaluated when reached).
//
// Invariant: for every covered rule, "not a candidate" implies "the operator matches no value the
// evaluator would test", so skipping it changes nothing. Joining values only adds matches (a
// pattern may match across a separator), and selectors and exclusions are ignored, which can only
// add candidates too. Rules not covered are always evaluated.
//
// Per value, the scan's outcome is memoised (value_cache, per thread): the covered rules a
// (variable, value) made candidates when it was scanned. A value seen before adds those and is not
// transformed nor scanned again. That stays a superset: a match inside a value ends inside its
// region, wherever the value sits in the joined buffer, so every rule the value alone would make a
// candidate is recorded; joining can only add (cross-separator matches).
//
// prefilter is immutable and shared; prefilter_scan is per thread.
#include <hs/hs.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "crs/evaluator.hpp"
#include "crs/prefilter_cache.hpp"
#include "crs/value_cache.hpp"

namespace vigil::crs {

class prefilter {
 public:
  // Compiles the database for `rules` (which must outlive it). Throws std::runtime_error when
  // Hyperscan cannot build it at all.
  explicit prefilter(std::shared_ptr<const rule_set> rules);
  ~prefilter();
  prefilter(const prefilter&) = delete;
  prefilter& operator=(const prefilter&) = delete;

  std::size_t covered() const { return covered_; }      // rules the scan can rule out
  std::size_t approximated() const { return approx_; }  // of them, compiled as a superset
  std::size_t checked() const { return checks_.size(); }  // of them, by running the operator itself
  bool from_cache() const { return from_cache_; }        // the database came from load_options::cache_dir
  const std::shared_ptr<const rule_set>& shared_rules() const { return rules_; }

 private:
  friend class prefilter_scan;
  struct node {  // a transformation applied to its parent's output; node 0 is the raw value
    std::uint32_t parent = 0;
    transform t = transform::none;
  };
  struct pipeline {
    std::vector<std::uint32_t> tested;  // nodes whose output is tested (the last, or all with multiMatch)
  };
  using pattern_tag = prefilter_tag;
  struct expression {
    std::string text;
    unsigned flags;
    std::uint32_t tag;  // Hyperscan's id: the index into tags_
    std::uint32_t rule_index;
  };
  struct proposal {  // a rule the database may cover, before Hyperscan has judged its patterns
    std::uint32_t rule_index;
    std::uint64_t pipelines;
    std::uint32_t variables;
    std::vector<expression> expressions;
  };
  struct check {  // a covered rule the database does not take: its operator, run per new value
    std::uint32_t rule_index;
    std::uint32_t pipeline;
    std::uint32_t variables;
    const operator_base* op;
    bool negated;
  };
  static bool classify(expression& e, bool& approximate);
  void compile(std::vector<proposal>& proposals);
  bool adopt(prefilter_image& image);
  void finish(const std::vector<check>& eligible);

  std::shared_ptr<const rule_set> rules_;
  std::vector<node> nodes_;
  std::vector<pipeline> pipelines_;
  std::vector<std::uint64_t> pipelines_for_variable_;  // bit p: some covered rule applies pipeline p to it
  std::vector<std::uint64_t> scanned_pipelines_for_variable_;  // the same for the database's rules only
  std::vector<bool> covered_rule_;                     // by rule::index
  std::vector<pattern_tag> tags_;                      // by Hyperscan pattern id
  std::vector<check> checks_;
  std::vector<std::vector<std::uint32_t>> checks_for_variable_;  // indices into checks_
  hs_database_t* db_ = nullptr;
  hs_scratch_t* scratch_ = nullptr;
  std::size_t covered_ = 0, approx_ = 0;
  bool from_cache_ = false;
};

class prefilter_scan final : public candidate_filter, private operator_context {
 public:
  explicit prefilter_scan(std::shared_ptr<const prefilter> filter);
  ~prefilter_scan();
  prefilter_scan(const prefilter_scan&) = delete;
  prefilter_scan& operator=(const prefilter_scan&) = delete;

  void scan(const request& req);
  bool may_match(const rule& first_link) const override;
  std::size_t candidate_count() const;  // covered rules the last scan left in
  std::size_t scanned_bytes() const { return buffer_.size(); }  // the last scan's, separators included
  std::size_t cache_hits() const { return cache_.hits(); }       // values not scanned again, so far

 private:
  static constexpr std::uint32_t no_alias = ~std::uint32_t{0};
  struct region {
    std::size_t offset, length;
    std::uint64_t pipelines;
    std::uint32_t variables;
    std::uint32_t value;  // the add_value call it comes from: an index into fresh_
    std::uint32_t next;   // the next value with the same string: an index into aliases_, or no_alias
  };
  void add_value(variable v, std::string_view value);
  void run_checks(variable v, std::uint64_t pipelines, std::uint32_t value_index);

  // operator_context for the checks: their operators read only the value (no capture, no macro).
  bool capturing() const override { return false; }
  void capture(int, std::string_view) override {}
  std::string_view remote_addr() const override { return {}; }
  hs_scratch_t* scratch() override { return operator_scratch_; }
  std::string resolve(std::string_view, std::string_view) const override { return {}; }
  static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void* self);

  std::shared_ptr<const prefilter> filter_;
  hs_scratch_t* scratch_ = nullptr;
  hs_scratch_t* operator_scratch_ = nullptr;  // for the checks' @pm databases
  std::string buffer_;
  std::vector<region> regions_;  // by offset
  std::vector<region> aliases_;
  std::vector<std::string> node_buffers_;
  std::vector<std::string_view> node_values_;
  std::vector<std::uint64_t> candidates_;  // bits by rule::index
  std::size_t words_ = 0;                  // candidates_.size()
  std::vector<value_cache::lookup> fresh_;  // values scanned this line, to be memoised: the first fresh_count_
  std::size_t fresh_count_ = 0;
  std::vector<std::uint64_t> fresh_bits_;  // words_ per fresh value: the candidates it made
  std::vector<std::uint32_t> found_;       // one fresh value's candidates, for the memo
  value_cache cache_;                      // (variable, value) -> rule indices
};

}  // namespace vigil::crs
