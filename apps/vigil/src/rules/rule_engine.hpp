#pragma once
// Holds the rule set in force and replaces it on reload. reload() builds the new set completely
// (parse, validate, compile) before publishing it with one atomic store; if anything fails the
// old set stays in force and the error is returned. Readers take a snapshot with current() (or
// cheaply compare generation() to notice a change) and keep using it for as long as they hold
// it, so a line is always matched against exactly one rule set. Thread-safe. (The pointer is
// guarded by a mutex rather than std::atomic<shared_ptr>: readers touch it only when the
// generation moved, and libstdc++ 12's atomic shared_ptr is opaque to ThreadSanitizer.)
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "rules/rule_set.hpp"

namespace vigil {

struct reload_result {
  bool ok = false;
  std::string error;        // what failed, naming file, rule and cause; empty when ok
  std::size_t rules = 0;    // rules in force after the call
  std::uint64_t generation = 0;
};

class rule_engine {
 public:
  // Throws rule_error when the initial file is unusable (startup fails, naming the rule).
  explicit rule_engine(const rule_sources& sources);
  explicit rule_engine(const std::string& path) : rule_engine(rule_sources(path)) {}
  explicit rule_engine(std::shared_ptr<const rule_set> initial);

  reload_result reload();                              // re-reads the configured sources
  reload_result reload(const rule_sources& sources);  // switches to other files (kept on success)

  std::shared_ptr<const rule_set> current() const {
    std::lock_guard lock(current_mutex_);
    return current_;
  }
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  std::mutex reload_mutex_;  // serialises reloads (rare); readers never take it
  rule_sources sources_;
  mutable std::mutex current_mutex_;  // guards current_ only (held for a pointer copy)
  std::shared_ptr<const rule_set> current_;
  std::atomic<std::uint64_t> generation_{1};
};

// A per-thread matcher that follows the engine: refresh() swaps to the newest set when the
// generation moved (call it between batches, not while holding hits from the old set).
class engine_matcher {
 public:
  explicit engine_matcher(const rule_engine& engine);
  bool refresh();  // true when the rule set changed
  rule_matcher& matcher() { return *matcher_; }
  // Kept across refreshes: see rule_matcher::set_crs_in_force.
  void set_crs_in_force(bool in_force) {
    crs_in_force_ = in_force;
    matcher_->set_crs_in_force(in_force);
  }

 private:
  const rule_engine& engine_;
  std::uint64_t generation_;
  std::unique_ptr<rule_matcher> matcher_;
  bool crs_in_force_ = false;
};

}  // namespace vigil
