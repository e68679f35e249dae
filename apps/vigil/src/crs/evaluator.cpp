#include "crs/evaluator.hpp"

#include <algorithm>
#include <cstdlib>
#include <strings.h>

#include "crs/dependencies.hpp"

namespace vigil::crs {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

long to_number(const std::string& s) { return std::strtol(s.c_str(), nullptr, 10); }

bool worth_memoising(const rule& link) {
  return link.transforms.size() >= 3 || link.op->name == "detectsqli" || link.op->name == "detectxss";
}

}  // namespace

evaluator::evaluator(std::shared_ptr<const rule_set> rules) : rules_(std::move(rules)) {
  if (rules_->scratch_prototype() && hs_clone_scratch(rules_->scratch_prototype(), &scratch_) != HS_SUCCESS)
    throw std::bad_alloc();
  build_baseline();
}

evaluator::~evaluator() { hs_free_scratch(scratch_); }

const verdict& evaluator::evaluate_full(const request& req, const candidate_filter* filter) {
  ++full_runs_;
  request_ = &req;
  verdict_ = verdict{};
  tx_.clear();
  matched_var_.clear();
  matched_var_name_.clear();
  matched_vars_.clear();
  removed_ids_.clear();
  removed_tags_.clear();
  removed_targets_by_id_.clear();
  removed_targets_by_tag_.clear();
  stop_ = false;
  return run_from(1, 0, filter);
}

const verdict& evaluator::run_from(int phase, std::size_t position, const candidate_filter* filter) {
  for (; phase <= 2 && !stop_; ++phase, position = 0) run_phase(phase, filter, position);
  if (const std::string* score = tx_find("anomaly_score")) verdict_.anomaly_score = static_cast<int>(to_number(*score));
  return verdict_;
}

bool evaluator::run_phase(int phase, const candidate_filter* filter, std::size_t start) {
  skip_after_.clear();
  skip_ = 0;
  stop_phase_ = false;
  const auto& rules = rules_->phase(phase);
  for (std::size_t i = start; i < rules.size(); ++i) {
    const rule* r = rules[i];
    if (stop_ || stop_phase_) break;
    if (!skip_after_.empty()) {
      if (r->is_marker() && r->marker == skip_after_) skip_after_.clear();
      continue;
    }
    if (r->is_marker()) continue;
    if (skip_ > 0) {
      --skip_;
      continue;
    }
    if (!r->skipped_reason.empty()) continue;
    if (std::any_of(removed_ids_.begin(), removed_ids_.end(), [&](auto p) { return r->id >= p.first && r->id <= p.second; }))
      continue;
    if (std::any_of(removed_tags_.begin(), removed_tags_.end(), [&](const auto& t) { return r->has_tag(t); }))
      continue;
    current_top_ = r;
    if (filter && !filter->may_match(*r)) {
      // Known not to match: the state a failed evaluation leaves (evaluate_chain), without evaluating.
      matched_var_.clear();
      matched_var_name_.clear();
      matched_vars_.clear();
      continue;
    }
    matched_vars_.clear();
    if (recording_) {
      baseline_tops_.push_back(r);
      position_ = {phase, i};
    }
    evaluate_chain(*r, *r);
  }
  return true;
}

bool evaluator::evaluate_chain(const rule& top, const rule& link) {
  if (!evaluate_link(top, link)) {
    matched_var_.clear();
    matched_var_name_.clear();
    matched_vars_.clear();
    return false;
  }
  if (link.chained && !evaluate_chain(top, *link.chained)) return false;
  if (probing_) return effect_ = true;  // the rule matched: the probe knows no more
  if (diverging_) {
    // Only TX may differ from the baseline: a match that logs or changes the flow ends the divergence.
    bool quiet = link.controls.empty() && link.skip_after.empty() && link.skip == 0 &&
                 (link.action == disruption::none || link.action == disruption::pass ||
                  link.action == disruption::block) &&
                 !(&link == &top && top.log && top.id != 0);
    if (!quiet) effect_ = true;
    return true;
  }
  after_full_match(top, link);
  return true;
}

