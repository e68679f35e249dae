// prefilter_scan: one line's values through the pipelines, memoised per value, and one Hyperscan
// scan of the new ones (see prefilter.hpp).
#include <algorithm>

#include "crs/prefilter.hpp"
#include "crs/prefilter_detail.hpp"

namespace vigil::crs {

using detail::bit;
using detail::canonical;

prefilter_scan::prefilter_scan(std::shared_ptr<const prefilter> filter) : filter_(std::move(filter)) {
  if (filter_->scratch_ && hs_clone_scratch(filter_->scratch_, &scratch_) != HS_SUCCESS) throw std::bad_alloc();
  if (const hs_scratch_t* p = filter_->rules_->scratch_prototype(); p && hs_clone_scratch(p, &operator_scratch_) != HS_SUCCESS) {
    hs_free_scratch(scratch_);
    throw std::bad_alloc();
  }
  node_buffers_.resize(filter_->nodes_.size());
  node_values_.resize(filter_->nodes_.size());
  words_ = (filter_->covered_rule_.size() + 63) / 64;
  candidates_.assign(words_, 0);
}

prefilter_scan::~prefilter_scan() {
  hs_free_scratch(operator_scratch_);
  hs_free_scratch(scratch_);
}

void prefilter_scan::add_value(variable v, std::string_view value) {
  const prefilter& f = *filter_;
  std::uint64_t pipes = f.pipelines_for_variable_[static_cast<std::size_t>(canonical(v))];
  if (!pipes) return;
  const value_cache::lookup key = cache_.prepare(static_cast<std::uint64_t>(canonical(v)), value);
  if (std::span<const std::uint32_t> known; cache_.find(key, known)) {
    for (std::uint32_t i : known) candidates_[i / 64] |= std::uint64_t{1} << (i % 64);
    cache_.count_hit();
    return;
  }
  const auto value_index = static_cast<std::uint32_t>(fresh_count_++);
  if (fresh_.size() < fresh_count_) fresh_.resize(fresh_count_);
  fresh_[value_index] = key;
  fresh_bits_.resize(fresh_count_ * words_);
  std::fill_n(fresh_bits_.begin() + static_cast<std::ptrdiff_t>(value_index * words_), words_, 0);
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
    node_values_[n] = apply_if_changed(nd.t, in, node_buffers_[n]) ? std::string_view(node_buffers_[n]) : in;
  }
  run_checks(v, pipes, value_index);
  // What the database scans: each distinct string once. A string already in the buffer (from another
  // pipeline, or another variable: REQUEST_URI and REQUEST_URI_RAW are often equal) is recorded as
  // an alias of its region, which on_match judges with its own pipelines, variable and value.
  const std::uint32_t var_bit = bit(canonical(v));
  for (std::uint64_t p = f.scanned_pipelines_for_variable_[static_cast<std::size_t>(canonical(v))]; p; p &= p - 1) {
    const std::uint64_t pipe_bit = std::uint64_t{1} << __builtin_ctzll(p);
    for (std::uint32_t n : f.pipelines_[static_cast<std::size_t>(__builtin_ctzll(p))].tested) {
      std::string_view s = node_values_[n];
      auto same = std::find_if(regions_.begin(), regions_.end(), [&](const region& r) {
        return r.length == s.size() && buffer_.compare(r.offset, r.length, s) == 0;
      });
      if (same == regions_.end()) {
        regions_.push_back({buffer_.size(), s.size(), pipe_bit, var_bit, value_index, no_alias});
        buffer_.append(s);
        buffer_ += '\n';
        continue;
      }
      for (region* at = &*same;; at = &aliases_[at->next]) {
        if (at->value == value_index) {
          at->pipelines |= pipe_bit;
          break;
        }
        if (at->next == no_alias) {
          at->next = static_cast<std::uint32_t>(aliases_.size());
          aliases_.push_back({same->offset, same->length, pipe_bit, var_bit, value_index, no_alias});
          break;
        }
      }
    }
  }
}

// The checks that apply to this value: each rule's operator on its pipeline's outputs, exactly.
void prefilter_scan::run_checks(variable v, std::uint64_t pipelines, std::uint32_t value_index) {
  const prefilter& f = *filter_;
  std::uint64_t* bits = fresh_bits_.data() + value_index * words_;
  for (std::uint32_t c : f.checks_for_variable_[static_cast<std::size_t>(canonical(v))]) {
    const auto& check = f.checks_[c];
    if (!((pipelines >> check.pipeline) & 1)) continue;
    const std::uint64_t bit = std::uint64_t{1} << (check.rule_index % 64);
    if (bits[check.rule_index / 64] & bit) continue;
    const char* previous = nullptr;  // under multiMatch, a step that changed nothing hands on its input
    for (std::uint32_t n : f.pipelines_[check.pipeline].tested) {
      const std::string_view value = node_values_[n];
      if (value.data() == previous) continue;  // the same view: tested already
      previous = value.data();
      if (check.op->evaluate(value, *this) == check.negated) continue;
      bits[check.rule_index / 64] |= bit;
      candidates_[check.rule_index / 64] |= bit;
      break;
    }
  }
}

void prefilter_scan::scan(const request& req) {
  std::fill(candidates_.begin(), candidates_.end(), 0);
  buffer_.clear();
  regions_.clear();
  aliases_.clear();
  fresh_count_ = 0;
  if (!filter_->db_ && filter_->checks_.empty()) return;
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
  if (!buffer_.empty() && filter_->db_)
    hs_scan(filter_->db_, buffer_.data(), static_cast<unsigned>(buffer_.size()), 0, scratch_, on_match, this);
  for (std::size_t v = 0; v < fresh_count_; ++v) {
    if (!fresh_[v].storable) continue;
    found_.clear();
    for (std::size_t w = 0; w < words_; ++w)
      for (std::uint64_t bits = fresh_bits_[v * words_ + w]; bits; bits &= bits - 1)
        found_.push_back(static_cast<std::uint32_t>(w * 64 + static_cast<std::size_t>(__builtin_ctzll(bits))));
    cache_.insert(fresh_[v], found_);
  }
}

int prefilter_scan::on_match(unsigned id, unsigned long long, unsigned long long to, unsigned, void* self) {
  auto& s = *static_cast<prefilter_scan*>(self);
  const auto& tag = s.filter_->tags_[id];
  // The region the match ends in: the last one starting at or before `to`.
  auto it = std::upper_bound(s.regions_.begin(), s.regions_.end(), to,
                             [](unsigned long long at, const region& r) { return at < r.offset; });
  if (it == s.regions_.begin()) return 0;
  for (const region* r = &*std::prev(it); r; r = r->next == no_alias ? nullptr : &s.aliases_[r->next]) {
    if (!(r->pipelines & tag.pipelines) || !(r->variables & tag.variables)) continue;
    const std::uint64_t bit = std::uint64_t{1} << (tag.rule_index % 64);
    s.candidates_[tag.rule_index / 64] |= bit;
    s.fresh_bits_[r->value * s.words_ + tag.rule_index / 64] |= bit;  // memoised with the value
  }
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
