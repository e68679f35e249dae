// Requests against a real loopback receiver: success, retries on 5xx/429 and transport errors,
// backoff and Retry-After, final 4xx, timeouts on a hanging endpoint, and messages without secrets.
#include <atomic>

#include "fixture.hpp"

namespace lifespan::http_client::testing {
namespace {

TEST(HttpClientDelivery, PostArrivesWithBodyHeadersAndUserAgent) {
  receiver hook([](const received&, std::size_t) {
    reply r = reply::ok("{\"accepted\":true}");
    r.headers.emplace_back("X-Request-Id", "abc-1");
    return r;
  });
  running_client rc({"http_client.user_agent=vigil-test/1"});
  auto req = request::post(hook.url("/alerts"), R"({"alert":"sqli"})");
  req.headers.emplace_back("X-Signature", "s1");
  const auto r = call(rc.get(), req);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"accepted\":true}");
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(r.header("x-request-id").value_or(""), "abc-1");
  EXPECT_EQ(r.header("X-REQUEST-ID").value_or(""), "abc-1");
  EXPECT_TRUE(r.error.empty());
  const auto got = hook.requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].method, "POST");
  EXPECT_EQ(got[0].target, "/alerts");
  EXPECT_EQ(got[0].body, R"({"alert":"sqli"})");
  EXPECT_EQ(got[0].content_type, "application/json");
  EXPECT_EQ(got[0].user_agent, "vigil-test/1");
  const auto s = rc.get().stats();
  EXPECT_EQ(s.submitted, 1u);
  EXPECT_EQ(s.completed, 1u);
  EXPECT_EQ(s.failed, 0u);
  EXPECT_EQ(s.held, 0u);
}

TEST(HttpClientDelivery, FailingEndpointIsRetriedWithBackoffUntilItRecovers) {
  // 500, 503, then 200: three attempts, the waits at least half the backoff (the fixed half).
  receiver hook([](const received&, std::size_t i) { return i == 0 ? reply::status_only(500) : i == 1 ? reply::status_only(503) : reply::ok(); });
  running_client rc({"http_client.backoff_initial=100ms", "http_client.backoff_max=1s", "http_client.max_attempts=4"});
  const auto r = call(rc.get(), request::post(hook.url(), "{}"));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.attempts, 3);
  const auto got = hook.requests();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_GE(got[1].at - got[0].at, 50ms);   // attempt 2 waits 50..100 ms
  EXPECT_GE(got[2].at - got[1].at, 100ms);  // attempt 3 waits 100..200 ms
  const auto s = rc.get().stats();
  EXPECT_EQ(s.retried, 2u);
  EXPECT_EQ(s.completed, 1u);
  EXPECT_EQ(s.failed, 0u);
}

TEST(HttpClientDelivery, GivesUpAfterMaxAttemptsNamingUrlCauseAndAttempts) {
  receiver hook([](const received&, std::size_t) { return reply::status_only(503); });
  running_client rc({"http_client.backoff_initial=10ms", "http_client.max_attempts=3"});
  const auto r = call(rc.get(), request::post(hook.url("/hook"), "{}"));
  EXPECT_EQ(r.outcome, outcome::http_error);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.attempts, 3);
  EXPECT_EQ(r.body, "status 503");
  EXPECT_EQ(r.error, "POST " + hook.url("/hook") + ": HTTP 503 after 3 attempts");
  EXPECT_EQ(hook.requests().size(), 3u);
  EXPECT_EQ(rc.get().stats().failed, 1u);
  EXPECT_EQ(rc.get().stats().retried, 2u);
}

TEST(HttpClientDelivery, ClientErrorsAreFinalButTooManyRequestsIsRetried) {
  receiver hook([](const received& r, std::size_t i) {
    if (r.target == "/missing") return reply::status_only(404);
    return i == 1 ? reply::status_only(429) : reply::ok();  // the 429 path (requests 1, 2) recovers on its retry
  });
  running_client rc({"http_client.backoff_initial=10ms"});
  const auto missing = call(rc.get(), request::post(hook.url("/missing"), "{}"));
  EXPECT_EQ(missing.outcome, outcome::http_error);
  EXPECT_EQ(missing.attempts, 1);
  EXPECT_NE(missing.error.find("HTTP 404 (not retried)"), std::string::npos) << missing.error;
  const auto throttled = call(rc.get(), request::post(hook.url("/throttled"), "{}"));
  EXPECT_TRUE(throttled.ok()) << throttled.error;
  EXPECT_EQ(throttled.attempts, 2);
}

TEST(HttpClientDelivery, RetryAfterIsHonoured) {
  receiver hook([](const received&, std::size_t i) {
    if (i > 0) return reply::ok();
    reply r = reply::status_only(503);
    r.headers.emplace_back("Retry-After", "1");
    return r;
  });
  running_client rc({"http_client.backoff_initial=10ms", "http_client.backoff_max=20ms"});
  const auto r = call(rc.get(), request::post(hook.url(), "{}"));
  ASSERT_TRUE(r.ok()) << r.error;
  const auto got = hook.requests();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_GE(got[1].at - got[0].at, 900ms);  // Retry-After: 1 (the backoff alone would be 20 ms at most)
}

