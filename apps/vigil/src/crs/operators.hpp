#pragma once
// SecLang operators (`@rx`, `@pm`, `@detectSQLi`, ...), each with libmodsecurity 3.0.9's semantics.
// An operator is compiled once when the rules load and is immutable afterwards; per-thread state
// (PCRE2 match data, Hyperscan scratch) lives in the operator_context of the calling thread.
#include <hs/hs.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "crs/macro.hpp"

struct pcre2_real_code_8;

namespace vigil::crs {

// A PCRE2 pattern compiled as ModSecurity compiles SecLang regexes (DOTALL | MULTILINE, JIT).
// Thread-safe: matching uses per-thread match data.
class regex {
 public:
  // Throws std::invalid_argument with PCRE2's message and the offset.
  regex(const std::string& pattern, bool caseless);
  ~regex();
  regex(const regex&) = delete;
  regex& operator=(const regex&) = delete;

  // First match; fills `groups` (group number -> text; unset groups skipped) when given.
  bool search(std::string_view subject, std::vector<std::pair<int, std::string_view>>* groups = nullptr) const;
  const std::string& pattern() const { return pattern_; }

 private:
  std::string pattern_;
  pcre2_real_code_8* code_ = nullptr;
};

// What an operator needs from the transaction evaluating it.
class operator_context : public macro_resolver {
 public:
  virtual bool capturing() const = 0;                          // the rule has `capture`
  virtual void capture(int group, std::string_view text) = 0;  // TX.<group>
  virtual std::string_view remote_addr() const = 0;
  virtual hs_scratch_t* scratch() = 0;                         // large enough for every @pm database

 protected:
  ~operator_context() = default;
};

class operator_base {
 public:
  virtual ~operator_base() = default;
  virtual bool evaluate(std::string_view input, operator_context& ctx) const = 0;

  std::string name;      // "rx", lowercase
  std::string argument;  // as written, macros unexpanded
  // @rx and @pm expose their patterns for the prefilter: a value this returns no match for cannot
  // match the operator either.
  virtual const regex* as_regex() const { return nullptr; }
  virtual const std::vector<std::string>* phrases() const { return nullptr; }
  // True when the outcome is a function of the input alone (no macro in the argument): the
  // prefilter may then run it once per distinct value and remember the answer.
  virtual bool value_only() const { return true; }
};

// Builds an operator. `rules_dir` resolves @pmFromFile's relative paths. Returns null with
// `unsupported` set for operators that need what a log does not have (@rbl, @geoLookup, @inspectFile,
// ...). Throws std::invalid_argument for a malformed argument (bad regex, unreadable data file).
// `cache_dir` keeps @pm's compiled databases between runs (load_options::cache_dir).
std::unique_ptr<operator_base> make_operator(const std::string& name, const std::string& argument,
                                             const std::string& rules_dir, std::string& unsupported,
                                             const std::string& cache_dir = {});

// Every Hyperscan database the @pm operators of a set compiled, for sizing each thread's scratch.
void grow_scratch(const operator_base& op, hs_scratch_t*& scratch);

}  // namespace vigil::crs
