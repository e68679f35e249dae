// The server and systemd: add_server speaks the notify protocol when $NOTIFY_SOCKET is set, and the
// watchdog keep-alive follows the I/O pool's heartbeat, so a pool whose every thread is blocked lets
// systemd's watchdog fire.
#include <gtest/gtest.h>

#include <stdlib.h>

#include "fixture.hpp"
#include "lifespan/systemd/notify.hpp"
#include "systemd/notify_receiver.hpp"

namespace lifespan::test {
namespace {

TEST(Systemd, AddServerNotifiesReadyThroughNotifySocketFromTheEnvironment) {
  notify_receiver r(true);  // abstract namespace, as systemd uses for its own socket
  setenv("NOTIFY_SOCKET", r.address().c_str(), 1);
  service svc("t", quiet({"http.port=0", "http.address=127.0.0.1", "http.threads=1", "shutdown.readiness_delay=0s"}));
  http::add_server(svc, {});
  unsetenv("NOTIFY_SOCKET");
  testing::harness h(svc);
  h.start();
  const auto ready = r.until("READY=1");
  ASSERT_TRUE(ready);
  EXPECT_NE(ready->find("STATUS=ready"), std::string::npos) << *ready;
  EXPECT_EQ(h.stop(), exit_ok);
  EXPECT_TRUE(r.until("STOPPING=1"));
}

TEST(Systemd, WatchdogKeepAliveStopsWhileEveryIoThreadIsBlocked) {
  notify_receiver r;
  auto release = std::make_shared<gate>();
  auto entered = std::make_shared<counter>();
  http::router routes;
  routes.get("/block", [release, entered](http::request& req) {
    entered->add();
    release->wait(req.stop_token(), 20s);
    return http::response::text("released");
  }).run_inline();  // on the I/O threads, which is what the watchdog watches
  auto o = local_options();  // 2 I/O threads: both must be blocked
  o.heartbeat_interval = 20ms;
  o.stall_threshold = 150ms;
  served s({"shutdown.readiness_delay=0s"});
  systemd::options n;
  n.socket = r.address();
  n.watchdog = 40ms;
  systemd::install(s.svc, n);
  s.add_server(std::move(routes), o);
  s.start();
  ASSERT_TRUE(r.until("WATCHDOG=1"));

  client blocked(s.port);
  client blocked2(s.port);
  blocked.send("GET /block HTTP/1.1\r\nHost: x\r\n\r\n");
  blocked2.send("GET /block HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(entered->wait_for(2));
  // Once the stall threshold has passed, no keep-alive may arrive while the pool stays blocked.
  const auto stalled_from = std::chrono::steady_clock::now() + o.stall_threshold + 40ms;
  bool fed_while_stalled = false;
  while (std::chrono::steady_clock::now() < stalled_from + 400ms) {
    auto m = r.next(50ms);
    if (m && m->find("WATCHDOG=1") != std::string::npos && std::chrono::steady_clock::now() > stalled_from) fed_while_stalled = true;
  }
  EXPECT_FALSE(fed_while_stalled);

  release->open();
  const auto reply = blocked.read();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 200);
  const auto reply2 = blocked2.read();
  ASSERT_TRUE(reply2.has_value());
  EXPECT_EQ(reply2->status, 200);
  EXPECT_TRUE(r.until("WATCHDOG=1"));  // the pool beats again
}

}  // namespace
}  // namespace lifespan::test
