// The event-loop heartbeat behind /livez, with a manual clock: no I/O thread, no waiting.
#include <gtest/gtest.h>

#include "http/heartbeat.hpp"

namespace lifespan::test {
namespace {

using namespace std::chrono_literals;

TEST(Heartbeat, EveryLoopIsAliveAtFirst) {
  auto clock = std::make_shared<manual_clock>();
  http::detail::heartbeat beats(3, clock);
  EXPECT_TRUE(beats.stalled(100ms).empty());
  EXPECT_EQ(beats.loops(), 3u);
}

TEST(Heartbeat, ALoopThatStopsBeatingIsStalledPastTheThresholdOnly) {
  auto clock = std::make_shared<manual_clock>();
  http::detail::heartbeat beats(2, clock);
  clock->advance(80ms);
  beats.beat(0);
  beats.beat(1);
  clock->advance(100ms);
  EXPECT_TRUE(beats.stalled(100ms).empty());  // exactly at the threshold: still alive
  beats.beat(0);                              // loop 1 is blocked from here on
  clock->advance(50ms);
  beats.beat(0);
  const auto stalls = beats.stalled(100ms);
  ASSERT_EQ(stalls.size(), 1u);
  EXPECT_EQ(stalls[0].loop, 1u);
  EXPECT_EQ(stalls[0].silent, 150ms);
}

TEST(Heartbeat, ABlockedLoopRecoversWithItsNextBeat) {
  auto clock = std::make_shared<manual_clock>();
  http::detail::heartbeat beats(1, clock);
  clock->advance(5s);
  EXPECT_EQ(beats.stalled(2s).size(), 1u);
  beats.beat(0);
  EXPECT_TRUE(beats.stalled(2s).empty());
}

}  // namespace
}  // namespace lifespan::test
