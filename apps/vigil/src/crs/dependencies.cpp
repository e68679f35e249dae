#include "crs/dependencies.hpp"

#include <algorithm>

namespace vigil::crs {
namespace {

bool is_matched(std::string_view collection) {
  return collection == "matched_var" || collection == "matched_var_name" || collection == "matched_vars" ||
         collection == "matched_vars_names";
}

// %{rule.msg} expands the rule's msg, which may hold any macro: it counts as reading everything.
bool opaque(const macro_text::part& p) { return p.text == "rule" && p.key != "id"; }

bool macro_reads_request(const macro_text& m) {
  return std::any_of(m.parts.begin(), m.parts.end(), [](const macro_text::part& p) {
    return p.is_variable && (opaque(p) || (p.text != "tx" && p.text != "rule" && !is_matched(p.text)));
  });
}

bool macro_reads_match(const macro_text& m) {
  return std::any_of(m.parts.begin(), m.parts.end(),
                     [](const macro_text::part& p) { return p.is_variable && (opaque(p) || is_matched(p.text)); });
}

bool macro_reads_msg(const macro_text& m) {
  return std::any_of(m.parts.begin(), m.parts.end(),
                     [](const macro_text::part& p) { return p.is_variable && p.text == "rule" && p.key == "msg"; });
}

macro_text operator_macro(const rule& link) {
  return link.op ? macro_text::parse(link.op->argument) : macro_text{};
}

}  // namespace

bool reads_request(const rule& link) {
  for (const target& t : link.targets) {
    switch (t.var) {
      case variable::tx:
      case variable::matched_var:
      case variable::matched_var_name:
      case variable::matched_vars:
      case variable::matched_vars_names:
      case variable::empty_scalar:
      case variable::absent:
        break;
      default:
        return true;
    }
  }
  if (macro_reads_request(operator_macro(link))) return true;
  return std::any_of(link.set_variables.begin(), link.set_variables.end(), [](const set_variable& s) {
    return macro_reads_request(s.name) || macro_reads_request(s.value);
  });
}

bool reads_earlier_match(const rule& link) {
  for (const target& t : link.targets)
    if (t.var == variable::matched_var || t.var == variable::matched_var_name || t.var == variable::matched_vars ||
        t.var == variable::matched_vars_names)
      return true;
  if (macro_reads_match(operator_macro(link))) return true;
  if (!link.targets.empty()) return false;  // its setvars run after its own match, which replaced MATCHED_VAR
  return std::any_of(link.set_variables.begin(), link.set_variables.end(), [](const set_variable& s) {
    return macro_reads_match(s.name) || macro_reads_match(s.value);
  });
}

bool writes_tx(const rule& link) {
  return std::any_of(link.set_variables.begin(), link.set_variables.end(),
                     [](const set_variable& s) { return s.collection == "tx"; });
}

tx_readers::tx_readers(const rule_set& rules) {
  keys_.insert("anomaly_score");  // the verdict's score
  for (int phase : {1, 2}) {
    for (const rule* top : rules.phase(phase)) {
      if (!top->skipped_reason.empty()) continue;  // never evaluated (910's @geoLookup on TX:REAL_IP)
      for (const rule* link = top; link; link = link->chained.get()) {
        for (const target& t : link->targets) {
          if (t.var != variable::tx) continue;
          if (t.key_regex) patterns_.push_back(t.key_regex.get());
          else if (t.key.empty()) all_ = true;
          else keys_.insert(t.key);
        }
        add_macro(operator_macro(*link));
        for (const auto& s : link->set_variables) {
          add_macro(s.name);
          add_macro(s.value);
          // An increment reads only the key it writes: an unread key stays unread.
        }
      }
      // msg is expanded only for %{rule.msg} (logdata never is): then its macros are reads too.
      for (const rule* link = top; link; link = link->chained.get()) {
        bool expands_msg = macro_reads_msg(operator_macro(*link));
        for (const auto& s : link->set_variables) expands_msg = expands_msg || macro_reads_msg(s.name) || macro_reads_msg(s.value);
        if (expands_msg) add_macro(top->msg);
      }
    }
  }
}

void tx_key_set::add_macro(const macro_text& m, std::string_view except) {
  for (const auto& p : m.parts)
    if (p.is_variable && p.text == "tx" && (except.empty() || p.key != except)) keys_.insert(p.key);
}

bool tx_key_set::contains(std::string_view key) const {
  if (all_ || keys_.count(key)) return true;
  return std::any_of(patterns_.begin(), patterns_.end(), [&](const regex* r) { return r->search(key); });
}

void add_operator_reads(const rule& top, const rule& link, tx_key_set& out) {
  for (const target& t : link.targets) {
    if (t.var != variable::tx) continue;
    if (t.key_regex) out.add_pattern(t.key_regex.get());
    else if (t.key.empty()) out.add_all();
    else out.add_key(t.key);
  }
  macro_text m = operator_macro(link);
  out.add_macro(m);
  if (macro_reads_msg(m)) out.add_macro(top.msg);
}

void add_match_reads(const rule& top, const rule& link, tx_key_set& out) {
  // A match of a capturing @rx or @pm stores group 0 before its setvars run (evaluator::test_value).
  const bool own_capture = link.capture && !link.negated && !link.targets.empty() && link.op &&
                           (link.op->name == "rx" || link.op->as_regex() || link.op->phrases());
  const std::string_view fresh = own_capture ? std::string_view("0") : std::string_view();
  bool expands_msg = false;
  for (const auto& s : link.set_variables) {
    out.add_macro(s.name, fresh);
    out.add_macro(s.value, fresh);
    expands_msg = expands_msg || macro_reads_msg(s.name) || macro_reads_msg(s.value);
  }
  if (expands_msg) out.add_macro(top.msg);
  if (link.chained) {
    add_operator_reads(top, *link.chained, out);
    add_match_reads(top, *link.chained, out);
  }
}

void tx_readers::add_macro(const macro_text& m) {
  for (const auto& p : m.parts)
    if (p.is_variable && p.text == "tx") keys_.insert(p.key);
}

bool tx_readers::observed(std::string_view key) const {
  if (all_ || keys_.count(key)) return true;
  return std::any_of(patterns_.begin(), patterns_.end(), [&](const regex* r) { return r->search(key); });
}

}  // namespace vigil::crs
