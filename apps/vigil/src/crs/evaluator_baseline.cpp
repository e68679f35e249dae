// The baseline shortcut. Most lines match no request-dependent rule, and then the whole run is the
// same on every line: the rules that read only TX and constants (901's initialisation, the paranoia
// gates) compute the same state each time. So the evaluator runs the set once, when it is built,
// along the "baseline" path on which every request-dependent link fails, and records each such link
// it reaches with the transaction state the baseline has there (a checkpoint). Per line, it only
// probes the checkpoints in order: the link's operator on the line's values, in the recorded state,
// without writing anything. When no probe matches or captures, the line's run IS the baseline run
// (by induction over the rules: same state before each rule, and a failing link behaves as the
// baseline's), so the verdict is the baseline's. As soon as a probe matches, the full interpreter
// takes over: from the checkpoint's rule and state for a first link, from the start otherwise.
//
// One exception keeps benign lines on the fast path: a probe may match when the match changes only
// what nothing reads afterwards (CRS's 901318 hashes every User-Agent into tx.ua_hash, which no rule
// reads). `tolerable` states the conditions; each is needed for the induction to go on:
//  - a single link without capture, ctl, skip, skipAfter, deny/allow, nolog: control flow, removed
//    rules and the logged matches stay the baseline's;
//  - its setvars write literal TX keys that no rule reads (tx_readers): TX differs in dead keys only;
//  - MATCHED_VAR(_NAME) stays set where the baseline cleared it: harmless when, along the baseline
//    path, no rule reads it before the next rule with targets, which replaces or clears it.
#include <algorithm>
#include <utility>

#include "crs/dependencies.hpp"
#include "crs/evaluator.hpp"

