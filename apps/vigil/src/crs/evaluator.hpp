#pragma once
// Runs a rule set over one request, as libmodsecurity 3.0.9 runs phases 1 and 2 of a transaction:
// rules in file order per phase; for each target value the transformations, then the operator; per
// matching value the rule's setvars (ModSecurity v3 runs them per match, so two matching arguments
// score twice); after the whole chain matched its controls, skips and disruptive action.
//
// One evaluator per thread (it owns the transaction's state and a Hyperscan scratch); it follows
// one rule_set for its whole life.
#include <hs/hs.h>

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "crs/dependencies.hpp"
#include "crs/rule_set.hpp"
#include "crs/value_cache.hpp"
#include "crs/variables.hpp"

namespace vigil::crs {

struct rule_match {
  const rule* matched = nullptr;  // the first link of the chain
  std::string variable;           // MATCHED_VAR_NAME: "ARGS:id", "REQUEST_HEADERS:User-Agent"
  std::string data;               // MATCHED_VAR (transformed), at most max_data bytes
  static constexpr std::size_t max_data = 200;
};

struct verdict {
  bool flagged = false;   // the inbound anomaly score reached the threshold (CRS's 949110 denied)
  int anomaly_score = 0;  // TX:ANOMALY_SCORE after the blocking evaluation
  std::vector<rule_match> matches;  // rules that matched and log, in evaluation order
};

// Which rules may match this request (see prefilter.hpp). A rule not in it is known not to match
// and is passed over without evaluating its operator; null means "evaluate everything".
class candidate_filter {
 public:
  virtual bool may_match(const rule& first_link) const = 0;

 protected:
  ~candidate_filter() = default;
};

class evaluator final : private operator_context {
 public:
  explicit evaluator(std::shared_ptr<const rule_set> rules);
  ~evaluator();
  evaluator(const evaluator&) = delete;
  evaluator& operator=(const evaluator&) = delete;

  const verdict& evaluate(const request& req, const candidate_filter* filter = nullptr);
  const rule_set& rules() const { return *rules_; }

  // Called for each operator evaluation (vigil explain): the link, the variable, the value after
  // each transformation step that ran, and whether the operator matched.
  struct trace_step {
    const rule* link;
    std::string variable;              // "ARGS:id"
    std::vector<std::string> values;   // the value, then after each transformation of link->transforms
    std::string tested;                // what the operator ran on (one of values; multiMatch tests several)
    bool matched;
  };
  void set_trace(std::vector<trace_step>* trace) { trace_ = trace; }

  // The baseline shortcut (evaluator_baseline.cpp) is on by default; off, every line takes the full
  // interpreter (the tests compare both). A trace also takes the full interpreter.
  void set_shortcuts(bool on) { shortcuts_ = on; }
  std::size_t checkpoint_count() const { return checkpoints_.size(); }  // request-dependent links on the baseline
  std::size_t full_runs() const { return full_runs_; }  // lines that took the full interpreter so far
  std::size_t resumed_runs() const { return resumed_runs_; }  // of them, from a checkpoint
  std::size_t diverged_runs() const { return diverged_runs_; }  // lines the shortcut finished past a divergence
  std::size_t quiet_probe_hits() const { return quiet_probes_.hits(); }  // probe values answered from memory
  // The first links the baseline shortcut probes on every line (reached along the baseline, reading
  // the request, a match not tolerated), by rule::index: where a prefilter check saves work.
  std::vector<std::uint32_t> probed_first_links() const;

 private:
  struct tx_entry {
    std::string key;  // lowercase
    std::string value;
    const regex* memo_regex = nullptr;  // the last TX:/regex/ selector tested on key, and its answer
    bool memo_match = false;
  };
  // What evaluating one link reads and writes of the transaction, besides the request.
  struct link_state {
    std::vector<tx_entry> tx;
    std::string matched_var, matched_var_name;
    std::vector<std::pair<std::string, std::string>> matched_vars;
    std::vector<std::pair<int, std::string>> removed_targets_by_id;
    std::vector<std::pair<std::string, std::string>> removed_targets_by_tag;
  };
  // A request-dependent link the baseline path reaches, with the state the baseline has there.
  struct checkpoint {
    const rule* top;
    const rule* link;
    bool first_link;
    bool tolerate_hit = false;  // a match of it changes only what nothing reads afterwards
    std::size_t top_position;   // in baseline_tops_ while building
    link_state state;
    std::string matched_var, matched_var_name;  // state's, restored after each probe
    std::vector<std::pair<std::string, std::string>> matched_vars;
    // Where the full interpreter resumes when the probe of a first link matches: the rule's place
    // and the rest of the baseline's state there (skips and stops are clear where a rule runs).
    int phase;
    std::size_t position;
    std::vector<std::pair<int, int>> removed_ids;
    std::vector<std::string> removed_tags;
    verdict so_far;
    // Divergence (evaluator_divergence.cpp): what a match of the first link reads of TX beyond the
    // probe, and whether MATCHED_VAR left set by a full match is replaced before anyone reads it.
    tx_key_set match_reads;
    bool matched_var_rests = false;
  };
  // A write to TX while diverging, undone afterwards (in reverse order) to restore the checkpoint.
  struct tx_undo {
    enum class kind : std::uint8_t { changed, added, erased } op;
    std::size_t index;
    tx_entry old;
  };

