// GeoIP inside the real service (in-process, real files, real SQLite, real MaxMind DB files): a
// configured database that is missing makes the service degraded with a reason naming the file and
// the fix, and is picked up by the background retry once it appears; alerts then carry their
// client's country in the store and in the API's JSON. A database replaced on disk (rename) or on
// SIGHUP is swapped in; a corrupt replacement keeps the old one serving. No geoip.path: disabled,
// not degraded.
#include <fstream>
#include <thread>

#include "lifespan/core/service.hpp"
#include "mmdb_fixture.hpp"
#include "service/geoip.hpp"
#include "service/live_feed.hpp"
#include "service_fixture.hpp"

namespace vigil::test {
namespace {

// Line `i` of the fixture's log as if sent by `client` (attack_every 1: every line raises one alert).
std::string attack_from(const std::string& client, int i) {
  const auto line = log_line(i, 1);
  return client + line.substr(line.find(' '));
}

struct grab_geoip : lifespan::component {
  explicit grab_geoip(std::shared_ptr<std::atomic<service::geoip*>> out) : out_(std::move(out)) {}
  void start(lifespan::context& ctx) override { out_->store(&ctx.get<service::geoip>()); }
  void stop(lifespan::time_point) override { out_->store(nullptr); }
  std::shared_ptr<std::atomic<service::geoip*>> out_;
};

std::function<void(lifespan::service&)> add_grab(std::shared_ptr<std::atomic<service::geoip*>> out) {
  return [out](lifespan::service& svc) { svc.add<grab_geoip>("grab_geoip", out).background().depends_on<service::geoip>(); };
}

// The newest `n` alerts' countries, newest first.
std::vector<std::string> countries(service_under_test& s, int n) {
  service::alert_query q;
  q.limit = n;
  std::vector<std::string> out;
  for (const auto& a : s.alerts().query(q).alerts) out.push_back(a.country);
  return out;
}

const lifespan::component_status* find(const lifespan::service_status& st, const std::string& name) {
  for (const auto& c : st.components)
    if (c.name == name) return &c;
  return nullptr;
}

// The watcher checks the file on a timer; there is no event to await from outside, so poll.
bool eventually(const std::function<bool()>& done) {
  const auto until = std::chrono::steady_clock::now() + 60s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

TEST(vigil_serve_geoip, a_missing_database_degrades_the_service_until_it_appears) {
  temp_dir dir;
  const auto log = dir / "access.log";
  const auto mmdb = dir / "GeoLite2-Country.mmdb";
  auto geo = std::make_shared<std::atomic<service::geoip*>>(nullptr);
  service_under_test s(dir, {log.string()},
                       {"geoip.path=" + mmdb.string(), "geoip.retry_initial=50ms", "geoip.retry_max=200ms"},
                       add_grab(geo));
  ASSERT_TRUE(s.up);
  ASSERT_TRUE(s.h->wait_for_event(lifespan::event_kind::component_failed, "geoip"));
  ASSERT_TRUE(s.h->wait_for_state(lifespan::service_state::running, 60s));
  EXPECT_TRUE(s.svc.is_degraded());
  EXPECT_TRUE(s.svc.is_ready()) << "GeoIP is background: its failure must not take readiness away";
  const auto status = s.svc.status();
  const auto* c = find(status, "geoip");
  ASSERT_NE(c, nullptr);
  EXPECT_FALSE(lifespan::is_usable(c->state));
  EXPECT_NE(c->reason.find(mmdb.string()), std::string::npos) << c->reason;
  EXPECT_NE(c->reason.find("geoipupdate"), std::string::npos) << c->reason;

  // Without GeoIP, alerts carry no country.
  append(log, attack_from("203.0.113.7", 0));
  ASSERT_TRUE(s.wait_stored(1));
  EXPECT_EQ(countries(s, 1), std::vector<std::string>{""});

  write_mmdb(mmdb, default_networks());
  ASSERT_TRUE(s.h->wait_for_event(lifespan::event_kind::component_up, "geoip", 60s));
  ASSERT_TRUE(s.h->wait_for_event(lifespan::event_kind::component_up, "grab_geoip", 60s));
  ASSERT_TRUE(eventually([&] {
    const auto st = s.svc.status();
    const auto* g = find(st, "geoip");
    return g && g->state == lifespan::component_state::up && g->health == lifespan::health_status::ok;
  }));

  append(log, attack_from("203.0.113.7", 1) + attack_from("10.1.2.3", 2) + attack_from("2001:db8::42", 3));
  ASSERT_TRUE(s.wait_stored(4));
  EXPECT_EQ(countries(s, 3), (std::vector<std::string>{"DE", "", "FR"}));
  // Stored with the alert (read back from SQLite), and served in /api/alerts' JSON.
  EXPECT_EQ(sqlite_reader(s.db_file).number("SELECT COUNT(*) FROM vigil_alerts WHERE country = 'FR'"), 1);
  service::alert_query q;
  q.client = "203.0.113.7";
  const auto page = s.alerts().query(q);
  ASSERT_EQ(page.alerts.size(), 2u);
  EXPECT_EQ(service::alert_json(page.alerts.front())["country"], "FR");
  EXPECT_EQ(service::alert_json(page.alerts.back())["country"], "");
  EXPECT_EQ(s.h->stop(), 0);
}

TEST(vigil_serve_geoip, a_replaced_database_is_swapped_in_and_a_corrupt_one_keeps_the_old) {
  temp_dir dir;
  const auto log = dir / "access.log";
  const auto mmdb = dir / "country.mmdb";
  write_mmdb(mmdb, {"203.0.113.0/24=FR"});
  auto geo = std::make_shared<std::atomic<service::geoip*>>(nullptr);
  service_under_test s(dir, {log.string()}, {"geoip.path=" + mmdb.string(), "geoip.check_interval=100ms"},
                       add_grab(geo));
  ASSERT_TRUE(s.up);
  ASSERT_TRUE(s.h->wait_for_event(lifespan::event_kind::component_up, "grab_geoip", 60s));
  append(log, attack_from("203.0.113.7", 0));
  ASSERT_TRUE(s.wait_stored(1));
  EXPECT_EQ(countries(s, 1), std::vector<std::string>{"FR"});

  // geoipupdate's way: a new file renamed over the old one.
  const auto first = geo->load()->database();
  write_mmdb(mmdb, {"203.0.113.0/24=BE"});
  ASSERT_TRUE(eventually([&] { return geo->load()->database() != first; }));
  append(log, attack_from("203.0.113.7", 1));
  ASSERT_TRUE(s.wait_stored(2));
  EXPECT_EQ(countries(s, 1), std::vector<std::string>{"BE"});

  // A corrupt replacement: reported, and the previous database keeps serving.
  const auto second = geo->load()->database();
  {
    std::ofstream(dir / "bad.partial", std::ios::binary) << "not a database";
  }
  std::filesystem::rename(dir / "bad.partial", mmdb);
  ASSERT_TRUE(eventually([&] {
    const auto h = geo->load()->check_health({});
    return h && h->status == lifespan::health_status::degraded;
  }));
  const auto health = geo->load()->check_health({});
  EXPECT_NE(health->reason.find("not a usable MaxMind DB file"), std::string::npos) << health->reason;
  EXPECT_NE(health->reason.find("still serving"), std::string::npos) << health->reason;
  EXPECT_EQ(geo->load()->database(), second);
  append(log, attack_from("203.0.113.7", 2));
  ASSERT_TRUE(s.wait_stored(3));
  EXPECT_EQ(countries(s, 1), std::vector<std::string>{"BE"});

  // A good file again: swapped in, healthy.
  write_mmdb(mmdb, {"203.0.113.0/24=NL"});
  ASSERT_TRUE(eventually([&] { return geo->load()->check_health({})->status == lifespan::health_status::ok; }));
  append(log, attack_from("203.0.113.7", 3));
  ASSERT_TRUE(s.wait_stored(4));
  EXPECT_EQ(countries(s, 1), std::vector<std::string>{"NL"});
  EXPECT_EQ(s.h->stop(), 0);
}

TEST(vigil_serve_geoip, sighup_reopens_the_database_and_rejects_a_corrupt_one) {
  temp_dir dir;
  const auto log = dir / "access.log";
  const auto mmdb = dir / "country.mmdb";
  write_mmdb(mmdb, {"198.51.100.0/24=US"});
  auto geo = std::make_shared<std::atomic<service::geoip*>>(nullptr);
  // check_interval 0s: only SIGHUP (request_reload) looks at the file again.
  service_under_test s(dir, {log.string()}, {"geoip.path=" + mmdb.string(), "geoip.check_interval=0s"}, add_grab(geo));
  ASSERT_TRUE(s.up);
  ASSERT_TRUE(s.h->wait_for_event(lifespan::event_kind::component_up, "grab_geoip", 60s));
  const auto first = geo->load()->database();
  auto reload = [&] {
    const auto count = [](const std::vector<lifespan::lifecycle_event>& events) {
      std::size_t n = 0;
      for (const auto& e : events) n += e.kind == lifespan::event_kind::reload_finished;
      return n;
    };
    const auto seen = count(s.h->events());
    s.svc.request_reload();
    EXPECT_TRUE(s.h->wait_for([&](const auto& events) { return count(events) > seen; }, 60s));
    const auto events = s.h->events();
    for (auto it = events.rbegin(); it != events.rend(); ++it)
      if (it->kind == lifespan::event_kind::reload_finished) return it->detail;
    return std::string("no reload_finished event");
  };

  write_mmdb(mmdb, {"198.51.100.0/24=CA"});
  EXPECT_EQ(geo->load()->database(), first) << "check_interval 0s must not watch the file";
  const auto applied = reload();  // other components may say they need a restart; geoip must not complain
  EXPECT_EQ(applied.find("geoip"), std::string::npos) << applied;
  EXPECT_NE(geo->load()->database(), first);
  append(log, attack_from("198.51.100.20", 0));
  ASSERT_TRUE(s.wait_stored(1));
  EXPECT_EQ(countries(s, 1), std::vector<std::string>{"CA"});

  const auto second = geo->load()->database();
  std::filesystem::resize_file(dir / "country.mmdb", 0);  // never do this to a live database; here no lookup runs
  const auto detail = reload();
  EXPECT_NE(detail.find("geoip: rejected the new configuration"), std::string::npos) << detail;
  EXPECT_NE(detail.find("still serving"), std::string::npos) << detail;
  EXPECT_EQ(geo->load()->database(), second);
  EXPECT_EQ(s.h->stop(), 0);
}

TEST(vigil_serve_geoip, without_a_path_geoip_is_disabled_and_the_service_not_degraded) {
  temp_dir dir;
  const auto log = dir / "access.log";
  auto geo = std::make_shared<std::atomic<service::geoip*>>(nullptr);
  service_under_test s(dir, {log.string()}, {}, add_grab(geo));
  ASSERT_TRUE(s.up);
  ASSERT_TRUE(s.h->wait_for_event(lifespan::event_kind::component_up, "grab_geoip", 60s));
  ASSERT_TRUE(s.h->wait_for_state(lifespan::service_state::running, 60s));
  EXPECT_EQ(geo->load()->database(), nullptr);
  EXPECT_EQ(geo->load()->check_health({})->status, lifespan::health_status::ok);
  append(log, attack_from("203.0.113.7", 0));
  ASSERT_TRUE(s.wait_stored(1));
  EXPECT_EQ(countries(s, 1), std::vector<std::string>{""});
  const auto status = s.svc.status();  // the service may be degraded for other reasons (no threat model)
  const auto* c = find(status, "geoip");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->state, lifespan::component_state::up) << "an unconfigured GeoIP is a choice, not a fault";
  EXPECT_EQ(c->health, lifespan::health_status::ok) << c->reason;
  EXPECT_EQ(c->attempts, 1);
  EXPECT_EQ(s.h->stop(), 0);
}

}  // namespace
}  // namespace vigil::test
