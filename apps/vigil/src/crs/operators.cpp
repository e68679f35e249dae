#include "crs/operators.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <array>
#include <bitset>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "crs/libinjection.hpp"
#include "parse/client_address.hpp"
#include "crs/prefilter_cache.hpp"

namespace vigil::crs {

// ---- regex ----

regex::regex(const std::string& pattern, bool caseless) : pattern_(pattern) {
  int error = 0;
  PCRE2_SIZE offset = 0;
  std::uint32_t options = PCRE2_DOTALL | PCRE2_MULTILINE | (caseless ? PCRE2_CASELESS : 0);
  code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), options, &error, &offset,
                        nullptr);
  if (!code_) {
    std::array<PCRE2_UCHAR, 256> message{};
    pcre2_get_error_message(error, message.data(), message.size());
    throw std::invalid_argument("PCRE2: " + std::string(reinterpret_cast<const char*>(message.data())) +
                                " at offset " + std::to_string(offset));
  }
  pcre2_jit_compile(code_, PCRE2_JIT_COMPLETE);  // best effort: the interpreter runs without it
}

regex::~regex() { pcre2_code_free(code_); }

bool regex::search(std::string_view subject, std::vector<std::pair<int, std::string_view>>* groups) const {
  // One match-data block per thread, large enough for CRS's patterns (ovector pairs beyond it are
  // simply not reported, as a capture past TX.31 never is read).
  struct match_data_holder {
    pcre2_match_data* data = pcre2_match_data_create(32, nullptr);
    ~match_data_holder() { pcre2_match_data_free(data); }
  };
  thread_local match_data_holder holder;
  auto* s = reinterpret_cast<PCRE2_SPTR>(subject.data());
  int rc = pcre2_match(code_, s, subject.size(), 0, 0, holder.data, nullptr);
  if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
    rc = pcre2_match(code_, s, subject.size(), 0, PCRE2_NO_JIT, holder.data, nullptr);
  if (rc < 0) return false;
  if (groups) {
    groups->clear();
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(holder.data);
    int pairs = rc == 0 ? 32 : rc;
    for (int i = 0; i < pairs; ++i) {
      PCRE2_SIZE start = ovector[2 * i], end = ovector[2 * i + 1];
      if (start == PCRE2_UNSET || end > subject.size() || start > end) continue;
      groups->emplace_back(i, subject.substr(start, end - start));
    }
  }
  return true;
}

namespace {

bool has_macro(const std::string& s) { return s.find("%{") != std::string::npos; }

// Operators whose argument may hold macros expand it per evaluation; others keep it literal.
class with_argument : public operator_base {
 protected:
  explicit with_argument(const std::string& arg) : macro_(macro_text::parse(arg)), literal_(!has_macro(arg)) {}
  std::string param(operator_context& ctx) const { return literal_ ? argument : ctx.expand(macro_); }
  // The same without a copy of a literal argument: an expansion is kept in `scratch`.
  std::string_view param(operator_context& ctx, std::string& scratch) const {
    return literal_ ? std::string_view(argument) : std::string_view(scratch = ctx.expand(macro_));
  }
  bool value_only() const override { return literal_; }

 private:
  macro_text macro_;
  bool literal_;
};

class rx_operator final : public with_argument {
 public:
  explicit rx_operator(const std::string& arg) : with_argument(arg) {
    if (!has_macro(arg)) compiled_ = std::make_unique<regex>(arg, false);
  }
  bool evaluate(std::string_view input, operator_context& ctx) const override {
    std::unique_ptr<regex> runtime;
    const regex* re = compiled_.get();
    if (!re) re = (runtime = std::make_unique<regex>(param(ctx), false)).get();
    if (!ctx.capturing()) return re->search(input);
    thread_local std::vector<std::pair<int, std::string_view>> groups;
    if (!re->search(input, &groups)) return false;
    for (auto& [n, text] : groups) ctx.capture(n, text);
    return true;
  }
  const regex* as_regex() const override { return compiled_.get(); }

