#include "lifespan/util/nearest_name.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lifespan {
namespace {

TEST(EditDistance, CountsInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("timeout", "timeout"), 0u);
  EXPECT_EQ(edit_distance("timout", "timeout"), 1u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("cahce", "cache"), 1u);  // a transposition is one edit
}

TEST(NearestName, SuggestsOnlyPlausibleTypos) {
  const std::vector<std::string> keys{"start_timeout", "stop_timeout", "health_interval"};
  EXPECT_EQ(nearest_name("stop_timout", keys), "stop_timeout");
  EXPECT_EQ(nearest_name("zzz", keys), std::nullopt);
  EXPECT_EQ(did_you_mean("health_intervall", keys), " (did you mean 'health_interval'?)");
  EXPECT_EQ(did_you_mean("colour", keys), "");
}

}  // namespace
}  // namespace lifespan
