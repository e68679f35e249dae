#include "lifespan/util/json_depth.hpp"

#include <gtest/gtest.h>

#include <string>

namespace lifespan {
namespace {

TEST(JsonDepth, CountsNestedArraysAndObjects) {
  EXPECT_EQ(json_depth("1"), 0u);
  EXPECT_EQ(json_depth(""), 0u);
  EXPECT_EQ(json_depth("[]"), 1u);
  EXPECT_EQ(json_depth(R"({"a":[1,{"b":{}}],"c":[]})"), 4u);
  EXPECT_EQ(json_depth("[[],[],[[]]]"), 3u);
}

TEST(JsonDepth, BracketsInsideStringsDoNotCountAndEscapedQuotesDoNotEndThem) {
  EXPECT_EQ(json_depth(R"(["[[[[{{{"])"), 1u);
  EXPECT_EQ(json_depth(R"(["a\"[[[", "\\", [1]])"), 2u);  // \" stays inside; "\\" ends its string
  EXPECT_EQ(json_depth(R"({"k\\":{"x":"}}}"}})"), 2u);
}

TEST(JsonDepth, StopsJustPastTheLimitOnAHostileText) {
  const std::string deep(1'000'000, '[');
  EXPECT_EQ(json_depth(deep, 64), 65u);
  EXPECT_EQ(json_depth(std::string(64, '[') + std::string(64, ']'), 64), 64u);  // at the limit: exact
  EXPECT_EQ(json_depth(deep), deep.size());
}

TEST(JsonDepth, UnbalancedClosingBracketsNeverUnderflow) {
  EXPECT_EQ(json_depth("]]]][["), 2u);
}

}  // namespace
}  // namespace lifespan