TEST(HttpClientDelivery, HangingEndpointTimesOutPerAttempt) {
  receiver hook([](const received&, std::size_t) { return reply::hang(); });
  running_client rc({"http_client.timeout=200ms", "http_client.connect_timeout=200ms",
                     "http_client.backoff_initial=10ms", "http_client.max_attempts=2"});
  const auto started = std::chrono::steady_clock::now();
  const auto r = call(rc.get(), request::post(hook.url(), "{}"));
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(r.outcome, outcome::transport);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.attempts, 2);
  EXPECT_NE(r.error.find("timed out"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find(hook.url()), std::string::npos) << r.error;
  EXPECT_LT(took, 10s);  // two 200 ms attempts; the bound only catches a timeout that never fires
  EXPECT_EQ(hook.requests().size(), 2u);
}

TEST(HttpClientDelivery, RequestsQueuedBehindTheHostLimitStillEndInTime) {
  // One connection to a hanging host, three requests: each ends by its timeout, including the two that
  // never got the connection, whose error says so instead of curl's "Failed to resolve host".
  receiver hook([](const received&, std::size_t) { return reply::hang(); });
  inbox done;
  running_client rc({"http_client.max_host_connections=1", "http_client.timeout=200ms",
                     "http_client.connect_timeout=200ms", "http_client.max_attempts=1"});
  for (int i = 0; i < 3; ++i) ASSERT_EQ(rc.get().submit(request::post(hook.url(), "{}"), done.callback()), submit_status::accepted);
  ASSERT_TRUE(done.wait_for(3));
  int without_connection = 0;
  for (const auto& r : done.all()) {
    EXPECT_EQ(r.outcome, outcome::transport);
    EXPECT_NE(r.error.find("timed out"), std::string::npos) << r.error;
    EXPECT_EQ(r.error.find("resolve"), std::string::npos) << r.error;
    EXPECT_LT(r.elapsed, 10s);
    if (r.error.find("without a connection") != std::string::npos) ++without_connection;
  }
  EXPECT_EQ(without_connection, 2);
}

TEST(HttpClientDelivery, ClosedConnectionsAreRetriedOnAFreshConnection) {
  receiver hook([](const received&, std::size_t i) { return i == 0 ? reply::close() : reply::ok(); });
  running_client rc({"http_client.backoff_initial=10ms"});
  const auto r = call(rc.get(), request::post(hook.url(), "{}"));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.attempts, 2);
  EXPECT_EQ(hook.connections(), 2u);
}

TEST(HttpClientDelivery, RefusedConnectionIsATransportErrorNamingTheUrl) {
  std::string url;
  {
    receiver gone([](const received&, std::size_t) { return reply::ok(); });
    url = gone.url("/x");
  }  // nobody listens on that port any more
  running_client rc({"http_client.backoff_initial=10ms", "http_client.max_attempts=2"});
  const auto r = call(rc.get(), request::post(url, "{}"));
  EXPECT_EQ(r.outcome, outcome::transport);
  EXPECT_EQ(r.attempts, 2);
  EXPECT_NE(r.error.find("POST " + url + ": "), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("after 2 attempts"), std::string::npos) << r.error;
}

TEST(HttpClientDelivery, ErrorsNeverShowCredentialsOrQuery) {
  receiver hook([](const received&, std::size_t) { return reply::status_only(401); });
  running_client rc;
  const auto port = std::to_string(hook.port());
  const auto r = call(rc.get(), request::post("http://alice:s3cret@127.0.0.1:" + port + "/hook?token=t0ps3cret", "{}"));
  EXPECT_EQ(r.outcome, outcome::http_error);
  EXPECT_EQ(r.error, "POST http://127.0.0.1:" + port + "/hook: HTTP 401 (not retried) after 1 attempt");
  EXPECT_EQ(r.error.find("s3cret"), std::string::npos);
  EXPECT_EQ(r.error.find("alice"), std::string::npos);
}

TEST(HttpClientDelivery, OversizedBodyFailsWithoutRetry) {
  receiver hook([](const received&, std::size_t) { return reply::ok(std::string(4096, 'x')); });
  running_client rc({"http_client.max_response_bytes=1024"});
  const auto r = call(rc.get(), request::get(hook.url()));
  EXPECT_EQ(r.outcome, outcome::transport);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_NE(r.error.find("max_response_bytes (1024)"), std::string::npos) << r.error;
}

TEST(HttpClientDelivery, PerRequestOverridesTakePrecedence) {
  receiver hook([](const received&, std::size_t) { return reply::status_only(503); });
  running_client rc({"http_client.backoff_initial=10ms", "http_client.max_attempts=5"});
  auto req = request::post(hook.url(), "{}");
  req.max_attempts = 1;
  const auto r = call(rc.get(), req);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(hook.requests().size(), 1u);
}

}  // namespace
}  // namespace lifespan::http_client::testing
