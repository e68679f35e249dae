// value_cache: the flat per-thread memo behind the prefilter's and the probes' answers. An answer
// must come back only for the same tag and the same bytes, whatever the table's collisions,
// replacements and clearing; a value too long to store is never answered.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "crs/value_cache.hpp"

namespace {

using vigil::crs::value_cache;

std::vector<std::uint32_t> answer_of(const value_cache& cache, std::uint64_t tag, std::string_view value) {
  std::span<const std::uint32_t> found;
  if (!cache.find(cache.prepare(tag, value), found)) return {999};
  return {found.begin(), found.end()};
}

TEST(CrsValueCache, AnswersOnlyTheSameTagAndBytes) {
  value_cache cache;
  const std::vector<std::uint32_t> rules{3, 70, 511};
  cache.insert(cache.prepare(1, "q=1' or '1'='1"), rules);
  cache.insert(cache.prepare(2, "Mozilla/5.0"));
  EXPECT_EQ(answer_of(cache, 1, "q=1' or '1'='1"), rules);
  EXPECT_EQ(answer_of(cache, 2, "Mozilla/5.0"), std::vector<std::uint32_t>{});  // a plain "yes"
  EXPECT_FALSE(cache.contains(cache.prepare(2, "q=1' or '1'='1")));  // another tag
  EXPECT_FALSE(cache.contains(cache.prepare(1, "q=1' or '1'='2")));  // one byte differs
  EXPECT_FALSE(cache.contains(cache.prepare(1, std::string_view("q=1' or '1'='1\0", 15))));  // one byte more
  EXPECT_EQ(cache.size(), 2u);
}

TEST(CrsValueCache, LongValuesAreNeverStored) {
  value_cache cache(1 << 20, 8);
  cache.insert(cache.prepare(1, "123456789"));
  EXPECT_FALSE(cache.contains(cache.prepare(1, "123456789")));
  cache.insert(cache.prepare(1, "12345678"));
  EXPECT_TRUE(cache.contains(cache.prepare(1, "12345678")));
}

// A table of 4 slots and thousands of values: every probe collides and entries are replaced; what
// is still found must carry its own answer.
TEST(CrsValueCache, ReplacementNeverMixesAnswers) {
  value_cache cache(1 << 20, 512, 4);
  std::size_t found = 0;
  for (std::uint32_t i = 0; i < 5000; ++i) {
    const std::string v = "value-" + std::to_string(i);
    cache.insert(cache.prepare(7, v), std::vector<std::uint32_t>{i});
    for (std::uint32_t j = i >= 8 ? i - 8 : 0; j <= i; ++j) {
      const auto a = answer_of(cache, 7, "value-" + std::to_string(j));
      if (a == std::vector<std::uint32_t>{999}) continue;
      ++found;
      ASSERT_EQ(a, std::vector<std::uint32_t>{j});
    }
  }
  EXPECT_GE(found, 5000u);  // at least the value just inserted
  EXPECT_LE(cache.size(), 4u);
}

TEST(CrsValueCache, PassingTheBudgetClearsEverything) {
  value_cache cache(64, 512);
  cache.insert(cache.prepare(1, std::string(40, 'a')));
  EXPECT_TRUE(cache.contains(cache.prepare(1, std::string(40, 'a'))));
  cache.insert(cache.prepare(1, std::string(40, 'b')));  // 80 key bytes > 64: cleared first
  EXPECT_FALSE(cache.contains(cache.prepare(1, std::string(40, 'a'))));
  EXPECT_TRUE(cache.contains(cache.prepare(1, std::string(40, 'b'))));
  EXPECT_EQ(cache.size(), 1u);
}

}  // namespace
