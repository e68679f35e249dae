// Divergence: the baseline shortcut past a checkpoint whose rule does something on this line, as long
// as what it does stays in TX keys no later rule reads. CRS's 920440 (it captures the URL's file
// extension into tx.extension and TX.0/TX.1, then checks it against a list) and 920450 (one
// tx.header_name_<name> per header, likewise) do so on nearly every benign line, and no rule after
// them reads those keys.
//
// At such a checkpoint the evaluator runs the rule for real, in the checkpoint's (baseline) state, and
// logs every TX write (tx_set, tx_erase: undo_), then undoes them: the line's keys that may differ
// from the baseline's are the written ones (divergent_). The line's run then equals the baseline's
// everywhere but in those keys, by induction over the rules that follow, as long as:
//  - the rule's own evaluation read no divergent key: its probe's reads (operator over targets) and
//    its match's (setvars, later links: cp.match_reads) miss them, so the baseline state gives the
//    line's result;
//  - a full match of its chain changes no flow and logs nothing (evaluate_chain: `quiet`), and
//    MATCHED_VAR it leaves set is replaced before anyone reads it (cp.matched_var_rests);
//  - no rule the baseline evaluates afterwards reads a divergent key (position_reads_: the whole
//    chain for rules that do not depend on the request, the probe for checkpoints, whose match reads
//    are checked when they diverge in turn), nor does the verdict (anomaly_score).
// When one of these fails, the full interpreter resumes at the first checkpoint that diverged, where
// the line's state still was the baseline's.
#include <algorithm>

#include "crs/evaluator.hpp"

namespace vigil::crs {

void evaluator::build_divergence() {
  position_reads_.assign(baseline_tops_.size() + 1, {});
  std::vector<const checkpoint*> at(baseline_tops_.size(), nullptr);
  for (const auto& cp : checkpoints_) at[cp.top_position] = &cp;
  for (std::size_t p = 0; p < baseline_tops_.size(); ++p) {
    const rule& top = *baseline_tops_[p];
    add_operator_reads(top, top, position_reads_[p]);
    // A checkpoint's first link is probed (its operator only); anything else may run whole.
    if (!at[p] || !at[p]->first_link) add_match_reads(top, top, position_reads_[p]);
  }
  position_reads_.back().add_key("anomaly_score");  // the verdict's score
  for (auto& cp : checkpoints_) {
    if (!cp.first_link) continue;
    add_match_reads(*cp.top, *cp.top, cp.match_reads);
    cp.matched_var_rests = matched_var_rests(cp);
  }
}

std::size_t evaluator::next_reader(const std::string& key, std::size_t after) {
  auto it = readers_of_.find(key);
  if (it == readers_of_.end()) {
    // Keys come from the request (tx.header_name_<name>): bound what is remembered.
    if (readers_of_.size() >= 4096) readers_of_.clear();
    std::vector<std::uint32_t> positions;
    for (std::size_t p = 0; p < position_reads_.size(); ++p)
      if (position_reads_[p].contains(key)) positions.push_back(static_cast<std::uint32_t>(p));
    it = readers_of_.emplace(key, std::move(positions)).first;
  }
  auto next = std::upper_bound(it->second.begin(), it->second.end(), after);
  return next == it->second.end() ? static_cast<std::size_t>(-1) : *next;
}

bool evaluator::diverge(checkpoint& cp) {
  for (const auto& k : divergent_)
    if (cp.match_reads.contains(k)) return false;
  struct restore {
    evaluator& e;
    checkpoint& cp;
    ~restore() {
      e.diverging_ = false;
      for (auto u = e.undo_.rbegin(); u != e.undo_.rend(); ++u) {
        auto at = e.tx_.begin() + static_cast<std::ptrdiff_t>(u->index);
        switch (u->op) {
          case tx_undo::kind::changed: e.divergent_.push_back(u->old.key); *at = std::move(u->old); break;
          case tx_undo::kind::added: e.divergent_.push_back(at->key); e.tx_.erase(at); break;
          case tx_undo::kind::erased: e.divergent_.push_back(u->old.key); e.tx_.insert(at, std::move(u->old)); break;
        }
      }
      e.undo_.clear();
      e.swap_state(cp.state);
      cp.state.matched_var.assign(cp.matched_var);
      cp.state.matched_var_name.assign(cp.matched_var_name);
      if (!cp.state.matched_vars.empty() || !cp.matched_vars.empty()) cp.state.matched_vars = cp.matched_vars;
    }
  };
  swap_state(cp.state);
  undo_.clear();
  restore guard{*this, cp};
  current_top_ = cp.top;
  diverging_ = true;
  effect_ = false;
  bool matched = evaluate_chain(*cp.top, *cp.top);
  return !effect_ && (!matched || cp.matched_var_rests);
}

}  // namespace vigil::crs
