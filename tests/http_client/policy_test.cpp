// The pure decisions: what is retried, how long the backoff is, the retry budget, URL redaction.
#include <gtest/gtest.h>

#include "http_client/policy.hpp"

namespace lifespan::http_client::detail {
namespace {

using namespace std::chrono_literals;

TEST(HttpClientPolicy, TransientTransportErrorsAreRetriedOthersAreFinal) {
  EXPECT_TRUE(retryable(CURLE_COULDNT_CONNECT));
  EXPECT_TRUE(retryable(CURLE_OPERATION_TIMEDOUT));
  EXPECT_TRUE(retryable(CURLE_GOT_NOTHING));
  EXPECT_TRUE(retryable(CURLE_RECV_ERROR));
  EXPECT_FALSE(retryable(CURLE_URL_MALFORMAT));
  EXPECT_FALSE(retryable(CURLE_UNSUPPORTED_PROTOCOL));
  EXPECT_FALSE(retryable(CURLE_PEER_FAILED_VERIFICATION));
  EXPECT_FALSE(retryable(CURLE_WRITE_ERROR));
}

TEST(HttpClientPolicy, ServerErrorsTimeoutsAndThrottlingAreRetried) {
  for (long status : {500L, 502L, 503L, 504L, 408L, 429L}) EXPECT_TRUE(retryable_status(status)) << status;
  for (long status : {400L, 401L, 403L, 404L, 409L, 422L, 301L}) EXPECT_FALSE(retryable_status(status)) << status;
}

TEST(HttpClientPolicy, BackoffDoublesIsCappedAndHalfRandom) {
  EXPECT_EQ(backoff(2, 100ms, 5s, 0.0, 0s, 30s), 50ms);
  EXPECT_EQ(backoff(2, 100ms, 5s, 1.0, 0s, 30s), 100ms);
  EXPECT_EQ(backoff(3, 100ms, 5s, 0.0, 0s, 30s), 100ms);
  EXPECT_EQ(backoff(4, 100ms, 5s, 1.0, 0s, 30s), 400ms);
  EXPECT_EQ(backoff(40, 100ms, 5s, 1.0, 0s, 30s), 5s);  // capped, no overflow
  EXPECT_EQ(backoff(40, 100ms, 5s, 0.0, 0s, 30s), 2500ms);
  const auto mid = backoff(2, 100ms, 5s, 0.5, 0s, 30s);
  EXPECT_GT(mid, 50ms);
  EXPECT_LT(mid, 100ms);
}

TEST(HttpClientPolicy, RetryAfterIsAFloorCappedByRetryAfterMax) {
  EXPECT_EQ(backoff(2, 100ms, 5s, 1.0, 3s, 30s), 3s);
  EXPECT_EQ(backoff(2, 100ms, 5s, 1.0, 120s, 30s), 30s);
  EXPECT_EQ(backoff(5, 1s, 10s, 1.0, 1s, 30s), 8s);  // a shorter Retry-After does not cut the backoff
  EXPECT_EQ(backoff(2, 100ms, 5s, 1.0, 3s, 0s), 100ms);  // retry_after_max 0: ignored
}

TEST(HttpClientPolicy, RetryBudgetIsAShareOfHeldRequestsWithAFloor) {
  EXPECT_TRUE(budget_allows(0, 1, 20.0, 1));
  EXPECT_FALSE(budget_allows(1, 1, 20.0, 1));
  EXPECT_TRUE(budget_allows(9, 10, 20.0, 10));   // the floor
  EXPECT_FALSE(budget_allows(10, 10, 20.0, 10));
  EXPECT_TRUE(budget_allows(199, 1000, 20.0, 10));  // 20 % of 1000
  EXPECT_FALSE(budget_allows(200, 1000, 20.0, 10));
  EXPECT_FALSE(budget_allows(0, 1000, 0.0, 0));  // retries off
}

TEST(HttpClientPolicy, DisplayUrlDropsCredentialsQueryAndFragment) {
  std::string why;
  EXPECT_EQ(display_url("https://bob:pw@hooks.example.com:8443/a/b?token=x#frag", why),
            "https://hooks.example.com:8443/a/b");
  EXPECT_EQ(display_url("http://127.0.0.1:9000/hook", why), "http://127.0.0.1:9000/hook");
  EXPECT_FALSE(display_url("ftp://example.com/", why));
  EXPECT_NE(why.find("unsupported scheme 'ftp'"), std::string::npos) << why;
  EXPECT_FALSE(display_url("not a url", why));
  EXPECT_FALSE(why.empty());
}

}  // namespace
}  // namespace lifespan::http_client::detail