namespace vigil::crs {

void evaluator::build_baseline() {
  request none;  // never read: the baseline evaluates no request-dependent link
  recording_ = true;
  try {
    evaluate_full(none, nullptr);
    has_baseline_ = true;
  } catch (const std::exception&) {
    checkpoints_.clear();  // the full interpreter will report it per line, as before
  }
  recording_ = false;
  request_ = nullptr;
  full_runs_ = resumed_runs_ = diverged_runs_ = 0;
  baseline_verdict_ = verdict_;
  tx_readers readers(*rules_);
  for (auto& cp : checkpoints_) {
    cp.tolerate_hit = tolerable(cp, readers);
    cp.matched_var = cp.state.matched_var;
    cp.matched_var_name = cp.state.matched_var_name;
    cp.matched_vars = cp.state.matched_vars;
  }
  build_divergence();
  baseline_tops_.clear();
  baseline_tops_.shrink_to_fit();
}

std::vector<std::uint32_t> evaluator::probed_first_links() const {
  std::vector<std::uint32_t> out;
  for (const auto& cp : checkpoints_)
    if (cp.first_link && !cp.tolerate_hit) out.push_back(cp.top->index);
  return out;
}

bool evaluator::tolerable(const checkpoint& cp, const tx_readers& readers) const {
  const rule& r = *cp.link;
  if (!cp.first_link || r.chained || r.capture || !r.controls.empty() || !r.skip_after.empty() || r.skip > 0)
    return false;
  if (r.action != disruption::none && r.action != disruption::pass && r.action != disruption::block) return false;
  if (r.log && r.id != 0) return false;
  for (const auto& s : r.set_variables) {
    if (s.collection != "tx") continue;  // not kept at all
    if (!s.name.is_literal() || readers.observed(s.name.literal())) return false;
  }
  return matched_var_rests(cp);
}

// MATCHED_VAR(_NAME) left set after the checkpoint's rule, where the baseline cleared it, is harmless
// when along the baseline path no rule reads it before the next rule with targets replaces or clears it.
bool evaluator::matched_var_rests(const checkpoint& cp) const {
  for (std::size_t i = cp.top_position + 1; i < baseline_tops_.size(); ++i) {
    const rule& next = *baseline_tops_[i];
    if (reads_earlier_match(next)) return false;
    if (!next.targets.empty()) return true;  // fails (clears) or matches (replaces): the states meet again
    if (next.chained) return false;
  }
  return true;
}

void evaluator::swap_state(link_state& s) {
  tx_.swap(s.tx);
  matched_var_.swap(s.matched_var);
  matched_var_name_.swap(s.matched_var_name);
  matched_vars_.swap(s.matched_vars);
  removed_targets_by_id_.swap(s.removed_targets_by_id);
  removed_targets_by_tag_.swap(s.removed_targets_by_tag);
}

bool evaluator::probe(checkpoint& cp) {
  struct restore {
    evaluator& e;
    checkpoint& cp;
    ~restore() {
      e.probing_ = false;
      e.swap_state(cp.state);
      // The probe may have written MATCHED_VAR(S): the checkpoint keeps the baseline's.
      cp.state.matched_var.assign(cp.matched_var);
      cp.state.matched_var_name.assign(cp.matched_var_name);
      if (!cp.state.matched_vars.empty() || !cp.matched_vars.empty()) cp.state.matched_vars = cp.matched_vars;
    }
  };
  swap_state(cp.state);
  restore guard{*this, cp};
  current_top_ = cp.top;
  probing_ = true;
  effect_ = false;
  probed_link_ = cp.link;
  evaluate_chain(*cp.top, *cp.link);
  return !effect_ || cp.tolerate_hit;
}

// The line's run up to a first link's checkpoint was the baseline's (every earlier probe failed or was
// harmless), so the full interpreter can take over there, from the baseline's state.
const verdict& evaluator::resume(const request& req, const candidate_filter* filter, const checkpoint& cp) {
  ++full_runs_;
  ++resumed_runs_;
  request_ = &req;
  verdict_ = cp.so_far;
  tx_ = cp.state.tx;
  matched_var_ = cp.matched_var;
  matched_var_name_ = cp.matched_var_name;
  matched_vars_ = cp.matched_vars;
  removed_targets_by_id_ = cp.state.removed_targets_by_id;
  removed_targets_by_tag_ = cp.state.removed_targets_by_tag;
  removed_ids_ = cp.removed_ids;
  removed_tags_ = cp.removed_tags;
  stop_ = false;
  return run_from(cp.phase, cp.position, filter);
}

const verdict& evaluator::evaluate(const request& req, const candidate_filter* filter) {
  if (trace_ || !shortcuts_ || !has_baseline_) return evaluate_full(req, filter);
  request_ = &req;
  constexpr std::size_t nowhere = static_cast<std::size_t>(-1);
  const checkpoint* diverged = nullptr;  // the first checkpoint whose rule did something (evaluator_divergence.cpp)
  std::size_t bail_at = nowhere;         // the first position after it that reads a divergent key
  divergent_.clear();
  auto leave = [&](const checkpoint& cp) -> const verdict& {
    if (diverged) return resume(req, filter, *diverged);
    return cp.first_link ? resume(req, filter, cp) : evaluate_full(req, filter);
  };
  for (auto& cp : checkpoints_) {
    if (bail_at <= cp.top_position) return leave(cp);
    if (filter && !filter->may_match(*cp.top)) {
      if (cp.first_link) continue;  // the full run passes over it as over a failing rule
      return diverged ? leave(cp) : evaluate_full(req, filter);
    }
    if (cp.tolerate_hit || probe(cp)) continue;  // a tolerated match changes nothing: no need to know
    if (!cp.first_link) return diverged ? leave(cp) : evaluate_full(req, filter);
    const std::size_t known = divergent_.size();
    if (!diverge(cp)) return leave(cp);
    if (!diverged) diverged = &cp;
    for (std::size_t k = known; k < divergent_.size(); ++k)
      bail_at = std::min(bail_at, next_reader(divergent_[k], cp.top_position));
  }
  if (bail_at != nowhere) return leave(checkpoints_.back());
  if (diverged) ++diverged_runs_;
  verdict_ = baseline_verdict_;
  return verdict_;
}

}  // namespace vigil::crs