bool evaluator::evaluate_link(const rule& top, const rule& link) {
  if (!link.op) return false;
  if (recording_ && reads_request(link)) {  // the baseline: it fails; the line's probe decides
    checkpoints_.push_back({&top, &link, &link == &top, false, baseline_tops_.size() - 1,
                            {tx_, matched_var_, matched_var_name_, matched_vars_, removed_targets_by_id_,
                             removed_targets_by_tag_},
                            {}, {}, {}, position_.first, position_.second, removed_ids_, removed_tags_, verdict_, {}, false});
    return false;
  }
  capturing_ = link.capture;
  if (link.targets.empty()) {  // SecAction: matches unconditionally, once
    if (probing_) return effect_ = true;
    set_variables(link);
    return true;
  }
  bool any = false;
  for (const target& t : link.targets) {
    if (probing_ && effect_) break;
    bool dropped = std::any_of(link.exclusions.begin(), link.exclusions.end(),
                               [&](const target& e) { return !e.key_regex && e.written == t.written; }) ||
                   std::any_of(removed_targets_by_id_.begin(), removed_targets_by_id_.end(),
                               [&](const auto& p) { return p.first == top.id && p.second == t.written; }) ||
                   std::any_of(removed_targets_by_tag_.begin(), removed_targets_by_tag_.end(),
                               [&](const auto& p) { return top.has_tag(p.first) && p.second == t.written; });
    if (dropped) continue;
    for_each_value(t, [&](std::string_view collection, std::string_view key, std::string_view value) {
      if ((probing_ && effect_) || excluded(top, link, collection, key)) return;
      // A probe runs the checkpoint's link in the checkpoint's fixed state: whether (link, value) has
      // an effect is a function of the value alone (not so for later links of its chain). Memoised
      // where that costs less than evaluating: libinjection, long transformation pipelines. Only "none" is memoised; a hit is evaluated again.
      const bool memo = probing_ && &link == probed_link_ && worth_memoising(link);
      value_cache::lookup quiet;
      if (memo) {
        quiet = quiet_probes_.prepare(reinterpret_cast<std::uintptr_t>(&link), value);
        if (quiet_probes_.contains(quiet)) {
          quiet_probes_.count_hit();
          return;
        }
      }
      if (test_value(top, link, collection, key, value)) any = true;
      else if (memo && !effect_) quiet_probes_.insert(quiet);
    });
  }
  return any;
}

bool evaluator::test_value(const rule& top, const rule& link, std::string_view collection, std::string_view key,
                           std::string_view value) {
  (void)top;
  std::size_t steps = link.transforms.size();
  if (transformed_.size() < steps + 1) transformed_.resize(steps + 1);
  // values[i]: after i transformations; only steps that changed the value are tested under multiMatch.
  std::string_view current = value;
  auto& tested = tested_;
  tested.clear();
  if (link.multi_match) tested.push_back(current);
  if (trace_) trace_values_.assign(1, std::string(value));
  for (std::size_t i = 0; i < steps; ++i) {
    std::string& out = transformed_[i];
    if (apply_if_changed(link.transforms[i], current, out)) {
      current = out;
      if (link.multi_match) tested.push_back(current);
    }
    if (trace_) trace_values_.emplace_back(current);
  }
  if (!link.multi_match) tested.push_back(current);

  bool any = false;
  for (std::string_view v : tested) {
    bool hit = link.op->evaluate(v, *this);
    if (link.negated) hit = !hit;
    if (trace_) {
      trace_step step{&link, std::string(collection) + (key.empty() ? "" : ":" + std::string(key)), {}, {}, hit};
      step.values = trace_values_;
      step.tested.assign(v);
      trace_->push_back(std::move(step));
    }
    if (!hit) continue;
    any = true;
    matched_var_.assign(v);
    matched_var_name_.assign(collection);
    if (!key.empty()) matched_var_name_.append(":").append(key);
    matched_vars_.emplace_back(matched_var_name_, matched_var_);
    if (probing_) {  // a probe writes MATCHED_VAR(S) only (restored after it); a setvar is an effect
      if (writes_tx(link)) return effect_ = true;
      continue;
    }
    set_variables(link);
  }
  return any;
}

