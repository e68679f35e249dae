#include "crs/prefilter.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

namespace vigil::crs {
namespace {

constexpr std::uint32_t bit(variable v) { return 1u << static_cast<unsigned>(v); }

// GET arguments are all the arguments a log line has: the two views share their values.
variable canonical(variable v) {
  if (v == variable::args_get) return variable::args;
  if (v == variable::args_get_names) return variable::args_names;
  return v;
}

bool request_variable(variable v) {
  switch (v) {
    case variable::tx:
    case variable::matched_var:
    case variable::matched_var_name:
    case variable::matched_vars:
    case variable::matched_vars_names:
    case variable::args_combined_size:
      return false;
    default:
      return true;
  }
}

std::string escape_literal(const std::string& phrase) {
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : phrase) {
    if (std::isalnum(c)) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

struct expression {
  std::string text;
  unsigned flags;
  std::uint32_t tag;
  std::uint32_t rule_index;
};

// Exact when Hyperscan supports the pattern, a superset (HS_FLAG_PREFILTER) when it supports only
// that, nothing (false) when it supports neither. A pattern that matches one or two characters
// (`.`, `^[^;\s]+`) matches nearly every line: ruling it out would cost a callback per byte and
// save nothing, so it is not used either.
bool classify(expression& e, bool& approximate) {
  hs_expr_info_t* info = nullptr;
  hs_compile_error_t* error = nullptr;
  approximate = false;
  if (hs_expression_info(e.text.c_str(), e.flags, &info, &error) != HS_SUCCESS) {
    hs_free_compile_error(error);
    e.flags |= HS_FLAG_PREFILTER;
    approximate = true;
    if (hs_expression_info(e.text.c_str(), e.flags, &info, &error) != HS_SUCCESS) {
      hs_free_compile_error(error);
      return false;
    }
  }
  bool selective = info->min_width > 2;
  std::free(info);
  return selective;
}

}  // namespace

prefilter::prefilter(std::shared_ptr<const rule_set> rules) : rules_(std::move(rules)) {
  nodes_.push_back({});
  pipelines_for_variable_.assign(variable_count, 0);
  covered_rule_.assign(rules_->evaluable_count(), false);
  std::map<std::pair<std::vector<transform>, bool>, std::uint32_t> pipeline_ids;
  std::map<std::pair<std::uint32_t, transform>, std::uint32_t> node_ids;
  std::vector<expression> expressions;

  for (int phase : {1, 2}) {
    for (const rule* r : rules_->phase(phase)) {
      if (r->is_marker() || !r->skipped_reason.empty() || !r->op || r->negated) continue;
      // Above the configured paranoia level CRS's own gating skips the rule before it is reached.
      if (r->paranoia_level > rules_->options().paranoia_level) continue;
      const regex* re = r->op->as_regex();
      const auto* phrases = r->op->phrases();
      if (!re && !phrases) continue;
      std::uint32_t variables = 0;
      bool request_only = !r->targets.empty();
      for (const auto& t : r->targets) {
        request_only = request_only && !t.count && request_variable(t.var);
        variables |= bit(canonical(t.var));
      }
      if (!request_only) continue;

      auto key = std::make_pair(r->transforms, r->multi_match);
      auto [it, added] = pipeline_ids.emplace(key, static_cast<std::uint32_t>(pipelines_.size()));
      if (added) {
        if (pipelines_.size() == 64) continue;  // more pipelines than bits: evaluate such rules always
        pipeline p;
        std::uint32_t at = 0;
        if (r->multi_match) p.tested.push_back(0);
        for (transform t : r->transforms) {
          auto [n, fresh] = node_ids.emplace(std::make_pair(at, t), static_cast<std::uint32_t>(nodes_.size()));
          if (fresh) nodes_.push_back({at, t});
          at = n->second;
          if (r->multi_match) p.tested.push_back(at);
        }
        if (!r->multi_match) p.tested.push_back(at);
        pipelines_.push_back(std::move(p));
      }
      std::uint32_t pipeline_id = it->second;
      if (pipeline_id >= 64) continue;

      std::vector<expression> mine;
      auto tag = static_cast<std::uint32_t>(tags_.size());
      if (re) {
        mine.push_back({re->pattern(), HS_FLAG_DOTALL | HS_FLAG_MULTILINE | HS_FLAG_ALLOWEMPTY, tag, r->index});
      } else {
        for (const auto& phrase : *phrases)
          if (!phrase.empty()) mine.push_back({escape_literal(phrase), HS_FLAG_CASELESS, tag, r->index});
        if (mine.empty()) continue;
      }
      bool usable = true, approximate = false;
      for (auto& e : mine) {
        bool approx_one = false;
        usable = usable && classify(e, approx_one);
        approximate = approximate || approx_one;
      }
      if (!usable) continue;
      tags_.push_back({r->index, std::uint64_t{1} << pipeline_id, variables});
      for (auto& e : mine) expressions.push_back(std::move(e));
      covered_rule_[r->index] = true;
      ++covered_;
      approx_ += approximate;
      for (const auto& t : r->targets) pipelines_for_variable_[static_cast<std::size_t>(canonical(t.var))] |= std::uint64_t{1} << pipeline_id;
    }
  }
  if (expressions.empty()) return;

  // A pattern that passes hs_expression_info can still exceed Hyperscan's limits when compiled
  // ("Pattern is too large"): its rule is then left to the evaluator and the rest compiled again.
  for (;;) {
    std::vector<const char*> texts;
    std::vector<unsigned> flags, ids;
    for (const auto& e : expressions) {
      texts.push_back(e.text.c_str());
      flags.push_back(e.flags);
      ids.push_back(e.tag);
    }
    hs_compile_error_t* error = nullptr;
    if (hs_compile_multi(texts.data(), flags.data(), ids.data(), static_cast<unsigned>(texts.size()), HS_MODE_BLOCK,
                         nullptr, &db_, &error) == HS_SUCCESS)
      break;
    std::string message = error ? error->message : "unknown error";
    int which = error ? error->expression : -1;
    hs_free_compile_error(error);
    if (which < 0) throw std::runtime_error("CRS prefilter: Hyperscan: " + message);
    std::uint32_t dropped = expressions[static_cast<std::size_t>(which)].rule_index;
    std::erase_if(expressions, [&](const expression& e) { return e.rule_index == dropped; });
    covered_rule_[dropped] = false;
    --covered_;
    if (expressions.empty()) return;
  }
  if (hs_alloc_scratch(db_, &scratch_) != HS_SUCCESS) throw std::bad_alloc();
}

prefilter::~prefilter() {
  hs_free_scratch(scratch_);
  hs_free_database(db_);
}

prefilter_scan::prefilter_scan(std::shared_ptr<const prefilter> filter) : filter_(std::move(filter)) {
  if (filter_->scratch_ && hs_clone_scratch(filter_->scratch_, &scratch_) != HS_SUCCESS) throw std::bad_alloc();
  node_buffers_.resize(filter_->nodes_.size());
  node_values_.resize(filter_->nodes_.size());
  candidates_.assign((filter_->covered_rule_.size() + 63) / 64, 0);
}

prefilter_scan::~prefilter_scan() { hs_free_scratch(scratch_); }

void prefilter_scan::add_value(variable v, std::string_view value) {
  const prefilter& f = *filter_;
  std::uint64_t pipes = f.pipelines_for_variable_[static_cast<std::size_t>(canonical(v))];
  if (!pipes) return;
  // Each node is computed at most once per value: nodes are stored parents first, so one pass in
  // index order over the nodes the pipelines need is enough.
  thread_local std::vector<bool> needed;
  needed.assign(f.nodes_.size(), false);
  for (std::uint64_t p = pipes; p; p &= p - 1) {
    const auto& pl = f.pipelines_[static_cast<std::size_t>(__builtin_ctzll(p))];
    for (std::uint32_t n : pl.tested)
      for (std::uint32_t at = n; at != 0 && !needed[at]; at = f.nodes_[at].parent) needed[at] = true;
  }
  node_values_[0] = value;
  for (std::size_t n = 1; n < f.nodes_.size(); ++n) {
    if (!needed[n]) continue;
    const auto& nd = f.nodes_[n];
    std::string_view in = node_values_[nd.parent];
    node_values_[n] = apply(nd.t, in, node_buffers_[n]) ? std::string_view(node_buffers_[n]) : in;
  }
  const std::size_t first_region = regions_.size();
  std::uint32_t var_bit = bit(canonical(v));
  for (std::uint64_t p = pipes; p; p &= p - 1) {
    auto pid = static_cast<std::size_t>(__builtin_ctzll(p));
    for (std::uint32_t n : f.pipelines_[pid].tested) {
      std::string_view s = node_values_[n];
      bool merged = false;
      for (std::size_t r = first_region; r < regions_.size() && !merged; ++r) {
        auto& reg = regions_[r];
        if (reg.length == s.size() && buffer_.compare(reg.offset, reg.length, s) == 0) {
          reg.pipelines |= std::uint64_t{1} << pid;
          merged = true;
        }
      }
      if (merged) continue;
      regions_.push_back({buffer_.size(), s.size(), std::uint64_t{1} << pid, var_bit});
      buffer_.append(s);
      buffer_ += '\n';
    }
  }
}

void prefilter_scan::scan(const request& req) {
  std::fill(candidates_.begin(), candidates_.end(), 0);
  buffer_.clear();
  regions_.clear();
  if (!filter_->db_) return;
  for (const auto& a : req.args) {
    add_value(variable::args, a.value);
    add_value(variable::args_names, a.name);
  }
  for (const auto& h : req.headers) {
    add_value(variable::request_headers, h.value);
    add_value(variable::request_headers_names, h.name);
  }
  add_value(variable::request_line, req.request_line);
  add_value(variable::request_method, req.method);
  add_value(variable::request_protocol, req.protocol);
  add_value(variable::request_uri, req.uri);
  add_value(variable::request_uri_raw, req.target);
  add_value(variable::request_filename, req.filename);
  add_value(variable::request_basename, req.basename);
  add_value(variable::query_string, req.query_string);
  add_value(variable::remote_addr, req.remote_addr);
  add_value(variable::response_status, req.status);
  add_value(variable::empty_scalar, "");
  if (buffer_.empty()) return;
  hs_scan(filter_->db_, buffer_.data(), static_cast<unsigned>(buffer_.size()), 0, scratch_, on_match, this);
}

int prefilter_scan::on_match(unsigned id, unsigned long long, unsigned long long to, unsigned, void* self) {
  auto& s = *static_cast<prefilter_scan*>(self);
  const auto& tag = s.filter_->tags_[id];
  if (s.candidates_[tag.rule_index / 64] & (std::uint64_t{1} << (tag.rule_index % 64))) return 0;
  // The region the match ends in: the last one starting at or before `to`.
  auto it = std::upper_bound(s.regions_.begin(), s.regions_.end(), to,
                             [](unsigned long long at, const region& r) { return at < r.offset; });
  if (it == s.regions_.begin()) return 0;
  const region& r = *std::prev(it);
  if ((r.pipelines & tag.pipelines) && (r.variables & tag.variables))
    s.candidates_[tag.rule_index / 64] |= std::uint64_t{1} << (tag.rule_index % 64);
  return 0;
}

bool prefilter_scan::may_match(const rule& first_link) const {
  const auto i = first_link.index;
  if (i >= filter_->covered_rule_.size() || !filter_->covered_rule_[i]) return true;
  return (candidates_[i / 64] >> (i % 64)) & 1;
}

}  // namespace vigil::crs

namespace vigil::crs {
std::size_t prefilter_scan::candidate_count() const {
  std::size_t n = 0;
  for (auto w : candidates_) n += static_cast<std::size_t>(__builtin_popcountll(w));
  return n;
}
}  // namespace vigil::crs
