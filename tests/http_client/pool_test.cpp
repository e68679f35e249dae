// The pool and its bounds: connection reuse, the bounded backlog, submit() never blocking, the retry
// budget, and stop() giving every accepted request exactly one callback.
#include <atomic>
#include <set>

#include "fixture.hpp"

namespace lifespan::http_client::testing {
namespace {

TEST(HttpClientPool, SequentialRequestsReuseKeptAliveConnections) {
  receiver hook([](const received&, std::size_t) { return reply::ok(); });
  running_client rc;
  for (int i = 0; i < 100; ++i) {
    const auto r = call(rc.get(), request::post(hook.url(), "{\"n\":" + std::to_string(i) + "}"));
    ASSERT_TRUE(r.ok()) << r.error;
  }
  EXPECT_LE(hook.connections(), 5u);  // one in practice; a few would still be a pool
  const auto s = rc.get().stats();
  EXPECT_EQ(s.completed, 100u);
  EXPECT_GE(s.connections_reused, 95u);
  EXPECT_EQ(s.connections_opened, hook.connections());
}

TEST(HttpClientPool, ConnectionsTheServerClosedAreNotReusedNorCountedAsFailures) {
  // The server closes every connection after its answer (an idle keep-alive timeout), without a
  // Connection: close header: curl finds the cached connection dead and opens another.
  receiver hook([](const received&, std::size_t) {
    reply r = reply::ok();
    r.close_after = true;
    return r;
  });
  running_client rc({"http_client.max_attempts=1"});
  for (int i = 0; i < 5; ++i) {
    const auto r = call(rc.get(), request::post(hook.url(), "{}"));
    ASSERT_TRUE(r.ok()) << r.error;
    ASSERT_TRUE(hook.wait_for_requests(static_cast<std::size_t>(i + 1)));
  }
  EXPECT_EQ(hook.connections(), 5u);
  EXPECT_EQ(rc.get().stats().completed, 5u);
}

TEST(HttpClientPool, ConcurrentRequestsStayWithinTheHostConnectionLimit) {
  receiver hook([](const received&, std::size_t) {
    reply r = reply::ok();
    r.delay = 20ms;  // keeps connections busy so the limit matters
    return r;
  });
  inbox done;
  running_client rc({"http_client.max_host_connections=2"});
  for (int i = 0; i < 20; ++i) ASSERT_EQ(rc.get().submit(request::post(hook.url(), "{}"), done.callback()), submit_status::accepted);
  ASSERT_TRUE(done.wait_for(20));
  for (const auto& r : done.all()) EXPECT_TRUE(r.ok()) << r.error;
  EXPECT_LE(hook.connections(), 2u);
}

TEST(HttpClientPool, FullBacklogRejectsAtOnceAndCounts) {
  receiver hook([](const received&, std::size_t) { return reply::hang(); });
  inbox done;
  running_client rc({"http_client.queue_capacity=4", "http_client.timeout=30s"});
  for (int i = 0; i < 4; ++i) ASSERT_EQ(rc.get().submit(request::post(hook.url(), "{}"), done.callback()), submit_status::accepted);
  bool called = false;
  EXPECT_EQ(rc.get().submit(request::post(hook.url(), "{}"), [&](response) { called = true; }), submit_status::queue_full);
  const auto refused = rc.get().fetch(request::post(hook.url(), "{}")).get();  // ready at once
  EXPECT_EQ(refused.outcome, outcome::rejected);
  EXPECT_NE(refused.error.find("queue_capacity"), std::string::npos) << refused.error;
  EXPECT_NE(refused.error.find("http_client: POST " + hook.url()), std::string::npos) << refused.error;
  const auto health = rc.get().check_health({});
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, health_status::degraded);
  EXPECT_NE(health->reason.find("4 of 4 requests held (queue_capacity)"), std::string::npos) << health->reason;
  auto s = rc.get().stats();
  EXPECT_EQ(s.rejected, 2u);
  EXPECT_EQ(s.submitted, 4u);
  EXPECT_EQ(s.held, 4u);
  rc.get().stop(std::chrono::steady_clock::now());  // the hung four end now, with a callback each
  ASSERT_TRUE(done.wait_for(4));
  EXPECT_EQ(rc.get().check_health({})->status, health_status::ok);
  EXPECT_FALSE(called);
  for (const auto& r : done.all()) EXPECT_EQ(r.outcome, outcome::stopping);
}

TEST(HttpClientPool, SlowEndpointDoesNotBlockSubmitNorOtherHosts) {
  receiver slow([](const received&, std::size_t) { return reply::hang(); });
  receiver fast([](const received&, std::size_t) { return reply::ok(); });
  inbox hung;
  running_client rc({"http_client.max_host_connections=2", "http_client.timeout=30s"});
  const auto before = std::chrono::steady_clock::now();
  for (int i = 0; i < 200; ++i) ASSERT_EQ(rc.get().submit(request::post(slow.url(), "{}"), hung.callback()), submit_status::accepted);
  const auto submitting = std::chrono::steady_clock::now() - before;
  EXPECT_LT(submitting, 2s);  // 200 submissions against an endpoint that never answers: no waiting
  ASSERT_TRUE(slow.wait_for_requests(2));
  const auto r = call(rc.get(), request::post(fast.url(), "{}"));  // another host still gets through
  EXPECT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(hung.size(), 0u);
  EXPECT_EQ(rc.get().stats().in_flight, 200u);
  rc.get().stop(std::chrono::steady_clock::now());  // not the runtime's stop budget: they would wait for it
  EXPECT_TRUE(hung.wait_for(200));
}

TEST(HttpClientPool, StopLetsInFlightFinishAndFailsTheRestWithOneCallbackEach) {
  receiver slow([](const received& r, std::size_t) {
    if (r.target == "/hang") return reply::hang();
    reply late = reply::ok();
    late.delay = 200ms;
    return late;
  });
  receiver failing([](const received&, std::size_t) { return reply::status_only(503); });
  inbox done;
  std::atomic<int> calls{0};
  running_client rc({"http_client.timeout=30s", "http_client.backoff_initial=10s", "http_client.backoff_max=10s",
                     "http_client.max_host_connections=16"});
  auto counted = [&, forward = done.callback()](response r) {
    ++calls;
    forward(std::move(r));
  };
  for (int i = 0; i < 5; ++i) ASSERT_EQ(rc.get().submit(request::post(slow.url("/late"), "{}"), counted), submit_status::accepted);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(rc.get().submit(request::post(slow.url("/hang"), "{}"), counted), submit_status::accepted);
  ASSERT_EQ(rc.get().submit(request::post(failing.url(), "{}"), counted), submit_status::accepted);
  ASSERT_TRUE(failing.wait_for_requests(1));  // its retry now waits 5..10 s
  ASSERT_TRUE(slow.wait_for_requests(10));

  const auto stop_at = std::chrono::steady_clock::now();
  rc.get().stop(stop_at + 1500ms);  // returns once every request has had its callback
  EXPECT_LT(std::chrono::steady_clock::now() - stop_at, 10s);
  EXPECT_EQ(calls.load(), 11);
  EXPECT_EQ(rc.get().submit(request::post(slow.url("/late"), "{}"), counted), submit_status::stopping);

  int ok = 0, stopping = 0;
  for (const auto& r : done.all()) {
    if (r.ok()) {
      ++ok;
      continue;
    }
    // The 503 ends as stopping when its retry was waiting, or as http_error when its answer was
    // processed after stop() began (no retry starts then); both say why.
    if (r.outcome != outcome::stopping) {
      EXPECT_TRUE(r.outcome == outcome::http_error && r.status == 503) << r.error;
    }
    EXPECT_NE(r.error.find("client stopping"), std::string::npos) << r.error;
    ++stopping;
  }
  EXPECT_EQ(ok, 5);        // the late answers came within the deadline
  EXPECT_EQ(stopping, 6);  // five hung, one waiting for its retry
  const auto s = rc.get().stats();
  EXPECT_EQ(s.held, 0u);
  EXPECT_EQ(s.in_flight, 0u);
  EXPECT_EQ(s.completed + s.failed, s.submitted);
}

TEST(HttpClientPool, RuntimeShutdownFailsHungRequestsWithinTheStopTimeout) {
  receiver hook([](const received&, std::size_t) { return reply::hang(); });
  inbox done;
  running_client rc({"http_client.stop_timeout=1s", "http_client.timeout=30s"});
  for (int i = 0; i < 3; ++i) ASSERT_EQ(rc.get().submit(request::post(hook.url(), "{}"), done.callback()), submit_status::accepted);
  ASSERT_TRUE(hook.wait_for_requests(3));
  const auto began = std::chrono::steady_clock::now();
  EXPECT_EQ(rc.stop(), 0);  // not 3: the client returned before its stop deadline
  EXPECT_LT(std::chrono::steady_clock::now() - began, 10s);
  ASSERT_TRUE(done.wait_for(3));
  for (const auto& r : done.all()) {
    EXPECT_EQ(r.outcome, outcome::stopping);
    EXPECT_NE(r.error.find("client stopping: abandoned in flight"), std::string::npos) << r.error;
  }
}

TEST(HttpClientPool, RetryBudgetStopsARetryStorm) {
  receiver hook([](const received&, std::size_t) { return reply::status_only(503); });
  inbox done;
  running_client rc({"http_client.retry_budget_min=1", "http_client.retry_budget_percent=0",
                     "http_client.backoff_initial=1s", "http_client.backoff_max=1s", "http_client.max_attempts=2"});
  for (int i = 0; i < 6; ++i) ASSERT_EQ(rc.get().submit(request::post(hook.url(), "{}"), done.callback()), submit_status::accepted);
  ASSERT_TRUE(done.wait_for(6));
  int exhausted = 0;
  for (const auto& r : done.all()) {
    EXPECT_EQ(r.outcome, outcome::http_error);
    if (r.error.find("retry budget exhausted") != std::string::npos) ++exhausted;
  }
  EXPECT_GE(exhausted, 1);
  EXPECT_EQ(rc.get().stats().budget_exhausted, static_cast<std::uint64_t>(exhausted));
  EXPECT_LT(hook.requests().size(), 12u);  // without the budget: 6 requests x 2 attempts
}

TEST(HttpClientPool, CallbacksMaySubmitAgainAndThrowingOnesAreCounted) {
  receiver hook([](const received&, std::size_t) { return reply::ok(); });
  inbox second;
  running_client rc;
  client& c = rc.get();
  ASSERT_EQ(c.submit(request::get(hook.url("/first")),
                     [&](response) {
                       EXPECT_EQ(c.submit(request::get(hook.url("/second")), second.callback()), submit_status::accepted);
                       throw std::runtime_error("callback bug");
                     }),
            submit_status::accepted);
  ASSERT_TRUE(second.wait_for(1));
  EXPECT_TRUE(second.all()[0].ok());
  EXPECT_EQ(c.stats().callback_errors, 1u);
}

TEST(HttpClientPool, InvalidRequestsAreRefusedWithTheReason) {
  running_client rc;
  const auto bad_scheme = rc.get().fetch(request::get("ftp://127.0.0.1/file")).get();
  EXPECT_EQ(bad_scheme.outcome, outcome::rejected);
  EXPECT_NE(bad_scheme.error.find("unsupported scheme 'ftp'"), std::string::npos) << bad_scheme.error;
  EXPECT_EQ(rc.get().submit(request::get(""), [](response) {}), submit_status::invalid);
  const auto malformed = rc.get().fetch(request::get("http://[::1")).get();
  EXPECT_EQ(malformed.outcome, outcome::rejected);
  EXPECT_NE(malformed.error.find("malformed URL"), std::string::npos) << malformed.error;
  auto injected = request::post("http://127.0.0.1:1/hook", "{}");
  injected.headers.emplace_back("X-Token", "a\r\nX-Admin: yes");
  const auto refused = rc.get().fetch(injected).get();
  EXPECT_EQ(refused.outcome, outcome::rejected);
  EXPECT_NE(refused.error.find("header 'X-Token' has a line break"), std::string::npos) << refused.error;
  auto bad_method = request::get("http://127.0.0.1:1/");
  bad_method.method = "GET /x HTTP/1.1\r\n";
  EXPECT_EQ(rc.get().submit(bad_method, [](response) {}), submit_status::invalid);
  EXPECT_EQ(rc.get().stats().rejected, 5u);
}

}  // namespace
}  // namespace lifespan::http_client::testing