template <class Visit>
void evaluator::for_each_value(const target& t, Visit&& visit) {
  const request& r = *request_;
  auto members = [&](const std::vector<request::member>& list, bool names) {
    if (t.count) {
      std::size_t n = 0;
      for (const auto& m : list)
        if (t.key.empty() || (t.key_regex ? t.key_regex->search(m.name) : iequals(m.name, t.key))) ++n;
      std::string count = std::to_string(n);
      visit(t.collection, std::string_view(), count);
      return;
    }
    for (const auto& m : list)
      if (t.key.empty() || (t.key_regex ? t.key_regex->search(m.name) : iequals(m.name, t.key)))
        visit(t.collection, m.name, names ? std::string_view(m.name) : std::string_view(m.value));
  };
  auto scalar = [&](std::string_view value) {
    if (t.count) visit(t.collection, std::string_view(), "1");
    else visit(t.collection, std::string_view(), value);
  };
  switch (t.var) {
    case variable::args:
    case variable::args_get: return members(r.args, false);
    case variable::args_names:
    case variable::args_get_names: return members(r.args, true);
    case variable::request_headers: return members(r.headers, false);
    case variable::request_headers_names: return members(r.headers, true);
    case variable::request_line: return scalar(r.request_line);
    case variable::request_method: return scalar(r.method);
    case variable::request_protocol: return scalar(r.protocol);
    case variable::request_uri: return scalar(r.uri);
    case variable::request_uri_raw: return scalar(r.target);
    case variable::request_filename: return scalar(r.filename);
    case variable::request_basename: return scalar(r.basename);
    case variable::query_string: return scalar(r.query_string);
    case variable::remote_addr: return scalar(r.remote_addr);
    case variable::response_status: return scalar(r.status);
    case variable::args_combined_size: return scalar(std::to_string(r.args_combined_size));
    case variable::matched_var: return scalar(matched_var_);
    case variable::matched_var_name: return scalar(matched_var_name_);
    case variable::empty_scalar: return scalar("");
    case variable::tx: {
      if (!t.key.empty() && !t.key_regex) {  // one key: no need to copy the collection
        const std::string* v = tx_find(t.key);
        if (t.count) return visit(t.collection, std::string_view(), v ? "1" : "0");
        if (!v) return;
        std::string value = *v;  // setvars during the visit may change tx_
        return visit(t.collection, t.key, value);
      }
      std::vector<request::member> copy;  // setvars during the visit may change tx_
      for (auto& e : tx_) {
        // TX:/regex/ (920450's TX:/^header_name_/) runs over ~100 keys that are the same on every
        // line: each entry remembers its key's answer for the last regex asked (keys never change).
        if (t.key_regex && !t.key.empty()) {
          if (e.memo_regex != t.key_regex.get()) {
            e.memo_match = t.key_regex->search(e.key);
            e.memo_regex = t.key_regex.get();
          }
          if (!e.memo_match) continue;
        }
        copy.push_back({e.key, e.value});
      }
      return members(copy, false);
    }
    case variable::matched_vars:
    case variable::matched_vars_names: {
      std::vector<request::member> copy;
      for (const auto& [n, v] : matched_vars_) copy.push_back({n, v});
      return members(copy, t.var == variable::matched_vars_names);
    }
    case variable::absent:
      if (t.count) visit(t.collection, std::string_view(), "0");
      return;
  }
}

bool evaluator::excluded(const rule& top, const rule& link, std::string_view collection, std::string_view key) const {
  if (link.exclusions.empty() && removed_targets_by_id_.empty() && removed_targets_by_tag_.empty()) return false;
  // "<collection>:<key>" == name, without building the string.
  auto names = [&](std::string_view name) {
    return name.size() == collection.size() + 1 + key.size() && name.starts_with(collection) &&
           name[collection.size()] == ':' && name.ends_with(key);
  };
  for (const auto& e : link.exclusions) {
    if (e.key_regex ? e.key_regex->search(key) : names(e.written)) return true;
  }
  for (const auto& [id, name] : removed_targets_by_id_)
    if (id == top.id && names(name)) return true;
  for (const auto& [tag, name] : removed_targets_by_tag_)
    if (top.has_tag(tag) && names(name)) return true;
  return false;
}

