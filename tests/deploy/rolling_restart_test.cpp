// A rolling restart under load behind a real HAProxy: three replicas, steady keep-alive traffic through
// the balancer, each replica in turn sent SIGTERM and replaced by a new process on the same port once it
// has exited. HAProxy runs with no retries and no redispatch (haproxy.hpp), so zero failed requests means
// the replicas' own lifecycle did it: /readyz turns 503 at once, the readiness delay keeps serving while
// the balancer's health checks notice, the drain finishes what was accepted, and a new replica takes
// traffic only once its critical component is up. Run twice: with lifespan-sim replicas, and with the
// real service, `vigil serve`, under load on an application route.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>

#include "haproxy.hpp"
#include "replicas.hpp"
#include "http/client.hpp"
#include "sim/process.hpp"

namespace lifespan::test {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

// The budgets the replicas run with. The readiness delay must cover the balancer noticing (fall x inter,
// plus a check in flight), with room for a loaded machine.
constexpr auto readiness_delay = 1500ms;
constexpr auto critical_start = 300ms;

// What runs as a replica: lifespan-sim (a critical component that takes 300 ms to start, GET /work) or
// `vigil serve` (its whole graph on its own SQLite file, GET /api/alerts, which reads the database).
// Either must log the runtime's lifecycle lines to stderr.
enum class replica_kind { sim, vigil };

struct replica_set {
  replica_kind kind;
  scratch_dir dir{"rolling-restart"};

  std::vector<std::string> command(const std::string& name, std::uint16_t port,
                                   std::chrono::milliseconds delay = readiness_delay) const {
    // vigil: one directory (database, tailed log) per replica slot, kept when the slot's process is replaced.
    if (kind == replica_kind::vigil) return vigil_serve_command(dir / name.substr(0, name.size() - 1), port, delay);
    const auto config = dir / (name + ".yaml");
    std::ofstream(config) << "http: {address: 127.0.0.1, port: " << port << ", threads: 4}\n"
                          << "shutdown: {readiness_delay: " << delay.count()
                          << "ms, drain_timeout: 5s, grace_period: 10s}\n"
                          << "db: {start: " << critical_start.count() << "ms}\napi: {requires: [db]}\n";
    return {LIFESPAN_SIM_BINARY, "--config", config.string(), "--serve"};
  }
  std::string load_target() const { return kind == replica_kind::vigil ? "/api/alerts?limit=5" : "/work?ms=2&needs=api"; }
};

// Each lifecycle stage of one replica process, as its log shows it ("db" is a critical component of both).
void expect_lifecycle_logged(const std::string& log, const std::string& who) {
  for (const char* line : {"db: up in", "service READY", "service STOPPING", "shutdown phase readiness_delay took",
                           "shutdown phase drain took", "service STOPPED"})
    EXPECT_NE(log.find(line), std::string::npos) << who << " did not log '" << line << "':\n" << log;
}

struct load {
  std::atomic<bool> done{false};
  std::atomic<long> served{0}, failed{0};
  std::mutex mutex;
  std::vector<std::string> failures;  // the first few, for the message
  std::vector<std::thread> threads;

