#pragma once
// Text with SecLang macros: "tx.%{MATCHED_VAR_NAME}", "+%{tx.critical_anomaly_score}". Parsed once
// when the rules load; expanded per transaction by whoever can resolve a variable (the evaluator).
#include <string>
#include <string_view>
#include <vector>

namespace vigil::crs {

struct macro_text {
  struct part {
    bool is_variable = false;
    std::string text;        // literal text, or the variable's collection (lowercase: "tx", "matched_var")
    std::string key;         // the variable's key, lowercase ("critical_anomaly_score"); may be empty
  };
  std::vector<part> parts;

  static macro_text parse(std::string_view text);
  bool empty() const { return parts.empty(); }
  bool is_literal() const { return parts.size() <= 1 && (parts.empty() || !parts.front().is_variable); }
  std::string literal() const { return parts.empty() ? std::string() : parts.front().text; }
};

// Resolves one macro variable to its current value ("" when unset).
class macro_resolver {
 public:
  virtual std::string resolve(std::string_view collection, std::string_view key) const = 0;

  std::string expand(const macro_text& m) const {
    std::string out;
    for (const auto& p : m.parts) out += p.is_variable ? resolve(p.text, p.key) : p.text;
    return out;
  }

 protected:
  ~macro_resolver() = default;
};

}  // namespace vigil::crs
