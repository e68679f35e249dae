// The traffic generator: reproducible from a seed, parseable, labelled with every category.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "gen/payloads.hpp"
#include "gen/traffic_gen.hpp"
#include "parse/line_parser.hpp"

namespace vigil {
namespace {

std::vector<gen_line> generate(std::uint64_t seed, std::uint64_t lines) {
  gen_options o;
  o.seed = seed;
  o.lines = lines;
  traffic_generator g(o);
  std::vector<gen_line> out;
  gen_line line;
  while (g.next(line)) out.push_back(line);
  return out;
}

TEST(VigilGen, SameSeedSameBytesOtherSeedOtherTraffic) {
  const auto a = generate(5, 20'000);
  const auto b = generate(5, 20'000);
  const auto c = generate(6, 20'000);
  ASSERT_EQ(a.size(), 20'000u);
  ASSERT_EQ(b.size(), a.size());
  std::size_t same_as_c = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].text, b[i].text) << "line " << i;
    ASSERT_EQ(a[i].label, b[i].label) << "line " << i;
    same_as_c += a[i].text == c[i].text;
  }
  EXPECT_LT(same_as_c, 100u);
}

TEST(VigilGen, LinesParseTimeIsMonotonicAndEveryLabelAppears) {
  const auto lines = generate(9, 60'000);
  line_parser parser;
  log_record r;
  std::int64_t last = 0;
  std::map<std::string, std::size_t> labels;
  std::set<std::string> clients;
  for (const auto& l : lines) {
    ASSERT_TRUE(parser.parse(l.text, r)) << l.text;
    ASSERT_GE(r.epoch, last) << l.text;
    last = r.epoch;
    EXPECT_EQ(r.remote_addr, l.client);
    ++labels[l.label];
    clients.insert(l.client);
  }
  for (auto c : attack_categories()) EXPECT_GT(labels[std::string(c)], 50u) << c;
  for (auto b : behaviour_labels()) EXPECT_GT(labels[std::string(b)], 0u) << b;
  EXPECT_GT(labels["benign"], 50'000u);
  EXPECT_GT(clients.size(), 1000u);
}

TEST(VigilGen, Formatting) {
  EXPECT_EQ(format_time_local(0), "01/Jan/1970:00:00:00 +0000");
  EXPECT_EQ(format_time_local(1709251199), "29/Feb/2024:23:59:59 +0000");
  EXPECT_EQ(nginx_escape("a\"b\\c\x01\xff"), "a\\x22b\\x5Cc\\x01\\xFF");
  EXPECT_EQ(url_encode("a b/'<", false), "a%20b/'<");
  EXPECT_EQ(url_encode("a b/'<", true), "a%20b%2F%27%3C");
}

}  // namespace
}  // namespace vigil
