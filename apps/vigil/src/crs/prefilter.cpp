#include "crs/prefilter.hpp"

#include "crs/prefilter_detail.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

namespace vigil::crs {
namespace {

using detail::bit;
using detail::canonical;

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

}  // namespace

// Exact when Hyperscan supports the pattern, a superset (HS_FLAG_PREFILTER) when it supports only
// that, nothing (false) when it supports neither. A pattern that matches one or two characters
// (`.`, `^[^;\s]+`) matches nearly every line: ruling it out would cost a callback per byte and
// save nothing, so it is not used either.
bool prefilter::classify(expression& e, bool& approximate) {
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

prefilter::prefilter(std::shared_ptr<const rule_set> rules) : rules_(std::move(rules)) {
  nodes_.push_back({});
  covered_rule_.assign(rules_->evaluable_count(), false);
  std::map<std::pair<std::vector<transform>, bool>, std::uint32_t> pipeline_ids;
  std::map<std::pair<std::uint32_t, transform>, std::uint32_t> node_ids;
  std::vector<proposal> proposals;
  std::vector<check> eligible;  // every rule the prefilter can cover, by the database or a check

  for (int phase : {1, 2}) {
    for (const rule* r : rules_->phase(phase)) {
      if (r->is_marker() || !r->skipped_reason.empty() || !r->op || !r->op->value_only()) continue;
      // Above the configured paranoia level CRS's own gating skips the rule before it is reached.
      if (r->paranoia_level > rules_->options().paranoia_level) continue;
      const regex* re = r->op->as_regex();
      const auto* phrases = r->op->phrases();
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
      eligible.push_back({r->index, pipeline_id, variables, r->op.get(), r->negated});
      if (r->negated || (!re && !phrases)) continue;

      proposal p{r->index, std::uint64_t{1} << pipeline_id, variables, {}};
      if (re) {
        p.expressions.push_back({re->pattern(), HS_FLAG_DOTALL | HS_FLAG_MULTILINE | HS_FLAG_ALLOWEMPTY, 0, r->index});
      } else {
        for (const auto& phrase : *phrases)
          if (!phrase.empty()) p.expressions.push_back({escape_literal(phrase), HS_FLAG_CASELESS, 0, r->index});
        if (p.expressions.empty()) continue;
      }
      proposals.push_back(std::move(p));
    }
  }
  if (proposals.empty()) {
    finish(eligible);
    return;
  }

  // Everything the database and its tags depend on, for the on-disk cache's key.
  std::string description = std::to_string(covered_rule_.size()) + '\n';
  for (const auto& p : proposals) {
    description += std::to_string(p.rule_index) + ' ' + std::to_string(p.pipelines) + ' ' + std::to_string(p.variables);
    for (const auto& e : p.expressions) description += ' ' + std::to_string(e.flags) + ':' + e.text + '\0';
    description += '\n';
  }
  const std::string& dir = rules_->options().cache_dir;
  std::string key;
  if (!dir.empty()) {
    try {
      key = prefilter_cache_key(description);
      if (auto image = read_prefilter_cache(dir, key); image && adopt(*image)) {
        from_cache_ = true;
        finish(eligible);
        return;
      }
    } catch (const std::exception&) {  // the cache is only ever a shortcut
    }
  }
  compile(proposals);
  if (!key.empty() && db_) {
    try {
      prefilter_image image{tags_, {}, static_cast<std::uint32_t>(approx_), db_};
      for (std::uint32_t i = 0; i < covered_rule_.size(); ++i)
        if (covered_rule_[i]) image.covered.push_back(i);
      write_prefilter_cache(dir, key, image);
    } catch (const std::exception&) {
    }
  }
  finish(eligible);
}

void prefilter::compile(std::vector<proposal>& proposals) {
  std::vector<expression> expressions;
  for (auto& p : proposals) {
    bool usable = true, approximate = false;
    for (auto& e : p.expressions) {
      bool approx_one = false;
      usable = usable && classify(e, approx_one);
      approximate = approximate || approx_one;
    }
    if (!usable) continue;
    auto tag = static_cast<std::uint32_t>(tags_.size());
    tags_.push_back({p.rule_index, p.pipelines, p.variables});
    for (auto& e : p.expressions) {
      e.tag = tag;
      expressions.push_back(std::move(e));
    }
    covered_rule_[p.rule_index] = true;
    ++covered_;
    approx_ += approximate;
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
}

// A cached image is used only when it fits these rules; otherwise it is a miss.
bool prefilter::adopt(prefilter_image& image) {
  bool fits = image.db != nullptr;
  for (const auto& t : image.tags)
    fits = fits && t.rule_index < covered_rule_.size() && t.pipelines != 0 && (t.pipelines >> pipelines_.size()) == 0;
  for (auto c : image.covered) fits = fits && c < covered_rule_.size();
  if (!fits) {
    hs_free_database(image.db);
    return false;
  }
  db_ = image.db;
  image.db = nullptr;
  tags_ = std::move(image.tags);
  for (auto c : image.covered) covered_rule_[c] = true;
  covered_ = image.covered.size();
  approx_ = image.approximated;
  return true;
}

// The pipelines the database scans per variable, from its rules' tags; the eligible rules it did not
// take become checks, whose pipelines are computed but not scanned; the scratch.
void prefilter::finish(const std::vector<check>& eligible) {
  // Checks only where the baseline shortcut would probe: a rule it never reaches (CRS's application
  // exclusions, skipped unless enabled) or whose match it tolerates is not worth running per value.
  std::vector<bool> probed(covered_rule_.size(), false);
  for (std::uint32_t i : evaluator(rules_).probed_first_links()) probed[i] = true;
  auto add = [](std::vector<std::uint64_t>& to, std::uint32_t variables, std::uint64_t pipelines) {
    for (std::uint32_t v = variables; v; v &= v - 1) to[static_cast<std::size_t>(__builtin_ctz(v))] |= pipelines;
  };
  scanned_pipelines_for_variable_.assign(variable_count, 0);
  for (const auto& t : tags_)
    if (covered_rule_[t.rule_index]) add(scanned_pipelines_for_variable_, t.variables, t.pipelines);
  pipelines_for_variable_ = scanned_pipelines_for_variable_;
  checks_for_variable_.resize(variable_count);
  for (const auto& c : eligible) {
    if (covered_rule_[c.rule_index] || !probed[c.rule_index]) continue;
    for (std::uint32_t v = c.variables; v; v &= v - 1)
      checks_for_variable_[static_cast<std::size_t>(__builtin_ctz(v))].push_back(static_cast<std::uint32_t>(checks_.size()));
    add(pipelines_for_variable_, c.variables, std::uint64_t{1} << c.pipeline);
    checks_.push_back(c);
    covered_rule_[c.rule_index] = true;
    ++covered_;
  }
  if (!db_) return;
  if (hs_alloc_scratch(db_, &scratch_) != HS_SUCCESS) throw std::bad_alloc();
}

prefilter::~prefilter() {
  hs_free_scratch(scratch_);
  hs_free_database(db_);
}

}  // namespace vigil::crs