void evaluator::set_variables(const rule& link) {
  for (const auto& s : link.set_variables) {
    if (s.collection != "tx") continue;  // persistent collections (ip, global) are not kept
    std::string name = s.name.is_literal() ? s.name.literal() : expand(s.name);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (s.op == set_variable::kind::remove) {
      tx_erase(name);
      continue;
    }
    std::string value = s.value.is_literal() ? s.value.literal() : expand(s.value);
    if (s.op == set_variable::kind::assign) {
      tx_set(name, std::move(value));
      continue;
    }
    const std::string* old = tx_find(name);
    long base = old ? to_number(*old) : 0, delta = to_number(value);
    tx_set(name, std::to_string(s.op == set_variable::kind::add ? base + delta : base - delta));
  }
}

void evaluator::after_full_match(const rule& top, const rule& link) {
  for (const auto& c : link.controls) {
    switch (c.op) {
      case control::kind::remove_by_id: removed_ids_.emplace_back(c.first_id, c.last_id); break;
      case control::kind::remove_by_tag: removed_tags_.push_back(c.tag); break;
      case control::kind::remove_target_by_id: removed_targets_by_id_.emplace_back(c.first_id, c.target); break;
      case control::kind::remove_target_by_tag: removed_targets_by_tag_.emplace_back(c.tag, c.target); break;
      case control::kind::engine_off: stop_ = true; break;
    }
  }
  if (!link.skip_after.empty()) skip_after_ = link.skip_after;
  if (link.skip > 0) skip_ = link.skip;
  switch (link.action) {
    case disruption::deny:
      verdict_.flagged = true;
      stop_ = true;
      break;
    case disruption::allow_phase: stop_phase_ = true; break;
    case disruption::allow_request:
    case disruption::allow_all: stop_ = true; break;
    default: break;
  }
  if (&link == &top && top.log && top.id != 0) {
    rule_match m{&top, matched_var_name_, matched_var_.substr(0, rule_match::max_data)};
    verdict_.matches.push_back(std::move(m));
  }
}

std::string* evaluator::tx_find(std::string_view key) {
  for (auto& e : tx_)
    if (iequals(e.key, key)) return &e.value;
  return nullptr;
}

void evaluator::tx_set(std::string_view key, std::string value) {
  for (std::size_t i = 0; i < tx_.size(); ++i) {
    if (!iequals(tx_[i].key, key)) continue;
    if (diverging_) undo_.push_back({tx_undo::kind::changed, i, tx_[i]});
    tx_[i].value = std::move(value);
    return;
  }
  if (diverging_) undo_.push_back({tx_undo::kind::added, tx_.size(), {}});
  tx_.push_back({std::string(key), std::move(value)});
}

void evaluator::tx_erase(std::string_view key) {  // keys are unique: at most one entry
  for (std::size_t i = 0; i < tx_.size(); ++i) {
    if (!iequals(tx_[i].key, key)) continue;
    if (diverging_) undo_.push_back({tx_undo::kind::erased, i, tx_[i]});
    tx_.erase(tx_.begin() + static_cast<std::ptrdiff_t>(i));
    return;
  }
}

void evaluator::capture(int group, std::string_view text) {
  if (probing_) {
    effect_ = true;
    return;
  }
  if (group < 0 || group > 99) return;
  tx_set(std::to_string(group), std::string(text));
}

std::string evaluator::resolve(std::string_view collection, std::string_view key) const {
  auto* self = const_cast<evaluator*>(this);
  if (collection == "tx") {
    const std::string* v = self->tx_find(key);
    return v ? *v : std::string();
  }
  if (collection == "matched_var") return matched_var_;
  if (collection == "matched_var_name") return matched_var_name_;
  if (collection == "remote_addr") return request_->remote_addr;
  if (collection == "request_line") return request_->request_line;
  if (collection == "request_headers") {
    for (const auto& h : request_->headers)
      if (iequals(h.name, key)) return h.value;
    return {};
  }
  if (collection == "args") {
    for (const auto& a : request_->args)
      if (iequals(a.name, key)) return a.value;
    return {};
  }
  if (collection == "rule" && current_top_) {
    if (key == "id") return std::to_string(current_top_->id);
    if (key == "msg") return self->expand(current_top_->msg);
  }
  return {};
}

}  // namespace vigil::crs