 private:
  std::unique_ptr<regex> compiled_;
};

// @pm, @pmf, @pmFromFile: case-insensitive phrase search (Aho-Corasick in ModSecurity; a Hyperscan
// literal database here).
class pm_operator final : public operator_base {
 public:
  // `cache_dir` (load_options::cache_dir): the compiled database is kept there, keyed by the
  // phrases and flags (prefilter_cache.hpp); empty: compiled every time.
  pm_operator(std::vector<std::string> phrases, const std::string& cache_dir) : phrases_(std::move(phrases)) {
    std::string key;
    if (!cache_dir.empty()) {
      std::string description = "pm " + std::to_string(HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH) + "\n";
      for (const auto& p : phrases_) description.append(p).push_back('\0');
      key = prefilter_cache_key(description);
      if (auto image = read_prefilter_cache(cache_dir, key); image && image->tags.empty()) {
        db_ = image->db;
        return;
      } else if (image) {
        hs_free_database(image->db);
      }
    }
    compile();
    if (!key.empty() && db_) write_prefilter_cache(cache_dir, key, prefilter_image{{}, {}, 0, db_});
  }
  ~pm_operator() override { hs_free_database(db_); }

  void compile() {
    std::vector<const char*> ptrs;
    std::vector<std::size_t> lens;
    std::vector<unsigned> flags, ids;
    for (std::size_t i = 0; i < phrases_.size(); ++i) {
      if (phrases_[i].empty()) continue;
      ptrs.push_back(phrases_[i].data());
      lens.push_back(phrases_[i].size());
      flags.push_back(HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH);
      ids.push_back(static_cast<unsigned>(i));
    }
    if (ptrs.empty()) return;
    hs_compile_error_t* error = nullptr;
    if (hs_compile_lit_multi(ptrs.data(), flags.data(), ids.data(), lens.data(), static_cast<unsigned>(ptrs.size()),
                             HS_MODE_BLOCK, nullptr, &db_, &error) != HS_SUCCESS) {
      std::string message = error ? error->message : "unknown error";
      hs_free_compile_error(error);
      throw std::invalid_argument("Hyperscan: " + message);
    }
  }

  bool evaluate(std::string_view input, operator_context& ctx) const override {
    if (!db_) return false;
    struct found_t {
      const pm_operator* self;
      unsigned id = 0;
      bool any = false;
    } found{this};
    auto on_match = [](unsigned id, unsigned long long, unsigned long long, unsigned, void* p) -> int {
      auto* f = static_cast<found_t*>(p);
      f->id = id;
      f->any = true;
      return 1;  // the first phrase found is enough
    };
    hs_scan(db_, input.data(), static_cast<unsigned>(input.size()), 0, ctx.scratch(), on_match, &found);
    if (found.any && ctx.capturing()) ctx.capture(0, phrases_[found.id]);
    return found.any;
  }
  const std::vector<std::string>* phrases() const override { return &phrases_; }
  const hs_database_t* database() const { return db_; }

 private:
  std::vector<std::string> phrases_;
  hs_database_t* db_ = nullptr;
};

enum class compare { eq, ge, gt, le, lt };

long to_number(const std::string& s) { return std::strtol(s.c_str(), nullptr, 10); }  // std::stoi's prefix, 0 otherwise

class numeric_operator final : public with_argument {
 public:
  numeric_operator(const std::string& arg, compare c) : with_argument(arg), compare_(c) {}
  bool evaluate(std::string_view input, operator_context& ctx) const override {
    long a = to_number(std::string(input)), b = to_number(param(ctx));
    switch (compare_) {
      case compare::eq: return a == b;
      case compare::ge: return a >= b;
      case compare::gt: return a > b;
      case compare::le: return a <= b;
      case compare::lt: return a < b;
    }
    return false;
  }

 private:
  compare compare_;
};

enum class text_test { begins_with, ends_with, contains, contains_word, streq, within };

class text_operator final : public with_argument {
 public:
  text_operator(const std::string& arg, text_test t) : with_argument(arg), test_(t) {}
  bool evaluate(std::string_view input, operator_context& ctx) const override {
    std::string expanded;
    const std::string_view p = param(ctx, expanded);
    switch (test_) {
      case text_test::begins_with: return input.substr(0, p.size()) == p && input.size() >= p.size();
      case text_test::ends_with: return input.size() >= p.size() && input.substr(input.size() - p.size()) == p;
      case text_test::contains: {
        bool found = input.find(p) != std::string_view::npos;
        if (found && ctx.capturing()) ctx.capture(0, p);
        return found;
      }
      case text_test::contains_word: return contains_word(input, p);
      case text_test::streq: return input == p;
      case text_test::within: return input.empty() || p.find(input) != std::string_view::npos;
    }
    return false;
  }

