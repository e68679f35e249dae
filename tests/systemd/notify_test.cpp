// The notify protocol against a real AF_UNIX datagram socket, with the real lifecycle running.
#include <gtest/gtest.h>

#include <stdlib.h>
#include <time.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "lifespan/systemd/notify.hpp"
#include "lifespan/testing/harness.hpp"
#include "systemd/notify_receiver.hpp"

namespace lifespan::test {
namespace {

using namespace std::chrono_literals;

service_options quiet() {
  service_options o;
  o.own_signals = false;
  o.read_environment = false;
  o.install_logger = false;
  o.config_overrides = {"shutdown.readiness_delay=0s"};
  return o;
}

// start() waits until released (or cancelled).
class held : public component {
 public:
  struct latch {
    std::mutex m;
    std::condition_variable_any cv;
    bool open = false;
    void release() {
      { std::lock_guard l(m); open = true; }
      cv.notify_all();
    }
  };
  explicit held(std::shared_ptr<latch> l) : l_(std::move(l)) {}
  void start(context& ctx) override {
    std::unique_lock lock(l_->m);
    if (!l_->cv.wait(lock, ctx.stop_token(), [&] { return l_->open; })) throw std::runtime_error("cancelled");
  }

 private:
  std::shared_ptr<latch> l_;
};

struct quick : component {
  void start(context&) override {}
};

systemd::options to(const notify_receiver& r) {
  systemd::options o;
  o.socket = r.address();
  o.extend_every = 20ms;
  o.extend_by = 3s;
  return o;
}

std::uint64_t monotonic_usec() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1000u;
}

TEST(NotifySocket, SendsToAPathAndToAnAbstractName) {
  for (bool abstract : {false, true}) {
    notify_receiver r(abstract);
    systemd::notify_socket s(r.address());
    EXPECT_TRUE(s.send("READY=1\nSTATUS=hello"));
    EXPECT_EQ(r.next(), "READY=1\nSTATUS=hello") << r.address();
  }
}

TEST(NotifySocket, RejectsAddressesThatAreNotPathsOrAbstractNames) {
  EXPECT_THROW(systemd::notify_socket("relative/path"), std::invalid_argument);
  EXPECT_THROW(systemd::notify_socket("/" + std::string(200, 'x')), std::invalid_argument);
  systemd::notify_socket nobody("/nonexistent/dir/notify.sock");
  EXPECT_FALSE(nobody.send("READY=1"));  // reported, not thrown
}

TEST(Notify, ExtendsTheStartTimeoutWhileStartingThenReadyThenStopping) {
  notify_receiver r;
  auto latch = std::make_shared<held::latch>();
  service svc("s", quiet());
  svc.add<held>("db", latch);
  systemd::install(svc, to(r));
  testing::harness h(svc);
  h.start();

  ASSERT_TRUE(r.until("STATUS=starting: 0 up, starting db"));
  ASSERT_TRUE(r.until("EXTEND_TIMEOUT_USEC=3000000"));
  ASSERT_TRUE(r.until("EXTEND_TIMEOUT_USEC=3000000"));  // re-sent while the start goes on
  for (const auto& m : r.seen()) EXPECT_EQ(m.find("READY=1"), std::string::npos) << m;

  latch->release();
  const auto ready = r.until("READY=1");
  ASSERT_TRUE(ready);
  EXPECT_NE(ready->find("STATUS=ready"), std::string::npos);
  ASSERT_TRUE(h.wait_for_state(service_state::running));

  EXPECT_EQ(h.stop(), exit_ok);
  ASSERT_TRUE(r.until("STOPPING=1"));
}

struct broken : component {
  void start(context&) override { throw std::runtime_error("no route to the database"); }
};

TEST(Notify, AFailedStartupStopsExtendingOnceTheRollbackIsOver) {
  notify_receiver r;
  auto latch = std::make_shared<held::latch>();
  service svc("s", quiet());
  svc.add<held>("cache", latch);  // still starting when db fails: the rollback cancels it
  svc.add<broken>("db").critical();
  systemd::install(svc, to(r));
  testing::harness h(svc);
  h.start();
  ASSERT_TRUE(r.until("STOPPING=1\nSTATUS=startup failed, stopping"));
  const auto code = h.join();
  ASSERT_TRUE(code);
  EXPECT_NE(*code, exit_ok);
  // The run is over (the service itself lives on). Whatever the notifier sent before is queued ahead
  // of this marker; after it, nothing may come, though an extension was due every 20 ms.
  systemd::notify_socket(r.address()).send("MARKER=after the run");
  ASSERT_TRUE(r.until("MARKER=after the run"));
  const auto late = r.next(400ms);
  EXPECT_FALSE(late.has_value()) << "sent after the failed run ended: " << *late;
  for (const auto& m : r.seen()) EXPECT_EQ(m.find("READY=1"), std::string::npos) << m;
}

TEST(Notify, ReloadSendsReloadingWithMonotonicTimeThenReady) {
  notify_receiver r;
  service svc("s", quiet());
  svc.add<quick>("db");
  systemd::install(svc, to(r));
  testing::harness h(svc);
  h.start();
  ASSERT_TRUE(r.until("READY=1"));
  const auto before = monotonic_usec();
  svc.request_reload();
  const auto reloading = r.until("RELOADING=1");
  ASSERT_TRUE(reloading);
  const auto at = reloading->find("MONOTONIC_USEC=");
  ASSERT_NE(at, std::string::npos) << *reloading;
  const auto stamp = std::stoull(reloading->substr(at + 15));
  EXPECT_GE(stamp, before);
  EXPECT_LE(stamp, monotonic_usec());
  const auto ready = r.until("READY=1");
  ASSERT_TRUE(ready);
  EXPECT_NE(ready->find("configuration reloaded"), std::string::npos) << *ready;
  EXPECT_EQ(h.stop(), exit_ok);
}

TEST(Notify, WatchdogIsFedOnlyWhileEveryLivenessCheckPasses) {
  notify_receiver r;
  service svc("s", quiet());
  svc.add<quick>("db");
  auto o = to(r);
  o.watchdog = 40ms;  // WATCHDOG=1 every 20 ms
  systemd::install(svc, o);
  auto alive = std::make_shared<std::atomic<bool>>(true);
  auto check = std::make_shared<const std::function<bool()>>([alive] { return alive->load(); });
  systemd::add_liveness_check(svc, check);
  testing::harness h(svc);
  h.start();
  ASSERT_TRUE(r.until("WATCHDOG=1"));

  alive->store(false);
  (void)r.until("WATCHDOG=1", 60ms);  // at most one keep-alive was already on its way
  // Several periods without a keep-alive: the absence is the point, so this wait is bounded by design.
  EXPECT_FALSE(r.until("WATCHDOG=1", 300ms));

  alive->store(true);
  EXPECT_TRUE(r.until("WATCHDOG=1"));
  check.reset();  // a dropped check no longer counts
  alive->store(false);
  EXPECT_TRUE(r.until("WATCHDOG=1"));
  EXPECT_EQ(h.stop(), exit_ok);
}

TEST(Notify, OptionsComeFromTheEnvironmentAndWatchdogPidMustBeOurs) {
  setenv("NOTIFY_SOCKET", "@manager", 1);
  setenv("WATCHDOG_USEC", "500000", 1);
  setenv("WATCHDOG_PID", std::to_string(getpid()).c_str(), 1);
  auto o = systemd::options::from_environment();
  EXPECT_EQ(o.socket, "@manager");
  ASSERT_TRUE(o.watchdog);
  EXPECT_EQ(*o.watchdog, 500ms);
  setenv("WATCHDOG_PID", std::to_string(getpid() + 1).c_str(), 1);
  EXPECT_FALSE(systemd::options::from_environment().watchdog);  // meant for another process
  setenv("WATCHDOG_PID", "", 1);
  setenv("WATCHDOG_USEC", "soon", 1);
  EXPECT_FALSE(systemd::options::from_environment().watchdog);
  unsetenv("NOTIFY_SOCKET");
  unsetenv("WATCHDOG_USEC");
  unsetenv("WATCHDOG_PID");
  EXPECT_TRUE(systemd::options::from_environment().socket.empty());
}

TEST(Notify, WithoutASocketNothingIsInstalled) {
  service svc("s", quiet());
  svc.add<quick>("db");
  systemd::install(svc, systemd::options{});  // no socket: no listener, no thread
  testing::harness h(svc);
  h.start();
  ASSERT_TRUE(h.wait_for_state(service_state::running));
  EXPECT_THROW(systemd::install(svc, systemd::options{.socket = "@x"}), std::logic_error);
  EXPECT_EQ(h.stop(), exit_ok);
}

}  // namespace
}  // namespace lifespan::test
