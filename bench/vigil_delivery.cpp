// vigil alert delivery: what the outbox costs the alert store's write, and how fast the relay drains a
// backlog into a real redis-server, each against its peer measured in the same run.
//
//   BM_store_write/<sinks>   alert_store::write of 100 new alerts on SQLite with 0, 1 or 2 registered
//                            sinks (0 is the peer: the store without outbox rows)
//   BM_redis_drain           a 20,000-alert backlog from the outbox to a Redis stream through the relay
//   BM_redis_raw             the peer: the same alerts as pipelined XADDs straight from memory (hiredis,
//                            batches of 200, no database)
//
//   build/release/bench/vigil_delivery --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>
#include <hiredis/hiredis.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include <fmt/format.h>

#include "delivery/outbox.hpp"
#include "delivery/redis_sink.hpp"
#include "delivery/relay.hpp"
#include "lifespan/testing/harness.hpp"
#include "service/alert_store.hpp"
#include "service/live_feed.hpp"
#include "service/service_main.hpp"

namespace {

struct grab : lifespan::component {
  explicit grab(std::atomic<vigil::service::alert_store*>* out) : out_(out) {}
  void start(lifespan::context& ctx) override { out_->store(&ctx.get<vigil::service::alert_store>()); }
  void stop(lifespan::time_point) override { out_->store(nullptr); }
  std::atomic<vigil::service::alert_store*>* out_;
};

vigil::service::alert make_alert(long i) {
  vigil::service::alert a;
  a.key = fmt::format("7:7:0:00bb:{}:rule", i);
  a.time = 1'700'000'000 + i;
  a.client = fmt::format("10.7.{}.{}", (i >> 8) & 255, i & 255);
  a.method = "GET";
  a.path = fmt::format("/search?q=%3Cscript%3Ealert({})%3C/script%3E", i);
  a.status = 200;
  a.user_agent = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0";
  a.rule_ids = {"xss-script-tag"};
  a.categories = {"xss"};
  a.level = vigil::severity::high;
  a.mode = "rules";
  a.kind = "rule";
  a.file = "/var/log/nginx/access.log";
  a.offset = static_cast<std::uint64_t>(i) * 180;
  return a;
}

// The service's database and alert store, in-process on a temporary SQLite file.
struct store_service {
  store_service() {
    std::string pattern = (std::filesystem::temp_directory_path() / "vigil-bench-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    dir = pattern;
    lifespan::service_options o;
    o.own_signals = false;
    o.read_environment = false;
    o.install_logger = false;
    o.config_overrides = {"db.url=sqlite://" + (dir / "vigil.db").string(),
                          "tailer.paths=[" + (dir / "access.log").string() + "]", "http.port=0",
                          "http.address=127.0.0.1", "shutdown.readiness_delay=0s", "models.root=" + (dir / "models").string()};
    svc = std::make_unique<lifespan::service>("vigil", o);
    vigil::service::assemble(*svc);
    svc->add<grab>("grab", &store).ready_gating().depends_on<vigil::service::alert_store>();
    h = std::make_unique<lifespan::testing::harness>(*svc);
    h->start();
    if (!h->wait_for_event(lifespan::event_kind::component_up, "grab")) throw std::runtime_error("service did not start");
  }
  ~store_service() {
    h.reset();
    svc.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::filesystem::path dir;
  std::atomic<vigil::service::alert_store*> store{nullptr};
  std::unique_ptr<lifespan::service> svc;
  std::unique_ptr<lifespan::testing::harness> h;
};

void BM_store_write(benchmark::State& state) {
  store_service s;
  vigil::delivery::outbox box(*s.store.load());
  for (int i = 0; i < state.range(0); ++i) box.register_sink(fmt::format("bench-{}", i));
  long next = 0;
  for (auto _ : state) {
    std::vector<vigil::service::alert> batch;
    for (int i = 0; i < 100; ++i) batch.push_back(make_alert(next++));
    if (s.store.load()->write(batch) != 100) state.SkipWithError("alerts not stored");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 100);
}
BENCHMARK(BM_store_write)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// A redis-server on a fixed loopback port for the run (daemonized; shut down at the end).
struct redis_process {
  int port = 46391;
  redis_process() {
    const auto cmd = fmt::format("/usr/bin/redis-server --port {} --bind 127.0.0.1 --save '' --appendonly no "
                                 "--daemonize yes --dir /tmp --pidfile /tmp/vigil-bench-redis.pid --logfile ''", port);
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("redis-server did not start");
    for (int i = 0; i < 500 && !ping(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ~redis_process() { run("SHUTDOWN NOSAVE"); }
  bool ping() { return run("PING"); }
  bool run(const char* command) {
    redisContext* c = redisConnect("127.0.0.1", port);
    bool ok = false;
    if (c && !c->err) {
      auto* r = static_cast<redisReply*>(redisCommand(c, command));
      ok = r && r->type != REDIS_REPLY_ERROR;
      if (r) freeReplyObject(r);
    }
    if (c) redisFree(c);
    return ok;
  }
};

constexpr long backlog = 20000;

void BM_redis_drain(benchmark::State& state) {
  redis_process redis;
  store_service s;
  auto& store = *s.store.load();
  vigil::delivery::outbox box(store);
  box.register_sink("redis");
  long next = 0;
  for (auto _ : state) {
    state.PauseTiming();
    redis.run("DEL bench");
    for (long done = 0; done < backlog; done += 1000) {
      std::vector<vigil::service::alert> batch;
      for (int i = 0; i < 1000; ++i) batch.push_back(make_alert(next++));
      store.write(batch);
    }
    vigil::delivery::redis_sink::options ro;
    ro.endpoint.port = redis.port;
    ro.stream = "bench";
    vigil::delivery::redis_sink sink(ro);
    vigil::delivery::relay_options o;
    o.poll_interval = std::chrono::milliseconds(1);
    vigil::delivery::relay relay(sink, store, o);
    state.ResumeTiming();
    relay.start();
    while (relay.status().delivered < static_cast<std::uint64_t>(backlog)) std::this_thread::sleep_for(std::chrono::microseconds(200));
    state.PauseTiming();
    relay.stop();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * backlog);
}
BENCHMARK(BM_redis_drain)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_redis_raw(benchmark::State& state) {
  redis_process redis;
  std::vector<std::pair<std::string, std::string>> alerts;
  for (long i = 0; i < backlog; ++i) {
    const auto a = make_alert(i);
    alerts.emplace_back(a.key, vigil::service::alert_json(a).dump());
  }
  redisContext* c = redisConnect("127.0.0.1", redis.port);
  for (auto _ : state) {
    for (std::size_t from = 0; from < alerts.size(); from += 200) {
      const auto to = std::min(alerts.size(), from + 200);
      for (auto i = from; i < to; ++i)
        redisAppendCommand(c, "XADD bench MAXLEN ~ 100000 * key %s alert %s", alerts[i].first.c_str(),
                           alerts[i].second.c_str());
      for (auto i = from; i < to; ++i) {
        void* r = nullptr;
        if (redisGetReply(c, &r) != REDIS_OK) return state.SkipWithError("redis failed");
        freeReplyObject(r);
      }
    }
  }
  redisFree(c);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * backlog);
}
BENCHMARK(BM_redis_raw)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
