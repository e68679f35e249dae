#pragma once
// A bounded per-thread memo from byte strings to what a pure function of them gave: the prefilter's
// candidates for one request value, a probe's "no effect" for one rule and value. Logs repeat their
// values (a site has a few hundred User-Agents, its pages, its Referers), so most lookups hit.
//
// Bounded by bytes: when the keys stored exceed the budget the whole map is cleared (no per-entry
// bookkeeping; what repeats comes back within a few lines). Keys longer than `max_key` are not stored:
// long values rarely repeat and would crowd out the rest.
//
// Keys are built by the caller in key() (a tag, then the value) so a lookup allocates nothing.
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace vigil::crs {

template <class Value>
class value_cache {
 public:
  explicit value_cache(std::size_t budget_bytes = std::size_t{4} << 20, std::size_t max_key = 512)
      : budget_(budget_bytes), max_key_(max_key) {}

  // The key for `value` under `tag` (a rule, a variable kind), in a buffer reused between calls; null
  // when the value is too long to be cached.
  const std::string* key(std::uint64_t tag, std::string_view value) {
    if (value.size() + sizeof tag > max_key_) return nullptr;
    key_.resize(sizeof tag);
    std::memcpy(key_.data(), &tag, sizeof tag);
    key_.append(value);
    return &key_;
  }

  const Value* find(const std::string& key) const {
    auto it = map_.find(key);
    return it == map_.end() ? nullptr : &it->second;
  }

  void insert(const std::string& key, Value v) {
    if (bytes_ + key.size() > budget_) {
      map_.clear();
      bytes_ = 0;
    }
    if (map_.emplace(key, std::move(v)).second) bytes_ += key.size() + overhead;
  }

  std::size_t size() const { return map_.size(); }
  std::size_t hits() const { return hits_; }
  void count_hit() { ++hits_; }

 private:
  static constexpr std::size_t overhead = 64;  // a node, its hash and the string's header, roughly
  std::unordered_map<std::string, Value> map_;
  std::string key_;
  std::size_t bytes_ = 0, budget_, max_key_, hits_ = 0;
};

}  // namespace vigil::crs
