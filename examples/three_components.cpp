// The README's example: three components, one of each common criticality, in one small service.
// Run it, press Ctrl-C (or send SIGTERM), and watch the reverse-order shutdown.
//   build/release/examples/example_three_components [--set database.pool_size=8] [--print-graph dot]
#include <lifespan/core/service.hpp>
#include <thread>

struct database : lifespan::component {
  struct options { int pool_size = 4; };
  static options read_options(lifespan::config::section& s) { return {s.get<int>("pool_size", 4)}; }
  explicit database(options o) : pool_size(o.pool_size) {}
  void start(lifespan::context&) override { std::this_thread::sleep_for(std::chrono::milliseconds(200)); }
  int pool_size;
};

struct cache : lifespan::component {
  void start(lifespan::context& ctx) override { db = &ctx.get<database>(); }  // declared: safe
  database* db = nullptr;
};

struct warmer : lifespan::component {
  void start(lifespan::context& ctx) override {
    auto c = ctx.optional<cache>();  // null until the cache is up; never blocks this start
    if (!c) throw std::runtime_error("cache not up yet");  // a background failure: retried with backoff
  }
};

int main(int argc, char** argv) {
  lifespan::service svc{"shop"};  // owns SIGTERM/SIGINT/SIGHUP/SIGUSR1 from here on
  svc.add<database>("database");                                         // critical by default
  svc.add<cache>("cache").ready_gating().depends_on<database>();         // readiness waits for it
  svc.add<warmer>("warmer").background().optional<cache>();              // degraded, never fatal
  return svc.main(argc, argv);  // --config, --set, --check-config, --print-graph; then run()
}