  void record_failure(const std::string& what) {
    ++failed;
    std::lock_guard lock(mutex);
    if (failures.size() < 10) failures.push_back(what);
  }
  // `n` threads, each one keep-alive connection to the balancer, one request at a time.
  void start(std::uint16_t port, int n, const std::string& target) {
    for (int t = 0; t < n; ++t)
      threads.emplace_back([this, port, target] {
        while (!done) {
          std::unique_ptr<client> c;
          try {
            c = std::make_unique<client>(port);
          } catch (const std::exception& e) {
            record_failure(std::string("connect to haproxy: ") + e.what());
            return;
          }
          while (!done) {
            std::optional<reply> r;
            try {
              c->send("GET " + target + " HTTP/1.1\r\nHost: vigil\r\n\r\n");
              r = c->read(10s);
            } catch (const std::exception&) {
            }
            if (!r) {
              record_failure("no response (connection closed or timed out)");
              break;  // a new connection
            }
            if (r->status != 200) {
              record_failure("HTTP " + std::to_string(r->status) + ": " + r->body);
              if (r->header("connection") == "close") break;
              continue;
            }
            ++served;
            if (r->header("connection") == "close") break;  // the balancer's choice, not a failure
          }
        }
      });
  }
  void stop() {
    done = true;
    for (auto& t : threads) t.join();
  }
};

// Starts three replicas behind HAProxy, puts steady load through it, and replaces them one by one.
void roll_three_replicas_under_load(replica_kind kind) {
  constexpr int replicas = 3;
  replica_set set{kind};
  std::vector<std::uint16_t> ports;
  std::vector<std::unique_ptr<process>> running;
  std::vector<std::string> logs;  // every finished replica's stderr
  for (int i = 0; i < replicas; ++i) {
    ports.push_back(free_port());
    running.push_back(std::make_unique<process>(set.command("replica" + std::to_string(i) + "a", ports[i])));
  }
  for (int i = 0; i < replicas; ++i) ASSERT_TRUE(running[i]->wait_for_log("service READY")) << running[i]->err();

  haproxy lb(ports);
  for (int i = 0; i < replicas; ++i)
    ASSERT_TRUE(lb.await_status("r" + std::to_string(i), "UP")) << lb.output();

  load l;
  l.start(lb.port(), 4, set.load_target());
  // Steady state first: every replica is taking traffic.
  for (const auto until = steady::now() + 20s; steady::now() < until && l.served < 200;) std::this_thread::sleep_for(5ms);
  ASSERT_GE(l.served, 200) << "no steady load through haproxy";
  const long before_roll = l.served;
  const auto roll_started = steady::now();

  for (int i = 0; i < replicas; ++i) {
    const std::string name = "r" + std::to_string(i);
    const auto t0 = steady::now();
    running[i]->signal(SIGTERM);
    // The balancer notices through /readyz while the replica still serves (its readiness delay).
    ASSERT_TRUE(lb.await_status(name, "DOWN", 10s)) << lb.output();
    const auto down_after = steady::now() - t0;
    EXPECT_LT(down_after, readiness_delay) << name << " was still in rotation when its readiness delay ended";
    const auto code = running[i]->wait(readiness_delay + 15s);
    ASSERT_EQ(code, 0) << running[i]->err();
    const auto exited_after = steady::now() - t0;
    expect_lifecycle_logged(running[i]->err(), name + " (old)");
    logs.push_back(running[i]->err());

    running[i] = std::make_unique<process>(set.command("replica" + std::to_string(i) + "b", ports[i]));
    ASSERT_TRUE(running[i]->wait_for_log("service READY")) << running[i]->err();
    ASSERT_TRUE(lb.await_status(name, "UP", 10s)) << lb.output();
    const auto stot = lb.stats().at(name).sessions_total;
    // The new replica takes traffic before the next one goes down (so two are never out at once).
    for (const auto until = steady::now() + 10s; steady::now() < until && lb.stats().at(name).sessions_total < stot + 20;)
      std::this_thread::sleep_for(5ms);
    EXPECT_GE(lb.stats().at(name).sessions_total, stot + 20) << name << " (new) took no traffic";
    const auto total = steady::now() - t0;
    std::cout << "[ measured ] " << name << ": DOWN in haproxy "
              << std::chrono::duration_cast<std::chrono::milliseconds>(down_after).count() << " ms, exited "
              << std::chrono::duration_cast<std::chrono::milliseconds>(exited_after).count()
              << " ms, replaced and serving " << std::chrono::duration_cast<std::chrono::milliseconds>(total).count()
              << " ms after SIGTERM\n";
  }
  const auto roll = steady::now() - roll_started;
  const long during_roll = l.served - before_roll;
  l.stop();

  std::cout << "[ measured ] roll of " << replicas << (kind == replica_kind::vigil ? " vigil" : " lifespan-sim")
            << " replicas: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(roll).count() << " ms, " << during_roll
            << " requests served during the roll, " << l.failed << " failed (" << l.served << " in all)\n";
  EXPECT_EQ(l.failed, 0) << [&] {
    std::string s;
    for (const auto& f : l.failures) s += f + "\n";
    return s;
  }();
  EXPECT_GT(during_roll, 100);
  for (const auto& [name, s] : lb.stats()) {
    EXPECT_EQ(s.retries, 0) << name;  // retries 0 in the config; checked, not assumed
    EXPECT_EQ(s.redispatches, 0) << name;
    EXPECT_EQ(s.connection_errors, 0) << name;
    EXPECT_EQ(s.response_errors, 0) << name;
  }
  for (int i = 0; i < replicas; ++i) running[i]->signal(SIGTERM);
  for (int i = 0; i < replicas; ++i) {
    ASSERT_EQ(running[i]->wait(readiness_delay + 15s), 0) << running[i]->err();
    expect_lifecycle_logged(running[i]->err(), "r" + std::to_string(i) + " (new)");
  }
}

TEST(RollingRestart, ThreeReplicasBehindHaproxyRollUnderLoadWithZeroFailedRequests) {
  roll_three_replicas_under_load(replica_kind::sim);
}

// The same roll with the real service: three `vigil serve` processes, each on its own SQLite file,
// load on /api/alerts (an application route reading the database), not a synthetic endpoint.
TEST(RollingRestart, ThreeVigilReplicasBehindHaproxyRollUnderLoadWithZeroFailedRequests) {
  if (std::string(VIGIL_BINARY).empty()) GTEST_SKIP() << "vigil is not built (apps/vigil's dependencies are missing)";
  roll_three_replicas_under_load(replica_kind::vigil);
}

// The control: the same balancer and load, one replica stopped with no readiness delay. Its listener
// closes before HAProxy's checks notice, so requests routed to it fail. This is what the readiness
// delay buys, and it shows the zero above is measured by a test that can see failures.
TEST(RollingRestart, WithoutAReadinessDelayTheBalancerSendsRequestsToAClosedReplica) {
  std::vector<std::uint16_t> ports{free_port(), free_port()};
  std::vector<std::unique_ptr<process>> running;
  replica_set set{replica_kind::sim};
  for (int i = 0; i < 2; ++i)
    running.push_back(std::make_unique<process>(set.command("control" + std::to_string(i), ports[i], 0ms)));
  for (auto& r : running) ASSERT_TRUE(r->wait_for_log("service READY")) << r->err();
  haproxy lb(ports, {std::chrono::milliseconds(500), 3, 2});  // slower checks: a wider window, as in production
  ASSERT_TRUE(lb.await_status("r0", "UP")) << lb.output();
  ASSERT_TRUE(lb.await_status("r1", "UP")) << lb.output();
  load l;
  l.start(lb.port(), 4, set.load_target());
  for (const auto until = steady::now() + 20s; steady::now() < until && l.served < 200;) std::this_thread::sleep_for(5ms);
  running[0]->signal(SIGTERM);
  ASSERT_EQ(running[0]->wait(15s), 0) << running[0]->err();
  ASSERT_TRUE(lb.await_status("r0", "DOWN", 10s)) << lb.output();
  l.stop();
  std::cout << "[ measured ] control without readiness delay: " << l.failed << " failed of " << l.served + l.failed
            << " requests\n";
  EXPECT_GT(l.failed, 0) << "the balancer noticed the replica before its listener closed: the control shows nothing";
  running[1]->signal(SIGTERM);
  EXPECT_EQ(running[1]->wait(15s), 0);
}

}  // namespace
}  // namespace lifespan::test