  const verdict& evaluate_full(const request& req, const candidate_filter* filter);
  void build_baseline();
  bool tolerable(const checkpoint& cp, const tx_readers& readers) const;
  bool matched_var_rests(const checkpoint& cp) const;
  void build_divergence();
  bool diverge(checkpoint& cp);
  std::size_t next_reader(const std::string& key, std::size_t after);
  bool probe(checkpoint& cp);
  void swap_state(link_state& s);

  const verdict& run_from(int phase, std::size_t position, const candidate_filter* filter);
  const verdict& resume(const request& req, const candidate_filter* filter, const checkpoint& cp);
  bool run_phase(int phase, const candidate_filter* filter, std::size_t start);
  bool evaluate_chain(const rule& top, const rule& link);
  bool evaluate_link(const rule& top, const rule& link);
  bool test_value(const rule& top, const rule& link, std::string_view collection, std::string_view key,
                  std::string_view value);
  template <class Visit>
  void for_each_value(const target& t, Visit&& visit);
  bool excluded(const rule& top, const rule& link, std::string_view collection, std::string_view key) const;
  void set_variables(const rule& link);
  void after_full_match(const rule& top, const rule& link);

  std::string* tx_find(std::string_view key);
  void tx_set(std::string_view key, std::string value);
  void tx_erase(std::string_view key);

  // operator_context
  bool capturing() const override { return capturing_; }
  void capture(int group, std::string_view text) override;
  std::string_view remote_addr() const override { return request_->remote_addr; }
  hs_scratch_t* scratch() override { return scratch_; }
  std::string resolve(std::string_view collection, std::string_view key) const override;

  std::shared_ptr<const rule_set> rules_;
  hs_scratch_t* scratch_ = nullptr;
  const request* request_ = nullptr;
  verdict verdict_;
  std::vector<tx_entry> tx_;
  std::string matched_var_, matched_var_name_;
  std::vector<std::pair<std::string, std::string>> matched_vars_;  // name, value
  const rule* current_top_ = nullptr;
  bool capturing_ = false;
  // Per transaction: ctl actions and the flow of the phase loop.
  std::vector<std::pair<int, int>> removed_ids_;
  std::vector<std::string> removed_tags_;
  std::vector<std::pair<int, std::string>> removed_targets_by_id_;
  std::vector<std::pair<std::string, std::string>> removed_targets_by_tag_;
  std::string skip_after_;
  int skip_ = 0;
  bool stop_ = false;        // deny, allow or ruleEngine=Off: no more rules
  bool stop_phase_ = false;  // allow:phase
  std::vector<std::string> transformed_;  // scratch buffers, one per transformation step
  std::vector<std::string_view> tested_;  // the values one target value is tested as
  std::vector<trace_step>* trace_ = nullptr;
  std::vector<std::string> trace_values_;

  // The baseline: the run on which every request-dependent link fails (see evaluator_baseline.cpp).
  std::vector<checkpoint> checkpoints_;
  std::pair<int, std::size_t> position_;    // while building: the rule being evaluated
  std::vector<const rule*> baseline_tops_;  // while building: the rules the baseline evaluates, in order
  verdict baseline_verdict_;
  bool has_baseline_ = false;
  bool shortcuts_ = true;
  bool recording_ = false;  // building the baseline: request-dependent links fail and are recorded
  bool probing_ = false;    // probing a checkpoint: no writes, a match or capture sets effect_
  bool effect_ = false;
  std::size_t full_runs_ = 0, resumed_runs_ = 0, diverged_runs_ = 0;

  // Divergence: a line whose run differs from the baseline only in TX keys no later rule reads.
  std::vector<tx_key_set> position_reads_;  // what the baseline's rule at each position reads; last: the verdict
  std::unordered_map<std::string, std::vector<std::uint32_t>> readers_of_;  // key -> positions reading it
  std::vector<tx_undo> undo_;
  std::vector<std::string> divergent_;  // this line's keys that may differ from the baseline's
  bool diverging_ = false;              // evaluating a checkpoint's rule for real, writes logged in undo_
  const rule* probed_link_ = nullptr;   // the checkpoint link being probed
  value_cache quiet_probes_;            // (link, value) a probe found no effect for (evaluate_link)
};

}  // namespace vigil::crs
