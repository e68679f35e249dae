#pragma once
// What a rule link reads, found statically: the facts the evaluator's baseline shortcut
// (evaluator_baseline.cpp) rests on. Every answer errs on the side of "it reads": a wrong "no" would
// break the shortcut's equivalence, a wrong "yes" only makes it fall back more often.
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "crs/rule_set.hpp"

namespace vigil::crs {

// True when the link's outcome or effects may depend on the request: it reads a request variable,
// ARGS_COMBINED_SIZE, or a macro other than %{tx.*}, %{matched_var}, %{matched_var_name} and
// %{rule.id} (in its operator argument or its setvars). A link for which this is false computes the
// same thing on every line from the same transaction state.
bool reads_request(const rule& link);

// True when the link may read MATCHED_VAR, MATCHED_VAR_NAME or MATCHED_VARS(_NAMES) as left by an
// earlier rule: as a target, in its operator argument, or (for a link without targets, whose setvars
// run without a match of its own) in its setvars.
bool reads_earlier_match(const rule& link);

// True when a match of the link runs a setvar on TX (others, ip.* and global.*, are not kept).
bool writes_tx(const rule& link);

// A set of TX keys as code reads them: literal keys, TX:/regex/ selectors, or the whole collection.
// contains() errs towards "yes" only through `all`: a key is in it exactly when some read may see it.
class tx_key_set {
 public:
  void add_key(std::string key) { keys_.insert(std::move(key)); }  // lowercase
  void add_pattern(const regex* r) { patterns_.push_back(r); }
  void add_all() { all_ = true; }
  void add_macro(const macro_text& m, std::string_view except = {});  // each %{tx.key} but `except`
  bool contains(std::string_view key) const;                          // key lowercase
  bool empty() const { return !all_ && keys_.empty() && patterns_.empty(); }

 private:
  std::set<std::string, std::less<>> keys_;
  std::vector<const regex*> patterns_;
  bool all_ = false;
};

// TX read by evaluating the link's operator over its targets: its TX targets (by key, /regex/ or
// all) and the %{tx.*} of its operator argument (with %{rule.msg}: of top's msg too). A probe reads
// exactly these.
void add_operator_reads(const rule& top, const rule& link, tx_key_set& out);

// TX read by what a match of `link` runs on top of the probe: its setvars' names and values (but
// %{tx.0} after a non-negated capturing @rx/@pm, whose own match has just written TX.0), and every
// later link of the chain (operator and setvars).
void add_match_reads(const rule& top, const rule& link, tx_key_set& out);

// The TX keys some rule of the set may read. A key nobody reads (tx.ua_hash, tx.real_ip in CRS 3.3.4)
// can hold anything without changing any rule's outcome or the verdict.
class tx_readers {
 public:
  explicit tx_readers(const rule_set& rules);
  bool observed(std::string_view key) const;  // key lowercase

 private:
  void add_macro(const macro_text& m);
  std::set<std::string, std::less<>> keys_;
  std::vector<const regex*> patterns_;  // TX:/regex/ targets
  bool all_ = false;                    // a target reads the whole collection
};

}  // namespace vigil::crs
