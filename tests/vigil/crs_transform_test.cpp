// vigil::crs::apply against libmodsecurity 3.0.9 itself, transformation by transformation: curated edge
// cases plus thousands of deterministic pseudo-random strings heavy in the bytes the decoders care about.
//
// libmodsecurity computes the reference through its public API: a one-rule set
//   SecRule REQUEST_HEADERS:X-T "@unconditionalMatch" "id:1,phase:1,pass,nolog,t:none,t:<name>,
//           setvar:tx.out=%{MATCHED_VAR}"
// and a transaction carrying the input as the X-T header. MATCHED_VAR is the transformed value and
// setvar's macro expansion copies it verbatim, so TX:out holds the transformation's exact bytes.
// addRequestHeader(const unsigned char*, size_t, ...) keeps every byte: NUL, CR, LF and 0x80-0xFF all
// survive the round trip (checked by RoundTripIsExact below), so no byte is excluded from the alphabets.
#include <gtest/gtest.h>
#include <modsecurity/modsecurity.h>
#include <modsecurity/rules_set.h>
#include <modsecurity/transaction.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "crs/transform.hpp"
#include "crs_transform_cases.hpp"

namespace {

using vigil::crs::transform;
using namespace std::string_literals;

constexpr int transform_count = static_cast<int>(transform::base64_encode) + 1;

std::string escaped(std::string_view s) {
  std::string r;
  for (unsigned char c : s) {
    if (c < 0x20 || c > 0x7e || c == '\\') {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      r += buf;
    } else {
      r += static_cast<char>(c);
    }
  }
  return r;
}

modsecurity::ModSecurity& engine() {
  static modsecurity::ModSecurity instance;
  return instance;
}

// One transformation computed by libmodsecurity (see the file comment).
class reference {
 public:
  explicit reference(std::string_view name) : rules_(std::make_unique<modsecurity::RulesSet>()) {
    const std::string text = "SecRuleEngine On\n"
                             "SecRule REQUEST_HEADERS:X-T \"@unconditionalMatch\" \"id:1,phase:1,pass,nolog,"
                             "t:none,t:" + std::string(name) + ",setvar:tx.out=%{MATCHED_VAR}\"\n";
    if (rules_->load(text.c_str()) < 0) throw std::runtime_error(rules_->getParserError());
  }

  std::string run(std::string_view in) {
    modsecurity::Transaction tx(&engine(), rules_.get(), nullptr);
    tx.processConnection("192.0.2.1", 40000, "192.0.2.2", 80);
    tx.processURI("/", "GET", "1.1");
    tx.addRequestHeader(reinterpret_cast<const unsigned char*>("X-T"), 3,
                        reinterpret_cast<const unsigned char*>(in.data()), in.size());
    tx.processRequestHeaders();
    auto v = tx.m_collections.m_tx_collection->resolveFirst("out");
    if (!v) throw std::runtime_error("TX:out was not set");
    return *v;
  }

 private:
  std::unique_ptr<modsecurity::RulesSet> rules_;
};

// Deterministic across platforms: mt19937's sequence is specified, and no distribution is used.
std::vector<std::string> random_strings(std::string_view alphabet, int count, std::size_t max_len,
                                        std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::string> out;
  out.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    const std::size_t len = rng() % (max_len + 1);
    std::string s;
    for (std::size_t k = 0; k < len; ++k) s += alphabet[rng() % alphabet.size()];
    out.push_back(std::move(s));
  }
  return out;
}

