// lifespan-sim --serve end to end: a real process behind real sockets, faults injected over HTTP, and
// SIGTERM under load: nothing accepted fails, the readiness delay serves normally, /readyz turns 503 at
// once, and the process exits cleanly within its budgets.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>

#include "http/client.hpp"
#include "process.hpp"

namespace lifespan::test {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

const std::string sim = LIFESPAN_SIM_BINARY;

struct served_sim {
  explicit served_sim(const std::string& name, const std::string& graph) {
    address_file = ::testing::TempDir() + "/" + name + ".addr";
    std::remove(address_file.c_str());
    const auto config = write_temp_file(name + ".yaml", "http: {address: 127.0.0.1, port: 0, threads: 8, address_file: " +
                                                            address_file + "}\n" + graph);
    p = std::make_unique<process>(std::vector<std::string>{sim, "--config", config, "--serve"});
    port = await_listening_port(address_file, *p);
  }
  // Polls (a fresh connection every few milliseconds) until `target` answers `status`.
  bool await(const std::string& target, int status, std::chrono::milliseconds timeout = 20s) const {
    const auto deadline = steady::now() + timeout;
    while (steady::now() < deadline) {
      try {
        if (fetch(port, target).status == status) return true;
      } catch (const std::exception&) {
      }
      std::this_thread::sleep_for(2ms);
    }
    return false;
  }
  std::string address_file;
  std::unique_ptr<process> p;
  std::uint16_t port = 0;
};

TEST(SimServe, InjectedFaultsTurnRoutes503NamingTheComponentAndRecover) {
  served_sim s("faults", "shutdown: {readiness_delay: 0s}\ndb: {start: 20ms}\nindex: {criticality: background, requires: [db]}\n");
  ASSERT_TRUE(s.await("/readyz", 200));
  // Readiness does not wait for a background component; its routes answer once it is up.
  ASSERT_TRUE(s.await("/work?ms=1&needs=index", 200));

  const auto failed = fetch(s.port, "/fail/index", "POST");
  ASSERT_EQ(failed.status, 200) << failed.body;
  const auto refused = fetch(s.port, "/work?needs=index");
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(refused.json()["component"], "index");
  EXPECT_FALSE(refused.header("retry-after").empty());
  EXPECT_EQ(fetch(s.port, "/work?needs=db").status, 200);  // other components are unaffected
  // The runtime sees it too, through the component's failing health check.
  ASSERT_TRUE(s.await("/health/detailed", 200));
  const auto deadline = steady::now() + 10s;
  bool degraded = false;
  while (!degraded && steady::now() < deadline) {
    degraded = fetch(s.port, "/readyz").json()["degraded"] == true;
    if (!degraded) std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(degraded);

  EXPECT_EQ(fetch(s.port, "/recover/index", "POST").status, 200);
  EXPECT_EQ(fetch(s.port, "/work?needs=index").status, 200);
  EXPECT_EQ(fetch(s.port, "/work?needs=nothing").status, 404);
  EXPECT_EQ(fetch(s.port, "/work?ms=soon").status, 400);
  s.p->signal(SIGTERM);
  EXPECT_EQ(s.p->wait(), 0) << s.p->err();
}

TEST(SimServe, WithJsonLogsTheServersOwnLinesAreJsonObjectsInTheServicesLog) {
  served_sim s("jsonlog", "logging: {format: json}\nshutdown: {readiness_delay: 0s}\ndb: {start: 1ms}\n");
  ASSERT_TRUE(s.p->wait_for_log("listening on")) << s.p->err();  // the service's log (stderr), not stdout
  s.p->signal(SIGTERM);
  ASSERT_EQ(s.p->wait(), 0) << s.p->err();
  bool listening = false;
  std::size_t start = 0;
  const std::string err = s.p->err();
  while (start < err.size()) {
    const auto end = err.find('\n', start);
    const auto line = err.substr(start, end - start);
    start = end == std::string::npos ? err.size() : end + 1;
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line);  // every line is one JSON object
    EXPECT_EQ(j["service"], "lifespan-sim") << line;
    if (j.value("message", "").find("http: listening on 127.0.0.1:") != std::string::npos) listening = true;
  }
  EXPECT_TRUE(listening) << err;
  EXPECT_EQ(s.p->out().find("listening"), std::string::npos) << s.p->out();
}

TEST(SimServe, ProbesAnswerWithinMillisecondsOfExecWhileACriticalComponentTakesSeconds) {
  const auto exec = steady::now();
  served_sim s("early", "shutdown: {readiness_delay: 0s}\ndb: {start: 3s}\napi: {requires: [db]}\n");
  ASSERT_TRUE(s.await("/livez", 200, 10s));
  const auto first_200 = std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - exec);
  std::cout << "[ measured ] first 200 on /livez " << first_200.count() << " us after exec\n";
  EXPECT_LT(first_200, 1s);  // the target is 10 ms; the bound leaves room for a loaded machine
  const auto startup = fetch(s.port, "/startupz");
  EXPECT_EQ(startup.status, 503);
  EXPECT_NE(startup.json()["reason"].get<std::string>().find("db (starting)"), std::string::npos) << startup.body;
  const auto ready = fetch(s.port, "/readyz");
  EXPECT_EQ(ready.status, 503);
  const auto work = fetch(s.port, "/work?needs=api");
  EXPECT_EQ(work.status, 503);
  EXPECT_EQ(work.json()["component"], "api");
  EXPECT_LT(steady::now() - exec, 3s);  // all of this while db was still starting
  s.p->signal(SIGTERM);
  EXPECT_TRUE(s.p->wait(10s).has_value());  // the start is cancelled; the process exits
}