 private:
  static bool is_word(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
  static bool contains_word(std::string_view input, std::string_view p) {
    if (p.empty()) return true;
    for (std::size_t at = input.find(p); at != std::string_view::npos; at = input.find(p, at + 1)) {
      bool left = at == 0 || !is_word(input[at - 1]);
      bool right = at + p.size() == input.size() || !is_word(input[at + p.size()]);
      if (left && right) return true;
    }
    return false;
  }
  text_test test_;
};

class byte_range_operator final : public operator_base {
 public:
  explicit byte_range_operator(const std::string& arg) {
    std::stringstream ss(arg);
    std::string item;
    while (std::getline(ss, item, ',')) {
      auto dash = item.find('-');
      int lo = std::atoi(item.c_str());
      int hi = dash == std::string::npos ? lo : std::atoi(item.c_str() + dash + 1);
      if (lo < 0 || hi > 255 || lo > hi) throw std::invalid_argument("@validateByteRange: bad range '" + item + "'");
      for (int b = lo; b <= hi; ++b) allowed_.set(static_cast<std::size_t>(b));
    }
  }
  bool evaluate(std::string_view input, operator_context&) const override {
    for (unsigned char c : input)
      if (!allowed_.test(c)) return true;
    return false;
  }

 private:
  std::bitset<256> allowed_;
};

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

class url_encoding_operator final : public operator_base {
 public:
  bool evaluate(std::string_view s, operator_context&) const override {
    for (std::size_t i = 0; i < s.size();) {
      if (s[i] != '%') {
        ++i;
        continue;
      }
      if (i + 2 >= s.size()) return true;                   // too short an escape
      if (!is_hex(s[i + 1]) || !is_hex(s[i + 2])) return true;  // not hexadecimal
      i += 3;
    }
    return false;
  }
};

class utf8_encoding_operator final : public operator_base {
 public:
  // True for the first invalid, truncated or overlong sequence, or a code point above U+10FFFF.
  bool evaluate(std::string_view s, operator_context&) const override {
    auto at = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    for (std::size_t i = 0; i < s.size();) {
      unsigned char c = at(i);
      int n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
      if (n == 0 || i + n > s.size()) return true;
      unsigned cp = n == 1 ? c : c & (0x7F >> n);
      for (int k = 1; k < n; ++k) {
        if ((at(i + k) & 0xC0) != 0x80) return true;
        cp = (cp << 6) | (at(i + k) & 0x3F);
      }
      if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF) return true;
      i += static_cast<std::size_t>(n);
    }
    return false;
  }
};

class libinjection_operator final : public operator_base {
 public:
  explicit libinjection_operator(bool sqli) : sqli_(sqli), lib_(libinjection::get()) {}
  bool evaluate(std::string_view input, operator_context& ctx) const override {
    if (sqli_) {
      char fingerprint[8] = {};
      if (!lib_.sqli(input.data(), input.size(), fingerprint)) return false;
      if (ctx.capturing()) ctx.capture(0, fingerprint);
      return true;
    }
    if (!lib_.xss(input.data(), input.size())) return false;
    if (ctx.capturing()) ctx.capture(0, input);
    return true;
  }

 private:
  bool sqli_;
  const libinjection& lib_;
};

// @ipMatch: a comma-separated list of addresses and CIDRs (the trusted-proxy sets' parser).
class ip_match_operator final : public operator_base {
 public:
  explicit ip_match_operator(const std::string& arg) : networks_(split_list(arg)) {}
  bool evaluate(std::string_view input, operator_context&) const override { return networks_.contains(input); }

