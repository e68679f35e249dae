// Graceful shutdown as add_server sets it up: a 5 s readiness delay unless configured otherwise, a second
// request skipping it, and exit codes telling a clean stop from a drain that ran out of time.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "fixture.hpp"

namespace lifespan::test {
namespace {

std::optional<duration> phase_took(const testing::harness& h, const std::string& phase) {
  for (const auto& e : h.events())
    if (e.kind == event_kind::shutdown_phase && e.detail == phase) return e.took;
  return std::nullopt;
}

// The port from the address file add_server's section names.
std::uint16_t read_port(const std::string& file) {
  std::string address;
  std::ifstream(file) >> address;
  return static_cast<std::uint16_t>(std::stoi(address.substr(address.rfind(':') + 1)));
}

std::vector<std::string> server_section(const std::string& file) {
  return {"http.address=127.0.0.1", "http.port=0", "http.threads=1", "http.address_file=" + file};
}

std::string address_file(const char* name) {
  return (std::filesystem::temp_directory_path() / (std::string("lifespan-") + name + "-" + std::to_string(::getpid()))).string();
}

TEST(Defaults, AddServerDelaysFiveSecondsByDefaultAndASecondRequestSkipsTheRest) {
  const auto file = address_file("default-delay");
  service svc{"t", quiet(server_section(file))};
  http::add_server(svc, {});
  testing::harness h{svc};
  h.start();
  ASSERT_TRUE(h.wait_for_state(service_state::running));
  const auto port = read_port(file);

  const auto asked = std::chrono::steady_clock::now();
  svc.request_shutdown();
  EXPECT_EQ(fetch(port, "/readyz").status, 503);
  // Well into the delay the server still serves normally: the delay is not the core's 0 s.
  std::this_thread::sleep_for(1s);  // the quantity under test is time itself
  EXPECT_EQ(fetch(port, "/livez").status, 200);
  EXPECT_FALSE(phase_took(h, "readiness_delay").has_value());

  svc.request_shutdown();  // a second signal: skip the rest of the delay
  const auto code = h.join(10s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, exit_ok);
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 4500ms);
  const auto took = phase_took(h, "readiness_delay");
  ASSERT_TRUE(took.has_value());
  // The phase began when the supervisor took the first request, which a loaded machine can delay past
  // `asked` by more than the fetch after the sleep lasts (996.9 ms was seen): "not 0 s", with slack.
  EXPECT_GE(*took, 900ms);
  EXPECT_LT(*took, 5s);
}

TEST(Defaults, ConfigurationWinsOverTheServersDefault) {
  const auto file = address_file("explicit-delay");
  auto overrides = server_section(file);
  overrides.push_back("shutdown.readiness_delay=50ms");
  service svc{"t", quiet(overrides)};
  http::add_server(svc, {});
  testing::harness h{svc};
  h.start();
  ASSERT_TRUE(h.wait_for_state(service_state::running));
  EXPECT_EQ(h.stop(), exit_ok);
  const auto took = phase_took(h, "readiness_delay");
  ASSERT_TRUE(took.has_value());
  EXPECT_GE(*took, 50ms);
  EXPECT_LT(*took, 2s);
}

TEST(Defaults, ConfigDefaultRejectsWhatIsNotSectionKeyValue) {
  service svc{"t", quiet()};
  EXPECT_THROW(svc.config_default("readiness_delay=5s"), std::invalid_argument);
  EXPECT_THROW(svc.config_default("shutdown.readiness_delay"), std::invalid_argument);
  EXPECT_THROW(svc.config_default(".x=1"), std::invalid_argument);
  EXPECT_NO_THROW(svc.config_default("shutdown.drain_timeout=3s"));
}

TEST(Defaults, ExitCodeTellsACleanStopFromADrainThatRanOutOfTime) {
  auto release = std::make_shared<gate>();
  auto entered = std::make_shared<counter>();
  http::router routes;
  routes.get("/stuck", [release, entered](http::request&) {
    entered->add();
    release->wait(std::stop_token{}, 1s);  // ignores the stop token: the drain deadline passes
    return http::response::text("late");
  });
  served s({"shutdown.drain_timeout=200ms"});
  s.add_server(std::move(routes));
  s.start();
  client stuck(s.port);
  stuck.send("GET /stuck HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(entered->wait_for(1));
  s.svc.request_shutdown();
  const auto code = s.h->join(20s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, exit_stop_timed_out);

  served clean;
  clean.add_server({});
  clean.start();
  EXPECT_EQ(fetch(clean.port, "/livez").status, 200);
  EXPECT_EQ(clean.h->stop(), exit_ok);
}

}  // namespace
}  // namespace lifespan::test
