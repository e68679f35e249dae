// The consumer example: a two-component service on an installed lifespan (examples/consumer). It
// starts, shuts itself down once ready, and prints the order of events, so a test can check that
// the installed library really runs a lifecycle (start along the graph, stop in reverse).
#include <lifespan/core/service.hpp>

#include <cstdio>

struct store : lifespan::component {
  void start(lifespan::context&) override { std::puts("store started"); }
  void stop(lifespan::time_point) override { std::puts("store stopped"); }
};

struct api : lifespan::component {
  void start(lifespan::context& ctx) override {
    ctx.get<store>();  // declared below: usable here
    std::puts("api started");
  }
  void stop(lifespan::time_point) override { std::puts("api stopped"); }
};

int main(int argc, char** argv) {
  lifespan::service svc{"consumer"};
  svc.add<store>("store");
  svc.add<api>("api").depends_on<store>();
  svc.on_event([&svc](const lifespan::lifecycle_event& e) {
    if (e.kind == lifespan::event_kind::service_state_changed && e.state == lifespan::service_state::running) {
      std::puts("running");
      svc.request_shutdown();
    }
  });
  return svc.main(argc, argv);
}