TEST(SimServe, ASecondSigtermSkipsTheDefaultReadinessDelay) {
  served_sim s("second", "db: {start: 5ms}\n");  // no shutdown section: add_server's 5 s readiness delay
  ASSERT_TRUE(s.await("/readyz", 200));
  const auto first = steady::now();
  s.p->signal(SIGTERM);
  ASSERT_TRUE(s.await("/readyz", 503, 5s));
  EXPECT_EQ(fetch(s.port, "/work").status, 200);  // still serving: the delay is under way
  s.p->signal(SIGTERM);
  const auto code = s.p->wait(10s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << s.p->err();
  EXPECT_LT(steady::now() - first, 4s);
  EXPECT_NE(s.p->err().find("second shutdown request"), std::string::npos) << s.p->err();
}

struct outcome {
  steady::time_point sent;
  int status = 0;  // 0: no response (the connection closed or timed out)
};

TEST(SimServe, SigtermUnderLoadDropsNothingAndServesThroughTheReadinessDelay) {
  constexpr auto delay = 1500ms;
  served_sim s("load", "shutdown: {readiness_delay: 1500ms, drain_timeout: 5s}\ndb: {start: 20ms}\n");
  ASSERT_TRUE(s.await("/readyz", 200));

  std::mutex mutex;
  std::vector<outcome> outcomes;
  std::atomic<int> warmed{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> workers;
  for (int w = 0; w < 12; ++w) {
    workers.emplace_back([&] {
      bool counted = false;
      while (!done) {
        std::unique_ptr<client> c;
        try {
          c = std::make_unique<client>(s.port);
        } catch (const std::exception&) {
          return;  // refused: the listener is closed, the drain is under way
        }
        for (;;) {
          outcome o{steady::now(), 0};
          try {
            c->send("GET /work?ms=5&needs=db HTTP/1.1\r\nHost: x\r\n\r\n");
            if (auto r = c->read(10s)) o.status = r->status;
          } catch (const std::exception&) {
          }
          {
            std::lock_guard lock(mutex);
            outcomes.push_back(o);
          }
          if (!counted) {
            counted = true;
            ++warmed;
          }
          if (o.status == 0 || done) break;
        }
      }
    });
  }
  while (warmed < 12) std::this_thread::sleep_for(1ms);

  const auto signalled = steady::now();
  s.p->signal(SIGTERM);
  std::optional<std::chrono::microseconds> not_ready_after;
  while (!not_ready_after && steady::now() < signalled + 5s) {
    try {
      if (fetch(s.port, "/readyz").status == 503)
        not_ready_after = std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - signalled);
    } catch (const std::exception&) {
    }
  }
  const auto code = s.p->wait(delay + 10s);
  const auto exited_after = steady::now() - signalled;
  done = true;
  for (auto& t : workers) t.join();

  ASSERT_TRUE(not_ready_after.has_value());
  // The target is 10 ms; the bound here leaves room for a loaded 2-core machine.
  EXPECT_LT(*not_ready_after, 250ms);
  std::cout << "[ measured ] /readyz 503 " << not_ready_after->count() << " us after SIGTERM\n";
  ASSERT_EQ(code, 0) << s.p->err();
  EXPECT_LT(exited_after, delay + 5s);

  int answered = 0, during_delay = 0, unanswered = 0;
  for (const auto& o : outcomes) {
    if (o.status != 0) {
      ++answered;
      EXPECT_EQ(o.status, 200);  // nothing accepted fails
    }
    if (o.sent >= signalled && o.sent < signalled + delay - 200ms) {
      ++during_delay;
      EXPECT_EQ(o.status, 200) << "a request sent during the readiness delay was not served";
    }
    if (o.status == 0) ++unanswered;
  }
  EXPECT_GT(during_delay, 12);
  // Unanswered requests can only be those a closing keep-alive connection never read (at the drain).
  for (const auto& o : outcomes) {
    if (o.status == 0) {
      EXPECT_GE(o.sent, signalled + delay - 200ms);
    }
  }
  std::cout << "[ measured ] " << answered << " answered, " << during_delay << " sent during the delay, " << unanswered
            << " never read (connections closed by the drain)\n";
}

}  // namespace
}  // namespace lifespan::test