// Concatenations of 0..max_tokens tokens.
std::vector<std::string> token_strings(const std::vector<std::string>& tokens, int count,
                                       std::size_t max_tokens, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::string> out;
  out.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    const std::size_t len = rng() % (max_tokens + 1);
    std::string s;
    for (std::size_t k = 0; k < len; ++k) s += tokens[rng() % tokens.size()];
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<std::string> inputs_for(transform t) {
  std::vector<std::string> in = vigil::testing::common_transform_cases();
  for (auto& s : vigil::testing::transform_cases(t)) in.push_back(std::move(s));
  const auto seed = static_cast<std::uint32_t>(0x5eed0000u + static_cast<unsigned>(t));
  for (auto& s : random_strings(vigil::testing::generic_alphabet(), 3000, 40, seed)) {
    in.push_back(std::move(s));
  }
  for (auto& s : random_strings(vigil::testing::targeted_alphabet(t), 1500, 24, seed ^ 0xabcdefu)) {
    in.push_back(std::move(s));
  }
  for (auto& s : token_strings(vigil::testing::targeted_tokens(t), 1500, 8, seed ^ 0x70c3u)) {
    in.push_back(std::move(s));
  }
  return in;
}

class CrsTransformDiff : public ::testing::TestWithParam<int> {};

TEST_P(CrsTransformDiff, AgreesWithLibmodsecurity) {
  const auto t = static_cast<transform>(GetParam());
  const std::string_view name = vigil::crs::transform_name(t);
  reference ref(name);
  const auto inputs = inputs_for(t);
  int differences = 0;
  int flag_errors = 0;
  std::string ours = "stale bytes that apply() must clear";
  for (const auto& in : inputs) {
    const bool changed = vigil::crs::apply(t, in, ours);
    if (changed != (ours != in) && ++flag_errors <= 5) {
      ADD_FAILURE() << name << ": apply() returned " << changed << " for input \"" << escaped(in)
                    << "\" -> \"" << escaped(ours) << "\"";
    }
    const std::string theirs = ref.run(in);
    if (ours != theirs) {
      ADD_FAILURE() << name << ": input \"" << escaped(in) << "\"\n  vigil:          \"" << escaped(ours)
                    << "\"\n  libmodsecurity: \"" << escaped(theirs) << "\"";
      if (++differences >= 5) break;
    }
  }
  std::cout << "[ CrsTransform ] " << name << ": " << inputs.size() << " inputs compared, " << differences
            << " differences\n";
  EXPECT_EQ(differences, 0);
  EXPECT_EQ(flag_errors, 0);
}

INSTANTIATE_TEST_SUITE_P(CrsTransform, CrsTransformDiff, ::testing::Range(0, transform_count),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return std::string(vigil::crs::transform_name(static_cast<transform>(info.param)));
                         });

TEST(CrsTransform, RoundTripIsExact) {
  reference ref("none");
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  for (const std::string& in : {all, "\0"s, "\r\n"s, " lead and trail "s, ""s}) {
    EXPECT_EQ(escaped(ref.run(in)), escaped(in));
  }
}

TEST(CrsTransform, NamesRoundTrip) {
  for (int i = 0; i < transform_count; ++i) {
    const auto t = static_cast<transform>(i);
    const std::string_view name = vigil::crs::transform_name(t);
    ASSERT_FALSE(name.empty()) << i;
    EXPECT_EQ(vigil::crs::transform_from_name(name), t) << name;
    std::string upper(name);
    for (char& c : upper) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
    EXPECT_EQ(vigil::crs::transform_from_name(upper), t) << upper;
    EXPECT_NO_THROW(reference{name}) << name;  // libmodsecurity knows the canonical spelling
  }
  EXPECT_EQ(vigil::crs::transform_from_name("normalizePath"), transform::normalize_path);
  EXPECT_EQ(vigil::crs::transform_from_name("normalisepathwin"), transform::normalize_path_win);
  EXPECT_EQ(vigil::crs::transform_from_name("utf8ToUnicode"), transform::utf8_to_unicode);
  EXPECT_EQ(vigil::crs::transform_from_name("parityEven7bit"), std::nullopt);
  EXPECT_EQ(vigil::crs::transform_from_name(""), std::nullopt);
  EXPECT_EQ(vigil::crs::transform_from_name("urlDecodeUnii"), std::nullopt);
}

// apply() returns false exactly when out == in, on every transformation and every input kind.
TEST(CrsTransform, ChangedFlagIsExact) {
  std::string out;
  for (int i = 0; i < transform_count; ++i) {
    const auto t = static_cast<transform>(i);
    for (const auto& in : inputs_for(t)) {
      out = "x";
      const bool changed = vigil::crs::apply(t, in, out);
      ASSERT_EQ(changed, out != in) << vigil::crs::transform_name(t) << " \"" << escaped(in) << "\"";
    }
  }
}

// transform.hpp's list of the transformations that leave pure [A-Za-z0-9] input alone.
TEST(CrsTransform, IdentityOnAlphanumerics) {
  const std::string alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const std::vector<transform> changing = {
      transform::lowercase, transform::uppercase, transform::cmd_line, transform::hex_decode,
      transform::hex_encode, transform::base64_decode, transform::base64_decode_ext,
      transform::base64_encode, transform::sql_hex_decode, transform::length, transform::sha1,
      transform::md5};
  std::string out;
  for (int i = 0; i < transform_count; ++i) {
    const auto t = static_cast<transform>(i);
    const bool identity = std::find(changing.begin(), changing.end(), t) == changing.end();
    if (!identity) continue;
    for (const auto& in : random_strings(alnum, 200, 30, 7u + static_cast<unsigned>(i))) {
      EXPECT_FALSE(vigil::crs::apply(t, in, out)) << vigil::crs::transform_name(t) << " " << in;
    }
  }
}

}  // namespace
