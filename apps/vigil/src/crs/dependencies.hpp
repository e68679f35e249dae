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