 private:
  static std::vector<std::string> split_list(const std::string& arg) {
    std::vector<std::string> out;
    std::stringstream ss(arg);
    for (std::string item; std::getline(ss, item, ',');)
      if (item.find_first_not_of(' ') != std::string::npos) out.push_back(item);
    return out;
  }
  address_set networks_;
};

class constant_operator final : public operator_base {
 public:
  explicit constant_operator(bool result) : result_(result) {}
  bool evaluate(std::string_view, operator_context&) const override { return result_; }

 private:
  bool result_;
};

// ModSecurity's data files: one phrase per line, kept as written (no trimming); empty lines and
// lines whose first non-blank character is '#' are comments.
std::vector<std::string> read_phrase_files(const std::string& arg, const std::string& rules_dir) {
  std::vector<std::string> phrases;
  std::stringstream names(arg);
  std::string name;
  while (names >> name) {
    std::string path = name.front() == '/' ? name : rules_dir + "/" + name;
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::invalid_argument("cannot read data file " + path);
    for (std::string line; std::getline(in, line);) {
      std::size_t first = line.find_first_not_of(" \t\r\n\f\v");
      if (first == std::string::npos || line[first] == '#') continue;
      phrases.push_back(line);
    }
  }
  return phrases;
}

std::vector<std::string> split_phrases(const std::string& arg) {
  std::vector<std::string> phrases;
  std::stringstream ss(arg);
  for (std::string p; ss >> p;) phrases.push_back(p);
  return phrases;
}

std::unique_ptr<operator_base> build(const std::string& name, const std::string& arg, const std::string& dir,
                                     const std::string& cache_dir, std::string& unsupported) {
  if (name == "rx") return std::make_unique<rx_operator>(arg);
  if (name == "pm") return std::make_unique<pm_operator>(split_phrases(arg), cache_dir);
  if (name == "pmfromfile" || name == "pmf") return std::make_unique<pm_operator>(read_phrase_files(arg, dir), cache_dir);
  if (name == "eq") return std::make_unique<numeric_operator>(arg, compare::eq);
  if (name == "ge") return std::make_unique<numeric_operator>(arg, compare::ge);
  if (name == "gt") return std::make_unique<numeric_operator>(arg, compare::gt);
  if (name == "le") return std::make_unique<numeric_operator>(arg, compare::le);
  if (name == "lt") return std::make_unique<numeric_operator>(arg, compare::lt);
  if (name == "beginswith") return std::make_unique<text_operator>(arg, text_test::begins_with);
  if (name == "endswith") return std::make_unique<text_operator>(arg, text_test::ends_with);
  if (name == "contains") return std::make_unique<text_operator>(arg, text_test::contains);
  if (name == "containsword") return std::make_unique<text_operator>(arg, text_test::contains_word);
  if (name == "streq") return std::make_unique<text_operator>(arg, text_test::streq);
  if (name == "within") return std::make_unique<text_operator>(arg, text_test::within);
  if (name == "validatebyterange") return std::make_unique<byte_range_operator>(arg);
  if (name == "validateurlencoding") return std::make_unique<url_encoding_operator>();
  if (name == "validateutf8encoding") return std::make_unique<utf8_encoding_operator>();
  if (name == "detectsqli") return std::make_unique<libinjection_operator>(true);
  if (name == "detectxss") return std::make_unique<libinjection_operator>(false);
  if (name == "ipmatch") return std::make_unique<ip_match_operator>(arg);
  if (name == "unconditionalmatch") return std::make_unique<constant_operator>(true);
  if (name == "nomatch") return std::make_unique<constant_operator>(false);
  unsupported = "operator @" + name + " (needs what an access log does not have)";
  return nullptr;
}

}  // namespace

std::unique_ptr<operator_base> make_operator(const std::string& name, const std::string& argument,
                                             const std::string& rules_dir, std::string& unsupported,
                                             const std::string& cache_dir) {
  auto op = build(name, argument, rules_dir, cache_dir, unsupported);
  if (op) {
    op->name = name;
    op->argument = argument;
  }
  return op;
}

void grow_scratch(const operator_base& op, hs_scratch_t*& scratch) {
  if (auto* pm = dynamic_cast<const pm_operator*>(&op); pm && pm->database())
    if (hs_alloc_scratch(pm->database(), &scratch) != HS_SUCCESS) throw std::bad_alloc();
}

}  // namespace vigil::crs
