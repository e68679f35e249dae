#include "rules/rule_set.hpp"

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <future>
#include <new>

namespace vigil {
namespace {

unsigned hyperscan_flags(const rule& r) {
  return HS_FLAG_SINGLEMATCH | HS_FLAG_DOTALL | (r.case_sensitive ? 0u : HS_FLAG_CASELESS);
}

std::string rejected(std::string_view origin, const rule& r, const char* message) {
  if (!r.file.empty()) origin = r.file;
  return "rules file " + std::string(origin) + ": rule '" + r.id + "' (field " +
         std::string(rule_field_names[static_cast<std::size_t>(r.field)]) + ", pattern '" + r.pattern +
         "'): Hyperscan: " + message + "; fix or remove the pattern";
}

int on_match(unsigned int id, unsigned long long, unsigned long long, unsigned int, void* context) {
  static_cast<std::vector<std::uint32_t>*>(context)->push_back(id);
  return 0;  // keep scanning
}

}  // namespace

std::shared_ptr<const rule_set> rule_set::compile(std::vector<rule> rules, std::string_view origin) {
  return build(std::move(rules), origin, {});
}

std::shared_ptr<rule_set> rule_set::build(std::vector<rule> rules, std::string_view origin,
                                          std::vector<rule_file_summary> files) {
  std::shared_ptr<rule_set> set(new rule_set());
  set->files_ = std::move(files);
  set->rules_ = std::move(rules);
  for (const auto& r : set->rules_) {
    std::size_t index = 0;
    while (index < set->categories_.size() && set->categories_[index] != r.category) ++index;
    if (index == set->categories_.size()) set->categories_.push_back(r.category);
    set->rule_category_.push_back(index);
    set->has_fallback_ = set->has_fallback_ || r.fallback;
  }
  // Each field's database compiles on its own thread (Hyperscan compilation is reentrant); the
  // target database dominates, so this mostly hides the small ones behind it.
  struct field_result {
    hs_database_t* db = nullptr;
    std::string error;
  };
  const rule_set& view = *set;
  auto compile_field = [&view, origin](std::size_t f) {
    field_result result;
    std::vector<const char*> patterns;
    std::vector<unsigned> flags;
    std::vector<unsigned> ids;
    for (std::size_t i = 0; i < view.rules_.size(); ++i) {
      const auto& r = view.rules_[i];
      if (static_cast<std::size_t>(r.field) != f) continue;
      patterns.push_back(r.pattern.c_str());
      flags.push_back(hyperscan_flags(r));
      ids.push_back(static_cast<unsigned>(i));
    }
    if (patterns.empty()) return result;
    hs_compile_error_t* error = nullptr;
    const auto rc = hs_compile_multi(patterns.data(), flags.data(), ids.data(), static_cast<unsigned>(patterns.size()),
                                     HS_MODE_BLOCK, nullptr, &result.db, &error);
    if (rc != HS_SUCCESS) {
      result.db = nullptr;
      result.error = "rules file " + std::string(origin) + ": ";
      if (error && error->expression >= 0) {
        result.error = rejected(origin, view.rules_[ids[static_cast<std::size_t>(error->expression)]], error->message);
      } else {
        result.error += "field " + std::string(rule_field_names[f]) + ": Hyperscan: " +
                        (error ? error->message : "compile failed");
      }
      hs_free_compile_error(error);
    }
    return result;
  };
  std::array<std::future<field_result>, rule_field_count> pending;
  for (std::size_t f = 0; f < rule_field_count; ++f)
    pending[f] = std::async(std::launch::async | std::launch::deferred, compile_field, f);
  std::string first_error;
  std::exception_ptr failure;  // collect every field before throwing, so no database leaks
  for (std::size_t f = 0; f < rule_field_count; ++f) {
    try {
      auto result = pending[f].get();
      set->databases_[f] = result.db;  // owned by the set from here (freed with it, also on error)
      if (first_error.empty()) first_error = std::move(result.error);
    } catch (...) {
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
  if (!first_error.empty()) throw rule_error(first_error);
  for (auto* db : set->databases_) {
    if (db && hs_alloc_scratch(db, &set->scratch_) != HS_SUCCESS) throw std::bad_alloc();
  }
  return set;
}

std::shared_ptr<const rule_set> rule_set::load(const rule_sources& sources) {
  auto loaded = load_rules(sources);
  return build(std::move(loaded.rules), sources.dir.empty() ? sources.file : sources.file + " + " + sources.dir,
               std::move(loaded.files));
}

void rule_set::check(const rule_sources& sources) {
  for (const auto& r : load_rules(sources).rules) {
    hs_expr_info_t* info = nullptr;
    hs_compile_error_t* error = nullptr;
    if (hs_expression_info(r.pattern.c_str(), hyperscan_flags(r), &info, &error) != HS_SUCCESS) {
      std::string message = rejected(sources.file, r, error ? error->message : "invalid pattern");
      hs_free_compile_error(error);
      throw rule_error(message, r.file);
    }
    std::free(info);  // allocated with Hyperscan's misc allocator, malloc by default
  }
}

rule_set::~rule_set() {
  for (auto* db : databases_) hs_free_database(db);
  hs_free_scratch(scratch_);
}

rule_matcher::rule_matcher(std::shared_ptr<const rule_set> rules) : rules_(std::move(rules)) {
  if (rules_->scratch_prototype() &&
      hs_clone_scratch(rules_->scratch_prototype(), &scratch_) != HS_SUCCESS)
    throw std::bad_alloc();
}

rule_matcher::~rule_matcher() { hs_free_scratch(scratch_); }

void rule_matcher::scan(const hs_database_t* db, std::string_view text, std::vector<std::uint32_t>& hits) {
  hs_scan(db, text.data(), static_cast<unsigned>(std::min<std::size_t>(text.size(), 0xffffffffu)), 0, scratch_, on_match,
          &hits);
}

void rule_matcher::match(const match_input& input, std::vector<std::uint32_t>& hits) {
  const auto first = hits.size();
  match_all(input, hits);
  if (crs_in_force_ && rules_->has_fallback())
    hits.erase(std::remove_if(hits.begin() + static_cast<std::ptrdiff_t>(first), hits.end(),
                              [this](std::uint32_t h) { return rules_->rules()[h].fallback; }),
               hits.end());
}

void rule_matcher::match_all(const match_input& input, std::vector<std::uint32_t>& hits) {
  for (std::size_t f = 0; f < rule_field_count; ++f) {
    const auto* db = rules_->database(static_cast<rule_field>(f));
    const auto text = input.fields[f];
    if (!db || text.empty()) continue;
    hit_cache* cache = f == static_cast<std::size_t>(rule_field::user_agent) ? &agent_cache_
                       : f == static_cast<std::size_t>(rule_field::referer)  ? &referer_cache_
                                                                              : nullptr;
    if (!cache || text.size() > cache_max_key) {
      scan(db, text, hits);
      continue;
    }
    if (const auto it = cache->find(text); it != cache->end()) {
      hits.insert(hits.end(), it->second.begin(), it->second.end());
      continue;
    }
    fresh_.clear();
    scan(db, text, fresh_);
    hits.insert(hits.end(), fresh_.begin(), fresh_.end());
    if (cache->size() >= cache_capacity) cache->clear();
    cache->emplace(std::string(text), fresh_);
  }
}

}  // namespace vigil
